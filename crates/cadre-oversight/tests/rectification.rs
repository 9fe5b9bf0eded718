//! Rectification (整改) on both databases: the loop from a finding through assignment, plan, report and 销号
//! to the finding rectified; a task sent back; a 销号 without evidence refused; extensions refused and
//! approved, moving the deadline and its yellow light on the leave service's calendar (国庆 2026 included);
//! the lights on chosen days; the ledger (整改台账) and the unit report; and what another unit sees.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::oversight as pb;
use harness::{Client, Harness, assert_error, date, rid};
use tonic::{Code, Status};

type Task = pb::RectificationTask;

async fn record_finding(client: &mut Client, unit: &str, on: &str) -> pb::Finding {
    client
        .record_finding(pb::RecordFindingRequest {
            request_id: rid(),
            org_unit_id: unit.to_owned(),
            category: pb::FindingCategory::WorkStyle as i32,
            severity: pb::Severity::Minor as i32,
            description: "窗口服务推诿扯皮，群众反映办事难".into(),
            evidence: vec!["督查记录 2026-05".into()],
            found_on: Some(date(on)),
            ..Default::default()
        })
        .await
        .expect("the finding")
        .into_inner()
        .finding
        .unwrap()
}

async fn get_finding(client: &mut Client, id: &str) -> pb::Finding {
    client
        .get_finding(pb::GetFindingRequest { finding_id: id.to_owned() })
        .await
        .expect("the finding")
        .into_inner()
        .finding
        .unwrap()
}

fn assignment(finding: &str, owner: &str, deadline: &str) -> pb::AssignRectificationRequest {
    pb::AssignRectificationRequest {
        request_id: rid(),
        finding_id: finding.to_owned(),
        owner_org_unit_id: owner.to_owned(),
        requirement: "建立首问负责制，一个月内整改到位".into(),
        deadline: Some(date(deadline)),
    }
}

async fn assign(client: &mut Client, finding: &str, owner: &str, deadline: &str) -> Result<Task, Status> {
    client
        .assign_rectification(assignment(finding, owner, deadline))
        .await
        .map(|r| r.into_inner().task.unwrap())
}

async fn plan(client: &mut Client, task: &str, plan: &str) -> Result<Task, Status> {
    client
        .submit_rectification_plan(pb::SubmitRectificationPlanRequest {
            request_id: rid(),
            task_id: task.to_owned(),
            plan: plan.to_owned(),
        })
        .await
        .map(|r| r.into_inner().task.unwrap())
}

async fn report(client: &mut Client, task: &str, evidence: &[&str]) -> Result<Task, Status> {
    client
        .report_rectification(pb::ReportRectificationRequest {
            request_id: rid(),
            task_id: task.to_owned(),
            report: "已制定制度并组织全员学习".into(),
            evidence: evidence.iter().map(|e| (*e).to_owned()).collect(),
        })
        .await
        .map(|r| r.into_inner().task.unwrap())
}

async fn verify(client: &mut Client, task: &str, accept: bool, note: &str) -> Result<Task, Status> {
    client
        .verify_rectification(pb::VerifyRectificationRequest {
            request_id: rid(),
            task_id: task.to_owned(),
            accept,
            note: note.to_owned(),
        })
        .await
        .map(|r| r.into_inner().task.unwrap())
}

async fn ask_extension(client: &mut Client, task: &str, to: &str) -> Result<Task, Status> {
    client
        .request_extension(pb::RequestExtensionRequest {
            request_id: rid(),
            task_id: task.to_owned(),
            requested_deadline: Some(date(to)),
            reason: "涉及多部门协调，需延长整改期限".into(),
        })
        .await
        .map(|r| r.into_inner().task.unwrap())
}

async fn decide(client: &mut Client, task: &str, approve: bool, note: &str) -> Result<Task, Status> {
    client
        .decide_extension(pb::DecideExtensionRequest {
            request_id: rid(),
            task_id: task.to_owned(),
            approve,
            note: note.to_owned(),
        })
        .await
        .map(|r| r.into_inner().task.unwrap())
}

async fn get(client: &mut Client, task: &str) -> Result<Task, Status> {
    client
        .get_rectification(pb::GetRectificationRequest { task_id: task.to_owned() })
        .await
        .map(|r| r.into_inner().task.unwrap())
}

async fn list(client: &mut Client, request: pb::ListRectificationsRequest) -> Vec<Task> {
    client.list_rectifications(request).await.expect("the tasks").into_inner().tasks
}

async fn ledger(client: &mut Client, unit: &str, year: i32) -> pb::GetRectificationLedgerResponse {
    client
        .get_rectification_ledger(pb::GetRectificationLedgerRequest { org_unit_id: unit.to_owned(), year })
        .await
        .expect("the ledger")
        .into_inner()
}

fn light(task: &Task) -> pb::DeadlineLight {
    pb::DeadlineLight::try_from(task.light).unwrap()
}

fn state(task: &Task) -> pb::RectificationState {
    pb::RectificationState::try_from(task.state).unwrap()
}

/// (total, green, yellow, red, closed, closed_late, pending_extensions).
fn shape(line: &pb::LedgerLine) -> (i32, i32, i32, i32, i32, i32, i32) {
    (line.total, line.green, line.yellow, line.red, line.closed, line.closed_late, line.pending_extensions)
}

fn counts(list: &[pb::Count]) -> Vec<(&str, i32)> {
    list.iter().map(|c| (c.code.as_str(), c.count)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_whole_loop_signs_tasks_off_and_rectifies_the_finding() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let mut inspector = h.inspector();
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let mut other_leader = h.as_person(&d.outsider, &[Role::UnitLeader]);
        let finding = record_finding(&mut inspector, &d.bureau, "2026-05-29").await;

        // Assigned to the finding's unit by default, in progress, version 1, with the yellow light three
        // working days before the deadline (Tuesday 30 June: from Thursday 25 June).
        let request = assignment(&finding.id, "", "2026-06-30");
        let task = inspector.assign_rectification(request.clone()).await.unwrap().into_inner().task.unwrap();
        assert_eq!(task.finding_id, finding.id);
        assert_eq!(
            (task.owner_org_unit_id.as_str(), task.owner_org_unit_name.as_str()),
            (d.bureau.as_str(), "区财政局")
        );
        assert_eq!((state(&task), task.version), (pb::RectificationState::InProgress, 1));
        assert_eq!(task.deadline, Some(date("2026-06-30")));
        assert_eq!(task.warning_from, Some(date("2026-06-25")));
        assert_eq!(light(&task), pb::DeadlineLight::Green);
        assert_eq!(task.created_by, "inspector");
        // A retry answers the first assignment and stores nothing more.
        let again = inspector.assign_rectification(request).await.unwrap().into_inner().task.unwrap();
        assert_eq!(again, task, "{}", h.backend);
        assert_eq!(h.count("rectification_tasks").await, 1);

        // Bad assignments.
        let status = assign(&mut inspector, &finding.id, "", "2026-06-01").await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_RECTIFICATION", Some("deadline"));
        let mut blank = assignment(&finding.id, "", "2026-06-30");
        blank.requirement = "  ".into();
        let status = inspector.assign_rectification(blank).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_RECTIFICATION", Some("requirement"));
        let status = assign(&mut inspector, "no-such-finding", "", "2026-06-30").await.unwrap_err();
        assert_error(&status, Code::NotFound, "FINDING_NOT_FOUND", None);
        let status = assign(&mut inspector, &finding.id, "no-such-unit", "2026-06-30").await.unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        let status = assign(&mut leader, &finding.id, "", "2026-06-30").await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "a unit does not assign its own rectification");

        // A second task for the same finding, owned by the other bureau.
        let second = assign(&mut inspector, &finding.id, &d.other_bureau, "2026-07-15").await.unwrap();
        assert_eq!(second.owner_org_unit_name, "区交通局");

        // The owner files its plan and reports with evidence; each write moves the version on.
        let status = plan(&mut leader, &task.id, " ").await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_PLAN", Some("plan"));
        let planned = plan(&mut leader, &task.id, "一、梳理窗口流程；二、建立首问负责制").await.unwrap();
        assert_eq!((planned.plan.as_str(), planned.version), ("一、梳理窗口流程；二、建立首问负责制", 2));
        let status = report(&mut leader, &task.id, &[]).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_REPORT", Some("evidence"));
        let reported =
            report(&mut leader, &task.id, &["整改报告.pdf", "制度文件 财发〔2026〕12号"]).await.unwrap();
        assert_eq!((state(&reported), reported.version), (pb::RectificationState::Submitted, 3));
        assert_eq!(reported.evidence, ["整改报告.pdf", "制度文件 财发〔2026〕12号"]);
        let status = plan(&mut leader, &task.id, "再改").await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "TASK_NOT_IN_PROGRESS", None);
        let status = report(&mut leader, &second.id, &["x"]).await.unwrap_err();
        assert_error(&status, Code::NotFound, "TASK_NOT_FOUND", None);

        // Nobody of the owner unit signs it off, whatever their role.
        let mut own_supervisor = h.as_person(&d.deputy, &[Role::TownOfficer]);
        let status = verify(&mut own_supervisor, &task.id, true, "").await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "OWN_TASK", None);
        let status = verify(&mut inspector, &second.id, true, "").await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "TASK_NOT_REPORTED", None);

        // 销号: closed today by the verifier, the light done; the finding stays open for the other task.
        h.set_today("2026-06-20");
        let verification = pb::VerifyRectificationRequest {
            request_id: rid(),
            task_id: task.id.clone(),
            accept: true,
            note: "材料齐全，同意销号".into(),
        };
        let closed =
            inspector.verify_rectification(verification.clone()).await.unwrap().into_inner().task.unwrap();
        assert_eq!(
            (state(&closed), light(&closed)),
            (pb::RectificationState::Closed, pb::DeadlineLight::Done)
        );
        assert_eq!((closed.closed_on, closed.verified_by.as_str()), (Some(date("2026-06-20")), "inspector"));
        assert_eq!(closed.version, 4);
        let replay = inspector.verify_rectification(verification).await.unwrap().into_inner().task.unwrap();
        assert_eq!(replay, closed);
        assert_eq!(get_finding(&mut inspector, &finding.id).await.state, pb::FindingState::Open as i32);
        let status = verify(&mut inspector, &task.id, true, "").await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "TASK_NOT_REPORTED", None);

        // The last task closed rectifies the finding; no new task is assigned for it afterwards.
        plan(&mut other_leader, &second.id, "完善制度").await.unwrap();
        report(&mut other_leader, &second.id, &["整改报告"]).await.unwrap();
        verify(&mut inspector, &second.id, true, "").await.unwrap();
        assert_eq!(get_finding(&mut inspector, &finding.id).await.state, pb::FindingState::Rectified as i32);
        let status = assign(&mut inspector, &finding.id, "", "2026-07-30").await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "FINDING_NOT_OPEN", None);

        // Each 销号 was published once, with the task as closed.
        let events = h.events::<pb::RectificationClosedEvent>("assessment").await;
        let ids: Vec<&str> = events.iter().map(|e| e.task.as_ref().unwrap().id.as_str()).collect();
        assert_eq!(ids, [task.id.as_str(), second.id.as_str()]);
        assert_eq!(events[0].task.as_ref().unwrap().state, pb::RectificationState::Closed as i32);

        // Both tasks are the finding's, by deadline.
        let tasks = list(
            &mut inspector,
            pb::ListRectificationsRequest { finding_id: finding.id.clone(), ..Default::default() },
        )
        .await;
        let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, [task.id.as_str(), second.id.as_str()]);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_task_sent_back_returns_to_its_owner_and_a_sign_off_needs_evidence() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let mut inspector = h.inspector();
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let finding = record_finding(&mut inspector, &d.bureau, "2026-05-29").await;
        let task = assign(&mut inspector, &finding.id, "", "2026-06-30").await.unwrap();
        report(&mut leader, &task.id, &["整改报告"]).await.unwrap();

        // Sending back needs a note; it returns the task to the owner with the note.
        let status = verify(&mut inspector, &task.id, false, "").await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_VERIFICATION", Some("note"));
        let back = verify(&mut inspector, &task.id, false, "缺少制度文件").await.unwrap();
        assert_eq!(
            (state(&back), back.returned_note.as_str()),
            (pb::RectificationState::InProgress, "缺少制度文件")
        );
        assert_eq!((back.version, back.closed_on), (3, None));
        assert_eq!(light(&back), pb::DeadlineLight::Green);
        let status = verify(&mut inspector, &task.id, true, "").await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "TASK_NOT_REPORTED", None);

        // Reported again; a report whose evidence is gone is not signed off.
        report(&mut leader, &task.id, &["整改报告", "制度文件"]).await.unwrap();
        let id = task.id.clone();
        h.db.run(move |conn| {
            use cadre_oversight::store::schema::rectification_tasks as t;
            use diesel::prelude::*;
            diesel::update(t::table.find(id)).set(t::evidence.eq("[]")).execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
        let status = verify(&mut inspector, &task.id, true, "").await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "EVIDENCE_REQUIRED", None);
        assert_eq!(state(&get(&mut inspector, &task.id).await.unwrap()), pb::RectificationState::Submitted);
        assert_eq!(get_finding(&mut inspector, &finding.id).await.state, pb::FindingState::Open as i32);
        assert!(h.events::<pb::RectificationClosedEvent>("assessment").await.is_empty());
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn extensions_move_the_deadline_and_its_yellow_light_over_the_national_day() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-09-01").await;
        let d = h.district().await;
        let mut inspector = h.inspector();
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let finding = record_finding(&mut inspector, &d.bureau, "2026-08-28").await;
        // Wednesday 30 September: the three working days before it are the 29th, the 28th and, past 中秋
        // (25–27 September), Thursday the 24th.
        let task = assign(&mut inspector, &finding.id, "", "2026-09-30").await.unwrap();
        assert_eq!(task.warning_from, Some(date("2026-09-24")));

        // The owner asks; a second request waits for the first; the deadline asked must be later.
        let status = ask_extension(&mut leader, &task.id, "2026-09-30").await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_EXTENSION", Some("requested_deadline"));
        let status = ask_extension(&mut leader, &task.id, "2026-08-31").await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_EXTENSION", Some("requested_deadline"));
        let request = pb::RequestExtensionRequest {
            request_id: rid(),
            task_id: task.id.clone(),
            requested_deadline: Some(date("2026-10-31")),
            reason: "涉及多部门协调".into(),
        };
        let asked = leader.request_extension(request.clone()).await.unwrap().into_inner().task.unwrap();
        assert_eq!(asked.extensions.len(), 1);
        assert_eq!(asked.extensions[0].state, pb::ExtensionState::Pending as i32);
        assert_eq!(asked.version, 2);
        assert_eq!(leader.request_extension(request).await.unwrap().into_inner().task.unwrap(), asked);
        assert_eq!(h.count("rectification_extensions").await, 1);
        let status = ask_extension(&mut leader, &task.id, "2026-11-30").await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "EXTENSION_PENDING", None);

        // The owner unit does not decide its own request; a refusal needs a note and leaves the deadline.
        let mut own_supervisor = h.as_person(&d.deputy, &[Role::TownOfficer]);
        let status = decide(&mut own_supervisor, &task.id, true, "").await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "OWN_TASK", None);
        let status = decide(&mut leader, &task.id, true, "").await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
        let status = decide(&mut inspector, &task.id, false, "").await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_EXTENSION_DECISION", Some("note"));
        let refused = decide(&mut inspector, &task.id, false, "理由不充分").await.unwrap();
        assert_eq!((refused.deadline, refused.warning_from), (task.deadline, task.warning_from));
        assert_eq!(refused.extensions[0].state, pb::ExtensionState::Refused as i32);
        assert_eq!(refused.extensions[0].decision_note, "理由不充分");
        assert_eq!(refused.version, 3);
        let status = decide(&mut inspector, &task.id, true, "").await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "NO_PENDING_EXTENSION", None);

        // Approved: the deadline moves to Thursday 8 October, right after the National Day holidays
        // (1–7 October); its yellow light starts three working days back, before the holidays.
        ask_extension(&mut leader, &task.id, "2026-10-08").await.unwrap();
        let approval = pb::DecideExtensionRequest {
            request_id: rid(),
            task_id: task.id.clone(),
            approve: true,
            note: String::new(),
        };
        let moved = inspector.decide_extension(approval.clone()).await.unwrap().into_inner().task.unwrap();
        assert_eq!(moved.deadline, Some(date("2026-10-08")));
        assert_eq!(moved.warning_from, Some(date("2026-09-28")));
        let states: Vec<i32> = moved.extensions.iter().map(|e| e.state).collect();
        assert_eq!(
            states,
            [pb::ExtensionState::Refused as i32, pb::ExtensionState::Approved as i32],
            "oldest first"
        );
        assert_eq!(moved.extensions[1].decided_by, "inspector");
        assert_eq!(moved.version, 5);
        assert_eq!(inspector.decide_extension(approval).await.unwrap().into_inner().task.unwrap(), moved);

        // The lights on given days, as Get and the light filter of List see them.
        for (day, expected) in [
            ("2026-09-27", pb::DeadlineLight::Green),
            ("2026-09-28", pb::DeadlineLight::Yellow),
            ("2026-10-05", pb::DeadlineLight::Yellow),
            ("2026-10-08", pb::DeadlineLight::Yellow),
            ("2026-10-09", pb::DeadlineLight::Red),
        ] {
            h.set_today(day);
            assert_eq!(light(&get(&mut inspector, &task.id).await.unwrap()), expected, "{day} {}", h.backend);
            for filter in [
                pb::DeadlineLight::Green,
                pb::DeadlineLight::Yellow,
                pb::DeadlineLight::Red,
                pb::DeadlineLight::Done,
            ] {
                let listed = list(
                    &mut inspector,
                    pb::ListRectificationsRequest { light: filter as i32, ..Default::default() },
                )
                .await;
                assert_eq!(listed.len(), usize::from(filter == expected), "{day} {filter:?} {}", h.backend);
            }
        }

        // A closed task takes no request.
        report(&mut leader, &task.id, &["整改报告"]).await.unwrap();
        verify(&mut inspector, &task.id, true, "").await.unwrap();
        let status = ask_extension(&mut leader, &task.id, "2026-12-31").await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "TASK_CLOSED", None);
        let done = list(
            &mut inspector,
            pb::ListRectificationsRequest { light: pb::DeadlineLight::Done as i32, ..Default::default() },
        )
        .await;
        assert_eq!(done.len(), 1);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_ledger_and_the_unit_report_count_each_unit_by_light() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let mut inspector = h.inspector();
        let mut org = h.org();
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let mut other_leader = h.as_person(&d.outsider, &[Role::UnitLeader]);
        let finding = record_finding(&mut inspector, &d.bureau, "2026-05-29").await;
        let other_finding = record_finding(&mut inspector, &d.other_bureau, "2026-05-30").await;
        let dismissed = record_finding(&mut inspector, &d.other_bureau, "2026-05-30").await;
        inspector
            .dismiss_finding(pb::DismissFindingRequest {
                request_id: rid(),
                finding_id: dismissed.id.clone(),
                reason: "经核实不属实".into(),
            })
            .await
            .unwrap();
        // Last year's finding is not in this year's report.
        record_finding(&mut inspector, &d.bureau, "2025-12-30").await;

        // The bureau: one far off with a request pending, one due soon, one closed late.
        let far = assign(&mut inspector, &finding.id, "", "2026-06-30").await.unwrap();
        let soon = assign(&mut inspector, &finding.id, "", "2026-06-05").await.unwrap();
        let late = assign(&mut inspector, &finding.id, "", "2026-06-03").await.unwrap();
        // The other bureau: one overdue, one closed on time.
        let overdue = assign(&mut inspector, &other_finding.id, "", "2026-06-03").await.unwrap();
        let on_time = assign(&mut inspector, &other_finding.id, "", "2026-06-20").await.unwrap();
        ask_extension(&mut leader, &far.id, "2026-07-31").await.unwrap();
        report(&mut leader, &late.id, &["整改报告"]).await.unwrap();
        report(&mut other_leader, &on_time.id, &["整改报告"]).await.unwrap();
        verify(&mut inspector, &on_time.id, true, "").await.unwrap();
        h.set_today("2026-06-04");
        verify(&mut inspector, &late.id, true, "").await.unwrap();

        // Paged by deadline then id, two at a time.
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let page = inspector
                .list_rectifications(pb::ListRectificationsRequest {
                    page_size: 2,
                    page_token: token.clone(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            seen.extend(page.tasks.into_iter().map(|t| t.id));
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        let mut same_day = [late.id.clone(), overdue.id.clone()];
        same_day.sort();
        let expected =
            [same_day[0].clone(), same_day[1].clone(), soon.id.clone(), on_time.id.clone(), far.id.clone()];
        assert_eq!(seen, expected, "{}", h.backend);
        let unfiltered = token_of(&mut inspector).await;
        let status = inspector
            .list_rectifications(pb::ListRectificationsRequest {
                page_token: unfiltered,
                state: pb::RectificationState::Closed as i32,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_PAGE_TOKEN", Some("page_token"));
        let status = inspector
            .list_rectifications(pb::ListRectificationsRequest { light: 99, ..Default::default() })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_FILTER", Some("light"));
        let closed = list(
            &mut inspector,
            pb::ListRectificationsRequest {
                org_unit_id: d.bureau.clone(),
                state: pb::RectificationState::Closed as i32,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(closed.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), [late.id.as_str()]);

        // The ledger on 4 June: the bureau has one green (with its request), one yellow, one closed late; the
        // other bureau one red and one closed on time.
        // Tasks count in the year of their deadline.
        let assigned = 2026;
        let all = ledger(&mut inspector, "", 0).await;
        assert_eq!(all.as_of, Some(date("2026-06-04")));
        let lines: Vec<(&str, &str)> =
            all.lines.iter().map(|l| (l.org_unit_id.as_str(), l.org_unit_name.as_str())).collect();
        let mut expected_units = vec![(d.bureau.as_str(), "区财政局"), (d.other_bureau.as_str(), "区交通局")];
        expected_units.sort();
        assert_eq!(lines, expected_units);
        let line = |l: &pb::GetRectificationLedgerResponse, unit: &str| {
            shape(l.lines.iter().find(|x| x.org_unit_id == unit).unwrap())
        };
        assert_eq!(line(&all, &d.bureau), (3, 1, 1, 0, 1, 1, 1), "{}", h.backend);
        assert_eq!(line(&all, &d.other_bureau), (2, 0, 0, 1, 1, 0, 0));
        assert_eq!(shape(all.total.as_ref().unwrap()), (5, 1, 1, 1, 2, 1, 1));
        assert_eq!(ledger(&mut inspector, "", assigned).await.lines, all.lines);
        assert!(ledger(&mut inspector, "", assigned - 1).await.lines.is_empty());
        let bureau_only = ledger(&mut leader, &d.bureau, 0).await;
        assert_eq!(bureau_only.lines.len(), 1);
        assert_eq!(shape(bureau_only.total.as_ref().unwrap()), (3, 1, 1, 0, 1, 1, 1));
        let status = inspector
            .get_rectification_ledger(pb::GetRectificationLedgerRequest {
                org_unit_id: String::new(),
                year: 12,
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_LEDGER", Some("year"));

        // Six days later the task due on the 5th is red too.
        h.set_today("2026-06-10");
        assert_eq!(line(&ledger(&mut inspector, "", 0).await, &d.bureau), (3, 1, 0, 1, 1, 1, 1));

        // The unit report of the district for 2026: findings by state and category, tasks by light,
        // decisions by measure, and the ledger.
        org.record_decision(pb::RecordDecisionRequest {
            request_id: rid(),
            cadre_id: d.staff.cadre_id.clone(),
            measure: pb::AccountabilityMeasure::ReminderTalk as i32,
            deciding_body: pb::DecidingBody::OrgDepartment as i32,
            decided_on: Some(date("2026-06-08")),
            note: "窗口服务态度问题".into(),
            ..Default::default()
        })
        .await
        .expect("the decision");
        let report = inspector
            .get_unit_oversight_report(pb::GetUnitOversightReportRequest {
                org_unit_id: String::new(),
                year: 2026,
            })
            .await
            .unwrap()
            .into_inner()
            .report
            .unwrap();
        assert_eq!(report.year, 2026);
        assert_eq!(counts(&report.findings_by_state), [("DISMISSED", 1), ("OPEN", 2)], "{}", h.backend);
        assert_eq!(counts(&report.findings_by_category), [("WORK_STYLE", 3)]);
        assert_eq!(counts(&report.decisions_by_measure), [("REMINDER_TALK", 1)]);
        assert_eq!(counts(&report.tasks_by_light), [("DONE", 2), ("GREEN", 1), ("RED", 2)]);
        assert_eq!(report.ledger.len(), 2);
        // The other bureau's report: its findings only, and no decision.
        let other = other_leader
            .get_unit_oversight_report(pb::GetUnitOversightReportRequest {
                org_unit_id: d.other_bureau.clone(),
                year: 2026,
            })
            .await
            .unwrap()
            .into_inner()
            .report
            .unwrap();
        assert_eq!(counts(&other.findings_by_state), [("DISMISSED", 1), ("OPEN", 1)]);
        assert!(other.decisions_by_measure.is_empty());
        {
            assert_eq!(counts(&other.tasks_by_light), [("DONE", 1), ("RED", 1)]);
            assert_eq!(
                other.ledger.iter().map(|l| l.org_unit_id.as_str()).collect::<Vec<_>>(),
                [d.other_bureau.as_str()]
            );
        }
        let status = inspector
            .get_unit_oversight_report(pb::GetUnitOversightReportRequest {
                org_unit_id: String::new(),
                year: 0,
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_REPORT_REQUEST", Some("year"));
        h.stop().await;
    }
}

/// A token of the unfiltered list's first page of one.
async fn token_of(client: &mut Client) -> String {
    client
        .list_rectifications(pb::ListRectificationsRequest { page_size: 1, ..Default::default() })
        .await
        .unwrap()
        .into_inner()
        .next_page_token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_unit_sees_nothing_of_a_task_and_a_dismissal_closes_open_ones() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let mut inspector = h.inspector();
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let mut other_leader = h.as_person(&d.outsider, &[Role::UnitLeader]);
        let mut staff = h.as_cadre(&d.staff);
        let finding = record_finding(&mut inspector, &d.bureau, "2026-05-29").await;
        let task = assign(&mut inspector, &finding.id, "", "2026-06-30").await.unwrap();

        // The bureau's leader sees it; the other bureau's leader and a plain cadre do not.
        assert_eq!(get(&mut leader, &task.id).await.unwrap().id, task.id);
        assert_eq!(list(&mut leader, pb::ListRectificationsRequest::default()).await.len(), 1);
        let status = get(&mut other_leader, &task.id).await.unwrap_err();
        assert_error(&status, Code::NotFound, "TASK_NOT_FOUND", None);
        assert!(list(&mut other_leader, pb::ListRectificationsRequest::default()).await.is_empty());
        assert!(list(&mut staff, pb::ListRectificationsRequest::default()).await.is_empty());
        let status = plan(&mut other_leader, &task.id, "越权").await.unwrap_err();
        assert_error(&status, Code::NotFound, "TASK_NOT_FOUND", None);
        let status = ask_extension(&mut other_leader, &task.id, "2026-07-30").await.unwrap_err();
        assert_error(&status, Code::NotFound, "TASK_NOT_FOUND", None);
        let status = other_leader
            .list_rectifications(pb::ListRectificationsRequest {
                org_unit_id: d.bureau.clone(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        let status = other_leader
            .get_rectification_ledger(pb::GetRectificationLedgerRequest {
                org_unit_id: d.bureau.clone(),
                year: 0,
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        assert!(ledger(&mut other_leader, "", 0).await.lines.is_empty());
        let status = other_leader
            .get_unit_oversight_report(pb::GetUnitOversightReportRequest {
                org_unit_id: d.bureau.clone(),
                year: 2026,
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        // A town officer scoped to the other bureau may supervise there, not assign here.
        let mut other_supervisor = h.as_person(&d.outsider, &[Role::TownOfficer]);
        let status = assign(&mut other_supervisor, &finding.id, "", "2026-06-30").await.unwrap_err();
        assert_error(&status, Code::NotFound, "FINDING_NOT_FOUND", None);
        let status = verify(&mut other_supervisor, &task.id, true, "").await.unwrap_err();
        assert_error(&status, Code::NotFound, "TASK_NOT_FOUND", None);

        // Dismissing the finding closes what is still open and refuses a pending request.
        ask_extension(&mut leader, &task.id, "2026-07-30").await.unwrap();
        inspector
            .dismiss_finding(pb::DismissFindingRequest {
                request_id: rid(),
                finding_id: finding.id.clone(),
                reason: "经核实不属实".into(),
            })
            .await
            .unwrap();
        let closed = get(&mut inspector, &task.id).await.unwrap();
        assert_eq!(
            (state(&closed), light(&closed)),
            (pb::RectificationState::Closed, pb::DeadlineLight::Done)
        );
        assert_eq!(closed.closed_on, Some(date("2026-06-01")));
        assert_eq!(closed.extensions[0].state, pb::ExtensionState::Refused as i32);
        let status = assign(&mut inspector, &finding.id, "", "2026-06-30").await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "FINDING_NOT_OPEN", None);
        h.stop().await;
    }
}

//! Inspections (督查) and findings, on both databases: planning and closing inspections, recording findings
//! under an open inspection and on their own, the discipline system's own findings (once per reference),
//! scope, the feed, the escalation proposed for a repeat, and dismissal closing the open tasks.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::oversight as pb;
use harness::{Client, Harness, assert_error, date, rid};
use tonic::{Code, Status};
use tonic_types::StatusExt as _;

use pb::{FindingCategory as C, Severity as S};

fn plan(units: &[&str], inspectors: &[&str]) -> pb::PlanInspectionRequest {
    pb::PlanInspectionRequest {
        request_id: rid(),
        title: "2026年第一季度工作纪律作风督查".into(),
        categories: vec![C::WorkDiscipline as i32, C::WorkStyle as i32],
        plan: "明察暗访相结合，重点查看考勤和窗口服务".into(),
        org_unit_ids: units.iter().map(|u| (*u).to_owned()).collect(),
        start_date: Some(date("2026-03-01")),
        end_date: Some(date("2026-03-31")),
        inspector_cadre_ids: inspectors.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn finding(unit: &str, cadre: &str, category: C) -> pb::RecordFindingRequest {
    pb::RecordFindingRequest {
        request_id: rid(),
        org_unit_id: unit.to_owned(),
        cadre_id: cadre.to_owned(),
        category: category as i32,
        severity: S::Minor as i32,
        description: "上班时间玩手机游戏，群众等候二十分钟无人接待".into(),
        evidence: vec!["photo-0301-1".into()],
        found_on: Some(date("2026-03-05")),
        ..Default::default()
    }
}

async fn inspect(client: &mut Client, request: pb::PlanInspectionRequest) -> Result<pb::Inspection, Status> {
    client.plan_inspection(request).await.map(|r| r.into_inner().inspection.unwrap())
}

async fn record(client: &mut Client, request: pb::RecordFindingRequest) -> Result<pb::Finding, Status> {
    client.record_finding(request).await.map(|r| r.into_inner().finding.unwrap())
}

async fn list(client: &mut Client, request: pb::ListFindingsRequest) -> Vec<pb::Finding> {
    client.list_findings(request).await.expect("the findings").into_inner().findings
}

async fn inspections(client: &mut Client, request: pb::ListInspectionsRequest) -> Vec<pb::Inspection> {
    client.list_inspections(request).await.expect("the inspections").into_inner().inspections
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| id(i).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn inspections_are_planned_closed_and_seen_within_scope() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut org = h.org();
        let inspector = h.cadre("督查员", &d.other_bureau, harness::Post::Staff).await;
        h.sync().await;

        let request = plan(&[&d.bureau], &[&inspector.cadre_id]);
        let planned = inspect(&mut org, request.clone()).await.unwrap();
        assert_eq!(planned.state, pb::InspectionState::Open as i32);
        assert_eq!(planned.categories, [C::WorkDiscipline as i32, C::WorkStyle as i32]);
        assert_eq!(
            (planned.org_unit_ids.clone(), planned.inspector_cadre_ids.clone()),
            (vec![d.bureau.clone()], vec![inspector.cadre_id.clone()])
        );
        assert_eq!(
            (planned.start_date, planned.end_date),
            (Some(date("2026-03-01")), Some(date("2026-03-31")))
        );
        assert_eq!((planned.finding_count, planned.created_by.as_str()), (0, "org-officer"));
        // A retry answers the first plan and stores nothing more.
        assert_eq!(inspect(&mut org, request).await.unwrap(), planned);
        assert_eq!(h.count("inspections").await, 1);
        assert_eq!(h.count("inspection_units").await, 1);

        // What an inspection looks at, when and by whom must make sense; nothing is written otherwise.
        let mut none = plan(&[&d.bureau], &[&inspector.cadre_id]);
        none.categories.clear();
        let status = inspect(&mut org, none).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_INSPECTION", Some("categories"));
        let mut leave = plan(&[&d.bureau], &[&inspector.cadre_id]);
        leave.categories = vec![C::LeaveOverdue as i32];
        let status = inspect(&mut org, leave).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_INSPECTION", Some("categories[0]"));
        let mut backwards = plan(&[&d.bureau], &[&inspector.cadre_id]);
        backwards.end_date = Some(date("2026-02-28"));
        let status = inspect(&mut org, backwards).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_INSPECTION", Some("end_date"));
        let status = inspect(&mut org, plan(&[&d.bureau], &[])).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_INSPECTION", Some("inspector_cadre_ids"));
        let status = inspect(&mut org, plan(&[&d.bureau], &["no-such-cadre"])).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_INSPECTION", Some("inspector_cadre_ids[0]"));
        let status =
            inspect(&mut org, plan(&[&d.bureau, &d.bureau], &[&inspector.cadre_id])).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_INSPECTION", Some("org_unit_ids[1]"));
        let status = inspect(&mut org, plan(&["no-such-unit"], &[&inspector.cadre_id])).await.unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        assert_eq!(h.count("inspections").await, 1);

        // A second inspection, of the other bureau only, in 2025.
        let mut earlier = plan(&[&d.other_bureau], &[&inspector.cadre_id]);
        earlier.start_date = Some(date("2025-11-01"));
        earlier.end_date = Some(date("2025-12-31"));
        let earlier = inspect(&mut org, earlier).await.unwrap();

        // The bureau's leader sees the inspection of the bureau, not the other; the other's leader the reverse.
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let mut outsider = h.as_person(&d.outsider, &[Role::UnitLeader]);
        let seen = inspections(&mut leader, pb::ListInspectionsRequest::default()).await;
        assert_eq!(ids(&seen, |i| &i.id), [planned.id.as_str()]);
        let got = leader
            .get_inspection(pb::GetInspectionRequest { inspection_id: planned.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .inspection
            .unwrap();
        assert_eq!(got, planned);
        let status = outsider
            .get_inspection(pb::GetInspectionRequest { inspection_id: planned.id.clone() })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "INSPECTION_NOT_FOUND", None);
        let seen = inspections(&mut outsider, pb::ListInspectionsRequest::default()).await;
        assert_eq!(ids(&seen, |i| &i.id), [earlier.id.as_str()]);
        // Filters: a unit subtree, a year the period touches, a state; newest first, in pages.
        let all = inspections(&mut org, pb::ListInspectionsRequest::default()).await;
        assert_eq!(ids(&all, |i| &i.id), [earlier.id.clone(), planned.id.clone()]);
        let of_bureau = inspections(
            &mut org,
            pb::ListInspectionsRequest { org_unit_id: d.bureau.clone(), ..Default::default() },
        )
        .await;
        assert_eq!(ids(&of_bureau, |i| &i.id), [planned.id.as_str()]);
        let in_2025 =
            inspections(&mut org, pb::ListInspectionsRequest { year: 2025, ..Default::default() }).await;
        assert_eq!(ids(&in_2025, |i| &i.id), [earlier.id.as_str()]);
        let first = org
            .list_inspections(pb::ListInspectionsRequest { page_size: 1, ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ids(&first.inspections, |i| &i.id), [earlier.id.as_str()]);
        let second = inspections(
            &mut org,
            pb::ListInspectionsRequest {
                page_size: 1,
                page_token: first.next_page_token,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(ids(&second, |i| &i.id), [planned.id.as_str()]);

        // Closing needs a summary, and happens once.
        let close = |summary: &str| pb::CloseInspectionRequest {
            request_id: rid(),
            inspection_id: planned.id.clone(),
            summary: summary.to_owned(),
        };
        let status = org.close_inspection(close(" ")).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_CLOSURE", Some("summary"));
        let closed = org
            .close_inspection(close("发现问题2个，已交办整改"))
            .await
            .unwrap()
            .into_inner()
            .inspection
            .unwrap();
        assert_eq!(closed.state, pb::InspectionState::Closed as i32);
        assert_eq!(closed.summary, "发现问题2个，已交办整改");
        assert!(closed.close_time.is_some());
        let status = org.close_inspection(close("again")).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "INSPECTION_CLOSED", None);
        let open = inspections(
            &mut org,
            pb::ListInspectionsRequest { state: pb::InspectionState::Open as i32, ..Default::default() },
        )
        .await;
        assert_eq!(ids(&open, |i| &i.id), [earlier.id.as_str()]);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn findings_are_recorded_under_open_inspections_and_on_their_own() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut org = h.org();
        let mut inspector = h.inspector();
        let planned = inspect(&mut org, plan(&[&d.bureau], &[&d.outsider.cadre_id])).await.unwrap();

        // About a cadre, under the inspection: the unit is the cadre's, the source the inspection.
        let mut request = finding("", &d.staff.cadre_id, C::WorkDiscipline);
        request.inspection_id = planned.id.clone();
        let found = record(&mut inspector, request.clone()).await.unwrap();
        assert_eq!(
            (found.org_unit_id.as_str(), found.org_unit_name.as_str()),
            (d.bureau.as_str(), "区财政局")
        );
        assert_eq!(
            (found.cadre_id.as_str(), found.cadre_name.as_str()),
            (d.staff.cadre_id.as_str(), "张科员")
        );
        assert_eq!(found.source, pb::FindingSource::Inspection as i32);
        assert_eq!(found.state, pb::FindingState::Open as i32);
        assert_eq!((found.category, found.severity), (C::WorkDiscipline as i32, S::Minor as i32));
        assert_eq!(found.evidence, ["photo-0301-1"]);
        assert_eq!((found.found_on, found.recorded_by.as_str()), (Some(date("2026-03-05")), "inspector"));
        assert_eq!(found.escalation, None, "a first finding with no decision before it proposes nothing");
        // A retry answers the first finding and stores nothing more.
        assert_eq!(record(&mut inspector, request).await.unwrap(), found);
        assert_eq!(h.count("findings").await, 1);
        let counted = org
            .get_inspection(pb::GetInspectionRequest { inspection_id: planned.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .inspection
            .unwrap();
        assert_eq!(counted.finding_count, 1);

        // About a unit, on its own: a manual finding.
        let unit_finding = record(&mut org, finding(&d.other_bureau, "", C::Inaction)).await.unwrap();
        assert_eq!((unit_finding.cadre_id.as_str(), unit_finding.org_unit_name.as_str()), ("", "区交通局"));
        assert_eq!(unit_finding.source, pb::FindingSource::Manual as i32);

        // The feed carries both, once each.
        let events = h.events::<pb::FindingRecordedEvent>("rank").await;
        let published: Vec<String> = events.iter().map(|e| e.finding.as_ref().unwrap().id.clone()).collect();
        assert_eq!(published, [found.id.clone(), unit_finding.id.clone()]);
        assert_eq!(events[0].finding.as_ref().unwrap().org_unit_name, "区财政局");

        // Bad fields, each with its violation; nothing is written.
        let before = h.count("findings").await;
        let bad = |change: &dyn Fn(&mut pb::RecordFindingRequest)| {
            let mut request = finding("", &d.staff.cadre_id, C::WorkStyle);
            change(&mut request);
            request
        };
        let cases: Vec<(pb::RecordFindingRequest, &str)> = vec![
            (bad(&|r| r.category = C::LeaveOverdue as i32), "category"),
            (bad(&|r| r.category = C::Absenteeism as i32), "category"),
            (bad(&|r| r.category = 0), "category"),
            (bad(&|r| r.severity = 0), "severity"),
            (bad(&|r| r.description = "  ".into()), "description"),
            (bad(&|r| r.evidence = vec![String::new()]), "evidence[0]"),
            (bad(&|r| r.found_on = Some(date("2026-03-11"))), "found_on"),
            (bad(&|r| r.found_on = None), "found_on"),
            (bad(&|r| r.source_ref = "DS-1".into()), "source_ref"),
            (bad(&|r| r.cadre_id = String::new()), "org_unit_id"),
            (bad(&|r| r.org_unit_id = d.other_bureau.clone()), "org_unit_id"),
        ];
        for (request, field) in cases {
            let status = record(&mut org, request).await.unwrap_err();
            assert_error(&status, Code::InvalidArgument, "INVALID_FINDING", Some(field));
        }
        // The inspection must inspect the unit, and be open.
        let mut elsewhere = finding("", &d.outsider.cadre_id, C::WorkStyle);
        elsewhere.inspection_id = planned.id.clone();
        let status = record(&mut org, elsewhere).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "UNIT_NOT_INSPECTED", None);
        let mut unknown = finding(&d.bureau, "", C::WorkStyle);
        unknown.inspection_id = "no-such-inspection".into();
        let status = record(&mut org, unknown).await.unwrap_err();
        assert_error(&status, Code::NotFound, "INSPECTION_NOT_FOUND", None);
        let status = record(&mut org, finding("", "no-such-cadre", C::WorkStyle)).await.unwrap_err();
        assert_error(&status, Code::NotFound, "CADRE_NOT_FOUND", None);
        // The responsibility that failed must be one of the same unit.
        let responsibility = h
            .as_person(&d.outsider, &[Role::UnitLeader])
            .set_responsibility(pb::SetResponsibilityRequest {
                request_id: rid(),
                responsibility: Some(pb::Responsibility {
                    org_unit_id: d.other_bureau.clone(),
                    kind: pb::ResponsibilityKind::Principal as i32,
                    year: 2026,
                    ..Default::default()
                }),
            })
            .await
            .unwrap()
            .into_inner()
            .responsibility
            .unwrap();
        let mut traced = finding("", &d.staff.cadre_id, C::WorkStyle);
        traced.responsibility_id = responsibility.id.clone();
        let status = record(&mut org, traced).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "RESPONSIBILITY_NOT_OF_UNIT", None);
        let mut traced = finding(&d.other_bureau, "", C::WorkStyle);
        traced.responsibility_id = responsibility.id.clone();
        assert_eq!(record(&mut org, traced).await.unwrap().responsibility_id, responsibility.id);
        let closed = org
            .close_inspection(pb::CloseInspectionRequest {
                request_id: rid(),
                inspection_id: planned.id.clone(),
                summary: "done".into(),
            })
            .await;
        assert!(closed.is_ok());
        let mut late = finding("", &d.staff2.cadre_id, C::WorkStyle);
        late.inspection_id = planned.id.clone();
        let status = record(&mut org, late).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "INSPECTION_CLOSED", None);
        assert_eq!(h.count("findings").await, before + 1);

        // A unit leader records nothing (the access table), and sees nothing of another unit.
        let mut outsider = h.as_person(&d.outsider, &[Role::UnitLeader]);
        let status = record(&mut outsider, finding(&d.other_bureau, "", C::WorkStyle)).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
        let mut town = h.as_person(&d.outsider, &[Role::TownOfficer]);
        let status = record(&mut town, finding(&d.bureau, "", C::WorkStyle)).await.unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_discipline_system_records_each_of_its_findings_once() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut system = h.discipline_system();

        let mut request = finding("", &d.deputy.cadre_id, C::Integrity);
        request.severity = S::Serious as i32;
        request.source_ref = "JJ-2026-017".into();
        let found = record(&mut system, request.clone()).await.unwrap();
        assert_eq!(found.source, pb::FindingSource::DisciplineSystem as i32);
        assert_eq!(
            (found.source_ref.as_str(), found.recorded_by.as_str()),
            ("JJ-2026-017", "discipline-system")
        );
        assert_eq!(record(&mut system, request.clone()).await.unwrap(), found, "a retry is the first answer");

        // The same reference delivered again under a new request id is the same finding.
        let again = pb::RecordFindingRequest { request_id: rid(), ..request };
        let status = record(&mut system, again).await.unwrap_err();
        assert_error(&status, Code::AlreadyExists, "FINDING_EXISTS", None);
        let info = status.get_error_details().error_info().cloned().unwrap();
        assert_eq!(info.metadata.get("finding_id"), Some(&found.id));
        assert_eq!(h.count("findings").await, 1);

        // Its own findings carry its reference.
        let status = record(&mut system, finding("", &d.deputy.cadre_id, C::Integrity)).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_FINDING", Some("source_ref"));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn findings_are_listed_within_scope_and_dismissed_with_their_tasks() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut org = h.org();

        let first = record(&mut org, finding("", &d.staff.cadre_id, C::WorkDiscipline)).await.unwrap();
        let mut style = finding(&d.bureau, "", C::WorkStyle);
        style.found_on = Some(date("2025-12-20"));
        let second = record(&mut org, style).await.unwrap();
        let third = record(&mut org, finding("", &d.outsider.cadre_id, C::WorkDiscipline)).await.unwrap();

        // Newest first; a unit's leader sees the unit's, the other unit's leader only theirs.
        let all = list(&mut org, pb::ListFindingsRequest::default()).await;
        assert_eq!(ids(&all, |f| &f.id), [third.id.clone(), second.id.clone(), first.id.clone()]);
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let seen = list(&mut leader, pb::ListFindingsRequest::default()).await;
        assert_eq!(ids(&seen, |f| &f.id), [second.id.clone(), first.id.clone()]);
        let mut outsider = h.as_person(&d.outsider, &[Role::UnitLeader]);
        let seen = list(&mut outsider, pb::ListFindingsRequest::default()).await;
        assert_eq!(ids(&seen, |f| &f.id), [third.id.as_str()]);
        let status =
            outsider.get_finding(pb::GetFindingRequest { finding_id: first.id.clone() }).await.unwrap_err();
        assert_error(&status, Code::NotFound, "FINDING_NOT_FOUND", None);
        // A cadre sees the findings about themself.
        let mut own = h.as_cadre(&d.staff);
        let seen = list(&mut own, pb::ListFindingsRequest::default()).await;
        assert_eq!(ids(&seen, |f| &f.id), [first.id.as_str()]);
        let got = own.get_finding(pb::GetFindingRequest { finding_id: first.id.clone() }).await.unwrap();
        assert_eq!(got.into_inner().finding.unwrap(), first);

        // Filters.
        let cases = [
            (
                pb::ListFindingsRequest { category: C::WorkStyle as i32, ..Default::default() },
                vec![second.id.clone()],
            ),
            (
                pb::ListFindingsRequest { cadre_id: d.staff.cadre_id.clone(), ..Default::default() },
                vec![first.id.clone()],
            ),
            (pb::ListFindingsRequest { year: 2025, ..Default::default() }, vec![second.id.clone()]),
            (
                pb::ListFindingsRequest { org_unit_id: d.other_bureau.clone(), ..Default::default() },
                vec![third.id.clone()],
            ),
        ];
        for (request, expected) in cases {
            assert_eq!(ids(&list(&mut org, request.clone()).await, |f| &f.id), expected, "{request:?}");
        }
        let status =
            org.list_findings(pb::ListFindingsRequest { state: 9, ..Default::default() }).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_FILTER", Some("state"));
        let page = org
            .list_findings(pb::ListFindingsRequest { page_size: 2, ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.findings.len(), 2);
        let rest = list(
            &mut org,
            pb::ListFindingsRequest { page_size: 2, page_token: page.next_page_token, ..Default::default() },
        )
        .await;
        assert_eq!(ids(&rest, |f| &f.id), [first.id.as_str()]);

        // A task for the first finding, then its dismissal: the reason is required, the task closed with it.
        let task = org
            .assign_rectification(pb::AssignRectificationRequest {
                request_id: rid(),
                finding_id: first.id.clone(),
                owner_org_unit_id: String::new(),
                requirement: "整改到位".into(),
                deadline: Some(date("2026-04-30")),
            })
            .await
            .unwrap()
            .into_inner()
            .task
            .unwrap();
        let dismiss = |reason: &str| pb::DismissFindingRequest {
            request_id: rid(),
            finding_id: first.id.clone(),
            reason: reason.to_owned(),
        };
        let status = org.dismiss_finding(dismiss("")).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_DISMISSAL", Some("reason"));
        let status = outsider.dismiss_finding(dismiss("不属实")).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "a unit leader does not dismiss");
        // Nor does anyone of the unit the finding is about, whatever their role, nor the person it is about.
        let mut colleague = h.as_person(&d.deputy, &[Role::TownOfficer]);
        let status = colleague.dismiss_finding(dismiss("不属实")).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "OWN_CASE", None);
        let mut subject = h.as_person(&d.staff, &[Role::OrgOfficer]);
        let status = subject.dismiss_finding(dismiss("不属实")).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "OWN_CASE", None);
        let request = dismiss("经核实，当事人当日在外执行公务，有派出记录");
        let dismissed = org.dismiss_finding(request.clone()).await.unwrap().into_inner().finding.unwrap();
        assert_eq!(dismissed.state, pb::FindingState::Dismissed as i32);
        assert_eq!(dismissed.dismissal_reason, "经核实，当事人当日在外执行公务，有派出记录");
        assert_eq!(org.dismiss_finding(request).await.unwrap().into_inner().finding.unwrap(), dismissed);
        let closed = org
            .get_rectification(pb::GetRectificationRequest { task_id: task.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .task
            .unwrap();
        assert_eq!(closed.state, pb::RectificationState::Closed as i32);
        let status = org.dismiss_finding(dismiss("again")).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "FINDING_NOT_OPEN", None);
        let open = list(
            &mut org,
            pb::ListFindingsRequest { state: pb::FindingState::Open as i32, ..Default::default() },
        )
        .await;
        assert_eq!(ids(&open, |f| &f.id), [third.id.clone(), second.id.clone()]);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_repeat_finding_carries_the_step_the_ladder_proposes() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let mut org = h.org();

        let talk = org
            .record_decision(pb::RecordDecisionRequest {
                request_id: rid(),
                cadre_id: d.staff.cadre_id.clone(),
                measure: pb::AccountabilityMeasure::ReminderTalk as i32,
                deciding_body: pb::DecidingBody::OrgDepartment as i32,
                basis_article: "中国共产党问责条例 第八条".into(),
                document_number: "锦组〔2026〕5号".into(),
                decided_on: Some(date("2026-04-01")),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .decision
            .unwrap();
        let mut request = finding("", &d.staff.cadre_id, C::WorkStyle);
        request.found_on = Some(date("2026-05-20"));
        let repeat = record(&mut org, request).await.unwrap();
        let escalation = repeat.escalation.clone().expect("a repeat within the window proposes a next step");
        assert_eq!(escalation.prior_decision_ids, [talk.id.as_str()]);
        assert_ne!(escalation.proposed_measure, 0);
        assert!(escalation.window_months > 0);
        assert_eq!(escalation.findings_in_window, 1);
        let got = org.get_finding(pb::GetFindingRequest { finding_id: repeat.id.clone() }).await.unwrap();
        assert_eq!(got.into_inner().finding.unwrap(), repeat);
        // Someone else's finding proposes nothing.
        let other = record(&mut org, finding("", &d.staff2.cadre_id, C::WorkStyle)).await.unwrap();
        assert_eq!(other.escalation, None);
        h.stop().await;
    }
}

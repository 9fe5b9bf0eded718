//! Leave requests over a real socket, with the real directory, on SQLite and PostgreSQL: the route shown
//! before submitting, stepwise approval by the right people only, the 区委 tier at 30 cumulative days (L5),
//! balances, 销假 with a refund, 续假, overstay and 旷工, and replays.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::leave as pb;
use harness::{Harness, Post, ask, assert_error, date, rid};
use tonic::Code;

fn kinds(request: &pb::LeaveRequest) -> Vec<pb::StepKind> {
    request.steps.iter().map(|s| pb::StepKind::try_from(s.kind).unwrap()).collect()
}

fn state(request: &pb::LeaveRequest) -> pb::LeaveRequestState {
    pb::LeaveRequestState::try_from(request.state).unwrap()
}

async fn approve(client: &mut harness::Client, request: &pb::LeaveRequest, step: i32) -> pb::LeaveRequest {
    client
        .approve_leave_request(pb::ApproveLeaveRequestRequest {
            request_id: rid(),
            id: request.id.clone(),
            step_index: step,
            comment: "同意".into(),
            expected_version: 0,
        })
        .await
        .unwrap_or_else(|s| panic!("approve step {step}: {s:?}"))
        .into_inner()
        .leave_request
        .unwrap()
}

async fn submit(client: &mut harness::Client, request: &pb::LeaveRequest) -> pb::LeaveRequest {
    client
        .submit_leave_request(pb::SubmitLeaveRequestRequest {
            request_id: rid(),
            id: request.id.clone(),
            expected_version: request.version,
        })
        .await
        .unwrap_or_else(|s| panic!("submit: {s:?}"))
        .into_inner()
        .leave_request
        .unwrap()
}

async fn create(client: &mut harness::Client, request: pb::CreateLeaveRequestRequest) -> pb::LeaveRequest {
    client
        .create_leave_request(request)
        .await
        .unwrap_or_else(|s| panic!("create: {s:?}"))
        .into_inner()
        .leave_request
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_goes_from_draft_through_each_approver_to_return() {
    for database in TestDatabase::each() {
        // Monday 2 March 2026.
        let mut h = Harness::start(database, "2026-03-02").await;
        let town = h.unit("T01", "城关镇", None).await;
        let secretary = h.cadre("王书记", &town, Post::Principal, false).await;
        let deputy = h.cadre("李副镇长", &town, Post::Deputy, false).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, true).await;
        h.sync().await;
        let backend = h.backend;

        // 事假 of 5 working days: the section head and the supervising leader fall back to the unit's
        // principal, so the route is one approval by the secretary.
        let mut me = h.as_cadre(&clerk);
        let draft = create(&mut me, ask("personal", "2026-03-09", "2026-03-13")).await;
        assert_eq!(state(&draft), pb::LeaveRequestState::Draft, "{backend}");
        assert_eq!(draft.days, 5.0);
        assert_eq!(kinds(&draft), vec![pb::StepKind::UnitPrincipal], "{backend}: {:?}", draft.steps);
        assert_eq!(draft.steps[0].assignee_cadre_id, secretary.cadre_id);

        // Set a section head and a supervising leader: the route becomes stepwise.
        let mut org = h.org();
        let hr_line = pb::SetReportingLineRequest {
            request_id: rid(),
            line: Some(pb::ReportingLine {
                cadre_id: clerk.cadre_id.clone(),
                section_head_cadre_id: String::new(),
                supervising_leader_cadre_id: deputy.cadre_id.clone(),
            }),
        };
        org.set_reporting_line(hr_line).await.expect("set the line");
        let submitted = submit(&mut me, &draft).await;
        assert_eq!(state(&submitted), pb::LeaveRequestState::Pending);
        assert_eq!(
            kinds(&submitted),
            vec![pb::StepKind::SupervisingLeader, pb::StepKind::UnitPrincipal],
            "{backend}: {:?}",
            submitted.steps
        );

        // The secretary may not decide the deputy's step; the applicant decides nothing.
        let mut boss = h.as_person(&secretary, &[Role::UnitLeader]);
        let early = boss
            .approve_leave_request(pb::ApproveLeaveRequestRequest {
                request_id: rid(),
                id: draft.id.clone(),
                step_index: 1,
                comment: String::new(),
                expected_version: 0,
            })
            .await
            .unwrap_err();
        assert_error(&early, Code::FailedPrecondition, "STEP_NOT_CURRENT", None);
        let wrong = boss
            .approve_leave_request(pb::ApproveLeaveRequestRequest {
                request_id: rid(),
                id: draft.id.clone(),
                step_index: 0,
                comment: String::new(),
                expected_version: 0,
            })
            .await
            .unwrap_err();
        assert_error(&wrong, Code::PermissionDenied, "NOT_ASSIGNEE", None);

        let mut deputy_client = h.as_person(&deputy, &[Role::UnitLeader]);
        let after_first = approve(&mut deputy_client, &submitted, 0).await;
        assert_eq!(state(&after_first), pb::LeaveRequestState::Pending);
        let approved = approve(&mut boss, &after_first, 1).await;
        assert_eq!(state(&approved), pb::LeaveRequestState::Approved, "{backend}");

        // A decision on a finished request changes nothing.
        let late = boss
            .approve_leave_request(pb::ApproveLeaveRequestRequest {
                request_id: rid(),
                id: draft.id.clone(),
                step_index: 1,
                comment: String::new(),
                expected_version: 0,
            })
            .await
            .unwrap_err();
        assert_error(&late, Code::FailedPrecondition, "REQUEST_STATE_INVALID", None);

        // Back on Thursday morning: two days (Thursday, Friday) are refunded to the ledger.
        h.set_today("2026-03-12");
        let returned = me
            .record_leave_return(pb::RecordLeaveReturnRequest {
                request_id: rid(),
                id: draft.id.clone(),
                return_date: Some(date("2026-03-12")),
                return_half: 0,
            })
            .await
            .expect("销假")
            .into_inner();
        assert_eq!(returned.refunded_days, 2.0, "{backend}");
        let balances = me
            .get_leave_balances(pb::GetLeaveBalancesRequest { cadre_id: String::new(), year: 2026 })
            .await
            .unwrap()
            .into_inner();
        let personal = balances.balances.iter().find(|b| b.leave_type == "personal").expect("事假 listed");
        assert_eq!(personal.used, 3.0, "{backend}: {balances:?}");

        let events = h.event_types().await;
        for expected in ["LeaveRequestSubmittedEvent", "LeaveRequestApprovedEvent", "LeaveReturnedEvent"] {
            assert!(events.iter().any(|e| e.ends_with(expected)), "{backend}: {expected} in {events:?}");
        }
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_cumulative_days_bring_the_request_to_the_district_committee() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-02").await;
        let town = h.unit("T01", "城关镇", None).await;
        let secretary = h.cadre("王书记", &town, Post::Principal, false).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, false).await;
        h.sync().await;
        let backend = h.backend;
        let mut me = h.as_cadre(&clerk);
        let mut boss = h.as_person(&secretary, &[Role::UnitLeader]);

        // 28 calendar days of 病假 approved (with the certificate).
        let mut sick = ask("sick", "2026-03-03", "2026-03-30");
        sick.documents = vec!["medical_certificate".into()];
        let sick = create(&mut me, sick).await;
        let sick = submit(&mut me, &sick).await;
        let sick = approve(&mut boss, &sick, 0).await;
        assert_eq!(state(&sick), pb::LeaveRequestState::Approved, "{backend}: {sick:?}");
        assert!(!kinds(&sick).contains(&pb::StepKind::DistrictCommittee));

        // L5: 5 more days make 33 ≥ 30: the route gains the 区委 and the filing with the 区委组织部.
        let more = create(&mut me, ask("personal", "2026-04-13", "2026-04-17")).await;
        assert_eq!(more.cumulative_days, 33.0, "{backend}");
        let route = kinds(&more);
        assert!(route.contains(&pb::StepKind::DistrictCommittee), "{backend}: {route:?}");
        assert_eq!(route.last(), Some(&pb::StepKind::OrgDepartmentFiling), "{backend}: {route:?}");

        // Through the unit principal, then the 区委; the filing does not hold the approval back.
        let more = submit(&mut me, &more).await;
        let more = approve(&mut boss, &more, 0).await;
        let committee_step =
            more.steps.iter().position(|s| s.kind == pb::StepKind::DistrictCommittee as i32).unwrap();
        // The unit principal is not a committee member: refused.
        let not_committee = boss
            .approve_leave_request(pb::ApproveLeaveRequestRequest {
                request_id: rid(),
                id: more.id.clone(),
                step_index: committee_step as i32,
                comment: String::new(),
                expected_version: 0,
            })
            .await
            .unwrap_err();
        assert_error(&not_committee, Code::PermissionDenied, "NOT_ASSIGNEE", None);
        let mut committee = h.committee();
        let more = approve(&mut committee, &more, committee_step as i32).await;
        assert_eq!(state(&more), pb::LeaveRequestState::Approved, "{backend}");
        let filing = more.steps.last().unwrap();
        assert_eq!(pb::StepState::try_from(filing.state).unwrap(), pb::StepState::Current);

        let mut org = h.org();
        let filed = org
            .file_leave_request(pb::FileLeaveRequestRequest {
                request_id: rid(),
                id: more.id.clone(),
                step_index: (more.steps.len() - 1) as i32,
                comment: "组备〔2026〕12号".into(),
            })
            .await
            .expect("备案")
            .into_inner()
            .leave_request
            .unwrap();
        assert_eq!(pb::StepState::try_from(filed.steps.last().unwrap().state).unwrap(), pb::StepState::Filed);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_with_their_reason_and_change_nothing() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-02").await;
        let town = h.unit("T01", "城关镇", None).await;
        let _secretary = h.cadre("王书记", &town, Post::Principal, false).await;
        let deputy = h.cadre("李副镇长", &town, Post::Deputy, false).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, false).await;
        h.sync().await;
        let mut me = h.as_cadre(&clerk);

        let backwards =
            me.create_leave_request(ask("personal", "2026-03-10", "2026-03-09")).await.unwrap_err();
        assert_error(&backwards, Code::InvalidArgument, "INVALID_PERIOD", Some("end_date"));
        let impossible = pb::CreateLeaveRequestRequest {
            start_date: Some(cadre_proto::types::Date { year: 2026, month: 2, day: 30 }),
            ..ask("personal", "2026-03-10", "2026-03-10")
        };
        assert_error(
            &me.create_leave_request(impossible).await.unwrap_err(),
            Code::InvalidArgument,
            "INVALID_DATE",
            Some("start_date"),
        );
        let past = me.create_leave_request(ask("personal", "2026-02-23", "2026-02-24")).await.unwrap_err();
        assert_error(&past, Code::FailedPrecondition, "BACKDATED", Some("start_date"));
        let unknown = me.create_leave_request(ask("holiday", "2026-03-10", "2026-03-10")).await.unwrap_err();
        assert_error(&unknown, Code::InvalidArgument, "UNKNOWN_LEAVE_TYPE", Some("leave_type"));
        let no_certificate =
            me.create_leave_request(ask("sick", "2026-03-10", "2026-03-12")).await.unwrap_err();
        assert_error(&no_certificate, Code::InvalidArgument, "DOCUMENT_MISSING", Some("documents"));
        // 年休假 beyond the balance: 15 years of service give 10 days.
        let too_long = me.create_leave_request(ask("annual", "2026-03-09", "2026-03-27")).await.unwrap_err();
        assert_error(&too_long, Code::FailedPrecondition, "INSUFFICIENT_BALANCE", None);
        // A team member must name a deputy.
        let mut deputy_client = h.as_cadre(&deputy);
        let no_deputy = deputy_client
            .create_leave_request(ask("personal", "2026-03-10", "2026-03-10"))
            .await
            .unwrap_err();
        assert_error(
            &no_deputy,
            Code::InvalidArgument,
            "ACTING_DEPUTY_REQUIRED",
            Some("acting_deputy_cadre_id"),
        );

        // Overlap, half-days included: a morning and an afternoon of one day do not collide.
        let mut morning = ask("personal", "2026-03-10", "2026-03-10");
        morning.end_half = pb::HalfDay::Morning as i32;
        let morning = create(&mut me, morning).await;
        let morning = submit(&mut me, &morning).await;
        let mut afternoon = ask("personal", "2026-03-10", "2026-03-10");
        afternoon.start_half = pb::HalfDay::Afternoon as i32;
        let afternoon = create(&mut me, afternoon).await;
        assert_eq!(afternoon.days, 0.5);
        let whole = me.create_leave_request(ask("personal", "2026-03-10", "2026-03-11")).await.unwrap_err();
        assert_error(&whole, Code::FailedPrecondition, "OVERLAPPING_REQUEST", None);

        // A stale version is refused; a replay returns the first answer.
        let stale = me
            .submit_leave_request(pb::SubmitLeaveRequestRequest {
                request_id: rid(),
                id: afternoon.id.clone(),
                expected_version: 99,
            })
            .await
            .unwrap_err();
        assert_error(&stale, Code::Aborted, "VERSION_MISMATCH", None);
        let once = ask("personal", "2026-03-16", "2026-03-16");
        let first = create(&mut me, once.clone()).await;
        let again = create(&mut me, once).await;
        assert_eq!(first.id, again.id, "a retry with the same request id returns the first result");

        // Withdraw, then nothing more.
        let withdrawn = me
            .withdraw_leave_request(pb::WithdrawLeaveRequestRequest {
                request_id: rid(),
                id: morning.id.clone(),
                expected_version: 0,
            })
            .await
            .unwrap()
            .into_inner()
            .leave_request
            .unwrap();
        assert_eq!(state(&withdrawn), pb::LeaveRequestState::Withdrawn);
        let cancel = me
            .cancel_leave_request(pb::CancelLeaveRequestRequest {
                request_id: rid(),
                id: morning.id.clone(),
                reason: "不去了".into(),
                expected_version: 0,
            })
            .await
            .unwrap_err();
        assert_error(&cancel, Code::FailedPrecondition, "REQUEST_STATE_INVALID", None);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overstay_opens_a_case_and_sixteen_days_of_absence_propose_dismissal() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-02").await;
        let town = h.unit("T01", "城关镇", None).await;
        let secretary = h.cadre("王书记", &town, Post::Principal, false).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, false).await;
        h.sync().await;
        let backend = h.backend;
        let mut me = h.as_cadre(&clerk);
        let mut boss = h.as_person(&secretary, &[Role::UnitLeader]);
        let leave = create(&mut me, ask("personal", "2026-03-03", "2026-03-06")).await;
        let leave = submit(&mut me, &leave).await;
        approve(&mut boss, &leave, 0).await;

        // Due back Monday 9 March; 销假 due by then (grace of one working day after Friday). On Tuesday the
        // sweep opens the case with Monday counted as 旷工.
        h.set_today("2026-03-10");
        h.sweep().await;
        let mut org = h.org();
        let cases =
            org.list_overdue_cases(pb::ListOverdueCasesRequest::default()).await.unwrap().into_inner().cases;
        assert_eq!(cases.len(), 1, "{backend}");
        assert_eq!(cases[0].absent_days, 1, "{backend}: {cases:?}");
        assert_eq!(pb::OverdueState::try_from(cases[0].state).unwrap(), pb::OverdueState::Open);

        // L1: after 15 working days still below; L2: the 16th proposes 辞退.
        h.set_today("2026-03-30"); // Monday: 9–27 March = 15 working days.
        h.sweep().await;
        let case =
            &org.list_overdue_cases(pb::ListOverdueCasesRequest::default()).await.unwrap().into_inner().cases
                [0];
        assert_eq!(
            (case.consecutive_days, pb::OverdueState::try_from(case.state).unwrap()),
            (15, pb::OverdueState::Open),
            "{backend}"
        );
        h.set_today("2026-03-31");
        h.sweep().await;
        let case =
            &org.list_overdue_cases(pb::ListOverdueCasesRequest::default()).await.unwrap().into_inner().cases
                [0];
        assert_eq!(case.consecutive_days, 16, "{backend}");
        assert_eq!(
            pb::OverdueState::try_from(case.state).unwrap(),
            pb::OverdueState::DismissalProposed,
            "{backend}"
        );
        let events = h.event_types().await;
        assert!(events.iter().any(|e| e.ends_with("LeaveOverdueEvent")), "{backend}: {events:?}");
        assert!(
            events.iter().any(|e| e.ends_with("AbsenteeismThresholdReachedEvent")),
            "{backend}: {events:?}"
        );

        // Sweeping again the same day changes nothing.
        assert_eq!(h.sweep().await[1], 1, "the case is revisited but its days are not counted twice");
        let again =
            &org.list_overdue_cases(pb::ListOverdueCasesRequest::default()).await.unwrap().into_inner().cases
                [0];
        assert_eq!(again.absent_days, case.absent_days);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deputy_in_charge_decides_for_an_absent_principal_and_the_trail_says_so() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-02").await;
        let town = h.unit("T01", "城关镇", None).await;
        let secretary = h.cadre("王书记", &town, Post::Principal, false).await;
        let deputy = h.cadre("李副镇长", &town, Post::Deputy, false).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, false).await;
        h.sync().await;
        let backend = h.backend;

        // The secretary is away this week and names the deputy to take charge; the 区委 pool approves.
        let mut boss = h.as_person(&secretary, &[Role::UnitLeader]);
        let mut away = ask("personal", "2026-03-02", "2026-03-06");
        away.acting_deputy_cadre_id = deputy.cadre_id.clone();
        let away = create(&mut boss, away).await;
        let away = submit(&mut boss, &away).await;
        // Without a liaison leader set, both the liaison step and the district principal leader's fall to the
        // 区委 pool, one after the other.
        let mut committee = h.committee();
        let mut away = away;
        for step in 0..away.steps.len() {
            away = approve(&mut committee, &away, step as i32).await;
        }
        assert_eq!(state(&away), pb::LeaveRequestState::Approved, "{backend}: {away:?}");

        // The clerk's request waits for the secretary; the deputy sees it and decides it for them.
        let mut me = h.as_cadre(&clerk);
        let request = create(&mut me, ask("personal", "2026-03-10", "2026-03-10")).await;
        let request = submit(&mut me, &request).await;
        assert_eq!(request.steps[0].assignee_cadre_id, secretary.cadre_id, "{backend}");
        let mut acting = h.as_person(&deputy, &[Role::UnitLeader]);
        let waiting = acting.list_my_approvals(pb::ListMyApprovalsRequest {}).await.unwrap().into_inner();
        assert!(waiting.leave_requests.iter().any(|r| r.id == request.id), "{backend}: {waiting:?}");
        let decided = approve(&mut acting, &request, 0).await;
        assert_eq!(state(&decided), pb::LeaveRequestState::Approved, "{backend}");
        assert_eq!(decided.steps[0].on_behalf_of_cadre_id, secretary.cadre_id, "{backend}");
        // Someone the secretary did not name cannot.
        let other = h.cadre("赵科员", &town, Post::Staff, false).await;
        h.sync().await;
        let mut stranger = h.as_person(&other, &[Role::UnitLeader]);
        let second = create(&mut me, ask("personal", "2026-03-11", "2026-03-11")).await;
        let second = submit(&mut me, &second).await;
        let refused = stranger
            .approve_leave_request(pb::ApproveLeaveRequestRequest {
                request_id: rid(),
                id: second.id.clone(),
                step_index: 0,
                comment: String::new(),
                expected_version: 0,
            })
            .await
            .unwrap_err();
        assert_error(&refused, Code::PermissionDenied, "NOT_ASSIGNEE", None);
        h.stop().await;
    }
}

//! Health checks, visits and front-line assignments on both databases: the follow-up flag shown only to
//! the person and the org department, the report of who had the year's check; visit triggers falling due
//! by kind, overdue, and closed by a visit; assignments evaluated only after their end, with an event; and
//! the demo seed.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::care as pb;
use harness::{Harness, assert_error, date, eventually, rid};
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn health_checks_keep_only_a_flag_that_only_the_person_and_the_org_department_read() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-10").await;
        let d = h.district().await;
        let mut keeper = h.as_person(&d.staff2, &[Role::UnitHrOfficer]);
        let plan = keeper
            .set_health_check_plan(pb::SetHealthCheckPlanRequest {
                request_id: rid(),
                plan: Some(pb::HealthCheckPlan {
                    org_unit_id: d.bureau.clone(),
                    year: 2026,
                    window_start: Some(date("2026-05-01")),
                    window_end: Some(date("2026-06-30")),
                    provider: "区人民医院".into(),
                    ..Default::default()
                }),
            })
            .await
            .unwrap()
            .into_inner()
            .plan
            .unwrap();
        assert_eq!(plan.org_unit_name, "区财政局");
        let status = keeper
            .set_health_check_plan(pb::SetHealthCheckPlanRequest {
                request_id: rid(),
                plan: Some(pb::HealthCheckPlan { org_unit_id: d.other_bureau.clone(), ..plan.clone() }),
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        let plans = h
            .as_cadre(&d.staff)
            .list_health_check_plans(pb::ListHealthCheckPlansRequest { year: 2026, ..Default::default() })
            .await
            .unwrap()
            .into_inner()
            .plans;
        assert_eq!(plans.len(), 1, "a cadre sees their unit's plan");

        let record = |cadre: &str, on: &str, flag: bool| pb::RecordHealthCheckRequest {
            request_id: rid(),
            cadre_id: cadre.to_owned(),
            year: 2026,
            checked_on: Some(date(on)),
            follow_up_needed: flag,
        };
        let written =
            keeper.record_health_check(record(&d.staff.cadre_id, "2026-05-20", true)).await.unwrap();
        assert_eq!(
            written.into_inner().record.unwrap().follow_up_needed,
            None,
            "the unit does not read the flag"
        );
        keeper.record_health_check(record(&d.deputy.cadre_id, "2026-05-21", false)).await.unwrap();
        let status =
            keeper.record_health_check(record(&d.deputy.cadre_id, "2025-12-01", false)).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_HEALTH_CHECK", Some("checked_on"));

        let read = |mut client: harness::Client, cadre: String| async move {
            client
                .list_health_checks(pb::ListHealthChecksRequest {
                    year: 2026,
                    cadre_id: cadre,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .records
        };
        assert_eq!(
            read(h.as_cadre(&d.staff), d.staff.cadre_id.clone()).await[0].follow_up_needed,
            Some(true)
        );
        assert_eq!(read(h.org(), d.staff.cadre_id.clone()).await[0].follow_up_needed, Some(true));
        let leader = read(h.as_person(&d.principal, &[Role::UnitLeader]), String::new()).await;
        assert_eq!(leader.len(), 2);
        assert!(leader.iter().all(|r| r.follow_up_needed.is_none()));
        assert!(read(h.as_cadre(&d.staff), d.deputy.cadre_id.clone()).await.is_empty());

        let report = h
            .as_person(&d.principal, &[Role::UnitLeader])
            .get_health_check_report(pb::GetHealthCheckReportRequest {
                year: 2026,
                org_unit_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((report.checked.len(), report.not_checked.len()), (2, 3));
        let district = h
            .org()
            .get_health_check_report(pb::GetHealthCheckReportRequest {
                year: 2026,
                org_unit_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((district.checked.len(), district.not_checked.len()), (2, 4));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn visits_fall_due_by_kind_and_assignments_are_evaluated_after_their_end() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-10").await;
        let d = h.district().await;
        let mut keeper = h.as_person(&d.staff2, &[Role::UnitHrOfficer]);
        let trigger = keeper
            .record_visit_trigger(pb::RecordVisitTriggerRequest {
                request_id: rid(),
                cadre_id: d.staff.cadre_id.clone(),
                kind: pb::VisitTriggerKind::Bereavement as i32,
                relation: pb::Relation::DirectRelative as i32,
                occurred_on: Some(date("2026-06-05")),
            })
            .await
            .unwrap()
            .into_inner()
            .trigger
            .unwrap();
        assert_eq!(trigger.due_on, Some(date("2026-06-08")), "3 days for a death in the family");
        assert!(trigger.overdue);
        let overdue = h
            .org()
            .list_visit_triggers(pb::ListVisitTriggersRequest {
                filter: pb::TriggerFilter::Overdue as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .triggers;
        assert_eq!(overdue.len(), 1);
        let visit = |trigger: &str| pb::RecordVisitRequest {
            request_id: rid(),
            cadre_id: d.staff.cadre_id.clone(),
            kind: pb::VisitKind::Condolence as i32,
            visitors: vec!["王局长".into(), "工会主席".into()],
            visited_on: Some(date("2026-06-09")),
            notes: "送去慰问金".into(),
            trigger_id: trigger.to_owned(),
            fund_application_id: String::new(),
        };
        let made = keeper.record_visit(visit(&trigger.id)).await.unwrap().into_inner().visit.unwrap();
        assert_eq!(made.trigger_id, trigger.id);
        assert_error(
            &keeper.record_visit(visit(&trigger.id)).await.unwrap_err(),
            Code::FailedPrecondition,
            "TRIGGER_CLOSED",
            None,
        );
        let status =
            keeper.record_visit(pb::RecordVisitRequest { visitors: vec![], ..visit("") }).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_VISIT", Some("visitors"));
        let open = h
            .org()
            .list_visit_triggers(pb::ListVisitTriggersRequest {
                filter: pb::TriggerFilter::Open as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .triggers;
        assert!(open.is_empty());
        let visits = h
            .as_cadre(&d.staff)
            .list_visits(pb::ListVisitsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .visits;
        assert_eq!(visits.len(), 1);
        // Visits and their triggers are about illness and loss: reads are audited, and not the inspectors'.
        let audited = h.count("audit_log").await;
        h.org().list_visits(pb::ListVisitsRequest::default()).await.unwrap();
        h.org().list_visit_triggers(pb::ListVisitTriggersRequest::default()).await.unwrap();
        assert_eq!(h.count("audit_log").await, audited + 2, "visit reads are audited");
        let status = h.inspector().list_visits(pb::ListVisitsRequest::default()).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);

        // Assignments.
        let mut org = h.org();
        let assignment = org
            .record_assignment(pb::RecordAssignmentRequest {
                request_id: rid(),
                cadre_id: d.deputy.cadre_id.clone(),
                kind: pb::AssignmentKind::VillageResident as i32,
                place: "桃源村".into(),
                host_unit_id: String::new(),
                start_date: Some(date("2025-06-01")),
                end_date: Some(date("2026-06-10")),
            })
            .await
            .unwrap()
            .into_inner()
            .assignment
            .unwrap();
        assert_eq!(assignment.status, pb::AssignmentStatus::Active as i32);
        let evaluate = |by: &str| pb::EvaluateAssignmentRequest {
            request_id: rid(),
            assignment_id: assignment.id.clone(),
            grade: pb::AssignmentGrade::Excellent as i32,
            comment: "驻村工作扎实".into(),
            evaluated_by: by.to_owned(),
        };
        assert_error(
            &org.evaluate_assignment(evaluate("区委组织部")).await.unwrap_err(),
            Code::FailedPrecondition,
            "ASSIGNMENT_NOT_ENDED",
            None,
        );
        h.set_today("2026-06-11");
        let ended = org
            .list_assignments(pb::ListAssignmentsRequest {
                status: pb::AssignmentStatus::Ended as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .assignments;
        assert_eq!(ended.len(), 1);
        let status = h
            .as_person(&d.deputy, &[Role::UnitLeader])
            .evaluate_assignment(evaluate("本人"))
            .await
            .unwrap_err();
        assert_error(&status, Code::PermissionDenied, "OWN_ASSIGNMENT", None);
        let evaluated =
            org.evaluate_assignment(evaluate("区委组织部")).await.unwrap().into_inner().assignment.unwrap();
        assert_eq!(evaluated.status, pb::AssignmentStatus::Evaluated as i32);
        let evaluation = evaluated.evaluation.unwrap();
        assert_eq!(evaluation.evaluated_on, Some(date("2026-06-11")));
        // The author is the caller; what they typed is only the name shown.
        assert_eq!(evaluation.evaluated_by, "org-officer");
        assert_eq!(evaluation.evaluator_name, "区委组织部");
        assert_error(
            &org.evaluate_assignment(evaluate("区委组织部")).await.unwrap_err(),
            Code::FailedPrecondition,
            "ASSIGNMENT_EVALUATED",
            None,
        );
        assert_eq!(h.events::<pb::AssignmentEvaluatedEvent>("hr").await.len(), 1);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_seeds_a_funded_fund_rewards_plans_and_backlog_once() {
    let database = TestDatabase::sqlite();
    let h = Harness::start_demo(database, "2026-03-10").await;
    let mut org = h.org();
    eventually("the demo records", || {
        let mut org = org.clone();
        async move {
            org.list_rewards(pb::ListRewardsRequest::default())
                .await
                .is_ok_and(|r| r.into_inner().rewards.len() == 3)
        }
    })
    .await;
    let report = org
        .get_fund_report(pb::GetFundReportRequest { year: 2026, org_unit_id: String::new() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(report.balance_fen, 50_000_000);
    let plans = org
        .list_health_check_plans(pb::ListHealthCheckPlansRequest {
            year: 2026,
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .plans;
    assert!(!plans.is_empty());
    let backlog =
        org.list_backlog_items(pb::ListBacklogItemsRequest::default()).await.unwrap().into_inner().items;
    assert_eq!(backlog.len(), 3);
    assert_eq!(h.count("rewards").await, 3);
    h.stop().await;
}

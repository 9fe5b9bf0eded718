//! The legacy cases on both databases: 调任 refused without 编制, 职数 and a vacant post (NO_VACANCY) and
//! for a post below 四级调研员; 公务员登记 through its states; the dossier backlog with its due day, overdue
//! flag, resolution and burn-down.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::{care as pb, directory::RankGrade};
use harness::{Harness, assert_error, date, rid};
use tonic::Code;

fn vacancy(used: i32, vacant: bool) -> pb::Vacancy {
    pb::Vacancy {
        establishment: 30,
        establishment_used: used,
        post_quota: 4,
        post_quota_used: 3,
        post_vacant: vacant,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn transfers_need_a_vacancy_and_registrations_follow_their_states() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut org = h.org();
        let open = |grade: RankGrade, leadership: bool| pb::OpenTransferCaseRequest {
            request_id: rid(),
            person_name: "周教授".into(),
            cadre_id: String::new(),
            source: pb::TransferSource::University as i32,
            source_org: "某大学".into(),
            target_unit_id: d.bureau.clone(),
            target_post: "四级调研员".into(),
            leadership_post: leadership,
            target_grade: grade as i32,
            vacancy: Some(vacancy(30, true)),
        };
        let status = org.open_transfer_case(open(RankGrade::PrincipalStaff1, false)).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "POST_NOT_ELIGIBLE", Some("target_grade"));
        let case = h
            .hr_system()
            .open_transfer_case(open(RankGrade::Researcher4, false))
            .await
            .unwrap()
            .into_inner()
            .transfer_case
            .unwrap();
        assert_eq!(case.state, pb::TransferCaseState::Open as i32);
        let decide =
            |decision: pb::TransferDecision, vacancy: Option<pb::Vacancy>| pb::DecideTransferCaseRequest {
                request_id: rid(),
                case_id: case.id.clone(),
                decision: decision as i32,
                vacancy,
                note: "研究决定".into(),
            };
        // 编制 full: refused, and nothing changes.
        let status = org.decide_transfer_case(decide(pb::TransferDecision::Proceed, None)).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "NO_VACANCY", None);
        let status = org
            .decide_transfer_case(decide(pb::TransferDecision::Proceed, Some(vacancy(28, false))))
            .await
            .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "NO_VACANCY", None);
        let proceeding = org
            .decide_transfer_case(decide(pb::TransferDecision::Proceed, Some(vacancy(28, true))))
            .await
            .unwrap()
            .into_inner()
            .transfer_case
            .unwrap();
        assert_eq!(proceeding.state, pb::TransferCaseState::Proceeding as i32);
        let status = org.decide_transfer_case(decide(pb::TransferDecision::Proceed, None)).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "CASE_STATE_CONFLICT", None);
        let approved = org
            .decide_transfer_case(decide(pb::TransferDecision::Approve, None))
            .await
            .unwrap()
            .into_inner()
            .transfer_case
            .unwrap();
        assert_eq!(approved.state, pb::TransferCaseState::Approved as i32);
        let listed = org
            .list_transfer_cases(pb::ListTransferCasesRequest {
                org_unit_id: d.other_bureau.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .transfer_cases;
        assert!(listed.is_empty());

        // 公务员登记: one open case per person; returned, resubmitted, approved.
        let registration = h
            .as_person(&d.staff, &[Role::UnitHrOfficer])
            .open_registration_case(pb::OpenRegistrationCaseRequest {
                request_id: rid(),
                cadre_id: d.staff2.cadre_id.clone(),
                basis: "公务员法 第二条".into(),
                approval_level: "区委组织部".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .registration_case
            .unwrap();
        let status = org
            .open_registration_case(pb::OpenRegistrationCaseRequest {
                request_id: rid(),
                cadre_id: d.staff2.cadre_id.clone(),
                basis: "x".into(),
                approval_level: "y".into(),
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::AlreadyExists, "REGISTRATION_CASE_OPEN", None);
        let step = |decision: pb::RegistrationDecision, note: &str| pb::DecideRegistrationCaseRequest {
            request_id: rid(),
            case_id: registration.id.clone(),
            decision: decision as i32,
            note: note.to_owned(),
        };
        let status =
            org.decide_registration_case(step(pb::RegistrationDecision::Return, "")).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_DECISION", Some("note"));
        org.decide_registration_case(step(pb::RegistrationDecision::Return, "学历信息有误")).await.unwrap();
        let status =
            org.decide_registration_case(step(pb::RegistrationDecision::Approve, "")).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "CASE_STATE_CONFLICT", None);
        // The unit's records keeper corrects and resubmits; approving stays the org department's.
        let mut keeper = h.as_person(&d.staff, &[Role::UnitHrOfficer]);
        let status = keeper
            .decide_registration_case(step(pb::RegistrationDecision::Approve, "准予登记"))
            .await
            .unwrap_err();
        assert_error(&status, Code::PermissionDenied, "DECISION_NOT_YOURS", None);
        let resubmitted = keeper
            .decide_registration_case(step(pb::RegistrationDecision::Resubmit, ""))
            .await
            .unwrap()
            .into_inner()
            .registration_case
            .unwrap();
        assert_eq!(resubmitted.state, pb::RegistrationState::Pending as i32);
        let done = org
            .decide_registration_case(step(pb::RegistrationDecision::Approve, "准予登记"))
            .await
            .unwrap()
            .into_inner()
            .registration_case
            .unwrap();
        assert_eq!(done.state, pb::RegistrationState::Approved as i32);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_backlog_falls_due_a_month_after_detection_and_burns_down() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-20").await;
        let d = h.district().await;
        let mut hr = h.hr_system();
        let record = |cadre: &str, kind: pb::BacklogKind, on: &str| pb::RecordBacklogItemRequest {
            request_id: rid(),
            cadre_id: cadre.to_owned(),
            kind: kind as i32,
            description: "2025年度考核登记表未归档".into(),
            detected_on: Some(date(on)),
            owner_unit_id: String::new(),
        };
        let first = hr
            .record_backlog_item(record(&d.staff.cadre_id, pb::BacklogKind::UnfiledMaterial, "2026-02-02"))
            .await
            .unwrap()
            .into_inner()
            .item
            .unwrap();
        assert_eq!(first.due_on, Some(date("2026-03-02")));
        assert!(first.overdue);
        assert_eq!(first.owner_unit_id, d.bureau, "the managing unit keeps the dossier");
        let second = hr
            .record_backlog_item(record(&d.outsider.cadre_id, pb::BacklogKind::FactConflict, "2026-03-09"))
            .await
            .unwrap()
            .into_inner()
            .item
            .unwrap();
        assert!(!second.overdue);
        let status = hr
            .record_backlog_item(record(&d.staff.cadre_id, pb::BacklogKind::Unspecified, "2026-03-09"))
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_BACKLOG_ITEM", Some("kind"));

        let list = |filter: pb::TriggerFilter, unit: &str| pb::ListBacklogItemsRequest {
            org_unit_id: unit.to_owned(),
            filter: filter as i32,
            ..Default::default()
        };
        let overdue =
            hr.list_backlog_items(list(pb::TriggerFilter::Overdue, "")).await.unwrap().into_inner().items;
        assert_eq!(overdue.iter().map(|i| i.id.clone()).collect::<Vec<_>>(), vec![first.id.clone()]);
        // The bureau's records keeper sees its own items only.
        let keeper = h
            .as_person(&d.staff2, &[Role::UnitHrOfficer])
            .list_backlog_items(list(pb::TriggerFilter::Unspecified, ""))
            .await
            .unwrap()
            .into_inner()
            .items;
        assert_eq!(keeper.len(), 1);

        let resolve = |when: &str| pb::ResolveBacklogItemRequest {
            request_id: rid(),
            item_id: first.id.clone(),
            resolution: "已补充归档".into(),
            resolved_on: Some(date(when)),
        };
        let status = hr.resolve_backlog_item(resolve("2026-01-01")).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_RESOLUTION", Some("resolved_on"));
        let resolved =
            hr.resolve_backlog_item(resolve("2026-03-12")).await.unwrap().into_inner().item.unwrap();
        assert!(!resolved.overdue);
        assert_error(
            &hr.resolve_backlog_item(resolve("2026-03-13")).await.unwrap_err(),
            Code::FailedPrecondition,
            "ITEM_RESOLVED",
            None,
        );

        // Burn-down from Monday 2 March: week ends 8 and 15 March, and the 20th.
        let burndown = hr
            .get_backlog_burndown(pb::GetBacklogBurndownRequest {
                org_unit_id: String::new(),
                start_date: Some(date("2026-03-02")),
                end_date: None,
            })
            .await
            .unwrap()
            .into_inner()
            .units;
        assert_eq!(burndown.len(), 2);
        let bureau = burndown.iter().find(|u| u.org_unit_id == d.bureau).unwrap();
        let open: Vec<i32> = bureau.points.iter().map(|p| p.open).collect();
        assert_eq!(open, vec![1, 0, 0]);
        assert_eq!((bureau.opened, bureau.resolved, bureau.overdue), (0, 1, 0));
        assert_eq!(bureau.org_unit_name, "区财政局");
        let other = burndown.iter().find(|u| u.org_unit_id == d.other_bureau).unwrap();
        assert_eq!(other.points.iter().map(|p| p.open).collect::<Vec<_>>(), vec![0, 1, 1]);
        assert_eq!(other.opened, 1);
        let status = hr
            .get_backlog_burndown(pb::GetBacklogBurndownRequest {
                start_date: Some(date("2026-04-01")),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_PERIOD", Some("start_date"));
        h.stop().await;
    }
}

//! 容错 reviews on both databases: the criteria rule (EXEMPT needs all four, MITIGATE no personal gain and
//! no prohibition), the body a role may decide for, one decision per review, the event rank follows, and
//! who reads reviews.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::{care as pb, types::ConductMeasureKind};
use harness::{Client, Harness, assert_error, date, rid};
use tonic::Code;

fn criteria(process: bool, gain: bool, prohibited: bool, faith: bool) -> pb::ToleranceCriteria {
    let check = |met, note: &str| Some(pb::CriterionCheck { met, note: note.to_owned() });
    pb::ToleranceCriteria {
        process_compliant: check(process, "经集体研究决策"),
        no_personal_gain: check(gain, "未发现谋取私利"),
        not_prohibited: check(prohibited, "上级未明令禁止"),
        good_faith: check(faith, "出于推动发展的公心"),
    }
}

async fn decide(
    client: &mut Client,
    id: &str,
    c: pb::ToleranceCriteria,
    decision: pb::ToleranceDecision,
    body: pb::DecidingBody,
) -> Result<pb::ToleranceReview, tonic::Status> {
    client
        .decide_tolerance_review(pb::DecideToleranceReviewRequest {
            request_id: rid(),
            review_id: id.to_owned(),
            criteria: Some(c),
            decision: decision as i32,
            body: body as i32,
            decided_on: Some(date("2026-04-01")),
        })
        .await
        .map(|r| r.into_inner().review.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reviews_are_decided_once_by_an_authorised_body_under_the_criteria() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-04-02").await;
        let d = h.district().await;
        let mut org = h.org();
        let open = |cadre: &str, measure: &str| pb::OpenToleranceReviewRequest {
            request_id: rid(),
            cadre_id: cadre.to_owned(),
            measure_source_id: measure.to_owned(),
            measure_kind: ConductMeasureKind::Admonishment as i32,
            case_summary: "招商引资项目先行先试，未达预期".into(),
        };
        let review = org
            .open_tolerance_review(open(&d.deputy.cadre_id, "cdi-2026-17"))
            .await
            .unwrap()
            .into_inner()
            .review
            .unwrap();
        assert_eq!(review.decision, pb::ToleranceDecision::Unspecified as i32);
        let mut bad = open(&d.deputy.cadre_id, "");
        bad.measure_kind = 0;
        let status = org.open_tolerance_review(bad).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_REVIEW", Some("measure_source_id"));

        // The body must be the caller's: an org officer does not decide for the 区委.
        let status = decide(
            &mut org,
            &review.id,
            criteria(true, true, true, true),
            pb::ToleranceDecision::Exempt,
            pb::DecidingBody::DistrictCommittee,
        )
        .await
        .unwrap_err();
        assert_error(&status, Code::PermissionDenied, "BODY_NOT_AUTHORISED", None);
        // EXEMPT needs all four criteria; MITIGATE no gain and no prohibition.
        let status = decide(
            &mut h.committee(),
            &review.id,
            criteria(false, true, true, true),
            pb::ToleranceDecision::Exempt,
            pb::DecidingBody::DistrictCommittee,
        )
        .await
        .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "CRITERIA_NOT_MET", None);
        let status = decide(
            &mut h.inspector(),
            &review.id,
            criteria(true, false, true, true),
            pb::ToleranceDecision::Mitigate,
            pb::DecidingBody::DisciplineCommission,
        )
        .await
        .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "CRITERIA_NOT_MET", None);
        let mut missing = criteria(true, true, true, true);
        missing.good_faith = None;
        let status = decide(
            &mut org,
            &review.id,
            missing,
            pb::ToleranceDecision::Exempt,
            pb::DecidingBody::OrgDepartment,
        )
        .await
        .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_DECISION", Some("criteria.good_faith"));

        let decided = decide(
            &mut h.committee(),
            &review.id,
            criteria(true, true, true, true),
            pb::ToleranceDecision::Exempt,
            pb::DecidingBody::DistrictCommittee,
        )
        .await
        .unwrap();
        assert_eq!(decided.decision, pb::ToleranceDecision::Exempt as i32);
        assert_eq!(decided.decided_on, Some(date("2026-04-01")));
        assert!(decided.criteria.unwrap().good_faith.unwrap().met);
        let status = decide(
            &mut org,
            &review.id,
            criteria(false, false, false, false),
            pb::ToleranceDecision::Reject,
            pb::DecidingBody::OrgDepartment,
        )
        .await
        .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "REVIEW_ALREADY_DECIDED", None);

        // One review per measure: a second is refused, naming the first.
        let status = org.open_tolerance_review(open(&d.deputy.cadre_id, "cdi-2026-17")).await.unwrap_err();
        assert_error(&status, Code::AlreadyExists, "REVIEW_EXISTS", None);
        let info = tonic_types::StatusExt::get_error_details(&status).error_info().cloned().unwrap();
        assert_eq!(info.metadata.get("review_id"), Some(&review.id));

        // A second review: the criteria allow a mitigation, and a rejection is always allowed.
        let second = org
            .open_tolerance_review(open(&d.staff.cadre_id, "cdi-2026-18"))
            .await
            .unwrap()
            .into_inner()
            .review
            .unwrap();
        let mitigated = decide(
            &mut h.inspector(),
            &second.id,
            criteria(false, true, true, false),
            pb::ToleranceDecision::Mitigate,
            pb::DecidingBody::DisciplineCommission,
        )
        .await
        .unwrap();
        assert_eq!(mitigated.body, pb::DecidingBody::DisciplineCommission as i32);

        // The event carries the cadre, the measure, the decision and its day; rank follows it.
        let events = h.events::<pb::ToleranceReviewDecidedEvent>("rank").await;
        assert_eq!(events.len(), 2);
        let first = events[0].review.clone().unwrap();
        assert_eq!(
            (first.cadre_id.as_str(), first.measure_source_id.as_str(), first.decision),
            (d.deputy.cadre_id.as_str(), "cdi-2026-17", pb::ToleranceDecision::Exempt as i32)
        );
        assert_eq!(first.decided_on, Some(date("2026-04-01")));
        // Not the case summary nor the criteria's notes: HR watches the feed. The flags stay.
        assert!(first.case_summary.is_empty(), "{first:?}");
        let criteria = first.criteria.clone().unwrap();
        for check in [
            &criteria.process_compliant,
            &criteria.no_personal_gain,
            &criteria.not_prohibited,
            &criteria.good_faith,
        ] {
            let check = check.clone().unwrap();
            assert!(check.met && check.note.is_empty(), "{check:?}");
        }

        // The person reads their own review; another cadre does not see it; a unit leader may not list.
        let own = h
            .as_cadre(&d.deputy)
            .get_tolerance_review(pb::GetToleranceReviewRequest { review_id: review.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .review
            .unwrap();
        assert_eq!(own.id, review.id);
        let status = h
            .as_cadre(&d.staff2)
            .get_tolerance_review(pb::GetToleranceReviewRequest { review_id: review.id.clone() })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "REVIEW_NOT_FOUND", None);
        let status = h
            .client_as(&h.principal(&d.principal, &[Role::UnitLeader]))
            .list_tolerance_reviews(pb::ListToleranceReviewsRequest::default())
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
        let by_measure = org
            .list_tolerance_reviews(pb::ListToleranceReviewsRequest {
                measure_source_id: "cdi-2026-18".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .reviews;
        assert_eq!(by_measure.len(), 1);
        assert_eq!(h.count("tolerance_reviews").await, 2, "reviews are never deleted");
        h.stop().await;
    }
}

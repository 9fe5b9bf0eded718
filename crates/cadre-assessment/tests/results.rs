//! Results after the determination, over a real socket on SQLite and PostgreSQL: 复核 asked within its
//! deadline (counted on the leave service's working calendar, carried past the Spring Festival) and
//! refused after it, a decision that changes the result publishing it again, and the refusal to sign.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::assessment as pb;
use harness::{
    Harness, Post, assert_error, assessment, assessments, date, of, open_cycle, propose, published_results,
    rid, summary, try_determine, try_publicise,
};
use pb::AnnualOutcome::{BasicallyCompetent, Competent, Incompetent};
use tonic::Code;

fn ask(assessment_id: &str, kind: pb::ReviewKind) -> pb::RequestResultReviewRequest {
    pb::RequestResultReviewRequest {
        request_id: rid(),
        assessment_id: assessment_id.to_owned(),
        kind: kind as i32,
        grounds: "本人全年完成了主要工作任务，定为不称职不当。".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_are_asked_within_their_deadline_and_a_change_is_published_again() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U07", "区商务局", None).await;
        let head = h.cadre("吕局长", &unit, Post::Principal).await;
        let first = h.cadre("施一", &unit, Post::Staff).await;
        let second = h.cadre("张二", &unit, Post::Staff).await;
        let third = h.cadre("孔三", &unit, Post::Staff).await;
        let keeper = h.cadre("曹人事", &unit, Post::Staff).await;
        h.sync().await;
        let mut org = h.org();
        let cycle = open_cycle(&mut org, &unit, pb::PoolCategory::CivilServant, 2025).await;
        let all = assessments(&mut org, &cycle.id).await;
        let mut leader = h.as_person(&head, &[Role::UnitLeader]);
        for who in [&first, &second, &third, &keeper] {
            summary(&mut h.as_cadre(who), &of(&all, who).id).await;
        }
        summary(&mut h.as_cadre(&head), &of(&all, &head).id).await;
        propose(&mut leader, &of(&all, &first).id, Incompetent).await;
        propose(&mut leader, &of(&all, &second).id, Incompetent).await;
        propose(&mut leader, &of(&all, &third).id, Competent).await;
        propose(&mut leader, &of(&all, &keeper).id, Competent).await;
        propose(&mut org, &of(&all, &head).id, Competent).await;
        try_publicise(&mut org, &cycle.id, "").await.expect("publicity");
        h.set_today("2026-01-20");
        try_determine(&mut org, &cycle.id).await.expect("determined");

        // 30 days from 20 January end on 19 February, in the Spring Festival holiday: carried to the first
        // working day after it.
        let mine = assessment(&mut h.as_cadre(&first), &of(&all, &first).id).await.assessment.unwrap();
        assert_eq!(mine.review_deadline, Some(date("2026-02-24")), "{backend}");
        let competent = assessment(&mut org, &of(&all, &third).id).await.assessment.unwrap();
        assert_eq!(competent.review_deadline, None);

        // The second refuses to sign: the HR officer records it; the person cannot record it themself.
        let refusal = pb::AcknowledgeResultRequest {
            request_id: rid(),
            assessment_id: of(&all, &second).id.clone(),
            refused: true,
        };
        let own = h.as_cadre(&second).acknowledge_result(refusal.clone()).await.unwrap_err();
        assert_error(&own, Code::PermissionDenied, "RECORDS_KEEPER_ONLY", None);
        let recorded = h
            .as_person(&keeper, &[Role::UnitHrOfficer])
            .acknowledge_result(refusal)
            .await
            .expect("the refusal is recorded")
            .into_inner()
            .assessment
            .unwrap();
        assert!(recorded.refused_to_sign, "{backend}");

        h.set_today("2026-02-24");
        let review = h
            .as_cadre(&first)
            .request_result_review(ask(&of(&all, &first).id, pb::ReviewKind::Reconsideration))
            .await
            .expect("asked on the last day")
            .into_inner()
            .review
            .unwrap();
        assert_eq!(review.asked_on, Some(date("2026-02-24")));
        let under = assessment(&mut org, &of(&all, &first).id).await.assessment.unwrap();
        assert_eq!(pb::AssessmentState::try_from(under.state).unwrap(), pb::AssessmentState::UnderReview);
        let again = h
            .as_cadre(&first)
            .request_result_review(ask(&of(&all, &first).id, pb::ReviewKind::Reconsideration))
            .await
            .unwrap_err();
        assert_error(&again, Code::FailedPrecondition, "STEP_OUT_OF_ORDER", None);
        let for_someone_else = h
            .as_person(&head, &[Role::UnitLeader])
            .request_result_review(ask(&of(&all, &second).id, pb::ReviewKind::Reconsideration))
            .await
            .unwrap_err();
        // Asking is the person's own: as a cadre, the leader does not even see a colleague's result here.
        assert_error(&for_someone_else, Code::NotFound, "ASSESSMENT_NOT_FOUND", None);
        let not_reviewable = h
            .as_cadre(&third)
            .request_result_review(ask(&of(&all, &third).id, pb::ReviewKind::Reconsideration))
            .await
            .unwrap_err();
        assert_error(&not_reviewable, Code::FailedPrecondition, "RECOURSE_NOT_AVAILABLE", None);

        h.set_today("2026-02-25");
        let late = h
            .as_cadre(&second)
            .request_result_review(ask(&of(&all, &second).id, pb::ReviewKind::Reconsideration))
            .await
            .unwrap_err();
        assert_error(&late, Code::FailedPrecondition, "DEADLINE_PASSED", None);

        // The original body changes the first result: published again as revision 2.
        let decided = org
            .decide_result_review(pb::DecideResultReviewRequest {
                request_id: rid(),
                review_id: review.id.clone(),
                outcome: BasicallyCompetent as i32,
                decision: "经复核，改定为基本称职。".into(),
            })
            .await
            .expect("decided")
            .into_inner();
        let review = decided.review.unwrap();
        assert!(review.decided);
        assert_eq!(review.outcome, BasicallyCompetent as i32);
        assert_eq!(decided.assessment.unwrap().outcome, BasicallyCompetent as i32, "{backend}");
        let events = published_results(&h).await;
        let mine: Vec<_> =
            events.iter().filter(|e| e.result.as_ref().unwrap().cadre_id == first.cadre_id).collect();
        assert_eq!(mine.len(), 2, "{backend}");
        let latest = mine[1].result.as_ref().unwrap();
        assert_eq!((latest.outcome, latest.revision), (BasicallyCompetent as i32, 2));
        assert_eq!(latest.published_on, Some(date("2026-02-25")));
        let codes: Vec<&str> = mine[1].consequences.iter().map(|c| c.code.as_str()).collect();
        assert!(codes.contains(&"ADMONISHMENT") && codes.contains(&"NO_PROMOTION_NEXT_YEAR"), "{codes:?}");
        let first_codes: Vec<&str> = mine[0].consequences.iter().map(|c| c.code.as_str()).collect();
        assert!(first_codes.contains(&"DEMOTION_CASE"), "{first_codes:?}");
        let again = org
            .decide_result_review(pb::DecideResultReviewRequest {
                request_id: rid(),
                review_id: review.id.clone(),
                outcome: Competent as i32,
                decision: "再议".into(),
            })
            .await
            .unwrap_err();
        assert_error(&again, Code::FailedPrecondition, "REVIEW_ALREADY_DECIDED", None);

        // 申诉 within 15 days of the 复核 decision; the appeal body upholds the changed result: final.
        let appeal = h
            .as_cadre(&first)
            .request_result_review(ask(&of(&all, &first).id, pb::ReviewKind::Appeal))
            .await
            .expect("appealed")
            .into_inner()
            .review
            .unwrap();
        let upheld = org
            .decide_result_review(pb::DecideResultReviewRequest {
                request_id: rid(),
                review_id: appeal.id.clone(),
                outcome: BasicallyCompetent as i32,
                decision: "维持复核决定。".into(),
            })
            .await
            .expect("the appeal is decided")
            .into_inner();
        let settled = upheld.assessment.unwrap();
        assert_eq!(
            pb::AssessmentState::try_from(settled.state).unwrap(),
            pb::AssessmentState::Final,
            "{backend}"
        );
        assert_eq!(
            published_results(&h)
                .await
                .iter()
                .filter(|e| e.result.as_ref().unwrap().cadre_id == first.cadre_id)
                .count(),
            2
        );
        let full = assessment(&mut org, &of(&all, &first).id).await;
        assert_eq!(full.reviews.len(), 2);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consequences_count_the_earlier_years() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U10", "区统计局", None).await;
        let head = h.cadre("柏局长", &unit, Post::Principal).await;
        let weak = h.cadre("水科员", &unit, Post::Staff).await;
        h.sync().await;
        let mut org = h.org();
        let mut leader = h.as_person(&head, &[Role::UnitLeader]);
        // Two years in a row 不称职: the second opens a 辞退 case as well as the demotion.
        for (year, start, end) in [(2024, "2026-01-12", "2026-01-20"), (2025, "2026-01-21", "2026-01-29")] {
            h.set_today(start);
            let cycle = open_cycle(&mut org, &unit, pb::PoolCategory::CivilServant, year).await;
            let all = assessments(&mut org, &cycle.id).await;
            summary(&mut h.as_cadre(&weak), &of(&all, &weak).id).await;
            summary(&mut h.as_cadre(&head), &of(&all, &head).id).await;
            propose(&mut leader, &of(&all, &weak).id, Incompetent).await;
            propose(&mut org, &of(&all, &head).id, Competent).await;
            try_publicise(&mut org, &cycle.id, "").await.expect("publicity");
            h.set_today(end);
            try_determine(&mut org, &cycle.id).await.expect("determined");
        }
        let events = published_results(&h).await;
        let weak_events: Vec<_> =
            events.iter().filter(|e| e.result.as_ref().unwrap().cadre_id == weak.cadre_id).collect();
        assert_eq!(weak_events.len(), 2, "{backend}");
        let codes = |e: &pb::AnnualResultPublishedEvent| -> Vec<String> {
            e.consequences.iter().map(|c| c.code.clone()).collect()
        };
        assert!(!codes(weak_events[0]).contains(&"DISMISSAL_CASE".to_owned()), "{:?}", codes(weak_events[0]));
        assert!(codes(weak_events[1]).contains(&"DISMISSAL_CASE".to_owned()), "{:?}", codes(weak_events[1]));
        let history = org
            .get_assessment_history(pb::GetAssessmentHistoryRequest { cadre_id: weak.cadre_id.clone() })
            .await
            .unwrap()
            .into_inner();
        let years: Vec<(i32, i32)> = history.years.iter().map(|y| (y.year, y.outcome)).collect();
        assert_eq!(years, vec![(2025, Incompetent as i32), (2024, Incompetent as i32)], "{backend}");
        h.stop().await;
    }
}

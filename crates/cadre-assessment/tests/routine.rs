//! Routine assessments (平时考核) over a real socket on SQLite and PostgreSQL: evidence required, 好 capped
//! at 40 % of the unit per quarter, and the 天津 linkage to the annual grade enforced at the proposal with
//! its reason.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::assessment as pb;
use harness::{
    Harness, Person, Post, assert_error, assessments, of, open_cycle, propose, rid, summary, try_propose,
};
use pb::{
    AnnualOutcome::{BasicallyCompetent, Competent, Excellent},
    RoutineGrade::{Average, FairlyGood, Good, Poor},
};
use tonic::{Code, Status};

async fn grade(
    client: &mut harness::Client,
    who: &Person,
    quarter: i32,
    grade: pb::RoutineGrade,
) -> Result<pb::RoutineAssessment, Status> {
    client
        .record_routine_assessment(pb::RecordRoutineAssessmentRequest {
            request_id: rid(),
            cadre_id: who.cadre_id.clone(),
            year: 2025,
            quarter,
            grade: grade as i32,
            score: None,
            evidence: vec!["季度工作纪实".into()],
            comment: String::new(),
        })
        .await
        .map(|r| r.into_inner().routine_assessment.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_quarters_of_average_bar_competent_with_the_reason() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U05", "区交通局", None).await;
        let head = h.cadre("曹局长", &unit, Post::Principal).await;
        let clerk = h.cadre("严科员", &unit, Post::Staff).await;
        let other = h.cadre("华科员", &unit, Post::Staff).await;
        let keeper = h.cadre("金人事", &unit, Post::Staff).await;
        h.sync().await;
        let mut hr = h.as_person(&keeper, &[Role::UnitHrOfficer]);
        grade(&mut hr, &clerk, 1, Average).await.expect("Q1");
        grade(&mut hr, &clerk, 2, Average).await.expect("Q2");
        grade(&mut hr, &clerk, 3, FairlyGood).await.expect("Q3");

        let mut org = h.org();
        let cycle = open_cycle(&mut org, &unit, pb::PoolCategory::CivilServant, 2025).await;
        let all = assessments(&mut org, &cycle.id).await;
        let mine = of(&all, &clerk);
        assert_eq!(mine.ceiling, BasicallyCompetent as i32, "{backend}: {mine:?}");
        assert_eq!(mine.reasons[0].code, "ROUTINE_LINKAGE_TIANJIN");
        summary(&mut h.as_cadre(&clerk), &mine.id).await;
        let mut leader = h.as_person(&head, &[Role::UnitLeader]);
        let refused = try_propose(&mut leader, &mine.id, Competent).await.unwrap_err();
        assert_error(&refused, Code::FailedPrecondition, "LINKAGE_FORBIDS_GRADE", None);
        assert!(
            refused.message().contains("天津") && refused.message().contains("一般"),
            "{}",
            refused.message()
        );
        let proposed = propose(&mut leader, &mine.id, BasicallyCompetent).await;
        assert_eq!(proposed.proposed, BasicallyCompetent as i32);

        // A routine result recorded after the opening limits the annual grade from then on.
        summary(&mut h.as_cadre(&other), &of(&all, &other).id).await;
        propose(&mut leader, &of(&all, &other).id, Excellent).await;
        grade(&mut hr, &other, 4, Poor).await.expect("Q4");
        let now = assessments(&mut org, &cycle.id).await;
        let limited = of(&now, &other);
        assert_eq!(limited.ceiling, Competent as i32, "{backend}: {limited:?}");
        assert_eq!(limited.proposed, 0, "{backend}: the 优秀 proposal the new result forbids was dropped");
        let history = org
            .get_assessment_history(pb::GetAssessmentHistoryRequest { cadre_id: clerk.cadre_id.clone() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            history.years[0].quarters,
            vec![Average as i32, Average as i32, FairlyGood as i32, 0],
            "{backend}"
        );
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_is_capped_at_forty_percent_of_the_unit_and_evidence_is_required() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U06", "区水务局", None).await;
        let head = h.cadre("魏局长", &unit, Post::Principal).await;
        let mut staff = Vec::new();
        for name in ["陶一", "姜二", "戚三", "谢四"] {
            staff.push(h.cadre(name, &unit, Post::Staff).await);
        }
        h.sync().await;
        let mut leader = h.as_person(&head, &[Role::UnitLeader]);
        // Five people: 40 % is 2.
        grade(&mut leader, &staff[0], 1, Good).await.expect("the first 好");
        grade(&mut leader, &staff[1], 1, Good).await.expect("the second 好");
        let third = grade(&mut leader, &staff[2], 1, Good).await.unwrap_err();
        assert_error(&third, Code::FailedPrecondition, "ROUTINE_GOOD_CAP_EXCEEDED", None);
        // Correcting one already rated 好 does not count it twice; another quarter has its own cap.
        grade(&mut leader, &staff[0], 1, Good).await.expect("a correction");
        grade(&mut leader, &staff[2], 2, Good).await.expect("Q2 has its own cap");
        let own =
            grade(&mut h.as_person(&head, &[Role::UnitLeader]), &head, 1, FairlyGood).await.unwrap_err();
        assert_error(&own, Code::PermissionDenied, "SELF_ASSESSMENT", None);

        let no_evidence = leader
            .record_routine_assessment(pb::RecordRoutineAssessmentRequest {
                request_id: rid(),
                cadre_id: staff[3].cadre_id.clone(),
                year: 2025,
                quarter: 5,
                grade: FairlyGood as i32,
                score: Some(95),
                evidence: vec![],
                comment: String::new(),
            })
            .await
            .unwrap_err();
        assert_error(&no_evidence, Code::InvalidArgument, "INVALID_ROUTINE_ASSESSMENT", Some("evidence"));
        assert_error(&no_evidence, Code::InvalidArgument, "INVALID_ROUTINE_ASSESSMENT", Some("quarter"));
        let future = leader
            .record_routine_assessment(pb::RecordRoutineAssessmentRequest {
                request_id: rid(),
                cadre_id: staff[3].cadre_id.clone(),
                year: 2026,
                quarter: 2,
                grade: FairlyGood as i32,
                score: None,
                evidence: vec!["纪实".into()],
                comment: String::new(),
            })
            .await
            .unwrap_err();
        assert_error(&future, Code::InvalidArgument, "INVALID_ROUTINE_ASSESSMENT", Some("quarter"));
        let mismatch = leader
            .record_routine_assessment(pb::RecordRoutineAssessmentRequest {
                request_id: rid(),
                cadre_id: staff[3].cadre_id.clone(),
                year: 2025,
                quarter: 1,
                grade: FairlyGood as i32,
                score: Some(95),
                evidence: vec!["纪实".into()],
                comment: String::new(),
            })
            .await
            .unwrap_err();
        assert_error(&mismatch, Code::InvalidArgument, "SCORE_OUTSIDE_GRADE", Some("score"));

        let listed = leader
            .list_routine_assessments(pb::ListRoutineAssessmentsRequest {
                org_unit_id: unit.clone(),
                year: 2025,
                quarter: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .routine_assessments;
        assert_eq!(listed.len(), 2, "{backend}: {listed:?}");
        assert!(listed.iter().all(|r| r.evidence == ["季度工作纪实"]));
        let recorded = h.event_count("cadre.assessment.v1.RoutineAssessmentRecordedEvent").await;
        assert_eq!(recorded, 4, "{backend}");
        h.stop().await;
    }
}

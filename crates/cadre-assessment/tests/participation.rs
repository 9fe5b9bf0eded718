//! The special cases of the annual assessment, computed from the facts this service holds: a 警告 that
//! year caps the grade at 称职, a 记过 in effect makes it 不定等次, a new recruit in 试用期 is 不定等次, more
//! than half the year away takes the person out, and an open investigation defers the grade until its
//! closure (补定). On SQLite and PostgreSQL.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::{assessment as pb, types};
use harness::{
    Facts, Harness, Post, assert_error, assessment, assessments, date, of, open_cycle, propose,
    published_results, rid, summary, try_determine, try_propose, try_publicise,
};
use pb::AnnualOutcome::{Competent, Deferred, Excellent, Undetermined};
use tonic::Code;

fn measure(
    source: &str,
    cadre: &str,
    kind: types::ConductMeasureKind,
    effective: &str,
) -> types::ConductMeasure {
    types::ConductMeasure {
        source_id: source.into(),
        cadre_id: cadre.into(),
        kind: kind as i32,
        effective_date: Some(date(effective)),
        last_day: None,
        basis: "锦纪〔2025〕1号".into(),
        still_affects_use: false,
    }
}

async fn record(client: &mut harness::Client, measure: types::ConductMeasure) -> types::ConductMeasure {
    client
        .record_conduct_measure(pb::RecordConductMeasureRequest { request_id: rid(), measure: Some(measure) })
        .await
        .unwrap_or_else(|s| panic!("record the measure: {s:?}"))
        .into_inner()
        .measure
        .unwrap()
}

fn codes(a: &pb::AnnualAssessment) -> Vec<&str> {
    a.reasons.iter().map(|r| r.code.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn special_cases_limit_defer_or_set_the_outcome() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U04", "区住建局", None).await;
        let head = h.cadre("韩局长", &unit, Post::Principal).await;
        let warned = h.cadre("杨警告", &unit, Post::Staff).await;
        let demerit = h.cadre("朱记过", &unit, Post::Staff).await;
        let investigated = h.cadre("秦立案", &unit, Post::Staff).await;
        let recruit = h
            .cadre_with(
                "尤新录",
                &unit,
                Post::Staff,
                Facts { work_start: "2025-08-01", ..Default::default() },
            )
            .await;
        let absent = h.cadre("许病假", &unit, Post::Staff).await;
        let plain = h.cadre("何一般", &unit, Post::Staff).await;
        h.sync().await;

        // The discipline inspector records two measures, the oversight service (as the suite) the others.
        let mut inspector = h.inspector();
        let warning = record(
            &mut inspector,
            measure(
                "oversight-1",
                &warned.cadre_id,
                types::ConductMeasureKind::GovernmentWarning,
                "2025-05-01",
            ),
        )
        .await;
        assert_eq!(warning.last_day, Some(date("2025-10-31")), "{backend}: 6 months from the policy");
        let demerit_measure = record(
            &mut inspector,
            measure(
                "oversight-2",
                &demerit.cadre_id,
                types::ConductMeasureKind::GovernmentDemerit,
                "2025-03-01",
            ),
        )
        .await;
        assert_eq!(demerit_measure.last_day, Some(date("2026-02-28")), "{backend}: 12 months");
        let mut oversight = h.system("oversight");
        let case = record(
            &mut oversight,
            measure(
                "oversight-3",
                &investigated.cadre_id,
                types::ConductMeasureKind::OpenInvestigation,
                "2025-10-01",
            ),
        )
        .await;
        assert_eq!(case.last_day, None, "{backend}: an open investigation has no last day");
        // A cadre or a unit leader may not record measures.
        let leader_refused = h
            .as_person(&head, &[Role::UnitLeader])
            .record_conduct_measure(pb::RecordConductMeasureRequest {
                request_id: rid(),
                measure: Some(measure(
                    "x",
                    &plain.cadre_id,
                    types::ConductMeasureKind::Admonishment,
                    "2025-05-01",
                )),
            })
            .await
            .unwrap_err();
        assert_eq!(leader_refused.code(), Code::PermissionDenied);

        let mut org = h.org();
        let cycle = open_cycle(&mut org, &unit, pb::PoolCategory::CivilServant, 2025).await;
        let all = assessments(&mut org, &cycle.id).await;
        let w = of(&all, &warned);
        assert_eq!((w.ceiling, w.forced_outcome), (Competent as i32, 0), "{backend}: {w:?}");
        assert_eq!(codes(w), ["MEASURE_BARS_EXCELLENT"]);
        let j = of(&all, &demerit);
        assert_eq!(j.forced_outcome, Undetermined as i32, "{backend}: {j:?}");
        assert_eq!(codes(j), ["MEASURE_FORCES_UNDETERMINED"]);
        let i = of(&all, &investigated);
        assert_eq!(i.forced_outcome, Deferred as i32, "{backend}: {i:?}");
        let p = of(&all, &recruit);
        assert_eq!(p.forced_outcome, Undetermined as i32, "{backend}: {p:?}");
        assert_eq!(codes(p), ["IN_PROBATION"]);

        // More than half the year on sick leave: the HR officer records it and the person is out.
        let mut hr = h.as_person(&head, &[Role::UnitHrOfficer]);
        let out = hr
            .update_participation(pb::UpdateParticipationRequest {
                request_id: rid(),
                assessment_id: of(&all, &absent).id.clone(),
                absence_days: 200,
                note: "全年病假200天".into(),
                ..Default::default()
            })
            .await
            .expect("the HR officer corrects the facts")
            .into_inner()
            .assessment
            .unwrap();
        assert!(!out.takes_part, "{backend}");
        assert_eq!(pb::AssessmentState::try_from(out.state).unwrap(), pb::AssessmentState::NotParticipating);
        let cycle_now = org
            .get_annual_cycle(pb::GetAnnualCycleRequest { cycle_id: cycle.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .cycle
            .unwrap();
        assert_eq!((cycle_now.enrolled, cycle_now.taking_part), (7, 6), "{backend}");

        for who in [&head, &warned, &demerit, &investigated, &recruit, &plain] {
            summary(&mut h.as_cadre(who), &of(&all, who).id).await;
        }
        let mut leader = h.as_person(&head, &[Role::UnitLeader]);
        let above = try_propose(&mut leader, &w.id, Excellent).await.unwrap_err();
        assert_error(&above, Code::FailedPrecondition, "GRADE_ABOVE_CEILING", None);
        assert!(above.message().contains("cannot be 优秀"), "{}", above.message());
        propose(&mut leader, &w.id, Competent).await;
        let forced = try_propose(&mut leader, &j.id, Competent).await.unwrap_err();
        assert_error(&forced, Code::FailedPrecondition, "OUTCOME_FORCED", None);
        propose(&mut leader, &j.id, Undetermined).await;
        propose(&mut leader, &p.id, Undetermined).await;
        propose(&mut leader, &of(&all, &plain).id, Excellent).await;
        propose(&mut org, &of(&all, &head).id, Competent).await;

        try_publicise(&mut org, &cycle.id, "").await.expect("publicity");
        h.set_today("2026-01-20");
        try_determine(&mut org, &cycle.id).await.expect("determined");
        let all = assessments(&mut org, &cycle.id).await;
        let i = of(&all, &investigated);
        assert_eq!(
            pb::AssessmentState::try_from(i.state).unwrap(),
            pb::AssessmentState::Deferred,
            "{backend}"
        );
        assert_eq!(i.outcome, Deferred as i32);
        assert_eq!(of(&all, &demerit).outcome, Undetermined as i32);
        assert_eq!(of(&all, &absent).outcome, pb::AnnualOutcome::NotParticipating as i32);
        let missing = org
            .list_missing_results(pb::ListMissingResultsRequest {
                year: 2025,
                org_unit_id: unit.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .missing;
        assert_eq!(missing.len(), 1, "{backend}: {missing:?}");
        assert_eq!(
            (missing[0].cadre_id.as_str(), missing[0].reason.as_str()),
            (investigated.cadre_id.as_str(), "DEFERRED")
        );
        let published = published_results(&h).await;
        assert_eq!(published.len(), 6, "{backend}: everyone but the deferred one");

        // No 补定 while the investigation is open; once it closes without a sanction, the grade is added.
        let complete = |grade: pb::AnnualOutcome| pb::CompleteDeferredAssessmentRequest {
            request_id: rid(),
            assessment_id: i.id.clone(),
            grade: grade as i32,
            comment: "经查无违纪问题，补定等次。".into(),
        };
        let early = org.complete_deferred_assessment(complete(Competent)).await.unwrap_err();
        assert_error(&early, Code::FailedPrecondition, "INVESTIGATION_OPEN", None);
        h.set_today("2026-03-02");
        let closed = types::ConductMeasure { last_day: Some(date("2026-02-27")), ..case.clone() };
        record(&mut oversight, closed).await;
        let done = org
            .complete_deferred_assessment(complete(Competent))
            .await
            .expect("补定")
            .into_inner()
            .assessment
            .unwrap();
        assert_eq!(done.outcome, Competent as i32, "{backend}");
        assert_eq!(pb::AssessmentState::try_from(done.state).unwrap(), pb::AssessmentState::Notified);
        assert_eq!(done.notified_on, Some(date("2026-03-02")));
        let published = published_results(&h).await;
        let late =
            published.iter().find(|e| e.result.as_ref().unwrap().cadre_id == investigated.cadre_id).unwrap();
        let result = late.result.as_ref().unwrap();
        assert_eq!((result.outcome, result.revision), (Competent as i32, 1));
        assert_eq!(result.published_on, Some(date("2026-03-02")));
        let again = org.complete_deferred_assessment(complete(Competent)).await.unwrap_err();
        assert_error(&again, Code::FailedPrecondition, "NOT_DEFERRED", None);
        let history = org
            .get_assessment_history(pb::GetAssessmentHistoryRequest {
                cadre_id: investigated.cadre_id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(history.years[0].outcome, Competent as i32);
        assert_eq!(history.measures.len(), 1);
        let _ = assessment(&mut org, &done.id).await;
        h.stop().await;
    }
}

//! Special assessments (政治建设考察, 班子运行情况调研) and data scope, over a real socket on SQLite and
//! PostgreSQL: a team's grade, findings and follow-up tasks whose state is reckoned against today; a unit
//! leader of another unit sees nothing of it, and what is out of scope answers like what is absent.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::assessment as pb;
use harness::{Harness, Post, assert_error, assessments, date, of, open_cycle, rid};
use tonic::Code;

fn task(title: &str, due: &str) -> pb::NewFollowUpTask {
    pb::NewFollowUpTask { title: title.into(), due_date: Some(date(due)) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_special_assessment_tracks_its_follow_up_tasks_within_scope() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U08", "区卫健委", None).await;
        let other_unit = h.unit("U09", "区教育局", None).await;
        let head = h.cadre("卫主任", &unit, Post::Principal).await;
        let deputy = h.cadre("蒋副主任", &unit, Post::Deputy).await;
        let other_head = h.cadre("教局长", &other_unit, Post::Principal).await;
        let _teacher = h.cadre("韦老师", &other_unit, Post::Staff).await;
        h.sync().await;
        let mut org = h.org();

        let recorded = org
            .record_special_assessment(pb::RecordSpecialAssessmentRequest {
                request_id: rid(),
                kind: pb::SpecialKind::PoliticalBuilding as i32,
                year: 2025,
                org_unit_id: unit.clone(),
                cadre_id: String::new(),
                grade: pb::RoutineGrade::FairlyGood as i32,
                findings: vec!["理论学习中心组学习制度落实不到位".into()],
                tasks: vec![
                    task("制定中心组学习计划", "2026-01-31"),
                    task("开展专题民主生活会", "2026-03-31"),
                ],
                assessed_on: Some(date("2026-01-10")),
            })
            .await
            .expect("recorded")
            .into_inner()
            .special_assessment
            .unwrap();
        assert_eq!(recorded.tasks.len(), 2, "{backend}");
        assert!(recorded.tasks.iter().all(|t| t.state == pb::TaskState::Open as i32));
        assert_eq!(h.event_count("cadre.assessment.v1.SpecialAssessmentRecordedEvent").await, 1);

        // In February the first task is overdue, the second still open.
        h.set_today("2026-02-05");
        let mut leader = h.as_person(&head, &[Role::UnitLeader]);
        let listed = leader
            .list_special_assessments(pb::ListSpecialAssessmentsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .special_assessments;
        assert_eq!(listed.len(), 1, "{backend}");
        let states: Vec<i32> = listed[0].tasks.iter().map(|t| t.state).collect();
        assert_eq!(states, vec![pb::TaskState::Overdue as i32, pb::TaskState::Open as i32], "{backend}");
        let done = leader
            .complete_follow_up_task(pb::CompleteFollowUpTaskRequest {
                request_id: rid(),
                special_assessment_id: recorded.id.clone(),
                task_id: recorded.tasks[1].id.clone(),
                outcome: "已召开专题民主生活会".into(),
            })
            .await
            .expect("done")
            .into_inner()
            .special_assessment
            .unwrap();
        assert_eq!(done.tasks[1].state, pb::TaskState::Done as i32);
        assert_eq!(done.tasks[1].done_on, Some(date("2026-02-05")));
        let twice = leader
            .complete_follow_up_task(pb::CompleteFollowUpTaskRequest {
                request_id: rid(),
                special_assessment_id: recorded.id.clone(),
                task_id: recorded.tasks[1].id.clone(),
                outcome: "再次".into(),
            })
            .await
            .unwrap_err();
        assert_error(&twice, Code::FailedPrecondition, "TASK_ALREADY_DONE", None);

        // The rules' checks name the request's fields.
        let person_team_kind = org
            .record_special_assessment(pb::RecordSpecialAssessmentRequest {
                request_id: rid(),
                kind: pb::SpecialKind::TeamOperation as i32,
                year: 2025,
                org_unit_id: unit.clone(),
                cadre_id: deputy.cadre_id.clone(),
                grade: pb::RoutineGrade::Good as i32,
                findings: vec!["运行正常".into()],
                tasks: vec![task("整改", "2026-01-01")],
                assessed_on: Some(date("2026-01-10")),
            })
            .await
            .unwrap_err();
        assert_error(
            &person_team_kind,
            Code::InvalidArgument,
            "INVALID_SPECIAL_ASSESSMENT",
            Some("cadre_id"),
        );
        assert_error(
            &person_team_kind,
            Code::InvalidArgument,
            "INVALID_SPECIAL_ASSESSMENT",
            Some("tasks[0].due_date"),
        );

        // Another unit's leader sees none of it, and what they cannot see is absent.
        let mut stranger = h.as_person(&other_head, &[Role::UnitLeader]);
        let theirs = stranger
            .list_special_assessments(pb::ListSpecialAssessmentsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .special_assessments;
        assert!(theirs.is_empty(), "{backend}: {theirs:?}");
        let hidden = stranger
            .complete_follow_up_task(pb::CompleteFollowUpTaskRequest {
                request_id: rid(),
                special_assessment_id: recorded.id.clone(),
                task_id: recorded.tasks[0].id.clone(),
                outcome: "越权".into(),
            })
            .await
            .unwrap_err();
        let absent = stranger
            .complete_follow_up_task(pb::CompleteFollowUpTaskRequest {
                request_id: rid(),
                special_assessment_id: "0190aaaa-0000-7000-8000-000000000000".into(),
                task_id: recorded.tasks[0].id.clone(),
                outcome: "无".into(),
            })
            .await
            .unwrap_err();
        assert_error(&hidden, Code::NotFound, "SPECIAL_ASSESSMENT_NOT_FOUND", None);
        assert_error(&absent, Code::NotFound, "SPECIAL_ASSESSMENT_NOT_FOUND", None);

        h.set_today("2026-01-12");
        let cycle = open_cycle(&mut org, &unit, pb::PoolCategory::CivilServant, 2025).await;
        let all = assessments(&mut org, &cycle.id).await;
        let cycles = stranger
            .list_annual_cycles(pb::ListAnnualCyclesRequest::default())
            .await
            .unwrap()
            .into_inner()
            .cycles;
        assert!(cycles.is_empty(), "{backend}: {cycles:?}");
        let got = stranger
            .get_annual_cycle(pb::GetAnnualCycleRequest { cycle_id: cycle.id.clone() })
            .await
            .unwrap_err();
        assert_error(&got, Code::NotFound, "CYCLE_NOT_FOUND", None);
        let deputy_assessment = stranger
            .get_annual_assessment(pb::GetAnnualAssessmentRequest {
                assessment_id: of(&all, &deputy).id.clone(),
            })
            .await
            .unwrap_err();
        assert_error(&deputy_assessment, Code::NotFound, "ASSESSMENT_NOT_FOUND", None);
        let proposal =
            harness::try_propose(&mut stranger, &of(&all, &deputy).id, pb::AnnualOutcome::Competent)
                .await
                .unwrap_err();
        assert_error(&proposal, Code::NotFound, "ASSESSMENT_NOT_FOUND", None);
        let history = stranger
            .get_assessment_history(pb::GetAssessmentHistoryRequest { cadre_id: deputy.cadre_id.clone() })
            .await
            .unwrap_err();
        assert_error(&history, Code::NotFound, "CADRE_NOT_FOUND", None);
        let report = stranger
            .get_grade_distribution(pb::GetGradeDistributionRequest {
                year: 2025,
                org_unit_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(report.pools.is_empty(), "{backend}");
        // The deputy, a plain cadre, sees their own assessment and cycle but not the head's.
        let mut me = h.as_cadre(&deputy);
        let mine = harness::assessments(&mut me, &cycle.id).await;
        assert_eq!(mine.len(), 1, "{backend}: {mine:?}");
        let head_assessment = me
            .get_annual_assessment(pb::GetAnnualAssessmentRequest {
                assessment_id: of(&all, &head).id.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(head_assessment.code(), Code::NotFound);
        h.stop().await;
    }
}

//! The ladder, rank history and bad input over a real socket, with the real directory, leave and assessment
//! services, on SQLite and PostgreSQL: the ladder as policy data; legacy holdings and corrections; a grade
//! the directory changed by itself taken into the history; retries; field violations for bad input.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::{directory as dir, directory::RankGrade, rank as pb};
use harness::{Harness, Post, assert_error, check, date, eventually, rid};
use tonic::Code;

async fn holdings(client: &mut harness::Client, cadre: &str) -> Vec<pb::RankHolding> {
    client
        .get_rank_history(pb::GetRankHistoryRequest { cadre_id: cadre.to_owned() })
        .await
        .unwrap_or_else(|s| panic!("history: {s:?}"))
        .into_inner()
        .holdings
}

fn holding(cadre: &str, grade: RankGrade, start: &str, end: Option<&str>) -> pb::RecordRankHoldingRequest {
    pb::RecordRankHoldingRequest {
        request_id: rid(),
        cadre_id: cadre.to_owned(),
        grade: grade as i32,
        start_date: Some(date(start)),
        end_date: end.map(date),
        level: 0,
        note: "套改审批表".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ladder_is_policy_data() {
    for database in TestDatabase::each() {
        let h = Harness::start(database, "2026-03-02").await;
        let ladder =
            h.org().get_ladder(pb::GetLadderRequest::default()).await.expect("the ladder").into_inner();
        assert_eq!(ladder.district_type, pb::DistrictType::County as i32, "{}", h.backend);
        assert_eq!(ladder.grades.len(), 12);
        let top = &ladder.grades[0];
        assert_eq!(
            (top.grade, top.name.as_str(), top.level_high, top.level_low),
            (RankGrade::Inspector1 as i32, "一级巡视员", 8, 13)
        );
        let r2 = ladder.grades.iter().find(|g| g.grade == RankGrade::Researcher2 as i32).unwrap();
        assert_eq!((r2.required_months, r2.authority), (24, pb::ApprovalAuthority::DistrictCommittee as i32));
        assert!(r2.filed_with_city);
        let p3 = ladder.grades.iter().find(|g| g.grade == RankGrade::PrincipalStaff3 as i32).unwrap();
        assert_eq!(p3.equivalent_posts, vec![dir::PostLevel::TownshipDeputy as i32]);
        assert_eq!(p3.authority, pb::ApprovalAuthority::OrgDepartment as i32);
        assert_eq!(ladder.grades[11].required_months, 0, "the bottom of the ladder");
        let organ = ladder.ceilings.iter().find(|c| c.unit_class == "ORGAN").unwrap();
        assert_eq!(organ.highest_grade, RankGrade::Researcher2 as i32);
        let deputy = ladder
            .equivalences
            .iter()
            .find(|e| e.post_level == dir::PostLevel::TownshipDeputy as i32)
            .unwrap();
        assert_eq!(deputy.lowest_grade, RankGrade::PrincipalStaff4 as i32);
        assert_eq!(deputy.band, vec![RankGrade::PrincipalStaff3 as i32, RankGrade::PrincipalStaff4 as i32]);
        // Before 并行规定 took effect there are no rank rows: the policy's defaults are those of domain.md.
        let bad = h
            .org()
            .get_ladder(pb::GetLadderRequest {
                as_of: Some(cadre_proto::types::Date { year: 2026, month: 13, day: 1 }),
            })
            .await
            .unwrap_err();
        assert_error(&bad, Code::InvalidArgument, "INVALID_DATE", Some("as_of"));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_takes_legacy_records_corrections_and_the_directorys_own_changes() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-02").await;
        let backend = h.backend;
        let bureau = h.unit("U01", "区发改局", "district_unit", None).await;
        let deputy = h.cadre("孙副局", &bureau, Post::TownshipDeputy, None).await;
        let clerk = h.cadre("周科员", &bureau, Post::Staff, Some((RankGrade::Staff1, "2024-05-01"))).await;
        h.sync().await;
        let mut org = h.org();

        // R8: a 乡科级副职 with no 职级 on record is counted from the post (since 2015) toward 三级主任科员.
        let post = check(&mut org, &deputy.cadre_id, None).await;
        assert_eq!(
            (post.current_grade, post.target_grade),
            (RankGrade::PrincipalStaff4 as i32, RankGrade::PrincipalStaff3 as i32),
            "{backend}"
        );
        assert_eq!(post.current_since, Some(date("2015-01-01")));
        assert!(
            post.rules.iter().any(|r| r.code == "TENURE_BASIS" && r.text.contains("乡科级副职")),
            "{:?}",
            post.rules
        );
        assert!(holdings(&mut org, &deputy.cadre_id).await.is_empty(), "no grade to import");

        // A legacy holding before the current one; one that overlaps is refused.
        let legacy = org
            .record_rank_holding(holding(
                &clerk.cadre_id,
                RankGrade::Staff2,
                "2022-05-01",
                Some("2024-04-30"),
            ))
            .await
            .expect("the legacy holding")
            .into_inner()
            .holding
            .unwrap();
        assert_eq!(legacy.source, pb::HoldingSource::Recorded as i32);
        let overlap = org
            .record_rank_holding(holding(
                &clerk.cadre_id,
                RankGrade::Staff2,
                "2023-01-01",
                Some("2024-06-30"),
            ))
            .await
            .unwrap_err();
        assert_error(&overlap, Code::FailedPrecondition, "HOLDING_OVERLAP", None);
        let earlier = org
            .record_rank_holding(holding(&clerk.cadre_id, RankGrade::PrincipalStaff4, "2020-01-01", None))
            .await
            .unwrap_err();
        assert_error(&earlier, Code::FailedPrecondition, "HOLDING_BEFORE_CURRENT", None);
        let held = holdings(&mut org, &clerk.cadre_id).await;
        assert_eq!(
            held.iter().map(|h| h.grade).collect::<Vec<_>>(),
            vec![RankGrade::Staff1 as i32, RankGrade::Staff2 as i32],
            "{backend}"
        );

        // The HR system changes the grade in the directory: the history takes it as a new holding.
        let mut record = h.directory_cadre(&clerk.cadre_id).await;
        record.rank = Some(dir::Rank {
            grade: RankGrade::PrincipalStaff4 as i32,
            start_date: Some(date("2026-02-01")),
        });
        h.directory
            .clone()
            .update_cadre(dir::UpdateCadreRequest {
                request_id: rid(),
                cadre: Some(record),
                update_mask: Some(prost_types::FieldMask { paths: vec!["rank".into()] }),
                expected_version: 0,
            })
            .await
            .expect("the directory changes the grade");
        eventually("the history takes the directory's change", || {
            let (mut org, id) = (org.clone(), clerk.cadre_id.clone());
            async move { holdings(&mut org, &id).await.len() == 3 }
        })
        .await;
        let held = holdings(&mut org, &clerk.cadre_id).await;
        assert_eq!(
            (held[0].grade, held[0].source),
            (RankGrade::PrincipalStaff4 as i32, pb::HoldingSource::Imported as i32),
            "{backend}"
        );
        assert_eq!(held[1].end_date, Some(date("2026-01-31")), "the previous holding ends the day before");

        // A leader of the bureau reads the history; a cadre only their own.
        let mut leader = h.as_person(&deputy, &[Role::UnitLeader]);
        assert_eq!(holdings(&mut leader, &clerk.cadre_id).await.len(), 3);
        let own = h
            .as_person(&deputy, &[])
            .get_rank_history(pb::GetRankHistoryRequest { cadre_id: clerk.cadre_id.clone() })
            .await
            .unwrap_err();
        assert_error(&own, Code::NotFound, "CADRE_NOT_FOUND", None);
        let record = h
            .as_person(&deputy, &[Role::UnitLeader])
            .record_rank_holding(holding(
                &clerk.cadre_id,
                RankGrade::Staff2,
                "2020-01-01",
                Some("2020-12-31"),
            ))
            .await
            .unwrap_err();
        assert_eq!(record.code(), Code::PermissionDenied, "only the org department records");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_answer_the_same_and_bad_input_names_its_fields() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-02").await;
        let backend = h.backend;
        let bureau = h.unit("U01", "区发改局", "district_unit", None).await;
        let clerk = h.cadre("周科员", &bureau, Post::Staff, Some((RankGrade::Staff1, "2024-05-01"))).await;
        h.sync().await;
        let mut org = h.org();

        // A retry of a recorded holding answers the first answer; the same id for another request is refused.
        let request = holding(&clerk.cadre_id, RankGrade::Staff2, "2022-05-01", Some("2024-04-30"));
        let first = org.record_rank_holding(request.clone()).await.unwrap().into_inner();
        let again = org.record_rank_holding(request.clone()).await.unwrap().into_inner();
        assert_eq!(first, again, "{backend}");
        assert_eq!(holdings(&mut org, &clerk.cadre_id).await.len(), 2);
        let reused = org
            .record_rank_holding(pb::RecordRankHoldingRequest { note: "另一份".into(), ..request })
            .await
            .unwrap_err();
        assert_error(&reused, Code::InvalidArgument, "REQUEST_ID_REUSED", Some("request_id"));

        // Bad input: every bad field named at once, nothing written.
        let bad = org
            .record_rank_holding(pb::RecordRankHoldingRequest {
                request_id: rid(),
                cadre_id: String::new(),
                grade: 0,
                start_date: Some(date("2027-01-01")),
                end_date: Some(date("2026-01-01")),
                level: 30,
                note: String::new(),
            })
            .await
            .unwrap_err();
        for field in ["cadre_id", "grade", "start_date", "end_date", "level", "note"] {
            assert_error(&bad, Code::InvalidArgument, "INVALID_HOLDING", Some(field));
        }
        let outside = org
            .record_rank_holding(pb::RecordRankHoldingRequest {
                level: 10,
                ..holding(&clerk.cadre_id, RankGrade::Staff1, "2024-05-01", None)
            })
            .await
            .unwrap_err();
        assert_error(&outside, Code::InvalidArgument, "INVALID_HOLDING", Some("level"));
        let bad = org
            .open_promotion_case(pb::OpenPromotionCaseRequest {
                request_id: rid(),
                cadre_id: String::new(),
                target_grade: 77,
                plan: " ".into(),
            })
            .await
            .unwrap_err();
        for field in ["cadre_id", "target_grade", "plan"] {
            assert_error(&bad, Code::InvalidArgument, "INVALID_CASE", Some(field));
        }
        let bad = org
            .open_promotion_case(pb::OpenPromotionCaseRequest {
                request_id: "not a request id".into(),
                cadre_id: clerk.cadre_id.clone(),
                target_grade: RankGrade::PrincipalStaff4 as i32,
                plan: "方案".into(),
            })
            .await
            .unwrap_err();
        assert_error(&bad, Code::InvalidArgument, "INVALID_REQUEST_ID", Some("request_id"));
        let unknown = org
            .open_promotion_case(pb::OpenPromotionCaseRequest {
                request_id: rid(),
                cadre_id: "no-such-cadre".into(),
                target_grade: RankGrade::PrincipalStaff4 as i32,
                plan: "方案".into(),
            })
            .await
            .unwrap_err();
        assert_error(&unknown, Code::NotFound, "CADRE_NOT_FOUND", Some("cadre_id"));
        let bad = org
            .set_quota_pool(pb::SetQuotaPoolRequest {
                request_id: rid(),
                pool_id: format!("unit:{bureau}"),
                name: String::new(),
                kind: 0,
                org_unit_ids: vec![],
                headcount_override: Some(-1),
                expected_version: 0,
            })
            .await
            .unwrap_err();
        for field in ["pool_id", "name", "kind", "org_unit_ids", "headcount_override"] {
            assert_error(&bad, Code::InvalidArgument, "INVALID_POOL", Some(field));
        }
        let missing = org
            .set_quota_pool(pb::SetQuotaPoolRequest {
                request_id: rid(),
                name: "池".into(),
                kind: pb::PoolKind::Pooled as i32,
                org_unit_ids: vec![bureau.clone(), "no-such-unit".into()],
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&missing, Code::InvalidArgument, "UNIT_NOT_FOUND", Some("org_unit_ids[1]"));
        let bad = org
            .record_recommendation(pb::RecordRecommendationRequest {
                request_id: rid(),
                case_id: "x".into(),
                recommendation: Some(pb::Recommendation {
                    method: 0,
                    ballots: 0,
                    in_favour: -1,
                    ..Default::default()
                }),
            })
            .await
            .unwrap_err();
        for field in ["recommendation.method", "recommendation.ballots", "recommendation.in_favour"] {
            assert_error(&bad, Code::InvalidArgument, "INVALID_RECOMMENDATION", Some(field));
        }
        let bad = org
            .approve_case(pb::ApproveCaseRequest {
                request_id: rid(),
                case_id: String::new(),
                decision_ref: String::new(),
                effective_date: Some(date("2026-02-27")),
            })
            .await
            .unwrap_err();
        for field in ["case_id", "decision_ref", "effective_date"] {
            assert_error(&bad, Code::InvalidArgument, "INVALID_DECISION", Some(field));
        }
        assert_eq!(
            h.count("rank_cases").await + h.count("quota_pools").await,
            0,
            "{backend}: nothing written"
        );
        h.stop().await;
    }
}

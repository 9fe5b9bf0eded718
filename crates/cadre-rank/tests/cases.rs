//! Promotion and demotion cases over a real socket, with the real directory, leave (the working calendar)
//! and assessment services, on SQLite and PostgreSQL: a promotion from 工作方案 to approval by the body its
//! grade needs, the new holding and 级别, and the directory's record updated; steps out of order, a skipped
//! rank, an ineligible cadre and a full pool refused with their reasons and nothing written; a demotion
//! decided by the district committee; withdrawal; retries.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::{directory::RankGrade, rank as pb};
use harness::{Harness, Post, assert_error, blocks, bureau, check, date, eventually, metadata, rid};
use tonic::{Code, Status};

async fn open(
    client: &mut harness::Client,
    cadre: &str,
    target: RankGrade,
) -> Result<pb::OpenPromotionCaseResponse, Status> {
    client
        .open_promotion_case(pb::OpenPromotionCaseRequest {
            request_id: rid(),
            cadre_id: cadre.to_owned(),
            target_grade: target as i32,
            plan: "2026年度职级晋升工作方案（区委组织部部务会研究）".into(),
        })
        .await
        .map(|r| r.into_inner())
}

async fn get(client: &mut harness::Client, id: &str) -> pb::RankCase {
    client
        .get_case(pb::GetCaseRequest { case_id: id.to_owned() })
        .await
        .unwrap_or_else(|s| panic!("get case: {s:?}"))
        .into_inner()
        .rank_case
        .unwrap()
}

fn state(case: &pb::RankCase) -> pb::CaseState {
    pb::CaseState::try_from(case.state).unwrap()
}

fn approve(id: &str, effective: &str) -> pb::ApproveCaseRequest {
    pb::ApproveCaseRequest {
        request_id: rid(),
        case_id: id.to_owned(),
        decision_ref: "区组干〔2026〕8号".into(),
        effective_date: Some(date(effective)),
    }
}

async fn history(client: &mut harness::Client, cadre: &str) -> Vec<pb::RankHolding> {
    client
        .get_rank_history(pb::GetRankHistoryRequest { cadre_id: cadre.to_owned() })
        .await
        .unwrap_or_else(|s| panic!("history: {s:?}"))
        .into_inner()
        .holdings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promotion_runs_from_plan_to_approval_and_the_directory_takes_the_grade() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-05").await;
        let backend = h.backend;
        let district = bureau(&mut h, &[]).await;
        let (a, colleague) = (&district.a, &district.b);
        let mut org = h.org();

        // The 级别 the import did not know, recorded as a correction of the current holding.
        let corrected = org
            .record_rank_holding(pb::RecordRankHoldingRequest {
                request_id: rid(),
                cadre_id: a.cadre_id.clone(),
                grade: RankGrade::Staff1 as i32,
                start_date: Some(date("2024-01-01")),
                end_date: None,
                level: 24,
                note: "套改审批表 2024".into(),
            })
            .await
            .expect("the correction")
            .into_inner()
            .holding
            .unwrap();
        assert_eq!(
            (corrected.level, corrected.source),
            (24, pb::HoldingSource::Recorded as i32),
            "{backend}"
        );

        // 工作方案: the case opens on the eligibility it rests on, one grade up, decided by the org department.
        let opened = open(&mut org, &a.cadre_id, RankGrade::PrincipalStaff4).await.expect("the case opens");
        let case = opened.rank_case.unwrap();
        assert!(opened.eligibility.unwrap().eligible);
        assert_eq!(state(&case), pb::CaseState::Recommendation, "{backend}");
        assert_eq!(
            (case.from_grade, case.to_grade),
            (RankGrade::Staff1 as i32, RankGrade::PrincipalStaff4 as i32)
        );
        assert_eq!(case.authority, pb::ApprovalAuthority::OrgDepartment as i32);
        assert!(!case.filed_with_city);
        assert_eq!(case.quota_pool_id, district.pool_id);
        let twice = open(&mut org, &a.cadre_id, RankGrade::PrincipalStaff4).await.unwrap_err();
        assert_error(&twice, Code::FailedPrecondition, "CASE_ALREADY_OPEN", None);

        // Decisions out of order are refused, and change nothing.
        let early = org
            .start_case_publicity(pb::StartCasePublicityRequest {
                request_id: rid(),
                case_id: case.id.clone(),
            })
            .await
            .unwrap_err();
        assert_error(&early, Code::FailedPrecondition, "CASE_STEP_OUT_OF_ORDER", None);
        let early = org.approve_case(approve(&case.id, "2026-02-01")).await.unwrap_err();
        assert_error(&early, Code::FailedPrecondition, "CASE_STEP_OUT_OF_ORDER", None);
        assert_eq!(get(&mut org, &case.id).await.version, case.version, "{backend}");

        // 民主测评, then 考察 of the four criteria and the discipline-inspection opinion.
        let counted = org
            .record_recommendation(pb::RecordRecommendationRequest {
                request_id: rid(),
                case_id: case.id.clone(),
                recommendation: Some(pb::Recommendation {
                    method: pb::RecommendationMethod::Evaluation as i32,
                    ballots: 30,
                    in_favour: 28,
                    against: 1,
                    abstentions: 1,
                    held_on: Some(date("2026-01-21")),
                }),
            })
            .await
            .expect("the evaluation")
            .into_inner()
            .rank_case
            .unwrap();
        assert_eq!(state(&counted), pb::CaseState::Inspection);
        assert_eq!(counted.recommendation.unwrap().in_favour, 28);
        for criterion in [
            pb::Criterion::PoliticalQuality,
            pb::Criterion::AbilityAndResults,
            pb::Criterion::PublicRecognition,
            pb::Criterion::Integrity,
        ] {
            org.record_attestation(pb::RecordAttestationRequest {
                request_id: rid(),
                case_id: case.id.clone(),
                criterion: criterion as i32,
                favourable: true,
                note: "考察组谈话 28 人，反映良好。".into(),
            })
            .await
            .unwrap_or_else(|s| panic!("attest {criterion:?}: {s:?}"));
        }
        let missing = org
            .start_case_publicity(pb::StartCasePublicityRequest {
                request_id: rid(),
                case_id: case.id.clone(),
            })
            .await
            .unwrap_err();
        assert_error(&missing, Code::FailedPrecondition, "ATTESTATION_MISSING", None);
        let vetted = h
            .inspector()
            .record_discipline_opinion(pb::RecordDisciplineOpinionRequest {
                request_id: rid(),
                case_id: case.id.clone(),
                clear: true,
                note: "经查，无违纪违法问题线索。".into(),
            })
            .await
            .expect("the opinion")
            .into_inner()
            .rank_case
            .unwrap();
        assert_eq!(vetted.attestations.len(), 4);
        assert_eq!(vetted.discipline_opinion.unwrap().given_by, "inspector");

        // 公示 of five working days from tomorrow, from the working calendar: 22, 23, 26, 27, 28 January.
        let public = org
            .start_case_publicity(pb::StartCasePublicityRequest {
                request_id: rid(),
                case_id: case.id.clone(),
            })
            .await
            .expect("the publicity starts")
            .into_inner()
            .rank_case
            .unwrap();
        assert_eq!(state(&public), pb::CaseState::Publicity, "{backend}");
        assert_eq!(public.publicity_last_day, Some(date("2026-01-28")), "{backend}");
        // Before it begins nobody can object to it; the next day a colleague does (a 公示 is public).
        let objection = || pb::RaiseCaseObjectionRequest {
            request_id: rid(),
            case_id: case.id.clone(),
            text: "反映其下乡调研次数偏少。".into(),
        };
        let early =
            h.as_person(colleague, &[Role::Cadre]).raise_case_objection(objection()).await.unwrap_err();
        assert_error(&early, Code::FailedPrecondition, "OBJECTION_OUTSIDE_PUBLICITY", None);
        h.set_today("2026-01-22").await;
        let raised = h
            .as_person(colleague, &[Role::Cadre])
            .raise_case_objection(objection())
            .await
            .expect("an objection during the 公示")
            .into_inner()
            .rank_case
            .unwrap();
        assert_eq!(raised.objections.len(), 1, "{backend}");
        // No approval during the 公示, nor with an objection open.
        let during = org.approve_case(approve(&case.id, "2026-02-01")).await.unwrap_err();
        assert_eq!(during.code(), Code::FailedPrecondition, "{backend}: {during:?}");
        let resolved = org
            .resolve_case_objection(pb::ResolveCaseObjectionRequest {
                request_id: rid(),
                case_id: case.id.clone(),
                objection_id: raised.objections[0].id.clone(),
                upheld: false,
                resolution: "经核实，反映的问题不影响晋升。".into(),
            })
            .await
            .expect("resolved")
            .into_inner()
            .rank_case
            .unwrap();
        assert!(resolved.objections[0].resolved && !resolved.objections[0].upheld, "{backend}");
        h.set_today("2026-01-29").await;
        assert_eq!(state(&get(&mut org, &case.id).await), pb::CaseState::AwaitingApproval, "{backend}");
        // 主任科员 ranks are the org department's to approve, and nobody decides their own case.
        let committee = h.committee().approve_case(approve(&case.id, "2026-02-01")).await.unwrap_err();
        assert_error(&committee, Code::PermissionDenied, "AUTHORITY_MISMATCH", None);
        let own = h
            .as_person(a, &[Role::OrgOfficer])
            .approve_case(approve(&case.id, "2026-02-01"))
            .await
            .unwrap_err();
        assert_error(&own, Code::PermissionDenied, "SELF_DECISION", None);
        let request = approve(&case.id, "2026-02-01");
        let approved = org.approve_case(request.clone()).await.expect("approved").into_inner();
        let done = approved.rank_case.clone().unwrap();
        assert_eq!(state(&done), pb::CaseState::Approved, "{backend}");
        assert_eq!(done.effective_date, Some(date("2026-02-01")));
        assert_eq!(done.decision_ref, "区组干〔2026〕8号");
        // §1.8: 二十四级 lies within 四级主任科员's range (18–24), so one 级别 up.
        assert_eq!(done.new_level, 23, "{backend}");
        let holding = approved.holding.clone().unwrap();
        assert_eq!(
            (holding.grade, holding.source),
            (RankGrade::PrincipalStaff4 as i32, pb::HoldingSource::Promoted as i32)
        );
        assert_eq!(
            (holding.start_date, holding.level, holding.case_id.as_str()),
            (Some(date("2026-02-01")), 23, done.id.as_str())
        );
        // A retry with the same request id answers as the first time, and changes nothing more.
        let again = org.approve_case(request).await.expect("the retry").into_inner();
        assert_eq!(again, approved, "{backend}");
        let held = history(&mut org, &a.cadre_id).await;
        assert_eq!(held.len(), 2, "{backend}: {held:?}");
        assert_eq!((held[0].grade, held[0].end_date), (RankGrade::PrincipalStaff4 as i32, None));
        assert_eq!((held[1].grade, held[1].end_date), (RankGrade::Staff1 as i32, Some(date("2026-01-31"))));
        // Counted from the new grade now: 三级主任科员 in 2028.
        let next = check(&mut org, &a.cadre_id, Some("2026-02-01")).await;
        assert_eq!(next.target_grade, RankGrade::PrincipalStaff3 as i32);
        assert_eq!(blocks(&next)[0], "TENURE_NOT_MET");

        // The directory holds the current grade: not before the effective date, then told (as system:rank).
        let mut directory = h.directory.clone();
        let id = a.cadre_id.clone();
        let before = directory.get_cadre(cadre_proto::directory::GetCadreRequest { id }).await.unwrap();
        let held_before = before.into_inner().cadre.unwrap().rank.map(|r| r.grade);
        assert_eq!(held_before, Some(RankGrade::Staff1 as i32), "{backend}: not before 2026-02-01");
        h.set_today("2026-02-01").await;
        let directory = h.directory.clone();
        eventually("the directory takes the new grade", || {
            let (mut directory, id) = (directory.clone(), a.cadre_id.clone());
            async move {
                let cadre = directory
                    .get_cadre(cadre_proto::directory::GetCadreRequest { id })
                    .await
                    .unwrap()
                    .into_inner()
                    .cadre
                    .unwrap();
                cadre.rank.is_some_and(|r| {
                    r.grade == RankGrade::PrincipalStaff4 as i32 && r.start_date == Some(date("2026-02-01"))
                })
            }
        })
        .await;
        eventually("the push is no longer queued", || {
            let h = &h;
            async move { h.count("directory_sync").await == 0 }
        })
        .await;
        // Its echo on the directory's feed changes nothing here.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(history(&mut org, &a.cadre_id).await.len(), 2, "{backend}");

        let events = h.event_types().await;
        assert!(events.contains(&"cadre.rank.v1.RankCaseOpenedEvent".to_owned()), "{events:?}");
        assert_eq!(
            events.iter().filter(|e| *e == "cadre.rank.v1.RankChangedEvent").count(),
            1,
            "{backend}: {events:?}"
        );
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skip_an_ineligible_cadre_and_a_full_pool_are_refused_with_nothing_written() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-05").await;
        let backend = h.backend;
        let district = bureau(&mut h, &[]).await;
        let mut org = h.org();
        let events = h.event_types().await.len();

        // 一级科员 to 三级主任科员 skips 四级主任科员 (逐级晋升).
        let skip = open(&mut org, &district.a.cadre_id, RankGrade::PrincipalStaff3).await.unwrap_err();
        assert_error(&skip, Code::FailedPrecondition, "RANK_SKIPPED", Some("target_grade"));
        // Not eligible: the tenure is met only in 2027; the reasons travel with the refusal.
        let early = open(&mut org, &district.d.cadre_id, RankGrade::PrincipalStaff4).await.unwrap_err();
        assert_error(&early, Code::FailedPrecondition, "NOT_ELIGIBLE", None);
        assert_eq!(metadata(&early).get("blocks").map(String::as_str), Some("TENURE_NOT_MET"), "{backend}");
        assert_eq!(metadata(&early).get("eligible_from").map(String::as_str), Some("2027-01-01"));
        assert!(early.message().contains("months counted"), "{}", early.message());

        // The bureau's 职数 shrink to a headcount of three: one 主任科员 post, already held twice over.
        let pool = org
            .get_quota_pool(pb::GetQuotaPoolRequest { pool_id: district.pool_id.clone() })
            .await
            .unwrap()
            .into_inner()
            .pool
            .unwrap();
        let shrunk = org
            .set_quota_pool(pb::SetQuotaPoolRequest {
                request_id: rid(),
                pool_id: pool.id.clone(),
                name: pool.name.clone(),
                kind: pb::PoolKind::Unit as i32,
                org_unit_ids: pool.org_unit_ids.clone(),
                headcount_override: Some(3),
                expected_version: pool.version,
            })
            .await
            .expect("the pool shrinks")
            .into_inner()
            .pool
            .unwrap();
        let staff = shrunk.caps.iter().find(|c| c.code == "PRINCIPAL_STAFF_1_4").unwrap();
        assert_eq!((staff.limit, staff.holders, staff.open_cases, staff.free), (1, 2, 0, -1), "{backend}");
        let full = open(&mut org, &district.a.cadre_id, RankGrade::PrincipalStaff4).await.unwrap_err();
        assert_error(&full, Code::FailedPrecondition, "QUOTA_FULL", None);
        assert_eq!(metadata(&full).get("cap").map(String::as_str), Some("PRINCIPAL_STAFF_1_4"), "{backend}");
        assert_eq!(metadata(&full).get("limit").map(String::as_str), Some("1"));
        let answer = check(&mut org, &district.a.cadre_id, None).await;
        assert_eq!(
            blocks(&answer),
            vec!["QUOTA_FULL"],
            "{backend}: eligible by tenure, blocked by quota (R6)"
        );
        assert_eq!(h.count("rank_cases").await, 0, "{backend}: nothing written");
        assert_eq!(h.event_types().await.len(), events, "{backend}: nothing published");
        // A 四级 moving up to 三级 leaves the cap's count as it is: not refused.
        let within =
            open(&mut org, &district.c.cadre_id, RankGrade::PrincipalStaff3).await.expect("within the cap");
        assert_eq!(within.rank_case.unwrap().to_grade, RankGrade::PrincipalStaff3 as i32);

        // A stale version is refused; the pool grows, and the case opens.
        let stale = org
            .set_quota_pool(pb::SetQuotaPoolRequest {
                request_id: rid(),
                pool_id: pool.id.clone(),
                name: pool.name.clone(),
                kind: pb::PoolKind::Unit as i32,
                org_unit_ids: pool.org_unit_ids.clone(),
                headcount_override: Some(10),
                expected_version: pool.version,
            })
            .await
            .unwrap_err();
        assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
        org.set_quota_pool(pb::SetQuotaPoolRequest {
            request_id: rid(),
            pool_id: pool.id.clone(),
            name: pool.name.clone(),
            kind: pb::PoolKind::Unit as i32,
            org_unit_ids: pool.org_unit_ids.clone(),
            headcount_override: Some(10),
            expected_version: shrunk.version,
        })
        .await
        .expect("the pool grows");
        open(&mut org, &district.a.cadre_id, RankGrade::PrincipalStaff4).await.expect("room now");
        let used = org
            .get_quota_pool(pb::GetQuotaPoolRequest { pool_id: pool.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .pool
            .unwrap();
        let staff = used.caps.iter().find(|c| c.code == "PRINCIPAL_STAFF_1_4").unwrap();
        assert_eq!(
            (staff.limit, staff.holders, staff.open_cases),
            (6, 2, 2),
            "{backend}: open cases hold their place"
        );

        // A unit belongs to one pool; the town's own implicit pool is listed and read like any other.
        let clash = org
            .set_quota_pool(pb::SetQuotaPoolRequest {
                request_id: rid(),
                name: "统筹池".into(),
                kind: pb::PoolKind::Pooled as i32,
                org_unit_ids: vec![district.unit.clone(), district.town.clone()],
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&clash, Code::FailedPrecondition, "UNIT_IN_OTHER_POOL", Some("org_unit_ids[0]"));
        let pools =
            org.list_quota_pools(pb::ListQuotaPoolsRequest::default()).await.unwrap().into_inner().pools;
        let implicit =
            pools.iter().find(|p| p.org_unit_ids == vec![district.town.clone()]).expect("the town's pool");
        assert_eq!((implicit.kind, implicit.headcount), (pb::PoolKind::Unit as i32, 1), "{backend}");
        assert_eq!(implicit.name, "城关镇");
        let read =
            org.get_quota_pool(pb::GetQuotaPoolRequest { pool_id: implicit.id.clone() }).await.unwrap();
        assert_eq!(read.into_inner().pool.unwrap().id, implicit.id);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demotion_is_decided_by_the_committee_and_a_withdrawn_case_frees_its_place() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-05").await;
        let backend = h.backend;
        let district = bureau(&mut h, &[]).await;
        let researcher =
            h.cadre("冯七", &district.unit, Post::Staff, Some((RankGrade::Researcher4, "2022-01-01"))).await;
        h.sync().await;
        let mut org = h.org();

        let opened = org
            .open_demotion_case(pb::OpenDemotionCaseRequest {
                request_id: rid(),
                cadre_id: researcher.cadre_id.clone(),
                grounds: "2025年度考核确定为不称职（区发改局〔2026〕3号）".into(),
            })
            .await
            .expect("the demotion case")
            .into_inner()
            .rank_case
            .unwrap();
        assert_eq!(
            pb::CaseState::try_from(opened.state).unwrap(),
            pb::CaseState::AwaitingApproval,
            "{backend}"
        );
        assert_eq!(opened.kind, pb::CaseKind::Demotion as i32);
        assert_eq!(opened.to_grade, RankGrade::PrincipalStaff1 as i32);
        assert_eq!(
            opened.authority,
            pb::ApprovalAuthority::DistrictCommittee as i32,
            "调研员 grades are the 区委's"
        );
        let wrong = org.approve_case(approve(&opened.id, "2026-02-01")).await.unwrap_err();
        assert_error(&wrong, Code::PermissionDenied, "AUTHORITY_MISMATCH", None);
        let approved = h
            .committee()
            .approve_case(approve(&opened.id, "2026-02-01"))
            .await
            .expect("approved")
            .into_inner();
        let holding = approved.holding.unwrap();
        assert_eq!(
            (holding.grade, holding.source),
            (RankGrade::PrincipalStaff1 as i32, pb::HoldingSource::Demoted as i32)
        );
        h.set_today("2026-02-01").await;
        let directory = h.directory.clone();
        eventually("the directory takes the lower grade", || {
            let (mut directory, id) = (directory.clone(), researcher.cadre_id.clone());
            async move {
                let cadre = directory
                    .get_cadre(cadre_proto::directory::GetCadreRequest { id })
                    .await
                    .unwrap()
                    .into_inner()
                    .cadre
                    .unwrap();
                cadre.rank.is_some_and(|r| r.grade == RankGrade::PrincipalStaff1 as i32)
            }
        })
        .await;

        // A demotion the org department refuses (四级主任科员 is theirs to decide), with its reason.
        let lower = org
            .open_demotion_case(pb::OpenDemotionCaseRequest {
                request_id: rid(),
                cadre_id: district.c.cadre_id.clone(),
                grounds: "不能胜任现职".into(),
            })
            .await
            .expect("a second demotion case")
            .into_inner()
            .rank_case
            .unwrap();
        assert_eq!(lower.authority, pb::ApprovalAuthority::OrgDepartment as i32);
        let rejected = org
            .reject_case(pb::RejectCaseRequest {
                request_id: rid(),
                case_id: lower.id.clone(),
                reason: "经复核，不称职依据不足".into(),
            })
            .await
            .expect("rejected")
            .into_inner()
            .rank_case
            .unwrap();
        assert_eq!(pb::CaseState::try_from(rejected.state).unwrap(), pb::CaseState::Rejected, "{backend}");
        assert_eq!(rejected.closing_reason, "经复核，不称职依据不足");
        let late = org.approve_case(approve(&lower.id, "2026-02-01")).await.unwrap_err();
        assert_error(&late, Code::FailedPrecondition, "CASE_CLOSED", None);

        // A promotion case withdrawn: closed with its reason, its place in the pool freed, a new one may open.
        let case = open(&mut org, &district.e.cadre_id, RankGrade::PrincipalStaff1)
            .await
            .expect("opens")
            .rank_case
            .unwrap();
        let withdrawn = org
            .withdraw_case(pb::WithdrawCaseRequest {
                request_id: rid(),
                case_id: case.id.clone(),
                reason: "本人因借调暂缓晋升".into(),
            })
            .await
            .expect("withdrawn")
            .into_inner()
            .rank_case
            .unwrap();
        assert_eq!(pb::CaseState::try_from(withdrawn.state).unwrap(), pb::CaseState::Withdrawn);
        assert_eq!(withdrawn.closing_reason, "本人因借调暂缓晋升");
        let closed = org
            .withdraw_case(pb::WithdrawCaseRequest {
                request_id: rid(),
                case_id: case.id.clone(),
                reason: "again".into(),
            })
            .await
            .unwrap_err();
        assert_error(&closed, Code::FailedPrecondition, "CASE_CLOSED", None);
        open(&mut org, &district.e.cadre_id, RankGrade::PrincipalStaff1).await.expect("a new case");
        let events = h.event_types().await;
        assert!(events.contains(&"cadre.rank.v1.RankCaseClosedEvent".to_owned()), "{events:?}");

        // Lists of cases: by kind and state, newest first; the town's HR officer sees none of the bureau's.
        let listed = org
            .list_cases(pb::ListCasesRequest { kind: pb::CaseKind::Promotion as i32, ..Default::default() })
            .await
            .unwrap()
            .into_inner()
            .cases;
        assert_eq!(listed.len(), 2, "{backend}");
        assert_eq!(pb::CaseState::try_from(listed[0].state).unwrap(), pb::CaseState::Recommendation);
        let hr = h
            .as_person(&district.villager, &[Role::UnitHrOfficer])
            .list_cases(pb::ListCasesRequest::default())
            .await;
        assert!(hr.unwrap().into_inner().cases.is_empty(), "{backend}");
        let hidden = h
            .as_person(&district.villager, &[Role::UnitHrOfficer])
            .get_case(pb::GetCaseRequest { case_id: case.id.clone() })
            .await
            .unwrap_err();
        assert_error(&hidden, Code::NotFound, "CASE_NOT_FOUND", None);
        h.stop().await;
    }
}

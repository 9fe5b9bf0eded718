//! Measures ② and ③ end to end through the gateway, as the demo district's people: a year's annual
//! assessment of a town's civil servants from self-summaries to determined grades, the 优秀 result reaching
//! the rank service through the assessment feed and shortening a cadre's tenure, the cadre appearing on
//! the list of those due for promotion, and a promotion case from 工作方案 through 公示 to approval by the
//! org department, after which the directory holds the new rank.
//!
//! The services' date is the scenario's: it walks from the end of 2026 through the 公示 periods of January
//! 2027 on the shipped working calendar.

mod common;

use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

const ASSESSMENT: &str = "cadre.assessment.v1.AssessmentService";
const RANK: &str = "cadre.rank.v1.RankService";
const DIRECTORY: &str = "cadre.directory.v1.DirectoryService";

fn date(d: NaiveDate) -> Value {
    json!({ "year": d.year(), "month": d.month(), "day": d.day() })
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Calls `service/method` as JSON and asserts success.
async fn call(suite: &common::Running, token: &str, service: &str, method: &str, body: Value) -> Value {
    suite.ok(token, &format!("{service}/{method}"), &body.to_string()).await
}

/// Calls and returns the refusal's gRPC code name and `ErrorInfo` reason.
async fn refused(
    suite: &common::Running,
    token: &str,
    service: &str,
    method: &str,
    body: Value,
) -> (String, String) {
    let (status, value) = suite.json(token, &format!("{service}/{method}"), &body.to_string()).await;
    assert_ne!(status, 200, "{method} should have been refused: {value}");
    let reason = value["details"]
        .as_array()
        .and_then(|details| details.iter().find_map(|d| d["debug"]["reason"].as_str()))
        .unwrap_or_default()
        .to_owned();
    (value["code"].as_str().unwrap_or_default().to_owned(), reason)
}

/// Polls `probe` until it returns something, for what arrives through a feed.
async fn eventually<F, Fut>(what: &str, mut probe: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<Value>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Opens `year`'s cycle of the town's civil servants, files every self-summary as the HR officer and
/// proposes every grade as the unit leader: 优秀 for `excellent`, the outcome the rules force where they
/// force one, 称职 otherwise. Returns the cycle and the assessment of `excellent`.
async fn assess_town(
    suite: &common::Running,
    town_id: &str,
    year: i32,
    excellent: Option<&str>,
) -> (String, Option<String>) {
    let org = suite.token("orgofficer");
    let leader = suite.token("leader.t01");
    let hr = suite.token("hr.t01");
    let opened = call(
        suite,
        &org,
        ASSESSMENT,
        "OpenAnnualCycle",
        json!({"requestId": rid(),
        "orgUnitId": town_id, "category": "POOL_CATEGORY_CIVIL_SERVANT", "year": year}),
    )
    .await;
    let cycle_id = opened["cycle"]["id"].as_str().unwrap().to_owned();
    let mut assessments = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = call(
            suite,
            &org,
            ASSESSMENT,
            "ListAnnualAssessments",
            json!({"cycleId": cycle_id, "pageSize": 100, "pageToken": page_token}),
        )
        .await;
        assessments.extend(page["assessments"].as_array().cloned().unwrap_or_default());
        page_token = page["nextPageToken"].as_str().unwrap_or_default().to_owned();
        if page_token.is_empty() {
            break;
        }
    }
    let mut ours = None;
    for assessment in &assessments {
        let forced = assessment["forcedOutcome"].as_str().unwrap_or_default();
        if assessment["takesPart"].as_bool() != Some(true) || forced == "ANNUAL_OUTCOME_DEFERRED" {
            continue;
        }
        let id = assessment["id"].as_str().unwrap();
        if assessment["state"] == "ASSESSMENT_STATE_ENROLLED" {
            call(
                suite,
                &hr,
                ASSESSMENT,
                "SubmitSelfSummary",
                json!({"requestId": rid(), "assessmentId": id, "summary": "全年完成各项工作任务。"}),
            )
            .await;
        }
        let grade = if !forced.is_empty() {
            forced
        } else if excellent.is_some_and(|cadre| assessment["cadreId"] == cadre) {
            ours = Some(id.to_owned());
            "ANNUAL_OUTCOME_EXCELLENT"
        } else {
            "ANNUAL_OUTCOME_COMPETENT"
        };
        let proposal = json!({"requestId": rid(), "assessmentId": id, "grade": grade,
            "comment": "政治坚定，工作扎实。", "improvement": "加强理论学习。"});
        let method = format!("{ASSESSMENT}/ProposeGrade");
        let (status, answer) = suite.json(&leader, &method, &proposal.to_string()).await;
        if status != 200 {
            // Nobody proposes their own grade: the leader's is proposed by the org department.
            assert_eq!(answer["details"][0]["debug"]["reason"], "SELF_ASSESSMENT", "{answer}");
            suite.ok(&org, &method, &proposal.to_string()).await;
        }
    }
    (cycle_id, ours)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_years_assessment_leads_to_an_eligibility_list_and_an_approved_promotion() {
    let suite = common::start().await;
    let org = suite.token("orgofficer");
    let leader = suite.token("leader.t01");
    let committee = suite.token("committee");
    let inspector = suite.token("inspector");
    suite.set_today(day("2026-12-28"));

    // The demo district comes with three past years of results (seeded once the assessment service knows
    // the district); the scenario assesses the years after them.
    eventually("the demo assessment history", || async {
        let cycles = call(&suite, &org, ASSESSMENT, "ListAnnualCycles", json!({"year": 2024})).await;
        cycles["cycles"].as_array().is_some_and(|c| !c.is_empty()).then_some(cycles)
    })
    .await;

    // The town T01, where the scoped demo accounts work.
    let roots = call(&suite, &org, DIRECTORY, "ListOrgUnits", json!({})).await;
    let below = json!({"ancestorId": roots["orgUnits"][0]["id"], "pageSize": 1000});
    let units = call(&suite, &org, DIRECTORY, "ListOrgUnits", below).await;
    let town = units["orgUnits"].as_array().unwrap().iter().find(|u| u["code"] == "T01").unwrap().clone();
    let town_id = town["id"].as_str().unwrap().to_owned();

    // A civil servant who became 一级科员 in July 2025: 18 months by the end of 2026, six short of the 24
    // that 四级主任科员 needs, unless 2026 is 优秀.
    let citizen_id =
        cadre_directory::domain::citizen_id::CitizenId::compose("510201", day("1992-03-15"), 642).unwrap();
    let created = call(&suite, &org, DIRECTORY, "CreateCadre", json!({"requestId": rid(), "cadre": {
        "name": "晋升测试", "gender": "GENDER_FEMALE", "citizenId": citizen_id.as_str(),
        "birthDate": {"year": 1992, "month": 3, "day": 15},
        "workStartDate": {"year": 2016, "month": 7, "day": 1},
        "education": "EDUCATION_UNIVERSITY", "category": "CADRE_CATEGORY_CIVIL_SERVANT",
        "employingUnitId": town_id, "managingUnitId": town_id,
        "post": {"title": "科员", "level": "POST_LEVEL_NONE", "startDate": {"year": 2016, "month": 7, "day": 1}},
        "rank": {"grade": "RANK_GRADE_STAFF_1", "startDate": {"year": 2025, "month": 7, "day": 1}},
        "status": "CADRE_STATUS_ACTIVE"}}))
    .await;
    let cadre_id = created["cadre"]["id"].as_str().unwrap().to_owned();

    // The town's 职数 pool, sized to its approved 编制 headcount: the demo town's own count of civil servants
    // leaves no 主任科员 place free.
    let pools = call(&suite, &org, RANK, "ListQuotaPools", json!({"orgUnitId": town_id})).await;
    let pool =
        pools["pools"].as_array().unwrap().iter().find(|p| {
            p["orgUnitIds"].as_array().is_some_and(|ids| ids.iter().any(|id| id == town_id.as_str()))
        });
    let mut set_pool = json!({"requestId": rid(), "name": "城关镇机关", "kind": "POOL_KIND_UNIT",
        "orgUnitIds": [town_id], "headcountOverride": 200});
    // A unit's implicit pool (never set) has no version; a stored one is changed at the version read.
    if let Some(pool) = pool.filter(|p| p["version"].as_i64().is_some_and(|v| v > 0)) {
        set_pool["poolId"] = pool["id"].clone();
        set_pool["expectedVersion"] = pool["version"].clone();
    }
    call(&suite, &org, RANK, "SetQuotaPool", set_pool).await;

    // The rank service learns of the cadre from the directory's feed. 2026 is not yet assessed, so its
    // months count provisionally; 2025 has no result yet either (the demo's history ends in 2024).
    let before = eventually("the cadre in the rank service", || async {
        let (status, value) = suite
            .json(&org, &format!("{RANK}/CheckEligibility"), &json!({"cadreId": cadre_id}).to_string())
            .await;
        (status == 200).then_some(value)
    })
    .await;
    let eligibility = &before["eligibility"];
    assert_eq!(eligibility["targetGrade"], "RANK_GRADE_PRINCIPAL_STAFF_4", "{eligibility}");
    assert_ne!(eligibility["eligible"], true, "not yet eligible: {eligibility}");
    assert_eq!(eligibility["requiredMonths"], 24, "{eligibility}");
    let reasons: Vec<&str> =
        eligibility["blocks"].as_array().unwrap().iter().filter_map(|b| b["reason"].as_str()).collect();
    assert!(reasons.contains(&"TENURE_NOT_MET"), "{eligibility}");

    // The town's civil servants are assessed for 2025 (all 称职 here) and for 2026, where the unit leader
    // proposes our cadre for 优秀; both go to 公示 the same day.
    let cycle_2025 = assess_town(&suite, &town_id, 2025, None).await;
    let (cycle_id, ours_id) = {
        let cycle = assess_town(&suite, &town_id, 2026, Some(&cadre_id)).await;
        let ours = cycle.1.expect("the cadre is enrolled in 2026");
        (cycle.0, ours)
    };

    // 公示 of the 优秀 candidates: five working days on the 2027 calendar (元旦 is a holiday).
    call(&suite, &org, ASSESSMENT, "StartPublicity", json!({"requestId": rid(), "cycleId": cycle_2025.0}))
        .await;
    let publicity =
        call(&suite, &org, ASSESSMENT, "StartPublicity", json!({"requestId": rid(), "cycleId": cycle_id}))
            .await;
    let last_day: NaiveDate = {
        let d = &publicity["cycle"]["publicityLastDay"];
        NaiveDate::from_ymd_opt(
            d["year"].as_i64().unwrap() as i32,
            d["month"].as_u64().unwrap() as u32,
            d["day"].as_u64().unwrap() as u32,
        )
        .unwrap()
    };
    assert!(last_day > day("2027-01-01"), "the publicity runs into the new year: {publicity}");
    let (code, reason) = refused(
        &suite,
        &org,
        ASSESSMENT,
        "DetermineGrades",
        json!({"requestId": rid(), "cycleId": cycle_id, "determinedBy": "镇考核委员会"}),
    )
    .await;
    assert_eq!((code.as_str(), reason.as_str()), ("failed_precondition", "PUBLICITY_NOT_OVER"));

    suite.set_today(last_day.succ_opt().unwrap());
    call(
        &suite,
        &org,
        ASSESSMENT,
        "DetermineGrades",
        json!({"requestId": rid(), "cycleId": cycle_2025.0, "determinedBy": "镇考核委员会"}),
    )
    .await;
    let determined = call(
        &suite,
        &org,
        ASSESSMENT,
        "DetermineGrades",
        json!({"requestId": rid(), "cycleId": cycle_id, "determinedBy": "镇考核委员会"}),
    )
    .await;
    assert_eq!(determined["cycle"]["state"], "CYCLE_STATE_DETERMINED");
    let result =
        call(&suite, &org, ASSESSMENT, "GetAnnualAssessment", json!({"assessmentId": ours_id})).await;
    assert_eq!(result["assessment"]["outcome"], "ANNUAL_OUTCOME_EXCELLENT");
    let codes: Vec<&str> =
        result["consequences"].as_array().unwrap().iter().filter_map(|c| c["code"].as_str()).collect();
    assert!(
        codes.contains(&"TENURE_REDUCED_6_MONTHS") && codes.contains(&"COMMENDATION_PROPOSED"),
        "{result}"
    );

    // The 优秀 reaches the rank service through the feed: 24 − 6 = 18 months, met since 2027-01-01.
    let after = eventually("the 优秀 reduction in the rank service", || async {
        let value = call(&suite, &org, RANK, "CheckEligibility", json!({"cadreId": cadre_id})).await;
        (value["eligibility"]["eligible"].as_bool() == Some(true)).then_some(value)
    })
    .await;
    let eligibility = &after["eligibility"];
    assert_eq!(eligibility["reductions"][0]["year"], 2026, "{eligibility}");
    assert_eq!(eligibility["reductions"][0]["months"], 6, "{eligibility}");
    assert!(!eligibility["rules"].as_array().unwrap().is_empty(), "the answer explains itself");

    // The town's list of those due for promotion names the cadre (earliest eligible first, so last): the
    // list is kept per day, and moves to the new date within the rank service's sweep.
    eventually("the cadre on the town's list", || async {
        let mut listed = Vec::new();
        let mut page_token = String::new();
        loop {
            let page = call(
                &suite,
                &leader,
                RANK,
                "ListEligibleCadres",
                json!({"orgUnitId": town_id, "pageSize": 50, "pageToken": page_token}),
            )
            .await;
            listed.extend(page["eligibilities"].as_array().cloned().unwrap_or_default());
            page_token = page["nextPageToken"].as_str().unwrap_or_default().to_owned();
            if page_token.is_empty() {
                break;
            }
        }
        assert!(listed.iter().all(|e| e["eligible"] == true), "only those eligible today are listed");
        listed.iter().find(|e| e["cadreId"] == cadre_id.as_str()).cloned()
    })
    .await;

    // The promotion case, one grade up.
    let (code, reason) = refused(
        &suite,
        &org,
        RANK,
        "OpenPromotionCase",
        json!({"requestId": rid(),
        "cadreId": cadre_id, "targetGrade": "RANK_GRADE_PRINCIPAL_STAFF_3", "plan": "越级"}),
    )
    .await;
    assert_eq!((code.as_str(), reason.as_str()), ("failed_precondition", "RANK_SKIPPED"));
    let opened = call(
        &suite,
        &org,
        RANK,
        "OpenPromotionCase",
        json!({"requestId": rid(),
        "cadreId": cadre_id, "targetGrade": "RANK_GRADE_PRINCIPAL_STAFF_4",
        "plan": "2027年第一批职级晋升工作方案"}),
    )
    .await;
    let case_id = opened["rankCase"]["id"].as_str().unwrap().to_owned();
    assert_eq!(opened["rankCase"]["authority"], "APPROVAL_AUTHORITY_ORG_DEPARTMENT");

    call(
        &suite,
        &org,
        RANK,
        "RecordRecommendation",
        json!({"requestId": rid(), "caseId": case_id,
        "recommendation": {"method": "RECOMMENDATION_METHOD_EVALUATION", "ballots": 31, "inFavour": 29,
            "against": 1, "abstentions": 1, "heldOn": date(suite.today())}}),
    )
    .await;
    for criterion in [
        "CRITERION_POLITICAL_QUALITY",
        "CRITERION_ABILITY_AND_RESULTS",
        "CRITERION_PUBLIC_RECOGNITION",
        "CRITERION_INTEGRITY",
    ] {
        call(
            &suite,
            &org,
            RANK,
            "RecordAttestation",
            json!({"requestId": rid(), "caseId": case_id,
            "criterion": criterion, "favourable": true, "note": "考察组个别谈话、查阅档案"}),
        )
        .await;
    }
    call(
        &suite,
        &inspector,
        RANK,
        "RecordDisciplineOpinion",
        json!({"requestId": rid(),
        "caseId": case_id, "clear": true, "note": "未发现违纪违法问题"}),
    )
    .await;
    let publicised =
        call(&suite, &org, RANK, "StartCasePublicity", json!({"requestId": rid(), "caseId": case_id})).await;
    let d = &publicised["rankCase"]["publicityLastDay"];
    let case_last_day = NaiveDate::from_ymd_opt(
        d["year"].as_i64().unwrap() as i32,
        d["month"].as_u64().unwrap() as u32,
        d["day"].as_u64().unwrap() as u32,
    )
    .unwrap();
    assert!(case_last_day >= suite.today() + chrono::Days::new(6), "five working days at least");

    // The day after the 公示, the org department approves with effect from that day.
    suite.set_today(case_last_day.succ_opt().unwrap());
    let effective = date(suite.today());
    let (code, reason) = refused(
        &suite,
        &committee,
        RANK,
        "ApproveCase",
        json!({"requestId": rid(),
        "caseId": case_id, "decisionRef": "区委〔2027〕1号", "effectiveDate": effective}),
    )
    .await;
    assert_eq!(code, "permission_denied", "the 区委 does not approve 主任科员 ranks: {reason}");
    let approved = call(
        &suite,
        &org,
        RANK,
        "ApproveCase",
        json!({"requestId": rid(), "caseId": case_id,
        "decisionRef": "区组〔2027〕3号", "effectiveDate": effective}),
    )
    .await;
    assert_eq!(approved["rankCase"]["state"], "CASE_STATE_APPROVED");
    assert_eq!(approved["holding"]["grade"], "RANK_GRADE_PRINCIPAL_STAFF_4");

    // The directory is told.
    eventually("the new rank in the directory", || async {
        let cadre = call(&suite, &org, DIRECTORY, "GetCadre", json!({"id": cadre_id})).await;
        (cadre["cadre"]["rank"]["grade"] == "RANK_GRADE_PRINCIPAL_STAFF_4").then_some(cadre)
    })
    .await;
    suite.stop().await;
}

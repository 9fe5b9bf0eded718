//! Measure ④ end to end through the gateway, as the demo district's people:
//!
//! - the 嘉奖 proposals the care service drew from the assessment service's published results (the demo's
//!   past years), one confirmed by the org department with its 文号;
//! - an application to the 关爱保护基金 from a cadre, through the unit leader and the org department, paid
//!   once, the ledger's balance down by exactly that amount;
//! - a 谈心谈话 record that the parties and the org department read and nobody else does;
//! - a 诫勉 recorded in the rank service blocking a cadre's promotion, and a 容错 exemption decided in the
//!   care service lifting the block there (through the care feed) while the measure stays on record.

mod common;

use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

const CARE: &str = "cadre.care.v1.CareService";
const RANK: &str = "cadre.rank.v1.RankService";
const DIRECTORY: &str = "cadre.directory.v1.DirectoryService";

fn date(d: NaiveDate) -> Value {
    json!({ "year": d.year(), "month": d.month(), "day": d.day() })
}

fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn call(suite: &common::Running, token: &str, method: &str, body: Value) -> Value {
    suite.ok(token, &format!("{CARE}/{method}"), &body.to_string()).await
}

/// Calls and returns the refusal's gRPC code name and `ErrorInfo` reason.
async fn refused(suite: &common::Running, token: &str, method: &str, body: Value) -> (String, String) {
    let (status, value) = suite.json(token, &format!("{CARE}/{method}"), &body.to_string()).await;
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
    for _ in 0..1200 {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn fen(value: &Value) -> i64 {
    value.as_i64().or_else(|| value.as_str().and_then(|s| s.parse().ok())).unwrap_or(0)
}

/// The cadre id of a demo account.
async fn cadre_id(suite: &common::Running, username: &str) -> String {
    let accounts =
        suite.ok(&suite.token("secadmin"), &format!("{DIRECTORY}/ListAccounts"), r#"{"pageSize":100}"#).await;
    accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .and_then(|a| a["cadreId"].as_str())
        .unwrap_or_else(|| panic!("no cadre for {username}"))
        .to_owned()
}

fn blocks(eligibility: &Value) -> Vec<String> {
    eligibility["eligibility"]["blocks"]
        .as_array()
        .map(|b| b.iter().filter_map(|b| b["reason"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn rewards_fund_talks_and_a_tolerance_exemption_through_the_gateway() {
    let suite = common::start().await;
    let org = suite.token("orgofficer");
    let leader = suite.token("leader.t01");
    let hr = suite.token("hr.t01");
    let cadre = suite.token("cadre.t01");
    let inspector = suite.token("inspector");
    let today = suite.today();
    let me = cadre_id(&suite, "cadre.t01").await;
    let my_leader = cadre_id(&suite, "leader.t01").await;

    // 嘉奖 proposals from the demo's past 优秀 results, as the assessment feed carried them.
    let pending = eventually("reward proposals from the assessment feed", || {
        let (suite, org) = (&suite, org.clone());
        async move {
            let body = json!({"state": "PROPOSAL_STATE_PENDING", "pageSize": 50}).to_string();
            let (status, listed) = suite.json(&org, &format!("{CARE}/ListRewardProposals"), &body).await;
            (status == 200 && listed["proposals"].as_array().is_some_and(|p| !p.is_empty())).then_some(listed)
        }
    })
    .await;
    let proposal = pending["proposals"][0].clone();
    assert_eq!(proposal["state"], "PROPOSAL_STATE_PENDING");
    let confirm = json!({"requestId": rid(), "proposalId": proposal["id"], "documentNumber": "区委组〔2026〕12号",
        "awardDate": date(today), "issuer": "中共某某区委组织部"});
    let confirmed = call(&suite, &org, "ConfirmRewardProposal", confirm.clone()).await;
    assert_eq!(confirmed["proposal"]["state"], "PROPOSAL_STATE_CONFIRMED");
    assert_eq!(confirmed["reward"]["kind"], proposal["kind"]);
    // A retry with the same request id answers the same, and pays out no second reward.
    let again = call(&suite, &org, "ConfirmRewardProposal", confirm).await;
    assert_eq!(again["reward"]["id"], confirmed["reward"]["id"]);
    let rewards =
        call(&suite, &org, "ListRewards", json!({"cadreId": proposal["cadreId"], "pageSize": 100})).await;
    let with_number = rewards["rewards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["documentNumber"] == "区委组〔2026〕12号")
        .count();
    assert_eq!(with_number, 1, "{rewards}");

    // The care fund: a cadre applies, the unit leader and the org department approve, it is paid once.
    let year = today.year();
    let before = fen(&call(&suite, &org, "GetFundReport", json!({"year": year})).await["balanceFen"]);
    let applied = call(
        &suite,
        &cadre,
        "SubmitFundApplication",
        json!({"requestId": rid(), "cadreId": me, "reason": "FUND_REASON_ILLNESS",
            "description": "住院治疗，自付部分较多", "amountRequestedFen": 300_000, "evidenceRefs": ["住院发票-001"]}),
    )
    .await["application"]
        .clone();
    let id = applied["id"].clone();
    let disburse = json!({"requestId": rid(), "applicationId": id, "disbursedOn": date(today)});
    let (code, _) = refused(&suite, &org, "DisburseFundApplication", disburse.clone()).await;
    assert_eq!(code, "failed_precondition", "not before its approvals");
    for (token, step) in [(&leader, "APPROVAL_STEP_UNIT_LEADER"), (&org, "APPROVAL_STEP_ORG_DEPARTMENT")] {
        call(
            &suite,
            token,
            "DecideFundApplication",
            json!({"requestId": rid(), "applicationId": id, "step": step, "approved": true, "comment": "同意"}),
        )
        .await;
    }
    call(&suite, &org, "DisburseFundApplication", disburse.clone()).await;
    call(&suite, &org, "DisburseFundApplication", disburse).await;
    let (code, _) = refused(
        &suite,
        &org,
        "DisburseFundApplication",
        json!({"requestId": rid(), "applicationId": id, "disbursedOn": date(today)}),
    )
    .await;
    assert_eq!(code, "failed_precondition", "an application is paid once");
    let after = fen(&call(&suite, &org, "GetFundReport", json!({"year": year})).await["balanceFen"]);
    assert_eq!(before - after, 300_000, "the ledger moved by the one payment");

    // A talk: the parties and the org department read it; the unit's records keeper does not.
    let talk = call(
        &suite,
        &leader,
        "RecordTalk",
        json!({"requestId": rid(), "partyIds": [my_leader, me], "heldOn": date(today),
            "kind": "TALK_KIND_LEADER_WITH_CHARGE", "summary": "谈工作压力与家庭困难", "followUps": ["协调子女入学"]}),
    )
    .await["talk"]
        .clone();
    let get = json!({"talkId": talk["id"]});
    for reader in [&cadre, &leader, &org] {
        let read = call(&suite, reader, "GetTalk", get.clone()).await;
        assert_eq!(read["talk"]["summary"], "谈工作压力与家庭困难");
    }
    let (status, body) = suite.json(&hr, &format!("{CARE}/GetTalk"), &get.to_string()).await;
    assert_ne!(status, 200);
    assert_eq!(body["code"], "permission_denied", "{body}");
    assert!(!body.to_string().contains("谈工作压力"), "the refusal carries none of the content: {body}");
    let (_, reason) = refused(&suite, &hr, "GetTalk", get).await;
    assert_eq!(reason, "TALK_RECORD_RESTRICTED");

    // A 诫勉 blocks the cadre's promotion in the rank service; a 容错 exemption lifts the block there.
    let source_id = format!("JJ-{}", rid());
    let measure = json!({"requestId": rid(), "measure": {"sourceId": source_id, "cadreId": me,
        "kind": "CONDUCT_MEASURE_KIND_ADMONISHMENT", "effectiveDate": date(today), "basis": "区纪委〔2026〕3号"}});
    suite.ok(&inspector, &format!("{RANK}/RecordConductMeasure"), &measure.to_string()).await;
    let check = json!({"cadreId": me}).to_string();
    let blocked = suite.ok(&org, &format!("{RANK}/CheckEligibility"), &check).await;
    assert!(blocks(&blocked).iter().any(|b| b == "RESTRICTION_IN_EFFECT"), "{blocked}");

    let review = call(
        &suite,
        &org,
        "OpenToleranceReview",
        json!({"requestId": rid(), "cadreId": me, "measureSourceId": source_id,
            "measureKind": "CONDUCT_MEASURE_KIND_ADMONISHMENT", "caseSummary": "先行先试项目未达预期"}),
    )
    .await["review"]
        .clone();
    let met = |note: &str| json!({"met": true, "note": note});
    let criteria = json!({"processCompliant": met("经集体研究"), "noPersonalGain": met("未谋取私利"),
        "notProhibited": met("无明令禁止"), "goodFaith": met("出于公心")});
    let decided = call(
        &suite,
        &org,
        "DecideToleranceReview",
        json!({"requestId": rid(), "reviewId": review["id"], "criteria": criteria,
            "decision": "TOLERANCE_DECISION_EXEMPT", "body": "DECIDING_BODY_ORG_DEPARTMENT", "decidedOn": date(today)}),
    )
    .await;
    assert_eq!(decided["review"]["decision"], "TOLERANCE_DECISION_EXEMPT");
    let lifted = eventually("the exemption in the rank service", || {
        let (suite, org, check) = (&suite, org.clone(), check.clone());
        async move {
            let value = suite.ok(&org, &format!("{RANK}/CheckEligibility"), &check).await;
            (!blocks(&value).iter().any(|b| b == "RESTRICTION_IN_EFFECT")).then_some(value)
        }
    })
    .await;
    assert_eq!(lifted["eligibility"]["cadreId"], me.as_str());
    // The review stays on record, and is decided once.
    let listed = call(&suite, &org, "ListToleranceReviews", json!({"cadreId": me})).await;
    assert_eq!(listed["reviews"].as_array().map(Vec::len), Some(1), "{listed}");
    let (code, reason) = refused(
        &suite,
        &org,
        "DecideToleranceReview",
        json!({"requestId": rid(), "reviewId": review["id"], "criteria": criteria,
            "decision": "TOLERANCE_DECISION_REJECT", "body": "DECIDING_BODY_ORG_DEPARTMENT", "decidedOn": date(today)}),
    )
    .await;
    assert_eq!((code.as_str(), reason.as_str()), ("failed_precondition", "REVIEW_ALREADY_DECIDED"));

    suite.stop().await;
}

//! Measure ① end to end through the gateway, as the demo district's people: a cadre asks for leave, their
//! unit leader approves it from the list waiting for them, a long sick leave goes on to the 区委 and is
//! filed by the org department, and a leave in progress ends with 销假 and a refund. Dates are relative to
//! the day the test runs, so it holds on any date.

mod common;

use std::time::Duration;

use chrono::{Duration as Days, NaiveDate};
use serde_json::{Value, json};

const LEAVE: &str = "cadre.leave.v1.LeaveService";

fn day(today: NaiveDate, offset: i64) -> Value {
    let d = today + Days::days(offset);
    json!({ "year": chrono::Datelike::year(&d), "month": chrono::Datelike::month(&d), "day": chrono::Datelike::day(&d) })
}

fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Calls a leave method as JSON and asserts success.
async fn call(suite: &common::Running, token: &str, method: &str, body: Value) -> Value {
    suite.ok(token, &format!("{LEAVE}/{method}"), &body.to_string()).await
}

/// Approves every approval step in order, each by whoever holds it: the 区委 step by the committee member,
/// the others by the unit leader.
async fn approve_all(suite: &common::Running, request: &Value, leader: &str, committee: &str) -> Value {
    let mut last = Value::Null;
    for (index, step) in request["steps"].as_array().unwrap().iter().enumerate() {
        if step["action"] != "STEP_ACTION_APPROVE" {
            continue;
        }
        let who = if step["kind"] == "STEP_KIND_DISTRICT_COMMITTEE" { committee } else { leader };
        last = call(
            suite,
            who,
            "ApproveLeaveRequest",
            json!({"requestId": rid(), "id": request["id"], "stepIndex": index}),
        )
        .await;
    }
    last["leaveRequest"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leave_goes_from_request_through_the_district_committee_to_return() {
    let suite = common::start().await;
    let cadre = suite.token("cadre.t01");
    let leader = suite.token("leader.t01");
    let hr = suite.token("hr.t01");
    let committee = suite.token("committee");
    let org = suite.token("orgofficer");
    let today = cadre_platform::clock::today();

    // The leave service learns the district from the directory's feed; wait until it knows the cadre.
    let personal = json!({"requestId": rid(), "leaveType": "personal", "startDate": day(today, 7),
        "endDate": day(today, 11), "reason": "家中有事", "destination": "本市", "contactPhone": "13800000000"});
    let mut draft = Value::Null;
    for _ in 0..300 {
        let (status, body) =
            suite.json(&cadre, &format!("{LEAVE}/CreateLeaveRequest"), &personal.to_string()).await;
        if status == 200 {
            draft = body["leaveRequest"].clone();
            break;
        }
        assert_eq!(body["code"], "not_found", "{body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(draft["state"], "LEAVE_REQUEST_STATE_DRAFT", "{draft}");
    // The route is shown before submitting: with no section head or supervising leader designated in the
    // demo district, the unit's principal decides.
    assert_eq!(draft["steps"][0]["kind"], "STEP_KIND_UNIT_PRINCIPAL", "{draft}");
    assert!(draft["steps"][0]["why"].as_str().unwrap().contains("designated"), "{draft}");

    let submitted =
        call(&suite, &cadre, "SubmitLeaveRequest", json!({"requestId": rid(), "id": draft["id"]})).await;
    assert_eq!(submitted["leaveRequest"]["state"], "LEAVE_REQUEST_STATE_PENDING");

    // The leader finds it waiting and approves; the cadre cannot approve their own.
    let waiting = call(&suite, &leader, "ListMyApprovals", json!({})).await;
    let ids: Vec<&Value> = waiting["leaveRequests"].as_array().unwrap().iter().map(|r| &r["id"]).collect();
    assert!(ids.contains(&&draft["id"]), "{waiting}");
    let (status, refused) = suite
        .json(
            &cadre,
            &format!("{LEAVE}/ApproveLeaveRequest"),
            &json!({"requestId": rid(), "id": draft["id"], "stepIndex": 0}).to_string(),
        )
        .await;
    assert_eq!(status, 403, "{refused}");
    let approved = call(
        &suite,
        &leader,
        "ApproveLeaveRequest",
        json!({"requestId": rid(), "id": draft["id"], "stepIndex": 0, "comment": "同意"}),
    )
    .await;
    assert_eq!(approved["leaveRequest"]["state"], "LEAVE_REQUEST_STATE_APPROVED", "{approved}");

    // Sixty-one days of sick leave bring the year's total past 30 (whichever year holds the larger part): the 区委 approves, the 区委组织部 files.
    let sick = call(&suite, &cadre, "CreateLeaveRequest", json!({"requestId": rid(), "leaveType": "sick",
        "startDate": day(today, 14), "endDate": day(today, 74), "reason": "手术", "documents": ["medical_certificate"]})).await;
    let sick = &sick["leaveRequest"];
    let kinds: Vec<&str> =
        sick["steps"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"STEP_KIND_DISTRICT_COMMITTEE"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"STEP_KIND_ORG_DEPARTMENT_FILING"), "{kinds:?}");
    call(&suite, &cadre, "SubmitLeaveRequest", json!({"requestId": rid(), "id": sick["id"]})).await;
    let committee_step = kinds.iter().position(|k| *k == "STEP_KIND_DISTRICT_COMMITTEE").unwrap();
    for step in 0..committee_step {
        call(
            &suite,
            &leader,
            "ApproveLeaveRequest",
            json!({"requestId": rid(), "id": sick["id"], "stepIndex": step}),
        )
        .await;
    }
    let decided = call(
        &suite,
        &committee,
        "ApproveLeaveRequest",
        json!({"requestId": rid(), "id": sick["id"], "stepIndex": committee_step}),
    )
    .await;
    assert_eq!(decided["leaveRequest"]["state"], "LEAVE_REQUEST_STATE_APPROVED", "{decided}");
    let filed = call(
        &suite,
        &org,
        "FileLeaveRequest",
        json!({"requestId": rid(), "id": sick["id"],
        "stepIndex": kinds.len() - 1, "comment": "已备案"}),
    )
    .await;
    assert_eq!(filed["leaveRequest"]["steps"][kinds.len() - 1]["state"], "STEP_STATE_FILED");

    // A leave already under way (filed afterwards by the unit's HR officer: 补假), ended early by 销假.
    let started = call(
        &suite,
        &hr,
        "CreateLeaveRequest",
        json!({"requestId": rid(),
        "applicantCadreId": draft["applicantCadreId"], "leaveType": "personal",
        "startDate": day(today, -4), "endDate": day(today, 5), "reason": "补办请假"}),
    )
    .await;
    let started = &started["leaveRequest"];
    assert!(!started["filedBy"].as_str().unwrap_or_default().is_empty(), "{started}");
    let submitted =
        call(&suite, &hr, "SubmitLeaveRequest", json!({"requestId": rid(), "id": started["id"]})).await;
    // Its days come on top of the year's total, so it may need the 区委 as well.
    let approved = approve_all(&suite, &submitted["leaveRequest"], &leader, &committee).await;
    assert_eq!(approved["state"], "LEAVE_REQUEST_STATE_APPROVED", "{approved}");
    let away = call(&suite, &leader, "ListAbsentCadres", json!({"orgUnitId": started["orgUnitId"]})).await;
    assert!(away["absent"].as_array().unwrap().iter().any(|a| a["referenceId"] == started["id"]), "{away}");
    let back =
        call(&suite, &cadre, "RecordLeaveReturn", json!({"requestId": rid(), "id": started["id"]})).await;
    assert_eq!(back["leaveRequest"]["state"], "LEAVE_REQUEST_STATE_RETURNED", "{back}");

    // The form and the balances reflect it all.
    let form = call(&suite, &leader, "GetLeaveForm", json!({"id": sick["id"]})).await;
    assert_eq!(form["title"], "干部请假审批单");
    assert!(form["signatures"].as_array().unwrap().len() >= 2, "{form}");
    let balances = call(&suite, &cadre, "GetLeaveBalances", json!({})).await;
    assert_eq!(balances["cumulativeThreshold"], 30.0, "{balances}");
    assert!(balances["cumulativeDays"].as_f64().unwrap() > 0.0, "{balances}");
    suite.stop().await;
}

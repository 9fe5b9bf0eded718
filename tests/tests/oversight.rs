//! Measure ⑥ end to end through the gateway, as the demo district's people and systems:
//!
//! - the demo district comes with findings and decisions (a 提醒谈话, a 诫勉);
//! - a cadre's approved leave runs out without 销假; the leave service's sweep opens an overdue case, and
//!   the oversight service turns it into a finding by itself;
//! - the org department answers it with a 提醒谈话;
//! - an inspection of work discipline finds the same cadre at fault again: a repeat inside the window, so
//!   the ladder proposes the next step; the unit rectifies, with evidence, and the inspector signs it off;
//! - the org department decides a 通报 with its legal basis and names the cadre in an issued circular;
//! - the rank service, following the oversight feed, now finds the cadre's promotion blocked, and the HR
//!   system reads the same restriction;
//! - the discipline-inspection system follows the decisions from a cursor of its own and answers a
//!   党风廉政意见 request; the org department, without the discipline clearance, cannot read the
//!   negative-information pool.

mod common;

use chrono::Duration as Days;
use common::{date, eventually, rid};
use serde_json::{Value, json};

const OVERSIGHT: &str = "cadre.oversight.v1.OversightService";
const LEAVE: &str = "cadre.leave.v1.LeaveService";
const RANK: &str = "cadre.rank.v1.RankService";

async fn call(suite: &common::Running, token: &str, method: &str, body: Value) -> Value {
    suite.ok(token, &format!("{OVERSIGHT}/{method}"), &body.to_string()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn from_an_overdue_leave_to_a_circular_and_a_blocked_promotion() {
    let suite = common::start().await;
    let cadre = suite.token("cadre.t01");
    let leader = suite.token("leader.t01");
    let org = suite.token("orgofficer");
    let inspector = suite.token("inspector");
    let discipline = suite.token("discipline-system");
    let hr_system = suite.token("hr-system");
    let today = suite.today();
    let cadre_id = suite.cadre_id("cadre.t01").await;
    // The oversight service learns the district from the directory's feed, like every other service.
    eventually("the oversight service knows the cadre", || {
        let (suite, org, body) = (&suite, &org, json!({"cadreId": cadre_id}).to_string());
        async move {
            let (status, value) = suite.json(org, &format!("{OVERSIGHT}/GetRestrictions"), &body).await;
            (status == 200).then_some(value)
        }
    })
    .await;

    // The demo district comes with findings and decisions of its own.
    let demo = eventually("the demo district's decisions", || {
        let (suite, org) = (&suite, &org);
        async move {
            let listed = suite.ok(org, &format!("{OVERSIGHT}/ListDecisions"), "{}").await;
            (listed["decisions"].as_array()?.len() >= 2).then_some(listed)
        }
    })
    .await;
    let measures: Vec<&str> =
        demo["decisions"].as_array().unwrap().iter().filter_map(|d| d["measure"].as_str()).collect();
    assert!(measures.contains(&"ACCOUNTABILITY_MEASURE_ADMONISHMENT"), "{measures:?}");
    let demo_findings = call(&suite, &org, "ListFindings", json!({})).await;
    assert!(demo_findings["findings"].as_array().unwrap().len() >= 3, "{demo_findings}");

    // A one-day personal leave next week, approved by the unit's leader.
    let start = today + Days::days(7);
    let request = json!({"requestId": rid(), "leaveType": "personal", "startDate": date(start),
        "endDate": date(start), "reason": "家中有事", "destination": "本市", "contactPhone": "13800000000"});
    let created = eventually("the leave service knows the cadre", || {
        let body = request.to_string();
        let (suite, cadre) = (&suite, &cadre);
        async move {
            let (status, value) = suite.json(cadre, &format!("{LEAVE}/CreateLeaveRequest"), &body).await;
            (status == 200).then_some(value)
        }
    })
    .await;
    let leave_id = created["leaveRequest"]["id"].clone();
    suite
        .ok(
            &cadre,
            &format!("{LEAVE}/SubmitLeaveRequest"),
            &json!({"requestId": rid(), "id": leave_id}).to_string(),
        )
        .await;
    let approved = suite
        .ok(
            &leader,
            &format!("{LEAVE}/ApproveLeaveRequest"),
            &json!({"requestId": rid(), "id": leave_id, "stepIndex": 0}).to_string(),
        )
        .await;
    assert_eq!(approved["leaveRequest"]["state"], "LEAVE_REQUEST_STATE_APPROVED", "{approved}");

    // Two weeks after the leave the cadre has not reported back: the sweep opens an overdue case, and the
    // oversight service records the finding by itself.
    suite.set_today(start + Days::days(14));
    let overdue = eventually("the overdue leave becomes a finding", || {
        let (suite, org, cadre_id) = (&suite, &org, &cadre_id);
        async move {
            let list = suite
                .ok(org, &format!("{OVERSIGHT}/ListFindings"), &json!({"cadreId": cadre_id}).to_string())
                .await;
            list["findings"]
                .as_array()?
                .iter()
                .find(|f| f["category"] == "FINDING_CATEGORY_LEAVE_OVERDUE")
                .cloned()
        }
    })
    .await;
    assert_eq!(overdue["source"], "FINDING_SOURCE_LEAVE", "{overdue}");
    assert_eq!(overdue["severity"], "SEVERITY_MINOR", "{overdue}");
    let unit = overdue["orgUnitId"].as_str().unwrap().to_owned();
    let now = suite.today();

    // The org department answers the early sign with a reminder talk.
    let reminder = call(
        &suite,
        &org,
        "RecordDecision",
        json!({"requestId": rid(), "cadreId": cadre_id,
        "measure": "ACCOUNTABILITY_MEASURE_REMINDER_TALK", "decidingBody": "DECIDING_BODY_ORG_DEPARTMENT",
        "decidedOn": date(now), "findingIds": [overdue["id"]], "note": "请假逾期未销假, 提醒谈话"}),
    )
    .await;
    assert_eq!(reminder["decision"]["level"], 1, "{reminder}");

    // An inspection of work discipline finds the cadre absent again: a repeat, so the next step is proposed.
    // The inspector is a cadre of another unit; the oversight service may still be learning the district.
    let plan = json!({"requestId": rid(),
        "title": "工作纪律作风专项督查", "categories": ["FINDING_CATEGORY_WORK_DISCIPLINE", "FINDING_CATEGORY_INACTION"],
        "plan": "随机抽查在岗情况", "orgUnitIds": [unit], "startDate": date(now - Days::days(7)),
        "endDate": date(now), "inspectorCadreIds": [suite.cadre_id("leader.u01").await]});
    let inspection = eventually("the oversight service knows the inspector", || {
        let (suite, inspector, body) = (&suite, &inspector, plan.to_string());
        async move {
            let (status, value) = suite.json(inspector, &format!("{OVERSIGHT}/PlanInspection"), &body).await;
            (status == 200).then_some(value)
        }
    })
    .await;
    let inspection_id = inspection["inspection"]["id"].clone();
    let repeat = call(&suite, &inspector, "RecordFinding", json!({"requestId": rid(), "inspectionId": inspection_id,
        "cadreId": cadre_id, "category": "FINDING_CATEGORY_WORK_DISCIPLINE", "severity": "SEVERITY_MINOR",
        "description": "工作日无故离岗, 未履行请假手续", "evidence": ["督查记录表 2026-17"], "foundOn": date(now)})).await;
    let repeat = &repeat["finding"];
    assert_eq!(repeat["escalation"]["proposedMeasure"], "ACCOUNTABILITY_MEASURE_CRITICISM", "{repeat}");
    assert_eq!(repeat["escalation"]["priorDecisionIds"][0], reminder["decision"]["id"], "{repeat}");

    // The unit rectifies: its leader files the plan and the evidence, the inspector signs it off.
    let task = call(
        &suite,
        &inspector,
        "AssignRectification",
        json!({"requestId": rid(), "findingId": repeat["id"],
        "requirement": "健全考勤和请销假登记制度", "deadline": date(now + Days::days(30))}),
    )
    .await;
    let task_id = task["task"]["id"].clone();
    assert_eq!(task["task"]["light"], "DEADLINE_LIGHT_GREEN", "{task}");
    call(
        &suite,
        &leader,
        "SubmitRectificationPlan",
        json!({"requestId": rid(), "taskId": task_id,
        "plan": "每日考勤公示, 请假一律书面审批"}),
    )
    .await;
    let (code, reason) = suite
        .refused(
            &inspector,
            &format!("{OVERSIGHT}/VerifyRectification"),
            &json!({"requestId": rid(),
            "taskId": task_id, "accept": true})
            .to_string(),
        )
        .await;
    assert_eq!((code.as_str(), reason.as_str()), ("failed_precondition", "TASK_NOT_REPORTED"));
    call(
        &suite,
        &leader,
        "ReportRectification",
        json!({"requestId": rid(), "taskId": task_id,
        "report": "已建立考勤公示制度", "evidence": ["考勤制度文件", "公示照片"]}),
    )
    .await;
    let closed = call(
        &suite,
        &inspector,
        "VerifyRectification",
        json!({"requestId": rid(), "taskId": task_id,
        "accept": true, "note": "经核实已整改到位"}),
    )
    .await;
    assert_eq!(closed["task"]["state"], "RECTIFICATION_STATE_CLOSED", "{closed}");

    // The org department decides a 通报 with its basis, and names the cadre in an issued circular.
    let (code, reason) = suite
        .refused(
            &org,
            &format!("{OVERSIGHT}/RecordDecision"),
            &json!({"requestId": rid(), "cadreId": cadre_id,
            "measure": "ACCOUNTABILITY_MEASURE_CIRCULAR", "decidingBody": "DECIDING_BODY_ORG_DEPARTMENT",
            "decidedOn": date(now)})
            .to_string(),
        )
        .await;
    assert_eq!((code.as_str(), reason.as_str()), ("invalid_argument", "BASIS_REQUIRED"));
    let circular_decision = call(
        &suite,
        &org,
        "RecordDecision",
        json!({"requestId": rid(), "cadreId": cadre_id,
        "measure": "ACCOUNTABILITY_MEASURE_CIRCULAR", "decidingBody": "DECIDING_BODY_ORG_DEPARTMENT",
        "basisArticle": "中国共产党问责条例 第八条", "documentNumber": "锦组通〔2026〕9号",
        "decidedOn": date(now), "findingIds": [repeat["id"]]}),
    )
    .await;
    let decision = &circular_decision["decision"];
    assert_eq!(decision["blocks"]["promotion"], true, "{decision}");
    assert!(decision["archiveDueDate"].is_object(), "a 通报 goes into the dossier: {decision}");
    let draft = call(&suite, &org, "DraftCircular", json!({"requestId": rid(), "title": "关于工作纪律作风督查情况的通报",
        "kind": "CIRCULAR_KIND_CRITICISM", "distribution": "全区各级党组织", "cadence": "CADENCE_QUARTERLY",
        "periodLabel": "本季度", "body": "现将督查发现的问题通报如下",
        "entries": [{"cadreId": cadre_id, "orgUnitId": unit, "text": "请假逾期未销假, 无故离岗", "decisionId": decision["id"]}]})).await;
    let issued = call(
        &suite,
        &org,
        "IssueCircular",
        json!({"requestId": rid(), "circularId": draft["circular"]["id"],
        "documentNumber": "锦组通〔2026〕10号"}),
    )
    .await;
    assert_eq!(issued["circular"]["state"], "CIRCULAR_STATE_ISSUED", "{issued}");
    let mentions = call(&suite, &org, "ListCircularMentions", json!({"cadreId": cadre_id})).await;
    assert_eq!(mentions["mentions"][0]["circularId"], issued["circular"]["id"], "{mentions}");

    // The rank service keeps the decision's window from the oversight feed: promotion is blocked.
    eventually("the rank service blocks the promotion", || {
        let (suite, org, cadre_id) = (&suite, &org, &cadre_id);
        async move {
            let answer = suite
                .ok(org, &format!("{RANK}/CheckEligibility"), &json!({"cadreId": cadre_id}).to_string())
                .await;
            let blocked = answer["eligibility"]["blocks"]
                .as_array()?
                .iter()
                .any(|b| b["reason"] == "RESTRICTION_IN_EFFECT");
            blocked.then_some(answer)
        }
    })
    .await;
    let restrictions = call(&suite, &hr_system, "GetRestrictions", json!({"cadreId": cadre_id})).await;
    assert_eq!(restrictions["restrictions"]["blocks"]["promotion"], true, "{restrictions}");

    // The discipline-inspection system follows the decisions from its own cursor through the gateway.
    let decided = watch_decisions(&suite, &discipline).await;
    assert!(decided.iter().any(|id| id == decision["id"].as_str().unwrap()), "{decided:?}");
    // It answers a 党风廉政意见 the org department asks for, which the org department cannot read itself
    // without the discipline clearance, nor the pool it draws on.
    let asked = call(
        &suite,
        &org,
        "RequestIntegrityOpinion",
        json!({"requestId": rid(), "cadreId": cadre_id,
        "purpose": "拟提拔考察"}),
    )
    .await;
    let answered = call(
        &suite,
        &discipline,
        "AnswerIntegrityOpinion",
        json!({"requestId": rid(),
        "opinionId": asked["opinion"]["id"], "clear": false, "answer": "影响期内, 不宜提拔"}),
    )
    .await;
    assert_eq!(answered["opinion"]["state"], "OPINION_STATE_ANSWERED", "{answered}");
    let (code, reason) = suite
        .refused(
            &org,
            &format!("{OVERSIGHT}/ListNegativeInformation"),
            &json!({"cadreId": cadre_id}).to_string(),
        )
        .await;
    assert_eq!((code.as_str(), reason.as_str()), ("permission_denied", "CLEARANCE_REQUIRED"));
    suite.stop().await;
}

/// The decisions on the oversight feed, read through the gateway as `token` from the start to the head.
async fn watch_decisions(suite: &common::Running, token: &str) -> Vec<String> {
    use cadre_proto::{
        events::{WatchRequest, event_feed_service_client::EventFeedServiceClient},
        oversight::DecisionRecordedEvent,
    };
    use prost::{Message as _, Name as _};
    let mut client = EventFeedServiceClient::new(suite.channel().await);
    let mut request = common::with_token(
        token,
        WatchRequest { event_types: vec![DecisionRecordedEvent::full_name()], ..Default::default() },
    );
    request.metadata_mut().insert("x-cadre-source", "oversight".parse().unwrap());
    let mut stream = client.watch(request).await.expect("the feed opens").into_inner();
    let mut ids = Vec::new();
    let read = async {
        while let Some(item) = stream.message().await.expect("the feed streams") {
            if let Some(event) = item.event {
                let payload = event.payload.expect("a payload");
                let decided = DecisionRecordedEvent::decode(payload.value.as_slice()).expect("a decision");
                ids.push(decided.decision.expect("the decision").id);
            }
            if item.caught_up {
                break;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), read).await.expect("the feed catches up");
    ids
}

//! Measure ⑤ end to end through the gateway, as the demo district's people: the demo district's forums
//! and their record since the 区委书记's first lecture (the seed's figures), then a new village's 微讲坛 from
//! its proposal, approval by its own town (and by nobody else), a session with a cadre as speaker, a check-in
//! with the session's code (once), the session held, the learning hours on the ledger, and the village's
//! statistics.

mod common;

use chrono::{Datelike, Duration as Days, NaiveDate, Utc};
use serde_json::{Value, json};

const FORUM: &str = "cadre.forum.v1.ForumService";
const DIRECTORY: &str = "cadre.directory.v1.DirectoryService";

fn date(d: NaiveDate) -> Value {
    json!({ "year": d.year(), "month": d.month(), "day": d.day() })
}

fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn call(suite: &common::Running, token: &str, method: &str, body: Value) -> Value {
    suite.ok(token, &format!("{FORUM}/{method}"), &body.to_string()).await
}

/// Calls and returns the refusal's gRPC code name and `ErrorInfo` reason.
async fn refused(suite: &common::Running, token: &str, method: &str, body: Value) -> (String, String) {
    let (status, value) = suite.json(token, &format!("{FORUM}/{method}"), &body.to_string()).await;
    assert_ne!(status, 200, "{method} should have been refused: {value}");
    let reason = value["details"]
        .as_array()
        .and_then(|details| details.iter().find_map(|d| d["debug"]["reason"].as_str()))
        .unwrap_or_default()
        .to_owned();
    (value["code"].as_str().unwrap_or_default().to_owned(), reason)
}

/// Polls `probe` until it returns something, for what arrives through a feed or a demo seed.
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

fn count(value: &Value) -> i64 {
    value.as_i64().or_else(|| value.as_str().and_then(|s| s.parse().ok())).unwrap_or(0)
}

fn level<'a>(stats: &'a Value, name: &str) -> &'a Value {
    stats["levels"]
        .as_array()
        .and_then(|levels| levels.iter().find(|l| l["level"] == name))
        .unwrap_or_else(|| panic!("no {name} in {stats}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_forums_and_a_village_session_from_proposal_to_statistics() {
    let suite = common::start().await;
    let org = suite.token("orgofficer");
    let committee = suite.token("committee");
    let town = suite.token("town.t01");
    let leader = suite.token("leader.t01");
    let cadre = suite.token("cadre.t01");
    let today = suite.today();

    // The seed's figures: 1 大讲坛, 57 小讲坛, 48 微讲坛, 520+ sessions and about 20 000 attendances since
    // the first lecture in May of last year.
    let since = NaiveDate::from_ymd_opt(today.year() - 1, 5, 1).unwrap();
    let stats = eventually("the demo forums' record", || {
        let committee = committee.clone();
        let suite = &suite;
        async move {
            let body = json!({"startFrom": date(since), "startUntil": date(today)}).to_string();
            let (status, stats) = suite.json(&committee, &format!("{FORUM}/GetForumStatistics"), &body).await;
            (status == 200 && count(&stats["total"]["attendances"]) > 0).then_some(stats)
        }
    })
    .await;
    assert_eq!(count(&level(&stats, "FORUM_LEVEL_DISTRICT")["activeForums"]), 1, "{stats}");
    assert_eq!(count(&level(&stats, "FORUM_LEVEL_UNIT")["activeForums"]), 57, "{stats}");
    assert_eq!(count(&level(&stats, "FORUM_LEVEL_VILLAGE")["activeForums"]), 48, "{stats}");
    assert!(count(&stats["total"]["heldSessions"]) >= 520, "{stats}");
    let attendances = count(&stats["total"]["attendances"]);
    assert!((19_000..=21_000).contains(&attendances), "{stats}");

    // A new village of the town T01, and its 微讲坛, proposed for the village by the org department (the demo
    // district has no account of a village).
    let units = suite.ok(&org, &format!("{DIRECTORY}/ListOrgUnits"), "{}").await;
    let root = units["orgUnits"][0]["id"].as_str().unwrap().to_owned();
    let below = json!({"ancestorId": root, "pageSize": 1000}).to_string();
    let all = suite.ok(&org, &format!("{DIRECTORY}/ListOrgUnits"), &below).await;
    let t01 = all["orgUnits"].as_array().unwrap().iter().find(|u| u["code"] == "T01").unwrap()["id"].clone();
    let body = json!({"requestId": rid(), "orgUnit": {"parentId": t01, "code": "T01V99", "name": "新建村", "kind": "village"}});
    let village = suite.ok(&org, &format!("{DIRECTORY}/CreateOrgUnit"), &body.to_string()).await;
    let village = village["orgUnit"]["id"].as_str().unwrap().to_owned();
    let proposal = json!({"requestId": rid(), "ownerUnitId": village, "level": "FORUM_LEVEL_VILLAGE",
        "name": "新建村微讲坛", "description": "村两委干部轮流开讲"});
    let forum = eventually("the new village in the forum service", || {
        let (suite, org, body) = (&suite, org.clone(), proposal.to_string());
        async move {
            let (status, value) = suite.json(&org, &format!("{FORUM}/ProposeForum"), &body).await;
            (status == 200).then(|| value["forum"].clone())
        }
    })
    .await;
    assert_eq!(forum["status"], "FORUM_STATUS_PROPOSED");
    let forum_id = forum["id"].as_str().unwrap().to_owned();

    // Not active before approval; approved by its own town only: not by the org department, not by another
    // unit's leader.
    let start = Utc::now() - Days::minutes(5);
    let end = start + Days::minutes(90);
    let session = json!({"requestId": rid(), "forumId": forum_id, "topic": "学习贯彻六项措施",
        "speaker": {"cadreId": cadre_id(&suite, "leader.t01").await},
        "startTime": start.to_rfc3339(), "endTime": end.to_rfc3339(), "place": "村委会议室",
        "audience": {"unitIds": [t01]}, "capacity": 60, "creditedMinutes": 90});
    let (code, reason) = refused(&suite, &town, "ScheduleSession", session.clone()).await;
    assert_eq!((code.as_str(), reason.as_str()), ("failed_precondition", "FORUM_NOT_ACTIVE"));
    let approve = json!({"requestId": rid(), "forumId": forum_id});
    for outsider in [&org, &suite.token("leader.u01")] {
        let (code, reason) = refused(&suite, outsider, "ApproveForum", approve.clone()).await;
        assert_eq!((code.as_str(), reason.as_str()), ("permission_denied", "WRONG_APPROVING_LEVEL"));
    }
    let approved = call(&suite, &town, "ApproveForum", approve).await;
    assert_eq!(approved["forum"]["status"], "FORUM_STATUS_ACTIVE");

    // The year's plan, then the session, its code and a check-in (once).
    let plan = call(
        &suite,
        &town,
        "PlanForumYear",
        json!({"requestId": rid(), "forumId": forum_id, "year": today.year(), "plannedSessions": 4}),
    )
    .await;
    // Four planned against the 微讲坛's minimum of two: not short (proto3 JSON leaves `false` out).
    assert_eq!(count(&plan["plan"]["plannedSessions"]), 4, "{plan}");
    assert!(count(&plan["plan"]["minimumSessions"]) <= 4 && plan["plan"]["short"].is_null(), "{plan}");
    let scheduled = call(&suite, &town, "ScheduleSession", session).await["session"].clone();
    let session_id = scheduled["id"].as_str().unwrap().to_owned();
    let opened =
        call(&suite, &town, "OpenCheckIn", json!({"requestId": rid(), "sessionId": session_id})).await;
    let code = opened["code"].as_str().unwrap().to_owned();
    let wrong = json!({"requestId": rid(), "sessionId": session_id, "code": "WRONG000"});
    let (status, reason) = refused(&suite, &cadre, "CheckIn", wrong).await;
    assert_eq!((status.as_str(), reason.as_str()), ("failed_precondition", "CHECK_IN_CODE_INVALID"));
    let check_in = json!({"requestId": rid(), "sessionId": session_id, "code": code});
    let attendance = call(&suite, &cadre, "CheckIn", check_in).await["attendance"].clone();
    assert_eq!(attendance["method"], "ATTENDANCE_METHOD_CHECK_IN");
    let again = json!({"requestId": rid(), "sessionId": session_id, "code": code});
    let (status, reason) = refused(&suite, &cadre, "CheckIn", again).await;
    assert_eq!((status.as_str(), reason.as_str()), ("already_exists", "ALREADY_CHECKED_IN"));

    // Held: the attendee's hours and the speaker's duty.
    let held =
        call(&suite, &town, "MarkSessionHeld", json!({"requestId": rid(), "sessionId": session_id})).await;
    assert_eq!(held["session"]["state"], "SESSION_STATE_HELD");
    assert_eq!(count(&held["session"]["attendanceCount"]), 1);
    let me = cadre_id(&suite, "cadre.t01").await;
    let ledger =
        call(&suite, &cadre, "GetLearningLedger", json!({"cadreId": me, "year": today.year()})).await;
    assert!(
        ledger["entries"].as_array().unwrap().iter().any(|e| e["sessionId"] == session_id.as_str()),
        "{ledger}"
    );
    let speaker = cadre_id(&suite, "leader.t01").await;
    let duties = call(
        &suite,
        &leader,
        "ListSpeakerDuties",
        json!({"cadreIds": [speaker], "startFrom": date(today - Days::days(1)), "startUntil": date(today + Days::days(1))}),
    )
    .await;
    assert!(
        duties["duties"].as_array().unwrap().iter().any(|d| d["sessionId"] == session_id.as_str()),
        "{duties}"
    );

    // The village's statistics: its one forum, one session, one attendance.
    let stats = call(
        &suite,
        &town,
        "GetForumStatistics",
        json!({"orgUnitId": village, "startFrom": date(today - Days::days(1)), "startUntil": date(today + Days::days(1))}),
    )
    .await;
    assert_eq!(count(&stats["total"]["activeForums"]), 1, "{stats}");
    assert_eq!(count(&stats["total"]["heldSessions"]), 1, "{stats}");
    assert_eq!(count(&stats["total"]["attendances"]), 1, "{stats}");
    assert_eq!(count(&stats["total"]["distinctAttendees"]), 1, "{stats}");

    suite.stop().await;
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

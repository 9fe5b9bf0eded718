//! 外出报备 over a real socket, with the real directory, on SQLite and PostgreSQL (domain.md §3.3): the
//! itinerary to the part of a day, late filings flagged and explained, a principal's deputy and the rule that
//! the two are not away together without a reason, changes kept as a history, and who may file and see.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::leave::{self as pb, DayPart::*};
use harness::{Harness, Post, ask, assert_error, date, rid};
use tonic::{Code, Status};

fn trip(
    cadre_id: &str,
    depart: &str,
    depart_part: pb::DayPart,
    ret: &str,
    return_part: pb::DayPart,
) -> pb::TravelFiling {
    pb::TravelFiling {
        cadre_id: cadre_id.into(),
        destination: "成都市".into(),
        reason: "探望父母".into(),
        depart_date: Some(date(depart)),
        depart_part: depart_part as i32,
        return_date: Some(date(ret)),
        return_part: return_part as i32,
        contact_phone: "138 0000 0000".into(),
        ..Default::default()
    }
}

async fn file(client: &mut harness::Client, filing: pb::TravelFiling) -> Result<pb::TravelFiling, Status> {
    let request = pb::CreateTravelFilingRequest { request_id: rid(), filing: Some(filing) };
    Ok(client.create_travel_filing(request).await?.into_inner().filing.unwrap())
}

async fn change(
    client: &mut harness::Client,
    filing: pb::TravelFiling,
    reason: &str,
    expected_version: i64,
) -> Result<pb::TravelFiling, Status> {
    let request = pb::UpdateTravelFilingRequest {
        request_id: rid(),
        filing: Some(filing),
        reason: reason.into(),
        expected_version,
    };
    Ok(client.update_travel_filing(request).await?.into_inner().filing.unwrap())
}

async fn list(
    client: &mut harness::Client,
    cadre_id: &str,
    unit_id: &str,
    range: Option<(&str, &str)>,
) -> Vec<pb::TravelFiling> {
    let request = pb::ListTravelFilingsRequest {
        cadre_id: cadre_id.into(),
        org_unit_id: unit_id.into(),
        range: range.map(|(start, end)| cadre_proto::types::DateRange {
            start: Some(date(start)),
            end: Some(date(end)),
        }),
    };
    client.list_travel_filings(request).await.unwrap_or_else(|s| panic!("list: {s:?}")).into_inner().filings
}

async fn denials(h: &Harness) -> Vec<(String, String)> {
    h.db.run(|conn| cadre_platform::audit::list(conn, 0, 100_000))
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.outcome.starts_with("DENIED:"))
        .map(|r| (r.method, r.outcome))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_files_a_trip_and_reports_each_change() {
    for database in TestDatabase::each() {
        // Monday 27 April 2026.
        let mut h = Harness::start(database, "2026-04-27").await;
        let town = h.unit("T01", "城关镇", None).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, true).await;
        h.sync().await;
        let backend = h.backend;
        let mut me = h.as_cadre(&clerk);

        // cadre_id empty: the caller's own; filed four days ahead, on time.
        let request = pb::CreateTravelFilingRequest {
            request_id: rid(),
            filing: Some(trip("", "2026-05-01", Morning, "2026-05-03", Afternoon)),
        };
        let filed = me.create_travel_filing(request.clone()).await.unwrap().into_inner().filing.unwrap();
        assert_eq!(filed.cadre_id, clerk.cadre_id, "{backend}");
        assert_eq!((filed.cadre_name.as_str(), filed.org_unit_id.as_str()), ("张科员", town.as_str()));
        assert_eq!((filed.late, filed.version, filed.changes.len()), (false, 1, 0), "{backend}");
        assert_eq!(filed.depart_part, Morning as i32);
        assert_eq!(filed.return_date, Some(date("2026-05-03")));
        assert_eq!(filed.contact_phone, "138 0000 0000");
        assert!(filed.create_time.is_some());
        // A replay answers the first time's filing and files nothing more.
        let replay = me.create_travel_filing(request).await.unwrap().into_inner().filing.unwrap();
        assert_eq!(replay, filed, "{backend}");

        // The return moves to the next morning: the change is kept in words.
        let mut moved = filed.clone();
        moved.return_date = Some(date("2026-05-04"));
        moved.return_part = Morning as i32;
        let changed = change(&mut me, moved.clone(), "高铁停运", 1).await.unwrap();
        assert_eq!(changed.version, 2, "{backend}");
        assert_eq!(changed.return_date, Some(date("2026-05-04")));
        assert_eq!(changed.changes.len(), 1);
        assert_eq!(
            changed.changes[0].summary, "return 2026-05-03 AFTERNOON → 2026-05-04 MORNING",
            "{backend}"
        );
        assert_eq!(changed.changes[0].reason, "高铁停运");
        assert_eq!(changed.changes[0].changed_by, format!("acct-{}", clerk.cadre_id));
        assert!(changed.changes[0].change_time.is_some());

        // A second change names everything that moved; the history keeps both, oldest first.
        let mut again = changed.clone();
        again.destination = "重庆市".into();
        again.depart_part = Afternoon as i32;
        again.contact_phone = "13900000000".into();
        let again = change(&mut me, again, "行程调整", 2).await.unwrap();
        assert_eq!(again.changes.len(), 2, "{backend}");
        assert_eq!(
            again.changes[1].summary,
            "destination 成都市 → 重庆市; depart 2026-05-01 MORNING → 2026-05-01 AFTERNOON; \
             contact phone 138 0000 0000 → 13900000000",
            "{backend}"
        );
        assert_eq!(again.changes[0].summary, "return 2026-05-03 AFTERNOON → 2026-05-04 MORNING");

        // A stale version changes nothing.
        let stale = change(&mut me, moved.clone(), "再改", 1).await.unwrap_err();
        assert_error(&stale, Code::Aborted, "VERSION_MISMATCH", None);
        // The reason and the version are required; a change that changes nothing is refused.
        let no_reason = change(&mut me, again.clone(), "  ", 3).await.unwrap_err();
        assert_error(&no_reason, Code::InvalidArgument, "INVALID_TRAVEL_CHANGE", Some("reason"));
        let no_version = change(&mut me, again.clone(), "再改", 0).await.unwrap_err();
        assert_error(&no_version, Code::InvalidArgument, "INVALID_TRAVEL_CHANGE", Some("expected_version"));
        let same = change(&mut me, again.clone(), "再改", 3).await.unwrap_err();
        assert_error(&same, Code::InvalidArgument, "NO_CHANGE", None);
        // A change re-checks the itinerary.
        let mut backwards = again.clone();
        backwards.return_date = Some(date("2026-04-30"));
        let backwards = change(&mut me, backwards, "再改", 3).await.unwrap_err();
        assert_error(
            &backwards,
            Code::InvalidArgument,
            "RETURN_BEFORE_DEPARTURE",
            Some("filing.return_date"),
        );
        let unknown = pb::TravelFiling { id: rid(), ..again.clone() };
        let unknown = change(&mut me, unknown, "再改", 3).await.unwrap_err();
        assert_error(&unknown, Code::NotFound, "TRAVEL_FILING_NOT_FOUND", Some("filing.id"));

        // On the return day it may still change; once the return is past, it may not.
        h.set_today("2026-05-04");
        let mut later = again.clone();
        later.return_part = Evening as i32;
        let later = change(&mut me, later, "晚上返回", 3).await.unwrap();
        assert_eq!(later.version, 4, "{backend}");
        h.set_today("2026-05-05");
        let mut over = later.clone();
        over.return_date = Some(date("2026-05-06"));
        let over = change(&mut me, over, "补报", 4).await.unwrap_err();
        assert_error(&over, Code::FailedPrecondition, "TRIP_OVER", None);

        // The list shows the filing as it stands, with its history.
        let mine = list(&mut me, "", "", None).await;
        assert_eq!(mine.len(), 1, "{backend}");
        assert_eq!(mine[0], later, "{backend}");

        // One event per filing and per change.
        let events = h.event_types().await;
        let filed_events = events.iter().filter(|t| t.as_str() == "cadre.leave.v1.TravelFiledEvent").count();
        assert_eq!(filed_events, 4, "{backend}: {events:?}");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_filing_is_accepted_flagged_and_explained() {
    for database in TestDatabase::each() {
        // Friday 1 May 2026; the default policy asks for one day of notice.
        let mut h = Harness::start(database, "2026-05-01").await;
        let town = h.unit("T01", "城关镇", None).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, true).await;
        h.sync().await;
        let backend = h.backend;
        let mut me = h.as_cadre(&clerk);

        // Leaving today: a day short.
        let today = file(&mut me, trip("", "2026-05-01", Evening, "2026-05-02", Evening)).await.unwrap_err();
        assert_error(&today, Code::InvalidArgument, "LATE_REASON_REQUIRED", Some("filing.late_reason"));
        let mut explained = trip("", "2026-05-01", Evening, "2026-05-02", Evening);
        explained.late_reason = "母亲突发疾病，已电话报告".into();
        let late = file(&mut me, explained).await.unwrap();
        assert!(late.late, "{backend}");
        assert_eq!(late.late_reason, "母亲突发疾病，已电话报告");

        // Reported after coming back (the form completing a phone report): late too, and accepted.
        let mut after = trip("", "2026-04-28", Morning, "2026-04-29", Evening);
        let refused = file(&mut me, after.clone()).await.unwrap_err();
        assert_error(&refused, Code::InvalidArgument, "LATE_REASON_REQUIRED", None);
        after.late_reason = "紧急公务，事后补报".into();
        assert!(file(&mut me, after).await.unwrap().late, "{backend}");

        // Tomorrow is on time; a lateness reason on a timely filing is dropped.
        let mut timely = trip("", "2026-05-02", Afternoon, "2026-05-02", Afternoon);
        timely.late_reason = "无".into();
        timely.cadre_id = String::new();
        // The same part of the same day is a short trip, but it overlaps the late one (until 2 May evening).
        let overlap = file(&mut me, timely.clone()).await.unwrap_err();
        assert_error(&overlap, Code::FailedPrecondition, "OVERLAPPING_FILING", None);
        timely.depart_date = Some(date("2026-05-03"));
        timely.return_date = Some(date("2026-05-03"));
        let timely = file(&mut me, timely).await.unwrap();
        assert_eq!((timely.late, timely.late_reason.as_str()), (false, ""), "{backend}");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_badly_formed_filing_is_refused_field_by_field() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-04-27").await;
        let town = h.unit("T01", "城关镇", None).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, true).await;
        h.sync().await;
        let mut me = h.as_cadre(&clerk);
        let good = trip("", "2026-05-01", Morning, "2026-05-03", Afternoon);

        let cases: Vec<(pb::TravelFiling, &str)> = vec![
            (pb::TravelFiling { destination: " ".into(), ..good.clone() }, "filing.destination"),
            (pb::TravelFiling { destination: "长".repeat(201), ..good.clone() }, "filing.destination"),
            (pb::TravelFiling { reason: String::new(), ..good.clone() }, "filing.reason"),
            (pb::TravelFiling { contact_phone: String::new(), ..good.clone() }, "filing.contact_phone"),
            (pb::TravelFiling { contact_phone: "call me".into(), ..good.clone() }, "filing.contact_phone"),
            (pb::TravelFiling { contact_phone: "1".repeat(33), ..good.clone() }, "filing.contact_phone"),
            (pb::TravelFiling { depart_date: None, ..good.clone() }, "filing.depart_date"),
            (
                pb::TravelFiling {
                    return_date: Some(cadre_proto::types::Date { year: 2026, month: 2, day: 30 }),
                    ..good.clone()
                },
                "filing.return_date",
            ),
            (pb::TravelFiling { depart_part: Unspecified as i32, ..good.clone() }, "filing.depart_part"),
            (pb::TravelFiling { return_part: 9, ..good.clone() }, "filing.return_part"),
            (pb::TravelFiling { late_reason: "x".repeat(501), ..good.clone() }, "filing.late_reason"),
        ];
        for (filing, field) in cases {
            let refused = file(&mut me, filing).await.unwrap_err();
            assert_error(&refused, Code::InvalidArgument, "INVALID_TRAVEL_FILING", Some(field));
        }
        // Back before leaving, even by a part of the same day.
        let backwards = trip("", "2026-05-01", Evening, "2026-05-01", Afternoon);
        let backwards = file(&mut me, backwards).await.unwrap_err();
        assert_error(
            &backwards,
            Code::InvalidArgument,
            "RETURN_BEFORE_DEPARTURE",
            Some("filing.return_date"),
        );
        // Nothing was stored.
        assert!(list(&mut me, "", "", None).await.is_empty());

        // Back-to-back trips share no part of a day; a third one overlapping the first is refused.
        let first = file(&mut me, trip("", "2026-05-01", Morning, "2026-05-03", Morning)).await.unwrap();
        let second = file(&mut me, trip("", "2026-05-03", Afternoon, "2026-05-03", Evening)).await.unwrap();
        let third = file(&mut me, trip("", "2026-04-30", Evening, "2026-05-01", Morning)).await.unwrap_err();
        assert_error(&third, Code::FailedPrecondition, "OVERLAPPING_FILING", None);
        // Changing the second into the first's days is refused as well; the first may move within its own.
        let mut into_first = second.clone();
        into_first.depart_date = Some(date("2026-05-02"));
        let into_first = change(&mut me, into_first, "提前", second.version).await.unwrap_err();
        assert_error(&into_first, Code::FailedPrecondition, "OVERLAPPING_FILING", None);
        let mut shorter = first.clone();
        shorter.return_date = Some(date("2026-05-02"));
        change(&mut me, shorter, "提前返回", first.version).await.unwrap();
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_principal_names_a_deputy_and_explains_being_away_together() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-04-27").await;
        let town = h.unit("T01", "城关镇", None).await;
        let secretary = h.cadre("王书记", &town, Post::Principal, false).await;
        let deputy = h.cadre("李副镇长", &town, Post::Deputy, false).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, true).await;
        h.sync().await;
        let backend = h.backend;
        let mut boss = h.as_cadre(&secretary);

        // A principal names who takes charge; not themself, and a cadre in post.
        let none = file(&mut boss, trip("", "2026-05-01", Morning, "2026-05-02", Evening)).await.unwrap_err();
        assert_error(&none, Code::InvalidArgument, "DEPUTY_REQUIRED", Some("filing.deputy_cadre_id"));
        let mut selfish = trip("", "2026-05-01", Morning, "2026-05-02", Evening);
        selfish.deputy_cadre_id = secretary.cadre_id.clone();
        let selfish = file(&mut boss, selfish).await.unwrap_err();
        assert_error(&selfish, Code::InvalidArgument, "DEPUTY_INVALID", Some("filing.deputy_cadre_id"));
        let mut nobody = trip("", "2026-05-01", Morning, "2026-05-02", Evening);
        nobody.deputy_cadre_id = rid();
        let nobody = file(&mut boss, nobody).await.unwrap_err();
        assert_error(&nobody, Code::InvalidArgument, "DEPUTY_INVALID", Some("filing.deputy_cadre_id"));
        // A staff member needs no deputy.
        let mut clerk_client = h.as_cadre(&clerk);
        file(&mut clerk_client, trip("", "2026-05-10", Morning, "2026-05-10", Evening)).await.unwrap();

        // The deputy travels on 2–3 May; the principal's trip of 1–2 May would leave nobody in charge.
        let mut deputy_client = h.as_cadre(&deputy);
        let deputy_trip =
            file(&mut deputy_client, trip("", "2026-05-02", Morning, "2026-05-03", Evening)).await.unwrap();
        let mut together = trip("", "2026-05-01", Morning, "2026-05-02", Morning);
        together.deputy_cadre_id = deputy.cadre_id.clone();
        let refused = file(&mut boss, together.clone()).await.unwrap_err();
        assert_error(&refused, Code::FailedPrecondition, "BOTH_AWAY", Some("filing.both_away_reason"));
        // Ending the evening before the deputy leaves is fine.
        let mut before = together.clone();
        before.return_date = Some(date("2026-05-01"));
        before.return_part = Evening as i32;
        let before = file(&mut boss, before).await.unwrap();
        assert_eq!(before.deputy_cadre_id, deputy.cadre_id, "{backend}");
        // Extending it into the deputy's trip needs the reason too, and is accepted with one.
        let mut longer = before.clone();
        longer.return_date = Some(date("2026-05-02"));
        let refused = change(&mut boss, longer.clone(), "会议延期", before.version).await.unwrap_err();
        assert_error(&refused, Code::FailedPrecondition, "BOTH_AWAY", None);
        longer.both_away_reason = "参加市委全会（上级机关会议）".into();
        let longer = change(&mut boss, longer, "会议延期", before.version).await.unwrap();
        assert_eq!(
            longer.changes[0].summary,
            "return 2026-05-01 EVENING → 2026-05-02 EVENING; both-away reason updated",
            "{backend}"
        );
        // Dropping the deputy on a change is refused for a principal; naming another deputy is recorded by name.
        let mut dropped = longer.clone();
        dropped.deputy_cadre_id = String::new();
        let dropped = change(&mut boss, dropped, "换人", longer.version).await.unwrap_err();
        assert_error(&dropped, Code::InvalidArgument, "DEPUTY_REQUIRED", None);
        let mut other = longer.clone();
        other.deputy_cadre_id = clerk.cadre_id.clone();
        let other = change(&mut boss, other, "换人主持", longer.version).await.unwrap();
        assert_eq!(other.changes[1].summary, "deputy 李副镇长 → 张科员", "{backend}");

        // The deputy's own trip is untouched by any of it.
        let theirs = list(&mut deputy_client, "", "", None).await;
        assert_eq!(theirs, vec![deputy_trip], "{backend}");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deputy_on_leave_counts_as_away_to_the_half_day() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-04-27").await;
        let town = h.unit("T01", "城关镇", None).await;
        let secretary = h.cadre("王书记", &town, Post::Principal, false).await;
        let deputy = h.cadre("李副镇长", &town, Post::Deputy, false).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, true).await;
        let other_town = h.unit("T02", "龙泉镇", None).await;
        let other_secretary = h.cadre("陈书记", &other_town, Post::Principal, false).await;
        h.sync().await;
        let backend = h.backend;

        // The deputy asks for the morning of Wednesday 20 May off, and submits it (pending is live).
        let mut deputy_client = h.as_cadre(&deputy);
        let mut leave = ask("personal", "2026-05-20", "2026-05-20");
        leave.start_half = pb::HalfDay::Morning as i32;
        leave.end_half = pb::HalfDay::Morning as i32;
        leave.acting_deputy_cadre_id = clerk.cadre_id.clone();
        let draft = deputy_client
            .create_leave_request(leave)
            .await
            .unwrap_or_else(|s| panic!("{backend}: create leave: {s:?}"))
            .into_inner()
            .leave_request
            .unwrap();
        // A draft is not leave yet: the principal may still name the deputy for that morning.
        let mut boss = h.as_cadre(&secretary);
        let mut draft_morning = trip("", "2026-05-20", Morning, "2026-05-20", Morning);
        draft_morning.deputy_cadre_id = deputy.cadre_id.clone();
        let draft_morning = file(&mut boss, draft_morning).await.unwrap();
        // Once submitted, the morning is taken: the trip filed for it stands, but any change to it is
        // checked again and now needs the reason.
        deputy_client
            .submit_leave_request(pb::SubmitLeaveRequestRequest {
                request_id: rid(),
                id: draft.id.clone(),
                expected_version: draft.version,
            })
            .await
            .unwrap_or_else(|s| panic!("{backend}: submit leave: {s:?}"));
        let mut change_it = draft_morning.clone();
        change_it.destination = "绵阳市".into();
        let refused =
            change(&mut boss, change_it.clone(), "改去绵阳", draft_morning.version).await.unwrap_err();
        assert_error(&refused, Code::FailedPrecondition, "BOTH_AWAY", None);

        // The afternoon of the same day is free of the deputy's leave.
        let mut afternoon = trip("", "2026-05-20", Afternoon, "2026-05-21", Evening);
        afternoon.deputy_cadre_id = deputy.cadre_id.clone();
        file(&mut boss, afternoon).await.unwrap_or_else(|s| panic!("{backend}: afternoon: {s:?}"));
        // The evening before is free too.
        let mut evening = trip("", "2026-05-19", Evening, "2026-05-19", Evening);
        evening.deputy_cadre_id = deputy.cadre_id.clone();
        file(&mut boss, evening).await.unwrap_or_else(|s| panic!("{backend}: evening: {s:?}"));
        // Another principal naming the same deputy from the evening before through that morning is refused
        // at filing, and accepted with the reason.
        let mut neighbour = h.as_cadre(&other_secretary);
        let mut across = trip("", "2026-05-19", Evening, "2026-05-20", Morning);
        across.deputy_cadre_id = deputy.cadre_id.clone();
        let refused = file(&mut neighbour, across.clone()).await.unwrap_err();
        assert_error(&refused, Code::FailedPrecondition, "BOTH_AWAY", Some("filing.both_away_reason"));
        across.both_away_reason = "参加省委党校调训".into();
        let across = file(&mut neighbour, across).await.unwrap();
        assert_eq!(across.both_away_reason, "参加省委党校调训", "{backend}");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_record_keepers_file_for_others_and_everyone_sees_within_scope() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-04-27").await;
        let town = h.unit("T01", "城关镇", None).await;
        let other_town = h.unit("T02", "龙泉镇", None).await;
        let clerk = h.cadre("张科员", &town, Post::Staff, true).await;
        let hr = h.cadre("赵人事", &town, Post::Staff, false).await;
        let leader = h.cadre("李副镇长", &town, Post::Deputy, false).await;
        let outsider = h.cadre("钱人事", &other_town, Post::Staff, true).await;
        h.sync().await;
        let backend = h.backend;

        // A plain cadre does not file for a colleague.
        let mut clerk_client = h.as_cadre(&clerk);
        let not_own =
            file(&mut clerk_client, trip(&hr.cadre_id, "2026-05-01", Morning, "2026-05-01", Evening))
                .await
                .unwrap_err();
        assert_error(&not_own, Code::PermissionDenied, "NOT_OWN_RECORD", None);
        // The unit's HR officer does, within the unit; another town's does not see the cadre at all.
        let mut hr_client = h.as_person(&hr, &[Role::UnitHrOfficer]);
        let by_hr = file(&mut hr_client, trip(&clerk.cadre_id, "2026-05-01", Morning, "2026-05-02", Evening))
            .await
            .unwrap_or_else(|s| panic!("{backend}: hr files: {s:?}"));
        assert_eq!(by_hr.cadre_id, clerk.cadre_id);
        let mut outsider_client = h.as_person(&outsider, &[Role::UnitHrOfficer]);
        let hidden =
            file(&mut outsider_client, trip(&clerk.cadre_id, "2026-05-05", Morning, "2026-05-05", Evening))
                .await
                .unwrap_err();
        assert_error(&hidden, Code::NotFound, "CADRE_NOT_FOUND", None);
        let unknown = file(&mut hr_client, trip(&rid(), "2026-05-05", Morning, "2026-05-05", Evening))
            .await
            .unwrap_err();
        assert_error(&unknown, Code::NotFound, "CADRE_NOT_FOUND", None);
        // The org department files for anyone, but has no trip of its own to file.
        let mut org = h.org();
        let no_cadre =
            file(&mut org, trip("", "2026-05-05", Morning, "2026-05-05", Evening)).await.unwrap_err();
        assert_error(&no_cadre, Code::InvalidArgument, "CADRE_REQUIRED", Some("filing.cadre_id"));
        let by_org = file(&mut org, trip(&outsider.cadre_id, "2026-05-06", Morning, "2026-05-07", Evening))
            .await
            .unwrap();
        let leaders_own =
            file(&mut h.as_cadre(&leader), trip("", "2026-06-01", Morning, "2026-06-01", Evening))
                .await
                .unwrap();

        // The cadre reports a change to a trip the HR officer filed for them.
        let mut moved = by_hr.clone();
        moved.return_part = Afternoon as i32;
        let moved = change(&mut clerk_client, moved, "提前返回", by_hr.version).await.unwrap();
        // A colleague cannot see it; a unit leader sees it but does not keep records; the HR officer may.
        let mut colleague = h.as_cadre(&hr);
        let mut again = moved.clone();
        again.destination = "乐山市".into();
        let unseen = change(&mut colleague, again.clone(), "改", moved.version).await.unwrap_err();
        assert_error(&unseen, Code::NotFound, "TRAVEL_FILING_NOT_FOUND", None);
        let mut leader_client = h.as_person(&leader, &[Role::UnitLeader]);
        let not_keeper = change(&mut leader_client, again.clone(), "改", moved.version).await.unwrap_err();
        assert_error(&not_keeper, Code::PermissionDenied, "NOT_OWN_RECORD", None);
        let by_keeper = change(&mut hr_client, again, "改", moved.version).await.unwrap();
        assert_eq!(by_keeper.changes.len(), 2, "{backend}");
        assert_eq!(by_keeper.changes[1].changed_by, format!("acct-{}", hr.cadre_id));

        // Refusals the caller learns nothing from are in the audit chain.
        let denied = denials(&h).await;
        for (method, outcome) in [
            ("CreateTravelFiling", "DENIED:NOT_OWN_RECORD"),
            ("CreateTravelFiling", "DENIED:OUT_OF_SCOPE"),
            ("UpdateTravelFiling", "DENIED:OUT_OF_SCOPE"),
            ("UpdateTravelFiling", "DENIED:NOT_OWN_RECORD"),
        ] {
            assert!(
                denied.iter().any(|(m, o)| m.ends_with(method) && o == outcome),
                "{backend}: no {outcome} for {method} in {denied:?}"
            );
        }

        // Lists: a cadre sees their own; a unit's people see the unit; the org department sees all, and
        // narrows by cadre, by subtree and by dates. The default range is the current year.
        let ids = |filings: Vec<pb::TravelFiling>| filings.into_iter().map(|f| f.id).collect::<Vec<_>>();
        assert_eq!(ids(list(&mut clerk_client, "", "", None).await), vec![by_keeper.id.clone()], "{backend}");
        assert_eq!(ids(list(&mut clerk_client, &outsider.cadre_id, "", None).await), Vec::<String>::new());
        assert_eq!(
            ids(list(&mut leader_client, "", "", None).await),
            vec![by_keeper.id.clone(), leaders_own.id.clone()],
            "{backend}"
        );
        assert_eq!(ids(list(&mut outsider_client, "", "", None).await), vec![by_org.id.clone()], "{backend}");
        assert_eq!(
            ids(list(&mut org, "", "", None).await),
            vec![by_keeper.id.clone(), by_org.id.clone(), leaders_own.id.clone()],
            "{backend}: by departure"
        );
        assert_eq!(
            ids(list(&mut org, "", &town, None).await),
            vec![by_keeper.id.clone(), leaders_own.id.clone()]
        );
        assert_eq!(ids(list(&mut org, &clerk.cadre_id, &other_town, None).await), Vec::<String>::new());
        assert_eq!(
            ids(list(&mut org, "", &h.root_unit_id, Some(("2026-05-02", "2026-05-06"))).await),
            vec![by_keeper.id.clone(), by_org.id.clone()]
        );
        assert_eq!(
            ids(list(&mut org, "", "", Some(("2027-01-01", "2027-12-31"))).await),
            Vec::<String>::new()
        );
        let bad_range = org
            .list_travel_filings(pb::ListTravelFilingsRequest {
                range: Some(cadre_proto::types::DateRange {
                    start: Some(date("2026-06-01")),
                    end: Some(date("2026-05-01")),
                }),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&bad_range, Code::InvalidArgument, "INVALID_TRAVEL_QUERY", Some("range.end"));
        h.stop().await;
    }
}

//! The annual plan (themes, minimums, short plans, completion rolled up the unit tree), the learning quota's
//! shortfalls and the statistics per level. On SQLite and PostgreSQL.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::forum as pb;
use harness::{Harness, Post, assert_error, date, rid, schedule, session_request, try_approve, try_propose};
use tonic::Code;

/// A proto timestamp of 1 January of `year`, `hour`:00 UTC.
fn on_new_year(year: i32, hour: u32) -> prost_types::Timestamp {
    let at = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap().and_hms_opt(hour, 0, 0).unwrap();
    prost_types::Timestamp { seconds: at.and_utc().timestamp(), nanos: 0 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_completion_shortfalls_and_statistics() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10T04:00:00Z").await;
        let backend = h.backend;
        let town = h.unit("T01", "青山镇", "town", None).await;
        let village = h.unit("T01V01", "红星村", "village", Some(&town)).await;
        let officer = h.cadre("周组织", &town, Post::Staff).await;
        let speaker = h.cadre("王书记", &town, Post::Principal).await;
        let staff = h.cadre("李明", &town, Post::Staff).await;
        let village_head = h.cadre("郑书记", &village, Post::Principal).await;
        let villager = h.cadre("陈村", &village, Post::Staff).await;
        h.sync().await;
        let mut org = h.org();
        let mut town_officer = h.as_person(&officer, &[Role::TownOfficer]);
        let mut village_leader = h.as_person(&village_head, &[Role::UnitLeader]);

        // The district sets the year's themes and minimums; nobody else does.
        let plan = pb::SetDistrictPlanRequest {
            request_id: rid(),
            year: 2026,
            themes: vec![
                pb::Theme { title: "学习贯彻党的创新理论".into(), ..Default::default() },
                pb::Theme {
                    title: "乡村振兴".into(), description: "基层治理".into(), ..Default::default()
                },
            ],
            district_minimum: 6,
            unit_minimum: 4,
            village_minimum: 3,
        };
        let status = town_officer.set_district_plan(plan.clone()).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "{backend}");
        let mut bad = plan.clone();
        bad.unit_minimum = -1;
        bad.request_id = rid();
        let status = org.set_district_plan(bad).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_PLAN", Some("unit_minimum"));
        let set = org.set_district_plan(plan).await.unwrap().into_inner().plan.unwrap();
        assert_eq!((set.themes.len(), set.village_minimum, set.set_by_district), (2, 3, true));
        let unset = h
            .as_cadre(&staff)
            .get_district_plan(pb::GetDistrictPlanRequest { year: 2027 })
            .await
            .unwrap()
            .into_inner();
        let unset = unset.plan.unwrap();
        assert_eq!(
            (unset.unit_minimum, unset.village_minimum, unset.set_by_district),
            (4, 2, false),
            "the policy's defaults"
        );

        let town_forum = try_propose(&mut town_officer, &town, pb::ForumLevel::Unit).await.unwrap();
        try_approve(&mut org, &town_forum.id).await.unwrap();
        let village_forum =
            try_propose(&mut village_leader, &village, pb::ForumLevel::Village).await.unwrap();
        try_approve(&mut town_officer, &village_forum.id).await.unwrap();

        // A plan below the level's minimum is flagged short.
        let plan_year = |forum: &str, planned: i32| pb::PlanForumYearRequest {
            request_id: rid(),
            forum_id: forum.to_owned(),
            year: 2026,
            planned_sessions: planned,
        };
        let short = town_officer
            .plan_forum_year(plan_year(&town_forum.id, 3))
            .await
            .unwrap()
            .into_inner()
            .plan
            .unwrap();
        assert_eq!((short.minimum_sessions, short.short), (4, true), "{backend}");
        let enough = village_leader
            .plan_forum_year(plan_year(&village_forum.id, 3))
            .await
            .unwrap()
            .into_inner()
            .plan
            .unwrap();
        assert_eq!((enough.minimum_sessions, enough.short), (3, false));
        let status = village_leader.plan_forum_year(plan_year(&town_forum.id, 5)).await.unwrap_err();
        assert_error(&status, Code::NotFound, "FORUM_NOT_FOUND", None);

        // A theme must be one of the session's year.
        let mut themed =
            session_request(&town_forum.id, &speaker, "2026-03-02T01:00:00Z", "2026-03-02T03:00:00Z");
        themed.theme_id = set.themes[1].id.clone();
        let first = schedule(&mut town_officer, themed).await;
        assert_eq!(first.theme_id, set.themes[1].id);
        let mut wrong_year =
            session_request(&town_forum.id, &speaker, "2025-12-02T01:00:00Z", "2025-12-02T03:00:00Z");
        wrong_year.theme_id = set.themes[0].id.clone();
        let status = town_officer.schedule_session(wrong_year).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "THEME_NOT_IN_PLAN", Some("theme_id"));

        // Setting the plan again keeps the themes' ids: a theme given by id is updated in place (the session
        // still refers to it), one without an id is new, one left out is dropped, but not while a session
        // refers to it.
        let replan = |themes: Vec<pb::Theme>| pb::SetDistrictPlanRequest {
            request_id: rid(),
            year: 2026,
            themes,
            district_minimum: 6,
            unit_minimum: 4,
            village_minimum: 3,
        };
        let kept = pb::Theme {
            id: set.themes[1].id.clone(),
            title: "乡村振兴与基层治理".into(),
            description: String::new(),
        };
        let added = pb::Theme { title: "依法行政".into(), ..Default::default() };
        let replanned = org
            .set_district_plan(replan(vec![kept.clone(), added]))
            .await
            .unwrap_or_else(|s| panic!("{backend}: {s:?}"))
            .into_inner()
            .plan
            .unwrap();
        let titles: Vec<(&str, &str)> =
            replanned.themes.iter().map(|t| (t.id.as_str(), t.title.as_str())).collect();
        assert_eq!(titles[0], (first.theme_id.as_str(), "乡村振兴与基层治理"), "{backend}");
        assert_eq!(titles[1].1, "依法行政");
        assert!(!set.themes.iter().any(|t| t.id == titles[1].0), "a new theme, a new id");
        let read = org
            .get_district_plan(pb::GetDistrictPlanRequest { year: 2026 })
            .await
            .unwrap()
            .into_inner()
            .plan
            .unwrap();
        assert_eq!(read.themes, replanned.themes, "{backend}");
        let before = h.snapshot().await;
        let status = org.set_district_plan(replan(vec![])).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "THEME_IN_USE", None);
        let unknown = pb::Theme { id: "no-such-theme".into(), title: "x".into(), ..Default::default() };
        let status = org.set_district_plan(replan(vec![kept.clone(), unknown])).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "THEME_NOT_IN_PLAN", Some("themes[1].id"));
        let status = org.set_district_plan(replan(vec![kept.clone(), kept.clone()])).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_PLAN", Some("themes[1].id"));
        assert_eq!(h.snapshot().await, before, "{backend}: nothing written");
        let read = org
            .get_district_plan(pb::GetDistrictPlanRequest { year: 2026 })
            .await
            .unwrap()
            .into_inner()
            .plan
            .unwrap();
        assert_eq!(read.themes, replanned.themes, "{backend}: the refused plans changed nothing");

        // A session's instants are of the suite's years: far ones are refused, not computed with.
        for year in [3000, 1989, 262_000] {
            let mut far =
                session_request(&town_forum.id, &speaker, "2026-03-02T01:00:00Z", "2026-03-02T03:00:00Z");
            far.start_time = Some(on_new_year(year, 1));
            far.end_time = Some(on_new_year(year, 3));
            let status = town_officer.schedule_session(far).await.unwrap_err();
            assert_error(&status, Code::InvalidArgument, "INVALID_SESSION", Some("start_time"));
            assert_error(&status, Code::InvalidArgument, "INVALID_SESSION", Some("end_time"));
        }
        let mut overflow =
            session_request(&town_forum.id, &speaker, "2026-03-02T01:00:00Z", "2026-03-02T03:00:00Z");
        overflow.end_time = Some(prost_types::Timestamp { seconds: i64::MAX, nanos: 0 });
        let status = town_officer.schedule_session(overflow).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_SESSION", Some("end_time"));
        let mut guest =
            session_request(&town_forum.id, &speaker, "2026-03-03T01:00:00Z", "2026-03-03T03:00:00Z");
        guest.speaker =
            Some(pb::Speaker {
                name: "张教授".into(), affiliation: "市委党校".into(), ..Default::default()
            });
        let second = schedule(&mut town_officer, guest).await;
        let mut unknown =
            session_request(&town_forum.id, &speaker, "2026-03-03T01:00:00Z", "2026-03-03T03:00:00Z");
        unknown.speaker = Some(pb::Speaker { cadre_id: "nobody".into(), ..Default::default() });
        let status = town_officer.schedule_session(unknown).await.unwrap_err();
        assert_error(&status, Code::NotFound, "SPEAKER_NOT_FOUND", Some("speaker.cadre_id"));
        let mut backwards =
            session_request(&town_forum.id, &speaker, "2026-03-03T03:00:00Z", "2026-03-03T01:00:00Z");
        backwards.place = String::new();
        let status = town_officer.schedule_session(backwards).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_SESSION", Some("end_time"));
        let third = schedule(
            &mut village_leader,
            session_request(&village_forum.id, &village_head, "2026-03-04T01:00:00Z", "2026-03-04T03:00:00Z"),
        )
        .await;
        // An unheld session counts for nothing.
        let later = schedule(
            &mut town_officer,
            session_request(&town_forum.id, &speaker, "2026-03-20T01:00:00Z", "2026-03-20T03:00:00Z"),
        )
        .await;

        let sheet = |session: &str, people: &[&harness::Person]| pb::ImportSignInSheetRequest {
            request_id: rid(),
            session_id: session.to_owned(),
            rows: people
                .iter()
                .map(|p| pb::SignInRow { cadre_id: p.cadre_id.clone(), external_id: String::new() })
                .collect(),
        };
        // Nobody has attended a session that has not started: no sheet, no correction adds anyone.
        let before = h.snapshot().await;
        let status = town_officer.import_sign_in_sheet(sheet(&later.id, &[&staff])).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "SESSION_NOT_STARTED", None);
        let status = town_officer
            .correct_attendance(pb::CorrectAttendanceRequest {
                request_id: rid(),
                session_id: later.id.clone(),
                cadre_id: staff.cadre_id.clone(),
                action: pb::CorrectionAction::Add as i32,
                reason: "漏签".into(),
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "SESSION_NOT_STARTED", None);
        assert_eq!(h.snapshot().await, before, "{backend}: nothing written");

        town_officer.import_sign_in_sheet(sheet(&first.id, &[&staff, &villager, &officer])).await.unwrap();
        town_officer.import_sign_in_sheet(sheet(&second.id, &[&staff])).await.unwrap();
        village_leader.import_sign_in_sheet(sheet(&third.id, &[&villager])).await.unwrap();

        // The sessions' pages carry each session's audience and attendances (read for the page at once).
        let mut listed = Vec::new();
        let mut token = String::new();
        loop {
            let page = org
                .list_sessions(pb::ListSessionsRequest {
                    org_unit_id: town.clone(),
                    page_size: 3,
                    page_token: token,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            listed.extend(page.sessions);
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        assert_eq!(listed.len(), 4, "{backend}");
        for session in &listed {
            let one = org
                .get_session(pb::GetSessionRequest { session_id: session.id.clone() })
                .await
                .unwrap()
                .into_inner()
                .session
                .unwrap();
            assert_eq!(session, &one, "{backend}");
        }
        let counts: Vec<i32> = listed.iter().map(|s| s.attendance_count).collect();
        assert_eq!(counts, vec![3, 1, 1, 0], "{backend}");

        // What counts is what was held: recorded attendances at sessions not yet recorded as held are on no
        // ledger, in no shortfall's minutes and in no statistics.
        let ledger_of = |who: &harness::Person| pb::GetLearningLedgerRequest {
            cadre_id: who.cadre_id.clone(),
            year: 2026,
        };
        let unheld = org.get_learning_ledger(ledger_of(&staff)).await.unwrap().into_inner();
        assert_eq!((unheld.attended_minutes, unheld.entries.len()), (0, 0), "{backend}: {unheld:?}");
        let unheld = org
            .list_learning_shortfalls(pb::ListLearningShortfallsRequest {
                year: 2026,
                org_unit_id: town.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(unheld.shortfalls.iter().all(|s| s.minutes == 0), "{backend}: {unheld:?}");
        let march = || pb::GetForumStatisticsRequest {
            org_unit_id: String::new(),
            start_from: Some(date("2026-03-01")),
            start_until: Some(date("2026-03-31")),
            level: 0,
        };
        let unheld = h.committee().get_forum_statistics(march()).await.unwrap().into_inner();
        let unheld = unheld.total.unwrap();
        assert_eq!((unheld.held_sessions, unheld.attendances), (0, 0), "{backend}");
        for session in [&first, &second] {
            town_officer
                .mark_session_held(pb::MarkSessionHeldRequest {
                    request_id: rid(),
                    session_id: session.id.clone(),
                })
                .await
                .unwrap();
        }
        village_leader
            .mark_session_held(pb::MarkSessionHeldRequest { request_id: rid(), session_id: third.id.clone() })
            .await
            .unwrap();

        let ledger = org.get_learning_ledger(ledger_of(&staff)).await.unwrap().into_inner();
        assert_eq!((ledger.attended_minutes, ledger.total_minutes), (240, 240), "{backend}");
        let lines: Vec<(&str, &str, bool)> =
            ledger.entries.iter().map(|e| (e.session_id.as_str(), e.topic.as_str(), e.teaching)).collect();
        assert_eq!(
            lines,
            vec![
                (first.id.as_str(), first.topic.as_str(), false),
                (second.id.as_str(), second.topic.as_str(), false)
            ]
        );

        // Speakers' duties page by page: a guest's session is no one's duty, and does not cut a page short.
        let mut duties = Vec::new();
        let mut token = String::new();
        loop {
            let page = org
                .list_speaker_duties(pb::ListSpeakerDutiesRequest {
                    cadre_ids: vec![],
                    start_from: Some(date("2026-03-01")),
                    start_until: Some(date("2026-03-31")),
                    page_size: 1,
                    page_token: token,
                })
                .await
                .unwrap()
                .into_inner();
            assert!(page.duties.len() == 1 || page.next_page_token.is_empty(), "{backend}: {page:?}");
            duties.extend(page.duties.into_iter().map(|d| d.session_id));
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        assert_eq!(duties, vec![first.id.clone(), third.id.clone(), later.id.clone()], "{backend}");

        // Completion rolls up: the town's figures include its village's forum.
        let completion = org
            .get_plan_completion(pb::GetPlanCompletionRequest { year: 2026, org_unit_id: town.clone() })
            .await
            .unwrap()
            .into_inner();
        let total = completion.total.unwrap();
        assert_eq!(
            (
                total.forums,
                total.planned_sessions,
                total.minimum_sessions,
                total.held_sessions,
                total.short_plans
            ),
            (2, 6, 7, 3, 1),
            "{backend}"
        );
        assert_eq!((total.planned_completion_bp, total.minimum_completion_bp), (5000, 4285));
        let village_row =
            completion.units.iter().find(|u| u.org_unit_id == village).expect("the village's row");
        assert_eq!((village_row.forums, village_row.held_sessions, village_row.planned_sessions), (1, 1, 3));
        let district = org
            .get_plan_completion(pb::GetPlanCompletionRequest { year: 2026, org_unit_id: String::new() })
            .await
            .unwrap();
        assert_eq!(district.into_inner().total.unwrap().held_sessions, 3);
        let status = village_leader
            .get_plan_completion(pb::GetPlanCompletionRequest { year: 2026, org_unit_id: town.clone() })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);

        // Shortfalls: everyone under the quota of 720 minutes, fewest first, with their minutes.
        let shortfalls = org
            .list_learning_shortfalls(pb::ListLearningShortfallsRequest {
                year: 2026,
                org_unit_id: town.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(shortfalls.quota_minutes, 720);
        let minutes: Vec<(String, i32)> =
            shortfalls.shortfalls.iter().map(|s| (s.cadre_name.clone(), s.minutes)).collect();
        assert_eq!(minutes.len(), 5, "{backend}: {minutes:?}");
        assert!(minutes.windows(2).all(|w| w[0].1 <= w[1].1), "{minutes:?}");
        let of = |name: &str| minutes.iter().find(|(n, _)| n == name).map(|(_, m)| *m);
        assert_eq!(of("李明"), Some(240));
        assert_eq!(of("陈村"), Some(240));
        assert_eq!(of("王书记"), Some(120), "the speaker's teaching counts");
        assert_eq!(of("郑书记"), Some(120));
        let page = org
            .list_learning_shortfalls(pb::ListLearningShortfallsRequest {
                year: 2026,
                org_unit_id: town.clone(),
                page_size: 2,
                page_token: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.shortfalls.len(), 2);
        let rest = org
            .list_learning_shortfalls(pb::ListLearningShortfallsRequest {
                year: 2026,
                org_unit_id: town.clone(),
                page_size: 10,
                page_token: page.next_page_token,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(rest.shortfalls.len(), 3);
        // The village's subtree is its own people only; the whole district counts the same minutes.
        let village_short = org
            .list_learning_shortfalls(pb::ListLearningShortfallsRequest {
                year: 2026,
                org_unit_id: village.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let village_minutes: Vec<(String, i32)> =
            village_short.shortfalls.iter().map(|s| (s.cadre_name.clone(), s.minutes)).collect();
        assert_eq!(village_minutes, vec![("郑书记".to_owned(), 120), ("陈村".to_owned(), 240)], "{backend}");
        let district_short = org
            .list_learning_shortfalls(pb::ListLearningShortfallsRequest { year: 2026, ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        let mut district_minutes: Vec<(String, i32)> =
            district_short.shortfalls.iter().map(|s| (s.cadre_name.clone(), s.minutes)).collect();
        let mut town_minutes = minutes.clone();
        district_minutes.sort();
        town_minutes.sort();
        assert_eq!(district_minutes, town_minutes, "{backend}");

        // Statistics per level over a period.
        let stats = h.committee().get_forum_statistics(march()).await.unwrap().into_inner();
        let unit = stats.levels.iter().find(|l| l.level == pb::ForumLevel::Unit as i32).unwrap();
        assert_eq!(
            (unit.active_forums, unit.held_sessions, unit.attendances, unit.distinct_attendees),
            (1, 2, 4, 3),
            "{backend}"
        );
        let total = stats.total.unwrap();
        assert_eq!(
            (total.active_forums, total.held_sessions, total.attendances, total.distinct_attendees),
            (2, 3, 5, 3)
        );
        assert_eq!(
            total.expected_audience,
            first.expected_audience + second.expected_audience + third.expected_audience
        );
        assert_eq!(
            total.attendance_rate_bp,
            i32::try_from(5 * 10_000 / i64::from(total.expected_audience)).unwrap()
        );
        // The total sums the levels, but for the distinct attendees: 陈村 attended at both levels.
        let village_level = stats.levels.iter().find(|l| l.level == pb::ForumLevel::Village as i32).unwrap();
        assert_eq!(
            (
                village_level.active_forums,
                village_level.held_sessions,
                village_level.attendances,
                village_level.distinct_attendees
            ),
            (1, 1, 1, 1),
            "{backend}"
        );
        let sum = |f: fn(&pb::ForumStatistics) -> i32| stats.levels.iter().map(f).sum::<i32>();
        assert_eq!(
            (sum(|l| l.held_sessions), sum(|l| l.attendances), sum(|l| l.expected_audience)),
            (total.held_sessions, total.attendances, total.expected_audience)
        );
        assert_eq!(sum(|l| l.distinct_attendees), 4);
        let unit_only = h
            .committee()
            .get_forum_statistics(pb::GetForumStatisticsRequest {
                level: pb::ForumLevel::Unit as i32,
                ..march()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(unit_only.levels, vec![*unit], "{backend}");
        assert_eq!(unit_only.total, Some(*unit));
        let none = h
            .committee()
            .get_forum_statistics(pb::GetForumStatisticsRequest {
                org_unit_id: String::new(),
                start_from: Some(date("2026-04-01")),
                start_until: Some(date("2026-04-30")),
                level: pb::ForumLevel::Unit as i32,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(none.total.unwrap().held_sessions, 0);
        let status = h
            .committee()
            .get_forum_statistics(pb::GetForumStatisticsRequest {
                start_from: Some(date("2026-04-30")),
                start_until: Some(date("2026-04-01")),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_FILTER", Some("start_until"));
        h.stop().await;
    }
}

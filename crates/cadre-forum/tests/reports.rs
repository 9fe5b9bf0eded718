//! The annual plan (themes, minimums, short plans, completion rolled up the unit tree), the learning quota's
//! shortfalls and the statistics per level. On SQLite and PostgreSQL.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::forum as pb;
use harness::{Harness, Post, assert_error, date, rid, schedule, session_request, try_approve, try_propose};
use tonic::Code;

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
        schedule(
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
        town_officer.import_sign_in_sheet(sheet(&first.id, &[&staff, &villager, &officer])).await.unwrap();
        town_officer.import_sign_in_sheet(sheet(&second.id, &[&staff])).await.unwrap();
        village_leader.import_sign_in_sheet(sheet(&third.id, &[&villager])).await.unwrap();
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

        // Statistics per level over a period.
        let stats = h
            .committee()
            .get_forum_statistics(pb::GetForumStatisticsRequest {
                org_unit_id: String::new(),
                start_from: Some(date("2026-03-01")),
                start_until: Some(date("2026-03-31")),
                level: 0,
            })
            .await
            .unwrap()
            .into_inner();
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

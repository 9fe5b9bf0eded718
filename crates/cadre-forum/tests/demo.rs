//! `cadre dev`: with the directory's demo district, the forum service creates the forums of the speech
//! (1 大讲坛, 57 小讲坛, 48 微讲坛, all approved) and the sessions held since the district head's first
//! lecture on 1 May of last year, with about 20 000 attendances; the statistics over the district for that
//! period show them. On SQLite and PostgreSQL.

mod harness;

use std::time::Duration;

use cadre_platform::testing::TestDatabase;
use cadre_proto::forum as pb;
use harness::{Harness, date};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_district_has_its_forums_sessions_and_attendances() {
    for database in TestDatabase::each() {
        let h = Harness::start_demo(database, "2026-03-02T02:00:00Z").await;
        let backend = h.backend;
        let mut committee = h.committee();
        let request = || pb::GetForumStatisticsRequest {
            org_unit_id: String::new(),
            start_from: Some(date("2025-05-01")),
            start_until: Some(date("2026-03-02")),
            level: 0,
        };
        // The demo is written in one transaction once the projection has the district.
        let mut waited = 0;
        let stats = loop {
            let stats = committee.get_forum_statistics(request()).await.expect("the statistics").into_inner();
            if stats.total.as_ref().is_some_and(|t| t.active_forums > 0) || waited > 1200 {
                break stats;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
        };
        let by_level =
            |level: pb::ForumLevel| *stats.levels.iter().find(|l| l.level == level as i32).unwrap();
        let active: Vec<i32> = [pb::ForumLevel::District, pb::ForumLevel::Unit, pb::ForumLevel::Village]
            .map(|l| by_level(l).active_forums)
            .to_vec();
        assert_eq!(active, vec![1, 57, 48], "{backend}");
        let total = stats.total.unwrap();
        assert!(total.held_sessions >= 520, "{backend}: {total:?}");
        assert!((19_000..=21_000).contains(&total.attendances), "{backend}: {total:?}");
        assert!(
            total.distinct_attendees > 1_000
                && total.attendance_rate_bp > 0
                && total.attendance_rate_bp <= 10_000
        );

        // The district head gave the first lecture on 1 May of last year.
        let district = h
            .org()
            .list_forums(pb::ListForumsRequest {
                level: pb::ForumLevel::District as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .forums;
        let first = h
            .org()
            .list_sessions(pb::ListSessionsRequest {
                forum_id: district[0].id.clone(),
                page_size: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .sessions;
        let speaker = first[0].speaker.clone().unwrap();
        let principal = h
            .directory
            .clone()
            .get_cadre(cadre_proto::directory::GetCadreRequest { id: speaker.cadre_id.clone() })
            .await
            .expect("the speaker is a cadre")
            .into_inner()
            .cadre
            .unwrap();
        assert_eq!(principal.post.unwrap().title, "区委书记", "{backend}");
        let start = first[0].start_time.unwrap();
        assert_eq!(start.seconds, harness::t("2025-05-01T01:00:00Z").timestamp(), "{backend}");
        h.stop().await;
    }
}

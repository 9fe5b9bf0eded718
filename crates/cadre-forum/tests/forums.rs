//! Forums at three levels: the level from the unit's kind, approval by the level above only, one open forum
//! per unit, suspension and closing; refusals write nothing, retries return the first answer. On SQLite
//! and PostgreSQL.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::forum as pb;
use harness::{Harness, Post, assert_error, rid, session_request, try_approve, try_propose};
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forums_are_approved_by_the_level_above() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-02T02:00:00Z").await;
        let backend = h.backend;
        let town = h.unit("T01", "青山镇", "town", None).await;
        let other_town = h.unit("T02", "白鹭镇", "town", None).await;
        let village = h.unit("T01V01", "红星村", "village", Some(&town)).await;
        let bureau = h.unit("U01", "区财政局", "district_unit", None).await;
        let officer = h.cadre("周组织", &town, Post::Staff).await;
        let other_officer = h.cadre("吴组织", &other_town, Post::Staff).await;
        let village_head = h.cadre("郑书记", &village, Post::Principal).await;
        let bureau_head = h.cadre("钱局长", &bureau, Post::Principal).await;
        h.sync().await;
        let mut town_officer = h.as_person(&officer, &[Role::TownOfficer]);
        let mut wrong_town = h.as_person(&other_officer, &[Role::TownOfficer]);
        let mut village_leader = h.as_person(&village_head, &[Role::UnitLeader]);
        let mut bureau_leader = h.as_person(&bureau_head, &[Role::UnitLeader]);
        let mut org = h.org();

        // The level follows from the kind: a village holds a 微讲坛, not a 小讲坛.
        let before = h.snapshot().await;
        let status = try_propose(&mut village_leader, &village, pb::ForumLevel::Unit).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "LEVEL_MISMATCH", Some("level"));
        assert_eq!(h.snapshot().await, before, "{backend}: nothing written");

        let request = pb::ProposeForumRequest {
            request_id: rid(),
            owner_unit_id: village.clone(),
            level: pb::ForumLevel::Unspecified as i32,
            name: "红星村微讲坛".into(),
            description: "村干部讲政策".into(),
        };
        let forum = village_leader.propose_forum(request.clone()).await.unwrap().into_inner().forum.unwrap();
        assert_eq!(forum.level, pb::ForumLevel::Village as i32, "{backend}");
        assert_eq!(forum.status, pb::ForumStatus::Proposed as i32);
        assert_eq!(forum.approving_unit_id, town, "a village forum goes to its own town");
        // A retry under the same request id is the first answer; the same id with another payload is refused.
        let again = village_leader.propose_forum(request.clone()).await.unwrap().into_inner().forum.unwrap();
        assert_eq!(again.id, forum.id);
        assert_eq!(h.count("forums").await, 1, "{backend}");
        let mut changed = request.clone();
        changed.name = "另一个名字".into();
        let status = village_leader.propose_forum(changed).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "REQUEST_ID_REUSED", Some("request_id"));
        // One open forum per unit.
        let status = try_propose(&mut town_officer, &village, pb::ForumLevel::Village).await.unwrap_err();
        assert_error(&status, Code::AlreadyExists, "FORUM_EXISTS", None);

        // Only an active forum holds sessions.
        let speaker = village_head.clone();
        let status = village_leader
            .schedule_session(session_request(
                &forum.id,
                &speaker,
                "2026-03-05T01:00:00Z",
                "2026-03-05T03:00:00Z",
            ))
            .await
            .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "FORUM_NOT_ACTIVE", None);

        // Another town, and the org department, are not this village's level above.
        let before = h.snapshot().await;
        let status = try_approve(&mut wrong_town, &forum.id).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "WRONG_APPROVING_LEVEL", None);
        let status = try_approve(&mut org, &forum.id).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "WRONG_APPROVING_LEVEL", None);
        let status = try_approve(&mut village_leader, &forum.id).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "WRONG_APPROVING_LEVEL", None);
        assert_eq!(h.snapshot().await, before, "{backend}: nothing written");
        let approved = try_approve(&mut town_officer, &forum.id).await.expect("the town approves");
        assert_eq!(approved.status, pb::ForumStatus::Active as i32);
        assert_eq!(approved.approved_on, Some(harness::date("2026-03-02")));
        let status = try_approve(&mut town_officer, &forum.id).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "FORUM_NOT_PROPOSED", None);
        let events = h.feed_events("care", "cadre.forum.v1.ForumApprovedEvent").await;
        assert_eq!(events.len(), 1, "{backend}");

        // A town's forum goes to the org department, not to the town itself.
        let town_forum = try_propose(&mut town_officer, &town, pb::ForumLevel::Unit).await.unwrap();
        assert_eq!(town_forum.approving_unit_id, "");
        let status = try_approve(&mut town_officer, &town_forum.id).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "WRONG_APPROVING_LEVEL", None);
        try_approve(&mut org, &town_forum.id).await.expect("the org department approves");

        // The district's forum: the org department approves it too, but nobody their own proposal.
        let district =
            try_propose(&mut org, &h.root_unit_id.clone(), pb::ForumLevel::District).await.unwrap();
        assert_eq!(district.level, pb::ForumLevel::District as i32);
        let status = try_approve(&mut org, &district.id).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "OWN_PROPOSAL", None);
        try_approve(&mut h.org_named("org-officer-2"), &district.id).await.expect("a colleague approves");

        // Suspension (with a reason, by the level above) stops sessions until resumed.
        let suspend = |reason: &str| pb::SuspendForumRequest {
            request_id: rid(),
            forum_id: forum.id.clone(),
            reason: reason.to_owned(),
        };
        let status = town_officer.suspend_forum(suspend("")).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_REQUEST", Some("reason"));
        let status = wrong_town.suspend_forum(suspend("整顿")).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "WRONG_APPROVING_LEVEL", None);
        let suspended =
            town_officer.suspend_forum(suspend("整顿学风")).await.unwrap().into_inner().forum.unwrap();
        assert_eq!(
            (suspended.status, suspended.status_reason.as_str()),
            (pb::ForumStatus::Suspended as i32, "整顿学风")
        );
        let status = village_leader
            .schedule_session(session_request(
                &forum.id,
                &speaker,
                "2026-03-05T01:00:00Z",
                "2026-03-05T03:00:00Z",
            ))
            .await
            .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "FORUM_NOT_ACTIVE", None);
        let resumed = town_officer
            .resume_forum(pb::ResumeForumRequest { request_id: rid(), forum_id: forum.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .forum
            .unwrap();
        assert_eq!(resumed.status, pb::ForumStatus::Active as i32);
        village_leader
            .schedule_session(session_request(
                &forum.id,
                &speaker,
                "2026-03-05T01:00:00Z",
                "2026-03-05T03:00:00Z",
            ))
            .await
            .expect("an active forum holds sessions");

        // Closing frees the unit for a new forum.
        let bureau_forum =
            try_propose(&mut bureau_leader, &bureau, pb::ForumLevel::Unspecified).await.unwrap();
        assert_eq!(bureau_forum.level, pb::ForumLevel::Unit as i32);
        let closed = bureau_leader
            .close_forum(pb::CloseForumRequest {
                request_id: rid(),
                forum_id: bureau_forum.id.clone(),
                reason: "撤回".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .forum
            .unwrap();
        assert_eq!(closed.status, pb::ForumStatus::Closed as i32);
        try_propose(&mut bureau_leader, &bureau, pb::ForumLevel::Unit)
            .await
            .expect("a new forum after closing");
        // Another unit's leader does not see the bureau as theirs to propose for.
        let status = try_propose(&mut village_leader, &bureau, pb::ForumLevel::Unit).await.unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);

        let villages = h
            .committee()
            .list_forums(pb::ListForumsRequest {
                level: pb::ForumLevel::Village as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .forums;
        assert_eq!(
            villages.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            vec![forum.id.as_str()],
            "{backend}"
        );
        let all = h
            .org()
            .list_forums(pb::ListForumsRequest { page_size: 2, ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(all.forums.len(), 2);
        assert!(!all.next_page_token.is_empty());
        h.stop().await;
    }
}

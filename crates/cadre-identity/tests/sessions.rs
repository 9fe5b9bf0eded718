//! How sessions end: logout, idleness, their absolute end, an administrator, a password change. Time passing
//! is simulated by moving a session's stored times back, so that the limits stay those of the default
//! configuration. On SQLite and PostgreSQL.

mod harness;

use cadre_platform::testing::TestDatabase;
use cadre_platform::{clock, idempotency};
use cadre_proto::identity as pb;
use chrono::Duration;
use harness::{Harness, OTHER_PASSWORD, PASSWORD, assert_error, reason, rid};
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_by_logout_idleness_expiry_and_revocation() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let backend = h.backend;
        let cadre = h.cadre_with_password("liu.yang").await;
        let other = h.cadre_with_password("he.jun").await;
        let mut me = h.client_of(&cadre);

        // Logout ends the caller's own session only.
        let mine = h.session("liu.yang").await;
        let theirs = h.session("he.jun").await;
        let logout = |token: &str| pb::LogoutRequest { request_id: rid(), session_token: token.into() };
        let err = me.logout(logout(&theirs.session_token)).await.unwrap_err();
        assert_error(&err, Code::NotFound, "SESSION_NOT_FOUND", Some("session_token"));
        assert!(
            h.authenticate(&theirs.session_token).await.is_ok(),
            "{backend}: another's session is untouched"
        );
        let err = me.logout(logout("not-a-token")).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "MALFORMED_CREDENTIAL", Some("session_token"));
        let request = logout(&mine.session_token);
        let out = me.logout(request.clone()).await.unwrap().into_inner();
        assert_eq!(out.session_id, mine.session_id);
        assert_eq!(me.logout(request).await.unwrap().into_inner(), out, "a retry replays");
        let err = h.authenticate(&mine.session_token).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "SESSION_REVOKED", None);

        // A use is written down at most once a minute.
        let busy = h.session("liu.yang").await;
        let (_, expires) = h.session_times(&busy.session_id).await;
        let two_minutes_ago = clock::now() - Duration::minutes(2);
        h.age_session(&busy.session_id, two_minutes_ago, expires).await;
        h.authenticate(&busy.session_token).await.unwrap();
        let (seen, _) = h.session_times(&busy.session_id).await;
        assert!(seen > two_minutes_ago + Duration::seconds(100), "the use was recorded");
        h.authenticate(&busy.session_token).await.unwrap();
        assert_eq!(h.session_times(&busy.session_id).await.0, seen, "not written again within the minute");

        // Idle past the limit (30 minutes by default).
        let idle = h.session("liu.yang").await;
        let (_, expires) = h.session_times(&idle.session_id).await;
        h.age_session(&idle.session_id, clock::now() - Duration::minutes(29), expires).await;
        h.authenticate(&idle.session_token).await.expect("29 minutes idle is still fine");
        h.age_session(&idle.session_id, clock::now() - Duration::minutes(31), expires).await;
        let err = h.authenticate(&idle.session_token).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "SESSION_IDLE", None);

        // Past the absolute end, however busy.
        let old = h.session("liu.yang").await;
        let now = clock::now();
        h.age_session(&old.session_id, now, now - Duration::seconds(1)).await;
        let err = h.authenticate(&old.session_token).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "SESSION_EXPIRED", None);

        // An administrator ends every live session of the account: `busy` and `idle` (not yet over by its
        // absolute end), not the logged-out or expired ones.
        let revoke = pb::RevokeSessionsRequest { request_id: rid(), account_id: cadre.id.clone() };
        let revoked = h.admin.revoke_sessions(revoke.clone()).await.unwrap().into_inner();
        assert_eq!(revoked.revoked_session_count, 2);
        assert_eq!(h.admin.revoke_sessions(revoke).await.unwrap().into_inner(), revoked, "a retry replays");
        let err = h.authenticate(&busy.session_token).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "SESSION_REVOKED", None);
        assert!(h.authenticate(&theirs.session_token).await.is_ok(), "another account's session lives on");
        let again = pb::RevokeSessionsRequest { request_id: rid(), account_id: cadre.id.clone() };
        assert_eq!(h.admin.revoke_sessions(again).await.unwrap().into_inner().revoked_session_count, 0);
        let by_other = pb::RevokeSessionsRequest { request_id: rid(), account_id: cadre.id.clone() };
        let err = h.client_of(&other).revoke_sessions(by_other).await.unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied);

        let events = h.event_types().await;
        let revocations = events.iter().filter(|t| *t == "cadre.identity.v1.SessionsRevokedEvent").count();
        assert_eq!(revocations, 2, "logout and the revocation: {events:?}");
        let audit = h.audit().await;
        assert!(audit.iter().any(|r| r.method.ends_with("/Logout") && r.object_id == mine.session_id));
        assert!(audit.iter().any(|r| r.method.ends_with("/RevokeSessions") && r.object_id == cadre.id));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_ends_the_other_sessions() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let cadre = h.cadre_with_password("ma.li").await;
        let mut me = h.client_of(&cadre);
        let kept = h.session("ma.li").await;
        let other = h.session("ma.li").await;
        let change = |current: &str, new: &str| pb::ChangePasswordRequest {
            request_id: rid(),
            current_password: current.into(),
            new_password: new.into(),
            keep_session_token: kept.session_token.clone(),
        };

        let err = me.change_password(change("Wrong-Password-1", OTHER_PASSWORD)).await.unwrap_err();
        assert_error(&err, Code::PermissionDenied, "INVALID_CREDENTIALS", Some("current_password"));
        let err = me.change_password(change(PASSWORD, "weakweakweak")).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "WEAK_PASSWORD", Some("new_password"));
        let err = me.change_password(change(PASSWORD, "Ma.Li-new-password-1")).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "WEAK_PASSWORD", Some("new_password"));

        let request = change(PASSWORD, OTHER_PASSWORD);
        let changed = me.change_password(request.clone()).await.unwrap().into_inner();
        assert_eq!(changed.revoked_session_count, 1);
        // What is kept for replays is the request without its passwords, its token replaced by a digest: no
        // fast hash of a password is ever stored.
        assert!(!h.fingerprint_stored(&idempotency::fingerprint(&request)).await);
        let redacted = pb::ChangePasswordRequest {
            request_id: request.request_id.clone(),
            keep_session_token: cadre_authn::opaque::digest(&kept.session_token),
            ..Default::default()
        };
        assert!(h.fingerprint_stored(&idempotency::fingerprint(&redacted)).await);
        // A retry replays, although the current password it carries is no longer the one.
        assert_eq!(me.change_password(request.clone()).await.unwrap().into_inner(), changed);
        let reused = pb::ChangePasswordRequest { keep_session_token: String::new(), ..request };
        let err = me.change_password(reused).await.unwrap_err();
        assert_eq!(reason(&err), "REQUEST_ID_REUSED");

        assert_eq!(h.authenticate(&kept.session_token).await.unwrap().session_id, kept.session_id);
        let err = h.authenticate(&other.session_token).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "SESSION_REVOKED", None);
        let err = h.login("ma.li", PASSWORD, "").await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "INVALID_CREDENTIALS", None);
        h.login("ma.li", OTHER_PASSWORD, "").await.expect("the new password signs in");

        // Without a session to keep, every session ends.
        let all = pb::ChangePasswordRequest {
            request_id: rid(),
            current_password: OTHER_PASSWORD.into(),
            new_password: PASSWORD.into(),
            keep_session_token: String::new(),
        };
        assert_eq!(me.change_password(all).await.unwrap().into_inner().revoked_session_count, 2);
        let err = h.authenticate(&kept.session_token).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "SESSION_REVOKED", None);

        // The wrong current password counted towards the lockout, and was audited.
        let audit = h.audit().await;
        assert!(
            audit
                .iter()
                .any(|r| r.method.ends_with("/ChangePassword") && r.outcome == "DENIED:INVALID_CREDENTIALS")
        );
        h.stop().await;
    }
}

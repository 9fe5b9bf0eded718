//! Passwords, sign-in, lockout and Authenticate over a real socket, with the real directory, on SQLite and
//! PostgreSQL.

mod harness;

use cadre_platform::testing::{TestDatabase, person};
use cadre_proto::{directory as dir, identity as pb};
use harness::{Harness, OTHER_PASSWORD, PASSWORD, assert_error, assert_error_in, reason, rid};
use tonic::Code;
use tonic_types::StatusExt as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_signs_in_and_the_session_authenticates() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let backend = h.backend;
        let cadre = h.person("li.ming", &[dir::Role::Cadre]).await;

        // A weak password is refused, naming the field.
        let weak = pb::SetPasswordRequest {
            request_id: rid(),
            account_id: cadre.id.clone(),
            password: "short".into(),
        };
        let err = h.admin.set_password(weak).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "WEAK_PASSWORD", Some("password"));
        let with_name = pb::SetPasswordRequest {
            request_id: rid(),
            account_id: cadre.id.clone(),
            password: "Li.Ming-2026-pass".into(),
        };
        let err = h.admin.set_password(with_name).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "WEAK_PASSWORD", Some("password"));

        // SetPassword is idempotent by request id; the password itself is not part of the comparison.
        let set = pb::SetPasswordRequest {
            request_id: rid(),
            account_id: cadre.id.clone(),
            password: PASSWORD.into(),
        };
        let first = h.admin.set_password(set.clone()).await.unwrap().into_inner();
        assert_eq!((first.account_id.as_str(), first.revoked_session_count), (cadre.id.as_str(), 0));
        let replay = pb::SetPasswordRequest { password: OTHER_PASSWORD.into(), ..set.clone() };
        assert_eq!(
            h.admin.set_password(replay).await.unwrap().into_inner(),
            first,
            "{backend}: a retry replays"
        );
        let other = h.person("wang.fang", &[dir::Role::Cadre]).await;
        let reused = pb::SetPasswordRequest { account_id: other.id.clone(), ..set.clone() };
        let err = h.admin.set_password(reused).await.unwrap_err();
        assert_eq!((err.code(), reason(&err).as_str()), (Code::InvalidArgument, "REQUEST_ID_REUSED"));
        let err = h.login("li.ming", OTHER_PASSWORD, "").await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "INVALID_CREDENTIALS", None);

        // Sign in (the username is matched as the directory spells it), then authenticate the token.
        let login = h.login(" Li.Ming ", PASSWORD, "").await.unwrap();
        assert!(login.session_token.starts_with("cst_"), "{}", login.session_token);
        assert_eq!(login.account_id, cadre.id);
        assert!(!login.mfa);
        assert!(!login.second_factor_enrollment_required, "a plain cadre needs no second factor");
        let expire = login.expire_time.unwrap().seconds;
        let hours = (expire - chrono::Utc::now().timestamp()) as f64 / 3600.0;
        assert!((11.9..=12.0).contains(&hours), "absolute end after 12 hours: {hours}");

        let auth = h.authenticate(&login.session_token).await.unwrap();
        assert_eq!(auth.account_id, cadre.id);
        assert_eq!(auth.session_id, login.session_id);
        assert!(auth.service_key_id.is_empty());
        assert!(!auth.mfa);
        assert_eq!(auth.expire_time, login.expire_time);
        let idle_end = auth.idle_expire_time.unwrap().seconds - chrono::Utc::now().timestamp();
        assert!((29 * 60..=30 * 60).contains(&idle_end), "idle end 30 minutes on: {idle_end}");

        // Only the suite itself may authenticate credentials.
        let credential = pb::AuthenticateRequest { credential: login.session_token.clone() };
        let err = h.client_of(&cadre).authenticate(credential).await.unwrap_err();
        assert_error_in(&err, Code::PermissionDenied, "ROLE_NOT_ALLOWED", "auth.cadre", None);
        let err = h.authenticate("Bearer nonsense").await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "MALFORMED_CREDENTIAL", Some("credential"));
        let err = h.authenticate(&"x".repeat(10_000)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "MALFORMED_CREDENTIAL", Some("credential"));
        let unknown = cadre_authn::opaque::new_session_token();
        let err = h.authenticate(&unknown).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "INVALID_CREDENTIAL", None);

        // An unknown username and a wrong password get the same answer.
        let unknown = h.login("nobody", PASSWORD, "").await.unwrap_err();
        let wrong = h.login("li.ming", "Wrong-Password-1", "").await.unwrap_err();
        assert_error(&unknown, Code::Unauthenticated, "INVALID_CREDENTIALS", None);
        assert_error(&wrong, Code::Unauthenticated, "INVALID_CREDENTIALS", None);
        assert_eq!(unknown.message(), wrong.message());
        let err = h.login("", PASSWORD, "").await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_LOGIN", Some("username"));
        let err = h.login("li.ming", &"p".repeat(5_000), "").await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_LOGIN", Some("password"));

        // A disabled account gets no password.
        h.disable(&other).await;
        let err = h.admin.set_password(pb::SetPasswordRequest {
            request_id: rid(),
            account_id: other.id.clone(),
            password: PASSWORD.into(),
        });
        assert_error(
            &err.await.unwrap_err(),
            Code::FailedPrecondition,
            "ACCOUNT_DISABLED",
            Some("account_id"),
        );

        // Every sign-in is in the audit chain, under the username tried.
        let audit = h.audit().await;
        let logins: Vec<(&str, &str, &str)> = audit
            .iter()
            .filter(|r| r.method.ends_with("/Login"))
            .map(|r| (r.object_id.as_str(), r.outcome.as_str(), r.actor.as_str()))
            .collect();
        assert!(logins.contains(&("li.ming", "OK", cadre.id.as_str())), "{logins:?}");
        assert!(logins.contains(&("nobody", "DENIED:INVALID_CREDENTIALS", "anonymous")), "{logins:?}");
        assert!(logins.contains(&("li.ming", "DENIED:INVALID_CREDENTIALS", "anonymous")), "{logins:?}");
        let secrets = audit.iter().any(|r| {
            [&r.object_id, &r.outcome, &r.request_id]
                .iter()
                .any(|f| f.contains(PASSWORD) || f.contains("cst_"))
        });
        assert!(!secrets, "no password or token in the audit trail");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_account_cannot_sign_in() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let cadre = h.cadre_with_password("zhao.lei").await;
        h.session("zhao.lei").await;
        h.disable(&cadre).await;
        let err = h.login("zhao.lei", PASSWORD, "").await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "ACCOUNT_DISABLED", None);
        let audit = h.audit().await;
        assert!(audit.iter().any(|r| r.object_id == "zhao.lei" && r.outcome == "DENIED:ACCOUNT_DISABLED"));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_passwords_lock_the_account_until_unlocked() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let cadre = h.cadre_with_password("chen.jing").await;

        // A success in between starts the count again.
        for _ in 0..4 {
            let err = h.login("chen.jing", "Wrong-Password-1", "").await.unwrap_err();
            assert_error(&err, Code::Unauthenticated, "INVALID_CREDENTIALS", None);
        }
        h.session("chen.jing").await;
        for _ in 0..5 {
            let err = h.login("chen.jing", "Wrong-Password-1", "").await.unwrap_err();
            // The fifth failure locks, but is answered like the others.
            assert_error(&err, Code::Unauthenticated, "INVALID_CREDENTIALS", None);
        }
        // Now even the right password is refused, with the end of the lock.
        let err = h.login("chen.jing", PASSWORD, "").await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "ACCOUNT_LOCKED", None);
        let details = err.get_error_details();
        let until = &details.error_info().unwrap().metadata["locked_until"];
        let until = chrono::DateTime::parse_from_rfc3339(until).unwrap();
        let minutes = (until.timestamp() - chrono::Utc::now().timestamp()) as f64 / 60.0;
        assert!((14.5..=15.0).contains(&minutes), "locked for 15 minutes: {minutes}");

        let audit = h.audit().await;
        let locks: Vec<_> = audit.iter().filter(|r| r.outcome == "ACCOUNT_LOCKED").collect();
        assert_eq!(locks.len(), 1, "the lock is audited once");
        assert_eq!(
            (locks[0].object_type.as_str(), locks[0].object_id.as_str()),
            ("account", cadre.id.as_str())
        );
        assert!(audit.iter().any(|r| r.object_id == "chen.jing" && r.outcome == "DENIED:ACCOUNT_LOCKED"));
        assert!(h.event_types().await.contains(&"cadre.identity.v1.AccountLockedEvent".to_owned()));

        // Nobody unlocks themselves; another security administrator does.
        let unlock = pb::UnlockAccountRequest { request_id: rid(), account_id: cadre.id.clone() };
        let self_unlock =
            pb::UnlockAccountRequest { request_id: rid(), account_id: h.admin_account.id.clone() };
        let err = h.admin.unlock_account(self_unlock).await.unwrap_err();
        assert_error(&err, Code::PermissionDenied, "SELF_ADMINISTRATION", None);
        assert!(h.admin.unlock_account(unlock.clone()).await.unwrap().into_inner().was_locked);
        assert!(h.admin.unlock_account(unlock).await.unwrap().into_inner().was_locked, "a retry replays");
        h.session("chen.jing").await;
        assert!(h.event_types().await.contains(&"cadre.identity.v1.AccountUnlockedEvent".to_owned()));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_other_security_administrators_set_passwords() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let cadre = h.cadre_with_password("sun.li").await;
        let service = h.service("hr-system").await;
        let set = |account_id: &str| pb::SetPasswordRequest {
            request_id: rid(),
            account_id: account_id.into(),
            password: PASSWORD.into(),
        };

        // Separation of duties: not on oneself, and the refusal is audited.
        let err = h.admin.set_password(set(&h.admin_account.id)).await.unwrap_err();
        assert_error(&err, Code::PermissionDenied, "SELF_ADMINISTRATION", None);
        let audit = h.audit().await;
        assert!(
            audit
                .iter()
                .any(|r| r.outcome == "DENIED:SELF_ADMINISTRATION" && r.object_id == h.admin_account.id)
        );
        let reset =
            pb::ResetSecondFactorRequest { request_id: rid(), account_id: h.admin_account.id.clone() };
        let err = h.admin.reset_second_factor(reset).await.unwrap_err();
        assert_error(&err, Code::PermissionDenied, "SELF_ADMINISTRATION", None);

        // A cadre is not a security administrator, whatever they ask for.
        let err = h.client_of(&cadre).set_password(set(&cadre.id)).await.unwrap_err();
        assert_error_in(&err, Code::PermissionDenied, "ROLE_NOT_ALLOWED", "auth.cadre", None);
        let other_admin = person("another-admin", &[cadre_platform::auth::Role::SystemAdmin], &[], None);
        let err = h.client_as(&other_admin).set_password(set(&cadre.id)).await.unwrap_err();
        assert_error_in(&err, Code::PermissionDenied, "ROLE_NOT_ALLOWED", "auth.cadre", None);

        // Service accounts get keys, not passwords; unknown accounts are not found.
        let err = h.admin.set_password(set(&service.id)).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "SERVICE_ACCOUNT", Some("account_id"));
        let err = h.admin.set_password(set("no-such-account")).await.unwrap_err();
        assert_error(&err, Code::NotFound, "ACCOUNT_NOT_FOUND", Some("account_id"));
        let err = h.admin.set_password(set("")).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_ID", Some("account_id"));
        let err =
            h.admin.set_password(pb::SetPasswordRequest { request_id: "bad id".into(), ..set(&cadre.id) });
        assert_error(
            &err.await.unwrap_err(),
            Code::InvalidArgument,
            "INVALID_REQUEST_ID",
            Some("request_id"),
        );

        // Setting a password ends the account's sessions.
        h.session("sun.li").await;
        h.session("sun.li").await;
        assert_eq!(h.set_password(&cadre.id, OTHER_PASSWORD).await.revoked_session_count, 2);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileged_roles_without_a_second_factor_are_flagged() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let officer = h.person("orgofficer", &[dir::Role::OrgOfficer]).await;
        h.set_password(&officer.id, PASSWORD).await;
        h.cadre_with_password("cadre.t01").await;
        let login = h.session("orgofficer").await;
        assert!(!login.mfa);
        assert!(login.second_factor_enrollment_required, "an org officer must enrol a second factor");
        let login = h.session("cadre.t01").await;
        assert!(!login.second_factor_enrollment_required, "a plain cadre need not");
        h.stop().await;
    }
}

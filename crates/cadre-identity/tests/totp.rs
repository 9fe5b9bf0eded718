//! TOTP enrolment and second-factor sign-in over a real socket, on SQLite and PostgreSQL. Codes come from
//! `cadre_authn::totp::code_at`, as an authenticator app computes them.

mod harness;

use cadre_authn::totp;
use cadre_platform::testing::TestDatabase;
use cadre_proto::identity as pb;
use harness::{Harness, PASSWORD, assert_error, rid, unix_now};
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolled_second_factor_is_required_and_codes_are_single_use() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let backend = h.backend;
        let cadre = h.cadre_with_password("zhou.min").await;
        let mut me = h.client_of(&cadre);

        let confirm = |code: String| pb::ConfirmTotpEnrollmentRequest { request_id: rid(), code };
        let err = me.confirm_totp_enrollment(confirm("123456".into())).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "NO_PENDING_ENROLLMENT", None);

        // Begin: a secret and its URI; a retry returns the same enrolment with its secret.
        let begin = pb::BeginTotpEnrollmentRequest { request_id: rid() };
        let started = me.begin_totp_enrollment(begin.clone()).await.unwrap().into_inner();
        assert_eq!(started.secret.len(), 32, "{backend}: 20 bytes in base32");
        assert!(
            started.otpauth_uri.starts_with("otpauth://totp/cadre:zhou.min?secret="),
            "{}",
            started.otpauth_uri
        );
        assert_eq!(me.begin_totp_enrollment(begin).await.unwrap().into_inner(), started, "a retry replays");
        // Beginning again replaces the pending secret; the first no longer confirms.
        let restarted = me
            .begin_totp_enrollment(pb::BeginTotpEnrollmentRequest { request_id: rid() })
            .await
            .unwrap()
            .into_inner();
        assert_ne!(restarted.secret, started.secret);
        assert!(!h.idempotency_table_holds(&restarted.secret).await, "answers are stored without secrets");
        let old_secret = totp::from_base32(&started.secret).unwrap();
        let err = me.confirm_totp_enrollment(confirm(totp::code_at(&old_secret, unix_now(), 6))).await;
        assert_error(&err.unwrap_err(), Code::InvalidArgument, "INVALID_SECOND_FACTOR", Some("code"));
        let err = me.confirm_totp_enrollment(confirm("12ab56".into())).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_CODE", Some("code"));

        let secret = totp::from_base32(&restarted.secret).unwrap();
        let confirmed = me
            .confirm_totp_enrollment(confirm(totp::code_at(&secret, unix_now(), 6)))
            .await
            .unwrap()
            .into_inner();
        assert!(confirmed.enroll_time.is_some());
        let err =
            me.begin_totp_enrollment(pb::BeginTotpEnrollmentRequest { request_id: rid() }).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "SECOND_FACTOR_ENROLLED", None);

        // Without a code: refused, and not counted as a failure.
        for _ in 0..6 {
            let err = h.login("zhou.min", PASSWORD, "").await.unwrap_err();
            assert_error(&err, Code::Unauthenticated, "SECOND_FACTOR_REQUIRED", None);
        }
        // A wrong code counts (once here, far from the lockout).
        let wrong = totp::code_at(&secret, unix_now() + 600, 6);
        let err = h.login("zhou.min", PASSWORD, &wrong).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "INVALID_SECOND_FACTOR", None);
        // The code of the next step (the confirmation used the current one), typed with a space.
        let code = totp::code_at(&secret, unix_now() + totp::STEP_SECS, 6);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        let login = h.login("zhou.min", PASSWORD, &spaced).await.unwrap();
        assert!(login.mfa);
        assert!(h.authenticate(&login.session_token).await.unwrap().mfa);
        // The same code again is a replay.
        let err = h.login("zhou.min", PASSWORD, &code).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "INVALID_SECOND_FACTOR", None);
        // A wrong password is refused before the code is looked at.
        let next = totp::code_at(&secret, unix_now() + 2 * totp::STEP_SECS, 6);
        let err = h.login("zhou.min", "Wrong-Password-1", &next).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "INVALID_CREDENTIALS", None);

        let audit = h.audit().await;
        let outcomes: Vec<&str> =
            audit.iter().filter(|r| r.object_id == "zhou.min").map(|r| r.outcome.as_str()).collect();
        assert_eq!(outcomes.iter().filter(|o| **o == "DENIED:SECOND_FACTOR_REQUIRED").count(), 6);
        assert_eq!(outcomes.iter().filter(|o| **o == "DENIED:INVALID_SECOND_FACTOR").count(), 2);

        // A security administrator resets the factor: the sessions end, and a password alone signs in again.
        let reset = pb::ResetSecondFactorRequest { request_id: rid(), account_id: cadre.id.clone() };
        let reset = h.admin.reset_second_factor(reset).await.unwrap().into_inner();
        assert_eq!((reset.removed, reset.revoked_session_count), (true, 1));
        let err = h.authenticate(&login.session_token).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "SESSION_REVOKED", None);
        let login = h.session("zhou.min").await;
        assert!(!login.mfa);
        let err = h
            .admin
            .reset_second_factor(pb::ResetSecondFactorRequest {
                request_id: rid(),
                account_id: "nobody".into(),
            })
            .await
            .unwrap_err();
        assert_error(&err, Code::NotFound, "CREDENTIAL_NOT_FOUND", Some("account_id"));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_without_a_password_cannot_enrol() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let cadre = h.person("no.password", &[cadre_proto::directory::Role::Cadre]).await;
        let err = h
            .client_of(&cadre)
            .begin_totp_enrollment(pb::BeginTotpEnrollmentRequest { request_id: rid() })
            .await
            .unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "NO_PASSWORD", None);
        h.stop().await;
    }
}

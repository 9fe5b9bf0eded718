//! Service keys for other systems over a real socket, on SQLite and PostgreSQL.

mod harness;

use cadre_platform::{
    auth::Role,
    testing::{TestDatabase, person},
};
use cadre_proto::{
    events::{WatchRequest, event_feed_service_client::EventFeedServiceClient},
    identity as pb,
};
use harness::{Harness, assert_error, rid};
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_key_authenticates_until_it_is_revoked() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let backend = h.backend;
        let hr = h.service("hr-system").await;
        let cadre = h.cadre_with_password("guo.qiang").await;
        let create = |account_id: &str| pb::CreateServiceKeyRequest {
            request_id: rid(),
            account_id: account_id.into(),
            display_name: "HR nightly import".into(),
        };

        // People get passwords, not keys.
        let err = h.admin.create_service_key(create(&cadre.id)).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "NOT_A_SERVICE_ACCOUNT", Some("account_id"));
        let err = h.admin.create_service_key(create("nobody")).await.unwrap_err();
        assert_error(&err, Code::NotFound, "ACCOUNT_NOT_FOUND", Some("account_id"));
        let err = h.client_of(&cadre).create_service_key(create(&hr.id)).await.unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied);

        // The secret is in the first answer only; a retry names the same key without it.
        let request = create(&hr.id);
        let created = h.admin.create_service_key(request.clone()).await.unwrap().into_inner();
        let key = created.service_key.clone().unwrap();
        assert!(created.secret.starts_with(&format!("csk_{}.", key.key_id)), "{backend}: {}", created.secret);
        assert_eq!(
            (key.account_id.as_str(), key.display_name.as_str()),
            (hr.id.as_str(), "HR nightly import")
        );
        assert_eq!(key.creator, h.admin_account.id);
        let replay = h.admin.create_service_key(request).await.unwrap().into_inner();
        assert_eq!(replay.service_key, created.service_key);
        assert!(replay.secret.is_empty(), "the secret is shown once");
        let secret = created.secret.rsplit_once('.').unwrap().1;
        assert!(!h.idempotency_table_holds(secret).await, "the secret is not stored with the answer");

        let auth = h.authenticate(&created.secret).await.unwrap();
        assert_eq!(auth.account_id, hr.id);
        assert_eq!(auth.service_key_id, key.key_id);
        assert!(auth.mfa, "a service key counts as a second factor");
        assert!(auth.session_id.is_empty() && auth.expire_time.is_none());
        // The same id with another secret is refused like an unknown key.
        let (_, stranger) = cadre_authn::opaque::new_service_key();
        let forged = format!("csk_{}.{}", key.key_id, stranger.rsplit_once('.').unwrap().1);
        let err = h.authenticate(&forged).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "INVALID_CREDENTIAL", None);
        let err = h.authenticate(&stranger).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "INVALID_CREDENTIAL", None);
        let err = h.authenticate(&format!("{}x", created.secret)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "MALFORMED_CREDENTIAL", Some("credential"));

        let second = h.admin.create_service_key(create(&hr.id)).await.unwrap().into_inner();
        let list = |show_revoked: bool, page_size: i32, page_token: String| pb::ListServiceKeysRequest {
            account_id: hr.id.clone(),
            show_revoked,
            page_size,
            page_token,
        };
        let listed = h.admin.list_service_keys(list(false, 0, String::new())).await.unwrap().into_inner();
        assert_eq!(listed.service_keys.len(), 2);
        assert!(listed.service_keys.iter().any(|k| k.last_use_time.is_some()), "the use was recorded");
        let first_page = h.admin.list_service_keys(list(false, 1, String::new())).await.unwrap().into_inner();
        let rest = h
            .admin
            .list_service_keys(list(false, 1, first_page.next_page_token.clone()))
            .await
            .unwrap()
            .into_inner();
        let paged: Vec<_> =
            first_page.service_keys.iter().chain(&rest.service_keys).map(|k| &k.key_id).collect();
        assert_eq!(paged, listed.service_keys.iter().map(|k| &k.key_id).collect::<Vec<_>>());
        assert!(rest.next_page_token.is_empty());

        // Revoked: refused from then on, and listed only on request.
        let revoke = pb::RevokeServiceKeyRequest { request_id: rid(), key_id: key.key_id.clone() };
        let revoked = h.admin.revoke_service_key(revoke).await.unwrap().into_inner().service_key.unwrap();
        assert!(revoked.revoke_time.is_some());
        let err = h.authenticate(&created.secret).await.unwrap_err();
        assert_error(&err, Code::Unauthenticated, "INVALID_CREDENTIAL", None);
        assert!(h.authenticate(&second.secret).await.is_ok(), "the other key stays in force");
        let in_force = h.admin.list_service_keys(list(false, 0, String::new())).await.unwrap().into_inner();
        assert_eq!(in_force.service_keys.len(), 1);
        let all = h.admin.list_service_keys(list(true, 0, String::new())).await.unwrap().into_inner();
        assert_eq!(all.service_keys.len(), 2);
        let err = h
            .admin
            .revoke_service_key(pb::RevokeServiceKeyRequest {
                request_id: rid(),
                key_id: "0123456789abcdef".into(),
            })
            .await
            .unwrap_err();
        assert_error(&err, Code::NotFound, "SERVICE_KEY_NOT_FOUND", Some("key_id"));

        // The revocation is on the feed, for the security and audit administrators.
        let auditor = person("auditor", &[Role::AuditAdmin], &[], None);
        let mut feed =
            EventFeedServiceClient::with_interceptor(h.channel.clone(), h.keys.acting_as(&auditor));
        let mut stream = feed.watch(WatchRequest::default()).await.unwrap().into_inner();
        let event = stream.message().await.unwrap().unwrap().event.unwrap();
        assert_eq!(
            (event.source.as_str(), event.subject.as_str()),
            ("identity", &*format!("service-keys/{}", key.key_id))
        );
        assert_eq!(event.event_type, "cadre.identity.v1.ServiceKeyRevokedEvent");
        let cadre_principal = person(&cadre.id, &[Role::Cadre], &[], None);
        let mut feed =
            EventFeedServiceClient::with_interceptor(h.channel.clone(), h.keys.acting_as(&cadre_principal));
        assert_eq!(feed.watch(WatchRequest::default()).await.unwrap_err().code(), Code::PermissionDenied);
        drop(stream);
        h.stop().await;
    }
}

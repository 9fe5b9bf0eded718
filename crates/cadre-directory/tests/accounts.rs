//! Accounts, roles and principal resolution over a real socket, on SQLite and PostgreSQL.

mod harness;

use cadre_platform::testing::TestDatabase;
use cadre_proto::directory::{self as pb, resolve_principal_request::Subject};
use harness::{Harness, assert_error, rid, sample_cadre};
use tonic::Code;

fn account(
    username: &str,
    kind: pb::AccountKind,
    roles: &[pb::Role],
    scope: &str,
    cadre: &str,
) -> pb::Account {
    pb::Account {
        username: username.into(),
        display_name: "测试".into(),
        kind: kind as i32,
        roles: roles.iter().map(|r| *r as i32).collect(),
        scope_unit_id: scope.into(),
        cadre_id: cadre.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_hold_consistent_roles_and_resolve_to_principals() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let tree = h.small_tree().await;
        let cadre = h.cadre(sample_cadre(&tree.village.id, "刘洋", 5)).await;
        let create = |a: pb::Account| pb::CreateAccountRequest { request_id: rid(), account: Some(a) };
        let person = pb::AccountKind::Person;

        let leader = h
            .client
            .create_account(create(account(
                "leader.t01",
                person,
                &[pb::Role::Cadre, pb::Role::UnitLeader],
                &tree.village.id,
                &cadre.id,
            )))
            .await
            .unwrap()
            .into_inner()
            .account
            .unwrap();
        assert_eq!(leader.state, pb::AccountState::Active as i32, "{}", h.backend);

        let two_admins =
            account("root.admin", person, &[pb::Role::SystemAdmin, pb::Role::AuditAdmin], "", "");
        let err = h.client.create_account(create(two_admins)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_ACCOUNT", Some("account.roles"));
        let no_scope = account("officer", person, &[pb::Role::OrgOfficer], "", "");
        let err = h.client.create_account(create(no_scope)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_ACCOUNT", Some("account.scope_unit_id"));
        let person_as_service = account("fake.hr", person, &[pb::Role::HrSystem], &tree.root.id, "");
        let err = h.client.create_account(create(person_as_service)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_ACCOUNT", Some("account.roles"));
        let bad_name = account("Bad Name", person, &[pb::Role::OrgOfficer], &tree.root.id, "");
        let err = h.client.create_account(create(bad_name)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_ACCOUNT", Some("account.username"));
        let unknown_role =
            pb::Account { roles: vec![42], ..account("x.y.z", person, &[], &tree.root.id, "") };
        let err = h.client.create_account(create(unknown_role)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_ACCOUNT", Some("account.roles[0]"));
        let missing_unit = account("officer", person, &[pb::Role::OrgOfficer], "nowhere", "");
        let err = h.client.create_account(create(missing_unit)).await.unwrap_err();
        assert_error(&err, Code::NotFound, "ORG_UNIT_NOT_FOUND", Some("account.scope_unit_id"));
        let taken = account("leader.t01", person, &[pb::Role::OrgOfficer], &tree.root.id, "");
        let err = h.client.create_account(create(taken)).await.unwrap_err();
        assert_error(&err, Code::AlreadyExists, "USERNAME_TAKEN", Some("account.username"));

        let hr = h
            .client
            .create_account(create(account(
                "hr-system",
                pb::AccountKind::Service,
                &[pb::Role::HrSystem],
                &tree.root.id,
                "",
            )))
            .await
            .unwrap()
            .into_inner()
            .account
            .unwrap();
        h.client
            .create_account(create(account("auditor", person, &[pb::Role::AuditAdmin], "", "")))
            .await
            .unwrap();

        let resolve = |subject: Subject| pb::ResolvePrincipalRequest { subject: Some(subject) };
        let principal = h
            .system
            .resolve_principal(resolve(Subject::Username("leader.t01".into())))
            .await
            .unwrap()
            .into_inner()
            .principal
            .unwrap();
        assert_eq!(
            principal.scope_unit_path,
            vec![tree.root.id.clone(), tree.town.id.clone(), tree.village.id.clone()]
        );
        assert_eq!(principal.cadre_id, cadre.id);
        assert_eq!(principal.roles, vec![pb::Role::Cadre as i32, pb::Role::UnitLeader as i32]);
        let by_id = h
            .system
            .resolve_principal(resolve(Subject::AccountId(hr.id.clone())))
            .await
            .unwrap()
            .into_inner()
            .principal
            .unwrap();
        assert_eq!(by_id.kind, pb::AccountKind::Service as i32);
        let err = h.system.resolve_principal(resolve(Subject::Username("nobody".into()))).await.unwrap_err();
        assert_error(&err, Code::NotFound, "ACCOUNT_NOT_FOUND", Some("username"));
        let err =
            h.system.resolve_principal(pb::ResolvePrincipalRequest { subject: None }).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_SUBJECT", Some("subject"));

        // Disable the account and link an identity-provider subject; the version guards the change.
        let update = pb::UpdateAccountRequest {
            request_id: rid(),
            account: Some(pb::Account {
                id: leader.id.clone(),
                state: pb::AccountState::Disabled as i32,
                external_subject: "oidc|4711".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["state".into(), "external_subject".into()],
            }),
            expected_version: 1,
        };
        let disabled = h.client.update_account(update.clone()).await.unwrap().into_inner().account.unwrap();
        assert_eq!((disabled.version, disabled.username.as_str()), (2, "leader.t01"));
        assert_eq!(
            h.client.update_account(update).await.unwrap().into_inner().account.unwrap(),
            disabled,
            "a retry replays"
        );
        let err = h
            .system
            .resolve_principal(resolve(Subject::ExternalSubject("oidc|4711".into())))
            .await
            .unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "ACCOUNT_DISABLED", None);

        let got = h
            .client
            .get_account(pb::GetAccountRequest { id: hr.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .account
            .unwrap();
        assert_eq!(got.username, "hr-system");
        let leaders = h
            .client
            .list_accounts(pb::ListAccountsRequest {
                role: pb::Role::UnitLeader as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(leaders.accounts.iter().map(|a| a.username.as_str()).collect::<Vec<_>>(), ["leader.t01"]);
        let page = h
            .client
            .list_accounts(pb::ListAccountsRequest { page_size: 2, ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        let rest = h
            .client
            .list_accounts(pb::ListAccountsRequest {
                page_size: 2,
                page_token: page.next_page_token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let all: Vec<_> = page.accounts.iter().chain(&rest.accounts).map(|a| a.username.clone()).collect();
        assert_eq!(all, ["auditor", "hr-system", "leader.t01"]);
        h.stop().await;
    }
}

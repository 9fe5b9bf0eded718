//! Who may call what and see which records, over a real socket, on SQLite and PostgreSQL.

mod harness;

use cadre_platform::{
    auth::{Principal, Role},
    testing::{TestDatabase, TestKeys, person},
};
use cadre_proto::directory as pb;
use harness::{Harness, rid, sample_cadre};
use tonic::{Code, Status};
use tonic_types::StatusExt as _;

fn reason(status: &Status) -> String {
    status.get_error_details().error_info().map(|i| i.reason.clone()).unwrap_or_default()
}

fn search() -> pb::SearchCadresRequest {
    pb::SearchCadresRequest { page_size: 100, ..Default::default() }
}

async fn refusals(h: &Harness) -> Vec<(String, String, String)> {
    h.db.run(|conn| cadre_platform::audit::list(conn, 0, 10_000))
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.outcome.starts_with("DENIED"))
        .map(|r| (r.actor, r.method, r.outcome))
        .collect()
}

/// The refusals are written off the request path; wait for the expected count.
async fn wait_for_refusals(h: &Harness, count: usize) -> Vec<(String, String, String)> {
    for _ in 0..100 {
        let found = refusals(h).await;
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    refusals(h).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_without_a_valid_principal_never_reach_a_handler() {
    for database in TestDatabase::each() {
        let h = Harness::start(database).await;
        let err = h.anonymous_client().search_cadres(search()).await.unwrap_err();
        assert_eq!((err.code(), reason(&err).as_str()), (Code::Unauthenticated, "PRINCIPAL_MISSING"));

        // Signed by a gateway this service never trusted.
        let stranger = TestKeys::new();
        let mut forged = tonic::Request::new(search());
        let value = stranger.sign(&harness::operator()).parse().unwrap();
        forged.metadata_mut().insert("x-cadre-principal", value);
        let err = h.anonymous_client().search_cadres(forged).await.unwrap_err();
        assert_eq!((err.code(), reason(&err).as_str()), (Code::Unauthenticated, "PRINCIPAL_UNKNOWN_KEY"));

        // The old header naming an actor is no identity at all.
        let mut old_style = tonic::Request::new(search());
        old_style.metadata_mut().insert("x-cadre-actor", "someone".parse().unwrap());
        let err = h.anonymous_client().search_cadres(old_style).await.unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated);

        // Health stays open for probes.
        let mut health = h.health.clone();
        let name = "cadre.directory.v1.DirectoryService".to_owned();
        assert!(health.check(tonic_health::pb::HealthCheckRequest { service: name }).await.is_ok());

        let audited = wait_for_refusals(&h, 3).await;
        assert_eq!(audited.len(), 3, "every refused call is audited: {audited:?}");
        assert!(audited.iter().any(|(actor, _, outcome)| actor == "unverified"
            && outcome == "DENIED:PRINCIPAL_UNKNOWN_KEY"));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_scopes_and_separation_of_duties() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let tree = h.small_tree().await;
        let townsman = h.cadre(sample_cadre(&tree.town.id, "李明", 1)).await;
        let villager = h.cadre(sample_cadre(&tree.village.id, "王芳", 2)).await;
        let clerk = h.cadre(sample_cadre(&tree.bureau.id, "赵强", 3)).await;
        let path = |units: &[&pb::OrgUnit]| units.iter().map(|u| u.id.clone()).collect::<Vec<_>>();
        let as_person = |subject: &str, roles: &[Role], units: &[String], cadre: Option<&str>| {
            let units: Vec<&str> = units.iter().map(String::as_str).collect();
            person(subject, roles, &units, cadre)
        };
        let town_path = path(&[&tree.root, &tree.town]);

        let found = |response: pb::SearchCadresResponse| {
            let mut names: Vec<String> = response.cadres.into_iter().map(|c| c.name).collect();
            names.sort();
            names
        };

        // Unit scope: the town's own staff, not the village below it nor the bureau beside it.
        let hr = h.client_as(&as_person("acct-hr", &[Role::UnitHrOfficer], &town_path, None));
        assert_eq!(found(hr.clone().search_cadres(search()).await.unwrap().into_inner()), vec!["李明"]);
        // Subtree scope: the town and its villages.
        let town = h.client_as(&as_person("acct-town", &[Role::TownOfficer], &town_path, None));
        assert_eq!(
            found(town.clone().search_cadres(search()).await.unwrap().into_inner()),
            vec!["李明", "王芳"]
        );
        // Own scope: oneself, wherever one is.
        let me = as_person("acct-me", &[Role::Cadre], &path(&[&tree.root, &tree.bureau]), Some(&clerk.id));
        let mut me = h.client_as(&me);
        assert_eq!(found(me.search_cadres(search()).await.unwrap().into_inner()), vec!["赵强"]);

        // Get agrees with List, and out of scope answers exactly like absent.
        let get = |id: &str| pb::GetCadreRequest { id: id.to_owned() };
        assert!(hr.clone().get_cadre(get(&townsman.id)).await.is_ok());
        let hidden = hr.clone().get_cadre(get(&clerk.id)).await.unwrap_err();
        let absent = hr.clone().get_cadre(get("01900000-0000-7000-8000-000000000000")).await.unwrap_err();
        assert_eq!(hidden.code(), Code::NotFound);
        assert_eq!(
            (hidden.code(), hidden.message(), reason(&hidden)),
            (absent.code(), absent.message(), reason(&absent))
        );
        assert!(town.clone().get_cadre(get(&villager.id)).await.is_ok());
        assert_eq!(me.get_cadre(get(&townsman.id)).await.unwrap_err().code(), Code::NotFound);
        let changes = pb::ListCadreChangesRequest { cadre_id: clerk.id.clone(), ..Default::default() };
        assert_eq!(hr.clone().list_cadre_changes(changes).await.unwrap_err().code(), Code::NotFound);

        // A role the method does not admit.
        let err = me
            .create_cadre(pb::CreateCadreRequest {
                request_id: rid(),
                cadre: Some(sample_cadre(&tree.bureau.id, "钱多", 5)),
            })
            .await
            .unwrap_err();
        assert_eq!((err.code(), reason(&err).as_str()), (Code::PermissionDenied, "ROLE_NOT_ALLOWED"));

        // A keeper of records cannot place a record outside their remit, nor move one out of it.
        let err = hr
            .clone()
            .create_cadre(pb::CreateCadreRequest {
                request_id: rid(),
                cadre: Some(sample_cadre(&tree.bureau.id, "钱多", 5)),
            })
            .await
            .unwrap_err();
        assert_eq!((err.code(), reason(&err).as_str()), (Code::PermissionDenied, "OUT_OF_SCOPE"));
        let moved = pb::Cadre {
            employing_unit_id: tree.bureau.id.clone(),
            managing_unit_id: tree.bureau.id.clone(),
            ..townsman.clone()
        };
        let err = hr
            .clone()
            .update_cadre(pb::UpdateCadreRequest {
                request_id: rid(),
                cadre: Some(moved),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["employing_unit_id".into(), "managing_unit_id".into()],
                }),
                expected_version: 0,
            })
            .await
            .unwrap_err();
        assert_eq!((err.code(), reason(&err).as_str()), (Code::PermissionDenied, "OUT_OF_SCOPE"));

        // Nobody administers their own account.
        let admin_account = h
            .client
            .create_account(pb::CreateAccountRequest {
                request_id: rid(),
                account: Some(pb::Account {
                    username: "secadmin2".into(),
                    display_name: "安全管理员".into(),
                    kind: pb::AccountKind::Person as i32,
                    roles: vec![pb::Role::SecurityAdmin as i32],
                    ..Default::default()
                }),
            })
            .await
            .unwrap()
            .into_inner()
            .account
            .unwrap();
        let admin = Principal {
            subject: admin_account.id.clone(),
            ..as_person("x", &[Role::SecurityAdmin], &[], None)
        };
        let err = h
            .client_as(&admin)
            .update_account(pb::UpdateAccountRequest {
                request_id: rid(),
                account: Some(pb::Account { display_name: "改名".into(), ..admin_account.clone() }),
                update_mask: Some(prost_types::FieldMask { paths: vec!["display_name".into()] }),
                expected_version: 0,
            })
            .await
            .unwrap_err();
        assert_eq!((err.code(), reason(&err).as_str()), (Code::PermissionDenied, "SELF_ADMINISTRATION"));

        let audited = wait_for_refusals(&h, 6).await;
        let outcomes: Vec<&str> = audited.iter().map(|(_, _, o)| o.as_str()).collect();
        for expected in ["DENIED:OUT_OF_SCOPE", "DENIED:ROLE_NOT_ALLOWED", "DENIED:SELF_ADMINISTRATION"] {
            assert!(outcomes.contains(&expected), "{expected} missing from {outcomes:?}");
        }
        assert!(
            audited.iter().any(|(actor, method, o)| actor == "acct-hr"
                && method.ends_with("/GetCadre")
                && o == "DENIED:OUT_OF_SCOPE"),
            "the hidden read is on record: {audited:?}"
        );
        h.audit_records().await; // asserts that the chain, refusals included, verifies
        h.stop().await;
    }
}

//! The unit tree over a real socket, on SQLite and PostgreSQL.

mod harness;

use cadre_platform::testing::TestDatabase;
use cadre_proto::directory as pb;
use harness::{Harness, assert_error, create_unit as create, rid, sample_cadre};
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tree_is_built_listed_and_guarded() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let tree = h.small_tree().await;
        assert_eq!(tree.root.depth, 0, "{}", h.backend);
        assert_eq!(
            tree.village.ancestor_ids,
            vec![tree.root.id.clone(), tree.town.id.clone(), tree.village.id.clone()]
        );

        let kinds =
            h.client.list_unit_kinds(pb::ListUnitKindsRequest {}).await.unwrap().into_inner().unit_kinds;
        assert_eq!(
            kinds.iter().map(|k| k.code.as_str()).collect::<Vec<_>>()[..2],
            ["district", "district_unit"]
        );

        // A second root, a kind in the wrong tier, an unknown kind, a taken code, a bad name.
        let err = h.client.create_org_unit(create("", "D001", "另一个区", "district")).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "ROOT_EXISTS", Some("org_unit.parent_id"));
        let err =
            h.client.create_org_unit(create(&tree.village.id, "X1", "错位镇", "town")).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "UNIT_KIND_NOT_ALLOWED_HERE", Some("org_unit.kind"));
        let err =
            h.client.create_org_unit(create(&tree.root.id, "X2", "某单位", "spaceship")).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "UNKNOWN_UNIT_KIND", Some("org_unit.kind"));
        let err = h.client.create_org_unit(create(&tree.root.id, "T01", "重复镇", "town")).await.unwrap_err();
        assert_error(&err, Code::AlreadyExists, "ORG_UNIT_CODE_TAKEN", Some("org_unit.code"));
        let err = h.client.create_org_unit(create(&tree.root.id, "bad code", " ", "town")).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_ORG_UNIT", Some("org_unit.name"));
        assert_error(&err, Code::InvalidArgument, "INVALID_ORG_UNIT", Some("org_unit.code"));
        let err = h.client.create_org_unit(create("no-such-unit", "X3", "某镇", "town")).await.unwrap_err();
        assert_error(&err, Code::NotFound, "ORG_UNIT_NOT_FOUND", Some("org_unit.parent_id"));

        // Listing: roots, children, the subtree, by kind, paged.
        let roots = list(&mut h, pb::ListOrgUnitsRequest::default()).await;
        assert_eq!(roots.org_units.len(), 1);
        let children =
            list(&mut h, pb::ListOrgUnitsRequest { parent_id: tree.root.id.clone(), ..Default::default() })
                .await;
        assert_eq!(codes(&children), ["T01", "U01"]);
        let subtree =
            list(&mut h, pb::ListOrgUnitsRequest { ancestor_id: tree.root.id.clone(), ..Default::default() })
                .await;
        assert_eq!(codes(&subtree), ["T01", "U01", "T01V01"], "by depth, then code");
        assert_eq!(subtree.total_size, 3);
        let towns = list(
            &mut h,
            pb::ListOrgUnitsRequest {
                ancestor_id: tree.root.id.clone(),
                kind: "town".into(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(codes(&towns), ["T01"]);
        let first = list(
            &mut h,
            pb::ListOrgUnitsRequest { ancestor_id: tree.root.id.clone(), page_size: 2, ..Default::default() },
        )
        .await;
        assert_eq!(codes(&first), ["T01", "U01"]);
        let second = list(
            &mut h,
            pb::ListOrgUnitsRequest {
                ancestor_id: tree.root.id.clone(),
                page_size: 2,
                page_token: first.next_page_token.clone(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!((codes(&second), second.next_page_token.as_str()), (vec!["T01V01".to_owned()], ""));
        let err = h
            .client
            .list_org_units(pb::ListOrgUnitsRequest {
                parent_id: tree.root.id.clone(),
                page_token: first.next_page_token,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_PAGE_TOKEN", Some("page_token"));
        let err = h
            .client
            .list_org_units(pb::ListOrgUnitsRequest {
                parent_id: "a".into(),
                ancestor_id: "b".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "CONFLICTING_FILTERS", Some("ancestor_id"));

        let err = h.client.get_org_unit(pb::GetOrgUnitRequest { id: "missing".into() }).await.unwrap_err();
        assert_error(&err, Code::NotFound, "ORG_UNIT_NOT_FOUND", Some("id"));
        let err = h.client.get_org_unit(pb::GetOrgUnitRequest { id: String::new() }).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_ID", Some("id"));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renames_moves_and_closes_keep_the_tree_consistent() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let tree = h.small_tree().await;
        let town2 = h.unit(&tree.root.id, "T02", "新城镇", "town").await;

        let renamed = h
            .client
            .rename_org_unit(pb::RenameOrgUnitRequest {
                request_id: rid(),
                id: tree.town.id.clone(),
                name: "城关镇（新）".into(),
                expected_version: 1,
            })
            .await
            .unwrap()
            .into_inner()
            .org_unit
            .unwrap();
        assert_eq!((renamed.name.as_str(), renamed.version), ("城关镇（新）", 2), "{}", h.backend);
        let stale = h
            .client
            .rename_org_unit(pb::RenameOrgUnitRequest {
                request_id: rid(),
                id: tree.town.id.clone(),
                name: "x".into(),
                expected_version: 1,
            })
            .await
            .unwrap_err();
        assert_error(&stale, Code::Aborted, "VERSION_MISMATCH", None);

        // A move into the unit's own subtree is a cycle; under itself too.
        for target in [&tree.village.id, &tree.town.id] {
            let err = h
                .client
                .move_org_unit(pb::MoveOrgUnitRequest {
                    request_id: rid(),
                    id: tree.town.id.clone(),
                    new_parent_id: target.clone(),
                    expected_version: 0,
                })
                .await
                .unwrap_err();
            assert_error(&err, Code::FailedPrecondition, "UNIT_MOVE_CYCLE", Some("new_parent_id"));
        }
        let err = h
            .client
            .move_org_unit(pb::MoveOrgUnitRequest {
                request_id: rid(),
                id: tree.root.id.clone(),
                new_parent_id: town2.id.clone(),
                expected_version: 0,
            })
            .await
            .unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "ROOT_UNIT_IMMOVABLE", None);

        // A village moves to another town: its ancestors follow.
        let moved = h
            .client
            .move_org_unit(pb::MoveOrgUnitRequest {
                request_id: rid(),
                id: tree.village.id.clone(),
                new_parent_id: town2.id.clone(),
                expected_version: 0,
            })
            .await
            .unwrap()
            .into_inner()
            .org_unit
            .unwrap();
        assert_eq!(moved.parent_id, town2.id);
        assert_eq!(moved.ancestor_ids, vec![tree.root.id.clone(), town2.id.clone(), tree.village.id.clone()]);
        let under_t2 = h
            .client
            .list_org_units(pb::ListOrgUnitsRequest { ancestor_id: town2.id.clone(), ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(under_t2.org_units.len(), 1);

        // Closing: not with open children, not with cadres in post, not the root; a reason is required.
        let err = h.client.close_org_unit(close(&town2.id, "合并")).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "UNIT_HAS_OPEN_CHILDREN", None);
        h.cadre(sample_cadre(&tree.village.id, "李村", 11)).await;
        let err = h.client.close_org_unit(close(&tree.village.id, "撤并")).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "UNIT_HAS_CADRES", None);
        let err = h.client.close_org_unit(close(&tree.root.id, "x")).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "ROOT_UNIT_PERMANENT", None);
        let err = h.client.close_org_unit(close(&tree.bureau.id, " ")).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_REASON", Some("reason"));
        let closed = h
            .client
            .close_org_unit(close(&tree.bureau.id, "机构改革"))
            .await
            .unwrap()
            .into_inner()
            .org_unit
            .unwrap();
        assert_eq!(closed.state, pb::OrgUnitState::Closed as i32);
        let err =
            h.client.create_org_unit(create(&tree.bureau.id, "X9", "某科", "village")).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "PARENT_UNIT_CLOSED", None);
        let open_children = h
            .client
            .list_org_units(pb::ListOrgUnitsRequest { parent_id: tree.root.id.clone(), ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert!(
            open_children.org_units.iter().all(|u| u.code != "U01"),
            "closed units are hidden by default"
        );

        // Every change is audited and published; refusals wrote nothing.
        assert_eq!(h.audit_records().await, 9, "5 creates, rename, move, cadre, close");
        let events = h.event_count().await;
        assert_eq!(events, 9, "5 created, renamed, moved, cadre created, closed");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_replays_and_cannot_be_reused() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let request = create("", "D000", "锦绣区", "district");
        let first = h.client.create_org_unit(request.clone()).await.unwrap().into_inner().org_unit.unwrap();
        let again = h.client.create_org_unit(request.clone()).await.unwrap().into_inner().org_unit.unwrap();
        assert_eq!(first, again, "{}: a retry gets the first answer", h.backend);
        let mut other = request.clone();
        other.org_unit.as_mut().unwrap().name = "别的区".into();
        let err = h.client.create_org_unit(other).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "REQUEST_ID_REUSED", Some("request_id"));
        let mut no_id = request;
        no_id.request_id.clear();
        let err = h.client.create_org_unit(no_id).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_REQUEST_ID", Some("request_id"));
        assert_eq!(h.audit_records().await, 1);
        h.stop().await;
    }
}

fn close(id: &str, reason: &str) -> pb::CloseOrgUnitRequest {
    pb::CloseOrgUnitRequest { request_id: rid(), id: id.into(), reason: reason.into() }
}

async fn list(h: &mut Harness, request: pb::ListOrgUnitsRequest) -> pb::ListOrgUnitsResponse {
    h.client.list_org_units(request).await.unwrap().into_inner()
}

fn codes(response: &pb::ListOrgUnitsResponse) -> Vec<String> {
    response.org_units.iter().map(|u| u.code.clone()).collect()
}

//! Cadre records over a real socket, on SQLite and PostgreSQL.

mod harness;

use cadre_platform::testing::TestDatabase;
use cadre_proto::{directory as pb, events::WatchRequest};
use harness::{Harness, assert_error, citizen_id, date, rid, sample_cadre};
use prost::Message as _;
use tonic::Code;

fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask { paths: paths.iter().map(|p| (*p).to_owned()).collect() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_validated_before_anything_is_written() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let tree = h.small_tree().await;
        let before = (h.audit_records().await, h.event_count().await);
        let create = |cadre: pb::Cadre| pb::CreateCadreRequest { request_id: rid(), cadre: Some(cadre) };

        let mut wrong_check_digit = sample_cadre(&tree.town.id, "王芳", 12);
        let last = wrong_check_digit.citizen_id.pop().unwrap();
        wrong_check_digit.citizen_id.push(if last == '0' { '1' } else { '0' });
        let err = h.client.create_cadre(create(wrong_check_digit)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_CADRE", Some("cadre.citizen_id"));

        let mut young_member = sample_cadre(&tree.town.id, "王芳", 12);
        young_member.party_entry_date = Some(date("2003-03-14"));
        let err = h.client.create_cadre(create(young_member)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_CADRE", Some("cadre.party_entry_date"));

        let mut other_birthday = sample_cadre(&tree.town.id, "王芳", 12);
        other_birthday.birth_date = Some(date("1985-03-16"));
        let err = h.client.create_cadre(create(other_birthday)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_CADRE", Some("cadre.birth_date"));

        let mut impossible_date = sample_cadre(&tree.town.id, "王芳", 12);
        impossible_date.work_start_date = Some(cadre_proto::types::Date { year: 2007, month: 2, day: 30 });
        let err = h.client.create_cadre(create(impossible_date)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_CADRE", Some("cadre.work_start_date"));

        let err = h.client.create_cadre(create(pb::Cadre::default())).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_CADRE", Some("cadre.gender"));

        let err = h.client.create_cadre(create(sample_cadre("no-such-unit", "王芳", 12))).await.unwrap_err();
        assert_error(&err, Code::NotFound, "ORG_UNIT_NOT_FOUND", Some("cadre.employing_unit_id"));

        assert_eq!(
            (h.audit_records().await, h.event_count().await),
            before,
            "{}: refusals write nothing",
            h.backend
        );

        h.cadre(sample_cadre(&tree.town.id, "王芳", 12)).await;
        let mut twin = sample_cadre(&tree.bureau.id, "王芳芳", 12);
        twin.name = "王芳芳".into();
        let err = h.client.create_cadre(create(twin)).await.unwrap_err();
        assert_error(&err, Code::AlreadyExists, "CADRE_CITIZEN_ID_TAKEN", Some("cadre.citizen_id"));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_read_searched_updated_and_their_history_kept() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        let tree = h.small_tree().await;
        let zhang = h.cadre(sample_cadre(&tree.town.id, "张伟", 1)).await;
        assert!(zhang.citizen_id.contains("********"), "{}: masked outside GetCadre", h.backend);
        let mut leader = sample_cadre(&tree.town.id, "李娜", 2);
        leader.post = Some(pb::Post {
            title: "党委书记".into(),
            level: pb::PostLevel::TownshipPrincipal as i32,
            is_leader: true,
            is_team_member: true,
            is_principal: true,
            start_date: Some(date("2020-05-01")),
        });
        leader.rank = Some(pb::Rank {
            grade: pb::RankGrade::PrincipalStaff1 as i32,
            start_date: Some(date("2021-01-01")),
        });
        let li = h.cadre(leader).await;
        let mut village_cadre = sample_cadre(&tree.village.id, "张强", 3);
        village_cadre.managing_unit_id = tree.town.id.clone();
        h.cadre(village_cadre).await;
        h.cadre(sample_cadre(&tree.bureau.id, "赵敏", 4)).await;

        let audits = h.audit_records().await;
        let full = h
            .client
            .get_cadre(pb::GetCadreRequest { id: zhang.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .cadre
            .unwrap();
        assert_eq!(full.citizen_id, citizen_id("1985-03-15", 1));
        assert_eq!(h.audit_records().await, audits + 1, "reading the full citizen id is audited");
        let err = h.client.get_cadre(pb::GetCadreRequest { id: "nobody".into() }).await.unwrap_err();
        assert_error(&err, Code::NotFound, "CADRE_NOT_FOUND", Some("id"));

        let search = |request: pb::SearchCadresRequest| {
            let mut client = h.client.clone();
            async move { client.search_cadres(request).await.unwrap().into_inner() }
        };
        let names =
            |r: &pb::SearchCadresResponse| r.cadres.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let zhangs = search(pb::SearchCadresRequest { name_query: "张".into(), ..Default::default() }).await;
        assert_eq!(names(&zhangs), ["张伟", "张强"]);
        assert!(zhangs.cadres.iter().all(|c| c.citizen_id.contains('*')));
        let in_town =
            search(pb::SearchCadresRequest { org_unit_id: tree.town.id.clone(), ..Default::default() }).await;
        assert_eq!(names(&in_town), ["张伟", "李娜", "张强"], "the town's subtree, and cadres it manages");
        let ranked = search(pb::SearchCadresRequest {
            rank: pb::RankGrade::PrincipalStaff1 as i32,
            ..Default::default()
        })
        .await;
        assert_eq!(names(&ranked), ["李娜"]);
        let team = search(pb::SearchCadresRequest { team_members_only: true, ..Default::default() }).await;
        assert_eq!(names(&team), ["李娜"]);
        let literal = search(pb::SearchCadresRequest { name_query: "%".into(), ..Default::default() }).await;
        assert!(literal.cadres.is_empty(), "LIKE wildcards are matched literally");
        let page1 = search(pb::SearchCadresRequest { page_size: 3, ..Default::default() }).await;
        let page2 = search(pb::SearchCadresRequest {
            page_size: 3,
            page_token: page1.next_page_token.clone(),
            ..Default::default()
        })
        .await;
        assert_eq!((page1.cadres.len(), page2.cadres.len(), page1.total_size), (3, 1, 4));
        assert!(page2.next_page_token.is_empty());
        let err = h
            .client
            .search_cadres(pb::SearchCadresRequest { rank: 99, ..Default::default() })
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_SEARCH", Some("rank"));

        let team = h
            .client
            .get_leadership_team(pb::GetLeadershipTeamRequest { org_unit_id: tree.town.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .leadership_team
            .unwrap();
        assert_eq!(team.members[0].cadre_id, li.id, "the principal heads the team");
        assert_eq!(
            team.members.iter().map(|m| (m.name.as_str(), m.is_principal)).collect::<Vec<_>>(),
            [("李娜", true)]
        );

        // A promotion and a transfer through field masks.
        let mut watch =
            h.feed.watch(WatchRequest { from_head: true, ..Default::default() }).await.unwrap().into_inner();
        assert!(watch.message().await.unwrap().unwrap().caught_up);
        let update = |cadre: pb::Cadre, paths: &[&str], version: i64| pb::UpdateCadreRequest {
            request_id: rid(),
            cadre: Some(cadre),
            update_mask: mask(paths),
            expected_version: version,
        };
        let promoted = pb::Cadre {
            id: zhang.id.clone(),
            rank: Some(pb::Rank {
                grade: pb::RankGrade::PrincipalStaff2 as i32,
                start_date: Some(date("2025-01-01")),
            }),
            name: "ignored because not in the mask".into(),
            ..Default::default()
        };
        let after =
            h.client.update_cadre(update(promoted, &["rank"], 1)).await.unwrap().into_inner().cadre.unwrap();
        assert_eq!((after.name.as_str(), after.version), ("张伟", 2));
        assert_eq!(after.rank.unwrap().grade, pb::RankGrade::PrincipalStaff2 as i32);
        let transferred = pb::Cadre {
            id: zhang.id.clone(),
            employing_unit_id: tree.bureau.id.clone(),
            managing_unit_id: tree.bureau.id.clone(),
            ..Default::default()
        };
        h.client
            .update_cadre(update(transferred, &["employing_unit_id", "managing_unit_id"], 0))
            .await
            .unwrap();
        let mut types = Vec::new();
        while types.len() < 3 {
            let item = watch.message().await.unwrap().unwrap();
            if let Some(event) = item.event {
                types.push(event.event_type.clone());
                if event.event_type.ends_with("CadreTransferredEvent") {
                    let payload =
                        pb::CadreTransferredEvent::decode(event.payload.unwrap().value.as_slice()).unwrap();
                    assert_eq!(
                        (payload.previous_employing_unit_id, payload.employing_unit_id),
                        (tree.town.id.clone(), tree.bureau.id.clone())
                    );
                }
            }
        }
        assert_eq!(
            types,
            [
                "cadre.directory.v1.CadreChangedEvent",
                "cadre.directory.v1.CadreChangedEvent",
                "cadre.directory.v1.CadreTransferredEvent"
            ]
        );

        let stale = h
            .client
            .update_cadre(update(
                pb::Cadre { id: zhang.id.clone(), name: "张三".into(), ..Default::default() },
                &["name"],
                1,
            ))
            .await
            .unwrap_err();
        assert_error(&stale, Code::Aborted, "VERSION_MISMATCH", None);
        let bad_mask = h
            .client
            .update_cadre(update(pb::Cadre { id: zhang.id.clone(), ..Default::default() }, &["id"], 0))
            .await
            .unwrap_err();
        assert_error(&bad_mask, Code::InvalidArgument, "INVALID_UPDATE_MASK", Some("update_mask.paths"));
        let no_mask = h
            .client
            .update_cadre(update(pb::Cadre { id: zhang.id.clone(), ..Default::default() }, &[], 0))
            .await
            .unwrap_err();
        assert_error(&no_mask, Code::InvalidArgument, "INVALID_UPDATE_MASK", Some("update_mask"));
        let under_age = pb::Cadre {
            id: zhang.id.clone(),
            party_entry_date: Some(date("2000-01-01")),
            ..Default::default()
        };
        let err = h.client.update_cadre(update(under_age, &["party_entry_date"], 0)).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "INVALID_CADRE", Some("cadre.party_entry_date"));

        let history = h
            .client
            .list_cadre_changes(pb::ListCadreChangesRequest {
                cadre_id: zhang.id.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let kinds: Vec<_> = history.changes.iter().map(|c| (c.version, c.kind.as_str())).collect();
        assert_eq!(kinds, [(3, "TRANSFERRED"), (2, "UPDATED"), (1, "CREATED")]);
        assert_eq!(history.changes[1].changed_fields, ["rank"]);
        assert!(history.changes[1].before_json.contains("principal_staff_3"));
        let paged = h
            .client
            .list_cadre_changes(pb::ListCadreChangesRequest {
                cadre_id: zhang.id.clone(),
                page_size: 2,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let rest = h
            .client
            .list_cadre_changes(pb::ListCadreChangesRequest {
                cadre_id: zhang.id.clone(),
                page_size: 2,
                page_token: paged.next_page_token,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(rest.changes.iter().map(|c| c.version).collect::<Vec<_>>(), [1]);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_away_answers_unavailable() {
    let Some(database) = TestDatabase::postgres() else { return };
    let mut h = Harness::start(database).await;
    let tree = h.small_tree().await;
    let (admin, name) = {
        let url = &h.database.url;
        let name = url.rsplit('/').next().unwrap().to_owned();
        (
            std::env::var("CADRE_TEST_PG_URL")
                .unwrap_or_else(|_| cadre_platform::testing::DEFAULT_PG_URL.to_owned()),
            name,
        )
    };
    tokio::task::spawn_blocking(move || {
        use diesel::{Connection as _, RunQueryDsl as _};
        let mut conn = diesel::PgConnection::establish(&admin).unwrap();
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn).unwrap();
    })
    .await
    .unwrap();
    for _ in 0..3 {
        let err =
            h.client.get_org_unit(pb::GetOrgUnitRequest { id: tree.town.id.clone() }).await.unwrap_err();
        assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    }
    let err = h
        .client
        .create_org_unit(pb::CreateOrgUnitRequest {
            request_id: rid(),
            org_unit: Some(pb::OrgUnit {
                parent_id: tree.root.id.clone(),
                code: "T09".into(),
                name: "九镇".into(),
                kind: "town".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    h.stop().await;
}

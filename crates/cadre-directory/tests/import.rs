//! The HR import and the demo district, over a real socket, on SQLite and PostgreSQL.

mod harness;

use cadre_directory::service::Seed;
use cadre_platform::testing::TestDatabase;
use cadre_proto::directory::{self as pb, ImportCadresRequest};
use harness::{Harness, citizen_id, date};

fn record(n: u16, unit_code: &str) -> pb::HrCadreRecord {
    // A citizen id's sequence has three digits: the birth day moves on every 900 people.
    let birth = (chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()
        + chrono::Days::new(u64::from(n / 900)))
    .to_string();
    let birth = birth.as_str();
    pb::HrCadreRecord {
        external_id: format!("HR{n:05}"),
        name: format!("员工{n}"),
        citizen_id: citizen_id(birth, n % 900 + 1),
        gender: if (n % 900 + 1) % 2 == 1 { pb::Gender::Male } else { pb::Gender::Female } as i32,
        birth_date: Some(date(birth)),
        work_start_date: Some(date("2002-07-01")),
        party_entry_date: None,
        education: pb::Education::University as i32,
        category: pb::CadreCategory::CivilServant as i32,
        employing_unit_code: unit_code.into(),
        managing_unit_code: String::new(),
        post: Some(pb::Post {
            title: "科员".into(),
            level: pb::PostLevel::None as i32,
            ..Default::default()
        }),
        rank: Some(pb::Rank { grade: pb::RankGrade::Staff1 as i32, start_date: Some(date("2010-01-01")) }),
        status: pb::CadreStatus::Active as i32,
    }
}

async fn import(h: &mut Harness, rows: Vec<pb::HrCadreRecord>) -> pb::ImportCadresResponse {
    let stream = tokio_stream::iter(rows.into_iter().map(|r| ImportCadresRequest { record: Some(r) }));
    h.client.import_cadres(stream).await.unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_are_idempotent_and_refuse_bad_rows_whole() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database).await;
        h.small_tree().await;
        // 1 200 rows cross two chunk boundaries. Row 7 names no unit, row 1 100 has a bad check digit, and
        // row 23 reuses row 21's citizen id, which only the database's unique index catches: the row's
        // savepoint must undo it without spoiling the rest of its chunk.
        let mut rows: Vec<_> =
            (1..=1200).map(|n| record(n, if n % 2 == 0 { "T01" } else { "U01" })).collect();
        rows[6].employing_unit_code = "NOPE".into();
        rows[1099].citizen_id.replace_range(17.., "Z");
        rows[22].citizen_id = rows[20].citizen_id.clone();
        let first = import(&mut h, rows.clone()).await;
        assert_eq!(
            (first.received, first.created, first.updated, first.unchanged, first.rejected),
            (1200, 1197, 0, 0, 3),
            "{}",
            h.backend
        );
        let rejected: Vec<_> =
            first.errors.iter().map(|e| (e.row, e.external_id.as_str(), e.reason.as_str())).collect();
        assert_eq!(
            rejected,
            [
                (7, "HR00007", "INVALID_ROW"),
                (23, "HR00023", "CADRE_CITIZEN_ID_TAKEN"),
                (1100, "HR01100", "INVALID_ROW")
            ]
        );
        assert_eq!(first.errors[0].field_errors[0].field, "employing_unit_code");
        assert_eq!(first.errors[1].field_errors[0].field, "citizen_id");
        assert_eq!(first.errors[2].field_errors[0].field, "citizen_id");
        let events = h.event_count().await;
        let audits = h.audit_records().await;

        let again = import(&mut h, rows.clone()).await;
        assert_eq!(
            (again.created, again.updated, again.unchanged, again.rejected),
            (0, 0, 1197, 3),
            "re-importing changes nothing"
        );
        assert_eq!((h.event_count().await, h.audit_records().await), (events, audits));

        rows[0].name = "员工一".into();
        rows[6].employing_unit_code = "T01".into();
        let fixed = import(&mut h, rows).await;
        assert_eq!((fixed.created, fixed.updated, fixed.unchanged, fixed.rejected), (1, 1, 1196, 2));
        let renamed = h
            .client
            .search_cadres(pb::SearchCadresRequest { name_query: "员工一".into(), ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(renamed.cadres.len(), 1);
        let history = h
            .client
            .list_cadre_changes(pb::ListCadreChangesRequest {
                cadre_id: renamed.cadres[0].id.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            history.changes.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>(),
            ["IMPORTED", "IMPORTED"]
        );
        assert_eq!(history.changes[0].changed_fields, ["name"]);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_district_has_the_shape_of_the_speech() {
    for database in TestDatabase::each() {
        let mut h = Harness::start_with(database, Seed::DemoDistrict).await;
        let roots = h.client.list_org_units(pb::ListOrgUnitsRequest::default()).await.unwrap().into_inner();
        let root = &roots.org_units[0];
        let all = h
            .client
            .list_org_units(pb::ListOrgUnitsRequest {
                ancestor_id: root.id.clone(),
                page_size: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let second = all.org_units.iter().filter(|u| u.depth == 1).count();
        let third = all.org_units.iter().filter(|u| u.depth == 2).count();
        assert_eq!(
            (second, third),
            (57, 48),
            "{}: 57 towns, streets and district units; 48 villages and communities",
            h.backend
        );
        let cadres = h
            .client
            .search_cadres(pb::SearchCadresRequest { page_size: 1, ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert!((2900..=3100).contains(&cadres.total_size), "{}", cadres.total_size);
        let t01 = all.org_units.iter().find(|u| u.code == "T01").unwrap();
        let team = h
            .client
            .get_leadership_team(pb::GetLeadershipTeamRequest { org_unit_id: t01.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .leadership_team
            .unwrap();
        assert!(team.members.len() >= 6 && team.members[0].is_principal);
        let principal = h
            .system
            .resolve_principal(pb::ResolvePrincipalRequest {
                subject: Some(pb::resolve_principal_request::Subject::Username("leader.t01".into())),
            })
            .await
            .unwrap()
            .into_inner()
            .principal
            .unwrap();
        assert_eq!(principal.scope_unit_id, t01.id);
        let audits = h.audit_records().await;

        // A restart does not seed twice.
        let database = {
            let Harness { database, .. } = h;
            database
        };
        let h = Harness::start_with(database, Seed::DemoDistrict).await;
        assert_eq!(h.audit_records().await, audits);
        h.stop().await;
    }
}

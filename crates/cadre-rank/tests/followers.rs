//! The two followers' relists and events, applied to a database of each backend as the generic follower
//! applies them (inside one transaction): the directory's snapshot imports grades and computes the rows of
//! the lists; the assessment service's results keep the highest revision per cadre and year, and a relist
//! forgets what the assessment service no longer lists.

use cadre_platform::{Db, db::PoolOptions, testing::TestDatabase};
use cadre_projection::{DirectorySnapshot, follower::FeedSource};
use cadre_proto::{assessment as asm, directory as dir, events::Event, types};
use cadre_rank::{
    followers::{AssessmentFeed, RankDirectoryFeed},
    store::{self, MIGRATIONS},
};
use prost::{Message, Name};

fn date(y: i32, m: i32, d: i32) -> Option<types::Date> {
    Some(types::Date { year: y, month: m, day: d })
}

fn snapshot(grade: dir::RankGrade, since: Option<types::Date>) -> DirectorySnapshot {
    let unit = |id: &str, parent: &str, ancestors: &[&str]| dir::OrgUnit {
        id: id.into(),
        parent_id: parent.into(),
        name: id.into(),
        kind: "district_unit".into(),
        ancestor_ids: ancestors.iter().map(|a| (*a).to_owned()).collect(),
        state: dir::OrgUnitState::Active as i32,
        ..Default::default()
    };
    let cadre = |id: &str, rank: Option<dir::Rank>| dir::Cadre {
        id: id.into(),
        name: id.into(),
        category: dir::CadreCategory::CivilServant as i32,
        status: dir::CadreStatus::Active as i32,
        employing_unit_id: "u".into(),
        managing_unit_id: "u".into(),
        rank,
        ..Default::default()
    };
    DirectorySnapshot {
        units: vec![unit("d", "", &["d"]), unit("u", "d", &["d", "u"])],
        cadres: vec![
            cadre("c1", Some(dir::Rank { grade: grade as i32, start_date: since })),
            cadre("c2", None),
        ],
    }
}

fn result(cadre: &str, year: i32, outcome: asm::AnnualOutcome, revision: i32) -> asm::AnnualResult {
    asm::AnnualResult {
        assessment_id: format!("a-{cadre}-{year}"),
        cadre_id: cadre.into(),
        year,
        outcome: outcome as i32,
        published_on: date(year + 1, 2, 1),
        revision,
    }
}

fn published(result: asm::AnnualResult) -> Event {
    let payload = asm::AnnualResultPublishedEvent {
        result: Some(result),
        consequences: vec![],
        org_unit_id: "u".into(),
    };
    Event {
        event_id: "e1".into(),
        event_type: asm::AnnualResultPublishedEvent::full_name(),
        payload: Some(prost_types::Any {
            type_url: format!("type.googleapis.com/{}", asm::AnnualResultPublishedEvent::full_name()),
            value: payload.encode_to_vec(),
        }),
        ..Default::default()
    }
}

/// The rows of the lists in the district, eligible by `by` when given.
fn list(
    conn: &mut cadre_platform::DbConn,
    by: Option<chrono::NaiveDate>,
) -> Result<Vec<store::eligibility::EligibilityRow>, cadre_platform::ApiError> {
    let reach = store::scope::Reach { scope: cadre_platform::auth::DataScope::district(), subtree: None };
    store::eligibility::list(
        conn,
        store::eligibility::Filter { reach, target: None, eligible_by: by },
        None,
        10,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relists_and_events_keep_history_results_and_lists_current() {
    for database in TestDatabase::each() {
        let backend = database.backend;
        let db =
            Db::connect(&database.url, PoolOptions { max_size: 2, ..PoolOptions::default() }).await.unwrap();
        db.migrate(&MIGRATIONS).await.unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        db.write(move |conn| store::eligibility::set_day(conn, day)).await.unwrap();

        // The directory's relist: c1's grade is imported, and c1 gets a row of the lists; c2 has no grade
        // but is a civil servant with nothing to count from, so no row.
        let first = snapshot(dir::RankGrade::Staff1, date(2024, 1, 1));
        db.write(move |conn| RankDirectoryFeed::replace(conn, &first)).await.unwrap();
        let (holdings, rows) = db
            .run(|conn| Ok((store::holdings::of_cadre(conn, "c1")?, store::eligibility::all_ids(conn)?)))
            .await
            .unwrap();
        assert_eq!(holdings.len(), 1, "{backend}");
        assert_eq!((holdings[0].grade.as_str(), holdings[0].source.as_str()), ("STAFF_1", "IMPORTED"));
        assert_eq!(rows, vec!["c1".to_owned()], "{backend}");

        // Results on the feed: a later revision replaces, an earlier one does not.
        let events = [
            published(result("c1", 2024, asm::AnnualOutcome::Competent, 1)),
            published(result("c1", 2025, asm::AnnualOutcome::Competent, 1)),
            published(result("c1", 2025, asm::AnnualOutcome::Excellent, 2)),
            published(result("c1", 2025, asm::AnnualOutcome::BasicallyCompetent, 1)),
        ];
        for event in events {
            assert!(db.write(move |conn| AssessmentFeed::apply(conn, &event)).await.unwrap());
        }
        let kept = db.run(|conn| store::results::of_cadre(conn, "c1")).await.unwrap();
        let outcomes: Vec<(i32, &str, i32)> =
            kept.iter().map(|r| (r.year, r.outcome.as_str(), r.revision)).collect();
        assert_eq!(outcomes, vec![(2024, "COMPETENT", 1), (2025, "EXCELLENT", 2)], "{backend}");
        // Two 称职-or-better years, one 优秀: met 2025-07-01 (24 − 6 months), so due on the day.
        let row = db.run(move |conn| list(conn, Some(day))).await.unwrap();
        assert_eq!(row.len(), 1, "{backend}");
        assert_eq!(
            row[0].eligible_from,
            chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            "{backend}: {row:?}"
        );

        // The assessment service's relist no longer has 2024: forgotten, and the row recomputed.
        let listed = vec![result("c1", 2025, asm::AnnualOutcome::Excellent, 2)];
        db.write(move |conn| AssessmentFeed::replace(conn, &listed)).await.unwrap();
        let kept = db.run(|conn| store::results::of_cadre(conn, "c1")).await.unwrap();
        assert_eq!(kept.len(), 1, "{backend}");
        let row = db.run(move |conn| list(conn, None)).await.unwrap();
        assert!(row[0].eligible_from > day, "{backend}: 2024 uncounted, not due: {row:?}");

        // A relist in which the directory changed c1's grade by itself: a new holding from its date.
        let second = snapshot(dir::RankGrade::PrincipalStaff4, date(2026, 2, 1));
        db.write(move |conn| RankDirectoryFeed::replace(conn, &second)).await.unwrap();
        let holdings = db.run(|conn| store::holdings::of_cadre(conn, "c1")).await.unwrap();
        assert_eq!(holdings.len(), 2, "{backend}");
        assert_eq!((holdings[0].grade.as_str(), holdings[0].end_date), ("PRINCIPAL_STAFF_4", None));
        assert_eq!(holdings[1].end_date, chrono::NaiveDate::from_ymd_opt(2026, 1, 31));
        // The same snapshot again changes nothing.
        let again = snapshot(dir::RankGrade::PrincipalStaff4, date(2026, 2, 1));
        db.write(move |conn| RankDirectoryFeed::replace(conn, &again)).await.unwrap();
        assert_eq!(db.run(|conn| store::holdings::of_cadre(conn, "c1")).await.unwrap().len(), 2, "{backend}");
    }
}

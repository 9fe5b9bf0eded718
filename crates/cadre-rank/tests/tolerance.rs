//! The care service's 容错 decisions as the rank service follows them, on a database of each backend: an
//! exemption lifts the promotion block of the measure it names while the measure stays on record; a later
//! decision on the same measure replaces it, an older one does not; a relist forgets what care no longer
//! lists.

use cadre_platform::{Db, DbConn, db::PoolOptions, testing::TestDatabase};
use cadre_projection::{DirectorySnapshot, follower::FeedSource};
use cadre_proto::{care, directory as dir, events::Event, types};
use cadre_rank::{
    domain::eligibility::BlockReason,
    followers::{CareFeed, RankDirectoryFeed},
    store::{self, MIGRATIONS, measures::MeasureRow},
    workflow::eligibility,
};
use chrono::NaiveDate;
use prost::{Message, Name};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn date(day: NaiveDate) -> Option<types::Date> {
    use chrono::Datelike;
    Some(types::Date { year: day.year(), month: day.month() as i32, day: day.day() as i32 })
}

/// One district unit with one 一级科员 of long standing, due for promotion but for what this test records.
fn district() -> DirectorySnapshot {
    let unit = |id: &str, parent: &str, ancestors: &[&str]| dir::OrgUnit {
        id: id.into(),
        parent_id: parent.into(),
        name: id.into(),
        kind: "district_unit".into(),
        ancestor_ids: ancestors.iter().map(|a| (*a).to_owned()).collect(),
        state: dir::OrgUnitState::Active as i32,
        ..Default::default()
    };
    DirectorySnapshot {
        units: vec![unit("d", "", &["d"]), unit("u", "d", &["d", "u"])],
        cadres: vec![dir::Cadre {
            id: "c1".into(),
            name: "c1".into(),
            category: dir::CadreCategory::CivilServant as i32,
            status: dir::CadreStatus::Active as i32,
            employing_unit_id: "u".into(),
            managing_unit_id: "u".into(),
            rank: Some(dir::Rank { grade: dir::RankGrade::Staff1 as i32, start_date: date(d(2018, 1, 1)) }),
            ..Default::default()
        }],
    }
}

fn admonishment(source_id: &str) -> MeasureRow {
    MeasureRow {
        source_id: source_id.into(),
        cadre_id: "c1".into(),
        kind: "ADMONISHMENT".into(),
        effective_date: d(2026, 2, 1),
        last_day: Some(d(2026, 7, 31)),
        last_day_computed: true,
        basis: "区纪委〔2026〕3号".into(),
        still_affects_use: false,
        recorded_by: "test".into(),
        updated_at: cadre_platform::clock::now(),
    }
}

fn review(
    id: &str,
    measure: &str,
    decision: care::ToleranceDecision,
    on: NaiveDate,
) -> care::ToleranceReview {
    care::ToleranceReview {
        id: id.into(),
        cadre_id: "c1".into(),
        measure_source_id: measure.into(),
        decision: decision as i32,
        decided_on: date(on),
        ..Default::default()
    }
}

fn decided(review: care::ToleranceReview) -> Event {
    let payload = care::ToleranceReviewDecidedEvent { review: Some(review) };
    Event {
        event_id: "e1".into(),
        event_type: care::ToleranceReviewDecidedEvent::full_name(),
        payload: Some(prost_types::Any {
            type_url: format!("type.googleapis.com/{}", care::ToleranceReviewDecidedEvent::full_name()),
            value: payload.encode_to_vec(),
        }),
        ..Default::default()
    }
}

/// Whether c1's row of the lists carries a restriction block, and how many measures are on record for c1.
fn state(conn: &mut DbConn) -> Result<(bool, usize), cadre_platform::ApiError> {
    let reach = store::scope::Reach { scope: cadre_platform::auth::DataScope::district(), subtree: None };
    let filter = store::eligibility::Filter { reach, target: None, eligible_by: None };
    let rows = store::eligibility::list(conn, filter, None, 10)?;
    // The blocks are stored as JSON: look for the reason as it serialises.
    let reason = serde_json::to_string(&BlockReason::RestrictionInEffect).unwrap_or_default();
    let restricted = rows.iter().any(|r| r.cadre_id == "c1" && r.blocks.contains(&reason));
    use diesel::prelude::*;
    let recorded: i64 = store::schema::conduct_measures::table
        .filter(store::schema::conduct_measures::cadre_id.eq("c1"))
        .count()
        .get_result(conn)?;
    Ok((restricted, usize::try_from(recorded).unwrap_or_default()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exemption_lifts_the_block_and_keeps_the_record() {
    use care::ToleranceDecision::{Exempt, Mitigate, Reject};
    for database in TestDatabase::each() {
        let backend = database.backend;
        let db =
            Db::connect(&database.url, PoolOptions { max_size: 2, ..PoolOptions::default() }).await.unwrap();
        db.migrate(&MIGRATIONS).await.unwrap();
        db.write(|conn| {
            store::eligibility::set_day(conn, d(2026, 3, 2))?;
            RankDirectoryFeed::replace(conn, &district())?;
            store::measures::upsert(conn, &admonishment("JJ-1"))?;
            eligibility::refresh(conn, "c1")
        })
        .await
        .unwrap();
        assert_eq!(db.run(state).await.unwrap(), (true, 1), "{backend}: the 诫勉 blocks");

        // A mitigation lifts nothing; an exemption lifts the block, and the measure stays on record.
        let event = decided(review("r1", "JJ-1", Mitigate, d(2026, 3, 1)));
        assert!(db.write(move |conn| CareFeed::apply(conn, &event)).await.unwrap());
        assert_eq!(db.run(state).await.unwrap(), (true, 1), "{backend}: 从轻 keeps the block");
        let event = decided(review("r2", "JJ-1", Exempt, d(2026, 3, 2)));
        assert!(db.write(move |conn| CareFeed::apply(conn, &event)).await.unwrap());
        assert_eq!(db.run(state).await.unwrap(), (false, 1), "{backend}: 免责 lifts it, the record stays");

        // An older decision delivered late changes nothing; a later one replaces the exemption.
        let event = decided(review("r1", "JJ-1", Reject, d(2026, 2, 20)));
        db.write(move |conn| CareFeed::apply(conn, &event)).await.unwrap();
        assert_eq!(db.run(state).await.unwrap(), (false, 1), "{backend}: the older decision is ignored");
        let event = decided(review("r3", "JJ-1", Reject, d(2026, 3, 10)));
        db.write(move |conn| CareFeed::apply(conn, &event)).await.unwrap();
        assert_eq!(db.run(state).await.unwrap(), (true, 1), "{backend}: a later rejection restores it");

        // An exemption may arrive before the measure it names; a relist that no longer lists it forgets it.
        let event = decided(review("r4", "JJ-2", Exempt, d(2026, 3, 2)));
        db.write(move |conn| CareFeed::apply(conn, &event)).await.unwrap();
        db.write(|conn| {
            store::measures::upsert(conn, &admonishment("JJ-2"))?;
            eligibility::refresh(conn, "c1")
        })
        .await
        .unwrap();
        let listed =
            vec![review("r4", "JJ-2", Exempt, d(2026, 3, 2)), review("r5", "JJ-1", Exempt, d(2026, 3, 12))];
        db.write(move |conn| CareFeed::replace(conn, &listed)).await.unwrap();
        assert_eq!(db.run(state).await.unwrap(), (false, 2), "{backend}: both exempted after the relist");
        db.write(|conn| CareFeed::replace(conn, &Vec::new())).await.unwrap();
        assert_eq!(db.run(state).await.unwrap(), (true, 2), "{backend}: the relist forgot both exemptions");

        // An open review (no decision) is not applied.
        let event = decided(review("r6", "JJ-1", care::ToleranceDecision::Unspecified, d(2026, 3, 20)));
        assert!(db.write(move |conn| CareFeed::apply(conn, &event)).await.unwrap());
        assert_eq!(db.run(state).await.unwrap(), (true, 2), "{backend}");
    }
}

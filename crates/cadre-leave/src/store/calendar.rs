//! The working calendar's data: one row per year (whether it is official, its source, its version) and one
//! per special day (holidays and 调休 make-up working days). Everything else is the weekday rule in
//! [`WorkCalendar`].
//!
//! Every day count in the service loads a calendar, so [`load`] is one indexed query returning a few dozen
//! rows per year; callers load only the years around the dates they count ([`load_around`]).

use std::ops::RangeInclusive;

use cadre_platform::{ApiError, DbConn, clock};
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::schema::{calendar_days, calendar_years};
use crate::domain::calendar::{SEED_YEARS, SpecialDay, SpecialDayKind, WorkCalendar, seed};

/// The `source_ref` of a year without data, so a client can tell an unknown year from a published one.
pub const NO_DATA_SOURCE_REF: &str = "no data: weekends only";

/// One year of the calendar as stored, with what the API shows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredYear {
    /// The year.
    pub year: i32,
    /// Whether the days follow the published State Council notice, or are provisional.
    pub official: bool,
    /// Where the days come from, so an administrator can check them.
    pub source_ref: String,
    /// Optimistic-concurrency version; 0 for a year never stored.
    pub version: i64,
    /// The special days, by date.
    pub days: Vec<SpecialDay>,
    /// Working days in the year under these days, computed rather than stored so it cannot disagree.
    pub working_days: u32,
}

impl StoredYear {
    /// A year with no data: weekends only, not official, version 0. What the service assumes until the
    /// year is imported, said openly rather than passed off as a calendar.
    pub fn weekends_only(year: i32) -> Self {
        Self::with_days(year, false, NO_DATA_SOURCE_REF.to_owned(), 0, Vec::new())
    }

    fn with_days(year: i32, official: bool, source_ref: String, version: i64, days: Vec<SpecialDay>) -> Self {
        let working_days = match year_bounds(year) {
            Some((first, last)) => WorkCalendar::new(days.iter().cloned()).working_days(first, last),
            None => 0,
        };
        Self { year, official, source_ref, version, days, working_days }
    }
}

/// January 1 and December 31 of `year`; `None` outside chrono's range.
fn year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?))
}

/// ABORTED `VERSION_MISMATCH` unless `expected` is 0 (no check asked) or equals `actual`, with the current
/// version in the metadata so a client can reload and retry.
pub(crate) fn check_version(expected: i64, actual: i64) -> Result<(), ApiError> {
    if expected != 0 && expected != actual {
        return Err(ApiError::aborted(
            "VERSION_MISMATCH",
            format!("expected version {expected}, found {actual}"),
        )
        .with_metadata("current_version", actual.to_string()));
    }
    Ok(())
}

fn days_of(conn: &mut DbConn, years: RangeInclusive<i32>) -> Result<Vec<SpecialDay>, ApiError> {
    let rows: Vec<(NaiveDate, String, String)> = calendar_days::table
        .filter(calendar_days::year.between(*years.start(), *years.end()))
        .order(calendar_days::day.asc())
        .select((calendar_days::day, calendar_days::kind, calendar_days::name))
        .load(conn)?;
    rows.into_iter()
        .map(|(date, kind, name)| {
            let kind = SpecialDayKind::from_code(&kind).ok_or_else(|| {
                ApiError::internal(format!("calendar day {date} has unknown kind {kind:?}"))
            })?;
            Ok(SpecialDay { date, kind, name })
        })
        .collect()
}

/// The calendar over `years` (inclusive), in one query. Days outside those years follow the weekday rule
/// only, so load every year a count may touch.
pub fn load(conn: &mut DbConn, years: RangeInclusive<i32>) -> Result<WorkCalendar, ApiError> {
    if years.is_empty() {
        return Ok(WorkCalendar::default());
    }
    Ok(WorkCalendar::new(days_of(conn, years)?))
}

/// The calendar for counting between `from` and `to` (in either order): their years and one on each side,
/// so "the next working day" and a short deadline past New Year still see the neighbouring year's data.
pub fn load_around(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> Result<WorkCalendar, ApiError> {
    let (first, last) = if from <= to { (from, to) } else { (to, from) };
    load(conn, first.year().saturating_sub(1)..=last.year().saturating_add(1))
}

/// A stored year with its days; `None` when the year has no data.
pub fn year(conn: &mut DbConn, year: i32) -> Result<Option<StoredYear>, ApiError> {
    let row: Option<(bool, String, i64)> = calendar_years::table
        .find(year)
        .select((calendar_years::official, calendar_years::source_ref, calendar_years::version))
        .first(conn)
        .optional()?;
    let Some((official, source_ref, version)) = row else {
        return Ok(None);
    };
    let days = days_of(conn, year..=year)?;
    Ok(Some(StoredYear::with_days(year, official, source_ref, version, days)))
}

/// A stored year, or [`StoredYear::weekends_only`] when it has no data.
pub fn year_or_weekends(conn: &mut DbConn, year: i32) -> Result<StoredYear, ApiError> {
    Ok(self::year(conn, year)?.unwrap_or_else(|| StoredYear::weekends_only(year)))
}

fn insert_days(conn: &mut DbConn, year: i32, days: &[SpecialDay]) -> Result<(), ApiError> {
    // One statement per day: `MultiConnection` has no batch insert for SQLite, and a year is a few dozen
    // rows inside the caller's transaction.
    for day in days {
        diesel::insert_into(calendar_days::table)
            .values((
                calendar_days::day.eq(day.date),
                calendar_days::year.eq(year),
                calendar_days::kind.eq(day.kind.code()),
                calendar_days::name.eq(day.name.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces a year's special days, its `official` flag and source, and returns the year as stored with
/// its version raised by one (1 for a new year). `expected_version` non-zero must equal the stored version
/// (0 for a year never stored), else ABORTED `VERSION_MISMATCH` and nothing changes. Every day must fall
/// in `year` and appear once: the API checks that with field paths; this refuses what slipped through.
pub fn replace_year(
    conn: &mut DbConn,
    year: i32,
    official: bool,
    source_ref: &str,
    days: &[SpecialDay],
    expected_version: i64,
) -> Result<StoredYear, ApiError> {
    let mut sorted = days.to_vec();
    sorted.sort_by_key(|day| day.date);
    if sorted.iter().any(|day| day.date.year() != year) || sorted.windows(2).any(|w| w[0].date == w[1].date) {
        return Err(ApiError::invalid_argument("INVALID_CALENDAR", "every day must be in the year, once"));
    }
    let current: Option<i64> =
        calendar_years::table.find(year).select(calendar_years::version).first(conn).optional()?;
    let actual = current.unwrap_or(0);
    check_version(expected_version, actual)?;
    let version = actual + 1;
    let now = clock::now();
    diesel::delete(calendar_days::table.filter(calendar_days::year.eq(year))).execute(conn)?;
    insert_days(conn, year, &sorted)?;
    let values = (
        calendar_years::official.eq(official),
        calendar_years::source_ref.eq(source_ref),
        calendar_years::version.eq(version),
        calendar_years::updated_at.eq(now),
    );
    if current.is_some() {
        diesel::update(calendar_years::table.find(year)).set(values).execute(conn)?;
    } else {
        diesel::insert_into(calendar_years::table)
            .values((calendar_years::year.eq(year), values))
            .execute(conn)?;
    }
    Ok(StoredYear::with_days(year, official, source_ref.to_owned(), version, sorted))
}

/// Stores each shipped year ([`seed`] of [`SEED_YEARS`]) that has no data yet, at version 1. A year that
/// has a row, shipped or edited, is never touched, so an administrator's correction survives upgrades.
/// Returns how many years were added.
pub fn seed_missing(conn: &mut DbConn) -> Result<usize, ApiError> {
    let mut added = 0;
    for shipped in SEED_YEARS.iter().filter_map(|&y| seed(y)) {
        let exists: i64 = calendar_years::table.find(shipped.year).count().get_result(conn)?;
        if exists > 0 {
            continue;
        }
        replace_year(conn, shipped.year, shipped.official, shipped.source_ref, &shipped.days, 0)?;
        added += 1;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadre_platform::{Db, db::PoolOptions, testing::TestDatabase};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    async fn databases() -> Vec<(TestDatabase, Db)> {
        let mut all = Vec::new();
        for database in TestDatabase::each() {
            let db = Db::connect(&database.url, PoolOptions::default()).await.unwrap();
            db.migrate(&crate::store::MIGRATIONS).await.unwrap();
            all.push((database, db));
        }
        all
    }

    #[tokio::test]
    async fn seeding_is_idempotent_and_never_overwrites() {
        for (database, db) in databases().await {
            let backend = database.backend;
            let (first, second) =
                db.write(|conn| Ok((seed_missing(conn)?, seed_missing(conn)?))).await.unwrap();
            assert_eq!((first, second), (SEED_YEARS.len(), 0), "{backend}");
            let y2026 = db.run(|conn| year(conn, 2026)).await.unwrap().unwrap();
            let shipped = seed(2026).unwrap();
            assert_eq!(y2026.days, shipped.days, "{backend}");
            assert!(y2026.official, "{backend}");
            assert_eq!(y2026.version, 1, "{backend}");
            // 2026: 261 Mon–Fri, minus the holidays on weekdays, plus the make-up weekend days.
            let weekday_holidays = shipped
                .days
                .iter()
                .filter(|s| s.kind == SpecialDayKind::Holiday && s.date.weekday().num_days_from_monday() < 5)
                .count();
            let makeups = shipped.days.iter().filter(|s| s.kind == SpecialDayKind::MakeupWorkday).count();
            assert_eq!(y2026.working_days as usize, 261 - weekday_holidays + makeups, "{backend}");

            // An edited year survives a later seeding.
            db.write(|conn| {
                replace_year(conn, 2027, true, "国办发明电〔2026〕1号", &[], 1)?;
                seed_missing(conn)
            })
            .await
            .unwrap();
            let y2027 = db.run(|conn| year(conn, 2027)).await.unwrap().unwrap();
            assert!(y2027.official && y2027.days.is_empty(), "{backend}");
            assert_eq!((y2027.version, y2027.source_ref.as_str()), (2, "国办发明电〔2026〕1号"), "{backend}");
        }
    }

    #[tokio::test]
    async fn load_sees_only_the_years_asked() {
        for (database, db) in databases().await {
            let backend = database.backend;
            db.write(seed_missing).await.unwrap();
            let (around, only_2027, none) = db
                .run(|conn| {
                    // A reversed range, as a caller computing bounds may pass: nothing, not an error.
                    let reversed = RangeInclusive::new(2030, 2029);
                    Ok((
                        load_around(conn, d(2026, 10, 3), d(2026, 9, 30))?,
                        load(conn, 2027..=2027)?,
                        load(conn, reversed)?,
                    ))
                })
                .await
                .unwrap();
            assert_eq!(around, WorkCalendar::seeded(SEED_YEARS.iter().copied()), "{backend}");
            assert_eq!(around.add_working_days(d(2026, 9, 30), 1), d(2026, 10, 8), "{backend}");
            assert!(only_2027.is_working_day(d(2026, 10, 1)), "{backend}");
            assert!(!only_2027.is_working_day(d(2027, 10, 1)), "{backend}");
            assert_eq!(none, WorkCalendar::default(), "{backend}");
            let unknown = db.run(|conn| year_or_weekends(conn, 2031)).await.unwrap();
            assert_eq!(unknown, StoredYear::weekends_only(2031), "{backend}");
            assert_eq!((unknown.version, unknown.working_days), (0, 261), "{backend}");
            assert_eq!(unknown.source_ref, NO_DATA_SOURCE_REF, "{backend}");
        }
    }

    #[tokio::test]
    async fn a_stale_version_changes_nothing() {
        for (database, db) in databases().await {
            let backend = database.backend;
            let holiday = vec![SpecialDay::new(d(2030, 1, 1), SpecialDayKind::Holiday, "元旦")];
            let first = db
                .write({
                    let holiday = holiday.clone();
                    move |conn| replace_year(conn, 2030, false, "draft", &holiday, 0)
                })
                .await
                .unwrap();
            assert_eq!(first.version, 1, "{backend}");
            let error = db.write(|conn| replace_year(conn, 2030, true, "stale", &[], 7)).await.unwrap_err();
            assert_eq!(error.code(), tonic::Code::Aborted, "{backend}");
            assert_eq!(error.reason(), "VERSION_MISMATCH", "{backend}");
            // A new year expects version 0; any other expectation is stale too.
            let error = db.write(|conn| replace_year(conn, 2031, true, "x", &[], 1)).await.unwrap_err();
            assert_eq!(error.reason(), "VERSION_MISMATCH", "{backend}");
            let kept = db.run(|conn| year(conn, 2030)).await.unwrap().unwrap();
            assert_eq!(
                (kept.version, kept.source_ref.as_str(), kept.days),
                (1, "draft", holiday),
                "{backend}"
            );
            assert_eq!(db.run(|conn| year(conn, 2031)).await.unwrap(), None, "{backend}");
            let second = db.write(|conn| replace_year(conn, 2030, true, "final", &[], 1)).await.unwrap();
            assert_eq!((second.version, second.days.len()), (2, 0), "{backend}");
            let outside = vec![SpecialDay::new(d(2031, 1, 1), SpecialDayKind::Holiday, "元旦")];
            let error =
                db.write(move |conn| replace_year(conn, 2030, true, "x", &outside, 0)).await.unwrap_err();
            assert_eq!(error.code(), tonic::Code::InvalidArgument, "{backend}");
        }
    }
}

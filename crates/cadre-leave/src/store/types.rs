//! Leave types, versioned by the day a policy takes effect.
//!
//! A change never rewrites a row: it adds a version from a date on, and the policy on a day is the version
//! with the latest `effective_from` not after it. A request is therefore judged, and can be judged again,
//! by the rules of its own date.

use std::collections::BTreeSet;

use cadre_platform::{ApiError, DbConn, clock};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::leave_types;
use crate::domain::{
    HalfDays,
    types::{CountingUnit, DocumentRule, Gender, LeaveTypePolicy, default_types},
};

/// The day the shipped types take effect: before any request the service can hold, so every request
/// finds a version, and late enough that a district's own earlier history is not claimed.
pub const SEED_EFFECTIVE_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2019, 1, 1) {
    Some(date) => date,
    // why: evaluated at compile time; a bad literal fails the build, never a call.
    None => panic!("2019-01-01 is a date"),
};

/// One version of a type: its policy and the first day it is in force. The API shows the date; the rules
/// need only the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeVersion {
    /// The first day this version is in force.
    pub effective_from: NaiveDate,
    /// The rules.
    pub policy: LeaveTypePolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = leave_types)]
struct TypeRow {
    code: String,
    effective_from: NaiveDate,
    name: String,
    counting_unit: String,
    half_day: bool,
    documents: String,
    max_per_request_halves: Option<i32>,
    max_per_year_halves: Option<i32>,
    requires_balance: bool,
    counts_toward_cumulative: bool,
    eligible_gender: Option<String>,
    source_ref: String,
    created_at: NaiveDateTime,
}

/// The stored shape of a [`DocumentRule`] (the `documents` column's JSON), kept apart from the domain type
/// so that a renamed domain field cannot change what is on disk.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct StoredDocument {
    document: String,
    from_halves: u32,
}

fn corrupt(code: &str, what: &str) -> ApiError {
    ApiError::internal(format!("stored leave type {code:?} has a bad {what}"))
}

fn halves_in(days: Option<HalfDays>, code: &str) -> Result<Option<i32>, ApiError> {
    days.map(|d| i32::try_from(d.halves()).map_err(|_| corrupt(code, "limit (too large)"))).transpose()
}

fn halves_out(halves: Option<i32>, code: &str) -> Result<Option<HalfDays>, ApiError> {
    halves.map(|h| u32::try_from(h).map(HalfDays).map_err(|_| corrupt(code, "limit (negative)"))).transpose()
}

impl TypeRow {
    fn of(version: &TypeVersion, created_at: NaiveDateTime) -> Result<Self, ApiError> {
        let policy = &version.policy;
        let documents: Vec<StoredDocument> = policy
            .documents
            .iter()
            .map(|rule| StoredDocument { document: rule.document.clone(), from_halves: rule.from.halves() })
            .collect();
        Ok(Self {
            code: policy.code.clone(),
            effective_from: version.effective_from,
            name: policy.name.clone(),
            counting_unit: policy.unit.code().to_owned(),
            half_day: policy.half_day,
            documents: serde_json::to_string(&documents)
                .map_err(|e| ApiError::internal(format!("cannot encode documents: {e}")))?,
            max_per_request_halves: halves_in(policy.max_per_request, &policy.code)?,
            max_per_year_halves: halves_in(policy.max_per_year, &policy.code)?,
            requires_balance: policy.requires_balance,
            counts_toward_cumulative: policy.counts_toward_cumulative,
            eligible_gender: policy.eligible_gender.map(|g| g.code().to_owned()),
            source_ref: policy.source_ref.clone(),
            created_at,
        })
    }

    fn into_version(self) -> Result<TypeVersion, ApiError> {
        let code = self.code;
        let unit =
            CountingUnit::from_code(&self.counting_unit).ok_or_else(|| corrupt(&code, "counting_unit"))?;
        let eligible_gender = match self.eligible_gender.as_deref() {
            None | Some("") => None,
            Some(gender) => Some(Gender::from_code(gender).ok_or_else(|| corrupt(&code, "eligible_gender"))?),
        };
        let documents: Vec<StoredDocument> =
            serde_json::from_str(&self.documents).map_err(|_| corrupt(&code, "documents list"))?;
        let policy = LeaveTypePolicy {
            name: self.name,
            unit,
            half_day: self.half_day,
            documents: documents
                .into_iter()
                .map(|d| DocumentRule { document: d.document, from: HalfDays(d.from_halves) })
                .collect(),
            max_per_request: halves_out(self.max_per_request_halves, &code)?,
            max_per_year: halves_out(self.max_per_year_halves, &code)?,
            requires_balance: self.requires_balance,
            counts_toward_cumulative: self.counts_toward_cumulative,
            eligible_gender,
            source_ref: self.source_ref,
            code,
        };
        Ok(TypeVersion { effective_from: self.effective_from, policy })
    }
}

/// Every type's version in force on `on`, by code: what ListLeaveTypes shows. One query: the types table
/// holds tens of rows, so the latest per code is picked here rather than by a correlated subquery.
pub fn versions_in_force(conn: &mut DbConn, on: NaiveDate) -> Result<Vec<TypeVersion>, ApiError> {
    let rows: Vec<TypeRow> = leave_types::table
        .filter(leave_types::effective_from.le(on))
        .order((leave_types::code.asc(), leave_types::effective_from.desc()))
        .select(TypeRow::as_select())
        .load(conn)?;
    let mut versions: Vec<TypeVersion> = Vec::new();
    for row in rows {
        // Rows come by code, latest first: the first of each code is the one in force.
        if versions.last().is_some_and(|v| v.policy.code == row.code) {
            continue;
        }
        versions.push(row.into_version()?);
    }
    Ok(versions)
}

/// The policies in force on `on`, by code: what a request's checks choose from.
pub fn in_force(conn: &mut DbConn, on: NaiveDate) -> Result<Vec<LeaveTypePolicy>, ApiError> {
    Ok(versions_in_force(conn, on)?.into_iter().map(|v| v.policy).collect())
}

/// The version of `code` in force on `on`; `None` when the type did not exist yet (or at all).
pub fn version_on(conn: &mut DbConn, code: &str, on: NaiveDate) -> Result<Option<TypeVersion>, ApiError> {
    let row: Option<TypeRow> = leave_types::table
        .filter(leave_types::code.eq(code))
        .filter(leave_types::effective_from.le(on))
        .order(leave_types::effective_from.desc())
        .select(TypeRow::as_select())
        .first(conn)
        .optional()?;
    row.map(TypeRow::into_version).transpose()
}

/// The policy of `code` in force on `on`: the rules a request starting that day is judged by.
pub fn get(conn: &mut DbConn, code: &str, on: NaiveDate) -> Result<Option<LeaveTypePolicy>, ApiError> {
    Ok(version_on(conn, code, on)?.map(|v| v.policy))
}

/// Every code that has ever had a version, so references to a type (a blackout's exemptions) can be checked
/// even when the type starts later than the reference.
pub fn known_codes(conn: &mut DbConn) -> Result<BTreeSet<String>, ApiError> {
    let codes: Vec<String> = leave_types::table.select(leave_types::code).distinct().load(conn)?;
    Ok(codes.into_iter().collect())
}

fn version_exists(code: &str, on: NaiveDate) -> ApiError {
    ApiError::already_exists("VERSION_EXISTS", format!("leave type {code:?} already has a version from {on}"))
        .with_violation("leave_type.effective_from", "a version from this date exists; pick another date")
}

/// Records a new version. A version of the same code from the same day is ALREADY_EXISTS `VERSION_EXISTS`:
/// versions are never overwritten, so what a past decision was judged by stays on record.
pub fn insert(conn: &mut DbConn, version: &TypeVersion) -> Result<(), ApiError> {
    let (code, on) = (version.policy.code.as_str(), version.effective_from);
    let existing: i64 = leave_types::table
        .filter(leave_types::code.eq(code))
        .filter(leave_types::effective_from.eq(on))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Err(version_exists(code, on));
    }
    let row = TypeRow::of(version, clock::now())?;
    diesel::insert_into(leave_types::table).values(&row).execute(conn).map_err(|e| {
        // A concurrent insert of the same key between the check and here.
        let error = ApiError::from(e);
        if error.code() == tonic::Code::AlreadyExists { version_exists(code, on) } else { error }
    })?;
    Ok(())
}

/// Seeds the shipped types ([`default_types`], in force from [`SEED_EFFECTIVE_FROM`]) into an empty table.
/// Any row at all means the district has its table, seeded or edited, and nothing is added. Returns how
/// many versions were inserted.
pub fn seed_missing(conn: &mut DbConn) -> Result<usize, ApiError> {
    let rows: i64 = leave_types::table.count().get_result(conn)?;
    if rows > 0 {
        return Ok(0);
    }
    let now = clock::now();
    let mut inserted = 0;
    // One statement per type: `MultiConnection` has no batch insert for SQLite.
    for policy in default_types() {
        let row = TypeRow::of(&TypeVersion { effective_from: SEED_EFFECTIVE_FROM, policy }, now)?;
        inserted += diesel::insert_into(leave_types::table).values(&row).execute(conn)?;
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::types::codes;
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
    async fn seeding_is_idempotent_and_keeps_edits() {
        for (database, db) in databases().await {
            let backend = database.backend;
            let (first, second, listed) = db
                .write(|conn| {
                    let first = seed_missing(conn)?;
                    let second = seed_missing(conn)?;
                    Ok((first, second, versions_in_force(conn, d(2026, 3, 1))?))
                })
                .await
                .unwrap();
            assert_eq!(first, default_types().len(), "{backend}");
            assert_eq!(second, 0, "{backend}");
            let mut expected: Vec<_> = default_types().into_iter().map(|p| p.code).collect();
            expected.sort();
            let codes: Vec<_> = listed.iter().map(|v| v.policy.code.clone()).collect();
            assert_eq!(codes, expected, "{backend}");
            // What went in comes out, field for field.
            for version in &listed {
                let shipped = default_types().into_iter().find(|p| p.code == version.policy.code).unwrap();
                assert_eq!(version.policy, shipped, "{backend}");
                assert_eq!(version.effective_from, SEED_EFFECTIVE_FROM, "{backend}");
            }
            // Before the seed date nothing is in force.
            let before = db.run(|conn| in_force(conn, d(2018, 12, 31))).await.unwrap();
            assert!(before.is_empty(), "{backend}");
        }
    }

    #[tokio::test]
    async fn the_version_in_force_is_the_latest_not_after_the_day() {
        for (database, db) in databases().await {
            let backend = database.backend;
            db.write(|conn| {
                seed_missing(conn)?;
                let mut stricter = get(conn, codes::MARRIAGE, d(2026, 1, 1))?.unwrap();
                stricter.max_per_request = Some(HalfDays::days(13));
                stricter.source_ref = "省条例 2026".to_owned();
                insert(conn, &TypeVersion { effective_from: d(2026, 7, 1), policy: stricter })?;
                let local =
                    LeaveTypePolicy { code: "study".to_owned(), name: "学习假".to_owned(), ..sick() };
                insert(conn, &TypeVersion { effective_from: d(2026, 9, 1), policy: local })
            })
            .await
            .unwrap();
            let (june, july, later) = db
                .run(|conn| {
                    Ok((
                        get(conn, codes::MARRIAGE, d(2026, 6, 30))?,
                        get(conn, codes::MARRIAGE, d(2026, 7, 1))?,
                        version_on(conn, codes::MARRIAGE, d(2030, 1, 1))?,
                    ))
                })
                .await
                .unwrap();
            assert_eq!(june.unwrap().max_per_request, Some(HalfDays::days(3)), "{backend}");
            assert_eq!(july.unwrap().max_per_request, Some(HalfDays::days(13)), "{backend}");
            assert_eq!(later.unwrap().effective_from, d(2026, 7, 1), "{backend}");
            let (aug, sep, codes_known) = db
                .run(|conn| {
                    Ok((in_force(conn, d(2026, 8, 31))?, in_force(conn, d(2026, 9, 1))?, known_codes(conn)?))
                })
                .await
                .unwrap();
            assert!(aug.iter().all(|p| p.code != "study"), "{backend}");
            assert_eq!(sep.len(), aug.len() + 1, "{backend}");
            assert!(sep.iter().any(|p| p.code == "study" && p.name == "学习假"), "{backend}");
            assert!(codes_known.contains("study") && codes_known.contains(codes::ANNUAL), "{backend}");
            assert_eq!(db.run(|conn| get(conn, "nope", d(2026, 9, 1))).await.unwrap(), None, "{backend}");
        }
    }

    /// A shipped type to build a local one from.
    fn sick() -> LeaveTypePolicy {
        default_types().into_iter().find(|p| p.code == codes::SICK).unwrap()
    }

    #[tokio::test]
    async fn a_version_is_never_overwritten() {
        for (database, db) in databases().await {
            let backend = database.backend;
            let error = db
                .write(|conn| {
                    seed_missing(conn)?;
                    let annual = get(conn, codes::ANNUAL, SEED_EFFECTIVE_FROM)?.unwrap();
                    insert(conn, &TypeVersion { effective_from: SEED_EFFECTIVE_FROM, policy: annual })
                })
                .await
                .unwrap_err();
            assert_eq!(error.code(), tonic::Code::AlreadyExists, "{backend}");
            assert_eq!(error.reason(), "VERSION_EXISTS", "{backend}");
        }
    }
}

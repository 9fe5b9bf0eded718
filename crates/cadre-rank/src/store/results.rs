//! The assessment service's annual results, as its feed and `ListAnnualResults` report them: per cadre and
//! year, the result with the highest revision.

use std::collections::{BTreeSet, HashMap};

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{CHUNK, schema::annual_results};

/// One result as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = annual_results)]
pub struct ResultRow {
    /// The person.
    pub cadre_id: String,
    /// The assessed year.
    pub year: i32,
    /// The assessment it came from.
    pub assessment_id: String,
    /// The outcome: the proto `AnnualOutcome` name without its prefix (`EXCELLENT`, `DEFERRED`, ...).
    pub outcome: String,
    /// The day it counts from.
    pub published_on: NaiveDate,
    /// The assessment service's revision: the highest wins.
    pub revision: i32,
    /// When this service stored it.
    pub updated_at: NaiveDateTime,
}

/// Keeps `row` unless a result of the same cadre and year with a higher revision (or the same revision,
/// published later) is already stored. Returns whether anything changed.
pub fn upsert(conn: &mut DbConn, row: &ResultRow) -> Result<bool, ApiError> {
    let stored: Option<ResultRow> = annual_results::table
        .find((&row.cadre_id, row.year))
        .select(ResultRow::as_select())
        .first(conn)
        .optional()?;
    match stored {
        None => {
            diesel::insert_into(annual_results::table).values(row).execute(conn)?;
            Ok(true)
        }
        Some(old) => {
            let newer = (row.revision, row.published_on) > (old.revision, old.published_on);
            let same = old.assessment_id == row.assessment_id
                && old.outcome == row.outcome
                && old.published_on == row.published_on
                && old.revision == row.revision;
            if !newer || same {
                return Ok(false);
            }
            diesel::update(annual_results::table.find((&row.cadre_id, row.year))).set(row).execute(conn)?;
            Ok(true)
        }
    }
}

/// A cadre's results, oldest year first.
pub fn of_cadre(conn: &mut DbConn, cadre_id: &str) -> Result<Vec<ResultRow>, ApiError> {
    Ok(annual_results::table
        .filter(annual_results::cadre_id.eq(cadre_id))
        .order(annual_results::year.asc())
        .select(ResultRow::as_select())
        .load(conn)?)
}

/// The results of the given cadres, by cadre.
pub fn of_cadres(
    conn: &mut DbConn,
    cadre_ids: &[String],
) -> Result<HashMap<String, Vec<ResultRow>>, ApiError> {
    let mut out: HashMap<String, Vec<ResultRow>> = HashMap::new();
    for chunk in cadre_ids.chunks(CHUNK) {
        let rows: Vec<ResultRow> = annual_results::table
            .filter(annual_results::cadre_id.eq_any(chunk))
            .order(annual_results::year.asc())
            .select(ResultRow::as_select())
            .load(conn)?;
        for row in rows {
            out.entry(row.cadre_id.clone()).or_default().push(row);
        }
    }
    Ok(out)
}

/// Every result, by cadre: the input of a full recompute.
pub fn all(conn: &mut DbConn) -> Result<HashMap<String, Vec<ResultRow>>, ApiError> {
    let rows: Vec<ResultRow> = annual_results::table
        .order((annual_results::cadre_id.asc(), annual_results::year.asc()))
        .select(ResultRow::as_select())
        .load(conn)?;
    let mut out: HashMap<String, Vec<ResultRow>> = HashMap::new();
    for row in rows {
        out.entry(row.cadre_id.clone()).or_default().push(row);
    }
    Ok(out)
}

/// Forgets every result whose cadre and year are not in `listed` (after a relist: the assessment service no
/// longer has them).
pub fn retain(conn: &mut DbConn, listed: &BTreeSet<(String, i32)>) -> Result<(), ApiError> {
    let stored: Vec<(String, i32)> =
        annual_results::table.select((annual_results::cadre_id, annual_results::year)).load(conn)?;
    for (cadre, year) in stored.into_iter().filter(|key| !listed.contains(key)) {
        diesel::delete(annual_results::table.find((cadre, year))).execute(conn)?;
    }
    Ok(())
}

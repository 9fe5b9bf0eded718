//! Findings about units and cadres. A finding is never deleted: it is rectified (its tasks signed off) or
//! dismissed with the reason. A finding from another system carries that system's reference, unique per
//! source, so a replayed event or a resent record finds the first row.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use cadre_projection::schema::directory_units;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{CHUNK, Reach, schema::findings};
use crate::domain::codes::{FindingSource, FindingState};

/// A finding as stored; codes are the domain's, lists JSON.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = findings)]
pub struct FindingRow {
    pub id: String,
    /// '' when found outside an inspection.
    pub inspection_id: String,
    pub org_unit_id: String,
    /// '' for a finding about a unit.
    pub cadre_id: String,
    pub cadre_name: String,
    pub category: String,
    pub severity: String,
    pub description: String,
    /// JSON list of evidence entries.
    pub evidence: String,
    /// '' when not traced to a responsibility.
    pub responsibility_id: String,
    pub source: String,
    /// '' unless another system recorded it.
    pub source_ref: String,
    pub found_on: NaiveDate,
    pub state: String,
    pub dismissal_reason: String,
    /// JSON of the escalation proposed when recorded; '' when none.
    pub escalation: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

/// Stores a new finding.
pub fn insert(conn: &mut DbConn, row: &FindingRow) -> Result<(), ApiError> {
    diesel::insert_into(findings::table).values(row).execute(conn)?;
    Ok(())
}

/// A finding by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<FindingRow>, ApiError> {
    Ok(findings::table.find(id).select(FindingRow::as_select()).first(conn).optional()?)
}

/// Moves a finding to `state`, with the reason when it is dismissed ('' otherwise).
pub fn set_state(
    conn: &mut DbConn,
    id: &str,
    state: FindingState,
    dismissal_reason: &str,
) -> Result<(), ApiError> {
    let changed = diesel::update(findings::table.find(id))
        .set((findings::state.eq(state.code()), findings::dismissal_reason.eq(dismissal_reason)))
        .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::not_found("FINDING_NOT_FOUND", format!("no finding {id}")));
    }
    Ok(())
}

/// The finding `source` recorded under `source_ref`.
pub fn by_source_ref(
    conn: &mut DbConn,
    source: FindingSource,
    source_ref: &str,
) -> Result<Option<FindingRow>, ApiError> {
    Ok(findings::table
        .filter(findings::source.eq(source.code()))
        .filter(findings::source_ref.eq(source_ref))
        .select(FindingRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether a finding exists.
pub fn exists(conn: &mut DbConn, id: &str) -> Result<bool, ApiError> {
    let found: Option<String> = findings::table.find(id).select(findings::id).first(conn).optional()?;
    Ok(found.is_some())
}

/// January 1 and December 31 of `year`; `None` outside chrono's range.
pub fn year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?))
}

/// What a list of findings is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub cadre_id: Option<String>,
    pub inspection_id: Option<String>,
    pub category: Option<String>,
    pub state: Option<String>,
    /// Only those found in this year.
    pub year: Option<i32>,
}

/// Findings within `reach`, newest recorded first, after `after`, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    reach: &Reach,
    filter: &FindingFilter,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<FindingRow>, ApiError> {
    let days = filter.year.and_then(year_bounds);
    super::chunked(
        reach,
        limit,
        true,
        |r: &FindingRow| r.id.as_str(),
        |reach| {
            let mut query = findings::table.into_boxed();
            query = reach_filter!(query, reach, findings::cadre_id, findings::org_unit_id);
            if let Some(cadre) = &filter.cadre_id {
                query = query.filter(findings::cadre_id.eq(cadre.clone()));
            }
            if let Some(inspection) = &filter.inspection_id {
                query = query.filter(findings::inspection_id.eq(inspection.clone()));
            }
            if let Some(category) = &filter.category {
                query = query.filter(findings::category.eq(category.clone()));
            }
            if let Some(state) = &filter.state {
                query = query.filter(findings::state.eq(state.clone()));
            }
            if let Some((first, last)) = days {
                query = query.filter(findings::found_on.between(first, last));
            }
            query = after_id!(query, after.clone(), findings::id, true);
            Ok(query.order(findings::id.desc()).limit(limit).select(FindingRow::as_select()).load(conn)?)
        },
    )
}

/// How many findings each of `inspection_ids` holds (absent: none).
pub fn count_by_inspection(
    conn: &mut DbConn,
    inspection_ids: &[String],
) -> Result<HashMap<String, i32>, ApiError> {
    let mut counts = HashMap::new();
    for chunk in inspection_ids.chunks(CHUNK) {
        let ids: Vec<String> = findings::table
            .filter(findings::inspection_id.eq_any(chunk))
            .select(findings::inspection_id)
            .load(conn)?;
        for id in ids {
            *counts.entry(id).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

/// The findings traced to each of `responsibility_ids`: (all, still open).
pub fn count_by_responsibility(
    conn: &mut DbConn,
    responsibility_ids: &[String],
) -> Result<HashMap<String, (i32, i32)>, ApiError> {
    let mut counts: HashMap<String, (i32, i32)> = HashMap::new();
    for chunk in responsibility_ids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = findings::table
            .filter(findings::responsibility_id.eq_any(chunk))
            .select((findings::responsibility_id, findings::state))
            .load(conn)?;
        for (id, state) in rows {
            let entry = counts.entry(id).or_default();
            entry.0 += 1;
            if state == FindingState::Open.code() {
                entry.1 += 1;
            }
        }
    }
    Ok(counts)
}

/// How many findings about `unit_id` itself were found in `year` without being traced to a responsibility.
pub fn untraced_in_year(conn: &mut DbConn, unit_id: &str, year: i32) -> Result<i32, ApiError> {
    let Some((first, last)) = year_bounds(year) else { return Ok(0) };
    let count: i64 = findings::table
        .filter(findings::org_unit_id.eq(unit_id))
        .filter(findings::responsibility_id.eq(""))
        .filter(findings::found_on.between(first, last))
        .count()
        .get_result(conn)?;
    Ok(i32::try_from(count).unwrap_or(i32::MAX))
}

/// How many findings about `cadre_id` were found from `first` to `last`, both included; dismissed ones do
/// not count, as they do not stand.
pub fn count_of_cadre_between(
    conn: &mut DbConn,
    cadre_id: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<i32, ApiError> {
    let count: i64 = findings::table
        .filter(findings::cadre_id.eq(cadre_id))
        .filter(findings::found_on.between(first, last))
        .filter(findings::state.ne(FindingState::Dismissed.code()))
        .count()
        .get_result(conn)?;
    Ok(i32::try_from(count).unwrap_or(i32::MAX))
}

/// The names of the units of `ids` the projection knows, by id: for the names the contract shows next to
/// the ids the tables keep.
pub fn unit_names(conn: &mut DbConn, ids: &[String]) -> Result<HashMap<String, String>, ApiError> {
    let mut wanted: Vec<&String> = ids.iter().filter(|id| !id.is_empty()).collect();
    wanted.sort();
    wanted.dedup();
    let mut names = HashMap::new();
    for chunk in wanted.chunks(CHUNK) {
        let rows: Vec<(String, String)> = directory_units::table
            .filter(directory_units::id.eq_any(chunk.iter().map(|s| s.as_str())))
            .select((directory_units::id, directory_units::name))
            .load(conn)?;
        names.extend(rows);
    }
    Ok(names)
}

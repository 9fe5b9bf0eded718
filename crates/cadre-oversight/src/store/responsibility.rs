//! Responsibilities (四责协同): one per unit, kind, holder and year, with their three lists kept as JSON.
//! Every write bumps the version, so two editors who read the same version cannot both win.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    CHUNK, Reach,
    schema::{decisions, responsibilities},
};

/// A responsibility as stored; `items` is the JSON of its [`StoredItem`]s.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = responsibilities)]
pub struct ResponsibilityRow {
    pub id: String,
    pub org_unit_id: String,
    pub kind: String,
    /// '' when a body holds it and nobody is named.
    pub holder_cadre_id: String,
    pub holder_name: String,
    pub year: i32,
    pub area: String,
    pub items: String,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

/// One entry of a responsibility's lists, as kept in its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredItem {
    /// Stable within the responsibility.
    pub id: String,
    /// The list's code (`PROBLEM`, `DUTY`, `PROJECT`).
    pub list: String,
    pub text: String,
    pub due_date: Option<NaiveDate>,
    pub done: bool,
}

impl ResponsibilityRow {
    /// The list entries; entries stored unreadably are an internal error, never "no entries".
    pub fn entries(&self) -> Result<Vec<StoredItem>, ApiError> {
        super::parsed(&self.items, "responsibility list items")
    }
}

/// A responsibility by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<ResponsibilityRow>, ApiError> {
    Ok(responsibilities::table.find(id).select(ResponsibilityRow::as_select()).first(conn).optional()?)
}

/// The responsibility of `unit_id` of `kind` held by `holder_cadre_id` in `year`.
pub fn find(
    conn: &mut DbConn,
    unit_id: &str,
    kind: &str,
    holder_cadre_id: &str,
    year: i32,
) -> Result<Option<ResponsibilityRow>, ApiError> {
    Ok(responsibilities::table
        .filter(responsibilities::org_unit_id.eq(unit_id))
        .filter(responsibilities::kind.eq(kind))
        .filter(responsibilities::holder_cadre_id.eq(holder_cadre_id))
        .filter(responsibilities::year.eq(year))
        .select(ResponsibilityRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a new responsibility.
pub fn insert(conn: &mut DbConn, row: &ResponsibilityRow) -> Result<(), ApiError> {
    diesel::insert_into(responsibilities::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes `row` over the stored one if that is still at version `read` (`ABORTED`, `VERSION_MISMATCH`
/// otherwise); `row.version` must already be the next one.
pub fn update(conn: &mut DbConn, row: &ResponsibilityRow, read: i64) -> Result<(), ApiError> {
    let changed =
        diesel::update(responsibilities::table.find(&row.id).filter(responsibilities::version.eq(read)))
            .set(row)
            .execute(conn)?;
    if changed == 0 {
        let current = get(conn, &row.id)?.map(|stored| stored.version);
        return Err(version_mismatch(read, current));
    }
    Ok(())
}

/// `ABORTED`, `VERSION_MISMATCH`: the caller wrote over a version it had not read; `current` is the stored
/// one (none: nothing is stored yet), in the metadata so a client can reload and retry.
pub fn version_mismatch(expected: i64, current: Option<i64>) -> ApiError {
    let found = current.map_or_else(|| "none stored".to_owned(), |v| format!("version {v}"));
    ApiError::aborted(
        "VERSION_MISMATCH",
        format!("the responsibility changed since version {expected} ({found}); read it again and retry"),
    )
    .with_metadata("current_version", current.unwrap_or(0).to_string())
}

/// What a list of responsibilities is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ResponsibilityFilter {
    pub year: Option<i32>,
    pub holder_cadre_id: Option<String>,
}

/// Responsibilities of the units of `reach` (a responsibility is a unit's), newest first, after `after`, at
/// most `limit`.
pub fn list(
    conn: &mut DbConn,
    reach: &Reach,
    filter: &ResponsibilityFilter,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<ResponsibilityRow>, ApiError> {
    let by_units = Reach { cadres: None, units: reach.units.clone() };
    super::chunked(
        &by_units,
        limit,
        true,
        |r: &ResponsibilityRow| r.id.as_str(),
        |reach| {
            let mut query = responsibilities::table.into_boxed();
            if let Some(units) = &reach.units {
                query = query.filter(responsibilities::org_unit_id.eq_any(units.clone()));
            }
            if let Some(year) = filter.year {
                query = query.filter(responsibilities::year.eq(year));
            }
            if let Some(holder) = &filter.holder_cadre_id {
                query = query.filter(responsibilities::holder_cadre_id.eq(holder.clone()));
            }
            query = after_id!(query, after.clone(), responsibilities::id, true);
            Ok(query
                .order(responsibilities::id.desc())
                .limit(limit)
                .select(ResponsibilityRow::as_select())
                .load(conn)?)
        },
    )
}

/// Every responsibility of `unit_id` itself in `year`.
pub fn of_unit(conn: &mut DbConn, unit_id: &str, year: i32) -> Result<Vec<ResponsibilityRow>, ApiError> {
    Ok(responsibilities::table
        .filter(responsibilities::org_unit_id.eq(unit_id))
        .filter(responsibilities::year.eq(year))
        .order(responsibilities::id.asc())
        .select(ResponsibilityRow::as_select())
        .load(conn)?)
}

/// How many decisions are traced to each of `responsibility_ids` (absent: none).
pub fn decision_counts(
    conn: &mut DbConn,
    responsibility_ids: &[String],
) -> Result<HashMap<String, i32>, ApiError> {
    let mut counts = HashMap::new();
    for chunk in responsibility_ids.chunks(CHUNK) {
        let ids: Vec<String> = decisions::table
            .filter(decisions::responsibility_id.eq_any(chunk))
            .select(decisions::responsibility_id)
            .load(conn)?;
        for id in ids {
            *counts.entry(id).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

//! Conduct measures that restrict promotion (处分, 组织处理, 诫勉, open investigations), keyed by the deciding
//! system's id so that a repeated delivery replaces rather than duplicates.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{CHUNK, schema::conduct_measures};

/// One measure as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = conduct_measures, treat_none_as_null = true)]
pub struct MeasureRow {
    /// The deciding system's id.
    pub source_id: String,
    /// The cadre.
    pub cadre_id: String,
    /// Kind code (the proto `ConductMeasureKind` name without its prefix).
    pub kind: String,
    /// Start of the 影响期.
    pub effective_date: NaiveDate,
    /// Last day of the 影响期, inclusive; `None` while an investigation is open.
    pub last_day: Option<NaiveDate>,
    /// Whether `last_day` was computed from the policy.
    pub last_day_computed: bool,
    /// The document or decision number.
    pub basis: String,
    /// 期满影响使用.
    pub still_affects_use: bool,
    /// Who recorded it.
    pub recorded_by: String,
    /// When last recorded.
    pub updated_at: NaiveDateTime,
}

/// Stores `row`, replacing a measure with the same source id. Returns the cadre the measure concerned
/// before, when it named another one (both cadres' eligibility then changes).
pub fn upsert(conn: &mut DbConn, row: &MeasureRow) -> Result<Option<String>, ApiError> {
    let before: Option<String> = conduct_measures::table
        .find(&row.source_id)
        .select(conduct_measures::cadre_id)
        .first(conn)
        .optional()?;
    match &before {
        Some(_) => {
            diesel::update(conduct_measures::table.find(&row.source_id)).set(row).execute(conn)?;
        }
        None => {
            diesel::insert_into(conduct_measures::table).values(row).execute(conn)?;
        }
    }
    Ok(before.filter(|cadre| *cadre != row.cadre_id))
}

/// A cadre's measures, oldest first.
pub fn of_cadre(conn: &mut DbConn, cadre_id: &str) -> Result<Vec<MeasureRow>, ApiError> {
    Ok(conduct_measures::table
        .filter(conduct_measures::cadre_id.eq(cadre_id))
        .order((conduct_measures::effective_date.asc(), conduct_measures::source_id.asc()))
        .select(MeasureRow::as_select())
        .load(conn)?)
}

/// The measures of the given cadres, by cadre.
pub fn of_cadres(
    conn: &mut DbConn,
    cadre_ids: &[String],
) -> Result<HashMap<String, Vec<MeasureRow>>, ApiError> {
    let mut out: HashMap<String, Vec<MeasureRow>> = HashMap::new();
    for chunk in cadre_ids.chunks(CHUNK) {
        let rows: Vec<MeasureRow> = conduct_measures::table
            .filter(conduct_measures::cadre_id.eq_any(chunk))
            .order((conduct_measures::effective_date.asc(), conduct_measures::source_id.asc()))
            .select(MeasureRow::as_select())
            .load(conn)?;
        for row in rows {
            out.entry(row.cadre_id.clone()).or_default().push(row);
        }
    }
    Ok(out)
}

/// Every measure, by cadre: the input of a full recompute.
pub fn all(conn: &mut DbConn) -> Result<HashMap<String, Vec<MeasureRow>>, ApiError> {
    let rows: Vec<MeasureRow> = conduct_measures::table
        .order((conduct_measures::effective_date.asc(), conduct_measures::source_id.asc()))
        .select(MeasureRow::as_select())
        .load(conn)?;
    let mut out: HashMap<String, Vec<MeasureRow>> = HashMap::new();
    for row in rows {
        out.entry(row.cadre_id.clone()).or_default().push(row);
    }
    Ok(out)
}

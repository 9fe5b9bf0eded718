//! Conduct measures that restrict promotion (处分, 组织处理, 诫勉, open investigations), keyed by the deciding
//! system's id so that a repeated delivery replaces rather than duplicates.
//!
//! The loaders return the measures in force: one a 容错 review exempted (`tolerance_exemptions`) keeps its
//! row, so the record stays, but no longer restricts anything.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    CHUNK,
    schema::{conduct_measures, tolerance_exemptions},
    tolerance::EXEMPT,
};

/// The source ids of the exempted measures, as a subquery.
fn exempted() -> diesel::dsl::Select<
    diesel::dsl::Filter<
        tolerance_exemptions::table,
        diesel::dsl::Eq<tolerance_exemptions::decision, &'static str>,
    >,
    tolerance_exemptions::measure_source_id,
> {
    tolerance_exemptions::table
        .filter(tolerance_exemptions::decision.eq(EXEMPT))
        .select(tolerance_exemptions::measure_source_id)
}

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

/// A cadre's measures in force, oldest first.
pub fn of_cadre(conn: &mut DbConn, cadre_id: &str) -> Result<Vec<MeasureRow>, ApiError> {
    Ok(conduct_measures::table
        .filter(conduct_measures::cadre_id.eq(cadre_id))
        .filter(conduct_measures::source_id.ne_all(exempted()))
        .order((conduct_measures::effective_date.asc(), conduct_measures::source_id.asc()))
        .select(MeasureRow::as_select())
        .load(conn)?)
}

/// The measures in force of the given cadres, by cadre.
pub fn of_cadres(
    conn: &mut DbConn,
    cadre_ids: &[String],
) -> Result<HashMap<String, Vec<MeasureRow>>, ApiError> {
    let mut out: HashMap<String, Vec<MeasureRow>> = HashMap::new();
    for chunk in cadre_ids.chunks(CHUNK) {
        let rows: Vec<MeasureRow> = conduct_measures::table
            .filter(conduct_measures::cadre_id.eq_any(chunk))
            .filter(conduct_measures::source_id.ne_all(exempted()))
            .order((conduct_measures::effective_date.asc(), conduct_measures::source_id.asc()))
            .select(MeasureRow::as_select())
            .load(conn)?;
        for row in rows {
            out.entry(row.cadre_id.clone()).or_default().push(row);
        }
    }
    Ok(out)
}

/// Every measure in force, by cadre: the input of a full recompute.
pub fn all(conn: &mut DbConn) -> Result<HashMap<String, Vec<MeasureRow>>, ApiError> {
    let rows: Vec<MeasureRow> = conduct_measures::table
        .filter(conduct_measures::source_id.ne_all(exempted()))
        .order((conduct_measures::effective_date.asc(), conduct_measures::source_id.asc()))
        .select(MeasureRow::as_select())
        .load(conn)?;
    let mut out: HashMap<String, Vec<MeasureRow>> = HashMap::new();
    for row in rows {
        out.entry(row.cadre_id.clone()).or_default().push(row);
    }
    Ok(out)
}

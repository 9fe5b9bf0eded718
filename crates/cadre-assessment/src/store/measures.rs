//! Conduct measures (处分, 组织处理, 诫勉, open investigations) recorded against people, keyed by the
//! deciding system's id so that a repeated delivery replaces rather than duplicates.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::conduct_measures;

/// One measure as stored; `kind` is the proto enum's name without its prefix.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = conduct_measures, treat_none_as_null = true)]
pub struct MeasureRow {
    /// The deciding system's id.
    pub source_id: String,
    /// The cadre concerned.
    pub cadre_id: String,
    /// What was decided.
    pub kind: String,
    /// When it took effect.
    pub effective_date: NaiveDate,
    /// The last day of its period; `None` only for an open investigation.
    pub last_day: Option<NaiveDate>,
    /// The 文号.
    pub basis: String,
    /// Whether it still affects use after its period.
    pub still_affects_use: bool,
    /// Who recorded it (subject).
    pub recorded_by: String,
    /// When first recorded.
    pub recorded_at: NaiveDateTime,
    /// When last replaced.
    pub updated_at: NaiveDateTime,
}

/// A measure by its source id.
pub fn get(conn: &mut DbConn, source_id: &str) -> Result<Option<MeasureRow>, ApiError> {
    Ok(conduct_measures::table.find(source_id).select(MeasureRow::as_select()).first(conn).optional()?)
}

/// Stores a measure, replacing the one with the same source id.
pub fn upsert(conn: &mut DbConn, row: &MeasureRow) -> Result<(), ApiError> {
    let updated = diesel::update(conduct_measures::table.find(&row.source_id)).set(row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(conduct_measures::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// A person's measures, oldest first.
pub fn of_cadre(conn: &mut DbConn, cadre_id: &str) -> Result<Vec<MeasureRow>, ApiError> {
    Ok(conduct_measures::table
        .filter(conduct_measures::cadre_id.eq(cadre_id))
        .order((conduct_measures::effective_date.asc(), conduct_measures::source_id.asc()))
        .select(MeasureRow::as_select())
        .load(conn)?)
}

//! Health-check plans and records: a done date and a follow-up flag, nothing else.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{health_check_plans, health_checks};

/// A unit's plan for a year.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = health_check_plans)]
pub struct PlanRow {
    pub org_unit_id: String,
    pub year: i32,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub provider: String,
    pub notes: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

/// That a cadre had the year's check.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = health_checks)]
pub struct CheckRow {
    pub cadre_id: String,
    pub year: i32,
    pub cadre_name: String,
    pub org_unit_id: String,
    pub checked_on: NaiveDate,
    pub follow_up_needed: bool,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// Stores a plan, replacing the unit's plan for the year.
pub fn upsert_plan(conn: &mut DbConn, row: &PlanRow) -> Result<(), ApiError> {
    let updated = diesel::update(health_check_plans::table.find((&row.org_unit_id, row.year)))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(health_check_plans::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// The plans of a year in `units` (`None`: every unit), by unit, after the unit `after`, at most `limit`.
pub fn plans(
    conn: &mut DbConn,
    year: i32,
    units: Option<&[String]>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<PlanRow>, ApiError> {
    let mut query = health_check_plans::table.filter(health_check_plans::year.eq(year)).into_boxed();
    if let Some(units) = units {
        query = query.filter(health_check_plans::org_unit_id.eq_any(units.to_vec()));
    }
    if let Some(after) = after {
        query = query.filter(health_check_plans::org_unit_id.gt(after));
    }
    Ok(query
        .order(health_check_plans::org_unit_id.asc())
        .limit(limit)
        .select(PlanRow::as_select())
        .load(conn)?)
}

/// Stores a check, replacing the cadre's record for the year.
pub fn upsert_check(conn: &mut DbConn, row: &CheckRow) -> Result<(), ApiError> {
    let updated =
        diesel::update(health_checks::table.find((&row.cadre_id, row.year))).set(row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(health_checks::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// The checks of a year of the given cadres (`None`: everyone), by cadre, after `after`, at most `limit`.
pub fn checks(
    conn: &mut DbConn,
    year: i32,
    cadres: Option<&[String]>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<CheckRow>, ApiError> {
    let mut query = health_checks::table.filter(health_checks::year.eq(year)).into_boxed();
    if let Some(cadres) = cadres {
        query = query.filter(health_checks::cadre_id.eq_any(cadres.to_vec()));
    }
    if let Some(after) = after {
        query = query.filter(health_checks::cadre_id.gt(after));
    }
    Ok(query.order(health_checks::cadre_id.asc()).limit(limit).select(CheckRow::as_select()).load(conn)?)
}

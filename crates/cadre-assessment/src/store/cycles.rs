//! Annual cycles: one per pool (unit and category) and year.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::annual_cycles;

/// One cycle as stored. Codes (category, state) are the proto enum names without their prefix.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = annual_cycles, treat_none_as_null = true)]
pub struct CycleRow {
    /// Id.
    pub id: String,
    /// The assessment year.
    pub year: i32,
    /// The 机关.
    pub org_unit_id: String,
    /// Its name when opened.
    pub org_unit_name: String,
    /// `CIVIL_SERVANT`, `REFERENCE_MANAGED` or `PUBLIC_INSTITUTION`.
    pub category: String,
    /// `OPEN`, `PUBLICITY`, `DETERMINED` or `CLOSED`.
    pub state: String,
    /// The approval that raised the cap, or empty.
    pub raised_quota_approval: String,
    /// People enrolled.
    pub enrolled: i32,
    /// People in the 优秀 base.
    pub taking_part: i32,
    /// 优秀 proposed (before the determination) or determined.
    pub excellent: i32,
    /// The most 优秀 allowed, as last computed.
    pub excellent_limit: i32,
    /// When publicity started.
    pub publicity_started_on: Option<NaiveDate>,
    /// Its last day.
    pub publicity_last_day: Option<NaiveDate>,
    /// The body that determined the grades.
    pub determined_by: String,
    /// When.
    pub determined_on: Option<NaiveDate>,
    /// When closed.
    pub closed_on: Option<NaiveDate>,
    /// The cycle as the rules see it, JSON.
    pub aggregate: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Opened.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// Stores a new cycle.
pub fn insert(conn: &mut DbConn, row: &CycleRow) -> Result<(), ApiError> {
    diesel::insert_into(annual_cycles::table).values(row).execute(conn)?;
    Ok(())
}

/// A cycle by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<CycleRow>, ApiError> {
    Ok(annual_cycles::table.find(id).select(CycleRow::as_select()).first(conn).optional()?)
}

/// The cycle of a pool and year.
pub fn of_pool(
    conn: &mut DbConn,
    unit_id: &str,
    category: &str,
    year: i32,
) -> Result<Option<CycleRow>, ApiError> {
    Ok(annual_cycles::table
        .filter(annual_cycles::org_unit_id.eq(unit_id))
        .filter(annual_cycles::category.eq(category))
        .filter(annual_cycles::year.eq(year))
        .select(CycleRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes a changed cycle if it is still at the version it was read at, and bumps the version. Two
/// writers that read the same version cannot both win.
pub fn update(conn: &mut DbConn, row: &mut CycleRow, now: NaiveDateTime) -> Result<(), ApiError> {
    let read = row.version;
    row.version += 1;
    row.updated_at = now;
    let changed = diesel::update(annual_cycles::table.find(&row.id).filter(annual_cycles::version.eq(read)))
        .set(&*row)
        .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::aborted(
            "VERSION_MISMATCH",
            "the cycle changed since it was read; read it again and retry",
        ));
    }
    Ok(())
}

/// What a list of cycles is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this year.
    pub year: Option<i32>,
    /// Only these units (`None`: every unit).
    pub unit_ids: Option<Vec<String>>,
    /// Only this state.
    pub state: Option<String>,
    /// These cycles too, whatever their unit (the caller's own).
    pub or_cycle_ids: Vec<String>,
}

/// Cycles newest year first, then by unit and category, after the keyset position `after`
/// (`(year, unit, category)`), at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: &Filter,
    after: Option<(i32, String, String)>,
    limit: i64,
) -> Result<Vec<CycleRow>, ApiError> {
    let mut query = annual_cycles::table.into_boxed();
    if let Some(year) = filter.year {
        query = query.filter(annual_cycles::year.eq(year));
    }
    if let Some(units) = &filter.unit_ids {
        query = query.filter(
            annual_cycles::org_unit_id
                .eq_any(units.clone())
                .or(annual_cycles::id.eq_any(filter.or_cycle_ids.clone())),
        );
    }
    if let Some(state) = &filter.state {
        query = query.filter(annual_cycles::state.eq(state.clone()));
    }
    if let Some((year, unit, category)) = after {
        query = query.filter(
            annual_cycles::year.lt(year).or(annual_cycles::year.eq(year).and(
                annual_cycles::org_unit_id
                    .gt(unit.clone())
                    .or(annual_cycles::org_unit_id.eq(unit).and(annual_cycles::category.gt(category))),
            )),
        );
    }
    Ok(query
        .order((annual_cycles::year.desc(), annual_cycles::org_unit_id.asc(), annual_cycles::category.asc()))
        .limit(limit)
        .select(CycleRow::as_select())
        .load(conn)?)
}

/// Whether the service has any cycle at all.
pub fn any(conn: &mut DbConn) -> Result<bool, ApiError> {
    let first: Option<String> = annual_cycles::table.select(annual_cycles::id).first(conn).optional()?;
    Ok(first.is_some())
}

/// Every cycle of a year in the given units (`None`: every unit), by unit and category.
pub fn of_year(conn: &mut DbConn, year: i32, unit_ids: Option<&[String]>) -> Result<Vec<CycleRow>, ApiError> {
    let mut query = annual_cycles::table.filter(annual_cycles::year.eq(year)).into_boxed();
    if let Some(units) = unit_ids {
        query = query.filter(annual_cycles::org_unit_id.eq_any(units.to_vec()));
    }
    Ok(query
        .order((annual_cycles::org_unit_id.asc(), annual_cycles::category.asc()))
        .select(CycleRow::as_select())
        .load(conn)?)
}

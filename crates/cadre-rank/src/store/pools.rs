//! Quota pools (职数) and the units each counts. A unit belongs to at most one stored pool; a unit in none
//! has an implicit pool of its own, named [`implicit_id`], which is never stored.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{
    CHUNK,
    schema::{quota_pool_units, quota_pools},
};

/// The prefix of an implicit pool's id.
pub const IMPLICIT_PREFIX: &str = "unit:";

/// The id of the implicit pool of a unit in no stored pool.
pub fn implicit_id(org_unit_id: &str) -> String {
    format!("{IMPLICIT_PREFIX}{org_unit_id}")
}

/// The unit an implicit pool id names.
pub fn implicit_unit(pool_id: &str) -> Option<&str> {
    pool_id.strip_prefix(IMPLICIT_PREFIX).filter(|unit| !unit.is_empty())
}

/// One stored pool.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = quota_pools, treat_none_as_null = true)]
pub struct PoolRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `UNIT`, `POOLED` or `LEADERSHIP_TEAM`.
    pub kind: String,
    /// The approved headcount, when set.
    pub headcount_override: Option<i32>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A stored pool.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<PoolRow>, ApiError> {
    Ok(quota_pools::table.find(id).select(PoolRow::as_select()).first(conn).optional()?)
}

/// Every stored pool, by name then id.
pub fn all(conn: &mut DbConn) -> Result<Vec<PoolRow>, ApiError> {
    Ok(quota_pools::table
        .order((quota_pools::name.asc(), quota_pools::id.asc()))
        .select(PoolRow::as_select())
        .load(conn)?)
}

/// The units of a stored pool, by id.
pub fn units_of(conn: &mut DbConn, pool_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(quota_pool_units::table
        .filter(quota_pool_units::pool_id.eq(pool_id))
        .order(quota_pool_units::org_unit_id.asc())
        .select(quota_pool_units::org_unit_id)
        .load(conn)?)
}

/// Every pooled unit and its pool.
pub fn all_units(conn: &mut DbConn) -> Result<HashMap<String, String>, ApiError> {
    let rows: Vec<(String, String)> = quota_pool_units::table
        .select((quota_pool_units::org_unit_id, quota_pool_units::pool_id))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The stored pool a unit belongs to, if any.
pub fn pool_of_unit(conn: &mut DbConn, org_unit_id: &str) -> Result<Option<String>, ApiError> {
    Ok(quota_pool_units::table.find(org_unit_id).select(quota_pool_units::pool_id).first(conn).optional()?)
}

/// The stored pools of the given units, by unit.
pub fn pools_of_units(conn: &mut DbConn, units: &[String]) -> Result<HashMap<String, String>, ApiError> {
    let mut out = HashMap::new();
    for chunk in units.chunks(CHUNK) {
        let rows: Vec<(String, String)> = quota_pool_units::table
            .filter(quota_pool_units::org_unit_id.eq_any(chunk))
            .select((quota_pool_units::org_unit_id, quota_pool_units::pool_id))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Stores a new pool.
pub fn insert(conn: &mut DbConn, row: &PoolRow) -> Result<(), ApiError> {
    diesel::insert_into(quota_pools::table).values(row).execute(conn)?;
    Ok(())
}

/// Stores a changed pool if it is still at `row.version - 1`; returns whether it was.
pub fn update(conn: &mut DbConn, row: &PoolRow) -> Result<bool, ApiError> {
    let updated = diesel::update(
        quota_pools::table
            .filter(quota_pools::id.eq(&row.id))
            .filter(quota_pools::version.eq(row.version - 1)),
    )
    .set(row)
    .execute(conn)?;
    Ok(updated == 1)
}

/// Makes `units` the pool's units. A unit held by another pool is refused by the key (a unit belongs to one
/// pool), so callers check that first to say which pool holds it.
pub fn set_units(conn: &mut DbConn, pool_id: &str, units: &[String]) -> Result<(), ApiError> {
    diesel::delete(quota_pool_units::table.filter(quota_pool_units::pool_id.eq(pool_id))).execute(conn)?;
    for unit in units {
        diesel::insert_into(quota_pool_units::table)
            .values((quota_pool_units::org_unit_id.eq(unit), quota_pool_units::pool_id.eq(pool_id)))
            .execute(conn)?;
    }
    Ok(())
}

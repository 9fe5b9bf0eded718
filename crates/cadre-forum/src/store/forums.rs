//! Forums.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::{dsl::count_star, prelude::*};

use super::{CHUNK, schema::forums};

/// One forum as stored. `level` and `status` are the domain's codes.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = forums, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ForumRow {
    /// Id.
    pub id: String,
    /// DISTRICT, UNIT or VILLAGE.
    pub level: String,
    /// The unit that holds it.
    pub owner_unit_id: String,
    /// Its name then.
    pub owner_unit_name: String,
    /// The parent town or street deciding on a village forum; empty for the org department.
    pub approving_unit_id: String,
    /// The forum's name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// PROPOSED, ACTIVE, SUSPENDED or CLOSED.
    pub status: String,
    /// The owner while open, `None` once closed (the one-open-forum index).
    pub open_owner_unit_id: Option<String>,
    /// Who proposed it.
    pub proposed_by: String,
    /// When.
    pub proposed_at: NaiveDateTime,
    /// Who approved it.
    pub approved_by: String,
    /// When.
    pub approved_on: Option<NaiveDate>,
    /// Why last suspended or closed.
    pub status_reason: String,
    /// Increments with every change.
    pub version: i64,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// Stores a new forum.
pub fn insert(conn: &mut DbConn, row: &ForumRow) -> Result<(), ApiError> {
    diesel::insert_into(forums::table).values(row).execute(conn)?;
    Ok(())
}

/// Stores many new forums at once (the demo district).
pub fn insert_all(conn: &mut DbConn, rows: &[ForumRow]) -> Result<(), ApiError> {
    for chunk in rows.chunks(CHUNK / 10) {
        insert_batch!(conn, forums::table, chunk)?;
    }
    Ok(())
}

/// Writes a changed forum.
pub fn update(conn: &mut DbConn, row: &ForumRow) -> Result<(), ApiError> {
    diesel::update(forums::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// A forum.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<ForumRow>, ApiError> {
    Ok(forums::table.find(id).select(ForumRow::as_select()).first(conn).optional()?)
}

/// The open (not closed) forum of a unit.
pub fn open_of(conn: &mut DbConn, unit_id: &str) -> Result<Option<ForumRow>, ApiError> {
    Ok(forums::table
        .filter(forums::open_owner_unit_id.eq(unit_id))
        .select(ForumRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether the service has any forum yet.
pub fn any(conn: &mut DbConn) -> Result<bool, ApiError> {
    let count: i64 = forums::table.select(count_star()).first(conn)?;
    Ok(count > 0)
}

/// What a list of forums is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only forums owned by these units (`None`: every unit).
    pub unit_ids: Option<Vec<String>>,
    /// Only this level.
    pub level: Option<String>,
    /// Only this status.
    pub status: Option<String>,
}

/// Forums by level then id, after `(level, id)`, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: &Filter,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<ForumRow>, ApiError> {
    let mut query = forums::table.into_boxed();
    if let Some(units) = &filter.unit_ids {
        query = query.filter(forums::owner_unit_id.eq_any(units.clone()));
    }
    if let Some(level) = &filter.level {
        query = query.filter(forums::level.eq(level.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(forums::status.eq(status.clone()));
    }
    if let Some((level, id)) = after {
        query =
            query.filter(forums::level.gt(level.clone()).or(forums::level.eq(level).and(forums::id.gt(id))));
    }
    Ok(query
        .order((forums::level.asc(), forums::id.asc()))
        .limit(limit)
        .select(ForumRow::as_select())
        .load(conn)?)
}

/// Every forum owned by `unit_ids` (`None`: every unit), in any status.
pub fn of_units(conn: &mut DbConn, unit_ids: Option<&[String]>) -> Result<Vec<ForumRow>, ApiError> {
    let mut query = forums::table.into_boxed();
    if let Some(units) = unit_ids {
        query = query.filter(forums::owner_unit_id.eq_any(units.to_vec()));
    }
    Ok(query.order(forums::id.asc()).select(ForumRow::as_select()).load(conn)?)
}

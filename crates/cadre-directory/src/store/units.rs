//! Org units and unit kinds.

use cadre_platform::{ApiError, DbConn, clock};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{cadres, org_units, unit_kinds};
use crate::domain::{
    codes::{CadreStatus, UnitState},
    units::{UnitKind, child_path},
};

/// A stored unit.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = org_units)]
pub struct UnitRow {
    /// Id.
    pub id: String,
    /// Parent id.
    pub parent_id: Option<String>,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Depth (0 for the root).
    pub depth: i32,
    /// `/root/.../self/`.
    pub path: String,
    /// State code.
    pub state: String,
    /// Why it was closed.
    pub closed_reason: String,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

impl UnitRow {
    /// Whether the unit is closed.
    pub fn is_closed(&self) -> bool {
        self.state == UnitState::Closed.code()
    }
}

/// Every unit kind, by tier then code.
pub fn kinds(conn: &mut DbConn) -> Result<Vec<UnitKind>, ApiError> {
    let rows: Vec<(String, String, i32)> = unit_kinds::table
        .order((unit_kinds::tier.asc(), unit_kinds::code.asc()))
        .select((unit_kinds::code, unit_kinds::display_name, unit_kinds::tier))
        .load(conn)?;
    Ok(rows.into_iter().map(|(code, display_name, tier)| UnitKind { code, display_name, tier }).collect())
}

/// One unit kind.
pub fn kind(conn: &mut DbConn, code: &str) -> Result<Option<UnitKind>, ApiError> {
    let row: Option<(String, String, i32)> = unit_kinds::table
        .find(code)
        .select((unit_kinds::code, unit_kinds::display_name, unit_kinds::tier))
        .first(conn)
        .optional()?;
    Ok(row.map(|(code, display_name, tier)| UnitKind { code, display_name, tier }))
}

/// A unit by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<UnitRow>, ApiError> {
    Ok(org_units::table.find(id).select(UnitRow::as_select()).first(conn).optional()?)
}

/// A unit by id, or NOT_FOUND naming `field`.
pub fn require(conn: &mut DbConn, id: &str, field: &str) -> Result<UnitRow, ApiError> {
    get(conn, id)?.ok_or_else(|| {
        ApiError::not_found("ORG_UNIT_NOT_FOUND", format!("no org unit {id}"))
            .with_violation(field, "no such org unit")
    })
}

/// A unit by code.
pub fn by_code(conn: &mut DbConn, code: &str) -> Result<Option<UnitRow>, ApiError> {
    Ok(org_units::table
        .filter(org_units::code.eq(code))
        .select(UnitRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether a root exists.
pub fn has_root(conn: &mut DbConn) -> Result<bool, ApiError> {
    let count: i64 = org_units::table.filter(org_units::parent_id.is_null()).count().get_result(conn)?;
    Ok(count > 0)
}

/// Inserts a new unit under `parent`.
pub fn insert(
    conn: &mut DbConn,
    parent: Option<&UnitRow>,
    code: &str,
    name: &str,
    kind: &str,
) -> Result<UnitRow, ApiError> {
    let id = super::new_id();
    let now = clock::now();
    let row = UnitRow {
        path: child_path(parent.map(|p| p.path.as_str()), &id),
        parent_id: parent.map(|p| p.id.clone()),
        depth: parent.map_or(0, |p| p.depth + 1),
        id,
        code: code.to_owned(),
        name: name.to_owned(),
        kind: kind.to_owned(),
        state: UnitState::Active.code().to_owned(),
        closed_reason: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(org_units::table).values(&row).execute(conn).map_err(|e| {
        let error = ApiError::from(e);
        if error.code() == tonic::Code::AlreadyExists {
            ApiError::already_exists("ORG_UNIT_CODE_TAKEN", format!("unit code {code} is in use"))
                .with_violation("org_unit.code", "already used by another unit")
        } else {
            error
        }
    })?;
    Ok(row)
}

/// Renames a unit.
pub fn rename(conn: &mut DbConn, unit: &UnitRow, name: &str) -> Result<UnitRow, ApiError> {
    let now = clock::now();
    diesel::update(org_units::table.find(&unit.id))
        .set((
            org_units::name.eq(name),
            org_units::version.eq(unit.version + 1),
            org_units::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(UnitRow { name: name.to_owned(), version: unit.version + 1, updated_at: now, ..unit.clone() })
}

/// Moves a unit and its subtree under `new_parent`, rewriting every path and depth below it.
pub fn move_under(conn: &mut DbConn, unit: &UnitRow, new_parent: &UnitRow) -> Result<UnitRow, ApiError> {
    let now = clock::now();
    let new_path = child_path(Some(&new_parent.path), &unit.id);
    let depth_shift = new_parent.depth + 1 - unit.depth;
    let subtree: Vec<(String, String, i32)> = org_units::table
        .filter(org_units::path.like(format!("{}%", unit.path)))
        .select((org_units::id, org_units::path, org_units::depth))
        .load(conn)?;
    for (id, path, depth) in subtree {
        let rewritten = format!("{new_path}{}", &path[unit.path.len()..]);
        diesel::update(org_units::table.find(&id))
            .set((org_units::path.eq(rewritten), org_units::depth.eq(depth + depth_shift)))
            .execute(conn)?;
    }
    diesel::update(org_units::table.find(&unit.id))
        .set((
            org_units::parent_id.eq(&new_parent.id),
            org_units::version.eq(unit.version + 1),
            org_units::updated_at.eq(now),
        ))
        .execute(conn)?;
    require(conn, &unit.id, "id")
}

/// Closes a unit.
pub fn close(conn: &mut DbConn, unit: &UnitRow, reason: &str) -> Result<UnitRow, ApiError> {
    let now = clock::now();
    diesel::update(org_units::table.find(&unit.id))
        .set((
            org_units::state.eq(UnitState::Closed.code()),
            org_units::closed_reason.eq(reason),
            org_units::version.eq(unit.version + 1),
            org_units::updated_at.eq(now),
        ))
        .execute(conn)?;
    require(conn, &unit.id, "id")
}

/// Open children of a unit.
pub fn open_children(conn: &mut DbConn, unit_id: &str) -> Result<i64, ApiError> {
    Ok(org_units::table
        .filter(org_units::parent_id.eq(unit_id))
        .filter(org_units::state.eq(UnitState::Active.code()))
        .count()
        .get_result(conn)?)
}

/// Cadres in post (active or seconded) employed by a unit.
pub fn cadres_in_post(conn: &mut DbConn, unit_id: &str) -> Result<i64, ApiError> {
    Ok(cadres::table
        .filter(cadres::employing_unit_id.eq(unit_id))
        .filter(cadres::status.eq_any([CadreStatus::Active.code(), CadreStatus::Seconded.code()]))
        .count()
        .get_result(conn)?)
}

/// Which units to list.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Direct children of this unit.
    pub parent_id: Option<String>,
    /// The whole subtree below this unit's path.
    pub below_path: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Closed ones too.
    pub include_closed: bool,
}

fn filtered<'a>(filter: &'a UnitFilter) -> org_units::BoxedQuery<'a, cadre_platform::db::MultiBackend> {
    let mut query = org_units::table.into_boxed();
    match (&filter.parent_id, &filter.below_path) {
        (Some(parent), _) => query = query.filter(org_units::parent_id.eq(parent)),
        (None, Some(path)) => {
            query = query.filter(org_units::path.like(format!("{path}%"))).filter(org_units::path.ne(path))
        }
        (None, None) => query = query.filter(org_units::parent_id.is_null()),
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(org_units::kind.eq(kind));
    }
    if !filter.include_closed {
        query = query.filter(org_units::state.eq(UnitState::Active.code()));
    }
    query
}

/// A page of units ordered by (depth, code), after the keyset position `after`.
pub fn list(
    conn: &mut DbConn,
    filter: &UnitFilter,
    after: Option<(i32, String)>,
    limit: i64,
) -> Result<(Vec<UnitRow>, i64), ApiError> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let mut query =
        filtered(filter).select(UnitRow::as_select()).order((org_units::depth.asc(), org_units::code.asc()));
    if let Some((depth, code)) = after {
        query = query
            .filter(org_units::depth.gt(depth).or(org_units::depth.eq(depth).and(org_units::code.gt(code))));
    }
    Ok((query.limit(limit).load(conn)?, total))
}

/// Every unit (the tree of one district is small).
pub fn list_all(conn: &mut DbConn) -> Result<Vec<UnitRow>, ApiError> {
    Ok(org_units::table.select(UnitRow::as_select()).order(org_units::path.asc()).load(conn)?)
}

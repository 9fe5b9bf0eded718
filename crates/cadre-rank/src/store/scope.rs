//! Scope and subtree as SQL over the projection, so that the rank service's lists filter in the query
//! (never by loading ids into memory) and Get and List apply the same rule.
//!
//! A cadre is in a caller's scope when their employing or managing unit lies under one of the scope's
//! subtrees or is one of its units, or when it is the caller's own record: the rule the directory applies
//! to cadre records, read here from the projection.

use cadre_platform::{ApiError, DbConn, auth::DataScope, db::MultiBackend};
use diesel::{dsl::count_star, prelude::*, sql_types::Bool};

use super::{
    below,
    schema::{projected_cadres as directory_cadres, projected_units as directory_units},
};

/// A condition on the projection's cadres.
pub type CadreCondition = Box<dyn BoxableExpression<directory_cadres::table, MultiBackend, SqlType = Bool>>;

/// "Employed (or, with `managed`, also managed) in a unit whose path starts with `path`".
fn under(path: &str, managed: bool) -> CadreCondition {
    let pattern = below(path);
    let units = || {
        directory_units::table
            .filter(directory_units::path.like(pattern.clone()).escape('\\'))
            .select(directory_units::id)
    };
    if managed {
        Box::new(
            directory_cadres::employing_unit_id
                .eq_any(units())
                .or(directory_cadres::managing_unit_id.eq_any(units())),
        )
    } else {
        Box::new(directory_cadres::employing_unit_id.eq_any(units()))
    }
}

/// The condition "in `scope`"; `None` for the whole district (no condition needed).
pub fn condition(scope: &DataScope) -> Option<CadreCondition> {
    if scope.is_district() {
        return None;
    }
    let mut condition: CadreCondition = Box::new(false.into_sql::<Bool>());
    for path in scope.subtree_paths() {
        condition = Box::new(condition.or(under(path, true)));
    }
    if !scope.units().is_empty() {
        let units = scope.units().to_vec();
        condition = Box::new(
            condition.or(directory_cadres::employing_unit_id
                .eq_any(units.clone())
                .or(directory_cadres::managing_unit_id.eq_any(units))),
        );
    }
    if let Some(own) = scope.own_cadre() {
        condition = Box::new(condition.or(directory_cadres::id.eq(own.to_owned())));
    }
    Some(condition)
}

/// A subtree of employing units a list is narrowed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subtree {
    /// The materialised path of a known unit: it and everything below it.
    Path(String),
    /// A unit the projection does not know: only cadres employed in it directly.
    Unit(String),
}

/// The subtree of `org_unit_id`.
pub fn subtree(conn: &mut DbConn, org_unit_id: &str) -> Result<Subtree, ApiError> {
    let path: Option<String> =
        directory_units::table.find(org_unit_id).select(directory_units::path).first(conn).optional()?;
    Ok(path.map_or_else(|| Subtree::Unit(org_unit_id.to_owned()), Subtree::Path))
}

/// How far a list of cadre records reaches: the caller's scope, and a subtree when the request names one.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The caller's scope.
    pub scope: DataScope,
    /// The subtree asked for.
    pub subtree: Option<Subtree>,
}

/// The SQL condition of a [`Reach`] on a table's cadre-id column, as one boxed expression of that table
/// with plain subqueries on the projection inside (a boxed expression cannot sit inside a subquery through
/// `MultiConnection`, so the condition is built for each outer table): `None` when nothing narrows it.
#[macro_export]
macro_rules! reach_condition {
    ($table:ident, $column:expr, $reach:expr) => {{
        use diesel::prelude::*;
        use $crate::store::schema::{projected_cadres as pc, projected_units as pu};
        type Condition = Box<
            dyn diesel::BoxableExpression<
                    $table::table,
                    cadre_platform::db::MultiBackend,
                    SqlType = diesel::sql_types::Bool,
                >,
        >;
        let reach: &$crate::store::scope::Reach = $reach;
        let units_under = |path: &str| {
            pu::table.filter(pu::path.like($crate::store::below(path)).escape('\\')).select(pu::id)
        };
        let mut conditions: Vec<Condition> = Vec::new();
        if !reach.scope.is_district() {
            let mut scope: Condition = Box::new(false.into_sql::<diesel::sql_types::Bool>());
            for path in reach.scope.subtree_paths() {
                let ids = pc::table
                    .filter(
                        pc::employing_unit_id
                            .eq_any(units_under(path))
                            .or(pc::managing_unit_id.eq_any(units_under(path))),
                    )
                    .select(pc::id);
                scope = Box::new(scope.or($column.eq_any(ids)));
            }
            if !reach.scope.units().is_empty() {
                let units = reach.scope.units().to_vec();
                let ids = pc::table
                    .filter(
                        pc::employing_unit_id.eq_any(units.clone()).or(pc::managing_unit_id.eq_any(units)),
                    )
                    .select(pc::id);
                scope = Box::new(scope.or($column.eq_any(ids)));
            }
            if let Some(own) = reach.scope.own_cadre() {
                scope = Box::new(scope.or($column.eq(own.to_owned())));
            }
            conditions.push(scope);
        }
        match &reach.subtree {
            Some($crate::store::scope::Subtree::Path(path)) => {
                let ids = pc::table.filter(pc::employing_unit_id.eq_any(units_under(path))).select(pc::id);
                conditions.push(Box::new($column.eq_any(ids)));
            }
            Some($crate::store::scope::Subtree::Unit(unit)) => {
                let ids = pc::table.filter(pc::employing_unit_id.eq(unit.clone())).select(pc::id);
                conditions.push(Box::new($column.eq_any(ids)));
            }
            None => {}
        }
        conditions.into_iter().reduce(|a, b| -> Condition { Box::new(a.and(b)) })
    }};
}

/// Whether one cadre is in `scope`: the same condition the lists use, for Get and for mutations. A cadre
/// the projection does not know is in scope only as the caller's own record.
pub fn admits(conn: &mut DbConn, scope: &DataScope, cadre_id: &str) -> Result<bool, ApiError> {
    let Some(condition) = condition(scope) else { return Ok(true) };
    if scope.own_cadre() == Some(cadre_id) {
        return Ok(true);
    }
    let found: i64 = directory_cadres::table
        .filter(directory_cadres::id.eq(cadre_id.to_owned()))
        .filter(condition)
        .select(count_star())
        .first(conn)?;
    Ok(found > 0)
}

/// The ids of the units at or below `org_unit_id`; empty for an unknown unit.
pub fn units_in_subtree(conn: &mut DbConn, org_unit_id: &str) -> Result<Vec<String>, ApiError> {
    let path: Option<String> =
        directory_units::table.find(org_unit_id).select(directory_units::path).first(conn).optional()?;
    let Some(path) = path else { return Ok(Vec::new()) };
    let rows: Vec<(String, String)> = directory_units::table
        .filter(directory_units::path.like(below(&path)).escape('\\'))
        .select((directory_units::id, directory_units::path))
        .load(conn)?;
    // SQLite's LIKE ignores ASCII case; the prefix test itself is exact.
    Ok(rows.into_iter().filter(|(_, p)| p.starts_with(&path)).map(|(id, _)| id).collect())
}

/// The units that employ at least one cadre in post of the given categories: the units with a quota of
/// their own to show.
pub fn staffed_units(conn: &mut DbConn, categories: &[&str]) -> Result<Vec<String>, ApiError> {
    let categories: Vec<String> = categories.iter().map(|c| (*c).to_owned()).collect();
    Ok(directory_cadres::table
        .filter(directory_cadres::active)
        .filter(directory_cadres::category.eq_any(categories))
        .select(directory_cadres::employing_unit_id)
        .distinct()
        .order(directory_cadres::employing_unit_id.asc())
        .load(conn)?)
}

/// Whether the caller's scope reaches any of the units (by their paths in the projection).
pub fn admits_any_unit(conn: &mut DbConn, scope: &DataScope, units: &[String]) -> Result<bool, ApiError> {
    if scope.is_district() {
        return Ok(true);
    }
    for unit in units {
        let path: Option<String> =
            directory_units::table.find(unit).select(directory_units::path).first(conn).optional()?;
        if path.is_some_and(|p| scope.admits_unit(&p)) {
            return Ok(true);
        }
    }
    Ok(false)
}

//! The care service's persistence: diesel over either backend.
//!
//! Functions take the connection of the caller's transaction (see `cadre_platform::Db::mutate`), so a
//! store call never decides transaction boundaries itself. The directory's units and cadres are read
//! through `cadre_projection::store`, the projection this service keeps of them.
//!
//! Every list is keyset-paged by id (UUIDv7, so in the order of recording) and narrowed by a [`Reach`]:
//! the cadres and units the caller sees, cut to the subtree asked for. The same [`Reach`] answers whether
//! one record is visible, so a Get and a List cannot disagree.

/// Narrows a boxed query to a [`Reach`]: records of its cadres or of its units.
macro_rules! reach_filter {
    ($query:expr, $reach:expr, $cadre:expr, $unit:expr) => {{
        let reach: &$crate::store::Reach = $reach;
        match (&reach.cadres, &reach.units) {
            (None, None) => $query,
            (Some(c), None) => $query.filter($cadre.eq_any(c.clone())),
            (None, Some(u)) => $query.filter($unit.eq_any(u.clone())),
            (Some(c), Some(u)) => $query.filter($cadre.eq_any(c.clone()).or($unit.eq_any(u.clone()))),
        }
    }};
}

/// Continues a boxed query after a keyset position on its id, ascending or descending.
macro_rules! after_id {
    ($query:expr, $after:expr, $id:expr, $descending:expr) => {{
        let after: Option<String> = $after;
        match after {
            None => $query,
            Some(last) if $descending => $query.filter($id.lt(last)),
            Some(last) => $query.filter($id.gt(last)),
        }
    }};
}

pub mod assignments;
pub mod fund;
pub mod health;
pub mod legacy;
pub mod policy;
pub mod rewards;
pub mod schema;
pub mod talks;
pub mod tolerance;
pub mod visits;

use cadre_platform::{ApiError, DbConn, auth::DataScope, db::Migrations};
use cadre_projection::store as projection;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The care service's migration trees.
pub static MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// A new id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// JSON of a list of strings (lists are stored as JSON text, portable on both backends).
pub fn json(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned())
}

/// A list of strings stored as JSON.
pub fn strings(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The ids of the cadres `scope` sees (`None`: the whole district), as the directory's rule for cadre
/// records has it: employing or managing unit in scope, or the caller's own record.
pub fn cadre_ids_in_scope(conn: &mut DbConn, scope: &DataScope) -> Result<Option<Vec<String>>, ApiError> {
    projection::cadre_ids_in_scope(conn, scope)
}

/// The ids of the units `scope` sees by unit or subtree (`None`: the whole district). The caller's own
/// record adds no unit.
pub fn unit_ids_in_scope(conn: &mut DbConn, scope: &DataScope) -> Result<Option<Vec<String>>, ApiError> {
    if scope.is_district() {
        return Ok(None);
    }
    let mut ids: Vec<String> = scope.units().to_vec();
    for path in scope.subtree_paths() {
        if let Some(top) = path.trim_end_matches('/').rsplit('/').next().filter(|id| !id.is_empty()) {
            ids.extend(projection::units_in_subtree(conn, top)?.into_iter().map(|u| u.id));
        }
    }
    ids.sort();
    ids.dedup();
    Ok(Some(ids))
}

/// Whether `scope` admits the unit `unit_id` (by unit or subtree).
pub fn unit_in_scope(conn: &mut DbConn, scope: &DataScope, unit_id: &str) -> Result<bool, ApiError> {
    if scope.is_district() {
        return Ok(true);
    }
    if scope.units().iter().any(|u| u == unit_id) {
        return Ok(true);
    }
    Ok(projection::unit(conn, unit_id)?.is_some_and(|unit| scope.admits_unit(&unit.path)))
}

/// Whether `scope` admits the cadre `cadre_id`: the same rule as [`cadre_ids_in_scope`], for one record.
pub fn cadre_in_scope(conn: &mut DbConn, scope: &DataScope, cadre_id: &str) -> Result<bool, ApiError> {
    if scope.is_district() || scope.own_cadre() == Some(cadre_id) {
        return Ok(true);
    }
    let Some(cadre) = projection::cadre(conn, cadre_id)? else { return Ok(false) };
    let units = [cadre.employing_unit_id.as_str(), cadre.managing_unit_id.as_str()];
    let paths: Vec<&str> = [cadre.employing_path.as_str(), cadre.managing_path.as_str()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    Ok(scope.admits(&paths, None) || units.iter().any(|u| scope.units().iter().any(|s| s == u)))
}

/// What a list may show: records of these cadres or of these units (`None`: no limit on that side).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Cadres whose records are shown; `None` for every cadre.
    pub cadres: Option<Vec<String>>,
    /// Units whose records are shown; `None` for every unit.
    pub units: Option<Vec<String>>,
}

impl Reach {
    /// Whether a record of `cadre_id` (may be empty) belonging to `unit_id` is within reach.
    pub fn admits(&self, cadre_id: &str, unit_id: &str) -> bool {
        let cadre =
            self.cadres.as_ref().is_none_or(|c| !cadre_id.is_empty() && c.iter().any(|x| x == cadre_id));
        let unit = self.units.as_ref().is_none_or(|u| u.iter().any(|x| x == unit_id));
        match (&self.cadres, &self.units) {
            (None, None) => true,
            (Some(_), None) => cadre,
            (None, Some(_)) => unit,
            (Some(_), Some(_)) => cadre || unit,
        }
    }

    /// Whether nothing at all is within reach.
    pub fn is_empty(&self) -> bool {
        matches!((&self.cadres, &self.units), (Some(c), Some(u)) if c.is_empty() && u.is_empty())
    }
}

/// The reach of `scope`, cut to the subtree of `unit_id` when one is given: within a subtree, the cadres
/// employed there and the units there.
pub fn reach(conn: &mut DbConn, scope: &DataScope, unit_id: &str) -> Result<Reach, ApiError> {
    if unit_id.is_empty() && scope.is_district() {
        return Ok(Reach::default());
    }
    let scoped_cadres = cadre_ids_in_scope(conn, scope)?;
    let scoped_units = unit_ids_in_scope(conn, scope)?;
    if unit_id.is_empty() {
        return Ok(Reach {
            cadres: scoped_cadres.or(Some(Vec::new())),
            units: scoped_units.or(Some(Vec::new())),
        });
    }
    let subtree_units: Vec<String> =
        projection::units_in_subtree(conn, unit_id)?.into_iter().map(|u| u.id).collect();
    let subtree_cadres = projection::cadre_ids_in_subtree(conn, unit_id)?;
    // Both scope lists come sorted by id.
    let cut = |inner: Vec<String>, scoped: Option<Vec<String>>| match scoped {
        None => inner,
        Some(scoped) => inner.into_iter().filter(|x| scoped.binary_search(x).is_ok()).collect(),
    };
    Ok(Reach {
        cadres: Some(cut(subtree_cadres, scoped_cadres)),
        units: Some(cut(subtree_units, scoped_units)),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::Reach;

    #[test]
    fn reach_admits_by_cadre_or_unit() {
        let all = Reach::default();
        assert!(all.admits("c", "u"));
        let some = Reach { cadres: Some(vec!["c1".into()]), units: Some(vec!["u1".into()]) };
        assert!(some.admits("c1", "u9"));
        assert!(some.admits("c9", "u1"));
        assert!(some.admits("", "u1"), "a collective's record by its unit");
        assert!(!some.admits("c9", "u9"));
        assert!(!some.admits("", "u9"));
        let nothing = Reach { cadres: Some(vec![]), units: Some(vec![]) };
        assert!(nothing.is_empty());
        assert!(!nothing.admits("c1", "u1"));
    }

    #[test]
    fn both_migration_trees_hold_the_same_text() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let list = |backend: &str| -> Vec<String> {
            let mut dirs: Vec<String> = std::fs::read_dir(root.join(backend))
                .expect("the migration tree")
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            dirs.sort();
            dirs
        };
        assert_eq!(list("sqlite"), list("postgres"));
        for dir in list("sqlite") {
            for file in ["up.sql", "down.sql"] {
                let read = |backend: &str| std::fs::read_to_string(root.join(backend).join(&dir).join(file));
                assert_eq!(
                    read("sqlite").expect("sqlite"),
                    read("postgres").expect("postgres"),
                    "{dir}/{file}"
                );
            }
        }
    }

    #[test]
    fn the_first_migration_creates_the_directory_projection() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite/2026-11-26-000000_care");
        let up = std::fs::read_to_string(root.join("up.sql")).expect("the first migration");
        assert!(up.contains(cadre_projection::DIRECTORY_PROJECTION_DDL.trim_end()));
    }

    #[test]
    fn the_migration_seeds_every_default_policy_value() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite/2026-11-26-000000_care");
        let up = std::fs::read_to_string(root.join("up.sql")).expect("the first migration");
        for (key, value, source) in crate::domain::policy::DEFAULT_POLICY {
            let row = format!("('{key}', '2018-01-01', '{value}', '{source}')");
            assert!(up.contains(&row), "{row}");
        }
    }
}

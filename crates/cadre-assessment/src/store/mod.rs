//! The assessment service's persistence: diesel over either backend.
//!
//! Functions take the connection of the caller's transaction (see `cadre_platform::Db::mutate`), so a
//! store call never decides transaction boundaries itself. The directory's units and cadres are read
//! through `cadre_projection::store`, the projection this service keeps of them.

pub mod assessments;
pub mod cycles;
pub mod measures;
pub mod policy;
pub mod reviews;
pub mod routine;
pub mod schema;
pub mod special;

use cadre_platform::{ApiError, DbConn, auth::DataScope, db::Migrations};
use cadre_projection::store as projection;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The assessment service's migration trees.
pub static MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// How many ids one `IN (...)` list binds: well under SQLite's and PostgreSQL's limits on parameters.
pub(crate) const CHUNK: usize = 500;

/// A new id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
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

#[cfg(test)]
mod tests {
    use std::path::Path;

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
        let root =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite/2026-01-06-000000_assessment");
        let up = std::fs::read_to_string(root.join("up.sql")).expect("the first migration");
        assert!(up.contains(cadre_projection::DIRECTORY_PROJECTION_DDL.trim_end()));
    }
}

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

use cadre_platform::db::Migrations;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The assessment service's migration trees.
pub static MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// How many ids one `IN (...)` list binds: well under SQLite's and PostgreSQL's limits on parameters.
pub(crate) const CHUNK: usize = 500;

/// The data-scope rules over the projection, shared by every service that keeps one.
pub use cadre_projection::store::{cadre_ids_in_scope, cadre_in_scope, unit_ids_in_scope, unit_in_scope};

/// A new id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
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

//! The oversight service's persistence: diesel over either backend.
//!
//! Functions take the connection of the caller's transaction (see `cadre_platform::Db::mutate`), so a
//! store call never decides transaction boundaries itself. The directory's units and cadres are read
//! through `cadre_projection::store`, the projection this service keeps of them. Lists are keyset-paged
//! by id (UUIDv7, so in the order of recording) and narrowed by a [`Reach`].

pub mod circulars;
pub mod decisions;
pub mod findings;
pub mod inspections;
pub mod integrity;
pub mod policy;
pub mod rectification;
pub mod responsibility;
pub mod schema;

use cadre_platform::{ApiError, db::Migrations};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The oversight service's migration trees.
pub static MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// The data-scope rules over the projection, shared by every service that keeps one.
pub use cadre_projection::reach::{CHUNK, Reach, chunked, reach};
pub use cadre_projection::store::{cadre_ids_in_scope, cadre_in_scope, unit_ids_in_scope, unit_in_scope};

/// A new id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// JSON of a value the service stores as text (lists, the escalation proposal).
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A list of strings stored as JSON, for display: text the service did not write reads as no entries.
pub fn strings(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// A value stored as JSON that decides something: unreadable text is an internal error.
pub fn parsed<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_str(json).map_err(|e| ApiError::internal(format!("stored {what} unreadable: {e}")))
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
            Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite/2026-11-26-000000_oversight");
        let up = std::fs::read_to_string(root.join("up.sql")).expect("the first migration");
        assert!(up.contains(cadre_projection::DIRECTORY_PROJECTION_DDL.trim_end()));
    }

    #[test]
    fn the_migration_seeds_every_default_policy_value() {
        let root =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite/2026-11-26-000000_oversight");
        let up = std::fs::read_to_string(root.join("up.sql")).expect("the first migration");
        for (key, value, source) in crate::domain::policy::DEFAULT_POLICY {
            let row = format!("('{key}', '2018-01-01', '{value}', '{source}')");
            assert!(up.contains(&row), "{row}");
        }
    }
}

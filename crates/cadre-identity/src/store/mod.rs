//! The identity service's persistence: diesel over either backend.
//!
//! Functions take the connection of the caller's transaction (see `cadre_platform::Db::mutate`), so a
//! store call never decides transaction boundaries itself.

pub mod credentials;
pub mod schema;
pub mod service_keys;
pub mod sessions;

use cadre_platform::db::Migrations;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The identity service's migration trees.
pub static MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// A new id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

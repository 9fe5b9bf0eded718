//! The leave service's persistence: diesel over either backend.
//!
//! Functions take the connection of the caller's transaction (see `cadre_platform::Db::mutate`), so a
//! store call never decides transaction boundaries itself.

pub mod calendar;
pub mod ledger;
pub mod overdue;
pub mod policy;
pub mod requests;
pub mod schema;
pub mod settings;
pub mod travel;
pub mod types;

/// The projection of the directory (`directory_units`, `directory_cadres`, `feed_cursors`), shared with the
/// other services that keep one.
pub use cadre_projection::store as projection;

use cadre_platform::db::Migrations;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The leave service's migration trees.
pub static MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// A new id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

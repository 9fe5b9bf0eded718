//! The directory's persistence: diesel over either backend, returning domain types.
//!
//! Functions take the connection of the caller's transaction (see `cadre_platform::Db::mutate`), so a
//! store call never decides transaction boundaries itself.

pub mod accounts;
pub mod cadres;
pub mod schema;
pub mod units;

use cadre_platform::db::Migrations;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The directory's migration trees.
pub static MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// A new id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// What a scoped look-up found.
#[derive(Debug)]
pub enum Lookup<T> {
    /// In scope.
    Found(T),
    /// It exists, outside the caller's scope: answered as absent, recorded as a refusal.
    Hidden,
    /// No such record.
    Absent,
}

//! The rank service's persistence: diesel over either backend.
//!
//! Functions take the connection of the caller's transaction (see `cadre_platform::Db::mutate`), so a
//! store call never decides transaction boundaries itself. Rows hold codes (grades, states, kinds) as text;
//! the domain's types are built from them in `workflow`.

pub mod cases;
pub mod eligibility;
pub mod holdings;
pub mod measures;
pub mod policy;
pub mod pools;
pub mod results;
pub mod schema;
pub mod scope;
pub mod sync;
pub mod tolerance;

/// The projection of the directory (`directory_units`, `directory_cadres`, `feed_cursors`), shared with the
/// other services that keep one.
pub use cadre_projection::store as projection;

use cadre_platform::db::Migrations;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The rank service's migration trees.
pub static MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// How many ids one `IN (...)` list binds: well under SQLite's and PostgreSQL's limits on parameters.
pub const CHUNK: usize = 500;

/// A new id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// `LIKE` pattern of everything under `prefix` (inclusive), with the pattern characters escaped by `\`.
pub fn below(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

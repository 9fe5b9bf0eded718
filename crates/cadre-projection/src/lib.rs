//! The directory as another service sees it.
//!
//! Services that route, scope, rank or assess by the directory's units and cadres (leave, rank, assessment,
//! care, forum, oversight) do not call the directory for every answer: each keeps a projection of it in its own
//! database, fed by the directory's event feed. This crate is that projection, shared so that no service copies it:
//!
//! - [`follower`]: a generic follower of one service's event feed ([`Follower`] running a [`FeedSource`]):
//!   sessions with backoff, the cursor saved in the transaction that applies each event, a relist when the
//!   feed no longer knows the cursor, and a caught-up state to wait on. A service follows another feed (rank
//!   follows the assessment service's annual results) by implementing [`FeedSource`] in its own crate.
//! - [`DirectoryFeed`]: the directory's feed as the first such source.
//! - [`store`]: the projection's reads and writes ([`CadreView`], [`UnitView`], scope and subtree queries,
//!   the feed cursors), and [`schema`], its diesel tables.
//!
//! # The tables
//!
//! The projection lives in three tables of the following service's own database: `directory_units`,
//! `directory_cadres` and `feed_cursors` (the last keyed by source, so it also holds the cursors of any
//! other feed the service follows). Their canonical DDL, portable SQL valid on SQLite and PostgreSQL, is
//! `sql/directory_projection.sql` ([`DIRECTORY_PROJECTION_DDL`]). **Each service's first migration, in both
//! its `migrations/sqlite` and `migrations/postgres` trees, contains this text verbatim**, so that every
//! service has the same tables and this crate's queries fit all of them; a test of this crate checks the
//! services' migrations for it. The leave service predates the crate: its first migration created the
//! tables without the later columns, and its `projection_facts` migration appends them in the same order,
//! so that `ALTER TABLE` there and `CREATE TABLE` elsewhere give the same table.
//!
//! A change to the tables is a new migration in every service that has them (an `ALTER TABLE` appending
//! columns, so that the column order stays the same everywhere), together with the change to this file.

pub mod directory;
pub mod follower;
pub mod reach;
pub mod schema;
pub mod store;

pub use directory::{DirectoryFeed, DirectorySnapshot};
pub use follower::{
    Caller, FeedSource, Follower, FollowerSettings, FollowerState, RelistFailed, Upstream, UpstreamChannel,
};
pub use store::{CadreView, UnitView};

/// The canonical DDL of the projection's tables and indexes (`sql/directory_projection.sql`), which each
/// service's first migration contains verbatim.
pub const DIRECTORY_PROJECTION_DDL: &str = include_str!("../sql/directory_projection.sql");

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::DIRECTORY_PROJECTION_DDL;

    /// The first migration (by directory name, which diesel runs in order) of a migration tree.
    fn first_migration(tree: &Path) -> Option<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(tree)
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.join("up.sql").is_file())
            .collect();
        dirs.sort();
        dirs.into_iter().next().map(|dir| dir.join("up.sql"))
    }

    #[test]
    fn each_services_first_migration_contains_the_ddl_verbatim() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let ddl = DIRECTORY_PROJECTION_DDL.trim_end();
        let (mut checked, mut missing) = (Vec::new(), Vec::new());
        for service in ["cadre-rank", "cadre-assessment", "cadre-care", "cadre-forum", "cadre-oversight"] {
            for backend in ["sqlite", "postgres"] {
                let tree = crates.join(service).join("migrations").join(backend);
                match first_migration(&tree) {
                    Some(up) => {
                        let text = std::fs::read_to_string(&up)
                            .unwrap_or_else(|e| panic!("cannot read {}: {e}", up.display()));
                        assert!(
                            text.contains(ddl),
                            "{} does not contain crates/cadre-projection/sql/directory_projection.sql verbatim",
                            up.display()
                        );
                        checked.push(format!("{service}/{backend}"));
                    }
                    None => missing.push(format!("{service}/{backend}")),
                }
            }
        }
        println!("the projection's DDL was found verbatim in the first migration of: {checked:?}");
        if !missing.is_empty() {
            println!("NOT CHECKED (no migration there yet): {missing:?}");
        }
    }

    #[test]
    fn the_ddl_names_the_three_tables() {
        for table in ["directory_units", "directory_cadres", "feed_cursors"] {
            assert!(DIRECTORY_PROJECTION_DDL.contains(&format!("CREATE TABLE {table} (")), "{table}");
        }
    }
}

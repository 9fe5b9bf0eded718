//! The forum service's persistence: diesel over either backend.
//!
//! Functions take the connection of the caller's transaction (see `cadre_platform::Db::mutate`), so a
//! store call never decides transaction boundaries itself. The directory's units and cadres are read
//! through `cadre_projection::store`, the projection this service keeps of them.

#[macro_use]
mod batch {
    /// Inserts a batch of rows in one statement. `MultiConnection` has no batch insert (its dialect cannot
    /// say which `DEFAULT` keyword applies), so the statement goes to the backend's own connection, which
    /// is the one inside the caller's transaction. Rows with optional columns set
    /// `treat_none_as_default_value = false`: SQLite takes no `DEFAULT` in a multi-row insert.
    macro_rules! insert_batch {
        ($conn:expr, $table:expr, $rows:expr) => {
            match $conn {
                cadre_platform::DbConn::Sqlite(inner) => {
                    diesel::insert_into($table).values($rows).execute(inner)
                }
                cadre_platform::DbConn::Pg(inner) => diesel::insert_into($table).values($rows).execute(inner),
            }
        };
    }
}

pub mod attendances;
pub mod external_ids;
pub mod forums;
pub mod plans;
pub mod policy;
pub mod schema;
pub mod sessions;
pub mod stats;

use cadre_platform::{ApiError, DbConn, db::Migrations};
use cadre_projection::store as projection;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The forum service's migration trees.
pub static MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// How many ids one `IN (...)` list binds: well under SQLite's and PostgreSQL's limits on parameters.
pub(crate) const CHUNK: usize = 500;

/// The data-scope rules over the projection, shared by every service that keeps one.
pub use cadre_projection::store::{cadre_ids_in_scope, cadre_in_scope, unit_ids_in_scope, unit_in_scope};

/// A new id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// An instant as stored: UTC, truncated to microseconds so it survives either database.
pub fn stored(at: DateTime<Utc>) -> NaiveDateTime {
    let micros = at.timestamp_micros();
    DateTime::from_timestamp_micros(micros).map_or(at.naive_utc(), |t| t.naive_utc())
}

/// A stored instant.
pub fn instant(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// The first instant of a district day (midnight in Asia/Shanghai), as stored.
pub fn day_start(day: NaiveDate) -> NaiveDateTime {
    let offset = cadre_platform::clock::district_offset();
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(offset).single())
        .map_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default(), |t| t.naive_utc())
}

/// The instants `[from, until)` of the district days `first..=last`, as stored.
pub fn days_range(first: NaiveDate, last: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    (day_start(first), day_start(last.succ_opt().unwrap_or(last)))
}

/// The instants of a calendar year in the district, as stored.
pub fn year_range(year: i32) -> (NaiveDateTime, NaiveDateTime) {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let next = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default();
    (day_start(first), day_start(next))
}

/// The units of `unit_id`'s subtree (itself included), or `None` for the whole district when `unit_id` is
/// empty.
pub fn subtree_ids(conn: &mut DbConn, unit_id: &str) -> Result<Option<Vec<String>>, ApiError> {
    if unit_id.is_empty() {
        return Ok(None);
    }
    Ok(Some(projection::units_in_subtree(conn, unit_id)?.into_iter().map(|u| u.id).collect()))
}

/// Every unit the projection knows, open or closed, in tree order (each unit before its children).
pub fn all_units(conn: &mut DbConn) -> Result<Vec<cadre_projection::UnitView>, ApiError> {
    use cadre_projection::schema::directory_units;
    use diesel::prelude::*;
    let mut units: Vec<cadre_projection::UnitView> =
        directory_units::table.select(cadre_projection::UnitView::as_select()).load(conn)?;
    units.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(units)
}

/// The district's root unit (the unit without a parent), if the projection has it.
pub fn root_unit(conn: &mut DbConn) -> Result<Option<cadre_projection::UnitView>, ApiError> {
    use cadre_projection::schema::directory_units;
    use diesel::prelude::*;
    Ok(directory_units::table
        .filter(directory_units::parent_id.eq(""))
        .order(directory_units::id.asc())
        .select(cadre_projection::UnitView::as_select())
        .first(conn)
        .optional()?)
}

/// The intersection of two optional unit lists (`None`: everything).
pub fn intersect(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
    match (a, b) {
        (None, other) | (other, None) => other,
        (Some(a), Some(b)) => {
            let b: std::collections::HashSet<String> = b.into_iter().collect();
            Some(a.into_iter().filter(|u| b.contains(u)).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::NaiveDate;

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
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite/2026-11-26-000000_forum");
        let up = std::fs::read_to_string(root.join("up.sql")).expect("the first migration");
        assert!(up.contains(cadre_projection::DIRECTORY_PROJECTION_DDL.trim_end()));
    }

    #[test]
    fn district_days_start_at_utc_16() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(super::day_start(day).to_string(), "2026-03-01 16:00:00");
        let (from, until) = super::year_range(2025);
        assert_eq!(
            (from.to_string(), until.to_string()),
            ("2024-12-31 16:00:00".into(), "2025-12-31 16:00:00".into())
        );
        let (from, until) = super::days_range(day, day);
        assert_eq!(until - from, chrono::Duration::days(1));
    }
}

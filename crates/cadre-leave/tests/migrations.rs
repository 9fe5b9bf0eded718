//! The leave service reaches the projection's tables by another road than the services that start from
//! cadre-projection's DDL (its first migration predates the crate; `projection_facts` appends the later
//! columns), so its migrations are checked to end at the same tables, and the upgrade to refill them.

use cadre_leave::store::{self, projection as proj};
use cadre_platform::{
    Db, DbConn,
    db::{PLATFORM_MIGRATIONS, PoolOptions},
    testing::TestDatabase,
};
use cadre_projection::DIRECTORY_PROJECTION_DDL;
use diesel::{connection::SimpleConnection as _, prelude::*, sql_types::Text};
use diesel_migrations::MigrationHarness as _;

const TABLES: [&str; 3] = ["directory_units", "directory_cadres", "feed_cursors"];

/// Small pools: the PostgreSQL server is shared with the other suites' tests running at the same time.
fn small_pool() -> PoolOptions {
    PoolOptions { max_size: 2, ..PoolOptions::default() }
}

fn fresh(backend: &str) -> TestDatabase {
    if backend == "postgres" {
        TestDatabase::postgres().expect("PostgreSQL answered a moment ago")
    } else {
        TestDatabase::sqlite()
    }
}

/// A column as the catalogue describes it: name, declared type, whether NOT NULL.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    required: String,
}

/// A row with a name: an index in the catalogue, a cadre.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The table's columns in order, and its indexes by name. Defaults are left out: the `ALTER TABLE` needs
/// them for its `NOT NULL` columns where the `CREATE TABLE` does not, and diesel never relies on them.
async fn layout(db: &Db, table: &'static str) -> (Vec<Column>, Vec<Named>) {
    db.run(move |conn| {
        let (columns, mut indexes) = match conn {
            DbConn::Sqlite(c) => (
                diesel::sql_query(
                    "SELECT name, type AS kind, CAST(\"notnull\" AS TEXT) AS required \
                     FROM pragma_table_info(?) ORDER BY cid",
                )
                .bind::<Text, _>(table)
                .load::<Column>(c)?,
                diesel::sql_query(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? \
                     AND name NOT LIKE 'sqlite_autoindex_%'",
                )
                .bind::<Text, _>(table)
                .load::<Named>(c)?,
            ),
            DbConn::Pg(c) => (
                diesel::sql_query(
                    "SELECT column_name::text AS name, data_type::text AS kind, \
                     CASE WHEN is_nullable = 'NO' THEN '1' ELSE '0' END AS required \
                     FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 \
                     ORDER BY ordinal_position",
                )
                .bind::<Text, _>(table)
                .load::<Column>(c)?,
                diesel::sql_query(
                    "SELECT indexname::text AS name FROM pg_indexes \
                     WHERE schemaname = 'public' AND tablename = $1",
                )
                .bind::<Text, _>(table)
                .load::<Named>(c)?,
            ),
        };
        indexes.sort();
        Ok((columns, indexes))
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migrations_end_at_the_projections_tables() {
    for database in TestDatabase::each() {
        let backend = database.backend;
        let leave = Db::connect(&database.url, small_pool()).await.unwrap();
        leave.migrate(&store::MIGRATIONS).await.unwrap();
        let canonical_database = fresh(backend);
        let canonical = Db::connect(&canonical_database.url, small_pool()).await.unwrap();
        canonical
            .run(|conn| {
                conn.batch_execute(DIRECTORY_PROJECTION_DDL)?;
                Ok(())
            })
            .await
            .unwrap();
        for table in TABLES {
            let (columns, indexes) = layout(&leave, table).await;
            assert!(!columns.is_empty(), "{backend}: {table} exists");
            assert_eq!((columns, indexes), layout(&canonical, table).await, "{backend}: {table}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upgrade_keeps_the_rows_and_reads_the_directory_again() {
    for database in TestDatabase::each() {
        let backend = database.backend;
        let db = Db::connect(&database.url, small_pool()).await.unwrap();
        // The platform's tables and the leave service's first migration only: a database as the release
        // before cadre-projection left it, with a unit, a cadre and two feeds' cursors.
        db.run(|conn| {
            let migrated = match conn {
                DbConn::Sqlite(c) => c
                    .run_pending_migrations((PLATFORM_MIGRATIONS.sqlite)())
                    .map(|_| ())
                    .and_then(|()| c.run_next_migration((store::MIGRATIONS.sqlite)()))
                    .map(|_| ()),
                DbConn::Pg(c) => c
                    .run_pending_migrations((PLATFORM_MIGRATIONS.postgres)())
                    .map(|_| ())
                    .and_then(|()| c.run_next_migration((store::MIGRATIONS.postgres)()))
                    .map(|_| ()),
            };
            migrated.map_err(|e| cadre_platform::ApiError::internal(e.to_string()))?;
            conn.batch_execute(
                "INSERT INTO directory_units (id, parent_id, name, path, active) \
                     VALUES ('d', '', '锦绣区', '/d/', TRUE);
                 INSERT INTO directory_cadres (id, name, gender, work_start_date, employing_unit_id, \
                     managing_unit_id, post_title, post_level, is_leader, is_team_member, is_principal, active, \
                     updated_at) \
                     VALUES ('k1', '张三', 'MALE', '2007-07-01', 'd', 'd', '科员', 'NONE', FALSE, FALSE, FALSE, \
                     TRUE, '2026-01-05 08:00:00');
                 INSERT INTO feed_cursors (source, cursor, updated_at) \
                     VALUES ('directory', 'c-directory', '2026-01-05 08:00:00'), \
                     ('assessment', 'c-assessment', '2026-01-05 08:00:00');",
            )?;
            Ok(())
        })
        .await
        .unwrap();
        let (before, _) = layout(&db, "directory_cadres").await;

        db.migrate(&store::MIGRATIONS).await.unwrap();
        let unit = db.run(|conn| proj::unit(conn, "d")).await.unwrap().expect("the unit stays");
        assert_eq!((unit.path.as_str(), unit.kind.as_str(), unit.active), ("/d/", "", true), "{backend}");
        let cadre = db.run(|conn| proj::cadre(conn, "k1")).await.unwrap().expect("the cadre stays");
        assert_eq!((cadre.name.as_str(), cadre.employing_path.as_str()), ("张三", "/d/"), "{backend}");
        assert_eq!(
            (cadre.category.as_str(), cadre.status.as_str(), cadre.rank_grade.as_str()),
            ("", "", ""),
            "{backend}: empty until the directory's events fill them"
        );
        assert_eq!((cadre.birth_date, cadre.post_start_date, cadre.rank_start_date), (None, None, None));
        let directory = db.run(|conn| proj::cursor(conn, "directory")).await.unwrap();
        assert_eq!(directory, None, "{backend}: the directory's feed is read again from its start");
        let other = db.run(|conn| proj::cursor(conn, "assessment")).await.unwrap();
        assert_eq!(other.as_deref(), Some("c-assessment"), "{backend}: other feeds' cursors stay");

        // And back down: the columns go, the rows stay.
        db.run(|conn| {
            let reverted = match conn {
                DbConn::Sqlite(c) => c.revert_last_migration((store::MIGRATIONS.sqlite)()).map(|_| ()),
                DbConn::Pg(c) => c.revert_last_migration((store::MIGRATIONS.postgres)()).map(|_| ()),
            };
            reverted.map_err(|e| cadre_platform::ApiError::internal(e.to_string()))
        })
        .await
        .unwrap();
        assert_eq!(layout(&db, "directory_cadres").await.0, before, "{backend}: as before the upgrade");
        let names = db
            .run(|conn| Ok(diesel::sql_query("SELECT name FROM directory_cadres").load::<Named>(conn)?))
            .await
            .unwrap();
        assert_eq!(names, [Named { name: "张三".into() }], "{backend}: the rows stay");
    }
}

//! One database layer over SQLite (the embedded default) and PostgreSQL (production).
//!
//! The backend is chosen from the URL scheme and nothing else: `establish` is never allowed to try
//! backends in turn. Every call runs on the blocking pool with the caller's span, and a connection is
//! never held across an `.await`.

use std::{fmt, sync::Arc, time::Duration};

use diesel::{
    Connection, PgConnection, RunQueryDsl, SqliteConnection,
    connection::{AnsiTransactionManager, SimpleConnection, TransactionManager},
    r2d2::{self, ManageConnection},
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tokio::sync::Notify;
use tracing::Instrument as _;

use crate::error::ApiError;

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// PostgreSQL.
    Pg(PgConnection),
    /// SQLite.
    Sqlite(SqliteConnection),
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite://PATH`.
    Sqlite,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        })
    }
}

/// Why a database URL was refused or a database could not be reached at start.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    /// The URL's scheme is neither `sqlite://` nor `postgres://`.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    /// `sqlite::memory:` and friends: a pooled in-memory database is a different empty database per connection.
    #[error(
        "in-memory SQLite is not supported (each pooled connection would see its own empty database); use a file"
    )]
    InMemorySqlite,
    /// The pool could not open a first connection.
    #[error("cannot connect to the {backend} database: {source}")]
    Connect {
        /// The backend.
        backend: Backend,
        /// What the pool said.
        source: r2d2::PoolError,
    },
    /// A migration failed.
    #[error("migrations failed: {0}")]
    Migration(String),
}

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbUrl {
    backend: Backend,
    /// What the driver is given: the file path for SQLite, the whole URL for PostgreSQL.
    target: String,
}

impl DbUrl {
    /// Parses `sqlite://PATH` (relative or, with a third slash, absolute) or `postgres[ql]://...`.
    pub fn parse(url: &str) -> Result<Self, DbSetupError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path.contains(":memory:") || path.starts_with("file::memory") {
                return Err(if path.is_empty() {
                    DbSetupError::UnsupportedUrl(url.to_owned())
                } else {
                    DbSetupError::InMemorySqlite
                });
            }
            return Ok(Self { backend: Backend::Sqlite, target: path.to_owned() });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self { backend: Backend::Postgres, target: url.to_owned() });
        }
        if url.contains(":memory:") {
            return Err(DbSetupError::InMemorySqlite);
        }
        Err(DbSetupError::UnsupportedUrl(url.to_owned()))
    }

    /// The backend the URL names.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite file path, for SQLite URLs.
    pub fn sqlite_path(&self) -> Option<&str> {
        (self.backend == Backend::Sqlite).then_some(self.target.as_str())
    }
}

/// Opens connections of the one backend the URL names, with the per-connection settings each needs.
#[derive(Debug)]
struct Manager {
    url: DbUrl,
    busy_timeout: Duration,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.url.backend {
            Backend::Postgres => {
                let mut conn =
                    PgConnection::establish(&self.url.target).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute("SET TIME ZONE 'UTC'").map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.url.target).map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers go on during a write; foreign keys are off by default in SQLite; the busy
                // timeout makes a writer wait for the lock instead of failing at once.
                // The busy timeout comes first: switching a new file to WAL takes a lock that connections
                // opening at the same moment must wait for.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON;",
                    self.busy_timeout.as_millis()
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections. SQLite gets a small pool: it has one writer anyway.
    pub max_size: u32,
    /// How long a caller waits for a connection before the call fails UNAVAILABLE.
    pub connection_timeout: Duration,
    /// How long a SQLite writer waits for the file lock.
    pub busy_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_size: 8, connection_timeout: Duration::from_secs(5), busy_timeout: Duration::from_secs(5) }
    }
}

/// The paired migration trees of one component: the same directory names under `sqlite/` and `postgres/`.
///
/// `EmbeddedMigrations` is neither `Clone` nor a `MigrationSource` by reference, so each tree is a function
/// returning a fresh copy of an embedded constant.
pub struct Migrations {
    /// The SQLite tree.
    pub sqlite: fn() -> EmbeddedMigrations,
    /// The PostgreSQL tree.
    pub postgres: fn() -> EmbeddedMigrations,
}

const PLATFORM_SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PLATFORM_POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The platform's own tables: idempotency keys, the audit chain, the outbox and policy values.
pub static PLATFORM_MIGRATIONS: Migrations =
    Migrations { sqlite: || PLATFORM_SQLITE, postgres: || PLATFORM_POSTGRES };

/// A service's database: a pool plus the signal the event feed waits on.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    committed: Arc<Notify>,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Db {
    /// Opens a pool for the URL. Fails if no first connection can be made.
    pub async fn connect(url: &str, options: PoolOptions) -> Result<Self, DbSetupError> {
        let url = DbUrl::parse(url)?;
        let backend = url.backend;
        if let Some(parent) = url.sqlite_path().and_then(|p| std::path::Path::new(p).parent())
            && !parent.as_os_str().is_empty()
        {
            // A missing data directory is created rather than reported: `cadre dev` on a fresh checkout.
            let _ = std::fs::create_dir_all(parent);
        }
        let max_size = if backend == Backend::Sqlite { options.max_size.min(4) } else { options.max_size };
        let manager = Manager { url, busy_timeout: options.busy_timeout };
        let pool = tokio::task::spawn_blocking(move || {
            r2d2::Pool::builder()
                .max_size(max_size)
                // Connections open as calls need them, not all at start: a suite of services (and a test run
                // of many suites) would otherwise hold every pool's maximum on the server from the first second.
                .min_idle(Some(1))
                .connection_timeout(options.connection_timeout)
                .test_on_check_out(false)
                .build(manager)
        })
        .await
        .map_err(|e| DbSetupError::Migration(format!("pool task failed: {e}")))?
        .map_err(|source| DbSetupError::Connect { backend, source })?;
        Ok(Self { pool, backend, committed: Arc::new(Notify::new()) })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs the platform's migrations, then the component's.
    pub async fn migrate(&self, component: &'static Migrations) -> Result<(), DbSetupError> {
        self.run(move |conn| {
            for set in [&PLATFORM_MIGRATIONS, component] {
                let result = match conn {
                    DbConn::Pg(c) => c.run_pending_migrations((set.postgres)()).map(|_| ()),
                    DbConn::Sqlite(c) => c.run_pending_migrations((set.sqlite)()).map(|_| ()),
                };
                result.map_err(|e| ApiError::internal(format!("migration failed: {e}")))?;
            }
            Ok(())
        })
        .await
        .map_err(|e| DbSetupError::Migration(e.message().to_owned()))
    }

    /// Checks that a connection can be had and answers.
    pub async fn ping(&self) -> Result<(), ApiError> {
        self.run(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
    }

    /// Runs `f` with a pooled connection on the blocking pool, inside the caller's span.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn =
                pool.get().map_err(|e| ApiError::unavailable(format!("database unavailable: {e}")))?;
            f(&mut conn)
        })
        .instrument(tracing::Span::current())
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` inside a write transaction (`BEGIN IMMEDIATE` on SQLite), committing on `Ok`.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }

    /// Wakes event-feed watchers after a commit that published events.
    pub fn notify_committed(&self) {
        self.committed.notify_waiters();
    }

    /// The signal [`Db::notify_committed`] raises.
    pub fn committed_signal(&self) -> Arc<Notify> {
        self.committed.clone()
    }
}

/// Runs `f` in a transaction that takes the write lock at its start.
///
/// A deferred SQLite transaction that later upgrades to a write fails with "database is locked" at once,
/// whatever the busy timeout, so SQLite writes begin with `BEGIN IMMEDIATE`.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?,
        DbConn::Pg(inner) => AnsiTransactionManager::begin_transaction(inner)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            // The rollback's own failure is less useful than the error that caused it.
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_by_scheme_only() {
        assert_eq!(DbUrl::parse("sqlite://./data/x.db").unwrap().backend(), Backend::Sqlite);
        assert_eq!(DbUrl::parse("sqlite:///tmp/x.db").unwrap().sqlite_path(), Some("/tmp/x.db"));
        assert_eq!(DbUrl::parse("postgres://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DbUrl::parse("postgresql://u@h/db").unwrap().backend(), Backend::Postgres);
        assert!(matches!(DbUrl::parse("mysql://h/db"), Err(DbSetupError::UnsupportedUrl(_))));
        assert!(matches!(DbUrl::parse("./x.db"), Err(DbSetupError::UnsupportedUrl(_))));
        assert!(matches!(DbUrl::parse("sqlite://"), Err(DbSetupError::UnsupportedUrl(_))));
        assert!(matches!(DbUrl::parse("sqlite://:memory:"), Err(DbSetupError::InMemorySqlite)));
        assert!(matches!(DbUrl::parse("sqlite::memory:"), Err(DbSetupError::InMemorySqlite)));
    }
}

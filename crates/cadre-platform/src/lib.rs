//! What every service of the suite shares, so that none writes its own: configuration, telemetry, the
//! database layer, errors, paging, idempotency, audit, the outbox and event feed, and the server bootstrap.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod clock;
pub mod codes;
pub mod config;
pub mod context;
pub mod dates;
pub mod db;
pub mod error;
pub mod feed;
pub mod idempotency;
pub mod input;
pub mod mutation;
pub mod outbox;
pub mod paging;
pub mod policy;
pub mod schema;
pub mod server;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;

pub use cadre_proto;
pub use context::CallContext;
pub use db::{Db, DbConn};
pub use error::{ApiError, Violations};
pub use mutation::Tx;

/// What `code_enum!` expands to needs, so that callers need not depend on it themselves.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}

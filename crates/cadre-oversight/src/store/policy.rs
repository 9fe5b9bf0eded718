//! The oversight policy in force on a date, read from the versioned `policy_values` (keys `oversight.*`,
//! seeded by the migration from `domain::policy::DEFAULT_POLICY`).

use cadre_platform::{ApiError, DbConn, policy};
use chrono::NaiveDate;

use crate::domain::OversightPolicy;

/// The policy in force on `on`.
pub fn on(conn: &mut DbConn, on: NaiveDate) -> Result<OversightPolicy, ApiError> {
    OversightPolicy::from_values(|key| policy::value_on(conn, key, on))
}

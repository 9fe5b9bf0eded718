//! The rank policy in force on a date, read from the versioned `policy_values` (keys `rank.*`, seeded by the
//! migration from `domain::policy::DEFAULT_POLICY`), so that a decision is computed, and can be recomputed,
//! under the rules of its date.

use std::collections::BTreeMap;

use cadre_platform::{ApiError, DbConn, schema::policy_values};
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::domain::RankPolicy;

/// Every `rank.*` value in force on `on`: per key, the row with the latest `effective_from` not after it.
pub fn values_on(conn: &mut DbConn, on: NaiveDate) -> Result<BTreeMap<String, String>, ApiError> {
    let rows: Vec<(String, String)> = policy_values::table
        .filter(policy_values::policy_key.like("rank.%"))
        .filter(policy_values::effective_from.le(on))
        .order((policy_values::policy_key.asc(), policy_values::effective_from.asc()))
        .select((policy_values::policy_key, policy_values::value))
        .load(conn)?;
    // Ascending dates: the last row of a key is the one in force.
    Ok(rows.into_iter().collect())
}

/// The rank policy in force on `on`. Policy data the code cannot read stops the call (FAILED_PRECONDITION
/// naming the key) rather than falling back to a default nobody chose.
pub fn on(conn: &mut DbConn, on: NaiveDate) -> Result<RankPolicy, ApiError> {
    let values = values_on(conn, on)?;
    RankPolicy::from_pairs(values).map_err(|error| {
        ApiError::failed_precondition(
            error.reason(),
            format!("the rank policy in force on {on} is not usable: {error}"),
        )
    })
}

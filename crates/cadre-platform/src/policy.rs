//! Versioned policy values: every number from a regulation lives here with the date it took effect and its
//! source, so a decision can be recomputed under the policy in force on its date.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::{db::DbConn, error::ApiError, schema::policy_values};

/// The value of `key` in force on `on`: the row with the latest `effective_from` not after `on`.
pub fn value_on(conn: &mut DbConn, key: &str, on: NaiveDate) -> Result<String, ApiError> {
    policy_values::table
        .filter(policy_values::policy_key.eq(key))
        .filter(policy_values::effective_from.le(on))
        .order(policy_values::effective_from.desc())
        .select(policy_values::value)
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            ApiError::failed_precondition(
                "POLICY_MISSING",
                format!("no value of policy {key} in force on {on}"),
            )
        })
}

/// [`value_on`] parsed as a whole number.
pub fn u32_on(conn: &mut DbConn, key: &str, on: NaiveDate) -> Result<u32, ApiError> {
    let raw = value_on(conn, key, on)?;
    raw.trim()
        .parse()
        .map_err(|_| ApiError::internal(format!("policy {key} = {raw:?} is not a whole number")))
}

/// Records a value of `key` from `effective_from` on.
pub fn set(
    conn: &mut DbConn,
    key: &str,
    effective_from: NaiveDate,
    value: &str,
    source_ref: &str,
) -> Result<(), ApiError> {
    diesel::insert_into(policy_values::table)
        .values((
            policy_values::policy_key.eq(key),
            policy_values::effective_from.eq(effective_from),
            policy_values::value.eq(value),
            policy_values::source_ref.eq(source_ref),
        ))
        .execute(conn)?;
    Ok(())
}

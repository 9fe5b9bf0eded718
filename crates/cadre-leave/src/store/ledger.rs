//! The leave ledger: append-only entries (grant, use, refund, adjustment, forfeit). Nothing here updates or
//! deletes a row; a balance is the sum of a cadre's entries.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::ledger_entries;

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_entries)]
pub struct Entry {
    /// Id. Grants computed from policy get a deterministic id, so granting twice is a no-op.
    pub id: String,
    /// The cadre.
    pub cadre_id: String,
    /// Type code.
    pub leave_type: String,
    /// The leave year.
    pub year: i32,
    /// "GRANT", "USE", "REFUND", "ADJUSTMENT" or "FORFEIT".
    pub kind: String,
    /// Signed halves: positive adds to the balance.
    pub halves: i32,
    /// Why.
    pub reason: String,
    /// The request that caused it, or empty.
    pub leave_request_id: String,
    /// First day it takes effect.
    pub effective_date: NaiveDate,
    /// Who recorded it (a principal subject, or `system:leave`).
    pub recorded_by: String,
    /// When.
    pub created_at: NaiveDateTime,
}

/// Appends an entry.
pub fn append(conn: &mut DbConn, entry: &Entry) -> Result<(), ApiError> {
    diesel::insert_into(ledger_entries::table).values(entry).execute(conn)?;
    Ok(())
}

/// Appends an entry unless one with its id exists; true when it was added.
pub fn append_once(conn: &mut DbConn, entry: &Entry) -> Result<bool, ApiError> {
    let exists = ledger_entries::table
        .find(&entry.id)
        .select(ledger_entries::id)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if exists {
        return Ok(false);
    }
    append(conn, entry)?;
    Ok(true)
}

/// A cadre's entries for a year (all types, or one), oldest first.
pub fn entries(
    conn: &mut DbConn,
    cadre_id: &str,
    year: i32,
    leave_type: Option<&str>,
) -> Result<Vec<Entry>, ApiError> {
    let mut query = ledger_entries::table
        .filter(ledger_entries::cadre_id.eq(cadre_id))
        .filter(ledger_entries::year.eq(year))
        .into_boxed();
    if let Some(code) = leave_type {
        query = query.filter(ledger_entries::leave_type.eq(code.to_owned()));
    }
    Ok(query
        .order((ledger_entries::created_at.asc(), ledger_entries::id.asc()))
        .select(Entry::as_select())
        .load(conn)?)
}

/// Entries of these cadres (all when `None`) for a year, oldest first, for export and reports.
pub fn entries_of(
    conn: &mut DbConn,
    cadre_ids: Option<&[String]>,
    year: i32,
    leave_type: Option<&str>,
) -> Result<Vec<Entry>, ApiError> {
    let mut query = ledger_entries::table.filter(ledger_entries::year.eq(year)).into_boxed();
    if let Some(ids) = cadre_ids {
        query = query.filter(ledger_entries::cadre_id.eq_any(ids.to_vec()));
    }
    if let Some(code) = leave_type {
        query = query.filter(ledger_entries::leave_type.eq(code.to_owned()));
    }
    Ok(query
        .order((ledger_entries::created_at.asc(), ledger_entries::id.asc()))
        .select(Entry::as_select())
        .load(conn)?)
}

/// Whether an entry of `kind` whose id starts with `prefix` exists: marks such as "next year forfeited".
pub fn has_prefixed(conn: &mut DbConn, prefix: &str) -> Result<bool, ApiError> {
    Ok(ledger_entries::table
        .filter(ledger_entries::id.like(format!("{prefix}%")))
        .select(ledger_entries::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

//! The care fund: its one balance row, its ledger and its applications.
//!
//! A disbursement reads the balance with the row locked (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's
//! `BEGIN IMMEDIATE` already holds the only write lock), so two disbursements cannot both see the same
//! balance; the table's `CHECK (balance_fen >= 0)` is the last guard.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    Reach,
    schema::{care_fund, fund_applications, fund_ledger},
};

/// The id of the fund's one row.
const FUND: &str = "fund";

/// A ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = fund_ledger)]
pub struct LedgerRow {
    pub id: String,
    /// `CONTRIBUTION` or `DISBURSEMENT`.
    pub entry_kind: String,
    /// Signed: positive in, negative out.
    pub amount_fen: i64,
    pub balance_after_fen: i64,
    pub entry_date: NaiveDate,
    pub source: String,
    pub document: String,
    pub application_id: String,
    pub cadre_id: String,
    pub org_unit_id: String,
    pub reason: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// A ledger entry's kind: money in.
pub const CONTRIBUTION: &str = "CONTRIBUTION";
/// A ledger entry's kind: money out.
pub const DISBURSEMENT: &str = "DISBURSEMENT";

/// An application as stored; `steps` and `decisions` are JSON.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = fund_applications, treat_none_as_null = true)]
pub struct ApplicationRow {
    pub id: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub org_unit_id: String,
    pub reason: String,
    pub description: String,
    pub amount_requested_fen: i64,
    pub evidence_refs: String,
    pub state: String,
    pub steps: String,
    pub decisions: String,
    pub approved_steps: i32,
    pub disbursed_on: Option<NaiveDate>,
    pub applied_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One approval decision, as stored in an application's `decisions`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredDecision {
    pub step: String,
    pub approved: bool,
    pub decided_by: String,
    pub comment: String,
    pub decided_at: NaiveDateTime,
}

/// The balance, with the fund's row locked until the transaction ends.
pub fn lock_balance(conn: &mut DbConn) -> Result<i64, ApiError> {
    let query = care_fund::table.find(FUND).select(care_fund::balance_fen);
    let balance = match conn {
        DbConn::Pg(pg) => query.for_update().first::<i64>(pg)?,
        // BEGIN IMMEDIATE took the database's only write lock when the transaction began.
        DbConn::Sqlite(sqlite) => query.first::<i64>(sqlite)?,
    };
    Ok(balance)
}

/// The balance as last committed, without a lock (for reports).
pub fn balance(conn: &mut DbConn) -> Result<i64, ApiError> {
    Ok(care_fund::table.find(FUND).select(care_fund::balance_fen).first(conn)?)
}

/// Sets the balance (after [`lock_balance`]) and appends the entry that explains the change.
pub fn post(conn: &mut DbConn, entry: &LedgerRow) -> Result<(), ApiError> {
    diesel::update(care_fund::table.find(FUND))
        .set((
            care_fund::balance_fen.eq(entry.balance_after_fen),
            care_fund::updated_at.eq(entry.recorded_at),
        ))
        .execute(conn)?;
    diesel::insert_into(fund_ledger::table).values(entry).execute(conn)?;
    Ok(())
}

/// Ledger entries of one kind dated within `start..=end`.
pub fn entries(
    conn: &mut DbConn,
    kind: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<LedgerRow>, ApiError> {
    Ok(fund_ledger::table
        .filter(fund_ledger::entry_kind.eq(kind))
        .filter(fund_ledger::entry_date.between(start, end))
        .order(fund_ledger::id.asc())
        .select(LedgerRow::as_select())
        .load(conn)?)
}

/// What a person received within `start..=end`: (fen, count).
pub fn received(
    conn: &mut DbConn,
    cadre_id: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<(i64, u32), ApiError> {
    let amounts: Vec<i64> = fund_ledger::table
        .filter(fund_ledger::entry_kind.eq(DISBURSEMENT))
        .filter(fund_ledger::cadre_id.eq(cadre_id))
        .filter(fund_ledger::entry_date.between(start, end))
        .select(fund_ledger::amount_fen)
        .load(conn)?;
    let count = u32::try_from(amounts.len()).unwrap_or(u32::MAX);
    Ok((amounts.iter().map(|a| a.saturating_abs()).sum(), count))
}

/// Stores a new application.
pub fn insert_application(conn: &mut DbConn, row: &ApplicationRow) -> Result<(), ApiError> {
    diesel::insert_into(fund_applications::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes a changed application.
pub fn update_application(conn: &mut DbConn, row: &ApplicationRow) -> Result<(), ApiError> {
    diesel::update(fund_applications::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// An application by id.
pub fn application(conn: &mut DbConn, id: &str) -> Result<Option<ApplicationRow>, ApiError> {
    Ok(fund_applications::table.find(id).select(ApplicationRow::as_select()).first(conn).optional()?)
}

/// Whether the application `id` exists and is for `cadre_id`.
pub fn application_of(conn: &mut DbConn, id: &str, cadre_id: &str) -> Result<bool, ApiError> {
    let found: Option<String> = fund_applications::table
        .find(id)
        .filter(fund_applications::cadre_id.eq(cadre_id))
        .select(fund_applications::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Applications within `reach`, oldest first, after `after`, at most `limit`.
pub fn list_applications(
    conn: &mut DbConn,
    reach: &Reach,
    cadre_id: Option<String>,
    state: Option<String>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<ApplicationRow>, ApiError> {
    super::chunked(
        reach,
        limit,
        false,
        |r: &ApplicationRow| r.id.as_str(),
        |reach| {
            let mut query = fund_applications::table.into_boxed();
            query = reach_filter!(query, reach, fund_applications::cadre_id, fund_applications::org_unit_id);
            if let Some(cadre) = cadre_id.clone() {
                query = query.filter(fund_applications::cadre_id.eq(cadre));
            }
            if let Some(state) = state.clone() {
                query = query.filter(fund_applications::state.eq(state));
            }
            query = after_id!(query, after.clone(), fund_applications::id, false);
            Ok(query
                .order(fund_applications::id.asc())
                .limit(limit)
                .select(ApplicationRow::as_select())
                .load(conn)?)
        },
    )
}

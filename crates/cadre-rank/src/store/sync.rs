//! Rank changes the directory has not confirmed yet. A row is written in the transaction that changes a
//! cadre's current grade and removed once the directory has taken it, so the directory always comes to
//! agree, whatever fails in between (see `crate::sync`).

use cadre_platform::{ApiError, DbConn, clock};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::directory_sync;

/// One pending change.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = directory_sync)]
pub struct SyncRow {
    /// The cadre.
    pub cadre_id: String,
    /// What caused it: a case id, or a holding id for a recorded correction.
    pub case_id: String,
    /// The grade code the directory should hold.
    pub grade: String,
    /// Since when.
    pub start_date: NaiveDate,
    /// Attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: String,
    /// Not before.
    pub next_attempt_at: NaiveDateTime,
    /// When first queued.
    pub created_at: NaiveDateTime,
}

/// Queues the cadre's current grade for the directory, replacing anything queued for them before: only the
/// latest grade matters.
pub fn enqueue(
    conn: &mut DbConn,
    cadre_id: &str,
    cause: &str,
    grade: &str,
    start: NaiveDate,
) -> Result<(), ApiError> {
    let now = clock::now();
    diesel::delete(directory_sync::table.find(cadre_id)).execute(conn)?;
    let row = SyncRow {
        cadre_id: cadre_id.to_owned(),
        case_id: cause.to_owned(),
        grade: grade.to_owned(),
        start_date: start,
        attempts: 0,
        last_error: String::new(),
        next_attempt_at: now,
        created_at: now,
    };
    diesel::insert_into(directory_sync::table).values(&row).execute(conn)?;
    Ok(())
}

/// Whether a change for the cadre is waiting.
pub fn pending(conn: &mut DbConn, cadre_id: &str) -> Result<Option<SyncRow>, ApiError> {
    Ok(directory_sync::table.find(cadre_id).select(SyncRow::as_select()).first(conn).optional()?)
}

/// Changes due by `now`, oldest first.
pub fn due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<SyncRow>, ApiError> {
    Ok(directory_sync::table
        .filter(directory_sync::next_attempt_at.le(now))
        .filter(directory_sync::start_date.le(today))
        .order((directory_sync::next_attempt_at.asc(), directory_sync::cadre_id.asc()))
        .limit(limit)
        .select(SyncRow::as_select())
        .load(conn)?)
}

/// Every waiting change.
pub fn all(conn: &mut DbConn) -> Result<Vec<SyncRow>, ApiError> {
    Ok(directory_sync::table
        .order(directory_sync::created_at.asc())
        .select(SyncRow::as_select())
        .load(conn)?)
}

/// Removes a change the directory took, unless a newer one replaced it meanwhile.
pub fn done(conn: &mut DbConn, row: &SyncRow) -> Result<(), ApiError> {
    diesel::delete(
        directory_sync::table
            .filter(directory_sync::cadre_id.eq(&row.cadre_id))
            .filter(directory_sync::case_id.eq(&row.case_id))
            .filter(directory_sync::grade.eq(&row.grade))
            .filter(directory_sync::start_date.eq(row.start_date)),
    )
    .execute(conn)?;
    Ok(())
}

/// Records a failed attempt and when to try again, unless a newer change replaced the row meanwhile.
pub fn failed(
    conn: &mut DbConn,
    row: &SyncRow,
    error: &str,
    retry_at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(
        directory_sync::table
            .filter(directory_sync::cadre_id.eq(&row.cadre_id))
            .filter(directory_sync::case_id.eq(&row.case_id)),
    )
    .set((
        directory_sync::attempts.eq(row.attempts.saturating_add(1)),
        directory_sync::last_error.eq(error.chars().take(500).collect::<String>()),
        directory_sync::next_attempt_at.eq(retry_at),
    ))
    .execute(conn)?;
    Ok(())
}

/// The earliest time a waiting change is due, if any.
pub fn next_due(conn: &mut DbConn, today: NaiveDate) -> Result<Option<NaiveDateTime>, ApiError> {
    Ok(directory_sync::table
        .filter(directory_sync::start_date.le(today))
        .select(diesel::dsl::min(directory_sync::next_attempt_at))
        .first(conn)?)
}

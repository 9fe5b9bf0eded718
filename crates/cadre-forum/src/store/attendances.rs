//! Attendances (once per person and session, in the database too) and the organiser's corrections.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use chrono::NaiveDateTime;
use diesel::{dsl::count_star, prelude::*};

use super::{
    CHUNK,
    schema::{attendance_corrections, attendances, forum_sessions},
};

/// The stored state of a session recorded as held: only its attendances count for learning hours.
const HELD: &str = "HELD";

/// One attendance as stored. `method` is `CHECK_IN`, `SIGN_IN_SHEET` or `CORRECTION`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendances)]
pub struct AttendanceRow {
    /// Id.
    pub id: String,
    /// The session.
    pub session_id: String,
    /// The person.
    pub cadre_id: String,
    /// Their name.
    pub cadre_name: String,
    /// How recorded.
    pub method: String,
    /// Minutes credited.
    pub credited_minutes: i32,
    /// The session's start.
    pub session_starts_at: NaiveDateTime,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: NaiveDateTime,
}

/// One correction as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendance_corrections)]
pub struct CorrectionRow {
    /// Id.
    pub id: String,
    /// The session.
    pub session_id: String,
    /// The person.
    pub cadre_id: String,
    /// ADD or REMOVE.
    pub action: String,
    /// Why.
    pub reason: String,
    /// Who.
    pub corrected_by: String,
    /// When.
    pub corrected_at: NaiveDateTime,
}

/// Stores an attendance. A second one of the same person at the same session violates the unique index:
/// ALREADY_EXISTS, whatever a concurrent writer did between the caller's check and this insert.
pub fn insert(conn: &mut DbConn, row: &AttendanceRow) -> Result<(), ApiError> {
    diesel::insert_into(attendances::table).values(row).execute(conn)?;
    Ok(())
}

/// Stores many attendances at once (a sign-in sheet, the demo district), in batches.
pub fn insert_all(conn: &mut DbConn, rows: &[AttendanceRow]) -> Result<(), ApiError> {
    for chunk in rows.chunks(CHUNK / 5) {
        insert_batch!(conn, attendances::table, chunk)?;
    }
    Ok(())
}

/// The attendance of a person at a session.
pub fn of(conn: &mut DbConn, session_id: &str, cadre_id: &str) -> Result<Option<AttendanceRow>, ApiError> {
    Ok(attendances::table
        .filter(attendances::session_id.eq(session_id))
        .filter(attendances::cadre_id.eq(cadre_id))
        .select(AttendanceRow::as_select())
        .first(conn)
        .optional()?)
}

/// Which of `cadre_ids` already attended a session.
pub fn present_among(
    conn: &mut DbConn,
    session_id: &str,
    cadre_ids: &[String],
) -> Result<Vec<String>, ApiError> {
    let mut found = Vec::new();
    for chunk in cadre_ids.chunks(CHUNK) {
        let rows: Vec<String> = attendances::table
            .filter(attendances::session_id.eq(session_id))
            .filter(attendances::cadre_id.eq_any(chunk))
            .select(attendances::cadre_id)
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Removes an attendance.
pub fn delete(conn: &mut DbConn, id: &str) -> Result<(), ApiError> {
    diesel::delete(attendances::table.find(id)).execute(conn)?;
    Ok(())
}

/// Attendances of a session.
pub fn count_of(conn: &mut DbConn, session_id: &str) -> Result<i64, ApiError> {
    Ok(attendances::table.filter(attendances::session_id.eq(session_id)).select(count_star()).first(conn)?)
}

/// Attendances of each of `session_ids`.
pub fn counts_of(conn: &mut DbConn, session_ids: &[String]) -> Result<HashMap<String, i64>, ApiError> {
    let mut counts = HashMap::new();
    for chunk in session_ids.chunks(CHUNK) {
        let rows: Vec<(String, i64)> = attendances::table
            .filter(attendances::session_id.eq_any(chunk))
            .group_by(attendances::session_id)
            .select((attendances::session_id, count_star()))
            .load(conn)?;
        counts.extend(rows);
    }
    Ok(counts)
}

/// A session's attendances by person id, after `cadre_id`, at most `limit`.
pub fn list_of(
    conn: &mut DbConn,
    session_id: &str,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<AttendanceRow>, ApiError> {
    let mut query = attendances::table.filter(attendances::session_id.eq(session_id)).into_boxed();
    if let Some(after) = after {
        query = query.filter(attendances::cadre_id.gt(after));
    }
    Ok(query.order(attendances::cadre_id.asc()).limit(limit).select(AttendanceRow::as_select()).load(conn)?)
}

/// A person's attendances at sessions recorded as held that started in `[from, until)`, by start, each with
/// its session's topic: the attended lines of the learning ledger.
pub fn held_of_cadre(
    conn: &mut DbConn,
    cadre_id: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<(AttendanceRow, String)>, ApiError> {
    Ok(attendances::table
        .inner_join(forum_sessions::table)
        .filter(attendances::cadre_id.eq(cadre_id))
        .filter(attendances::session_starts_at.ge(from))
        .filter(attendances::session_starts_at.lt(until))
        .filter(forum_sessions::state.eq(HELD))
        .order((attendances::session_starts_at.asc(), attendances::id.asc()))
        .select((AttendanceRow::as_select(), forum_sessions::topic))
        .load(conn)?)
}

/// Minutes credited per person for sessions recorded as held that started in `[from, until)`, as the
/// ledger counts them: grouped queries, over `cadre_ids` only (in chunks) or, `None`, over everyone.
pub fn held_minutes_per_cadre(
    conn: &mut DbConn,
    from: NaiveDateTime,
    until: NaiveDateTime,
    cadre_ids: Option<&[String]>,
) -> Result<Vec<(String, Option<i64>)>, ApiError> {
    let query = || {
        attendances::table
            .inner_join(forum_sessions::table)
            .filter(attendances::session_starts_at.ge(from))
            .filter(attendances::session_starts_at.lt(until))
            .filter(forum_sessions::state.eq(HELD))
            .group_by(attendances::cadre_id)
            .select((attendances::cadre_id, diesel::dsl::sum(attendances::credited_minutes)))
    };
    let Some(cadre_ids) = cadre_ids else { return Ok(query().load(conn)?) };
    let mut rows = Vec::new();
    for chunk in cadre_ids.chunks(CHUNK) {
        rows.extend(query().filter(attendances::cadre_id.eq_any(chunk)).load::<(String, Option<i64>)>(conn)?);
    }
    Ok(rows)
}

/// Records a correction.
pub fn insert_correction(conn: &mut DbConn, row: &CorrectionRow) -> Result<(), ApiError> {
    diesel::insert_into(attendance_corrections::table).values(row).execute(conn)?;
    Ok(())
}

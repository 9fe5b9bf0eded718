//! Sessions of the built-in login, found by the digest of their token.

use cadre_platform::{ApiError, DbConn};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::sessions;

/// One session.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    /// Id (UUIDv7), not secret.
    pub id: String,
    /// SHA-256 of the bearer token.
    pub token_digest: String,
    /// The directory account.
    pub account_id: String,
    /// Whether a second factor was proven at login.
    pub mfa: bool,
    /// Login time.
    pub created_at: NaiveDateTime,
    /// Last use, to the minute.
    pub last_seen_at: NaiveDateTime,
    /// Absolute end.
    pub expires_at: NaiveDateTime,
    /// When it was ended early.
    pub revoked_at: Option<NaiveDateTime>,
    /// Why it was ended early, or empty.
    pub revoked_reason: String,
}

/// Stores a new session.
pub fn insert(conn: &mut DbConn, session: &Session) -> Result<(), ApiError> {
    diesel::insert_into(sessions::table).values(session).execute(conn)?;
    Ok(())
}

/// The session whose token has this digest.
pub fn find_by_digest(conn: &mut DbConn, digest: &str) -> Result<Option<Session>, ApiError> {
    Ok(sessions::table
        .filter(sessions::token_digest.eq(digest))
        .select(Session::as_select())
        .first(conn)
        .optional()?)
}

/// Records a use. Guarded on the old value, so two concurrent refreshes write once and a revoked session is
/// not touched.
pub fn touch(conn: &mut DbConn, id: &str, seen: NaiveDateTime, now: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::last_seen_at.eq(seen))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::last_seen_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Ends one session; false when it had ended already.
pub fn revoke(conn: &mut DbConn, id: &str, reason: &str, now: NaiveDateTime) -> Result<bool, ApiError> {
    let changed = diesel::update(sessions::table.find(id).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason)))
        .execute(conn)?;
    Ok(changed > 0)
}

/// Ends every live session of an account but `keep`, returning the ids of those it ended. Sessions past
/// their absolute end are left alone: they are over already.
pub fn revoke_all(
    conn: &mut DbConn,
    account_id: &str,
    keep: Option<&str>,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Vec<String>, ApiError> {
    let mut live: Vec<String> = sessions::table
        .filter(sessions::account_id.eq(account_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(sessions::id)
        .order(sessions::id.asc())
        .load(conn)?;
    live.retain(|id| Some(id.as_str()) != keep);
    if !live.is_empty() {
        diesel::update(sessions::table.filter(sessions::id.eq_any(&live)))
            .set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason)))
            .execute(conn)?;
    }
    Ok(live)
}

/// Deletes sessions that ended by themselves before `before`; returns how many.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, ApiError> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.lt(before))).execute(conn)?)
}

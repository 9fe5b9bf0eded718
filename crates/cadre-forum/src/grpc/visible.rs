//! What a caller may see and do, the same way for every method: forums and plans are the district's public
//! programme; a session is seen by those whose scope holds its forum's unit and by those its audience
//! invites; acting on a forum or session needs its unit in the caller's scope. What the caller may not see
//! is absent: out of scope and missing answer alike.

use cadre_platform::{
    ApiError, DbConn,
    auth::{Caller, Role},
};
use cadre_projection::store as projection;

use crate::store::{
    self,
    forums::{self as forum_store, ForumRow},
    sessions::{self as session_store, SessionRow},
};

/// A forum that does not exist, or that the caller may not see.
pub(super) fn forum_not_found(id: &str) -> ApiError {
    ApiError::not_found("FORUM_NOT_FOUND", format!("no forum {id}"))
}

/// A session that does not exist, or that the caller may not see.
pub(super) fn session_not_found(id: &str) -> ApiError {
    ApiError::not_found("SESSION_NOT_FOUND", format!("no session {id}"))
}

/// A unit that does not exist, or that the caller may not see.
pub(super) fn unit_not_found(id: &str) -> ApiError {
    ApiError::not_found("UNIT_NOT_FOUND", format!("no org unit {id}"))
}

/// A cadre that does not exist, or that the caller may not see.
pub(super) fn cadre_not_found(id: &str) -> ApiError {
    ApiError::not_found("CADRE_NOT_FOUND", format!("no cadre {id}"))
}

/// Whether the caller holds one of `roles` for this method.
pub(super) fn holds(caller: &Caller, roles: &[Role]) -> bool {
    caller.granted.iter().any(|r| roles.contains(r))
}

/// The unit the caller is an officer of (town officer, unit leader or HR officer): their scope unit.
pub(super) fn officer_of(caller: &Caller) -> Option<&str> {
    holds(caller, &[Role::TownOfficer, Role::UnitLeader, Role::UnitHrOfficer])
        .then(|| caller.principal.scope_unit_id())
        .flatten()
}

/// A forum, whoever asks (forums are public within the district).
pub(super) fn forum(conn: &mut DbConn, id: &str) -> Result<ForumRow, ApiError> {
    forum_store::get(conn, id)?.ok_or_else(|| forum_not_found(id))
}

/// A forum whose unit is in the caller's scope: one they may act on. Others answer as missing.
pub(super) fn forum_to_act_on(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<ForumRow, ApiError> {
    let row = forum(conn, id)?;
    if !store::unit_in_scope(conn, &caller.scope, &row.owner_unit_id)? {
        return Err(forum_not_found(id));
    }
    Ok(row)
}

/// What an audience may name that concerns the caller: their own cadre and every unit above and at their
/// employing unit. Empty when the caller is no cadre.
pub(super) fn own_targets(conn: &mut DbConn, caller: &Caller) -> Result<Vec<String>, ApiError> {
    let Some(own) = caller.principal.cadre_id.clone() else { return Ok(Vec::new()) };
    let mut targets = vec![own.clone()];
    if let Some(cadre) = projection::cadre(conn, &own)? {
        targets.extend(cadre.employing_path.split('/').filter(|id| !id.is_empty()).map(str::to_owned));
    }
    Ok(targets)
}

/// Whether the caller sees a session: its forum's unit is in scope, or its audience invites them.
pub(super) fn session_visible(
    conn: &mut DbConn,
    caller: &Caller,
    row: &SessionRow,
) -> Result<bool, ApiError> {
    if store::unit_in_scope(conn, &caller.scope, &row.owner_unit_id)? {
        return Ok(true);
    }
    let targets = own_targets(conn, caller)?;
    Ok(!targets.is_empty() && session_store::audience_names_any(conn, &row.id, &targets)?)
}

/// A session the caller sees.
pub(super) fn session(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<SessionRow, ApiError> {
    let row = session_store::get(conn, id)?.ok_or_else(|| session_not_found(id))?;
    if !session_visible(conn, caller, &row)? {
        return Err(session_not_found(id));
    }
    Ok(row)
}

/// A session whose forum's unit is in the caller's scope: one they organise.
pub(super) fn session_to_act_on(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> Result<SessionRow, ApiError> {
    let row = session_store::get(conn, id)?.ok_or_else(|| session_not_found(id))?;
    if !store::unit_in_scope(conn, &caller.scope, &row.owner_unit_id)? {
        return Err(session_not_found(id));
    }
    Ok(row)
}

/// Refuses with FAILED_PRECONDITION and the rule's reason.
pub(super) fn refused(reason: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::failed_precondition(reason, message)
}

//! What a caller may see, the same way for every method: a cycle by its unit, an assessment by its cycle's
//! unit or by its person, a special assessment by its unit or person. What the caller may not see is
//! absent: out of scope and missing answer alike.

use cadre_platform::{
    ApiError, DbConn,
    auth::{Caller, Role},
};

use crate::{
    store::{
        self,
        assessments::{self as assessment_store, AssessmentRow},
        cycles::{self as cycle_store, CycleRow},
        special::SpecialRow,
    },
    workflow::pool::Pool,
};

/// A cycle that does not exist, or that the caller may not see.
pub(super) fn cycle_not_found(id: &str) -> ApiError {
    ApiError::not_found("CYCLE_NOT_FOUND", format!("no annual cycle {id}"))
}

/// An assessment that does not exist, or that the caller may not see.
pub(super) fn assessment_not_found(id: &str) -> ApiError {
    ApiError::not_found("ASSESSMENT_NOT_FOUND", format!("no annual assessment {id}"))
}

/// A cadre that does not exist, or that the caller may not see.
pub(super) fn cadre_not_found(id: &str) -> ApiError {
    ApiError::not_found("CADRE_NOT_FOUND", format!("no cadre {id}"))
}

/// A unit that does not exist, or that the caller may not see.
pub(super) fn unit_not_found(id: &str) -> ApiError {
    ApiError::not_found("UNIT_NOT_FOUND", format!("no org unit {id}"))
}

/// Whether the caller holds one of `roles` for this method.
pub(super) fn holds(caller: &Caller, roles: &[Role]) -> bool {
    caller.granted.iter().any(|r| roles.contains(r))
}

/// The caller's own cadre, or their subject when they have no cadre record: who "did it" in the rules,
/// which refuse anyone acting on their own result.
pub(super) fn actor(caller: &Caller) -> String {
    caller.principal.cadre_id.clone().unwrap_or_else(|| caller.principal.subject.clone())
}

/// Whether the caller sees a cycle: its unit is in scope, or they are one of its people.
pub(super) fn cycle_visible(conn: &mut DbConn, caller: &Caller, row: &CycleRow) -> Result<bool, ApiError> {
    if store::unit_in_scope(conn, &caller.scope, &row.org_unit_id)? {
        return Ok(true);
    }
    enrolled_in(conn, caller, &row.id, row.year)
}

/// Whether the caller is one of the people of a cycle.
pub(super) fn enrolled_in(
    conn: &mut DbConn,
    caller: &Caller,
    cycle_id: &str,
    year: i32,
) -> Result<bool, ApiError> {
    let Some(own) = caller.scope.own_cadre() else { return Ok(false) };
    Ok(assessment_store::of_cadre_year(conn, own, year)?.is_some_and(|a| a.cycle_id == cycle_id))
}

/// Whether the caller sees an assessment: its cycle's unit or its person is in scope.
pub(super) fn assessment_visible(
    conn: &mut DbConn,
    caller: &Caller,
    row: &AssessmentRow,
) -> Result<bool, ApiError> {
    Ok(store::unit_in_scope(conn, &caller.scope, &row.org_unit_id)?
        || store::cadre_in_scope(conn, &caller.scope, &row.cadre_id)?)
}

/// Whether the caller sees a special assessment: its unit, or its person, is in scope.
pub(super) fn special_visible(
    conn: &mut DbConn,
    caller: &Caller,
    row: &SpecialRow,
) -> Result<bool, ApiError> {
    Ok(store::unit_in_scope(conn, &caller.scope, &row.org_unit_id)?
        || (!row.cadre_id.is_empty() && store::cadre_in_scope(conn, &caller.scope, &row.cadre_id)?))
}

/// A cycle the caller sees.
pub(super) fn cycle(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<CycleRow, ApiError> {
    let row = cycle_store::get(conn, id)?.ok_or_else(|| cycle_not_found(id))?;
    if !cycle_visible(conn, caller, &row)? {
        return Err(cycle_not_found(id));
    }
    Ok(row)
}

/// A cycle the caller sees, with its aggregate and rows.
pub(super) fn pool(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<Pool, ApiError> {
    let row = cycle(conn, caller, id)?;
    Pool::require(conn, &row.id)
}

/// An assessment the caller sees.
pub(super) fn assessment(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<AssessmentRow, ApiError> {
    let row = assessment_store::get(conn, id)?.ok_or_else(|| assessment_not_found(id))?;
    if !assessment_visible(conn, caller, &row)? {
        return Err(assessment_not_found(id));
    }
    Ok(row)
}

/// An assessment the caller sees, with its cycle loaded for a command; returns the person's cadre id.
pub(super) fn pool_of(
    conn: &mut DbConn,
    caller: &Caller,
    assessment_id: &str,
) -> Result<(Pool, String), ApiError> {
    let row = assessment(conn, caller, assessment_id)?;
    let pool = Pool::require(conn, &row.cycle_id)?;
    Ok((pool, row.cadre_id))
}

/// Refuses an expected version that is not the row's (0: no check).
pub(super) fn check_version(row: &AssessmentRow, expected: i64) -> Result<(), ApiError> {
    if expected != 0 && expected != row.version {
        return Err(ApiError::aborted(
            "VERSION_MISMATCH",
            format!("the assessment is at version {}, not {expected}; read it again", row.version),
        ));
    }
    Ok(())
}

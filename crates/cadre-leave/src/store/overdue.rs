//! Overdue cases, the 旷工 days they count, and the protected statuses that keep 旷工 from a 辞退 proposal.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{absence_days, overdue_cases, protected_statuses};

/// One overdue case.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = overdue_cases, treat_none_as_null = true)]
pub struct CaseRow {
    /// Id.
    pub id: String,
    /// The leave request that ended without 销假.
    pub leave_request_id: String,
    /// The cadre.
    pub cadre_id: String,
    /// Their name.
    pub cadre_name: String,
    /// Their unit.
    pub org_unit_id: String,
    /// The first working day they should have been back.
    pub due_back_date: NaiveDate,
    /// "OPEN", "DISMISSAL_PROPOSED", "MANUAL_REVIEW" or "CLOSED".
    pub state: String,
    /// 旷工 working days in this case.
    pub absent_days: i32,
    /// Longest run in the year.
    pub consecutive_days: i32,
    /// 旷工 days in the year.
    pub year_days: i32,
    /// The protected status code, when one sent it to review.
    pub protected_status: String,
    /// When back.
    pub return_date: Option<NaiveDate>,
    /// Opened.
    pub opened_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// The case of a request, if one was opened.
pub fn of_request(conn: &mut DbConn, request_id: &str) -> Result<Option<CaseRow>, ApiError> {
    Ok(overdue_cases::table
        .filter(overdue_cases::leave_request_id.eq(request_id))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// Opens a case.
pub fn insert(conn: &mut DbConn, case: &CaseRow) -> Result<(), ApiError> {
    diesel::insert_into(overdue_cases::table).values(case).execute(conn)?;
    Ok(())
}

/// Writes a case.
pub fn update(conn: &mut DbConn, case: &CaseRow) -> Result<(), ApiError> {
    diesel::update(overdue_cases::table.find(&case.id)).set(case).execute(conn)?;
    Ok(())
}

/// Cases not closed.
pub fn open_cases(conn: &mut DbConn) -> Result<Vec<CaseRow>, ApiError> {
    Ok(overdue_cases::table
        .filter(overdue_cases::state.ne("CLOSED"))
        .select(CaseRow::as_select())
        .load(conn)?)
}

/// Cases of these cadres (all when `None`), in a state or any, oldest first.
pub fn list(
    conn: &mut DbConn,
    cadre_ids: Option<&[String]>,
    state: Option<&str>,
) -> Result<Vec<CaseRow>, ApiError> {
    let mut query = overdue_cases::table.into_boxed();
    if let Some(ids) = cadre_ids {
        query = query.filter(overdue_cases::cadre_id.eq_any(ids.to_vec()));
    }
    if let Some(state) = state {
        query = query.filter(overdue_cases::state.eq(state.to_owned()));
    }
    Ok(query.order(overdue_cases::opened_at.asc()).select(CaseRow::as_select()).load(conn)?)
}

/// Records 旷工 days of a case; a day already counted (by any case) is not counted again.
pub fn record_absence(
    conn: &mut DbConn,
    cadre_id: &str,
    case_id: &str,
    days: &[NaiveDate],
) -> Result<(), ApiError> {
    for day in days {
        let exists = absence_days::table
            .find((cadre_id, day))
            .select(absence_days::day)
            .first::<NaiveDate>(conn)
            .optional()?
            .is_some();
        if !exists {
            diesel::insert_into(absence_days::table)
                .values((
                    absence_days::cadre_id.eq(cadre_id),
                    absence_days::day.eq(day),
                    absence_days::case_id.eq(case_id),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A cadre's 旷工 days between two dates.
pub fn absences(
    conn: &mut DbConn,
    cadre_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NaiveDate>, ApiError> {
    Ok(absence_days::table
        .filter(absence_days::cadre_id.eq(cadre_id))
        .filter(absence_days::day.between(from, to))
        .order(absence_days::day.asc())
        .select(absence_days::day)
        .load(conn)?)
}

/// Days counted by one case.
pub fn absences_of_case(conn: &mut DbConn, case_id: &str) -> Result<i64, ApiError> {
    Ok(absence_days::table.filter(absence_days::case_id.eq(case_id)).count().get_result(conn)?)
}

/// A cadre's protected status in force on `on`.
pub fn protected_on(conn: &mut DbConn, cadre_id: &str, on: NaiveDate) -> Result<Option<String>, ApiError> {
    Ok(protected_statuses::table
        .find(cadre_id)
        .filter(protected_statuses::until_date.ge(on))
        .select(protected_statuses::status)
        .first(conn)
        .optional()?)
}

/// Sets or clears a cadre's protected status.
pub fn set_protected(
    conn: &mut DbConn,
    cadre_id: &str,
    status: Option<(&str, NaiveDate)>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::delete(protected_statuses::table.find(cadre_id)).execute(conn)?;
    if let Some((status, until)) = status {
        diesel::insert_into(protected_statuses::table)
            .values((
                protected_statuses::cadre_id.eq(cadre_id),
                protected_statuses::status.eq(status),
                protected_statuses::until_date.eq(until),
                protected_statuses::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

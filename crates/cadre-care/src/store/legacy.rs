//! The legacy cases: 调任, 公务员登记, and the dossier backlog (档案清淤).

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    Reach,
    schema::{backlog_items, registration_cases, transfer_cases},
};
use crate::domain::codes::RegistrationState;

/// A 调任 case.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = transfer_cases)]
pub struct TransferRow {
    pub id: String,
    pub person_name: String,
    pub cadre_id: String,
    pub source: String,
    pub source_org: String,
    pub target_unit_id: String,
    pub target_post: String,
    pub leadership_post: bool,
    /// The directory's `RankGrade` number; 0 for a 领导职务.
    pub target_grade: i32,
    pub establishment: i32,
    pub establishment_used: i32,
    pub post_quota: i32,
    pub post_quota_used: i32,
    pub post_vacant: bool,
    pub state: String,
    pub note: String,
    pub opened_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A 公务员登记 case.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = registration_cases)]
pub struct RegistrationRow {
    pub id: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub org_unit_id: String,
    pub basis: String,
    pub approval_level: String,
    pub state: String,
    pub note: String,
    pub opened_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A backlog item.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = backlog_items, treat_none_as_null = true)]
pub struct BacklogRow {
    pub id: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub kind: String,
    pub description: String,
    pub detected_on: NaiveDate,
    pub due_on: NaiveDate,
    pub owner_unit_id: String,
    pub resolved_on: Option<NaiveDate>,
    pub resolution: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// Stores a new 调任 case.
pub fn insert_transfer(conn: &mut DbConn, row: &TransferRow) -> Result<(), ApiError> {
    diesel::insert_into(transfer_cases::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes a changed 调任 case.
pub fn update_transfer(conn: &mut DbConn, row: &TransferRow) -> Result<(), ApiError> {
    diesel::update(transfer_cases::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// A 调任 case by id.
pub fn transfer(conn: &mut DbConn, id: &str) -> Result<Option<TransferRow>, ApiError> {
    Ok(transfer_cases::table.find(id).select(TransferRow::as_select()).first(conn).optional()?)
}

/// 调任 cases whose target unit is in `units` (`None`: all), oldest first.
pub fn transfers(
    conn: &mut DbConn,
    units: Option<&[String]>,
    state: Option<String>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<TransferRow>, ApiError> {
    let mut query = transfer_cases::table.into_boxed();
    if let Some(units) = units {
        query = query.filter(transfer_cases::target_unit_id.eq_any(units.to_vec()));
    }
    if let Some(state) = state {
        query = query.filter(transfer_cases::state.eq(state));
    }
    query = after_id!(query, after, transfer_cases::id, false);
    Ok(query.order(transfer_cases::id.asc()).limit(limit).select(TransferRow::as_select()).load(conn)?)
}

/// Stores a new 公务员登记 case.
pub fn insert_registration(conn: &mut DbConn, row: &RegistrationRow) -> Result<(), ApiError> {
    diesel::insert_into(registration_cases::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes a changed 公务员登记 case.
pub fn update_registration(conn: &mut DbConn, row: &RegistrationRow) -> Result<(), ApiError> {
    diesel::update(registration_cases::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// A 公务员登记 case by id.
pub fn registration(conn: &mut DbConn, id: &str) -> Result<Option<RegistrationRow>, ApiError> {
    Ok(registration_cases::table.find(id).select(RegistrationRow::as_select()).first(conn).optional()?)
}

/// The open (pending or returned) 公务员登记 case of a person, if any.
pub fn open_registration_of(conn: &mut DbConn, cadre_id: &str) -> Result<Option<RegistrationRow>, ApiError> {
    Ok(registration_cases::table
        .filter(registration_cases::cadre_id.eq(cadre_id))
        .filter(
            registration_cases::state
                .eq_any([RegistrationState::Pending.code(), RegistrationState::Returned.code()]),
        )
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()?)
}

/// 公务员登记 cases within `reach`, oldest first.
pub fn registrations(
    conn: &mut DbConn,
    reach: &Reach,
    state: Option<String>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<RegistrationRow>, ApiError> {
    super::chunked(
        reach,
        limit,
        false,
        |r: &RegistrationRow| r.id.as_str(),
        |reach| {
            let mut query = registration_cases::table.into_boxed();
            query =
                reach_filter!(query, reach, registration_cases::cadre_id, registration_cases::org_unit_id);
            if let Some(state) = state.clone() {
                query = query.filter(registration_cases::state.eq(state));
            }
            query = after_id!(query, after.clone(), registration_cases::id, false);
            Ok(query
                .order(registration_cases::id.asc())
                .limit(limit)
                .select(RegistrationRow::as_select())
                .load(conn)?)
        },
    )
}

/// Stores a new backlog item.
pub fn insert_backlog(conn: &mut DbConn, row: &BacklogRow) -> Result<(), ApiError> {
    diesel::insert_into(backlog_items::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes a changed backlog item.
pub fn update_backlog(conn: &mut DbConn, row: &BacklogRow) -> Result<(), ApiError> {
    diesel::update(backlog_items::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// A backlog item by id.
pub fn backlog_item(conn: &mut DbConn, id: &str) -> Result<Option<BacklogRow>, ApiError> {
    Ok(backlog_items::table.find(id).select(BacklogRow::as_select()).first(conn).optional()?)
}

/// Which backlog items a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BacklogWhich {
    /// All.
    All,
    /// Unresolved.
    Open,
    /// Unresolved and past due on the day.
    Overdue(NaiveDate),
    /// Resolved.
    Resolved,
}

/// Backlog items owned by `units` (`None`: all), oldest first.
pub fn backlog(
    conn: &mut DbConn,
    units: Option<&[String]>,
    which: BacklogWhich,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<BacklogRow>, ApiError> {
    let mut query = backlog_items::table.into_boxed();
    if let Some(units) = units {
        query = query.filter(backlog_items::owner_unit_id.eq_any(units.to_vec()));
    }
    query = match which {
        BacklogWhich::All => query,
        BacklogWhich::Open => query.filter(backlog_items::resolved_on.is_null()),
        BacklogWhich::Overdue(today) => {
            query.filter(backlog_items::resolved_on.is_null()).filter(backlog_items::due_on.lt(today))
        }
        BacklogWhich::Resolved => query.filter(backlog_items::resolved_on.is_not_null()),
    };
    query = after_id!(query, after, backlog_items::id, false);
    Ok(query.order(backlog_items::id.asc()).limit(limit).select(BacklogRow::as_select()).load(conn)?)
}

/// Every backlog item owned by `units` (`None`: all) detected on or before `until`, for the burn-down.
pub fn backlog_until(
    conn: &mut DbConn,
    units: Option<&[String]>,
    until: NaiveDate,
) -> Result<Vec<BacklogRow>, ApiError> {
    let mut query = backlog_items::table.filter(backlog_items::detected_on.le(until)).into_boxed();
    if let Some(units) = units {
        query = query.filter(backlog_items::owner_unit_id.eq_any(units.to_vec()));
    }
    Ok(query.order(backlog_items::id.asc()).select(BacklogRow::as_select()).load(conn)?)
}

/// Whether any backlog item is recorded.
pub fn any_backlog(conn: &mut DbConn) -> Result<bool, ApiError> {
    let first: Option<String> = backlog_items::table.select(backlog_items::id).first(conn).optional()?;
    Ok(first.is_some())
}

//! Visit triggers and visits.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    Reach,
    schema::{visit_triggers, visits},
};

/// What calls for a visit.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = visit_triggers)]
pub struct TriggerRow {
    pub id: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub org_unit_id: String,
    pub kind: String,
    pub relation: String,
    pub occurred_on: NaiveDate,
    pub due_on: NaiveDate,
    /// The visit that closed it; empty while open.
    pub visit_id: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// A visit made.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = visits)]
pub struct VisitRow {
    pub id: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub org_unit_id: String,
    pub kind: String,
    /// JSON list.
    pub visitors: String,
    pub visited_on: NaiveDate,
    pub notes: String,
    pub trigger_id: String,
    pub fund_application_id: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// Which triggers a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// All.
    All,
    /// Open.
    Open,
    /// Open and past due on the day.
    Overdue(NaiveDate),
    /// Closed.
    Closed,
}

/// Stores a new trigger.
pub fn insert_trigger(conn: &mut DbConn, row: &TriggerRow) -> Result<(), ApiError> {
    diesel::insert_into(visit_triggers::table).values(row).execute(conn)?;
    Ok(())
}

/// A trigger by id.
pub fn trigger(conn: &mut DbConn, id: &str) -> Result<Option<TriggerRow>, ApiError> {
    Ok(visit_triggers::table.find(id).select(TriggerRow::as_select()).first(conn).optional()?)
}

/// Writes a changed trigger.
pub fn update_trigger(conn: &mut DbConn, row: &TriggerRow) -> Result<(), ApiError> {
    diesel::update(visit_triggers::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// Triggers within `reach`, oldest first, after `after`, at most `limit`.
pub fn triggers(
    conn: &mut DbConn,
    reach: &Reach,
    which: Which,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<TriggerRow>, ApiError> {
    super::chunked(
        reach,
        limit,
        false,
        |r: &TriggerRow| r.id.as_str(),
        |reach| {
            let mut query = visit_triggers::table.into_boxed();
            query = reach_filter!(query, reach, visit_triggers::cadre_id, visit_triggers::org_unit_id);
            query = match which {
                Which::All => query,
                Which::Open => query.filter(visit_triggers::visit_id.eq("")),
                Which::Overdue(today) => {
                    query.filter(visit_triggers::visit_id.eq("")).filter(visit_triggers::due_on.lt(today))
                }
                Which::Closed => query.filter(visit_triggers::visit_id.ne("")),
            };
            query = after_id!(query, after.clone(), visit_triggers::id, false);
            Ok(query
                .order(visit_triggers::id.asc())
                .limit(limit)
                .select(TriggerRow::as_select())
                .load(conn)?)
        },
    )
}

/// Stores a new visit.
pub fn insert_visit(conn: &mut DbConn, row: &VisitRow) -> Result<(), ApiError> {
    diesel::insert_into(visits::table).values(row).execute(conn)?;
    Ok(())
}

/// Visits within `reach`, newest recorded first, after `after`, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    reach: &Reach,
    cadre_id: Option<String>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<VisitRow>, ApiError> {
    super::chunked(
        reach,
        limit,
        true,
        |r: &VisitRow| r.id.as_str(),
        |reach| {
            let mut query = visits::table.into_boxed();
            query = reach_filter!(query, reach, visits::cadre_id, visits::org_unit_id);
            if let Some(cadre) = cadre_id.clone() {
                query = query.filter(visits::cadre_id.eq(cadre));
            }
            query = after_id!(query, after.clone(), visits::id, true);
            Ok(query.order(visits::id.desc()).limit(limit).select(VisitRow::as_select()).load(conn)?)
        },
    )
}

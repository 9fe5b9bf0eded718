//! Circulars (通报) and the units and people they name, in order. A circular is drafted, then issued once
//! with its document number; its entries do not change.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    CHUNK,
    schema::{circular_entries, circulars, decisions},
};
use crate::domain::codes::CircularState;

/// A circular as stored; `distribution_unit_ids` is a JSON list.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = circulars, treat_none_as_null = true)]
pub struct CircularRow {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub distribution: String,
    pub distribution_unit_ids: String,
    pub cadence: String,
    pub period_label: String,
    pub scheduled_on: Option<NaiveDate>,
    pub state: String,
    pub document_number: String,
    pub issued_on: Option<NaiveDate>,
    pub body: String,
    pub created_by: String,
    pub issued_by: String,
    pub created_at: NaiveDateTime,
}

/// One unit or person a circular names, at its position.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = circular_entries)]
pub struct EntryRow {
    pub circular_id: String,
    pub position: i32,
    pub org_unit_id: String,
    /// '' when a unit itself is named.
    pub cadre_id: String,
    pub name: String,
    pub commended: bool,
    pub text: String,
    pub finding_id: String,
    pub decision_id: String,
}

/// Stores a new circular with its entries.
pub fn insert(conn: &mut DbConn, row: &CircularRow, entries: &[EntryRow]) -> Result<(), ApiError> {
    diesel::insert_into(circulars::table).values(row).execute(conn)?;
    for entry in entries {
        diesel::insert_into(circular_entries::table).values(entry).execute(conn)?;
    }
    Ok(())
}

/// Writes a changed circular (its entries do not change).
pub fn update(conn: &mut DbConn, row: &CircularRow) -> Result<(), ApiError> {
    diesel::update(circulars::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// A circular by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<CircularRow>, ApiError> {
    Ok(circulars::table.find(id).select(CircularRow::as_select()).first(conn).optional()?)
}

/// Circulars by id.
pub fn get_many(conn: &mut DbConn, ids: &[String]) -> Result<HashMap<String, CircularRow>, ApiError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<CircularRow> = circulars::table
            .filter(circulars::id.eq_any(chunk))
            .select(CircularRow::as_select())
            .load(conn)?;
        found.extend(rows.into_iter().map(|r| (r.id.clone(), r)));
    }
    Ok(found)
}

/// The entries of each of `ids`, in order.
pub fn entries_of(conn: &mut DbConn, ids: &[String]) -> Result<HashMap<String, Vec<EntryRow>>, ApiError> {
    let mut by_circular: HashMap<String, Vec<EntryRow>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<EntryRow> = circular_entries::table
            .filter(circular_entries::circular_id.eq_any(chunk))
            .order((circular_entries::circular_id.asc(), circular_entries::position.asc()))
            .select(EntryRow::as_select())
            .load(conn)?;
        for row in rows {
            by_circular.entry(row.circular_id.clone()).or_default().push(row);
        }
    }
    Ok(by_circular)
}

/// Whether a decision exists.
pub fn decision_exists(conn: &mut DbConn, id: &str) -> Result<bool, ApiError> {
    let found: Option<String> = decisions::table.find(id).select(decisions::id).first(conn).optional()?;
    Ok(found.is_some())
}

/// What a list of circulars is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct CircularFilter {
    pub state: Option<String>,
    pub kind: Option<String>,
    /// Issued in this span, or (a draft) scheduled in it.
    pub span: Option<(NaiveDate, NaiveDate)>,
    /// Only drafts scheduled before this day.
    pub overdue_before: Option<NaiveDate>,
}

/// Circulars, newest first, after `after`, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: &CircularFilter,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<CircularRow>, ApiError> {
    let mut query = circulars::table.into_boxed();
    if let Some(state) = &filter.state {
        query = query.filter(circulars::state.eq(state.clone()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(circulars::kind.eq(kind.clone()));
    }
    if let Some((first, last)) = filter.span {
        let issued = circulars::state
            .eq(CircularState::Issued.code())
            .and(circulars::issued_on.ge(first))
            .and(circulars::issued_on.le(last));
        let scheduled = circulars::state
            .eq(CircularState::Draft.code())
            .and(circulars::scheduled_on.ge(first))
            .and(circulars::scheduled_on.le(last));
        query = query.filter(issued.or(scheduled));
    }
    if let Some(today) = filter.overdue_before {
        query = query
            .filter(circulars::state.eq(CircularState::Draft.code()))
            .filter(circulars::scheduled_on.lt(today));
    }
    query = after_id!(query, after, circulars::id, true);
    Ok(query.order(circulars::id.desc()).limit(limit).select(CircularRow::as_select()).load(conn)?)
}

/// Whom a list of mentions is about: a cadre's entries, or a unit's own (not its people's).
#[derive(Debug, Clone)]
pub enum Named {
    Cadre(String),
    Unit(String),
}

/// The entries naming `named` in issued circulars, newest circular first and in order within one, after
/// the position `after` (circular id, entry position), at most `limit`.
pub fn mentions(
    conn: &mut DbConn,
    named: &Named,
    after: Option<(String, i32)>,
    limit: i64,
) -> Result<Vec<EntryRow>, ApiError> {
    let issued =
        circulars::table.filter(circulars::state.eq(CircularState::Issued.code())).select(circulars::id);
    let mut query = circular_entries::table.filter(circular_entries::circular_id.eq_any(issued)).into_boxed();
    query = match named {
        Named::Cadre(id) => query.filter(circular_entries::cadre_id.eq(id.clone())),
        Named::Unit(id) => query
            .filter(circular_entries::org_unit_id.eq(id.clone()))
            .filter(circular_entries::cadre_id.eq("")),
    };
    if let Some((circular, position)) = after {
        query = query.filter(
            circular_entries::circular_id
                .lt(circular.clone())
                .or(circular_entries::circular_id.eq(circular).and(circular_entries::position.gt(position))),
        );
    }
    Ok(query
        .order((circular_entries::circular_id.desc(), circular_entries::position.asc()))
        .limit(limit)
        .select(EntryRow::as_select())
        .load(conn)?)
}

//! Front-line assignments.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{Reach, schema::assignments};

/// An assignment as stored; the evaluation's columns are empty until it is evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = assignments, treat_none_as_null = true)]
pub struct AssignmentRow {
    pub id: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub org_unit_id: String,
    pub kind: String,
    pub place: String,
    pub host_unit_id: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub grade: String,
    pub evaluation_comment: String,
    /// The subject of the principal who recorded the evaluation.
    pub evaluated_by: String,
    /// The body or person the evaluation is shown under, as they gave it (display only).
    pub evaluator_name: String,
    pub evaluated_on: Option<NaiveDate>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// Stores a new assignment.
pub fn insert(conn: &mut DbConn, row: &AssignmentRow) -> Result<(), ApiError> {
    diesel::insert_into(assignments::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes a changed assignment.
pub fn update(conn: &mut DbConn, row: &AssignmentRow) -> Result<(), ApiError> {
    diesel::update(assignments::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// An assignment by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<AssignmentRow>, ApiError> {
    Ok(assignments::table.find(id).select(AssignmentRow::as_select()).first(conn).optional()?)
}

/// Assignments within `reach` (by the cadre or their unit), newest recorded first, after
/// `after`, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    reach: &Reach,
    cadre_id: Option<String>,
    kind: Option<String>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<AssignmentRow>, ApiError> {
    super::chunked(
        reach,
        limit,
        true,
        |r: &AssignmentRow| r.id.as_str(),
        |reach| {
            let mut query = assignments::table.into_boxed();
            query = reach_filter!(query, reach, assignments::cadre_id, assignments::org_unit_id);
            if let Some(cadre) = cadre_id.clone() {
                query = query.filter(assignments::cadre_id.eq(cadre));
            }
            if let Some(kind) = kind.clone() {
                query = query.filter(assignments::kind.eq(kind));
            }
            query = after_id!(query, after.clone(), assignments::id, true);
            Ok(query
                .order(assignments::id.desc())
                .limit(limit)
                .select(AssignmentRow::as_select())
                .load(conn)?)
        },
    )
}

//! Routine assessments (平时考核): one per person and quarter.

use cadre_platform::{ApiError, DbConn};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::routine_assessments;

/// One routine assessment as stored; `grade` is the domain's `RoutineGrade::code()`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = routine_assessments, treat_none_as_null = true)]
pub struct RoutineRow {
    /// Id.
    pub id: String,
    /// The person.
    pub cadre_id: String,
    /// Their name when graded.
    pub cadre_name: String,
    /// Their employing unit when graded.
    pub org_unit_id: String,
    /// The year.
    pub year: i32,
    /// The quarter, 1..4.
    pub quarter: i32,
    /// The grade code.
    pub grade: String,
    /// The score, when the unit scores.
    pub score: Option<i32>,
    /// JSON array of evidence entries.
    pub evidence: String,
    /// The comment.
    pub comment: String,
    /// Who graded (subject).
    pub graded_by: String,
    /// When recorded (or last corrected).
    pub recorded_at: NaiveDateTime,
}

/// The assessment of a person's quarter, if recorded.
pub fn of_period(
    conn: &mut DbConn,
    cadre_id: &str,
    year: i32,
    quarter: i32,
) -> Result<Option<RoutineRow>, ApiError> {
    Ok(routine_assessments::table
        .filter(routine_assessments::cadre_id.eq(cadre_id))
        .filter(routine_assessments::year.eq(year))
        .filter(routine_assessments::quarter.eq(quarter))
        .select(RoutineRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a routine assessment, replacing the person's earlier one of the same quarter (a correction).
pub fn upsert(conn: &mut DbConn, row: &RoutineRow) -> Result<(), ApiError> {
    let updated = diesel::update(routine_assessments::table.find(&row.id)).set(row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(routine_assessments::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// A person's routine assessments of a year, by quarter.
pub fn of_cadre_year(conn: &mut DbConn, cadre_id: &str, year: i32) -> Result<Vec<RoutineRow>, ApiError> {
    Ok(routine_assessments::table
        .filter(routine_assessments::cadre_id.eq(cadre_id))
        .filter(routine_assessments::year.eq(year))
        .order(routine_assessments::quarter.asc())
        .select(RoutineRow::as_select())
        .load(conn)?)
}

/// A person's routine assessments of every year, newest first.
pub fn of_cadre(conn: &mut DbConn, cadre_id: &str) -> Result<Vec<RoutineRow>, ApiError> {
    Ok(routine_assessments::table
        .filter(routine_assessments::cadre_id.eq(cadre_id))
        .order((routine_assessments::year.desc(), routine_assessments::quarter.asc()))
        .select(RoutineRow::as_select())
        .load(conn)?)
}

/// The routine assessments of a unit's quarter (graded in the unit).
pub fn of_unit_quarter(
    conn: &mut DbConn,
    unit_id: &str,
    year: i32,
    quarter: i32,
) -> Result<Vec<RoutineRow>, ApiError> {
    Ok(routine_assessments::table
        .filter(routine_assessments::org_unit_id.eq(unit_id))
        .filter(routine_assessments::year.eq(year))
        .filter(routine_assessments::quarter.eq(quarter))
        .select(RoutineRow::as_select())
        .load(conn)?)
}

/// What a list of routine assessments is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these people (`None`: everyone).
    pub cadre_ids: Option<Vec<String>>,
    /// The year.
    pub year: i32,
    /// Only this quarter.
    pub quarter: Option<i32>,
}

/// Routine assessments by quarter, then name, then id, after the keyset position
/// `(quarter, name, id)`, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: &Filter,
    after: Option<(i32, String, String)>,
    limit: i64,
) -> Result<Vec<RoutineRow>, ApiError> {
    let mut query = routine_assessments::table.filter(routine_assessments::year.eq(filter.year)).into_boxed();
    if let Some(ids) = &filter.cadre_ids {
        query = query.filter(routine_assessments::cadre_id.eq_any(ids.clone()));
    }
    if let Some(quarter) = filter.quarter {
        query = query.filter(routine_assessments::quarter.eq(quarter));
    }
    if let Some((quarter, name, id)) = after {
        query = query.filter(
            routine_assessments::quarter.gt(quarter).or(routine_assessments::quarter.eq(quarter).and(
                routine_assessments::cadre_name
                    .gt(name.clone())
                    .or(routine_assessments::cadre_name.eq(name).and(routine_assessments::id.gt(id))),
            )),
        );
    }
    Ok(query
        .order((
            routine_assessments::quarter.asc(),
            routine_assessments::cadre_name.asc(),
            routine_assessments::id.asc(),
        ))
        .limit(limit)
        .select(RoutineRow::as_select())
        .load(conn)?)
}

//! Special assessments (专项考核) of teams and people, and their follow-up tasks.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{follow_up_tasks, special_assessments};

/// One special assessment as stored. `kind` is `POLITICAL_BUILDING` or `TEAM_OPERATION`; `grade` the
/// domain's `TeamGrade::code()`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = special_assessments, treat_none_as_null = true)]
pub struct SpecialRow {
    /// Id.
    pub id: String,
    /// Which kind.
    pub kind: String,
    /// The year assessed.
    pub year: i32,
    /// The unit whose team is assessed, or the person's unit.
    pub org_unit_id: String,
    /// The person, or empty for the team.
    pub cadre_id: String,
    /// The grade code.
    pub grade: String,
    /// JSON array of findings.
    pub findings: String,
    /// The day of the assessment.
    pub assessed_on: NaiveDate,
    /// Who recorded it (subject).
    pub recorded_by: String,
    /// When.
    pub recorded_at: NaiveDateTime,
}

/// One follow-up task as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = follow_up_tasks, treat_none_as_null = true)]
pub struct TaskRow {
    /// Id.
    pub id: String,
    /// The special assessment.
    pub special_assessment_id: String,
    /// Position from 0.
    pub idx: i32,
    /// What must be done.
    pub title: String,
    /// By when.
    pub due_date: NaiveDate,
    /// When done.
    pub done_on: Option<NaiveDate>,
    /// How it was done.
    pub outcome: String,
    /// Who marked it done (subject).
    pub done_by: String,
}

/// Stores a new special assessment with its tasks.
pub fn insert(conn: &mut DbConn, row: &SpecialRow, tasks: &[TaskRow]) -> Result<(), ApiError> {
    diesel::insert_into(special_assessments::table).values(row).execute(conn)?;
    for task in tasks {
        diesel::insert_into(follow_up_tasks::table).values(task).execute(conn)?;
    }
    Ok(())
}

/// A special assessment with its tasks in order.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<(SpecialRow, Vec<TaskRow>)>, ApiError> {
    let Some(row) =
        special_assessments::table.find(id).select(SpecialRow::as_select()).first(conn).optional()?
    else {
        return Ok(None);
    };
    let tasks = tasks_of(conn, id)?;
    Ok(Some((row, tasks)))
}

/// A special assessment's tasks in order.
pub fn tasks_of(conn: &mut DbConn, id: &str) -> Result<Vec<TaskRow>, ApiError> {
    Ok(follow_up_tasks::table
        .filter(follow_up_tasks::special_assessment_id.eq(id))
        .order(follow_up_tasks::idx.asc())
        .select(TaskRow::as_select())
        .load(conn)?)
}

/// Writes a changed task.
pub fn update_task(conn: &mut DbConn, task: &TaskRow) -> Result<(), ApiError> {
    diesel::update(follow_up_tasks::table.find(&task.id)).set(task).execute(conn)?;
    Ok(())
}

/// What a list of special assessments is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these units (`None`: every unit).
    pub unit_ids: Option<Vec<String>>,
    /// Or these people, whatever the unit (with `unit_ids`: either matches).
    pub cadre_ids: Option<Vec<String>>,
    /// Only this year.
    pub year: Option<i32>,
    /// Only this kind.
    pub kind: Option<String>,
}

/// Special assessments newest first (by assessment day, then id), after `(day, id)`, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: &Filter,
    after: Option<(NaiveDate, String)>,
    limit: i64,
) -> Result<Vec<SpecialRow>, ApiError> {
    let mut query = special_assessments::table.into_boxed();
    match (&filter.unit_ids, &filter.cadre_ids) {
        (Some(units), Some(cadres)) => {
            query = query.filter(
                special_assessments::org_unit_id
                    .eq_any(units.clone())
                    .or(special_assessments::cadre_id.eq_any(cadres.clone())),
            );
        }
        (Some(units), None) => query = query.filter(special_assessments::org_unit_id.eq_any(units.clone())),
        (None, Some(cadres)) => query = query.filter(special_assessments::cadre_id.eq_any(cadres.clone())),
        (None, None) => {}
    }
    if let Some(year) = filter.year {
        query = query.filter(special_assessments::year.eq(year));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(special_assessments::kind.eq(kind.clone()));
    }
    if let Some((day, id)) = after {
        query = query.filter(
            special_assessments::assessed_on
                .lt(day)
                .or(special_assessments::assessed_on.eq(day).and(special_assessments::id.lt(id))),
        );
    }
    Ok(query
        .order((special_assessments::assessed_on.desc(), special_assessments::id.desc()))
        .limit(limit)
        .select(SpecialRow::as_select())
        .load(conn)?)
}

/// The special assessments of a person, newest first.
pub fn of_cadre(conn: &mut DbConn, cadre_id: &str) -> Result<Vec<SpecialRow>, ApiError> {
    Ok(special_assessments::table
        .filter(special_assessments::cadre_id.eq(cadre_id))
        .order((special_assessments::assessed_on.desc(), special_assessments::id.desc()))
        .select(SpecialRow::as_select())
        .load(conn)?)
}

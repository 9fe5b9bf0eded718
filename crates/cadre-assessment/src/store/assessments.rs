//! People's annual assessments and the objections raised against candidates during publicity.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{annual_assessments, objections};

/// One person's annual assessment as stored. Outcome columns hold the domain's `Outcome::code()` (or empty
/// for none); the state is the proto enum's name without its prefix.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = annual_assessments, treat_none_as_null = true)]
pub struct AssessmentRow {
    /// Id.
    pub id: String,
    /// The cycle.
    pub cycle_id: String,
    /// The year.
    pub year: i32,
    /// The person.
    pub cadre_id: String,
    /// Their name when enrolled.
    pub cadre_name: String,
    /// The cycle's unit.
    pub org_unit_id: String,
    /// Where it stands.
    pub state: String,
    /// Whether the person takes part.
    pub takes_part: bool,
    /// The outcome the special cases force, or empty.
    pub forced_outcome: String,
    /// The best grade allowed, or empty for no limit.
    pub ceiling: String,
    /// JSON array of reasons.
    pub reasons: String,
    /// The last day of 试用期, when on probation in the year.
    pub probation_last_day: Option<NaiveDate>,
    /// Days of 病假 and 事假 in the year.
    pub absence_days: i32,
    /// Refused to take part without good reason.
    pub refused_without_reason: bool,
    /// Why the facts were last corrected.
    pub participation_note: String,
    /// 个人总结.
    pub self_summary: String,
    /// 评语.
    pub leader_comment: String,
    /// Improvement requirements.
    pub improvement: String,
    /// The proposed grade, or empty.
    pub proposed: String,
    /// Who proposed it.
    pub proposed_by: String,
    /// The determined outcome, or empty.
    pub outcome: String,
    /// When the written result was given.
    pub notified_on: Option<NaiveDate>,
    /// When signed (or the refusal recorded).
    pub acknowledged_on: Option<NaiveDate>,
    /// Whether the person refused to sign.
    pub refused_to_sign: bool,
    /// Last day to ask for a 复核.
    pub review_deadline: Option<NaiveDate>,
    /// The last day any recourse can still be asked.
    pub recourse_until: Option<NaiveDate>,
    /// The day the current result counts from.
    pub published_on: Option<NaiveDate>,
    /// How often the result was published (0: never).
    pub revision: i32,
    /// JSON array of consequences of the current result.
    pub consequences: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Enrolled.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// One objection as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = objections, treat_none_as_null = true)]
pub struct ObjectionRow {
    /// Id.
    pub id: String,
    /// The candidate's assessment.
    pub assessment_id: String,
    /// Its cycle.
    pub cycle_id: String,
    /// Its position in the cycle's objections.
    pub idx: i32,
    /// What is objected to.
    pub text: String,
    /// Who raised it.
    pub raised_by: String,
    /// When.
    pub raised_at: NaiveDateTime,
    /// Whether resolved.
    pub resolved: bool,
    /// Whether upheld.
    pub upheld: bool,
    /// The finding.
    pub resolution: String,
    /// Who resolved it.
    pub resolved_by: String,
    /// When.
    pub resolved_at: Option<NaiveDateTime>,
}

/// Stores new assessments.
pub fn insert(conn: &mut DbConn, rows: &[AssessmentRow]) -> Result<(), ApiError> {
    for row in rows {
        diesel::insert_into(annual_assessments::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// An assessment by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<AssessmentRow>, ApiError> {
    Ok(annual_assessments::table.find(id).select(AssessmentRow::as_select()).first(conn).optional()?)
}

/// Writes a changed assessment if it is still at the version it was read at, and bumps the version.
pub fn update(conn: &mut DbConn, row: &mut AssessmentRow, now: NaiveDateTime) -> Result<(), ApiError> {
    let read = row.version;
    row.version += 1;
    row.updated_at = now;
    let changed =
        diesel::update(annual_assessments::table.find(&row.id).filter(annual_assessments::version.eq(read)))
            .set(&*row)
            .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::aborted(
            "VERSION_MISMATCH",
            "the assessment changed since it was read; read it again and retry",
        ));
    }
    Ok(())
}

/// Every assessment of a cycle, by name then id.
pub fn of_cycle(conn: &mut DbConn, cycle_id: &str) -> Result<Vec<AssessmentRow>, ApiError> {
    Ok(annual_assessments::table
        .filter(annual_assessments::cycle_id.eq(cycle_id))
        .order((annual_assessments::cadre_name.asc(), annual_assessments::id.asc()))
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

/// A person's assessments, newest year first.
pub fn of_cadre(conn: &mut DbConn, cadre_id: &str) -> Result<Vec<AssessmentRow>, ApiError> {
    Ok(annual_assessments::table
        .filter(annual_assessments::cadre_id.eq(cadre_id))
        .order(annual_assessments::year.desc())
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

/// A person's assessment of a year, whichever pool enrolled them.
pub fn of_cadre_year(
    conn: &mut DbConn,
    cadre_id: &str,
    year: i32,
) -> Result<Option<AssessmentRow>, ApiError> {
    Ok(annual_assessments::table
        .filter(annual_assessments::cadre_id.eq(cadre_id))
        .filter(annual_assessments::year.eq(year))
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Which of `cadre_ids` already have an assessment in `year`.
pub fn enrolled_in_year(conn: &mut DbConn, cadre_ids: &[String], year: i32) -> Result<Vec<String>, ApiError> {
    let mut found = Vec::new();
    for chunk in cadre_ids.chunks(super::CHUNK) {
        let ids: Vec<String> = annual_assessments::table
            .filter(annual_assessments::year.eq(year))
            .filter(annual_assessments::cadre_id.eq_any(chunk))
            .select(annual_assessments::cadre_id)
            .load(conn)?;
        found.extend(ids);
    }
    Ok(found)
}

/// The assessments of the year of `cadre_ids`, any cycle.
pub fn of_year_for(
    conn: &mut DbConn,
    year: i32,
    cadre_ids: &[String],
) -> Result<Vec<AssessmentRow>, ApiError> {
    let mut rows = Vec::new();
    for chunk in cadre_ids.chunks(super::CHUNK) {
        let found: Vec<AssessmentRow> = annual_assessments::table
            .filter(annual_assessments::year.eq(year))
            .filter(annual_assessments::cadre_id.eq_any(chunk))
            .select(AssessmentRow::as_select())
            .load(conn)?;
        rows.extend(found);
    }
    Ok(rows)
}

/// A person's assessments without an outcome yet: those a new measure or routine result may still change.
pub fn undetermined_of(conn: &mut DbConn, cadre_id: &str) -> Result<Vec<AssessmentRow>, ApiError> {
    Ok(annual_assessments::table
        .filter(annual_assessments::cadre_id.eq(cadre_id))
        .filter(annual_assessments::outcome.eq(""))
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

/// Published results (revision ≥ 1) by assessment id, after `after`, at most `limit`.
pub fn results(conn: &mut DbConn, after: Option<String>, limit: i64) -> Result<Vec<AssessmentRow>, ApiError> {
    let mut query = annual_assessments::table.filter(annual_assessments::revision.gt(0)).into_boxed();
    if let Some(after) = after {
        query = query.filter(annual_assessments::id.gt(after));
    }
    Ok(query
        .order(annual_assessments::id.asc())
        .limit(limit)
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

/// Stores a new objection.
pub fn insert_objection(conn: &mut DbConn, row: &ObjectionRow) -> Result<(), ApiError> {
    diesel::insert_into(objections::table).values(row).execute(conn)?;
    Ok(())
}

/// The objection of a cycle at a position.
pub fn objection_at(conn: &mut DbConn, cycle_id: &str, idx: i32) -> Result<Option<ObjectionRow>, ApiError> {
    Ok(objections::table
        .filter(objections::cycle_id.eq(cycle_id))
        .filter(objections::idx.eq(idx))
        .select(ObjectionRow::as_select())
        .first(conn)
        .optional()?)
}

/// An objection by id.
pub fn objection(conn: &mut DbConn, id: &str) -> Result<Option<ObjectionRow>, ApiError> {
    Ok(objections::table.find(id).select(ObjectionRow::as_select()).first(conn).optional()?)
}

/// Writes a changed objection.
pub fn update_objection(conn: &mut DbConn, row: &ObjectionRow) -> Result<(), ApiError> {
    diesel::update(objections::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// The objections against an assessment, oldest first.
pub fn objections_of(conn: &mut DbConn, assessment_id: &str) -> Result<Vec<ObjectionRow>, ApiError> {
    Ok(objections::table
        .filter(objections::assessment_id.eq(assessment_id))
        .order(objections::idx.asc())
        .select(ObjectionRow::as_select())
        .load(conn)?)
}

/// The objections raised in a cycle.
pub fn objections_of_cycle(conn: &mut DbConn, cycle_id: &str) -> Result<Vec<ObjectionRow>, ApiError> {
    Ok(objections::table
        .filter(objections::cycle_id.eq(cycle_id))
        .order(objections::idx.asc())
        .select(ObjectionRow::as_select())
        .load(conn)?)
}

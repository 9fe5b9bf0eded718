//! The facts the special cases and the routine linkage read, gathered from this service's own records:
//! the conduct measures recorded here, the routine results of the year, and the participation facts kept
//! on the person's assessment (probation, absence, refusal). Whenever one of them changes, the constraints
//! of the person's undetermined assessments are computed again ([`refresh_cadre`]).

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};

use super::pool::Pool;
use crate::{
    domain::{
        AssessmentPolicy, AssessmentYear, RoutineGrade,
        cycle::{Command, Constraints, CycleState, ParticipantState},
        linkage::RoutineResult,
        participation::{
            Facts, InvestigationClosure, Measure, MeasureKind, Supplement, after_investigation, supplement,
        },
        review::NoRestDays,
    },
    store::{self, assessments::AssessmentRow, measures::MeasureRow},
};

/// The stored kind of an open investigation, which defers a grade rather than limiting it.
pub const OPEN_INVESTIGATION: &str = "OPEN_INVESTIGATION";

fn year_of(row: &AssessmentRow) -> Result<AssessmentYear, ApiError> {
    AssessmentYear::new(row.year)
        .ok_or_else(|| ApiError::internal(format!("assessment {} has year {}", row.id, row.year)))
}

/// Whether a stored measure is an investigation that has not closed.
fn open(measure: &MeasureRow) -> bool {
    measure.kind == OPEN_INVESTIGATION && measure.last_day.is_none()
}

/// A stored measure as the rules see it; `None` for investigations (a fact, not a measure) and kinds this
/// build does not know.
fn as_measure(measure: &MeasureRow) -> Option<Measure> {
    let kind = MeasureKind::from_code(&measure.kind)?;
    Some(Measure::new(kind, measure.effective_date, measure.last_day?))
}

/// The facts of a person's year.
pub fn facts(conn: &mut DbConn, row: &AssessmentRow) -> Result<Facts, ApiError> {
    let measures = store::measures::of_cadre(conn, &row.cadre_id)?;
    Ok(Facts {
        probation_until: row.probation_last_day,
        open_investigation: measures.iter().any(open),
        measures: measures.iter().filter_map(as_measure).collect(),
        absence_days: u32::try_from(row.absence_days).unwrap_or(0),
        refused_without_reason: row.refused_without_reason,
    })
}

/// Whether an investigation of the person is still open.
pub fn investigation_open(conn: &mut DbConn, cadre_id: &str) -> Result<bool, ApiError> {
    Ok(store::measures::of_cadre(conn, cadre_id)?.iter().any(open))
}

/// The person's routine results of the year, as the linkage rules read them.
pub fn routine_results(conn: &mut DbConn, cadre_id: &str, year: i32) -> Result<Vec<RoutineResult>, ApiError> {
    Ok(store::routine::of_cadre_year(conn, cadre_id, year)?
        .into_iter()
        .filter_map(|r| {
            Some(RoutineResult {
                period: u32::try_from(r.quarter).ok()?,
                grade: RoutineGrade::from_code(&r.grade)?,
                score: r.score.and_then(|s| u32::try_from(s).ok()),
            })
        })
        .collect())
}

/// What the rules allow the person this year, from the facts as they are now.
pub fn constraints(
    conn: &mut DbConn,
    row: &AssessmentRow,
    policy: &AssessmentPolicy,
) -> Result<Constraints, ApiError> {
    let facts = facts(conn, row)?;
    let routine = routine_results(conn, &row.cadre_id, row.year)?;
    Ok(Constraints::compute(year_of(row)?, &facts, &routine, None, &policy.participation, &policy.linkage))
}

/// How the person's investigation ended: the latest closed one, with the heaviest measure that took
/// effect between its opening and its closing day as its outcome (the contract does not link a sanction
/// to its investigation, so the dates do). `None` while one is still open; a deferral without any
/// recorded investigation reads as closed today without a sanction.
pub fn closure(
    conn: &mut DbConn,
    cadre_id: &str,
    policy: &AssessmentPolicy,
    today: NaiveDate,
) -> Result<Option<InvestigationClosure>, ApiError> {
    let measures = store::measures::of_cadre(conn, cadre_id)?;
    if measures.iter().any(open) {
        return Ok(None);
    }
    let latest = measures
        .iter()
        .filter(|m| m.kind == OPEN_INVESTIGATION)
        .filter_map(|m| Some((m.effective_date, m.last_day?)))
        .max_by_key(|(_, closed)| *closed);
    let Some((opened, closed_on)) = latest else {
        return Ok(Some(InvestigationClosure { closed_on: today, sanction: None }));
    };
    let weight = |m: &Measure| match supplement(
        &InvestigationClosure { closed_on, sanction: Some(m.clone()) },
        &policy.participation,
    ) {
        Supplement::Barred => 2,
        Supplement::Allowed { ceiling: Some(_) } => 1,
        Supplement::Allowed { ceiling: None } => 0,
    };
    let sanction = measures
        .iter()
        .filter(|m| m.effective_date >= opened && m.effective_date <= closed_on)
        .filter_map(as_measure)
        .max_by_key(weight);
    Ok(Some(InvestigationClosure { closed_on, sanction }))
}

/// What the rules allow a deferred person once the investigation closed (补定), or `None` while it is open.
pub fn supplemented(
    conn: &mut DbConn,
    row: &AssessmentRow,
    policy: &AssessmentPolicy,
    today: NaiveDate,
) -> Result<Option<Constraints>, ApiError> {
    let Some(closure) = closure(conn, &row.cadre_id, policy, today)? else { return Ok(None) };
    let facts = facts(conn, row)?;
    let routine = routine_results(conn, &row.cadre_id, row.year)?;
    Ok(Some(Constraints {
        participation: after_investigation(year_of(row)?, &facts, &closure, &policy.participation),
        linkage: policy.linkage.evaluate(&routine, None),
    }))
}

/// Computes again the constraints of a person in `pool` and records them if they changed (only while the
/// cycle is open or in publicity and the person's outcome is not yet determined).
pub fn refresh(
    conn: &mut DbConn,
    pool: &mut Pool,
    cadre_id: &str,
    policy: &AssessmentPolicy,
) -> Result<bool, ApiError> {
    if !matches!(pool.cycle.state, CycleState::Open | CycleState::Publicity) {
        return Ok(false);
    }
    let participant = pool.participant(cadre_id)?;
    let before_determination =
        participant.state.is_before_determination() || participant.state == ParticipantState::Excluded;
    if !before_determination {
        return Ok(false);
    }
    let current = participant.constraints.clone();
    let fresh = constraints(conn, pool.row_of(cadre_id)?, policy)?;
    if fresh == current {
        return Ok(false);
    }
    let command = Command::UpdateConstraints { cadre_id: cadre_id.to_owned(), constraints: fresh };
    pool.apply(command, policy, &NoRestDays)?;
    Ok(true)
}

/// Computes again the constraints of every undetermined assessment of a person, after a fact about them
/// changed (a measure, a routine result).
pub fn refresh_cadre(
    conn: &mut DbConn,
    cadre_id: &str,
    policy: &AssessmentPolicy,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    for row in store::assessments::undetermined_of(conn, cadre_id)? {
        let mut pool = Pool::require(conn, &row.cycle_id)?;
        if refresh(conn, &mut pool, cadre_id, policy)? {
            pool.save(conn, policy, now)?;
        }
    }
    Ok(())
}

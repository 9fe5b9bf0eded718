//! One pool's cycle as the rules see it (`domain::cycle::Cycle`, kept as JSON in its row) together with
//! the rows the service keeps beside it: commands go to the aggregate, and [`Pool::save`] writes the
//! aggregate back and brings the cycle's columns and each person's assessment row in step with it, under
//! the cycle's version, in the caller's transaction.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};

use crate::{
    domain::{
        AnnualGrade, AssessmentPolicy, Outcome,
        cycle::{Command, Constraints, Context, Cycle, CycleState, Effect, Participant, ParticipantState},
        quota::excellent_limit,
        review::RestDays,
    },
    store::{
        assessments::{self as assessment_store, AssessmentRow},
        cycles::{self as cycle_store, CycleRow},
    },
    view::{StoredReason, json},
};

use super::refused;

/// A cycle with its aggregate and its people's rows.
#[derive(Debug, Clone)]
pub struct Pool {
    /// The cycle's row.
    pub row: CycleRow,
    /// The cycle as the rules see it.
    pub cycle: Cycle,
    /// Each participant's row, in no particular order.
    pub assessments: Vec<AssessmentRow>,
    /// The rows as loaded, to write back only what changed.
    loaded: Vec<AssessmentRow>,
    /// Whether the cycle is new (inserted on save rather than updated).
    new: bool,
}

fn unreadable(id: &str, error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("the stored cycle {id} is not readable: {error}"))
}

impl Pool {
    /// A new cycle with its people's new rows (not stored until [`Pool::save`]).
    pub fn new(row: CycleRow, cycle: Cycle, assessments: Vec<AssessmentRow>) -> Self {
        Self { row, cycle, assessments, loaded: Vec::new(), new: true }
    }

    /// The cycle `id`, if there is one.
    pub fn load(conn: &mut DbConn, id: &str) -> Result<Option<Self>, ApiError> {
        let Some(row) = cycle_store::get(conn, id)? else { return Ok(None) };
        let cycle: Cycle = serde_json::from_str(&row.aggregate).map_err(|e| unreadable(id, e))?;
        let assessments = assessment_store::of_cycle(conn, id)?;
        Ok(Some(Self { loaded: assessments.clone(), row, cycle, assessments, new: false }))
    }

    /// The cycle of `id`, which the caller found a moment ago.
    pub fn require(conn: &mut DbConn, id: &str) -> Result<Self, ApiError> {
        Self::load(conn, id)?.ok_or_else(|| ApiError::internal(format!("the cycle {id} vanished")))
    }

    /// Applies a command, or refuses it (FAILED_PRECONDITION with the rule's reason) and changes nothing.
    pub fn apply(
        &mut self,
        command: Command,
        policy: &AssessmentPolicy,
        calendar: &dyn RestDays,
    ) -> Result<Vec<Effect>, ApiError> {
        self.cycle.apply(command, &Context { policy, calendar }).map_err(refused)
    }

    /// The row of a participant.
    pub fn row_of(&self, cadre_id: &str) -> Result<&AssessmentRow, ApiError> {
        self.assessments
            .iter()
            .find(|r| r.cadre_id == cadre_id)
            .ok_or_else(|| ApiError::internal(format!("no assessment row of {cadre_id} in {}", self.row.id)))
    }

    /// The row of a participant, to change the fields the rules do not hold (texts, who did what).
    pub fn row_mut(&mut self, cadre_id: &str) -> Result<&mut AssessmentRow, ApiError> {
        let cycle_id = self.row.id.clone();
        self.assessments
            .iter_mut()
            .find(|r| r.cadre_id == cadre_id)
            .ok_or_else(|| ApiError::internal(format!("no assessment row of {cadre_id} in {cycle_id}")))
    }

    /// A participant as the rules see them.
    pub fn participant(&self, cadre_id: &str) -> Result<&Participant, ApiError> {
        self.cycle
            .participant(cadre_id)
            .ok_or_else(|| ApiError::internal(format!("{cadre_id} has a row but is not in the cycle")))
    }

    /// Brings the cycle's columns and each participant's row in step with the aggregate (without storing
    /// anything): before a result is published from its row.
    pub fn sync(&mut self, policy: &AssessmentPolicy) {
        let determined = matches!(self.cycle.state, CycleState::Determined | CycleState::Closed);
        for p in &self.cycle.participants {
            if let Some(row) = self.assessments.iter_mut().find(|r| r.cadre_id == p.cadre_id) {
                sync(row, p, determined);
            }
        }
        let row = &mut self.row;
        let cycle = &self.cycle;
        let base = cycle.quota_base(policy);
        row.state = cycle.state.code().to_owned();
        row.enrolled = count(cycle.participants.len());
        row.taking_part = count(base as usize);
        row.excellent = count(if determined {
            cycle.determined_excellent()
        } else {
            cycle.proposed_excellent()
        } as usize);
        row.excellent_limit = count(excellent_limit(base, cycle.approval.is_some(), &policy.quota) as usize);
        row.raised_quota_approval = cycle.approval.as_ref().map(|a| a.reference.clone()).unwrap_or_default();
        row.publicity_started_on = cycle.publicity.as_ref().map(|p| p.starts_on);
        row.publicity_last_day = cycle.publicity.as_ref().map(|p| p.ends_on);
        row.determined_on = cycle.determination.as_ref().map(|d| d.on);
        row.closed_on = cycle.closed_on;
    }

    /// Writes the aggregate, the cycle's columns and every changed assessment row, each under its version.
    pub fn save(
        &mut self,
        conn: &mut DbConn,
        policy: &AssessmentPolicy,
        now: NaiveDateTime,
    ) -> Result<(), ApiError> {
        self.sync(policy);
        let row = &mut self.row;
        row.aggregate = serde_json::to_string(&self.cycle).map_err(|e| unreadable(&row.id, e))?;
        if self.new {
            row.created_at = now;
            row.updated_at = now;
            cycle_store::insert(conn, row)?;
            assessment_store::insert(conn, &self.assessments)?;
            self.new = false;
        } else {
            cycle_store::update(conn, row, now)?;
            for assessment in &mut self.assessments {
                let before = self.loaded.iter().find(|r| r.id == assessment.id);
                if before != Some(assessment) {
                    assessment_store::update(conn, assessment, now)?;
                }
            }
        }
        self.loaded = self.assessments.clone();
        Ok(())
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The best grade a participant may get: the special cases' ceiling and the routine linkage's, the
/// stricter of the two; `None` when forced or unlimited.
pub fn ceiling(constraints: &Constraints) -> Option<AnnualGrade> {
    if constraints.participation.forced.is_some() {
        return None;
    }
    AnnualGrade::stricter_ceiling(constraints.participation.ceiling, constraints.linkage.best_allowed)
}

/// Why a participant's outcome is limited: every special case and every linkage rule that applies.
pub fn reasons(constraints: &Constraints) -> Vec<StoredReason> {
    let special = constraints.participation.reasons.iter().map(|r| StoredReason {
        code: r.code.code().to_owned(),
        text: r.text.clone(),
        source: r.source.clone(),
    });
    let linkage = constraints.linkage.findings.iter().map(|f| StoredReason {
        code: format!("ROUTINE_LINKAGE_{}", f.rule.code()),
        text: f.text.clone(),
        source: f.source.clone(),
    });
    special.chain(linkage).collect()
}

/// The outcome a participant's row shows: the result in force, or what the determination made of those
/// it did not grade.
fn shown_outcome(p: &Participant, determined: bool) -> Option<Outcome> {
    match p.state {
        ParticipantState::AwaitingSupplement => Some(Outcome::Deferred),
        ParticipantState::Excluded if determined => Some(Outcome::NotParticipating),
        _ => p.outcome,
    }
}

/// Brings a participant's row in step with the aggregate.
fn sync(row: &mut AssessmentRow, p: &Participant, determined: bool) {
    let constraints = &p.constraints;
    row.state = p.state.code().to_owned();
    row.takes_part = constraints.participation.takes_part;
    row.forced_outcome = constraints.participation.forced.map(|o| o.code().to_owned()).unwrap_or_default();
    row.ceiling = ceiling(constraints).map(|g| Outcome::Graded(g).code().to_owned()).unwrap_or_default();
    row.reasons = json(&reasons(constraints));
    match &p.proposal {
        Some(proposal) => {
            row.proposed = proposal.outcome.code().to_owned();
            row.leader_comment.clone_from(&proposal.comment);
            row.improvement.clone_from(&proposal.improvement);
        }
        None => {
            row.proposed.clear();
            row.proposed_by.clear();
        }
    }
    row.outcome = shown_outcome(p, determined).map(|o| o.code().to_owned()).unwrap_or_default();
    row.notified_on = p.notified_on;
    row.acknowledged_on = p.signature.map(|s| s.on);
    row.refused_to_sign = p.signature.is_some_and(|s| !s.signed);
    row.review_deadline = p.review_until;
    row.recourse_until = recourse_open_until(p);
}

/// The last day any recourse against a participant's result is open; `None` when none is.
pub fn recourse_open_until(p: &Participant) -> Option<NaiveDate> {
    [p.review_until, p.direct_appeal_until, p.appeal_until].into_iter().flatten().max()
}

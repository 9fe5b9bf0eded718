//! Stored rows as the contract's messages.

use cadre_platform::clock;
use cadre_proto::{assessment as pb, types};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    convert::{
        category_to, cycle_state_to, date_to, measure_kind_to, outcome_to, review_kind_to, special_kind_to,
    },
    domain::{
        cycle::ParticipantState,
        grade::{RoutineGrade, TeamGrade},
        special::{FollowUpTask, TaskState},
    },
    store::{
        assessments::{AssessmentRow, ObjectionRow},
        cycles::CycleRow,
        measures::MeasureRow,
        reviews::ReviewRow,
        routine::RoutineRow,
        special::{SpecialRow, TaskRow},
    },
};

/// A reason as stored in `annual_assessments.reasons`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredReason {
    /// Machine-readable code.
    pub code: String,
    /// Short English explanation.
    pub text: String,
    /// The regulation it rests on.
    pub source: String,
}

/// A consequence as stored in `annual_assessments.consequences`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConsequence {
    /// Code, e.g. `COMMENDATION_PROPOSED`.
    pub code: String,
    /// `care`, `rank`, `oversight` or `hr`.
    pub applied_by: String,
    /// Short English explanation.
    pub text: String,
    /// The regulation it rests on.
    pub source: String,
}

/// The stored reasons of an assessment.
pub fn reasons(row: &AssessmentRow) -> Vec<StoredReason> {
    serde_json::from_str(&row.reasons).unwrap_or_default()
}

/// The stored consequences of an assessment's current result.
pub fn consequences(row: &AssessmentRow) -> Vec<StoredConsequence> {
    serde_json::from_str(&row.consequences).unwrap_or_default()
}

/// A list of strings stored as JSON.
pub fn strings(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// JSON of any serialisable value, `[]` on the impossible failure.
pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

/// A cycle.
pub fn cycle(row: &CycleRow) -> pb::AnnualCycle {
    pb::AnnualCycle {
        id: row.id.clone(),
        year: row.year,
        org_unit_id: row.org_unit_id.clone(),
        org_unit_name: row.org_unit_name.clone(),
        category: category_to(&row.category),
        state: cycle_state_to(&row.state),
        enrolled: row.enrolled,
        taking_part: row.taking_part,
        excellent: row.excellent,
        excellent_limit: row.excellent_limit,
        raised_quota_approval: row.raised_quota_approval.clone(),
        publicity_last_day: row.publicity_last_day.map(date_to),
        determined_by: row.determined_by.clone(),
        determined_on: row.determined_on.map(date_to),
        version: row.version,
        create_time: Some(clock::to_timestamp(row.created_at)),
    }
}

/// Where an assessment stands as the contract names it, on `today`: the rules' participant state, with a
/// delivered result FINAL once no recourse is possible any more (every deadline passed, or, for a result
/// outside the recourse scope, once signed).
pub fn assessment_state(row: &AssessmentRow, today: NaiveDate) -> pb::AssessmentState {
    use pb::AssessmentState as S;
    let last_recourse = row.recourse_until;
    let signed = row.acknowledged_on.is_some();
    let settled = match last_recourse {
        Some(last) => today > last,
        None => signed,
    };
    let delivered = |state| if settled { S::Final } else { state };
    match ParticipantState::from_code(&row.state) {
        Some(ParticipantState::Enrolled) => S::Enrolled,
        Some(ParticipantState::SummarySubmitted) => S::SummarySubmitted,
        Some(ParticipantState::Proposed) => S::Proposed,
        Some(ParticipantState::Determined | ParticipantState::Notified) => delivered(S::Notified),
        Some(ParticipantState::Acknowledged | ParticipantState::RefusedToSign) => delivered(S::Acknowledged),
        Some(ParticipantState::ReviewDecided) => {
            delivered(if signed { S::Acknowledged } else { S::Notified })
        }
        Some(ParticipantState::ReviewRequested | ParticipantState::AppealRequested) => S::UnderReview,
        Some(ParticipantState::AppealDecided) => S::Final,
        Some(ParticipantState::Excluded) => S::NotParticipating,
        Some(ParticipantState::AwaitingSupplement) => S::Deferred,
        None => S::Unspecified,
    }
}

/// One person's assessment, its state as of `today`.
pub fn assessment(row: &AssessmentRow, today: NaiveDate) -> pb::AnnualAssessment {
    pb::AnnualAssessment {
        id: row.id.clone(),
        cycle_id: row.cycle_id.clone(),
        year: row.year,
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        state: assessment_state(row, today) as i32,
        takes_part: row.takes_part,
        forced_outcome: outcome_to(&row.forced_outcome),
        ceiling: outcome_to(&row.ceiling),
        reasons: reasons(row)
            .into_iter()
            .map(|r| pb::ParticipationReason { code: r.code, text: r.text, source: r.source })
            .collect(),
        self_summary: row.self_summary.clone(),
        leader_comment: row.leader_comment.clone(),
        improvement: row.improvement.clone(),
        proposed: outcome_to(&row.proposed),
        proposed_by: row.proposed_by.clone(),
        outcome: outcome_to(&row.outcome),
        notified_on: row.notified_on.map(date_to),
        acknowledged_on: row.acknowledged_on.map(date_to),
        refused_to_sign: row.refused_to_sign,
        review_deadline: row.review_deadline.map(date_to),
        version: row.version,
    }
}

/// The consequences of an assessment's current result.
pub fn consequence_messages(row: &AssessmentRow) -> Vec<pb::Consequence> {
    consequences(row)
        .into_iter()
        .map(|c| pb::Consequence { code: c.code, applied_by: c.applied_by, text: c.text, source: c.source })
        .collect()
}

/// The current result of a published assessment.
pub fn result(row: &AssessmentRow) -> pb::AnnualResult {
    pb::AnnualResult {
        assessment_id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        year: row.year,
        outcome: outcome_to(&row.outcome),
        published_on: row.published_on.map(date_to),
        revision: row.revision,
    }
}

/// An objection.
pub fn objection(row: &ObjectionRow) -> pb::Objection {
    pb::Objection {
        id: row.id.clone(),
        assessment_id: row.assessment_id.clone(),
        text: row.text.clone(),
        raised_by: row.raised_by.clone(),
        raise_time: Some(clock::to_timestamp(row.raised_at)),
        resolved: row.resolved,
        upheld: row.upheld,
        resolution: row.resolution.clone(),
    }
}

/// A 复核 or 申诉.
pub fn review(row: &ReviewRow) -> pb::ResultReview {
    pb::ResultReview {
        id: row.id.clone(),
        assessment_id: row.assessment_id.clone(),
        kind: review_kind_to(&row.kind),
        grounds: row.grounds.clone(),
        asked_on: Some(date_to(row.asked_on)),
        decided: row.decided,
        outcome: outcome_to(&row.outcome),
        decision: row.decision.clone(),
        decided_on: row.decided_on.map(date_to),
    }
}

/// A routine assessment.
pub fn routine(row: &RoutineRow) -> pb::RoutineAssessment {
    pb::RoutineAssessment {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        year: row.year,
        quarter: row.quarter,
        grade: RoutineGrade::from_code(&row.grade).map_or(0, RoutineGrade::number),
        score: row.score,
        evidence: strings(&row.evidence),
        comment: row.comment.clone(),
        graded_by: row.graded_by.clone(),
        record_time: Some(clock::to_timestamp(row.recorded_at)),
    }
}

/// A follow-up task as the rules see it; its owner is the assessment's subject.
pub fn domain_task(row: &SpecialRow, task: &TaskRow) -> FollowUpTask {
    let owner = if row.cadre_id.is_empty() { &row.org_unit_id } else { &row.cadre_id };
    FollowUpTask {
        description: task.title.clone(),
        owner: owner.clone(),
        due: task.due_date,
        done_on: task.done_on,
    }
}

/// A follow-up task's state as of `today`.
pub fn task_state(row: &SpecialRow, task: &TaskRow, today: NaiveDate) -> pb::TaskState {
    match domain_task(row, task).state_on(today) {
        TaskState::Open => pb::TaskState::Open,
        TaskState::Done => pb::TaskState::Done,
        TaskState::Overdue => pb::TaskState::Overdue,
    }
}

/// A special assessment with its tasks, their states as of `today`.
pub fn special(row: &SpecialRow, tasks: &[TaskRow], today: NaiveDate) -> pb::SpecialAssessment {
    pb::SpecialAssessment {
        id: row.id.clone(),
        kind: special_kind_to(&row.kind),
        year: row.year,
        org_unit_id: row.org_unit_id.clone(),
        cadre_id: row.cadre_id.clone(),
        grade: TeamGrade::from_code(&row.grade).map_or(0, TeamGrade::number),
        findings: strings(&row.findings),
        tasks: tasks
            .iter()
            .map(|t| pb::FollowUpTask {
                id: t.id.clone(),
                title: t.title.clone(),
                due_date: Some(date_to(t.due_date)),
                state: task_state(row, t, today) as i32,
                done_on: t.done_on.map(date_to),
                outcome: t.outcome.clone(),
            })
            .collect(),
        assessed_on: Some(date_to(row.assessed_on)),
        recorded_by: row.recorded_by.clone(),
    }
}

/// A conduct measure.
pub fn measure(row: &MeasureRow) -> types::ConductMeasure {
    types::ConductMeasure {
        source_id: row.source_id.clone(),
        cadre_id: row.cadre_id.clone(),
        kind: measure_kind_to(&row.kind),
        effective_date: Some(date_to(row.effective_date)),
        last_day: row.last_day.map(date_to),
        basis: row.basis.clone(),
        still_affects_use: row.still_affects_use,
    }
}

//! Stored rows as the contract shows them. Codes map to proto numbers through the domain's code enums
//! (0, unspecified, for a code the service does not know).

use cadre_platform::{
    ApiError,
    clock::to_timestamp,
    dates::{date_from, date_to},
};
use cadre_proto::care as pb;
use chrono::NaiveDate;

use crate::{
    domain::{
        assignment,
        codes::{
            ApplicationState, ApprovalStep, AssignmentGrade, AssignmentKind, BacklogKind, DecidingBody,
            FundReason, IssuingLevel, ProposalState, RegistrationState, Relation, RewardCategory, RewardKind,
            TalkKind, TalkTriggerKind, ToleranceDecision, TransferCaseState, TransferSource, VisitKind,
            VisitTriggerKind,
        },
    },
    store::{
        self,
        assignments::AssignmentRow,
        fund::{ApplicationRow, LedgerRow, StoredDecision},
        health::{CheckRow, PlanRow},
        legacy::{BacklogRow, RegistrationRow, TransferRow},
        rewards::{ProposalRow, RewardRow},
        talks::{TalkRow, TriggerRow as TalkTriggerRow},
        tolerance::ReviewRow,
        visits::{TriggerRow as VisitTriggerRow, VisitRow},
    },
};

macro_rules! number {
    ($enum:ident, $code:expr) => {
        $enum::from_code($code).map_or(0, $enum::number)
    };
}

/// A reward.
pub fn reward(row: &RewardRow) -> pb::Reward {
    pb::Reward {
        id: row.id.clone(),
        kind: number!(RewardKind, &row.kind),
        category: number!(RewardCategory, &row.category),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        collective: row.collective,
        level: number!(IssuingLevel, &row.level),
        issuer: row.issuer.clone(),
        document_number: row.document_number.clone(),
        basis: row.basis.clone(),
        award_date: Some(date_to(row.award_date)),
        feeds_promotion_priority: row.feeds_promotion_priority,
        proposal_id: row.proposal_id.clone(),
        recorded_by: row.recorded_by.clone(),
        record_time: Some(to_timestamp(row.recorded_at)),
    }
}

/// A reward proposal.
pub fn proposal(row: &ProposalRow) -> pb::RewardProposal {
    pb::RewardProposal {
        id: row.id.clone(),
        kind: number!(RewardKind, &row.kind),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        assessment_id: row.assessment_id.clone(),
        revision: row.revision,
        year: row.year,
        basis: row.basis.clone(),
        state: number!(ProposalState, &row.state),
        reward_id: row.reward_id.clone(),
        decision_note: row.decision_note.clone(),
        decided_by: row.decided_by.clone(),
        create_time: Some(to_timestamp(row.created_at)),
    }
}

/// A contribution, from its ledger entry.
pub fn contribution(row: &LedgerRow) -> pb::FundContribution {
    pb::FundContribution {
        id: row.id.clone(),
        source: row.source.clone(),
        amount_fen: row.amount_fen,
        received_on: Some(date_to(row.entry_date)),
        document: row.document.clone(),
        balance_after_fen: row.balance_after_fen,
    }
}

/// An application's approval chain; a chain stored unreadably is an internal error.
pub fn steps(row: &ApplicationRow) -> Result<Vec<ApprovalStep>, ApiError> {
    store::strings_strict(&row.steps, "approval chain")?
        .iter()
        .map(|s| {
            ApprovalStep::from_code(s).ok_or_else(|| {
                ApiError::internal(format!("application {} has an unknown approval step {s:?}", row.id))
            })
        })
        .collect()
}

/// An application's decisions; decisions stored unreadably are an internal error, never "none yet".
pub fn decisions(row: &ApplicationRow) -> Result<Vec<StoredDecision>, ApiError> {
    serde_json::from_str(&row.decisions).map_err(|e| {
        ApiError::internal(format!("the decisions of application {} are unreadable: {e}", row.id))
    })
}

/// A fund application.
pub fn application(row: &ApplicationRow) -> Result<pb::FundApplication, ApiError> {
    let chain = steps(row)?;
    let state = ApplicationState::from_code(&row.state);
    let current = match (state, usize::try_from(row.approved_steps).ok()) {
        (Some(ApplicationState::Pending), Some(done)) => chain.get(done).map_or(0, |s| s.number()),
        _ => 0,
    };
    Ok(pb::FundApplication {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        reason: number!(FundReason, &row.reason),
        description: row.description.clone(),
        amount_requested_fen: row.amount_requested_fen,
        evidence_refs: store::strings(&row.evidence_refs),
        state: state.map_or(0, ApplicationState::number),
        steps: chain.iter().map(|s| s.number()).collect(),
        decisions: decisions(row)?
            .iter()
            .map(|d| pb::ApprovalDecision {
                step: number!(ApprovalStep, &d.step),
                approved: d.approved,
                decided_by: d.decided_by.clone(),
                comment: d.comment.clone(),
                decide_time: Some(to_timestamp(d.decided_at)),
            })
            .collect(),
        current_step: current,
        disbursed_on: row.disbursed_on.map(date_to),
        applied_by: row.applied_by.clone(),
        create_time: Some(to_timestamp(row.created_at)),
    })
}

/// A health-check plan.
pub fn plan(row: &PlanRow, unit_name: &str) -> pb::HealthCheckPlan {
    pb::HealthCheckPlan {
        org_unit_id: row.org_unit_id.clone(),
        org_unit_name: unit_name.to_owned(),
        year: row.year,
        window_start: Some(date_to(row.window_start)),
        window_end: Some(date_to(row.window_end)),
        provider: row.provider.clone(),
        notes: row.notes.clone(),
    }
}

/// A health-check record; the follow-up flag only when `show_flag`.
pub fn check(row: &CheckRow, show_flag: bool) -> pb::HealthCheckRecord {
    pb::HealthCheckRecord {
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        year: row.year,
        checked_on: Some(date_to(row.checked_on)),
        follow_up_needed: show_flag.then_some(row.follow_up_needed),
    }
}

/// A visit trigger as of `today`.
pub fn visit_trigger(row: &VisitTriggerRow, today: NaiveDate) -> pb::VisitTrigger {
    pb::VisitTrigger {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        kind: number!(VisitTriggerKind, &row.kind),
        relation: number!(Relation, &row.relation),
        occurred_on: Some(date_to(row.occurred_on)),
        due_on: Some(date_to(row.due_on)),
        visit_id: row.visit_id.clone(),
        overdue: row.visit_id.is_empty() && today > row.due_on,
    }
}

/// A visit.
pub fn visit(row: &VisitRow) -> pb::Visit {
    pb::Visit {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        kind: number!(VisitKind, &row.kind),
        visitors: store::strings(&row.visitors),
        visited_on: Some(date_to(row.visited_on)),
        notes: row.notes.clone(),
        trigger_id: row.trigger_id.clone(),
        fund_application_id: row.fund_application_id.clone(),
    }
}

/// A talk trigger as of `today`.
pub fn talk_trigger(row: &TalkTriggerRow, today: NaiveDate) -> pb::TalkTrigger {
    pb::TalkTrigger {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        kind: number!(TalkTriggerKind, &row.kind),
        occurred_on: Some(date_to(row.occurred_on)),
        due_on: Some(date_to(row.due_on)),
        source_ref: row.source_ref.clone(),
        talk_id: row.talk_id.clone(),
        overdue: row.talk_id.is_empty() && today > row.due_on,
    }
}

/// A talk with its parties.
pub fn talk(row: &TalkRow, parties: &[String]) -> pb::Talk {
    pb::Talk {
        id: row.id.clone(),
        party_ids: parties.to_vec(),
        held_on: Some(date_to(row.held_on)),
        kind: number!(TalkKind, &row.kind),
        summary: row.summary.clone(),
        follow_ups: store::strings(&row.follow_ups),
        trigger_id: row.trigger_id.clone(),
        recorded_by: row.recorded_by.clone(),
        record_time: Some(to_timestamp(row.recorded_at)),
    }
}

/// A talk as a list shows it: who, when, what kind, never what was said. The content (`summary`,
/// `follow_ups`) is read one talk at a time through `GetTalk`, which records each read.
pub fn talk_listed(row: &TalkRow, parties: &[String]) -> pb::Talk {
    pb::Talk { summary: String::new(), follow_ups: Vec::new(), ..talk(row, parties) }
}

/// An assignment as of `today`.
pub fn assignment(row: &AssignmentRow, today: NaiveDate) -> pb::Assignment {
    let evaluated = row.evaluated_on.is_some();
    pb::Assignment {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        kind: number!(AssignmentKind, &row.kind),
        place: row.place.clone(),
        host_unit_id: row.host_unit_id.clone(),
        start_date: Some(date_to(row.start_date)),
        end_date: Some(date_to(row.end_date)),
        status: assignment::status(row.start_date, row.end_date, evaluated, today).number(),
        evaluation: row.evaluated_on.map(|on| pb::AssignmentEvaluation {
            grade: number!(AssignmentGrade, &row.grade),
            comment: row.evaluation_comment.clone(),
            evaluated_by: row.evaluated_by.clone(),
            evaluator_name: row.evaluator_name.clone(),
            evaluated_on: Some(date_to(on)),
        }),
    }
}

/// A 调任 case.
pub fn transfer(row: &TransferRow) -> pb::TransferCase {
    pb::TransferCase {
        id: row.id.clone(),
        person_name: row.person_name.clone(),
        cadre_id: row.cadre_id.clone(),
        source: number!(TransferSource, &row.source),
        source_org: row.source_org.clone(),
        target_unit_id: row.target_unit_id.clone(),
        target_post: row.target_post.clone(),
        leadership_post: row.leadership_post,
        target_grade: row.target_grade,
        vacancy: Some(pb::Vacancy {
            establishment: row.establishment,
            establishment_used: row.establishment_used,
            post_quota: row.post_quota,
            post_quota_used: row.post_quota_used,
            post_vacant: row.post_vacant,
        }),
        state: number!(TransferCaseState, &row.state),
        note: row.note.clone(),
        create_time: Some(to_timestamp(row.created_at)),
    }
}

/// A 公务员登记 case.
pub fn registration(row: &RegistrationRow) -> pb::RegistrationCase {
    pb::RegistrationCase {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        basis: row.basis.clone(),
        approval_level: row.approval_level.clone(),
        state: number!(RegistrationState, &row.state),
        note: row.note.clone(),
        create_time: Some(to_timestamp(row.created_at)),
    }
}

/// A backlog item as of `today`.
pub fn backlog_item(row: &BacklogRow, today: NaiveDate) -> pb::BacklogItem {
    pb::BacklogItem {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        kind: number!(BacklogKind, &row.kind),
        description: row.description.clone(),
        detected_on: Some(date_to(row.detected_on)),
        due_on: Some(date_to(row.due_on)),
        owner_unit_id: row.owner_unit_id.clone(),
        resolved_on: row.resolved_on.map(date_to),
        resolution: row.resolution.clone(),
        overdue: row.resolved_on.is_none() && today > row.due_on,
    }
}

/// A 容错 review as the event feed carries it: who, which measure, the decision and the criteria's flags,
/// without the case summary or the criteria's notes (the feed is read by other systems, HR's among them).
pub fn review_decided(row: &ReviewRow) -> pb::ToleranceReview {
    let mut review = review(row);
    review.case_summary.clear();
    if let Some(criteria) = review.criteria.as_mut() {
        for check in [
            &mut criteria.process_compliant,
            &mut criteria.no_personal_gain,
            &mut criteria.not_prohibited,
            &mut criteria.good_faith,
        ]
        .into_iter()
        .flatten()
        {
            check.note.clear();
        }
    }
    review
}

/// A 容错 review.
pub fn review(row: &ReviewRow) -> pb::ToleranceReview {
    let decided = !row.decision.is_empty();
    let check = |met: bool, note: &str| Some(pb::CriterionCheck { met, note: note.to_owned() });
    pb::ToleranceReview {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        measure_source_id: row.measure_source_id.clone(),
        measure_kind: row.measure_kind,
        case_summary: row.case_summary.clone(),
        criteria: decided.then(|| pb::ToleranceCriteria {
            process_compliant: check(row.process_compliant, &row.process_note),
            no_personal_gain: check(row.no_personal_gain, &row.gain_note),
            not_prohibited: check(row.not_prohibited, &row.prohibition_note),
            good_faith: check(row.good_faith, &row.faith_note),
        }),
        decision: number!(ToleranceDecision, &row.decision),
        body: number!(DecidingBody, &row.body),
        decided_by: row.decided_by.clone(),
        decided_on: row.decided_on.map(date_to),
        create_time: Some(to_timestamp(row.created_at)),
    }
}

/// A proto date as a day, for the followers (`None` when impossible).
pub fn day(date: Option<&cadre_proto::types::Date>) -> Option<NaiveDate> {
    date.and_then(date_from)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn row(steps: &str, decisions: &str) -> ApplicationRow {
        let at = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
        ApplicationRow {
            id: "a1".into(),
            cadre_id: "c1".into(),
            cadre_name: "张三".into(),
            org_unit_id: "u1".into(),
            reason: "HARDSHIP".into(),
            description: "x".into(),
            amount_requested_fen: 100,
            evidence_refs: "[]".into(),
            state: "PENDING".into(),
            steps: steps.into(),
            decisions: decisions.into(),
            approved_steps: 0,
            disbursed_on: None,
            applied_by: "acct".into(),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn unreadable_approval_records_are_an_error_not_an_empty_list() {
        assert!(application(&row(r#"["UNIT_LEADER"]"#, "[]")).is_ok());
        for (steps, decisions) in
            [(r#"["UNIT_LEADER"]"#, "{oops"), ("not json", "[]"), (r#"["NO_SUCH_STEP"]"#, "[]")]
        {
            let error = application(&row(steps, decisions)).unwrap_err();
            assert_eq!(error.code(), tonic::Code::Internal, "{steps} {decisions}");
        }
    }
}

//! Stored rows as the contract's messages.

use cadre_platform::clock;
use cadre_proto::leave as pb;

use crate::{
    domain::{HalfDays, route::StepKind, span::Half},
    store::requests::{RequestRow, StepRow},
};

/// A date on the wire.
pub use crate::convert::date_to as date;

/// A stored half ("AM"/"PM", or empty for none) as the wire's.
pub fn half(code: &str) -> pb::HalfDay {
    Half::from_code(code).map_or(pb::HalfDay::Unspecified, |half| {
        pb::HalfDay::try_from(crate::convert::half_to(half)).unwrap_or(pb::HalfDay::Unspecified)
    })
}

fn days(halves: i32) -> f64 {
    HalfDays(halves.unsigned_abs()).as_f64() * if halves < 0 { -1.0 } else { 1.0 }
}

fn state(code: &str) -> pb::LeaveRequestState {
    match code {
        "draft" => pb::LeaveRequestState::Draft,
        "pending" => pb::LeaveRequestState::Pending,
        "approved" => pb::LeaveRequestState::Approved,
        "rejected" => pb::LeaveRequestState::Rejected,
        "withdrawn" => pb::LeaveRequestState::Withdrawn,
        "cancelled" => pb::LeaveRequestState::Cancelled,
        "returned" => pb::LeaveRequestState::Returned,
        _ => pb::LeaveRequestState::Unspecified,
    }
}

fn class(code: &str) -> pb::ApplicantClass {
    match code {
        "general" => pb::ApplicantClass::General,
        "team_deputy" => pb::ApplicantClass::TeamDeputy,
        "principal" => pb::ApplicantClass::Principal,
        _ => pb::ApplicantClass::Unspecified,
    }
}

fn step_kind(code: &str) -> pb::StepKind {
    match StepKind::from_code(code) {
        Some(StepKind::SectionHead) => pb::StepKind::SectionHead,
        Some(StepKind::SupervisingLeader) => pb::StepKind::SupervisingLeader,
        Some(StepKind::UnitPrincipal) => pb::StepKind::UnitPrincipal,
        Some(StepKind::LiaisonLeader) => pb::StepKind::LiaisonLeader,
        Some(StepKind::DistrictPrincipalLeader) => pb::StepKind::DistrictPrincipalLeader,
        Some(StepKind::DistrictCommittee) => pb::StepKind::DistrictCommittee,
        Some(StepKind::OrgDepartmentFiling) => pb::StepKind::OrgDepartmentFiling,
        Some(StepKind::LiaisonInformed) => pb::StepKind::LiaisonInformed,
        None => pb::StepKind::Unspecified,
    }
}

fn step_state(code: &str) -> pb::StepState {
    match code {
        "waiting" => pb::StepState::Waiting,
        "current" => pb::StepState::Current,
        "approved" => pb::StepState::Approved,
        "rejected" => pb::StepState::Rejected,
        "notified" => pb::StepState::Notified,
        "filed" => pb::StepState::Filed,
        "skipped" => pb::StepState::Skipped,
        _ => pb::StepState::Unspecified,
    }
}

fn action(code: &str) -> pb::StepAction {
    match code {
        "approve" => pb::StepAction::Approve,
        "notify" => pb::StepAction::Notify,
        "file" => pb::StepAction::File,
        _ => pb::StepAction::Unspecified,
    }
}

/// One approval step.
pub fn step(row: &StepRow) -> pb::ApprovalStep {
    pb::ApprovalStep {
        index: row.idx,
        kind: step_kind(&row.kind) as i32,
        action: action(&row.action) as i32,
        why: row.why.clone(),
        assignee_cadre_id: row.assignee_cadre_id.clone(),
        assignee_name: row.assignee_name.clone(),
        state: step_state(&row.state) as i32,
        decided_by: row.decided_by.clone(),
        on_behalf_of_cadre_id: row.on_behalf_of.clone(),
        comment: row.comment.clone(),
        decide_time: row.decided_at.map(clock::to_timestamp),
        due_time: row.due_at.map(clock::to_timestamp),
        escalated_to_cadre_id: row.escalated_to_cadre_id.clone(),
    }
}

/// A request with its route.
pub fn request(row: &RequestRow, steps: &[StepRow]) -> pb::LeaveRequest {
    let maternity =
        serde_json::from_str::<serde_json::Value>(&row.maternity).ok().map(|m| pb::MaternityDetails {
            difficult_birth: m["difficult_birth"].as_bool().unwrap_or(false),
            babies: m["babies"].as_i64().unwrap_or(1) as i32,
            miscarriage_months: m["miscarriage_months"].as_i64().unwrap_or(0) as i32,
        });
    pb::LeaveRequest {
        id: row.id.clone(),
        applicant_cadre_id: row.applicant_cadre_id.clone(),
        applicant_name: row.applicant_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        leave_type: row.leave_type.clone(),
        start_date: Some(date(row.start_date)),
        start_half: half(&row.start_half) as i32,
        end_date: Some(date(row.end_date)),
        end_half: half(&row.end_half) as i32,
        days: days(row.days_halves),
        calendar_days: days(row.calendar_halves),
        reason: row.reason.clone(),
        destination: row.destination.clone(),
        contact_phone: row.contact_phone.clone(),
        acting_deputy_cadre_id: row.acting_deputy_cadre_id.clone(),
        documents: serde_json::from_str(&row.documents).unwrap_or_default(),
        state: state(&row.state) as i32,
        applicant_class: class(&row.applicant_class) as i32,
        cumulative_days: days(row.cumulative_halves),
        steps: steps.iter().map(step).collect(),
        extends_request_id: row.extends_request_id.clone(),
        extended_by_request_id: row.extended_by_request_id.clone(),
        return_date: row.return_date.map(date),
        return_half: half(&row.return_half) as i32,
        cancel_reason: row.cancel_reason.clone(),
        filed_by: row.filed_by.clone(),
        maternity,
        raised_by: row.raised_by.split(',').filter(|s| !s.is_empty()).map(|s| s.to_uppercase()).collect(),
        version: row.version,
        create_time: Some(clock::to_timestamp(row.created_at)),
        update_time: Some(clock::to_timestamp(row.updated_at)),
    }
}

/// Signed ledger halves as days.
pub fn ledger_days(halves: i32) -> f64 {
    days(halves)
}

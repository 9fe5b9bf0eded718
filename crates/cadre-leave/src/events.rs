//! What the leave service publishes on its event feed. The oversight service consumes overdue and 旷工;
//! assessment takes approved and returned leave as attendance evidence.

use cadre_platform::{ApiError, Tx};
use cadre_proto::leave as pb;

fn subject(id: &str) -> String {
    format!("leave-requests/{id}")
}

/// A request was submitted.
pub fn submitted(tx: &mut Tx<'_>, request: &pb::LeaveRequest) -> Result<(), ApiError> {
    tx.publish(
        &subject(&request.id),
        &pb::LeaveRequestSubmittedEvent { leave_request: Some(request.clone()) },
    )?;
    Ok(())
}

/// A request was approved.
pub fn approved(tx: &mut Tx<'_>, request: &pb::LeaveRequest) -> Result<(), ApiError> {
    tx.publish(
        &subject(&request.id),
        &pb::LeaveRequestApprovedEvent { leave_request: Some(request.clone()) },
    )?;
    Ok(())
}

/// A request was rejected.
pub fn rejected(tx: &mut Tx<'_>, request: &pb::LeaveRequest) -> Result<(), ApiError> {
    tx.publish(
        &subject(&request.id),
        &pb::LeaveRequestRejectedEvent { leave_request: Some(request.clone()) },
    )?;
    Ok(())
}

/// A request was withdrawn or cancelled.
pub fn cancelled(tx: &mut Tx<'_>, request: &pb::LeaveRequest) -> Result<(), ApiError> {
    tx.publish(
        &subject(&request.id),
        &pb::LeaveRequestCancelledEvent { leave_request: Some(request.clone()) },
    )?;
    Ok(())
}

/// 销假 was recorded.
pub fn returned(
    tx: &mut Tx<'_>,
    request: &pb::LeaveRequest,
    refunded_days: f64,
    late: bool,
) -> Result<(), ApiError> {
    let event = pb::LeaveReturnedEvent { leave_request: Some(request.clone()), refunded_days, late };
    tx.publish(&subject(&request.id), &event)?;
    Ok(())
}

/// An extension was approved.
pub fn extended(tx: &mut Tx<'_>, parent_id: &str, extension: &pb::LeaveRequest) -> Result<(), ApiError> {
    let event = pb::LeaveExtendedEvent {
        leave_request_id: parent_id.to_owned(),
        extension: Some(extension.clone()),
        end_date: extension.end_date,
    };
    tx.publish(&subject(parent_id), &event)?;
    Ok(())
}

/// A step's reminder, escalation or notice.
pub fn step_notice(
    tx: &mut Tx<'_>,
    request: &pb::LeaveRequest,
    idx: usize,
    stage: &str,
) -> Result<(), ApiError> {
    let event = pb::ApprovalStepReminderEvent {
        leave_request_id: request.id.clone(),
        step: request.steps.get(idx).cloned(),
        stage: stage.to_owned(),
    };
    tx.publish(&subject(&request.id), &event)?;
    Ok(())
}

/// A leave became overdue.
pub fn overdue(tx: &mut Tx<'_>, case: &pb::OverdueCase, approvers: Vec<String>) -> Result<(), ApiError> {
    let event = pb::LeaveOverdueEvent { overdue_case: Some(case.clone()), approver_cadre_ids: approvers };
    tx.publish(&format!("overdue-cases/{}", case.id), &event)?;
    Ok(())
}

/// 旷工 passed the threshold.
pub fn absenteeism_threshold(tx: &mut Tx<'_>, case: &pb::OverdueCase) -> Result<(), ApiError> {
    let event = pb::AbsenteeismThresholdReachedEvent { overdue_case: Some(case.clone()) };
    tx.publish(&format!("overdue-cases/{}", case.id), &event)?;
    Ok(())
}

/// A 外出报备 was filed or changed.
pub fn travel_filed(tx: &mut Tx<'_>, filing: &pb::TravelFiling) -> Result<(), ApiError> {
    tx.publish(
        &format!("travel-filings/{}", filing.id),
        &pb::TravelFiledEvent { filing: Some(filing.clone()) },
    )?;
    Ok(())
}

//! What the oversight service publishes on its event feed. Decisions carry their conduct measure for the
//! rank and assessment services; nothing from the negative-information pool is ever published.

use cadre_platform::{ApiError, Tx};
use cadre_proto::oversight as pb;

/// A finding was recorded.
pub fn finding_recorded(tx: &mut Tx<'_>, finding: pb::Finding) -> Result<(), ApiError> {
    let subject = format!("findings/{}", finding.id);
    tx.publish(&subject, &pb::FindingRecordedEvent { finding: Some(finding) })?;
    Ok(())
}

/// A rectification task was signed off.
pub fn rectification_closed(tx: &mut Tx<'_>, task: pb::RectificationTask) -> Result<(), ApiError> {
    let subject = format!("rectifications/{}", task.id);
    tx.publish(&subject, &pb::RectificationClosedEvent { task: Some(task) })?;
    Ok(())
}

/// A decision was recorded.
pub fn decision_recorded(tx: &mut Tx<'_>, decision: pb::Decision) -> Result<(), ApiError> {
    let subject = format!("decisions/{}", decision.id);
    tx.publish(&subject, &pb::DecisionRecordedEvent { decision: Some(decision) })?;
    Ok(())
}

/// A circular was issued.
pub fn circular_issued(tx: &mut Tx<'_>, circular: pb::Circular) -> Result<(), ApiError> {
    let subject = format!("circulars/{}", circular.id);
    tx.publish(&subject, &pb::CircularIssuedEvent { circular: Some(circular) })?;
    Ok(())
}

/// An integrity opinion was asked for: without the record's summary, which only cleared readers see.
pub fn opinion_requested(tx: &mut Tx<'_>, mut opinion: pb::IntegrityOpinion) -> Result<(), ApiError> {
    opinion.record_summary.clear();
    let subject = format!("integrity-opinions/{}", opinion.id);
    tx.publish(&subject, &pb::IntegrityOpinionRequestedEvent { opinion: Some(opinion) })?;
    Ok(())
}

/// An integrity opinion was given: without the record's summary.
pub fn opinion_answered(tx: &mut Tx<'_>, mut opinion: pb::IntegrityOpinion) -> Result<(), ApiError> {
    opinion.record_summary.clear();
    let subject = format!("integrity-opinions/{}", opinion.id);
    tx.publish(&subject, &pb::IntegrityOpinionAnsweredEvent { opinion: Some(opinion) })?;
    Ok(())
}

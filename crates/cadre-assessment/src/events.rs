//! What the assessment service publishes on its event feed: annual results with their consequences (rank
//! counts tenure and eligibility, care proposes 嘉奖 and 三等功, oversight opens 诫勉), routine results and
//! special assessments.

use cadre_platform::{ApiError, Tx};
use cadre_proto::assessment as pb;

/// A result was determined, changed by a review, or added after a deferral.
pub fn result_published(
    tx: &mut Tx<'_>,
    result: pb::AnnualResult,
    consequences: Vec<pb::Consequence>,
    org_unit_id: &str,
) -> Result<(), ApiError> {
    let subject = format!("annual-assessments/{}", result.assessment_id);
    let event = pb::AnnualResultPublishedEvent {
        result: Some(result),
        consequences,
        org_unit_id: org_unit_id.to_owned(),
    };
    tx.publish(&subject, &event)?;
    Ok(())
}

/// A routine assessment was recorded (or corrected).
pub fn routine_recorded(tx: &mut Tx<'_>, routine: &pb::RoutineAssessment) -> Result<(), ApiError> {
    let event = pb::RoutineAssessmentRecordedEvent { routine_assessment: Some(routine.clone()) };
    tx.publish(&format!("routine-assessments/{}", routine.id), &event)?;
    Ok(())
}

/// A special assessment was recorded.
pub fn special_recorded(tx: &mut Tx<'_>, special: &pb::SpecialAssessment) -> Result<(), ApiError> {
    let event = pb::SpecialAssessmentRecordedEvent { special_assessment: Some(special.clone()) };
    tx.publish(&format!("special-assessments/{}", special.id), &event)?;
    Ok(())
}

//! What the care service publishes on its event feed. Payloads carry who, when and how much, never a
//! talk's content or anything about anyone's health.

use cadre_platform::{ApiError, Tx, dates::date_to};
use cadre_proto::care as pb;
use chrono::NaiveDate;

/// The rules proposed a reward.
pub fn reward_proposed(tx: &mut Tx<'_>, proposal: pb::RewardProposal) -> Result<(), ApiError> {
    let subject = format!("reward-proposals/{}", proposal.id);
    tx.publish(&subject, &pb::RewardProposedEvent { proposal: Some(proposal) })?;
    Ok(())
}

/// A reward was recorded.
pub fn reward_confirmed(tx: &mut Tx<'_>, reward: pb::Reward) -> Result<(), ApiError> {
    let subject = format!("rewards/{}", reward.id);
    tx.publish(&subject, &pb::RewardConfirmedEvent { reward: Some(reward) })?;
    Ok(())
}

/// Money left the fund.
pub fn fund_disbursed(
    tx: &mut Tx<'_>,
    application_id: &str,
    cadre_id: &str,
    amount_fen: i64,
    on: NaiveDate,
    balance_after_fen: i64,
) -> Result<(), ApiError> {
    let event = pb::FundDisbursedEvent {
        application_id: application_id.to_owned(),
        cadre_id: cadre_id.to_owned(),
        amount_fen,
        disbursed_on: Some(date_to(on)),
        balance_after_fen,
    };
    tx.publish(&format!("fund-applications/{application_id}"), &event)?;
    Ok(())
}

/// A talk was held: its parties, kind and day only.
pub fn talk_recorded(tx: &mut Tx<'_>, talk: &pb::Talk) -> Result<(), ApiError> {
    let event = pb::TalkRecordedEvent {
        talk_id: talk.id.clone(),
        party_ids: talk.party_ids.clone(),
        kind: talk.kind,
        held_on: talk.held_on,
    };
    tx.publish(&format!("talks/{}", talk.id), &event)?;
    Ok(())
}

/// An assignment was evaluated.
pub fn assignment_evaluated(tx: &mut Tx<'_>, assignment: pb::Assignment) -> Result<(), ApiError> {
    let subject = format!("assignments/{}", assignment.id);
    tx.publish(&subject, &pb::AssignmentEvaluatedEvent { assignment: Some(assignment) })?;
    Ok(())
}

/// A 容错 review was decided.
pub fn tolerance_decided(tx: &mut Tx<'_>, review: pb::ToleranceReview) -> Result<(), ApiError> {
    let subject = format!("tolerance-reviews/{}", review.id);
    tx.publish(&subject, &pb::ToleranceReviewDecidedEvent { review: Some(review) })?;
    Ok(())
}

//! What the rank service publishes on its event feed. The directory takes the new grade (through a direct
//! call, see `crate::sync`, because it follows no feed); the dossier files the decision; assessment and
//! care read promotions for their own counters.
//!
//! It consumes the directory's feed (units and cadres) and the assessment service's annual results, see
//! `crate::followers`.

use cadre_platform::{ApiError, Tx};
use cadre_proto::rank as pb;

fn subject(id: &str) -> String {
    format!("rank-cases/{id}")
}

/// A case was approved: the cadre holds a new grade.
pub fn rank_changed(tx: &mut Tx<'_>, case: &pb::RankCase, holding: &pb::RankHolding) -> Result<(), ApiError> {
    let event = pb::RankChangedEvent { rank_case: Some(case.clone()), holding: Some(holding.clone()) };
    tx.publish(&subject(&case.id), &event)?;
    Ok(())
}

/// A case was opened: it holds a place in its pool until decided.
pub fn case_opened(tx: &mut Tx<'_>, case: &pb::RankCase) -> Result<(), ApiError> {
    tx.publish(&subject(&case.id), &pb::RankCaseOpenedEvent { rank_case: Some(case.clone()) })?;
    Ok(())
}

/// A case was rejected or withdrawn.
pub fn case_closed(tx: &mut Tx<'_>, case: &pb::RankCase) -> Result<(), ApiError> {
    tx.publish(&subject(&case.id), &pb::RankCaseClosedEvent { rank_case: Some(case.clone()) })?;
    Ok(())
}

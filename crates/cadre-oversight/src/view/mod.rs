//! Stored rows as the contract shows them, one module per area. Codes map to proto numbers through the
//! domain's code enums (0, unspecified, for a code the service does not know).

pub mod circulars;
pub mod decisions;
pub mod findings;
pub mod integrity;
pub mod rectification;
pub mod responsibility;

use cadre_platform::dates::date_to;
use chrono::NaiveDate;

/// The proto number of a stored code of `$enum` (0 for a code the service does not know).
macro_rules! number {
    ($enum:ident, $code:expr) => {
        $enum::from_code($code).map_or(0, $enum::number)
    };
}
pub(crate) use number;

/// An optional day as the contract shows it.
pub fn day(date: Option<NaiveDate>) -> Option<cadre_proto::types::Date> {
    date.map(date_to)
}

/// The escalation stored with a finding or a decision (JSON of `domain::escalation::Proposal`), as the contract shows it;
/// `None` when none was proposed. `findings_in_window` is the caller's to fill when it knows it.
pub fn escalation(json: &str) -> Option<cadre_proto::oversight::EscalationProposal> {
    use crate::domain::{codes::AccountabilityMeasure, escalation::Proposal};
    if json.is_empty() {
        return None;
    }
    let proposal: Proposal = serde_json::from_str(json).ok()?;
    Some(cadre_proto::oversight::EscalationProposal {
        proposed_measure: proposal.proposed.map_or(0, AccountabilityMeasure::number),
        prior_decision_ids: proposal.prior_decision_ids,
        findings_in_window: 0,
        window_months: i32::try_from(proposal.window_months).unwrap_or(i32::MAX),
        explanation: proposal.explanation,
    })
}

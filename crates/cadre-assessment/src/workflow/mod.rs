//! What happens to assessments, inside one transaction: the cycle aggregate of `domain::cycle` loaded from
//! and saved to the store ([`pool`]), the facts its rules read ([`participation`]), the publication of
//! results with their consequences ([`results`]), and the working days deadlines are counted in
//! ([`calendar`]), the opening of a pool's year ([`open`]), the earlier years of the demo district
//! ([`history`]) and the conduct measures recorded or followed ([`measures`]). The gRPC handlers and the
//! followers call these with a caller already resolved.

pub mod calendar;
pub mod history;
pub mod measures;
pub mod open;
pub mod participation;
pub mod pool;
pub mod results;

use cadre_platform::ApiError;

use crate::domain::cycle::Refusal;

/// A refusal of the rules as the caller sees it: FAILED_PRECONDITION with the rule's reason, and the
/// numbers of a quota refusal as metadata.
pub fn refused(refusal: Refusal) -> ApiError {
    let mut error = ApiError::failed_precondition(refusal.reason(), refusal.to_string());
    match &refusal {
        Refusal::QuotaExceeded(exceeded) => {
            error = error
                .with_metadata("limit", exceeded.limit.to_string())
                .with_metadata("proposed", exceeded.proposed.to_string());
            if let Some(raised) = exceeded.with_approval_limit {
                error = error.with_metadata("limit_with_approval", raised.to_string());
            }
        }
        Refusal::GradeAboveCeiling { ceiling } => error = error.with_metadata("ceiling", ceiling.code()),
        Refusal::LinkageForbidsGrade { best_allowed } => {
            error = error.with_metadata("best_allowed", best_allowed.code());
        }
        Refusal::OutcomeForced { forced } => error = error.with_metadata("forced", forced.code()),
        Refusal::DeadlinePassed { deadline } => error = error.with_metadata("deadline", deadline.to_string()),
        Refusal::PublicityNotOver { ends_on } | Refusal::PublicityOver { ends_on } => {
            error = error.with_metadata("publicity_last_day", ends_on.to_string());
        }
        _ => {}
    }
    error
}

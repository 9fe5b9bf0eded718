//! The care and protection fund (关爱保护基金, domain.md §10.7): an approval chain per application set by
//! policy, per-person yearly limits, and a ledger whose balance never goes negative.

use super::{
    codes::{ApplicationState, ApprovalStep},
    policy::FundPolicy,
};

/// Why a fund operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FundError {
    /// The application is not waiting for a decision.
    #[error("the application is {0}, not pending")]
    NotPending(ApplicationState),
    /// The step named is not the one waiting.
    #[error("the application waits for the {expected} step, not {given}")]
    WrongStep {
        /// The step waiting.
        expected: ApprovalStep,
        /// The step named.
        given: ApprovalStep,
    },
    /// Only an approved application is paid.
    #[error("the application is {0}, not approved")]
    NotApproved(ApplicationState),
    /// The fund holds less than the amount.
    #[error("the fund holds {balance} fen, less than {amount}")]
    BalanceInsufficient {
        /// The balance.
        balance: i64,
        /// The amount.
        amount: i64,
    },
    /// The person's yearly limit would be exceeded.
    #[error("{0}")]
    LimitExceeded(String),
}

impl FundError {
    /// The machine-readable reason.
    pub fn reason(&self) -> &'static str {
        match self {
            FundError::NotPending(_) => "APPLICATION_NOT_PENDING",
            FundError::WrongStep { .. } => "WRONG_APPROVAL_STEP",
            FundError::NotApproved(_) => "APPLICATION_NOT_APPROVED",
            FundError::BalanceInsufficient { .. } => "FUND_BALANCE_INSUFFICIENT",
            FundError::LimitExceeded(_) => "FUND_LIMIT_EXCEEDED",
        }
    }
}

/// The approval chain of an application of `amount_fen`: the unit leader (when the policy has that
/// step), the org department, and above the policy's amount a committee member.
pub fn steps_for(amount_fen: i64, policy: &FundPolicy) -> Vec<ApprovalStep> {
    let mut steps = Vec::with_capacity(3);
    if policy.unit_leader_step {
        steps.push(ApprovalStep::UnitLeader);
    }
    steps.push(ApprovalStep::OrgDepartment);
    if amount_fen > policy.committee_above_fen {
        steps.push(ApprovalStep::Committee);
    }
    steps
}

/// An application's approval progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Where it stands.
    pub state: ApplicationState,
    /// Its chain.
    pub steps: Vec<ApprovalStep>,
    /// How many steps approved so far.
    pub approved_steps: usize,
}

impl Progress {
    /// A new application's progress.
    pub fn new(steps: Vec<ApprovalStep>) -> Self {
        Self { state: ApplicationState::Pending, steps, approved_steps: 0 }
    }

    /// The step waiting, while pending.
    pub fn current(&self) -> Option<ApprovalStep> {
        (self.state == ApplicationState::Pending)
            .then(|| self.steps.get(self.approved_steps).copied())
            .flatten()
    }

    /// Records a decision at `step`: a rejection ends the application, the last approval approves it.
    pub fn decide(&mut self, step: ApprovalStep, approved: bool) -> Result<(), FundError> {
        let Some(expected) = self.current() else { return Err(FundError::NotPending(self.state)) };
        if expected != step {
            return Err(FundError::WrongStep { expected, given: step });
        }
        if !approved {
            self.state = ApplicationState::Rejected;
            return Ok(());
        }
        self.approved_steps += 1;
        if self.approved_steps == self.steps.len() {
            self.state = ApplicationState::Approved;
        }
        Ok(())
    }

    /// Marks the application paid.
    pub fn disburse(&mut self) -> Result<(), FundError> {
        if self.state != ApplicationState::Approved {
            return Err(FundError::NotApproved(self.state));
        }
        self.state = ApplicationState::Disbursed;
        Ok(())
    }
}

/// What a person already received in the year of a disbursement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearToDate {
    /// Fen received.
    pub amount_fen: i64,
    /// Disbursements received.
    pub count: u32,
}

/// Whether paying `amount_fen` more keeps the person within the yearly limits.
pub fn check_limits(received: YearToDate, amount_fen: i64, policy: &FundPolicy) -> Result<(), FundError> {
    if received.count >= policy.person_year_limit_count {
        return Err(FundError::LimitExceeded(format!(
            "the person already received {} disbursements this year (limit {})",
            received.count, policy.person_year_limit_count
        )));
    }
    let total = received.amount_fen.saturating_add(amount_fen);
    if total > policy.person_year_limit_fen {
        return Err(FundError::LimitExceeded(format!(
            "{total} fen this year would exceed the limit of {} fen per person",
            policy.person_year_limit_fen
        )));
    }
    Ok(())
}

/// The balance after paying `amount_fen` out of `balance_fen`; refused rather than negative.
pub fn pay_out(balance_fen: i64, amount_fen: i64) -> Result<i64, FundError> {
    match balance_fen.checked_sub(amount_fen) {
        Some(after) if after >= 0 && amount_fen > 0 => Ok(after),
        _ => Err(FundError::BalanceInsufficient { balance: balance_fen, amount: amount_fen }),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::CarePolicy;

    fn policy() -> FundPolicy {
        CarePolicy::default().fund
    }

    #[test]
    fn the_chain_adds_the_committee_above_the_policy_amount() {
        use ApprovalStep::*;
        assert_eq!(steps_for(500_000, &policy()), vec![UnitLeader, OrgDepartment]);
        assert_eq!(steps_for(1_000_000, &policy()), vec![UnitLeader, OrgDepartment], "at the amount: no");
        assert_eq!(steps_for(1_000_001, &policy()), vec![UnitLeader, OrgDepartment, Committee]);
        let without_unit = FundPolicy { unit_leader_step: false, ..policy() };
        assert_eq!(steps_for(1, &without_unit), vec![OrgDepartment]);
    }

    #[test]
    fn steps_are_taken_in_order_and_a_rejection_is_final() {
        let mut progress = Progress::new(steps_for(2_000_000, &policy()));
        assert_eq!(
            progress.decide(ApprovalStep::OrgDepartment, true).unwrap_err().reason(),
            "WRONG_APPROVAL_STEP"
        );
        progress.decide(ApprovalStep::UnitLeader, true).unwrap();
        progress.decide(ApprovalStep::OrgDepartment, true).unwrap();
        assert_eq!(progress.state, ApplicationState::Pending);
        assert_eq!(progress.current(), Some(ApprovalStep::Committee));
        assert_eq!(progress.disburse().unwrap_err().reason(), "APPLICATION_NOT_APPROVED");
        progress.decide(ApprovalStep::Committee, true).unwrap();
        assert_eq!(progress.state, ApplicationState::Approved);
        progress.disburse().unwrap();
        assert_eq!(progress.disburse().unwrap_err().reason(), "APPLICATION_NOT_APPROVED");

        let mut rejected = Progress::new(steps_for(100, &policy()));
        rejected.decide(ApprovalStep::UnitLeader, false).unwrap();
        assert_eq!(rejected.state, ApplicationState::Rejected);
        assert_eq!(
            rejected.decide(ApprovalStep::OrgDepartment, true).unwrap_err().reason(),
            "APPLICATION_NOT_PENDING"
        );
    }

    #[test]
    fn the_yearly_limits_count_amount_and_number() {
        let p = policy();
        assert!(check_limits(YearToDate::default(), 2_000_000, &p).is_ok());
        assert!(check_limits(YearToDate::default(), 2_000_001, &p).is_err());
        assert!(check_limits(YearToDate { amount_fen: 1_500_000, count: 1 }, 500_000, &p).is_ok());
        assert!(check_limits(YearToDate { amount_fen: 1_500_000, count: 1 }, 500_001, &p).is_err());
        let error = check_limits(YearToDate { amount_fen: 100, count: 2 }, 1, &p).unwrap_err();
        assert_eq!(error.reason(), "FUND_LIMIT_EXCEEDED");
    }

    #[test]
    fn paying_out_never_goes_below_zero() {
        assert_eq!(pay_out(1_000, 1_000).unwrap(), 0);
        assert_eq!(pay_out(1_000, 1_001).unwrap_err().reason(), "FUND_BALANCE_INSUFFICIENT");
        assert!(pay_out(i64::MIN, 1).is_err());
        assert!(pay_out(1_000, 0).is_err(), "nothing to pay is not a payment");
    }

    proptest! {
        #[test]
        fn any_sequence_of_payments_keeps_the_balance_non_negative(
            start in 0i64..10_000_000,
            amounts in proptest::collection::vec(1i64..5_000_000, 0..40),
        ) {
            let mut balance = start;
            let mut paid = 0i64;
            for amount in amounts {
                if let Ok(after) = pay_out(balance, amount) {
                    paid += amount;
                    balance = after;
                }
                prop_assert!(balance >= 0);
            }
            prop_assert_eq!(balance + paid, start);
        }
    }
}

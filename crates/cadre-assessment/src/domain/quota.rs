//! The ratio caps: 优秀 among those taking part in the annual assessment (20 %, 25 % with approval), and
//! 好 among a unit's participants in a routine period (40 %) (domain.md §2.1, §2.2, §10.5).
//!
//! Percentages are basis points (2000 = 20 %) so every cap is exact integer arithmetic: 20 % of 7 is
//! 1.4 people, and the rounding rule, not floating point, decides whether that is 1 or 2.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use cadre_platform::code_enum;

code_enum!(
    /// How a fractional number of places becomes a whole number.
    Rounding {
        /// 四舍五入: 1.4 → 1, 1.5 → 2.
        HalfUp = 1 => "HALF_UP",
        /// 进一法: any fraction → the next whole place.
        Ceil = 2 => "CEIL",
        /// Drop the fraction.
        Floor = 3 => "FLOOR",
    }
);

/// The most people who may hold a capped grade: `participants × cap_bp / 10 000`, rounded.
pub fn cap(participants: u32, cap_bp: u32, rounding: Rounding) -> u32 {
    let scaled = u64::from(participants) * u64::from(cap_bp);
    let whole = match rounding {
        Rounding::HalfUp => (scaled + 5_000) / 10_000,
        Rounding::Ceil => scaled.div_ceil(10_000),
        Rounding::Floor => scaled / 10_000,
    };
    u32::try_from(whole).unwrap_or(u32::MAX)
}

/// The 优秀 cap for a pool of `participants` (an alias of [`cap`] named for the rule).
pub fn excellent_cap(participants: u32, cap_bp: u32, rounding: Rounding) -> u32 {
    cap(participants, cap_bp, rounding)
}

/// The caps' policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaPolicy {
    /// 优秀 cap in basis points (`assessment.excellent.cap_bp`).
    pub excellent_cap_bp: u32,
    /// 优秀 cap with a recorded approval (`assessment.excellent.raised_cap_bp`).
    pub excellent_raised_cap_bp: u32,
    /// Rounding of the 优秀 cap (`assessment.excellent.rounding`).
    pub excellent_rounding: Rounding,
    /// Whether people taking part without a grade (不定等次, 暂缓) count in the 优秀 base
    /// (`assessment.excellent.count_ungraded`).
    pub count_ungraded: bool,
    /// 好 cap in basis points for a routine period (`assessment.routine.good_cap_bp`).
    pub routine_good_cap_bp: u32,
    /// Rounding of the 好 cap (`assessment.routine.rounding`).
    pub routine_rounding: Rounding,
}

impl Default for QuotaPolicy {
    /// - 优秀 ≤ 20 %, up to 25 % with the approval of the 公务员主管部门 at the same level: 考核规定 2020
    ///   (domain.md §2.1) \[S\]; the same ratio for leaders (domain.md §10.5);
    /// - rounding 四舍五入 (domain.md §2.1: 四舍五入 or 进一法) \[S\];
    /// - the base is "those taking part", and people in 试用期 or under investigation take part (they are
    ///   assessed, only not graded), so they count \[I\];
    /// - 好 ≤ 40 % of a unit's participants in a period, same rounding: domain.md §2.2, §10.5 \[L\].
    fn default() -> Self {
        Self {
            excellent_cap_bp: 2_000,
            excellent_raised_cap_bp: 2_500,
            excellent_rounding: Rounding::HalfUp,
            count_ungraded: true,
            routine_good_cap_bp: 4_000,
            routine_rounding: Rounding::HalfUp,
        }
    }
}

/// The record of the 公务员主管部门's approval to go up to the raised cap for one pool and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcellentApproval {
    /// The approving body.
    pub approved_by: String,
    /// The document number (文号) or reference.
    pub reference: String,
    /// The day of approval.
    pub approved_on: NaiveDate,
}

/// More people proposed for a capped grade than the cap allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{proposed} proposed, {limit} allowed")]
pub struct QuotaExceeded {
    /// The cap that applied.
    pub limit: u32,
    /// How many were proposed.
    pub proposed: u32,
    /// The raised cap an approval would give, when none was recorded; `None` when the approval is already
    /// counted in `limit` (or the rule has no raised cap).
    pub with_approval_limit: Option<u32>,
}

/// The 优秀 cap in force for a pool, given whether an approval is recorded.
pub fn excellent_limit(participants: u32, approved: bool, policy: &QuotaPolicy) -> u32 {
    let bp = if approved { policy.excellent_raised_cap_bp } else { policy.excellent_cap_bp };
    excellent_cap(participants, bp, policy.excellent_rounding)
}

/// Checks `proposed_excellent` 优秀 against the cap for `participants` (counted as
/// [`QuotaPolicy::count_ungraded`] says; see [`counted_participants`]).
pub fn check_excellent(
    proposed_excellent: u32,
    participants: u32,
    approval: Option<&ExcellentApproval>,
    policy: &QuotaPolicy,
) -> Result<(), QuotaExceeded> {
    let limit = excellent_limit(participants, approval.is_some(), policy);
    if proposed_excellent <= limit {
        return Ok(());
    }
    let with_approval_limit = approval.is_none().then(|| excellent_limit(participants, true, policy));
    Err(QuotaExceeded { limit, proposed: proposed_excellent, with_approval_limit })
}

/// The people counted in the 优秀 base: everyone taking part, less the ungraded ones unless the policy
/// counts them.
pub fn counted_participants(graded: u32, ungraded_taking_part: u32, policy: &QuotaPolicy) -> u32 {
    if policy.count_ungraded { graded.saturating_add(ungraded_taking_part) } else { graded }
}

/// Checks `proposed_good` 好 against a unit's routine cap for `participants` in one period.
pub fn check_routine_good(
    proposed_good: u32,
    participants: u32,
    policy: &QuotaPolicy,
) -> Result<(), QuotaExceeded> {
    let limit = cap(participants, policy.routine_good_cap_bp, policy.routine_rounding);
    if proposed_good <= limit {
        Ok(())
    } else {
        Err(QuotaExceeded { limit, proposed: proposed_good, with_approval_limit: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approval() -> ExcellentApproval {
        ExcellentApproval {
            approved_by: "区公务员局".into(),
            reference: "区公〔2025〕3号".into(),
            approved_on: NaiveDate::from_ymd_opt(2025, 1, 10).expect("date"),
        }
    }

    #[test]
    fn twenty_percent_of_seven_under_each_rounding() {
        assert_eq!(excellent_cap(7, 2_000, Rounding::HalfUp), 1);
        assert_eq!(excellent_cap(7, 2_000, Rounding::Ceil), 2);
        assert_eq!(excellent_cap(7, 2_000, Rounding::Floor), 1);
        // 1.5 rounds half up to 2 (20 % of 7.5 is not possible; 25 % of 6 is 1.5).
        assert_eq!(excellent_cap(6, 2_500, Rounding::HalfUp), 2);
        assert_eq!(excellent_cap(6, 2_500, Rounding::Floor), 1);
        // Exact multiples need no rounding.
        assert_eq!(excellent_cap(10, 2_000, Rounding::Ceil), 2);
        assert_eq!(excellent_cap(0, 2_000, Rounding::Ceil), 0);
        assert_eq!(excellent_cap(u32::MAX, 10_000, Rounding::Floor), u32::MAX);
    }

    #[test]
    fn the_cap_and_one_over() {
        let policy = QuotaPolicy::default();
        // 12 people: 20 % = 2.4 → 2; 25 % = 3.
        assert_eq!(check_excellent(2, 12, None, &policy), Ok(()));
        assert_eq!(
            check_excellent(3, 12, None, &policy),
            Err(QuotaExceeded { limit: 2, proposed: 3, with_approval_limit: Some(3) })
        );
        assert_eq!(check_excellent(3, 12, Some(&approval()), &policy), Ok(()));
        assert_eq!(
            check_excellent(4, 12, Some(&approval()), &policy),
            Err(QuotaExceeded { limit: 3, proposed: 4, with_approval_limit: None })
        );
    }

    #[test]
    fn no_participants_allow_no_excellent() {
        let policy = QuotaPolicy::default();
        assert_eq!(check_excellent(0, 0, None, &policy), Ok(()));
        assert_eq!(
            check_excellent(1, 0, None, &policy),
            Err(QuotaExceeded { limit: 0, proposed: 1, with_approval_limit: Some(0) })
        );
        // Two people: 0.4 rounds to none, even with approval (0.5 → 1 under HALF_UP).
        assert!(check_excellent(1, 2, None, &policy).is_err());
        assert_eq!(check_excellent(1, 2, Some(&approval()), &policy), Ok(()));
    }

    #[test]
    fn the_base_counts_ungraded_participants_by_policy() {
        let mut policy = QuotaPolicy::default();
        assert_eq!(counted_participants(8, 2, &policy), 10);
        policy.count_ungraded = false;
        assert_eq!(counted_participants(8, 2, &policy), 8);
    }

    #[test]
    fn routine_good_is_capped_at_forty_percent() {
        let policy = QuotaPolicy::default();
        // 7 people: 2.8 → 3.
        assert_eq!(check_routine_good(3, 7, &policy), Ok(()));
        assert_eq!(
            check_routine_good(4, 7, &policy),
            Err(QuotaExceeded { limit: 3, proposed: 4, with_approval_limit: None })
        );
        // 6 people: 2.4 → 2.
        assert!(check_routine_good(3, 6, &policy).is_err());
        for r in Rounding::ALL {
            assert_eq!(Rounding::from_code(r.code()), Some(*r));
        }
    }
}

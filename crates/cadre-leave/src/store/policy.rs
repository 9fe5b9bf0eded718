//! The leave policy in force on a date, read from the versioned `policy_values` (keys `leave.*`, seeded by
//! the migration from domain.md), so a decision is computed, and can be recomputed, under the rules of its
//! date.

use cadre_platform::{ApiError, DbConn, policy};
use chrono::NaiveDate;

use crate::domain::{
    HalfDays,
    absence::AbsencePolicy,
    delegation::DelegationPolicy,
    entitlement::{AnnualPolicy, ExclusionPolicy, FamilyVisitPolicy, MaternityPolicy},
    route::TierPolicy,
    travel::TravelPolicy,
};

/// Every leave rule's numbers on one date.
#[derive(Debug, Clone)]
pub struct LeavePolicy {
    /// Approval tiers and the cumulative threshold.
    pub tier: TierPolicy,
    /// Working days after the last day of leave by which 销假 is due.
    pub grace_working_days: u32,
    /// Working days an approver has for a step.
    pub step_due_working_days: u32,
    /// Hours before a step's deadline that its reminder goes out.
    pub remind_before_hours: u32,
    /// Delegation chains.
    pub delegation: DelegationPolicy,
    /// 旷工 thresholds.
    pub absence: AbsencePolicy,
    /// 年休假 tiers.
    pub annual: AnnualPolicy,
    /// 年休假 exclusions.
    pub exclusion: ExclusionPolicy,
    /// 外出报备 timing.
    pub travel: TravelPolicy,
    /// 产假 days.
    pub maternity: MaternityPolicy,
    /// 探亲假 days.
    pub family_visit: FamilyVisitPolicy,
}

fn pairs(conn: &mut DbConn, key: &str, on: NaiveDate) -> Result<Vec<(u32, u32)>, ApiError> {
    let raw = policy::value_on(conn, key, on)?;
    raw.split(',')
        .map(|pair| {
            let (a, b) = pair.trim().split_once(':')?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| ApiError::internal(format!("policy {key} = {raw:?} is not a list of a:b pairs")))
}

/// The policy in force on `on`.
pub fn on(conn: &mut DbConn, on: NaiveDate) -> Result<LeavePolicy, ApiError> {
    let mut number = |key: &str| policy::u32_on(conn, key, on);
    let tier = TierPolicy {
        one_day: HalfDays(number("leave.tier.one_day_halves")?),
        short: HalfDays(number("leave.tier.short_halves")?),
        medium: HalfDays(number("leave.tier.medium_halves")?),
        cumulative_threshold: HalfDays(number("leave.tier.cumulative_threshold_halves")?),
        stepwise: number("leave.tier.stepwise")? != 0,
    };
    let grace_working_days = number("leave.return.grace_working_days")?;
    let step_due_working_days = number("leave.step.due_working_days")?;
    let remind_before_hours = number("leave.step.remind_before_hours")?;
    let delegation = DelegationPolicy { max_chain: number("leave.delegation.max_chain")? as usize };
    let absence = AbsencePolicy {
        consecutive_limit: number("leave.absence.consecutive_limit")?,
        yearly_limit: number("leave.absence.yearly_limit")?,
    };
    let travel = TravelPolicy {
        notice_days: number("leave.travel.notice_days")?,
        emergency_completion_days: number("leave.travel.emergency_completion_days")?,
    };
    let maternity = MaternityPolicy {
        local_extra: number("leave.maternity.local_extra_days")?,
        ..MaternityPolicy::default()
    };
    let family_visit = FamilyVisitPolicy {
        spouse: number("leave.family_visit.spouse_days")?,
        parents_unmarried: number("leave.family_visit.parents_unmarried_days")?,
        parents_unmarried_biennial: number("leave.family_visit.parents_unmarried_biennial_days")?,
        parents_married: number("leave.family_visit.parents_married_days")?,
        ..FamilyVisitPolicy::default()
    };
    let personal_days = number("leave.exclusion.personal_days")?;
    let month_days = number("leave.exclusion.month_days")?;
    let annual = AnnualPolicy { tiers: pairs(conn, "leave.annual.tiers", on)? };
    let exclusion = ExclusionPolicy {
        personal_days,
        sick_months: pairs(conn, "leave.exclusion.sick_months", on)?,
        month_days,
    };
    Ok(LeavePolicy {
        tier,
        grace_working_days,
        step_due_working_days,
        remind_before_hours,
        delegation,
        absence,
        annual,
        exclusion,
        travel,
        maternity,
        family_visit,
    })
}

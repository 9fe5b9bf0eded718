//! Entitlements: 年休假 tiers and exclusions, 探亲假, 产假 (domain.md §3.1).
//!
//! Everything is a function of dated facts (工作起始日期, the year's leave) and a policy value, so the ledger
//! can recompute a grant under the policy that applied on its date.

use chrono::{Datelike, NaiveDate};

use super::days::HalfDays;

/// 年休假 tiers by completed years of service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualPolicy {
    /// `(minimum completed years, days)`; the highest tier reached applies.
    pub tiers: Vec<(u32, u32)>,
}

impl Default for AnnualPolicy {
    /// 《职工带薪年休假条例》第三条: 1 to 10 years 5 days, 10 to 20 years 10, 20 and more 15.
    fn default() -> Self {
        Self { tiers: vec![(1, 5), (10, 10), (20, 15)] }
    }
}

/// The date `start` turns `years` old; a 29 February start has its anniversary on 1 March in other years.
fn anniversary(start: NaiveDate, years: u32) -> Option<NaiveDate> {
    let year = start.year().checked_add(i32::try_from(years).ok()?)?;
    NaiveDate::from_ymd_opt(year, start.month(), start.day()).or_else(|| {
        (start.month() == 2 && start.day() == 29).then(|| NaiveDate::from_ymd_opt(year, 3, 1)).flatten()
    })
}

fn first_of_next_month(date: NaiveDate) -> Option<NaiveDate> {
    if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year().checked_add(1)?, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    }
}

/// Completed years of service on `on`, counted from `work_start`; 0 before the start. A 29 February start
/// completes its years on 1 March in non-leap years (it has not had the anniversary on 28 February).
pub fn service_years(work_start: NaiveDate, on: NaiveDate) -> u32 {
    if on < work_start {
        return 0;
    }
    let mut years = u32::try_from(on.year() - work_start.year()).unwrap_or(0);
    if anniversary(work_start, years).is_none_or(|date| date > on) {
        years = years.saturating_sub(1);
    }
    years
}

/// A tier and the dates that put it in force.
#[derive(Debug, Clone, Copy)]
struct ReachedTier {
    min_years: u32,
    days: u32,
    reached: NaiveDate,
    effective: NaiveDate,
}

/// The tiers in order of service, each with the day it is reached and the first day of the following month
/// (年休假办法 第二条), skipping tiers whose dates fall outside the calendar.
fn tier_dates(work_start: NaiveDate, policy: &AnnualPolicy) -> Vec<ReachedTier> {
    let mut tiers: Vec<ReachedTier> = policy
        .tiers
        .iter()
        .filter_map(|&(min_years, days)| {
            let reached = anniversary(work_start, min_years)?;
            Some(ReachedTier { min_years, days, reached, effective: first_of_next_month(reached)? })
        })
        .collect();
    tiers.sort_by_key(|tier| tier.min_years);
    tiers
}

fn tier_on(work_start: NaiveDate, on: NaiveDate, policy: &AnnualPolicy) -> Option<ReachedTier> {
    tier_dates(work_start, policy).into_iter().rev().find(|tier| tier.effective <= on)
}

/// The 年休假 days of the tier in force on `on`. A tier reached on an anniversary applies from the first
/// day of the following month (《机关事业单位工作人员带薪年休假实施办法》第二条), so 10 years reached on
/// 15 June gives 10 days from 1 July; 0 before the first tier.
pub fn annual_days_on(work_start: NaiveDate, on: NaiveDate, policy: &AnnualPolicy) -> u32 {
    tier_on(work_start, on, policy).map_or(0, |tier| tier.days)
}

/// One ledger credit of 年休假 with its explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualGrant {
    /// The first day the days may be used.
    pub effective: NaiveDate,
    /// Days credited (a top-up carries only the difference).
    pub days: HalfDays,
    /// Why, in English naming the tier, for the ledger line.
    pub reason: String,
}

fn years_word(years: u32) -> &'static str {
    if years == 1 { "year" } else { "years" }
}

/// The year's 年休假 credits: the tier in force on 1 January (if any), then a top-up of the difference on
/// the first day of the month after each anniversary that reaches a higher tier within `year`. The 机关
/// 办法 does not pro-rate, so a tier reached in June adds its full difference.
pub fn annual_grants(work_start: NaiveDate, year: i32, policy: &AnnualPolicy) -> Vec<AnnualGrant> {
    let (Some(jan1), Some(dec31)) =
        (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
    else {
        return Vec::new();
    };
    let tiers = tier_dates(work_start, policy);
    let mut grants = Vec::new();
    let mut current = 0;
    if let Some(tier) = tiers.iter().rev().find(|tier| tier.effective <= jan1)
        && tier.days > 0
    {
        current = tier.days;
        grants.push(AnnualGrant {
            effective: jan1,
            days: HalfDays::days(tier.days),
            reason: format!(
                "{} {} of service reached {}: tier {} days in force on {jan1}",
                tier.min_years,
                years_word(tier.min_years),
                tier.reached,
                tier.days
            ),
        });
    }
    for tier in tiers.iter().filter(|tier| tier.effective > jan1 && tier.effective <= dec31) {
        if tier.days > current {
            grants.push(AnnualGrant {
                effective: tier.effective,
                days: HalfDays::days(tier.days - current),
                reason: format!(
                    "{} {} of service reached {}: tier {} days from {}",
                    tier.min_years,
                    years_word(tier.min_years),
                    tier.reached,
                    tier.days,
                    tier.effective
                ),
            });
            current = tier.days;
        }
    }
    grants
}

/// The 年休假 exclusions of 《职工带薪年休假条例》第四条(二)至(五).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExclusionPolicy {
    /// 事假 days in a year (pay not deducted) that end the year's 年休假.
    pub personal_days: u32,
    /// `(minimum completed years, months)` of 病假 that end the year's 年休假.
    pub sick_months: Vec<(u32, u32)>,
    /// Days in a "month" of sick leave.
    pub month_days: u32,
}

impl Default for ExclusionPolicy {
    /// 20 days of 事假; 2, 3 or 4 months of 病假 for 1, 10 or 20 years of service; a month is 30 days.
    fn default() -> Self {
        Self { personal_days: 20, sick_months: vec![(1, 2), (10, 3), (20, 4)], month_days: 30 }
    }
}

/// Which exclusion was reached, with the numbers for the notice to the cadre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// 事假 reached the threshold.
    PersonalLeave {
        /// 事假 in the year.
        days: HalfDays,
    },
    /// 病假 reached the threshold for the service tier.
    SickLeave {
        /// 病假 in the year.
        days: HalfDays,
        /// The threshold that applied.
        threshold: HalfDays,
    },
}

/// The exclusion reached, if any. "以上" includes the number, so exactly 20 days of 事假 is enough. Only
/// 事假 whose pay was not deducted counts (第四条(二)): the caller passes only those days. 事假 is
/// reported first when both are reached.
pub fn exclusion(
    service_years: u32,
    personal_days_in_year: HalfDays,
    sick_days_in_year: HalfDays,
    policy: &ExclusionPolicy,
) -> Option<Exclusion> {
    if personal_days_in_year >= HalfDays::days(policy.personal_days) {
        return Some(Exclusion::PersonalLeave { days: personal_days_in_year });
    }
    let months = policy
        .sick_months
        .iter()
        .filter(|(min_years, _)| service_years >= *min_years)
        .max_by_key(|(min_years, _)| *min_years)
        .map(|(_, months)| *months)?;
    let threshold = HalfDays::days(months.saturating_mul(policy.month_days));
    (sick_days_in_year >= threshold).then_some(Exclusion::SickLeave { days: sick_days_in_year, threshold })
}

/// Which year's 年休假 an exclusion takes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forfeit {
    /// The rest of this year's.
    ThisYear,
    /// Next year's (this year's was already taken).
    NextYear,
}

/// Domain.md vector L6: reaching an exclusion before taking any 年休假 forfeits this year's; having already
/// taken some (年休假办法 第四条 "已享受当年的年休假", read as any days taken) forfeits next year's.
pub fn forfeit(exclusion_reached: bool, annual_used_in_year: HalfDays) -> Option<Forfeit> {
    if !exclusion_reached {
        None
    } else if annual_used_in_year == HalfDays::ZERO {
        Some(Forfeit::ThisYear)
    } else {
        Some(Forfeit::NextYear)
    }
}

/// The 探亲假 options of 国务院《关于职工探亲待遇的规定》第二、四条.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FamilyVisitKind {
    /// To the spouse, once a year.
    Spouse,
    /// Unmarried, to parents, once a year.
    ParentsUnmarried,
    /// Unmarried, to parents, the longer visit once every two years instead of the yearly ones.
    ParentsUnmarriedBiennial,
    /// Married, to parents, once every four years.
    ParentsMarried,
}

impl FamilyVisitKind {
    /// The stable code for storage and the API.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Spouse => "SPOUSE",
            Self::ParentsUnmarried => "PARENTS_UNMARRIED",
            Self::ParentsUnmarriedBiennial => "PARENTS_UNMARRIED_BIENNIAL",
            Self::ParentsMarried => "PARENTS_MARRIED",
        }
    }

    /// Parses [`FamilyVisitKind::code`]; `None` for anything else so bad input is refused, not guessed.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "SPOUSE" => Some(Self::Spouse),
            "PARENTS_UNMARRIED" => Some(Self::ParentsUnmarried),
            "PARENTS_UNMARRIED_BIENNIAL" => Some(Self::ParentsUnmarriedBiennial),
            "PARENTS_MARRIED" => Some(Self::ParentsMarried),
            _ => None,
        }
    }
}

/// 探亲假 lengths and frequencies (days include weekends and holidays; 路程假 is added per trip elsewhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyVisitPolicy {
    /// Days to visit a spouse, once a year.
    pub spouse: u32,
    /// Days for an unmarried worker to visit parents, once a year.
    pub parents_unmarried: u32,
    /// Days of the unmarried worker's longer visit.
    pub parents_unmarried_biennial: u32,
    /// Years one longer visit covers (it replaces the yearly visits in those years).
    pub parents_unmarried_biennial_every: u32,
    /// Days for a married worker to visit parents.
    pub parents_married: u32,
    /// Years between married workers' visits to parents.
    pub parents_married_every: u32,
    /// Completed years of service needed.
    pub min_service_years: u32,
}

impl Default for FamilyVisitPolicy {
    /// The 1981 规定: 30 days a year to the spouse; unmarried 20 a year or 45 every 2 years; married 20 every
    /// 4 years; after 1 year of service.
    fn default() -> Self {
        Self {
            spouse: 30,
            parents_unmarried: 20,
            parents_unmarried_biennial: 45,
            parents_unmarried_biennial_every: 2,
            parents_married: 20,
            parents_married_every: 4,
            min_service_years: 1,
        }
    }
}

/// Why no 探亲假 can be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FamilyVisitRefusal {
    /// Less than the required service.
    #[error("探亲假 needs at least one year of service")]
    ServiceUnderOneYear,
    /// The family is not living apart (or meets on weekends).
    #[error("探亲假 is for families living apart who cannot meet on rest days")]
    NotLivingApart,
    /// A visit within the period already used the entitlement.
    #[error("the previous visit in {last} covers this year; next allowed in {next_allowed}")]
    TooSoon {
        /// The year of the conflicting grant.
        last: i32,
        /// The first year a new grant of this kind is possible.
        next_allowed: i32,
    },
    /// This year's visit of this kind is already granted.
    #[error("this year's visit is already granted")]
    AlreadyGranted,
}

impl FamilyVisitRefusal {
    /// The UPPER_SNAKE code for API error details.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::ServiceUnderOneYear => "SERVICE_UNDER_ONE_YEAR",
            Self::NotLivingApart => "NOT_LIVING_APART",
            Self::TooSoon { .. } => "TOO_SOON",
            Self::AlreadyGranted => "ALREADY_GRANTED",
        }
    }
}

/// The first conflicting grant: `years_covered` is how many years one grant of `earlier` covers from its
/// own year, so a grant in `year` conflicts when `year` falls inside that window.
fn conflict(
    year: i32,
    previous: &[(FamilyVisitKind, i32)],
    earlier: FamilyVisitKind,
    years_covered: u32,
) -> Option<i32> {
    let covered = i32::try_from(years_covered.max(1)).unwrap_or(i32::MAX);
    previous
        .iter()
        .filter(|(kind, last)| *kind == earlier && *last <= year && year - *last < covered)
        .map(|(_, last)| *last)
        .max()
}

fn refusal(year: i32, last: i32, every: u32) -> FamilyVisitRefusal {
    if last == year {
        FamilyVisitRefusal::AlreadyGranted
    } else {
        let every = i32::try_from(every.max(1)).unwrap_or(i32::MAX);
        FamilyVisitRefusal::TooSoon { last, next_allowed: last.saturating_add(every) }
    }
}

/// The 探亲假 days for a visit of `kind` in `year`, given the previous grants `(kind, year)`. The 45-day
/// option and the yearly 20-day option for unmarried workers exclude each other inside the two-year window
/// the 45 days cover. Grants recorded for years after `year` are ignored: a grant is decided forward.
pub fn family_visit_grant(
    kind: FamilyVisitKind,
    year: i32,
    service_years: u32,
    living_apart: bool,
    previous_grant_years: &[(FamilyVisitKind, i32)],
    policy: &FamilyVisitPolicy,
) -> Result<HalfDays, FamilyVisitRefusal> {
    use FamilyVisitKind::{ParentsMarried, ParentsUnmarried, ParentsUnmarriedBiennial, Spouse};
    if service_years < policy.min_service_years {
        return Err(FamilyVisitRefusal::ServiceUnderOneYear);
    }
    if !living_apart {
        return Err(FamilyVisitRefusal::NotLivingApart);
    }
    let biennial = policy.parents_unmarried_biennial_every;
    let days = match kind {
        Spouse => {
            if conflict(year, previous_grant_years, Spouse, 1).is_some() {
                return Err(FamilyVisitRefusal::AlreadyGranted);
            }
            policy.spouse
        }
        ParentsUnmarried => {
            if let Some(last) = conflict(year, previous_grant_years, ParentsUnmarriedBiennial, biennial) {
                return Err(refusal(year, last, biennial));
            }
            if conflict(year, previous_grant_years, ParentsUnmarried, 1).is_some() {
                return Err(FamilyVisitRefusal::AlreadyGranted);
            }
            policy.parents_unmarried
        }
        ParentsUnmarriedBiennial => {
            if let Some(last) = conflict(year, previous_grant_years, ParentsUnmarriedBiennial, biennial) {
                return Err(refusal(year, last, biennial));
            }
            // A yearly visit this year already used this year's entitlement.
            if conflict(year, previous_grant_years, ParentsUnmarried, 1).is_some() {
                return Err(FamilyVisitRefusal::AlreadyGranted);
            }
            policy.parents_unmarried_biennial
        }
        ParentsMarried => {
            let every = policy.parents_married_every;
            if let Some(last) = conflict(year, previous_grant_years, ParentsMarried, every) {
                return Err(refusal(year, last, every));
            }
            policy.parents_married
        }
    };
    Ok(HalfDays::days(days))
}

/// The facts of a birth (or miscarriage) that set the 产假 length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaternityCase {
    /// 难产.
    pub difficult_birth: bool,
    /// Babies born (0 is read as 1).
    pub babies: u32,
    /// Months of pregnancy when it ended in miscarriage (流产); `None` for a birth.
    pub miscarriage_months: Option<u32>,
}

/// 产假 lengths in calendar days (《女职工劳动保护特别规定》第七条) plus the province's extra.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaternityPolicy {
    /// Base leave for a birth.
    pub base: u32,
    /// Extra for 难产.
    pub difficult: u32,
    /// Extra for each baby after the first.
    pub per_extra_baby: u32,
    /// Miscarriage before `miscarriage_threshold_months`.
    pub miscarriage_under_4_months: u32,
    /// Miscarriage at or after `miscarriage_threshold_months`.
    pub miscarriage_from_4_months: u32,
    /// The months that separate the two miscarriage lengths.
    pub miscarriage_threshold_months: u32,
    /// The province's extra days for a birth (e.g. 山东 60), 0 nationally.
    pub local_extra: u32,
}

impl Default for MaternityPolicy {
    /// 98 days, 难产 +15, each extra baby +15; miscarriage under 4 months 15 days, from 4 months 42.
    fn default() -> Self {
        Self {
            base: 98,
            difficult: 15,
            per_extra_baby: 15,
            miscarriage_under_4_months: 15,
            miscarriage_from_4_months: 42,
            miscarriage_threshold_months: 4,
            local_extra: 0,
        }
    }
}

/// The 产假 for one case, in calendar days. The provincial extra is for births only: provinces word their
/// extension as 生育 leave, and the miscarriage lengths stand alone.
pub fn maternity_days(case: &MaternityCase, policy: &MaternityPolicy) -> HalfDays {
    if let Some(months) = case.miscarriage_months {
        let days = if months < policy.miscarriage_threshold_months {
            policy.miscarriage_under_4_months
        } else {
            policy.miscarriage_from_4_months
        };
        return HalfDays::days(days);
    }
    let extra_babies = case.babies.max(1) - 1;
    let days = policy
        .base
        .saturating_add(if case.difficult_birth { policy.difficult } else { 0 })
        .saturating_add(extra_babies.saturating_mul(policy.per_extra_baby))
        .saturating_add(policy.local_extra);
    HalfDays::days(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use FamilyVisitKind::{ParentsMarried, ParentsUnmarried, ParentsUnmarriedBiennial, Spouse};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn service_years_basic() {
        let start = d(2016, 6, 15);
        assert_eq!(service_years(start, d(2016, 6, 14)), 0);
        assert_eq!(service_years(start, start), 0);
        assert_eq!(service_years(start, d(2026, 6, 14)), 9);
        assert_eq!(service_years(start, d(2026, 6, 15)), 10);
        assert_eq!(service_years(start, d(2026, 12, 31)), 10);
        assert_eq!(service_years(d(2025, 12, 31), d(2026, 1, 1)), 0);
        assert_eq!(service_years(d(2025, 1, 1), d(2025, 12, 31)), 0);
        assert_eq!(service_years(d(2025, 1, 1), d(2026, 1, 1)), 1);
        assert_eq!(service_years(start, d(2010, 1, 1)), 0);
    }

    #[test]
    fn service_years_leap_day_start() {
        let start = d(2004, 2, 29);
        assert_eq!(service_years(start, d(2005, 2, 28)), 0);
        assert_eq!(service_years(start, d(2005, 3, 1)), 1);
        assert_eq!(service_years(start, d(2014, 2, 28)), 9);
        assert_eq!(service_years(start, d(2014, 3, 1)), 10);
        // In a leap year the anniversary is the 29th itself.
        assert_eq!(service_years(start, d(2024, 2, 28)), 19);
        assert_eq!(service_years(start, d(2024, 2, 29)), 20);
    }

    #[test]
    fn tier_applies_from_the_following_month() {
        let p = AnnualPolicy::default();
        // 10 years reached on 15 June 2026 → 10 days from 1 July.
        let start = d(2016, 6, 15);
        assert_eq!(annual_days_on(start, d(2026, 6, 14), &p), 5);
        assert_eq!(annual_days_on(start, d(2026, 6, 15), &p), 5);
        assert_eq!(annual_days_on(start, d(2026, 6, 30), &p), 5);
        assert_eq!(annual_days_on(start, d(2026, 7, 1), &p), 10);
        // Reached on the last day of a month: still the next month.
        let month_end = d(2016, 6, 30);
        assert_eq!(annual_days_on(month_end, d(2026, 6, 30), &p), 5);
        assert_eq!(annual_days_on(month_end, d(2026, 7, 1), &p), 10);
        // Reached on the first of a month: from the first of the next month, not the same day.
        let first = d(2016, 7, 1);
        assert_eq!(annual_days_on(first, d(2026, 7, 1), &p), 5);
        assert_eq!(annual_days_on(first, d(2026, 8, 1), &p), 10);
        // Reached in December: from 1 January.
        let december = d(2006, 12, 15);
        assert_eq!(annual_days_on(december, d(2026, 12, 31), &p), 10);
        assert_eq!(annual_days_on(december, d(2027, 1, 1), &p), 15);
        // First year: nothing until the month after one year.
        let new_hire = d(2025, 3, 10);
        assert_eq!(annual_days_on(new_hire, d(2026, 3, 31), &p), 0);
        assert_eq!(annual_days_on(new_hire, d(2026, 4, 1), &p), 5);
        // Feb 29 start, non-leap anniversary on 1 March → tier from 1 April.
        let leap = d(2016, 2, 29);
        assert_eq!(annual_days_on(leap, d(2026, 3, 31), &p), 5);
        assert_eq!(annual_days_on(leap, d(2026, 4, 1), &p), 10);
    }

    #[test]
    fn grants_with_a_mid_year_top_up() {
        let p = AnnualPolicy::default();
        let grants = annual_grants(d(2016, 6, 15), 2026, &p);
        assert_eq!(
            grants,
            [
                AnnualGrant {
                    effective: d(2026, 1, 1),
                    days: HalfDays::days(5),
                    reason: "1 year of service reached 2017-06-15: tier 5 days in force on 2026-01-01"
                        .to_owned(),
                },
                AnnualGrant {
                    effective: d(2026, 7, 1),
                    days: HalfDays::days(5),
                    reason: "10 years of service reached 2026-06-15: tier 10 days from 2026-07-01".to_owned(),
                },
            ]
        );
        let total: HalfDays = grants.iter().map(|g| g.days).sum();
        assert_eq!(total, HalfDays::days(10));
    }

    #[test]
    fn grants_at_year_boundaries() {
        let p = AnnualPolicy::default();
        // 20 years reached 15 Dec 2026 → effective 1 Jan 2027: nothing extra in 2026, full 15 on 1 Jan 2027.
        let start = d(2006, 12, 15);
        let g26 = annual_grants(start, 2026, &p);
        assert_eq!(g26.len(), 1);
        assert_eq!(g26[0].days, HalfDays::days(10));
        let g27 = annual_grants(start, 2027, &p);
        assert_eq!(g27.len(), 1);
        assert_eq!(g27[0].effective, d(2027, 1, 1));
        assert_eq!(g27[0].days, HalfDays::days(15));
        assert!(g27[0].reason.starts_with("20 years of service reached 2026-12-15"));
        // Reached on 31 December: same.
        assert_eq!(annual_grants(d(2006, 12, 31), 2027, &p)[0].days, HalfDays::days(15));
        // Started 1 January 2025: one year on 1 Jan 2026 → effective 1 Feb 2026.
        let g = annual_grants(d(2025, 1, 1), 2026, &p);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].effective, d(2026, 2, 1));
        assert_eq!(g[0].days, HalfDays::days(5));
        // Started 31 Dec 2024: one year on 31 Dec 2025 → in force on 1 Jan 2026.
        let g = annual_grants(d(2024, 12, 31), 2026, &p);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].effective, d(2026, 1, 1));
        // Not yet a year in the year: nothing.
        assert!(annual_grants(d(2026, 3, 1), 2026, &p).is_empty());
        assert!(annual_grants(d(2030, 3, 1), 2026, &p).is_empty());
    }

    #[test]
    fn grants_for_a_first_year_and_unsorted_policy() {
        let p = AnnualPolicy { tiers: vec![(20, 15), (1, 5), (10, 10)] };
        let g = annual_grants(d(2025, 5, 20), 2026, &p);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].effective, d(2026, 6, 1));
        assert_eq!(g[0].reason, "1 year of service reached 2026-05-20: tier 5 days from 2026-06-01");
        assert_eq!(annual_days_on(d(2000, 1, 1), d(2026, 1, 1), &p), 15);
    }

    #[test]
    fn personal_leave_exclusion_at_exactly_20_days() {
        let p = ExclusionPolicy::default();
        assert_eq!(exclusion(5, HalfDays(39), HalfDays::ZERO, &p), None);
        assert_eq!(
            exclusion(5, HalfDays::days(20), HalfDays::ZERO, &p),
            Some(Exclusion::PersonalLeave { days: HalfDays::days(20) })
        );
        assert_eq!(
            exclusion(0, HalfDays::days(25), HalfDays::ZERO, &p),
            Some(Exclusion::PersonalLeave { days: HalfDays::days(25) })
        );
    }

    #[test]
    fn sick_leave_exclusion_by_service() {
        let p = ExclusionPolicy::default();
        let sick = |years, days| exclusion(years, HalfDays::ZERO, HalfDays::days(days), &p);
        assert_eq!(sick(9, 59), None);
        assert_eq!(
            sick(9, 60),
            Some(Exclusion::SickLeave { days: HalfDays::days(60), threshold: HalfDays::days(60) })
        );
        assert_eq!(sick(10, 60), None);
        assert_eq!(sick(10, 89), None);
        assert!(sick(10, 90).is_some());
        assert!(sick(19, 119).is_some());
        assert_eq!(sick(20, 119), None);
        assert_eq!(
            sick(20, 120),
            Some(Exclusion::SickLeave { days: HalfDays::days(120), threshold: HalfDays::days(120) })
        );
        // Under one year there is no 年休假 to exclude.
        assert_eq!(sick(0, 200), None);
        // Half a day short.
        assert_eq!(exclusion(3, HalfDays::ZERO, HalfDays(119), &p), None);
        // Both: 事假 first.
        assert!(matches!(
            exclusion(3, HalfDays::days(20), HalfDays::days(60), &p),
            Some(Exclusion::PersonalLeave { .. })
        ));
    }

    #[test]
    fn l6_forfeit() {
        assert_eq!(forfeit(false, HalfDays::ZERO), None);
        assert_eq!(forfeit(false, HalfDays::days(5)), None);
        assert_eq!(forfeit(true, HalfDays::ZERO), Some(Forfeit::ThisYear));
        assert_eq!(forfeit(true, HalfDays(1)), Some(Forfeit::NextYear));
        assert_eq!(forfeit(true, HalfDays::days(5)), Some(Forfeit::NextYear));
    }

    #[test]
    fn family_visit_basics() {
        let p = FamilyVisitPolicy::default();
        assert_eq!(family_visit_grant(Spouse, 2026, 1, true, &[], &p), Ok(HalfDays::days(30)));
        assert_eq!(
            family_visit_grant(Spouse, 2026, 0, true, &[], &p),
            Err(FamilyVisitRefusal::ServiceUnderOneYear)
        );
        assert_eq!(
            family_visit_grant(Spouse, 2026, 3, false, &[], &p),
            Err(FamilyVisitRefusal::NotLivingApart)
        );
        assert_eq!(
            family_visit_grant(Spouse, 2026, 3, true, &[(Spouse, 2026)], &p),
            Err(FamilyVisitRefusal::AlreadyGranted)
        );
        assert_eq!(family_visit_grant(Spouse, 2026, 3, true, &[(Spouse, 2025)], &p), Ok(HalfDays::days(30)));
        // Spouse and married-to-parents are independent.
        assert_eq!(
            family_visit_grant(ParentsMarried, 2026, 3, true, &[(Spouse, 2026)], &p),
            Ok(HalfDays::days(20))
        );
        assert_eq!(FamilyVisitRefusal::AlreadyGranted.reason(), "ALREADY_GRANTED");
        for kind in [Spouse, ParentsUnmarried, ParentsUnmarriedBiennial, ParentsMarried] {
            assert_eq!(FamilyVisitKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(FamilyVisitKind::from_code("spouse"), None);
    }

    #[test]
    fn family_visit_married_every_four_years() {
        let p = FamilyVisitPolicy::default();
        let prev = [(ParentsMarried, 2023)];
        assert_eq!(
            family_visit_grant(ParentsMarried, 2026, 5, true, &prev, &p),
            Err(FamilyVisitRefusal::TooSoon { last: 2023, next_allowed: 2027 })
        );
        assert_eq!(family_visit_grant(ParentsMarried, 2027, 5, true, &prev, &p), Ok(HalfDays::days(20)));
        assert_eq!(
            family_visit_grant(ParentsMarried, 2023, 5, true, &prev, &p),
            Err(FamilyVisitRefusal::AlreadyGranted)
        );
    }

    #[test]
    fn family_visit_unmarried_options_are_exclusive() {
        let p = FamilyVisitPolicy::default();
        assert_eq!(family_visit_grant(ParentsUnmarried, 2026, 2, true, &[], &p), Ok(HalfDays::days(20)));
        assert_eq!(
            family_visit_grant(ParentsUnmarriedBiennial, 2026, 2, true, &[], &p),
            Ok(HalfDays::days(45))
        );
        // Yearly after yearly last year: fine; twice this year: no.
        assert!(family_visit_grant(ParentsUnmarried, 2026, 2, true, &[(ParentsUnmarried, 2025)], &p).is_ok());
        assert_eq!(
            family_visit_grant(ParentsUnmarried, 2026, 2, true, &[(ParentsUnmarried, 2026)], &p),
            Err(FamilyVisitRefusal::AlreadyGranted)
        );
        // The 45 days of 2025 cover 2025 and 2026.
        let long = [(ParentsUnmarriedBiennial, 2025)];
        assert_eq!(
            family_visit_grant(ParentsUnmarried, 2026, 2, true, &long, &p),
            Err(FamilyVisitRefusal::TooSoon { last: 2025, next_allowed: 2027 })
        );
        assert_eq!(
            family_visit_grant(ParentsUnmarriedBiennial, 2026, 2, true, &long, &p),
            Err(FamilyVisitRefusal::TooSoon { last: 2025, next_allowed: 2027 })
        );
        assert!(family_visit_grant(ParentsUnmarried, 2027, 2, true, &long, &p).is_ok());
        assert!(family_visit_grant(ParentsUnmarriedBiennial, 2027, 2, true, &long, &p).is_ok());
        assert_eq!(
            family_visit_grant(ParentsUnmarried, 2025, 2, true, &long, &p),
            Err(FamilyVisitRefusal::AlreadyGranted)
        );
        // A yearly visit this year blocks the 45 days this year; last year's does not.
        assert_eq!(
            family_visit_grant(ParentsUnmarriedBiennial, 2026, 2, true, &[(ParentsUnmarried, 2026)], &p),
            Err(FamilyVisitRefusal::AlreadyGranted)
        );
        assert!(
            family_visit_grant(ParentsUnmarriedBiennial, 2026, 2, true, &[(ParentsUnmarried, 2025)], &p)
                .is_ok()
        );
        // Later records do not block an earlier decision.
        assert!(family_visit_grant(ParentsUnmarried, 2024, 2, true, &long, &p).is_ok());
    }

    #[test]
    fn maternity() {
        let p = MaternityPolicy::default();
        let birth = MaternityCase { difficult_birth: false, babies: 1, miscarriage_months: None };
        assert_eq!(maternity_days(&birth, &p), HalfDays::days(98));
        assert_eq!(maternity_days(&MaternityCase { babies: 0, ..birth }, &p), HalfDays::days(98));
        assert_eq!(
            maternity_days(&MaternityCase { difficult_birth: true, ..birth }, &p),
            HalfDays::days(113)
        );
        assert_eq!(
            maternity_days(&MaternityCase { difficult_birth: true, babies: 3, ..birth }, &p),
            HalfDays::days(98 + 15 + 30)
        );
        let local = MaternityPolicy { local_extra: 60, ..MaternityPolicy::default() };
        assert_eq!(maternity_days(&birth, &local), HalfDays::days(158));
        let early = MaternityCase { miscarriage_months: Some(3), ..birth };
        assert_eq!(maternity_days(&early, &local), HalfDays::days(15));
        let late = MaternityCase { miscarriage_months: Some(4), ..birth };
        assert_eq!(maternity_days(&late, &p), HalfDays::days(42));
    }
}

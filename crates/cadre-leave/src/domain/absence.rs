//! Overstay and 旷工 (domain.md §3.5, vectors L1–L4).
//!
//! 公务员法 第八十八条 opens a 辞退 case after 旷工 of more than 15 consecutive or 30 cumulative days in a
//! year; published notices count working days, so days are working days here and a weekend or holiday
//! between two absent working days does not break a run. Protected people (pregnancy, 产假, 哺乳期, 医疗期)
//! cannot be dismissed, so their cases go to a person instead of becoming a proposal.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::calendar::WorkCalendar;

/// The 辞退 thresholds. Both are "more than" (超过): a count equal to the limit is still below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsencePolicy {
    /// Consecutive working days of 旷工 that may not be exceeded.
    pub consecutive_limit: u32,
    /// Working days of 旷工 in a calendar year that may not be exceeded.
    pub yearly_limit: u32,
}

impl Default for AbsencePolicy {
    /// 公务员法 第八十八条: more than 15 consecutive days, or more than 30 in a year.
    fn default() -> Self {
        Self { consecutive_limit: 15, yearly_limit: 30 }
    }
}

/// A status under which the law forbids 辞退 (公务员法 第八十九条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtectedStatus {
    /// 孕期.
    Pregnancy,
    /// 产假.
    Maternity,
    /// 哺乳期.
    Nursing,
    /// 医疗期 (sick or injured within the medical treatment period).
    MedicalPeriod,
}

impl ProtectedStatus {
    /// The stable code for storage and the API.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pregnancy => "PREGNANCY",
            Self::Maternity => "MATERNITY",
            Self::Nursing => "NURSING",
            Self::MedicalPeriod => "MEDICAL_PERIOD",
        }
    }

    /// Parses [`ProtectedStatus::code`]; `None` for anything else so bad input is refused, not guessed.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "PREGNANCY" => Some(Self::Pregnancy),
            "MATERNITY" => Some(Self::Maternity),
            "NURSING" => Some(Self::Nursing),
            "MEDICAL_PERIOD" => Some(Self::MedicalPeriod),
            _ => None,
        }
    }
}

/// What the 旷工 record leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbsenceOutcome {
    /// Neither limit exceeded: discipline and 考核 consequences only.
    BelowThreshold,
    /// A limit exceeded: open a 辞退 proposal case for the appointing authority.
    DismissalProposal {
        /// The longest run, in working days.
        consecutive: u32,
        /// Working days in the year.
        in_year: u32,
    },
    /// A limit exceeded by a protected person: a person must review, no proposal is made.
    ManualReview {
        /// Why dismissal is barred.
        status: ProtectedStatus,
        /// The longest run, in working days.
        consecutive: u32,
        /// Working days in the year.
        in_year: u32,
    },
}

/// The longest run of absent working days. Dates in `absent` that are not working days are ignored, and a
/// run continues across rest days as long as no working day in between was attended.
pub fn longest_consecutive(absent: &BTreeSet<NaiveDate>, calendar: &WorkCalendar) -> u32 {
    let mut longest = 0;
    let mut run = 0;
    let mut previous: Option<NaiveDate> = None;
    for &date in absent.iter().filter(|date| calendar.is_working_day(**date)) {
        run = match previous {
            Some(prev) if calendar.add_working_days(prev, 1) == date => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(date);
    }
    longest
}

/// The outcome for one person's 旷工 in a calendar year (`absent_in_year` holds that year's days; only
/// working days are counted).
pub fn outcome(
    absent_in_year: &BTreeSet<NaiveDate>,
    calendar: &WorkCalendar,
    protected: Option<ProtectedStatus>,
    policy: &AbsencePolicy,
) -> AbsenceOutcome {
    let consecutive = longest_consecutive(absent_in_year, calendar);
    let in_year = u32::try_from(absent_in_year.iter().filter(|date| calendar.is_working_day(**date)).count())
        .unwrap_or(u32::MAX);
    if consecutive <= policy.consecutive_limit && in_year <= policy.yearly_limit {
        return AbsenceOutcome::BelowThreshold;
    }
    match protected {
        Some(status) => AbsenceOutcome::ManualReview { status, consecutive, in_year },
        None => AbsenceOutcome::DismissalProposal { consecutive, in_year },
    }
}

/// The working days of an overstay: from `due_back` (the first day the person should have been at work)
/// up to the day before `returned_or_today`, so the day of return is not 旷工.
pub fn absent_working_days(
    calendar: &WorkCalendar,
    due_back: NaiveDate,
    returned_or_today: NaiveDate,
) -> Vec<NaiveDate> {
    due_back
        .iter_days()
        .take_while(|date| *date < returned_or_today)
        .filter(|date| calendar.is_working_day(*date))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::SEED_YEARS;
    use chrono::{Datelike, Weekday};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::seeded(SEED_YEARS.iter().copied())
    }

    /// `n` consecutive working days from `from`.
    fn run(c: &WorkCalendar, from: NaiveDate, n: u32) -> BTreeSet<NaiveDate> {
        (0..n).map(|i| c.add_working_days(from, i)).collect()
    }

    #[test]
    fn l1_fifteen_consecutive_is_below() {
        let c = cal();
        let absent = run(&c, d(2026, 3, 2), 15);
        assert_eq!(longest_consecutive(&absent, &c), 15);
        assert_eq!(outcome(&absent, &c, None, &AbsencePolicy::default()), AbsenceOutcome::BelowThreshold);
    }

    #[test]
    fn l2_sixteen_consecutive_opens_a_proposal() {
        let c = cal();
        let absent = run(&c, d(2026, 3, 2), 16);
        // Weekends inside do not break it: 16 working days span more than three calendar weeks.
        assert_eq!(absent.last().copied(), Some(d(2026, 3, 23)));
        assert_eq!(
            outcome(&absent, &c, None, &AbsencePolicy::default()),
            AbsenceOutcome::DismissalProposal { consecutive: 16, in_year: 16 }
        );
    }

    #[test]
    fn l3_cumulative_in_a_year() {
        let c = cal();
        let mondays: Vec<NaiveDate> = d(2026, 1, 1)
            .iter_days()
            .take_while(|day| day.year() == 2026)
            .filter(|day| day.weekday() == Weekday::Mon && c.is_working_day(*day))
            .collect();
        let thirty_one: BTreeSet<_> = mondays.iter().copied().take(31).collect();
        assert_eq!(longest_consecutive(&thirty_one, &c), 1);
        assert_eq!(
            outcome(&thirty_one, &c, None, &AbsencePolicy::default()),
            AbsenceOutcome::DismissalProposal { consecutive: 1, in_year: 31 }
        );
        let thirty: BTreeSet<_> = mondays.iter().copied().take(30).collect();
        assert_eq!(outcome(&thirty, &c, None, &AbsencePolicy::default()), AbsenceOutcome::BelowThreshold);
    }

    #[test]
    fn l4_protected_status_goes_to_review() {
        let c = cal();
        let absent = run(&c, d(2026, 3, 2), 16);
        assert_eq!(
            outcome(&absent, &c, Some(ProtectedStatus::Maternity), &AbsencePolicy::default()),
            AbsenceOutcome::ManualReview { status: ProtectedStatus::Maternity, consecutive: 16, in_year: 16 }
        );
        // Below the threshold the status changes nothing.
        let short = run(&c, d(2026, 3, 2), 15);
        assert_eq!(
            outcome(&short, &c, Some(ProtectedStatus::Pregnancy), &AbsencePolicy::default()),
            AbsenceOutcome::BelowThreshold
        );
        for s in [
            ProtectedStatus::Pregnancy,
            ProtectedStatus::Maternity,
            ProtectedStatus::Nursing,
            ProtectedStatus::MedicalPeriod,
        ] {
            assert_eq!(ProtectedStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(ProtectedStatus::from_code("maternity"), None);
    }

    #[test]
    fn spring_festival_inside_a_run_does_not_break_it() {
        let c = cal();
        // Working days around 春节 2026: Feb 9-13, make-up Sat Feb 14, (15-23 off), Feb 24-27, make-up Sat 28,
        // Mar 2-6: 5 + 1 + 4 + 1 + 5 = 16.
        let absent = run(&c, d(2026, 2, 9), 16);
        assert_eq!(absent.last().copied(), Some(d(2026, 3, 6)));
        assert!(absent.contains(&d(2026, 2, 14)));
        assert_eq!(longest_consecutive(&absent, &c), 16);
        // Holiday dates in the set (e.g. the whole calendar period recorded) change nothing.
        let mut with_holidays = absent.clone();
        with_holidays.extend(d(2026, 2, 15).iter_days().take(9));
        assert_eq!(longest_consecutive(&with_holidays, &c), 16);
        assert!(matches!(
            outcome(&with_holidays, &c, None, &AbsencePolicy::default()),
            AbsenceOutcome::DismissalProposal { consecutive: 16, in_year: 16 }
        ));
        // Attending the make-up Saturday breaks the run.
        let mut attended = absent.clone();
        attended.remove(&d(2026, 2, 14));
        assert_eq!(longest_consecutive(&attended, &c), 10);
    }

    #[test]
    fn a_run_across_new_year() {
        let c = cal();
        // From Mon Dec 14, 2026: Dec 14-31 is 14 working days, Jan 1 2027 off, Jan 4-5.
        let absent = run(&c, d(2026, 12, 14), 16);
        assert_eq!(absent.last().copied(), Some(d(2027, 1, 5)));
        assert_eq!(longest_consecutive(&absent, &c), 16);
        assert_eq!(longest_consecutive(&BTreeSet::new(), &c), 0);
    }

    #[test]
    fn overstay_days() {
        let c = cal();
        // Due back Mon Sep 28, 2026, returned Fri Oct 9: Sep 28-30 and Oct 8.
        assert_eq!(
            absent_working_days(&c, d(2026, 9, 28), d(2026, 10, 9)),
            [d(2026, 9, 28), d(2026, 9, 29), d(2026, 9, 30), d(2026, 10, 8)]
        );
        // Back on the due day: nothing.
        assert!(absent_working_days(&c, d(2026, 9, 28), d(2026, 9, 28)).is_empty());
        assert!(absent_working_days(&c, d(2026, 9, 28), d(2026, 9, 1)).is_empty());
        // A make-up Sunday counts.
        assert_eq!(absent_working_days(&c, d(2026, 9, 19), d(2026, 9, 21)), [d(2026, 9, 20)]);
    }

    #[test]
    fn custom_limits() {
        let c = cal();
        let p = AbsencePolicy { consecutive_limit: 5, yearly_limit: 30 };
        assert!(matches!(
            outcome(&run(&c, d(2026, 3, 2), 6), &c, None, &p),
            AbsenceOutcome::DismissalProposal { .. }
        ));
        assert_eq!(outcome(&run(&c, d(2026, 3, 2), 5), &c, None, &p), AbsenceOutcome::BelowThreshold);
    }
}

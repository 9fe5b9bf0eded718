//! Deadlines of the result's recourse — 复核 and 申诉 under 公务员法 第九十五条 — and of the 优秀 publicity.
//!
//! 公务员法 第九十五条 \[S\] (text via m.fj.huatu.com): 复核 within 30 days of learning of the decision; 申诉
//! within 15 days of the 复核 decision, or directly within 30 days without 复核; the original body decides
//! a 复核 within 30 days, the appeal body within 60 (extendable by 30). Its list of reviewable decisions
//! names "定期考核定为不称职" only, so by default only 不称职 can be reviewed ([`ReviewScope`]).
//!
//! Periods count from the day after the starting day (民法典 第二百零一条), and a period whose last day is
//! a rest day ends on the next working day (第二百零三条) \[M\]. The working calendar belongs to the caller
//! (the leave service keeps it), so it comes in as a [`RestDays`].

use cadre_platform::code_enum;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::grade::{AnnualGrade, Outcome};

/// The working calendar, as far as deadlines need it.
pub trait RestDays {
    /// Whether the date is a rest day (weekend or holiday not made up by 调休).
    fn is_rest_day(&self, date: NaiveDate) -> bool;
}

/// A calendar without rest days: deadlines are plain calendar arithmetic.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRestDays;

impl RestDays for NoRestDays {
    fn is_rest_day(&self, _date: NaiveDate) -> bool {
        false
    }
}

impl<F: Fn(NaiveDate) -> bool> RestDays for F {
    fn is_rest_day(&self, date: NaiveDate) -> bool {
        self(date)
    }
}

/// Longest stretch of rest days a deadline is carried over (the longest Chinese holiday with its
/// weekends is 8–9 days); beyond it the calendar is taken to be wrong and the nominal day stands.
const MAX_REST_RUN: u32 = 31;

/// The last day of a period of `days` days starting after `from`, carried to the next working day when
/// `extend` is set and it falls on a rest day.
pub fn deadline(from: NaiveDate, days: u32, extend: bool, calendar: &dyn RestDays) -> NaiveDate {
    let nominal = from.checked_add_days(Days::new(u64::from(days))).unwrap_or(NaiveDate::MAX);
    if !extend {
        return nominal;
    }
    let mut day = nominal;
    for _ in 0..MAX_REST_RUN {
        if !calendar.is_rest_day(day) {
            return day;
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => return day,
        }
    }
    nominal
}

/// The working days from `start` to `end`, both included.
pub fn working_days_between(start: NaiveDate, end: NaiveDate, calendar: &dyn RestDays) -> u32 {
    let count = start.iter_days().take_while(|d| *d <= end).filter(|d| !calendar.is_rest_day(*d)).count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// The last day of a publicity of `working_days` working days starting on `starts_on` (which counts when
/// it is a working day).
pub fn publicity_end(starts_on: NaiveDate, working_days: u32, calendar: &dyn RestDays) -> NaiveDate {
    let mut seen = 0;
    let mut last = starts_on;
    for day in starts_on.iter_days().take(usize::try_from(working_days).unwrap_or(0) * 7 + 31) {
        if !calendar.is_rest_day(day) {
            seen += 1;
            last = day;
            if seen >= working_days {
                break;
            }
        }
    }
    last
}

code_enum!(
    /// Which results can be reviewed and appealed.
    ReviewScope {
        /// Only 不称职 (公务员法 第九十五条(四): 定期考核定为不称职).
        IncompetentOnly = 1 => "INCOMPETENT",
        /// Every determined result (a district that opens recourse to all grades).
        AnyOutcome = 2 => "ANY",
    }
);

impl ReviewScope {
    /// Whether a result in this outcome can be reviewed or appealed.
    pub fn covers(self, outcome: Outcome) -> bool {
        match self {
            Self::IncompetentOnly => outcome == Outcome::Graded(AnnualGrade::Incompetent),
            Self::AnyOutcome => !matches!(outcome, Outcome::Deferred | Outcome::NotParticipating),
        }
    }
}

/// The recourse policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoursePolicy {
    /// Days from notification to ask for 复核 (`assessment.review.days`).
    pub review_days: u32,
    /// Days the original body has to decide a 复核 (`assessment.review.decision_days`).
    pub review_decision_days: u32,
    /// Days from the 复核 decision to appeal (`assessment.appeal.days`).
    pub appeal_days: u32,
    /// Days from notification to appeal without 复核 (`assessment.appeal.direct_days`; 0 = not allowed).
    pub direct_appeal_days: u32,
    /// Days the appeal body has to decide (`assessment.appeal.decision_days`).
    pub appeal_decision_days: u32,
    /// Which results can be reviewed (`assessment.review.scope`).
    pub scope: ReviewScope,
    /// Whether a deadline on a rest day moves to the next working day
    /// (`assessment.deadline.extend_over_rest_days`).
    pub extend_over_rest_days: bool,
}

impl Default for RecoursePolicy {
    /// 公务员法 第九十五条: 30 / 30 / 15 / 30 / 60 days, 不称职 only \[S\] (m.fj.huatu.com; domain.md §2.1
    /// gives the 30-day 复核 as \[M\]); carried over rest days per 民法典 第二百零三条 \[M\].
    fn default() -> Self {
        Self {
            review_days: 30,
            review_decision_days: 30,
            appeal_days: 15,
            direct_appeal_days: 30,
            appeal_decision_days: 60,
            scope: ReviewScope::IncompetentOnly,
            extend_over_rest_days: true,
        }
    }
}

impl RecoursePolicy {
    /// The last day to ask for 复核 after a notification on `notified_on`.
    pub fn review_until(&self, notified_on: NaiveDate, calendar: &dyn RestDays) -> NaiveDate {
        deadline(notified_on, self.review_days, self.extend_over_rest_days, calendar)
    }

    /// The last day for the body to decide a 复核 asked for on `requested_on`.
    pub fn review_decision_due(&self, requested_on: NaiveDate, calendar: &dyn RestDays) -> NaiveDate {
        deadline(requested_on, self.review_decision_days, self.extend_over_rest_days, calendar)
    }

    /// The last day to appeal after a 复核 decision on `decided_on`.
    pub fn appeal_until(&self, decided_on: NaiveDate, calendar: &dyn RestDays) -> NaiveDate {
        deadline(decided_on, self.appeal_days, self.extend_over_rest_days, calendar)
    }

    /// The last day to appeal without 复核 after a notification on `notified_on`; `None` when the policy
    /// does not allow it.
    pub fn direct_appeal_until(&self, notified_on: NaiveDate, calendar: &dyn RestDays) -> Option<NaiveDate> {
        (self.direct_appeal_days > 0)
            .then(|| deadline(notified_on, self.direct_appeal_days, self.extend_over_rest_days, calendar))
    }

    /// The last day for the appeal body to decide an appeal made on `appealed_on` (without extension).
    pub fn appeal_decision_due(&self, appealed_on: NaiveDate, calendar: &dyn RestDays) -> NaiveDate {
        deadline(appealed_on, self.appeal_decision_days, self.extend_over_rest_days, calendar)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Weekday};

    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn weekends(d: NaiveDate) -> bool {
        matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    #[test]
    fn periods_start_the_day_after() {
        let policy = RecoursePolicy::default();
        // Notified Monday 2025-03-03: 30 days → Wednesday 2025-04-02.
        assert_eq!(policy.review_until(day("2025-03-03"), &NoRestDays), day("2025-04-02"));
        assert_eq!(policy.review_until(day("2025-03-03"), &weekends), day("2025-04-02"));
        assert_eq!(policy.appeal_until(day("2025-04-10"), &NoRestDays), day("2025-04-25"));
        assert_eq!(policy.direct_appeal_until(day("2025-03-03"), &NoRestDays), Some(day("2025-04-02")));
        assert_eq!(policy.appeal_decision_due(day("2025-03-03"), &NoRestDays), day("2025-05-02"));
        assert_eq!(policy.review_decision_due(day("2025-03-03"), &NoRestDays), day("2025-04-02"));
        let closed = RecoursePolicy { direct_appeal_days: 0, ..policy };
        assert_eq!(closed.direct_appeal_until(day("2025-03-03"), &NoRestDays), None);
    }

    #[test]
    fn a_deadline_on_a_rest_day_moves_to_the_next_working_day() {
        let policy = RecoursePolicy::default();
        // Notified Thursday 2025-01-02: 30 days → Saturday 2025-02-01 → Monday 2025-02-03.
        assert_eq!(policy.review_until(day("2025-01-02"), &weekends), day("2025-02-03"));
        let fixed = RecoursePolicy { extend_over_rest_days: false, ..policy };
        assert_eq!(fixed.review_until(day("2025-01-02"), &weekends), day("2025-02-01"));
        // A calendar of nothing but rest days leaves the nominal day.
        assert_eq!(deadline(day("2025-01-02"), 30, true, &|_| true), day("2025-02-01"));
    }

    #[test]
    fn publicity_counts_working_days() {
        // Starting Thursday 2025-03-06: Thu, Fri, Mon, Tue, Wed → ends Wednesday 2025-03-12.
        assert_eq!(publicity_end(day("2025-03-06"), 5, &weekends), day("2025-03-12"));
        assert_eq!(working_days_between(day("2025-03-06"), day("2025-03-12"), &weekends), 5);
        assert_eq!(working_days_between(day("2025-03-06"), day("2025-03-11"), &weekends), 4);
        // Starting on a Saturday: the first working day is Monday.
        assert_eq!(publicity_end(day("2025-03-08"), 5, &weekends), day("2025-03-14"));
        assert_eq!(publicity_end(day("2025-03-06"), 5, &NoRestDays), day("2025-03-10"));
    }

    #[test]
    fn the_scope_decides_what_can_be_reviewed() {
        use AnnualGrade::*;
        assert!(ReviewScope::IncompetentOnly.covers(Incompetent.into()));
        assert!(!ReviewScope::IncompetentOnly.covers(Basic.into()));
        assert!(ReviewScope::AnyOutcome.covers(Basic.into()));
        assert!(ReviewScope::AnyOutcome.covers(Outcome::Undetermined));
        assert!(!ReviewScope::AnyOutcome.covers(Outcome::Deferred));
        for s in ReviewScope::ALL {
            assert_eq!(ReviewScope::from_code(s.code()), Some(*s));
        }
    }
}

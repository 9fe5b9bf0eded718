//! 在位率: how many of a unit's cadres are away at the same time.
//!
//! Units cap the share of people on leave at once (domain.md §8, the "ratio cap on people absent at the
//! same time"). Being away is counted per half-day, since a morning leave and an afternoon leave on one
//! date never leave the office short at the same moment; a date's figure is its worse half.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::{
    calendar::WorkCalendar,
    span::{Half, LeaveSpan},
};

/// Someone else's approved or pending leave in the same unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Away {
    /// The cadre, so one person with two leaves on a date counts once.
    pub cadre_id: String,
    /// The leave.
    pub span: LeaveSpan,
}

/// The figure for the worst working day of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnDutyCheck {
    /// The date.
    pub date: NaiveDate,
    /// Distinct cadres away in that date's worse half, the applicant included.
    pub away: u32,
    /// The unit's headcount.
    pub headcount: u32,
    /// The most that may be away, in percent of the headcount. [`worst_day`] sets 100 (no cap) because the
    /// cap is the unit's policy: set it with [`OnDutyCheck::with_max_percent`].
    pub max_percent: u32,
}

impl OnDutyCheck {
    /// The same figure judged against the unit's cap.
    pub const fn with_max_percent(self, max_percent: u32) -> Self {
        Self { max_percent, ..self }
    }

    /// Whether more than the cap would be away. A unit with headcount 0 never exceeds: the headcount is
    /// missing, and refusing every leave for that would be worse than not checking.
    pub fn exceeds(&self) -> bool {
        self.headcount > 0
            && u64::from(self.away) * 100 > u64::from(self.max_percent) * u64::from(self.headcount)
    }
}

/// Among the working days of `span`, the one with the most distinct cadres away, the applicant included
/// (the applicant's own other leave in `others` does not count twice). Ties go to the earliest date.
/// `None` when `span` has no working day.
pub fn worst_day(
    applicant: &str,
    span: &LeaveSpan,
    others: &[Away],
    headcount: u32,
    calendar: &WorkCalendar,
) -> Option<OnDutyCheck> {
    let mut worst: Option<OnDutyCheck> = None;
    let working = span.slots().filter(|(date, _)| calendar.is_working_day(*date));
    for (date, half) in working {
        let away = away_in_slot(applicant, date, half, others);
        if worst.is_none_or(|w| away > w.away) {
            worst = Some(OnDutyCheck { date, away, headcount, max_percent: 100 });
        }
    }
    worst
}

fn away_in_slot(applicant: &str, date: NaiveDate, half: Half, others: &[Away]) -> u32 {
    let cadres: BTreeSet<&str> = others
        .iter()
        .filter(|other| other.cadre_id != applicant && other.span.contains_slot(date, half))
        .map(|other| other.cadre_id.as_str())
        .collect();
    u32::try_from(cadres.len()).unwrap_or(u32::MAX).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::SEED_YEARS;
    use Half::{Am, Pm};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::seeded(SEED_YEARS.iter().copied())
    }

    fn away(id: &str, a: NaiveDate, ah: Half, b: NaiveDate, bh: Half) -> Away {
        Away { cadre_id: id.to_owned(), span: LeaveSpan::new(a, ah, b, bh).unwrap() }
    }

    #[test]
    fn picks_the_busiest_day() {
        let c = cal();
        let mine = LeaveSpan::whole_days(d(2026, 3, 2), d(2026, 3, 6)).unwrap();
        let others = [
            away("b", d(2026, 3, 3), Am, d(2026, 3, 4), Pm),
            away("c", d(2026, 3, 4), Am, d(2026, 3, 4), Pm),
            away("d", d(2026, 3, 1), Am, d(2026, 3, 2), Pm),
        ];
        let check = worst_day("a", &mine, &others, 10, &c).unwrap();
        assert_eq!(check.date, d(2026, 3, 4));
        assert_eq!(check.away, 3);
        assert_eq!(check.headcount, 10);
        assert!(!check.exceeds());
        assert!(!check.with_max_percent(30).exceeds());
        assert!(check.with_max_percent(29).exceeds());
    }

    #[test]
    fn each_cadre_once_and_the_applicant_once() {
        let c = cal();
        let mine = LeaveSpan::whole_days(d(2026, 3, 3), d(2026, 3, 3)).unwrap();
        let others = [
            // b has two leaves on the date: morning and afternoon.
            away("b", d(2026, 3, 3), Am, d(2026, 3, 3), Am),
            away("b", d(2026, 3, 3), Pm, d(2026, 3, 3), Pm),
            // b again, overlapping the afternoon.
            away("b", d(2026, 3, 3), Am, d(2026, 3, 3), Pm),
            // The applicant's own earlier half-day leave.
            away("a", d(2026, 3, 3), Am, d(2026, 3, 3), Am),
        ];
        let check = worst_day("a", &mine, &others, 4, &c).unwrap();
        assert_eq!(check.away, 2);
    }

    #[test]
    fn morning_and_afternoon_do_not_add_up() {
        let c = cal();
        let mine = LeaveSpan::new(d(2026, 3, 3), Am, d(2026, 3, 3), Am).unwrap();
        let others = [away("b", d(2026, 3, 3), Pm, d(2026, 3, 3), Pm)];
        assert_eq!(worst_day("a", &mine, &others, 2, &c).unwrap().away, 1);
        let others = [away("b", d(2026, 3, 2), Am, d(2026, 3, 3), Am)];
        assert_eq!(worst_day("a", &mine, &others, 2, &c).unwrap().away, 2);
    }

    #[test]
    fn only_working_days_count() {
        let c = cal();
        // Others away over the weekend and 国庆 do not matter; the applicant's span has Sep 30 and Oct 8.
        let mine = LeaveSpan::whole_days(d(2026, 9, 30), d(2026, 10, 8)).unwrap();
        let others = [
            away("b", d(2026, 10, 1), Am, d(2026, 10, 7), Pm),
            away("c", d(2026, 10, 8), Am, d(2026, 10, 8), Am),
        ];
        let check = worst_day("a", &mine, &others, 3, &c).unwrap();
        assert_eq!((check.date, check.away), (d(2026, 10, 8), 2));
        // The make-up Saturday is a working day.
        let makeup = LeaveSpan::whole_days(d(2026, 10, 10), d(2026, 10, 11)).unwrap();
        assert_eq!(worst_day("a", &makeup, &[], 3, &c).unwrap().date, d(2026, 10, 10));
        // A span of rest days only.
        let block = LeaveSpan::whole_days(d(2026, 10, 1), d(2026, 10, 7)).unwrap();
        assert_eq!(worst_day("a", &block, &others, 3, &c), None);
    }

    #[test]
    fn ties_go_to_the_earliest_date() {
        let c = cal();
        let mine = LeaveSpan::whole_days(d(2026, 3, 2), d(2026, 3, 4)).unwrap();
        let check = worst_day("a", &mine, &[], 5, &c).unwrap();
        assert_eq!((check.date, check.away), (d(2026, 3, 2), 1));
    }

    #[test]
    fn exceeds_boundaries() {
        let at =
            |away, headcount, max_percent| OnDutyCheck { date: d(2026, 3, 2), away, headcount, max_percent };
        assert!(!at(3, 10, 30).exceeds());
        assert!(at(4, 10, 30).exceeds());
        assert!(!at(1, 3, 34).exceeds());
        assert!(at(1, 3, 33).exceeds());
        assert!(!at(5, 0, 0).exceeds());
        assert!(!at(1, 1, 100).exceeds());
        assert!(at(u32::MAX, u32::MAX, 99).exceeds());
    }
}

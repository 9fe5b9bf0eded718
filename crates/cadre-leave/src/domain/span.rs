//! A leave period to the half-day.
//!
//! Leave is asked for in mornings and afternoons (上午/下午), so a period is a closed range of half-day slots.
//! Counting, overlap and truncation all work on that range, which keeps "Monday afternoon to Tuesday
//! morning" equal to one day and keeps a morning leave and an afternoon leave on one date apart.

use chrono::{Datelike, NaiveDate};

use super::{calendar::WorkCalendar, days::HalfDays, types::CountingUnit};

/// Morning or afternoon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Half {
    /// 上午.
    Am,
    /// 下午.
    Pm,
}

impl Half {
    /// The stable code for storage and the API.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Am => "AM",
            Self::Pm => "PM",
        }
    }

    /// Parses [`Half::code`]; `None` for anything else so bad input is refused, not guessed.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "AM" => Some(Self::Am),
            "PM" => Some(Self::Pm),
            _ => None,
        }
    }

    const fn index(self) -> i64 {
        match self {
            Self::Am => 0,
            Self::Pm => 1,
        }
    }
}

/// Why a period cannot exist, so a form can point at the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    /// The last day is before the first.
    #[error("the leave ends before it starts")]
    EndBeforeStart,
    /// One date from the afternoon to the morning: no half-day is inside.
    #[error("a leave starting in the afternoon cannot end in the morning of the same day")]
    EmptyHalfDay,
}

impl SpanError {
    /// The UPPER_SNAKE code for API error details.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::EndBeforeStart => "END_BEFORE_START",
            Self::EmptyHalfDay => "EMPTY_HALF_DAY",
        }
    }
}

/// A leave period. `start_half` [`Half::Am`] means from the morning (the whole first day), [`Half::Pm`]
/// from the afternoon; `end_half` [`Half::Pm`] means through the end of the last day, [`Half::Am`] ending
/// at noon. Fields are public for the store; build through [`LeaveSpan::new`] to get the checks (methods on
/// an unchecked empty span treat it as containing nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeaveSpan {
    /// First date.
    pub start: NaiveDate,
    /// Which half of the first date the leave starts in.
    pub start_half: Half,
    /// Last date.
    pub end: NaiveDate,
    /// Which half of the last date the leave ends in.
    pub end_half: Half,
}

/// A half-day as one integer: two per date, so a period is a closed integer range.
fn ordinal(date: NaiveDate, half: Half) -> i64 {
    i64::from(date.num_days_from_ce()) * 2 + half.index()
}

fn from_ordinal(slot: i64) -> Option<(NaiveDate, Half)> {
    let day = i32::try_from(slot.div_euclid(2)).ok()?;
    let half = if slot.rem_euclid(2) == 0 { Half::Am } else { Half::Pm };
    NaiveDate::from_num_days_from_ce_opt(day).map(|date| (date, half))
}

impl LeaveSpan {
    /// A checked period.
    pub fn new(
        start: NaiveDate,
        start_half: Half,
        end: NaiveDate,
        end_half: Half,
    ) -> Result<Self, SpanError> {
        if end < start {
            return Err(SpanError::EndBeforeStart);
        }
        if end == start && start_half == Half::Pm && end_half == Half::Am {
            return Err(SpanError::EmptyHalfDay);
        }
        Ok(Self { start, start_half, end, end_half })
    }

    /// Whole days from `start` to `end`, the common case.
    pub fn whole_days(start: NaiveDate, end: NaiveDate) -> Result<Self, SpanError> {
        Self::new(start, Half::Am, end, Half::Pm)
    }

    fn first(&self) -> i64 {
        ordinal(self.start, self.start_half)
    }

    fn last(&self) -> i64 {
        ordinal(self.end, self.end_half)
    }

    /// Whether either end is a half-day, so types that allow only whole days can refuse it.
    pub fn has_half_day(&self) -> bool {
        self.start_half == Half::Pm || self.end_half == Half::Am
    }

    /// Whether the two periods share a half-day: a morning and an afternoon of one date do not overlap, a
    /// whole day and either half of it do.
    pub fn overlaps(&self, other: &LeaveSpan) -> bool {
        self.first() <= other.last() && other.first() <= self.last() && !self.is_empty() && !other.is_empty()
    }

    /// Whether any half of `date` is inside, for "who is away on this date".
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.contains_slot(date, Half::Am) || self.contains_slot(date, Half::Pm)
    }

    /// Whether the one half-day is inside.
    pub fn contains_slot(&self, date: NaiveDate, half: Half) -> bool {
        (self.first()..=self.last()).contains(&ordinal(date, half))
    }

    fn is_empty(&self) -> bool {
        self.first() > self.last()
    }

    /// Every half-day inside, in order.
    pub fn slots(&self) -> impl Iterator<Item = (NaiveDate, Half)> + use<> {
        (self.first()..=self.last()).filter_map(from_ordinal)
    }

    /// The length as the type counts it: [`CountingUnit::WorkingDays`] counts only halves on working days,
    /// [`CountingUnit::CalendarDays`] every half.
    pub fn count(&self, unit: CountingUnit, calendar: &WorkCalendar) -> HalfDays {
        match unit {
            CountingUnit::CalendarDays => self.calendar_days(),
            CountingUnit::WorkingDays => self.count_where(calendar, |_| true),
        }
    }

    /// The length inside calendar year `year` only, for yearly totals of a leave that crosses 31 December.
    pub fn count_in_year(&self, unit: CountingUnit, calendar: &WorkCalendar, year: i32) -> HalfDays {
        match unit {
            CountingUnit::CalendarDays => {
                HalfDays(to_u32(self.slots().filter(|(date, _)| date.year() == year).count()))
            }
            CountingUnit::WorkingDays => self.count_where(calendar, |date| date.year() == year),
        }
    }

    fn count_where(&self, calendar: &WorkCalendar, keep: impl Fn(NaiveDate) -> bool) -> HalfDays {
        HalfDays(to_u32(
            self.slots().filter(|(date, _)| keep(*date) && calendar.is_working_day(*date)).count(),
        ))
    }

    /// Every half-day, holidays and weekends included (the [`CountingUnit::CalendarDays`] count).
    pub fn calendar_days(&self) -> HalfDays {
        HalfDays(u32::try_from((self.last() - self.first() + 1).max(0)).unwrap_or(u32::MAX))
    }

    /// Whether a half-day end falls on a non-working day. A working-day type must refuse it: the half would
    /// count nothing, and systems that allow it end up deducting or refunding half-days that were never
    /// worked (frappe/hrms bug #3331).
    pub fn half_on_rest_day(&self, calendar: &WorkCalendar) -> bool {
        (self.start_half == Half::Pm && !calendar.is_working_day(self.start))
            || (self.end_half == Half::Am && !calendar.is_working_day(self.end))
    }

    /// The part of the period up to and including `(last, last_half)`, for an early 销假; `None` when that
    /// is before the period starts (nothing was taken). A point after the end leaves the period unchanged.
    pub fn truncate_end(&self, last: NaiveDate, last_half: Half) -> Option<LeaveSpan> {
        let cut = ordinal(last, last_half);
        if cut < self.first() || self.is_empty() {
            return None;
        }
        if cut >= self.last() {
            return Some(*self);
        }
        Some(LeaveSpan { end: last, end_half: last_half, ..*self })
    }
}

fn to_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::SEED_YEARS;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::seeded(SEED_YEARS.iter().copied())
    }

    fn span(a: NaiveDate, ah: Half, b: NaiveDate, bh: Half) -> LeaveSpan {
        LeaveSpan::new(a, ah, b, bh).unwrap()
    }

    use Half::{Am, Pm};

    #[test]
    fn construction_checks() {
        assert_eq!(LeaveSpan::new(d(2026, 3, 3), Am, d(2026, 3, 2), Pm), Err(SpanError::EndBeforeStart));
        assert_eq!(LeaveSpan::new(d(2026, 3, 3), Pm, d(2026, 3, 3), Am), Err(SpanError::EmptyHalfDay));
        assert!(LeaveSpan::new(d(2026, 3, 3), Pm, d(2026, 3, 3), Pm).is_ok());
        assert!(LeaveSpan::new(d(2026, 3, 3), Am, d(2026, 3, 3), Am).is_ok());
        assert!(LeaveSpan::new(d(2026, 3, 3), Pm, d(2026, 3, 4), Am).is_ok());
        assert_eq!(SpanError::EmptyHalfDay.reason(), "EMPTY_HALF_DAY");
        assert_eq!(Half::from_code("PM"), Some(Pm));
        assert_eq!(Half::from_code(Am.code()), Some(Am));
        assert_eq!(Half::from_code("pm"), None);
        assert!(Am < Pm);
    }

    #[test]
    fn half_day_lengths() {
        let c = cal();
        let one_morning = span(d(2026, 3, 3), Am, d(2026, 3, 3), Am);
        assert_eq!(one_morning.count(CountingUnit::WorkingDays, &c), HalfDays(1));
        assert_eq!(one_morning.calendar_days(), HalfDays(1));
        // Tuesday afternoon to Wednesday morning is one day.
        let pm_am = span(d(2026, 3, 3), Pm, d(2026, 3, 4), Am);
        assert_eq!(pm_am.count(CountingUnit::WorkingDays, &c), HalfDays::days(1));
        // Half-days on both ends over a week: Tue pm .. next Tue am = 0.5 + 3 + 2 weekend skipped + 0.5.
        let week = span(d(2026, 3, 3), Pm, d(2026, 3, 10), Am);
        assert_eq!(week.count(CountingUnit::WorkingDays, &c), HalfDays(1 + 6 + 2 + 1));
        assert_eq!(week.calendar_days(), HalfDays(1 + 12 + 1));
        assert!(week.has_half_day());
        assert!(!LeaveSpan::whole_days(d(2026, 3, 3), d(2026, 3, 4)).unwrap().has_half_day());
    }

    #[test]
    fn holiday_inside_a_leave() {
        let c = cal();
        // Mon Sep 28 .. Fri Oct 9, 2026: Sep 28-30 (3), Oct 1-7 off, Oct 8-9 (2).
        let s = LeaveSpan::whole_days(d(2026, 9, 28), d(2026, 10, 9)).unwrap();
        assert_eq!(s.count(CountingUnit::WorkingDays, &c), HalfDays::days(5));
        assert_eq!(s.count(CountingUnit::CalendarDays, &c), HalfDays::days(12));
        // Through the make-up Saturday Oct 10.
        let s = LeaveSpan::whole_days(d(2026, 10, 8), d(2026, 10, 11)).unwrap();
        assert_eq!(s.count(CountingUnit::WorkingDays, &c), HalfDays::days(3));
        // Only 春节 days: nothing to count as working days.
        let s = LeaveSpan::whole_days(d(2026, 2, 15), d(2026, 2, 23)).unwrap();
        assert_eq!(s.count(CountingUnit::WorkingDays, &c), HalfDays::ZERO);
        assert_eq!(s.calendar_days(), HalfDays::days(9));
    }

    #[test]
    fn year_split() {
        let c = cal();
        // Wed Dec 30, 2026 pm .. Mon Jan 4, 2027 am: 2026 has Dec 30 pm + Dec 31; 2027 has Jan 1 (元旦 in the
        // provisional data), Jan 2-3 weekend, Jan 4 am.
        let s = span(d(2026, 12, 30), Pm, d(2027, 1, 4), Am);
        assert_eq!(s.count_in_year(CountingUnit::WorkingDays, &c, 2026), HalfDays(3));
        assert_eq!(s.count_in_year(CountingUnit::WorkingDays, &c, 2027), HalfDays(1));
        assert_eq!(s.count_in_year(CountingUnit::CalendarDays, &c, 2026), HalfDays(3));
        assert_eq!(s.count_in_year(CountingUnit::CalendarDays, &c, 2027), HalfDays(7));
        assert_eq!(s.count_in_year(CountingUnit::CalendarDays, &c, 2028), HalfDays::ZERO);
    }

    #[test]
    fn leap_day() {
        let c = WorkCalendar::default();
        // 2028 is a leap year: Feb 28 (Mon) .. Mar 1 (Wed) is three working days.
        let s = LeaveSpan::whole_days(d(2028, 2, 28), d(2028, 3, 1)).unwrap();
        assert_eq!(s.count(CountingUnit::WorkingDays, &c), HalfDays::days(3));
        assert_eq!(s.slots().count(), 6);
        assert!(s.contains(d(2028, 2, 29)));
    }

    #[test]
    fn overlap_by_half_days() {
        let day = d(2026, 3, 3);
        let morning = span(day, Am, day, Am);
        let afternoon = span(day, Pm, day, Pm);
        let whole = LeaveSpan::whole_days(day, day).unwrap();
        assert!(!morning.overlaps(&afternoon));
        assert!(!afternoon.overlaps(&morning));
        assert!(whole.overlaps(&morning));
        assert!(afternoon.overlaps(&whole));
        // Ending at noon, the next starting in the afternoon of the same day: back to back, no overlap.
        let a = span(d(2026, 3, 2), Am, day, Am);
        let b = span(day, Pm, d(2026, 3, 5), Pm);
        assert!(!a.overlaps(&b));
        let c = span(day, Am, d(2026, 3, 5), Pm);
        assert!(a.overlaps(&c));
        // Adjacent whole days.
        let x = LeaveSpan::whole_days(d(2026, 3, 2), d(2026, 3, 2)).unwrap();
        assert!(!x.overlaps(&LeaveSpan::whole_days(day, day).unwrap()));
    }

    #[test]
    fn contains_any_half() {
        let s = span(d(2026, 3, 3), Pm, d(2026, 3, 5), Am);
        assert!(s.contains(d(2026, 3, 3)));
        assert!(s.contains(d(2026, 3, 5)));
        assert!(!s.contains(d(2026, 3, 2)));
        assert!(!s.contains(d(2026, 3, 6)));
        assert!(!s.contains_slot(d(2026, 3, 3), Am));
        assert!(!s.contains_slot(d(2026, 3, 5), Pm));
        let slots: Vec<_> = s.slots().collect();
        assert_eq!(
            slots,
            vec![(d(2026, 3, 3), Pm), (d(2026, 3, 4), Am), (d(2026, 3, 4), Pm), (d(2026, 3, 5), Am)]
        );
    }

    #[test]
    fn half_on_rest_day() {
        let c = cal();
        // Starting Saturday afternoon.
        assert!(span(d(2026, 3, 7), Pm, d(2026, 3, 9), Pm).half_on_rest_day(&c));
        // Ending on a holiday morning.
        assert!(span(d(2026, 9, 30), Am, d(2026, 10, 1), Am).half_on_rest_day(&c));
        // A make-up Saturday afternoon is a working half.
        assert!(!span(d(2026, 2, 28), Pm, d(2026, 3, 2), Pm).half_on_rest_day(&c));
        // Whole days over a weekend are fine.
        assert!(!LeaveSpan::whole_days(d(2026, 3, 7), d(2026, 3, 9)).unwrap().half_on_rest_day(&c));
        // A whole-day start on a Sunday with a half-day end on a workday is fine.
        assert!(!span(d(2026, 3, 8), Am, d(2026, 3, 9), Am).half_on_rest_day(&c));
    }

    #[test]
    fn truncate_for_early_return() {
        let s = span(d(2026, 3, 3), Pm, d(2026, 3, 10), Pm);
        assert_eq!(s.truncate_end(d(2026, 3, 5), Am), Some(span(d(2026, 3, 3), Pm, d(2026, 3, 5), Am)));
        assert_eq!(s.truncate_end(d(2026, 3, 3), Pm), Some(span(d(2026, 3, 3), Pm, d(2026, 3, 3), Pm)));
        assert_eq!(s.truncate_end(d(2026, 3, 3), Am), None);
        assert_eq!(s.truncate_end(d(2026, 3, 2), Pm), None);
        assert_eq!(s.truncate_end(d(2026, 3, 10), Pm), Some(s));
        assert_eq!(s.truncate_end(d(2026, 4, 1), Am), Some(s));
    }

    #[test]
    fn unchecked_empty_span_is_empty() {
        let bad = LeaveSpan { start: d(2026, 3, 3), start_half: Pm, end: d(2026, 3, 3), end_half: Am };
        assert_eq!(bad.calendar_days(), HalfDays::ZERO);
        assert_eq!(bad.slots().count(), 0);
        assert!(!bad.overlaps(&LeaveSpan::whole_days(d(2026, 3, 3), d(2026, 3, 3)).unwrap()));
        assert_eq!(bad.truncate_end(d(2026, 3, 5), Am), None);
    }

    fn arb_span() -> impl Strategy<Value = LeaveSpan> {
        (0i64..900, 0i64..40, any::<bool>(), any::<bool>()).prop_filter_map("empty", |(off, len, a, b)| {
            let start = d(2025, 9, 1) + chrono::Duration::days(off);
            let end = start + chrono::Duration::days(len);
            LeaveSpan::new(start, if a { Am } else { Pm }, end, if b { Am } else { Pm }).ok()
        })
    }

    proptest! {
        #[test]
        fn counts_are_consistent(s in arb_span()) {
            let c = cal();
            prop_assert_eq!(s.calendar_days(), HalfDays(s.slots().count() as u32));
            let working = s.count(CountingUnit::WorkingDays, &c);
            prop_assert!(working <= s.calendar_days());
            let by_year: HalfDays = (2025..=2028).map(|y| s.count_in_year(CountingUnit::WorkingDays, &c, y)).sum();
            prop_assert_eq!(by_year, working);
            let whole = c.working_days(s.start, s.end) * 2;
            let trimmed = u32::from(s.start_half == Pm && c.is_working_day(s.start))
                + u32::from(s.end_half == Am && c.is_working_day(s.end));
            prop_assert_eq!(working.halves(), whole - trimmed);
        }

        #[test]
        fn overlap_matches_shared_slots(a in arb_span(), b in arb_span()) {
            let shared = a.slots().any(|slot| b.slots().any(|other| other == slot));
            prop_assert_eq!(a.overlaps(&b), shared);
            prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
        }
    }
}

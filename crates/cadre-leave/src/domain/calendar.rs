//! The PRC working calendar: weekends, 法定节假日 and 调休 make-up workdays.
//!
//! Which days are worked cannot be computed: the State Council publishes each year's holidays and the
//! weekend days moved to pay for them (调休) late in the previous year. So special days are data, and only
//! the Saturday/Sunday rule is code. Years with no data fall back to plain weekends.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

/// What a date is for attendance, after applying the year's special days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// A Monday to Friday with no special arrangement.
    Workday,
    /// A Saturday or Sunday with no special arrangement.
    Weekend,
    /// A published holiday (including weekend days swapped into the holiday block).
    Holiday,
    /// A weekend day worked to pay for a holiday block (调休上班).
    MakeupWorkday,
}

/// The two kinds of day the calendar stores as data; everything else follows from the weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpecialDayKind {
    /// A day off (放假).
    Holiday,
    /// A weekend day worked (上班).
    MakeupWorkday,
}

impl SpecialDayKind {
    /// The stable code for storage and the API, so a renamed variant does not rewrite stored data.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Holiday => "HOLIDAY",
            Self::MakeupWorkday => "MAKEUP_WORKDAY",
        }
    }

    /// Parses [`SpecialDayKind::code`]; `None` for anything else so bad input is refused, not guessed.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "HOLIDAY" => Some(Self::Holiday),
            "MAKEUP_WORKDAY" => Some(Self::MakeupWorkday),
            _ => None,
        }
    }
}

/// One published special day. `name` names the festival it belongs to (a make-up workday carries the name
/// of the holiday it pays for), so screens can say "春节调休上班".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpecialDay {
    /// The date.
    pub date: NaiveDate,
    /// Off or worked.
    pub kind: SpecialDayKind,
    /// The festival, in Chinese (e.g. "春节").
    pub name: String,
}

impl SpecialDay {
    /// Shorthand for building data tables.
    pub fn new(date: NaiveDate, kind: SpecialDayKind, name: impl Into<String>) -> Self {
        Self { date, kind, name: name.into() }
    }
}

/// The working calendar built from special days. Cheap to query, so leave counting can ask day by day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    special: BTreeMap<NaiveDate, SpecialDay>,
}

impl WorkCalendar {
    /// Builds the calendar; when a date appears twice the later entry wins, so a correction can be appended
    /// to the published list instead of editing it.
    pub fn new(days: impl IntoIterator<Item = SpecialDay>) -> Self {
        Self { special: days.into_iter().map(|day| (day.date, day)).collect() }
    }

    /// The calendar for the shipped seed years, so tests and a fresh install work before any data import.
    pub fn seeded(years: impl IntoIterator<Item = i32>) -> Self {
        Self::new(years.into_iter().filter_map(seed).flat_map(|year| year.days))
    }

    /// The stored special day on `date`, for screens that show the festival of a make-up workday too.
    pub fn special(&self, date: NaiveDate) -> Option<&SpecialDay> {
        self.special.get(&date)
    }

    /// All stored special days in date order, so the store can persist exactly what the calendar uses.
    pub fn special_days(&self) -> impl Iterator<Item = &SpecialDay> {
        self.special.values()
    }

    /// The kind of day: stored data first, then Saturday/Sunday are weekends.
    pub fn kind(&self, date: NaiveDate) -> DayKind {
        match self.special.get(&date).map(|day| day.kind) {
            Some(SpecialDayKind::Holiday) => DayKind::Holiday,
            Some(SpecialDayKind::MakeupWorkday) => DayKind::MakeupWorkday,
            None if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) => DayKind::Weekend,
            None => DayKind::Workday,
        }
    }

    /// Whether people are expected at work: ordinary workdays and 调休 make-up days.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        matches!(self.kind(date), DayKind::Workday | DayKind::MakeupWorkday)
    }

    /// The festival name when `date` is a holiday (not for make-up workdays: they are not days off).
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        self.special.get(&date).filter(|day| day.kind == SpecialDayKind::Holiday).map(|day| day.name.as_str())
    }

    /// Working days from `from` to `to`, both included; 0 when `to` is before `from`.
    pub fn working_days(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to < from {
            return 0;
        }
        let count =
            from.iter_days().take_while(|day| *day <= to).filter(|day| self.is_working_day(*day)).count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// The `n`-th working day after `from` (`n = 0`: `from` itself when it is worked, else the next working
    /// day), for deadlines such as "within 2 working days". Saturates at the last representable date.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return self.next_working_day_on_or_after(from);
        }
        let mut remaining = n;
        let mut day = from;
        while let Some(next) = day.succ_opt() {
            day = next;
            if self.is_working_day(day) {
                remaining -= 1;
                if remaining == 0 {
                    break;
                }
            }
        }
        day
    }

    /// `date` when it is worked, else the next working day (e.g. when a leave due back on a holiday really
    /// ends). Saturates at the last representable date.
    pub fn next_working_day_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        while !self.is_working_day(day) {
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        day
    }
}

/// One year of shipped special days, with where they come from and whether they are final.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedYear {
    /// The calendar year.
    pub year: i32,
    /// `true` when the State Council notice for the year is published and transcribed; `false` for a
    /// provisional list that an administrator must replace once the notice appears.
    pub official: bool,
    /// The source, so an administrator can check the data against it.
    pub source_ref: &'static str,
    /// The special days.
    pub days: Vec<SpecialDay>,
}

/// The shipped calendar data for `year`, or `None` when nothing is shipped (then only weekends apply until
/// the year is imported).
pub fn seed(year: i32) -> Option<SeedYear> {
    match year {
        2026 => Some(seed_2026()),
        2027 => Some(seed_2027()),
        _ => None,
    }
}

/// The years [`seed`] knows.
pub const SEED_YEARS: &[i32] = &[2026, 2027];

fn push_range(
    days: &mut Vec<SpecialDay>,
    name: &str,
    kind: SpecialDayKind,
    year: i32,
    from: (u32, u32),
    to: (u32, u32),
) {
    let (Some(first), Some(last)) =
        (NaiveDate::from_ymd_opt(year, from.0, from.1), NaiveDate::from_ymd_opt(year, to.0, to.1))
    else {
        // Seed tables are literals; the seed tests count every year's days, so a typo fails there.
        return;
    };
    days.extend(
        first.iter_days().take_while(|day| *day <= last).map(|date| SpecialDay::new(date, kind, name)),
    );
}

fn seed_2026() -> SeedYear {
    use SpecialDayKind::{Holiday as H, MakeupWorkday as M};
    let y = 2026;
    let mut days = Vec::new();
    push_range(&mut days, "元旦", H, y, (1, 1), (1, 3));
    push_range(&mut days, "元旦", M, y, (1, 4), (1, 4));
    push_range(&mut days, "春节", M, y, (2, 14), (2, 14));
    push_range(&mut days, "春节", H, y, (2, 15), (2, 23));
    push_range(&mut days, "春节", M, y, (2, 28), (2, 28));
    push_range(&mut days, "清明节", H, y, (4, 4), (4, 6));
    push_range(&mut days, "劳动节", H, y, (5, 1), (5, 5));
    push_range(&mut days, "劳动节", M, y, (5, 9), (5, 9));
    push_range(&mut days, "端午节", H, y, (6, 19), (6, 21));
    push_range(&mut days, "国庆节", M, y, (9, 20), (9, 20));
    push_range(&mut days, "中秋节", H, y, (9, 25), (9, 27));
    push_range(&mut days, "国庆节", H, y, (10, 1), (10, 7));
    push_range(&mut days, "国庆节", M, y, (10, 10), (10, 10));
    SeedYear {
        year: y,
        official: true,
        source_ref: "《国务院办公厅关于2026年部分节假日安排的通知》(2025-11-04, 新华社; \
                     politics.gmw.cn/2025-11/04/content_38391083.htm)",
        days,
    }
}

fn seed_2027() -> SeedYear {
    use SpecialDayKind::Holiday as H;
    let y = 2027;
    let mut days = Vec::new();
    push_range(&mut days, "元旦", H, y, (1, 1), (1, 1));
    push_range(&mut days, "春节", H, y, (2, 5), (2, 8));
    push_range(&mut days, "清明节", H, y, (4, 5), (4, 5));
    push_range(&mut days, "劳动节", H, y, (5, 1), (5, 2));
    push_range(&mut days, "端午节", H, y, (6, 9), (6, 9));
    push_range(&mut days, "中秋节", H, y, (9, 15), (9, 15));
    push_range(&mut days, "国庆节", H, y, (10, 1), (10, 3));
    SeedYear {
        year: y,
        official: false,
        source_ref: "PROVISIONAL: statutory days only from 《全国年节及纪念日放假办法》(2024 revision: 元旦 1, \
                     春节 4 from 除夕, 清明节 1, 劳动节 2, 端午节 1, 中秋节 1, 国庆节 3) on their 2027 dates; \
                     no 调休 because the State Council notice on the 2027 holidays is not yet published. \
                     Replace with the notice when it appears.",
        days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::seeded(SEED_YEARS.iter().copied())
    }

    #[test]
    fn seed_weekdays_match_the_notice() {
        // The notice gives the weekday of every make-up day; a transcription slip would break these.
        let c = cal();
        for (date, weekday) in [
            (d(2026, 1, 4), Weekday::Sun),
            (d(2026, 2, 14), Weekday::Sat),
            (d(2026, 2, 28), Weekday::Sat),
            (d(2026, 5, 9), Weekday::Sat),
            (d(2026, 9, 20), Weekday::Sun),
            (d(2026, 10, 10), Weekday::Sat),
        ] {
            assert_eq!(date.weekday(), weekday, "{date}");
            assert_eq!(c.kind(date), DayKind::MakeupWorkday, "{date}");
        }
        let holidays_2026 =
            seed(2026).unwrap().days.iter().filter(|s| s.kind == SpecialDayKind::Holiday).count();
        assert_eq!(holidays_2026, 3 + 9 + 3 + 5 + 3 + 3 + 7);
        let s27 = seed(2027).unwrap();
        assert!(!s27.official);
        assert!(s27.source_ref.contains("not yet published"));
        assert!(s27.days.iter().all(|s| s.kind == SpecialDayKind::Holiday));
        assert_eq!(s27.days.len(), 1 + 4 + 1 + 2 + 1 + 1 + 3);
        assert!(seed(2026).unwrap().official);
        assert!(seed(2025).is_none());
    }

    #[test]
    fn kinds_and_names() {
        let c = cal();
        assert_eq!(c.kind(d(2026, 2, 17)), DayKind::Holiday);
        assert_eq!(c.holiday_name(d(2026, 2, 17)), Some("春节"));
        // A weekend day inside the block is a holiday too.
        assert_eq!(c.kind(d(2026, 2, 15)), DayKind::Holiday);
        // A make-up day is not a holiday but keeps the festival name.
        assert_eq!(c.holiday_name(d(2026, 2, 14)), None);
        assert_eq!(c.special(d(2026, 2, 14)).map(|s| s.name.as_str()), Some("春节"));
        assert_eq!(c.kind(d(2026, 3, 2)), DayKind::Workday);
        assert_eq!(c.kind(d(2026, 3, 7)), DayKind::Weekend);
        assert_eq!(c.holiday_name(d(2027, 2, 5)), Some("春节"));
        assert_eq!(c.holiday_name(d(2026, 10, 1)), Some("国庆节"));
        assert_eq!(c.holiday_name(d(2026, 9, 25)), Some("中秋节"));
    }

    #[test]
    fn spring_festival_2026_counts() {
        let c = cal();
        // Feb 9 (Mon) .. Mar 1 (Sun): week of Feb 9: 5 workdays; Sat Feb 14 make-up: 1; Feb 15-23 holiday;
        // Feb 24-27: 4 workdays; Sat Feb 28 make-up: 1; Mar 1 Sunday.
        assert_eq!(c.working_days(d(2026, 2, 9), d(2026, 3, 1)), 5 + 1 + 4 + 1);
        // The whole block alone has no working day.
        assert_eq!(c.working_days(d(2026, 2, 15), d(2026, 2, 23)), 0);
        // Both make-up Saturdays count.
        assert_eq!(c.working_days(d(2026, 2, 14), d(2026, 2, 14)), 1);
        assert_eq!(c.working_days(d(2026, 2, 28), d(2026, 2, 28)), 1);
        // February 2026 overall: 20 Mon-Fri, minus 6 Mon-Fri in the block (16-20, 23), plus 2 Saturdays.
        assert_eq!(c.working_days(d(2026, 2, 1), d(2026, 2, 28)), 20 - 6 + 2);
    }

    #[test]
    fn makeup_sunday_counts_as_working() {
        let c = cal();
        assert!(c.is_working_day(d(2026, 1, 4)));
        assert!(c.is_working_day(d(2026, 9, 20)));
        assert!(!c.is_working_day(d(2026, 1, 3)));
        // New Year week: Jan 1-3 off, Sun Jan 4 worked, Jan 5-9 worked.
        assert_eq!(c.working_days(d(2025, 12, 31), d(2026, 1, 9)), 1 + 1 + 5);
    }

    #[test]
    fn add_working_days_across_national_day() {
        let c = cal();
        // Wed Sep 30 + 1 working day: Oct 1-7 off, Thu Oct 8.
        assert_eq!(c.add_working_days(d(2026, 9, 30), 1), d(2026, 10, 8));
        // Oct 8 (Thu), 9 (Fri), 10 (make-up Sat), 12 (Mon).
        assert_eq!(c.add_working_days(d(2026, 9, 30), 3), d(2026, 10, 10));
        assert_eq!(c.add_working_days(d(2026, 9, 30), 4), d(2026, 10, 12));
        // From inside the block.
        assert_eq!(c.add_working_days(d(2026, 10, 3), 0), d(2026, 10, 8));
        assert_eq!(c.add_working_days(d(2026, 10, 3), 1), d(2026, 10, 8));
        // n = 0 on a working day is the day itself.
        assert_eq!(c.add_working_days(d(2026, 9, 30), 0), d(2026, 9, 30));
        // The make-up Sunday before: Fri Sep 18 + 1 = Sun Sep 20.
        assert_eq!(c.add_working_days(d(2026, 9, 18), 1), d(2026, 9, 20));
        assert_eq!(c.next_working_day_on_or_after(d(2026, 9, 26)), d(2026, 9, 28));
    }

    #[test]
    fn years_outside_the_seed_are_plain_weekends() {
        let c = cal();
        // 2025-10-01 was a holiday in reality; without data it is an ordinary Wednesday.
        assert_eq!(c.kind(d(2025, 10, 1)), DayKind::Workday);
        assert_eq!(c.kind(d(2030, 2, 2)), DayKind::Weekend);
        assert_eq!(c.working_days(d(2030, 1, 1), d(2030, 12, 31)), 261);
        let empty = WorkCalendar::default();
        assert_eq!(empty.working_days(d(2026, 2, 9), d(2026, 3, 1)), 15);
        assert_eq!(empty.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 16));
    }

    #[test]
    fn provisional_2027_has_no_makeup_days() {
        let c = cal();
        // 2027-02-06 is a Saturday inside the statutory block; Sunday Feb 7 too; Mon Feb 8 is 初三.
        assert_eq!(c.kind(d(2027, 2, 6)), DayKind::Holiday);
        assert!(!c.is_working_day(d(2027, 2, 8)));
        assert!(c.is_working_day(d(2027, 2, 9)));
        assert_eq!(c.working_days(d(2027, 2, 1), d(2027, 2, 12)), 10 - 2);
    }

    #[test]
    fn reversed_range_and_later_entry_wins() {
        let c = cal();
        assert_eq!(c.working_days(d(2026, 3, 2), d(2026, 3, 1)), 0);
        let fixed = WorkCalendar::new([
            SpecialDay::new(d(2026, 3, 2), SpecialDayKind::Holiday, "x"),
            SpecialDay::new(d(2026, 3, 2), SpecialDayKind::MakeupWorkday, "y"),
        ]);
        assert_eq!(fixed.kind(d(2026, 3, 2)), DayKind::MakeupWorkday);
        assert_eq!(fixed.special_days().count(), 1);
        assert_eq!(SpecialDayKind::from_code("MAKEUP_WORKDAY"), Some(SpecialDayKind::MakeupWorkday));
        assert_eq!(SpecialDayKind::from_code(SpecialDayKind::Holiday.code()), Some(SpecialDayKind::Holiday));
        assert_eq!(SpecialDayKind::from_code("holiday"), None);
    }

    #[test]
    fn saturates_at_the_end_of_time() {
        let c = WorkCalendar::default();
        assert_eq!(c.add_working_days(NaiveDate::MAX, 3), NaiveDate::MAX);
    }

    proptest! {
        #[test]
        fn add_and_count_agree(offset in 0i64..800, n in 1u32..60) {
            let c = cal();
            let from = d(2025, 10, 1) + chrono::Duration::days(offset);
            let to = c.add_working_days(from, n);
            prop_assert!(c.is_working_day(to));
            prop_assert_eq!(c.working_days(from.succ_opt().unwrap(), to), n);
        }

        #[test]
        fn counts_are_additive(offset in 0i64..700, a in 0i64..60, b in 0i64..60) {
            let c = cal();
            let from = d(2025, 11, 1) + chrono::Duration::days(offset);
            let mid = from + chrono::Duration::days(a);
            let to = mid + chrono::Duration::days(b + 1);
            prop_assert_eq!(
                c.working_days(from, to),
                c.working_days(from, mid) + c.working_days(mid.succ_opt().unwrap(), to)
            );
        }
    }
}

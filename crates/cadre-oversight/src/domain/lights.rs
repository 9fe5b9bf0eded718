//! Deadline lights of rectification tasks (features.md #94: yellow a few working days before the deadline,
//! red once it has passed). Working days follow the PRC calendar the caller supplies: weekends rest unless
//! a 调休 makes them working days, and holidays rest.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

use super::codes::DeadlineLight;

/// Which days are worked: the holidays and the make-up working days (调休) the calendar lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    makeup_workdays: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// A calendar with these rest days and these weekend days worked instead.
    pub fn new(
        holidays: impl IntoIterator<Item = NaiveDate>,
        makeup_workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
            makeup_workdays: makeup_workdays.into_iter().collect(),
        }
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.makeup_workdays.contains(&day) {
            return true;
        }
        !self.holidays.contains(&day) && !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }
}

/// The first day of the yellow light: the `working_days`-th working day before `deadline` (the deadline
/// itself not counted), so a Friday deadline with 3 turns yellow on Tuesday. 0 is the deadline itself.
pub fn warning_from(deadline: NaiveDate, working_days: u32, calendar: &Calendar) -> NaiveDate {
    let mut day = deadline;
    let mut counted = 0;
    while counted < working_days {
        let Some(before) = day.pred_opt() else {
            return NaiveDate::MIN;
        };
        day = before;
        if calendar.is_working_day(day) {
            counted += 1;
        }
    }
    day
}

/// The light of a task on `today`: done once closed, red after the deadline, yellow from `warning_from`,
/// green before.
pub fn light(today: NaiveDate, warning_from: NaiveDate, deadline: NaiveDate, closed: bool) -> DeadlineLight {
    if closed {
        DeadlineLight::Done
    } else if today > deadline {
        DeadlineLight::Red
    } else if today >= warning_from {
        DeadlineLight::Yellow
    } else {
        DeadlineLight::Green
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// 国庆 2026: 10-01 (Thu) to 10-07 (Wed) rest; Sunday 09-27 and Saturday 10-10 are worked.
    fn national_day_2026() -> Calendar {
        Calendar::new((1..=7).map(|day| d(2026, 10, day)), [d(2026, 9, 27), d(2026, 10, 10)])
    }

    #[test]
    fn the_calendar_knows_weekends_holidays_and_makeup_days() {
        let calendar = national_day_2026();
        assert_eq!(d(2026, 9, 27).weekday(), Weekday::Sun);
        assert_eq!(d(2026, 10, 1).weekday(), Weekday::Thu);
        assert_eq!(d(2026, 10, 10).weekday(), Weekday::Sat);
        assert!(calendar.is_working_day(d(2026, 9, 27)));
        assert!(calendar.is_working_day(d(2026, 10, 10)));
        assert!(!calendar.is_working_day(d(2026, 10, 1)));
        assert!(!calendar.is_working_day(d(2026, 10, 5)));
        assert!(!calendar.is_working_day(d(2026, 10, 11)));
        assert!(calendar.is_working_day(d(2026, 10, 8)));
        assert!(!Calendar::default().is_working_day(d(2026, 9, 27)));
    }

    #[test]
    fn the_warning_starts_three_working_days_before() {
        let plain = Calendar::default();
        // Friday 2026-09-18 → Tuesday 09-15; Monday 09-21 → Wednesday 09-16.
        assert_eq!(warning_from(d(2026, 9, 18), 3, &plain), d(2026, 9, 15));
        assert_eq!(warning_from(d(2026, 9, 21), 3, &plain), d(2026, 9, 16));
        assert_eq!(warning_from(d(2026, 9, 21), 0, &plain), d(2026, 9, 21));
        assert_eq!(warning_from(d(2026, 9, 21), 1, &plain), d(2026, 9, 18));
    }

    #[test]
    fn the_warning_reaches_back_across_the_national_day_holidays() {
        let calendar = national_day_2026();
        // Friday 10-09: Thursday 10-08, then the holidays, then 09-30 and 09-29.
        assert_eq!(warning_from(d(2026, 10, 9), 3, &calendar), d(2026, 9, 29));
        // Thursday 10-08: 09-30, 09-29, 09-28; a fourth day is the make-up Sunday 09-27.
        assert_eq!(warning_from(d(2026, 10, 8), 3, &calendar), d(2026, 9, 28));
        assert_eq!(warning_from(d(2026, 10, 8), 4, &calendar), d(2026, 9, 27));
        // Monday 10-12: the make-up Saturday 10-10 counts, Sunday 10-11 does not.
        assert_eq!(warning_from(d(2026, 10, 12), 3, &calendar), d(2026, 10, 8));
        // Without the holidays the same Friday deadline would warn from Tuesday 10-06.
        assert_eq!(warning_from(d(2026, 10, 9), 3, &Calendar::default()), d(2026, 10, 6));
    }

    #[test]
    fn lights_go_green_yellow_red_and_done() {
        let deadline = d(2026, 10, 9);
        let warn = warning_from(deadline, 3, &national_day_2026());
        assert_eq!(light(d(2026, 9, 28), warn, deadline, false), DeadlineLight::Green);
        assert_eq!(light(d(2026, 9, 29), warn, deadline, false), DeadlineLight::Yellow);
        assert_eq!(light(d(2026, 10, 4), warn, deadline, false), DeadlineLight::Yellow);
        assert_eq!(light(deadline, warn, deadline, false), DeadlineLight::Yellow);
        assert_eq!(light(d(2026, 10, 10), warn, deadline, false), DeadlineLight::Red);
        assert_eq!(light(d(2026, 10, 10), warn, deadline, true), DeadlineLight::Done);
        assert_eq!(light(d(2026, 9, 1), warn, deadline, true), DeadlineLight::Done);
    }
}

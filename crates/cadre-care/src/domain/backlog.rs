//! The dossier backlog (档案清淤, domain.md §6.4): each item due a policy number of months after it was
//! detected (归档规定: materials filed within one month), and a burn-down per owner unit: the items open at
//! each week's end over a period, with the items opened and resolved within it.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// The day an item detected on `detected` is due.
pub fn due_on(detected: NaiveDate, months: u32) -> NaiveDate {
    detected.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// An item's life, as the burn-down counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Detected.
    pub detected: NaiveDate,
    /// Due.
    pub due: NaiveDate,
    /// Resolved, if it was.
    pub resolved: Option<NaiveDate>,
}

impl Span {
    /// Whether open at the end of `day`.
    pub fn open_at(&self, day: NaiveDate) -> bool {
        self.detected <= day && self.resolved.is_none_or(|r| r > day)
    }

    /// Whether open and past due at the end of `day`.
    pub fn overdue_at(&self, day: NaiveDate) -> bool {
        self.open_at(day) && day > self.due
    }
}

/// One unit's burn-down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Burndown {
    /// (week's end, open items at its end): every Sunday within the period, and the period's last day.
    pub points: Vec<(NaiveDate, u32)>,
    /// Items detected within the period.
    pub opened: u32,
    /// Items resolved within the period.
    pub resolved: u32,
    /// Items open and overdue at the period's end.
    pub overdue: u32,
}

/// The week ends (Sundays) within `start..=end`, and `end` itself when it is not a Sunday.
pub fn week_ends(start: NaiveDate, end: NaiveDate) -> Vec<NaiveDate> {
    let mut days = Vec::new();
    let to_sunday = (7 - start.weekday().num_days_from_sunday()) % 7;
    let mut day = start.checked_add_days(Days::new(u64::from(to_sunday)));
    while let Some(sunday) = day.filter(|d| *d <= end) {
        days.push(sunday);
        day = sunday.checked_add_days(Days::new(7));
    }
    if end.weekday() != Weekday::Sun && start <= end {
        days.push(end);
    }
    days
}

fn count(items: &[Span], test: impl Fn(&Span) -> bool) -> u32 {
    u32::try_from(items.iter().filter(|s| test(s)).count()).unwrap_or(u32::MAX)
}

/// The burn-down of `items` over `start..=end`.
pub fn burndown(items: &[Span], start: NaiveDate, end: NaiveDate) -> Burndown {
    Burndown {
        points: week_ends(start, end)
            .into_iter()
            .map(|day| (day, count(items, |s| s.open_at(day))))
            .collect(),
        opened: count(items, |s| s.detected >= start && s.detected <= end),
        resolved: count(items, |s| s.resolved.is_some_and(|r| r >= start && r <= end)),
        overdue: count(items, |s| s.overdue_at(end)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn an_item_is_due_a_month_after_detection() {
        assert_eq!(due_on(d("2026-01-15"), 1), d("2026-02-15"));
        assert_eq!(due_on(d("2026-01-31"), 1), d("2026-02-28"), "to the month's last day");
    }

    #[test]
    fn weeks_end_on_sundays_and_at_the_period_end() {
        // 2026-03-02 is a Monday.
        assert_eq!(
            week_ends(d("2026-03-02"), d("2026-03-17")),
            vec![d("2026-03-08"), d("2026-03-15"), d("2026-03-17")]
        );
        assert_eq!(week_ends(d("2026-03-08"), d("2026-03-15")), vec![d("2026-03-08"), d("2026-03-15")]);
        assert!(week_ends(d("2026-03-09"), d("2026-03-08")).is_empty());
    }

    #[test]
    fn the_burn_down_counts_open_items_at_each_week_end() {
        let items = [
            // Open before the period, resolved in its second week.
            Span { detected: d("2026-02-01"), due: d("2026-03-01"), resolved: Some(d("2026-03-10")) },
            // Opened in the first week, still open and overdue at the end.
            Span { detected: d("2026-03-03"), due: d("2026-04-03"), resolved: None },
            // Opened and resolved within the third week.
            Span { detected: d("2026-03-16"), due: d("2026-04-16"), resolved: Some(d("2026-03-17")) },
        ];
        let report = burndown(&items, d("2026-03-02"), d("2026-04-05"));
        assert_eq!(report.points[0], (d("2026-03-08"), 2));
        assert_eq!(report.points[1], (d("2026-03-15"), 1));
        assert_eq!(report.points[2], (d("2026-03-22"), 1));
        assert_eq!(*report.points.last().unwrap(), (d("2026-04-05"), 1));
        assert_eq!((report.opened, report.resolved, report.overdue), (2, 2, 1));
        let earlier = burndown(&items, d("2026-03-02"), d("2026-03-22"));
        assert_eq!(earlier.overdue, 0, "not yet past due on 22 March");
    }
}

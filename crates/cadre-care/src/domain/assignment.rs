//! Front-line assignments (选派到一线, domain.md §5.3): where one stands on a day, and when it may be
//! evaluated (only after its last day).

use chrono::NaiveDate;

/// Where an assignment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not started.
    Planned,
    /// Under way.
    Active,
    /// Ended, not evaluated.
    Ended,
    /// Evaluated.
    Evaluated,
}

impl Status {
    /// The proto number.
    pub fn number(self) -> i32 {
        match self {
            Status::Planned => 1,
            Status::Active => 2,
            Status::Ended => 3,
            Status::Evaluated => 4,
        }
    }
}

/// Where an assignment from `start` to `end` stands on `today`.
pub fn status(start: NaiveDate, end: NaiveDate, evaluated: bool, today: NaiveDate) -> Status {
    if evaluated {
        Status::Evaluated
    } else if today < start {
        Status::Planned
    } else if today <= end {
        Status::Active
    } else {
        Status::Ended
    }
}

/// Whether it may be evaluated on `today`: after its last day, and once.
pub fn may_evaluate(end: NaiveDate, evaluated: bool, today: NaiveDate) -> bool {
    !evaluated && today > end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn status_follows_the_dates() {
        let (start, end) = (d("2026-03-01"), d("2026-08-31"));
        assert_eq!(status(start, end, false, d("2026-02-28")), Status::Planned);
        assert_eq!(status(start, end, false, d("2026-03-01")), Status::Active);
        assert_eq!(status(start, end, false, d("2026-08-31")), Status::Active);
        assert_eq!(status(start, end, false, d("2026-09-01")), Status::Ended);
        assert_eq!(status(start, end, true, d("2026-09-01")), Status::Evaluated);
    }

    #[test]
    fn evaluation_comes_only_after_the_last_day() {
        let end = d("2026-08-31");
        assert!(!may_evaluate(end, false, end));
        assert!(may_evaluate(end, false, d("2026-09-01")));
        assert!(!may_evaluate(end, true, d("2026-09-01")));
    }
}

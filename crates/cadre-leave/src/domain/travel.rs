//! 外出报备 timing (domain.md §3.3): leaving the locality is reported ahead, separately from leave, with
//! depart and return times to the 上午/下午/晚上; an emergency is reported by phone and the form completed
//! within a few days.

use chrono::NaiveDate;

/// Part of a day, as the 报备表 records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DayPart {
    /// 上午.
    Morning,
    /// 下午.
    Afternoon,
    /// 晚上.
    Evening,
}

impl DayPart {
    /// The stable code for storage and the API.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Morning => "MORNING",
            Self::Afternoon => "AFTERNOON",
            Self::Evening => "EVENING",
        }
    }

    /// Parses [`DayPart::code`]; `None` for anything else so bad input is refused, not guessed.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "MORNING" => Some(Self::Morning),
            "AFTERNOON" => Some(Self::Afternoon),
            "EVENING" => Some(Self::Evening),
            _ => None,
        }
    }
}

/// How far ahead a trip is reported, and how soon an emergency report is completed. Local texts differ (1
/// day in 盘锦, 3 days elsewhere), hence policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelPolicy {
    /// Calendar days before departure the report is due.
    pub notice_days: u32,
    /// Calendar days after a phone report to complete the form.
    pub emergency_completion_days: u32,
}

impl Default for TravelPolicy {
    /// 1 day ahead; emergencies completed within 2 days.
    fn default() -> Self {
        Self { notice_days: 1, emergency_completion_days: 2 }
    }
}

/// Whether a report came in time, for the 报备 ledger and 考核 evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    /// On or before the due date.
    OnTime,
    /// After the due date.
    Late {
        /// Calendar days after the due date.
        days_short: u32,
    },
}

fn days_after(date: NaiveDate, due: NaiveDate) -> Filing {
    let late = (date - due).num_days();
    if late <= 0 {
        Filing::OnTime
    } else {
        Filing::Late { days_short: u32::try_from(late).unwrap_or(u32::MAX) }
    }
}

/// Whether a report filed on `filed_on` meets the notice for departing on `depart`: it is due
/// `notice_days` calendar days before departure (the day before, by default).
pub fn filing_timeliness(filed_on: NaiveDate, depart: NaiveDate, policy: &TravelPolicy) -> Filing {
    match depart.checked_sub_days(chrono::Days::new(u64::from(policy.notice_days))) {
        Some(due) => days_after(filed_on, due),
        // why: a departure so early in the calendar that the due date does not exist; nothing can be late.
        None => Filing::OnTime,
    }
}

/// Whether the written form for an emergency trip, reported by phone on `reported_on`, was completed within
/// `emergency_completion_days`.
pub fn emergency_completion(
    reported_on: NaiveDate,
    completed_on: NaiveDate,
    policy: &TravelPolicy,
) -> Filing {
    match reported_on.checked_add_days(chrono::Days::new(u64::from(policy.emergency_completion_days))) {
        Some(due) => days_after(completed_on, due),
        None => Filing::OnTime,
    }
}

/// Why an itinerary is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TravelError {
    /// The return is earlier than the departure.
    #[error("the return is before the departure")]
    ReturnBeforeDeparture,
}

impl TravelError {
    /// The UPPER_SNAKE code for API error details.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::ReturnBeforeDeparture => "RETURN_BEFORE_DEPARTURE",
        }
    }
}

/// Checks that the return is not before the departure; the same part of the same day is a valid short
/// trip.
pub fn check_itinerary(depart: (NaiveDate, DayPart), ret: (NaiveDate, DayPart)) -> Result<(), TravelError> {
    if ret < depart { Err(TravelError::ReturnBeforeDeparture) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DayPart::{Afternoon, Evening, Morning};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn one_day_notice() {
        let p = TravelPolicy::default();
        assert_eq!(filing_timeliness(d(2026, 3, 4), d(2026, 3, 5), &p), Filing::OnTime);
        assert_eq!(filing_timeliness(d(2026, 3, 1), d(2026, 3, 5), &p), Filing::OnTime);
        assert_eq!(filing_timeliness(d(2026, 3, 5), d(2026, 3, 5), &p), Filing::Late { days_short: 1 });
        // Filed after leaving.
        assert_eq!(filing_timeliness(d(2026, 3, 7), d(2026, 3, 5), &p), Filing::Late { days_short: 3 });
        // Across the year end.
        assert_eq!(filing_timeliness(d(2025, 12, 31), d(2026, 1, 1), &p), Filing::OnTime);
        assert_eq!(filing_timeliness(d(2026, 1, 1), d(2026, 1, 1), &p), Filing::Late { days_short: 1 });
    }

    #[test]
    fn three_day_notice_and_zero() {
        let p = TravelPolicy { notice_days: 3, ..TravelPolicy::default() };
        assert_eq!(filing_timeliness(d(2026, 3, 2), d(2026, 3, 5), &p), Filing::OnTime);
        assert_eq!(filing_timeliness(d(2026, 3, 4), d(2026, 3, 5), &p), Filing::Late { days_short: 2 });
        // Across 29 February 2028.
        assert_eq!(filing_timeliness(d(2028, 2, 27), d(2028, 3, 1), &p), Filing::OnTime);
        assert_eq!(filing_timeliness(d(2028, 2, 28), d(2028, 3, 1), &p), Filing::Late { days_short: 1 });
        let same_day = TravelPolicy { notice_days: 0, ..TravelPolicy::default() };
        assert_eq!(filing_timeliness(d(2026, 3, 5), d(2026, 3, 5), &same_day), Filing::OnTime);
        assert_eq!(filing_timeliness(NaiveDate::MAX, NaiveDate::MIN, &p), Filing::OnTime);
    }

    #[test]
    fn emergency_within_two_days() {
        let p = TravelPolicy::default();
        assert_eq!(emergency_completion(d(2026, 3, 5), d(2026, 3, 7), &p), Filing::OnTime);
        assert_eq!(emergency_completion(d(2026, 3, 5), d(2026, 3, 8), &p), Filing::Late { days_short: 1 });
        assert_eq!(emergency_completion(d(2026, 12, 30), d(2027, 1, 1), &p), Filing::OnTime);
    }

    #[test]
    fn itinerary() {
        assert_eq!(check_itinerary((d(2026, 3, 5), Morning), (d(2026, 3, 5), Morning)), Ok(()));
        assert_eq!(check_itinerary((d(2026, 3, 5), Morning), (d(2026, 3, 5), Evening)), Ok(()));
        assert_eq!(
            check_itinerary((d(2026, 3, 5), Evening), (d(2026, 3, 5), Afternoon)),
            Err(TravelError::ReturnBeforeDeparture)
        );
        assert_eq!(
            check_itinerary((d(2026, 3, 5), Morning), (d(2026, 3, 4), Evening)),
            Err(TravelError::ReturnBeforeDeparture)
        );
        assert_eq!(check_itinerary((d(2026, 3, 5), Evening), (d(2026, 3, 6), Morning)), Ok(()));
        assert_eq!(TravelError::ReturnBeforeDeparture.reason(), "RETURN_BEFORE_DEPARTURE");
    }

    #[test]
    fn codes() {
        for part in [Morning, Afternoon, Evening] {
            assert_eq!(DayPart::from_code(part.code()), Some(part));
        }
        assert_eq!(DayPart::from_code("NIGHT"), None);
    }
}

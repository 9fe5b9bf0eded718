//! Calendar days on the wire (`cadre.type.v1.Date`) and in the code (`NaiveDate`), read and checked the same
//! way by every service: a day is a day, never an instant.

use cadre_proto::types;
use chrono::{Datelike, NaiveDate};

use crate::Violations;

/// A proto date as a calendar day; `None` for an impossible date or a year outside the proto's 1..=9999.
pub fn date_from(date: &types::Date) -> Option<NaiveDate> {
    let (month, day) = (u32::try_from(date.month).ok()?, u32::try_from(date.day).ok()?);
    NaiveDate::from_ymd_opt(date.year, month, day).filter(|_| (1..=9999).contains(&date.year))
}

/// A calendar day as a proto date.
pub fn date_to(date: NaiveDate) -> types::Date {
    // Month and day are at most 12 and 31: the casts cannot wrap.
    types::Date { year: date.year(), month: date.month() as i32, day: date.day() as i32 }
}

/// A date that may be left unset: `None` without a violation when unset, `None` with one when invalid.
pub fn optional_date(
    violations: &mut Violations,
    field: &str,
    date: Option<&types::Date>,
) -> Option<NaiveDate> {
    let date = date?;
    let parsed = date_from(date);
    violations.require(parsed.is_some(), field, "is not a valid calendar date (year 1..9999)");
    parsed
}

/// A date the request must carry.
pub fn required_date(
    violations: &mut Violations,
    field: &str,
    date: Option<&types::Date>,
) -> Option<NaiveDate> {
    violations.require(date.is_some(), field, "is required");
    optional_date(violations, field, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_and_impossible_ones_are_refused() {
        let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(date_from(&date_to(day)), Some(day));
        assert_eq!(date_from(&types::Date { year: 2023, month: 2, day: 29 }), None);
        assert_eq!(date_from(&types::Date { year: 0, month: 1, day: 1 }), None);
        assert_eq!(date_from(&types::Date { year: 2023, month: -1, day: 1 }), None);
        let mut violations = Violations::default();
        assert_eq!(required_date(&mut violations, "start_date", None), None);
        assert_eq!(optional_date(&mut violations, "end_date", None), None);
        assert!(violations.finish("INVALID", "bad").is_err());
    }
}

//! Proto ⇄ domain conversions shared by every method group, so that an id, a time, a level or a piece of
//! text is read and checked the same way whichever method receives it.
//!
//! Readers take a [`Violations`] and the field's path in the request, record what is wrong under that path
//! and return `None`; the caller finishes the violations once, so one answer names every bad field.

use cadre_platform::{ApiError, Violations};
use cadre_proto::forum as pb;
use chrono::{DateTime, Datelike as _, NaiveDateTime, Utc};

use crate::domain::{ForumLevel, ForumStatus, SessionState};

/// Trimmed texts with a length limit, and ids: the suite's shared checks.
pub use cadre_platform::input::{id, text};

/// The longest name, topic, place, reason or affiliation, in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// The longest description, in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// The most themes in a year's plan.
pub const MAX_THEMES: usize = 50;
/// The most units or cadres an audience names.
pub const MAX_AUDIENCE: usize = 2_000;
/// The most rows of a sign-in sheet.
pub const MAX_SHEET_ROWS: usize = 5_000;

pub use cadre_platform::dates::{date_from, date_to, optional_date, required_date};

/// A year within the range the suite keeps records for.
pub fn year(violations: &mut Violations, field: &str, year: i32) -> Option<i32> {
    let ok = (1990..=2999).contains(&year);
    violations.require(ok, field, "must be a year between 1990 and 2999");
    ok.then_some(year)
}

/// A list of ids, each checked, duplicates dropped (order kept).
pub fn ids(violations: &mut Violations, field: &str, values: &[String], max: usize) -> Vec<String> {
    if values.len() > max {
        violations.add(field, format!("at most {max} entries"));
    }
    let mut seen = std::collections::HashSet::new();
    values
        .iter()
        .enumerate()
        .map(|(i, v)| id(violations, &format!("{field}[{i}]"), v))
        .filter(|v| seen.insert(v.clone()))
        .collect()
}

/// A whole number in `range`.
pub fn number(
    violations: &mut Violations,
    field: &str,
    value: i32,
    range: std::ops::RangeInclusive<i32>,
) -> i32 {
    violations.require(
        range.contains(&value),
        field,
        format!("must be between {} and {}", range.start(), range.end()),
    );
    value
}

/// A required instant, in the years 1990 to 2999 (UTC) like every year the suite keeps records for, so that
/// the windows and days computed from it stay far from the ends of what a date can hold.
pub fn instant(
    violations: &mut Violations,
    field: &str,
    value: Option<&prost_types::Timestamp>,
) -> Option<DateTime<Utc>> {
    let Some(value) = value else {
        violations.add(field, "is required");
        return None;
    };
    let Some(parsed) =
        u32::try_from(value.nanos).ok().and_then(|nanos| DateTime::from_timestamp(value.seconds, nanos))
    else {
        violations.add(field, "is not a valid instant");
        return None;
    };
    let ok = (1990..=2999).contains(&parsed.year());
    violations.require(ok, field, "must be in the years 1990 to 2999");
    ok.then_some(parsed)
}

/// An instant as a proto timestamp.
pub fn timestamp(at: NaiveDateTime) -> prost_types::Timestamp {
    cadre_platform::clock::to_timestamp(at)
}

/// A level the request may leave unset.
pub fn optional_level(violations: &mut Violations, field: &str, number: i32) -> Option<ForumLevel> {
    if number == pb::ForumLevel::Unspecified as i32 {
        return None;
    }
    let level = level_of(number);
    violations.require(level.is_some(), field, "must be DISTRICT, UNIT or VILLAGE");
    level
}

/// The level of a proto number.
pub fn level_of(number: i32) -> Option<ForumLevel> {
    match pb::ForumLevel::try_from(number).ok()? {
        pb::ForumLevel::District => Some(ForumLevel::District),
        pb::ForumLevel::Unit => Some(ForumLevel::Unit),
        pb::ForumLevel::Village => Some(ForumLevel::Village),
        pb::ForumLevel::Unspecified => None,
    }
}

/// The proto number of a stored level.
pub fn level_to(code: &str) -> i32 {
    match ForumLevel::from_code(code) {
        Some(ForumLevel::District) => pb::ForumLevel::District as i32,
        Some(ForumLevel::Unit) => pb::ForumLevel::Unit as i32,
        Some(ForumLevel::Village) => pb::ForumLevel::Village as i32,
        None => pb::ForumLevel::Unspecified as i32,
    }
}

/// A forum status the request may leave unset.
pub fn optional_status(violations: &mut Violations, field: &str, number: i32) -> Option<ForumStatus> {
    if number == pb::ForumStatus::Unspecified as i32 {
        return None;
    }
    let status = pb::ForumStatus::try_from(number)
        .ok()
        .and_then(|s| ForumStatus::from_code(s.as_str_name().trim_start_matches("FORUM_STATUS_")));
    violations.require(status.is_some(), field, "must be a forum status");
    status
}

/// The proto number of a stored forum status.
pub fn status_to(code: &str) -> i32 {
    pb::ForumStatus::from_str_name(&format!("FORUM_STATUS_{code}")).map_or(0, |s| s as i32)
}

/// A session state the request may leave unset.
pub fn optional_state(violations: &mut Violations, field: &str, number: i32) -> Option<SessionState> {
    if number == pb::SessionState::Unspecified as i32 {
        return None;
    }
    let state = pb::SessionState::try_from(number)
        .ok()
        .and_then(|s| SessionState::from_code(s.as_str_name().trim_start_matches("SESSION_STATE_")));
    violations.require(state.is_some(), field, "must be a session state");
    state
}

/// The proto number of a stored session state.
pub fn state_to(code: &str) -> i32 {
    pb::SessionState::from_str_name(&format!("SESSION_STATE_{code}")).map_or(0, |s| s as i32)
}

/// The proto number of a stored attendance method.
pub fn method_to(code: &str) -> i32 {
    pb::AttendanceMethod::from_str_name(&format!("ATTENDANCE_METHOD_{code}")).map_or(0, |s| s as i32)
}

/// A page token's time key.
pub fn time_key(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// A time key read back; a token that does not parse is a bad token.
pub fn parse_time_key(key: &str) -> Result<NaiveDateTime, ApiError> {
    NaiveDateTime::parse_from_str(key, "%Y-%m-%dT%H:%M:%S%.6f").map_err(|_| {
        ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid for this query")
            .with_violation("page_token", "not a token from this query's previous page")
    })
}

/// Fails with `reason` and every violation recorded, or passes.
pub fn finish(violations: Violations, reason: &str, message: &str) -> Result<(), ApiError> {
    violations.finish(reason, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_codes() {
        for level in ForumLevel::ALL {
            assert_eq!(level_of(level_to(level.code())), Some(level));
        }
        for status in ForumStatus::ALL {
            let mut v = Violations::default();
            assert_eq!(optional_status(&mut v, "s", status_to(status.code())), Some(status));
            assert!(v.is_empty());
        }
        for state in SessionState::ALL {
            let mut v = Violations::default();
            assert_eq!(optional_state(&mut v, "s", state_to(state.code())), Some(state));
        }
        let mut v = Violations::default();
        assert_eq!(optional_level(&mut v, "level", 0), None);
        assert!(v.is_empty());
        assert_eq!(optional_level(&mut v, "level", 42), None);
        assert!(!v.is_empty());
    }

    #[test]
    fn instants_are_bounded_to_the_suites_years() {
        let at = |seconds: i64, nanos: i32| prost_types::Timestamp { seconds, nanos };
        let mut v = Violations::default();
        assert!(instant(&mut v, "t", Some(&at(1_772_323_200, 0))).is_some());
        assert!(v.is_empty());
        for bad in [
            at(i64::MAX, 0),
            at(i64::MIN, 0),
            at(8_000_000_000_000, 0),
            at(32_503_680_000, 0),
            at(631_151_999, 0),
            at(1_772_323_200, -1),
            at(1_772_323_200, 2_000_000_000),
        ] {
            let mut v = Violations::default();
            assert_eq!(instant(&mut v, "t", Some(&bad)), None, "{bad:?}");
            assert!(!v.is_empty(), "{bad:?}");
        }
        let mut v = Violations::default();
        assert_eq!(instant(&mut v, "t", None), None);
        assert!(!v.is_empty());
    }

    #[test]
    fn time_keys_round_trip() {
        let at = DateTime::from_timestamp_micros(1_772_323_201_123_456).unwrap().naive_utc();
        assert_eq!(parse_time_key(&time_key(at)).unwrap(), at);
        assert!(parse_time_key("yesterday").is_err());
    }
}

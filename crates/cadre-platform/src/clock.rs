//! Time as the suite sees it: instants in UTC, and one time zone (Asia/Shanghai, UTC+8 all year, no DST)
//! for every "today".

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// The district's UTC offset. China has kept UTC+8 without daylight saving since 1991.
pub fn district_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The current instant, truncated to microseconds so it survives a round trip through either database.
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    let micros = now.and_utc().timestamp_micros();
    DateTime::from_timestamp_micros(micros).map_or(now, |t| t.naive_utc())
}

/// Today's date in the district.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&district_offset()).date_naive()
}

/// A UTC instant as a protobuf timestamp.
pub fn to_timestamp(at: NaiveDateTime) -> prost_types::Timestamp {
    let utc = at.and_utc();
    prost_types::Timestamp { seconds: utc.timestamp(), nanos: utc.timestamp_subsec_nanos() as i32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn district_day_turns_at_utc_16() {
        let late = DateTime::parse_from_rfc3339("2026-03-01T15:59:59Z").unwrap();
        let next = DateTime::parse_from_rfc3339("2026-03-01T16:00:00Z").unwrap();
        assert_eq!(late.with_timezone(&district_offset()).date_naive().to_string(), "2026-03-01");
        assert_eq!(next.with_timezone(&district_offset()).date_naive().to_string(), "2026-03-02");
    }

    #[test]
    fn timestamps_keep_seconds_and_nanos() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T00:00:01.5Z").unwrap().naive_utc();
        let ts = to_timestamp(at);
        assert_eq!((ts.seconds, ts.nanos), (1_772_323_201, 500_000_000));
        assert_eq!(now().and_utc().timestamp_subsec_nanos() % 1000, 0);
    }
}

//! Time as the suite sees it: instants in UTC, and one time zone (Asia/Shanghai, UTC+8 all year, no DST)
//! for every "today".

use chrono::{DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, NaiveDateTime, Utc};

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

/// What "today" is for a service: the district's date ([`today`]), or one a test or a training
/// environment sets, so deadlines, 公示 periods and overstays can be exercised on chosen dates.
pub type Today = std::sync::Arc<dyn Fn() -> NaiveDate + Send + Sync>;

/// Today's date in the district.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&district_offset()).date_naive()
}

/// A UTC instant as a protobuf timestamp.
pub fn to_timestamp(at: NaiveDateTime) -> prost_types::Timestamp {
    let utc = at.and_utc();
    prost_types::Timestamp { seconds: utc.timestamp(), nanos: utc.timestamp_subsec_nanos() as i32 }
}

/// The last day of a period of `months` months that starts on `start` (an 影响期, a 处分期, a probation):
/// the day before the same date `months` later, or that month's last day where the month has no such
/// date (a period from 31 January for one month ends on the last day of February). The period is over,
/// and its restrictions lifted, from the day after.
pub fn period_last_day(start: NaiveDate, months: u32) -> NaiveDate {
    let Some(same_date) = start.checked_add_months(Months::new(months)) else {
        return NaiveDate::MAX;
    };
    if same_date.day() == start.day() { same_date - Days::new(1) } else { same_date }
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

    #[test]
    fn periods_end_the_day_before_the_same_date_or_on_the_month_end() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // domain.md R4: a 记过 on 2023-03-01 (12 months) is over after 2024-02-29.
        assert_eq!(period_last_day(day("2023-03-01"), 12), day("2024-02-29"));
        assert_eq!(period_last_day(day("2023-06-15"), 6), day("2023-12-14"));
        assert_eq!(period_last_day(day("2023-01-31"), 1), day("2023-02-28"));
        assert_eq!(period_last_day(day("2024-01-31"), 1), day("2024-02-29"));
        assert_eq!(period_last_day(day("2023-03-31"), 1), day("2023-04-30"));
        assert_eq!(period_last_day(day("2023-08-31"), 18), day("2025-02-28"));
        // No period at all: it was over before it began.
        assert_eq!(period_last_day(day("2023-05-01"), 0), day("2023-04-30"));
    }
}

//! The working calendar: reading and replacing a year's special days (org department), and the day
//! arithmetic every service uses for deadlines and lengths.

use std::{collections::BTreeSet, ops::RangeInclusive};

use cadre_platform::{ApiError, CallContext, Violations};
use cadre_proto::leave as pb;
use chrono::{Datelike, NaiveDate, Weekday};
use tonic::{Request, Response, Status};

use super::{LeaveApi, status};
use crate::{
    convert,
    domain::calendar::{SpecialDay, SpecialDayKind},
    store::{self, calendar::StoredYear},
};

/// The years a calendar may be read or set for: the proto's date range, from 1900 on (no earlier year has
/// a working calendar anyone asks about, and a typo such as 226 is caught).
const YEARS: RangeInclusive<i32> = 1900..=9999;

/// The longest range CountWorkingDays counts and the most working days AddWorkingDays adds: ten years,
/// which covers every deadline and leave; anything longer is a mistake that would only load the database.
const MAX_SPAN_DAYS: i64 = 3660;

/// Fewer working days than this in a calendar year is impossible for any real calendar (a plain year has
/// 260 or more and holidays take about 11), so AddWorkingDays first loads enough years for this rate.
const MIN_WORKING_DAYS_PER_YEAR: u32 = 200;

fn year_out(year: &StoredYear) -> pb::CalendarYear {
    pb::CalendarYear {
        year: year.year,
        official: year.official,
        source_ref: year.source_ref.clone(),
        days: year
            .days
            .iter()
            .map(|day| pb::SpecialDay {
                date: Some(convert::date_to(day.date)),
                kind: match day.kind {
                    SpecialDayKind::Holiday => pb::DayKind::Holiday as i32,
                    SpecialDayKind::MakeupWorkday => pb::DayKind::MakeupWorkday as i32,
                },
                name: day.name.clone(),
            })
            .collect(),
        // At most 366: the conversion cannot fail.
        working_days: i32::try_from(year.working_days).unwrap_or(i32::MAX),
        version: year.version,
    }
}

fn invalid_year() -> ApiError {
    ApiError::invalid_argument("INVALID_YEAR", "the year must be 1900..9999")
        .with_violation("year", "must be 1900..9999")
}

/// Checks a year's special days and returns them, or records each problem under `days[i]`.
fn special_days(violations: &mut Violations, year: i32, days: &[pb::SpecialDay]) -> Vec<SpecialDay> {
    let mut seen = BTreeSet::new();
    let mut parsed = Vec::with_capacity(days.len());
    for (i, day) in days.iter().enumerate() {
        let date_field = format!("days[{i}].date");
        let kind_field = format!("days[{i}].kind");
        let date = convert::required_date(violations, &date_field, day.date.as_ref());
        if let Some(date) = date {
            violations.require(date.year() == year, &date_field, format!("is not in {year}"));
            violations.require(seen.insert(date), &date_field, "is listed twice");
        }
        let kind = match pb::DayKind::try_from(day.kind) {
            Ok(pb::DayKind::Holiday) => Some(SpecialDayKind::Holiday),
            Ok(pb::DayKind::MakeupWorkday) => Some(SpecialDayKind::MakeupWorkday),
            _ => {
                violations.add(&kind_field, "must be HOLIDAY or MAKEUP_WORKDAY");
                None
            }
        };
        if let (Some(date), Some(SpecialDayKind::MakeupWorkday)) = (date, kind) {
            violations.require(
                matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
                &kind_field,
                "a make-up working day falls on a Saturday or Sunday",
            );
        }
        let name = convert::display_name(violations, &format!("days[{i}].name"), &day.name);
        if let (Some(date), Some(kind)) = (date, kind) {
            parsed.push(SpecialDay { date, kind, name });
        }
    }
    parsed
}

impl LeaveApi {
    pub(super) async fn get_work_calendar_impl(
        &self,
        request: Request<pb::GetWorkCalendarRequest>,
    ) -> Result<Response<pb::GetWorkCalendarResponse>, Status> {
        let year = request.get_ref().year;
        if !YEARS.contains(&year) {
            return Err(status(invalid_year()));
        }
        let stored =
            self.db.run(move |conn| store::calendar::year_or_weekends(conn, year)).await.map_err(status)?;
        Ok(Response::new(pb::GetWorkCalendarResponse { calendar: Some(year_out(&stored)) }))
    }

    pub(super) async fn set_work_calendar_impl(
        &self,
        request: Request<pb::SetWorkCalendarRequest>,
    ) -> Result<Response<pb::SetWorkCalendarResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let year = request.year;
        let mut violations = Violations::default();
        violations.require(YEARS.contains(&year), "year", "must be 1900..9999");
        let source_ref = convert::source_ref(&mut violations, "source_ref", &request.source_ref);
        let days = special_days(&mut violations, year, &request.days);
        violations.finish("INVALID_CALENDAR", "the calendar is not valid").map_err(status)?;
        let (official, expected) = (request.official, request.expected_version);
        let response = self
            .db
            .mutate(ctx, method!("SetWorkCalendar"), &request.request_id, &request, move |tx| {
                let stored =
                    store::calendar::replace_year(tx.conn(), year, official, &source_ref, &days, expected)?;
                tx.set_object("calendar_year", &year.to_string());
                Ok(pb::SetWorkCalendarResponse { calendar: Some(year_out(&stored)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn count_working_days_impl(
        &self,
        request: Request<pb::CountWorkingDaysRequest>,
    ) -> Result<Response<pb::CountWorkingDaysResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::default();
        let start = convert::required_date(&mut violations, "start_date", request.start_date.as_ref());
        let end = convert::required_date(&mut violations, "end_date", request.end_date.as_ref());
        if let (Some(start), Some(end)) = (start, end) {
            violations.require(end >= start, "end_date", "is before start_date");
            violations.require(
                (end - start).num_days() < MAX_SPAN_DAYS,
                "end_date",
                format!("the range is at most {MAX_SPAN_DAYS} days"),
            );
        }
        violations.finish("INVALID_DATE_RANGE", "the range is not valid").map_err(status)?;
        let (Some(start), Some(end)) = (start, end) else {
            // `finish` refused any missing date above.
            return Err(status(ApiError::internal("dates missing after validation")));
        };
        let working = self
            .db
            .run(move |conn| Ok(store::calendar::load_around(conn, start, end)?.working_days(start, end)))
            .await
            .map_err(status)?;
        // Both are at most MAX_SPAN_DAYS: the conversions cannot fail.
        Ok(Response::new(pb::CountWorkingDaysResponse {
            working_days: i32::try_from(working).unwrap_or(i32::MAX),
            calendar_days: i32::try_from((end - start).num_days() + 1).unwrap_or(i32::MAX),
        }))
    }

    pub(super) async fn add_working_days_impl(
        &self,
        request: Request<pb::AddWorkingDaysRequest>,
    ) -> Result<Response<pb::AddWorkingDaysResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::default();
        let from = convert::required_date(&mut violations, "date", request.date.as_ref());
        let n = u32::try_from(request.working_days).ok().filter(|n| i64::from(*n) <= MAX_SPAN_DAYS);
        violations.require(n.is_some(), "working_days", format!("must be 0..{MAX_SPAN_DAYS}"));
        violations.finish("INVALID_WORKING_DAYS", "the request is not valid").map_err(status)?;
        let (Some(from), Some(n)) = (from, n) else {
            // `finish` refused both above.
            return Err(status(ApiError::internal("arguments missing after validation")));
        };
        let result = self.db.run(move |conn| add_working_days(conn, from, n)).await.map_err(status)?;
        if result.year() > *YEARS.end() {
            return Err(status(
                ApiError::invalid_argument("DATE_OUT_OF_RANGE", "the result would be after 9999-12-31")
                    .with_violation("working_days", "reaches past 9999-12-31"),
            ));
        }
        Ok(Response::new(pb::AddWorkingDaysResponse { date: Some(convert::date_to(result)) }))
    }
}

/// `n` working days after `from` (see [`crate::domain::calendar::WorkCalendar::add_working_days`]), loading
/// only the years the answer needs: enough for the slowest plausible calendar first, then, should the answer
/// land beyond them, again up to the answer's year, so every day counted was counted with its year's data.
fn add_working_days(
    conn: &mut cadre_platform::DbConn,
    from: NaiveDate,
    n: u32,
) -> Result<NaiveDate, ApiError> {
    let first = from.year().saturating_sub(1);
    let years_needed = i32::try_from(n / MIN_WORKING_DAYS_PER_YEAR).unwrap_or(i32::MAX);
    let mut last = from.year().saturating_add(1).saturating_add(years_needed);
    loop {
        let result = store::calendar::load(conn, first..=last)?.add_working_days(from, n);
        if result.year() <= last {
            return Ok(result);
        }
        // Terminates: `last` only grows, and past the last stored year every year is weekends only.
        last = result.year().saturating_add(1);
    }
}

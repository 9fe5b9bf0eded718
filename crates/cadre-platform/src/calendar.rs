//! The suite's working calendar, as other services reach it: the leave service keeps the PRC calendar
//! (holidays and 调休 make-up days), and every deadline counted in working days (公示 periods, reply
//! deadlines) asks it rather than keeping a second copy that could disagree.

use std::{sync::Arc, time::Duration};

use cadre_proto::leave::{
    AddWorkingDaysRequest, DayKind, GetWorkCalendarRequest, leave_service_client::LeaveServiceClient,
};
use chrono::NaiveDate;
use tonic::{
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Channel, Endpoint},
};

use crate::{
    ApiError,
    auth::{AnyCaller, PrincipalSigner, SystemCaller},
};

/// How long one calendar call may take: a 公示 cannot start on a guess.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Counts working days with the leave service's calendar, calling as the suite's `system:<part>`.
#[derive(Clone)]
pub struct WorkingCalendar {
    client: LeaveServiceClient<InterceptedService<Channel, AnyCaller>>,
}

impl std::fmt::Debug for WorkingCalendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkingCalendar").finish_non_exhaustive()
    }
}

impl WorkingCalendar {
    /// A calendar at the leave service's `endpoint`, called as `system:<part>`. It connects on first use,
    /// so a service may start before the leave service. Fails only on an endpoint that is not a URL.
    pub fn connect(endpoint: &str, signer: Arc<PrincipalSigner>, part: &str) -> anyhow::Result<Self> {
        Self::connect_as(endpoint, SystemCaller::new(signer, part))
    }

    /// As [`WorkingCalendar::connect`], sending calls through `caller` instead.
    pub fn connect_as<I>(endpoint: &str, caller: I) -> anyhow::Result<Self>
    where
        I: Interceptor + Clone + Send + Sync + 'static,
    {
        let channel = Endpoint::from_shared(endpoint.to_owned())
            .map_err(|e| anyhow::anyhow!("leave endpoint {endpoint:?}: {e}"))?
            .connect_timeout(CALL_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .connect_lazy();
        Ok(Self { client: LeaveServiceClient::with_interceptor(channel, AnyCaller::new(caller)) })
    }

    /// The working day `working_days` working days after `from` (which is not itself counted): the last
    /// day of a 公示 that starts the day after `from`. Unavailable when the calendar cannot be asked.
    pub async fn add_working_days(&self, from: NaiveDate, working_days: u32) -> Result<NaiveDate, ApiError> {
        let request = AddWorkingDaysRequest {
            date: Some(crate::dates::date_to(from)),
            working_days: i32::try_from(working_days)
                .map_err(|_| ApiError::internal("a working-day count beyond i32"))?,
        };
        let answer = self.client.clone().add_working_days(request).await.map_err(|status| {
            ApiError::unavailable(format!(
                "the working calendar (leave service) did not answer: {:?} {}",
                status.code(),
                status.message()
            ))
        })?;
        let date = answer.into_inner().date.unwrap_or_default();
        crate::dates::date_from(&date)
            .ok_or_else(|| ApiError::internal("the working calendar answered a date that is not one"))
    }

    /// A year's special days: the holidays (rest days, weekends or not) and the make-up working days
    /// (weekend days worked, 调休). Every other weekday is a working day and every other weekend day a rest
    /// day. Unavailable when the calendar cannot be asked.
    pub async fn special_days(&self, year: i32) -> Result<SpecialDays, ApiError> {
        let answer = self.client.clone().get_work_calendar(GetWorkCalendarRequest { year }).await.map_err(
            |status| {
                ApiError::unavailable(format!(
                    "the working calendar (leave service) did not answer for {year}: {:?} {}",
                    status.code(),
                    status.message()
                ))
            },
        )?;
        let mut days = SpecialDays::default();
        for day in answer.into_inner().calendar.unwrap_or_default().days {
            let Some(date) = day.date.as_ref().and_then(crate::dates::date_from) else { continue };
            match DayKind::try_from(day.kind) {
                Ok(DayKind::Holiday) => days.holidays.push(date),
                Ok(DayKind::MakeupWorkday) => days.makeup_workdays.push(date),
                _ => {}
            }
        }
        Ok(days)
    }
}

/// The days of a year that break the weekday/weekend rule, as the leave service keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecialDays {
    /// Statutory holidays (rest days).
    pub holidays: Vec<NaiveDate>,
    /// Weekend days that are working days (调休).
    pub makeup_workdays: Vec<NaiveDate>,
}

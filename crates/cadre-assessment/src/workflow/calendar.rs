//! The working calendar as the rules need it. The rules ask "is this day a rest day?" synchronously; the
//! calendar is the leave service's, reached over gRPC. So before a transaction the handler asks the
//! calendar about exactly the days the command's deadlines can fall on, and the rules read the answers
//! from a [`KnownDays`].

use std::collections::BTreeSet;

use cadre_platform::{ApiError, calendar::WorkingCalendar};
use chrono::{Days, NaiveDate};

use crate::domain::{AssessmentPolicy, review::RestDays};

/// The rest days the calendar reported around the days asked about; any other day reads as a working day.
#[derive(Debug, Clone, Default)]
pub struct KnownDays {
    rest: BTreeSet<NaiveDate>,
}

impl RestDays for KnownDays {
    fn is_rest_day(&self, date: NaiveDate) -> bool {
        self.rest.contains(&date)
    }
}

impl KnownDays {
    /// Learns the run of rest days that starts on `day`, if any: every day from `day` up to the first
    /// working day on or after it. A deadline that falls on `day` is carried over exactly that run.
    pub async fn learn_from(&mut self, calendar: &WorkingCalendar, day: NaiveDate) -> Result<(), ApiError> {
        let Some(before) = day.pred_opt() else { return Ok(()) };
        let first_working = calendar.add_working_days(before, 1).await?;
        let mut rest = day;
        while rest < first_working {
            self.rest.insert(rest);
            match rest.succ_opt() {
                Some(next) => rest = next,
                None => break,
            }
        }
        Ok(())
    }

    /// What the recourse deadlines of a result given or decided on `on` need: the days each period of the
    /// policy ends on, when deadlines are carried over rest days.
    pub async fn for_deadlines(
        calendar: &WorkingCalendar,
        policy: &AssessmentPolicy,
        on: NaiveDate,
    ) -> Result<Self, ApiError> {
        let mut known = Self::default();
        let recourse = &policy.recourse;
        if !recourse.extend_over_rest_days {
            return Ok(known);
        }
        let mut periods = vec![
            recourse.review_days,
            recourse.review_decision_days,
            recourse.appeal_days,
            recourse.direct_appeal_days,
            recourse.appeal_decision_days,
        ];
        periods.sort_unstable();
        periods.dedup();
        for days in periods {
            if let Some(end) = on.checked_add_days(Days::new(u64::from(days))) {
                known.learn_from(calendar, end).await?;
            }
        }
        Ok(known)
    }
}

/// The last day of a publicity announced on `announced_on`: `working_days` working days, from the day
/// after the announcement.
pub async fn publicity_last_day(
    calendar: &WorkingCalendar,
    announced_on: NaiveDate,
    working_days: u32,
) -> Result<NaiveDate, ApiError> {
    calendar.add_working_days(announced_on, working_days).await
}

//! Overstay: a leave that ended without 销假 by the end of the grace period opens a case; every working
//! day absent after the leave counts as 旷工; past the 公务员法 第八十八条 threshold the case becomes a 辞退
//! proposal, or manual review for a protected status (L1–L4).

use std::collections::BTreeSet;

use cadre_platform::{ApiError, DbConn, Tx, clock};
use cadre_proto::leave as pb;
use chrono::{Datelike, Duration, NaiveDate};

use crate::{
    domain::{
        absence::{self, AbsenceOutcome, ProtectedStatus},
        calendar::WorkCalendar,
    },
    events,
    store::{
        self,
        overdue::{self as overdue_store, CaseRow},
        policy::LeavePolicy,
        requests::{self as request_store, RequestRow},
    },
    view,
};

use super::due_back;

/// A case on the wire.
pub fn case_view(case: &CaseRow) -> pb::OverdueCase {
    let state = match case.state.as_str() {
        "OPEN" => pb::OverdueState::Open,
        "DISMISSAL_PROPOSED" => pb::OverdueState::DismissalProposed,
        "MANUAL_REVIEW" => pb::OverdueState::ManualReview,
        "CLOSED" => pb::OverdueState::Closed,
        _ => pb::OverdueState::Unspecified,
    };
    pb::OverdueCase {
        id: case.id.clone(),
        leave_request_id: case.leave_request_id.clone(),
        cadre_id: case.cadre_id.clone(),
        cadre_name: case.cadre_name.clone(),
        org_unit_id: case.org_unit_id.clone(),
        due_back_date: Some(view::date(case.due_back_date)),
        state: state as i32,
        absent_days: case.absent_days,
        consecutive_days: case.consecutive_days,
        year_days: case.year_days,
        protected_status: case.protected_status.clone(),
        return_date: case.return_date.map(view::date),
        open_time: Some(clock::to_timestamp(case.opened_at)),
        update_time: Some(clock::to_timestamp(case.updated_at)),
    }
}

/// The protected status of a cadre on `on`: one recorded by HR, or 产假 / 哺乳期 from their own leave
/// (a 产假 that ended within the last year).
fn protection(conn: &mut DbConn, cadre: &str, on: NaiveDate) -> Result<Option<ProtectedStatus>, ApiError> {
    if let Some(code) = overdue_store::protected_on(conn, cadre, on)? {
        return Ok(ProtectedStatus::from_code(&code));
    }
    let year_ago = on - Duration::days(366);
    let maternity = request_store::of_cadre_between(conn, cadre, year_ago, on, false)?
        .into_iter()
        .filter(|r| r.leave_type == "maternity" && r.state != "pending")
        .max_by_key(|r| r.end_date);
    Ok(maternity
        .map(|r| if r.end_date >= on { ProtectedStatus::Maternity } else { ProtectedStatus::Nursing }))
}

/// Brings a request's case up to `until` (exclusive): opens it if needed, records the 旷工 days, and moves
/// it past the threshold. Returns the case if there is one.
fn advance(
    tx: &mut Tx<'_>,
    row: &RequestRow,
    calendar: &WorkCalendar,
    policy: &LeavePolicy,
    until: NaiveDate,
    today: NaiveDate,
) -> Result<Option<CaseRow>, ApiError> {
    let back = due_back(row, calendar);
    let absent = absence::absent_working_days(calendar, back, until);
    let existing = overdue_store::of_request(tx.conn(), &row.id)?;
    if absent.is_empty() && existing.is_none() {
        return Ok(None);
    }
    let now = clock::now();
    let mut case = match existing {
        Some(case) => case,
        None => {
            let case = CaseRow {
                id: store::new_id(),
                leave_request_id: row.id.clone(),
                cadre_id: row.applicant_cadre_id.clone(),
                cadre_name: row.applicant_name.clone(),
                org_unit_id: row.org_unit_id.clone(),
                due_back_date: back,
                state: "OPEN".to_owned(),
                absent_days: 0,
                consecutive_days: 0,
                year_days: 0,
                protected_status: String::new(),
                return_date: None,
                opened_at: now,
                updated_at: now,
            };
            overdue_store::insert(tx.conn(), &case)?;
            let approvers: Vec<String> = request_store::steps_of(tx.conn(), &row.id)?
                .into_iter()
                .filter(|s| !s.assignee_cadre_id.is_empty())
                .map(|s| s.assignee_cadre_id)
                .collect();
            events::overdue(tx, &case_view(&case), approvers)?;
            case
        }
    };
    overdue_store::record_absence(tx.conn(), &row.applicant_cadre_id, &case.id, &absent)?;
    let year = until.pred_opt().unwrap_or(until).year();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(until);
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(until);
    let in_year: BTreeSet<NaiveDate> =
        overdue_store::absences(tx.conn(), &row.applicant_cadre_id, first, last)?.into_iter().collect();
    let protected = protection(tx.conn(), &row.applicant_cadre_id, today)?;
    let outcome = absence::outcome(&in_year, calendar, protected, &policy.absence);
    case.absent_days =
        i32::try_from(overdue_store::absences_of_case(tx.conn(), &case.id)?).unwrap_or(i32::MAX);
    case.consecutive_days =
        i32::try_from(absence::longest_consecutive(&in_year, calendar)).unwrap_or(i32::MAX);
    case.year_days = i32::try_from(in_year.len()).unwrap_or(i32::MAX);
    case.updated_at = now;
    if case.state == "OPEN" {
        match outcome {
            AbsenceOutcome::BelowThreshold => {}
            AbsenceOutcome::DismissalProposal { .. } => {
                "DISMISSAL_PROPOSED".clone_into(&mut case.state);
                overdue_store::update(tx.conn(), &case)?;
                events::absenteeism_threshold(tx, &case_view(&case))?;
            }
            AbsenceOutcome::ManualReview { status, .. } => {
                "MANUAL_REVIEW".clone_into(&mut case.state);
                status.code().clone_into(&mut case.protected_status);
                overdue_store::update(tx.conn(), &case)?;
                events::absenteeism_threshold(tx, &case_view(&case))?;
            }
        }
    }
    overdue_store::update(tx.conn(), &case)?;
    Ok(Some(case))
}

/// The daily sweep: every approved leave whose 销假 is past due gets its case opened or brought up to date.
/// Returns how many cases it touched.
pub fn sweep(
    tx: &mut Tx<'_>,
    calendar: &WorkCalendar,
    policy: &LeavePolicy,
    today: NaiveDate,
) -> Result<usize, ApiError> {
    let mut touched = 0;
    for row in request_store::approved_ended_before(tx.conn(), today)? {
        // 销假 is due by the grace-th working day after the last day of leave.
        let deadline = calendar.add_working_days(row.end_date, policy.grace_working_days);
        if today <= deadline {
            continue;
        }
        if advance(tx, &row, calendar, policy, today, today)?.is_some() {
            touched += 1;
        }
    }
    Ok(touched)
}

/// On 销假 after the leave's end: the working days between the due day and the return are 旷工, and the
/// case (opened now if the sweep had not yet) closes. Returns whether the return was late.
pub fn close_on_return(
    tx: &mut Tx<'_>,
    row: &RequestRow,
    calendar: &WorkCalendar,
    policy: &LeavePolicy,
    returned: NaiveDate,
    today: NaiveDate,
) -> Result<bool, ApiError> {
    let Some(mut case) = advance(tx, row, calendar, policy, returned, today)? else {
        return Ok(false);
    };
    // A 辞退 proposal or a review stands after the return: the org department decides it.
    if case.state == "OPEN" {
        "CLOSED".clone_into(&mut case.state);
    }
    case.return_date = Some(returned);
    case.updated_at = clock::now();
    overdue_store::update(tx.conn(), &case)?;
    Ok(true)
}

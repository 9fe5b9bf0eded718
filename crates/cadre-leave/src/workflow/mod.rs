//! What happens to a request, inside one transaction: the checks and route of `plan`, the state machine of
//! `domain::request`, the ledger of `balance`, the events. The gRPC handlers call these with a caller
//! already resolved; the background sweep calls the same code for deadlines and overstays.

pub mod balance;
pub mod overdue;
pub mod plan;
pub mod spans;

use cadre_platform::{ApiError, DbConn, Tx, auth::Role, clock};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use crate::{
    domain::{
        calendar::WorkCalendar,
        delegation,
        request::{Actor, Assignee, Command, Effect, PoolRole, Request, RequestState, Step, StepState},
        route::{StepAction, StepKind},
        span::Half,
    },
    events,
    store::{
        self,
        policy::LeavePolicy,
        requests::{self as request_store, RequestRow, StepRow},
    },
};

/// The pools a principal's roles let them act in.
pub fn pools_of(roles: &[Role]) -> Vec<PoolRole> {
    let mut pools = Vec::new();
    if roles.contains(&Role::OrgOfficer) {
        pools.push(PoolRole::OrgDepartment);
    }
    if roles.contains(&Role::CommitteeMember) {
        pools.push(PoolRole::DistrictCommittee);
    }
    pools
}

/// Whether the roles keep leave records for others (filing on behalf, 补假, 销假 for someone).
pub fn administers(roles: &[Role]) -> bool {
    roles.iter().any(|r| matches!(r, Role::UnitHrOfficer | Role::OrgOfficer))
}

/// A step as the state machine sees it.
fn domain_step(row: &StepRow) -> Result<Step, ApiError> {
    let corrupt =
        || ApiError::internal(format!("step {} of {} is not readable", row.idx, row.leave_request_id));
    let kind = StepKind::from_code(&row.kind).ok_or_else(corrupt)?;
    let assignee = if row.pool.is_empty() {
        Assignee::Cadre(row.assignee_cadre_id.clone())
    } else {
        Assignee::Pool(PoolRole::from_code(&row.pool).ok_or_else(corrupt)?)
    };
    Ok(Step {
        kind,
        assignee,
        state: StepState::from_code(&row.state).ok_or_else(corrupt)?,
        decided_by: (!row.decided_by.is_empty()).then(|| row.decided_by.clone()),
        on_behalf_of: (!row.on_behalf_of.is_empty()).then(|| row.on_behalf_of.clone()),
    })
}

/// A request as the state machine sees it.
pub fn domain_request(row: &RequestRow, steps: &[StepRow]) -> Result<Request, ApiError> {
    Ok(Request {
        applicant: row.applicant_cadre_id.clone(),
        state: RequestState::from_code(&row.state)
            .ok_or_else(|| ApiError::internal(format!("request {} has state {:?}", row.id, row.state)))?,
        steps: steps.iter().map(domain_step).collect::<Result<_, _>>()?,
        start: row.start_date,
        returned_on: row.return_date,
    })
}

/// Planned steps as rows of a new route.
pub fn step_rows(request_id: &str, steps: &[plan::PlannedAssignee]) -> Vec<StepRow> {
    steps
        .iter()
        .enumerate()
        .map(|(idx, step)| {
            let (cadre, pool) = match &step.assignee {
                Assignee::Cadre(id) => (id.clone(), String::new()),
                Assignee::Pool(pool) => (String::new(), pool.code().to_owned()),
            };
            StepRow {
                leave_request_id: request_id.to_owned(),
                idx: i32::try_from(idx).unwrap_or(i32::MAX),
                kind: step.kind.code().to_owned(),
                action: match step.kind.action() {
                    StepAction::Approve => "approve",
                    StepAction::Notify => "notify",
                    StepAction::File => "file",
                }
                .to_owned(),
                why: step.why.clone(),
                assignee_cadre_id: cadre,
                pool,
                assignee_name: step.name.clone(),
                state: StepState::Waiting.code().to_owned(),
                decided_by: String::new(),
                on_behalf_of: String::new(),
                comment: String::new(),
                decided_at: None,
                due_at: None,
                reminded_at: None,
                escalated_at: None,
                escalated_to_cadre_id: String::new(),
            }
        })
        .collect()
}

/// The end of the working day `n` working days after `today`, in UTC: when a step that starts now is due.
pub fn due_at(calendar: &WorkCalendar, today: NaiveDate, working_days: u32) -> NaiveDateTime {
    let day = calendar.add_working_days(today, working_days);
    // 18:00 in the district (UTC+8) is 10:00 UTC.
    day.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or(NaiveTime::MIN))
}

/// Whether `cadre` is away on `today` (approved leave not yet returned, or a travel filing), and if so who
/// they named to take charge: the input of delegation.
pub fn deputy_of_away(
    conn: &mut DbConn,
    cadre: &str,
    today: NaiveDate,
) -> Result<Option<Option<String>>, ApiError> {
    let ids = [cadre.to_owned()];
    if let Some(leave) = request_store::approved_covering(conn, Some(&ids), today)?.into_iter().next() {
        let deputy = leave.acting_deputy_cadre_id;
        return Ok(Some((!deputy.is_empty()).then_some(deputy)));
    }
    if let Some(filing) = store::travel::covering(conn, cadre, today)? {
        let deputy = filing.deputy_cadre_id;
        return Ok(Some((!deputy.is_empty()).then_some(deputy)));
    }
    Ok(None)
}

/// The actor a principal is for a request: their pools, and the absent assignees (of the current step, or
/// the one it escalated from) they act for.
pub fn actor_for(
    conn: &mut DbConn,
    subject: &str,
    cadre_id: Option<&str>,
    roles: &[Role],
    steps: &[StepRow],
    today: NaiveDate,
    policy: &LeavePolicy,
) -> Result<Actor, ApiError> {
    let mut acting_for = Vec::new();
    let pools = pools_of(roles);
    for step in steps.iter().filter(|s| s.state == StepState::Current.code()) {
        let assignee = &step.assignee_cadre_id;
        if assignee.is_empty() || Some(assignee.as_str()) == cadre_id {
            continue;
        }
        // A step that escalated to a pool may be decided by its members for the assignee.
        if pools.iter().any(|p| crate::sweep::escalated_to_pool(&step.escalated_to_cadre_id, p.code())) {
            acting_for.push(assignee.clone());
            continue;
        }
        if let Some(me) = cadre_id {
            // Whoever a step escalated to decides it for its assignee.
            if step.escalated_to_cadre_id == me {
                acting_for.push(assignee.clone());
                continue;
            }
            let mut away = std::collections::HashMap::new();
            let mut chain_input = |c: &str| -> Option<Option<String>> {
                if !away.contains_key(c) {
                    let answer = deputy_of_away(conn, c, today).unwrap_or(None);
                    away.insert(c.to_owned(), answer);
                }
                away.get(c).cloned().flatten()
            };
            let found = delegation::acting_for(
                me,
                std::slice::from_ref(assignee),
                &mut chain_input,
                &policy.delegation,
            );
            acting_for.extend(found);
        }
    }
    Ok(Actor {
        id: subject.to_owned(),
        cadre_id: cadre_id.map(str::to_owned),
        pools,
        acting_for,
        administers: administers(roles),
    })
}

#[allow(clippy::too_many_arguments)]
/// Copies the state machine's result onto the rows: states, deciders, and the deadline of a step that
/// became current.
pub fn write_back(
    row: &mut RequestRow,
    steps: &mut [StepRow],
    request: &Request,
    effects: &[Effect],
    comment: Option<(usize, &str)>,
    calendar: &WorkCalendar,
    today: NaiveDate,
    policy: &LeavePolicy,
) {
    let now = clock::now();
    row.state = request.state.code().to_owned();
    row.return_date = request.returned_on.or(row.return_date);
    row.updated_at = now;
    for (idx, (stored, step)) in steps.iter_mut().zip(&request.steps).enumerate() {
        let before = stored.state.clone();
        stored.state = step.state.code().to_owned();
        stored.decided_by = step.decided_by.clone().unwrap_or_default();
        stored.on_behalf_of = step.on_behalf_of.clone().unwrap_or_default();
        if before != stored.state && !matches!(step.state, StepState::Current | StepState::Waiting) {
            stored.decided_at = Some(now);
        }
        if let Some((at, text)) = comment
            && at == idx
        {
            text.clone_into(&mut stored.comment);
        }
    }
    for effect in effects {
        if let Effect::StepActivated(idx) | Effect::AwaitingFiling(idx) = effect
            && let Some(step) = steps.get_mut(*idx)
        {
            step.due_at = Some(due_at(calendar, today, policy.step_due_working_days));
        }
    }
}

/// Publishes the events of a command's effects.
pub fn publish(
    tx: &mut Tx<'_>,
    view: &cadre_proto::leave::LeaveRequest,
    effects: &[Effect],
) -> Result<(), ApiError> {
    for effect in effects {
        match effect {
            Effect::Submitted => events::submitted(tx, view)?,
            Effect::Approved => events::approved(tx, view)?,
            Effect::Rejected => events::rejected(tx, view)?,
            Effect::Withdrawn | Effect::Cancelled { .. } => events::cancelled(tx, view)?,
            Effect::Notified(idx) => events::step_notice(tx, view, *idx, "INFORMED")?,
            Effect::StepActivated(_)
            | Effect::AwaitingFiling(_)
            | Effect::Filed(_)
            | Effect::Returned { .. } => {}
        }
    }
    Ok(())
}

/// Loads a request and its steps, or NOT_FOUND.
pub fn load(conn: &mut DbConn, id: &str) -> Result<(RequestRow, Vec<StepRow>), ApiError> {
    request_store::get(conn, id)?
        .ok_or_else(|| ApiError::not_found("LEAVE_REQUEST_NOT_FOUND", format!("no leave request {id}")))
}

/// Checks an optional expected version against the stored one.
pub fn check_version(row: &RequestRow, expected: i64) -> Result<(), ApiError> {
    if expected != 0 && expected != row.version {
        return Err(ApiError::aborted(
            "VERSION_MISMATCH",
            format!("the request is at version {}, not {expected}; read it again", row.version),
        ));
    }
    Ok(())
}

/// Persists a changed request and its steps under its version.
pub fn save(conn: &mut DbConn, row: &mut RequestRow, steps: &[StepRow]) -> Result<(), ApiError> {
    let version = row.version;
    row.version += 1;
    request_store::update(conn, row, version)?;
    for step in steps {
        request_store::update_step(conn, step)?;
    }
    Ok(())
}

/// Applies a command to a stored request: the state machine decides, the rows follow.
#[allow(clippy::too_many_arguments)]
pub fn run_command(
    row: &mut RequestRow,
    steps: &mut [StepRow],
    command: Command,
    actor: &Actor,
    comment: Option<(usize, &str)>,
    calendar: &WorkCalendar,
    today: NaiveDate,
    policy: &LeavePolicy,
) -> Result<Vec<Effect>, ApiError> {
    let mut request = domain_request(row, steps)?;
    let effects = request.apply(command, actor).map_err(|refusal| {
        let code = match refusal {
            crate::domain::request::Refusal::NotApplicant
            | crate::domain::request::Refusal::SelfApproval
            | crate::domain::request::Refusal::NotAssignee => tonic::Code::PermissionDenied,
            crate::domain::request::Refusal::NoSuchStep { .. } => tonic::Code::InvalidArgument,
            _ => tonic::Code::FailedPrecondition,
        };
        ApiError::new(code, refusal.reason(), refusal.to_string())
    })?;
    write_back(row, steps, &request, &effects, comment, calendar, today, policy);
    Ok(effects)
}

/// The day the cadre is due back at work after a request: the first working day after its last day (the
/// afternoon of the last day when it ends at noon).
pub fn due_back(row: &RequestRow, calendar: &WorkCalendar) -> NaiveDate {
    if row.end_half == Half::Am.code() && calendar.is_working_day(row.end_date) {
        return row.end_date;
    }
    calendar.next_working_day_on_or_after(row.end_date + Duration::days(1))
}

/// The year a request counts in.
pub fn year_of(row: &RequestRow) -> i32 {
    row.start_date.year()
}

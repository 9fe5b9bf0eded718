//! Leave requests: create (with the route shown), submit, withdraw, cancel, approve, reject, file, 销假,
//! 续假, and the reads of them.

use cadre_platform::{
    ApiError, CallContext, DbConn, Tx,
    auth::{Caller, DataScope},
    clock,
    error::require_id,
    paging,
};
use cadre_proto::leave as pb;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use tonic::{Request, Response, Status};

use super::{LeaveApi, status};
use crate::{
    domain::{
        HalfDays,
        entitlement::MaternityCase,
        request::{Actor, Command, Effect, RequestState},
        span::{Half, LeaveSpan},
    },
    events,
    store::{
        self,
        policy::LeavePolicy,
        projection::CadreView,
        requests::{self as request_store, RequestRow, StepRow},
    },
    view,
    workflow::{
        self, balance,
        overdue::close_on_return,
        plan::{self, Ask, Filer},
        spans,
    },
};

/// A half on the wire as the domain's; unset means the whole first or last day.
fn half_field(value: i32, is_end: bool) -> Half {
    match pb::HalfDay::try_from(value) {
        Ok(pb::HalfDay::Morning) => Half::Am,
        Ok(pb::HalfDay::Afternoon) => Half::Pm,
        _ if is_end => Half::Pm,
        _ => Half::Am,
    }
}

fn span_of(
    start: Option<&cadre_proto::types::Date>,
    start_half: i32,
    end: Option<&cadre_proto::types::Date>,
    end_half: i32,
) -> Result<LeaveSpan, ApiError> {
    let start = crate::convert::date("start_date", start)?;
    let end = crate::convert::date("end_date", end)?;
    if (end - start).num_days() > 366 {
        return Err(ApiError::invalid_argument("INVALID_PERIOD", "a request covers at most a year")
            .with_violation("end_date", "is more than a year after start_date"));
    }
    LeaveSpan::new(start, half_field(start_half, false), end, half_field(end_half, true)).map_err(|error| {
        ApiError::invalid_argument("INVALID_PERIOD", error.to_string())
            .with_violation("end_date", error.to_string())
    })
}

fn bounded(field: &str, value: &str, max: usize, required: bool) -> Result<String, ApiError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(ApiError::invalid_argument("FIELD_REQUIRED", format!("{field} is required"))
            .with_violation(field, "is required"));
    }
    if value.chars().count() > max {
        return Err(ApiError::invalid_argument("FIELD_TOO_LONG", format!("{field} is too long"))
            .with_violation(field, format!("at most {max} characters")));
    }
    Ok(value.to_owned())
}

/// The policy and calendar a request is judged by.
fn rules_for(
    conn: &mut DbConn,
    span: &LeaveSpan,
    today: NaiveDate,
) -> Result<(LeavePolicy, crate::domain::calendar::WorkCalendar), ApiError> {
    let policy = store::policy::on(conn, span.start.max(today.min(span.start)))?;
    let calendar = store::calendar::load_around(conn, span.start.min(today), span.end.max(today))?;
    Ok((policy, calendar))
}

fn applicant(conn: &mut DbConn, id: &str) -> Result<CadreView, ApiError> {
    store::projection::cadre(conn, id)?.ok_or_else(|| {
        ApiError::not_found("CADRE_NOT_FOUND", format!("no cadre {id} known to the leave service"))
    })
}

/// Whether the caller sees a request: by scope, or as one of its approvers or its acting deputy.
fn visible(
    conn: &mut DbConn,
    caller: &Caller,
    row: &RequestRow,
    steps: &[StepRow],
) -> Result<bool, ApiError> {
    if in_scope(conn, &caller.scope, &row.applicant_cadre_id)? {
        return Ok(true);
    }
    let me = caller.principal.cadre_id.as_deref();
    let pools = workflow::pools_of(&caller.granted);
    Ok(steps.iter().any(|s| {
        me.is_some_and(|me| {
            s.assignee_cadre_id == me || s.escalated_to_cadre_id == me || s.on_behalf_of == me
        }) || (!s.pool.is_empty() && pools.iter().any(|p| p.code() == s.pool))
            || s.decided_by == caller.principal.subject
    }) || me.is_some_and(|me| row.acting_deputy_cadre_id == me))
}

fn in_scope(conn: &mut DbConn, scope: &DataScope, cadre: &str) -> Result<bool, ApiError> {
    Ok(match store::projection::cadre_ids_in_scope(conn, scope)? {
        None => true,
        Some(ids) => ids.iter().any(|id| id == cadre),
    })
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("LEAVE_REQUEST_NOT_FOUND", format!("no leave request {id}"))
}

/// Loads a request the caller may see; one they may not is absent, as out of scope and absent answer alike.
fn load_visible(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> Result<(RequestRow, Vec<StepRow>), ApiError> {
    let (row, steps) = request_store::get(conn, id)?.ok_or_else(|| not_found(id))?;
    if !visible(conn, caller, &row, &steps)? {
        return Err(not_found(id));
    }
    Ok((row, steps))
}

fn respond(row: &RequestRow, steps: &[StepRow]) -> pb::LeaveRequest {
    view::request(row, steps)
}

fn actor(
    conn: &mut DbConn,
    caller: &Caller,
    steps: &[StepRow],
    today: NaiveDate,
    policy: &LeavePolicy,
) -> Result<Actor, ApiError> {
    workflow::actor_for(
        conn,
        &caller.principal.subject,
        caller.principal.cadre_id.as_deref(),
        &caller.granted,
        steps,
        today,
        policy,
    )
}

/// The fields of a new request before it is planned.
struct NewRequest {
    applicant: String,
    ask: Ask,
    reason: String,
    destination: String,
    contact_phone: String,
}

fn maternity_json(case: &Option<MaternityCase>) -> String {
    case.as_ref().map_or_else(String::new, |m| {
        serde_json::json!({
            "difficult_birth": m.difficult_birth,
            "babies": m.babies,
            "miscarriage_months": m.miscarriage_months.unwrap_or(0),
        })
        .to_string()
    })
}

/// Plans and stores a draft (or, for an extension, a request about to be submitted).
fn create_draft(
    tx: &mut Tx<'_>,
    caller: &Caller,
    new: &NewRequest,
    today: NaiveDate,
) -> Result<(RequestRow, Vec<StepRow>), ApiError> {
    let conn = tx.conn();
    let applicant = applicant(conn, &new.applicant)?;
    let (policy, calendar) = rules_for(conn, &new.ask.span, today)?;
    for year in new.ask.span.start.year()..=new.ask.span.end.year() {
        balance::ensure_annual_grants(conn, &applicant, year, &policy)?;
    }
    let filer = Filer { administers: workflow::administers(&caller.granted) };
    let planned = plan::plan(conn, today, filer, &applicant, &new.ask, &policy, &calendar, None)?;
    let id = store::new_id();
    let now = clock::now();
    let on_behalf = caller.principal.cadre_id.as_deref() != Some(applicant.id.as_str());
    let row = RequestRow {
        id: id.clone(),
        applicant_cadre_id: applicant.id.clone(),
        applicant_name: applicant.name.clone(),
        org_unit_id: applicant.employing_unit_id.clone(),
        leave_type: new.ask.leave_type.clone(),
        start_date: new.ask.span.start,
        start_half: new.ask.span.start_half.code().to_owned(),
        end_date: new.ask.span.end,
        end_half: new.ask.span.end_half.code().to_owned(),
        days_halves: i32::try_from(planned.days.halves()).unwrap_or(i32::MAX),
        calendar_halves: i32::try_from(planned.calendar_days.halves()).unwrap_or(i32::MAX),
        reason: new.reason.clone(),
        destination: new.destination.clone(),
        contact_phone: new.contact_phone.clone(),
        acting_deputy_cadre_id: new.ask.acting_deputy.clone(),
        documents: serde_json::to_string(&new.ask.documents).unwrap_or_else(|_| "[]".to_owned()),
        state: RequestState::Draft.code().to_owned(),
        applicant_class: planned.class.code().to_owned(),
        cumulative_halves: i32::try_from(planned.cumulative.halves()).unwrap_or(i32::MAX),
        extends_request_id: new.ask.extends.clone().unwrap_or_default(),
        extended_by_request_id: String::new(),
        return_date: None,
        return_half: String::new(),
        cancel_reason: String::new(),
        filed_by: if on_behalf || new.ask.span.start < today {
            caller.principal.subject.clone()
        } else {
            String::new()
        },
        maternity: maternity_json(&new.ask.maternity),
        raised_by: planned.raised.iter().map(|r| r.code()).collect::<Vec<_>>().join(","),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let steps = workflow::step_rows(&id, &planned.steps);
    request_store::insert(conn, &row, &steps)?;
    Ok((row, steps))
}

/// Re-plans a draft with today's data and submits it.
fn submit(
    tx: &mut Tx<'_>,
    caller: &Caller,
    row: &mut RequestRow,
    today: NaiveDate,
) -> Result<Vec<StepRow>, ApiError> {
    let conn = tx.conn();
    let span = spans::planned(row).ok_or_else(|| ApiError::internal("stored period unreadable"))?;
    let applicant = applicant(conn, &row.applicant_cadre_id)?;
    let (policy, calendar) = rules_for(conn, &span, today)?;
    let maternity = serde_json::from_str::<serde_json::Value>(&row.maternity).ok().map(|m| MaternityCase {
        difficult_birth: m["difficult_birth"].as_bool().unwrap_or(false),
        babies: m["babies"].as_u64().map_or(1, |b| u32::try_from(b).unwrap_or(1)),
        miscarriage_months: m["miscarriage_months"]
            .as_u64()
            .filter(|m| *m > 0)
            .map(|m| u32::try_from(m).unwrap_or(0)),
    });
    let ask = Ask {
        leave_type: row.leave_type.clone(),
        span,
        documents: serde_json::from_str(&row.documents).unwrap_or_default(),
        acting_deputy: row.acting_deputy_cadre_id.clone(),
        maternity,
        extends: (!row.extends_request_id.is_empty()).then(|| row.extends_request_id.clone()),
    };
    let filer = Filer { administers: workflow::administers(&caller.granted) };
    let planned = plan::plan(conn, today, filer, &applicant, &ask, &policy, &calendar, Some(&row.id))?;
    row.days_halves = i32::try_from(planned.days.halves()).unwrap_or(i32::MAX);
    row.calendar_halves = i32::try_from(planned.calendar_days.halves()).unwrap_or(i32::MAX);
    row.applicant_class = planned.class.code().to_owned();
    row.cumulative_halves = i32::try_from(planned.cumulative.halves()).unwrap_or(i32::MAX);
    row.raised_by = planned.raised.iter().map(|r| r.code()).collect::<Vec<_>>().join(",");
    let mut steps = workflow::step_rows(&row.id, &planned.steps);
    request_store::replace_steps(conn, &row.id, &steps)?;
    let actor = actor(conn, caller, &steps, today, &policy)?;
    let effects =
        workflow::run_command(row, &mut steps, Command::Submit, &actor, None, &calendar, today, &policy)?;
    let conn = tx.conn();
    workflow::save(conn, row, &steps)?;
    after_effects(tx, caller, row, &steps, &effects, &policy, &calendar, today)?;
    Ok(steps)
}

/// The ledger, the extension link and the events that follow a command's effects.
#[allow(clippy::too_many_arguments)]
fn after_effects(
    tx: &mut Tx<'_>,
    caller: &Caller,
    row: &mut RequestRow,
    steps: &[StepRow],
    effects: &[Effect],
    policy: &LeavePolicy,
    calendar: &crate::domain::calendar::WorkCalendar,
    today: NaiveDate,
) -> Result<(), ApiError> {
    let recorder = caller.principal.subject.clone();
    for effect in effects {
        match effect {
            Effect::Approved => {
                let conn = tx.conn();
                let type_policy = store::types::get(conn, &row.leave_type, row.start_date)?
                    .ok_or_else(|| ApiError::internal("the request's leave type vanished"))?;
                if type_policy.requires_balance {
                    let available = balance::available(
                        conn,
                        &row.applicant_cadre_id,
                        &row.leave_type,
                        row.start_date,
                        Some(&row.id),
                    )?;
                    if HalfDays(row.days_halves.unsigned_abs()) > available {
                        return Err(ApiError::failed_precondition(
                            "INSUFFICIENT_BALANCE",
                            format!("the balance fell to {available} days since the request was submitted"),
                        ));
                    }
                }
                balance::record_use(conn, row, &type_policy, calendar, &recorder)?;
                if matches!(row.leave_type.as_str(), "personal" | "sick") {
                    let cadre = applicant(conn, &row.applicant_cadre_id)?;
                    balance::apply_exclusions(conn, &cadre, workflow::year_of(row), policy, calendar, today)?;
                }
                if !row.extends_request_id.is_empty() {
                    let (mut parent, parent_steps) = workflow::load(conn, &row.extends_request_id)?;
                    if today > parent.end_date {
                        return Err(ApiError::failed_precondition(
                            "EXTENSION_TOO_LATE",
                            "an extension must be approved before the leave it extends ends; reject it and record the overstay",
                        ));
                    }
                    row.id.clone_into(&mut parent.extended_by_request_id);
                    parent.updated_at = clock::now();
                    workflow::save(conn, &mut parent, &parent_steps)?;
                    events::extended(tx, &parent.id, &respond(row, steps))?;
                }
            }
            Effect::Cancelled { was_approved: true } => {
                let conn = tx.conn();
                if let Some(type_policy) = store::types::get(conn, &row.leave_type, row.start_date)? {
                    balance::refund_unused(
                        conn,
                        row,
                        &type_policy,
                        calendar,
                        None,
                        "cancelled before it started",
                        &recorder,
                    )?;
                }
            }
            _ => {}
        }
    }
    workflow::publish(tx, &respond(row, steps), effects)
}

/// Loads, version-checks and runs one command by the caller, with its side effects; the response is the
/// request afterwards.
#[allow(clippy::too_many_arguments)]
fn command(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &str,
    expected_version: i64,
    command: impl FnOnce(&RequestRow, NaiveDate) -> Command,
    comment: Option<(usize, &str)>,
    prepare: impl FnOnce(&mut RequestRow),
    today: NaiveDate,
) -> Result<pb::LeaveRequest, ApiError> {
    let (mut row, mut steps) = load_visible(tx.conn(), caller, id)?;
    tx.set_object("leave_request", id);
    workflow::check_version(&row, expected_version)?;
    let span = spans::planned(&row).ok_or_else(|| ApiError::internal("stored period unreadable"))?;
    let (policy, calendar) = rules_for(tx.conn(), &span, today)?;
    let actor = actor(tx.conn(), caller, &steps, today, &policy)?;
    let command = command(&row, today);
    prepare(&mut row);
    let effects =
        workflow::run_command(&mut row, &mut steps, command, &actor, comment, &calendar, today, &policy)?;
    workflow::save(tx.conn(), &mut row, &steps)?;
    after_effects(tx, caller, &mut row, &steps, &effects, &policy, &calendar, today)?;
    Ok(respond(&row, &steps))
}

fn step_index(value: i32) -> Result<usize, ApiError> {
    usize::try_from(value).map_err(|_| {
        ApiError::invalid_argument("STEP_NOT_FOUND", "step_index is negative")
            .with_violation("step_index", "must be ≥ 0")
    })
}

impl LeaveApi {
    pub(super) async fn create_leave_request_impl(
        &self,
        request: Request<pb::CreateLeaveRequestRequest>,
    ) -> Result<Response<pb::CreateLeaveRequestResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let new = (|| {
            let own = caller.principal.cadre_id.clone();
            let applicant = if request.applicant_cadre_id.is_empty() {
                own.clone().ok_or_else(|| {
                    ApiError::invalid_argument(
                        "APPLICANT_REQUIRED",
                        "the caller has no cadre record; name the applicant",
                    )
                    .with_violation("applicant_cadre_id", "is required")
                })?
            } else {
                require_id("applicant_cadre_id", &request.applicant_cadre_id)?
            };
            if own.as_deref() != Some(applicant.as_str()) && !workflow::administers(&caller.granted) {
                return Err(ApiError::new(
                    tonic::Code::PermissionDenied,
                    "NOT_OWN_RECORD",
                    "only the unit's HR officer or the org department file leave for someone else",
                ));
            }
            let span = span_of(
                request.start_date.as_ref(),
                request.start_half,
                request.end_date.as_ref(),
                request.end_half,
            )?;
            let leave_type = bounded("leave_type", &request.leave_type, 32, true)?;
            if request.documents.len() > 10 || request.documents.iter().any(|d| d.is_empty() || d.len() > 64)
            {
                return Err(ApiError::invalid_argument(
                    "INVALID_DOCUMENTS",
                    "documents are 1-10 codes of up to 64 characters",
                )
                .with_violation("documents", "1-10 codes of up to 64 characters"));
            }
            let maternity = request.maternity.as_ref().map(|m| MaternityCase {
                difficult_birth: m.difficult_birth,
                babies: u32::try_from(m.babies.clamp(1, 9)).unwrap_or(1),
                miscarriage_months: (m.miscarriage_months > 0)
                    .then(|| u32::try_from(m.miscarriage_months.min(12)).unwrap_or(0)),
            });
            Ok(NewRequest {
                applicant,
                ask: Ask {
                    leave_type,
                    span,
                    documents: request.documents.clone(),
                    acting_deputy: request.acting_deputy_cadre_id.trim().to_owned(),
                    maternity,
                    extends: None,
                },
                reason: bounded("reason", &request.reason, 500, true)?,
                destination: bounded("destination", &request.destination, 200, false)?,
                contact_phone: bounded("contact_phone", &request.contact_phone, 32, false)?,
            })
        })()
        .map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("CreateLeaveRequest"), &request.request_id.clone(), &request, move |tx| {
                if !in_scope(tx.conn(), &caller.scope, &new.applicant)? {
                    return Err(ApiError::not_found(
                        "CADRE_NOT_FOUND",
                        format!("no cadre {}", new.applicant),
                    ));
                }
                let (row, steps) = create_draft(tx, &caller, &new, today)?;
                tx.set_object("leave_request", &row.id);
                Ok(pb::CreateLeaveRequestResponse { leave_request: Some(respond(&row, &steps)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn submit_leave_request_impl(
        &self,
        request: Request<pb::SubmitLeaveRequestRequest>,
    ) -> Result<Response<pb::SubmitLeaveRequestResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let today = self.today();
        let expected = request.expected_version;
        let response = self
            .db
            .mutate(ctx, method!("SubmitLeaveRequest"), &request.request_id.clone(), &request, move |tx| {
                let (mut row, _) = load_visible(tx.conn(), &caller, &id)?;
                tx.set_object("leave_request", &id);
                workflow::check_version(&row, expected)?;
                if row.state != RequestState::Draft.code() {
                    return Err(ApiError::failed_precondition(
                        "REQUEST_STATE_INVALID",
                        format!("the request is {}, not a draft", row.state),
                    ));
                }
                let steps = submit(tx, &caller, &mut row, today)?;
                Ok(pb::SubmitLeaveRequestResponse { leave_request: Some(respond(&row, &steps)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn withdraw_leave_request_impl(
        &self,
        request: Request<pb::WithdrawLeaveRequestRequest>,
    ) -> Result<Response<pb::WithdrawLeaveRequestResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let (today, expected) = (self.today(), request.expected_version);
        let response = self
            .db
            .mutate(ctx, method!("WithdrawLeaveRequest"), &request.request_id.clone(), &request, move |tx| {
                let view =
                    command(tx, &caller, &id, expected, |_, _| Command::Withdraw, None, |_| {}, today)?;
                Ok(pb::WithdrawLeaveRequestResponse { leave_request: Some(view) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn cancel_leave_request_impl(
        &self,
        request: Request<pb::CancelLeaveRequestRequest>,
    ) -> Result<Response<pb::CancelLeaveRequestResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let reason = bounded("reason", &request.reason, 500, true).map_err(status)?;
        let (today, expected) = (self.today(), request.expected_version);
        let response = self
            .db
            .mutate(ctx, method!("CancelLeaveRequest"), &request.request_id.clone(), &request, move |tx| {
                let prepare = |row: &mut RequestRow| row.cancel_reason = reason;
                let view = command(
                    tx,
                    &caller,
                    &id,
                    expected,
                    |_, today| Command::Cancel { today },
                    None,
                    prepare,
                    today,
                )?;
                Ok(pb::CancelLeaveRequestResponse { leave_request: Some(view) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn approve_leave_request_impl(
        &self,
        request: Request<pb::ApproveLeaveRequestRequest>,
    ) -> Result<Response<pb::ApproveLeaveRequestResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let step = step_index(request.step_index).map_err(status)?;
        let comment = bounded("comment", &request.comment, 500, false).map_err(status)?;
        let (today, expected) = (self.today(), request.expected_version);
        let response = self
            .db
            .mutate(ctx, method!("ApproveLeaveRequest"), &request.request_id.clone(), &request, move |tx| {
                let view = command(
                    tx,
                    &caller,
                    &id,
                    expected,
                    |_, _| Command::Approve { step },
                    Some((step, &comment)),
                    |_| {},
                    today,
                )?;
                Ok(pb::ApproveLeaveRequestResponse { leave_request: Some(view) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn reject_leave_request_impl(
        &self,
        request: Request<pb::RejectLeaveRequestRequest>,
    ) -> Result<Response<pb::RejectLeaveRequestResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let step = step_index(request.step_index).map_err(status)?;
        let reason = bounded("reason", &request.reason, 500, true).map_err(status)?;
        let (today, expected) = (self.today(), request.expected_version);
        let response = self
            .db
            .mutate(ctx, method!("RejectLeaveRequest"), &request.request_id.clone(), &request, move |tx| {
                let view = command(
                    tx,
                    &caller,
                    &id,
                    expected,
                    |_, _| Command::Reject { step },
                    Some((step, &reason)),
                    |_| {},
                    today,
                )?;
                Ok(pb::RejectLeaveRequestResponse { leave_request: Some(view) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn file_leave_request_impl(
        &self,
        request: Request<pb::FileLeaveRequestRequest>,
    ) -> Result<Response<pb::FileLeaveRequestResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let step = step_index(request.step_index).map_err(status)?;
        let comment = bounded("comment", &request.comment, 500, false).map_err(status)?;
        let today = self.today();
        let response = self
            .db
            .mutate(ctx, method!("FileLeaveRequest"), &request.request_id.clone(), &request, move |tx| {
                let view = command(
                    tx,
                    &caller,
                    &id,
                    0,
                    |_, _| Command::File { step },
                    Some((step, &comment)),
                    |_| {},
                    today,
                )?;
                Ok(pb::FileLeaveRequestResponse { leave_request: Some(view) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn record_leave_return_impl(
        &self,
        request: Request<pb::RecordLeaveReturnRequest>,
    ) -> Result<Response<pb::RecordLeaveReturnResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let today = self.today();
        let on = match request.return_date.as_ref() {
            None => today,
            Some(date) => crate::convert::date("return_date", Some(date)).map_err(status)?,
        };
        if on > today {
            return Err(status(
                ApiError::invalid_argument("RETURN_IN_FUTURE", "销假 records a return that happened")
                    .with_violation("return_date", "is after today"),
            ));
        }
        let back_half = half_field(request.return_half, false);
        let response = self
            .db
            .mutate(ctx, method!("RecordLeaveReturn"), &request.request_id.clone(), &request, move |tx| {
                record_return(tx, &caller, &id, on, back_half, today)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn extend_leave_request_impl(
        &self,
        request: Request<pb::ExtendLeaveRequestRequest>,
    ) -> Result<Response<pb::ExtendLeaveRequestResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let end = crate::convert::date("end_date", request.end_date.as_ref()).map_err(status)?;
        let end_half = half_field(request.end_half, true);
        let reason = bounded("reason", &request.reason, 500, true).map_err(status)?;
        let documents = request.documents.clone();
        let today = self.today();
        let response = self
            .db
            .mutate(ctx, method!("ExtendLeaveRequest"), &request.request_id.clone(), &request, move |tx| {
                let (parent, _) = load_visible(tx.conn(), &caller, &id)?;
                tx.set_object("leave_request", &id);
                if parent.state != RequestState::Approved.code() {
                    return Err(ApiError::failed_precondition(
                        "REQUEST_STATE_INVALID",
                        "only an approved leave is extended",
                    ));
                }
                if !parent.extended_by_request_id.is_empty() {
                    return Err(ApiError::failed_precondition(
                        "ALREADY_EXTENDED",
                        format!(
                            "the leave was extended by {}; extend that one",
                            parent.extended_by_request_id
                        ),
                    ));
                }
                if today > parent.end_date {
                    return Err(ApiError::failed_precondition(
                        "TOO_LATE_TO_EXTEND",
                        "a 续假 is asked before the leave ends; after it, the absence is an overstay",
                    ));
                }
                let pending = request_store::of_cadre_between(
                    tx.conn(),
                    &parent.applicant_cadre_id,
                    parent.end_date,
                    end,
                    false,
                )?
                .into_iter()
                .any(|r| r.extends_request_id == parent.id && r.state == "pending");
                if pending {
                    return Err(ApiError::failed_precondition(
                        "EXTENSION_PENDING",
                        "an extension of this leave is already waiting",
                    ));
                }
                let (start, start_half) = if parent.end_half == Half::Am.code() {
                    (parent.end_date, Half::Pm)
                } else {
                    (parent.end_date + Duration::days(1), Half::Am)
                };
                let span = LeaveSpan::new(start, start_half, end, end_half).map_err(|_| {
                    ApiError::invalid_argument("INVALID_PERIOD", "the new end is not after the current end")
                        .with_violation("end_date", "must be after the leave's current end")
                })?;
                let new = NewRequest {
                    applicant: parent.applicant_cadre_id.clone(),
                    ask: Ask {
                        leave_type: parent.leave_type.clone(),
                        span,
                        documents,
                        acting_deputy: parent.acting_deputy_cadre_id.clone(),
                        maternity: None,
                        extends: Some(parent.id.clone()),
                    },
                    reason,
                    destination: parent.destination.clone(),
                    contact_phone: parent.contact_phone.clone(),
                };
                let (mut row, _) = create_draft(tx, &caller, &new, today)?;
                let steps = submit(tx, &caller, &mut row, today)?;
                Ok(pb::ExtendLeaveRequestResponse { leave_request: Some(respond(&row, &steps)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_leave_request_impl(
        &self,
        request: Request<pb::GetLeaveRequestRequest>,
    ) -> Result<Response<pb::GetLeaveRequestResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = require_id("id", &request.get_ref().id).map_err(status)?;
        let view = self
            .db
            .run(move |conn| {
                let (row, steps) = load_visible(conn, &caller, &id)?;
                Ok(respond(&row, &steps))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetLeaveRequestResponse { leave_request: Some(view) }))
    }

    pub(super) async fn list_leave_requests_impl(
        &self,
        request: Request<pb::ListLeaveRequestsRequest>,
    ) -> Result<Response<pb::ListLeaveRequestsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let state = match pb::LeaveRequestState::try_from(request.state) {
            Ok(pb::LeaveRequestState::Unspecified) => None,
            Ok(state) => Some(state.as_str_name().trim_start_matches("LEAVE_REQUEST_STATE_").to_lowercase()),
            Err(_) => {
                return Err(status(
                    ApiError::invalid_argument("INVALID_STATE", "unknown state")
                        .with_violation("state", "is not a state"),
                ));
            }
        };
        let filters = paging::filter_fingerprint(&[
            &request.applicant_cadre_id,
            &request.org_unit_id,
            state.as_deref().unwrap_or(""),
            &request.year.to_string(),
        ]);
        let after = paging::decode_token(&request.page_token, &filters).map_err(status)?;
        let (page, next) = self
            .db
            .run(move |conn| {
                let mut ids = store::projection::cadre_ids_in_scope(conn, &caller.scope)?;
                if !request.org_unit_id.is_empty() {
                    let subtree = store::projection::cadre_ids_in_subtree(conn, &request.org_unit_id)?;
                    ids = Some(match ids {
                        None => subtree,
                        Some(scoped) => subtree.into_iter().filter(|id| scoped.contains(id)).collect(),
                    });
                }
                let filter = request_store::Filter {
                    applicant: (!request.applicant_cadre_id.is_empty())
                        .then(|| request.applicant_cadre_id.clone()),
                    cadre_ids: ids,
                    state,
                    year: (request.year != 0).then_some(request.year),
                };
                let after = match after {
                    Some(key) if key.len() == 2 => {
                        let at =
                            NaiveDateTime::parse_from_str(&key[0], "%Y-%m-%dT%H:%M:%S%.f").map_err(|_| {
                                ApiError::invalid_argument(
                                    "INVALID_PAGE_TOKEN",
                                    "the page token is not one of this list",
                                )
                            })?;
                        Some((at, key[1].clone()))
                    }
                    Some(_) => {
                        return Err(ApiError::invalid_argument(
                            "INVALID_PAGE_TOKEN",
                            "the page token is not one of this list",
                        ));
                    }
                    None => None,
                };
                let mut rows = request_store::list(conn, &filter, after, limit + 1)?;
                let next = if rows.len() as i64 > limit {
                    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
                    rows.last().map(|r| {
                        paging::encode_token(
                            vec![r.created_at.format("%Y-%m-%dT%H:%M:%S%.f").to_string(), r.id.clone()],
                            &filters,
                        )
                    })
                } else {
                    None
                };
                let mut page = Vec::with_capacity(rows.len());
                for row in rows {
                    let steps = request_store::steps_of(conn, &row.id)?;
                    page.push(respond(&row, &steps));
                }
                Ok((page, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListLeaveRequestsResponse {
            leave_requests: page,
            next_page_token: next.unwrap_or_default(),
        }))
    }

    pub(super) async fn list_my_approvals_impl(
        &self,
        request: Request<pb::ListMyApprovalsRequest>,
    ) -> Result<Response<pb::ListMyApprovalsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let today = self.today();
        let page = self
            .db
            .run(move |conn| {
                let policy = store::policy::on(conn, today)?;
                let me = caller.principal.cadre_id.clone();
                // Whom the caller stands in for today: those away who named them, and so on up the chain.
                // Who is away today and whom they left in charge: read once, then walked up the chain.
                let mut handed_over: Vec<(String, String)> =
                    request_store::approved_covering(conn, None, today)?
                        .into_iter()
                        .map(|row| (row.applicant_cadre_id, row.acting_deputy_cadre_id))
                        .collect();
                handed_over.extend(
                    store::travel::covering_all(conn, today)?
                        .into_iter()
                        .map(|f| (f.cadre_id, f.deputy_cadre_id)),
                );
                let mut standing_for: Vec<String> = me.iter().cloned().collect();
                let mut frontier = standing_for.clone();
                for _ in 0..policy.delegation.max_chain {
                    let next: Vec<String> = handed_over
                        .iter()
                        .filter(|(away, deputy)| frontier.contains(deputy) && !standing_for.contains(away))
                        .map(|(away, _)| away.clone())
                        .collect();
                    if next.is_empty() {
                        break;
                    }
                    standing_for.extend(next.iter().cloned());
                    frontier = next;
                }
                let pools = workflow::pools_of(&caller.granted);
                let pool_codes: Vec<&str> = pools.iter().map(|p| p.code()).collect();
                let ids = request_store::waiting_for(conn, &standing_for, &pool_codes)?;
                let mut page = Vec::new();
                for row in request_store::many(conn, &ids)? {
                    let steps = request_store::steps_of(conn, &row.id)?;
                    if row.applicant_cadre_id.as_str() == me.as_deref().unwrap_or("") {
                        continue;
                    }
                    let actor = actor(conn, &caller, &steps, today, &policy)?;
                    let decidable = steps.iter().any(|s| {
                        s.state == "current"
                            && ((s.pool.is_empty()
                                && (Some(&s.assignee_cadre_id) == actor.cadre_id.as_ref()
                                    || actor.acting_for.contains(&s.assignee_cadre_id)))
                                || pool_codes.contains(&s.pool.as_str()))
                    });
                    if decidable {
                        page.push(respond(&row, &steps));
                    }
                }
                page.sort_by(|a, b| a.update_time.map(|t| t.seconds).cmp(&b.update_time.map(|t| t.seconds)));
                Ok(page)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListMyApprovalsResponse { leave_requests: page }))
    }

    pub(super) async fn get_leave_form_impl(
        &self,
        request: Request<pb::GetLeaveFormRequest>,
    ) -> Result<Response<pb::GetLeaveFormResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = require_id("id", &request.get_ref().id).map_err(status)?;
        let form = self
            .db
            .run(move |conn| {
                let (row, steps) = load_visible(conn, &caller, &id)?;
                let unit_name =
                    store::projection::unit(conn, &row.org_unit_id)?.map(|u| u.name).unwrap_or_default();
                let cadre = store::projection::cadre(conn, &row.applicant_cadre_id)?;
                let deputy = if row.acting_deputy_cadre_id.is_empty() {
                    None
                } else {
                    store::projection::cadre(conn, &row.acting_deputy_cadre_id)?
                };
                let types = store::types::in_force(conn, row.start_date)?;
                let type_name = |code: &str| {
                    types.iter().find(|t| t.code == code).map_or(code.to_owned(), |t| t.name.clone())
                };
                let mut taken = std::collections::HashMap::new();
                let year = row.start_date.year();
                for entry in store::ledger::entries(conn, &row.applicant_cadre_id, year, None)? {
                    if entry.leave_request_id == row.id || !matches!(entry.kind.as_str(), "USE" | "REFUND") {
                        continue;
                    }
                    let sign = if entry.kind == "USE" { 1.0 } else { -1.0 };
                    *taken.entry(type_name(&entry.leave_type)).or_insert(0.0) +=
                        sign * view::ledger_days(entry.halves).abs();
                }
                let signatures = steps
                    .iter()
                    .filter(|s| s.decided_at.is_some())
                    .map(|s| {
                        let kind =
                            crate::domain::route::StepKind::from_code(&s.kind).map_or("", |k| k.label_zh());
                        let verdict = match s.state.as_str() {
                            "approved" => "同意",
                            "rejected" => "不同意",
                            "filed" => "已备案",
                            "notified" => "已知悉",
                            _ => "",
                        };
                        let on_behalf = if s.on_behalf_of.is_empty() {
                            String::new()
                        } else {
                            format!("（代 {}）", s.assignee_name)
                        };
                        let at = s
                            .decided_at
                            .map(|t| (t + Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_default();
                        format!("{kind} {}{on_behalf} {verdict} {} {at}", s.assignee_name, s.comment)
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect();
                Ok(pb::GetLeaveFormResponse {
                    title: "干部请假审批单".to_owned(),
                    unit_name,
                    post_title: cadre.map(|c| c.post_title).unwrap_or_default(),
                    leave_type_name: type_name(&row.leave_type),
                    acting_deputy_name: deputy.map(|d| d.name).unwrap_or_default(),
                    taken_this_year: taken,
                    signatures,
                    leave_request: Some(respond(&row, &steps)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(form))
    }
}

/// 销假 on a request and the rest of its chain of extensions: the parts taken are kept, the rest refunded;
/// an extension not yet started is cancelled; a late return closes the overdue case with its 旷工 days.
fn record_return(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &str,
    on: NaiveDate,
    back_half: Half,
    today: NaiveDate,
) -> Result<pb::RecordLeaveReturnResponse, ApiError> {
    let (mut first, _) = load_visible(tx.conn(), caller, id)?;
    tx.set_object("leave_request", id);
    // The whole chain, whichever link was named: back to the first request, then its extensions in order.
    while !first.extends_request_id.is_empty() {
        first = workflow::load(tx.conn(), &first.extends_request_id)?.0;
    }
    let mut chain = vec![first];
    while let Some(next) = chain.last().map(|r| r.extended_by_request_id.clone()).filter(|n| !n.is_empty()) {
        let (row, _) = workflow::load(tx.conn(), &next)?;
        chain.push(row);
    }
    let mut refunded = HalfDays::ZERO;
    let mut late = false;
    let mut answer = None;
    for row in chain {
        if row.state != RequestState::Approved.code() {
            continue;
        }
        let (mut row, mut steps) = workflow::load(tx.conn(), &row.id)?;
        let span = spans::planned(&row).ok_or_else(|| ApiError::internal("stored period unreadable"))?;
        let (policy, calendar) = rules_for(tx.conn(), &span, today)?;
        let actor = actor(tx.conn(), caller, &steps, today, &policy)?;
        let not_started =
            spans::last_away_before(on, back_half).is_some_and(|last| last < (span.start, span.start_half));
        let type_policy = store::types::get(tx.conn(), &row.leave_type, row.start_date)?
            .ok_or_else(|| ApiError::internal("the request's leave type vanished"))?;
        let effects = if not_started && !row.extends_request_id.is_empty() {
            "returned before the extension began".clone_into(&mut row.cancel_reason);
            let effects = workflow::run_command(
                &mut row,
                &mut steps,
                Command::Cancel { today: on },
                &actor,
                None,
                &calendar,
                today,
                &policy,
            )?;
            refunded += balance::refund_unused(
                tx.conn(),
                &row,
                &type_policy,
                &calendar,
                None,
                "returned before it began",
                &caller.principal.subject,
            )?;
            effects
        } else {
            row.return_half = back_half.code().to_owned();
            let effects = workflow::run_command(
                &mut row,
                &mut steps,
                Command::Return { on },
                &actor,
                None,
                &calendar,
                today,
                &policy,
            )?;
            let kept = spans::effective(&row);
            refunded += balance::refund_unused(
                tx.conn(),
                &row,
                &type_policy,
                &calendar,
                kept.as_ref(),
                "returned early (销假)",
                &caller.principal.subject,
            )?;
            // Only the last link's end is when the cadre was due back.
            if row.extended_by_request_id.is_empty() {
                late |= close_on_return(tx, &row, &calendar, &policy, on, today)?;
            }
            effects
        };
        workflow::save(tx.conn(), &mut row, &steps)?;
        let view = respond(&row, &steps);
        workflow::publish(tx, &view, &effects)?;
        if effects.iter().any(|e| matches!(e, Effect::Returned { .. })) {
            events::returned(tx, &view, refunded.as_f64(), late)?;
        }
        if row.id == id {
            answer = Some(view);
        }
    }
    let Some(view) = answer else {
        return Err(ApiError::failed_precondition(
            "REQUEST_STATE_INVALID",
            "only an approved leave is returned from",
        ));
    };
    Ok(pb::RecordLeaveReturnResponse { leave_request: Some(view), refunded_days: refunded.as_f64() })
}

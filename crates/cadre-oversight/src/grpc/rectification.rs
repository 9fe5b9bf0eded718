//! Rectification (整改): tasks assigned for open findings to an owner unit, with a deadline whose yellow light
//! starts the policy's working days before it (counted on the leave service's calendar); the owner's plan
//! and report with evidence; the 销号 by someone outside the owner unit, which needs evidence and, once
//! every task of a finding is closed, rectifies the finding; extension requests and their decisions; the
//! ledger (整改台账) of a unit subtree and the unit report.

use std::collections::{BTreeMap, BTreeSet};

use cadre_platform::{
    ApiError, CallContext, DbConn, Violations,
    auth::Caller,
    clock,
    dates::{date_to, required_date},
    error::require_id,
    input::{optional_id, text, texts},
    paging,
};
use cadre_projection::store as projection;
use cadre_proto::oversight as pb;
use chrono::{Datelike, NaiveDate};
use tonic::{Request, Response, Status};

use super::{
    MAX_TEXT_CHARS, OversightApi, SHORT_LIST, denied, finish, status, visible_unit, year as checked_year,
};
use crate::{
    domain::{
        codes::{DeadlineLight, ExtensionState, FindingState, RectificationState},
        lights::{self, Calendar},
    },
    events,
    store::{
        self, findings as finding_store,
        rectification::{self as task_store, ExtensionRow, TaskFilter, TaskRow},
    },
    view::rectification as view,
};

fn task_not_found(id: &str) -> ApiError {
    ApiError::not_found("TASK_NOT_FOUND", format!("no rectification task {id}"))
}

fn finding_not_found(id: &str) -> ApiError {
    ApiError::not_found("FINDING_NOT_FOUND", format!("no finding {id}"))
}

fn not_in_progress(row: &TaskRow) -> ApiError {
    ApiError::failed_precondition(
        "TASK_NOT_IN_PROGRESS",
        format!("task {} is {}, not in progress", row.id, row.state),
    )
}

fn closed(row: &TaskRow) -> ApiError {
    ApiError::failed_precondition("TASK_CLOSED", format!("task {} is closed (销号)", row.id))
}

fn is(row: &TaskRow, state: RectificationState) -> bool {
    row.state == state.code()
}

/// A task whose owner unit the caller sees; outside their scope it answers like an absent one.
fn visible_task(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<TaskRow, ApiError> {
    let row = task_store::get(conn, id)?.ok_or_else(|| task_not_found(id))?;
    if !store::unit_in_scope(conn, &caller.scope, &row.owner_org_unit_id)? {
        return Err(task_not_found(id));
    }
    Ok(row)
}

/// Refuses a caller employed by the task's owner unit: a unit does not sign off or extend its own task.
fn not_of_owner(conn: &mut DbConn, caller: &Caller, row: &TaskRow, what: &str) -> Result<(), ApiError> {
    let Some(own) = &caller.principal.cadre_id else { return Ok(()) };
    let of_owner =
        projection::cadre(conn, own)?.is_some_and(|cadre| cadre.employing_unit_id == row.owner_org_unit_id);
    if of_owner {
        return Err(denied("OWN_TASK", format!("the owner unit's people may not {what} its own task")));
    }
    Ok(())
}

/// A task as the contract shows it: with its owner unit's name and its extension requests.
fn shown(conn: &mut DbConn, row: &TaskRow, today: NaiveDate) -> Result<pb::RectificationTask, ApiError> {
    let name = projection::unit(conn, &row.owner_org_unit_id)?.map(|u| u.name).unwrap_or_default();
    let extensions = task_store::extensions_of(conn, &row.id)?;
    Ok(view::task(row, &name, &extensions, today))
}

/// The names of `unit_ids` in the projection (absent ones left out).
fn unit_names(conn: &mut DbConn, unit_ids: BTreeSet<String>) -> Result<BTreeMap<String, String>, ApiError> {
    let mut names = BTreeMap::new();
    for id in unit_ids {
        if let Some(unit) = projection::unit(conn, &id)? {
            names.insert(id, unit.name);
        }
    }
    Ok(names)
}

/// Writes a changed task one version on.
fn save(conn: &mut DbConn, row: &mut TaskRow) -> Result<(), ApiError> {
    let read = row.version;
    row.version += 1;
    task_store::update(conn, row, read)
}

/// An enum filter of a list request: 0 is none, an unknown number a violation.
fn filter_of<T>(
    violations: &mut Violations,
    field: &str,
    number: i32,
    parse: impl Fn(i32) -> Option<T>,
) -> Option<T> {
    if number == 0 {
        return None;
    }
    let parsed = parse(number);
    violations.require(parsed.is_some(), field, "is not a known value");
    parsed
}

/// The keyset position (deadline, id) a ListRectifications token carries.
fn position(token: &str, filters: &str) -> Result<Option<(NaiveDate, String)>, ApiError> {
    let invalid = || {
        ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid for this query")
            .with_violation("page_token", "not a token from this query's previous page")
    };
    match paging::decode_token(token, filters)? {
        None => Ok(None),
        Some(key) => match key.as_slice() {
            [deadline, id] => Ok(Some((deadline.parse().map_err(|_| invalid())?, id.clone()))),
            _ => Err(invalid()),
        },
    }
}

impl OversightApi {
    /// The working calendar around `deadline`: its year and the one before, as far back as a warning
    /// period can reach. Asked before any transaction, so no database connection waits on the leave
    /// service; unavailable when it does not answer.
    async fn calendar_for(&self, deadline: NaiveDate) -> Result<Calendar, ApiError> {
        let mut holidays = Vec::new();
        let mut makeup_workdays = Vec::new();
        for year in [deadline.year() - 1, deadline.year()] {
            let days = self.calendar.special_days(year).await?;
            holidays.extend(days.holidays);
            makeup_workdays.extend(days.makeup_workdays);
        }
        Ok(Calendar::new(holidays, makeup_workdays))
    }

    /// The working days of the yellow light in the policy in force today.
    async fn warning_days(&self, today: NaiveDate) -> Result<u32, ApiError> {
        self.db.run(move |conn| Ok(store::policy::on(conn, today)?.warning_working_days)).await
    }

    pub(super) async fn assign_rectification_impl(
        &self,
        request: Request<pb::AssignRectificationRequest>,
    ) -> Result<Response<pb::AssignRectificationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let finding_id = cadre_platform::input::id(&mut violations, "finding_id", &request.finding_id);
        let owner_id = optional_id(&mut violations, "owner_org_unit_id", &request.owner_org_unit_id);
        let requirement = text(&mut violations, "requirement", &request.requirement, MAX_TEXT_CHARS, true);
        let deadline = required_date(&mut violations, "deadline", request.deadline.as_ref());
        if let Some(deadline) = deadline {
            violations.require(deadline > today, "deadline", "must be after today");
        }
        finish(violations, "INVALID_RECTIFICATION", "the rectification task is not valid")?;
        let Some(deadline) = deadline else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let working_days = self.warning_days(today).await.map_err(status)?;
        let calendar = self.calendar_for(deadline).await.map_err(status)?;
        let warning_from = lights::warning_from(deadline, working_days, &calendar);
        let response = self
            .db
            .mutate(ctx, method!("AssignRectification"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let finding =
                    finding_store::get(conn, &finding_id)?.ok_or_else(|| finding_not_found(&finding_id))?;
                if !store::reach(conn, &caller.scope, "")?.admits(&finding.cadre_id, &finding.org_unit_id) {
                    return Err(finding_not_found(&finding_id));
                }
                if finding.state != FindingState::Open.code() {
                    return Err(ApiError::failed_precondition(
                        "FINDING_NOT_OPEN",
                        format!("finding {finding_id} is {}: nothing is left to rectify", finding.state),
                    ));
                }
                let owner = if owner_id.is_empty() { finding.org_unit_id.clone() } else { owner_id };
                let unit = visible_unit(conn, &caller, &owner)?;
                let row = TaskRow {
                    id: store::new_id(),
                    finding_id: finding.id,
                    owner_org_unit_id: unit.id,
                    requirement,
                    plan: String::new(),
                    evidence: store::json::<[String]>(&[]),
                    report: String::new(),
                    deadline,
                    warning_from,
                    state: RectificationState::InProgress.code().to_owned(),
                    returned_note: String::new(),
                    verified_by: String::new(),
                    closed_on: None,
                    created_by: caller.principal.subject.clone(),
                    created_at: clock::now(),
                    version: 1,
                };
                task_store::insert(conn, &row)?;
                tx.set_object("rectification_task", &row.id);
                Ok(pb::AssignRectificationResponse { task: Some(view::task(&row, &unit.name, &[], today)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn submit_rectification_plan_impl(
        &self,
        request: Request<pb::SubmitRectificationPlanRequest>,
    ) -> Result<Response<pb::SubmitRectificationPlanResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let task_id = cadre_platform::input::id(&mut violations, "task_id", &request.task_id);
        let plan = text(&mut violations, "plan", &request.plan, MAX_TEXT_CHARS, true);
        finish(violations, "INVALID_PLAN", "the plan is not valid")?;
        let response = self
            .db
            .mutate(
                ctx,
                method!("SubmitRectificationPlan"),
                &request.request_id.clone(),
                &request,
                move |tx| {
                    let conn = tx.conn();
                    let mut row = visible_task(conn, &caller, &task_id)?;
                    if !is(&row, RectificationState::InProgress) {
                        return Err(not_in_progress(&row));
                    }
                    row.plan = plan;
                    save(conn, &mut row)?;
                    tx.set_object("rectification_task", &row.id);
                    Ok(pb::SubmitRectificationPlanResponse { task: Some(shown(tx.conn(), &row, today)?) })
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn report_rectification_impl(
        &self,
        request: Request<pb::ReportRectificationRequest>,
    ) -> Result<Response<pb::ReportRectificationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let task_id = cadre_platform::input::id(&mut violations, "task_id", &request.task_id);
        let report = text(&mut violations, "report", &request.report, MAX_TEXT_CHARS, true);
        let evidence = texts(&mut violations, "evidence", &request.evidence, SHORT_LIST, true);
        finish(violations, "INVALID_REPORT", "the report is not valid")?;
        let response = self
            .db
            .mutate(ctx, method!("ReportRectification"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible_task(conn, &caller, &task_id)?;
                if !is(&row, RectificationState::InProgress) {
                    return Err(not_in_progress(&row));
                }
                row.report = report;
                row.evidence = store::json(&evidence);
                row.state = RectificationState::Submitted.code().to_owned();
                save(conn, &mut row)?;
                tx.set_object("rectification_task", &row.id);
                Ok(pb::ReportRectificationResponse { task: Some(shown(tx.conn(), &row, today)?) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn verify_rectification_impl(
        &self,
        request: Request<pb::VerifyRectificationRequest>,
    ) -> Result<Response<pb::VerifyRectificationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let accept = request.accept;
        let mut violations = Violations::default();
        let task_id = cadre_platform::input::id(&mut violations, "task_id", &request.task_id);
        let note = text(&mut violations, "note", &request.note, MAX_TEXT_CHARS, !accept);
        finish(violations, "INVALID_VERIFICATION", "the verification is not valid")?;
        let response = self
            .db
            .mutate(ctx, method!("VerifyRectification"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible_task(conn, &caller, &task_id)?;
                if !is(&row, RectificationState::Submitted) {
                    return Err(ApiError::failed_precondition(
                        "TASK_NOT_REPORTED",
                        format!("task {task_id} is {}: only a reported task is verified", row.state),
                    ));
                }
                not_of_owner(conn, &caller, &row, "verify")?;
                let by = caller.principal.subject.clone();
                if !accept {
                    row.state = RectificationState::InProgress.code().to_owned();
                    row.returned_note = note;
                    save(conn, &mut row)?;
                    tx.set_object("rectification_task", &row.id);
                    return Ok(pb::VerifyRectificationResponse {
                        task: Some(shown(tx.conn(), &row, today)?),
                    });
                }
                if store::strings(&row.evidence).is_empty() {
                    return Err(ApiError::failed_precondition(
                        "EVIDENCE_REQUIRED",
                        format!("task {task_id} has no evidence: a 销号 without evidence is refused"),
                    ));
                }
                row.state = RectificationState::Closed.code().to_owned();
                row.closed_on = Some(today);
                row.verified_by.clone_from(&by);
                save(conn, &mut row)?;
                // A request still pending has nothing left to extend.
                if let Some(mut pending) = task_store::pending_extension(conn, &row.id)? {
                    pending.state = ExtensionState::Refused.code().to_owned();
                    pending.decided_by.clone_from(&by);
                    pending.decision_note = "signed off (销号) before a decision".to_owned();
                    task_store::update_extension(conn, &pending)?;
                }
                let all_closed = task_store::of_finding(conn, &row.finding_id)?
                    .iter()
                    .all(|task| is(task, RectificationState::Closed));
                if all_closed {
                    let finding = finding_store::get(conn, &row.finding_id)?;
                    if finding.is_some_and(|f| f.state == FindingState::Open.code()) {
                        finding_store::set_state(conn, &row.finding_id, FindingState::Rectified, "")?;
                    }
                }
                tx.set_object("rectification_task", &row.id);
                let task = shown(tx.conn(), &row, today)?;
                events::rectification_closed(tx, task.clone())?;
                Ok(pb::VerifyRectificationResponse { task: Some(task) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn request_extension_impl(
        &self,
        request: Request<pb::RequestExtensionRequest>,
    ) -> Result<Response<pb::RequestExtensionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let task_id = cadre_platform::input::id(&mut violations, "task_id", &request.task_id);
        let requested =
            required_date(&mut violations, "requested_deadline", request.requested_deadline.as_ref());
        if let Some(requested) = requested {
            violations.require(requested > today, "requested_deadline", "must be after today");
        }
        let reason = text(&mut violations, "reason", &request.reason, MAX_TEXT_CHARS, true);
        finish(violations, "INVALID_EXTENSION", "the extension request is not valid")?;
        let Some(requested) = requested else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("RequestExtension"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible_task(conn, &caller, &task_id)?;
                if is(&row, RectificationState::Closed) {
                    return Err(closed(&row));
                }
                if task_store::pending_extension(conn, &row.id)?.is_some() {
                    return Err(ApiError::failed_precondition(
                        "EXTENSION_PENDING",
                        format!("task {task_id} already has an extension request awaiting a decision"),
                    ));
                }
                if requested <= row.deadline {
                    return Err(ApiError::invalid_argument(
                        "INVALID_EXTENSION",
                        "the extension request is not valid",
                    )
                    .with_violation(
                        "requested_deadline",
                        format!("must be after the current deadline {}", row.deadline),
                    ));
                }
                task_store::insert_extension(
                    conn,
                    &ExtensionRow {
                        id: store::new_id(),
                        task_id: row.id.clone(),
                        requested_deadline: requested,
                        reason,
                        state: ExtensionState::Pending.code().to_owned(),
                        requested_by: caller.principal.subject.clone(),
                        decided_by: String::new(),
                        decision_note: String::new(),
                        requested_at: clock::now(),
                    },
                )?;
                save(conn, &mut row)?;
                tx.set_object("rectification_task", &row.id);
                Ok(pb::RequestExtensionResponse { task: Some(shown(tx.conn(), &row, today)?) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn decide_extension_impl(
        &self,
        request: Request<pb::DecideExtensionRequest>,
    ) -> Result<Response<pb::DecideExtensionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let approve = request.approve;
        let mut violations = Violations::default();
        let task_id = cadre_platform::input::id(&mut violations, "task_id", &request.task_id);
        let note = text(&mut violations, "note", &request.note, MAX_TEXT_CHARS, !approve);
        finish(violations, "INVALID_EXTENSION_DECISION", "the extension decision is not valid")?;
        // An approval moves the deadline, so the calendar around the deadline asked for is fetched first,
        // outside the transaction. A replay or a task without a pending request fetches nothing and lets
        // the transaction answer.
        let asked = {
            let task_id = task_id.clone();
            self.db
                .run(move |conn| {
                    Ok(task_store::pending_extension(conn, &task_id)?.map(|e| e.requested_deadline))
                })
                .await
                .map_err(status)?
        };
        let moved = match asked {
            Some(deadline) if approve => {
                let working_days = self.warning_days(today).await.map_err(status)?;
                let calendar = self.calendar_for(deadline).await.map_err(status)?;
                Some((deadline, lights::warning_from(deadline, working_days, &calendar)))
            }
            _ => None,
        };
        let response = self
            .db
            .mutate(ctx, method!("DecideExtension"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible_task(conn, &caller, &task_id)?;
                let Some(mut pending) = task_store::pending_extension(conn, &row.id)? else {
                    return Err(ApiError::failed_precondition(
                        "NO_PENDING_EXTENSION",
                        format!("task {task_id} has no extension request awaiting a decision"),
                    ));
                };
                not_of_owner(conn, &caller, &row, "decide an extension of")?;
                if is(&row, RectificationState::Closed) {
                    return Err(closed(&row));
                }
                if approve {
                    let Some((deadline, warning_from)) =
                        moved.filter(|(deadline, _)| *deadline == pending.requested_deadline)
                    else {
                        return Err(ApiError::aborted(
                            "EXTENSION_CHANGED",
                            "the extension request changed while it was decided; retry",
                        ));
                    };
                    row.deadline = deadline;
                    row.warning_from = warning_from;
                    pending.state = ExtensionState::Approved.code().to_owned();
                } else {
                    pending.state = ExtensionState::Refused.code().to_owned();
                }
                pending.decided_by = caller.principal.subject.clone();
                pending.decision_note = note;
                task_store::update_extension(conn, &pending)?;
                save(conn, &mut row)?;
                tx.set_object("rectification_task", &row.id);
                Ok(pb::DecideExtensionResponse { task: Some(shown(tx.conn(), &row, today)?) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_rectification_impl(
        &self,
        request: Request<pb::GetRectificationRequest>,
    ) -> Result<Response<pb::GetRectificationResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = require_id("task_id", &request.get_ref().task_id).map_err(status)?;
        let today = self.today();
        let task = self
            .db
            .run(move |conn| {
                let row = visible_task(conn, &caller, &id)?;
                shown(conn, &row, today)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetRectificationResponse { task: Some(task) }))
    }

    pub(super) async fn list_rectifications_impl(
        &self,
        request: Request<pb::ListRectificationsRequest>,
    ) -> Result<Response<pb::ListRectificationsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let unit_id = optional_id(&mut violations, "org_unit_id", &request.org_unit_id);
        let finding_id = optional_id(&mut violations, "finding_id", &request.finding_id);
        let state = filter_of(&mut violations, "state", request.state, RectificationState::from_number);
        let light = filter_of(&mut violations, "light", request.light, DeadlineLight::from_number);
        finish(violations, "INVALID_FILTER", "the filter is not valid")?;
        let filters = paging::filter_fingerprint(&[
            &unit_id,
            &finding_id,
            &request.state.to_string(),
            &request.light.to_string(),
        ]);
        let after = position(&request.page_token, &filters).map_err(status)?;
        let filter = TaskFilter { finding_id, state, light, today };
        let tasks = self
            .db
            .run(move |conn| {
                if !unit_id.is_empty() {
                    visible_unit(conn, &caller, &unit_id)?;
                }
                let reach = store::reach(conn, &caller.scope, &unit_id)?;
                let rows = task_store::list(conn, &reach, &filter, after, limit + 1)?;
                let (rows, next) = paging::finish_page(rows, limit, &filters, |r: &TaskRow| {
                    vec![r.deadline.to_string(), r.id.clone()]
                });
                let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let mut extensions = task_store::extensions_of_many(conn, &ids)?;
                let names = unit_names(conn, rows.iter().map(|r| r.owner_org_unit_id.clone()).collect())?;
                let tasks = rows
                    .iter()
                    .map(|row| {
                        let name = names.get(&row.owner_org_unit_id).map_or("", String::as_str);
                        let of = extensions.remove(&row.id).unwrap_or_default();
                        view::task(row, name, &of, today)
                    })
                    .collect();
                Ok(pb::ListRectificationsResponse { tasks, next_page_token: next })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(tasks))
    }

    pub(super) async fn get_rectification_ledger_impl(
        &self,
        request: Request<pb::GetRectificationLedgerRequest>,
    ) -> Result<Response<pb::GetRectificationLedgerResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let unit_id = optional_id(&mut violations, "org_unit_id", &request.org_unit_id);
        let year = (request.year != 0).then(|| checked_year(&mut violations, "year", request.year));
        finish(violations, "INVALID_LEDGER", "the ledger request is not valid")?;
        let response = self
            .db
            .run(move |conn| {
                if !unit_id.is_empty() {
                    visible_unit(conn, &caller, &unit_id)?;
                }
                let reach = store::reach(conn, &caller.scope, &unit_id)?;
                let units = task_store::owner_units(&reach);
                let facts = task_store::ledger_facts(conn, units.as_deref(), year)?;
                let names = unit_names(conn, facts.iter().map(|f| f.owner_org_unit_id.clone()).collect())?;
                let (lines, total) =
                    view::ledger(&facts, today, |id| names.get(id).cloned().unwrap_or_default());
                Ok(pb::GetRectificationLedgerResponse {
                    lines,
                    total: Some(total),
                    as_of: Some(date_to(today)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_unit_oversight_report_impl(
        &self,
        request: Request<pb::GetUnitOversightReportRequest>,
    ) -> Result<Response<pb::GetUnitOversightReportResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let unit_id = optional_id(&mut violations, "org_unit_id", &request.org_unit_id);
        let year = checked_year(&mut violations, "year", request.year);
        finish(violations, "INVALID_REPORT_REQUEST", "the report request is not valid")?;
        let report = self
            .db
            .run(move |conn| {
                if !unit_id.is_empty() {
                    visible_unit(conn, &caller, &unit_id)?;
                }
                let reach = store::reach(conn, &caller.scope, &unit_id)?;
                // Findings and decisions are counted by their unit, like tasks: a subtree report is about
                // the units in it, not about cadres who work there.
                let units = task_store::owner_units(&reach);
                let findings = task_store::finding_codes(conn, units.as_deref(), year)?;
                let measures = task_store::decision_measures(conn, units.as_deref(), year)?;
                let facts = task_store::ledger_facts(conn, units.as_deref(), Some(year))?;
                let names = unit_names(conn, facts.iter().map(|f| f.owner_org_unit_id.clone()).collect())?;
                let (ledger, _) =
                    view::ledger(&facts, today, |id| names.get(id).cloned().unwrap_or_default());
                Ok(pb::UnitOversightReport {
                    org_unit_id: unit_id,
                    year,
                    findings_by_state: view::counts(findings.iter().map(|(state, _)| state.as_str())),
                    findings_by_category: view::counts(
                        findings.iter().map(|(_, category)| category.as_str()),
                    ),
                    tasks_by_light: view::tasks_by_light(&facts, today),
                    decisions_by_measure: view::counts(measures.iter().map(String::as_str)),
                    ledger,
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetUnitOversightReportResponse { report: Some(report) }))
    }
}

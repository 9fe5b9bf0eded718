//! The legacy cases of measure ④: 调任 (only within 编制 and 职数, with a vacant post), 公务员登记, and the
//! dossier backlog (档案清淤) with its burn-down.

use std::collections::BTreeMap;

use cadre_platform::{
    ApiError, CallContext, DbConn, Violations,
    auth::{Caller, Role},
    clock, dates, paging,
};
use cadre_projection::store as projection;
use cadre_proto::care as pb;
use tonic::{Request, Response, Status};

use super::{
    CareApi, MAX_SHORT_CHARS, MAX_TEXT_CHARS, after_token, denied, finish, holds, optional_id, page,
    past_date, status, text, visible_cadre, visible_unit,
};
use crate::{
    domain::{
        backlog::{self, Span},
        codes::{
            BacklogKind, RegistrationDecision, RegistrationState, TransferCaseState, TransferDecision,
            TransferSource,
        },
        transfer::{Vacancy, grade_qualifies},
    },
    store::{
        self,
        legacy::{self as legacy_store, BacklogRow, BacklogWhich, RegistrationRow, TransferRow},
    },
    view,
};

fn vacancy_of(message: &pb::Vacancy) -> Vacancy {
    Vacancy {
        establishment: message.establishment,
        establishment_used: message.establishment_used,
        post_quota: message.post_quota,
        post_quota_used: message.post_quota_used,
        post_vacant: message.post_vacant,
    }
}

fn vacancy_of_row(row: &TransferRow) -> Vacancy {
    Vacancy {
        establishment: row.establishment,
        establishment_used: row.establishment_used,
        post_quota: row.post_quota,
        post_quota_used: row.post_quota_used,
        post_vacant: row.post_vacant,
    }
}

fn set_vacancy(row: &mut TransferRow, vacancy: Vacancy) {
    row.establishment = vacancy.establishment;
    row.establishment_used = vacancy.establishment_used;
    row.post_quota = vacancy.post_quota;
    row.post_quota_used = vacancy.post_quota_used;
    row.post_vacant = vacancy.post_vacant;
}

/// The units a legacy list covers: the subtree asked for, cut to the caller's scope (`None`: all).
fn units_of(conn: &mut DbConn, caller: &Caller, unit_id: &str) -> Result<Option<Vec<String>>, ApiError> {
    let reach = store::reach(conn, &caller.scope, unit_id)?;
    Ok(reach.units)
}

fn not_found(kind: &str, id: &str) -> ApiError {
    ApiError::not_found(
        format!("{}_NOT_FOUND", kind.to_uppercase()),
        format!("no {} {id}", kind.replace('_', " ")),
    )
}

impl CareApi {
    pub(super) async fn open_transfer_case_impl(
        &self,
        request: Request<pb::OpenTransferCaseRequest>,
    ) -> Result<Response<pb::OpenTransferCaseResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let person = text(&mut violations, "person_name", &request.person_name, MAX_SHORT_CHARS, true);
        let cadre_id = optional_id(&mut violations, "cadre_id", &request.cadre_id);
        let source = TransferSource::from_number(request.source);
        violations.require(source.is_some(), "source", "is required");
        let source_org = text(&mut violations, "source_org", &request.source_org, MAX_SHORT_CHARS, true);
        let unit_id = super::id(&mut violations, "target_unit_id", &request.target_unit_id);
        let post = text(&mut violations, "target_post", &request.target_post, MAX_SHORT_CHARS, true);
        violations.require(request.vacancy.is_some(), "vacancy", "is required");
        let vacancy = request.vacancy.as_ref().map(vacancy_of).unwrap_or_default();
        violations.require(vacancy.well_formed(), "vacancy", "no number may be negative");
        finish(violations, "INVALID_TRANSFER_CASE", "the 调任 case is not valid")?;
        let Some(source) = source else { return Err(status(ApiError::internal("validated fields missing"))) };
        let (leadership, grade) = (request.leadership_post, request.target_grade);
        let response = self
            .db
            .mutate(ctx, method!("OpenTransferCase"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                visible_unit(conn, &caller, &unit_id)?;
                let policy = store::policy::on(conn, today)?;
                if !leadership && !grade_qualifies(grade, policy.transfer_lowest_grade) {
                    return Err(ApiError::failed_precondition(
                        "POST_NOT_ELIGIBLE",
                        "调任 fills a 领导职务 or a 职级 of 四级调研员 or above",
                    )
                    .with_violation("target_grade", "must be 四级调研员 or above for a 职级 post"));
                }
                let now = clock::now();
                let mut row = TransferRow {
                    id: store::new_id(),
                    person_name: person,
                    cadre_id,
                    source: source.code().to_owned(),
                    source_org,
                    target_unit_id: unit_id,
                    target_post: post,
                    leadership_post: leadership,
                    target_grade: if leadership { 0 } else { grade },
                    establishment: 0,
                    establishment_used: 0,
                    post_quota: 0,
                    post_quota_used: 0,
                    post_vacant: false,
                    state: TransferCaseState::Open.code().to_owned(),
                    note: String::new(),
                    opened_by: caller.principal.subject.clone(),
                    created_at: now,
                    updated_at: now,
                };
                set_vacancy(&mut row, vacancy);
                legacy_store::insert_transfer(conn, &row)?;
                tx.set_object("transfer_case", &row.id);
                Ok(pb::OpenTransferCaseResponse { transfer_case: Some(view::transfer(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn decide_transfer_case_impl(
        &self,
        request: Request<pb::DecideTransferCaseRequest>,
    ) -> Result<Response<pb::DecideTransferCaseResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let id = super::id(&mut violations, "case_id", &request.case_id);
        let decision = TransferDecision::from_number(request.decision);
        violations.require(decision.is_some(), "decision", "is required");
        let note = text(
            &mut violations,
            "note",
            &request.note,
            MAX_TEXT_CHARS,
            decision == Some(TransferDecision::Reject),
        );
        let vacancy = request.vacancy.as_ref().map(vacancy_of);
        violations.require(vacancy.is_none_or(|v| v.well_formed()), "vacancy", "no number may be negative");
        finish(violations, "INVALID_DECISION", "the decision is not valid")?;
        let Some(decision) = decision else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("DecideTransferCase"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row =
                    legacy_store::transfer(conn, &id)?.ok_or_else(|| not_found("transfer_case", &id))?;
                if !store::unit_in_scope(conn, &caller.scope, &row.target_unit_id)? {
                    return Err(not_found("transfer_case", &id));
                }
                let state = TransferCaseState::from_code(&row.state);
                let next = match (state, decision) {
                    (Some(TransferCaseState::Open), TransferDecision::Proceed) => {
                        TransferCaseState::Proceeding
                    }
                    (Some(TransferCaseState::Proceeding), TransferDecision::Approve) => {
                        TransferCaseState::Approved
                    }
                    (
                        Some(TransferCaseState::Open | TransferCaseState::Proceeding),
                        TransferDecision::Reject,
                    ) => TransferCaseState::Rejected,
                    _ => {
                        return Err(ApiError::failed_precondition(
                            "CASE_STATE_CONFLICT",
                            format!("a case that is {} cannot be decided {decision}", row.state),
                        ));
                    }
                };
                if let Some(vacancy) = vacancy {
                    set_vacancy(&mut row, vacancy);
                }
                if next != TransferCaseState::Rejected
                    && let Some(shortfall) = vacancy_of_row(&row).shortfall()
                {
                    return Err(ApiError::failed_precondition(
                        "NO_VACANCY",
                        format!("调任 needs 编制, 职数 and a vacant post (调任规定 第四条): {shortfall}"),
                    ));
                }
                row.state = next.code().to_owned();
                row.note = note;
                row.updated_at = clock::now();
                legacy_store::update_transfer(conn, &row)?;
                tx.set_object("transfer_case", &row.id);
                Ok(pb::DecideTransferCaseResponse { transfer_case: Some(view::transfer(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_transfer_cases_impl(
        &self,
        request: Request<pb::ListTransferCasesRequest>,
    ) -> Result<Response<pb::ListTransferCasesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let state = match request.state {
            0 => None,
            n => Some(TransferCaseState::from_number(n).ok_or_else(|| {
                status(ApiError::invalid_argument("INVALID_FILTER", "state is not a case state"))
            })?),
        };
        let filters = paging::filter_fingerprint(&[&request.org_unit_id, &request.state.to_string()]);
        let after = after_token(&request.page_token, &filters)?;
        let (rows, next) = self
            .db
            .run(move |conn| {
                let units = units_of(conn, &caller, &request.org_unit_id)?;
                let state = state.map(|s| s.code().to_owned());
                let rows = legacy_store::transfers(conn, units.as_deref(), state, after, limit + 1)?;
                Ok(page(rows, limit, &filters, |r| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListTransferCasesResponse {
            transfer_cases: rows.iter().map(view::transfer).collect(),
            next_page_token: next,
        }))
    }

    pub(super) async fn open_registration_case_impl(
        &self,
        request: Request<pb::OpenRegistrationCaseRequest>,
    ) -> Result<Response<pb::OpenRegistrationCaseResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let cadre_id = super::id(&mut violations, "cadre_id", &request.cadre_id);
        let basis = text(&mut violations, "basis", &request.basis, MAX_TEXT_CHARS, true);
        let level = text(&mut violations, "approval_level", &request.approval_level, MAX_SHORT_CHARS, true);
        finish(violations, "INVALID_REGISTRATION_CASE", "the 公务员登记 case is not valid")?;
        let response = self
            .db
            .mutate(ctx, method!("OpenRegistrationCase"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                if let Some(open) = legacy_store::open_registration_of(conn, &cadre_id)? {
                    return Err(ApiError::already_exists(
                        "REGISTRATION_CASE_OPEN",
                        format!("{} already has an open case {}", cadre.name, open.id),
                    ));
                }
                let now = clock::now();
                let row = RegistrationRow {
                    id: store::new_id(),
                    cadre_id: cadre.id,
                    cadre_name: cadre.name,
                    org_unit_id: cadre.employing_unit_id,
                    basis,
                    approval_level: level,
                    state: RegistrationState::Pending.code().to_owned(),
                    note: String::new(),
                    opened_by: caller.principal.subject.clone(),
                    created_at: now,
                    updated_at: now,
                };
                legacy_store::insert_registration(conn, &row)?;
                tx.set_object("registration_case", &row.id);
                Ok(pb::OpenRegistrationCaseResponse { registration_case: Some(view::registration(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn decide_registration_case_impl(
        &self,
        request: Request<pb::DecideRegistrationCaseRequest>,
    ) -> Result<Response<pb::DecideRegistrationCaseResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let id = super::id(&mut violations, "case_id", &request.case_id);
        let decision = RegistrationDecision::from_number(request.decision);
        violations.require(decision.is_some(), "decision", "is required");
        let needs_note =
            matches!(decision, Some(RegistrationDecision::Return | RegistrationDecision::Reject));
        let note = text(&mut violations, "note", &request.note, MAX_TEXT_CHARS, needs_note);
        finish(violations, "INVALID_DECISION", "the decision is not valid")?;
        let Some(decision) = decision else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        // The org department approves, returns and rejects. A returned case goes back to whoever keeps the
        // person's records (the unit's records keeper, the HR system) to correct it, and they resubmit it:
        // RETURNED → PENDING is theirs as much as the org department's.
        if decision != RegistrationDecision::Resubmit && !holds(&caller, &[Role::OrgOfficer]) {
            return Err(status(denied(
                "DECISION_NOT_YOURS",
                format!("a 公务员登记 case is decided {decision} by the org department"),
            )));
        }
        let response = self
            .db
            .mutate(
                ctx,
                method!("DecideRegistrationCase"),
                &request.request_id.clone(),
                &request,
                move |tx| {
                    let conn = tx.conn();
                    let mut row = legacy_store::registration(conn, &id)?
                        .ok_or_else(|| not_found("registration_case", &id))?;
                    let reach = store::reach(conn, &caller.scope, "")?;
                    if !reach.admits(&row.cadre_id, &row.org_unit_id) {
                        return Err(not_found("registration_case", &id));
                    }
                    use RegistrationDecision as D;
                    use RegistrationState as S;
                    let next = match (RegistrationState::from_code(&row.state), decision) {
                        (Some(S::Pending), D::Approve) => S::Approved,
                        (Some(S::Pending), D::Return) => S::Returned,
                        (Some(S::Returned), D::Resubmit) => S::Pending,
                        (Some(S::Pending | S::Returned), D::Reject) => S::Rejected,
                        _ => {
                            return Err(ApiError::failed_precondition(
                                "CASE_STATE_CONFLICT",
                                format!("a case that is {} cannot be decided {decision}", row.state),
                            ));
                        }
                    };
                    row.state = next.code().to_owned();
                    row.note = note;
                    row.updated_at = clock::now();
                    legacy_store::update_registration(conn, &row)?;
                    tx.set_object("registration_case", &row.id);
                    Ok(pb::DecideRegistrationCaseResponse {
                        registration_case: Some(view::registration(&row)),
                    })
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_registration_cases_impl(
        &self,
        request: Request<pb::ListRegistrationCasesRequest>,
    ) -> Result<Response<pb::ListRegistrationCasesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let state = match request.state {
            0 => None,
            n => Some(RegistrationState::from_number(n).ok_or_else(|| {
                status(ApiError::invalid_argument("INVALID_FILTER", "state is not a case state"))
            })?),
        };
        let filters = paging::filter_fingerprint(&[&request.org_unit_id, &request.state.to_string()]);
        let after = after_token(&request.page_token, &filters)?;
        let (rows, next) = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let state = state.map(|s| s.code().to_owned());
                let rows = legacy_store::registrations(conn, &reach, state, after, limit + 1)?;
                Ok(page(rows, limit, &filters, |r| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListRegistrationCasesResponse {
            registration_cases: rows.iter().map(view::registration).collect(),
            next_page_token: next,
        }))
    }

    pub(super) async fn record_backlog_item_impl(
        &self,
        request: Request<pb::RecordBacklogItemRequest>,
    ) -> Result<Response<pb::RecordBacklogItemResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let cadre_id = super::id(&mut violations, "cadre_id", &request.cadre_id);
        let kind = BacklogKind::from_number(request.kind);
        violations.require(kind.is_some(), "kind", "is required");
        let description = text(&mut violations, "description", &request.description, MAX_TEXT_CHARS, true);
        let detected = past_date(&mut violations, "detected_on", request.detected_on.as_ref(), today);
        let owner = optional_id(&mut violations, "owner_unit_id", &request.owner_unit_id);
        finish(violations, "INVALID_BACKLOG_ITEM", "the backlog item is not valid")?;
        let (Some(kind), Some(detected)) = (kind, detected) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("RecordBacklogItem"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                // The unit that manages the cadre keeps their dossier, unless another is named.
                let owner = if owner.is_empty() { cadre.managing_unit_id.clone() } else { owner };
                visible_unit(conn, &caller, &owner)?;
                let policy = store::policy::on(conn, detected)?;
                let row = BacklogRow {
                    id: store::new_id(),
                    cadre_id: cadre.id,
                    cadre_name: cadre.name,
                    kind: kind.code().to_owned(),
                    description,
                    detected_on: detected,
                    due_on: backlog::due_on(detected, policy.backlog_due_months),
                    owner_unit_id: owner,
                    resolved_on: None,
                    resolution: String::new(),
                    recorded_by: caller.principal.subject.clone(),
                    recorded_at: clock::now(),
                };
                legacy_store::insert_backlog(conn, &row)?;
                tx.set_object("backlog_item", &row.id);
                Ok(pb::RecordBacklogItemResponse { item: Some(view::backlog_item(&row, today)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn resolve_backlog_item_impl(
        &self,
        request: Request<pb::ResolveBacklogItemRequest>,
    ) -> Result<Response<pb::ResolveBacklogItemResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = super::id(&mut violations, "item_id", &request.item_id);
        let resolution = text(&mut violations, "resolution", &request.resolution, MAX_TEXT_CHARS, true);
        let resolved = past_date(&mut violations, "resolved_on", request.resolved_on.as_ref(), today);
        finish(violations, "INVALID_RESOLUTION", "the resolution is not valid")?;
        let Some(resolved) = resolved else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("ResolveBacklogItem"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row =
                    legacy_store::backlog_item(conn, &id)?.ok_or_else(|| not_found("backlog_item", &id))?;
                if !store::unit_in_scope(conn, &caller.scope, &row.owner_unit_id)? {
                    return Err(not_found("backlog_item", &id));
                }
                if row.resolved_on.is_some() {
                    return Err(ApiError::failed_precondition(
                        "ITEM_RESOLVED",
                        "the item is already resolved",
                    ));
                }
                if resolved < row.detected_on {
                    return Err(ApiError::invalid_argument(
                        "INVALID_RESOLUTION",
                        "resolved before it was detected",
                    )
                    .with_violation("resolved_on", "is before detected_on"));
                }
                row.resolved_on = Some(resolved);
                row.resolution = resolution;
                legacy_store::update_backlog(conn, &row)?;
                tx.set_object("backlog_item", &row.id);
                Ok(pb::ResolveBacklogItemResponse { item: Some(view::backlog_item(&row, today)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_backlog_items_impl(
        &self,
        request: Request<pb::ListBacklogItemsRequest>,
    ) -> Result<Response<pb::ListBacklogItemsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let which = match super::talks::which(request.filter, today).map_err(status)? {
            store::visits::Which::All => BacklogWhich::All,
            store::visits::Which::Open => BacklogWhich::Open,
            store::visits::Which::Overdue(day) => BacklogWhich::Overdue(day),
            store::visits::Which::Closed => BacklogWhich::Resolved,
        };
        let filters = paging::filter_fingerprint(&[&request.org_unit_id, &request.filter.to_string()]);
        let after = after_token(&request.page_token, &filters)?;
        let (rows, next) = self
            .db
            .run(move |conn| {
                let units = units_of(conn, &caller, &request.org_unit_id)?;
                let rows = legacy_store::backlog(conn, units.as_deref(), which, after, limit + 1)?;
                Ok(page(rows, limit, &filters, |r| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListBacklogItemsResponse {
            items: rows.iter().map(|r| view::backlog_item(r, today)).collect(),
            next_page_token: next,
        }))
    }

    pub(super) async fn get_backlog_burndown_impl(
        &self,
        request: Request<pb::GetBacklogBurndownRequest>,
    ) -> Result<Response<pb::GetBacklogBurndownResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let start = dates::required_date(&mut violations, "start_date", request.start_date.as_ref());
        let end =
            dates::optional_date(&mut violations, "end_date", request.end_date.as_ref()).unwrap_or(today);
        if let Some(start) = start {
            violations.require(start <= end, "start_date", "is after the end of the period");
            violations.require(
                (end - start).num_days() <= 366 * 2,
                "end_date",
                "a period is at most two years",
            );
        }
        finish(violations, "INVALID_PERIOD", "the period is not valid")?;
        let Some(start) = start else { return Err(status(ApiError::internal("validated fields missing"))) };
        let units = self
            .db
            .run(move |conn| {
                let units = units_of(conn, &caller, &request.org_unit_id)?;
                let mut by_owner: BTreeMap<String, Vec<Span>> = BTreeMap::new();
                for row in legacy_store::backlog_until(conn, units.as_deref(), end)? {
                    by_owner.entry(row.owner_unit_id.clone()).or_default().push(Span {
                        detected: row.detected_on,
                        due: row.due_on,
                        resolved: row.resolved_on,
                    });
                }
                let mut out = Vec::with_capacity(by_owner.len());
                for (unit, spans) in by_owner {
                    let report = backlog::burndown(&spans, start, end);
                    out.push(pb::UnitBurndown {
                        org_unit_name: projection::unit(conn, &unit)?.map(|u| u.name).unwrap_or_default(),
                        org_unit_id: unit,
                        points: report
                            .points
                            .into_iter()
                            .map(|(day, open)| pb::BurndownPoint {
                                week_end: Some(dates::date_to(day)),
                                open: i32::try_from(open).unwrap_or(i32::MAX),
                            })
                            .collect(),
                        opened: i32::try_from(report.opened).unwrap_or(i32::MAX),
                        resolved: i32::try_from(report.resolved).unwrap_or(i32::MAX),
                        overdue: i32::try_from(report.overdue).unwrap_or(i32::MAX),
                    });
                }
                Ok(out)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetBacklogBurndownResponse { units }))
    }
}

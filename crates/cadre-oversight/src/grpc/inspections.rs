//! Inspections (督查) and their findings: an inspection is planned over units and a period with its
//! inspectors and closed with a summary; findings are recorded about a unit or a cadre, under an open
//! inspection or on their own (the discipline-inspection system's with its own reference), and dismissed
//! when they do not stand, closing their open rectification tasks with them. Findings about an overdue
//! 销假 or 旷工 come only from the leave service's events (see `followers`).

use std::collections::HashSet;

use cadre_platform::{
    ApiError, CallContext, DbConn, Violations,
    auth::{Caller, Role},
    clock, dates,
    error::require_id,
    input::{id, optional_id, text, texts},
    paging,
};
use cadre_projection::store as projection;
use cadre_proto::oversight as pb;
use tonic::{Request, Response, Status};

use super::{
    MAX_ITEMS, MAX_SHORT_CHARS, MAX_TEXT_CHARS, OversightApi, SHORT_LIST, after_token, finish, holds, page,
    past_date, status, visible_cadre, visible_unit,
};
use crate::{
    domain::codes::{FindingCategory, FindingSource, FindingState, InspectionState, Severity},
    store::{
        self,
        findings::{self as finding_store, FindingFilter, FindingRow},
        inspections::{self as inspection_store, InspectionFilter, InspectionRow},
        rectification as rectification_store, responsibility as responsibility_store,
    },
    view,
    workflow::findings as finding_flow,
};

fn inspection_not_found(id: &str) -> ApiError {
    ApiError::not_found("INSPECTION_NOT_FOUND", format!("no inspection {id}"))
}

fn finding_not_found(id: &str) -> ApiError {
    ApiError::not_found("FINDING_NOT_FOUND", format!("no finding {id}"))
}

/// A category a person may name: the leave service's two come only from its events.
fn chosen_category(violations: &mut Violations, field: &str, number: i32) -> Option<FindingCategory> {
    match FindingCategory::from_number(number) {
        None => {
            violations.add(field, "is required");
            None
        }
        Some(FindingCategory::LeaveOverdue | FindingCategory::Absenteeism) => {
            violations.add(field, "an overdue 销假 or 旷工 comes only from the leave service's events");
            None
        }
        Some(category) => Some(category),
    }
}

/// A filter on an enum: 0 for none, else a value it knows.
fn filter_code<T>(
    violations: &mut Violations,
    field: &str,
    number: i32,
    of: fn(i32) -> Option<T>,
) -> Option<T> {
    if number == 0 {
        return None;
    }
    let value = of(number);
    violations.require(value.is_some(), field, "is not a known value");
    value
}

/// An inspection the caller sees: one covering a unit of their scope.
fn visible_inspection(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<InspectionRow, ApiError> {
    let row = inspection_store::get(conn, id)?.ok_or_else(|| inspection_not_found(id))?;
    let reach = store::reach(conn, &caller.scope, "")?;
    let units = inspection_store::units_of(conn, std::slice::from_ref(&row.id))?;
    let covered = units.get(&row.id).map_or(&[][..], Vec::as_slice);
    if !covered.iter().any(|unit| reach.admits("", unit)) {
        return Err(inspection_not_found(id));
    }
    Ok(row)
}

/// A finding the caller sees: one of a cadre or a unit in their scope.
fn visible_finding(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<FindingRow, ApiError> {
    let row = finding_store::get(conn, id)?.ok_or_else(|| finding_not_found(id))?;
    let reach = store::reach(conn, &caller.scope, "")?;
    if !reach.admits(&row.cadre_id, &row.org_unit_id) {
        return Err(finding_not_found(id));
    }
    Ok(row)
}

/// Inspections as the contract shows them, with their units, inspectors and finding counts.
fn present_inspections(conn: &mut DbConn, rows: &[InspectionRow]) -> Result<Vec<pb::Inspection>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut units = inspection_store::units_of(conn, &ids)?;
    let mut inspectors = inspection_store::inspectors_of(conn, &ids)?;
    let counts = finding_store::count_by_inspection(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|row| {
            view::findings::inspection(
                row,
                units.remove(&row.id).unwrap_or_default(),
                inspectors.remove(&row.id).unwrap_or_default(),
                counts.get(&row.id).copied().unwrap_or_default(),
            )
        })
        .collect())
}

fn present_inspection(conn: &mut DbConn, row: &InspectionRow) -> Result<pb::Inspection, ApiError> {
    present_inspections(conn, std::slice::from_ref(row))?
        .pop()
        .ok_or_else(|| ApiError::internal("an inspection shown as nothing"))
}

/// Ids of a list that must not repeat: a violation on each repeat.
fn distinct(violations: &mut Violations, field: &str, ids: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.iter()
        .enumerate()
        .map(|(i, raw)| {
            let value = id(violations, &format!("{field}[{i}]"), raw);
            if !value.is_empty() && !seen.insert(value.clone()) {
                violations.add(format!("{field}[{i}]"), "is listed twice");
            }
            value
        })
        .collect()
}

impl OversightApi {
    pub(super) async fn plan_inspection_impl(
        &self,
        request: Request<pb::PlanInspectionRequest>,
    ) -> Result<Response<pb::PlanInspectionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let title = text(&mut violations, "title", &request.title, MAX_SHORT_CHARS, true);
        violations.require(!request.categories.is_empty(), "categories", "at least one entry is required");
        let mut categories: Vec<String> = Vec::new();
        for (i, number) in request.categories.iter().enumerate() {
            let field = format!("categories[{i}]");
            if let Some(category) = chosen_category(&mut violations, &field, *number) {
                if categories.iter().any(|c| c == category.code()) {
                    violations.add(field, "is listed twice");
                } else {
                    categories.push(category.code().to_owned());
                }
            }
        }
        let plan = text(&mut violations, "plan", &request.plan, MAX_TEXT_CHARS, true);
        for (field, list) in
            [("org_unit_ids", &request.org_unit_ids), ("inspector_cadre_ids", &request.inspector_cadre_ids)]
        {
            violations.require(!list.is_empty(), field, "at least one entry is required");
            violations.require(list.len() <= MAX_ITEMS, field, format!("at most {MAX_ITEMS} entries"));
        }
        let unit_ids = distinct(&mut violations, "org_unit_ids", &request.org_unit_ids);
        let inspector_ids = distinct(&mut violations, "inspector_cadre_ids", &request.inspector_cadre_ids);
        let start = dates::required_date(&mut violations, "start_date", request.start_date.as_ref());
        let end = dates::required_date(&mut violations, "end_date", request.end_date.as_ref());
        if let (Some(start), Some(end)) = (start, end) {
            violations.require(start <= end, "end_date", "is before start_date");
        }
        finish(violations, "INVALID_INSPECTION", "the inspection is not valid")?;
        let (Some(start_date), Some(end_date)) = (start, end) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("PlanInspection"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                for unit in &unit_ids {
                    visible_unit(conn, &caller, unit)?;
                }
                let known: HashSet<String> =
                    projection::cadres(conn, &inspector_ids)?.into_iter().map(|c| c.id).collect();
                let mut violations = Violations::default();
                for (i, inspector) in inspector_ids.iter().enumerate() {
                    violations.require(
                        known.contains(inspector),
                        format!("inspector_cadre_ids[{i}]"),
                        "is not a known cadre",
                    );
                }
                violations.finish("INVALID_INSPECTION", "the inspection is not valid")?;
                let row = InspectionRow {
                    id: store::new_id(),
                    title,
                    categories: store::json(&categories),
                    plan,
                    start_date,
                    end_date,
                    state: InspectionState::Open.code().to_owned(),
                    summary: String::new(),
                    created_by: caller.principal.subject.clone(),
                    created_at: clock::now(),
                    closed_at: None,
                };
                inspection_store::insert(conn, &row, &unit_ids, &inspector_ids)?;
                let inspection = present_inspection(conn, &row)?;
                tx.set_object("inspection", &row.id);
                Ok(pb::PlanInspectionResponse { inspection: Some(inspection) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn close_inspection_impl(
        &self,
        request: Request<pb::CloseInspectionRequest>,
    ) -> Result<Response<pb::CloseInspectionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let inspection_id = id(&mut violations, "inspection_id", &request.inspection_id);
        let summary = text(&mut violations, "summary", &request.summary, MAX_TEXT_CHARS, true);
        finish(violations, "INVALID_CLOSURE", "the closure is not valid")?;
        let response = self
            .db
            .mutate(ctx, method!("CloseInspection"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible_inspection(conn, &caller, &inspection_id)?;
                if row.state != InspectionState::Open.code() {
                    return Err(ApiError::failed_precondition(
                        "INSPECTION_CLOSED",
                        format!("inspection {} is already closed", row.id),
                    ));
                }
                row.state = InspectionState::Closed.code().to_owned();
                row.summary = summary;
                row.closed_at = Some(clock::now());
                inspection_store::update(conn, &row)?;
                let inspection = present_inspection(conn, &row)?;
                tx.set_object("inspection", &row.id);
                Ok(pb::CloseInspectionResponse { inspection: Some(inspection) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_inspection_impl(
        &self,
        request: Request<pb::GetInspectionRequest>,
    ) -> Result<Response<pb::GetInspectionResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = require_id("inspection_id", &request.get_ref().inspection_id).map_err(status)?;
        let inspection = self
            .db
            .run(move |conn| {
                let row = visible_inspection(conn, &caller, &id)?;
                present_inspection(conn, &row)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetInspectionResponse { inspection: Some(inspection) }))
    }

    pub(super) async fn list_inspections_impl(
        &self,
        request: Request<pb::ListInspectionsRequest>,
    ) -> Result<Response<pb::ListInspectionsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let unit_id = optional_id(&mut violations, "org_unit_id", &request.org_unit_id);
        let state = filter_code(&mut violations, "state", request.state, InspectionState::from_number);
        if request.year != 0 {
            super::year(&mut violations, "year", request.year);
        }
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let filters =
            paging::filter_fingerprint(&[&unit_id, &request.state.to_string(), &request.year.to_string()]);
        let after = after_token(&request.page_token, &filters)?;
        let filter = InspectionFilter {
            state: state.map(|s| s.code().to_owned()),
            touching: (request.year != 0).then(|| finding_store::year_bounds(request.year)).flatten(),
        };
        let (inspections, next) = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, &unit_id)?;
                let rows = inspection_store::list(conn, &reach, &filter, after, limit + 1)?;
                let (rows, next) = page(rows, limit, &filters, |r| r.id.clone());
                Ok((present_inspections(conn, &rows)?, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListInspectionsResponse { inspections, next_page_token: next }))
    }

    pub(super) async fn record_finding_impl(
        &self,
        request: Request<pb::RecordFindingRequest>,
    ) -> Result<Response<pb::RecordFindingResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let inspection_id = optional_id(&mut violations, "inspection_id", &request.inspection_id);
        let unit_id = optional_id(&mut violations, "org_unit_id", &request.org_unit_id);
        let cadre_id = optional_id(&mut violations, "cadre_id", &request.cadre_id);
        if cadre_id.is_empty() && unit_id.is_empty() {
            violations.add("org_unit_id", "is required for a finding about a unit");
        }
        let category = chosen_category(&mut violations, "category", request.category);
        let severity = Severity::from_number(request.severity);
        violations.require(severity.is_some(), "severity", "is required");
        let description = text(&mut violations, "description", &request.description, MAX_TEXT_CHARS, true);
        let evidence = texts(&mut violations, "evidence", &request.evidence, SHORT_LIST, false);
        let responsibility_id = optional_id(&mut violations, "responsibility_id", &request.responsibility_id);
        let found_on = past_date(&mut violations, "found_on", request.found_on.as_ref(), today);
        let source = if !inspection_id.is_empty() {
            FindingSource::Inspection
        } else if holds(&caller, &[Role::DisciplineSystem]) {
            FindingSource::DisciplineSystem
        } else {
            FindingSource::Manual
        };
        let source_ref = text(&mut violations, "source_ref", &request.source_ref, MAX_SHORT_CHARS, false);
        if source == FindingSource::DisciplineSystem {
            violations.require(
                !source_ref.is_empty(),
                "source_ref",
                "is required for the discipline system's own",
            );
        } else {
            violations.require(
                source_ref.is_empty(),
                "source_ref",
                "is only for the discipline system's own",
            );
        }
        finish(violations, "INVALID_FINDING", "the finding is not valid")?;
        let (Some(category), Some(severity), Some(found_on)) = (category, severity, found_on) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("RecordFinding"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let (org_unit_id, cadre_name) = if cadre_id.is_empty() {
                    (visible_unit(conn, &caller, &unit_id)?.id, String::new())
                } else {
                    let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                    if !unit_id.is_empty() && unit_id != cadre.employing_unit_id {
                        return Err(ApiError::invalid_argument(
                            "INVALID_FINDING",
                            "the finding is not valid",
                        )
                        .with_violation(
                            "org_unit_id",
                            "is not the cadre's unit: leave it empty or give theirs",
                        ));
                    }
                    (cadre.employing_unit_id, cadre.name)
                };
                if !inspection_id.is_empty() {
                    let inspection = visible_inspection(conn, &caller, &inspection_id)?;
                    if inspection.state != InspectionState::Open.code() {
                        return Err(ApiError::failed_precondition(
                            "INSPECTION_CLOSED",
                            format!(
                                "inspection {inspection_id} is closed: no more findings are recorded under it"
                            ),
                        ));
                    }
                    let covered = inspection_store::units_of(conn, std::slice::from_ref(&inspection.id))?;
                    if !covered.get(&inspection.id).is_some_and(|units| units.contains(&org_unit_id)) {
                        return Err(ApiError::failed_precondition(
                            "UNIT_NOT_INSPECTED",
                            format!("inspection {inspection_id} does not inspect unit {org_unit_id}"),
                        ));
                    }
                }
                if !responsibility_id.is_empty() {
                    let responsibility =
                        responsibility_store::get(conn, &responsibility_id)?.ok_or_else(|| {
                            ApiError::not_found(
                                "RESPONSIBILITY_NOT_FOUND",
                                format!("no responsibility {responsibility_id}"),
                            )
                        })?;
                    if responsibility.org_unit_id != org_unit_id {
                        return Err(ApiError::failed_precondition(
                            "RESPONSIBILITY_NOT_OF_UNIT",
                            format!("responsibility {responsibility_id} is not one of unit {org_unit_id}"),
                        ));
                    }
                }
                let row = FindingRow {
                    id: store::new_id(),
                    inspection_id,
                    org_unit_id,
                    cadre_id,
                    cadre_name,
                    category: category.code().to_owned(),
                    severity: severity.code().to_owned(),
                    description,
                    evidence: store::json(&evidence),
                    responsibility_id,
                    source: source.code().to_owned(),
                    source_ref,
                    found_on,
                    state: FindingState::Open.code().to_owned(),
                    dismissal_reason: String::new(),
                    escalation: String::new(),
                    recorded_by: caller.principal.subject.clone(),
                    created_at: clock::now(),
                };
                let row = finding_flow::record_finding(tx, row)?;
                let finding = finding_flow::present_one(tx.conn(), &row)?;
                Ok(pb::RecordFindingResponse { finding: Some(finding) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_finding_impl(
        &self,
        request: Request<pb::GetFindingRequest>,
    ) -> Result<Response<pb::GetFindingResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = require_id("finding_id", &request.get_ref().finding_id).map_err(status)?;
        let finding = self
            .db
            .run(move |conn| {
                let row = visible_finding(conn, &caller, &id)?;
                finding_flow::present_one(conn, &row)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetFindingResponse { finding: Some(finding) }))
    }

    pub(super) async fn list_findings_impl(
        &self,
        request: Request<pb::ListFindingsRequest>,
    ) -> Result<Response<pb::ListFindingsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let unit_id = optional_id(&mut violations, "org_unit_id", &request.org_unit_id);
        let cadre_id = optional_id(&mut violations, "cadre_id", &request.cadre_id);
        let inspection_id = optional_id(&mut violations, "inspection_id", &request.inspection_id);
        let category =
            filter_code(&mut violations, "category", request.category, FindingCategory::from_number);
        let state = filter_code(&mut violations, "state", request.state, FindingState::from_number);
        if request.year != 0 {
            super::year(&mut violations, "year", request.year);
        }
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let filters = paging::filter_fingerprint(&[
            &unit_id,
            &cadre_id,
            &inspection_id,
            &request.category.to_string(),
            &request.state.to_string(),
            &request.year.to_string(),
        ]);
        let after = after_token(&request.page_token, &filters)?;
        let filter = FindingFilter {
            cadre_id: Some(cadre_id).filter(|c| !c.is_empty()),
            inspection_id: Some(inspection_id).filter(|i| !i.is_empty()),
            category: category.map(|c| c.code().to_owned()),
            state: state.map(|s| s.code().to_owned()),
            year: (request.year != 0).then_some(request.year),
        };
        let (findings, next) = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, &unit_id)?;
                let rows = finding_store::list(conn, &reach, &filter, after, limit + 1)?;
                let (rows, next) = page(rows, limit, &filters, |r| r.id.clone());
                Ok((finding_flow::present(conn, &rows)?, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListFindingsResponse { findings, next_page_token: next }))
    }

    pub(super) async fn dismiss_finding_impl(
        &self,
        request: Request<pb::DismissFindingRequest>,
    ) -> Result<Response<pb::DismissFindingResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let finding_id = id(&mut violations, "finding_id", &request.finding_id);
        let reason = text(&mut violations, "reason", &request.reason, MAX_TEXT_CHARS, true);
        finish(violations, "INVALID_DISMISSAL", "the dismissal is not valid")?;
        let response = self
            .db
            .mutate(ctx, method!("DismissFinding"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible_finding(conn, &caller, &finding_id)?;
                if row.state != FindingState::Open.code() {
                    return Err(ApiError::failed_precondition(
                        "FINDING_NOT_OPEN",
                        format!("finding {} is {}, not open", row.id, row.state),
                    ));
                }
                // Nobody dismisses a finding about themself, or one about the unit they work in.
                if let Some(own) = caller.principal.cadre_id.as_deref() {
                    let employer = projection::cadre(conn, own)?.map(|c| c.employing_unit_id);
                    if own == row.cadre_id || employer.as_deref() == Some(row.org_unit_id.as_str()) {
                        return Err(ApiError::new(
                            tonic::Code::PermissionDenied,
                            "OWN_CASE",
                            "a finding about oneself or one's own unit is dismissed by someone else",
                        ));
                    }
                }
                let actor = caller.principal.subject.clone();
                finding_store::set_state(conn, &row.id, FindingState::Dismissed, &reason)?;
                rectification_store::close_open_of_finding(conn, &row.id, today, &actor, &reason)?;
                row.state = FindingState::Dismissed.code().to_owned();
                row.dismissal_reason = reason;
                let finding = finding_flow::present_one(conn, &row)?;
                tx.set_object("finding", &row.id);
                Ok(pb::DismissFindingResponse { finding: Some(finding) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

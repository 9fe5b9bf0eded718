//! Health checks (体检): a plan per unit and year; per cadre that the check was had and whether a
//! follow-up is needed. The flag is shown only to the person and the org department; no medical detail is
//! ever taken.

use std::collections::BTreeMap;

use cadre_platform::{
    ApiError, CallContext, Violations,
    auth::{Caller, Role},
    clock, dates, paging,
};
use cadre_projection::store as projection;
use cadre_proto::care as pb;
use chrono::Datelike;
use tonic::{Request, Response, Status};

use super::{
    CareApi, MAX_SHORT_CHARS, MAX_TEXT_CHARS, after_token, finish, holds, page, past_date, status, text,
    visible_cadre, visible_unit,
};
use crate::{
    store::{
        self,
        health::{self as health_store, CheckRow, PlanRow},
    },
    view,
};

/// Whether `caller` may see the follow-up flag of `cadre_id`'s record: the person, or the org department.
fn sees_flag(caller: &Caller, cadre_id: &str) -> bool {
    holds(caller, &[Role::OrgOfficer]) || caller.principal.cadre_id.as_deref() == Some(cadre_id)
}

impl CareApi {
    pub(super) async fn set_health_check_plan_impl(
        &self,
        request: Request<pb::SetHealthCheckPlanRequest>,
    ) -> Result<Response<pb::SetHealthCheckPlanResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        violations.require(request.plan.is_some(), "plan", "is required");
        let plan = request.plan.clone().unwrap_or_default();
        let unit_id = super::id(&mut violations, "plan.org_unit_id", &plan.org_unit_id);
        let year = super::year(&mut violations, "plan.year", plan.year);
        let start = dates::required_date(&mut violations, "plan.window_start", plan.window_start.as_ref());
        let end = dates::required_date(&mut violations, "plan.window_end", plan.window_end.as_ref());
        if let (Some(start), Some(end)) = (start, end) {
            violations.require(start <= end, "plan.window_end", "is before the window's start");
            violations.require(
                start.year() == year && end.year() == year,
                "plan.window_start",
                "the window lies within the year",
            );
        }
        let provider = text(&mut violations, "plan.provider", &plan.provider, MAX_SHORT_CHARS, true);
        let notes = text(&mut violations, "plan.notes", &plan.notes, MAX_TEXT_CHARS, false);
        finish(violations, "INVALID_PLAN", "the plan is not valid")?;
        let (Some(start), Some(end)) = (start, end) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("SetHealthCheckPlan"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let unit = visible_unit(conn, &caller, &unit_id)?;
                let row = PlanRow {
                    org_unit_id: unit.id.clone(),
                    year,
                    window_start: start,
                    window_end: end,
                    provider,
                    notes,
                    updated_by: caller.principal.subject.clone(),
                    updated_at: clock::now(),
                };
                health_store::upsert_plan(conn, &row)?;
                tx.set_object("health_check_plan", &format!("{}/{year}", unit.id));
                Ok(pb::SetHealthCheckPlanResponse { plan: Some(view::plan(&row, &unit.name)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_health_check_plans_impl(
        &self,
        request: Request<pb::ListHealthCheckPlansRequest>,
    ) -> Result<Response<pb::ListHealthCheckPlansResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let year = super::year(&mut violations, "year", request.year);
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let filters = paging::filter_fingerprint(&[&year.to_string(), &request.org_unit_id]);
        let after = after_token(&request.page_token, &filters)?;
        let (plans, next) = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                // A cadre sees the plan of their own unit.
                let mut units = reach.units.clone();
                if let (Some(units), Some(own)) = (&mut units, caller.scope.own_cadre())
                    && let Some(cadre) = projection::cadre(conn, own)?
                    && reach.cadres.as_ref().is_some_and(|c| c.iter().any(|x| x == own))
                {
                    units.push(cadre.employing_unit_id);
                }
                let rows = health_store::plans(conn, year, units.as_deref(), after, limit + 1)?;
                let (rows, next) = page(rows, limit, &filters, |r| r.org_unit_id.clone());
                let mut plans = Vec::with_capacity(rows.len());
                for row in &rows {
                    let name = projection::unit(conn, &row.org_unit_id)?.map(|u| u.name).unwrap_or_default();
                    plans.push(view::plan(row, &name));
                }
                Ok((plans, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListHealthCheckPlansResponse { plans, next_page_token: next }))
    }

    pub(super) async fn record_health_check_impl(
        &self,
        request: Request<pb::RecordHealthCheckRequest>,
    ) -> Result<Response<pb::RecordHealthCheckResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let cadre_id = super::id(&mut violations, "cadre_id", &request.cadre_id);
        let year = super::year(&mut violations, "year", request.year);
        let checked = past_date(&mut violations, "checked_on", request.checked_on.as_ref(), today);
        if let Some(checked) = checked {
            violations.require(checked.year() == year, "checked_on", "is not within the year");
        }
        finish(violations, "INVALID_HEALTH_CHECK", "the health check is not valid")?;
        let Some(checked) = checked else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let follow_up = request.follow_up_needed;
        let response = self
            .db
            .mutate(ctx, method!("RecordHealthCheck"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                let row = CheckRow {
                    cadre_id: cadre.id,
                    year,
                    cadre_name: cadre.name,
                    org_unit_id: cadre.employing_unit_id,
                    checked_on: checked,
                    follow_up_needed: follow_up,
                    recorded_by: caller.principal.subject.clone(),
                    recorded_at: clock::now(),
                };
                health_store::upsert_check(conn, &row)?;
                tx.set_object("health_check", &format!("{}/{year}", row.cadre_id));
                Ok(pb::RecordHealthCheckResponse {
                    record: Some(view::check(&row, sees_flag(&caller, &row.cadre_id))),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_health_checks_impl(
        &self,
        request: Request<pb::ListHealthChecksRequest>,
    ) -> Result<Response<pb::ListHealthChecksResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let year = super::year(&mut violations, "year", request.year);
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let filters =
            paging::filter_fingerprint(&[&year.to_string(), &request.cadre_id, &request.org_unit_id]);
        let after = after_token(&request.page_token, &filters)?;
        let object =
            if request.cadre_id.is_empty() { request.org_unit_id.clone() } else { request.cadre_id.clone() };
        // Health records are sensitive personal data: reading them is recorded in the audit trail.
        let (records, next) = self
            .db
            .audited_read(ctx, method!("ListHealthChecks"), "health_checks", object, move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let mut cadres = reach.cadres;
                if !request.cadre_id.is_empty() {
                    let wanted = request.cadre_id.clone();
                    cadres = Some(match cadres {
                        Some(c) if !c.contains(&wanted) => Vec::new(),
                        _ => vec![wanted],
                    });
                }
                let rows = health_store::checks(conn, year, cadres.as_deref(), after, limit + 1)?;
                let (rows, next) = page(rows, limit, &filters, |r| r.cadre_id.clone());
                Ok((rows.iter().map(|r| view::check(r, sees_flag(&caller, &r.cadre_id))).collect(), next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListHealthChecksResponse { records, next_page_token: next }))
    }

    pub(super) async fn get_health_check_report_impl(
        &self,
        request: Request<pb::GetHealthCheckReportRequest>,
    ) -> Result<Response<pb::GetHealthCheckReportResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let year = super::year(&mut violations, "year", request.year);
        finish(violations, "INVALID_FILTER", "the report's filter is not valid")?;
        let response = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let people: Vec<_> = projection::active_cadres(conn)?
                    .into_iter()
                    .filter(|c| match (&reach.cadres, &reach.units) {
                        (None, None) => true,
                        _ => reach.admits(&c.id, &c.employing_unit_id),
                    })
                    .collect();
                // The whole district: the year's checks without an id list. Otherwise the people's checks, at
                // most `store::CHUNK` ids to a query.
                let mut checks: BTreeMap<String, CheckRow> = BTreeMap::new();
                let whole_district = reach.cadres.is_none() && reach.units.is_none();
                let ids: Vec<String> = people.iter().map(|c| c.id.clone()).collect();
                let chunks: Vec<Option<&[String]>> =
                    if whole_district { vec![None] } else { ids.chunks(store::CHUNK).map(Some).collect() };
                for chunk in chunks {
                    checks.extend(
                        health_store::checks(conn, year, chunk, None, i64::MAX)?
                            .into_iter()
                            .map(|c| (c.cadre_id.clone(), c)),
                    );
                }
                let mut response = pb::GetHealthCheckReportResponse::default();
                for cadre in people {
                    let checked_on = checks.get(&cadre.id).map(|c| dates::date_to(c.checked_on));
                    let status = pb::HealthCheckStatus {
                        cadre_id: cadre.id,
                        cadre_name: cadre.name,
                        org_unit_id: cadre.employing_unit_id,
                        checked_on,
                    };
                    if status.checked_on.is_some() {
                        response.checked.push(status);
                    } else {
                        response.not_checked.push(status);
                    }
                }
                Ok(response)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

//! Home and condolence visits (家访, 慰问): what calls for one (hospitalisation, serious illness, a death in
//! the family including direct relatives, hardship) and by when, the visits that answer it, and what is
//! overdue.

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock, paging};
use cadre_proto::care as pb;
use chrono::{Days, NaiveDate};
use tonic::{Request, Response, Status};

use super::{
    CareApi, MAX_TEXT_CHARS, after_token, finish, optional_id, page, past_date, status, text, texts,
    visible_cadre,
};
use crate::{
    domain::codes::{Relation, VisitKind, VisitTriggerKind},
    store::{
        self, fund as fund_store,
        visits::{self as visit_store, TriggerRow, VisitRow},
    },
    view,
};

impl CareApi {
    pub(super) async fn record_visit_trigger_impl(
        &self,
        request: Request<pb::RecordVisitTriggerRequest>,
    ) -> Result<Response<pb::RecordVisitTriggerResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let cadre_id = super::id(&mut violations, "cadre_id", &request.cadre_id);
        let kind = VisitTriggerKind::from_number(request.kind);
        violations.require(kind.is_some(), "kind", "is required");
        let relation = Relation::from_number(request.relation);
        violations.require(relation.is_some(), "relation", "is required");
        let occurred = past_date(&mut violations, "occurred_on", request.occurred_on.as_ref(), today);
        finish(violations, "INVALID_TRIGGER", "the trigger is not valid")?;
        let (Some(kind), Some(relation), Some(occurred)) = (kind, relation, occurred) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("RecordVisitTrigger"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                let policy = store::policy::on(conn, occurred)?;
                let days = u64::from(policy.visit.due_days(kind));
                let row = TriggerRow {
                    id: store::new_id(),
                    cadre_id: cadre.id,
                    cadre_name: cadre.name,
                    org_unit_id: cadre.employing_unit_id,
                    kind: kind.code().to_owned(),
                    relation: relation.code().to_owned(),
                    occurred_on: occurred,
                    due_on: occurred.checked_add_days(Days::new(days)).unwrap_or(NaiveDate::MAX),
                    visit_id: String::new(),
                    recorded_by: caller.principal.subject.clone(),
                    recorded_at: clock::now(),
                };
                visit_store::insert_trigger(conn, &row)?;
                tx.set_object("visit_trigger", &row.id);
                Ok(pb::RecordVisitTriggerResponse { trigger: Some(view::visit_trigger(&row, today)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_visit_triggers_impl(
        &self,
        request: Request<pb::ListVisitTriggersRequest>,
    ) -> Result<Response<pb::ListVisitTriggersResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let which = super::talks::which(request.filter, today).map_err(status)?;
        let filters = paging::filter_fingerprint(&[&request.org_unit_id, &request.filter.to_string()]);
        let after = after_token(&request.page_token, &filters)?;
        let object = request.org_unit_id.clone();
        // A trigger says who is in hospital, seriously ill or bereaved: the read is recorded.
        let (rows, next) = self
            .db
            .audited_read(ctx, method!("ListVisitTriggers"), "visit_triggers", object, move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let rows = visit_store::triggers(conn, &reach, which, after, limit + 1)?;
                Ok(page(rows, limit, &filters, |r| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListVisitTriggersResponse {
            triggers: rows.iter().map(|r| view::visit_trigger(r, today)).collect(),
            next_page_token: next,
        }))
    }

    pub(super) async fn record_visit_impl(
        &self,
        request: Request<pb::RecordVisitRequest>,
    ) -> Result<Response<pb::RecordVisitResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let cadre_id = super::id(&mut violations, "cadre_id", &request.cadre_id);
        let kind = VisitKind::from_number(request.kind);
        violations.require(kind.is_some(), "kind", "is required");
        let visitors = texts(&mut violations, "visitors", &request.visitors, true);
        let visited = past_date(&mut violations, "visited_on", request.visited_on.as_ref(), today);
        let notes = text(&mut violations, "notes", &request.notes, MAX_TEXT_CHARS, false);
        let trigger_id = optional_id(&mut violations, "trigger_id", &request.trigger_id);
        let application_id =
            optional_id(&mut violations, "fund_application_id", &request.fund_application_id);
        finish(violations, "INVALID_VISIT", "the visit is not valid")?;
        let (Some(kind), Some(visited)) = (kind, visited) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("RecordVisit"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                let row = VisitRow {
                    id: store::new_id(),
                    cadre_id: cadre.id.clone(),
                    cadre_name: cadre.name,
                    org_unit_id: cadre.employing_unit_id,
                    kind: kind.code().to_owned(),
                    visitors: store::json(&visitors),
                    visited_on: visited,
                    notes,
                    trigger_id: trigger_id.clone(),
                    fund_application_id: application_id.clone(),
                    recorded_by: caller.principal.subject.clone(),
                    recorded_at: clock::now(),
                };
                if !application_id.is_empty()
                    && !fund_store::application_of(conn, &application_id, &cadre.id)?
                {
                    return Err(ApiError::not_found(
                        "APPLICATION_NOT_FOUND",
                        format!("no fund application {application_id} of the cadre"),
                    ));
                }
                if !trigger_id.is_empty() {
                    let mut trigger = visit_store::trigger(conn, &trigger_id)?
                        .filter(|t| t.cadre_id == cadre.id)
                        .ok_or_else(|| {
                            ApiError::not_found(
                                "TRIGGER_NOT_FOUND",
                                format!("no visit trigger {trigger_id} of the cadre"),
                            )
                        })?;
                    if !trigger.visit_id.is_empty() {
                        return Err(ApiError::failed_precondition(
                            "TRIGGER_CLOSED",
                            format!("the trigger was closed by visit {}", trigger.visit_id),
                        ));
                    }
                    if visited < trigger.occurred_on {
                        return Err(ApiError::invalid_argument(
                            "INVALID_VISIT",
                            "the visit is before what called for it",
                        )
                        .with_violation("visited_on", "is before the trigger's day"));
                    }
                    trigger.visit_id.clone_from(&row.id);
                    visit_store::update_trigger(conn, &trigger)?;
                }
                visit_store::insert_visit(conn, &row)?;
                tx.set_object("visit", &row.id);
                Ok(pb::RecordVisitResponse { visit: Some(view::visit(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_visits_impl(
        &self,
        request: Request<pb::ListVisitsRequest>,
    ) -> Result<Response<pb::ListVisitsResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let filters = paging::filter_fingerprint(&[&request.cadre_id, &request.org_unit_id]);
        let after = after_token(&request.page_token, &filters)?;
        let object =
            if request.cadre_id.is_empty() { request.org_unit_id.clone() } else { request.cadre_id.clone() };
        // A visit's notes are about someone's illness or loss: the read is recorded.
        let (rows, next) = self
            .db
            .audited_read(ctx, method!("ListVisits"), "visits", object, move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let cadre = Some(request.cadre_id.clone()).filter(|c| !c.is_empty());
                let rows = visit_store::list(conn, &reach, cadre, after, limit + 1)?;
                Ok(page(rows, limit, &filters, |r| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListVisitsResponse {
            visits: rows.iter().map(view::visit).collect(),
            next_page_token: next,
        }))
    }
}

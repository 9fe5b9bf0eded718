//! Front-line assignments (驻村, 项目一线, 疫情防控一线, 挂职, 专班, 应急): recorded, then evaluated once
//! after their last day, which is published.

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock, dates, paging};
use cadre_proto::care as pb;
use tonic::{Request, Response, Status};

use super::{
    CareApi, MAX_SHORT_CHARS, MAX_TEXT_CHARS, after_token, finish, optional_id, page, status, text,
    visible_cadre, visible_unit,
};
use crate::{
    domain::{
        assignment,
        codes::{AssignmentGrade, AssignmentKind},
    },
    events,
    store::{
        self,
        assignments::{self as assignment_store, AssignmentRow},
    },
    view,
};

fn assignment_not_found(id: &str) -> ApiError {
    ApiError::not_found("ASSIGNMENT_NOT_FOUND", format!("no assignment {id}"))
}

impl CareApi {
    pub(super) async fn record_assignment_impl(
        &self,
        request: Request<pb::RecordAssignmentRequest>,
    ) -> Result<Response<pb::RecordAssignmentResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let cadre_id = super::id(&mut violations, "cadre_id", &request.cadre_id);
        let kind = AssignmentKind::from_number(request.kind);
        violations.require(kind.is_some(), "kind", "is required");
        let place = text(&mut violations, "place", &request.place, MAX_SHORT_CHARS, true);
        let host = optional_id(&mut violations, "host_unit_id", &request.host_unit_id);
        let start = dates::required_date(&mut violations, "start_date", request.start_date.as_ref());
        let end = dates::required_date(&mut violations, "end_date", request.end_date.as_ref());
        if let (Some(start), Some(end)) = (start, end) {
            violations.require(start <= end, "end_date", "is before the start");
        }
        finish(violations, "INVALID_ASSIGNMENT", "the assignment is not valid")?;
        let (Some(kind), Some(start), Some(end)) = (kind, start, end) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("RecordAssignment"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                if !host.is_empty() && cadre_projection::store::unit(conn, &host)?.is_none() {
                    return Err(ApiError::not_found("UNIT_NOT_FOUND", format!("no org unit {host}"))
                        .with_violation("host_unit_id", "is not a unit of the district"));
                }
                let row = AssignmentRow {
                    id: store::new_id(),
                    cadre_id: cadre.id,
                    cadre_name: cadre.name,
                    org_unit_id: cadre.employing_unit_id,
                    kind: kind.code().to_owned(),
                    place,
                    host_unit_id: host,
                    start_date: start,
                    end_date: end,
                    grade: String::new(),
                    evaluation_comment: String::new(),
                    evaluated_by: String::new(),
                    evaluator_name: String::new(),
                    evaluated_on: None,
                    recorded_by: caller.principal.subject.clone(),
                    recorded_at: clock::now(),
                };
                assignment_store::insert(conn, &row)?;
                tx.set_object("assignment", &row.id);
                Ok(pb::RecordAssignmentResponse { assignment: Some(view::assignment(&row, today)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn evaluate_assignment_impl(
        &self,
        request: Request<pb::EvaluateAssignmentRequest>,
    ) -> Result<Response<pb::EvaluateAssignmentResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = super::id(&mut violations, "assignment_id", &request.assignment_id);
        let grade = AssignmentGrade::from_number(request.grade);
        violations.require(grade.is_some(), "grade", "is required");
        let comment = text(&mut violations, "comment", &request.comment, MAX_TEXT_CHARS, true);
        // Who evaluated is the caller, as authenticated: the request's `evaluated_by` is only the name the
        // evaluation is shown under (the body or person), never its recorded author.
        let shown_as = text(&mut violations, "evaluated_by", &request.evaluated_by, MAX_SHORT_CHARS, true);
        finish(violations, "INVALID_EVALUATION", "the evaluation is not valid")?;
        let Some(grade) = grade else { return Err(status(ApiError::internal("validated fields missing"))) };
        let response = self
            .db
            .mutate(ctx, method!("EvaluateAssignment"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = assignment_store::get(conn, &id)?.ok_or_else(|| assignment_not_found(&id))?;
                let reach = store::reach(conn, &caller.scope, "")?;
                if !reach.admits(&row.cadre_id, &row.org_unit_id) {
                    return Err(assignment_not_found(&id));
                }
                if caller.principal.cadre_id.as_deref() == Some(row.cadre_id.as_str()) {
                    return Err(super::denied("OWN_ASSIGNMENT", "nobody evaluates their own assignment"));
                }
                if !assignment::may_evaluate(row.end_date, row.evaluated_on.is_some(), today) {
                    let reason = if row.evaluated_on.is_some() {
                        "ASSIGNMENT_EVALUATED"
                    } else {
                        "ASSIGNMENT_NOT_ENDED"
                    };
                    return Err(ApiError::failed_precondition(
                        reason,
                        format!("an assignment is evaluated once, after its last day ({})", row.end_date),
                    ));
                }
                row.grade = grade.code().to_owned();
                row.evaluation_comment = comment;
                row.evaluated_by.clone_from(&caller.principal.subject);
                row.evaluator_name = shown_as;
                row.evaluated_on = Some(today);
                assignment_store::update(conn, &row)?;
                tx.set_object("assignment", &row.id);
                let message = view::assignment(&row, today);
                events::assignment_evaluated(tx, message.clone())?;
                Ok(pb::EvaluateAssignmentResponse { assignment: Some(message) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_assignments_impl(
        &self,
        request: Request<pb::ListAssignmentsRequest>,
    ) -> Result<Response<pb::ListAssignmentsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let kind = match request.kind {
            0 => None,
            n => {
                let kind = AssignmentKind::from_number(n);
                violations.require(kind.is_some(), "kind", "is not an assignment kind");
                kind
            }
        };
        violations.require((0..=4).contains(&request.status), "status", "is not an assignment status");
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let wanted_status = request.status;
        let filters = paging::filter_fingerprint(&[
            &request.cadre_id,
            &request.org_unit_id,
            &request.kind.to_string(),
            &request.status.to_string(),
        ]);
        let after = after_token(&request.page_token, &filters)?;
        let (rows, next) = self
            .db
            .run(move |conn| {
                if !request.org_unit_id.is_empty() {
                    visible_unit(conn, &caller, &request.org_unit_id)?;
                }
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let cadre = Some(request.cadre_id.clone()).filter(|c| !c.is_empty());
                let kind = kind.map(|k| k.code().to_owned());
                // The status is the day's, not stored: filtered after reading, page by page.
                let mut out = Vec::new();
                let mut cursor = after;
                loop {
                    let rows = assignment_store::list(
                        conn,
                        &reach,
                        cadre.clone(),
                        kind.clone(),
                        cursor.clone(),
                        limit + 1,
                    )?;
                    let exhausted = i64::try_from(rows.len()).unwrap_or(i64::MAX) <= limit;
                    cursor = rows.last().map(|r| r.id.clone());
                    out.extend(rows.into_iter().filter(|r| {
                        wanted_status == 0
                            || assignment::status(r.start_date, r.end_date, r.evaluated_on.is_some(), today)
                                .number()
                                == wanted_status
                    }));
                    if exhausted || i64::try_from(out.len()).unwrap_or(i64::MAX) > limit {
                        break;
                    }
                }
                Ok(page(out, limit, &filters, |r| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListAssignmentsResponse {
            assignments: rows.iter().map(|r| view::assignment(r, today)).collect(),
            next_page_token: next,
        }))
    }
}

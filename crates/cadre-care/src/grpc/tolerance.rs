//! 容错 reviews (三个区分开来): opened about a cadre and the conduct measure concerned, decided once by a
//! body the caller's role decides for, under the criteria rule; never deleted.

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock, error::require_id, paging};
use cadre_proto::{care as pb, types::ConductMeasureKind};
use tonic::{Request, Response, Status};

use super::{
    CareApi, MAX_TEXT_CHARS, after_token, denied, finish, holds, page, past_date, status, text, visible_cadre,
};
use crate::{
    domain::{
        codes::{DecidingBody, ToleranceDecision},
        tolerance::{Criteria, deciding_role},
    },
    events,
    store::{
        self,
        tolerance::{self as tolerance_store, ReviewRow},
    },
    view,
};

fn review_not_found(id: &str) -> ApiError {
    ApiError::not_found("REVIEW_NOT_FOUND", format!("no tolerance review {id}"))
}

/// A review the caller sees (by its cadre).
fn visible_review(
    conn: &mut cadre_platform::DbConn,
    caller: &Caller,
    id: &str,
) -> Result<ReviewRow, ApiError> {
    let row = tolerance_store::get(conn, id)?.ok_or_else(|| review_not_found(id))?;
    if !store::cadre_in_scope(conn, &caller.scope, &row.cadre_id)? {
        return Err(review_not_found(id));
    }
    Ok(row)
}

impl CareApi {
    pub(super) async fn open_tolerance_review_impl(
        &self,
        request: Request<pb::OpenToleranceReviewRequest>,
    ) -> Result<Response<pb::OpenToleranceReviewResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let cadre_id = super::id(&mut violations, "cadre_id", &request.cadre_id);
        let source_id = super::id(&mut violations, "measure_source_id", &request.measure_source_id);
        let kind_known = matches!(
            ConductMeasureKind::try_from(request.measure_kind),
            Ok(kind) if kind != ConductMeasureKind::Unspecified
        );
        violations.require(kind_known, "measure_kind", "is required");
        let summary = text(&mut violations, "case_summary", &request.case_summary, MAX_TEXT_CHARS, true);
        finish(violations, "INVALID_REVIEW", "the review is not valid")?;
        let measure_kind = request.measure_kind;
        let response = self
            .db
            .mutate(ctx, method!("OpenToleranceReview"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                // One review per measure: a second would let two bodies decide the same case differently.
                // The unique index on measure_source_id backs this up against a concurrent open.
                if let Some(existing) = tolerance_store::of_measure(conn, &source_id)? {
                    return Err(ApiError::already_exists(
                        "REVIEW_EXISTS",
                        format!("measure {source_id} already has the tolerance review {}", existing.id),
                    )
                    .with_metadata("review_id", existing.id));
                }
                let row = ReviewRow {
                    id: store::new_id(),
                    cadre_id: cadre.id,
                    cadre_name: cadre.name,
                    measure_source_id: source_id,
                    measure_kind,
                    case_summary: summary,
                    process_compliant: false,
                    process_note: String::new(),
                    no_personal_gain: false,
                    gain_note: String::new(),
                    not_prohibited: false,
                    prohibition_note: String::new(),
                    good_faith: false,
                    faith_note: String::new(),
                    decision: String::new(),
                    body: String::new(),
                    decided_by: String::new(),
                    decided_on: None,
                    opened_by: caller.principal.subject.clone(),
                    created_at: clock::now(),
                };
                tolerance_store::insert(conn, &row)?;
                tx.set_object("tolerance_review", &row.id);
                Ok(pb::OpenToleranceReviewResponse { review: Some(view::review(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn decide_tolerance_review_impl(
        &self,
        request: Request<pb::DecideToleranceReviewRequest>,
    ) -> Result<Response<pb::DecideToleranceReviewResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = super::id(&mut violations, "review_id", &request.review_id);
        let decision = ToleranceDecision::from_number(request.decision);
        violations.require(decision.is_some(), "decision", "is required");
        let body = DecidingBody::from_number(request.body);
        violations.require(body.is_some(), "body", "is required");
        let decided_on = past_date(&mut violations, "decided_on", request.decided_on.as_ref(), today);
        violations.require(request.criteria.is_some(), "criteria", "is required");
        let criteria = request.criteria.clone().unwrap_or_default();
        let mut check = |field: &str, c: Option<&pb::CriterionCheck>| -> (bool, String) {
            let c = c.cloned();
            violations.require(c.is_some(), format!("criteria.{field}"), "is required");
            let c = c.unwrap_or_default();
            let note =
                text(&mut violations, &format!("criteria.{field}.note"), &c.note, MAX_TEXT_CHARS, true);
            (c.met, note)
        };
        let process = check("process_compliant", criteria.process_compliant.as_ref());
        let gain = check("no_personal_gain", criteria.no_personal_gain.as_ref());
        let prohibited = check("not_prohibited", criteria.not_prohibited.as_ref());
        let faith = check("good_faith", criteria.good_faith.as_ref());
        finish(violations, "INVALID_DECISION", "the decision is not valid")?;
        let (Some(decision), Some(body), Some(decided_on)) = (decision, body, decided_on) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let role = deciding_role(body);
        if !holds(&caller, &[role]) {
            return Err(status(denied(
                "BODY_NOT_AUTHORISED",
                format!("the {body} decides through the {role} role, which the caller does not hold"),
            )));
        }
        let checked = Criteria {
            process_compliant: process.0,
            no_personal_gain: gain.0,
            not_prohibited: prohibited.0,
            good_faith: faith.0,
        };
        if !checked.allows(decision) {
            return Err(status(ApiError::failed_precondition(
                "CRITERIA_NOT_MET",
                format!("the criteria allow at most {}, not {decision}", checked.most_lenient()),
            )));
        }
        let response = self
            .db
            .mutate(ctx, method!("DecideToleranceReview"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible_review(conn, &caller, &id)?;
                if !row.decision.is_empty() {
                    return Err(ApiError::failed_precondition(
                        "REVIEW_ALREADY_DECIDED",
                        format!("the review was decided {} on {:?}", row.decision, row.decided_on),
                    ));
                }
                if caller.principal.cadre_id.as_deref() == Some(row.cadre_id.as_str()) {
                    return Err(denied("OWN_CASE", "nobody decides a review of their own case"));
                }
                (row.process_compliant, row.process_note) = process;
                (row.no_personal_gain, row.gain_note) = gain;
                (row.not_prohibited, row.prohibition_note) = prohibited;
                (row.good_faith, row.faith_note) = faith;
                row.decision = decision.code().to_owned();
                row.body = body.code().to_owned();
                row.decided_by.clone_from(&caller.principal.subject);
                row.decided_on = Some(decided_on);
                tolerance_store::update(conn, &row)?;
                tx.set_object("tolerance_review", &row.id);
                events::tolerance_decided(tx, view::review_decided(&row))?;
                Ok(pb::DecideToleranceReviewResponse { review: Some(view::review(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_tolerance_review_impl(
        &self,
        request: Request<pb::GetToleranceReviewRequest>,
    ) -> Result<Response<pb::GetToleranceReviewResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = require_id("review_id", &request.get_ref().review_id).map_err(status)?;
        let row = self.db.run(move |conn| visible_review(conn, &caller, &id)).await.map_err(status)?;
        Ok(Response::new(pb::GetToleranceReviewResponse { review: Some(view::review(&row)) }))
    }

    pub(super) async fn list_tolerance_reviews_impl(
        &self,
        request: Request<pb::ListToleranceReviewsRequest>,
    ) -> Result<Response<pb::ListToleranceReviewsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let filters = paging::filter_fingerprint(&[&request.cadre_id, &request.measure_source_id]);
        let after = after_token(&request.page_token, &filters)?;
        let (rows, next) = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, "")?;
                let cadre = Some(request.cadre_id.clone()).filter(|c| !c.is_empty());
                let measure = Some(request.measure_source_id.clone()).filter(|m| !m.is_empty());
                let rows = tolerance_store::list(conn, &reach, cadre, measure, after, limit + 1)?;
                Ok(page(rows, limit, &filters, |r| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListToleranceReviewsResponse {
            reviews: rows.iter().map(view::review).collect(),
            next_page_token: next,
        }))
    }
}

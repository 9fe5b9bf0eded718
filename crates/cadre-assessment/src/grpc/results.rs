//! Delivered results: the person's signature (or the refusal to sign), 复核 and 申诉 within their
//! deadlines and their decisions (a changed result is published again), and the list of results rank
//! relists from.

use cadre_platform::{
    ApiError, CallContext, Violations,
    auth::{Caller, Role},
    clock, paging,
};
use cadre_proto::assessment as pb;
use tonic::{Request, Response, Status};

use super::{AssessmentApi, status, visible};
use crate::{
    convert,
    domain::{
        Outcome,
        cycle::{Command, Decision, Effect},
        review::NoRestDays,
    },
    store::{
        self,
        reviews::{self as review_store, ReviewRow},
    },
    view,
    workflow::{calendar::KnownDays, results},
};

/// Who records a refusal to sign, or a review asked on paper, for someone else.
const RECORDS_KEEPERS: &[Role] = &[Role::UnitHrOfficer, Role::OrgOfficer];

fn not_own() -> ApiError {
    ApiError::new(tonic::Code::PermissionDenied, "NOT_OWN_RESULT", "only the person assessed does this")
}

impl AssessmentApi {
    pub(super) async fn acknowledge_result_impl(
        &self,
        request: Request<pb::AcknowledgeResultRequest>,
    ) -> Result<Response<pb::AcknowledgeResultResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let id =
            cadre_platform::error::require_id("assessment_id", &request.assessment_id).map_err(status)?;
        let refused = request.refused;
        let response = self
            .db
            .mutate(ctx, method!("AcknowledgeResult"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let (mut pool, cadre_id) = visible::pool_of(conn, &caller, &id)?;
                tx.set_object("annual_assessment", &id);
                // The person signs for themself; a refusal is noted by the one who keeps the records.
                let command = if refused {
                    if !visible::holds(&caller, RECORDS_KEEPERS) {
                        return Err(ApiError::new(
                            tonic::Code::PermissionDenied,
                            "RECORDS_KEEPER_ONLY",
                            "a refusal to sign is recorded by the unit's HR officer or the org department",
                        ));
                    }
                    Command::RecordRefusalToSign { cadre_id: cadre_id.clone(), on: today }
                } else {
                    if caller.principal.cadre_id.as_deref() != Some(cadre_id.as_str()) {
                        return Err(not_own());
                    }
                    Command::Acknowledge { cadre_id: cadre_id.clone(), on: today }
                };
                pool.apply(command, &policy, &NoRestDays)?;
                pool.save(tx.conn(), &policy, clock::now())?;
                Ok(pb::AcknowledgeResultResponse {
                    assessment: Some(view::assessment(pool.row_of(&cadre_id)?, today)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn request_result_review_impl(
        &self,
        request: Request<pb::RequestResultReviewRequest>,
    ) -> Result<Response<pb::RequestResultReviewResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = convert::id(&mut violations, "assessment_id", &request.assessment_id);
        let kind = convert::review_kind(&mut violations, "kind", request.kind);
        let grounds =
            convert::text(&mut violations, "grounds", &request.grounds, convert::MAX_TEXT_CHARS, true);
        convert::finish(violations, "INVALID_REVIEW", "the review request is not valid").map_err(status)?;
        let Some(kind) = kind else { return Err(status(ApiError::internal("validated kind missing"))) };
        let policy = self.db.run(move |conn| store::policy::on(conn, today)).await.map_err(status)?;
        let known = KnownDays::for_deadlines(&self.calendar, &policy, today).await.map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("RequestResultReview"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let (mut pool, cadre_id) = visible::pool_of(conn, &caller, &id)?;
                tx.set_object("annual_assessment", &id);
                let own = caller.principal.cadre_id.as_deref() == Some(cadre_id.as_str());
                if !own && !visible::holds(&caller, &[Role::OrgOfficer]) {
                    return Err(not_own());
                }
                let previous =
                    pool.participant(&cadre_id)?.outcome.map(|o| o.code().to_owned()).unwrap_or_default();
                let command = if kind == "APPEAL" {
                    Command::RequestAppeal { cadre_id: cadre_id.clone(), on: today }
                } else {
                    Command::RequestReview { cadre_id: cadre_id.clone(), on: today }
                };
                let effects = pool.apply(command, &policy, &known)?;
                let decide_by = effects.iter().find_map(|e| match e {
                    Effect::ReviewRequested { decide_by, .. } | Effect::AppealRequested { decide_by, .. } => {
                        Some(*decide_by)
                    }
                    _ => None,
                });
                let review = ReviewRow {
                    id: store::new_id(),
                    assessment_id: id.clone(),
                    kind,
                    grounds,
                    asked_on: today,
                    asked_by: caller.principal.subject.clone(),
                    previous_outcome: previous,
                    decide_by,
                    decided: false,
                    outcome: String::new(),
                    decision: String::new(),
                    decided_on: None,
                    decided_by: String::new(),
                    created_at: clock::now(),
                };
                let conn = tx.conn();
                review_store::insert(conn, &review)?;
                pool.save(conn, &policy, clock::now())?;
                Ok(pb::RequestResultReviewResponse { review: Some(view::review(&review)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn decide_result_review_impl(
        &self,
        request: Request<pb::DecideResultReviewRequest>,
    ) -> Result<Response<pb::DecideResultReviewResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = convert::id(&mut violations, "review_id", &request.review_id);
        let outcome = convert::outcome(&mut violations, "outcome", request.outcome);
        let decision =
            convert::text(&mut violations, "decision", &request.decision, convert::MAX_TEXT_CHARS, true);
        convert::finish(violations, "INVALID_DECISION", "the decision is not valid").map_err(status)?;
        let Some(outcome) = outcome else {
            return Err(status(ApiError::internal("validated outcome missing")));
        };
        let policy = self.db.run(move |conn| store::policy::on(conn, today)).await.map_err(status)?;
        let known = KnownDays::for_deadlines(&self.calendar, &policy, today).await.map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("DecideResultReview"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let not_found = || ApiError::not_found("REVIEW_NOT_FOUND", format!("no review {id}"));
                let mut review = review_store::get(conn, &id)?.ok_or_else(not_found)?;
                let (mut pool, cadre_id) =
                    visible::pool_of(conn, &caller, &review.assessment_id).map_err(|_| not_found())?;
                tx.set_object("result_review", &id);
                if review.decided {
                    return Err(ApiError::failed_precondition(
                        "REVIEW_ALREADY_DECIDED",
                        "the review is decided",
                    ));
                }
                let current = pool.participant(&cadre_id)?.outcome;
                let ruling =
                    if current == Some(outcome) { Decision::Upheld } else { Decision::Changed(outcome) };
                let by = visible::actor(&caller);
                let command = if review.kind == "APPEAL" {
                    Command::DecideAppeal { cadre_id: cadre_id.clone(), on: today, by, decision: ruling }
                } else {
                    Command::DecideReview { cadre_id: cadre_id.clone(), on: today, by, decision: ruling }
                };
                let effects = pool.apply(command, &policy, &known)?;
                let changed = effects.iter().any(|e| matches!(e, Effect::ResultChanged { .. }));
                pool.sync(&policy);
                if changed {
                    let row = pool.row_mut(&cadre_id)?;
                    results::publish(tx, row, &policy, today)?;
                }
                review.decided = true;
                review.outcome =
                    pool.participant(&cadre_id)?.outcome.map(Outcome::code).unwrap_or_default().to_owned();
                review.decision = decision;
                review.decided_on = Some(today);
                review.decided_by.clone_from(&caller.principal.subject);
                let conn = tx.conn();
                review_store::update(conn, &review)?;
                pool.save(conn, &policy, clock::now())?;
                if changed {
                    let year = pool.row.year;
                    results::republish_following(tx, &cadre_id, year, &policy)?;
                }
                Ok(pb::DecideResultReviewResponse {
                    review: Some(view::review(&review)),
                    assessment: Some(view::assessment(pool.row_of(&cadre_id)?, today)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_annual_results_impl(
        &self,
        request: Request<pb::ListAnnualResultsRequest>,
    ) -> Result<Response<pb::ListAnnualResultsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 500, 2000).map_err(status)?;
        let filters = paging::filter_fingerprint(&["results"]);
        let after = paging::decode_token(&request.page_token, &filters).map_err(status)?;
        let after = match after {
            None => None,
            Some(key) if key.len() == 1 => key.into_iter().next(),
            Some(_) => {
                return Err(status(ApiError::invalid_argument(
                    "INVALID_PAGE_TOKEN",
                    "page_token is not valid for this query",
                )));
            }
        };
        let (results, next) = self
            .db
            .run(move |conn| {
                let scoped = store::cadre_ids_in_scope(conn, &caller.scope)?;
                let rows = store::assessments::results(conn, after, limit + 1)?;
                let (page, next) = paging::finish_page(rows, limit, &filters, |r| vec![r.id.clone()]);
                let page = page
                    .iter()
                    .filter(|r| scoped.as_ref().is_none_or(|ids| ids.contains(&r.cadre_id)))
                    .map(view::result)
                    .collect::<Vec<_>>();
                Ok((page, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListAnnualResultsResponse { results, next_page_token: next }))
    }
}

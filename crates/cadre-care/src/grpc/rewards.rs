//! The rewards register, and the proposals annual results set off (confirmed or declined by the org
//! department).

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock, error::require_id, paging};
use cadre_proto::care as pb;
use tonic::{Request, Response, Status};

use super::{
    CareApi, MAX_SHORT_CHARS, MAX_TEXT_CHARS, after_token, finish, optional_id, page, past_date, status,
    text, visible_cadre, visible_unit,
};
use crate::{
    domain::{
        codes::{IssuingLevel, ProposalState, RewardCategory, RewardKind},
        reward::category_problem,
    },
    store::{
        self,
        rewards::{self as reward_store, ProposalRow, RewardFilter, RewardRow},
    },
    view, workflow,
};

fn reward_not_found(id: &str) -> ApiError {
    ApiError::not_found("REWARD_NOT_FOUND", format!("no reward {id}"))
}

fn proposal_not_found(id: &str) -> ApiError {
    ApiError::not_found("PROPOSAL_NOT_FOUND", format!("no reward proposal {id}"))
}

/// A pending proposal the caller sees.
fn pending_proposal(
    conn: &mut cadre_platform::DbConn,
    caller: &Caller,
    id: &str,
) -> Result<ProposalRow, ApiError> {
    let row = reward_store::proposal(conn, id)?.ok_or_else(|| proposal_not_found(id))?;
    let reach = store::reach(conn, &caller.scope, "")?;
    if !reach.admits(&row.cadre_id, &row.org_unit_id) {
        return Err(proposal_not_found(id));
    }
    if row.state != ProposalState::Pending.code() {
        return Err(ApiError::failed_precondition(
            "PROPOSAL_NOT_PENDING",
            format!("the proposal is {}, not pending", row.state),
        ));
    }
    Ok(row)
}

impl CareApi {
    pub(super) async fn record_reward_impl(
        &self,
        request: Request<pb::RecordRewardRequest>,
    ) -> Result<Response<pb::RecordRewardResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let kind = RewardKind::from_number(request.kind);
        violations.require(kind.is_some(), "kind", "is required");
        let category = match request.category {
            0 => None,
            n => {
                let category = RewardCategory::from_number(n);
                violations.require(category.is_some(), "category", "is not a reward category");
                category
            }
        };
        if let Some(problem) = kind.and_then(|k| category_problem(k, category)) {
            violations.add("category", problem);
        }
        let cadre_id = optional_id(&mut violations, "cadre_id", &request.cadre_id);
        let unit_id = optional_id(&mut violations, "org_unit_id", &request.org_unit_id);
        violations.require(
            cadre_id.is_empty() != unit_id.is_empty(),
            "cadre_id",
            "exactly one of cadre_id (a person) and org_unit_id (a collective) is required",
        );
        let level = IssuingLevel::from_number(request.level);
        violations.require(level.is_some(), "level", "is required");
        let issuer = text(&mut violations, "issuer", &request.issuer, MAX_SHORT_CHARS, true);
        let document =
            text(&mut violations, "document_number", &request.document_number, MAX_SHORT_CHARS, true);
        let basis = text(&mut violations, "basis", &request.basis, MAX_TEXT_CHARS, true);
        let award_date = past_date(&mut violations, "award_date", request.award_date.as_ref(), today);
        finish(violations, "INVALID_REWARD", "the reward is not valid")?;
        let (Some(kind), Some(level), Some(award_date)) = (kind, level, award_date) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let feeds = request.feeds_promotion_priority;
        let response = self
            .db
            .mutate(ctx, method!("RecordReward"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let (cadre_name, org_unit_id, collective) = if cadre_id.is_empty() {
                    visible_unit(conn, &caller, &unit_id)?;
                    (String::new(), unit_id, true)
                } else {
                    let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                    (cadre.name, cadre.employing_unit_id, false)
                };
                let row = RewardRow {
                    id: store::new_id(),
                    kind: kind.code().to_owned(),
                    category: category.map(|c| c.code().to_owned()).unwrap_or_default(),
                    cadre_id,
                    cadre_name,
                    org_unit_id,
                    collective,
                    level: level.code().to_owned(),
                    issuer,
                    document_number: document,
                    basis,
                    award_date,
                    feeds_promotion_priority: feeds,
                    proposal_id: String::new(),
                    recorded_by: caller.principal.subject.clone(),
                    recorded_at: clock::now(),
                };
                tx.set_object("reward", &row.id);
                workflow::record_reward(tx, &row)?;
                Ok(pb::RecordRewardResponse { reward: Some(view::reward(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_reward_impl(
        &self,
        request: Request<pb::GetRewardRequest>,
    ) -> Result<Response<pb::GetRewardResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = require_id("reward_id", &request.get_ref().reward_id).map_err(status)?;
        let reward = self
            .db
            .run(move |conn| {
                let row = reward_store::get(conn, &id)?.ok_or_else(|| reward_not_found(&id))?;
                let reach = store::reach(conn, &caller.scope, "")?;
                if !reach.admits(&row.cadre_id, &row.org_unit_id) {
                    return Err(reward_not_found(&id));
                }
                Ok(view::reward(&row))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetRewardResponse { reward: Some(reward) }))
    }

    pub(super) async fn list_rewards_impl(
        &self,
        request: Request<pb::ListRewardsRequest>,
    ) -> Result<Response<pb::ListRewardsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        if request.year != 0 {
            super::year(&mut violations, "year", request.year);
        }
        let kind = match request.kind {
            0 => None,
            n => {
                let kind = RewardKind::from_number(n);
                violations.require(kind.is_some(), "kind", "is not a reward kind");
                kind
            }
        };
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let filters = paging::filter_fingerprint(&[
            &request.cadre_id,
            &request.org_unit_id,
            &request.year.to_string(),
            &request.kind.to_string(),
        ]);
        let after = after_token(&request.page_token, &filters)?;
        let filter = RewardFilter {
            cadre_id: Some(request.cadre_id.clone()).filter(|c| !c.is_empty()),
            year: (request.year != 0).then_some(request.year),
            kind: kind.map(|k| k.code().to_owned()),
        };
        let (rewards, next) = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let rows = reward_store::list(conn, &reach, &filter, after, limit + 1)?;
                Ok(page(rows, limit, &filters, |r| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListRewardsResponse {
            rewards: rewards.iter().map(view::reward).collect(),
            next_page_token: next,
        }))
    }

    pub(super) async fn list_reward_proposals_impl(
        &self,
        request: Request<pb::ListRewardProposalsRequest>,
    ) -> Result<Response<pb::ListRewardProposalsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let state = match request.state {
            0 => None,
            n => {
                let state = ProposalState::from_number(n);
                violations.require(state.is_some(), "state", "is not a proposal state");
                state
            }
        };
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let filters = paging::filter_fingerprint(&[&request.org_unit_id, &request.state.to_string()]);
        let after = after_token(&request.page_token, &filters)?;
        let (proposals, next) = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let state = state.map(|s| s.code().to_owned());
                let rows = reward_store::list_proposals(conn, &reach, state, after, limit + 1)?;
                Ok(page(rows, limit, &filters, |r| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListRewardProposalsResponse {
            proposals: proposals.iter().map(view::proposal).collect(),
            next_page_token: next,
        }))
    }

    pub(super) async fn confirm_reward_proposal_impl(
        &self,
        request: Request<pb::ConfirmRewardProposalRequest>,
    ) -> Result<Response<pb::ConfirmRewardProposalResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = super::id(&mut violations, "proposal_id", &request.proposal_id);
        let document =
            text(&mut violations, "document_number", &request.document_number, MAX_SHORT_CHARS, true);
        let issuer = text(&mut violations, "issuer", &request.issuer, MAX_SHORT_CHARS, false);
        let award_date = past_date(&mut violations, "award_date", request.award_date.as_ref(), today);
        finish(violations, "INVALID_CONFIRMATION", "the confirmation is not valid")?;
        let Some(award_date) = award_date else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let feeds = request.feeds_promotion_priority;
        let response = self
            .db
            .mutate(ctx, method!("ConfirmRewardProposal"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut proposal = pending_proposal(conn, &caller, &id)?;
                let policy = store::policy::on(conn, award_date)?;
                let reward = RewardRow {
                    id: store::new_id(),
                    kind: proposal.kind.clone(),
                    category: String::new(),
                    cadre_id: proposal.cadre_id.clone(),
                    cadre_name: proposal.cadre_name.clone(),
                    org_unit_id: proposal.org_unit_id.clone(),
                    collective: false,
                    level: IssuingLevel::District.code().to_owned(),
                    issuer: if issuer.is_empty() { policy.default_issuer } else { issuer },
                    document_number: document,
                    basis: format!("{}年度考核: {}", proposal.year, proposal.basis),
                    award_date,
                    feeds_promotion_priority: feeds,
                    proposal_id: proposal.id.clone(),
                    recorded_by: caller.principal.subject.clone(),
                    recorded_at: clock::now(),
                };
                proposal.state = ProposalState::Confirmed.code().to_owned();
                proposal.reward_id.clone_from(&reward.id);
                proposal.decided_by.clone_from(&caller.principal.subject);
                proposal.decided_at = Some(clock::now());
                reward_store::update_proposal(tx.conn(), &proposal)?;
                tx.set_object("reward_proposal", &proposal.id);
                workflow::record_reward(tx, &reward)?;
                Ok(pb::ConfirmRewardProposalResponse {
                    proposal: Some(view::proposal(&proposal)),
                    reward: Some(view::reward(&reward)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn decline_reward_proposal_impl(
        &self,
        request: Request<pb::DeclineRewardProposalRequest>,
    ) -> Result<Response<pb::DeclineRewardProposalResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let id = super::id(&mut violations, "proposal_id", &request.proposal_id);
        let reason = text(&mut violations, "reason", &request.reason, MAX_TEXT_CHARS, true);
        finish(violations, "INVALID_DECLINE", "the decline is not valid")?;
        let response = self
            .db
            .mutate(ctx, method!("DeclineRewardProposal"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut proposal = pending_proposal(conn, &caller, &id)?;
                proposal.state = ProposalState::Declined.code().to_owned();
                proposal.decision_note = reason;
                proposal.decided_by.clone_from(&caller.principal.subject);
                proposal.decided_at = Some(clock::now());
                reward_store::update_proposal(conn, &proposal)?;
                tx.set_object("reward_proposal", &proposal.id);
                Ok(pb::DeclineRewardProposalResponse { proposal: Some(view::proposal(&proposal)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

//! Forums: proposed by their unit, decided on by the level above (approve, suspend, resume), closed by
//! either; read by everyone who reads forums.

use cadre_platform::{
    ApiError, CallContext, Violations,
    auth::{Caller, Role},
    clock, paging,
};
use cadre_projection::store as projection;
use cadre_proto::forum as pb;
use tonic::{Code, Request, Response, Status};

use super::{ForumApi, status, visible};
use crate::{
    convert,
    domain::{
        ApprovingLevel, ForumStatus,
        forum::{ForumAction, forum_transition},
        level::{self, Approver},
    },
    events,
    store::{
        self,
        forums::{self as forum_store, ForumRow},
    },
    view,
};

/// Refuses a caller who is not the level above the forum.
fn check_deciding_level(caller: &Caller, row: &ForumRow) -> Result<(), ApiError> {
    let approving = ApprovingLevel::from_unit_id(&row.approving_unit_id);
    let approver = Approver {
        org_officer: visible::holds(caller, &[Role::OrgOfficer]),
        officer_of: visible::officer_of(caller),
    };
    if !level::may_decide(&approving, approver) {
        let who = match &approving {
            ApprovingLevel::ParentUnit(unit) => format!("the officers of unit {unit}"),
            ApprovingLevel::OrgDepartment => "the org department".to_owned(),
        };
        return Err(ApiError::new(
            Code::PermissionDenied,
            "WRONG_APPROVING_LEVEL",
            format!("forum {} is decided on by {who}, the level above it", row.id),
        )
        .with_metadata("approving_unit_id", row.approving_unit_id.clone()));
    }
    Ok(())
}

/// Applies `action` to a forum by its deciding level (or, for closing, its own unit), in one transaction.
fn decide(
    tx: &mut cadre_platform::Tx<'_>,
    caller: &Caller,
    forum_id: &str,
    action: ForumAction,
    reason: &str,
    today: chrono::NaiveDate,
) -> Result<pb::Forum, ApiError> {
    let conn = tx.conn();
    let mut row = visible::forum(conn, forum_id)?;
    if action == ForumAction::Close {
        // Its own unit (any organiser whose scope holds it) or the level above may close a forum.
        let own = store::unit_in_scope(conn, &caller.scope, &row.owner_unit_id)?;
        if !own {
            check_deciding_level(caller, &row)?;
        }
    } else {
        check_deciding_level(caller, &row)?;
    }
    if action == ForumAction::Approve && row.proposed_by == caller.principal.subject {
        return Err(ApiError::new(
            Code::PermissionDenied,
            "OWN_PROPOSAL",
            "nobody approves their own proposal",
        ));
    }
    let current = ForumStatus::from_code(&row.status)
        .ok_or_else(|| ApiError::internal(format!("forum {} has status {:?}", row.id, row.status)))?;
    let next = forum_transition(current, action).map_err(|reason| {
        visible::refused(reason, format!("forum {} is {}", row.id, current.code().to_lowercase()))
    })?;
    row.status = next.code().to_owned();
    match action {
        ForumAction::Approve => {
            row.approved_by = caller.principal.subject.clone();
            row.approved_on = Some(today);
            row.status_reason = String::new();
        }
        ForumAction::Resume => row.status_reason = String::new(),
        ForumAction::Suspend => row.status_reason = reason.to_owned(),
        ForumAction::Close => {
            row.status_reason = reason.to_owned();
            row.open_owner_unit_id = None;
        }
    }
    row.version += 1;
    row.updated_at = clock::now();
    forum_store::update(tx.conn(), &row)?;
    tx.set_object("forum", &row.id);
    let forum = view::forum(&row);
    if action == ForumAction::Approve {
        events::forum_approved(tx, &forum)?;
    }
    Ok(forum)
}

impl ForumApi {
    pub(super) async fn propose_forum_impl(
        &self,
        request: Request<pb::ProposeForumRequest>,
    ) -> Result<Response<pb::ProposeForumResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let unit_id = convert::id(&mut violations, "owner_unit_id", &request.owner_unit_id);
        let expected = convert::optional_level(&mut violations, "level", request.level);
        let name = convert::text(&mut violations, "name", &request.name, convert::MAX_SHORT_CHARS, true);
        let description = convert::text(
            &mut violations,
            "description",
            &request.description,
            convert::MAX_TEXT_CHARS,
            false,
        );
        convert::finish(violations, "INVALID_FORUM", "the forum is not valid").map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("ProposeForum"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let unit =
                    projection::unit(conn, &unit_id)?.ok_or_else(|| visible::unit_not_found(&unit_id))?;
                if !store::unit_in_scope(conn, &caller.scope, &unit.id)? {
                    return Err(visible::unit_not_found(&unit_id));
                }
                if !unit.active {
                    return Err(visible::refused("UNIT_CLOSED", format!("unit {} is closed", unit.id)));
                }
                let level = level::level_for(&unit.kind, expected).map_err(|refusal| {
                    visible::refused(refusal.reason(), refusal.to_string())
                        .with_violation("level", refusal.to_string())
                        .with_metadata("unit_kind", unit.kind.clone())
                })?;
                if let Some(open) = forum_store::open_of(conn, &unit.id)? {
                    return Err(ApiError::already_exists(
                        "FORUM_EXISTS",
                        format!(
                            "unit {} already has forum {} ({})",
                            unit.id,
                            open.id,
                            open.status.to_lowercase()
                        ),
                    )
                    .with_metadata("forum_id", open.id));
                }
                let approving = level::approving_level(level, &unit.parent_id);
                let now = clock::now();
                let row = ForumRow {
                    id: store::new_id(),
                    level: level.code().to_owned(),
                    owner_unit_id: unit.id.clone(),
                    owner_unit_name: unit.name.clone(),
                    approving_unit_id: approving.unit_id().to_owned(),
                    name,
                    description,
                    status: ForumStatus::Proposed.code().to_owned(),
                    open_owner_unit_id: Some(unit.id.clone()),
                    proposed_by: caller.principal.subject.clone(),
                    proposed_at: now,
                    approved_by: String::new(),
                    approved_on: None,
                    status_reason: String::new(),
                    version: 1,
                    updated_at: now,
                };
                forum_store::insert(tx.conn(), &row)?;
                tx.set_object("forum", &row.id);
                Ok(pb::ProposeForumResponse { forum: Some(view::forum(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn approve_forum_impl(
        &self,
        request: Request<pb::ApproveForumRequest>,
    ) -> Result<Response<pb::ApproveForumResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let forum_id = cadre_platform::error::require_id("forum_id", &request.forum_id).map_err(status)?;
        let today = self.today();
        let response = self
            .db
            .mutate(ctx, method!("ApproveForum"), &request.request_id.clone(), &request, move |tx| {
                let forum = decide(tx, &caller, &forum_id, ForumAction::Approve, "", today)?;
                Ok(pb::ApproveForumResponse { forum: Some(forum) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn suspend_forum_impl(
        &self,
        request: Request<pb::SuspendForumRequest>,
    ) -> Result<Response<pb::SuspendForumResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let forum_id = convert::id(&mut violations, "forum_id", &request.forum_id);
        let reason =
            convert::text(&mut violations, "reason", &request.reason, convert::MAX_SHORT_CHARS, true);
        convert::finish(violations, "INVALID_REQUEST", "the suspension is not valid").map_err(status)?;
        let today = self.today();
        let response = self
            .db
            .mutate(ctx, method!("SuspendForum"), &request.request_id.clone(), &request, move |tx| {
                let forum = decide(tx, &caller, &forum_id, ForumAction::Suspend, &reason, today)?;
                Ok(pb::SuspendForumResponse { forum: Some(forum) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn resume_forum_impl(
        &self,
        request: Request<pb::ResumeForumRequest>,
    ) -> Result<Response<pb::ResumeForumResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let forum_id = cadre_platform::error::require_id("forum_id", &request.forum_id).map_err(status)?;
        let today = self.today();
        let response = self
            .db
            .mutate(ctx, method!("ResumeForum"), &request.request_id.clone(), &request, move |tx| {
                let forum = decide(tx, &caller, &forum_id, ForumAction::Resume, "", today)?;
                Ok(pb::ResumeForumResponse { forum: Some(forum) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn close_forum_impl(
        &self,
        request: Request<pb::CloseForumRequest>,
    ) -> Result<Response<pb::CloseForumResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let forum_id = convert::id(&mut violations, "forum_id", &request.forum_id);
        let reason =
            convert::text(&mut violations, "reason", &request.reason, convert::MAX_SHORT_CHARS, true);
        convert::finish(violations, "INVALID_REQUEST", "the closing is not valid").map_err(status)?;
        let today = self.today();
        let response = self
            .db
            .mutate(ctx, method!("CloseForum"), &request.request_id.clone(), &request, move |tx| {
                let forum = decide(tx, &caller, &forum_id, ForumAction::Close, &reason, today)?;
                Ok(pb::CloseForumResponse { forum: Some(forum) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_forum_impl(
        &self,
        request: Request<pb::GetForumRequest>,
    ) -> Result<Response<pb::GetForumResponse>, Status> {
        let request = request.into_inner();
        let forum_id = cadre_platform::error::require_id("forum_id", &request.forum_id).map_err(status)?;
        let row = self.db.run(move |conn| visible::forum(conn, &forum_id)).await.map_err(status)?;
        Ok(Response::new(pb::GetForumResponse { forum: Some(view::forum(&row)) }))
    }

    pub(super) async fn list_forums_impl(
        &self,
        request: Request<pb::ListForumsRequest>,
    ) -> Result<Response<pb::ListForumsResponse>, Status> {
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let level = convert::optional_level(&mut violations, "level", request.level);
        let forum_status = convert::optional_status(&mut violations, "status", request.status);
        convert::finish(violations, "INVALID_FILTER", "the filter is not valid").map_err(status)?;
        let filters = paging::filter_fingerprint(&[
            &request.level.to_string(),
            &request.status.to_string(),
            &request.org_unit_id,
        ]);
        let after = paging::decode_token(&request.page_token, &filters).map_err(status)?;
        let after = match after.as_deref() {
            Some([level, id]) => Some((level.clone(), id.clone())),
            Some(_) => {
                return Err(status(ApiError::invalid_argument(
                    "INVALID_PAGE_TOKEN",
                    "page_token is not valid",
                )));
            }
            None => None,
        };
        let (forums, next) = self
            .db
            .run(move |conn| {
                let filter = forum_store::Filter {
                    unit_ids: store::subtree_ids(conn, request.org_unit_id.trim())?,
                    level: level.map(|l| l.code().to_owned()),
                    status: forum_status.map(|s| s.code().to_owned()),
                };
                let rows = forum_store::list(conn, &filter, after, limit + 1)?;
                Ok(paging::finish_page(rows, limit, &filters, |r| vec![r.level.clone(), r.id.clone()]))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListForumsResponse {
            forums: forums.iter().map(view::forum).collect(),
            next_page_token: next,
        }))
    }
}

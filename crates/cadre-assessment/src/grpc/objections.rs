//! Objections (异议) to the 优秀 candidates during publicity, and their resolution.

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock};
use cadre_proto::assessment as pb;
use tonic::{Request, Response, Status};

use super::{AssessmentApi, status, visible};
use crate::{
    convert,
    domain::{
        cycle::{Command, Effect},
        review::NoRestDays,
    },
    store::{
        self,
        assessments::{self as assessment_store, ObjectionRow},
    },
    view,
    workflow::pool::Pool,
};

impl AssessmentApi {
    pub(super) async fn raise_objection_impl(
        &self,
        request: Request<pb::RaiseObjectionRequest>,
    ) -> Result<Response<pb::RaiseObjectionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = convert::id(&mut violations, "assessment_id", &request.assessment_id);
        let text = convert::text(&mut violations, "text", &request.text, convert::MAX_TEXT_CHARS, true);
        convert::finish(violations, "INVALID_OBJECTION", "the objection is not valid").map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("RaiseObjection"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let row =
                    assessment_store::get(conn, &id)?.ok_or_else(|| visible::assessment_not_found(&id))?;
                // The candidates are publicised within the 机关: its own people may object, as may anyone
                // who sees the assessment.
                let sees = visible::assessment_visible(conn, &caller, &row)?
                    || visible::enrolled_in(conn, &caller, &row.cycle_id, row.year)?;
                if !sees {
                    return Err(visible::assessment_not_found(&id));
                }
                tx.set_object("annual_assessment", &id);
                let conn = tx.conn();
                let mut pool = Pool::require(conn, &row.cycle_id)?;
                let command = Command::RaiseObjection {
                    against: row.cadre_id.clone(),
                    on: today,
                    raised_by: Some(caller.principal.subject.clone()),
                    text: text.clone(),
                };
                let effects = pool.apply(command, &policy, &NoRestDays)?;
                let index = effects
                    .iter()
                    .find_map(|e| match e {
                        Effect::ObjectionRaised { index, .. } => Some(*index),
                        _ => None,
                    })
                    .ok_or_else(|| ApiError::internal("an objection was raised without an index"))?;
                let objection = ObjectionRow {
                    id: store::new_id(),
                    assessment_id: row.id.clone(),
                    cycle_id: row.cycle_id.clone(),
                    idx: i32::try_from(index).map_err(|_| ApiError::internal("too many objections"))?,
                    text,
                    raised_by: caller.principal.subject.clone(),
                    raised_at: clock::now(),
                    resolved: false,
                    upheld: false,
                    resolution: String::new(),
                    resolved_by: String::new(),
                    resolved_at: None,
                };
                assessment_store::insert_objection(conn, &objection)?;
                pool.save(conn, &policy, clock::now())?;
                Ok(pb::RaiseObjectionResponse { objection: Some(view::objection(&objection)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn resolve_objection_impl(
        &self,
        request: Request<pb::ResolveObjectionRequest>,
    ) -> Result<Response<pb::ResolveObjectionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = convert::id(&mut violations, "objection_id", &request.objection_id);
        let resolution =
            convert::text(&mut violations, "resolution", &request.resolution, convert::MAX_TEXT_CHARS, true);
        convert::finish(violations, "INVALID_RESOLUTION", "the resolution is not valid").map_err(status)?;
        let upheld = request.upheld;
        let response = self
            .db
            .mutate(ctx, method!("ResolveObjection"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let not_found = || ApiError::not_found("OBJECTION_NOT_FOUND", format!("no objection {id}"));
                let mut objection = assessment_store::objection(conn, &id)?.ok_or_else(not_found)?;
                let mut pool = visible::pool(conn, &caller, &objection.cycle_id).map_err(|_| not_found())?;
                tx.set_object("objection", &id);
                let conn = tx.conn();
                let command = Command::ResolveObjection {
                    index: usize::try_from(objection.idx)
                        .map_err(|_| ApiError::internal("negative index"))?,
                    upheld,
                    on: today,
                    by: caller.principal.subject.clone(),
                    note: resolution.clone(),
                };
                pool.apply(command, &policy, &NoRestDays)?;
                objection.resolved = true;
                objection.upheld = upheld;
                objection.resolution = resolution;
                objection.resolved_by.clone_from(&caller.principal.subject);
                objection.resolved_at = Some(clock::now());
                assessment_store::update_objection(conn, &objection)?;
                pool.save(conn, &policy, clock::now())?;
                Ok(pb::ResolveObjectionResponse { objection: Some(view::objection(&objection)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

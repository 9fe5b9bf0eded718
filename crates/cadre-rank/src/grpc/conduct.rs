//! Conduct measures that restrict promotion: sanctions, organisational measures, 诫勉 and open
//! investigations, recorded by the discipline inspector, the org department or the oversight service (which
//! also delivers them on its feed, see `crate::followers::OversightFeed`; both go through
//! `workflow::conduct`).

use cadre_platform::{CallContext, auth::Caller};
use cadre_proto::rank as pb;
use tonic::{Request, Response, Status};

use super::{RankApi, status};
use crate::{
    store::{self, scope},
    view,
    workflow::{conduct, eligibility::not_found},
};

impl RankApi {
    pub(super) async fn record_conduct_measure_impl(
        &self,
        request: Request<pb::RecordConductMeasureRequest>,
    ) -> Result<Response<pb::RecordConductMeasureResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let input = conduct::read(request.measure.as_ref()).map_err(status)?;
        let by = caller.principal.subject.clone();
        let response = self
            .db
            .mutate(ctx, method!("RecordConductMeasure"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre_id = &input.cadre_id;
                let known = store::projection::cadre(conn, cadre_id)?.is_some();
                if !known || !scope::admits(conn, &caller.scope, cadre_id)? {
                    return Err(not_found(cadre_id).with_violation("measure.cadre_id", "no such cadre"));
                }
                let row = conduct::record(conn, &input, &by)?;
                tx.set_object("conduct_measure", &row.source_id);
                Ok(pb::RecordConductMeasureResponse { measure: Some(view::measure(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

//! Conduct measures (处分, 组织处理, 诫勉, open investigations) as the discipline inspector, the org
//! department or the oversight service record them: the facts behind the special cases. The oversight
//! service also delivers them on its feed (`crate::followers::OversightFeed`); both go through
//! `workflow::measures`.

use cadre_platform::{CallContext, auth::Caller};
use cadre_proto::assessment as pb;
use tonic::{Request, Response, Status};

use super::{AssessmentApi, status, visible};
use crate::{store, view, workflow::measures};

impl AssessmentApi {
    pub(super) async fn record_conduct_measure_impl(
        &self,
        request: Request<pb::RecordConductMeasureRequest>,
    ) -> Result<Response<pb::RecordConductMeasureResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let input = measures::read(request.measure.as_ref(), Some(today)).map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("RecordConductMeasure"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                if !store::cadre_in_scope(conn, &caller.scope, &input.cadre_id)? {
                    return Err(visible::cadre_not_found(&input.cadre_id));
                }
                tx.set_object("conduct_measure", &input.source_id);
                let row = measures::record(tx.conn(), &input, &caller.principal.subject, today)?;
                Ok(pb::RecordConductMeasureResponse { measure: Some(view::measure(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

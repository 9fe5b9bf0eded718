//! Conduct measures that restrict promotion: sanctions, organisational measures, 诫勉 and open
//! investigations, recorded by the discipline inspector, the org department or the oversight service.

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock};
use cadre_proto::rank as pb;
use tonic::{Request, Response, Status};

use super::{RankApi, status};
use crate::{
    convert,
    domain::restriction::{self, RestrictionKind},
    store::{self, measures::MeasureRow, scope},
    view,
    workflow::eligibility::{self, not_found},
};

/// Longest basis (文号), in characters.
const MAX_BASIS: usize = 200;

impl RankApi {
    pub(super) async fn record_conduct_measure_impl(
        &self,
        request: Request<pb::RecordConductMeasureRequest>,
    ) -> Result<Response<pb::RecordConductMeasureResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        v.require(request.measure.is_some(), "measure", "is required");
        let measure = request.measure.clone().unwrap_or_default();
        let source_id = convert::id_in(&mut v, "measure.source_id", &measure.source_id);
        let cadre_id = convert::id_in(&mut v, "measure.cadre_id", &measure.cadre_id);
        let kind = convert::measure_kind_from(&mut v, "measure.kind", measure.kind);
        let effective =
            convert::required_date(&mut v, "measure.effective_date", measure.effective_date.as_ref());
        let last_day = convert::optional_date(&mut v, "measure.last_day", measure.last_day.as_ref());
        if let (Some(effective), Some(last)) = (effective, last_day) {
            v.require(last >= effective, "measure.last_day", "is before effective_date");
        }
        let basis = convert::text(&mut v, "measure.basis", &measure.basis, MAX_BASIS, true);
        v.finish("INVALID_MEASURE", "the measure is not valid").map_err(status)?;
        let (Some(kind), Some(effective)) = (kind, effective) else {
            return Err(status(ApiError::internal("a checked field is missing")));
        };
        let still = measure.still_affects_use;
        let by = caller.principal.subject.clone();
        let response = self
            .db
            .mutate(ctx, method!("RecordConductMeasure"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let known = store::projection::cadre(conn, &cadre_id)?.is_some();
                if !known || !scope::admits(conn, &caller.scope, &cadre_id)? {
                    return Err(not_found(&cadre_id).with_violation("measure.cadre_id", "no such cadre"));
                }
                let (last_day, computed) = match last_day {
                    Some(last) => (Some(last), false),
                    None => {
                        let policy = store::policy::on(conn, effective)?;
                        let computed =
                            restriction::last_day(kind, effective, &policy.impact).map_err(|e| {
                                let field = if kind == RestrictionKind::PartyProbation {
                                    "measure.last_day"
                                } else {
                                    "measure.kind"
                                };
                                ApiError::invalid_argument(e.reason(), e.to_string())
                                    .with_violation(field, "the period cannot be computed: give last_day")
                            })?;
                        (computed, computed.is_some())
                    }
                };
                let row = MeasureRow {
                    source_id: source_id.clone(),
                    cadre_id: cadre_id.clone(),
                    kind: kind.code().to_owned(),
                    effective_date: effective,
                    last_day,
                    last_day_computed: computed,
                    basis: basis.clone(),
                    still_affects_use: still,
                    recorded_by: by.clone(),
                    updated_at: clock::now(),
                };
                if let Some(previous) = store::measures::upsert(conn, &row)? {
                    eligibility::refresh(conn, &previous)?;
                }
                eligibility::refresh(conn, &cadre_id)?;
                tx.set_object("conduct_measure", &source_id);
                Ok(pb::RecordConductMeasureResponse { measure: Some(view::measure(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

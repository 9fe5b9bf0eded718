//! Conduct measures (处分, 组织处理, 诫勉, open investigations) as the discipline inspector, the org
//! department or the oversight service record them: the facts behind the special cases. A measure
//! recorded again under its source id replaces the first (an investigation that closed now has its last
//! day), and the person's undetermined assessments are computed again.

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock};
use cadre_proto::assessment as pb;
use tonic::{Request, Response, Status};

use super::{AssessmentApi, status, visible};
use crate::{
    convert,
    store::{
        self,
        measures::{self as measure_store, MeasureRow},
    },
    view,
    workflow::participation::{self, OPEN_INVESTIGATION},
};

impl AssessmentApi {
    pub(super) async fn record_conduct_measure_impl(
        &self,
        request: Request<pb::RecordConductMeasureRequest>,
    ) -> Result<Response<pb::RecordConductMeasureResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let measure = request.measure.clone().unwrap_or_default();
        violations.require(request.measure.is_some(), "measure", "is required");
        let source_id = convert::id(&mut violations, "measure.source_id", &measure.source_id);
        let cadre_id = convert::id(&mut violations, "measure.cadre_id", &measure.cadre_id);
        let kind = convert::measure_kind(&mut violations, "measure.kind", measure.kind);
        let effective = convert::required_date(
            &mut violations,
            "measure.effective_date",
            measure.effective_date.as_ref(),
        );
        let last_day = convert::optional_date(&mut violations, "measure.last_day", measure.last_day.as_ref());
        if let (Some(effective), Some(last)) = (effective, last_day) {
            violations.require(last >= effective, "measure.last_day", "is before the effective date");
        }
        if let Some(effective) = effective {
            violations.require(effective <= today, "measure.effective_date", "is after today");
        }
        let basis =
            convert::text(&mut violations, "measure.basis", &measure.basis, convert::MAX_SHORT_CHARS, false);
        convert::finish(violations, "INVALID_MEASURE", "the measure is not valid").map_err(status)?;
        let (Some(kind), Some(effective)) = (kind, effective) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let still_affects_use = measure.still_affects_use;
        let response = self
            .db
            .mutate(ctx, method!("RecordConductMeasure"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                if !store::cadre_in_scope(conn, &caller.scope, &cadre_id)? {
                    return Err(visible::cadre_not_found(&cadre_id));
                }
                tx.set_object("conduct_measure", &source_id);
                let conn = tx.conn();
                let existing = measure_store::get(conn, &source_id)?;
                if let Some(existing) = &existing
                    && existing.cadre_id != cadre_id
                {
                    return Err(ApiError::failed_precondition(
                        "SOURCE_ID_IN_USE",
                        format!("the measure {source_id} concerns another cadre"),
                    ));
                }
                // An investigation has no last day until it closes; every other measure's period follows
                // from its kind when the sender leaves it out.
                let last_day = match last_day {
                    Some(day) => Some(day),
                    None if kind == OPEN_INVESTIGATION => None,
                    None => {
                        let months = store::policy::period_months(conn, &kind, effective)?;
                        Some(clock::period_last_day(effective, months))
                    }
                };
                let now = clock::now();
                let row = MeasureRow {
                    source_id,
                    cadre_id: cadre_id.clone(),
                    kind,
                    effective_date: effective,
                    last_day,
                    basis,
                    still_affects_use,
                    recorded_by: caller.principal.subject.clone(),
                    recorded_at: existing.map_or(now, |e| e.recorded_at),
                    updated_at: now,
                };
                measure_store::upsert(conn, &row)?;
                let policy = store::policy::on(conn, today)?;
                participation::refresh_cadre(conn, &cadre_id, &policy, now)?;
                Ok(pb::RecordConductMeasureResponse { measure: Some(view::measure(&row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

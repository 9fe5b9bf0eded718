//! Rank history: a cadre's holdings, and the org department's records of legacy data and corrections.

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller};
use cadre_proto::rank as pb;
use tonic::{Request, Response, Status};

use super::{RankApi, status};
use crate::{
    convert,
    domain::ladder::Level,
    store::{self, scope},
    view,
    workflow::{
        eligibility::{self, not_found},
        holdings::{self, Recorded},
    },
};

/// Longest note of a holding, in characters.
const MAX_NOTE: usize = 500;

impl RankApi {
    pub(super) async fn get_rank_history_impl(
        &self,
        request: Request<pb::GetRankHistoryRequest>,
    ) -> Result<Response<pb::GetRankHistoryResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let cadre_id = convert::id("cadre_id", &request.get_ref().cadre_id).map_err(status)?;
        let response = self
            .db
            .run(move |conn| {
                let cadre = store::projection::cadre(conn, &cadre_id)?;
                let (Some(cadre), true) = (cadre, scope::admits(conn, &caller.scope, &cadre_id)?) else {
                    return Err(not_found(&cadre_id));
                };
                let holdings = store::holdings::of_cadre(conn, &cadre_id)?;
                Ok(pb::GetRankHistoryResponse {
                    cadre_name: cadre.name,
                    holdings: holdings.iter().map(view::holding).collect(),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn record_rank_holding_impl(
        &self,
        request: Request<pb::RecordRankHoldingRequest>,
    ) -> Result<Response<pb::RecordRankHoldingResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut v = Violations::default();
        let cadre_id = convert::id_in(&mut v, "cadre_id", &request.cadre_id);
        let grade = convert::required_grade(&mut v, "grade", request.grade);
        let start = convert::required_date(&mut v, "start_date", request.start_date.as_ref());
        let end = convert::optional_date(&mut v, "end_date", request.end_date.as_ref());
        let note = convert::text(&mut v, "note", &request.note, MAX_NOTE, true);
        if let Some(start) = start {
            v.require(start <= today, "start_date", "is in the future");
            if let Some(end) = end {
                v.require(end >= start, "end_date", "is before start_date");
                v.require(end < today, "end_date", "a past holding ended before today");
            }
        }
        v.require((0..=27).contains(&request.level), "level", "must be 0 (unknown) or a 级别 from 1 to 27");
        v.finish("INVALID_HOLDING", "the holding is not valid").map_err(status)?;
        let (Some(grade), Some(start)) = (grade, start) else {
            return Err(status(ApiError::internal("a checked field is missing")));
        };
        let recorded = Recorded {
            cadre_id,
            grade,
            start,
            end,
            level: request.level,
            note,
            by: caller.principal.subject.clone(),
        };
        let response = self
            .db
            .mutate(ctx, method!("RecordRankHolding"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let known = store::projection::cadre(conn, &recorded.cadre_id)?.is_some();
                if !known || !scope::admits(conn, &caller.scope, &recorded.cadre_id)? {
                    return Err(not_found(&recorded.cadre_id));
                }
                if recorded.level != 0 {
                    let range = store::policy::on(conn, recorded.start)?.ladder.grade_range(recorded.grade);
                    let level = Level::new(u8::try_from(recorded.level).unwrap_or(0));
                    if !range.zip(level).is_some_and(|(range, level)| range.contains(level)) {
                        return Err(ApiError::invalid_argument(
                            "INVALID_HOLDING",
                            "the 级别 is outside the grade's range",
                        )
                        .with_violation(
                            "level",
                            format!(
                                "{} takes 级别 {}",
                                recorded.grade.name_zh(),
                                range.map(|r| r.to_string()).unwrap_or_default()
                            ),
                        ));
                    }
                }
                let (row, current_changed) = holdings::record(conn, &recorded)?;
                if current_changed && row.end_date.is_none() {
                    store::sync::enqueue(conn, &row.cadre_id, &row.id, &row.grade, row.start_date)?;
                }
                eligibility::refresh(conn, &row.cadre_id)?;
                tx.set_object("cadre", &recorded.cadre_id);
                Ok(pb::RecordRankHoldingResponse { holding: Some(view::holding(&row)) })
            })
            .await
            .map_err(status)?;
        self.directory_sync.notify_one();
        Ok(Response::new(response))
    }
}

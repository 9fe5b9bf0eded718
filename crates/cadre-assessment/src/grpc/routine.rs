//! Routine assessments (平时考核): a person's quarter, graded with evidence, the unit's 好 share capped;
//! and their lists. A routine result can change what the person's annual grade may be (the linkage), so
//! recording one computes again the person's undetermined annual assessment.

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock, paging};
use cadre_projection::store as projection;
use cadre_proto::assessment as pb;
use chrono::NaiveDate;
use tonic::{Request, Response, Status};

use super::{AssessmentApi, status, visible};
use crate::{
    convert,
    domain::{RoutineGrade, quota::check_routine_good},
    events,
    store::{
        self,
        routine::{self as routine_store, RoutineRow},
    },
    view::{self, json},
    workflow::participation,
};

/// The longest evidence entry, in characters: a 纪实 line or a document reference.
const MAX_EVIDENCE_CHARS: usize = 500;

/// The first day of a quarter.
fn quarter_start(year: i32, quarter: i32) -> Option<NaiveDate> {
    let month = u32::try_from(quarter.checked_sub(1)? * 3 + 1).ok()?;
    NaiveDate::from_ymd_opt(year, month, 1)
}

impl AssessmentApi {
    pub(super) async fn record_routine_assessment_impl(
        &self,
        request: Request<pb::RecordRoutineAssessmentRequest>,
    ) -> Result<Response<pb::RecordRoutineAssessmentResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let cadre_id = convert::id(&mut violations, "cadre_id", &request.cadre_id);
        let year = convert::year(&mut violations, "year", request.year);
        let quarter_ok = (1..=4).contains(&request.quarter);
        violations.require(quarter_ok, "quarter", "must be 1, 2, 3 or 4");
        if year.is_some()
            && quarter_ok
            && quarter_start(request.year, request.quarter).is_some_and(|start| start > today)
        {
            violations.add("quarter", "has not begun: a quarter is graded once it is under way or over");
        }
        let grade = convert::routine_grade(&mut violations, "grade", request.grade);
        if let Some(score) = request.score {
            violations.require((0..=100).contains(&score), "score", "must be between 0 and 100");
        }
        let evidence =
            convert::texts(&mut violations, "evidence", &request.evidence, MAX_EVIDENCE_CHARS, true);
        let comment =
            convert::text(&mut violations, "comment", &request.comment, convert::MAX_TEXT_CHARS, false);
        convert::finish(violations, "INVALID_ROUTINE_ASSESSMENT", "the routine assessment is not valid")
            .map_err(status)?;
        let Some(grade) = grade else { return Err(status(ApiError::internal("validated grade missing"))) };
        let (year, quarter, score) = (request.year, request.quarter, request.score);
        let response = self
            .db
            .mutate(ctx, method!("RecordRoutineAssessment"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let cadre = projection::cadre(conn, &cadre_id)?
                    .ok_or_else(|| visible::cadre_not_found(&cadre_id))?;
                if !store::cadre_in_scope(conn, &caller.scope, &cadre.id)? {
                    return Err(visible::cadre_not_found(&cadre_id));
                }
                tx.set_object("cadre", &cadre_id);
                if caller.principal.cadre_id.as_deref() == Some(cadre.id.as_str()) {
                    return Err(ApiError::new(
                        tonic::Code::PermissionDenied,
                        "SELF_ASSESSMENT",
                        "nobody grades their own quarter",
                    ));
                }
                if let Some(score) = score {
                    let banded = policy.routine_bands.grade_for(u32::try_from(score).unwrap_or(0));
                    if banded != grade {
                        return Err(ApiError::invalid_argument(
                            "SCORE_OUTSIDE_GRADE",
                            format!("a score of {score} is {}, not {}", banded.name_zh(), grade.name_zh()),
                        )
                        .with_violation("score", format!("falls in the band of {}", banded.code())));
                    }
                }
                let conn = tx.conn();
                let unit = cadre.employing_unit_id.clone();
                let existing = routine_store::of_period(conn, &cadre.id, year, quarter)?;
                if grade == RoutineGrade::Good {
                    let others = routine_store::of_unit_quarter(conn, &unit, year, quarter)?
                        .iter()
                        .filter(|r| r.cadre_id != cadre.id && r.grade == RoutineGrade::Good.code())
                        .count();
                    let participants = projection::headcount(conn, &unit)?;
                    let good = u32::try_from(others + 1).unwrap_or(u32::MAX);
                    if let Err(exceeded) = check_routine_good(good, participants, &policy.quota) {
                        return Err(ApiError::failed_precondition(
                            "ROUTINE_GOOD_CAP_EXCEEDED",
                            format!(
                                "好 would be {} of the unit's {participants} people in {year} Q{quarter}; at most {} allowed",
                                exceeded.proposed, exceeded.limit
                            ),
                        )
                        .with_metadata("limit", exceeded.limit.to_string())
                        .with_metadata("proposed", exceeded.proposed.to_string()));
                    }
                }
                let row = RoutineRow {
                    id: existing.map_or_else(store::new_id, |r| r.id),
                    cadre_id: cadre.id.clone(),
                    cadre_name: cadre.name.clone(),
                    org_unit_id: unit,
                    year,
                    quarter,
                    grade: grade.code().to_owned(),
                    score,
                    evidence: json(&evidence),
                    comment,
                    graded_by: caller.principal.subject.clone(),
                    recorded_at: clock::now(),
                };
                routine_store::upsert(conn, &row)?;
                let routine = view::routine(&row);
                events::routine_recorded(tx, &routine)?;
                participation::refresh_cadre(tx.conn(), &cadre.id, &policy, clock::now())?;
                Ok(pb::RecordRoutineAssessmentResponse { routine_assessment: Some(routine) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_routine_assessments_impl(
        &self,
        request: Request<pb::ListRoutineAssessmentsRequest>,
    ) -> Result<Response<pb::ListRoutineAssessmentsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        convert::year(&mut violations, "year", request.year);
        violations.require(
            (0..=4).contains(&request.quarter),
            "quarter",
            "must be 0 (the whole year) or 1 to 4",
        );
        convert::finish(violations, "INVALID_FILTER", "the list's filter is not valid").map_err(status)?;
        let filters = paging::filter_fingerprint(&[
            &request.cadre_id,
            &request.org_unit_id,
            &request.year.to_string(),
            &request.quarter.to_string(),
        ]);
        let after = paging::decode_token(&request.page_token, &filters).map_err(status)?;
        let after = match after {
            None => None,
            Some(key) => match key.as_slice() {
                [quarter, name, id] => Some((
                    quarter.parse::<i32>().map_err(|_| status(invalid_token()))?,
                    name.clone(),
                    id.clone(),
                )),
                _ => return Err(status(invalid_token())),
            },
        };
        let (page, next) = self
            .db
            .run(move |conn| {
                let mut ids = store::cadre_ids_in_scope(conn, &caller.scope)?;
                if !request.cadre_id.is_empty() {
                    let own = request.cadre_id.clone();
                    ids = Some(match ids {
                        None => vec![own],
                        Some(scoped) => scoped.into_iter().filter(|id| *id == own).collect(),
                    });
                } else if !request.org_unit_id.is_empty() {
                    let subtree = projection::cadre_ids_in_subtree(conn, &request.org_unit_id)?;
                    ids = Some(match ids {
                        None => subtree,
                        Some(scoped) => subtree.into_iter().filter(|id| scoped.contains(id)).collect(),
                    });
                }
                let filter = routine_store::Filter {
                    cadre_ids: ids,
                    year: request.year,
                    quarter: (request.quarter != 0).then_some(request.quarter),
                };
                let rows = routine_store::list(conn, &filter, after, limit + 1)?;
                let (page, next) = paging::finish_page(rows, limit, &filters, |r| {
                    vec![r.quarter.to_string(), r.cadre_name.clone(), r.id.clone()]
                });
                Ok((page.iter().map(view::routine).collect::<Vec<_>>(), next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListRoutineAssessmentsResponse {
            routine_assessments: page,
            next_page_token: next,
        }))
    }
}

fn invalid_token() -> ApiError {
    ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid for this query")
        .with_violation("page_token", "not a token from this query's previous page")
}

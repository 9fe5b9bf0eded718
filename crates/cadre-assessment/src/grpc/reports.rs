//! Reports across a unit subtree: the grade distribution per pool against its quota, the people without a
//! determined result, and one person's history. Each is cut to the caller's scope like the lists.

use std::collections::BTreeMap;

use cadre_platform::{ApiError, DbConn, Violations, auth::Caller, error::require_id, paging};
use cadre_projection::store as projection;
use cadre_proto::assessment as pb;
use tonic::{Request, Response, Status};

use super::{AssessmentApi, status, visible};
use crate::{
    convert,
    domain::{AnnualGrade, Outcome, RoutineGrade},
    store::{self, assessments::AssessmentRow},
    view,
};

/// The pool categories: the people annual assessment counts (village cadres are assessed otherwise).
const POOL_CATEGORIES: &[&str] = &["CIVIL_SERVANT", "REFERENCE_MANAGED", "PUBLIC_INSTITUTION"];

/// The units a report covers: the subtree of `unit_id` (or the caller's whole scope) cut by the scope.
fn units_of(conn: &mut DbConn, caller: &Caller, unit_id: &str) -> Result<Option<Vec<String>>, ApiError> {
    let scoped = store::unit_ids_in_scope(conn, &caller.scope)?;
    if unit_id.is_empty() {
        return Ok(scoped);
    }
    let subtree: Vec<String> =
        projection::units_in_subtree(conn, unit_id)?.into_iter().map(|u| u.id).collect();
    Ok(Some(match scoped {
        None => subtree,
        Some(scoped) => subtree.into_iter().filter(|u| scoped.contains(u)).collect(),
    }))
}

/// The outcome an assessment counts as in the distribution: determined, else proposed (or forced).
fn counted(row: &AssessmentRow) -> Option<Outcome> {
    Outcome::from_code(&row.outcome)
        .or_else(|| Outcome::from_code(&row.forced_outcome))
        .or_else(|| Outcome::from_code(&row.proposed))
        .or_else(|| (!row.takes_part).then_some(Outcome::NotParticipating))
}

impl AssessmentApi {
    pub(super) async fn get_grade_distribution_impl(
        &self,
        request: Request<pb::GetGradeDistributionRequest>,
    ) -> Result<Response<pb::GetGradeDistributionResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        convert::year(&mut violations, "year", request.year);
        convert::finish(violations, "INVALID_FILTER", "the report's filter is not valid").map_err(status)?;
        let pools = self
            .db
            .run(move |conn| {
                let units = units_of(conn, &caller, &request.org_unit_id)?;
                let mut cycles = store::cycles::of_year(conn, request.year, units.as_deref())?;
                cycles.sort_by(|a, b| (&a.org_unit_name, &a.category).cmp(&(&b.org_unit_name, &b.category)));
                let mut pools = Vec::with_capacity(cycles.len());
                for cycle in cycles {
                    let mut pool = pb::PoolDistribution {
                        cycle_id: cycle.id.clone(),
                        org_unit_id: cycle.org_unit_id.clone(),
                        org_unit_name: cycle.org_unit_name.clone(),
                        category: convert::category_to(&cycle.category),
                        state: convert::cycle_state_to(&cycle.state),
                        taking_part: cycle.taking_part,
                        excellent_limit: cycle.excellent_limit,
                        ..Default::default()
                    };
                    for row in store::assessments::of_cycle(conn, &cycle.id)? {
                        let slot = match counted(&row) {
                            Some(Outcome::Graded(AnnualGrade::Excellent)) => &mut pool.excellent,
                            Some(Outcome::Graded(AnnualGrade::Competent)) => &mut pool.competent,
                            Some(Outcome::Graded(AnnualGrade::Basic)) => &mut pool.basically_competent,
                            Some(Outcome::Graded(AnnualGrade::Incompetent)) => &mut pool.incompetent,
                            Some(Outcome::Undetermined) => &mut pool.undetermined,
                            Some(Outcome::Deferred) => &mut pool.deferred,
                            Some(Outcome::NotParticipating) => &mut pool.not_participating,
                            None => continue,
                        };
                        *slot += 1;
                    }
                    pool.over_quota = pool.excellent > pool.excellent_limit;
                    pools.push(pool);
                }
                Ok(pools)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetGradeDistributionResponse { pools }))
    }

    pub(super) async fn list_missing_results_impl(
        &self,
        request: Request<pb::ListMissingResultsRequest>,
    ) -> Result<Response<pb::ListMissingResultsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        convert::year(&mut violations, "year", request.year);
        convert::finish(violations, "INVALID_FILTER", "the report's filter is not valid").map_err(status)?;
        let filters = paging::filter_fingerprint(&[&request.year.to_string(), &request.org_unit_id]);
        let after = paging::decode_token(&request.page_token, &filters).map_err(status)?;
        let (missing, next) = self
            .db
            .run(move |conn| {
                let scoped: Option<std::collections::HashSet<String>> =
                    store::cadre_ids_in_scope(conn, &caller.scope)?.map(|ids| ids.into_iter().collect());
                let people = if request.org_unit_id.is_empty() {
                    projection::active_cadres(conn)?
                } else {
                    projection::cadres_in_subtree(conn, &request.org_unit_id)?
                };
                let people: Vec<_> = people
                    .into_iter()
                    .filter(|c| POOL_CATEGORIES.contains(&c.category.as_str()))
                    .filter(|c| scoped.as_ref().is_none_or(|ids| ids.contains(&c.id)))
                    .collect();
                let ids: Vec<String> = people.iter().map(|c| c.id.clone()).collect();
                let assessed: BTreeMap<String, AssessmentRow> =
                    store::assessments::of_year_for(conn, request.year, &ids)?
                        .into_iter()
                        .map(|a| (a.cadre_id.clone(), a))
                        .collect();
                let mut missing: Vec<pb::MissingResult> = people
                    .into_iter()
                    .filter_map(|cadre| {
                        let (reason, cycle_id) = match assessed.get(&cadre.id) {
                            None => ("NO_CYCLE", String::new()),
                            Some(a) if a.outcome.is_empty() => ("NOT_DETERMINED", a.cycle_id.clone()),
                            Some(a) if a.outcome == Outcome::Deferred.code() => {
                                ("DEFERRED", a.cycle_id.clone())
                            }
                            Some(_) => return None,
                        };
                        Some(pb::MissingResult {
                            cadre_id: cadre.id,
                            cadre_name: cadre.name,
                            org_unit_id: cadre.employing_unit_id,
                            reason: reason.to_owned(),
                            cycle_id,
                        })
                    })
                    .collect();
                missing.sort_by(|a, b| {
                    (&a.org_unit_id, &a.cadre_name, &a.cadre_id).cmp(&(
                        &b.org_unit_id,
                        &b.cadre_name,
                        &b.cadre_id,
                    ))
                });
                let start = match after {
                    Some(key) if key.len() == 3 => missing
                        .iter()
                        .position(|m| {
                            (m.org_unit_id.as_str(), m.cadre_name.as_str(), m.cadre_id.as_str())
                                > (key[0].as_str(), key[1].as_str(), key[2].as_str())
                        })
                        .unwrap_or(missing.len()),
                    Some(_) => {
                        return Err(ApiError::invalid_argument(
                            "INVALID_PAGE_TOKEN",
                            "page_token is not valid for this query",
                        ));
                    }
                    None => 0,
                };
                let rest = missing.split_off(start);
                Ok(paging::finish_page(rest, limit, &filters, |m| {
                    vec![m.org_unit_id.clone(), m.cadre_name.clone(), m.cadre_id.clone()]
                }))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListMissingResultsResponse { missing, next_page_token: next }))
    }

    pub(super) async fn get_assessment_history_impl(
        &self,
        request: Request<pb::GetAssessmentHistoryRequest>,
    ) -> Result<Response<pb::GetAssessmentHistoryResponse>, Status> {
        let ctx = cadre_platform::CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let cadre_id = require_id("cadre_id", &request.get_ref().cadre_id).map_err(status)?;
        let today = self.today();
        // The history carries discipline measures: reading it is recorded in the audit trail.
        let response = self
            .db
            .audited_read(ctx, method!("GetAssessmentHistory"), "cadre", cadre_id.clone(), move |conn| {
                let cadre = projection::cadre(conn, &cadre_id)?;
                if cadre.is_none() || !store::cadre_in_scope(conn, &caller.scope, &cadre_id)? {
                    return Err(visible::cadre_not_found(&cadre_id));
                }
                let mut years: BTreeMap<i32, pb::HistoryYear> = BTreeMap::new();
                for row in store::assessments::of_cadre(conn, &cadre_id)? {
                    let year = years.entry(row.year).or_insert_with(|| empty_year(row.year));
                    year.outcome = convert::outcome_to(&row.outcome);
                    year.assessment_id = row.id;
                }
                for routine in store::routine::of_cadre(conn, &cadre_id)? {
                    let year = years.entry(routine.year).or_insert_with(|| empty_year(routine.year));
                    if let Some(slot) =
                        usize::try_from(routine.quarter - 1).ok().and_then(|q| year.quarters.get_mut(q))
                    {
                        *slot = RoutineGrade::from_code(&routine.grade).map_or(0, RoutineGrade::number);
                    }
                }
                let specials = store::special::of_cadre(conn, &cadre_id)?;
                let mut special_assessments = Vec::with_capacity(specials.len());
                for row in &specials {
                    let tasks = store::special::tasks_of(conn, &row.id)?;
                    special_assessments.push(view::special(row, &tasks, today));
                }
                Ok(pb::GetAssessmentHistoryResponse {
                    cadre_name: cadre.map(|c| c.name).unwrap_or_default(),
                    years: years.into_values().rev().collect(),
                    special_assessments,
                    measures: store::measures::of_cadre(conn, &cadre_id)?.iter().map(view::measure).collect(),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

fn empty_year(year: i32) -> pb::HistoryYear {
    pb::HistoryYear { year, quarters: vec![0; 4], ..Default::default() }
}

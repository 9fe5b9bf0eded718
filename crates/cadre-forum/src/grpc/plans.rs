//! The annual plan: the district's themes and minimums per level, each forum's planned sessions, and the
//! completion of a year rolled up the unit tree.

use std::collections::{HashMap, HashSet};

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock};
use cadre_proto::forum as pb;
use tonic::{Request, Response, Status};

use super::{ForumApi, status, visible};
use crate::{
    convert,
    domain::{
        ForumLevel, ForumStatus,
        plan::{self, ForumFigures},
    },
    store::{
        self, forums as forum_store,
        plans::{self as plan_store, DistrictPlanRow, ForumPlanRow, ThemeRow},
        sessions as session_store,
    },
    view, workflow,
};

fn as_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl ForumApi {
    pub(super) async fn set_district_plan_impl(
        &self,
        request: Request<pb::SetDistrictPlanRequest>,
    ) -> Result<Response<pb::SetDistrictPlanResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let year = convert::year(&mut violations, "year", request.year);
        if request.themes.len() > convert::MAX_THEMES {
            violations.add("themes", format!("at most {} themes", convert::MAX_THEMES));
        }
        let mut ids_seen = HashMap::new();
        let themes: Vec<(String, String, String)> = request
            .themes
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let id = t.id.trim().to_owned();
                if !id.is_empty() {
                    convert::id(&mut violations, &format!("themes[{i}].id"), &id);
                    if let Some(first) = ids_seen.insert(id.clone(), i) {
                        violations.add(format!("themes[{i}].id"), format!("repeats themes[{first}].id"));
                    }
                }
                (
                    id,
                    convert::text(
                        &mut violations,
                        &format!("themes[{i}].title"),
                        &t.title,
                        convert::MAX_SHORT_CHARS,
                        true,
                    ),
                    convert::text(
                        &mut violations,
                        &format!("themes[{i}].description"),
                        &t.description,
                        convert::MAX_TEXT_CHARS,
                        false,
                    ),
                )
            })
            .collect();
        let district =
            convert::number(&mut violations, "district_minimum", request.district_minimum, 0..=366);
        let unit = convert::number(&mut violations, "unit_minimum", request.unit_minimum, 0..=366);
        let village = convert::number(&mut violations, "village_minimum", request.village_minimum, 0..=366);
        convert::finish(violations, "INVALID_PLAN", "the plan is not valid").map_err(status)?;
        let Some(year) = year else { return Err(status(ApiError::internal("validated year missing"))) };
        let response = self
            .db
            .mutate(ctx, method!("SetDistrictPlan"), &request.request_id.clone(), &request, move |tx| {
                let row = DistrictPlanRow {
                    year,
                    district_minimum: district,
                    unit_minimum: unit,
                    village_minimum: village,
                    set_by: caller.principal.subject.clone(),
                    updated_at: clock::now(),
                };
                // Themes keep their ids, which sessions refer to: one given with an id updates that theme
                // of the year; one without is new; one left out is dropped, unless a session refers to it.
                let conn = tx.conn();
                let existing: HashSet<String> =
                    plan_store::themes(conn, year)?.into_iter().map(|t| t.id).collect();
                let mut theme_rows = Vec::with_capacity(themes.len());
                for (i, (id, title, description)) in themes.into_iter().enumerate() {
                    if !id.is_empty() && !existing.contains(&id) {
                        return Err(visible::refused(
                            "THEME_NOT_IN_PLAN",
                            format!("{id} is not a theme of {year}"),
                        )
                        .with_violation(
                            format!("themes[{i}].id"),
                            format!("not one of the themes of {year}"),
                        ));
                    }
                    theme_rows.push(ThemeRow {
                        id: if id.is_empty() { store::new_id() } else { id },
                        year,
                        idx: i32::try_from(i).unwrap_or(i32::MAX),
                        title,
                        description,
                    });
                }
                let kept: HashSet<&str> = theme_rows.iter().map(|t| t.id.as_str()).collect();
                let dropped: Vec<String> =
                    existing.iter().filter(|id| !kept.contains(id.as_str())).cloned().collect();
                let in_use = session_store::themes_in_use(conn, &dropped)?;
                if let Some(first) = in_use.first() {
                    return Err(visible::refused(
                        "THEME_IN_USE",
                        format!("theme {first} of {year} is the theme of sessions: keep it (by its id)"),
                    )
                    .with_metadata("theme_ids", in_use.join(",")));
                }
                plan_store::set_district(conn, &row, &theme_rows)?;
                tx.set_object("district_plan", &year.to_string());
                let minimums = workflow::minimums(tx.conn(), year)?;
                Ok(pb::SetDistrictPlanResponse {
                    plan: Some(view::district_plan(year, Some(&row), &theme_rows, minimums)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_district_plan_impl(
        &self,
        request: Request<pb::GetDistrictPlanRequest>,
    ) -> Result<Response<pb::GetDistrictPlanResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::default();
        convert::year(&mut violations, "year", request.year);
        convert::finish(violations, "INVALID_REQUEST", "the year is not valid").map_err(status)?;
        let year = request.year;
        let plan = self
            .db
            .run(move |conn| {
                let minimums = workflow::minimums(conn, year)?;
                Ok(match plan_store::district(conn, year)? {
                    Some((row, themes)) => view::district_plan(year, Some(&row), &themes, minimums),
                    None => view::district_plan(year, None, &[], minimums),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetDistrictPlanResponse { plan: Some(plan) }))
    }

    pub(super) async fn plan_forum_year_impl(
        &self,
        request: Request<pb::PlanForumYearRequest>,
    ) -> Result<Response<pb::PlanForumYearResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let forum_id = convert::id(&mut violations, "forum_id", &request.forum_id);
        let year = convert::year(&mut violations, "year", request.year);
        let planned = convert::number(&mut violations, "planned_sessions", request.planned_sessions, 0..=366);
        convert::finish(violations, "INVALID_PLAN", "the plan is not valid").map_err(status)?;
        let Some(year) = year else { return Err(status(ApiError::internal("validated year missing"))) };
        let response = self
            .db
            .mutate(ctx, method!("PlanForumYear"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let forum = visible::forum_to_act_on(conn, &caller, &forum_id)?;
                if forum.status == ForumStatus::Closed.code() {
                    return Err(visible::refused("FORUM_CLOSED", format!("forum {} is closed", forum.id)));
                }
                let level = ForumLevel::from_code(&forum.level).ok_or_else(|| {
                    ApiError::internal(format!("forum {} has level {:?}", forum.id, forum.level))
                })?;
                let minimum = workflow::minimums(conn, year)?.of(level);
                let row = ForumPlanRow {
                    forum_id: forum.id.clone(),
                    year,
                    planned_sessions: planned,
                    planned_by: caller.principal.subject.clone(),
                    updated_at: clock::now(),
                };
                plan_store::set_forum(conn, &row)?;
                tx.set_object("forum_plan", &format!("{}/{year}", forum.id));
                let planned = u32::try_from(planned).unwrap_or(0);
                Ok(pb::PlanForumYearResponse {
                    plan: Some(pb::ForumPlan {
                        forum_id: forum.id,
                        year,
                        planned_sessions: as_i32(planned),
                        minimum_sessions: as_i32(minimum),
                        short: plan::is_short(planned, minimum),
                    }),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_plan_completion_impl(
        &self,
        request: Request<pb::GetPlanCompletionRequest>,
    ) -> Result<Response<pb::GetPlanCompletionResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let year = convert::year(&mut violations, "year", request.year);
        convert::finish(violations, "INVALID_REQUEST", "the report's filter is not valid").map_err(status)?;
        let Some(year) = year else { return Err(status(ApiError::internal("validated year missing"))) };
        let response = self
            .db
            .run(move |conn| {
                let requested = request.org_unit_id.trim().to_owned();
                let top = if !requested.is_empty() {
                    requested
                } else if caller.scope.is_district() {
                    store::root_unit(conn)?.map(|u| u.id).unwrap_or_default()
                } else {
                    caller.principal.scope_unit_id().unwrap_or_default().to_owned()
                };
                if top.is_empty() || !store::unit_in_scope(conn, &caller.scope, &top)? {
                    return Err(visible::unit_not_found(&top));
                }
                let units = cadre_projection::store::units_in_subtree(conn, &top)?;
                if units.is_empty() {
                    return Err(visible::unit_not_found(&top));
                }
                let unit_ids: Vec<String> = units.iter().map(|u| u.id.clone()).collect();
                let minimums = workflow::minimums(conn, year)?;
                let (from, until) = store::year_range(year);
                let held: HashMap<String, i64> =
                    session_store::held_per_forum(conn, from, until)?.into_iter().collect();
                let planned: HashMap<String, i32> =
                    plan_store::forum_plans_of_year(conn, year)?.into_iter().collect();
                let figures: Vec<ForumFigures> = forum_store::of_units(conn, Some(&unit_ids))?
                    .into_iter()
                    .filter(|f| {
                        f.status == ForumStatus::Active.code() || f.status == ForumStatus::Suspended.code()
                    })
                    .filter_map(|f| {
                        let level = ForumLevel::from_code(&f.level)?;
                        let plan = planned.get(&f.id).map(|p| u32::try_from(*p).unwrap_or(0));
                        let held = u32::try_from(held.get(&f.id).copied().unwrap_or(0)).unwrap_or(u32::MAX);
                        Some(ForumFigures::new(&f.owner_unit_id, plan, minimums.of(level), held))
                    })
                    .collect();
                let parents: HashMap<String, String> = units
                    .iter()
                    .map(|u| (u.id.clone(), if u.id == top { String::new() } else { u.parent_id.clone() }))
                    .collect();
                let totals = plan::roll_up(&parents, &figures);
                let completion = |unit: &cadre_projection::UnitView| {
                    let t = totals.get(&unit.id).copied().unwrap_or_default();
                    pb::PlanCompletion {
                        org_unit_id: unit.id.clone(),
                        org_unit_name: unit.name.clone(),
                        forums: as_i32(t.forums),
                        planned_sessions: as_i32(t.planned),
                        minimum_sessions: as_i32(t.minimum),
                        held_sessions: as_i32(t.held),
                        planned_completion_bp: as_i32(t.planned_completion_bp()),
                        minimum_completion_bp: as_i32(t.minimum_completion_bp()),
                        short_plans: as_i32(t.short_plans),
                    }
                };
                let total = units.iter().find(|u| u.id == top).map(completion);
                let rows = units.iter().filter(|u| totals.contains_key(&u.id)).map(completion).collect();
                Ok(pb::GetPlanCompletionResponse { total, units: rows })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

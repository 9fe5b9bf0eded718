//! Annual cycles: open a pool's year and enrol its people, read and list cycles, publicise the 优秀
//! candidates, determine the grades (and give each person the written result), close.

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock, paging};
use cadre_projection::store as projection;
use cadre_proto::assessment as pb;
use chrono::{Datelike, Days};
use tonic::{Request, Response, Status};

use super::{AssessmentApi, status, visible};
use crate::{
    convert,
    domain::{
        cycle::{Command, DeterminedBy, Effect, ParticipantState},
        quota::ExcellentApproval,
        review::NoRestDays,
    },
    store::{self, cycles as cycle_store},
    view,
    workflow::{
        calendar::{KnownDays, publicity_last_day},
        open,
        pool::recourse_open_until,
        results,
    },
};

/// Who the written determination names, from the body the caller gave: the 考核委员会 when it says so,
/// else the 机关负责人 (局长办公会, 党组会 and the like are the head's meetings).
fn determined_by(body: &str) -> DeterminedBy {
    if body.contains("委员会") || body.to_lowercase().contains("committee") {
        DeterminedBy::Committee
    } else {
        DeterminedBy::UnitHead
    }
}

/// The body that approves a raised 优秀 cap (考核规定: the 公务员主管部门 at the same level).
const APPROVING_BODY: &str = "同级公务员主管部门";

impl AssessmentApi {
    pub(super) async fn open_annual_cycle_impl(
        &self,
        request: Request<pb::OpenAnnualCycleRequest>,
    ) -> Result<Response<pb::OpenAnnualCycleResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let unit_id = convert::id(&mut violations, "org_unit_id", &request.org_unit_id);
        let category = convert::category(&mut violations, "category", request.category);
        let year = convert::year(&mut violations, "year", request.year);
        if year.is_some_and(|y| y.year() > today.year()) {
            violations.add("year", "is after the current year: a year is assessed at its end");
        }
        convert::finish(violations, "INVALID_CYCLE", "the cycle to open is not valid").map_err(status)?;
        let (Some(category), Some(year)) = (category, year) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("OpenAnnualCycle"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let unit =
                    projection::unit(conn, &unit_id)?.ok_or_else(|| visible::unit_not_found(&unit_id))?;
                if !store::unit_in_scope(conn, &caller.scope, &unit.id)? {
                    return Err(visible::unit_not_found(&unit_id));
                }
                if let Some(existing) = cycle_store::of_pool(conn, &unit.id, &category, year.year())? {
                    return Err(ApiError::already_exists(
                        "CYCLE_EXISTS",
                        format!("the pool's {} cycle is already open", year.year()),
                    )
                    .with_metadata("cycle_id", existing.id));
                }
                let now = clock::now();
                let mut pool = open::open_pool(conn, &unit, &category, year, &policy, now)?;
                pool.save(tx.conn(), &policy, now)?;
                tx.set_object("annual_cycle", &pool.row.id);
                Ok(pb::OpenAnnualCycleResponse { cycle: Some(view::cycle(&pool.row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_annual_cycle_impl(
        &self,
        request: Request<pb::GetAnnualCycleRequest>,
    ) -> Result<Response<pb::GetAnnualCycleResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id =
            cadre_platform::error::require_id("cycle_id", &request.get_ref().cycle_id).map_err(status)?;
        let row = self.db.run(move |conn| visible::cycle(conn, &caller, &id)).await.map_err(status)?;
        Ok(Response::new(pb::GetAnnualCycleResponse { cycle: Some(view::cycle(&row)) }))
    }

    pub(super) async fn list_annual_cycles_impl(
        &self,
        request: Request<pb::ListAnnualCyclesRequest>,
    ) -> Result<Response<pb::ListAnnualCyclesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        if request.year != 0 {
            convert::year(&mut violations, "year", request.year);
        }
        let state = match pb::CycleState::try_from(request.state) {
            Ok(pb::CycleState::Unspecified) => None,
            Ok(state) => convert::code_of(Some(state.as_str_name()), "CYCLE_STATE_"),
            Err(_) => {
                violations.add("state", "is not a cycle state");
                None
            }
        };
        convert::finish(violations, "INVALID_FILTER", "the list's filter is not valid").map_err(status)?;
        let filters = paging::filter_fingerprint(&[
            &request.year.to_string(),
            &request.org_unit_id,
            state.as_deref().unwrap_or(""),
        ]);
        let after = paging::decode_token(&request.page_token, &filters).map_err(status)?;
        let after = match after {
            None => None,
            Some(key) => match key.as_slice() {
                [year, unit, category] => Some((
                    year.parse::<i32>().map_err(|_| status(invalid_token()))?,
                    unit.clone(),
                    category.clone(),
                )),
                _ => return Err(status(invalid_token())),
            },
        };
        let (cycles, next) = self
            .db
            .run(move |conn| {
                let mut units = store::unit_ids_in_scope(conn, &caller.scope)?;
                let subtree: Option<Vec<String>> = if request.org_unit_id.is_empty() {
                    None
                } else {
                    Some(
                        projection::units_in_subtree(conn, &request.org_unit_id)?
                            .into_iter()
                            .map(|u| u.id)
                            .collect(),
                    )
                };
                if let Some(subtree) = &subtree {
                    units = Some(match units {
                        None => subtree.clone(),
                        Some(scoped) => subtree.iter().filter(|u| scoped.contains(u)).cloned().collect(),
                    });
                }
                // A cadre sees the cycles they are assessed in, whatever their scope's units, but only
                // within the subtree asked for.
                let own = match caller.scope.own_cadre() {
                    Some(own) => store::assessments::of_cadre(conn, own)?
                        .into_iter()
                        .filter(|a| subtree.as_ref().is_none_or(|units| units.contains(&a.org_unit_id)))
                        .map(|a| a.cycle_id)
                        .collect(),
                    None => Vec::new(),
                };
                let filter = cycle_store::Filter {
                    year: (request.year != 0).then_some(request.year),
                    unit_ids: units,
                    state,
                    or_cycle_ids: own,
                };
                let rows = cycle_store::list(conn, &filter, after, limit + 1)?;
                let (page, next) = paging::finish_page(rows, limit, &filters, |r| {
                    vec![r.year.to_string(), r.org_unit_id.clone(), r.category.clone()]
                });
                Ok((page.iter().map(view::cycle).collect::<Vec<_>>(), next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListAnnualCyclesResponse { cycles, next_page_token: next }))
    }

    pub(super) async fn start_publicity_impl(
        &self,
        request: Request<pb::StartPublicityRequest>,
    ) -> Result<Response<pb::StartPublicityResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let cycle_id = convert::id(&mut violations, "cycle_id", &request.cycle_id);
        let approval = convert::text(
            &mut violations,
            "raised_quota_approval",
            &request.raised_quota_approval,
            convert::MAX_SHORT_CHARS,
            false,
        );
        convert::finish(violations, "INVALID_PUBLICITY", "the publicity request is not valid")
            .map_err(status)?;
        let policy = self.db.run(move |conn| store::policy::on(conn, today)).await.map_err(status)?;
        let last_day =
            publicity_last_day(&self.calendar, today, policy.publicity_working_days).await.map_err(status)?;
        let starts_on = today.checked_add_days(Days::new(1)).unwrap_or(today);
        let response = self
            .db
            .mutate(ctx, method!("StartPublicity"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let mut pool = visible::pool(conn, &caller, &cycle_id)?;
                tx.set_object("annual_cycle", &cycle_id);
                if !approval.is_empty() {
                    let approval = ExcellentApproval {
                        approved_by: APPROVING_BODY.to_owned(),
                        reference: approval,
                        approved_on: today,
                    };
                    pool.apply(Command::RecordApproval { approval }, &policy, &NoRestDays)?;
                }
                // The working days were counted by the calendar itself: every day up to its answer counts.
                pool.apply(
                    Command::StartPublicity { starts_on, ends_on: last_day },
                    &policy,
                    &KnownDays::default(),
                )?;
                pool.save(tx.conn(), &policy, clock::now())?;
                let candidates = pool
                    .cycle
                    .participants
                    .iter()
                    .filter(|p| p.candidate)
                    .filter_map(|p| pool.row_of(&p.cadre_id).ok())
                    .map(|row| view::assessment(row, today))
                    .collect();
                Ok(pb::StartPublicityResponse { cycle: Some(view::cycle(&pool.row)), candidates })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn determine_grades_impl(
        &self,
        request: Request<pb::DetermineGradesRequest>,
    ) -> Result<Response<pb::DetermineGradesResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let cycle_id = convert::id(&mut violations, "cycle_id", &request.cycle_id);
        let body = convert::text(
            &mut violations,
            "determined_by",
            &request.determined_by,
            convert::MAX_SHORT_CHARS,
            true,
        );
        convert::finish(violations, "INVALID_DETERMINATION", "the determination is not valid")
            .map_err(status)?;
        let policy = self.db.run(move |conn| store::policy::on(conn, today)).await.map_err(status)?;
        let known = KnownDays::for_deadlines(&self.calendar, &policy, today).await.map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("DetermineGrades"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let mut pool = visible::pool(conn, &caller, &cycle_id)?;
                tx.set_object("annual_cycle", &cycle_id);
                let command = Command::Determine {
                    on: today,
                    by: determined_by(&body),
                    recorded_by: caller.principal.subject.clone(),
                };
                let effects = pool.apply(command, &policy, &known)?;
                // The written result goes to each person the same day.
                for effect in &effects {
                    if let Effect::Determined { cadre_id, .. } = effect {
                        let notify = Command::Notify { cadre_id: cadre_id.clone(), on: today };
                        pool.apply(notify, &policy, &known)?;
                    }
                }
                pool.row.determined_by = body;
                pool.sync(&policy);
                // Everyone determined, and everyone the determination found not taking part, is published;
                // a deferred grade waits for its 补定.
                let published: Vec<String> = pool
                    .cycle
                    .participants
                    .iter()
                    .filter(|p| matches!(p.state, ParticipantState::Notified | ParticipantState::Excluded))
                    .map(|p| p.cadre_id.clone())
                    .collect();
                for cadre_id in published {
                    let row = pool.row_mut(&cadre_id)?;
                    results::publish(tx, row, &policy, today)?;
                }
                pool.save(tx.conn(), &policy, clock::now())?;
                Ok(pb::DetermineGradesResponse { cycle: Some(view::cycle(&pool.row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn close_annual_cycle_impl(
        &self,
        request: Request<pb::CloseAnnualCycleRequest>,
    ) -> Result<Response<pb::CloseAnnualCycleResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let cycle_id = cadre_platform::error::require_id("cycle_id", &request.cycle_id).map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("CloseAnnualCycle"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let mut pool = visible::pool(conn, &caller, &cycle_id)?;
                tx.set_object("annual_cycle", &cycle_id);
                // The rules close a cycle once every result is delivered; the service also waits for each
                // result to be signed or for its recourse period to end, and for every review to be decided.
                for p in &pool.cycle.participants {
                    if matches!(
                        p.state,
                        ParticipantState::ReviewRequested | ParticipantState::AppealRequested
                    ) {
                        return Err(ApiError::failed_precondition(
                            "REVIEW_PENDING",
                            format!("a 复核 or 申诉 of {} is not decided", p.cadre_id),
                        )
                        .with_metadata("cadre_id", p.cadre_id.clone()));
                    }
                    let delivered =
                        matches!(p.state, ParticipantState::Notified | ParticipantState::ReviewDecided);
                    if delivered && p.signature.is_none() {
                        let period_end = recourse_open_until(p).or_else(|| {
                            p.notified_on.and_then(|on| {
                                on.checked_add_days(Days::new(policy.recourse.review_days.into()))
                            })
                        });
                        if period_end.is_none_or(|end| today <= end) {
                            return Err(ApiError::failed_precondition(
                                "RESULT_NOT_ACKNOWLEDGED",
                                format!(
                                    "{}'s result is neither signed nor past its review period (until {})",
                                    p.cadre_id,
                                    period_end.map(|d| d.to_string()).unwrap_or_default()
                                ),
                            )
                            .with_metadata("cadre_id", p.cadre_id.clone()));
                        }
                    }
                }
                pool.apply(Command::Close { on: today }, &policy, &NoRestDays)?;
                pool.save(tx.conn(), &policy, clock::now())?;
                Ok(pb::CloseAnnualCycleResponse { cycle: Some(view::cycle(&pool.row)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

fn invalid_token() -> ApiError {
    ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid for this query")
        .with_violation("page_token", "not a token from this query's previous page")
}

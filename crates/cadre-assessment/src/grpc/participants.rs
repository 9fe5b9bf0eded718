//! One person's annual assessment: read and list, correct the participation facts, the self-summary, the
//! leader's proposal, and the late grade of a deferred person (补定).

use cadre_platform::{
    ApiError, CallContext, Violations,
    auth::{Caller, Role},
    clock, paging,
};
use cadre_proto::assessment as pb;
use chrono::NaiveDate;
use tonic::{Request, Response, Status};

use super::{AssessmentApi, status, visible};
use crate::{
    convert,
    domain::{
        Outcome,
        cycle::{Command, Constraints, CycleState, ParticipantState, Proposal},
        review::NoRestDays,
    },
    store::{self, assessments as assessment_store},
    view,
    workflow::{calendar::KnownDays, participation, pool::Pool, refused, results},
};

/// Who sees who raised an objection: the record is kept for the org department only.
const SEES_OBJECTORS: &[Role] = &[Role::OrgOfficer];

/// A refusal of `outcome` by the constraints, with every reason behind the limit in the message, so the
/// leader sees why (the special case, or the routine results and the linkage rule).
fn explain(constraints: &Constraints, outcome: Outcome) -> Result<(), ApiError> {
    let Err(refusal) = constraints.check(outcome) else { return Ok(()) };
    let why: Vec<String> = match refusal.reason() {
        "LINKAGE_FORBIDS_GRADE" => constraints.linkage.findings.iter().map(|f| f.text.clone()).collect(),
        _ => constraints.participation.reasons.iter().map(|r| r.text.clone()).collect(),
    };
    let error = refused(refusal);
    if why.is_empty() {
        return Err(error);
    }
    let message = format!("{}: {}", error.message(), why.join("; "));
    let mut explained = ApiError::failed_precondition(error.reason().to_owned(), message);
    for (i, reason) in why.into_iter().enumerate() {
        explained = explained.with_metadata(format!("why_{i}"), reason);
    }
    Err(explained)
}

/// Brings a deferred participant back once the investigation closed (the first step of 补定); refuses
/// while it is open.
fn supplement(
    conn: &mut cadre_platform::DbConn,
    pool: &mut Pool,
    cadre_id: &str,
    policy: &crate::domain::AssessmentPolicy,
    today: NaiveDate,
) -> Result<(), ApiError> {
    let constraints =
        participation::supplemented(conn, pool.row_of(cadre_id)?, policy, today)?.ok_or_else(|| {
            ApiError::failed_precondition(
                "INVESTIGATION_OPEN",
                "the investigation that defers this grade has not closed: record its last day first",
            )
        })?;
    pool.apply(Command::Supplement { cadre_id: cadre_id.to_owned(), constraints }, policy, &NoRestDays)?;
    Ok(())
}

impl AssessmentApi {
    pub(super) async fn list_annual_assessments_impl(
        &self,
        request: Request<pb::ListAnnualAssessmentsRequest>,
    ) -> Result<Response<pb::ListAnnualAssessmentsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let (by_cycle, by_cadre) = (request.cycle_id.trim().to_owned(), request.cadre_id.trim().to_owned());
        if by_cycle.is_empty() == by_cadre.is_empty() {
            return Err(status(
                ApiError::invalid_argument("FILTER_REQUIRED", "name either a cycle or a person")
                    .with_violation("cycle_id", "set exactly one of cycle_id and cadre_id")
                    .with_violation("cadre_id", "set exactly one of cycle_id and cadre_id"),
            ));
        }
        let filters = paging::filter_fingerprint(&[&by_cycle, &by_cadre]);
        let after = paging::decode_token(&request.page_token, &filters).map_err(status)?;
        let (assessments, next) = self
            .db
            .run(move |conn| {
                if !by_cycle.is_empty() {
                    let cycle = visible::cycle(conn, &caller, &by_cycle)?;
                    // One outside the cycle's unit (a cadre of the pool) sees only the people in their scope.
                    let whole = store::unit_in_scope(conn, &caller.scope, &cycle.org_unit_id)?;
                    let mut rows = Vec::new();
                    for row in assessment_store::of_cycle(conn, &by_cycle)? {
                        if whole || store::cadre_in_scope(conn, &caller.scope, &row.cadre_id)? {
                            rows.push(row);
                        }
                    }
                    // Byte order here, whatever the database's collation, so that the token's position agrees.
                    rows.sort_by(|a, b| (&a.cadre_name, &a.id).cmp(&(&b.cadre_name, &b.id)));
                    let start = match after {
                        Some(key) if key.len() == 2 => rows
                            .iter()
                            .position(|r| {
                                (r.cadre_name.as_str(), r.id.as_str()) > (key[0].as_str(), key[1].as_str())
                            })
                            .unwrap_or(rows.len()),
                        Some(_) => return Err(invalid_token()),
                        None => 0,
                    };
                    let rest = rows.split_off(start);
                    let (page, next) = paging::finish_page(rest, limit, &filters, |r| {
                        vec![r.cadre_name.clone(), r.id.clone()]
                    });
                    return Ok((page.iter().map(|r| view::assessment(r, today)).collect::<Vec<_>>(), next));
                }
                let rows = assessment_store::of_cadre(conn, &by_cadre)?;
                let mut visible_rows = Vec::new();
                for row in rows {
                    if visible::assessment_visible(conn, &caller, &row)? {
                        visible_rows.push(row);
                    }
                }
                let start = match after {
                    Some(key) if key.len() == 1 => {
                        let year: i32 = key[0].parse().map_err(|_| invalid_token())?;
                        visible_rows.iter().position(|r| r.year < year).unwrap_or(visible_rows.len())
                    }
                    Some(_) => return Err(invalid_token()),
                    None => 0,
                };
                let rest = visible_rows.split_off(start.min(visible_rows.len()));
                let (page, next) = paging::finish_page(rest, limit, &filters, |r| vec![r.year.to_string()]);
                Ok((page.iter().map(|r| view::assessment(r, today)).collect(), next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListAnnualAssessmentsResponse { assessments, next_page_token: next }))
    }

    pub(super) async fn get_annual_assessment_impl(
        &self,
        request: Request<pb::GetAnnualAssessmentRequest>,
    ) -> Result<Response<pb::GetAnnualAssessmentResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = cadre_platform::error::require_id("assessment_id", &request.get_ref().assessment_id)
            .map_err(status)?;
        let today = self.today();
        let response = self
            .db
            .run(move |conn| {
                let row = visible::assessment(conn, &caller, &id)?;
                let shows_objectors = visible::holds(&caller, SEES_OBJECTORS);
                let objections = assessment_store::objections_of(conn, &row.id)?
                    .iter()
                    .map(|o| {
                        let mut objection = view::objection(o);
                        if !shows_objectors {
                            objection.raised_by.clear();
                        }
                        objection
                    })
                    .collect();
                let reviews =
                    store::reviews::of_assessment(conn, &row.id)?.iter().map(view::review).collect();
                Ok(pb::GetAnnualAssessmentResponse {
                    assessment: Some(view::assessment(&row, today)),
                    objections,
                    reviews,
                    consequences: view::consequence_messages(&row),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn update_participation_impl(
        &self,
        request: Request<pb::UpdateParticipationRequest>,
    ) -> Result<Response<pb::UpdateParticipationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = convert::id(&mut violations, "assessment_id", &request.assessment_id);
        let probation = convert::optional_date(
            &mut violations,
            "probation_last_day",
            request.probation_last_day.as_ref(),
        );
        violations.require(
            (0..=366).contains(&request.absence_days),
            "absence_days",
            "must be between 0 and 366 days",
        );
        let note = convert::text(&mut violations, "note", &request.note, convert::MAX_TEXT_CHARS, true);
        convert::finish(violations, "INVALID_PARTICIPATION", "the participation facts are not valid")
            .map_err(status)?;
        let (absence, refused_to_take_part, expected) =
            (request.absence_days, request.refused_without_reason, request.expected_version);
        let response = self
            .db
            .mutate(ctx, method!("UpdateParticipation"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let row = visible::assessment(conn, &caller, &id)?;
                tx.set_object("annual_assessment", &id);
                visible::check_version(&row, expected)?;
                let conn = tx.conn();
                let mut pool = Pool::require(conn, &row.cycle_id)?;
                let participant = pool.participant(&row.cadre_id)?;
                let correctable = matches!(pool.cycle.state, CycleState::Open | CycleState::Publicity)
                    && (participant.state.is_before_determination()
                        || participant.state == ParticipantState::Excluded);
                if !correctable {
                    return Err(ApiError::failed_precondition(
                        "STEP_OUT_OF_ORDER",
                        "participation facts are corrected only before the grades are determined",
                    ));
                }
                let target = pool.row_mut(&row.cadre_id)?;
                if probation.is_some() {
                    target.probation_last_day = probation;
                }
                target.absence_days = absence;
                target.refused_without_reason = refused_to_take_part;
                target.participation_note = note;
                participation::refresh(conn, &mut pool, &row.cadre_id, &policy)?;
                pool.save(conn, &policy, clock::now())?;
                let row = pool.row_of(&row.cadre_id)?;
                Ok(pb::UpdateParticipationResponse { assessment: Some(view::assessment(row, today)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn submit_self_summary_impl(
        &self,
        request: Request<pb::SubmitSelfSummaryRequest>,
    ) -> Result<Response<pb::SubmitSelfSummaryResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = convert::id(&mut violations, "assessment_id", &request.assessment_id);
        let summary =
            convert::text(&mut violations, "summary", &request.summary, convert::MAX_SUMMARY_CHARS, true);
        convert::finish(violations, "INVALID_SUMMARY", "the self-summary is not valid").map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("SubmitSelfSummary"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let (mut pool, cadre_id) = visible::pool_of(conn, &caller, &id)?;
                tx.set_object("annual_assessment", &id);
                let conn = tx.conn();
                // A deferred person writes theirs once the investigation closed, for the 补定.
                if pool.participant(&cadre_id)?.state == ParticipantState::AwaitingSupplement {
                    supplement(conn, &mut pool, &cadre_id, &policy, today)?;
                }
                pool.apply(
                    Command::SubmitSummary { cadre_id: cadre_id.clone(), on: today },
                    &policy,
                    &NoRestDays,
                )?;
                pool.row_mut(&cadre_id)?.self_summary = summary;
                pool.save(conn, &policy, clock::now())?;
                Ok(pb::SubmitSelfSummaryResponse {
                    assessment: Some(view::assessment(pool.row_of(&cadre_id)?, today)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn propose_grade_impl(
        &self,
        request: Request<pb::ProposeGradeRequest>,
    ) -> Result<Response<pb::ProposeGradeResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = convert::id(&mut violations, "assessment_id", &request.assessment_id);
        // One of the four grades, or, for a person the special cases force an outcome on, that outcome
        // (its 评语 is still written): the rules check which.
        let outcome = convert::outcome(&mut violations, "grade", request.grade);
        let comment =
            convert::text(&mut violations, "comment", &request.comment, convert::MAX_TEXT_CHARS, true);
        let improvement = convert::text(
            &mut violations,
            "improvement",
            &request.improvement,
            convert::MAX_TEXT_CHARS,
            false,
        );
        convert::finish(violations, "INVALID_PROPOSAL", "the proposal is not valid").map_err(status)?;
        let Some(outcome) = outcome else {
            return Err(status(ApiError::internal("validated grade missing")));
        };
        let expected = request.expected_version;
        let response = self
            .db
            .mutate(ctx, method!("ProposeGrade"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let row = visible::assessment(conn, &caller, &id)?;
                tx.set_object("annual_assessment", &id);
                visible::check_version(&row, expected)?;
                let conn = tx.conn();
                let mut pool = Pool::require(conn, &row.cycle_id)?;
                let cadre_id = row.cadre_id.clone();
                participation::refresh(conn, &mut pool, &cadre_id, &policy)?;
                explain(&pool.participant(&cadre_id)?.constraints, outcome)?;
                let proposal = Proposal {
                    outcome,
                    comment,
                    improvement,
                    proposed_by: visible::actor(&caller),
                    proposed_on: today,
                };
                pool.apply(Command::Propose { cadre_id: cadre_id.clone(), proposal }, &policy, &NoRestDays)?;
                pool.sync(&policy);
                pool.row_mut(&cadre_id)?.proposed_by.clone_from(&caller.principal.subject);
                pool.save(conn, &policy, clock::now())?;
                Ok(pb::ProposeGradeResponse {
                    assessment: Some(view::assessment(pool.row_of(&cadre_id)?, today)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn complete_deferred_assessment_impl(
        &self,
        request: Request<pb::CompleteDeferredAssessmentRequest>,
    ) -> Result<Response<pb::CompleteDeferredAssessmentResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = convert::id(&mut violations, "assessment_id", &request.assessment_id);
        let outcome = convert::outcome(&mut violations, "grade", request.grade);
        let comment =
            convert::text(&mut violations, "comment", &request.comment, convert::MAX_TEXT_CHARS, true);
        convert::finish(violations, "INVALID_SUPPLEMENT", "the late grade is not valid").map_err(status)?;
        let Some(outcome) = outcome else {
            return Err(status(ApiError::internal("validated grade missing")));
        };
        let policy = self.db.run(move |conn| store::policy::on(conn, today)).await.map_err(status)?;
        let known = KnownDays::for_deadlines(&self.calendar, &policy, today).await.map_err(status)?;
        let response = self
            .db
            .mutate(
                ctx,
                method!("CompleteDeferredAssessment"),
                &request.request_id.clone(),
                &request,
                move |tx| {
                    let conn = tx.conn();
                    let policy = store::policy::on(conn, today)?;
                    let (mut pool, cadre_id) = visible::pool_of(conn, &caller, &id)?;
                    tx.set_object("annual_assessment", &id);
                    let conn = tx.conn();
                    let participant = pool.participant(&cadre_id)?;
                    match participant.state {
                        ParticipantState::AwaitingSupplement => {
                            supplement(conn, &mut pool, &cadre_id, &policy, today)?
                        }
                        _ if participant.late && participant.state.is_before_determination() => {}
                        _ => {
                            return Err(ApiError::failed_precondition(
                                "NOT_DEFERRED",
                                "only a grade deferred by an investigation is added late (补定)",
                            ));
                        }
                    }
                    explain(&pool.participant(&cadre_id)?.constraints, outcome)?;
                    let proposal = Proposal {
                        outcome,
                        comment,
                        improvement: String::new(),
                        proposed_by: visible::actor(&caller),
                        proposed_on: today,
                    };
                    pool.apply(Command::Propose { cadre_id: cadre_id.clone(), proposal }, &policy, &known)?;
                    let by = pool
                        .cycle
                        .determination
                        .as_ref()
                        .map_or(crate::domain::cycle::DeterminedBy::UnitHead, |d| d.by);
                    let late = Command::DetermineLate {
                        cadre_id: cadre_id.clone(),
                        on: today,
                        by,
                        recorded_by: caller.principal.subject.clone(),
                        publicised_until: None,
                    };
                    pool.apply(late, &policy, &known)?;
                    pool.apply(Command::Notify { cadre_id: cadre_id.clone(), on: today }, &policy, &known)?;
                    pool.sync(&policy);
                    let row = pool.row_mut(&cadre_id)?;
                    row.proposed_by.clone_from(&caller.principal.subject);
                    results::publish(tx, row, &policy, today)?;
                    pool.save(tx.conn(), &policy, clock::now())?;
                    let year = pool.row.year;
                    results::republish_following(tx, &cadre_id, year, &policy)?;
                    Ok(pb::CompleteDeferredAssessmentResponse {
                        assessment: Some(view::assessment(pool.row_of(&cadre_id)?, today)),
                    })
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

fn invalid_token() -> ApiError {
    ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid for this query")
        .with_violation("page_token", "not a token from this query's previous page")
}

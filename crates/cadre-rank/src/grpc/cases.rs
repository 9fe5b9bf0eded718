//! Promotion and demotion cases: 工作方案 → 民主推荐/测评 → 考察 (attestations and the discipline-inspection
//! opinion) → 公示 of at least five working days, with objections → approval by the body the grade needs,
//! which changes the holding and tells the directory. Every step goes through the state machine of
//! `domain::case`; a step out of order, a skipped rank or an ineligible cadre is refused with its reason and
//! nothing written.

use cadre_platform::{
    ApiError, CallContext, DbConn, Tx, Violations,
    auth::{Caller, Role},
    clock, paging,
};
use cadre_proto::rank as pb;
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use tonic::{Code, Request, Response, Status};

use super::{RankApi, status};
use crate::{
    convert,
    domain::{
        Eligibility, Grade,
        case::{Authority, Case, CaseKind, CaseState, Command, Effect},
        eligibility::BlockReason,
        ladder::Level,
        level,
    },
    events,
    store::{
        self,
        cases::{CaseFile, CaseRow, ObjectionRow},
        scope,
    },
    view,
    workflow::{
        cases::{self as flow, OpinionJson, RecommendationJson, StepBody},
        eligibility::{self, Quota, not_found},
        holdings::{self, source},
        quota,
    },
};

/// Longest 工作方案 or grounds, in characters.
const MAX_PLAN: usize = 2000;
/// Longest note, finding, reason or objection, in characters.
const MAX_TEXT: usize = 1000;
/// Longest document number (文号), in characters.
const MAX_REF: usize = 100;

/// The answer for a step the caller takes on their own case.
fn own_case() -> ApiError {
    ApiError::new(Code::PermissionDenied, "SELF_DECISION", "nobody takes a step on their own case")
}

/// The blocks of an answer that the quota does not explain.
fn not_eligible(answer: &Eligibility) -> Option<ApiError> {
    let structural = [
        BlockReason::RankSkipped,
        BlockReason::TargetNotAboveCurrent,
        BlockReason::NoCurrentRank,
        BlockReason::TopOfLadder,
    ];
    if let Some(block) = answer.blocks.iter().find(|b| structural.contains(&b.reason)) {
        return Some(
            ApiError::failed_precondition(block.reason.code(), block.detail.clone())
                .with_violation("target_grade", block.detail.clone()),
        );
    }
    let blocks: Vec<_> = answer.blocks.iter().filter(|b| b.reason != BlockReason::QuotaFull).collect();
    if blocks.is_empty() {
        return None;
    }
    let reasons: Vec<&str> = blocks.iter().map(|b| b.reason.code()).collect();
    let details: Vec<&str> = blocks.iter().map(|b| b.detail.as_str()).collect();
    let mut error = ApiError::failed_precondition(
        "NOT_ELIGIBLE",
        format!("the cadre is not eligible on {}: {}", answer.as_of, details.join("; ")),
    )
    .with_metadata("blocks", reasons.join(","));
    if let Some(from) = answer.eligible_from {
        error = error.with_metadata("eligible_from", from.to_string());
    }
    Some(error)
}

/// The body the caller speaks for in deciding a case that `required` decides: that one if they hold its
/// role, otherwise the one they do hold (which the rules then refuse as the wrong body).
fn authority_of(caller: &Caller, required: Authority) -> Result<Authority, ApiError> {
    let held: Vec<Authority> = caller
        .granted
        .iter()
        .filter_map(|role| match role {
            Role::OrgOfficer => Some(Authority::OrgDepartment),
            Role::CommitteeMember => Some(Authority::DistrictCommittee),
            _ => None,
        })
        .collect();
    if held.contains(&required) {
        return Ok(required);
    }
    held.first().copied().ok_or_else(|| {
        ApiError::new(
            Code::PermissionDenied,
            "AUTHORITY_MISMATCH",
            format!("this case is decided by {required}"),
        )
    })
}

/// Loads a case the caller may see: its cadre in the caller's scope, or, for `public_in_publicity`, any
/// case under 公示 (a 公示 is public). Out of scope and absent answer alike.
fn load_visible(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    public_in_publicity: bool,
) -> Result<CaseFile, ApiError> {
    let file = flow::load(conn, id)?;
    let public = public_in_publicity && file.case.state == CaseState::Publicity.code();
    if !public && !scope::admits(conn, &caller.scope, &file.case.cadre_id)? {
        return Err(flow::not_found(id));
    }
    Ok(file)
}

/// Runs one step on a case inside the mutation: loads it (visible to the caller, not their own) and runs
/// `body` on it (see [`flow::run_step`]). Returns the case afterwards and the effects.
fn step(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &str,
    public_in_publicity: bool,
    body: StepBody<'_>,
) -> Result<(pb::RankCase, Vec<Effect>), ApiError> {
    let file = load_visible(tx.conn(), caller, id, public_in_publicity)?;
    if caller.principal.cadre_id.as_deref() == Some(file.case.cadre_id.as_str()) {
        return Err(own_case());
    }
    flow::run_step(tx, file, body)
}

/// Moves a case whose 公示 is over to awaiting approval before a decision on it.
fn end_publicity(case: &mut Case, today: NaiveDate) -> Result<(), ApiError> {
    if case.state == CaseState::Publicity {
        flow::apply(case, Command::EndPublicity { today })?;
    }
    Ok(())
}

/// A new case row for `cadre`.
fn new_row(
    case: &Case,
    cadre: &store::projection::CadreView,
    plan: String,
    pool: String,
    by: &str,
) -> CaseRow {
    let now = clock::now();
    CaseRow {
        id: store::new_id(),
        kind: case.kind.code().to_owned(),
        cadre_id: cadre.id.clone(),
        cadre_name: cadre.name.clone(),
        org_unit_id: cadre.employing_unit_id.clone(),
        from_grade: case.from.map(|g| g.code().to_owned()).unwrap_or_default(),
        to_grade: case.to.code().to_owned(),
        state: case.state.code().to_owned(),
        is_open: !case.state.is_terminal(),
        plan,
        quota_pool_id: pool,
        recommendation: String::new(),
        discipline_opinion: String::new(),
        publicity_first_day: None,
        publicity_last_day: None,
        publicity_working_days: 0,
        authority: case.authority.code().to_owned(),
        filed_with_city: case.filing_required,
        decision_ref: String::new(),
        effective_date: None,
        new_level: 0,
        closing_reason: String::new(),
        opened_by: by.to_owned(),
        decided_by: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// The cadre a case is opened for: known, in the caller's scope, not the caller, with no open case.
fn case_subject(
    conn: &mut DbConn,
    caller: &Caller,
    cadre_id: &str,
) -> Result<store::projection::CadreView, ApiError> {
    let cadre = store::projection::cadre(conn, cadre_id)?;
    let (Some(cadre), true) = (cadre, scope::admits(conn, &caller.scope, cadre_id)?) else {
        return Err(not_found(cadre_id));
    };
    if caller.principal.cadre_id.as_deref() == Some(cadre_id) {
        return Err(own_case());
    }
    if let Some(open) = store::cases::open_of_cadre(conn, cadre_id)? {
        return Err(ApiError::failed_precondition(
            "CASE_ALREADY_OPEN",
            format!("the cadre already has an open case ({}); decide or withdraw it first", open.id),
        )
        .with_metadata("case_id", open.id));
    }
    Ok(cadre)
}

/// The 级别 after the change of a case, from the 级别 held (0 when unknown, which stays unknown: §1.8 raises
/// from a known 级别).
fn new_level(
    conn: &mut DbConn,
    kind: CaseKind,
    to: Grade,
    held: i32,
    on: NaiveDate,
) -> Result<i32, ApiError> {
    let Some(current) = u8::try_from(held).ok().and_then(Level::new) else { return Ok(0) };
    let policy = store::policy::on(conn, on)?;
    let after = match kind {
        CaseKind::Promotion => {
            level::level_after_grade_promotion(current, to, &policy.ladder, &policy.level).map(|c| c.after)
        }
        // 级别 is kept on a demotion unless it lies above the lower grade's range.
        CaseKind::Demotion => policy
            .ladder
            .grade_range(to)
            .map(|range| if current.is_above(range.highest) { range.highest } else { current }),
    };
    Ok(after.map_or(0, |l| i32::from(l.number())))
}

impl RankApi {
    pub(super) async fn open_promotion_case_impl(
        &self,
        request: Request<pb::OpenPromotionCaseRequest>,
    ) -> Result<Response<pb::OpenPromotionCaseResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let cadre_id = convert::id_in(&mut v, "cadre_id", &request.cadre_id);
        let target = convert::required_grade(&mut v, "target_grade", request.target_grade);
        let plan = convert::text(&mut v, "plan", &request.plan, MAX_PLAN, true);
        v.finish("INVALID_CASE", "the case is not valid").map_err(status)?;
        let Some(target) = target else {
            return Err(status(ApiError::internal("a checked field is missing")));
        };
        let today = self.today();
        let response = self
            .db
            .mutate(ctx, method!("OpenPromotionCase"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = case_subject(conn, &caller, &cadre_id)?;
                let (facts, answer) =
                    eligibility::evaluate_cadre(conn, &cadre_id, Some(target), today, Quota::Skip)?;
                if let Some(refusal) = not_eligible(&answer) {
                    return Err(refusal);
                }
                let policy = store::policy::on(conn, today)?;
                let mut case =
                    Case::promotion(answer.current, target, &policy.case).map_err(|r| flow::refusal(&r))?;
                let pool = quota::pool_of_unit(conn, &cadre.employing_unit_id)?;
                let releasing = facts.holding.as_ref().and_then(|h| Grade::from_code(&h.grade));
                let room = quota::check(conn, &policy, &pool, target, releasing, None)?;
                flow::apply(&mut case, Command::AdoptPlan { on: today, quota: room })?;
                let row = new_row(&case, &cadre, plan, pool.id, &caller.principal.subject);
                store::cases::insert(conn, &row)?;
                let file = CaseFile { case: row, attestations: Vec::new(), objections: Vec::new() };
                let answer_view = view::eligibility(&facts.cadre, facts.holding.as_ref(), &answer);
                let case_view = view::case(&file);
                events::case_opened(tx, &case_view)?;
                tx.set_object("rank_case", &file.case.id);
                Ok(pb::OpenPromotionCaseResponse {
                    rank_case: Some(case_view),
                    eligibility: Some(answer_view),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn open_demotion_case_impl(
        &self,
        request: Request<pb::OpenDemotionCaseRequest>,
    ) -> Result<Response<pb::OpenDemotionCaseResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let cadre_id = convert::id_in(&mut v, "cadre_id", &request.cadre_id);
        let grounds = convert::text(&mut v, "grounds", &request.grounds, MAX_PLAN, true);
        v.finish("INVALID_CASE", "the case is not valid").map_err(status)?;
        let today = self.today();
        let response = self
            .db
            .mutate(ctx, method!("OpenDemotionCase"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = case_subject(conn, &caller, &cadre_id)?;
                let from = store::holdings::current(conn, &cadre_id)?
                    .and_then(|h| Grade::from_code(&h.grade))
                    .ok_or_else(|| {
                        ApiError::failed_precondition("NO_CURRENT_RANK", "the cadre holds no grade to lower")
                    })?;
                let policy = store::policy::on(conn, today)?;
                let mut case = Case::demotion(from, flow::demotion_basis(&grounds), &policy.case)
                    .map_err(|r| flow::refusal(&r))?;
                flow::apply(&mut case, Command::Submit)?;
                let row = new_row(&case, &cadre, grounds, String::new(), &caller.principal.subject);
                store::cases::insert(conn, &row)?;
                let file = CaseFile { case: row, attestations: Vec::new(), objections: Vec::new() };
                let case_view = view::case(&file);
                events::case_opened(tx, &case_view)?;
                tx.set_object("rank_case", &file.case.id);
                Ok(pb::OpenDemotionCaseResponse { rank_case: Some(case_view) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn record_recommendation_impl(
        &self,
        request: Request<pb::RecordRecommendationRequest>,
    ) -> Result<Response<pb::RecordRecommendationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut v = Violations::default();
        let case_id = convert::id_in(&mut v, "case_id", &request.case_id);
        v.require(request.recommendation.is_some(), "recommendation", "is required");
        let given = request.recommendation.unwrap_or_default();
        let method = convert::method_from(&mut v, "recommendation.method", given.method);
        v.require(given.ballots > 0, "recommendation.ballots", "at least one ballot");
        for (field, n) in [
            ("recommendation.in_favour", given.in_favour),
            ("recommendation.against", given.against),
            ("recommendation.abstentions", given.abstentions),
        ] {
            v.require(n >= 0, field, "must not be negative");
        }
        let held_on = convert::optional_date(&mut v, "recommendation.held_on", given.held_on.as_ref());
        v.require(held_on.is_none_or(|d| d <= today), "recommendation.held_on", "is in the future");
        v.finish("INVALID_RECOMMENDATION", "the recommendation is not valid").map_err(status)?;
        let Some(method) = method else {
            return Err(status(ApiError::internal("a checked field is missing")));
        };
        let count = |n: i32| u32::try_from(n).unwrap_or(0);
        let record = RecommendationJson {
            method,
            ballots: count(given.ballots),
            in_favour: count(given.in_favour),
            against: count(given.against),
            abstentions: count(given.abstentions),
            held_on: Some(held_on.unwrap_or(today)),
        };
        let response = self
            .db
            .mutate(ctx, method!("RecordRecommendation"), &request.request_id.clone(), &request, move |tx| {
                let body: StepBody<'_> = Box::new(move |_, file, case| {
                    let effects = flow::apply(
                        case,
                        Command::RecordRecommendation { method: record.method, votes: record.votes() },
                    )?;
                    file.case.recommendation = serde_json::to_string(&record).unwrap_or_default();
                    Ok(effects)
                });
                let (case, _) = step(tx, &caller, &case_id, false, body)?;
                Ok(pb::RecordRecommendationResponse { rank_case: Some(case) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn record_attestation_impl(
        &self,
        request: Request<pb::RecordAttestationRequest>,
    ) -> Result<Response<pb::RecordAttestationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let case_id = convert::id_in(&mut v, "case_id", &request.case_id);
        let criterion = convert::criterion_from(&mut v, "criterion", request.criterion);
        let note = convert::text(&mut v, "note", &request.note, MAX_TEXT, true);
        v.finish("INVALID_ATTESTATION", "the attestation is not valid").map_err(status)?;
        let Some(criterion) = criterion else {
            return Err(status(ApiError::internal("a checked field is missing")));
        };
        let favourable = request.favourable;
        let by = caller.principal.subject.clone();
        let response = self
            .db
            .mutate(ctx, method!("RecordAttestation"), &request.request_id.clone(), &request, move |tx| {
                let body: StepBody<'_> = Box::new(move |conn, file, case| {
                    let effects = flow::apply(case, Command::Attest { criterion, favourable })?;
                    flow::put_attestation(conn, &file.case.id, criterion, favourable, &note, &by)?;
                    Ok(effects)
                });
                let (case, _) = step(tx, &caller, &case_id, false, body)?;
                Ok(pb::RecordAttestationResponse { rank_case: Some(case) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn record_discipline_opinion_impl(
        &self,
        request: Request<pb::RecordDisciplineOpinionRequest>,
    ) -> Result<Response<pb::RecordDisciplineOpinionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut v = Violations::default();
        let case_id = convert::id_in(&mut v, "case_id", &request.case_id);
        let note = convert::text(&mut v, "note", &request.note, MAX_TEXT, true);
        v.finish("INVALID_OPINION", "the opinion is not valid").map_err(status)?;
        let opinion = OpinionJson {
            clear: request.clear,
            note,
            given_by: caller.principal.subject.clone(),
            given_on: today,
        };
        let response = self
            .db
            .mutate(
                ctx,
                method!("RecordDisciplineOpinion"),
                &request.request_id.clone(),
                &request,
                move |tx| {
                    let (case, _) = step(tx, &caller, &case_id, false, flow::opinion_step(opinion))?;
                    Ok(pb::RecordDisciplineOpinionResponse { rank_case: Some(case) })
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn start_case_publicity_impl(
        &self,
        request: Request<pb::StartCasePublicityRequest>,
    ) -> Result<Response<pb::StartCasePublicityResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let case_id = convert::id("case_id", &request.case_id).map_err(status)?;
        let today = self.today();
        // The 公示's length is the one in force when the case opened; its last day is the working calendar's.
        let days = {
            let (caller, case_id) = (caller.clone(), case_id.clone());
            self.db
                .run(move |conn| {
                    let file = load_visible(conn, &caller, &case_id, false)?;
                    Ok(flow::opened_policy(conn, &file.case)?.case.publicity_working_days)
                })
                .await
                .map_err(status)?
        };
        let last_day = self.calendar.add_working_days(today, days).await.map_err(status)?;
        let first_day = today.checked_add_days(Days::new(1)).unwrap_or(today);
        let response = self
            .db
            .mutate(ctx, method!("StartCasePublicity"), &request.request_id.clone(), &request, move |tx| {
                let body: StepBody<'_> = Box::new(move |_, _, case| {
                    flow::apply(
                        case,
                        Command::StartPublicity {
                            starts_on: first_day,
                            ends_on: last_day,
                            working_days: days,
                        },
                    )
                });
                let (case, _) = step(tx, &caller, &case_id, false, body)?;
                Ok(pb::StartCasePublicityResponse { rank_case: Some(case) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn raise_case_objection_impl(
        &self,
        request: Request<pb::RaiseCaseObjectionRequest>,
    ) -> Result<Response<pb::RaiseCaseObjectionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut v = Violations::default();
        let case_id = convert::id_in(&mut v, "case_id", &request.case_id);
        let text = convert::text(&mut v, "text", &request.text, MAX_TEXT, true);
        v.finish("INVALID_OBJECTION", "the objection is not valid").map_err(status)?;
        let by = caller.principal.subject.clone();
        let response = self
            .db
            .mutate(ctx, method!("RaiseCaseObjection"), &request.request_id.clone(), &request, move |tx| {
                let body: StepBody<'_> = Box::new(move |conn, file, case| {
                    let effects = flow::apply(case, Command::RaiseObjection { on: today })?;
                    let Some(seq) = effects.iter().find_map(|e| match e {
                        Effect::ObjectionRaised { id } => Some(*id),
                        _ => None,
                    }) else {
                        return Err(ApiError::internal("an objection raised without its number"));
                    };
                    store::cases::insert_objection(
                        conn,
                        &ObjectionRow {
                            id: store::new_id(),
                            case_id: file.case.id.clone(),
                            seq: i32::try_from(seq).unwrap_or(i32::MAX),
                            text,
                            raised_by: by,
                            resolved: false,
                            upheld: false,
                            resolution: String::new(),
                            resolved_by: String::new(),
                            raised_at: clock::now(),
                            resolved_at: None,
                        },
                    )?;
                    Ok(effects)
                });
                let (case, _) = step(tx, &caller, &case_id, true, body)?;
                Ok(pb::RaiseCaseObjectionResponse { rank_case: Some(case) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn resolve_case_objection_impl(
        &self,
        request: Request<pb::ResolveCaseObjectionRequest>,
    ) -> Result<Response<pb::ResolveCaseObjectionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let case_id = convert::id_in(&mut v, "case_id", &request.case_id);
        let objection_id = convert::id_in(&mut v, "objection_id", &request.objection_id);
        let resolution = convert::text(&mut v, "resolution", &request.resolution, MAX_TEXT, true);
        v.finish("INVALID_RESOLUTION", "the resolution is not valid").map_err(status)?;
        let upheld = request.upheld;
        let by = caller.principal.subject.clone();
        let response = self
            .db
            .mutate(ctx, method!("ResolveCaseObjection"), &request.request_id.clone(), &request, move |tx| {
                let body: StepBody<'_> = Box::new(move |conn, file, case| {
                    let Some(mut objection) = file.objections.iter().find(|o| o.id == objection_id).cloned()
                    else {
                        return Err(ApiError::not_found(
                            "OBJECTION_NOT_FOUND",
                            format!("no objection {objection_id}"),
                        )
                        .with_violation("objection_id", "no such objection on this case"));
                    };
                    let seq = u32::try_from(objection.seq).unwrap_or(0);
                    let effects = flow::apply(case, Command::ResolveObjection { id: seq, upheld })?;
                    objection.resolved = true;
                    objection.upheld = upheld;
                    objection.resolution.clone_from(&resolution);
                    objection.resolved_by = by;
                    objection.resolved_at = Some(clock::now());
                    store::cases::update_objection(conn, &objection)?;
                    if case.state == CaseState::Rejected {
                        file.case.closing_reason = format!("objection upheld: {resolution}");
                    }
                    Ok(effects)
                });
                let (case, _) = step(tx, &caller, &case_id, false, body)?;
                Ok(pb::ResolveCaseObjectionResponse { rank_case: Some(case) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn approve_case_impl(
        &self,
        request: Request<pb::ApproveCaseRequest>,
    ) -> Result<Response<pb::ApproveCaseResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut v = Violations::default();
        let case_id = convert::id_in(&mut v, "case_id", &request.case_id);
        let decision_ref = convert::text(&mut v, "decision_ref", &request.decision_ref, MAX_REF, true);
        let effective = convert::required_date(&mut v, "effective_date", request.effective_date.as_ref());
        let month_start = today.with_day(1).unwrap_or(today);
        v.require(
            effective.is_none_or(|e| e >= month_start),
            "effective_date",
            format!("must not be before the approval's month ({month_start})"),
        );
        v.finish("INVALID_DECISION", "the decision is not valid").map_err(status)?;
        let Some(effective) = effective else {
            return Err(status(ApiError::internal("a checked field is missing")));
        };
        let decided_by = caller.principal.subject.clone();
        let response = self
            .db
            .mutate(ctx, method!("ApproveCase"), &request.request_id.clone(), &request, move |tx| {
                let who = caller.clone();
                let mut changed = None;
                let slot = &mut changed;
                let body: StepBody<'_> = Box::new(move |conn, file, case| {
                    let authority = authority_of(&who, case.authority)?;
                    end_publicity(case, today)?;
                    let row = &file.case;
                    let room = if case.kind == CaseKind::Promotion {
                        // Eligibility and the quota again, at 审批 (§1.7): the facts may have moved since the
                        // case opened; this case's own place in the pool is not counted against it.
                        let (facts, answer) = eligibility::evaluate_cadre(
                            conn,
                            &row.cadre_id,
                            Some(case.to),
                            today,
                            Quota::Skip,
                        )?;
                        if let Some(refusal) = not_eligible(&answer) {
                            return Err(refusal);
                        }
                        let policy = store::policy::on(conn, today)?;
                        let pool = match quota::pool(conn, &row.quota_pool_id)? {
                            Some(pool) => pool,
                            None => quota::pool_of_unit(conn, &facts.cadre.employing_unit_id)?,
                        };
                        let releasing = facts.holding.as_ref().and_then(|h| Grade::from_code(&h.grade));
                        quota::check(conn, &policy, &pool, case.to, releasing, Some(&row.id))?
                    } else {
                        Ok(())
                    };
                    let effects = flow::apply(case, Command::Approve { authority, effective, quota: room })?;
                    let held = store::holdings::current(conn, &row.cadre_id)?.map_or(0, |h| h.level);
                    let level = new_level(conn, case.kind, case.to, held, today)?;
                    let (kind_source, note) = match case.kind {
                        CaseKind::Promotion => (source::PROMOTED, format!("promoted, {decision_ref}")),
                        CaseKind::Demotion => (source::DEMOTED, format!("demoted, {decision_ref}")),
                    };
                    let holding = holdings::change_grade(
                        conn,
                        &holdings::GradeChange {
                            cadre_id: &row.cadre_id,
                            grade: case.to,
                            effective,
                            level,
                            source: kind_source,
                            case_id: &row.id,
                            note: &note,
                            by: &decided_by,
                        },
                    )?;
                    eligibility::refresh(conn, &row.cadre_id)?;
                    file.case.decision_ref = decision_ref;
                    file.case.effective_date = Some(effective);
                    file.case.new_level = level;
                    file.case.decided_by = decided_by;
                    *slot = Some(holding);
                    Ok(effects)
                });
                let (case, _) = step(tx, &caller, &case_id, false, body)?;
                let holding = changed.map(|h| view::holding(&h));
                if let Some(holding) = &holding {
                    events::rank_changed(tx, &case, holding)?;
                }
                Ok(pb::ApproveCaseResponse { rank_case: Some(case), holding })
            })
            .await
            .map_err(status)?;
        // After the commit: the directory is told now, and retried until it has taken the grade.
        self.directory_sync.notify_one();
        Ok(Response::new(response))
    }

    pub(super) async fn reject_case_impl(
        &self,
        request: Request<pb::RejectCaseRequest>,
    ) -> Result<Response<pb::RejectCaseResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut v = Violations::default();
        let case_id = convert::id_in(&mut v, "case_id", &request.case_id);
        let reason = convert::text(&mut v, "reason", &request.reason, MAX_TEXT, true);
        v.finish("INVALID_DECISION", "the decision is not valid").map_err(status)?;
        let decided_by = caller.principal.subject.clone();
        let response = self
            .db
            .mutate(ctx, method!("RejectCase"), &request.request_id.clone(), &request, move |tx| {
                let who = caller.clone();
                let body: StepBody<'_> = Box::new(move |_, file, case| {
                    let authority = authority_of(&who, case.authority)?;
                    end_publicity(case, today)?;
                    let effects = flow::apply(case, Command::Reject { authority })?;
                    file.case.closing_reason = reason;
                    file.case.decided_by = decided_by;
                    Ok(effects)
                });
                let (case, _) = step(tx, &caller, &case_id, false, body)?;
                Ok(pb::RejectCaseResponse { rank_case: Some(case) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn withdraw_case_impl(
        &self,
        request: Request<pb::WithdrawCaseRequest>,
    ) -> Result<Response<pb::WithdrawCaseResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let case_id = convert::id_in(&mut v, "case_id", &request.case_id);
        let reason = convert::text(&mut v, "reason", &request.reason, MAX_TEXT, true);
        v.finish("INVALID_WITHDRAWAL", "the withdrawal is not valid").map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("WithdrawCase"), &request.request_id.clone(), &request, move |tx| {
                let body: StepBody<'_> = Box::new(move |_, file, case| {
                    let effects = flow::apply(case, Command::Withdraw)?;
                    file.case.closing_reason = reason;
                    Ok(effects)
                });
                let (case, _) = step(tx, &caller, &case_id, false, body)?;
                Ok(pb::WithdrawCaseResponse { rank_case: Some(case) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_case_impl(
        &self,
        request: Request<pb::GetCaseRequest>,
    ) -> Result<Response<pb::GetCaseResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let case_id = convert::id("case_id", &request.get_ref().case_id).map_err(status)?;
        let case = self
            .db
            .run(move |conn| Ok(view::case(&load_visible(conn, &caller, &case_id, false)?)))
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetCaseResponse { rank_case: Some(case) }))
    }

    pub(super) async fn list_cases_impl(
        &self,
        request: Request<pb::ListCasesRequest>,
    ) -> Result<Response<pb::ListCasesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let size = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut v = Violations::default();
        let kind = convert::case_kind_from(&mut v, "kind", request.kind);
        let state = convert::case_state_from(&mut v, "state", request.state);
        let unit = request.org_unit_id.trim().to_owned();
        v.require(unit.len() <= 64, "org_unit_id", "is not an id");
        v.finish("INVALID_LIST_QUERY", "the list query is not valid").map_err(status)?;
        let filters = paging::filter_fingerprint(&[
            &unit,
            kind.map_or("", |k| k.code()),
            state.map_or("", |s| s.code()),
        ]);
        let after = match paging::decode_token(&request.page_token, &filters).map_err(status)? {
            Some(parts) => match parts.as_slice() {
                [at, id] => {
                    let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%.f").map_err(|_| {
                        status(ApiError::invalid_argument(
                            "INVALID_PAGE_TOKEN",
                            "the page token is not one of this list",
                        ))
                    })?;
                    Some((at, id.clone()))
                }
                _ => {
                    return Err(status(ApiError::invalid_argument(
                        "INVALID_PAGE_TOKEN",
                        "the page token is not one of this list",
                    )));
                }
            },
            None => None,
        };
        let (cases, next) = self
            .db
            .run(move |conn| {
                let filter = store::cases::Filter {
                    reach: scope::Reach {
                        scope: caller.scope.clone(),
                        subtree: if unit.is_empty() { None } else { Some(scope::subtree(conn, &unit)?) },
                    },
                    kind: kind.map(|k| k.code().to_owned()),
                    state: state.map(|s| s.code().to_owned()),
                };
                let rows = store::cases::list(conn, filter, after, size + 1)?;
                let (rows, next) = paging::finish_page(rows, size, &filters, |r| {
                    vec![r.created_at.format("%Y-%m-%dT%H:%M:%S%.f").to_string(), r.id.clone()]
                });
                let mut cases = Vec::with_capacity(rows.len());
                for row in rows {
                    cases.push(view::case(&flow::load(conn, &row.id)?));
                }
                Ok((cases, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListCasesResponse { cases, next_page_token: next }))
    }
}

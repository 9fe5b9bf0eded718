//! The negative-information pool, risk warnings and 党风廉政意见. The access table already demands the
//! discipline clearance for everything that shows the pool (the one exception, asking for an opinion, shows
//! the record's summary only to a caller with it); here every record is also held to the caller's data
//! scope, a cadre outside it answering like an absent one. Nothing of the pool is ever published; an
//! opinion's events leave its summary out. Sensitive reads are recorded in the audit trail.

use cadre_platform::{
    ApiError, CallContext, DbConn, Violations,
    auth::{Caller, Clearance, PrincipalKind},
    clock,
    dates::optional_date,
    error::require_id,
    input::{id, optional_id, text},
    paging,
};
use cadre_projection::store as projection;
use cadre_proto::oversight as pb;
use chrono::NaiveDate;
use tonic::{Request, Response, Status};

use super::{
    MAX_SHORT_CHARS, MAX_TEXT_CHARS, OversightApi, after_token, denied, finish, page, past_date, status,
    visible_cadre, visible_unit,
};
use crate::{
    domain::{
        codes::{Agency, NegativeCategory, OpinionState, RiskLevel, Severity},
        restrictions,
        risk::{self, RecordFact, RiskAssessment},
    },
    events,
    store::{
        self, decisions as decision_store,
        integrity::{self as integrity_store, NegativeRow, OpinionAsked, OpinionRow},
    },
    view::integrity::{self as view, WarnedCadre},
};

/// How many candidate cadres a risk list assesses at a time, at least.
const RISK_BATCH: i64 = 200;

fn opinion_not_found(id: &str) -> ApiError {
    ApiError::not_found("OPINION_NOT_FOUND", format!("no integrity opinion {id}"))
}

/// An opinion the caller sees (by its cadre).
fn visible_opinion(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<OpinionRow, ApiError> {
    let row = integrity_store::get_opinion(conn, id)?.ok_or_else(|| opinion_not_found(id))?;
    if !store::cadre_in_scope(conn, &caller.scope, &row.cadre_id)? {
        return Err(opinion_not_found(id));
    }
    Ok(row)
}

/// Whether the caller may read what the discipline clearance guards: the suite, or a holder of it.
fn cleared(caller: &Caller) -> bool {
    caller.principal.kind == PrincipalKind::System
        || caller.principal.clearances.contains(&Clearance::Discipline)
}

/// A stored record as the risk rule weighs it.
fn fact(row: &NegativeRow) -> Result<RecordFact, ApiError> {
    let severity = Severity::from_code(&row.severity)
        .ok_or_else(|| ApiError::internal(format!("negative record {} has no known severity", row.id)))?;
    let category =
        NegativeCategory::from_code(&row.category).map_or("负面信息", view::negative_category_name);
    let agency = Agency::from_code(&row.agency).map_or("", view::agency_name);
    Ok(RecordFact {
        severity,
        verified: row.verified,
        occurred_on: row.occurred_on,
        label: format!("{category}（{agency} {}）", row.reference),
    })
}

/// The risk warning of each cadre on `on`, in the order given: their negative records by then and the
/// promotion-barring 影响期 windows in effect that day, weighed by the policy in force.
fn assess(
    conn: &mut DbConn,
    cadres: &[WarnedCadre],
    on: NaiveDate,
) -> Result<Vec<(RiskAssessment, pb::RiskWarning)>, ApiError> {
    let policy = store::policy::on(conn, on)?;
    let ids: Vec<String> = cadres.iter().map(|c| c.id.clone()).collect();
    let mut records = integrity_store::records_by_cadre(conn, &ids, on)?;
    let windows = decision_store::windows_of(conn, &ids)?;
    let mut warnings = Vec::with_capacity(cadres.len());
    for cadre in cadres {
        let facts =
            records.remove(&cadre.id).unwrap_or_default().iter().map(fact).collect::<Result<Vec<_>, _>>()?;
        let all = windows.get(&cadre.id).map_or(&[][..], Vec::as_slice);
        let barring =
            restrictions::in_effect(all, on).iter().filter(|w| !w.exempted && w.blocks.promotion).count();
        let barring = u32::try_from(barring).unwrap_or(u32::MAX);
        let assessment = risk::assess(&policy.risk, &facts, barring, on);
        let warning = view::risk_warning(cadre, &assessment, on);
        warnings.push((assessment, warning));
    }
    Ok(warnings)
}

impl OversightApi {
    pub(super) async fn record_negative_information_impl(
        &self,
        request: Request<pb::RecordNegativeInformationRequest>,
    ) -> Result<Response<pb::RecordNegativeInformationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let cadre_id = id(&mut v, "cadre_id", &request.cadre_id);
        let agency = Agency::from_number(request.agency);
        v.require(agency.is_some(), "agency", "is required");
        let category = NegativeCategory::from_number(request.category);
        v.require(category.is_some(), "category", "is required");
        let severity = Severity::from_number(request.severity);
        v.require(severity.is_some(), "severity", "is required");
        let summary = text(&mut v, "summary", &request.summary, MAX_TEXT_CHARS, true);
        let reference = text(&mut v, "reference", &request.reference, MAX_SHORT_CHARS, true);
        let occurred_on = past_date(&mut v, "occurred_on", request.occurred_on.as_ref(), self.today());
        finish(v, "INVALID_RECORD", "the record is not valid")?;
        let (Some(agency), Some(category), Some(severity), Some(occurred_on)) =
            (agency, category, severity, occurred_on)
        else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let verified = request.verified;
        let response = self
            .db
            .mutate(
                ctx,
                method!("RecordNegativeInformation"),
                &request.request_id.clone(),
                &request,
                move |tx| {
                    let conn = tx.conn();
                    let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                    // An agency's reference names one matter: a second delivery of it is the same record. The
                    // unique index backs this up against a concurrent one.
                    if let Some(existing) =
                        integrity_store::record_by_reference(conn, agency.code(), &reference)?
                    {
                        return Err(ApiError::already_exists(
                            "RECORD_EXISTS",
                            format!("{agency} reference {reference} is already the record {}", existing.id),
                        )
                        .with_metadata("record_id", existing.id));
                    }
                    let row = NegativeRow {
                        id: store::new_id(),
                        cadre_id: cadre.id,
                        cadre_name: cadre.name,
                        agency: agency.code().to_owned(),
                        category: category.code().to_owned(),
                        severity: severity.code().to_owned(),
                        summary,
                        reference,
                        occurred_on,
                        verified,
                        recorded_by: caller.principal.subject.clone(),
                        created_at: clock::now(),
                    };
                    integrity_store::insert_record(conn, &row)?;
                    tx.set_object("negative_record", &row.id);
                    Ok(pb::RecordNegativeInformationResponse { record: Some(view::negative_record(&row)) })
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_negative_information_impl(
        &self,
        request: Request<pb::ListNegativeInformationRequest>,
    ) -> Result<Response<pb::ListNegativeInformationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let cadre_id = require_id("cadre_id", &request.cadre_id).map_err(status)?;
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let filters = paging::filter_fingerprint(&[&cadre_id]);
        let after = after_token(&request.page_token, &filters)?;
        let (records, next) = self
            .db
            .audited_read(ctx, method!("ListNegativeInformation"), "cadre", cadre_id.clone(), move |conn| {
                visible_cadre(conn, &caller, &cadre_id)?;
                let rows = integrity_store::records_of(conn, &cadre_id, after, limit + 1)?;
                let (rows, next) = page(rows, limit, &filters, |r| r.id.clone());
                Ok((rows.iter().map(view::negative_record).collect(), next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListNegativeInformationResponse { records, next_page_token: next }))
    }

    pub(super) async fn get_risk_warning_impl(
        &self,
        request: Request<pb::GetRiskWarningRequest>,
    ) -> Result<Response<pb::GetRiskWarningResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let cadre_id = id(&mut v, "cadre_id", &request.cadre_id);
        let as_of = optional_date(&mut v, "as_of", request.as_of.as_ref()).unwrap_or_else(|| self.today());
        finish(v, "INVALID_QUERY", "the query is not valid")?;
        let warning = self
            .db
            .audited_read(ctx, method!("GetRiskWarning"), "cadre", cadre_id.clone(), move |conn| {
                let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                let warned =
                    WarnedCadre { id: cadre.id, name: cadre.name, org_unit_id: cadre.employing_unit_id };
                Ok(assess(conn, &[warned], as_of)?.pop().map(|(_, warning)| warning))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetRiskWarningResponse { warning }))
    }

    pub(super) async fn list_risk_warnings_impl(
        &self,
        request: Request<pb::ListRiskWarningsRequest>,
    ) -> Result<Response<pb::ListRiskWarningsResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let unit_id = optional_id(&mut v, "org_unit_id", &request.org_unit_id);
        let min_level = match request.min_level {
            0 => Some(RiskLevel::Blue),
            n => {
                let level = RiskLevel::from_number(n);
                v.require(level.is_some(), "min_level", "is not a risk level");
                level
            }
        };
        finish(v, "INVALID_QUERY", "the query is not valid")?;
        let Some(min_level) = min_level else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let filters = paging::filter_fingerprint(&[&unit_id, min_level.code()]);
        let after = after_token(&request.page_token, &filters)?;
        let today = self.today();
        let (warnings, next) = self
            .db
            .audited_read(ctx, method!("ListRiskWarnings"), "risk_warnings", unit_id.clone(), move |conn| {
                if !unit_id.is_empty() {
                    visible_unit(conn, &caller, &unit_id)?;
                }
                let reach = store::reach(conn, &caller.scope, &unit_id)?;
                let wanted = usize::try_from(limit).unwrap_or(0) + 1;
                let batch = (limit + 1).max(RISK_BATCH);
                let mut kept: Vec<pb::RiskWarning> = Vec::new();
                let mut cursor = after;
                // Only cadres with something on record can warn; they are assessed a batch at a time, in id
                // order, until a page and one more are kept or none are left.
                while kept.len() < wanted {
                    let ids = integrity_store::risk_candidates(
                        conn,
                        reach.cadres.as_deref(),
                        cursor.as_deref(),
                        batch,
                    )?;
                    let Some(last) = ids.last().cloned() else { break };
                    let exhausted = ids.len() < usize::try_from(batch).unwrap_or(usize::MAX);
                    let cadres: Vec<WarnedCadre> = projection::cadres(conn, &ids)?
                        .into_iter()
                        .map(|c| WarnedCadre { id: c.id, name: c.name, org_unit_id: c.employing_unit_id })
                        .collect();
                    for (assessment, warning) in assess(conn, &cadres, today)? {
                        if view::at_least(assessment.level, min_level) {
                            kept.push(warning);
                        }
                    }
                    cursor = Some(last);
                    if exhausted {
                        break;
                    }
                }
                kept.truncate(wanted);
                Ok(page(kept, limit, &filters, |w| w.cadre_id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListRiskWarningsResponse { warnings, next_page_token: next }))
    }

    pub(super) async fn request_integrity_opinion_impl(
        &self,
        request: Request<pb::RequestIntegrityOpinionRequest>,
    ) -> Result<Response<pb::RequestIntegrityOpinionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let cadre_id = id(&mut v, "cadre_id", &request.cadre_id);
        let purpose = text(&mut v, "purpose", &request.purpose, MAX_SHORT_CHARS, true);
        let rank_case_id = optional_id(&mut v, "rank_case_id", &request.rank_case_id);
        // The rank service's cases ask by themselves; a case named by hand could tie one cadre's opinion to
        // another's promotion.
        v.require(
            rank_case_id.is_empty() || caller.principal.kind == cadre_platform::auth::PrincipalKind::System,
            "rank_case_id",
            "is set only by the rank service",
        );
        finish(v, "INVALID_OPINION_REQUEST", "the opinion request is not valid")?;
        let today = self.today();
        let response = self
            .db
            .mutate(
                ctx,
                method!("RequestIntegrityOpinion"),
                &request.request_id.clone(),
                &request,
                move |tx| {
                    let cadre = visible_cadre(tx.conn(), &caller, &cadre_id)?;
                    let asked = OpinionAsked {
                        cadre_id: cadre.id,
                        cadre_name: cadre.name,
                        purpose,
                        rank_case_id,
                        requested_by: caller.principal.subject.clone(),
                    };
                    let row = integrity_store::open_opinion(tx, asked, today)?;
                    let mut opinion = view::opinion(&row);
                    // The org department asks without the clearance; what the record shows is for those with it.
                    if !cleared(&caller) {
                        opinion.record_summary.clear();
                    }
                    Ok(pb::RequestIntegrityOpinionResponse { opinion: Some(opinion) })
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn answer_integrity_opinion_impl(
        &self,
        request: Request<pb::AnswerIntegrityOpinionRequest>,
    ) -> Result<Response<pb::AnswerIntegrityOpinionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let opinion_id = id(&mut v, "opinion_id", &request.opinion_id);
        let answer = text(&mut v, "answer", &request.answer, MAX_TEXT_CHARS, true);
        finish(v, "INVALID_ANSWER", "the answer is not valid")?;
        let clear = request.clear;
        let response = self
            .db
            .mutate(
                ctx,
                method!("AnswerIntegrityOpinion"),
                &request.request_id.clone(),
                &request,
                move |tx| {
                    let conn = tx.conn();
                    let mut row = visible_opinion(conn, &caller, &opinion_id)?;
                    if row.state != OpinionState::Pending.code() {
                        return Err(ApiError::failed_precondition(
                            "OPINION_ANSWERED",
                            format!("the opinion {} was answered by {}", row.id, row.answered_by),
                        ));
                    }
                    if caller.principal.cadre_id.as_deref() == Some(row.cadre_id.as_str()) {
                        return Err(denied(
                            "OWN_CASE",
                            "nobody gives the integrity opinion about themselves",
                        ));
                    }
                    row.state = OpinionState::Answered.code().to_owned();
                    row.clear = clear;
                    row.answer = answer;
                    row.answered_by.clone_from(&caller.principal.subject);
                    row.answered_at = Some(clock::now());
                    integrity_store::update_opinion(conn, &row)?;
                    tx.set_object("integrity_opinion", &row.id);
                    events::opinion_answered(tx, view::opinion(&row))?;
                    Ok(pb::AnswerIntegrityOpinionResponse { opinion: Some(view::opinion(&row)) })
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_integrity_opinion_impl(
        &self,
        request: Request<pb::GetIntegrityOpinionRequest>,
    ) -> Result<Response<pb::GetIntegrityOpinionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let id = require_id("opinion_id", &request.get_ref().opinion_id).map_err(status)?;
        let row = self
            .db
            .audited_read(ctx, method!("GetIntegrityOpinion"), "integrity_opinion", id.clone(), move |conn| {
                visible_opinion(conn, &caller, &id)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetIntegrityOpinionResponse { opinion: Some(view::opinion(&row)) }))
    }

    pub(super) async fn list_integrity_opinions_impl(
        &self,
        request: Request<pb::ListIntegrityOpinionsRequest>,
    ) -> Result<Response<pb::ListIntegrityOpinionsResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let state = match request.state {
            0 => None,
            n => {
                let state = OpinionState::from_number(n);
                v.require(state.is_some(), "state", "is not an opinion state");
                state
            }
        };
        let cadre_id = optional_id(&mut v, "cadre_id", &request.cadre_id);
        finish(v, "INVALID_QUERY", "the query is not valid")?;
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let filters = paging::filter_fingerprint(&[state.map_or("", |s| s.code()), &cadre_id]);
        let after = after_token(&request.page_token, &filters)?;
        let (opinions, next) = self
            .db
            .audited_read(
                ctx,
                method!("ListIntegrityOpinions"),
                "integrity_opinions",
                cadre_id.clone(),
                move |conn| {
                    let reach = store::reach(conn, &caller.scope, "")?;
                    let cadre = Some(cadre_id).filter(|c| !c.is_empty());
                    let rows = integrity_store::list_opinions(conn, &reach, state, cadre, after, limit + 1)?;
                    let (rows, next) = page(rows, limit, &filters, |r| r.id.clone());
                    Ok((rows.iter().map(view::opinion).collect(), next))
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListIntegrityOpinionsResponse { opinions, next_page_token: next }))
    }
}

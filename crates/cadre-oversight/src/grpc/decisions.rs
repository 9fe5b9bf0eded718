//! Accountability decisions on the escalation ladder (domain.md §4.5), the 影响期 windows they set, and the
//! restrictions other services read. A decision is checked twice before anything is written: the caller
//! must speak for the deciding body (their role), and the body must be one the policy lets decide the
//! measure. Decisions are never changed afterwards, only their 档案 filing recorded.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cadre_platform::{
    ApiError, CallContext, DbConn, Violations,
    auth::Caller,
    dates::{optional_date, required_date},
    error::require_id,
    input::{id, optional_id, text},
    paging,
};
use cadre_projection::store as projection;
use cadre_proto::oversight as pb;
use chrono::{Months, NaiveDate};
use diesel::prelude::*;
use tonic::{Request, Response, Status};

use super::{
    MAX_ITEMS, MAX_SHORT_CHARS, MAX_TEXT_CHARS, OversightApi, after_token, cadre_not_found, denied, finish,
    holds, page, past_date, status, visible_cadre, visible_unit,
};
use crate::{
    domain::{
        codes::{AccountabilityMeasure, DecidingBody},
        ladder::{self, Target},
        restrictions,
    },
    store::{
        self, Reach,
        decisions::{self as decision_store, DecisionFilter, DecisionRow},
        findings as finding_store,
        schema::{findings, responsibilities},
    },
    view::decisions as view,
    workflow::{self, NewDecision},
};

/// The most cadres one BatchGetRestrictions answers for.
pub const MAX_BATCH: usize = 1_000;

fn decision_not_found(id: &str) -> ApiError {
    ApiError::not_found("DECISION_NOT_FOUND", format!("no decision {id}"))
}

/// A decision the caller sees (by its cadre, or its unit for a measure on an organisation).
fn visible_decision(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<DecisionRow, ApiError> {
    let row = decision_store::get(conn, id)?.ok_or_else(|| decision_not_found(id))?;
    let reach = store::reach(conn, &caller.scope, "")?;
    if !reach.admits(&row.cadre_id, &row.org_unit_id) {
        return Err(decision_not_found(id));
    }
    Ok(row)
}

/// Decisions as the contract shows them: with their units' names and their 容错 reviews.
fn decisions_view(conn: &mut DbConn, rows: &[DecisionRow]) -> Result<Vec<pb::Decision>, ApiError> {
    let mut names: HashMap<String, String> = HashMap::new();
    for unit in rows.iter().map(|r| r.org_unit_id.clone()).collect::<BTreeSet<_>>() {
        let name = projection::unit(conn, &unit)?.map(|u| u.name).unwrap_or_default();
        names.insert(unit, name);
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let review = decision_store::exemption_of(conn, &row.id)?;
        let review = review.as_ref().map(|r| (r.review_id.as_str(), r.decision == decision_store::EXEMPT));
        let name = names.get(&row.org_unit_id).map_or("", String::as_str);
        out.push(view::decision(row, name, review));
    }
    Ok(out)
}

/// A checked RecordDecision, ready for its transaction.
struct Checked {
    cadre_id: String,
    org_unit_id: String,
    measure: AccountabilityMeasure,
    body: DecidingBody,
    basis_article: String,
    document_number: String,
    decided_on: NaiveDate,
    effective_date: NaiveDate,
    probation_months: Option<u32>,
    finding_ids: Vec<String>,
    responsibility_id: String,
    note: String,
    source_ref: String,
}

fn check_record(
    request: &pb::RecordDecisionRequest,
    caller: &Caller,
    today: NaiveDate,
) -> Result<Checked, Status> {
    let mut v = Violations::default();
    let cadre_id = optional_id(&mut v, "cadre_id", &request.cadre_id);
    let org_unit_id = optional_id(&mut v, "org_unit_id", &request.org_unit_id);
    v.require(
        cadre_id.is_empty() != org_unit_id.is_empty(),
        "cadre_id",
        "exactly one of cadre_id (a person) and org_unit_id (a Party organisation) is required",
    );
    let measure = AccountabilityMeasure::from_number(request.measure);
    v.require(measure.is_some(), "measure", "is required");
    let body = DecidingBody::from_number(request.deciding_body);
    v.require(body.is_some(), "deciding_body", "is required");
    let basis_article = text(&mut v, "basis_article", &request.basis_article, MAX_SHORT_CHARS, false);
    let document_number = text(&mut v, "document_number", &request.document_number, MAX_SHORT_CHARS, false);
    let decided_on = past_date(&mut v, "decided_on", request.decided_on.as_ref(), today);
    let effective_date = optional_date(&mut v, "effective_date", request.effective_date.as_ref());
    let probation_months = u32::try_from(request.probation_months).ok().filter(|m| *m > 0);
    v.require(request.probation_months >= 0, "probation_months", "must not be negative");
    if request.finding_ids.len() > MAX_ITEMS {
        v.add("finding_ids", format!("at most {MAX_ITEMS} entries"));
    }
    let finding_ids: Vec<String> = request
        .finding_ids
        .iter()
        .enumerate()
        .map(|(i, f)| id(&mut v, &format!("finding_ids[{i}]"), f))
        .collect();
    let responsibility_id = optional_id(&mut v, "responsibility_id", &request.responsibility_id);
    let note = text(&mut v, "note", &request.note, MAX_TEXT_CHARS, false);
    let source_ref = text(&mut v, "source_ref", &request.source_ref, MAX_SHORT_CHARS, false);
    // Only the discipline system keeps references of its own; anyone else's would make a retry look like a
    // duplicate of a decision it never sent.
    v.require(
        source_ref.is_empty() || holds(caller, &[cadre_platform::auth::Role::DisciplineSystem]),
        "source_ref",
        "is set only by the discipline-inspection system",
    );
    finish(v, "INVALID_DECISION", "the decision is not valid")?;
    let (Some(measure), Some(body), Some(decided_on)) = (measure, body, decided_on) else {
        return Err(status(ApiError::internal("validated fields missing")));
    };
    Ok(Checked {
        cadre_id,
        org_unit_id,
        measure,
        body,
        basis_article,
        document_number,
        decided_on,
        effective_date: effective_date.unwrap_or(decided_on),
        probation_months,
        finding_ids,
        responsibility_id,
        note,
        source_ref,
    })
}

/// The findings a decision answers must be about its target.
fn check_findings(conn: &mut DbConn, checked: &Checked, unit: &str) -> Result<(), ApiError> {
    for finding_id in &checked.finding_ids {
        let finding = finding_store::get(conn, finding_id)?
            .ok_or_else(|| ApiError::not_found("FINDING_NOT_FOUND", format!("no finding {finding_id}")))?;
        let same = if checked.cadre_id.is_empty() {
            finding.cadre_id.is_empty() && finding.org_unit_id == unit
        } else {
            finding.cadre_id == checked.cadre_id
        };
        if !same {
            return Err(ApiError::failed_precondition(
                "FINDING_NOT_OF_TARGET",
                format!("finding {finding_id} is about someone else"),
            )
            .with_violation("finding_ids", "must be findings about the decision's cadre or organisation"));
        }
    }
    if !checked.responsibility_id.is_empty() {
        let of_unit: Option<String> = responsibilities::table
            .find(&checked.responsibility_id)
            .select(responsibilities::org_unit_id)
            .first(conn)
            .optional()?;
        match of_unit {
            None => {
                return Err(ApiError::not_found(
                    "RESPONSIBILITY_NOT_FOUND",
                    format!("no responsibility {}", checked.responsibility_id),
                ));
            }
            Some(of_unit) if of_unit != unit => {
                return Err(ApiError::failed_precondition(
                    "RESPONSIBILITY_NOT_OF_UNIT",
                    "the responsibility that failed must be one of the decision's unit",
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A day's restrictions of each cadre asked about (all visible, or NOT_FOUND naming the first that is not).
fn restrictions_of(
    conn: &mut DbConn,
    caller: &Caller,
    cadre_ids: &[String],
    as_of: NaiveDate,
) -> Result<Vec<pb::CadreRestrictions>, ApiError> {
    let known: BTreeSet<String> = projection::cadres(conn, cadre_ids)?.into_iter().map(|c| c.id).collect();
    let reach = store::reach(conn, &caller.scope, "")?;
    if let Some(unknown) = cadre_ids.iter().find(|id| !known.contains(*id) || !reach.admits(id, "")) {
        return Err(cadre_not_found(unknown));
    }
    let windows = decision_store::windows_of(conn, cadre_ids)?;
    Ok(cadre_ids
        .iter()
        .map(|cadre| {
            let all = windows.get(cadre).map_or(&[][..], Vec::as_slice);
            let in_effect = restrictions::in_effect(all, as_of);
            let barred = restrictions::combined(&in_effect);
            view::restrictions(cadre, as_of, &in_effect, barred)
        })
        .collect())
}

fn counts(map: BTreeMap<String, i32>) -> Vec<pb::Count> {
    map.into_iter().map(|(code, count)| pb::Count { code, count }).collect()
}

impl OversightApi {
    pub(super) async fn record_decision_impl(
        &self,
        request: Request<pb::RecordDecisionRequest>,
    ) -> Result<Response<pb::RecordDecisionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let checked = check_record(&request, &caller, self.today())?;
        // The caller must speak for the body before the body's authority is even asked about.
        let roles = ladder::body_roles(checked.body);
        if !holds(&caller, roles) {
            return Err(status(denied(
                "BODY_NOT_AUTHORISED",
                format!("the caller does not decide for the {}", checked.body.code()),
            )));
        }
        let response = self
            .db
            .mutate(ctx, method!("RecordDecision"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                if !checked.source_ref.is_empty()
                    && let Some(existing) = decision_store::by_source_ref(conn, &checked.source_ref)?
                {
                    return Err(ApiError::already_exists(
                        "DECISION_EXISTS",
                        format!("the discipline system's {} is decision {}", checked.source_ref, existing.id),
                    )
                    .with_metadata("decision_id", existing.id));
                }
                let (target, cadre_name, unit) = if checked.cadre_id.is_empty() {
                    let unit = visible_unit(conn, &caller, &checked.org_unit_id)?;
                    (Target::Organisation, String::new(), unit)
                } else {
                    let cadre = visible_cadre(conn, &caller, &checked.cadre_id)?;
                    if caller.principal.cadre_id.as_deref() == Some(cadre.id.as_str()) {
                        return Err(denied("OWN_CASE", "nobody decides a measure on themself"));
                    }
                    let unit = projection::unit(conn, &cadre.employing_unit_id)?
                        .ok_or_else(|| super::unit_not_found(&cadre.employing_unit_id))?;
                    (Target::Person, cadre.name, unit)
                };
                check_findings(conn, &checked, &unit.id)?;
                let decision = workflow::record_decision(
                    tx,
                    NewDecision {
                        cadre_id: checked.cadre_id,
                        cadre_name,
                        unit,
                        measure: checked.measure,
                        body: checked.body,
                        target,
                        basis_article: checked.basis_article,
                        document_number: checked.document_number,
                        decided_on: checked.decided_on,
                        effective_date: checked.effective_date,
                        probation_months: checked.probation_months,
                        finding_ids: checked.finding_ids,
                        responsibility_id: checked.responsibility_id,
                        note: checked.note,
                        source_ref: checked.source_ref,
                        recorded_by: caller.principal.subject.clone(),
                    },
                )?;
                Ok(pb::RecordDecisionResponse { decision: Some(decision) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_decision_impl(
        &self,
        request: Request<pb::GetDecisionRequest>,
    ) -> Result<Response<pb::GetDecisionResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = require_id("decision_id", &request.get_ref().decision_id).map_err(status)?;
        let decision = self
            .db
            .run(move |conn| {
                let row = visible_decision(conn, &caller, &id)?;
                Ok(decisions_view(conn, &[row])?.pop())
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetDecisionResponse { decision }))
    }

    pub(super) async fn list_decisions_impl(
        &self,
        request: Request<pb::ListDecisionsRequest>,
    ) -> Result<Response<pb::ListDecisionsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut v = Violations::default();
        let from = optional_date(&mut v, "from_date", request.from_date.as_ref());
        let to = optional_date(&mut v, "to_date", request.to_date.as_ref());
        let measure = (request.measure != 0).then(|| AccountabilityMeasure::from_number(request.measure));
        v.require(!matches!(measure, Some(None)), "measure", "is not a measure");
        finish(v, "INVALID_QUERY", "the query is not valid")?;
        let filter = DecisionFilter {
            cadre_id: Some(request.cadre_id.clone()).filter(|c| !c.is_empty()),
            measure: measure.flatten().map(|m| m.code().to_owned()),
            from,
            to,
            archive_outstanding: request.archive_outstanding,
        };
        let fingerprint = paging::filter_fingerprint(&[
            &request.org_unit_id,
            &request.cadre_id,
            &request.measure.to_string(),
            &format!("{from:?}{to:?}"),
            &request.archive_outstanding.to_string(),
        ]);
        let after = after_token(&request.page_token, &fingerprint)?;
        let (decisions, next) = self
            .db
            .run(move |conn| {
                if !request.org_unit_id.is_empty() {
                    visible_unit(conn, &caller, &request.org_unit_id)?;
                }
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let rows = decision_store::list(conn, &reach, &filter, after, limit + 1)?;
                let (rows, next) = page(rows, limit, &fingerprint, |r| r.id.clone());
                Ok((decisions_view(conn, &rows)?, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListDecisionsResponse { decisions, next_page_token: next }))
    }

    pub(super) async fn record_archive_filing_impl(
        &self,
        request: Request<pb::RecordArchiveFilingRequest>,
    ) -> Result<Response<pb::RecordArchiveFilingResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let decision_id = id(&mut v, "decision_id", &request.decision_id);
        let filed_on = past_date(&mut v, "filed_on", request.filed_on.as_ref(), self.today());
        finish(v, "INVALID_FILING", "the filing is not valid")?;
        let Some(filed_on) = filed_on else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("RecordArchiveFiling"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible_decision(conn, &caller, &decision_id)?;
                if row.archive_due_date.is_none() {
                    return Err(ApiError::failed_precondition(
                        "ARCHIVE_NOT_REQUIRED",
                        format!("a {} puts no material into the dossier", row.measure),
                    ));
                }
                if let Some(filed) = row.archived_on {
                    return Err(ApiError::failed_precondition(
                        "ARCHIVE_ALREADY_FILED",
                        format!("the material was filed on {filed}"),
                    ));
                }
                if filed_on < row.decided_on {
                    return Err(ApiError::invalid_argument("INVALID_FILING", "filed before the decision")
                        .with_violation("filed_on", "must not be before the decision day"));
                }
                decision_store::set_archived(conn, &row.id, filed_on)?;
                row.archived_on = Some(filed_on);
                tx.set_object("decision", &row.id);
                Ok(pb::RecordArchiveFilingResponse { decision: decisions_view(tx.conn(), &[row])?.pop() })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_escalation_proposal_impl(
        &self,
        request: Request<pb::GetEscalationProposalRequest>,
    ) -> Result<Response<pb::GetEscalationProposalResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let cadre_id = id(&mut v, "cadre_id", &request.cadre_id);
        let as_of = optional_date(&mut v, "as_of", request.as_of.as_ref()).unwrap_or_else(|| self.today());
        finish(v, "INVALID_QUERY", "the query is not valid")?;
        let proposal = self
            .db
            .run(move |conn| {
                visible_cadre(conn, &caller, &cadre_id)?;
                let Some(proposal) = workflow::escalation_for(conn, &cadre_id, None, as_of)? else {
                    return Ok(None);
                };
                let since =
                    as_of.checked_sub_months(Months::new(proposal.window_months)).unwrap_or(NaiveDate::MIN);
                let in_window: i64 = findings::table
                    .filter(findings::cadre_id.eq(&cadre_id))
                    .filter(findings::found_on.gt(since))
                    .filter(findings::found_on.le(as_of))
                    .count()
                    .get_result(conn)?;
                let mut shown = crate::view::escalation(&store::json(&proposal));
                if let Some(shown) = shown.as_mut() {
                    shown.findings_in_window = i32::try_from(in_window).unwrap_or(i32::MAX);
                }
                Ok(shown)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetEscalationProposalResponse { proposal }))
    }

    pub(super) async fn get_restrictions_impl(
        &self,
        request: Request<pb::GetRestrictionsRequest>,
    ) -> Result<Response<pb::GetRestrictionsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let cadre_id = id(&mut v, "cadre_id", &request.cadre_id);
        let as_of = optional_date(&mut v, "as_of", request.as_of.as_ref()).unwrap_or_else(|| self.today());
        finish(v, "INVALID_QUERY", "the query is not valid")?;
        let mut answer = self
            .db
            .run(move |conn| restrictions_of(conn, &caller, &[cadre_id], as_of))
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetRestrictionsResponse { restrictions: answer.pop() }))
    }

    pub(super) async fn batch_get_restrictions_impl(
        &self,
        request: Request<pb::BatchGetRestrictionsRequest>,
    ) -> Result<Response<pb::BatchGetRestrictionsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        v.require(
            (1..=MAX_BATCH).contains(&request.cadre_ids.len()),
            "cadre_ids",
            format!("between 1 and {MAX_BATCH} cadres"),
        );
        let mut seen = BTreeSet::new();
        let cadre_ids: Vec<String> = request
            .cadre_ids
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let field = format!("cadre_ids[{i}]");
                let cadre = id(&mut v, &field, c);
                v.require(seen.insert(cadre.clone()), field, "is asked about twice");
                cadre
            })
            .collect();
        let as_of = optional_date(&mut v, "as_of", request.as_of.as_ref()).unwrap_or_else(|| self.today());
        finish(v, "INVALID_QUERY", "the query is not valid")?;
        let restrictions = self
            .db
            .run(move |conn| restrictions_of(conn, &caller, &cadre_ids, as_of))
            .await
            .map_err(status)?;
        Ok(Response::new(pb::BatchGetRestrictionsResponse { restrictions }))
    }

    pub(super) async fn get_decision_statistics_impl(
        &self,
        request: Request<pb::GetDecisionStatisticsRequest>,
    ) -> Result<Response<pb::GetDecisionStatisticsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut v = Violations::default();
        let from = required_date(&mut v, "from_date", request.from_date.as_ref());
        let to = required_date(&mut v, "to_date", request.to_date.as_ref());
        if let (Some(from), Some(to)) = (from, to) {
            v.require(from <= to, "to_date", "must not be before from_date");
        }
        finish(v, "INVALID_QUERY", "the query is not valid")?;
        let (Some(from), Some(to)) = (from, to) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .run(move |conn| {
                if !request.org_unit_id.is_empty() {
                    visible_unit(conn, &caller, &request.org_unit_id)?;
                }
                let reach: Reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let rows = decision_store::in_period(conn, &reach, from, to)?;
                let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let exempted = decision_store::exempted_among(conn, &ids)?;
                let (mut by_measure, mut by_form, mut by_body) =
                    (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
                for row in &rows {
                    *by_measure.entry(row.measure.clone()).or_insert(0) += 1;
                    *by_form.entry(row.form.to_string()).or_insert(0) += 1;
                    *by_body.entry(row.deciding_body.clone()).or_insert(0) += 1;
                }
                Ok(pb::GetDecisionStatisticsResponse {
                    by_measure: counts(by_measure),
                    by_form: counts(by_form),
                    by_body: counts(by_body),
                    total: i32::try_from(rows.len()).unwrap_or(i32::MAX),
                    exempted: i32::try_from(exempted.len()).unwrap_or(i32::MAX),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

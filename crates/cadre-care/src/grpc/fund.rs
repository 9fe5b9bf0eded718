//! The care and protection fund (关爱保护基金): contributions, applications with their approval chain, the
//! disbursement that writes the ledger (never below zero, whatever runs at the same time), and the report
//! of a year's use.

use std::collections::BTreeMap;

use cadre_platform::{
    ApiError, CallContext, DbConn, Violations,
    auth::{Caller, Role},
    clock,
    error::require_id,
    paging,
};
use cadre_projection::store as projection;
use cadre_proto::care as pb;
use chrono::NaiveDate;
use tonic::{Request, Response, Status};

use super::{
    CareApi, MAX_SHORT_CHARS, MAX_TEXT_CHARS, after_token, denied, finish, holds, page, past_date, status,
    text, texts, visible_cadre,
};
use crate::{
    domain::{
        codes::{ApplicationState, ApprovalStep, FundReason},
        fund::{FundError, Progress, YearToDate, check_limits, pay_out, steps_for},
    },
    events,
    store::{
        self,
        fund::{self as fund_store, ApplicationRow, CONTRIBUTION, DISBURSEMENT, LedgerRow, StoredDecision},
    },
    view,
};

/// The most one contribution or application may be, in fen (a typo's guard: 100 million yuan).
const MAX_AMOUNT_FEN: i64 = 10_000_000_000;

fn fund_error(error: FundError) -> ApiError {
    ApiError::failed_precondition(error.reason(), error.to_string())
}

fn application_not_found(id: &str) -> ApiError {
    ApiError::not_found("APPLICATION_NOT_FOUND", format!("no fund application {id}"))
}

fn amount(violations: &mut Violations, field: &str, fen: i64) -> i64 {
    violations.require(fen > 0 && fen <= MAX_AMOUNT_FEN, field, "must be a positive amount in fen");
    fen
}

/// An application the caller sees.
fn visible_application(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<ApplicationRow, ApiError> {
    let row = fund_store::application(conn, id)?.ok_or_else(|| application_not_found(id))?;
    let reach = store::reach(conn, &caller.scope, "")?;
    if !reach.admits(&row.cadre_id, &row.org_unit_id) {
        return Err(application_not_found(id));
    }
    Ok(row)
}

/// An application's approval progress, as stored.
fn progress_of(row: &ApplicationRow) -> Result<Progress, ApiError> {
    let state = ApplicationState::from_code(&row.state)
        .ok_or_else(|| ApiError::internal(format!("application {} has state {:?}", row.id, row.state)))?;
    let approved_steps =
        usize::try_from(row.approved_steps).map_err(|_| ApiError::internal("negative steps"))?;
    Ok(Progress { state, steps: view::steps(row)?, approved_steps })
}

/// The first and last day of `day`'s calendar year.
fn year_bounds(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    crate::domain::talk::year_of(day)
}

impl CareApi {
    pub(super) async fn record_fund_contribution_impl(
        &self,
        request: Request<pb::RecordFundContributionRequest>,
    ) -> Result<Response<pb::RecordFundContributionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let source = text(&mut violations, "source", &request.source, MAX_SHORT_CHARS, true);
        let fen = amount(&mut violations, "amount_fen", request.amount_fen);
        let received = past_date(&mut violations, "received_on", request.received_on.as_ref(), today);
        let document = text(&mut violations, "document", &request.document, MAX_SHORT_CHARS, true);
        finish(violations, "INVALID_CONTRIBUTION", "the contribution is not valid")?;
        let Some(received) = received else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(
                ctx,
                method!("RecordFundContribution"),
                &request.request_id.clone(),
                &request,
                move |tx| {
                    let conn = tx.conn();
                    let balance = fund_store::lock_balance(conn)?;
                    let after = balance.checked_add(fen).ok_or_else(|| {
                        ApiError::failed_precondition("FUND_OVERFLOW", "the balance would overflow")
                    })?;
                    let entry = LedgerRow {
                        id: store::new_id(),
                        entry_kind: CONTRIBUTION.to_owned(),
                        amount_fen: fen,
                        balance_after_fen: after,
                        entry_date: received,
                        source,
                        document,
                        application_id: String::new(),
                        cadre_id: String::new(),
                        org_unit_id: String::new(),
                        reason: String::new(),
                        recorded_by: caller.principal.subject.clone(),
                        recorded_at: clock::now(),
                    };
                    fund_store::post(conn, &entry)?;
                    tx.set_object("fund_contribution", &entry.id);
                    Ok(pb::RecordFundContributionResponse { contribution: Some(view::contribution(&entry)) })
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn submit_fund_application_impl(
        &self,
        request: Request<pb::SubmitFundApplicationRequest>,
    ) -> Result<Response<pb::SubmitFundApplicationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let cadre_id = super::id(&mut violations, "cadre_id", &request.cadre_id);
        let reason = FundReason::from_number(request.reason);
        violations.require(reason.is_some(), "reason", "is required");
        let description = text(&mut violations, "description", &request.description, MAX_TEXT_CHARS, true);
        let fen = amount(&mut violations, "amount_requested_fen", request.amount_requested_fen);
        let evidence = texts(&mut violations, "evidence_refs", &request.evidence_refs, false);
        finish(violations, "INVALID_APPLICATION", "the application is not valid")?;
        let Some(reason) = reason else { return Err(status(ApiError::internal("validated fields missing"))) };
        // A cadre applies for themself; their unit and the org department apply for anyone they keep.
        let for_others = holds(&caller, &[Role::UnitLeader, Role::UnitHrOfficer, Role::OrgOfficer]);
        if !for_others && caller.principal.cadre_id.as_deref() != Some(cadre_id.as_str()) {
            return Err(status(denied(
                "APPLY_FOR_SELF_ONLY",
                "a cadre applies to the fund only for themself",
            )));
        }
        let response = self
            .db
            .mutate(ctx, method!("SubmitFundApplication"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                let policy = store::policy::on(conn, today)?;
                // More than a whole year's limit can never be paid: say so now rather than after approval.
                check_limits(YearToDate::default(), fen, &policy.fund).map_err(fund_error)?;
                let steps: Vec<String> =
                    steps_for(fen, &policy.fund).iter().map(|s| s.code().to_owned()).collect();
                let now = clock::now();
                let row = ApplicationRow {
                    id: store::new_id(),
                    cadre_id: cadre.id,
                    cadre_name: cadre.name,
                    org_unit_id: cadre.employing_unit_id,
                    reason: reason.code().to_owned(),
                    description,
                    amount_requested_fen: fen,
                    evidence_refs: store::json(&evidence),
                    state: ApplicationState::Pending.code().to_owned(),
                    steps: store::json(&steps),
                    decisions: "[]".to_owned(),
                    approved_steps: 0,
                    disbursed_on: None,
                    applied_by: caller.principal.subject.clone(),
                    created_at: now,
                    updated_at: now,
                };
                fund_store::insert_application(conn, &row)?;
                tx.set_object("fund_application", &row.id);
                Ok(pb::SubmitFundApplicationResponse { application: Some(view::application(&row)?) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_fund_application_impl(
        &self,
        request: Request<pb::GetFundApplicationRequest>,
    ) -> Result<Response<pb::GetFundApplicationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let id = require_id("application_id", &request.get_ref().application_id).map_err(status)?;
        // An application says why someone needs help (illness, bereavement): each read is recorded.
        let application = self
            .db
            .audited_read(ctx, method!("GetFundApplication"), "fund_application", id.clone(), move |conn| {
                view::application(&visible_application(conn, &caller, &id)?)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetFundApplicationResponse { application: Some(application) }))
    }

    pub(super) async fn list_fund_applications_impl(
        &self,
        request: Request<pb::ListFundApplicationsRequest>,
    ) -> Result<Response<pb::ListFundApplicationsResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let state = match request.state {
            0 => None,
            n => {
                let state = ApplicationState::from_number(n);
                violations.require(state.is_some(), "state", "is not an application state");
                state
            }
        };
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let filters = paging::filter_fingerprint(&[
            &request.cadre_id,
            &request.org_unit_id,
            &request.state.to_string(),
        ]);
        let after = after_token(&request.page_token, &filters)?;
        let object =
            if request.cadre_id.is_empty() { request.org_unit_id.clone() } else { request.cadre_id.clone() };
        // Applications carry reasons and descriptions of illness and hardship: the read is recorded.
        let (applications, next) = self
            .db
            .audited_read(ctx, method!("ListFundApplications"), "fund_applications", object, move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let cadre = Some(request.cadre_id.clone()).filter(|c| !c.is_empty());
                let state = state.map(|s| s.code().to_owned());
                let rows = fund_store::list_applications(conn, &reach, cadre, state, after, limit + 1)?;
                let (rows, next) = page(rows, limit, &filters, |r| r.id.clone());
                Ok((rows.iter().map(view::application).collect::<Result<Vec<_>, _>>()?, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListFundApplicationsResponse { applications, next_page_token: next }))
    }

    pub(super) async fn decide_fund_application_impl(
        &self,
        request: Request<pb::DecideFundApplicationRequest>,
    ) -> Result<Response<pb::DecideFundApplicationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let id = super::id(&mut violations, "application_id", &request.application_id);
        let step = ApprovalStep::from_number(request.step);
        violations.require(step.is_some(), "step", "is required");
        let comment = text(&mut violations, "comment", &request.comment, MAX_TEXT_CHARS, !request.approved);
        finish(violations, "INVALID_DECISION", "the decision is not valid")?;
        let Some(step) = step else { return Err(status(ApiError::internal("validated fields missing"))) };
        let role = match step {
            ApprovalStep::UnitLeader => Role::UnitLeader,
            ApprovalStep::OrgDepartment => Role::OrgOfficer,
            ApprovalStep::Committee => Role::CommitteeMember,
        };
        if !holds(&caller, &[role]) {
            return Err(status(denied(
                "STEP_NOT_YOURS",
                format!("the {step} step is decided by the {role} role"),
            )));
        }
        let approved = request.approved;
        let response = self
            .db
            .mutate(ctx, method!("DecideFundApplication"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible_application(conn, &caller, &id)?;
                // Neither the person helped nor whoever submitted the application decides on it.
                if caller.principal.cadre_id.as_deref() == Some(row.cadre_id.as_str())
                    || row.applied_by == caller.principal.subject
                {
                    return Err(denied(
                        "OWN_APPLICATION",
                        "nobody decides an application for themself or one they submitted",
                    ));
                }
                let mut progress = progress_of(&row)?;
                progress.decide(step, approved).map_err(fund_error)?;
                let mut decisions = view::decisions(&row)?;
                decisions.push(StoredDecision {
                    step: step.code().to_owned(),
                    approved,
                    decided_by: caller.principal.subject.clone(),
                    comment,
                    decided_at: clock::now(),
                });
                row.decisions =
                    serde_json::to_string(&decisions).map_err(|e| ApiError::internal(e.to_string()))?;
                row.state = progress.state.code().to_owned();
                row.approved_steps = i32::try_from(progress.approved_steps).unwrap_or(i32::MAX);
                row.updated_at = clock::now();
                fund_store::update_application(conn, &row)?;
                tx.set_object("fund_application", &row.id);
                Ok(pb::DecideFundApplicationResponse { application: Some(view::application(&row)?) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn disburse_fund_application_impl(
        &self,
        request: Request<pb::DisburseFundApplicationRequest>,
    ) -> Result<Response<pb::DisburseFundApplicationResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let id = super::id(&mut violations, "application_id", &request.application_id);
        let on = past_date(&mut violations, "disbursed_on", request.disbursed_on.as_ref(), today);
        finish(violations, "INVALID_DISBURSEMENT", "the disbursement is not valid")?;
        let Some(on) = on else { return Err(status(ApiError::internal("validated fields missing"))) };
        let response = self
            .db
            .mutate(
                ctx,
                method!("DisburseFundApplication"),
                &request.request_id.clone(),
                &request,
                move |tx| {
                    let conn = tx.conn();
                    // Read before the fund's row lock, yet not stale: `mutate` holds the audit chain's lock
                    // from the start of the transaction, which every writer of an application takes too.
                    let mut row = visible_application(conn, &caller, &id)?;
                    let mut progress = progress_of(&row)?;
                    progress.disburse().map_err(fund_error)?;
                    // The fund's row is locked from here to commit: concurrent disbursements queue, and each
                    // sees the balance the previous one left.
                    let balance = fund_store::lock_balance(conn)?;
                    let policy = store::policy::on(conn, on)?;
                    let (start, end) = year_bounds(on);
                    let (received_fen, count) = fund_store::received(conn, &row.cadre_id, start, end)?;
                    let fen = row.amount_requested_fen;
                    check_limits(YearToDate { amount_fen: received_fen, count }, fen, &policy.fund)
                        .map_err(fund_error)?;
                    let after = pay_out(balance, fen).map_err(fund_error)?;
                    let entry = LedgerRow {
                        id: store::new_id(),
                        entry_kind: DISBURSEMENT.to_owned(),
                        amount_fen: -fen,
                        balance_after_fen: after,
                        entry_date: on,
                        source: String::new(),
                        document: String::new(),
                        application_id: row.id.clone(),
                        cadre_id: row.cadre_id.clone(),
                        org_unit_id: row.org_unit_id.clone(),
                        reason: row.reason.clone(),
                        recorded_by: caller.principal.subject.clone(),
                        recorded_at: clock::now(),
                    };
                    fund_store::post(conn, &entry)?;
                    row.state = progress.state.code().to_owned();
                    row.disbursed_on = Some(on);
                    row.updated_at = clock::now();
                    fund_store::update_application(conn, &row)?;
                    tx.set_object("fund_application", &row.id);
                    events::fund_disbursed(tx, &row.id, &row.cadre_id, fen, on, after)?;
                    Ok(pb::DisburseFundApplicationResponse {
                        application: Some(view::application(&row)?),
                        balance_after_fen: after,
                    })
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_fund_report_impl(
        &self,
        request: Request<pb::GetFundReportRequest>,
    ) -> Result<Response<pb::GetFundReportResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let year = super::year(&mut violations, "year", request.year);
        finish(violations, "INVALID_FILTER", "the report's filter is not valid")?;
        let report = self
            .db
            .run(move |conn| {
                let start =
                    NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| ApiError::internal("no 1 January"))?;
                let (start, end) = year_bounds(start);
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let contributions = fund_store::entries(conn, CONTRIBUTION, start, end)?;
                let disbursements: Vec<LedgerRow> = fund_store::entries(conn, DISBURSEMENT, start, end)?
                    .into_iter()
                    .filter(|e| reach.admits(&e.cadre_id, &e.org_unit_id))
                    .collect();
                let mut by_reason: BTreeMap<i32, (i32, i64)> = BTreeMap::new();
                let mut by_unit: BTreeMap<String, (i32, i64)> = BTreeMap::new();
                for entry in &disbursements {
                    let reason = FundReason::from_code(&entry.reason).map_or(0, FundReason::number);
                    let slot = by_reason.entry(reason).or_default();
                    *slot = (slot.0 + 1, slot.1 + entry.amount_fen.saturating_abs());
                    let slot = by_unit.entry(entry.org_unit_id.clone()).or_default();
                    *slot = (slot.0 + 1, slot.1 + entry.amount_fen.saturating_abs());
                }
                let mut units = Vec::with_capacity(by_unit.len());
                for (unit, (count, fen)) in by_unit {
                    let name = projection::unit(conn, &unit)?.map(|u| u.name).unwrap_or_default();
                    units.push(pb::UnitTotal {
                        org_unit_id: unit,
                        org_unit_name: name,
                        count,
                        amount_fen: fen,
                    });
                }
                Ok(pb::GetFundReportResponse {
                    year,
                    contributed_fen: contributions.iter().map(|c| c.amount_fen).sum(),
                    contributions: i32::try_from(contributions.len()).unwrap_or(i32::MAX),
                    disbursed_fen: disbursements.iter().map(|d| d.amount_fen.saturating_abs()).sum(),
                    by_reason: by_reason
                        .into_iter()
                        .map(|(reason, (count, fen))| pb::ReasonTotal { reason, count, amount_fen: fen })
                        .collect(),
                    by_unit: units,
                    balance_fen: fund_store::balance(conn)?,
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(report))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    #[test]
    fn a_year_runs_from_january_to_december() {
        let day = NaiveDate::from_ymd_opt(2026, 7, 9).unwrap();
        assert_eq!(year_bounds(day).0.ordinal(), 1);
        assert_eq!(year_bounds(day).1, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    }
}

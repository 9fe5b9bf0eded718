//! Balances and the ledger: what a cadre has, has used and may still ask for, and the hand-made entries
//! (adjustments, 探亲假 grants, protected statuses) that only the unit's HR officer and the org department
//! record.

use cadre_platform::{ApiError, CallContext, DbConn, auth::Caller, clock, error::require_id};
use cadre_proto::leave as pb;
use chrono::{Datelike, NaiveDate};
use tonic::{Request, Response, Status};

use super::{LeaveApi, status};
use crate::{
    domain::{
        HalfDays,
        absence::ProtectedStatus,
        entitlement::{self, FamilyVisitKind},
    },
    store::{
        self,
        ledger::{self, Entry},
    },
    view,
    workflow::balance::{self, Position},
};

fn balance_view(leave_type: &str, position: &Position, with_balance: bool) -> pb::LeaveBalance {
    pb::LeaveBalance {
        leave_type: leave_type.to_owned(),
        granted: position.granted.as_f64(),
        used: position.used.as_f64(),
        pending: position.pending.as_f64(),
        forfeited: position.forfeited.as_f64(),
        available: if with_balance { position.available().as_f64() } else { 0.0 },
    }
}

fn entry_view(entry: &Entry) -> pb::LedgerEntry {
    let kind = match entry.kind.as_str() {
        "GRANT" => pb::LedgerEntryKind::Grant,
        "USE" => pb::LedgerEntryKind::Use,
        "REFUND" => pb::LedgerEntryKind::Refund,
        "ADJUSTMENT" => pb::LedgerEntryKind::Adjustment,
        "FORFEIT" => pb::LedgerEntryKind::Forfeit,
        _ => pb::LedgerEntryKind::Unspecified,
    };
    // Uses are stored as positive amounts taken; on the wire every entry is signed toward the balance.
    let signed = if entry.kind == "USE" { -entry.halves.abs() } else { entry.halves };
    pb::LedgerEntry {
        id: entry.id.clone(),
        cadre_id: entry.cadre_id.clone(),
        leave_type: entry.leave_type.clone(),
        year: entry.year,
        kind: kind as i32,
        days: view::ledger_days(signed),
        reason: entry.reason.clone(),
        leave_request_id: entry.leave_request_id.clone(),
        effective_date: Some(view::date(entry.effective_date)),
        recorded_by: entry.recorded_by.clone(),
        create_time: Some(clock::to_timestamp(entry.created_at)),
    }
}

/// The cadre named by a request, if the caller's scope covers them; otherwise absent, like a cadre that
/// does not exist.
fn scoped_cadre(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> Result<store::projection::CadreView, ApiError> {
    let absent = || ApiError::not_found("CADRE_NOT_FOUND", format!("no cadre {id}"));
    let visible = match store::projection::cadre_ids_in_scope(conn, &caller.scope)? {
        None => true,
        Some(ids) => ids.iter().any(|c| c == id),
    };
    if !visible {
        return Err(absent());
    }
    store::projection::cadre(conn, id)?.ok_or_else(absent)
}

fn year_or(year: i32, today: NaiveDate) -> Result<i32, ApiError> {
    match year {
        0 => Ok(today.year()),
        1900..=9999 => Ok(year),
        _ => Err(ApiError::invalid_argument("INVALID_YEAR", "year out of range")
            .with_violation("year", "must be 1900-9999")),
    }
}

impl LeaveApi {
    pub(super) async fn get_leave_balances_impl(
        &self,
        request: Request<pb::GetLeaveBalancesRequest>,
    ) -> Result<Response<pb::GetLeaveBalancesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let cadre_id = match (request.cadre_id.is_empty(), caller.principal.cadre_id.clone()) {
            (true, Some(own)) => own,
            _ => require_id("cadre_id", &request.cadre_id).map_err(status)?,
        };
        let year = year_or(request.year, today).map_err(status)?;
        let response = self
            .db
            .run(move |conn| {
                let cadre = scoped_cadre(conn, &caller, &cadre_id)?;
                // The position as of today within this year, or the year's end for a past year.
                let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
                let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
                let as_of = today.clamp(first, last);
                let policy = store::policy::on(conn, as_of)?;
                let calendar = store::calendar::load_around(conn, first, last)?;
                let types = store::types::in_force(conn, as_of)?;
                let mut balances = Vec::new();
                let entries = ledger::entries(conn, &cadre.id, year, None)?;
                for leave_type in &types {
                    let position = balance::position(conn, &cadre.id, &leave_type.code, as_of, None)?;
                    let taken = balance::taken_in_year(conn, &cadre.id, leave_type, year, &calendar, None)?;
                    let touched = entries.iter().any(|e| e.leave_type == leave_type.code);
                    if touched || taken > HalfDays::ZERO || leave_type.code == "annual" {
                        balances.push(balance_view(&leave_type.code, &position, leave_type.requires_balance));
                    }
                }
                let cumulative = balance::cumulative_in_year(conn, &cadre.id, year, &calendar, None)?;
                let annual = cadre
                    .work_start_date
                    .map_or(0, |start| entitlement::annual_days_on(start, as_of, &policy.annual));
                Ok(pb::GetLeaveBalancesResponse {
                    balances,
                    cumulative_days: cumulative.as_f64(),
                    cumulative_threshold: policy.tier.cumulative_threshold.as_f64(),
                    annual_entitlement: f64::from(annual),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_ledger_entries_impl(
        &self,
        request: Request<pb::ListLedgerEntriesRequest>,
    ) -> Result<Response<pb::ListLedgerEntriesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let cadre_id = match (request.cadre_id.is_empty(), caller.principal.cadre_id.clone()) {
            (true, Some(own)) => own,
            _ => require_id("cadre_id", &request.cadre_id).map_err(status)?,
        };
        let year = year_or(request.year, self.today()).map_err(status)?;
        let entries = self
            .db
            .run(move |conn| {
                let cadre = scoped_cadre(conn, &caller, &cadre_id)?;
                Ok(ledger::entries(conn, &cadre.id, year, None)?.iter().map(entry_view).collect())
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListLedgerEntriesResponse { entries }))
    }

    pub(super) async fn adjust_leave_balance_impl(
        &self,
        request: Request<pb::AdjustLeaveBalanceRequest>,
    ) -> Result<Response<pb::AdjustLeaveBalanceResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let cadre_id = require_id("cadre_id", &request.cadre_id).map_err(status)?;
        let year = year_or(request.year, self.today()).map_err(status)?;
        let magnitude =
            HalfDays::from_f64(request.days.abs()).filter(|d| *d > HalfDays::ZERO).ok_or_else(|| {
                status(
                    ApiError::invalid_argument("INVALID_DAYS", "days is a non-zero multiple of 0.5")
                        .with_violation("days", "must be a non-zero multiple of 0.5"),
                )
            })?;
        let reason = request.reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(status(
                ApiError::invalid_argument("REASON_REQUIRED", "an adjustment says why")
                    .with_violation("reason", "1-500 characters"),
            ));
        }
        let halves =
            i32::try_from(magnitude.halves()).unwrap_or(i32::MAX) * if request.days < 0.0 { -1 } else { 1 };
        let today = self.today();
        let leave_type = request.leave_type.clone();
        let response = self
            .db
            .mutate(ctx, method!("AdjustLeaveBalance"), &request.request_id.clone(), &request, move |tx| {
                let cadre = scoped_cadre(tx.conn(), &caller, &cadre_id)?;
                let on = today.clamp(
                    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today),
                    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today),
                );
                let type_policy = store::types::get(tx.conn(), &leave_type, on)?.ok_or_else(|| {
                    ApiError::invalid_argument("UNKNOWN_LEAVE_TYPE", "no such leave type")
                        .with_violation("leave_type", "is not a leave type in force")
                })?;
                if !type_policy.requires_balance {
                    return Err(ApiError::failed_precondition(
                        "NO_BALANCE",
                        format!("{} is not drawn from a balance", type_policy.name),
                    ));
                }
                let before = balance::position(tx.conn(), &cadre.id, &leave_type, on, None)?;
                if halves < 0 && HalfDays(halves.unsigned_abs()) > before.available() {
                    return Err(ApiError::failed_precondition(
                        "BALANCE_NEGATIVE",
                        format!("the balance is {} days; it cannot go below zero", before.available()),
                    ));
                }
                let entry = Entry {
                    id: store::new_id(),
                    cadre_id: cadre.id.clone(),
                    leave_type: leave_type.clone(),
                    year,
                    kind: "ADJUSTMENT".to_owned(),
                    halves,
                    reason: reason.clone(),
                    leave_request_id: String::new(),
                    effective_date: on,
                    recorded_by: caller.principal.subject.clone(),
                    created_at: clock::now(),
                };
                ledger::append(tx.conn(), &entry)?;
                tx.set_object("cadre", &cadre.id);
                let after = balance::position(tx.conn(), &cadre.id, &leave_type, on, None)?;
                Ok(pb::AdjustLeaveBalanceResponse {
                    entry: Some(entry_view(&entry)),
                    balance: Some(balance_view(&leave_type, &after, true)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn grant_family_visit_leave_impl(
        &self,
        request: Request<pb::GrantFamilyVisitLeaveRequest>,
    ) -> Result<Response<pb::GrantFamilyVisitLeaveResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let cadre_id = require_id("cadre_id", &request.cadre_id).map_err(status)?;
        let today = self.today();
        let year = year_or(request.year, today).map_err(status)?;
        let kind = FamilyVisitKind::from_code(&request.kind).ok_or_else(|| {
            status(ApiError::invalid_argument("INVALID_KIND", "unknown kind of 探亲假").with_violation(
                "kind",
                "SPOUSE, PARENTS_UNMARRIED, PARENTS_UNMARRIED_BIENNIAL or PARENTS_MARRIED",
            ))
        })?;
        let living_apart = request.living_apart;
        let response = self
            .db
            .mutate(ctx, method!("GrantFamilyVisitLeave"), &request.request_id.clone(), &request, move |tx| {
                let cadre = scoped_cadre(tx.conn(), &caller, &cadre_id)?;
                let on = NaiveDate::from_ymd_opt(year, 1, 1)
                    .unwrap_or(today)
                    .max(today.min(NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today)));
                let policy = store::policy::on(tx.conn(), on)?;
                let years = cadre.work_start_date.map_or(0, |start| entitlement::service_years(start, on));
                // Earlier grants, named by their deterministic ids: family-visit:<cadre>:<year>:<kind>.
                let mut previous = Vec::new();
                for past in (year - 4)..=year {
                    for entry in ledger::entries(tx.conn(), &cadre.id, past, Some("family_visit"))? {
                        if entry.kind != "GRANT" {
                            continue;
                        }
                        if let Some(code) = entry.id.rsplit(':').next().and_then(FamilyVisitKind::from_code) {
                            previous.push((code, past));
                        }
                    }
                }
                let days = entitlement::family_visit_grant(
                    kind,
                    year,
                    years,
                    living_apart,
                    &previous,
                    &policy.family_visit,
                )
                .map_err(|refusal| {
                    ApiError::failed_precondition("FAMILY_VISIT_REFUSED", refusal.to_string())
                        .with_metadata("refusal", format!("{refusal:?}"))
                })?;
                let entry = Entry {
                    id: format!("family-visit:{}:{year}:{}", cadre.id, kind.code()),
                    cadre_id: cadre.id.clone(),
                    leave_type: "family_visit".to_owned(),
                    year,
                    kind: "GRANT".to_owned(),
                    halves: i32::try_from(days.halves()).unwrap_or(i32::MAX),
                    reason: format!("探亲假 {} for {year} (国务院《关于职工探亲待遇的规定》)", kind.code()),
                    leave_request_id: String::new(),
                    effective_date: on,
                    recorded_by: caller.principal.subject.clone(),
                    created_at: clock::now(),
                };
                if !ledger::append_once(tx.conn(), &entry)? {
                    return Err(ApiError::already_exists(
                        "ALREADY_GRANTED",
                        "this 探亲假 was granted for the year already",
                    ));
                }
                tx.set_object("cadre", &cadre.id);
                Ok(pb::GrantFamilyVisitLeaveResponse { entry: Some(entry_view(&entry)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn set_protected_status_impl(
        &self,
        request: Request<pb::SetProtectedStatusRequest>,
    ) -> Result<Response<pb::SetProtectedStatusResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let cadre_id = require_id("cadre_id", &request.cadre_id).map_err(status)?;
        let status_value = if request.status.is_empty() {
            None
        } else {
            let status_code = ProtectedStatus::from_code(&request.status).ok_or_else(|| {
                status(
                    ApiError::invalid_argument("INVALID_STATUS", "unknown protected status")
                        .with_violation("status", "PREGNANCY, MATERNITY, NURSING or MEDICAL_PERIOD"),
                )
            })?;
            let until = crate::convert::date("until_date", request.until_date.as_ref()).map_err(status)?;
            Some((status_code, until))
        };
        let response = self
            .db
            .mutate(ctx, method!("SetProtectedStatus"), &request.request_id.clone(), &request, move |tx| {
                let cadre = scoped_cadre(tx.conn(), &caller, &cadre_id)?;
                store::overdue::set_protected(
                    tx.conn(),
                    &cadre.id,
                    status_value.map(|(s, until)| (s.code(), until)),
                    clock::now(),
                )?;
                tx.set_object("cadre", &cadre.id);
                Ok(pb::SetProtectedStatusResponse {})
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

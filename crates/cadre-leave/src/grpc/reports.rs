//! Views across a unit subtree: who is away, overdue cases, unused 年休假, and the ledger as CSV. Each is
//! cut to the caller's scope in the same way as the lists of requests.

use cadre_platform::{ApiError, DbConn, auth::Caller, error::require_id};
use cadre_proto::leave as pb;
use chrono::{Datelike, NaiveDate};
use tonic::{Request, Response, Status};

use super::{LeaveApi, status};
use crate::{
    domain::HalfDays,
    store::{self, ledger},
    view,
    workflow::{balance, overdue::case_view},
};

/// The cadres of a unit subtree that the caller may see: the subtree cut by the scope. An empty unit means
/// the caller's whole scope.
fn cadres_of(conn: &mut DbConn, caller: &Caller, unit_id: &str) -> Result<Option<Vec<String>>, ApiError> {
    let scoped = store::projection::cadre_ids_in_scope(conn, &caller.scope)?;
    if unit_id.is_empty() {
        return Ok(scoped);
    }
    let subtree = store::projection::cadre_ids_in_subtree(conn, unit_id)?;
    Ok(Some(match scoped {
        None => subtree,
        Some(scoped) => subtree.into_iter().filter(|id| scoped.contains(id)).collect(),
    }))
}

fn date_or(
    value: Option<&cadre_proto::types::Date>,
    field: &str,
    today: NaiveDate,
) -> Result<NaiveDate, ApiError> {
    value.map_or(Ok(today), |value| crate::convert::date(field, Some(value)))
}

impl LeaveApi {
    pub(super) async fn list_absent_cadres_impl(
        &self,
        request: Request<pb::ListAbsentCadresRequest>,
    ) -> Result<Response<pb::ListAbsentCadresResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let unit = require_id("org_unit_id", &request.org_unit_id).map_err(status)?;
        let on = date_or(request.on_date.as_ref(), "on_date", self.today()).map_err(status)?;
        let response = self
            .db
            .run(move |conn| {
                let ids = cadres_of(conn, &caller, &unit)?.unwrap_or_default();
                let mut absent = Vec::new();
                for row in store::requests::approved_covering(conn, Some(&ids), on)? {
                    absent.push(pb::AbsentCadre {
                        cadre_id: row.applicant_cadre_id.clone(),
                        name: row.applicant_name.clone(),
                        org_unit_id: row.org_unit_id.clone(),
                        why: "LEAVE".to_owned(),
                        reference_id: row.id.clone(),
                        leave_type: row.leave_type.clone(),
                        until_date: Some(view::date(row.end_date)),
                        acting_deputy_cadre_id: row.acting_deputy_cadre_id.clone(),
                    });
                }
                for case in store::overdue::list(conn, Some(&ids), Some("OPEN"))? {
                    absent.push(pb::AbsentCadre {
                        cadre_id: case.cadre_id.clone(),
                        name: case.cadre_name.clone(),
                        org_unit_id: case.org_unit_id.clone(),
                        why: "OVERDUE".to_owned(),
                        reference_id: case.leave_request_id.clone(),
                        leave_type: String::new(),
                        until_date: None,
                        acting_deputy_cadre_id: String::new(),
                    });
                }
                for filing in store::travel::covering_all(conn, on)? {
                    if !ids.contains(&filing.cadre_id) || absent.iter().any(|a| a.cadre_id == filing.cadre_id)
                    {
                        continue;
                    }
                    absent.push(pb::AbsentCadre {
                        cadre_id: filing.cadre_id.clone(),
                        name: filing.cadre_name.clone(),
                        org_unit_id: filing.org_unit_id.clone(),
                        why: "TRAVEL".to_owned(),
                        reference_id: filing.id.clone(),
                        leave_type: String::new(),
                        until_date: Some(view::date(filing.return_date)),
                        acting_deputy_cadre_id: filing.deputy_cadre_id.clone(),
                    });
                }
                absent.sort_by(|a, b| (&a.org_unit_id, &a.name).cmp(&(&b.org_unit_id, &b.name)));
                let active = store::projection::cadres(conn, &ids)?.iter().filter(|c| c.active).count();
                Ok(pb::ListAbsentCadresResponse {
                    absent,
                    headcount: i32::try_from(active).unwrap_or(i32::MAX),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_overdue_cases_impl(
        &self,
        request: Request<pb::ListOverdueCasesRequest>,
    ) -> Result<Response<pb::ListOverdueCasesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let state = match pb::OverdueState::try_from(request.state) {
            Ok(pb::OverdueState::Unspecified) => None,
            Ok(state) => Some(state.as_str_name().trim_start_matches("OVERDUE_STATE_").to_owned()),
            Err(_) => {
                return Err(status(
                    ApiError::invalid_argument("INVALID_STATE", "unknown state")
                        .with_violation("state", "is not a state"),
                ));
            }
        };
        let cases = self
            .db
            .run(move |conn| {
                let ids = cadres_of(conn, &caller, &request.org_unit_id)?;
                Ok(store::overdue::list(conn, ids.as_deref(), state.as_deref())?
                    .iter()
                    .map(case_view)
                    .collect())
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListOverdueCasesResponse { cases }))
    }

    pub(super) async fn list_unused_annual_leave_impl(
        &self,
        request: Request<pb::ListUnusedAnnualLeaveRequest>,
    ) -> Result<Response<pb::ListUnusedAnnualLeaveResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let unit = require_id("org_unit_id", &request.org_unit_id).map_err(status)?;
        let as_of = date_or(request.as_of_date.as_ref(), "as_of_date", self.today()).map_err(status)?;
        let response = self
            .db
            .run(move |conn| {
                let ids = cadres_of(conn, &caller, &unit)?.unwrap_or_default();
                let mut cadres = Vec::new();
                for cadre in store::projection::cadres(conn, &ids)?.into_iter().filter(|c| c.active) {
                    let position = balance::position(conn, &cadre.id, "annual", as_of, None)?;
                    let used = position.used + position.pending;
                    let unused = position.available();
                    if unused == HalfDays::ZERO {
                        continue;
                    }
                    cadres.push(pb::UnusedAnnualLeave {
                        cadre_id: cadre.id,
                        name: cadre.name,
                        org_unit_id: cadre.employing_unit_id,
                        granted: position.granted.as_f64(),
                        used: used.as_f64(),
                        unused: unused.as_f64(),
                    });
                }
                cadres.sort_by(|a, b| b.unused.total_cmp(&a.unused).then_with(|| a.name.cmp(&b.name)));
                Ok(pb::ListUnusedAnnualLeaveResponse { cadres })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn export_leave_ledger_impl(
        &self,
        request: Request<pb::ExportLeaveLedgerRequest>,
    ) -> Result<Response<pb::ExportLeaveLedgerResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let unit = require_id("org_unit_id", &request.org_unit_id).map_err(status)?;
        let year = if request.year == 0 { self.today().year() } else { request.year };
        let response = self
            .db
            .run(move |conn| {
                let ids = cadres_of(conn, &caller, &unit)?.unwrap_or_default();
                let names: std::collections::HashMap<String, String> =
                    store::projection::cadres(conn, &ids)?.into_iter().map(|c| (c.id, c.name)).collect();
                let entries = ledger::entries_of(conn, Some(&ids), year, None)?;
                let mut out = csv::Writer::from_writer(Vec::new());
                let write = |out: &mut csv::Writer<Vec<u8>>, record: &[&str]| {
                    out.write_record(record).map_err(|e| ApiError::internal(format!("csv: {e}")))
                };
                write(
                    &mut out,
                    &[
                        "entry_id",
                        "cadre_id",
                        "name",
                        "leave_type",
                        "year",
                        "kind",
                        "days",
                        "effective_date",
                        "reason",
                        "leave_request_id",
                        "recorded_by",
                    ],
                )?;
                for entry in &entries {
                    let signed = if entry.kind == "USE" { -entry.halves.abs() } else { entry.halves };
                    let days = view::ledger_days(signed).to_string();
                    let effective = entry.effective_date.to_string();
                    let year = entry.year.to_string();
                    let name = names.get(&entry.cadre_id).map_or("", String::as_str);
                    write(
                        &mut out,
                        &[
                            &entry.id,
                            &entry.cadre_id,
                            name,
                            &entry.leave_type,
                            &year,
                            &entry.kind,
                            &days,
                            &effective,
                            &entry.reason,
                            &entry.leave_request_id,
                            &entry.recorded_by,
                        ],
                    )?;
                }
                let csv = out.into_inner().map_err(|e| ApiError::internal(format!("csv: {e}")))?;
                Ok(pb::ExportLeaveLedgerResponse {
                    csv,
                    rows: i32::try_from(entries.len()).unwrap_or(i32::MAX),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

//! Leave policy as data: versioned leave types, unit settings, reporting lines and blackout periods, which
//! the org department maintains and every request's checks and route read.

use std::collections::BTreeSet;

use cadre_platform::{
    ApiError, CallContext, DbConn, Violations,
    auth::{Caller, DataScope},
    error::require_id,
};
use cadre_proto::leave as pb;
use tonic::{Request, Response, Status};

use super::{LeaveApi, status};
use crate::{
    convert,
    store::{
        self,
        settings::{Blackout, ReportingLine, UnitSettings},
        types::TypeVersion,
    },
};

/// The `ErrorInfo` reason of a refusal because the cadre lies outside the caller's data scope. It never
/// reaches the client: the answer is the same NOT_FOUND as for an unknown cadre, so scope cannot be probed.
const OUT_OF_SCOPE: &str = "OUT_OF_SCOPE";

/// Longest blackout period name, in characters: names such as "2026年第十五届全国运动会保障期" run longer
/// than a leave type's.
const MAX_BLACKOUT_NAME_CHARS: usize = 64;

/// Longest id the suite issues; a longer one is a typo or an attack, never a record.
const MAX_ID_LEN: usize = 64;

fn unit_not_found(field: &str) -> ApiError {
    ApiError::not_found("ORG_UNIT_NOT_FOUND", "no such org unit").with_violation(field, "no such org unit")
}

fn cadre_not_found(field: &str) -> ApiError {
    ApiError::not_found("CADRE_NOT_FOUND", "no such cadre").with_violation(field, "no such cadre")
}

/// An optional id: empty is fine, anything else must look like an id.
fn optional_id(violations: &mut Violations, field: &str, id: &str) -> String {
    let id = id.trim();
    violations.require(id.len() <= MAX_ID_LEN, field, "is not a valid id");
    id.to_owned()
}

/// The cadre `id` as an active cadre the projection knows: NOT_FOUND `CADRE_NOT_FOUND` when unknown,
/// FAILED_PRECONDITION `CADRE_NOT_ACTIVE` when retired or dismissed (routing skips such a cadre, so naming
/// one would only hide a gap in the route).
fn require_active_cadre(conn: &mut DbConn, id: &str, field: &str) -> Result<(), ApiError> {
    match store::projection::cadre(conn, id)? {
        None => Err(cadre_not_found(field)),
        Some(cadre) if !cadre.active => {
            Err(ApiError::failed_precondition("CADRE_NOT_ACTIVE", format!("cadre {id} is not in post"))
                .with_violation(field, "the cadre is not in post"))
        }
        Some(_) => Ok(()),
    }
}

/// Whether `cadre_id` lies within `scope`, by the cadre's employing or managing unit as the projection
/// knows them (the directory's rule for cadre records).
fn check_scope(conn: &mut DbConn, scope: &DataScope, cadre_id: &str) -> Result<bool, ApiError> {
    Ok(match store::projection::cadre_ids_in_scope(conn, scope)? {
        None => true,
        // Linear rather than a binary search: the ids' SQL order follows the database's collation, which
        // need not be Rust's byte order.
        Some(ids) => ids.iter().any(|id| id == cadre_id),
    })
}

fn settings_out(settings: &UnitSettings) -> pb::UnitLeaveSettings {
    pb::UnitLeaveSettings {
        org_unit_id: settings.org_unit_id.clone(),
        sensitive: settings.sensitive,
        max_away_percent: settings.max_away_percent,
        refuse_over_ratio: settings.refuse_over_ratio,
        liaison_leader_cadre_id: settings.liaison_leader_cadre_id.clone(),
        version: settings.version,
    }
}

fn line_out(line: &ReportingLine) -> pb::ReportingLine {
    pb::ReportingLine {
        cadre_id: line.cadre_id.clone(),
        section_head_cadre_id: line.section_head_cadre_id.clone(),
        supervising_leader_cadre_id: line.supervising_leader_cadre_id.clone(),
    }
}

fn blackout_out(blackout: &Blackout) -> pb::BlackoutPeriod {
    pb::BlackoutPeriod {
        id: blackout.id.clone(),
        name: blackout.name.clone(),
        start_date: Some(convert::date_to(blackout.start_date)),
        end_date: Some(convert::date_to(blackout.end_date)),
        org_unit_id: blackout.org_unit_id.clone(),
        refuse: blackout.refuse,
        exempt_types: blackout.exempt_types.clone(),
    }
}

impl LeaveApi {
    pub(super) async fn list_leave_types_impl(
        &self,
        request: Request<pb::ListLeaveTypesRequest>,
    ) -> Result<Response<pb::ListLeaveTypesResponse>, Status> {
        let mut violations = Violations::default();
        let on = convert::optional_date(&mut violations, "on_date", request.get_ref().on_date.as_ref());
        violations.finish("INVALID_DATE", "on_date is not a valid date").map_err(status)?;
        let on = on.unwrap_or_else(|| self.today());
        let versions =
            self.db.run(move |conn| store::types::versions_in_force(conn, on)).await.map_err(status)?;
        Ok(Response::new(pb::ListLeaveTypesResponse {
            leave_types: versions
                .iter()
                .map(|v| convert::leave_type_to(&v.policy, v.effective_from))
                .collect(),
        }))
    }

    pub(super) async fn update_leave_type_impl(
        &self,
        request: Request<pb::UpdateLeaveTypeRequest>,
    ) -> Result<Response<pb::UpdateLeaveTypeResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let mut violations = Violations::default();
        violations.require(request.leave_type.is_some(), "leave_type", "is required");
        let parsed = request
            .leave_type
            .as_ref()
            .and_then(|t| convert::leave_type_from(&mut violations, "leave_type.", t));
        violations.finish("INVALID_LEAVE_TYPE", "the leave type is not valid").map_err(status)?;
        let Some((policy, effective_from)) = parsed else {
            // `leave_type_from` returns `None` only after recording a violation, which `finish` refused.
            return Err(status(ApiError::internal("leave type missing after validation")));
        };
        let today = self.today();
        if effective_from < today {
            return Err(status(
                ApiError::invalid_argument(
                    "EFFECTIVE_IN_PAST",
                    format!("a new version takes effect today ({today}) or later: the past is not rewritten"),
                )
                .with_violation("leave_type.effective_from", "must be today or later"),
            ));
        }
        let version = TypeVersion { effective_from, policy };
        let response = self
            .db
            .mutate(ctx, method!("UpdateLeaveType"), &request.request_id, &request, move |tx| {
                store::types::insert(tx.conn(), &version)?;
                tx.set_object("leave_type", &version.policy.code);
                Ok(pb::UpdateLeaveTypeResponse {
                    leave_type: Some(convert::leave_type_to(&version.policy, version.effective_from)),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_unit_leave_settings_impl(
        &self,
        request: Request<pb::GetUnitLeaveSettingsRequest>,
    ) -> Result<Response<pb::GetUnitLeaveSettingsResponse>, Status> {
        let id = require_id("org_unit_id", &request.get_ref().org_unit_id).map_err(status)?;
        let today = self.today();
        let settings = self
            .db
            .run(move |conn| {
                let settings = store::settings::unit_settings_on(conn, &id, today)?;
                // Defaults are answered for a unit that exists and was never set, not for any string.
                if settings.version == 0 && store::projection::unit(conn, &id)?.is_none() {
                    return Err(unit_not_found("org_unit_id"));
                }
                Ok(settings)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetUnitLeaveSettingsResponse { settings: Some(settings_out(&settings)) }))
    }

    pub(super) async fn set_unit_leave_settings_impl(
        &self,
        request: Request<pb::SetUnitLeaveSettingsRequest>,
    ) -> Result<Response<pb::SetUnitLeaveSettingsResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let given = request.settings.clone().unwrap_or_default();
        let mut violations = Violations::default();
        violations.require(request.settings.is_some(), "settings", "is required");
        let org_unit_id = require_id("settings.org_unit_id", &given.org_unit_id)
            .map_err(|_| violations.add("settings.org_unit_id", "must be a non-empty id"))
            .unwrap_or_default();
        violations.require(
            (0..=100).contains(&given.max_away_percent),
            "settings.max_away_percent",
            "must be 0..100 (0: no limit)",
        );
        let liaison =
            optional_id(&mut violations, "settings.liaison_leader_cadre_id", &given.liaison_leader_cadre_id);
        violations.finish("INVALID_UNIT_LEAVE_SETTINGS", "the settings are not valid").map_err(status)?;
        let settings = UnitSettings {
            org_unit_id,
            sensitive: given.sensitive,
            max_away_percent: given.max_away_percent,
            refuse_over_ratio: given.refuse_over_ratio,
            liaison_leader_cadre_id: liaison,
            version: 0,
        };
        let expected = request.expected_version;
        let response = self
            .db
            .mutate(ctx, method!("SetUnitLeaveSettings"), &request.request_id, &request, move |tx| {
                if store::projection::unit(tx.conn(), &settings.org_unit_id)?.is_none() {
                    return Err(unit_not_found("settings.org_unit_id"));
                }
                if !settings.liaison_leader_cadre_id.is_empty() {
                    require_active_cadre(
                        tx.conn(),
                        &settings.liaison_leader_cadre_id,
                        "settings.liaison_leader_cadre_id",
                    )?;
                }
                let stored = store::settings::set_unit_settings(tx.conn(), &settings, expected)?;
                tx.set_object("unit_leave_settings", &stored.org_unit_id);
                Ok(pb::SetUnitLeaveSettingsResponse { settings: Some(settings_out(&stored)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn set_reporting_line_impl(
        &self,
        request: Request<pb::SetReportingLineRequest>,
    ) -> Result<Response<pb::SetReportingLineResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let given = request.line.clone().unwrap_or_default();
        let mut violations = Violations::default();
        violations.require(request.line.is_some(), "line", "is required");
        let cadre_id = require_id("line.cadre_id", &given.cadre_id)
            .map_err(|_| violations.add("line.cadre_id", "must be a non-empty id"))
            .unwrap_or_default();
        let head = optional_id(&mut violations, "line.section_head_cadre_id", &given.section_head_cadre_id);
        let leader = optional_id(
            &mut violations,
            "line.supervising_leader_cadre_id",
            &given.supervising_leader_cadre_id,
        );
        if !cadre_id.is_empty() {
            violations.require(
                head != cadre_id,
                "line.section_head_cadre_id",
                "a cadre cannot be their own head",
            );
            violations.require(
                leader != cadre_id,
                "line.supervising_leader_cadre_id",
                "a cadre cannot be their own supervising leader",
            );
        }
        violations.finish("INVALID_REPORTING_LINE", "the reporting line is not valid").map_err(status)?;
        let line =
            ReportingLine { cadre_id, section_head_cadre_id: head, supervising_leader_cadre_id: leader };
        let object_id = line.cadre_id.clone();
        let scope = caller.scope.clone();
        let outcome = self
            .db
            .mutate(ctx.clone(), method!("SetReportingLine"), &request.request_id, &request, move |tx| {
                // Scope first, so a cadre outside it and an unknown one get the same answer.
                if !check_scope(tx.conn(), &scope, &line.cadre_id)? {
                    return Err(ApiError::new(tonic::Code::NotFound, OUT_OF_SCOPE, "no such cadre"));
                }
                if store::projection::cadre(tx.conn(), &line.cadre_id)?.is_none() {
                    return Err(cadre_not_found("line.cadre_id"));
                }
                for (id, field) in [
                    (&line.section_head_cadre_id, "line.section_head_cadre_id"),
                    (&line.supervising_leader_cadre_id, "line.supervising_leader_cadre_id"),
                ] {
                    if !id.is_empty() {
                        require_active_cadre(tx.conn(), id, field)?;
                    }
                }
                let stored = store::settings::set_reporting_line(tx.conn(), &line)?;
                tx.set_object("reporting_line", &stored.cadre_id);
                Ok(pb::SetReportingLineResponse { line: Some(line_out(&stored)) })
            })
            .await;
        match outcome {
            Ok(response) => Ok(Response::new(response)),
            Err(error) if error.reason() == OUT_OF_SCOPE => {
                let refusal = self
                    .db
                    .audit_refusal(
                        ctx,
                        method!("SetReportingLine").to_owned(),
                        "reporting_line",
                        &object_id,
                        OUT_OF_SCOPE,
                        caller.request_id.clone(),
                    )
                    .await;
                if let Err(error) = refusal {
                    tracing::error!(%error, "could not audit a refused call");
                }
                Err(status(cadre_not_found("line.cadre_id")))
            }
            Err(error) => Err(status(error)),
        }
    }

    pub(super) async fn create_blackout_period_impl(
        &self,
        request: Request<pb::CreateBlackoutPeriodRequest>,
    ) -> Result<Response<pb::CreateBlackoutPeriodResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let given = request.period.clone().unwrap_or_default();
        let mut violations = Violations::default();
        violations.require(request.period.is_some(), "period", "is required");
        let name = given.name.trim().to_owned();
        violations.require(!name.is_empty(), "period.name", "is required");
        violations.require(
            name.chars().count() <= MAX_BLACKOUT_NAME_CHARS,
            "period.name",
            format!("must be at most {MAX_BLACKOUT_NAME_CHARS} characters"),
        );
        let start = convert::required_date(&mut violations, "period.start_date", given.start_date.as_ref());
        let end = convert::required_date(&mut violations, "period.end_date", given.end_date.as_ref());
        if let (Some(start), Some(end)) = (start, end) {
            violations.require(start <= end, "period.end_date", "is before start_date");
        }
        let org_unit_id = optional_id(&mut violations, "period.org_unit_id", &given.org_unit_id);
        let mut seen = BTreeSet::new();
        for (i, code) in given.exempt_types.iter().enumerate() {
            let field = format!("period.exempt_types[{i}]");
            violations.require(convert::is_code(code), &field, "is not a leave type code");
            violations.require(seen.insert(code.as_str()), &field, "is listed twice");
        }
        violations.finish("INVALID_BLACKOUT_PERIOD", "the blackout period is not valid").map_err(status)?;
        let (Some(start_date), Some(end_date)) = (start, end) else {
            // `finish` refused any missing date above.
            return Err(status(ApiError::internal("dates missing after validation")));
        };
        let blackout = Blackout {
            id: String::new(),
            name,
            start_date,
            end_date,
            org_unit_id,
            refuse: given.refuse,
            exempt_types: given.exempt_types.clone(),
        };
        let response = self
            .db
            .mutate(ctx, method!("CreateBlackoutPeriod"), &request.request_id, &request, move |tx| {
                if !blackout.org_unit_id.is_empty()
                    && store::projection::unit(tx.conn(), &blackout.org_unit_id)?.is_none()
                {
                    return Err(unit_not_found("period.org_unit_id"));
                }
                let known = store::types::known_codes(tx.conn())?;
                let unknown: Vec<(usize, &String)> = blackout
                    .exempt_types
                    .iter()
                    .enumerate()
                    .filter(|(_, code)| !known.contains(*code))
                    .collect();
                if !unknown.is_empty() {
                    let error = ApiError::invalid_argument(
                        "UNKNOWN_LEAVE_TYPE",
                        "an exempt type is not a leave type",
                    );
                    return Err(unknown.into_iter().fold(error, |error, (i, code)| {
                        error.with_violation(
                            format!("period.exempt_types[{i}]"),
                            format!("no leave type {code:?}"),
                        )
                    }));
                }
                let stored = store::settings::create_blackout(tx.conn(), &blackout)?;
                tx.set_object("blackout_period", &stored.id);
                Ok(pb::CreateBlackoutPeriodResponse { period: Some(blackout_out(&stored)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_blackout_periods_impl(
        &self,
        request: Request<pb::ListBlackoutPeriodsRequest>,
    ) -> Result<Response<pb::ListBlackoutPeriodsResponse>, Status> {
        let range = match &request.get_ref().range {
            None => None,
            Some(range) => {
                let mut violations = Violations::default();
                let parsed = convert::date_range(&mut violations, "range", range);
                violations.finish("INVALID_DATE_RANGE", "the range is not valid").map_err(status)?;
                parsed
            }
        };
        let periods = self
            .db
            .run(move |conn| match range {
                Some((from, to)) => store::settings::blackouts_overlapping(conn, from, to),
                None => store::settings::all_blackouts(conn),
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListBlackoutPeriodsResponse {
            periods: periods.iter().map(blackout_out).collect(),
        }))
    }
}

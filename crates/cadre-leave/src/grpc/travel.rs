//! 外出报备 (domain.md §3.3, decision 3 of §10): leaders report leaving the locality ahead of time, with the
//! itinerary to the 上午/下午/晚上, a phone to reach them, and, for a 主要负责同志, who takes charge
//! meanwhile. A late report is accepted but flagged and explained; a principal and the deputy in charge away
//! together must say why; changes are reported as they happen and kept as a history.

use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use cadre_platform::{
    ApiError, CallContext, DbConn, Violations,
    auth::{Caller, Role},
    clock,
    error::require_id,
};
use cadre_proto::{leave as pb, types};
use chrono::{Datelike, NaiveDate};
use tonic::{Code, Request, Response, Status};

use super::{LeaveApi, status};
use crate::{
    convert::date_from,
    domain::{
        span::Half,
        travel::{self as rules, DayPart, Filing},
    },
    events,
    store::{
        self,
        projection::CadreView,
        requests as request_store,
        travel::{ChangeRow, TravelRow},
    },
    view,
    workflow::spans,
};

/// Longest destination, in characters: a place, not a travel diary.
const DESTINATION_MAX: usize = 200;
/// Longest free-text reason (the trip's, the lateness', the both-away one, a change's), in characters.
const REASON_MAX: usize = 500;
/// Longest contact phone, in characters: room for a country code and an extension.
const PHONE_MAX: usize = 32;

/// The `ErrorInfo` reason of a refusal to act on another cadre's filing.
const NOT_OWN_RECORD: &str = "NOT_OWN_RECORD";
/// What the audit chain records for a record outside the caller's scope (the caller sees NOT_FOUND).
const OUT_OF_SCOPE: &str = "OUT_OF_SCOPE";

/// The itinerary of a filing as the caller gave it, trimmed and checked for shape.
#[derive(Debug, Clone)]
struct Itinerary {
    destination: String,
    reason: String,
    depart: (NaiveDate, DayPart),
    ret: (NaiveDate, DayPart),
    contact_phone: String,
    deputy_cadre_id: String,
    both_away_reason: String,
    late_reason: String,
}

/// Whom a filing is for, once the caller's right to it is settled.
struct Subject {
    id: String,
    is_principal: bool,
}

impl LeaveApi {
    pub(super) async fn create_travel_filing_impl(
        &self,
        request: Request<pb::CreateTravelFilingRequest>,
    ) -> Result<Response<pb::CreateTravelFilingResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let incoming = request.filing.clone().unwrap_or_default();
        let itinerary = itinerary(&incoming, true).map_err(status)?;
        let requested = incoming.cadre_id.trim().to_owned();
        if requested.chars().count() > 64 {
            return Err(status(
                ApiError::invalid_argument("INVALID_ID", "filing.cadre_id is not an id")
                    .with_violation("filing.cadre_id", "must be an id"),
            ));
        }
        let today = self.today();
        let hidden = Arc::new(AtomicBool::new(false));
        let (who, seen) = (caller.clone(), hidden.clone());
        let response = self
            .db
            .mutate(ctx.clone(), method!("CreateTravelFiling"), &request.request_id, &request, move |tx| {
                let cadre = filer_target(tx.conn(), &who, &requested, &seen)?;
                let subject = Subject { id: cadre.id.clone(), is_principal: cadre.is_principal };
                let mut late = false;
                let policy = store::policy::on(tx.conn(), today)?;
                if let Filing::Late { days_short } =
                    rules::filing_timeliness(today, itinerary.depart.0, &policy.travel)
                {
                    late = true;
                    if itinerary.late_reason.is_empty() {
                        return Err(ApiError::invalid_argument(
                            "LATE_REASON_REQUIRED",
                            format!(
                                "the filing is {days_short} day(s) later than the {} day(s) of notice asked; say why",
                                policy.travel.notice_days
                            ),
                        )
                        .with_violation("filing.late_reason", "is required of a late filing")
                        .with_metadata("days_short", days_short.to_string()));
                    }
                }
                check_trip(tx.conn(), &subject, &itinerary, None)?;
                let now = clock::now();
                let row = TravelRow {
                    id: store::new_id(),
                    cadre_id: cadre.id.clone(),
                    cadre_name: cadre.name.clone(),
                    org_unit_id: cadre.employing_unit_id.clone(),
                    destination: itinerary.destination,
                    reason: itinerary.reason,
                    depart_date: itinerary.depart.0,
                    depart_part: itinerary.depart.1.code().to_owned(),
                    return_date: itinerary.ret.0,
                    return_part: itinerary.ret.1.code().to_owned(),
                    contact_phone: itinerary.contact_phone,
                    deputy_cadre_id: itinerary.deputy_cadre_id,
                    both_away_reason: itinerary.both_away_reason,
                    late,
                    // A reason for lateness means nothing on a timely filing.
                    late_reason: if late { itinerary.late_reason } else { String::new() },
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::travel::insert(tx.conn(), &row)?;
                let filing = filing_out(&row, &[]);
                tx.set_object("travel_filing", &row.id);
                events::travel_filed(tx, &filing)?;
                Ok(pb::CreateTravelFilingResponse { filing: Some(filing) })
            })
            .await;
        match response {
            Ok(response) => Ok(Response::new(response)),
            Err(error) => {
                let object = (method!("CreateTravelFiling"), "cadre", incoming.cadre_id.trim());
                Err(self.audit_travel_refusal(&ctx, &caller, object, &hidden, error).await)
            }
        }
    }

    pub(super) async fn update_travel_filing_impl(
        &self,
        request: Request<pb::UpdateTravelFilingRequest>,
    ) -> Result<Response<pb::UpdateTravelFilingResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let incoming = request.filing.clone().unwrap_or_default();
        let id = require_id("filing.id", &incoming.id).map_err(status)?;
        let change_reason = request.reason.trim().to_owned();
        let expected = request.expected_version;
        let mut violations = Violations::default();
        violations.require(!change_reason.is_empty(), "reason", "is required: why the itinerary changed");
        violations.require(change_reason.chars().count() <= REASON_MAX, "reason", "is too long");
        violations.require(
            expected > 0,
            "expected_version",
            "is required: the version the change is based on",
        );
        violations.finish("INVALID_TRAVEL_CHANGE", "the change is not valid").map_err(status)?;
        let itinerary = itinerary(&incoming, false).map_err(status)?;
        let today = self.today();
        let hidden = Arc::new(AtomicBool::new(false));
        let (who, seen, filing_id) = (caller.clone(), hidden.clone(), id.clone());
        let response = self
            .db
            .mutate(ctx.clone(), method!("UpdateTravelFiling"), &request.request_id, &request, move |tx| {
                let current = changeable_filing(tx.conn(), &who, &filing_id, &seen)?;
                if current.version != expected {
                    return Err(ApiError::aborted(
                        "VERSION_MISMATCH",
                        format!("expected version {expected}, found {}", current.version),
                    )
                    .with_metadata("current_version", current.version.to_string()));
                }
                if current.return_date < today {
                    return Err(ApiError::failed_precondition(
                        "TRIP_OVER",
                        format!("the trip ended on {}; a past trip is not changed", current.return_date),
                    ));
                }
                // Whether a principal must name a deputy is read from the directory as it is now.
                let is_principal =
                    store::projection::cadre(tx.conn(), &current.cadre_id)?.is_some_and(|c| c.is_principal);
                let subject = Subject { id: current.cadre_id.clone(), is_principal };
                check_trip(tx.conn(), &subject, &itinerary, Some(&current.id))?;
                let mut next = current.clone();
                next.destination = itinerary.destination;
                next.depart_date = itinerary.depart.0;
                next.depart_part = itinerary.depart.1.code().to_owned();
                next.return_date = itinerary.ret.0;
                next.return_part = itinerary.ret.1.code().to_owned();
                next.contact_phone = itinerary.contact_phone;
                next.deputy_cadre_id = itinerary.deputy_cadre_id;
                next.both_away_reason = itinerary.both_away_reason;
                let summary = change_summary(tx.conn(), &current, &next)?;
                if summary.is_empty() {
                    return Err(ApiError::invalid_argument(
                        "NO_CHANGE",
                        "the itinerary is the same as filed",
                    )
                    .with_violation("filing", "changes nothing"));
                }
                let now = clock::now();
                next.version = current.version + 1;
                next.updated_at = now;
                store::travel::update(tx.conn(), &next, current.version)?;
                let actor = tx.ctx().actor.clone();
                store::travel::append_change(tx.conn(), &next.id, now, &actor, &change_reason, &summary)?;
                let changes = store::travel::changes_of(tx.conn(), std::slice::from_ref(&next.id))?
                    .remove(&next.id)
                    .unwrap_or_default();
                let filing = filing_out(&next, &changes);
                tx.set_object("travel_filing", &next.id);
                events::travel_filed(tx, &filing)?;
                Ok(pb::UpdateTravelFilingResponse { filing: Some(filing) })
            })
            .await;
        match response {
            Ok(response) => Ok(Response::new(response)),
            Err(error) => {
                let object = (method!("UpdateTravelFiling"), "travel_filing", id.as_str());
                Err(self.audit_travel_refusal(&ctx, &caller, object, &hidden, error).await)
            }
        }
    }

    pub(super) async fn list_travel_filings_impl(
        &self,
        request: Request<pb::ListTravelFilingsRequest>,
    ) -> Result<Response<pb::ListTravelFilingsResponse>, Status> {
        let scope = Caller::of(&request)?.scope.clone();
        let request = request.into_inner();
        let cadre_id = request.cadre_id.trim().to_owned();
        let unit_id = request.org_unit_id.trim().to_owned();
        let mut violations = Violations::default();
        violations.require(cadre_id.chars().count() <= 64, "cadre_id", "must be an id");
        violations.require(unit_id.chars().count() <= 64, "org_unit_id", "must be an id");
        let (from, to) = list_range(request.range.as_ref(), self.today(), &mut violations);
        violations.finish("INVALID_TRAVEL_QUERY", "the query is not valid").map_err(status)?;
        let filings = self
            .db
            .run(move |conn| {
                let mut ids = store::projection::cadre_ids_in_scope(conn, &scope)?;
                if !cadre_id.is_empty() {
                    ids = Some(match ids {
                        None => vec![cadre_id],
                        Some(seen) => seen.into_iter().filter(|id| *id == cadre_id).collect(),
                    });
                }
                if !unit_id.is_empty() {
                    let under = store::projection::cadre_ids_in_subtree(conn, &unit_id)?;
                    ids = Some(match ids {
                        None => under,
                        Some(seen) => {
                            let under: HashSet<String> = under.into_iter().collect();
                            seen.into_iter().filter(|id| under.contains(id)).collect()
                        }
                    });
                }
                if ids.as_ref().is_some_and(Vec::is_empty) {
                    return Ok(Vec::new());
                }
                let rows = store::travel::list(conn, ids.as_deref(), from, to)?;
                let filing_ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let mut changes = store::travel::changes_of(conn, &filing_ids)?;
                Ok(rows
                    .iter()
                    .map(|row| filing_out(row, &changes.remove(&row.id).unwrap_or_default()))
                    .collect())
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListTravelFilingsResponse { filings }))
    }

    /// Records a refusal the caller must not learn more about (another's record, or one outside their scope)
    /// in the audit chain, as the directory does, then passes the error on.
    async fn audit_travel_refusal(
        &self,
        ctx: &CallContext,
        caller: &Caller,
        (method, object_type, id): (&'static str, &'static str, &str),
        hidden: &AtomicBool,
        error: ApiError,
    ) -> Status {
        let reason = if error.reason() == NOT_OWN_RECORD {
            Some(NOT_OWN_RECORD)
        } else if hidden.load(Ordering::Relaxed) {
            Some(OUT_OF_SCOPE)
        } else {
            None
        };
        if let Some(reason) = reason {
            let recorded = self
                .db
                .audit_refusal(
                    ctx.clone(),
                    method.to_owned(),
                    object_type,
                    id,
                    reason,
                    caller.request_id.clone(),
                )
                .await;
            if let Err(failure) = recorded {
                tracing::error!(error = %failure, "could not audit a refused call");
            }
        }
        status(error)
    }
}

/// Whether the caller keeps other cadres' records (and so may file or change for them, within scope).
fn administers(caller: &Caller) -> bool {
    caller.granted.iter().any(|role| matches!(role, Role::UnitHrOfficer | Role::OrgOfficer))
}

fn own_cadre(caller: &Caller) -> Option<&str> {
    caller.principal.cadre_id.as_deref().filter(|id| !id.is_empty())
}

/// Whether `cadre_id` lies in the caller's scope (their own record always does).
fn in_scope(conn: &mut DbConn, caller: &Caller, cadre_id: &str) -> Result<bool, ApiError> {
    if own_cadre(caller) == Some(cadre_id) {
        return Ok(true);
    }
    Ok(store::projection::cadre_ids_in_scope(conn, &caller.scope)?
        .is_none_or(|ids| ids.iter().any(|id| id == cadre_id)))
}

fn cadre_not_found() -> ApiError {
    ApiError::not_found("CADRE_NOT_FOUND", "no such cadre").with_violation("filing.cadre_id", "no such cadre")
}

/// The cadre a new filing is for: the caller's own when `requested` is empty; another's only for those who
/// keep records, and only within their scope. `hidden` is set when the cadre exists but is out of scope.
fn filer_target(
    conn: &mut DbConn,
    caller: &Caller,
    requested: &str,
    hidden: &AtomicBool,
) -> Result<CadreView, ApiError> {
    let own = own_cadre(caller);
    let id = if requested.is_empty() {
        own.ok_or_else(|| {
            ApiError::invalid_argument("CADRE_REQUIRED", "the caller has no cadre record; name the cadre")
                .with_violation("filing.cadre_id", "is required when the caller is not a cadre")
        })?
        .to_owned()
    } else {
        requested.to_owned()
    };
    if own != Some(id.as_str()) && !administers(caller) {
        return Err(ApiError::new(
            Code::PermissionDenied,
            NOT_OWN_RECORD,
            "a cadre files for themself; the unit's HR officer or the org department files for others",
        ));
    }
    let cadre = store::projection::cadre(conn, &id)?;
    let Some(cadre) = cadre else { return Err(cadre_not_found()) };
    if !in_scope(conn, caller, &id)? {
        hidden.store(true, Ordering::Relaxed);
        return Err(cadre_not_found());
    }
    if !cadre.active {
        return Err(ApiError::failed_precondition(
            "CADRE_NOT_ACTIVE",
            "the cadre is not in post (retired, dismissed or unknown to the directory)",
        ));
    }
    Ok(cadre)
}

/// The filing an update is about, if the caller may change it: the cadre's own, or one an administrator
/// keeps within scope. Out of scope reads as absent (and sets `hidden`) so scope cannot be probed.
fn changeable_filing(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    hidden: &AtomicBool,
) -> Result<TravelRow, ApiError> {
    let not_found = || {
        ApiError::not_found("TRAVEL_FILING_NOT_FOUND", "no such travel filing")
            .with_violation("filing.id", "no such travel filing")
    };
    let Some(row) = store::travel::get(conn, id)? else { return Err(not_found()) };
    if !in_scope(conn, caller, &row.cadre_id)? {
        hidden.store(true, Ordering::Relaxed);
        return Err(not_found());
    }
    if own_cadre(caller) != Some(row.cadre_id.as_str()) && !administers(caller) {
        return Err(ApiError::new(
            Code::PermissionDenied,
            NOT_OWN_RECORD,
            "a cadre reports changes to their own trips; the unit's HR officer or the org department for others",
        ));
    }
    Ok(row)
}

fn part_from(number: i32) -> Option<DayPart> {
    match pb::DayPart::try_from(number).ok()? {
        pb::DayPart::Morning => Some(DayPart::Morning),
        pb::DayPart::Afternoon => Some(DayPart::Afternoon),
        pb::DayPart::Evening => Some(DayPart::Evening),
        pb::DayPart::Unspecified => None,
    }
}

fn part_to(part: &str) -> pb::DayPart {
    match DayPart::from_code(part) {
        Some(DayPart::Morning) => pb::DayPart::Morning,
        Some(DayPart::Afternoon) => pb::DayPart::Afternoon,
        Some(DayPart::Evening) => pb::DayPart::Evening,
        None => pb::DayPart::Unspecified,
    }
}

/// Whether a phone number looks like one: digits with the usual separators, and enough digits to dial.
fn phone_ok(phone: &str) -> bool {
    phone.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
        && phone.chars().filter(char::is_ascii_digit).count() >= 3
}

/// Reads and shape-checks the itinerary of `filing`. `with_reason`: the trip's reason is part of it (a new
/// filing); a change keeps the reason filed.
fn itinerary(filing: &pb::TravelFiling, with_reason: bool) -> Result<Itinerary, ApiError> {
    let mut violations = Violations::default();
    let mut text = |field: &str, value: &str, max: usize, required: bool| {
        let value = value.trim().to_owned();
        if required && value.is_empty() {
            violations.add(format!("filing.{field}"), "is required");
        } else if value.chars().count() > max {
            violations.add(format!("filing.{field}"), format!("is longer than {max} characters"));
        }
        value
    };
    let destination = text("destination", &filing.destination, DESTINATION_MAX, true);
    let reason = text("reason", &filing.reason, REASON_MAX, with_reason);
    let contact_phone = text("contact_phone", &filing.contact_phone, PHONE_MAX, true);
    let deputy_cadre_id = text("deputy_cadre_id", &filing.deputy_cadre_id, 64, false);
    let both_away_reason = text("both_away_reason", &filing.both_away_reason, REASON_MAX, false);
    let late_reason = text("late_reason", &filing.late_reason, REASON_MAX, false);
    if !contact_phone.is_empty() && !phone_ok(&contact_phone) {
        violations.add("filing.contact_phone", "is not a phone number");
    }
    let mut day = |field: &str, date: Option<&types::Date>| match date {
        None => {
            violations.add(format!("filing.{field}"), "is required");
            None
        }
        Some(date) => {
            let parsed = date_from(date);
            if parsed.is_none() {
                violations.add(format!("filing.{field}"), "is not a valid calendar date");
            }
            parsed
        }
    };
    let depart_date = day("depart_date", filing.depart_date.as_ref());
    let return_date = day("return_date", filing.return_date.as_ref());
    let depart_part = part_from(filing.depart_part);
    let return_part = part_from(filing.return_part);
    violations.require(
        depart_part.is_some(),
        "filing.depart_part",
        "is required: MORNING, AFTERNOON or EVENING",
    );
    violations.require(
        return_part.is_some(),
        "filing.return_part",
        "is required: MORNING, AFTERNOON or EVENING",
    );
    let (Some(depart_date), Some(return_date), Some(depart_part), Some(return_part)) =
        (depart_date, return_date, depart_part, return_part)
    else {
        violations.finish("INVALID_TRAVEL_FILING", "the filing is not valid")?;
        return Err(ApiError::invalid_argument("INVALID_TRAVEL_FILING", "the filing is not valid"));
    };
    violations.finish("INVALID_TRAVEL_FILING", "the filing is not valid")?;
    let (depart, ret) = ((depart_date, depart_part), (return_date, return_part));
    rules::check_itinerary(depart, ret).map_err(|error| {
        ApiError::invalid_argument(error.reason(), error.to_string())
            .with_violation("filing.return_date", "is before the departure")
    })?;
    Ok(Itinerary {
        destination,
        reason,
        depart,
        ret,
        contact_phone,
        deputy_cadre_id,
        both_away_reason,
        late_reason,
    })
}

/// The rules between a trip and other records: who takes charge while a principal is away, that the two
/// are not away together without a reason (§3.3), and that a cadre's trips do not overlap. `except` is the
/// filing being changed.
fn check_trip(
    conn: &mut DbConn,
    cadre: &Subject,
    trip: &Itinerary,
    except: Option<&str>,
) -> Result<(), ApiError> {
    if trip.deputy_cadre_id.is_empty() {
        if cadre.is_principal {
            return Err(ApiError::invalid_argument(
                "DEPUTY_REQUIRED",
                "a principal (主要负责同志) names who takes charge of daily work (主持工作) while away",
            )
            .with_violation("filing.deputy_cadre_id", "is required of a principal"));
        }
    } else {
        if trip.deputy_cadre_id == cadre.id {
            return Err(ApiError::invalid_argument("DEPUTY_INVALID", "nobody takes charge for themself")
                .with_violation("filing.deputy_cadre_id", "is the cadre travelling"));
        }
        let deputy = store::projection::cadre(conn, &trip.deputy_cadre_id)?;
        if !deputy.as_ref().is_some_and(|d| d.active) {
            return Err(ApiError::invalid_argument("DEPUTY_INVALID", "the deputy is not a cadre in post")
                .with_violation("filing.deputy_cadre_id", "is not an active cadre"));
        }
    }
    if let Some(other) = store::travel::overlapping(conn, &cadre.id, trip.depart, trip.ret, except)? {
        return Err(ApiError::failed_precondition(
            "OVERLAPPING_FILING",
            format!(
                "the trip overlaps filing {} ({} {} to {} {})",
                other.id, other.depart_date, other.depart_part, other.return_date, other.return_part
            ),
        )
        .with_metadata("travel_filing_id", other.id));
    }
    if !trip.deputy_cadre_id.is_empty()
        && trip.both_away_reason.is_empty()
        && let Some(why) = deputy_away(conn, &trip.deputy_cadre_id, trip, except)?
    {
        return Err(ApiError::failed_precondition(
            "BOTH_AWAY",
            format!(
                "the deputy in charge is away during the trip ({why}); the principal and the deputy should not be \
                 away together except for meetings of higher bodies, and the filing must say why"
            ),
        )
        .with_violation("filing.both_away_reason", "is required when the deputy is away too")
        .with_metadata("deputy_cadre_id", trip.deputy_cadre_id.clone()));
    }
    Ok(())
}

/// Where the deputy is during the trip, if away: on live leave (to the half-day) or on a filed trip. The
/// filing being changed is not the deputy's, but is skipped for symmetry.
fn deputy_away(
    conn: &mut DbConn,
    deputy: &str,
    trip: &Itinerary,
    except: Option<&str>,
) -> Result<Option<String>, ApiError> {
    for leave in request_store::of_cadre_between(conn, deputy, trip.depart.0, trip.ret.0, false)? {
        let Some(span) = spans::effective(&leave) else { continue };
        // Leave from the afternoon starts after the morning; leave to the end of a day includes its evening.
        let start_part = match span.start_half {
            Half::Am => DayPart::Morning,
            Half::Pm => DayPart::Afternoon,
        };
        let end_part = match span.end_half {
            Half::Am => DayPart::Morning,
            Half::Pm => DayPart::Evening,
        };
        if (span.start, start_part) <= trip.ret && trip.depart <= (span.end, end_part) {
            return Ok(Some(format!("on leave {} to {}", span.start, span.end)));
        }
    }
    if let Some(other) = store::travel::overlapping(conn, deputy, trip.depart, trip.ret, except)? {
        return Ok(Some(format!("travelling {} to {}", other.depart_date, other.return_date)));
    }
    Ok(None)
}

/// A deputy in words: their name when the directory knows it, else the id; "none" when nobody is named.
fn deputy_words(conn: &mut DbConn, id: &str) -> Result<String, ApiError> {
    if id.is_empty() {
        return Ok("none".to_owned());
    }
    Ok(store::projection::cadre(conn, id)?.map_or_else(|| id.to_owned(), |c| c.name))
}

/// What changed between two versions of a filing, in words, e.g.
/// "return 2026-05-03 AFTERNOON → 2026-05-04 MORNING"; empty when nothing did.
fn change_summary(conn: &mut DbConn, before: &TravelRow, after: &TravelRow) -> Result<String, ApiError> {
    let mut parts = Vec::new();
    if before.destination != after.destination {
        parts.push(format!("destination {} → {}", before.destination, after.destination));
    }
    if (before.depart_date, &before.depart_part) != (after.depart_date, &after.depart_part) {
        parts.push(format!(
            "depart {} {} → {} {}",
            before.depart_date, before.depart_part, after.depart_date, after.depart_part
        ));
    }
    if (before.return_date, &before.return_part) != (after.return_date, &after.return_part) {
        parts.push(format!(
            "return {} {} → {} {}",
            before.return_date, before.return_part, after.return_date, after.return_part
        ));
    }
    if before.contact_phone != after.contact_phone {
        parts.push(format!("contact phone {} → {}", before.contact_phone, after.contact_phone));
    }
    if before.deputy_cadre_id != after.deputy_cadre_id {
        let (old, new) =
            (deputy_words(conn, &before.deputy_cadre_id)?, deputy_words(conn, &after.deputy_cadre_id)?);
        parts.push(format!("deputy {old} → {new}"));
    }
    if before.both_away_reason != after.both_away_reason {
        parts.push("both-away reason updated".to_owned());
    }
    Ok(parts.join("; "))
}

/// The days a list covers: the range asked for, or the current calendar year.
fn list_range(
    range: Option<&types::DateRange>,
    today: NaiveDate,
    violations: &mut Violations,
) -> (NaiveDate, NaiveDate) {
    let year = (
        NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
        NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today),
    );
    let Some(range) = range else { return year };
    let mut bound = |field: &str, date: Option<&types::Date>| {
        let parsed = date.and_then(date_from);
        if parsed.is_none() {
            violations.add(format!("range.{field}"), "is required and must be a valid calendar date");
        }
        parsed
    };
    let (start, end) = (bound("start", range.start.as_ref()), bound("end", range.end.as_ref()));
    match (start, end) {
        (Some(start), Some(end)) if start <= end => (start, end),
        (Some(_), Some(_)) => {
            violations.add("range.end", "is before the start");
            year
        }
        _ => year,
    }
}

fn change_out(row: &ChangeRow) -> pb::TravelChange {
    pb::TravelChange {
        change_time: Some(clock::to_timestamp(row.changed_at)),
        changed_by: row.changed_by.clone(),
        reason: row.reason.clone(),
        summary: row.summary.clone(),
    }
}

/// A stored filing as the contract's message.
fn filing_out(row: &TravelRow, changes: &[ChangeRow]) -> pb::TravelFiling {
    pb::TravelFiling {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        destination: row.destination.clone(),
        reason: row.reason.clone(),
        depart_date: Some(view::date(row.depart_date)),
        depart_part: part_to(&row.depart_part) as i32,
        return_date: Some(view::date(row.return_date)),
        return_part: part_to(&row.return_part) as i32,
        contact_phone: row.contact_phone.clone(),
        deputy_cadre_id: row.deputy_cadre_id.clone(),
        both_away_reason: row.both_away_reason.clone(),
        late: row.late,
        late_reason: row.late_reason.clone(),
        changes: changes.iter().map(change_out).collect(),
        version: row.version,
        create_time: Some(clock::to_timestamp(row.created_at)),
    }
}

//! Attendance: the organiser opens check-in and shows the one-time code; people check in with it inside
//! the window, once each, while there is room; sign-in sheets are imported row by row (each row's outcome
//! reported, the whole sheet once per request id); the organiser corrects with a reason.

use std::collections::{HashMap, HashSet};

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock, paging};
use cadre_projection::store as projection;
use cadre_proto::forum as pb;
use tonic::{Code, Request, Response, Status};

use super::{ForumApi, sessions::session_view, status, visible};
use crate::{
    convert,
    domain::{
        ForumStatus, SessionState,
        check_in::{self, CheckInFacts, CheckInRefusal, CheckInWindow},
    },
    events,
    store::{
        self,
        attendances::{self as attendance_store, AttendanceRow, CorrectionRow},
        external_ids,
        sessions::{self as session_store, SessionRow},
    },
    view, workflow,
};

/// How an attendance was recorded, as stored.
const CHECK_IN: &str = "CHECK_IN";
const SIGN_IN_SHEET: &str = "SIGN_IN_SHEET";
const CORRECTION: &str = "CORRECTION";

/// A session's check-in window under the policy in force on its day.
fn window_of(conn: &mut cadre_platform::DbConn, row: &SessionRow) -> Result<CheckInWindow, ApiError> {
    let starts = store::instant(row.starts_at);
    let day = starts.with_timezone(&clock::district_offset()).date_naive();
    let policy = store::policy::on(conn, day)?;
    Ok(CheckInWindow::around(
        starts,
        store::instant(row.ends_at),
        policy.check_in_opens_before,
        policy.check_in_closes_after,
    ))
}

fn state_of(row: &SessionRow) -> Result<SessionState, ApiError> {
    SessionState::from_code(&row.state)
        .ok_or_else(|| ApiError::internal(format!("session {} has state {:?}", row.id, row.state)))
}

/// Refuses recording an attendance after the fact (a sign-in sheet, a correction) at a session that has not
/// started by `now`: nobody has attended it yet. (A check-in, at the venue, may come a little before the
/// start, inside its window.)
fn require_started(session: &SessionRow, now: chrono::DateTime<chrono::Utc>) -> Result<(), ApiError> {
    let starts = store::instant(session.starts_at);
    if now < starts {
        return Err(visible::refused(
            "SESSION_NOT_STARTED",
            format!("session {} has not started: attendance is recorded once it has", session.id),
        )
        .with_metadata("start_time", starts.to_rfc3339()));
    }
    Ok(())
}

/// A refused check-in as the caller sees it.
fn check_in_refused(refusal: CheckInRefusal, window: &CheckInWindow) -> ApiError {
    let reason = refusal.reason();
    match refusal {
        CheckInRefusal::AlreadyCheckedIn => {
            ApiError::already_exists(reason, "you have already checked in to this session")
        }
        CheckInRefusal::CodeInvalid => {
            ApiError::failed_precondition(reason, "the code is not this session's current code")
                .with_violation("code", "not the current code")
        }
        CheckInRefusal::WindowClosed => {
            ApiError::failed_precondition(reason, "check-in is closed at this time")
                .with_metadata("opens", window.opens.to_rfc3339())
                .with_metadata("closes", window.closes.to_rfc3339())
        }
        CheckInRefusal::NotOpen => {
            ApiError::failed_precondition(reason, "the organiser has not opened check-in")
        }
        CheckInRefusal::Cancelled => ApiError::failed_precondition(reason, "the session was cancelled"),
        CheckInRefusal::NotInAudience => {
            ApiError::failed_precondition(reason, "the session's audience does not include you")
        }
        CheckInRefusal::Full => ApiError::failed_precondition(reason, "the session is full"),
    }
}

/// A new attendance row.
fn attendance_row(
    session: &SessionRow,
    cadre_id: &str,
    cadre_name: &str,
    method: &str,
    by: &str,
) -> AttendanceRow {
    AttendanceRow {
        id: store::new_id(),
        session_id: session.id.clone(),
        cadre_id: cadre_id.to_owned(),
        cadre_name: cadre_name.to_owned(),
        method: method.to_owned(),
        credited_minutes: session.credited_minutes,
        session_starts_at: session.starts_at,
        recorded_by: by.to_owned(),
        recorded_at: clock::now(),
    }
}

impl ForumApi {
    pub(super) async fn open_check_in_impl(
        &self,
        request: Request<pb::OpenCheckInRequest>,
    ) -> Result<Response<pb::OpenCheckInResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let session_id =
            cadre_platform::error::require_id("session_id", &request.session_id).map_err(status)?;
        let now = self.now();
        let response = self
            .db
            .mutate(ctx, method!("OpenCheckIn"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible::session_to_act_on(conn, &caller, &session_id)?;
                if state_of(&row)? == SessionState::Cancelled {
                    return Err(visible::refused(
                        "SESSION_CANCELLED",
                        format!("session {} was cancelled", row.id),
                    ));
                }
                let window = window_of(conn, &row)?;
                // The code may be shown ahead of time; once the window is over, no code helps.
                if now > window.closes {
                    return Err(check_in_refused(CheckInRefusal::WindowClosed, &window));
                }
                row.check_in_code = workflow::random_code()?;
                row.updated_at = clock::now();
                session_store::update(conn, &row)?;
                tx.set_object("session", &row.id);
                Ok(pb::OpenCheckInResponse {
                    session: Some(session_view(tx.conn(), &row)?),
                    code: row.check_in_code.clone(),
                    valid_from: Some(convert::timestamp(store::stored(window.opens))),
                    valid_until: Some(convert::timestamp(store::stored(window.closes))),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn check_in_impl(
        &self,
        request: Request<pb::CheckInRequest>,
    ) -> Result<Response<pb::CheckInResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let session_id = convert::id(&mut violations, "session_id", &request.session_id);
        let code = convert::text(&mut violations, "code", &request.code, 64, true);
        convert::finish(violations, "INVALID_CHECK_IN", "the check-in is not valid").map_err(status)?;
        let Some(own) = caller.principal.cadre_id.clone() else {
            return Err(status(ApiError::new(
                Code::PermissionDenied,
                "NO_CADRE_RECORD",
                "only a cadre checks in, for themself",
            )));
        };
        let now = self.now();
        let response = self
            .db
            .mutate(ctx, method!("CheckIn"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                // Whoever holds the code is at the venue: the session is found by id, and whether they are
                // invited is part of the decision.
                let row = session_store::get(conn, &session_id)?
                    .ok_or_else(|| visible::session_not_found(&session_id))?;
                let forum = visible::forum(conn, &row.forum_id)?;
                if forum.status != ForumStatus::Active.code() {
                    return Err(visible::refused(
                        "FORUM_NOT_ACTIVE",
                        format!("forum {} is not active", forum.id),
                    ));
                }
                let window = window_of(conn, &row)?;
                let targets = visible::own_targets(conn, &caller)?;
                let facts = CheckInFacts {
                    state: state_of(&row)?,
                    issued_code: &row.check_in_code,
                    window,
                    now,
                    presented_code: &code,
                    in_audience: session_store::audience_names_any(conn, &row.id, &targets)?,
                    already: attendance_store::of(conn, &row.id, &own)?.is_some(),
                    count: attendance_store::count_of(conn, &row.id)?,
                    capacity: row.capacity,
                };
                check_in::decide(&facts).map_err(|refusal| check_in_refused(refusal, &window))?;
                let name = projection::cadre(conn, &own)?.map(|c| c.name).unwrap_or_default();
                let attendance = attendance_row(&row, &own, &name, CHECK_IN, &caller.principal.subject);
                attendance_store::insert(conn, &attendance).map_err(|error| {
                    // A concurrent check-in of the same person won between the check and the insert.
                    if error.code() == Code::AlreadyExists {
                        check_in_refused(CheckInRefusal::AlreadyCheckedIn, &window)
                    } else {
                        error
                    }
                })?;
                tx.set_object("attendance", &attendance.id);
                let attendance = view::attendance(&attendance);
                events::attendance_recorded(tx, &attendance, &row.forum_id, convert::level_to(&row.level))?;
                Ok(pb::CheckInResponse { attendance: Some(attendance) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn import_sign_in_sheet_impl(
        &self,
        request: Request<pb::ImportSignInSheetRequest>,
    ) -> Result<Response<pb::ImportSignInSheetResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let session_id = convert::id(&mut violations, "session_id", &request.session_id);
        violations.require(!request.rows.is_empty(), "rows", "at least one row is required");
        violations.require(
            request.rows.len() <= convert::MAX_SHEET_ROWS,
            "rows",
            format!("at most {} rows", convert::MAX_SHEET_ROWS),
        );
        convert::finish(violations, "INVALID_SHEET", "the sign-in sheet is not valid").map_err(status)?;
        let rows: Vec<(String, String)> = request
            .rows
            .iter()
            .map(|r| (r.cadre_id.trim().to_owned(), r.external_id.trim().to_owned()))
            .collect();
        let now = self.now();
        let response = self
            .db
            .mutate(ctx, method!("ImportSignInSheet"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let session = visible::session_to_act_on(conn, &caller, &session_id)?;
                if state_of(&session)? == SessionState::Cancelled {
                    return Err(visible::refused(
                        "SESSION_CANCELLED",
                        format!("session {} was cancelled", session.id),
                    ));
                }
                require_started(&session, now)?;
                let externals: Vec<String> = rows
                    .iter()
                    .filter(|(c, e)| c.is_empty() && !e.is_empty())
                    .map(|(_, e)| e.clone())
                    .collect();
                let by_external: HashMap<String, String> =
                    external_ids::resolve(conn, &externals)?.into_iter().collect();
                let named: Vec<String> = rows
                    .iter()
                    .filter_map(
                        |(c, e)| if !c.is_empty() { Some(c.clone()) } else { by_external.get(e).cloned() },
                    )
                    .collect();
                let names: HashMap<String, String> =
                    projection::cadres(conn, &named)?.into_iter().map(|c| (c.id, c.name)).collect();
                let present: HashSet<String> =
                    attendance_store::present_among(conn, &session.id, &named)?.into_iter().collect();
                let mut count = attendance_store::count_of(conn, &session.id)?;
                let mut seen = HashSet::new();
                let mut results = Vec::with_capacity(rows.len());
                let mut recorded = Vec::new();
                for (i, (cadre_id, external_id)) in rows.iter().enumerate() {
                    let resolved = match (cadre_id.is_empty(), external_id.is_empty()) {
                        (false, true) => Ok(cadre_id.clone()),
                        (true, false) => {
                            by_external.get(external_id).cloned().ok_or(pb::SignInOutcome::UnknownCadre)
                        }
                        _ => Err(pb::SignInOutcome::InvalidRow),
                    };
                    let outcome = match &resolved {
                        Err(outcome) => *outcome,
                        Ok(id) if !names.contains_key(id) => pb::SignInOutcome::UnknownCadre,
                        Ok(id) if !seen.insert(id.clone()) => pb::SignInOutcome::DuplicateRow,
                        Ok(id) if present.contains(id) => pb::SignInOutcome::AlreadyRecorded,
                        Ok(_) if !check_in::has_room(count, session.capacity) => {
                            pb::SignInOutcome::SessionFull
                        }
                        Ok(id) => {
                            count += 1;
                            recorded.push(attendance_row(
                                &session,
                                id,
                                &names[id],
                                SIGN_IN_SHEET,
                                &caller.principal.subject,
                            ));
                            pb::SignInOutcome::Recorded
                        }
                    };
                    results.push(pb::SignInRowResult {
                        row: i32::try_from(i + 1).unwrap_or(i32::MAX),
                        cadre_id: resolved.clone().unwrap_or_default(),
                        external_id: external_id.clone(),
                        outcome: outcome as i32,
                    });
                }
                attendance_store::insert_all(conn, &recorded)?;
                tx.set_object("session", &session.id);
                for attendance in &recorded {
                    events::attendance_recorded(
                        tx,
                        &view::attendance(attendance),
                        &session.forum_id,
                        convert::level_to(&session.level),
                    )?;
                }
                let recorded = i32::try_from(recorded.len()).unwrap_or(i32::MAX);
                let total = i32::try_from(results.len()).unwrap_or(i32::MAX);
                Ok(pb::ImportSignInSheetResponse { results, recorded, not_recorded: total - recorded })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn correct_attendance_impl(
        &self,
        request: Request<pb::CorrectAttendanceRequest>,
    ) -> Result<Response<pb::CorrectAttendanceResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let session_id = convert::id(&mut violations, "session_id", &request.session_id);
        let cadre_id = convert::id(&mut violations, "cadre_id", &request.cadre_id);
        let action = pb::CorrectionAction::try_from(request.action)
            .ok()
            .filter(|a| *a != pb::CorrectionAction::Unspecified);
        violations.require(action.is_some(), "action", "must be ADD or REMOVE");
        let reason =
            convert::text(&mut violations, "reason", &request.reason, convert::MAX_SHORT_CHARS, true);
        convert::finish(violations, "INVALID_CORRECTION", "the correction is not valid").map_err(status)?;
        let Some(action) = action else { return Err(status(ApiError::internal("validated action missing"))) };
        let now = self.now();
        let response = self
            .db
            .mutate(ctx, method!("CorrectAttendance"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let session = visible::session_to_act_on(conn, &caller, &session_id)?;
                let by = caller.principal.subject.clone();
                let (attendance, code) = if action == pb::CorrectionAction::Add {
                    if state_of(&session)? == SessionState::Cancelled {
                        return Err(visible::refused(
                            "SESSION_CANCELLED",
                            format!("session {} was cancelled", session.id),
                        ));
                    }
                    require_started(&session, now)?;
                    let cadre = projection::cadre(conn, &cadre_id)?.ok_or_else(|| {
                        visible::cadre_not_found(&cadre_id).with_violation("cadre_id", "no such cadre")
                    })?;
                    if attendance_store::of(conn, &session.id, &cadre.id)?.is_some() {
                        return Err(ApiError::already_exists(
                            "ALREADY_CHECKED_IN",
                            "the person already has an attendance",
                        ));
                    }
                    // The organiser's correction records a fact; the capacity was a plan, so it does not apply.
                    let row = attendance_row(&session, &cadre.id, &cadre.name, CORRECTION, &by);
                    attendance_store::insert(conn, &row)?;
                    (row, "ADD")
                } else {
                    let row = attendance_store::of(conn, &session.id, &cadre_id)?.ok_or_else(|| {
                        ApiError::not_found(
                            "ATTENDANCE_NOT_FOUND",
                            format!("{cadre_id} has no attendance at this session"),
                        )
                    })?;
                    attendance_store::delete(conn, &row.id)?;
                    (row, "REMOVE")
                };
                attendance_store::insert_correction(
                    conn,
                    &CorrectionRow {
                        id: store::new_id(),
                        session_id: session.id.clone(),
                        cadre_id: attendance.cadre_id.clone(),
                        action: code.to_owned(),
                        reason: reason.clone(),
                        corrected_by: by,
                        corrected_at: clock::now(),
                    },
                )?;
                tx.set_object("attendance", &attendance.id);
                let view = view::attendance(&attendance);
                if action == pb::CorrectionAction::Add {
                    events::attendance_recorded(
                        tx,
                        &view,
                        &session.forum_id,
                        convert::level_to(&session.level),
                    )?;
                } else {
                    events::attendance_removed(tx, &view, &reason)?;
                }
                Ok(pb::CorrectAttendanceResponse { attendance: Some(view), action: action as i32 })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_attendances_impl(
        &self,
        request: Request<pb::ListAttendancesRequest>,
    ) -> Result<Response<pb::ListAttendancesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let session_id =
            cadre_platform::error::require_id("session_id", &request.session_id).map_err(status)?;
        let limit = paging::page_size(request.page_size, 100, 1000).map_err(status)?;
        let filters = paging::filter_fingerprint(&[&session_id]);
        let after = paging::decode_token(&request.page_token, &filters)
            .map_err(status)?
            .and_then(|k| k.into_iter().next());
        let (rows, next) = self
            .db
            .run(move |conn| {
                let session = visible::session_to_act_on(conn, &caller, &session_id)?;
                let rows = attendance_store::list_of(conn, &session.id, after, limit + 1)?;
                Ok(paging::finish_page(rows, limit, &filters, |r| vec![r.cadre_id.clone()]))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListAttendancesResponse {
            attendances: rows.iter().map(view::attendance).collect(),
            next_page_token: next,
        }))
    }
}

//! Sessions: scheduled by an active forum's organisers, cancelled while planned and empty, recorded as held
//! once started (crediting the speaker's teaching, which is duty, not leave); read by their organisers and
//! by the people their audience invites.

use cadre_platform::{ApiError, CallContext, DbConn, Violations, auth::Caller, clock, paging};
use cadre_projection::store as projection;
use cadre_proto::forum as pb;
use chrono::{DateTime, Datelike, Duration, Utc};
use tonic::{Request, Response, Status};

use super::{ForumApi, status, visible};
use crate::{
    convert,
    domain::{
        ForumStatus, SessionState,
        forum::{may_cancel, may_mark_held},
        hours,
    },
    events,
    store::{
        self, attendances as attendance_store, plans as plan_store,
        sessions::{self as session_store, SessionRow},
    },
    view,
};

/// The longest session: a day.
const MAX_SESSION: Duration = Duration::hours(24);

/// A session as the contract shows it, with its audience and attendance count.
pub(super) fn session_view(conn: &mut DbConn, row: &SessionRow) -> Result<pb::Session, ApiError> {
    let audience = session_store::audience(conn, &row.id)?;
    let count = attendance_store::count_of(conn, &row.id)?;
    Ok(view::session(row, &audience, count))
}

/// Sessions as the contract shows them, with their audiences and attendance counts read for all of them at
/// once (a page: two queries, not two per session).
fn session_views(conn: &mut DbConn, rows: &[SessionRow]) -> Result<Vec<pb::Session>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut audiences = session_store::audiences_of(conn, &ids)?;
    let counts = attendance_store::counts_of(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|row| {
            let audience = audiences.remove(&row.id).unwrap_or_default();
            view::session(row, &audience, counts.get(&row.id).copied().unwrap_or(0))
        })
        .collect())
}

/// The district's calendar year of an instant.
fn district_year(at: DateTime<Utc>) -> i32 {
    at.with_timezone(&clock::district_offset()).year()
}

impl ForumApi {
    pub(super) async fn schedule_session_impl(
        &self,
        request: Request<pb::ScheduleSessionRequest>,
    ) -> Result<Response<pb::ScheduleSessionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let forum_id = convert::id(&mut violations, "forum_id", &request.forum_id);
        let topic = convert::text(&mut violations, "topic", &request.topic, convert::MAX_SHORT_CHARS, true);
        let theme_id = request.theme_id.trim().to_owned();
        if !theme_id.is_empty() {
            convert::id(&mut violations, "theme_id", &theme_id);
        }
        let speaker = request.speaker.clone().unwrap_or_default();
        violations.require(request.speaker.is_some(), "speaker", "is required");
        let speaker_cadre = speaker.cadre_id.trim().to_owned();
        let (guest_name, guest_affiliation) = if speaker_cadre.is_empty() {
            (
                convert::text(&mut violations, "speaker.name", &speaker.name, convert::MAX_SHORT_CHARS, true),
                convert::text(
                    &mut violations,
                    "speaker.affiliation",
                    &speaker.affiliation,
                    convert::MAX_SHORT_CHARS,
                    false,
                ),
            )
        } else {
            convert::id(&mut violations, "speaker.cadre_id", &speaker_cadre);
            (String::new(), String::new())
        };
        let starts = convert::instant(&mut violations, "start_time", request.start_time.as_ref());
        let ends = convert::instant(&mut violations, "end_time", request.end_time.as_ref());
        if let (Some(starts), Some(ends)) = (starts, ends) {
            violations.require(ends > starts, "end_time", "must be after the start");
            violations.require(ends - starts <= MAX_SESSION, "end_time", "a session lasts at most a day");
        }
        let place = convert::text(&mut violations, "place", &request.place, convert::MAX_SHORT_CHARS, true);
        let audience = request.audience.clone().unwrap_or_default();
        let audience_units =
            convert::ids(&mut violations, "audience.unit_ids", &audience.unit_ids, convert::MAX_AUDIENCE);
        let audience_cadres =
            convert::ids(&mut violations, "audience.cadre_ids", &audience.cadre_ids, convert::MAX_AUDIENCE);
        let capacity = convert::number(&mut violations, "capacity", request.capacity, 0..=100_000);
        let credited =
            convert::number(&mut violations, "credited_minutes", request.credited_minutes, 1..=1440);
        convert::finish(violations, "INVALID_SESSION", "the session is not valid").map_err(status)?;
        let (Some(starts), Some(ends)) = (starts, ends) else {
            return Err(status(ApiError::internal("validated times missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("ScheduleSession"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let forum = visible::forum_to_act_on(conn, &caller, &forum_id)?;
                if forum.status != ForumStatus::Active.code() {
                    return Err(visible::refused(
                        "FORUM_NOT_ACTIVE",
                        format!(
                            "forum {} is {}: only an approved, active forum holds sessions",
                            forum.id,
                            forum.status.to_lowercase()
                        ),
                    ));
                }
                if !theme_id.is_empty() {
                    let year = district_year(starts);
                    let theme = plan_store::theme(conn, &theme_id)?;
                    if theme.is_none_or(|t| t.year != year) {
                        return Err(visible::refused(
                            "THEME_NOT_IN_PLAN",
                            format!("{theme_id} is not a theme of {year}"),
                        )
                        .with_violation("theme_id", format!("not one of the themes of {year}")));
                    }
                }
                let (speaker_name, speaker_affiliation) = if speaker_cadre.is_empty() {
                    (guest_name, guest_affiliation)
                } else {
                    let cadre =
                        projection::cadre(conn, &speaker_cadre)?.filter(|c| c.active).ok_or_else(|| {
                            ApiError::not_found(
                                "SPEAKER_NOT_FOUND",
                                format!("no cadre {speaker_cadre} in post"),
                            )
                            .with_violation(
                                "speaker.cadre_id",
                                "no cadre of the district in post has this id",
                            )
                        })?;
                    (cadre.name, String::new())
                };
                for (i, unit) in audience_units.iter().enumerate() {
                    if projection::unit(conn, unit)?.is_none() {
                        return Err(visible::unit_not_found(unit)
                            .with_violation(format!("audience.unit_ids[{i}]"), "no such unit"));
                    }
                }
                let known: std::collections::HashSet<String> =
                    projection::cadres(conn, &audience_cadres)?.into_iter().map(|c| c.id).collect();
                if let Some((i, missing)) =
                    audience_cadres.iter().enumerate().find(|(_, c)| !known.contains(*c))
                {
                    return Err(visible::cadre_not_found(missing)
                        .with_violation(format!("audience.cadre_ids[{i}]"), "no such cadre"));
                }
                let audience_units = if audience_units.is_empty() && audience_cadres.is_empty() {
                    vec![forum.owner_unit_id.clone()]
                } else {
                    audience_units
                };
                let expected =
                    crate::workflow::expected_audience(conn, &audience_units, &audience_cadres, capacity)?;
                let starts_on = starts.with_timezone(&clock::district_offset()).date_naive();
                let policy = store::policy::on(conn, starts_on)?;
                let teaching = if speaker_cadre.is_empty() {
                    0
                } else {
                    let minutes = hours::teaching_minutes(
                        u32::try_from(credited).unwrap_or(0),
                        policy.teaching_credit_percent,
                    );
                    i32::try_from(minutes).unwrap_or(i32::MAX)
                };
                let now = clock::now();
                let row = SessionRow {
                    id: store::new_id(),
                    forum_id: forum.id.clone(),
                    level: forum.level.clone(),
                    owner_unit_id: forum.owner_unit_id.clone(),
                    topic,
                    theme_id,
                    speaker_cadre_id: speaker_cadre,
                    speaker_name,
                    speaker_affiliation,
                    starts_at: store::stored(starts),
                    ends_at: store::stored(ends),
                    place,
                    capacity,
                    credited_minutes: credited,
                    teaching_minutes: teaching,
                    expected_audience: expected,
                    state: SessionState::Planned.code().to_owned(),
                    cancel_reason: String::new(),
                    held_at: None,
                    check_in_code: String::new(),
                    created_by: caller.principal.subject.clone(),
                    created_at: now,
                    updated_at: now,
                };
                let audience = (audience_units, audience_cadres);
                session_store::insert(conn, &row, &audience)?;
                tx.set_object("session", &row.id);
                Ok(pb::ScheduleSessionResponse { session: Some(view::session(&row, &audience, 0)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_session_impl(
        &self,
        request: Request<pb::GetSessionRequest>,
    ) -> Result<Response<pb::GetSessionResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let session_id =
            cadre_platform::error::require_id("session_id", &request.session_id).map_err(status)?;
        let session = self
            .db
            .run(move |conn| {
                let row = visible::session(conn, &caller, &session_id)?;
                session_view(conn, &row)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetSessionResponse { session: Some(session) }))
    }

    pub(super) async fn list_sessions_impl(
        &self,
        request: Request<pb::ListSessionsRequest>,
    ) -> Result<Response<pb::ListSessionsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let state = convert::optional_state(&mut violations, "state", request.state);
        let from = convert::optional_date(&mut violations, "start_from", request.start_from.as_ref());
        let until = convert::optional_date(&mut violations, "start_until", request.start_until.as_ref());
        convert::finish(violations, "INVALID_FILTER", "the filter is not valid").map_err(status)?;
        let filters = paging::filter_fingerprint(&[
            &request.forum_id,
            &request.org_unit_id,
            &request.state.to_string(),
            &format!("{from:?}{until:?}"),
            &request.open_to_me.to_string(),
        ]);
        let after = paging::decode_token(&request.page_token, &filters).map_err(status)?;
        let after = match after.as_deref() {
            Some([at, id]) => Some((convert::parse_time_key(at).map_err(status)?, id.clone())),
            Some(_) => {
                return Err(status(ApiError::invalid_argument(
                    "INVALID_PAGE_TOKEN",
                    "page_token is not valid",
                )));
            }
            None => None,
        };
        let (sessions, next) = self
            .db
            .run(move |conn| {
                let targets = visible::own_targets(conn, &caller)?;
                let subtree = store::subtree_ids(conn, request.org_unit_id.trim())?;
                let (unit_ids, audience_targets) = if request.open_to_me {
                    (subtree, Some(targets))
                } else {
                    let scoped = store::unit_ids_in_scope(conn, &caller.scope)?;
                    // Out of the caller's scope, a session is still theirs to see when it invites them.
                    let invited = (scoped.is_some() && !targets.is_empty()).then_some(targets);
                    match (scoped, invited) {
                        (Some(scoped), Some(invited)) => (
                            Some(store::intersect(Some(scoped), subtree.clone()).unwrap_or_default()),
                            Some(invited),
                        ),
                        (scoped, _) => (store::intersect(scoped, subtree), None),
                    }
                };
                let filter = session_store::Filter {
                    forum_id: Some(request.forum_id.trim().to_owned()).filter(|f| !f.is_empty()),
                    unit_ids,
                    audience_targets,
                    state: state.map(|s| s.code().to_owned()),
                    from: from.map(store::day_start),
                    until: until.map(|d| store::days_range(d, d).1),
                    ..Default::default()
                };
                let rows = session_store::list(conn, &filter, after, limit + 1)?;
                let (rows, next) = paging::finish_page(rows, limit, &filters, |r| {
                    vec![convert::time_key(r.starts_at), r.id.clone()]
                });
                Ok((session_views(conn, &rows)?, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListSessionsResponse { sessions, next_page_token: next }))
    }

    pub(super) async fn cancel_session_impl(
        &self,
        request: Request<pb::CancelSessionRequest>,
    ) -> Result<Response<pb::CancelSessionResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let session_id = convert::id(&mut violations, "session_id", &request.session_id);
        let reason =
            convert::text(&mut violations, "reason", &request.reason, convert::MAX_SHORT_CHARS, true);
        convert::finish(violations, "INVALID_REQUEST", "the cancellation is not valid").map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("CancelSession"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible::session_to_act_on(conn, &caller, &session_id)?;
                let state = SessionState::from_code(&row.state).ok_or_else(|| {
                    ApiError::internal(format!("session {} has state {:?}", row.id, row.state))
                })?;
                let count = attendance_store::count_of(conn, &row.id)?;
                may_cancel(state, count).map_err(|reason| {
                    visible::refused(reason, format!("session {} cannot be cancelled", row.id))
                        .with_metadata("attendances", count.to_string())
                })?;
                row.state = SessionState::Cancelled.code().to_owned();
                row.cancel_reason = reason;
                row.check_in_code = String::new();
                row.updated_at = clock::now();
                session_store::update(conn, &row)?;
                tx.set_object("session", &row.id);
                Ok(pb::CancelSessionResponse { session: Some(session_view(tx.conn(), &row)?) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn mark_session_held_impl(
        &self,
        request: Request<pb::MarkSessionHeldRequest>,
    ) -> Result<Response<pb::MarkSessionHeldResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let session_id =
            cadre_platform::error::require_id("session_id", &request.session_id).map_err(status)?;
        let now = self.now();
        let response = self
            .db
            .mutate(ctx, method!("MarkSessionHeld"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = visible::session_to_act_on(conn, &caller, &session_id)?;
                let forum = visible::forum(conn, &row.forum_id)?;
                let state = SessionState::from_code(&row.state).ok_or_else(|| {
                    ApiError::internal(format!("session {} has state {:?}", row.id, row.state))
                })?;
                let forum_status = ForumStatus::from_code(&forum.status).ok_or_else(|| {
                    ApiError::internal(format!("forum {} has status {:?}", forum.id, forum.status))
                })?;
                may_mark_held(state, forum_status, store::instant(row.starts_at), now).map_err(|reason| {
                    visible::refused(reason, format!("session {} cannot be recorded as held now", row.id))
                })?;
                row.state = SessionState::Held.code().to_owned();
                row.held_at = Some(store::stored(now));
                row.updated_at = clock::now();
                session_store::update(conn, &row)?;
                tx.set_object("session", &row.id);
                let session = session_view(tx.conn(), &row)?;
                events::session_held(tx, &session, row.teaching_minutes)?;
                Ok(pb::MarkSessionHeldResponse { session: Some(session) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

//! Reports: speakers' duties in a period (for leave and assessment: teaching is duty, not leave), a cadre's
//! learning ledger against the yearly quota, the people short of it in a unit subtree, and the statistics
//! per level. Each is cut to the caller's scope; the sums and counts are SQL aggregates.
//!
//! What counts: a session counts once it is recorded as held (MarkSessionHeld, which needs it to have
//! started), in the district year of its start. Its attendees' minutes and its speaker's teaching go on the
//! ledger and into the shortfalls, and it and its attendances into the statistics, then and only then; an
//! attendance at a session still planned (a check-in just before the start, a sheet imported before the
//! organiser records the session held) waits for it.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn, Violations, auth::Caller, paging};
use cadre_projection::store as projection;
use cadre_proto::forum as pb;
use tonic::{Request, Response, Status};

use super::{ForumApi, status, visible};
use crate::{
    convert,
    domain::{ForumLevel, ForumStatus, hours, plan::basis_points},
    store::{
        self, attendances as attendance_store,
        sessions::{self as session_store},
        stats::{self, Figures},
    },
    view, workflow,
};

fn as_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The units a report covers: the subtree of `unit_id` (which must be in scope), or the caller's whole
/// scope (`None`: the district).
fn units_of(conn: &mut DbConn, caller: &Caller, unit_id: &str) -> Result<Option<Vec<String>>, ApiError> {
    if unit_id.is_empty() {
        return store::unit_ids_in_scope(conn, &caller.scope);
    }
    if !store::unit_in_scope(conn, &caller.scope, unit_id)? || projection::unit(conn, unit_id)?.is_none() {
        return Err(visible::unit_not_found(unit_id));
    }
    let subtree = store::subtree_ids(conn, unit_id)?;
    Ok(store::intersect(subtree, store::unit_ids_in_scope(conn, &caller.scope)?))
}

/// A required period of district days.
fn period(
    violations: &mut Violations,
    from: Option<&cadre_proto::types::Date>,
    until: Option<&cadre_proto::types::Date>,
) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    let from = convert::required_date(violations, "start_from", from);
    let until = convert::required_date(violations, "start_until", until);
    if let (Some(from), Some(until)) = (from, until) {
        violations.require(until >= from, "start_until", "must not be before start_from");
        return Some((from, until));
    }
    None
}

impl ForumApi {
    pub(super) async fn list_speaker_duties_impl(
        &self,
        request: Request<pb::ListSpeakerDutiesRequest>,
    ) -> Result<Response<pb::ListSpeakerDutiesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 100, 1000).map_err(status)?;
        let mut violations = Violations::default();
        let speakers = convert::ids(&mut violations, "cadre_ids", &request.cadre_ids, convert::MAX_AUDIENCE);
        let span = period(&mut violations, request.start_from.as_ref(), request.start_until.as_ref());
        convert::finish(violations, "INVALID_FILTER", "the filter is not valid").map_err(status)?;
        let Some((from, until)) = span else {
            return Err(status(ApiError::internal("validated period missing")));
        };
        let filters =
            paging::filter_fingerprint(&[&speakers.join(","), &from.to_string(), &until.to_string()]);
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
        let (rows, next) = self
            .db
            .run(move |conn| {
                let scoped = store::cadre_ids_in_scope(conn, &caller.scope)?;
                let speakers = match (speakers.is_empty(), scoped) {
                    (true, scoped) => scoped,
                    (false, None) => Some(speakers),
                    (false, Some(scoped)) => {
                        let scoped: std::collections::HashSet<String> = scoped.into_iter().collect();
                        Some(speakers.into_iter().filter(|s| scoped.contains(s)).collect())
                    }
                };
                let (from, until) = store::days_range(from, until);
                // A guest gives no duty: only sessions of the district's cadres count. They are left out in
                // the query, so that a page is full whenever more duties follow.
                let filter = session_store::Filter {
                    speakers,
                    cadre_speakers_only: true,
                    from: Some(from),
                    until: Some(until),
                    not_cancelled: true,
                    ..Default::default()
                };
                let rows = session_store::list(conn, &filter, after, limit + 1)?;
                Ok(paging::finish_page(rows, limit, &filters, |r| {
                    vec![convert::time_key(r.starts_at), r.id.clone()]
                }))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListSpeakerDutiesResponse {
            duties: rows.iter().map(view::duty).collect(),
            next_page_token: next,
        }))
    }

    pub(super) async fn get_learning_ledger_impl(
        &self,
        request: Request<pb::GetLearningLedgerRequest>,
    ) -> Result<Response<pb::GetLearningLedgerResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let year = convert::year(&mut violations, "year", request.year);
        let cadre_id = match request.cadre_id.trim() {
            "" => caller.principal.cadre_id.clone().unwrap_or_default(),
            id => id.to_owned(),
        };
        violations.require(
            !cadre_id.is_empty(),
            "cadre_id",
            "is required when the caller has no cadre record",
        );
        convert::finish(violations, "INVALID_REQUEST", "the request is not valid").map_err(status)?;
        let Some(year) = year else { return Err(status(ApiError::internal("validated year missing"))) };
        let response = self
            .db
            .run(move |conn| {
                if !store::cadre_in_scope(conn, &caller.scope, &cadre_id)? {
                    return Err(visible::cadre_not_found(&cadre_id));
                }
                let (from, until) = store::year_range(year);
                let mut entries = Vec::new();
                let mut attended: i64 = 0;
                for (attendance, topic) in attendance_store::held_of_cadre(conn, &cadre_id, from, until)? {
                    attended += i64::from(attendance.credited_minutes);
                    entries.push(pb::LedgerEntry {
                        session_id: attendance.session_id.clone(),
                        topic,
                        start_time: Some(convert::timestamp(attendance.session_starts_at)),
                        minutes: attendance.credited_minutes,
                        teaching: false,
                    });
                }
                let mut teaching: i64 = 0;
                for session in session_store::taught_by(conn, &cadre_id, from, until)? {
                    teaching += i64::from(session.teaching_minutes);
                    entries.push(pb::LedgerEntry {
                        session_id: session.id.clone(),
                        topic: session.topic.clone(),
                        start_time: Some(convert::timestamp(session.starts_at)),
                        minutes: session.teaching_minutes,
                        teaching: true,
                    });
                }
                entries.sort_by_key(|e| e.start_time.map(|t| (t.seconds, t.nanos)));
                let quota = workflow::policy_of_year(conn, year)?.quota_minutes;
                let total = attended + teaching;
                Ok(pb::GetLearningLedgerResponse {
                    cadre_id,
                    year,
                    entries,
                    attended_minutes: as_i32(attended),
                    teaching_minutes: as_i32(teaching),
                    total_minutes: as_i32(total),
                    quota_minutes: i32::try_from(quota).unwrap_or(i32::MAX),
                    short: hours::shortfall(u64::try_from(total).unwrap_or(0), quota).is_some(),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_learning_shortfalls_impl(
        &self,
        request: Request<pb::ListLearningShortfallsRequest>,
    ) -> Result<Response<pb::ListLearningShortfallsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 100, 1000).map_err(status)?;
        let mut violations = Violations::default();
        let year = convert::year(&mut violations, "year", request.year);
        convert::finish(violations, "INVALID_FILTER", "the filter is not valid").map_err(status)?;
        let Some(year) = year else { return Err(status(ApiError::internal("validated year missing"))) };
        let filters = paging::filter_fingerprint(&[&year.to_string(), &request.org_unit_id]);
        let after = paging::decode_token(&request.page_token, &filters).map_err(status)?;
        let after = match after.as_deref() {
            Some([minutes, id]) => Some((minutes.parse::<i32>().unwrap_or(i32::MAX), id.clone())),
            Some(_) => {
                return Err(status(ApiError::invalid_argument(
                    "INVALID_PAGE_TOKEN",
                    "page_token is not valid",
                )));
            }
            None => None,
        };
        let unit_id = request.org_unit_id.trim().to_owned();
        let (shortfalls, quota, next) = self
            .db
            .run(move |conn| {
                let (people, whole_district) = if unit_id.is_empty() {
                    (projection::active_cadres(conn)?, caller.scope.is_district())
                } else {
                    if !store::unit_in_scope(conn, &caller.scope, &unit_id)? {
                        return Err(visible::unit_not_found(&unit_id));
                    }
                    (projection::cadres_in_subtree(conn, &unit_id)?, false)
                };
                let scoped: Option<std::collections::HashSet<String>> =
                    store::cadre_ids_in_scope(conn, &caller.scope)?.map(|ids| ids.into_iter().collect());
                let people: Vec<_> = people
                    .into_iter()
                    .filter(|c| scoped.as_ref().is_none_or(|ids| ids.contains(&c.id)))
                    .collect();
                let (from, until) = store::year_range(year);
                // Only the people reported on are summed: the whole district's year in one grouped query
                // (from the index by start), a subtree's or a scope's people by id.
                let ids: Vec<String> = people.iter().map(|c| c.id.clone()).collect();
                let restrict = (!whole_district).then_some(ids.as_slice());
                let mut minutes: HashMap<String, i64> = HashMap::new();
                for (cadre, sum) in attendance_store::held_minutes_per_cadre(conn, from, until, restrict)? {
                    *minutes.entry(cadre).or_default() += sum.unwrap_or(0);
                }
                for (cadre, sum) in session_store::teaching_per_speaker(conn, from, until)? {
                    *minutes.entry(cadre).or_default() += sum.unwrap_or(0);
                }
                let quota = workflow::policy_of_year(conn, year)?.quota_minutes;
                let mut short: Vec<pb::Shortfall> = people
                    .into_iter()
                    .filter_map(|c| {
                        let total = minutes.get(&c.id).copied().unwrap_or(0);
                        let missing = hours::shortfall(u64::try_from(total).unwrap_or(0), quota)?;
                        Some(pb::Shortfall {
                            cadre_id: c.id,
                            cadre_name: c.name,
                            org_unit_id: c.employing_unit_id,
                            minutes: as_i32(total),
                            quota_minutes: i32::try_from(quota).unwrap_or(i32::MAX),
                            missing_minutes: i32::try_from(missing).unwrap_or(i32::MAX),
                        })
                    })
                    .collect();
                short.sort_by(|a, b| (a.minutes, &a.cadre_id).cmp(&(b.minutes, &b.cadre_id)));
                if let Some((minutes, id)) = &after {
                    short.retain(|s| (s.minutes, &s.cadre_id) > (*minutes, id));
                }
                let (page, next) = paging::finish_page(short, limit, &filters, |s| {
                    vec![s.minutes.to_string(), s.cadre_id.clone()]
                });
                Ok((page, quota, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListLearningShortfallsResponse {
            shortfalls,
            quota_minutes: i32::try_from(quota).unwrap_or(i32::MAX),
            next_page_token: next,
        }))
    }

    pub(super) async fn get_forum_statistics_impl(
        &self,
        request: Request<pb::GetForumStatisticsRequest>,
    ) -> Result<Response<pb::GetForumStatisticsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let span = period(&mut violations, request.start_from.as_ref(), request.start_until.as_ref());
        let level = convert::optional_level(&mut violations, "level", request.level);
        convert::finish(violations, "INVALID_FILTER", "the filter is not valid").map_err(status)?;
        let Some((from, until)) = span else {
            return Err(status(ApiError::internal("validated period missing")));
        };
        let response = self
            .db
            .run(move |conn| {
                let unit_ids = units_of(conn, &caller, request.org_unit_id.trim())?;
                let (from, until) = store::days_range(from, until);
                let levels: Vec<ForumLevel> = match level {
                    Some(level) => vec![level],
                    None => ForumLevel::ALL.to_vec(),
                };
                let scope = stats::Scope { unit_ids, level: level.map(|l| l.code().to_owned()), from, until };
                // One grouped query each for the forums and the figures; the total is their sum, but for
                // the distinct attendees, counted once more over every level.
                let mut forums: HashMap<(String, String), i64> = HashMap::new();
                for (level, status, count) in stats::forums_by_level_and_status(conn, &scope)? {
                    forums.insert((level, status), count);
                }
                let figures = stats::figures_per_level(conn, &scope)?;
                let statistics =
                    |level: Option<ForumLevel>, count: &dyn Fn(ForumStatus) -> i64, f: Figures| {
                        pb::ForumStatistics {
                            level: level.map_or(0, |l| convert::level_to(l.code())),
                            proposed_forums: as_i32(count(ForumStatus::Proposed)),
                            active_forums: as_i32(count(ForumStatus::Active)),
                            suspended_forums: as_i32(count(ForumStatus::Suspended)),
                            closed_forums: as_i32(count(ForumStatus::Closed)),
                            held_sessions: as_i32(f.held_sessions),
                            attendances: as_i32(f.attendances),
                            distinct_attendees: as_i32(f.distinct_attendees),
                            expected_audience: as_i32(f.expected_audience),
                            attendance_rate_bp: i32::try_from(basis_points(
                                u64::try_from(f.attendances).unwrap_or(0),
                                u64::try_from(f.expected_audience).unwrap_or(0),
                            ))
                            .unwrap_or(i32::MAX),
                        }
                    };
                let per_level: Vec<pb::ForumStatistics> = levels
                    .iter()
                    .map(|l| {
                        let count = |s: ForumStatus| {
                            forums.get(&(l.code().to_owned(), s.code().to_owned())).copied().unwrap_or(0)
                        };
                        statistics(Some(*l), &count, figures.get(l.code()).copied().unwrap_or_default())
                    })
                    .collect();
                let total = if level.is_some() {
                    per_level.first().cloned()
                } else {
                    let count = |s: ForumStatus| {
                        forums.iter().filter(|((_, status), _)| status == s.code()).map(|(_, n)| n).sum()
                    };
                    let summed = figures.values().fold(Figures::default(), |sum, f| Figures {
                        held_sessions: sum.held_sessions + f.held_sessions,
                        expected_audience: sum.expected_audience + f.expected_audience,
                        attendances: sum.attendances + f.attendances,
                        distinct_attendees: 0,
                    });
                    let distinct_attendees =
                        if summed.attendances == 0 { 0 } else { stats::distinct_attendees(conn, &scope)? };
                    Some(statistics(None, &count, Figures { distinct_attendees, ..summed }))
                };
                Ok(pb::GetForumStatisticsResponse { levels: per_level, total })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

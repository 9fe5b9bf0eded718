//! Sessions, their audiences, and speakers' duties (the sessions a cadre gives).

use cadre_platform::{ApiError, DbConn};
use chrono::NaiveDateTime;
use diesel::{dsl::count_star, prelude::*};

use super::schema::{forum_sessions, session_audience};

/// One session as stored. `state` is the domain's code; a guest speaker has an empty `speaker_cadre_id`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = forum_sessions, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct SessionRow {
    /// Id.
    pub id: String,
    /// The forum.
    pub forum_id: String,
    /// The forum's level.
    pub level: String,
    /// The forum's owner unit.
    pub owner_unit_id: String,
    /// Topic.
    pub topic: String,
    /// A theme of the year, or empty.
    pub theme_id: String,
    /// A cadre speaker, or empty for a guest.
    pub speaker_cadre_id: String,
    /// The speaker's name.
    pub speaker_name: String,
    /// A guest's affiliation.
    pub speaker_affiliation: String,
    /// Start (UTC).
    pub starts_at: NaiveDateTime,
    /// End (UTC).
    pub ends_at: NaiveDateTime,
    /// Place.
    pub place: String,
    /// Most attendances (0: no limit).
    pub capacity: i32,
    /// Minutes per attendee.
    pub credited_minutes: i32,
    /// Minutes to a cadre speaker once held.
    pub teaching_minutes: i32,
    /// The expected audience.
    pub expected_audience: i32,
    /// PLANNED, HELD or CANCELLED.
    pub state: String,
    /// Why cancelled.
    pub cancel_reason: String,
    /// When marked held.
    pub held_at: Option<NaiveDateTime>,
    /// The current one-time code, or empty.
    pub check_in_code: String,
    /// Who scheduled it.
    pub created_by: String,
    /// When.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// What an audience row invites.
pub const AUDIENCE_UNIT: &str = "UNIT";
/// An audience row inviting one cadre.
pub const AUDIENCE_CADRE: &str = "CADRE";

/// A session's audience: `(unit ids, cadre ids)`.
pub type AudienceLists = (Vec<String>, Vec<String>);

/// Stores a new session with its audience.
pub fn insert(conn: &mut DbConn, row: &SessionRow, audience: &AudienceLists) -> Result<(), ApiError> {
    diesel::insert_into(forum_sessions::table).values(row).execute(conn)?;
    let rows = audience_rows(&row.id, audience);
    for chunk in rows.chunks(300) {
        insert_batch!(conn, session_audience::table, chunk)?;
    }
    Ok(())
}

type AudienceRow = (
    diesel::dsl::Eq<session_audience::session_id, String>,
    diesel::dsl::Eq<session_audience::kind, &'static str>,
    diesel::dsl::Eq<session_audience::target_id, String>,
);

fn audience_rows(session_id: &str, (units, cadres): &AudienceLists) -> Vec<AudienceRow> {
    let unit_rows = units.iter().map(|u| (AUDIENCE_UNIT, u));
    let cadre_rows = cadres.iter().map(|c| (AUDIENCE_CADRE, c));
    unit_rows
        .chain(cadre_rows)
        .map(|(kind, target)| {
            (
                session_audience::session_id.eq(session_id.to_owned()),
                session_audience::kind.eq(kind),
                session_audience::target_id.eq(target.clone()),
            )
        })
        .collect()
}

/// Stores many sessions with their audiences at once (the demo district).
pub fn insert_all(conn: &mut DbConn, rows: &[(SessionRow, AudienceLists)]) -> Result<(), ApiError> {
    let sessions: Vec<&SessionRow> = rows.iter().map(|(row, _)| row).collect();
    for chunk in sessions.chunks(50) {
        let chunk: Vec<SessionRow> = chunk.iter().map(|row| (*row).clone()).collect();
        insert_batch!(conn, forum_sessions::table, &chunk)?;
    }
    let audience: Vec<AudienceRow> =
        rows.iter().flat_map(|(row, lists)| audience_rows(&row.id, lists)).collect();
    for chunk in audience.chunks(300) {
        insert_batch!(conn, session_audience::table, chunk)?;
    }
    Ok(())
}

/// Writes a changed session.
pub fn update(conn: &mut DbConn, row: &SessionRow) -> Result<(), ApiError> {
    diesel::update(forum_sessions::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// A session.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<SessionRow>, ApiError> {
    Ok(forum_sessions::table.find(id).select(SessionRow::as_select()).first(conn).optional()?)
}

/// A session's audience.
pub fn audience(conn: &mut DbConn, session_id: &str) -> Result<AudienceLists, ApiError> {
    let rows: Vec<(String, String)> = session_audience::table
        .filter(session_audience::session_id.eq(session_id))
        .order((session_audience::kind.asc(), session_audience::target_id.asc()))
        .select((session_audience::kind, session_audience::target_id))
        .load(conn)?;
    let mut lists = (Vec::new(), Vec::new());
    for (kind, target) in rows {
        if kind == AUDIENCE_UNIT { lists.0.push(target) } else { lists.1.push(target) }
    }
    Ok(lists)
}

/// The audiences of `session_ids` (a page of sessions) in chunked queries; a session without audience rows
/// is absent.
pub fn audiences_of(
    conn: &mut DbConn,
    session_ids: &[String],
) -> Result<std::collections::HashMap<String, AudienceLists>, ApiError> {
    let mut lists: std::collections::HashMap<String, AudienceLists> = std::collections::HashMap::new();
    for chunk in session_ids.chunks(super::CHUNK) {
        let rows: Vec<(String, String, String)> = session_audience::table
            .filter(session_audience::session_id.eq_any(chunk))
            .order((
                session_audience::session_id.asc(),
                session_audience::kind.asc(),
                session_audience::target_id.asc(),
            ))
            .select((session_audience::session_id, session_audience::kind, session_audience::target_id))
            .load(conn)?;
        for (session, kind, target) in rows {
            let entry = lists.entry(session).or_default();
            if kind == AUDIENCE_UNIT { entry.0.push(target) } else { entry.1.push(target) }
        }
    }
    Ok(lists)
}

/// Whether the audience of a session names any of `targets` (a cadre's id and their units' ancestors).
pub fn audience_names_any(conn: &mut DbConn, session_id: &str, targets: &[String]) -> Result<bool, ApiError> {
    let count: i64 = session_audience::table
        .filter(session_audience::session_id.eq(session_id))
        .filter(session_audience::target_id.eq_any(targets.to_vec()))
        .select(count_star())
        .first(conn)?;
    Ok(count > 0)
}

/// Which of `theme_ids` some session (in any state) refers to.
pub fn themes_in_use(conn: &mut DbConn, theme_ids: &[String]) -> Result<Vec<String>, ApiError> {
    if theme_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(forum_sessions::table
        .filter(forum_sessions::theme_id.eq_any(theme_ids))
        .select(forum_sessions::theme_id)
        .distinct()
        .order(forum_sessions::theme_id.asc())
        .load(conn)?)
}

/// What a list of sessions is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this forum.
    pub forum_id: Option<String>,
    /// Only forums owned by these units (`None`: any).
    pub unit_ids: Option<Vec<String>>,
    /// Or, with `unit_ids`, sessions whose audience names one of these (a caller's own targets); alone,
    /// only those.
    pub audience_targets: Option<Vec<String>>,
    /// Only this state.
    pub state: Option<String>,
    /// Only speakers among these.
    pub speakers: Option<Vec<String>>,
    /// Only sessions a cadre gives (no guest's): the speakers' duties.
    pub cadre_speakers_only: bool,
    /// Only sessions starting at or after.
    pub from: Option<NaiveDateTime>,
    /// Only sessions starting before.
    pub until: Option<NaiveDateTime>,
    /// Leave out cancelled sessions.
    pub not_cancelled: bool,
}

/// Sessions by start then id, after `(start, id)`, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: &Filter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<SessionRow>, ApiError> {
    let mut query = forum_sessions::table.into_boxed();
    if let Some(forum) = &filter.forum_id {
        query = query.filter(forum_sessions::forum_id.eq(forum.clone()));
    }
    let invited = |targets: &Vec<String>| {
        session_audience::table
            .filter(session_audience::target_id.eq_any(targets.clone()))
            .select(session_audience::session_id)
    };
    match (&filter.unit_ids, &filter.audience_targets) {
        (Some(units), Some(targets)) => {
            query = query.filter(
                forum_sessions::owner_unit_id
                    .eq_any(units.clone())
                    .or(forum_sessions::id.eq_any(invited(targets))),
            );
        }
        (Some(units), None) => query = query.filter(forum_sessions::owner_unit_id.eq_any(units.clone())),
        (None, Some(targets)) => query = query.filter(forum_sessions::id.eq_any(invited(targets))),
        (None, None) => {}
    }
    if let Some(state) = &filter.state {
        query = query.filter(forum_sessions::state.eq(state.clone()));
    }
    if filter.not_cancelled {
        query = query.filter(forum_sessions::state.ne("CANCELLED"));
    }
    if let Some(speakers) = &filter.speakers {
        query = query.filter(forum_sessions::speaker_cadre_id.eq_any(speakers.clone()));
    }
    if filter.cadre_speakers_only {
        query = query.filter(forum_sessions::speaker_cadre_id.ne(""));
    }
    if let Some(from) = filter.from {
        query = query.filter(forum_sessions::starts_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(forum_sessions::starts_at.lt(until));
    }
    if let Some((start, id)) = after {
        query = query.filter(
            forum_sessions::starts_at
                .gt(start)
                .or(forum_sessions::starts_at.eq(start).and(forum_sessions::id.gt(id))),
        );
    }
    Ok(query
        .order((forum_sessions::starts_at.asc(), forum_sessions::id.asc()))
        .limit(limit)
        .select(SessionRow::as_select())
        .load(conn)?)
}

/// Sessions held per forum that started in `[from, until)`, as `(forum_id, count)`.
pub fn held_per_forum(
    conn: &mut DbConn,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<(String, i64)>, ApiError> {
    Ok(forum_sessions::table
        .filter(forum_sessions::state.eq("HELD"))
        .filter(forum_sessions::starts_at.ge(from))
        .filter(forum_sessions::starts_at.lt(until))
        .group_by(forum_sessions::forum_id)
        .select((forum_sessions::forum_id, count_star()))
        .load(conn)?)
}

/// The sessions a cadre gave (held) that started in `[from, until)`, by start.
pub fn taught_by(
    conn: &mut DbConn,
    cadre_id: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<SessionRow>, ApiError> {
    Ok(forum_sessions::table
        .filter(forum_sessions::speaker_cadre_id.eq(cadre_id))
        .filter(forum_sessions::state.eq("HELD"))
        .filter(forum_sessions::starts_at.ge(from))
        .filter(forum_sessions::starts_at.lt(until))
        .order((forum_sessions::starts_at.asc(), forum_sessions::id.asc()))
        .select(SessionRow::as_select())
        .load(conn)?)
}

/// Teaching minutes per speaker over held sessions that started in `[from, until)`.
pub fn teaching_per_speaker(
    conn: &mut DbConn,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<(String, Option<i64>)>, ApiError> {
    Ok(forum_sessions::table
        .filter(forum_sessions::speaker_cadre_id.ne(""))
        .filter(forum_sessions::state.eq("HELD"))
        .filter(forum_sessions::starts_at.ge(from))
        .filter(forum_sessions::starts_at.lt(until))
        .group_by(forum_sessions::speaker_cadre_id)
        .select((forum_sessions::speaker_cadre_id, diesel::dsl::sum(forum_sessions::teaching_minutes)))
        .load(conn)?)
}

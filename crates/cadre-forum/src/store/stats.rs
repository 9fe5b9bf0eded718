//! The statistics, as SQL aggregates grouped by level: forums by level and status, and per level the
//! sessions held in a period, their attendances, distinct attendees and expected audiences, without loading
//! the rows. Only held sessions count, as in the learning ledger.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use chrono::NaiveDateTime;
use diesel::{
    dsl::{count, count_star, sum},
    prelude::*,
};

use super::schema::{attendances, forum_sessions, forums};

/// What the statistics count over.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Forums owned by these units (`None`: every unit).
    pub unit_ids: Option<Vec<String>>,
    /// Only this level (`None`: every level).
    pub level: Option<String>,
    /// Sessions starting at or after.
    pub from: NaiveDateTime,
    /// Sessions starting before.
    pub until: NaiveDateTime,
}

/// The figures of one level (or, summed, of all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Sessions held.
    pub held_sessions: i64,
    /// Their expected audiences.
    pub expected_audience: i64,
    /// Attendances at them.
    pub attendances: i64,
    /// Different people among them.
    pub distinct_attendees: i64,
}

/// Forums by level and status code, as `(level, status, count)`: one grouped query for every level.
pub fn forums_by_level_and_status(
    conn: &mut DbConn,
    scope: &Scope,
) -> Result<Vec<(String, String, i64)>, ApiError> {
    let mut query = forums::table
        .group_by((forums::level, forums::status))
        .select((forums::level, forums::status, count_star()))
        .into_boxed();
    if let Some(units) = &scope.unit_ids {
        query = query.filter(forums::owner_unit_id.eq_any(units.clone()));
    }
    if let Some(level) = &scope.level {
        query = query.filter(forums::level.eq(level.clone()));
    }
    Ok(query.load(conn)?)
}

/// Per level, the sessions held in the period, their expected audiences, their attendances and the
/// distinct attendees among those: one grouped query over the sessions, one over their attendances. A
/// level without any held session is absent. The distinct attendees of several levels do not add up (one
/// person attends at two levels): [`distinct_attendees`] counts them over all.
pub fn figures_per_level(conn: &mut DbConn, scope: &Scope) -> Result<HashMap<String, Figures>, ApiError> {
    let mut sessions = forum_sessions::table
        .filter(forum_sessions::state.eq("HELD"))
        .filter(forum_sessions::starts_at.ge(scope.from))
        .filter(forum_sessions::starts_at.lt(scope.until))
        .group_by(forum_sessions::level)
        .select((forum_sessions::level, count_star(), sum(forum_sessions::expected_audience)))
        .into_boxed();
    let mut attended = attendances::table
        .inner_join(forum_sessions::table)
        .filter(forum_sessions::state.eq("HELD"))
        .filter(forum_sessions::starts_at.ge(scope.from))
        .filter(forum_sessions::starts_at.lt(scope.until))
        .group_by(forum_sessions::level)
        .select((forum_sessions::level, count_star(), count(attendances::cadre_id).aggregate_distinct()))
        .into_boxed();
    if let Some(units) = &scope.unit_ids {
        sessions = sessions.filter(forum_sessions::owner_unit_id.eq_any(units.clone()));
        attended = attended.filter(forum_sessions::owner_unit_id.eq_any(units.clone()));
    }
    if let Some(level) = &scope.level {
        sessions = sessions.filter(forum_sessions::level.eq(level.clone()));
        attended = attended.filter(forum_sessions::level.eq(level.clone()));
    }
    let mut figures: HashMap<String, Figures> = HashMap::new();
    for (level, held_sessions, expected) in sessions.load::<(String, i64, Option<i64>)>(conn)? {
        let entry = figures.entry(level).or_default();
        entry.held_sessions = held_sessions;
        entry.expected_audience = expected.unwrap_or(0);
    }
    for (level, count, distinct) in attended.load::<(String, i64, i64)>(conn)? {
        let entry = figures.entry(level).or_default();
        entry.attendances = count;
        entry.distinct_attendees = distinct;
    }
    Ok(figures)
}

/// The different people attending the sessions held in the period, over every level in scope.
pub fn distinct_attendees(conn: &mut DbConn, scope: &Scope) -> Result<i64, ApiError> {
    let mut attended = attendances::table
        .inner_join(forum_sessions::table)
        .filter(forum_sessions::state.eq("HELD"))
        .filter(forum_sessions::starts_at.ge(scope.from))
        .filter(forum_sessions::starts_at.lt(scope.until))
        .select(count(attendances::cadre_id).aggregate_distinct())
        .into_boxed();
    if let Some(units) = &scope.unit_ids {
        attended = attended.filter(forum_sessions::owner_unit_id.eq_any(units.clone()));
    }
    if let Some(level) = &scope.level {
        attended = attended.filter(forum_sessions::level.eq(level.clone()));
    }
    Ok(attended.first(conn)?)
}

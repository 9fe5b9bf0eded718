//! The statistics, as SQL aggregates: forums by status, and per level the sessions held in a period, their
//! attendances, distinct attendees and expected audiences, without loading the rows.

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

/// The figures of one level (or all).
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

/// Forums by status code.
pub fn forums_by_status(conn: &mut DbConn, scope: &Scope) -> Result<Vec<(String, i64)>, ApiError> {
    let mut query =
        forums::table.group_by(forums::status).select((forums::status, count_star())).into_boxed();
    if let Some(units) = &scope.unit_ids {
        query = query.filter(forums::owner_unit_id.eq_any(units.clone()));
    }
    if let Some(level) = &scope.level {
        query = query.filter(forums::level.eq(level.clone()));
    }
    Ok(query.load(conn)?)
}

/// Sessions held in the period, their attendances, distinct attendees and expected audiences.
pub fn figures(conn: &mut DbConn, scope: &Scope) -> Result<Figures, ApiError> {
    let mut sessions = forum_sessions::table
        .filter(forum_sessions::state.eq("HELD"))
        .filter(forum_sessions::starts_at.ge(scope.from))
        .filter(forum_sessions::starts_at.lt(scope.until))
        .select((count_star(), sum(forum_sessions::expected_audience)))
        .into_boxed();
    let mut attended = attendances::table
        .inner_join(forum_sessions::table)
        .filter(forum_sessions::state.eq("HELD"))
        .filter(forum_sessions::starts_at.ge(scope.from))
        .filter(forum_sessions::starts_at.lt(scope.until))
        .select((count_star(), count(attendances::cadre_id).aggregate_distinct()))
        .into_boxed();
    if let Some(units) = &scope.unit_ids {
        sessions = sessions.filter(forum_sessions::owner_unit_id.eq_any(units.clone()));
        attended = attended.filter(forum_sessions::owner_unit_id.eq_any(units.clone()));
    }
    if let Some(level) = &scope.level {
        sessions = sessions.filter(forum_sessions::level.eq(level.clone()));
        attended = attended.filter(forum_sessions::level.eq(level.clone()));
    }
    let (held_sessions, expected): (i64, Option<i64>) = sessions.first(conn)?;
    let (attendances, distinct_attendees): (i64, i64) = attended.first(conn)?;
    Ok(Figures { held_sessions, expected_audience: expected.unwrap_or(0), attendances, distinct_attendees })
}

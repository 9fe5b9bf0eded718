//! The district's plans of a year (minimums and themes) and each forum's plan.

use cadre_platform::{ApiError, DbConn};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{district_plans, forum_plans, plan_themes};

/// The district's plan of a year as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = district_plans)]
pub struct DistrictPlanRow {
    /// The year.
    pub year: i32,
    /// The 大讲坛's minimum.
    pub district_minimum: i32,
    /// Each 小讲坛's minimum.
    pub unit_minimum: i32,
    /// Each 微讲坛's minimum.
    pub village_minimum: i32,
    /// Who set it.
    pub set_by: String,
    /// When.
    pub updated_at: NaiveDateTime,
}

/// One theme as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_themes)]
pub struct ThemeRow {
    /// Id.
    pub id: String,
    /// The year.
    pub year: i32,
    /// Position from 0.
    pub idx: i32,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
}

/// A forum's plan of a year as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = forum_plans)]
pub struct ForumPlanRow {
    /// The forum.
    pub forum_id: String,
    /// The year.
    pub year: i32,
    /// Sessions planned.
    pub planned_sessions: i32,
    /// Who planned.
    pub planned_by: String,
    /// When.
    pub updated_at: NaiveDateTime,
}

/// The district's plan of a year with its themes in order.
pub fn district(conn: &mut DbConn, year: i32) -> Result<Option<(DistrictPlanRow, Vec<ThemeRow>)>, ApiError> {
    let Some(row) =
        district_plans::table.find(year).select(DistrictPlanRow::as_select()).first(conn).optional()?
    else {
        return Ok(None);
    };
    Ok(Some((row, themes(conn, year)?)))
}

/// The themes of a year in order.
pub fn themes(conn: &mut DbConn, year: i32) -> Result<Vec<ThemeRow>, ApiError> {
    Ok(plan_themes::table
        .filter(plan_themes::year.eq(year))
        .order(plan_themes::idx.asc())
        .select(ThemeRow::as_select())
        .load(conn)?)
}

/// A theme.
pub fn theme(conn: &mut DbConn, id: &str) -> Result<Option<ThemeRow>, ApiError> {
    Ok(plan_themes::table.find(id).select(ThemeRow::as_select()).first(conn).optional()?)
}

/// Sets a year's plan: its minimums, and its themes as `themes` has them. A theme whose id is already one
/// of the year's is updated in place (its id, which sessions refer to, stays); the others are inserted; the
/// year's themes not in `themes` are deleted. The caller checks first that no session refers to those
/// ([`super::sessions::themes_in_use`]).
pub fn set_district(conn: &mut DbConn, row: &DistrictPlanRow, themes: &[ThemeRow]) -> Result<(), ApiError> {
    let updated = diesel::update(district_plans::table.find(row.year)).set(row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(district_plans::table).values(row).execute(conn)?;
    }
    let existing: std::collections::HashSet<String> = plan_themes::table
        .filter(plan_themes::year.eq(row.year))
        .select(plan_themes::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let kept: std::collections::HashSet<&str> = themes.iter().map(|t| t.id.as_str()).collect();
    let dropped: Vec<&String> = existing.iter().filter(|id| !kept.contains(id.as_str())).collect();
    if !dropped.is_empty() {
        diesel::delete(plan_themes::table.filter(plan_themes::id.eq_any(dropped))).execute(conn)?;
    }
    let mut new = Vec::new();
    for theme in themes {
        if existing.contains(&theme.id) {
            diesel::update(plan_themes::table.find(&theme.id))
                .set((
                    plan_themes::idx.eq(theme.idx),
                    plan_themes::title.eq(&theme.title),
                    plan_themes::description.eq(&theme.description),
                ))
                .execute(conn)?;
        } else {
            new.push(theme.clone());
        }
    }
    if !new.is_empty() {
        insert_batch!(conn, plan_themes::table, &new)?;
    }
    Ok(())
}

/// A forum's plan of a year.
pub fn forum(conn: &mut DbConn, forum_id: &str, year: i32) -> Result<Option<ForumPlanRow>, ApiError> {
    Ok(forum_plans::table.find((forum_id, year)).select(ForumPlanRow::as_select()).first(conn).optional()?)
}

/// Sets a forum's plan of a year.
pub fn set_forum(conn: &mut DbConn, row: &ForumPlanRow) -> Result<(), ApiError> {
    let updated =
        diesel::update(forum_plans::table.find((&row.forum_id, row.year))).set(row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(forum_plans::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// Stores many forum plans at once (the demo district).
pub fn insert_forum_plans(conn: &mut DbConn, rows: &[ForumPlanRow]) -> Result<(), ApiError> {
    for chunk in rows.chunks(100) {
        insert_batch!(conn, forum_plans::table, chunk)?;
    }
    Ok(())
}

/// Every forum plan of a year, as `(forum_id, planned)`.
pub fn forum_plans_of_year(conn: &mut DbConn, year: i32) -> Result<Vec<(String, i32)>, ApiError> {
    Ok(forum_plans::table
        .filter(forum_plans::year.eq(year))
        .select((forum_plans::forum_id, forum_plans::planned_sessions))
        .load(conn)?)
}

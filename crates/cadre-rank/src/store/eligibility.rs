//! The materialised eligibility of each cadre in post with a rank, for the lists of cadres due for
//! promotion: one row per cadre, rewritten in the transaction that changes a fact it rests on.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    CHUNK,
    schema::{eligibility_day, rank_eligibility},
    scope::Reach,
};

/// The `eligible_from` stored for a cadre with no date (a block without an end, or no grade to go to): the
/// last day of the proto's years, which both backends keep and sort last.
pub fn never() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// One cadre's materialised eligibility.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rank_eligibility, treat_none_as_null = true)]
pub struct EligibilityRow {
    /// The cadre.
    pub cadre_id: String,
    /// Their name, the list's second sort key.
    pub cadre_name: String,
    /// Their employing unit.
    pub employing_unit_id: String,
    /// Their managing unit.
    pub managing_unit_id: String,
    /// Grade code held.
    pub current_grade: String,
    /// The next grade's code; empty at the top.
    pub target_grade: String,
    /// The first day the tenure is met.
    pub tenure_met_on: Option<NaiveDate>,
    /// The first day eligible, or [`never`].
    pub eligible_from: NaiveDate,
    /// JSON array of the blocks.
    pub blocks: String,
    /// The day the row was computed for.
    pub computed_on: NaiveDate,
    /// When it was computed.
    pub computed_at: NaiveDateTime,
}

/// Stores a cadre's row, replacing the one before.
pub fn put(conn: &mut DbConn, row: &EligibilityRow) -> Result<(), ApiError> {
    let updated = diesel::update(rank_eligibility::table.find(&row.cadre_id)).set(row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(rank_eligibility::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// Stores many rows (a full recompute).
pub fn put_all(conn: &mut DbConn, rows: &[EligibilityRow]) -> Result<(), ApiError> {
    for chunk in rows.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.cadre_id.as_str()).collect();
        diesel::delete(rank_eligibility::table.filter(rank_eligibility::cadre_id.eq_any(ids)))
            .execute(conn)?;
        // A multi-row insert does not go through diesel's `MultiConnection`, so it is run on the backend's
        // own connection; 100 rows of 11 columns stay within SQLite's limit on bound parameters.
        for part in chunk.chunks(100) {
            match conn {
                DbConn::Pg(pg) => diesel::insert_into(rank_eligibility::table).values(part).execute(pg)?,
                DbConn::Sqlite(sqlite) => {
                    diesel::insert_into(rank_eligibility::table).values(part).execute(sqlite)?
                }
            };
        }
    }
    Ok(())
}

/// Forgets a cadre's row (no longer in post, or no longer holding a rank).
pub fn remove(conn: &mut DbConn, cadre_id: &str) -> Result<(), ApiError> {
    diesel::delete(rank_eligibility::table.find(cadre_id)).execute(conn)?;
    Ok(())
}

/// Every cadre with a row.
pub fn all_ids(conn: &mut DbConn) -> Result<Vec<String>, ApiError> {
    Ok(rank_eligibility::table.select(rank_eligibility::cadre_id).load(conn)?)
}

/// Forgets the rows of the given cadres.
pub fn remove_all(conn: &mut DbConn, cadre_ids: &[String]) -> Result<(), ApiError> {
    for chunk in cadre_ids.chunks(CHUNK) {
        diesel::delete(rank_eligibility::table.filter(rank_eligibility::cadre_id.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(())
}

/// What a list of eligible cadres is narrowed to.
pub struct Filter {
    /// The caller's scope and the subtree asked for.
    pub reach: Reach,
    /// Only promotions to this grade code.
    pub target: Option<String>,
    /// Only rows eligible on or before this day.
    pub eligible_by: Option<NaiveDate>,
}

/// The key a list is ordered and paged by: earliest eligible first, then by name, then by id.
pub type Key = (NaiveDate, String, String);

/// Rows ordered by [`Key`], after `after`, at most `limit`: one query over `rank_eligibility_by_date`.
pub fn list(
    conn: &mut DbConn,
    filter: Filter,
    after: Option<&Key>,
    limit: i64,
) -> Result<Vec<EligibilityRow>, ApiError> {
    let mut query = rank_eligibility::table.select(EligibilityRow::as_select()).into_boxed();
    if let Some(condition) =
        crate::reach_condition!(rank_eligibility, rank_eligibility::cadre_id, &filter.reach)
    {
        query = query.filter(condition);
    }
    if let Some(target) = filter.target {
        query = query.filter(rank_eligibility::target_grade.eq(target));
    }
    if let Some(by) = filter.eligible_by {
        query = query.filter(rank_eligibility::eligible_from.le(by));
    }
    if let Some((from, name, id)) = after.cloned() {
        query = query.filter(
            rank_eligibility::eligible_from.gt(from).or(rank_eligibility::eligible_from.eq(from).and(
                rank_eligibility::cadre_name
                    .gt(name.clone())
                    .or(rank_eligibility::cadre_name.eq(name).and(rank_eligibility::cadre_id.gt(id))),
            )),
        );
    }
    Ok(query
        .order((
            rank_eligibility::eligible_from.asc(),
            rank_eligibility::cadre_name.asc(),
            rank_eligibility::cadre_id.asc(),
        ))
        .limit(limit)
        .load(conn)?)
}

/// A row's paging key.
pub fn key(row: &EligibilityRow) -> Key {
    (row.eligible_from, row.cadre_name.clone(), row.cadre_id.clone())
}

/// The day the rows are computed for; `None` before the service first set it.
pub fn day(conn: &mut DbConn) -> Result<Option<NaiveDate>, ApiError> {
    Ok(eligibility_day::table.find(1).select(eligibility_day::day).first(conn).optional()?)
}

/// Sets the day the rows are computed for.
pub fn set_day(conn: &mut DbConn, day: NaiveDate) -> Result<(), ApiError> {
    let updated =
        diesel::update(eligibility_day::table.find(1)).set(eligibility_day::day.eq(day)).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(eligibility_day::table)
            .values((eligibility_day::id.eq(1), eligibility_day::day.eq(day)))
            .execute(conn)?;
    }
    Ok(())
}

/// Cadres whose row was computed for another day than `day`, at most `limit`: the daily refresh works
/// through them.
pub fn stale(conn: &mut DbConn, day: NaiveDate, limit: i64) -> Result<Vec<String>, ApiError> {
    Ok(rank_eligibility::table
        .filter(rank_eligibility::computed_on.ne(day))
        .order(rank_eligibility::cadre_id.asc())
        .limit(limit)
        .select(rank_eligibility::cadre_id)
        .load(conn)?)
}

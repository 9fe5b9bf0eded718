//! Rank history: each period a cadre held a grade. The row without an end date is the current holding.

use std::collections::{BTreeSet, HashMap};

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{CHUNK, schema::rank_holdings};

/// One holding as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rank_holdings, treat_none_as_null = true)]
pub struct HoldingRow {
    /// Id.
    pub id: String,
    /// The cadre.
    pub cadre_id: String,
    /// Grade code.
    pub grade: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day; `None` for the current holding.
    pub end_date: Option<NaiveDate>,
    /// 级别 on taking it; 0 when unknown.
    pub level: i32,
    /// `IMPORTED`, `RECORDED`, `PROMOTED` or `DEMOTED`.
    pub source: String,
    /// The case that made it.
    pub case_id: String,
    /// The document or note.
    pub note: String,
    /// Who recorded it (a subject, or `system:rank`).
    pub recorded_by: String,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

/// A cadre's holdings, newest first.
pub fn of_cadre(conn: &mut DbConn, cadre_id: &str) -> Result<Vec<HoldingRow>, ApiError> {
    Ok(rank_holdings::table
        .filter(rank_holdings::cadre_id.eq(cadre_id))
        .order((rank_holdings::start_date.desc(), rank_holdings::created_at.desc()))
        .select(HoldingRow::as_select())
        .load(conn)?)
}

/// The current holding of a cadre: the latest one without an end.
pub fn current(conn: &mut DbConn, cadre_id: &str) -> Result<Option<HoldingRow>, ApiError> {
    Ok(rank_holdings::table
        .filter(rank_holdings::cadre_id.eq(cadre_id))
        .filter(rank_holdings::end_date.is_null())
        .order((rank_holdings::start_date.desc(), rank_holdings::created_at.desc()))
        .select(HoldingRow::as_select())
        .first(conn)
        .optional()?)
}

/// The current holdings of the given cadres, by cadre.
pub fn current_of(conn: &mut DbConn, cadre_ids: &[String]) -> Result<HashMap<String, HoldingRow>, ApiError> {
    let mut out = HashMap::with_capacity(cadre_ids.len());
    for chunk in cadre_ids.chunks(CHUNK) {
        let rows: Vec<HoldingRow> = rank_holdings::table
            .filter(rank_holdings::cadre_id.eq_any(chunk))
            .filter(rank_holdings::end_date.is_null())
            .order((rank_holdings::start_date.asc(), rank_holdings::created_at.asc()))
            .select(HoldingRow::as_select())
            .load(conn)?;
        // Ascending, so the latest current holding of a cadre is the one kept.
        for row in rows {
            out.insert(row.cadre_id.clone(), row);
        }
    }
    Ok(out)
}

/// Every current holding, by cadre: the input of a full recompute.
pub fn all_current(conn: &mut DbConn) -> Result<HashMap<String, HoldingRow>, ApiError> {
    let rows: Vec<HoldingRow> = rank_holdings::table
        .filter(rank_holdings::end_date.is_null())
        .order((rank_holdings::start_date.asc(), rank_holdings::created_at.asc()))
        .select(HoldingRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.cadre_id.clone(), r)).collect())
}

/// The cadres with any holding at all: a cadre in this set is never imported again.
pub fn cadres_with_history(conn: &mut DbConn) -> Result<BTreeSet<String>, ApiError> {
    let ids: Vec<String> = rank_holdings::table.select(rank_holdings::cadre_id).distinct().load(conn)?;
    Ok(ids.into_iter().collect())
}

/// Whether the cadre has any holding.
pub fn has_history(conn: &mut DbConn, cadre_id: &str) -> Result<bool, ApiError> {
    let found: Option<String> = rank_holdings::table
        .filter(rank_holdings::cadre_id.eq(cadre_id))
        .select(rank_holdings::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Stores a holding.
pub fn insert(conn: &mut DbConn, row: &HoldingRow) -> Result<(), ApiError> {
    diesel::insert_into(rank_holdings::table).values(row).execute(conn)?;
    Ok(())
}

/// Stores changes to a holding.
pub fn update(conn: &mut DbConn, row: &HoldingRow) -> Result<(), ApiError> {
    diesel::update(rank_holdings::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// Ends a holding on `last_day`.
pub fn close(conn: &mut DbConn, id: &str, last_day: NaiveDate) -> Result<(), ApiError> {
    diesel::update(rank_holdings::table.find(id))
        .set(rank_holdings::end_date.eq(Some(last_day)))
        .execute(conn)?;
    Ok(())
}

/// The grade codes of the current holdings of the given cadres, counted per grade: a pool's holders.
pub fn holders_by_grade(conn: &mut DbConn, cadre_ids: &[String]) -> Result<HashMap<String, u32>, ApiError> {
    let mut counts = HashMap::new();
    for row in current_of(conn, cadre_ids)?.into_values() {
        *counts.entry(row.grade).or_insert(0) += 1;
    }
    Ok(counts)
}

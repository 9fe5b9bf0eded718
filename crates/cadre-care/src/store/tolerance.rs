//! 容错 reviews. Never deleted: the store has no delete.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{Reach, schema::tolerance_reviews};

/// A review as stored; the criteria and decision columns are empty until decided.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tolerance_reviews, treat_none_as_null = true)]
pub struct ReviewRow {
    pub id: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub measure_source_id: String,
    /// `cadre.type.v1.ConductMeasureKind` number.
    pub measure_kind: i32,
    pub case_summary: String,
    pub process_compliant: bool,
    pub process_note: String,
    pub no_personal_gain: bool,
    pub gain_note: String,
    pub not_prohibited: bool,
    pub prohibition_note: String,
    pub good_faith: bool,
    pub faith_note: String,
    /// Empty while open.
    pub decision: String,
    pub body: String,
    pub decided_by: String,
    pub decided_on: Option<NaiveDate>,
    pub opened_by: String,
    pub created_at: NaiveDateTime,
}

/// Stores a new review.
pub fn insert(conn: &mut DbConn, row: &ReviewRow) -> Result<(), ApiError> {
    diesel::insert_into(tolerance_reviews::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes a decided review.
pub fn update(conn: &mut DbConn, row: &ReviewRow) -> Result<(), ApiError> {
    diesel::update(tolerance_reviews::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// A review by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<ReviewRow>, ApiError> {
    Ok(tolerance_reviews::table.find(id).select(ReviewRow::as_select()).first(conn).optional()?)
}

/// The review of a conduct measure, if one was opened (at most one: the index is unique).
pub fn of_measure(conn: &mut DbConn, measure_source_id: &str) -> Result<Option<ReviewRow>, ApiError> {
    Ok(tolerance_reviews::table
        .filter(tolerance_reviews::measure_source_id.eq(measure_source_id))
        .select(ReviewRow::as_select())
        .first(conn)
        .optional()?)
}

/// Reviews of cadres within `reach`, oldest first.
pub fn list(
    conn: &mut DbConn,
    reach: &Reach,
    cadre_id: Option<String>,
    measure_source_id: Option<String>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<ReviewRow>, ApiError> {
    super::chunked(
        reach,
        limit,
        false,
        |r: &ReviewRow| r.id.as_str(),
        |reach| {
            let mut query = tolerance_reviews::table.into_boxed();
            if let Some(cadres) = &reach.cadres {
                query = query.filter(tolerance_reviews::cadre_id.eq_any(cadres.clone()));
            }
            if let Some(cadre) = cadre_id.clone() {
                query = query.filter(tolerance_reviews::cadre_id.eq(cadre));
            }
            if let Some(measure) = measure_source_id.clone() {
                query = query.filter(tolerance_reviews::measure_source_id.eq(measure));
            }
            query = after_id!(query, after.clone(), tolerance_reviews::id, false);
            Ok(query
                .order(tolerance_reviews::id.asc())
                .limit(limit)
                .select(ReviewRow::as_select())
                .load(conn)?)
        },
    )
}

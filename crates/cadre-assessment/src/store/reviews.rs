//! 复核 and 申诉 of annual results.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::result_reviews;

/// One review as stored. `kind` is `RECONSIDERATION` or `APPEAL`; outcomes are the domain's codes.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = result_reviews, treat_none_as_null = true)]
pub struct ReviewRow {
    /// Id.
    pub id: String,
    /// The assessment.
    pub assessment_id: String,
    /// 复核 or 申诉.
    pub kind: String,
    /// The person's grounds.
    pub grounds: String,
    /// When asked.
    pub asked_on: NaiveDate,
    /// Who asked (subject).
    pub asked_by: String,
    /// The outcome under review.
    pub previous_outcome: String,
    /// The day by which the body should decide.
    pub decide_by: Option<NaiveDate>,
    /// Whether decided.
    pub decided: bool,
    /// The outcome after the decision, or empty.
    pub outcome: String,
    /// The reasoning.
    pub decision: String,
    /// When decided.
    pub decided_on: Option<NaiveDate>,
    /// Who decided (subject).
    pub decided_by: String,
    /// Stored.
    pub created_at: NaiveDateTime,
}

/// Stores a new review.
pub fn insert(conn: &mut DbConn, row: &ReviewRow) -> Result<(), ApiError> {
    diesel::insert_into(result_reviews::table).values(row).execute(conn)?;
    Ok(())
}

/// A review by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<ReviewRow>, ApiError> {
    Ok(result_reviews::table.find(id).select(ReviewRow::as_select()).first(conn).optional()?)
}

/// Writes a changed review.
pub fn update(conn: &mut DbConn, row: &ReviewRow) -> Result<(), ApiError> {
    diesel::update(result_reviews::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// The reviews of an assessment, oldest first.
pub fn of_assessment(conn: &mut DbConn, assessment_id: &str) -> Result<Vec<ReviewRow>, ApiError> {
    Ok(result_reviews::table
        .filter(result_reviews::assessment_id.eq(assessment_id))
        .order((result_reviews::created_at.asc(), result_reviews::id.asc()))
        .select(ReviewRow::as_select())
        .load(conn)?)
}

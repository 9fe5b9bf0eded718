//! 容错 decisions from the care service, by the conduct measure they concern. The latest decision on a
//! measure is the one kept; only an exemption changes what the measure does here.

use std::collections::BTreeSet;

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::tolerance_exemptions;

/// The decision code that lifts a measure's restrictions.
pub const EXEMPT: &str = "EXEMPT";

/// One decision as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tolerance_exemptions)]
pub struct DecisionRow {
    /// The `source_id` of the conduct measure the review was about.
    pub measure_source_id: String,
    /// The cadre.
    pub cadre_id: String,
    /// The care service's review.
    pub review_id: String,
    /// `EXEMPT`, `MITIGATE` or `REJECT`.
    pub decision: String,
    /// The day it was decided.
    pub decided_on: NaiveDate,
    /// When last stored.
    pub updated_at: NaiveDateTime,
}

/// Keeps `row` unless a decision on the same measure from a later day (or the same review) is already
/// stored. Returns whether anything changed, and the cadre whose measures it changed.
pub fn keep(conn: &mut DbConn, row: &DecisionRow) -> Result<bool, ApiError> {
    let stored: Option<DecisionRow> = tolerance_exemptions::table
        .find(&row.measure_source_id)
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()?;
    match stored {
        Some(old) if old.decided_on > row.decided_on => Ok(false),
        Some(old) if old.review_id == row.review_id && old.decision == row.decision => Ok(false),
        Some(_) => {
            diesel::update(tolerance_exemptions::table.find(&row.measure_source_id))
                .set(row)
                .execute(conn)?;
            Ok(true)
        }
        None => {
            diesel::insert_into(tolerance_exemptions::table).values(row).execute(conn)?;
            Ok(true)
        }
    }
}

/// Drops the decisions on measures a relist no longer lists.
pub fn retain(conn: &mut DbConn, listed: &BTreeSet<String>) -> Result<(), ApiError> {
    let stored: Vec<String> =
        tolerance_exemptions::table.select(tolerance_exemptions::measure_source_id).load(conn)?;
    let gone: Vec<String> = stored.into_iter().filter(|id| !listed.contains(id)).collect();
    for chunk in gone.chunks(super::CHUNK) {
        diesel::delete(
            tolerance_exemptions::table.filter(tolerance_exemptions::measure_source_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    Ok(())
}

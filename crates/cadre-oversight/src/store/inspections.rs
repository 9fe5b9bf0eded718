//! Inspections (督查), the units each covers and its inspectors. An inspection is seen by whoever sees one
//! of the units it covers.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    CHUNK, Reach,
    schema::{inspection_inspectors, inspection_units, inspections},
};

/// An inspection as stored; `categories` is the JSON list of finding-category codes.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = inspections, treat_none_as_null = true)]
pub struct InspectionRow {
    pub id: String,
    pub title: String,
    pub categories: String,
    pub plan: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub state: String,
    pub summary: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

/// Stores a new inspection with its units and inspectors.
pub fn insert(
    conn: &mut DbConn,
    row: &InspectionRow,
    unit_ids: &[String],
    inspector_ids: &[String],
) -> Result<(), ApiError> {
    diesel::insert_into(inspections::table).values(row).execute(conn)?;
    for unit in unit_ids {
        diesel::insert_into(inspection_units::table)
            .values((inspection_units::inspection_id.eq(&row.id), inspection_units::org_unit_id.eq(unit)))
            .execute(conn)?;
    }
    for cadre in inspector_ids {
        diesel::insert_into(inspection_inspectors::table)
            .values((
                inspection_inspectors::inspection_id.eq(&row.id),
                inspection_inspectors::cadre_id.eq(cadre),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes a changed inspection (its units and inspectors do not change).
pub fn update(conn: &mut DbConn, row: &InspectionRow) -> Result<(), ApiError> {
    diesel::update(inspections::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// An inspection by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<InspectionRow>, ApiError> {
    Ok(inspections::table.find(id).select(InspectionRow::as_select()).first(conn).optional()?)
}

/// The units each of `ids` covers, in id order.
pub fn units_of(conn: &mut DbConn, ids: &[String]) -> Result<HashMap<String, Vec<String>>, ApiError> {
    let mut by_inspection: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = inspection_units::table
            .filter(inspection_units::inspection_id.eq_any(chunk))
            .order((inspection_units::inspection_id.asc(), inspection_units::org_unit_id.asc()))
            .select((inspection_units::inspection_id, inspection_units::org_unit_id))
            .load(conn)?;
        for (inspection, unit) in rows {
            by_inspection.entry(inspection).or_default().push(unit);
        }
    }
    Ok(by_inspection)
}

/// The inspectors of each of `ids`, in id order.
pub fn inspectors_of(conn: &mut DbConn, ids: &[String]) -> Result<HashMap<String, Vec<String>>, ApiError> {
    let mut by_inspection: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = inspection_inspectors::table
            .filter(inspection_inspectors::inspection_id.eq_any(chunk))
            .order((inspection_inspectors::inspection_id.asc(), inspection_inspectors::cadre_id.asc()))
            .select((inspection_inspectors::inspection_id, inspection_inspectors::cadre_id))
            .load(conn)?;
        for (inspection, cadre) in rows {
            by_inspection.entry(inspection).or_default().push(cadre);
        }
    }
    Ok(by_inspection)
}

/// What a list of inspections is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct InspectionFilter {
    pub state: Option<String>,
    /// Only those whose period touches this span (a year's first and last day).
    pub touching: Option<(NaiveDate, NaiveDate)>,
}

/// Inspections covering a unit of `reach` (its units only: an inspection is about units), newest first,
/// after `after`, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    reach: &Reach,
    filter: &InspectionFilter,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<InspectionRow>, ApiError> {
    let by_units = Reach { cadres: None, units: reach.units.clone() };
    super::chunked(
        &by_units,
        limit,
        true,
        |r: &InspectionRow| r.id.as_str(),
        |reach| {
            let mut query = inspections::table.into_boxed();
            if let Some(units) = &reach.units {
                let covering = inspection_units::table
                    .filter(inspection_units::org_unit_id.eq_any(units.clone()))
                    .select(inspection_units::inspection_id);
                query = query.filter(inspections::id.eq_any(covering));
            }
            if let Some(state) = &filter.state {
                query = query.filter(inspections::state.eq(state.clone()));
            }
            if let Some((first, last)) = filter.touching {
                query =
                    query.filter(inspections::start_date.le(last)).filter(inspections::end_date.ge(first));
            }
            query = after_id!(query, after.clone(), inspections::id, true);
            Ok(query
                .order(inspections::id.desc())
                .limit(limit)
                .select(InspectionRow::as_select())
                .load(conn)?)
        },
    )
}

//! 外出报备 filings and their itinerary changes, stored as rows; the timing and ordering rules live in
//! `domain::travel`. A filing has no state: once filed it stands (a change is reported, not a cancellation),
//! so every stored filing counts as the cadre being away for its dates.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{travel_changes, travel_filings};
use crate::domain::travel::DayPart;

/// Ids per `IN (…)` list, well under the bind-parameter limit of either backend.
const CHUNK: usize = 500;

/// One filing as stored. Parts of the day are [`DayPart::code`] strings; the name and unit are the cadre's
/// when filed, so the 报备 ledger shows what was true then.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = travel_filings, treat_none_as_null = true)]
pub struct TravelRow {
    /// Id.
    pub id: String,
    /// The cadre away.
    pub cadre_id: String,
    /// Their name when filed.
    pub cadre_name: String,
    /// Their employing unit when filed.
    pub org_unit_id: String,
    /// Where to.
    pub destination: String,
    /// Why.
    pub reason: String,
    /// Departure day.
    pub depart_date: NaiveDate,
    /// Departure part of the day.
    pub depart_part: String,
    /// Return day.
    pub return_date: NaiveDate,
    /// Return part of the day.
    pub return_part: String,
    /// Phone during the trip.
    pub contact_phone: String,
    /// Who takes charge of daily work meanwhile, or empty: delegation reads it to route around the absence.
    pub deputy_cadre_id: String,
    /// Why the principal and the deputy are away together, when they are.
    pub both_away_reason: String,
    /// Filed later than the notice the policy asks.
    pub late: bool,
    /// Why late.
    pub late_reason: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Filed.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

impl TravelRow {
    /// The departure as the rules compare it; `None` for a stored code this build does not know.
    pub fn depart(&self) -> Option<(NaiveDate, DayPart)> {
        Some((self.depart_date, DayPart::from_code(&self.depart_part)?))
    }

    /// The return as the rules compare it; `None` for a stored code this build does not know.
    pub fn ret(&self) -> Option<(NaiveDate, DayPart)> {
        Some((self.return_date, DayPart::from_code(&self.return_part)?))
    }

    /// Whether the filing shares a part of a day with the closed period `from..=to`. A part this build
    /// cannot read is taken as the widest (the whole day), so an unreadable row still blocks a collision.
    pub fn overlaps(&self, from: (NaiveDate, DayPart), to: (NaiveDate, DayPart)) -> bool {
        let depart = self.depart().unwrap_or((self.depart_date, DayPart::Morning));
        let ret = self.ret().unwrap_or((self.return_date, DayPart::Evening));
        depart <= to && from <= ret
    }
}

/// One itinerary change as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = travel_changes)]
pub struct ChangeRow {
    /// The filing.
    pub filing_id: String,
    /// Position from 1, in the order reported.
    pub seq: i32,
    /// When reported.
    pub changed_at: NaiveDateTime,
    /// The reporting principal's subject.
    pub changed_by: String,
    /// Why it changed.
    pub reason: String,
    /// What changed, in words.
    pub summary: String,
}

/// Stores a new filing.
pub fn insert(conn: &mut DbConn, row: &TravelRow) -> Result<(), ApiError> {
    diesel::insert_into(travel_filings::table).values(row).execute(conn)?;
    Ok(())
}

/// A filing by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<TravelRow>, ApiError> {
    Ok(travel_filings::table.find(id).select(TravelRow::as_select()).first(conn).optional()?)
}

/// Writes a changed filing if it is still at `version` (the caller has already bumped `row.version`). Two
/// writers that read the same version cannot both win: the loser changes nothing and is told to re-read.
pub fn update(conn: &mut DbConn, row: &TravelRow, version: i64) -> Result<(), ApiError> {
    let changed =
        diesel::update(travel_filings::table.find(&row.id).filter(travel_filings::version.eq(version)))
            .set(row)
            .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::aborted(
            "VERSION_MISMATCH",
            "the filing changed since it was read; read it again and retry",
        ));
    }
    Ok(())
}

/// Records an itinerary change after the filing's earlier ones and returns it as stored.
pub fn append_change(
    conn: &mut DbConn,
    filing_id: &str,
    changed_at: NaiveDateTime,
    changed_by: &str,
    reason: &str,
    summary: &str,
) -> Result<ChangeRow, ApiError> {
    let last: Option<i32> = travel_changes::table
        .filter(travel_changes::filing_id.eq(filing_id))
        .select(diesel::dsl::max(travel_changes::seq))
        .first(conn)?;
    let row = ChangeRow {
        filing_id: filing_id.to_owned(),
        seq: last.unwrap_or(0) + 1,
        changed_at,
        changed_by: changed_by.to_owned(),
        reason: reason.to_owned(),
        summary: summary.to_owned(),
    };
    diesel::insert_into(travel_changes::table).values(&row).execute(conn)?;
    Ok(row)
}

/// The changes of these filings, oldest first, by filing id (filings without changes are absent).
pub fn changes_of(
    conn: &mut DbConn,
    filing_ids: &[String],
) -> Result<HashMap<String, Vec<ChangeRow>>, ApiError> {
    let mut by_filing: HashMap<String, Vec<ChangeRow>> = HashMap::new();
    for chunk in filing_ids.chunks(CHUNK) {
        let rows: Vec<ChangeRow> = travel_changes::table
            .filter(travel_changes::filing_id.eq_any(chunk))
            .order((travel_changes::filing_id.asc(), travel_changes::seq.asc()))
            .select(ChangeRow::as_select())
            .load(conn)?;
        for row in rows {
            by_filing.entry(row.filing_id.clone()).or_default().push(row);
        }
    }
    Ok(by_filing)
}

/// Filings of these cadres (`None`: everyone's) touching the days `from..=to`, by departure.
pub fn list(
    conn: &mut DbConn,
    cadre_ids: Option<&[String]>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TravelRow>, ApiError> {
    let between = || {
        travel_filings::table
            .filter(travel_filings::depart_date.le(to))
            .filter(travel_filings::return_date.ge(from))
            .select(TravelRow::as_select())
    };
    let mut rows: Vec<TravelRow> = match cadre_ids {
        None => between().load(conn)?,
        Some(ids) => {
            let mut rows = Vec::new();
            for chunk in ids.chunks(CHUNK) {
                rows.extend(
                    between().filter(travel_filings::cadre_id.eq_any(chunk)).load::<TravelRow>(conn)?,
                );
            }
            rows
        }
    };
    // Sorted here, not in SQL: the part codes do not sort in the order of the day.
    rows.sort_by(|a, b| {
        (a.depart_date, DayPart::from_code(&a.depart_part), &a.cadre_id, &a.id).cmp(&(
            b.depart_date,
            DayPart::from_code(&b.depart_part),
            &b.cadre_id,
            &b.id,
        ))
    });
    Ok(rows)
}

/// A filing of `cadre_id`, other than `except`, sharing a part of a day with `from..=to`: a cadre is in one
/// place at a time, so two filings may not overlap.
pub fn overlapping(
    conn: &mut DbConn,
    cadre_id: &str,
    from: (NaiveDate, DayPart),
    to: (NaiveDate, DayPart),
    except: Option<&str>,
) -> Result<Option<TravelRow>, ApiError> {
    let rows = of_cadre_between(conn, cadre_id, from.0, to.0)?;
    Ok(rows.into_iter().find(|row| Some(row.id.as_str()) != except && row.overlaps(from, to)))
}

fn of_cadre_between(
    conn: &mut DbConn,
    cadre_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TravelRow>, ApiError> {
    Ok(travel_filings::table
        .filter(travel_filings::cadre_id.eq(cadre_id))
        .filter(travel_filings::depart_date.le(to))
        .filter(travel_filings::return_date.ge(from))
        .order((travel_filings::depart_date.asc(), travel_filings::id.asc()))
        .select(TravelRow::as_select())
        .load(conn)?)
}

/// Whether `cadre_id` has a filing touching any of the days `from..=to`: leave planning asks it so that a
/// principal and the deputy in charge are not away together.
pub fn away_between(
    conn: &mut DbConn,
    cadre_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<bool, ApiError> {
    let found: Option<String> = travel_filings::table
        .filter(travel_filings::cadre_id.eq(cadre_id))
        .filter(travel_filings::depart_date.le(to))
        .filter(travel_filings::return_date.ge(from))
        .select(travel_filings::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The filing of `cadre_id` whose days include `on`, if any: delegation reads its deputy to route a step
/// around an absent approver. Filings do not overlap; should old data hold two, the later departure wins.
pub fn covering(conn: &mut DbConn, cadre_id: &str, on: NaiveDate) -> Result<Option<TravelRow>, ApiError> {
    Ok(travel_filings::table
        .filter(travel_filings::cadre_id.eq(cadre_id))
        .filter(travel_filings::depart_date.le(on))
        .filter(travel_filings::return_date.ge(on))
        .order((travel_filings::depart_date.desc(), travel_filings::id.desc()))
        .select(TravelRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every filing whose days include `on`, by cadre: who is travelling that day, for the absence report and
/// for finding whom a deputy stands in for.
pub fn covering_all(conn: &mut DbConn, on: NaiveDate) -> Result<Vec<TravelRow>, ApiError> {
    Ok(travel_filings::table
        .filter(travel_filings::depart_date.le(on))
        .filter(travel_filings::return_date.ge(on))
        .order((travel_filings::cadre_id.asc(), travel_filings::depart_date.asc(), travel_filings::id.asc()))
        .select(TravelRow::as_select())
        .load(conn)?)
}

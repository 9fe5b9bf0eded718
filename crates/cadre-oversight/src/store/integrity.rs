//! The negative-information pool and the 党风廉政意见 requests. Neither table has a unit column: a record is
//! the cadre's, so lists are narrowed by the reach's cadres. Records are never changed or deleted; an
//! opinion changes once, when it is answered.
//!
//! [`open_opinion`] is the one way an opinion request is made, by the RPC and by the rank feed alike.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cadre_platform::{ApiError, DbConn, Tx, clock};
use chrono::{Months, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    CHUNK, Reach, decisions as decision_store,
    schema::{decisions, findings, integrity_opinions, negative_records},
};
use crate::{
    domain::{
        codes::{FindingState, NegativeCategory, OpinionState},
        restrictions,
    },
    events, view,
};

/// How far back the summary prepared for an opinion counts negative records, in months.
pub const SUMMARY_MONTHS: u32 = 24;

/// A record of the negative-information pool as stored; codes are the domain's.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = negative_records)]
pub struct NegativeRow {
    pub id: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub agency: String,
    pub category: String,
    pub severity: String,
    pub summary: String,
    /// Unique per agency.
    pub reference: String,
    pub occurred_on: NaiveDate,
    pub verified: bool,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

/// An opinion request as stored; the answer's columns are empty while pending.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = integrity_opinions, treat_none_as_null = true)]
pub struct OpinionRow {
    pub id: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub purpose: String,
    /// '' when not asked for a rank case.
    pub rank_case_id: String,
    pub state: String,
    /// JSON list of the summary's lines.
    pub record_summary: String,
    pub clear: bool,
    pub answer: String,
    pub requested_by: String,
    pub answered_by: String,
    pub requested_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
}

/// Stores a new negative record.
pub fn insert_record(conn: &mut DbConn, row: &NegativeRow) -> Result<(), ApiError> {
    diesel::insert_into(negative_records::table).values(row).execute(conn)?;
    Ok(())
}

/// The record an agency filed under `reference` (at most one: the index is unique).
pub fn record_by_reference(
    conn: &mut DbConn,
    agency: &str,
    reference: &str,
) -> Result<Option<NegativeRow>, ApiError> {
    Ok(negative_records::table
        .filter(negative_records::agency.eq(agency))
        .filter(negative_records::reference.eq(reference))
        .select(NegativeRow::as_select())
        .first(conn)
        .optional()?)
}

/// A page of one cadre's records, newest first.
pub fn records_of(
    conn: &mut DbConn,
    cadre_id: &str,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<NegativeRow>, ApiError> {
    let mut query = negative_records::table.filter(negative_records::cadre_id.eq(cadre_id)).into_boxed();
    query = after_id!(query, after, negative_records::id, true);
    Ok(query.order(negative_records::id.desc()).limit(limit).select(NegativeRow::as_select()).load(conn)?)
}

/// The records of these cadres that happened by `on`, by cadre (a cadre with none has no entry).
pub fn records_by_cadre(
    conn: &mut DbConn,
    cadre_ids: &[String],
    on: NaiveDate,
) -> Result<HashMap<String, Vec<NegativeRow>>, ApiError> {
    let mut by_cadre: HashMap<String, Vec<NegativeRow>> = HashMap::new();
    for chunk in cadre_ids.chunks(CHUNK) {
        let rows: Vec<NegativeRow> = negative_records::table
            .filter(negative_records::cadre_id.eq_any(chunk))
            .filter(negative_records::occurred_on.le(on))
            .order(negative_records::id.asc())
            .select(NegativeRow::as_select())
            .load(conn)?;
        for row in rows {
            by_cadre.entry(row.cadre_id.clone()).or_default().push(row);
        }
    }
    Ok(by_cadre)
}

/// How many of a cadre's records happened in `[from, to]`, by category: (all, of which unverified).
pub fn category_counts(
    conn: &mut DbConn,
    cadre_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NegativeCategory, (usize, usize)>, ApiError> {
    let rows: Vec<(String, bool)> = negative_records::table
        .filter(negative_records::cadre_id.eq(cadre_id))
        .filter(negative_records::occurred_on.ge(from))
        .filter(negative_records::occurred_on.le(to))
        .select((negative_records::category, negative_records::verified))
        .load(conn)?;
    let mut counts: BTreeMap<NegativeCategory, (usize, usize)> = BTreeMap::new();
    for (category, verified) in rows {
        // A category the service does not know cannot be named in a summary; it is left out.
        let Some(category) = NegativeCategory::from_code(&category) else { continue };
        let entry = counts.entry(category).or_default();
        entry.0 += 1;
        if !verified {
            entry.1 += 1;
        }
    }
    Ok(counts)
}

/// The next `limit` cadres after `after`, by id, among `cadres` (every cadre when `None`), that have a
/// negative record or a decision with a window: the only cadres whose risk warning can be above NONE.
pub fn risk_candidates(
    conn: &mut DbConn,
    cadres: Option<&[String]>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<String>, ApiError> {
    let wanted = usize::try_from(limit).unwrap_or(0);
    let after = after.unwrap_or_default().to_owned();
    let mut found = BTreeSet::new();
    let query = |conn: &mut DbConn, chunk: Option<&[String]>| -> Result<Vec<String>, ApiError> {
        let mut records = negative_records::table
            .filter(negative_records::cadre_id.gt(after.clone()))
            .select(negative_records::cadre_id)
            .distinct()
            .into_boxed();
        let mut decided = decisions::table
            .filter(decisions::cadre_id.gt(after.clone()))
            .filter(decisions::influence_last_day.is_not_null())
            .select(decisions::cadre_id)
            .distinct()
            .into_boxed();
        if let Some(chunk) = chunk {
            records = records.filter(negative_records::cadre_id.eq_any(chunk.to_vec()));
            decided = decided.filter(decisions::cadre_id.eq_any(chunk.to_vec()));
        }
        let mut ids: Vec<String> = records.order(negative_records::cadre_id.asc()).limit(limit).load(conn)?;
        ids.extend(decided.order(decisions::cadre_id.asc()).limit(limit).load::<String>(conn)?);
        Ok(ids)
    };
    match cadres {
        None => found.extend(query(conn, None)?),
        Some(cadres) => {
            let mut sorted: Vec<String> =
                cadres.iter().filter(|c| c.as_str() > after.as_str()).cloned().collect();
            sorted.sort();
            sorted.dedup();
            // In id order, chunk by chunk: once enough are found, later chunks can only add larger ids.
            for chunk in sorted.chunks(CHUNK) {
                found.extend(query(conn, Some(chunk))?);
                if found.len() >= wanted {
                    break;
                }
            }
        }
    }
    // The decisions of a measure on an organisation have no cadre.
    Ok(found.into_iter().filter(|id| !id.is_empty()).take(wanted).collect())
}

/// A finding about a cadre still open, as a summary names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFinding {
    pub id: String,
    pub category: String,
    pub severity: String,
    pub found_on: NaiveDate,
}

/// The open findings about a cadre, oldest first.
pub fn open_findings_of(conn: &mut DbConn, cadre_id: &str) -> Result<Vec<OpenFinding>, ApiError> {
    let rows: Vec<(String, String, String, NaiveDate)> = findings::table
        .filter(findings::cadre_id.eq(cadre_id))
        .filter(findings::state.eq(FindingState::Open.code()))
        .order(findings::id.asc())
        .select((findings::id, findings::category, findings::severity, findings::found_on))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, category, severity, found_on)| OpenFinding { id, category, severity, found_on })
        .collect())
}

/// Stores a new opinion request.
pub fn insert_opinion(conn: &mut DbConn, row: &OpinionRow) -> Result<(), ApiError> {
    diesel::insert_into(integrity_opinions::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes an answered opinion.
pub fn update_opinion(conn: &mut DbConn, row: &OpinionRow) -> Result<(), ApiError> {
    diesel::update(integrity_opinions::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// An opinion by id.
pub fn get_opinion(conn: &mut DbConn, id: &str) -> Result<Option<OpinionRow>, ApiError> {
    Ok(integrity_opinions::table.find(id).select(OpinionRow::as_select()).first(conn).optional()?)
}

/// The opinion asked for a rank case (at most one: the index is unique).
pub fn opinion_of_case(conn: &mut DbConn, rank_case_id: &str) -> Result<Option<OpinionRow>, ApiError> {
    Ok(integrity_opinions::table
        .filter(integrity_opinions::rank_case_id.eq(rank_case_id))
        .select(OpinionRow::as_select())
        .first(conn)
        .optional()?)
}

/// A page of opinions about cadres within `reach`, oldest first.
pub fn list_opinions(
    conn: &mut DbConn,
    reach: &Reach,
    state: Option<OpinionState>,
    cadre_id: Option<String>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<OpinionRow>, ApiError> {
    super::chunked(
        reach,
        limit,
        false,
        |r: &OpinionRow| r.id.as_str(),
        |reach| {
            let mut query = integrity_opinions::table.into_boxed();
            if let Some(cadres) = &reach.cadres {
                query = query.filter(integrity_opinions::cadre_id.eq_any(cadres.clone()));
            }
            if let Some(state) = state {
                query = query.filter(integrity_opinions::state.eq(state.code()));
            }
            if let Some(cadre) = cadre_id.clone() {
                query = query.filter(integrity_opinions::cadre_id.eq(cadre));
            }
            query = after_id!(query, after.clone(), integrity_opinions::id, false);
            Ok(query
                .order(integrity_opinions::id.asc())
                .limit(limit)
                .select(OpinionRow::as_select())
                .load(conn)?)
        },
    )
}

/// What the record shows about a cadre on `on`, for the body that answers: the 影响期 windows in effect,
/// the open findings, and how many negative records of each category the last [`SUMMARY_MONTHS`] hold
/// (counts only: the records themselves are read with the clearance).
pub fn record_summary(conn: &mut DbConn, cadre_id: &str, on: NaiveDate) -> Result<Vec<String>, ApiError> {
    let ids = [cadre_id.to_owned()];
    let windows = decision_store::windows_of(conn, &ids)?.remove(cadre_id).unwrap_or_default();
    let in_effect = restrictions::in_effect(&windows, on);
    let findings = open_findings_of(conn, cadre_id)?;
    let from = on.checked_sub_months(Months::new(SUMMARY_MONTHS)).unwrap_or(NaiveDate::MIN);
    let counts = category_counts(conn, cadre_id, from, on)?;
    let windows: Vec<view::integrity::SummaryWindow> = in_effect
        .iter()
        .map(|w| view::integrity::SummaryWindow {
            measure: w.measure,
            last_day: w.last_day,
            exempted: w.exempted,
        })
        .collect();
    Ok(view::integrity::summary_lines(&windows, &findings, &counts, SUMMARY_MONTHS))
}

/// What an opinion request is about and who asks.
#[derive(Debug, Clone)]
pub struct OpinionAsked {
    pub cadre_id: String,
    pub cadre_name: String,
    pub purpose: String,
    /// '' when not for a rank case.
    pub rank_case_id: String,
    pub requested_by: String,
}

/// Asks for a 党风廉政意见 in the caller's transaction: one per rank case (`ALREADY_EXISTS`,
/// `OPINION_EXISTS`, naming the first), pending, with the summary of the record on `on`; announced on the
/// feed without the summary.
pub fn open_opinion(tx: &mut Tx<'_>, asked: OpinionAsked, on: NaiveDate) -> Result<OpinionRow, ApiError> {
    let conn = tx.conn();
    if !asked.rank_case_id.is_empty()
        && let Some(existing) = opinion_of_case(conn, &asked.rank_case_id)?
    {
        return Err(ApiError::already_exists(
            "OPINION_EXISTS",
            format!("rank case {} already has the opinion request {}", asked.rank_case_id, existing.id),
        )
        .with_metadata("opinion_id", existing.id));
    }
    let summary = record_summary(conn, &asked.cadre_id, on)?;
    let row = OpinionRow {
        id: super::new_id(),
        cadre_id: asked.cadre_id,
        cadre_name: asked.cadre_name,
        purpose: asked.purpose,
        rank_case_id: asked.rank_case_id,
        state: OpinionState::Pending.code().to_owned(),
        record_summary: super::json(&summary),
        clear: false,
        answer: String::new(),
        requested_by: asked.requested_by,
        answered_by: String::new(),
        requested_at: clock::now(),
        answered_at: None,
    };
    insert_opinion(conn, &row)?;
    tx.set_object("integrity_opinion", &row.id);
    events::opinion_requested(tx, view::integrity::opinion(&row))?;
    Ok(row)
}

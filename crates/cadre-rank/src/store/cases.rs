//! Promotion and demotion cases with their 考察 attestations and 公示 objections, and the discipline
//! opinions that arrived before their case could take them.

use std::collections::HashMap;

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    schema::{case_attestations, case_objections, pending_opinions, rank_cases},
    scope::Reach,
};

/// One case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rank_cases, treat_none_as_null = true)]
pub struct CaseRow {
    /// Id.
    pub id: String,
    /// `promotion` or `demotion` (the domain's codes).
    pub kind: String,
    /// The cadre.
    pub cadre_id: String,
    /// Their name when opened.
    pub cadre_name: String,
    /// Their employing unit when opened.
    pub org_unit_id: String,
    /// Grade code held when opened.
    pub from_grade: String,
    /// Grade code the case leads to.
    pub to_grade: String,
    /// State code (the domain's, e.g. `awaiting_approval`).
    pub state: String,
    /// Neither approved, rejected nor withdrawn.
    pub is_open: bool,
    /// The 工作方案, or a demotion's grounds.
    pub plan: String,
    /// The pool it draws on (promotions); empty for demotions.
    pub quota_pool_id: String,
    /// JSON of the recommendation, or empty.
    pub recommendation: String,
    /// JSON of the discipline-inspection opinion, or empty.
    pub discipline_opinion: String,
    /// The first day of the 公示, once started.
    pub publicity_first_day: Option<NaiveDate>,
    /// The last day of the 公示, once started.
    pub publicity_last_day: Option<NaiveDate>,
    /// Working days of the 公示; 0 before it starts.
    pub publicity_working_days: i32,
    /// `ORG_DEPARTMENT` or `DISTRICT_COMMITTEE`.
    pub authority: String,
    /// Also filed with the city level.
    pub filed_with_city: bool,
    /// The decision's document number.
    pub decision_ref: String,
    /// When the new grade takes effect.
    pub effective_date: Option<NaiveDate>,
    /// The 级别 after approval; 0 before.
    pub new_level: i32,
    /// Why rejected or withdrawn.
    pub closing_reason: String,
    /// Who opened it.
    pub opened_by: String,
    /// Who decided it.
    pub decided_by: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Opened.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// One 考察 attestation.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = case_attestations)]
pub struct AttestationRow {
    /// The case.
    pub case_id: String,
    /// Criterion code.
    pub criterion: String,
    /// Whether met.
    pub favourable: bool,
    /// The finding.
    pub note: String,
    /// Who attested.
    pub attested_by: String,
    /// When.
    pub recorded_at: NaiveDateTime,
}

/// One objection.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = case_objections, treat_none_as_null = true)]
pub struct ObjectionRow {
    /// Id.
    pub id: String,
    /// The case.
    pub case_id: String,
    /// Its number within the case, from 1.
    pub seq: i32,
    /// What is objected to.
    pub text: String,
    /// Who raised it.
    pub raised_by: String,
    /// Whether resolved.
    pub resolved: bool,
    /// Whether upheld.
    pub upheld: bool,
    /// The finding.
    pub resolution: String,
    /// Who resolved it.
    pub resolved_by: String,
    /// When raised.
    pub raised_at: NaiveDateTime,
    /// When resolved.
    pub resolved_at: Option<NaiveDateTime>,
}

/// A discipline opinion answered before its case reached the 考察, kept until it does.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pending_opinions)]
pub struct PendingOpinionRow {
    /// The case it was asked for.
    pub case_id: String,
    /// No objection.
    pub clear: bool,
    /// The opinion.
    pub note: String,
    /// Who gave it.
    pub given_by: String,
    /// When.
    pub given_on: NaiveDate,
    /// The oversight service's opinion.
    pub opinion_id: String,
    /// When it arrived.
    pub received_at: NaiveDateTime,
}

/// A case with everything recorded on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFile {
    /// The case.
    pub case: CaseRow,
    /// Its attestations, by criterion.
    pub attestations: Vec<AttestationRow>,
    /// Its objections, oldest first.
    pub objections: Vec<ObjectionRow>,
}

/// Stores a new case.
pub fn insert(conn: &mut DbConn, row: &CaseRow) -> Result<(), ApiError> {
    diesel::insert_into(rank_cases::table).values(row).execute(conn)?;
    Ok(())
}

/// Stores a changed case if it is still at `row.version - 1`; ABORTED when a concurrent change won.
pub fn update(conn: &mut DbConn, row: &CaseRow) -> Result<(), ApiError> {
    let updated = diesel::update(
        rank_cases::table.filter(rank_cases::id.eq(&row.id)).filter(rank_cases::version.eq(row.version - 1)),
    )
    .set(row)
    .execute(conn)?;
    if updated == 1 {
        Ok(())
    } else {
        Err(ApiError::aborted("CONCURRENT_CHANGE", "the case changed meanwhile; read it again"))
    }
}

/// A case.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<CaseRow>, ApiError> {
    Ok(rank_cases::table.find(id).select(CaseRow::as_select()).first(conn).optional()?)
}

/// A case with its attestations and objections.
pub fn file(conn: &mut DbConn, id: &str) -> Result<Option<CaseFile>, ApiError> {
    let Some(case) = get(conn, id)? else { return Ok(None) };
    let attestations = case_attestations::table
        .filter(case_attestations::case_id.eq(id))
        .order(case_attestations::criterion.asc())
        .select(AttestationRow::as_select())
        .load(conn)?;
    let objections = case_objections::table
        .filter(case_objections::case_id.eq(id))
        .order(case_objections::seq.asc())
        .select(ObjectionRow::as_select())
        .load(conn)?;
    Ok(Some(CaseFile { case, attestations, objections }))
}

/// The open case of a cadre, if any.
pub fn open_of_cadre(conn: &mut DbConn, cadre_id: &str) -> Result<Option<CaseRow>, ApiError> {
    Ok(rank_cases::table
        .filter(rank_cases::cadre_id.eq(cadre_id))
        .filter(rank_cases::is_open)
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// Open promotion cases drawing on a pool, counted by target grade code, leaving out `except`.
pub fn open_promotions_by_grade(
    conn: &mut DbConn,
    pool_id: &str,
    except: Option<&str>,
) -> Result<HashMap<String, u32>, ApiError> {
    let rows: Vec<(String, String)> = rank_cases::table
        .filter(rank_cases::quota_pool_id.eq(pool_id))
        .filter(rank_cases::is_open)
        .filter(rank_cases::kind.eq("promotion"))
        .select((rank_cases::id, rank_cases::to_grade))
        .load(conn)?;
    let mut counts = HashMap::new();
    for (id, grade) in rows {
        if except != Some(id.as_str()) {
            *counts.entry(grade).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

/// Replaces the attestation of a criterion.
pub fn put_attestation(conn: &mut DbConn, row: &AttestationRow) -> Result<(), ApiError> {
    diesel::delete(case_attestations::table.find((&row.case_id, &row.criterion))).execute(conn)?;
    diesel::insert_into(case_attestations::table).values(row).execute(conn)?;
    Ok(())
}

/// The opinion kept for a case, if any.
pub fn pending_opinion(conn: &mut DbConn, case_id: &str) -> Result<Option<PendingOpinionRow>, ApiError> {
    Ok(pending_opinions::table.find(case_id).select(PendingOpinionRow::as_select()).first(conn).optional()?)
}

/// Keeps an opinion for its case, which has none kept yet.
pub fn keep_pending_opinion(conn: &mut DbConn, row: &PendingOpinionRow) -> Result<(), ApiError> {
    diesel::insert_into(pending_opinions::table).values(row).execute(conn)?;
    Ok(())
}

/// Forgets the opinion kept for a case.
pub fn drop_pending_opinion(conn: &mut DbConn, case_id: &str) -> Result<(), ApiError> {
    diesel::delete(pending_opinions::table.find(case_id)).execute(conn)?;
    Ok(())
}

/// Stores a new objection.
pub fn insert_objection(conn: &mut DbConn, row: &ObjectionRow) -> Result<(), ApiError> {
    diesel::insert_into(case_objections::table).values(row).execute(conn)?;
    Ok(())
}

/// Stores a changed objection.
pub fn update_objection(conn: &mut DbConn, row: &ObjectionRow) -> Result<(), ApiError> {
    diesel::update(case_objections::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// What a list of cases is narrowed to.
pub struct Filter {
    /// The caller's scope and the subtree asked for.
    pub reach: Reach,
    /// Only this kind code.
    pub kind: Option<String>,
    /// Only this state code.
    pub state: Option<String>,
}

/// Cases newest first, after the keyset position `after` (created_at, id), at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: Filter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<CaseRow>, ApiError> {
    let mut query = rank_cases::table.select(CaseRow::as_select()).into_boxed();
    if let Some(condition) = crate::reach_condition!(rank_cases, rank_cases::cadre_id, &filter.reach) {
        query = query.filter(condition);
    }
    if let Some(kind) = filter.kind {
        query = query.filter(rank_cases::kind.eq(kind));
    }
    if let Some(state) = filter.state {
        query = query.filter(rank_cases::state.eq(state));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            rank_cases::created_at.lt(at).or(rank_cases::created_at.eq(at).and(rank_cases::id.lt(id))),
        );
    }
    Ok(query.order((rank_cases::created_at.desc(), rank_cases::id.desc())).limit(limit).load(conn)?)
}

/// Cases under 公示 whose last day is before `today`.
pub fn publicity_over(conn: &mut DbConn, today: NaiveDate) -> Result<Vec<String>, ApiError> {
    Ok(rank_cases::table
        .filter(rank_cases::state.eq("publicity"))
        .filter(rank_cases::publicity_last_day.lt(today))
        .order(rank_cases::created_at.asc())
        .select(rank_cases::id)
        .load(conn)?)
}

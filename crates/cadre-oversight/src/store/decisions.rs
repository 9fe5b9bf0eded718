//! Accountability decisions, and the 容错 decisions that exempt some of them. Decisions are never deleted or
//! rewritten: the only later change is the day their 档案 material was filed.

use std::collections::{BTreeSet, HashMap};

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    CHUNK, Reach,
    schema::{decisions, tolerance_exemptions},
};
use crate::domain::{
    codes::AccountabilityMeasure, escalation::PriorDecision, policy::Blocks, restrictions::Window,
};

/// The decision code of a 容错 review that lifts a decision's restrictions.
pub const EXEMPT: &str = "EXEMPT";

/// A decision as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = decisions)]
pub struct DecisionRow {
    pub id: String,
    /// '' for a measure on an organisation.
    pub cadre_id: String,
    pub cadre_name: String,
    pub org_unit_id: String,
    pub measure: String,
    pub level: i32,
    pub form: i32,
    pub deciding_body: String,
    pub basis_article: String,
    pub document_number: String,
    pub decided_on: NaiveDate,
    pub effective_date: NaiveDate,
    pub influence_last_day: Option<NaiveDate>,
    pub blocks_promotion: bool,
    pub blocks_excellent: bool,
    pub blocks_selection: bool,
    pub probation_months: i32,
    /// JSON list of finding ids.
    pub finding_ids: String,
    pub responsibility_id: String,
    pub archive_due_date: Option<NaiveDate>,
    pub archived_on: Option<NaiveDate>,
    pub carry_out_by: Option<NaiveDate>,
    /// JSON of the escalation proposed with it; '' when none.
    pub escalation: String,
    pub note: String,
    pub source_ref: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

impl DecisionRow {
    /// What the decision bars during its window, as decided.
    pub fn blocks(&self) -> Blocks {
        Blocks {
            promotion: self.blocks_promotion,
            excellent_grade: self.blocks_excellent,
            selection: self.blocks_selection,
        }
    }
}

/// A 容错 decision as stored, by the decision (conduct measure) it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tolerance_exemptions)]
pub struct ExemptionRow {
    /// The decision id (the conduct measure's source_id).
    pub measure_source_id: String,
    pub cadre_id: String,
    /// The care service's review.
    pub review_id: String,
    /// `EXEMPT`, `MITIGATE` or `REJECT`.
    pub decision: String,
    pub decided_on: NaiveDate,
    pub updated_at: NaiveDateTime,
}

/// Stores a new decision.
pub fn insert(conn: &mut DbConn, row: &DecisionRow) -> Result<(), ApiError> {
    diesel::insert_into(decisions::table).values(row).execute(conn)?;
    Ok(())
}

/// A decision by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<DecisionRow>, ApiError> {
    Ok(decisions::table.find(id).select(DecisionRow::as_select()).first(conn).optional()?)
}

/// The decision the discipline system recorded under `source_ref`.
pub fn by_source_ref(conn: &mut DbConn, source_ref: &str) -> Result<Option<DecisionRow>, ApiError> {
    Ok(decisions::table
        .filter(decisions::source_ref.eq(source_ref))
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records the day a decision's 档案 material was filed.
pub fn set_archived(conn: &mut DbConn, id: &str, on: NaiveDate) -> Result<(), ApiError> {
    diesel::update(decisions::table.find(id)).set(decisions::archived_on.eq(Some(on))).execute(conn)?;
    Ok(())
}

/// What a decision list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter {
    pub cadre_id: Option<String>,
    pub measure: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only those whose material is due and not filed.
    pub archive_outstanding: bool,
}

/// A page of decisions within `reach`, newest first.
pub fn list(
    conn: &mut DbConn,
    reach: &Reach,
    filter: &DecisionFilter,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<DecisionRow>, ApiError> {
    super::chunked(
        reach,
        limit,
        true,
        |r: &DecisionRow| r.id.as_str(),
        |reach| {
            let mut query = decisions::table.select(DecisionRow::as_select()).into_boxed();
            query = reach_filter!(query, reach, decisions::cadre_id, decisions::org_unit_id);
            if let Some(cadre) = &filter.cadre_id {
                query = query.filter(decisions::cadre_id.eq(cadre.clone()));
            }
            if let Some(measure) = &filter.measure {
                query = query.filter(decisions::measure.eq(measure.clone()));
            }
            if let Some(from) = filter.from {
                query = query.filter(decisions::decided_on.ge(from));
            }
            if let Some(to) = filter.to {
                query = query.filter(decisions::decided_on.le(to));
            }
            if filter.archive_outstanding {
                query = query
                    .filter(decisions::archive_due_date.is_not_null())
                    .filter(decisions::archived_on.is_null());
            }
            query = after_id!(query, after.clone(), decisions::id, true);
            Ok(query.order(decisions::id.desc()).limit(limit).load(conn)?)
        },
    )
}

/// Every decision within `reach` decided in `[from, to]`, for statistics.
pub fn in_period(
    conn: &mut DbConn,
    reach: &Reach,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DecisionRow>, ApiError> {
    super::chunked(
        reach,
        i64::MAX,
        false,
        |r: &DecisionRow| r.id.as_str(),
        |reach| {
            let mut query = decisions::table
                .select(DecisionRow::as_select())
                .filter(decisions::decided_on.ge(from))
                .filter(decisions::decided_on.le(to))
                .into_boxed();
            query = reach_filter!(query, reach, decisions::cadre_id, decisions::org_unit_id);
            Ok(query.order(decisions::id.asc()).load(conn)?)
        },
    )
}

/// The decisions about a cadre that count for the repeat window ending on `on`: in effect by then, and not
/// exempted by a 容错 review (不作负面评价: the record stays, it is not held against the cadre). The window
/// itself is the rule's business.
pub fn priors_of(conn: &mut DbConn, cadre_id: &str, on: NaiveDate) -> Result<Vec<PriorDecision>, ApiError> {
    let rows: Vec<(String, String, NaiveDate)> = decisions::table
        .filter(decisions::cadre_id.eq(cadre_id))
        .filter(decisions::effective_date.le(on))
        .select((decisions::id, decisions::measure, decisions::effective_date))
        .order(decisions::id.asc())
        .load(conn)?;
    let ids: Vec<String> = rows.iter().map(|(id, _, _)| id.clone()).collect();
    let exempted = exempted_among(conn, &ids)?;
    Ok(rows
        .into_iter()
        .filter(|(id, _, _)| !exempted.contains(id))
        .filter_map(|(id, measure, effective_date)| {
            AccountabilityMeasure::from_code(&measure).map(|measure| PriorDecision {
                id,
                measure,
                effective_date,
            })
        })
        .collect())
}

/// The ids among `decision_ids` a 容错 review exempted.
pub fn exempted_among(conn: &mut DbConn, decision_ids: &[String]) -> Result<BTreeSet<String>, ApiError> {
    let mut exempted = BTreeSet::new();
    for chunk in decision_ids.chunks(CHUNK) {
        let ids: Vec<String> = tolerance_exemptions::table
            .filter(tolerance_exemptions::measure_source_id.eq_any(chunk))
            .filter(tolerance_exemptions::decision.eq(EXEMPT))
            .select(tolerance_exemptions::measure_source_id)
            .load(conn)?;
        exempted.extend(ids);
    }
    Ok(exempted)
}

/// The 容错 decision on a decision, if any.
pub fn exemption_of(conn: &mut DbConn, decision_id: &str) -> Result<Option<ExemptionRow>, ApiError> {
    Ok(tolerance_exemptions::table
        .find(decision_id)
        .select(ExemptionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The windows of every decision about these cadres that has one, with the exemptions applied, by cadre.
/// A cadre with none has no entry.
pub fn windows_of(conn: &mut DbConn, cadre_ids: &[String]) -> Result<HashMap<String, Vec<Window>>, ApiError> {
    let mut rows: Vec<DecisionRow> = Vec::new();
    for chunk in cadre_ids.chunks(CHUNK) {
        rows.extend(
            decisions::table
                .filter(decisions::cadre_id.eq_any(chunk))
                .filter(decisions::influence_last_day.is_not_null())
                .select(DecisionRow::as_select())
                .order(decisions::id.asc())
                .load(conn)?,
        );
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let exempted = exempted_among(conn, &ids)?;
    let mut windows: HashMap<String, Vec<Window>> = HashMap::new();
    for row in rows {
        let (Some(last_day), Some(measure)) =
            (row.influence_last_day, AccountabilityMeasure::from_code(&row.measure))
        else {
            continue;
        };
        windows.entry(row.cadre_id.clone()).or_default().push(Window {
            decision_id: row.id.clone(),
            measure,
            effective_date: row.effective_date,
            last_day,
            blocks: row.blocks(),
            exempted: exempted.contains(&row.id),
            basis_article: row.basis_article.clone(),
        });
    }
    Ok(windows)
}

/// Keeps `row` unless a decision on the same measure from a later day (or the same decision again) is
/// already stored. Returns whether anything changed.
pub fn keep_exemption(conn: &mut DbConn, row: &ExemptionRow) -> Result<bool, ApiError> {
    match exemption_of(conn, &row.measure_source_id)? {
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

/// Drops the 容错 decisions on measures a relist no longer lists.
pub fn retain_exemptions(conn: &mut DbConn, listed: &BTreeSet<String>) -> Result<(), ApiError> {
    let stored: Vec<String> =
        tolerance_exemptions::table.select(tolerance_exemptions::measure_source_id).load(conn)?;
    let gone: Vec<String> = stored.into_iter().filter(|id| !listed.contains(id)).collect();
    for chunk in gone.chunks(CHUNK) {
        diesel::delete(
            tolerance_exemptions::table.filter(tolerance_exemptions::measure_source_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    Ok(())
}

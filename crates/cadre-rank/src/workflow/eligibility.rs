//! The eligibility engine over the stored facts: a cadre's history assembled from the rank history, the
//! projection (post level and date), the assessment results and the conduct measures; the unit's ceiling and
//! the pool's quota added; and the materialised row per cadre that the lists read, rewritten whenever one of
//! those facts changes.
//!
//! # How the list scales
//!
//! `rank_eligibility` holds, per cadre in post with a grade, the next grade up, the day the tenure is met,
//! the first day eligible (every block with an end over) and the blocks. Each fact's writer recomputes the
//! one cadre it touched in its own transaction (a result or a directory record in the followers, a measure,
//! a holding, an approval in the handlers), and a relist recomputes everyone in the relist's transaction.
//! A list is then one query over the index `(eligible_from, cadre_name, cadre_id)`, narrowed by scope and
//! subtree in SQL; only the page's rows are evaluated in full (for their explanations and the quota of their
//! pools). The daily sweep moves the rows' day and recomputes them in batches, so months that pass and
//! years that go unassessed are counted without any event.

use std::collections::{BTreeSet, HashMap};

use cadre_platform::{ApiError, DbConn, clock};
use chrono::NaiveDate;

use crate::{
    domain::{
        Eligibility, Grade, History, PostLevel, Query, evaluate,
        history::{AnnualOutcome, AnnualResult, Holding, PostHolding, Restriction},
        ladder::UnitContext,
        restriction::RestrictionKind,
    },
    store::{
        self, eligibility::EligibilityRow, holdings::HoldingRow, measures::MeasureRow, projection::CadreView,
        results::ResultRow,
    },
    workflow::quota::{self, PoolKind, RANKED_CATEGORIES},
};

/// Everything stored about one cadre that the engine reads.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The directory's record.
    pub cadre: CadreView,
    /// The current holding, if any.
    pub holding: Option<HoldingRow>,
    /// Annual results.
    pub results: Vec<ResultRow>,
    /// Conduct measures.
    pub measures: Vec<MeasureRow>,
}

impl Facts {
    /// Loads the stored facts of a cadre the projection knows.
    pub fn load(conn: &mut DbConn, cadre: CadreView) -> Result<Facts, ApiError> {
        let holding = store::holdings::current(conn, &cadre.id)?;
        let results = store::results::of_cadre(conn, &cadre.id)?;
        let measures = store::measures::of_cadre(conn, &cadre.id)?;
        Ok(Facts { cadre, holding, results, measures })
    }

    /// The history as the rules read it. Rows whose codes this build does not know (a deferred result, a
    /// corrupt grade) are left out rather than guessed at.
    pub fn history(&self) -> History {
        let rank = self
            .holding
            .as_ref()
            .and_then(|h| Grade::from_code(&h.grade).map(|grade| Holding { grade, since: h.start_date }));
        let posts = PostLevel::from_code(&self.cadre.post_level)
            .filter(|level| level.is_leadership())
            .zip(self.cadre.post_start_date)
            .map(|(level, since)| PostHolding { level, since, until: None })
            .into_iter()
            .collect();
        let results = self
            .results
            .iter()
            .filter_map(|r| {
                AnnualOutcome::from_code(&r.outcome).map(|outcome| AnnualResult {
                    year: r.year,
                    outcome,
                    published_on: r.published_on,
                })
            })
            .collect();
        let restrictions = self
            .measures
            .iter()
            .filter_map(|m| {
                RestrictionKind::from_code(&m.kind).map(|kind| Restriction {
                    kind,
                    from: m.effective_date,
                    last_day: m.last_day,
                    still_affects_use: m.still_affects_use,
                })
            })
            .collect();
        History { rank, posts, results, restrictions, open_investigation: false, new_recruit: false }
    }

    /// Whether the cadre belongs in the lists at all: in post, and holding a grade or of a ranked category.
    fn listed(&self) -> bool {
        self.cadre.active
            && (self.holding.is_some() || RANKED_CATEGORIES.contains(&self.cadre.category.as_str()))
    }
}

/// Whether to add the quota check of the cadre's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota<'a> {
    /// Leave the quota out (the materialised rows: a pool's use changes with every case).
    Skip,
    /// Check it, leaving out one open case (the case being approved) or none.
    Check {
        /// The case not to count.
        except: Option<&'a str>,
    },
}

/// The explained answer for one cadre, on `as_of`, under the policy in force then.
pub fn evaluate_facts(
    conn: &mut DbConn,
    facts: &Facts,
    target: Option<Grade>,
    as_of: NaiveDate,
    quota_mode: Quota<'_>,
) -> Result<Eligibility, ApiError> {
    let policy = store::policy::on(conn, as_of)?;
    let unit = quota::unit_context(conn, &facts.cadre, &policy)?;
    let history = facts.history();
    let query = Query { target, as_of, unit: Some(unit), quota_full: None };
    let answer = evaluate(&history, &query, &policy);
    let Quota::Check { except } = quota_mode else { return Ok(answer) };
    let Some(target) = answer.target.filter(|t| answer.current.is_some_and(|c| t.is_above(c))) else {
        return Ok(answer);
    };
    let pool = quota::pool_of_unit(conn, &facts.cadre.employing_unit_id)?;
    let releasing = history.rank.map(|r| r.grade);
    match quota::check(conn, &policy, &pool, target, releasing, except)? {
        Ok(()) => Ok(answer),
        Err(full) => Ok(evaluate(&history, &Query { quota_full: Some(full), ..query }, &policy)),
    }
}

/// [`evaluate_facts`] for a cadre by id; NOT_FOUND when the projection does not know them.
pub fn evaluate_cadre(
    conn: &mut DbConn,
    cadre_id: &str,
    target: Option<Grade>,
    as_of: NaiveDate,
    quota_mode: Quota<'_>,
) -> Result<(Facts, Eligibility), ApiError> {
    let cadre = store::projection::cadre(conn, cadre_id)?.ok_or_else(|| not_found(cadre_id))?;
    let facts = Facts::load(conn, cadre)?;
    let answer = evaluate_facts(conn, &facts, target, as_of, quota_mode)?;
    Ok((facts, answer))
}

/// The answer for an unknown cadre.
pub fn not_found(cadre_id: &str) -> ApiError {
    ApiError::not_found("CADRE_NOT_FOUND", format!("no cadre {cadre_id}"))
        .with_violation("cadre_id", "no such cadre in your scope")
}

/// The day the materialised rows are computed for: the one the sweep last set, or today's date before it
/// first ran.
pub fn day(conn: &mut DbConn) -> Result<NaiveDate, ApiError> {
    Ok(store::eligibility::day(conn)?.unwrap_or_else(clock::today))
}

/// The materialised row of an answer.
fn row(facts: &Facts, answer: &Eligibility, day: NaiveDate) -> EligibilityRow {
    let blocks = serde_json::to_string(&answer.blocks).unwrap_or_else(|_| "[]".to_owned());
    EligibilityRow {
        cadre_id: facts.cadre.id.clone(),
        cadre_name: facts.cadre.name.clone(),
        employing_unit_id: facts.cadre.employing_unit_id.clone(),
        managing_unit_id: facts.cadre.managing_unit_id.clone(),
        current_grade: answer.current.map(|g| g.code().to_owned()).unwrap_or_default(),
        target_grade: answer.target.map(|g| g.code().to_owned()).unwrap_or_default(),
        tenure_met_on: answer.tenure_met_on,
        eligible_from: answer.eligible_from.unwrap_or_else(store::eligibility::never),
        blocks,
        computed_on: day,
        computed_at: clock::now(),
    }
}

/// Recomputes one cadre's row on the rows' day, inside the caller's transaction: after any change to a fact
/// the row rests on.
pub fn refresh(conn: &mut DbConn, cadre_id: &str) -> Result<(), ApiError> {
    let day = day(conn)?;
    let Some(cadre) = store::projection::cadre(conn, cadre_id)? else {
        return store::eligibility::remove(conn, cadre_id);
    };
    let facts = Facts::load(conn, cadre)?;
    if !facts.listed() {
        return store::eligibility::remove(conn, cadre_id);
    }
    let answer = evaluate_facts(conn, &facts, None, day, Quota::Skip)?;
    if answer.current.is_none() {
        return store::eligibility::remove(conn, cadre_id);
    }
    store::eligibility::put(conn, &row(&facts, &answer, day))
}

/// Recomputes the rows of the cadres employed in the given units (their pool, and so their ceiling,
/// changed).
pub fn refresh_units(conn: &mut DbConn, units: &[String]) -> Result<(), ApiError> {
    let mut ids = BTreeSet::new();
    for unit in units {
        ids.extend(store::projection::cadres_employed_in(conn, unit)?.into_iter().map(|c| c.id));
    }
    for id in ids {
        refresh(conn, &id)?;
    }
    Ok(())
}

/// Computes the rows of `cadres` on `day` from facts loaded in bulk (a few queries, not a few per cadre).
fn compute(
    conn: &mut DbConn,
    cadres: Vec<CadreView>,
    day: NaiveDate,
) -> Result<Vec<EligibilityRow>, ApiError> {
    let policy = store::policy::on(conn, day)?;
    let ids: Vec<String> = cadres.iter().map(|c| c.id.clone()).collect();
    let mut holdings = store::holdings::current_of(conn, &ids)?;
    let mut results = store::results::of_cadres(conn, &ids)?;
    let mut measures = store::measures::of_cadres(conn, &ids)?;
    let units: Vec<String> =
        cadres.iter().map(|c| c.employing_unit_id.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let pooled = store::pools::pools_of_units(conn, &units)?;
    let kinds: HashMap<String, PoolKind> = store::pools::all(conn)?
        .into_iter()
        .filter_map(|p| PoolKind::from_code(&p.kind).map(|k| (p.id, k)))
        .collect();
    let mut rows = Vec::with_capacity(cadres.len());
    for cadre in cadres {
        let facts = Facts {
            holding: holdings.remove(&cadre.id),
            results: results.remove(&cadre.id).unwrap_or_default(),
            measures: measures.remove(&cadre.id).unwrap_or_default(),
            cadre,
        };
        if !facts.listed() {
            continue;
        }
        let kind = pooled.get(&facts.cadre.employing_unit_id).and_then(|pool| kinds.get(pool)).copied();
        let unit = UnitContext {
            district: policy.district_type,
            class: kind.unwrap_or(PoolKind::Unit).unit_class(),
        };
        let query = Query { target: None, as_of: day, unit: Some(unit), quota_full: None };
        let answer = evaluate(&facts.history(), &query, &policy);
        if answer.current.is_some() {
            rows.push(row(&facts, &answer, day));
        }
    }
    Ok(rows)
}

/// Recomputes every row on the rows' day, inside the caller's transaction (a relist, the start).
pub fn refresh_all(conn: &mut DbConn) -> Result<(), ApiError> {
    let day = day(conn)?;
    let cadres = store::projection::active_cadres(conn)?;
    let rows = compute(conn, cadres, day)?;
    let keep: BTreeSet<&str> = rows.iter().map(|r| r.cadre_id.as_str()).collect();
    let gone: Vec<String> =
        store::eligibility::all_ids(conn)?.into_iter().filter(|id| !keep.contains(id.as_str())).collect();
    store::eligibility::remove_all(conn, &gone)?;
    store::eligibility::put_all(conn, &rows)
}

/// Recomputes up to `limit` rows computed for another day than `day`; returns how many it took, so the
/// sweep repeats until none is left. Each batch is its own short transaction, so writers are never held up
/// for long by a district-wide refresh.
pub fn refresh_stale(conn: &mut DbConn, day: NaiveDate, limit: i64) -> Result<usize, ApiError> {
    let ids = store::eligibility::stale(conn, day, limit)?;
    if ids.is_empty() {
        return Ok(0);
    }
    let cadres = store::projection::cadres(conn, &ids)?;
    let rows = compute(conn, cadres, day)?;
    let keep: BTreeSet<&str> = rows.iter().map(|r| r.cadre_id.as_str()).collect();
    let gone: Vec<String> = ids.iter().filter(|id| !keep.contains(id.as_str())).cloned().collect();
    store::eligibility::remove_all(conn, &gone)?;
    store::eligibility::put_all(conn, &rows)?;
    Ok(ids.len())
}

/// Full answers for the given cadres (a page of a list) on `as_of`, quota included: the facts loaded in
/// bulk, each pool's use read once, in the order of `ids`.
pub fn evaluate_many(
    conn: &mut DbConn,
    ids: &[String],
    as_of: NaiveDate,
) -> Result<Vec<(Facts, Eligibility)>, ApiError> {
    let policy = store::policy::on(conn, as_of)?;
    let cadres = store::projection::cadres(conn, ids)?;
    let mut holdings = store::holdings::current_of(conn, ids)?;
    let mut results = store::results::of_cadres(conn, ids)?;
    let mut measures = store::measures::of_cadres(conn, ids)?;
    let mut pools: HashMap<String, quota::Pool> = HashMap::new();
    let mut usage: HashMap<String, (u32, crate::domain::quota::Usage)> = HashMap::new();
    let mut out = Vec::with_capacity(cadres.len());
    for cadre in cadres {
        let facts = Facts {
            holding: holdings.remove(&cadre.id),
            results: results.remove(&cadre.id).unwrap_or_default(),
            measures: measures.remove(&cadre.id).unwrap_or_default(),
            cadre,
        };
        let unit_id = facts.cadre.employing_unit_id.clone();
        if !pools.contains_key(&unit_id) {
            let pool = quota::pool_of_unit(conn, &unit_id)?;
            pools.insert(unit_id.clone(), pool);
        }
        let Some(pool) = pools.get(&unit_id) else { continue };
        let unit = UnitContext { district: policy.district_type, class: pool.kind.unit_class() };
        let history = facts.history();
        let query = Query { target: None, as_of, unit: Some(unit), quota_full: None };
        let mut answer = evaluate(&history, &query, &policy);
        if let Some(target) = answer.target.filter(|t| answer.current.is_some_and(|c| t.is_above(c))) {
            if !usage.contains_key(&pool.id) {
                let used = quota::usage(conn, pool, None)?;
                usage.insert(pool.id.clone(), used);
            }
            let caps = policy.quota_caps(pool.kind.unit_class()).map_err(|e| {
                ApiError::failed_precondition("POLICY_QUOTA_INVALID", format!("the quota policy: {e}"))
            })?;
            if let Some((headcount, used)) = usage.get(&pool.id)
                && let Err(full) = crate::domain::quota::check(
                    &caps,
                    *headcount,
                    used,
                    target,
                    history.rank.map(|r| r.grade),
                )
            {
                answer = evaluate(&history, &Query { quota_full: Some(full), ..query }, &policy);
            }
        }
        out.push((facts, answer));
    }
    Ok(out)
}

//! Rectification tasks (整改) and their extension requests, the ledger's facts, and the counts of a unit
//! report. Tasks belong to their owner unit only (they have no cadre), so a [`Reach`] narrows them by unit.

use std::collections::BTreeMap;

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    CHUNK, Reach,
    schema::{decisions, findings, rectification_extensions, rectification_tasks},
};
use crate::domain::codes::{DeadlineLight, ExtensionState, RectificationState};

/// One task as stored. `evidence` is a JSON list; `closed_on` is set by the 销号 (or by the finding's
/// dismissal, which closes what is still open).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rectification_tasks, treat_none_as_null = true)]
pub struct TaskRow {
    /// Id.
    pub id: String,
    /// The finding it answers.
    pub finding_id: String,
    /// The unit that must rectify.
    pub owner_org_unit_id: String,
    /// What must be achieved.
    pub requirement: String,
    /// The owner's plan; empty until filed.
    pub plan: String,
    /// JSON list of evidence entries.
    pub evidence: String,
    /// The owner's report; empty until reported.
    pub report: String,
    /// The current deadline.
    pub deadline: NaiveDate,
    /// The first day of the yellow light, from the working calendar when the deadline was set.
    pub warning_from: NaiveDate,
    /// A [`RectificationState`] code.
    pub state: String,
    /// Why the last verification sent it back (or why the finding's dismissal closed it).
    pub returned_note: String,
    /// Who signed it off.
    pub verified_by: String,
    /// The day it was closed.
    pub closed_on: Option<NaiveDate>,
    /// Who assigned it.
    pub created_by: String,
    /// When assigned.
    pub created_at: NaiveDateTime,
    /// Optimistic-concurrency version: every write adds one.
    pub version: i64,
}

/// One extension request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rectification_extensions)]
pub struct ExtensionRow {
    /// Id (UUIDv7: in the order asked).
    pub id: String,
    /// The task.
    pub task_id: String,
    /// The deadline asked for.
    pub requested_deadline: NaiveDate,
    /// Why.
    pub reason: String,
    /// An [`ExtensionState`] code.
    pub state: String,
    /// Who asked.
    pub requested_by: String,
    /// Who decided; empty while pending.
    pub decided_by: String,
    /// The decision's note.
    pub decision_note: String,
    /// When asked.
    pub requested_at: NaiveDateTime,
}

/// What a task list is narrowed to, besides the reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFilter {
    /// Only this finding's tasks, when not empty.
    pub finding_id: String,
    /// Only tasks in this state.
    pub state: Option<RectificationState>,
    /// Only tasks showing this light on `today`.
    pub light: Option<DeadlineLight>,
    /// The day the light is for.
    pub today: NaiveDate,
}

/// What the ledger needs of one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerFact {
    /// The owner unit.
    pub owner_org_unit_id: String,
    /// The current deadline.
    pub deadline: NaiveDate,
    /// The first day of the yellow light.
    pub warning_from: NaiveDate,
    /// A [`RectificationState`] code.
    pub state: String,
    /// The day closed.
    pub closed_on: Option<NaiveDate>,
    /// Extension requests of the task awaiting a decision.
    pub pending_extensions: u32,
}

/// The owner units whose tasks `reach` shows: `None` for every unit. A reach that limits cadres only shows
/// no task, since a task has no cadre to be admitted by.
pub fn owner_units(reach: &Reach) -> Option<Vec<String>> {
    match (&reach.cadres, &reach.units) {
        (None, None) => None,
        (_, Some(units)) => Some(units.clone()),
        (Some(_), None) => Some(Vec::new()),
    }
}

/// Runs `query` over `units` with at most [`CHUNK`] ids bound at once (`None`: once, unlimited) and
/// concatenates the answers; no unit at all answers nothing without a query.
fn over_units<T>(
    units: Option<&[String]>,
    mut query: impl FnMut(Option<&[String]>) -> Result<Vec<T>, ApiError>,
) -> Result<Vec<T>, ApiError> {
    match units {
        None => query(None),
        Some(units) => {
            let mut out = Vec::new();
            for chunk in units.chunks(CHUNK) {
                out.extend(query(Some(chunk))?);
            }
            Ok(out)
        }
    }
}

/// The first and last day of `year`.
fn year_days(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?))
}

fn bad_year(year: i32) -> ApiError {
    ApiError::invalid_argument("INVALID_YEAR", format!("{year} is not a year"))
        .with_violation("year", "not a year")
}

/// Stores a new task.
pub fn insert(conn: &mut DbConn, row: &TaskRow) -> Result<(), ApiError> {
    diesel::insert_into(rectification_tasks::table).values(row).execute(conn)?;
    Ok(())
}

/// A task by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<TaskRow>, ApiError> {
    Ok(rectification_tasks::table.find(id).select(TaskRow::as_select()).first(conn).optional()?)
}

/// Writes a changed task if it is still at `version` (the caller has already bumped `row.version`). Two
/// writers that read the same version cannot both win: the loser changes nothing and is told to re-read.
pub fn update(conn: &mut DbConn, row: &TaskRow, version: i64) -> Result<(), ApiError> {
    let changed = diesel::update(
        rectification_tasks::table.find(&row.id).filter(rectification_tasks::version.eq(version)),
    )
    .set(row)
    .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::aborted(
            "VERSION_MISMATCH",
            "the task changed since it was read; read it again and retry",
        ));
    }
    Ok(())
}

/// The tasks of a finding, oldest first.
pub fn of_finding(conn: &mut DbConn, finding_id: &str) -> Result<Vec<TaskRow>, ApiError> {
    Ok(rectification_tasks::table
        .filter(rectification_tasks::finding_id.eq(finding_id))
        .order(rectification_tasks::id.asc())
        .select(TaskRow::as_select())
        .load(conn)?)
}

/// Closes every task of a finding that is not closed yet, on `on` by `by`, with `note` saying why (a
/// dismissed finding leaves nothing to rectify), and refuses their pending extension requests with the same
/// note. Returns how many tasks it closed.
pub fn close_open_of_finding(
    conn: &mut DbConn,
    finding_id: &str,
    on: NaiveDate,
    by: &str,
    note: &str,
) -> Result<usize, ApiError> {
    let open: Vec<TaskRow> = rectification_tasks::table
        .filter(rectification_tasks::finding_id.eq(finding_id))
        .filter(rectification_tasks::state.ne(RectificationState::Closed.code()))
        .select(TaskRow::as_select())
        .load(conn)?;
    for task in &open {
        let mut closed = task.clone();
        closed.state = RectificationState::Closed.code().to_owned();
        closed.closed_on = Some(on);
        by.clone_into(&mut closed.verified_by);
        note.clone_into(&mut closed.returned_note);
        closed.version += 1;
        update(conn, &closed, task.version)?;
        diesel::update(
            rectification_extensions::table
                .filter(rectification_extensions::task_id.eq(&task.id))
                .filter(rectification_extensions::state.eq(ExtensionState::Pending.code())),
        )
        .set((
            rectification_extensions::state.eq(ExtensionState::Refused.code()),
            rectification_extensions::decided_by.eq(by),
            rectification_extensions::decision_note.eq(note),
        ))
        .execute(conn)?;
    }
    Ok(open.len())
}

/// Stores a new extension request.
pub fn insert_extension(conn: &mut DbConn, row: &ExtensionRow) -> Result<(), ApiError> {
    diesel::insert_into(rectification_extensions::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes a decided extension request.
pub fn update_extension(conn: &mut DbConn, row: &ExtensionRow) -> Result<(), ApiError> {
    diesel::update(rectification_extensions::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// The extension requests of a task, oldest first.
pub fn extensions_of(conn: &mut DbConn, task_id: &str) -> Result<Vec<ExtensionRow>, ApiError> {
    Ok(rectification_extensions::table
        .filter(rectification_extensions::task_id.eq(task_id))
        .order(rectification_extensions::id.asc())
        .select(ExtensionRow::as_select())
        .load(conn)?)
}

/// The extension requests of each of `task_ids`, oldest first; one query per [`CHUNK`] tasks.
pub fn extensions_of_many(
    conn: &mut DbConn,
    task_ids: &[String],
) -> Result<BTreeMap<String, Vec<ExtensionRow>>, ApiError> {
    let mut out: BTreeMap<String, Vec<ExtensionRow>> = BTreeMap::new();
    for chunk in task_ids.chunks(CHUNK) {
        let rows: Vec<ExtensionRow> = rectification_extensions::table
            .filter(rectification_extensions::task_id.eq_any(chunk))
            .order(rectification_extensions::id.asc())
            .select(ExtensionRow::as_select())
            .load(conn)?;
        for row in rows {
            out.entry(row.task_id.clone()).or_default().push(row);
        }
    }
    Ok(out)
}

/// The pending extension request of a task, if any (at most one is ever pending).
pub fn pending_extension(conn: &mut DbConn, task_id: &str) -> Result<Option<ExtensionRow>, ApiError> {
    Ok(rectification_extensions::table
        .filter(rectification_extensions::task_id.eq(task_id))
        .filter(rectification_extensions::state.eq(ExtensionState::Pending.code()))
        .order(rectification_extensions::id.asc())
        .select(ExtensionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Tasks of the owner units `reach` shows, narrowed by `filter`, by deadline then id, after the keyset
/// position `after` (a deadline and an id), at most `limit`.
pub fn list(
    conn: &mut DbConn,
    reach: &Reach,
    filter: &TaskFilter,
    after: Option<(NaiveDate, String)>,
    limit: i64,
) -> Result<Vec<TaskRow>, ApiError> {
    use rectification_tasks as t;
    let units = owner_units(reach);
    let closed = RectificationState::Closed.code();
    let today = filter.today;
    let mut rows = over_units(units.as_deref(), |units| {
        let mut query = t::table.into_boxed();
        if let Some(units) = units {
            query = query.filter(t::owner_org_unit_id.eq_any(units.to_vec()));
        }
        if !filter.finding_id.is_empty() {
            query = query.filter(t::finding_id.eq(filter.finding_id.clone()));
        }
        if let Some(state) = filter.state {
            query = query.filter(t::state.eq(state.code()));
        }
        // The same boundaries as `domain::lights::light`: red past the deadline, yellow from the warning
        // day through the deadline, green before it; a closed task is done whatever its dates.
        query = match filter.light {
            None => query,
            Some(DeadlineLight::Done) => query.filter(t::state.eq(closed)),
            Some(DeadlineLight::Red) => query.filter(t::state.ne(closed)).filter(t::deadline.lt(today)),
            Some(DeadlineLight::Yellow) => query
                .filter(t::state.ne(closed))
                .filter(t::warning_from.le(today))
                .filter(t::deadline.ge(today)),
            Some(DeadlineLight::Green) => query.filter(t::state.ne(closed)).filter(t::warning_from.gt(today)),
        };
        if let Some((deadline, id)) = after.clone() {
            query = query.filter(t::deadline.gt(deadline).or(t::deadline.eq(deadline).and(t::id.gt(id))));
        }
        Ok(query
            .order((t::deadline.asc(), t::id.asc()))
            .limit(limit)
            .select(TaskRow::as_select())
            .load(conn)?)
    })?;
    rows.sort_by(|a, b| (a.deadline, &a.id).cmp(&(b.deadline, &b.id)));
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(rows)
}

/// The ledger's facts: every task of the owner units `units` shows (`None`: every unit) due in `year` (every
/// year when `None`), with its pending extension requests counted. A task belongs to the year of its
/// deadline: a district date, where the day it was assigned is the server's clock.
pub fn ledger_facts(
    conn: &mut DbConn,
    units: Option<&[String]>,
    year: Option<i32>,
) -> Result<Vec<LedgerFact>, ApiError> {
    use rectification_tasks as t;
    let bounds = match year {
        None => None,
        Some(year) => Some(year_days(year).ok_or_else(|| bad_year(year))?),
    };
    type Fact = (String, String, NaiveDate, NaiveDate, String, Option<NaiveDate>);
    let tasks: Vec<Fact> = over_units(units, |units| {
        let mut query = t::table.into_boxed();
        if let Some(units) = units {
            query = query.filter(t::owner_org_unit_id.eq_any(units.to_vec()));
        }
        if let Some((first, last)) = bounds {
            query = query.filter(t::deadline.ge(first)).filter(t::deadline.le(last));
        }
        Ok(query
            .select((t::id, t::owner_org_unit_id, t::deadline, t::warning_from, t::state, t::closed_on))
            .load(conn)?)
    })?;
    let mut pending: BTreeMap<String, u32> = BTreeMap::new();
    let open: Vec<String> = tasks
        .iter()
        .filter(|task| task.4 != RectificationState::Closed.code())
        .map(|task| task.0.clone())
        .collect();
    for chunk in open.chunks(CHUNK) {
        let ids: Vec<String> = rectification_extensions::table
            .filter(rectification_extensions::task_id.eq_any(chunk))
            .filter(rectification_extensions::state.eq(ExtensionState::Pending.code()))
            .select(rectification_extensions::task_id)
            .load(conn)?;
        for id in ids {
            *pending.entry(id).or_default() += 1;
        }
    }
    Ok(tasks
        .into_iter()
        .map(|(id, owner_org_unit_id, deadline, warning_from, state, closed_on)| LedgerFact {
            pending_extensions: pending.get(&id).copied().unwrap_or(0),
            owner_org_unit_id,
            deadline,
            warning_from,
            state,
            closed_on,
        })
        .collect())
}

/// The (state, category) codes of the findings about `units` (`None`: every unit) found in `year`.
pub fn finding_codes(
    conn: &mut DbConn,
    units: Option<&[String]>,
    year: i32,
) -> Result<Vec<(String, String)>, ApiError> {
    let (first, last) = year_days(year).ok_or_else(|| bad_year(year))?;
    over_units(units, |units| {
        let mut query = findings::table
            .filter(findings::found_on.ge(first))
            .filter(findings::found_on.le(last))
            .into_boxed();
        if let Some(units) = units {
            query = query.filter(findings::org_unit_id.eq_any(units.to_vec()));
        }
        Ok(query.select((findings::state, findings::category)).load(conn)?)
    })
}

/// The measure codes of the decisions about `units` (`None`: every unit) decided in `year`.
pub fn decision_measures(
    conn: &mut DbConn,
    units: Option<&[String]>,
    year: i32,
) -> Result<Vec<String>, ApiError> {
    let (first, last) = year_days(year).ok_or_else(|| bad_year(year))?;
    over_units(units, |units| {
        let mut query = decisions::table
            .filter(decisions::decided_on.ge(first))
            .filter(decisions::decided_on.le(last))
            .into_boxed();
        if let Some(units) = units {
            query = query.filter(decisions::org_unit_id.eq_any(units.to_vec()));
        }
        Ok(query.select(decisions::measure).load(conn)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reach_of_cadres_only_shows_no_task() {
        assert_eq!(owner_units(&Reach::default()), None);
        let cadres = Reach { cadres: Some(vec!["c".into()]), units: None };
        assert_eq!(owner_units(&cadres), Some(vec![]));
        let both = Reach { cadres: Some(vec!["c".into()]), units: Some(vec!["u".into()]) };
        assert_eq!(owner_units(&both), Some(vec!["u".to_owned()]));
    }

    #[test]
    fn units_are_bound_in_chunks_and_none_queries_nothing() {
        let units: Vec<String> = (0..1201).map(|n| n.to_string()).collect();
        let mut calls = Vec::new();
        let rows = over_units(Some(&units), |chunk| {
            let chunk = chunk.map_or(0, <[String]>::len);
            calls.push(chunk);
            Ok(vec![chunk])
        })
        .unwrap();
        assert_eq!(calls, [CHUNK, CHUNK, 201]);
        assert_eq!(rows.iter().sum::<usize>(), 1201);
        let mut called = false;
        let none: Vec<u8> = over_units(Some(&[]), |_| {
            called = true;
            Ok(vec![1])
        })
        .unwrap();
        assert!(none.is_empty() && !called);
        let all = over_units(None, |units| Ok(vec![units.is_none()])).unwrap();
        assert_eq!(all, [true]);
    }

    #[test]
    fn a_year_is_its_first_day_to_its_last() {
        let (first, last) = year_days(2026).unwrap();
        assert_eq!((first.to_string(), last.to_string()), ("2026-01-01".into(), "2026-12-31".into()));
        assert!(year_days(i32::MAX).is_none());
    }
}

//! Rank history changes: taking a cadre's grade over from the directory, recording legacy data and
//! corrections, and the new holding of an approved case. Each change of the current grade is queued for
//! the directory (see `crate::sync`) in the same transaction.

use cadre_platform::{ApiError, DbConn, clock};
use chrono::{Days, NaiveDate};

use crate::{
    domain::Grade,
    store::{self, holdings::HoldingRow, projection::CadreView},
};

/// How a holding began (the proto `HoldingSource` without its prefix).
pub mod source {
    /// Taken over from the directory's record.
    pub const IMPORTED: &str = "IMPORTED";
    /// Recorded by the org department.
    pub const RECORDED: &str = "RECORDED";
    /// An approved promotion.
    pub const PROMOTED: &str = "PROMOTED";
    /// An approved demotion.
    pub const DEMOTED: &str = "DEMOTED";
}

/// Who the service's own changes are recorded as.
pub const SYSTEM: &str = "system:rank";

fn new_holding(
    cadre_id: &str,
    grade: &str,
    start: NaiveDate,
    source: &str,
    note: &str,
    by: &str,
) -> HoldingRow {
    HoldingRow {
        id: store::new_id(),
        cadre_id: cadre_id.to_owned(),
        grade: grade.to_owned(),
        start_date: start,
        end_date: None,
        level: 0,
        source: source.to_owned(),
        case_id: String::new(),
        note: note.to_owned(),
        recorded_by: by.to_owned(),
        created_at: clock::now(),
    }
}

fn day_before(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(1)).unwrap_or(day)
}

/// What the rank history does with a cadre's record from the directory, `before` being the projection's
/// record before this change (`None` the first time the projection has it):
///
/// - a cadre with a grade and no history yet: an IMPORTED holding from the directory's grade and date;
/// - a grade or date the directory changed by itself (an HR import, a correction), that is neither what
///   the history already holds nor about to be overwritten by a change of ours still queued: the history
///   takes it, as a new holding (a later date) or as a correction of the current one.
///
/// The directory's echo of a change this service made matches the current holding and does nothing.
pub fn on_directory_record(
    conn: &mut DbConn,
    cadre_id: &str,
    before: Option<&CadreView>,
) -> Result<(), ApiError> {
    let Some(after) = store::projection::cadre(conn, cadre_id)? else { return Ok(()) };
    let Some(grade) = Grade::from_code(&after.rank_grade) else { return Ok(()) };
    let Some(start) = after.rank_start_date else {
        // A grade without the date it was taken cannot be counted from: the org department records it.
        tracing::warn!(cadre_id, "the directory's grade has no start date; not imported");
        return Ok(());
    };
    let current = store::holdings::current(conn, cadre_id)?;
    if !store::holdings::has_history(conn, cadre_id)? {
        let row = new_holding(
            cadre_id,
            grade.code(),
            start,
            source::IMPORTED,
            "from the directory's record",
            SYSTEM,
        );
        return store::holdings::insert(conn, &row);
    }
    let Some(before) = before else { return Ok(()) };
    let changed = before.rank_grade != after.rank_grade || before.rank_start_date != after.rank_start_date;
    if !changed {
        return Ok(());
    }
    if current.as_ref().is_some_and(|c| c.grade == grade.code() && c.start_date == start) {
        return Ok(());
    }
    if store::sync::pending(conn, cadre_id)?.is_some() {
        // Our own change is on its way to the directory and will overwrite this one.
        return Ok(());
    }
    match current {
        Some(current) if start > current.start_date && current.grade != grade.code() => {
            store::holdings::close(conn, &current.id, day_before(start))?;
            let row = new_holding(
                cadre_id,
                grade.code(),
                start,
                source::IMPORTED,
                "changed in the directory",
                SYSTEM,
            );
            store::holdings::insert(conn, &row)
        }
        Some(mut current) => {
            current.grade = grade.code().to_owned();
            current.start_date = start;
            current.note = format!("{} (corrected in the directory)", current.note);
            store::holdings::update(conn, &current)
        }
        None => {
            let row = new_holding(
                cadre_id,
                grade.code(),
                start,
                source::IMPORTED,
                "from the directory's record",
                SYSTEM,
            );
            store::holdings::insert(conn, &row)
        }
    }
}

/// A holding to record (RecordRankHolding).
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The cadre.
    pub cadre_id: String,
    /// The grade.
    pub grade: Grade,
    /// First day.
    pub start: NaiveDate,
    /// Last day, for a past holding.
    pub end: Option<NaiveDate>,
    /// 级别, 0 when unknown.
    pub level: i32,
    /// Document or note.
    pub note: String,
    /// Who records it.
    pub by: String,
}

fn overlap(what: &HoldingRow, start: NaiveDate, end: Option<NaiveDate>) -> bool {
    let other_end = what.end_date.unwrap_or(NaiveDate::MAX);
    start <= other_end && what.start_date <= end.unwrap_or(NaiveDate::MAX)
}

fn overlap_error(with: &HoldingRow) -> ApiError {
    ApiError::failed_precondition(
        "HOLDING_OVERLAP",
        format!(
            "the holding overlaps the {} holding from {}{}",
            crate::view::grade_name(&with.grade),
            with.start_date,
            with.end_date.map(|e| format!(" to {e}")).unwrap_or_default()
        ),
    )
}

/// Records a holding from legacy data or a correction. A past holding (with an end) must not overlap any
/// other. An open one becomes current: it follows the current holding when it starts later (which is then
/// closed the day before), or corrects it when it is of the same grade; any other open holding would rewrite
/// history silently and is refused. Returns the holding and whether the current grade changed (the directory
/// is then told).
pub fn record(conn: &mut DbConn, new: &Recorded) -> Result<(HoldingRow, bool), ApiError> {
    let history = store::holdings::of_cadre(conn, &new.cadre_id)?;
    let current = history.iter().find(|h| h.end_date.is_none()).cloned();
    let mut row =
        new_holding(&new.cadre_id, new.grade.code(), new.start, source::RECORDED, &new.note, &new.by);
    row.level = new.level;
    row.end_date = new.end;
    if new.end.is_some() {
        if let Some(clash) = history.iter().find(|h| overlap(h, new.start, new.end)) {
            return Err(overlap_error(clash));
        }
        store::holdings::insert(conn, &row)?;
        return Ok((row, false));
    }
    match current {
        Some(current) if current.grade == row.grade => {
            if let Some(clash) = history.iter().find(|h| h.id != current.id && overlap(h, new.start, None)) {
                return Err(overlap_error(clash));
            }
            let mut corrected = current.clone();
            corrected.start_date = new.start;
            corrected.level = new.level;
            corrected.note = new.note.clone();
            corrected.source = source::RECORDED.to_owned();
            corrected.recorded_by = new.by.clone();
            store::holdings::update(conn, &corrected)?;
            Ok((corrected, current.start_date != new.start))
        }
        Some(current) if new.start > current.start_date => {
            store::holdings::close(conn, &current.id, day_before(new.start))?;
            store::holdings::insert(conn, &row)?;
            Ok((row, true))
        }
        Some(current) => Err(ApiError::failed_precondition(
            "HOLDING_BEFORE_CURRENT",
            format!(
                "the current holding ({} since {}) starts later: record an earlier holding with its end_date",
                crate::view::grade_name(&current.grade),
                current.start_date
            ),
        )),
        None => {
            if let Some(clash) = history.iter().find(|h| overlap(h, new.start, None)) {
                return Err(overlap_error(clash));
            }
            store::holdings::insert(conn, &row)?;
            Ok((row, true))
        }
    }
}

/// The new holding of an approved case.
#[derive(Debug, Clone, Copy)]
pub struct GradeChange<'a> {
    /// The cadre.
    pub cadre_id: &'a str,
    /// The new grade.
    pub grade: Grade,
    /// Its first day.
    pub effective: NaiveDate,
    /// The 级别 after the change; 0 when unknown.
    pub level: i32,
    /// `PROMOTED` or `DEMOTED`.
    pub source: &'a str,
    /// The case.
    pub case_id: &'a str,
    /// The note (with the decision's number).
    pub note: &'a str,
    /// Who decided.
    pub by: &'a str,
}

/// Records an approved change: the current holding ends the day before the new one, and the directory is
/// queued to take the new grade.
pub fn change_grade(conn: &mut DbConn, change: &GradeChange<'_>) -> Result<HoldingRow, ApiError> {
    if let Some(current) = store::holdings::current(conn, change.cadre_id)? {
        if change.effective <= current.start_date {
            return Err(ApiError::failed_precondition(
                "EFFECTIVE_DATE_INVALID",
                format!(
                    "the new grade must take effect after the current one began ({})",
                    current.start_date
                ),
            )
            .with_violation("effective_date", format!("must be after {}", current.start_date)));
        }
        store::holdings::close(conn, &current.id, day_before(change.effective))?;
    }
    let mut row = new_holding(
        change.cadre_id,
        change.grade.code(),
        change.effective,
        change.source,
        change.note,
        change.by,
    );
    row.level = change.level;
    row.case_id = change.case_id.to_owned();
    store::holdings::insert(conn, &row)?;
    store::sync::enqueue(conn, change.cadre_id, change.case_id, change.grade.code(), change.effective)?;
    Ok(row)
}

//! Conduct measures as `RecordConductMeasure` and the oversight service's feed deliver them: one reading
//! of the wire, one way of storing. A measure is kept under the deciding system's id, so a repeated
//! delivery replaces it (an investigation that closed now has its last day); its period follows from its
//! kind when the sender leaves the last day out; and the person's undetermined assessments are computed
//! again in the same transaction.

use cadre_platform::{ApiError, DbConn, Violations, clock};
use cadre_proto::types;
use chrono::NaiveDate;

use crate::{
    convert,
    store::{
        self,
        measures::{self as measure_store, MeasureRow},
    },
    workflow::participation::{self, OPEN_INVESTIGATION},
};

/// A measure read from the wire and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureInput {
    /// The deciding system's id.
    pub source_id: String,
    /// The person concerned.
    pub cadre_id: String,
    /// The kind's stored code.
    pub kind: String,
    /// When it took effect.
    pub effective: NaiveDate,
    /// The last day given, if any.
    pub last_day: Option<NaiveDate>,
    /// The 文号.
    pub basis: String,
    /// 期满影响使用.
    pub still_affects_use: bool,
}

/// Reads a measure (`None` when the request has none), or INVALID_MEASURE naming every field that is wrong
/// under `measure.`. A measure a person records may not take effect after `not_after` (their today); one
/// the oversight service decided is taken as decided (`None`).
pub fn read(
    measure: Option<&types::ConductMeasure>,
    not_after: Option<NaiveDate>,
) -> Result<MeasureInput, ApiError> {
    let mut violations = Violations::default();
    violations.require(measure.is_some(), "measure", "is required");
    let measure = measure.cloned().unwrap_or_default();
    let source_id = convert::id(&mut violations, "measure.source_id", &measure.source_id);
    let cadre_id = convert::id(&mut violations, "measure.cadre_id", &measure.cadre_id);
    let kind = convert::measure_kind(&mut violations, "measure.kind", measure.kind);
    let effective =
        convert::required_date(&mut violations, "measure.effective_date", measure.effective_date.as_ref());
    let last_day = convert::optional_date(&mut violations, "measure.last_day", measure.last_day.as_ref());
    if let (Some(effective), Some(last)) = (effective, last_day) {
        violations.require(last >= effective, "measure.last_day", "is before the effective date");
    }
    if let (Some(effective), Some(today)) = (effective, not_after) {
        violations.require(effective <= today, "measure.effective_date", "is after today");
    }
    let basis =
        convert::text(&mut violations, "measure.basis", &measure.basis, convert::MAX_SHORT_CHARS, false);
    convert::finish(violations, "INVALID_MEASURE", "the measure is not valid")?;
    let (Some(kind), Some(effective)) = (kind, effective) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    Ok(MeasureInput {
        source_id,
        cadre_id,
        kind,
        effective,
        last_day,
        basis,
        still_affects_use: measure.still_affects_use,
    })
}

/// Stores a measure recorded by `by`, replacing the one with its source id (SOURCE_ID_IN_USE when that one
/// concerns another person), and computes the person's undetermined assessments again under the policy in
/// force on `today`. Whether the person may be named by the one recording it is the caller's to check.
/// Returns the row as stored.
pub fn record(
    conn: &mut DbConn,
    input: &MeasureInput,
    by: &str,
    today: NaiveDate,
) -> Result<MeasureRow, ApiError> {
    let existing = measure_store::get(conn, &input.source_id)?;
    if let Some(existing) = &existing
        && existing.cadre_id != input.cadre_id
    {
        return Err(ApiError::failed_precondition(
            "SOURCE_ID_IN_USE",
            format!("the measure {} concerns another cadre", input.source_id),
        ));
    }
    // An investigation has no last day until it closes; every other measure's period follows from its
    // kind when the sender leaves it out.
    let last_day = match input.last_day {
        Some(day) => Some(day),
        None if input.kind == OPEN_INVESTIGATION => None,
        None => {
            let months = store::policy::period_months(conn, &input.kind, input.effective)?;
            Some(clock::period_last_day(input.effective, months))
        }
    };
    let now = clock::now();
    let row = MeasureRow {
        source_id: input.source_id.clone(),
        cadre_id: input.cadre_id.clone(),
        kind: input.kind.clone(),
        effective_date: input.effective,
        last_day,
        basis: input.basis.clone(),
        still_affects_use: input.still_affects_use,
        recorded_by: by.to_owned(),
        recorded_at: existing.map_or(now, |e| e.recorded_at),
        updated_at: now,
    };
    measure_store::upsert(conn, &row)?;
    let policy = store::policy::on(conn, today)?;
    participation::refresh_cadre(conn, &input.cadre_id, &policy, now)?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn date(year: i32, month: i32, day: i32) -> Option<types::Date> {
        Some(types::Date { year, month, day })
    }

    fn warning() -> types::ConductMeasure {
        types::ConductMeasure {
            source_id: "D-1".into(),
            cadre_id: "c1".into(),
            kind: types::ConductMeasureKind::GovernmentWarning as i32,
            effective_date: date(2026, 3, 1),
            last_day: None,
            basis: "锦纪〔2026〕1号".into(),
            still_affects_use: false,
        }
    }

    #[test]
    fn a_decided_measure_may_take_effect_later_than_a_recorded_one() {
        let decided = read(Some(&warning()), None).unwrap();
        assert_eq!((decided.kind.as_str(), decided.effective), ("GOVERNMENT_WARNING", day(2026, 3, 1)));
        let recorded = read(Some(&warning()), Some(day(2026, 2, 28))).unwrap_err();
        assert_eq!(recorded.reason(), "INVALID_MEASURE");
        let fields: Vec<&str> = recorded.violations().iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["measure.effective_date"]);
        assert!(read(Some(&warning()), Some(day(2026, 3, 1))).is_ok(), "on the day itself");
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = types::ConductMeasure {
            cadre_id: String::new(),
            kind: 0,
            last_day: date(2026, 2, 1),
            ..warning()
        };
        let error = read(Some(&bad), None).unwrap_err();
        let mut fields: Vec<&str> = error.violations().iter().map(|v| v.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["measure.cadre_id", "measure.kind", "measure.last_day"]);
        let missing = read(None, None).unwrap_err();
        assert!(missing.violations().iter().any(|v| v.field == "measure"), "{missing:?}");
    }
}

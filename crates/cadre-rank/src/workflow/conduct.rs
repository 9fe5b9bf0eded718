//! Conduct measures that restrict promotion, as `RecordConductMeasure` and the oversight service's feed
//! deliver them: one reading of the wire, one way of storing. A measure's 影响期 ends on the day it gives,
//! or on the day the policy in force when it took effect computes; it is stored under the deciding
//! system's id, so a repeated delivery replaces it, and the eligibility of every cadre it concerns (now,
//! and before when the id named someone else) is recomputed in the same transaction.

use cadre_platform::{ApiError, DbConn, Violations, clock};
use cadre_proto::types;
use chrono::NaiveDate;

use crate::{
    convert,
    domain::restriction::{self, RestrictionKind},
    store::{self, measures::MeasureRow},
    workflow::eligibility,
};

/// Longest basis (文号), in characters.
pub const MAX_BASIS: usize = 200;

/// A measure read from the wire and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureInput {
    /// The deciding system's id.
    pub source_id: String,
    /// The cadre concerned.
    pub cadre_id: String,
    /// What was decided.
    pub kind: RestrictionKind,
    /// The start of the 影响期.
    pub effective: NaiveDate,
    /// The last day given, if any.
    pub last_day: Option<NaiveDate>,
    /// The 文号.
    pub basis: String,
    /// 期满影响使用.
    pub still_affects_use: bool,
}

/// Reads a measure (`None` when the request has none), or INVALID_MEASURE naming every field that is wrong
/// under `measure.`.
pub fn read(measure: Option<&types::ConductMeasure>) -> Result<MeasureInput, ApiError> {
    let mut v = Violations::default();
    v.require(measure.is_some(), "measure", "is required");
    let measure = measure.cloned().unwrap_or_default();
    let source_id = convert::id_in(&mut v, "measure.source_id", &measure.source_id);
    let cadre_id = convert::id_in(&mut v, "measure.cadre_id", &measure.cadre_id);
    let kind = convert::measure_kind_from(&mut v, "measure.kind", measure.kind);
    let effective = convert::required_date(&mut v, "measure.effective_date", measure.effective_date.as_ref());
    let last_day = convert::optional_date(&mut v, "measure.last_day", measure.last_day.as_ref());
    if let (Some(effective), Some(last)) = (effective, last_day) {
        v.require(last >= effective, "measure.last_day", "is before effective_date");
    }
    let basis = convert::text(&mut v, "measure.basis", &measure.basis, MAX_BASIS, true);
    v.finish("INVALID_MEASURE", "the measure is not valid")?;
    let (Some(kind), Some(effective)) = (kind, effective) else {
        return Err(ApiError::internal("a checked field is missing"));
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

/// The last day of a measure's 影响期 and whether it was computed: the one given, or the policy's in force
/// on the day the measure took effect (`None` for an investigation still open).
fn period_end(conn: &mut DbConn, input: &MeasureInput) -> Result<(Option<NaiveDate>, bool), ApiError> {
    if let Some(last) = input.last_day {
        return Ok((Some(last), false));
    }
    let policy = store::policy::on(conn, input.effective)?;
    let computed = restriction::last_day(input.kind, input.effective, &policy.impact).map_err(|e| {
        let field =
            if input.kind == RestrictionKind::PartyProbation { "measure.last_day" } else { "measure.kind" };
        ApiError::invalid_argument(e.reason(), e.to_string())
            .with_violation(field, "the period cannot be computed: give last_day")
    })?;
    Ok((computed, computed.is_some()))
}

/// Stores a measure recorded by `by`, replacing one with the same source id, and recomputes the
/// eligibility of the cadres it concerns. Whether the cadre may be named by the one recording it is the
/// caller's to check. Returns the row as stored.
pub fn record(conn: &mut DbConn, input: &MeasureInput, by: &str) -> Result<MeasureRow, ApiError> {
    let (last_day, computed) = period_end(conn, input)?;
    let row = MeasureRow {
        source_id: input.source_id.clone(),
        cadre_id: input.cadre_id.clone(),
        kind: input.kind.code().to_owned(),
        effective_date: input.effective,
        last_day,
        last_day_computed: computed,
        basis: input.basis.clone(),
        still_affects_use: input.still_affects_use,
        recorded_by: by.to_owned(),
        updated_at: clock::now(),
    };
    if let Some(previous) = store::measures::upsert(conn, &row)? {
        eligibility::refresh(conn, &previous)?;
    }
    eligibility::refresh(conn, &row.cadre_id)?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: i32, day: i32) -> Option<types::Date> {
        Some(types::Date { year, month, day })
    }

    fn admonishment() -> types::ConductMeasure {
        types::ConductMeasure {
            source_id: "JJ-1".into(),
            cadre_id: "c1".into(),
            kind: types::ConductMeasureKind::Admonishment as i32,
            effective_date: date(2026, 2, 1),
            last_day: None,
            basis: " 区纪委〔2026〕3号 ".into(),
            still_affects_use: true,
        }
    }

    #[test]
    fn a_measure_is_read_with_its_text_trimmed() {
        let input = read(Some(&admonishment())).unwrap();
        assert_eq!(input.kind, RestrictionKind::Admonishment);
        assert_eq!(input.effective, NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        assert_eq!((input.last_day, input.basis.as_str()), (None, "区纪委〔2026〕3号"));
        assert!(input.still_affects_use);
    }

    #[test]
    fn every_bad_field_is_named_once() {
        let missing = read(None).unwrap_err();
        assert_eq!(missing.reason(), "INVALID_MEASURE");
        assert!(missing.violations().iter().any(|v| v.field == "measure"), "{missing:?}");

        let bad = types::ConductMeasure {
            source_id: String::new(),
            kind: 0,
            last_day: date(2026, 1, 31),
            basis: "文".repeat(MAX_BASIS + 1),
            ..admonishment()
        };
        let error = read(Some(&bad)).unwrap_err();
        let mut fields: Vec<&str> = error.violations().iter().map(|v| v.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["measure.basis", "measure.kind", "measure.last_day", "measure.source_id"]);
    }
}

//! Recording a finding, the same way for every entry point (the RPC, the leave feed, the demo), and showing
//! findings with what the table does not keep (the unit's name, the findings in the escalation's window).

use cadre_platform::{ApiError, DbConn, Tx};
use cadre_proto::oversight as pb;
use chrono::{Months, NaiveDate};

use crate::{
    domain::codes::FindingSource,
    events,
    store::{
        self,
        findings::{self as finding_store, FindingRow},
    },
    view,
};

/// The first day of a window of `months` that ends on `last` (both days counted).
fn window_start(last: NaiveDate, months: i32) -> NaiveDate {
    let back = u32::try_from(months.max(0)).unwrap_or(0);
    last.checked_sub_months(Months::new(back)).map_or(NaiveDate::MIN, |day| day.succ_opt().unwrap_or(day))
}

/// Records `row`: for a finding about a cadre, the step the ladder proposes for a repeat (from the decisions
/// in the policy window on the day found) is kept with it; then it is stored, named as the audit record's
/// object and published. A second finding with the same source reference is refused (`ALREADY_EXISTS`,
/// `FINDING_EXISTS`, with the first one's id in the `finding_id` metadata).
pub fn record_finding(tx: &mut Tx<'_>, mut row: FindingRow) -> Result<FindingRow, ApiError> {
    let conn = tx.conn();
    if !row.source_ref.is_empty() {
        let source = FindingSource::from_code(&row.source).ok_or_else(|| {
            ApiError::internal(format!("a finding from an unknown source {:?}", row.source))
        })?;
        if let Some(first) = finding_store::by_source_ref(conn, source, &row.source_ref)? {
            return Err(ApiError::already_exists(
                "FINDING_EXISTS",
                format!("{} already recorded {} as finding {}", row.source, row.source_ref, first.id),
            )
            .with_metadata("finding_id", first.id));
        }
    }
    row.escalation = if row.cadre_id.is_empty() {
        String::new()
    } else {
        super::escalation_for(conn, &row.cadre_id, None, row.found_on)?
            .map(|proposal| store::json(&proposal))
            .unwrap_or_default()
    };
    finding_store::insert(conn, &row)?;
    let shown = present_one(conn, &row)?;
    tx.set_object("finding", &row.id);
    events::finding_recorded(tx, shown)?;
    Ok(row)
}

/// Findings as the contract shows them, with their units' names and, for those with an escalation, how many
/// findings about the same cadre stand inside its window up to the day found (this one included).
pub fn present(conn: &mut DbConn, rows: &[FindingRow]) -> Result<Vec<pb::Finding>, ApiError> {
    let units: Vec<String> = rows.iter().map(|r| r.org_unit_id.clone()).collect();
    let names = finding_store::unit_names(conn, &units)?;
    rows.iter()
        .map(|row| {
            let mut finding = view::findings::finding(row);
            finding.org_unit_name = names.get(&row.org_unit_id).cloned().unwrap_or_default();
            if let Some(escalation) = finding.escalation.as_mut() {
                let first = window_start(row.found_on, escalation.window_months);
                escalation.findings_in_window =
                    finding_store::count_of_cadre_between(conn, &row.cadre_id, first, row.found_on)?;
            }
            Ok(finding)
        })
        .collect()
}

/// One finding as the contract shows it (see [`present`]).
pub fn present_one(conn: &mut DbConn, row: &FindingRow) -> Result<pb::Finding, ApiError> {
    present(conn, std::slice::from_ref(row))?
        .pop()
        .ok_or_else(|| ApiError::internal("a finding shown as nothing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_window_counts_back_whole_months_and_includes_its_last_day() {
        assert_eq!(window_start(d("2026-06-15"), 12), d("2025-06-16"));
        assert_eq!(window_start(d("2026-03-31"), 1), d("2026-03-01"));
        assert_eq!(window_start(d("2026-06-15"), 0), d("2026-06-16"));
        assert_eq!(window_start(d("2026-06-15"), -3), d("2026-06-16"));
    }
}

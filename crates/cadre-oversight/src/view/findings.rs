//! Findings and inspections as the contract shows them.

use cadre_platform::{clock::to_timestamp, dates::date_to};
use cadre_proto::oversight as pb;

use super::number;
use crate::{
    domain::codes::{FindingCategory, FindingSource, FindingState, InspectionState, Severity},
    store::{self, findings::FindingRow, inspections::InspectionRow},
};

/// A finding. The unit's name and the count of findings in the escalation's window are not stored with it:
/// `org_unit_name` is left empty and `findings_in_window` 0 for the caller to fill (see
/// `workflow::findings::present`).
pub fn finding(row: &FindingRow) -> pb::Finding {
    pb::Finding {
        id: row.id.clone(),
        inspection_id: row.inspection_id.clone(),
        org_unit_id: row.org_unit_id.clone(),
        org_unit_name: String::new(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        category: number!(FindingCategory, &row.category),
        severity: number!(Severity, &row.severity),
        description: row.description.clone(),
        evidence: store::strings(&row.evidence),
        responsibility_id: row.responsibility_id.clone(),
        source: number!(FindingSource, &row.source),
        source_ref: row.source_ref.clone(),
        found_on: Some(date_to(row.found_on)),
        state: number!(FindingState, &row.state),
        dismissal_reason: row.dismissal_reason.clone(),
        escalation: super::escalation(&row.escalation),
        recorded_by: row.recorded_by.clone(),
        create_time: Some(to_timestamp(row.created_at)),
    }
}

/// An inspection with its units, its inspectors and how many findings were recorded under it.
pub fn inspection(
    row: &InspectionRow,
    org_unit_ids: Vec<String>,
    inspector_cadre_ids: Vec<String>,
    finding_count: i32,
) -> pb::Inspection {
    pb::Inspection {
        id: row.id.clone(),
        title: row.title.clone(),
        categories: store::strings(&row.categories)
            .iter()
            .map(|code| number!(FindingCategory, code))
            .collect(),
        plan: row.plan.clone(),
        org_unit_ids,
        start_date: Some(date_to(row.start_date)),
        end_date: Some(date_to(row.end_date)),
        inspector_cadre_ids,
        state: number!(InspectionState, &row.state),
        summary: row.summary.clone(),
        finding_count,
        created_by: row.created_by.clone(),
        create_time: Some(to_timestamp(row.created_at)),
        close_time: row.closed_at.map(to_timestamp),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn row() -> FindingRow {
        let at = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
        FindingRow {
            id: "f1".into(),
            inspection_id: String::new(),
            org_unit_id: "u1".into(),
            cadre_id: "c1".into(),
            cadre_name: "张三".into(),
            category: "WORK_STYLE".into(),
            severity: "SERIOUS".into(),
            description: "x".into(),
            evidence: r#"["photo-1","minutes"]"#.into(),
            responsibility_id: String::new(),
            source: "MANUAL".into(),
            source_ref: String::new(),
            found_on: NaiveDate::from_ymd_opt(2026, 2, 27).unwrap(),
            state: "DISMISSED".into(),
            dismissal_reason: "not so".into(),
            escalation: String::new(),
            recorded_by: "acct".into(),
            created_at: at,
        }
    }

    #[test]
    fn codes_map_to_their_numbers_and_unknown_ones_to_unspecified() {
        let shown = finding(&row());
        assert_eq!(shown.category, pb::FindingCategory::WorkStyle as i32);
        assert_eq!(shown.severity, pb::Severity::Serious as i32);
        assert_eq!(shown.source, pb::FindingSource::Manual as i32);
        assert_eq!(shown.state, pb::FindingState::Dismissed as i32);
        assert_eq!(shown.evidence, ["photo-1", "minutes"]);
        assert_eq!(shown.escalation, None);
        let odd = finding(&FindingRow { category: "NO_SUCH".into(), state: "GONE".into(), ..row() });
        assert_eq!((odd.category, odd.state), (0, 0));
    }
}

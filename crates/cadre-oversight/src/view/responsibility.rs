//! Responsibilities and their standing as the contract shows them.

use cadre_platform::{ApiError, clock::to_timestamp, dates::date_to};
use cadre_proto::oversight as pb;
use chrono::NaiveDate;

use super::number;
use crate::{
    domain::codes::{ListKind, ResponsibilityKind},
    store::responsibility::{ResponsibilityRow, StoredItem},
};

/// A responsibility with its lists; lists stored unreadably are an internal error.
pub fn responsibility(row: &ResponsibilityRow, org_unit_name: &str) -> Result<pb::Responsibility, ApiError> {
    Ok(pb::Responsibility {
        id: row.id.clone(),
        org_unit_id: row.org_unit_id.clone(),
        org_unit_name: org_unit_name.to_owned(),
        kind: number!(ResponsibilityKind, &row.kind),
        holder_cadre_id: row.holder_cadre_id.clone(),
        holder_name: row.holder_name.clone(),
        year: row.year,
        area: row.area.clone(),
        items: row.entries()?.iter().map(item).collect(),
        version: row.version,
        update_time: Some(to_timestamp(row.updated_at)),
    })
}

/// One list entry.
pub fn item(entry: &StoredItem) -> pb::ListItem {
    pb::ListItem {
        id: entry.id.clone(),
        list: number!(ListKind, &entry.list),
        text: entry.text.clone(),
        due_date: entry.due_date.map(date_to),
        done: entry.done,
    }
}

/// How many entries are done, and how many are overdue on `today` (due before it and not done).
pub fn progress(entries: &[StoredItem], today: NaiveDate) -> (i32, i32) {
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let done = entries.iter().filter(|e| e.done).count();
    let overdue = entries.iter().filter(|e| !e.done && e.due_date.is_some_and(|due| due < today)).count();
    (count(done), count(overdue))
}

/// A responsibility's standing on `today`: its lists' progress, the findings traced to it (all, open) and
/// the decisions traced to it.
pub fn standing(
    row: &ResponsibilityRow,
    org_unit_name: &str,
    today: NaiveDate,
    findings: (i32, i32),
    decisions: i32,
) -> Result<pb::ResponsibilityStanding, ApiError> {
    let (items_done, items_overdue) = progress(&row.entries()?, today);
    Ok(pb::ResponsibilityStanding {
        responsibility: Some(responsibility(row, org_unit_name)?),
        items_done,
        items_overdue,
        findings: findings.0,
        open_findings: findings.1,
        decisions,
    })
}

/// The kinds of the four that none of `held` is.
pub fn missing_kinds(held: &[ResponsibilityKind]) -> Vec<ResponsibilityKind> {
    ResponsibilityKind::ALL.iter().copied().filter(|kind| !held.contains(kind)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn entry(due: Option<&str>, done: bool) -> StoredItem {
        StoredItem { id: "i".into(), list: "DUTY".into(), text: "t".into(), due_date: due.map(d), done }
    }

    #[test]
    fn an_entry_is_overdue_only_after_its_due_day_and_while_not_done() {
        let entries = [
            entry(Some("2026-03-09"), false),
            entry(Some("2026-03-10"), false),
            entry(Some("2026-03-01"), true),
            entry(None, false),
            entry(None, true),
        ];
        assert_eq!(progress(&entries, d("2026-03-10")), (2, 1));
        assert_eq!(progress(&entries, d("2026-03-11")), (2, 2));
        assert_eq!(progress(&[], d("2026-03-11")), (0, 0));
    }

    #[test]
    fn the_missing_kinds_are_those_nobody_holds() {
        use ResponsibilityKind::*;
        assert_eq!(missing_kinds(&[Principal, DualDuty, DualDuty]), [Supervisory, FirstResponsible]);
        assert_eq!(missing_kinds(&[]), ResponsibilityKind::ALL.to_vec());
        assert!(missing_kinds(ResponsibilityKind::ALL).is_empty());
    }

    #[test]
    fn unreadable_lists_are_an_error_not_an_empty_list() {
        let at = d("2026-03-01").and_hms_opt(9, 0, 0).unwrap();
        let row = ResponsibilityRow {
            id: "r".into(),
            org_unit_id: "u".into(),
            kind: "PRINCIPAL".into(),
            holder_cadre_id: String::new(),
            holder_name: String::new(),
            year: 2026,
            area: String::new(),
            items: "{oops".into(),
            version: 1,
            updated_by: "a".into(),
            updated_at: at,
        };
        assert_eq!(responsibility(&row, "u").unwrap_err().code(), tonic::Code::Internal);
        let good = ResponsibilityRow { items: "[]".into(), ..row };
        assert_eq!(responsibility(&good, "局").unwrap().kind, pb::ResponsibilityKind::Principal as i32);
    }
}

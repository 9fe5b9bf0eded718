//! Rectification tasks, their extension requests, the ledger (整改台账) and the counts of a unit report as
//! the contract shows them. The light is always the one on the day asked for, never a stored one.

use std::collections::BTreeMap;

use cadre_platform::{clock::to_timestamp, dates::date_to};
use cadre_proto::oversight as pb;
use chrono::NaiveDate;

use super::{day, number};
use crate::{
    domain::{
        codes::{DeadlineLight, ExtensionState, RectificationState},
        lights,
    },
    store::{
        self,
        rectification::{ExtensionRow, LedgerFact, TaskRow},
    },
};

/// The light of a task on `today`; `None` for a state code this build does not know.
pub fn light_of(
    state: &str,
    deadline: NaiveDate,
    warning_from: NaiveDate,
    today: NaiveDate,
) -> Option<DeadlineLight> {
    let state = RectificationState::from_code(state)?;
    Some(lights::light(today, warning_from, deadline, state == RectificationState::Closed))
}

/// An extension request.
pub fn extension(row: &ExtensionRow) -> pb::Extension {
    pb::Extension {
        id: row.id.clone(),
        requested_deadline: Some(date_to(row.requested_deadline)),
        reason: row.reason.clone(),
        state: number!(ExtensionState, &row.state),
        requested_by: row.requested_by.clone(),
        decided_by: row.decided_by.clone(),
        decision_note: row.decision_note.clone(),
        request_time: Some(to_timestamp(row.requested_at)),
    }
}

/// A task with its owner unit's name and its extension requests (oldest first), lit for `today`.
pub fn task(
    row: &TaskRow,
    owner_name: &str,
    extensions: &[ExtensionRow],
    today: NaiveDate,
) -> pb::RectificationTask {
    pb::RectificationTask {
        id: row.id.clone(),
        finding_id: row.finding_id.clone(),
        owner_org_unit_id: row.owner_org_unit_id.clone(),
        owner_org_unit_name: owner_name.to_owned(),
        requirement: row.requirement.clone(),
        plan: row.plan.clone(),
        evidence: store::strings(&row.evidence),
        report: row.report.clone(),
        deadline: Some(date_to(row.deadline)),
        warning_from: Some(date_to(row.warning_from)),
        state: number!(RectificationState, &row.state),
        light: light_of(&row.state, row.deadline, row.warning_from, today).map_or(0, DeadlineLight::number),
        extensions: extensions.iter().map(extension).collect(),
        returned_note: row.returned_note.clone(),
        verified_by: row.verified_by.clone(),
        closed_on: day(row.closed_on),
        created_by: row.created_by.clone(),
        create_time: Some(to_timestamp(row.created_at)),
        version: row.version,
    }
}

fn bump(count: &mut i32) {
    *count = count.saturating_add(1);
}

fn add(line: &mut pb::LedgerLine, fact: &LedgerFact, today: NaiveDate) {
    bump(&mut line.total);
    match light_of(&fact.state, fact.deadline, fact.warning_from, today) {
        Some(DeadlineLight::Green) => bump(&mut line.green),
        Some(DeadlineLight::Yellow) => bump(&mut line.yellow),
        Some(DeadlineLight::Red) => bump(&mut line.red),
        Some(DeadlineLight::Done) => {
            bump(&mut line.closed);
            if fact.closed_on.is_some_and(|closed| closed > fact.deadline) {
                bump(&mut line.closed_late);
            }
        }
        None => {}
    }
    line.pending_extensions =
        line.pending_extensions.saturating_add(i32::try_from(fact.pending_extensions).unwrap_or(i32::MAX));
}

/// The ledger over `facts` on `today`: one line per owner unit with tasks, by unit id, named by
/// `name_of`, and the lines summed (the total names no unit).
pub fn ledger(
    facts: &[LedgerFact],
    today: NaiveDate,
    name_of: impl Fn(&str) -> String,
) -> (Vec<pb::LedgerLine>, pb::LedgerLine) {
    let mut lines: BTreeMap<&str, pb::LedgerLine> = BTreeMap::new();
    let mut total = pb::LedgerLine::default();
    for fact in facts {
        let line = lines.entry(&fact.owner_org_unit_id).or_insert_with(|| pb::LedgerLine {
            org_unit_id: fact.owner_org_unit_id.clone(),
            org_unit_name: name_of(&fact.owner_org_unit_id),
            ..pb::LedgerLine::default()
        });
        add(line, fact, today);
        add(&mut total, fact, today);
    }
    (lines.into_values().collect(), total)
}

/// Counts of each code among `codes`, by code; codes that occur nowhere are left out.
pub fn counts<'a>(codes: impl IntoIterator<Item = &'a str>) -> Vec<pb::Count> {
    let mut by_code: BTreeMap<&str, i32> = BTreeMap::new();
    for code in codes {
        bump(by_code.entry(code).or_default());
    }
    by_code.into_iter().map(|(code, count)| pb::Count { code: code.to_owned(), count }).collect()
}

/// The tasks among `facts` by their light on `today`.
pub fn tasks_by_light(facts: &[LedgerFact], today: NaiveDate) -> Vec<pb::Count> {
    counts(
        facts
            .iter()
            .filter_map(|f| light_of(&f.state, f.deadline, f.warning_from, today))
            .map(DeadlineLight::code),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn fact(unit: &str, deadline: &str, warning_from: &str, state: RectificationState) -> LedgerFact {
        LedgerFact {
            owner_org_unit_id: unit.into(),
            deadline: d(deadline),
            warning_from: d(warning_from),
            state: state.code().into(),
            closed_on: None,
            pending_extensions: 0,
        }
    }

    #[test]
    fn the_ledger_counts_each_unit_and_sums_the_lines() {
        use RectificationState::*;
        let today = d("2026-06-10");
        let mut late = fact("b", "2026-06-01", "2026-05-27", Closed);
        late.closed_on = Some(d("2026-06-03"));
        let mut on_time = fact("b", "2026-06-30", "2026-06-25", Closed);
        on_time.closed_on = Some(d("2026-06-05"));
        let mut asked = fact("a", "2026-06-30", "2026-06-25", InProgress);
        asked.pending_extensions = 1;
        let facts = vec![
            asked,
            fact("a", "2026-06-12", "2026-06-09", Submitted),
            fact("a", "2026-06-09", "2026-06-04", InProgress),
            late,
            on_time,
        ];
        let (lines, total) = ledger(&facts, today, |id| format!("unit {id}"));
        let shape = |l: &pb::LedgerLine| {
            (l.total, l.green, l.yellow, l.red, l.closed, l.closed_late, l.pending_extensions)
        };
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].org_unit_id.as_str(), lines[0].org_unit_name.as_str()), ("a", "unit a"));
        assert_eq!(shape(&lines[0]), (3, 1, 1, 1, 0, 0, 1));
        assert_eq!(shape(&lines[1]), (2, 0, 0, 0, 2, 1, 0));
        assert_eq!(shape(&total), (5, 1, 1, 1, 2, 1, 1));
        assert!(total.org_unit_id.is_empty());
    }

    #[test]
    fn counts_are_by_code_and_leave_out_absent_codes() {
        let counted = counts(["OPEN", "RECTIFIED", "OPEN"]);
        let pairs: Vec<(&str, i32)> = counted.iter().map(|c| (c.code.as_str(), c.count)).collect();
        assert_eq!(pairs, [("OPEN", 2), ("RECTIFIED", 1)]);
        assert!(counts([]).is_empty());
        let today = d("2026-06-10");
        let lit = tasks_by_light(
            &[
                fact("a", "2026-06-09", "2026-06-04", RectificationState::InProgress),
                fact("a", "2026-06-08", "2026-06-03", RectificationState::Submitted),
                fact("a", "2026-06-09", "2026-06-04", RectificationState::Closed),
            ],
            today,
        );
        let pairs: Vec<(&str, i32)> = lit.iter().map(|c| (c.code.as_str(), c.count)).collect();
        assert_eq!(pairs, [("DONE", 1), ("RED", 2)]);
    }
}

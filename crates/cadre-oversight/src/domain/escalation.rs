//! 屡教不改: a cadre dealt with again within the policy window is proposed the next step of the ladder
//! (domain.md §4.5 \[I\]; the 昆明 rule counts 问责 "within a year", §4.4 \[L\]).
//!
//! Severity is the level, and among the steps of one level their order in `escalation_steps` (批评教育
//! before 责令检查), so every step can be reached; the proposal is the first step above the heaviest measure
//! in the window. Past the last step (组织调整 by default) the org
//! department's ladder ends: heavier measures are for the discipline commission, so nothing is proposed.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{codes::AccountabilityMeasure, ladder::measure_name, policy::OversightPolicy};

/// An earlier decision about the same cadre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorDecision {
    /// The decision's id.
    pub id: String,
    /// Its measure.
    pub measure: AccountabilityMeasure,
    /// The day it took effect.
    pub effective_date: NaiveDate,
}

/// The next step proposed for a repeat, with what it rests on.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Proposal {
    /// The measure proposed; `None` beyond the last step (for the discipline commission).
    pub proposed: Option<AccountabilityMeasure>,
    /// The decisions inside the window, oldest first.
    pub prior_decision_ids: Vec<String>,
    /// The window, in months.
    pub window_months: u32,
    /// Why, in words.
    pub explanation: String,
}

/// Where a measure stands: its level, then its position among the steps. A measure off the steps ranks
/// above the steps of its level, so nothing of the same level is proposed after it (no 调整职务 after a
/// 免职).
fn severity(policy: &OversightPolicy, measure: AccountabilityMeasure) -> (u8, usize) {
    let level = policy.measures.get(&measure).map_or(0, |rule| rule.level);
    (level, policy.escalation_steps.iter().position(|step| *step == measure).unwrap_or(usize::MAX))
}

/// The proposal for a cadre with `priors` on record, on `on`, optionally while `current` is being decided.
/// Priors count when they took effect within the window: after `on` less `repeat_window_months` (month-end
/// clamped) and no later than `on`. `None` without any: a first offence is not a repeat.
pub fn propose(
    policy: &OversightPolicy,
    priors: &[PriorDecision],
    current: Option<AccountabilityMeasure>,
    on: NaiveDate,
) -> Option<Proposal> {
    let window = policy.repeat_window_months;
    let after = on.checked_sub_months(Months::new(window)).unwrap_or(NaiveDate::MIN);
    let mut in_window: Vec<&PriorDecision> =
        priors.iter().filter(|p| p.effective_date > after && p.effective_date <= on).collect();
    if in_window.is_empty() {
        return None;
    }
    in_window.sort_by(|a, b| (a.effective_date, &a.id).cmp(&(b.effective_date, &b.id)));

    let heaviest = in_window.iter().map(|p| p.measure).chain(current).max_by_key(|m| severity(policy, *m))?;
    let floor = severity(policy, heaviest);
    let proposed = policy.escalation_steps.iter().copied().find(|step| severity(policy, *step) > floor);

    let names: Vec<&str> = in_window.iter().map(|p| measure_name(p.measure)).collect();
    let mut explanation = format!("{window}个月内已有{}次处理({})", in_window.len(), names.join(", "));
    if let Some(current) = current {
        explanation.push_str(&format!(", 本次拟{}", measure_name(current)));
    }
    match proposed {
        Some(step) => explanation.push_str(&format!(": 建议{}", measure_name(step))),
        None => explanation.push_str(&format!(
            ": 已至{}, 超出组织部门的问责阶梯, 更重的处理由纪委监委依规依纪依法决定",
            measure_name(heaviest)
        )),
    }
    Some(Proposal {
        proposed,
        prior_decision_ids: in_window.iter().map(|p| p.id.clone()).collect(),
        window_months: window,
        explanation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountabilityMeasure as M;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn prior(id: &str, measure: M, effective_date: NaiveDate) -> PriorDecision {
        PriorDecision { id: id.to_owned(), measure, effective_date }
    }

    #[test]
    fn a_first_offence_proposes_nothing() {
        let policy = OversightPolicy::default();
        assert_eq!(propose(&policy, &[], Some(M::ReminderTalk), d(2026, 5, 1)), None);
        assert_eq!(propose(&policy, &[], None, d(2026, 5, 1)), None);
    }

    #[test]
    fn the_window_is_twelve_months_back_exclusive() {
        let policy = OversightPolicy::default();
        let on = d(2026, 5, 1);
        // Effective exactly twelve months before: outside.
        assert_eq!(propose(&policy, &[prior("a", M::ReminderTalk, d(2025, 5, 1))], None, on), None);
        // A day later: inside.
        let inside = propose(&policy, &[prior("a", M::ReminderTalk, d(2025, 5, 2))], None, on).unwrap();
        assert_eq!(inside.proposed, Some(M::Criticism));
        assert_eq!(inside.prior_decision_ids, ["a"]);
        assert_eq!(inside.window_months, 12);
        // On the day itself: inside; after it: not yet on record.
        assert!(propose(&policy, &[prior("a", M::ReminderTalk, on)], None, on).is_some());
        assert_eq!(propose(&policy, &[prior("a", M::ReminderTalk, d(2026, 5, 2))], None, on), None);
        // Month-end: 2025-02-28 is twelve months before 2026-02-28, so it is out.
        let end = d(2026, 2, 28);
        assert_eq!(propose(&policy, &[prior("a", M::ReminderTalk, d(2025, 2, 28))], None, end), None);
        assert!(propose(&policy, &[prior("a", M::ReminderTalk, d(2025, 3, 1))], None, end).is_some());
    }

    #[test]
    fn a_repeat_goes_one_step_above_the_heaviest() {
        let policy = OversightPolicy::default();
        let on = d(2026, 5, 1);
        let priors = [prior("b", M::Criticism, d(2026, 1, 10)), prior("a", M::ReminderTalk, d(2025, 9, 1))];
        let proposal = propose(&policy, &priors, None, on).unwrap();
        assert_eq!(proposal.proposed, Some(M::WrittenReview));
        assert_eq!(proposal.prior_decision_ids, ["a", "b"]);
        assert_eq!(proposal.explanation, "12个月内已有2次处理(提醒谈话, 批评教育): 建议责令检查");

        let reviewed = [prior("a", M::WrittenReview, d(2026, 1, 10))];
        assert_eq!(propose(&policy, &reviewed, None, on).unwrap().proposed, Some(M::Circular));
        // 函询 is off the steps: the next level up. So after 停职检查 nothing of level 6 is proposed.
        let inquired = [prior("a", M::LetterInquiry, d(2026, 1, 10))];
        assert_eq!(propose(&policy, &inquired, None, on).unwrap().proposed, Some(M::Circular));
        let circulated = [prior("a", M::Circular, d(2026, 1, 10))];
        assert_eq!(propose(&policy, &circulated, None, on).unwrap().proposed, Some(M::Admonishment));
        let admonished = [prior("a", M::Admonishment, d(2026, 1, 10))];
        assert_eq!(propose(&policy, &admonished, None, on).unwrap().proposed, Some(M::PostAdjustment));
        // Old decisions outside the window do not raise the step.
        let with_old =
            [prior("a", M::Admonishment, d(2024, 1, 10)), prior("b", M::ReminderTalk, d(2026, 1, 10))];
        let proposal = propose(&policy, &with_old, None, on).unwrap();
        assert_eq!(proposal.proposed, Some(M::Criticism));
        assert_eq!(proposal.prior_decision_ids, ["b"]);
    }

    #[test]
    fn the_measure_being_decided_counts_too() {
        let policy = OversightPolicy::default();
        let priors = [prior("a", M::ReminderTalk, d(2026, 1, 10))];
        let proposal = propose(&policy, &priors, Some(M::Circular), d(2026, 5, 1)).unwrap();
        assert_eq!(proposal.proposed, Some(M::Admonishment));
        assert_eq!(proposal.explanation, "12个月内已有1次处理(提醒谈话), 本次拟通报: 建议诫勉");
    }

    #[test]
    fn beyond_the_ladder_it_is_for_the_discipline_commission() {
        let policy = OversightPolicy::default();
        let on = d(2026, 5, 1);
        for heaviest in [
            M::PostAdjustment,
            M::SuspensionForReview,
            M::RemovalFromPost,
            M::PartyWarning,
            M::JudicialReferral,
        ] {
            let priors = [prior("a", M::ReminderTalk, d(2026, 1, 10)), prior("b", heaviest, d(2026, 2, 10))];
            let proposal = propose(&policy, &priors, None, on).unwrap();
            assert_eq!(proposal.proposed, None, "{heaviest}");
            assert!(proposal.explanation.contains("纪委监委"), "{}", proposal.explanation);
            assert!(proposal.explanation.contains(measure_name(heaviest)));
        }
        // A current measure past the ladder ends it as well.
        let priors = [prior("a", M::ReminderTalk, d(2026, 1, 10))];
        assert_eq!(propose(&policy, &priors, Some(M::PartyWarning), on).unwrap().proposed, None);
    }

    #[test]
    fn the_window_is_policy() {
        let policy = OversightPolicy { repeat_window_months: 24, ..OversightPolicy::default() };
        let priors = [prior("a", M::ReminderTalk, d(2024, 6, 1))];
        let proposal = propose(&policy, &priors, None, d(2026, 5, 1)).unwrap();
        assert_eq!(proposal.window_months, 24);
        assert!(proposal.explanation.starts_with("24个月内"));
    }

    #[test]
    fn a_proposal_round_trips_as_json() {
        let policy = OversightPolicy::default();
        let proposal =
            propose(&policy, &[prior("a", M::ReminderTalk, d(2026, 1, 10))], None, d(2026, 5, 1)).unwrap();
        let json = serde_json::to_string(&proposal).unwrap();
        assert!(json.contains(r#""proposed":"CRITICISM""#), "{json}");
        assert_eq!(serde_json::from_str::<Proposal>(&json).unwrap(), proposal);
    }
}

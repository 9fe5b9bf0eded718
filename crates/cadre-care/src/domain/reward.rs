//! Rewards (公务员奖励规定 2020) and the proposals an annual result sets off (考核规定 第十九条: 优秀 →
//! 嘉奖; three consecutive 优秀 → 记三等功). The assessment service computes the consequences and
//! publishes them with the result; this service applies the ones addressed to it, revision by revision.

use super::codes::{ProposalState, RewardCategory, RewardKind};

/// The consequence code that proposes a 嘉奖.
pub const COMMENDATION_PROPOSED: &str = "COMMENDATION_PROPOSED";
/// The consequence code that proposes a 记三等功.
pub const MERIT_THIRD_CLASS_PROPOSED: &str = "MERIT_THIRD_CLASS_PROPOSED";
/// Consequence codes that call for a talk (诫勉 for 基本称职; demotion and dismissal cases for 不称职).
pub const TALK_CONSEQUENCES: &[&str] = &["ADMONISHMENT", "DEMOTION_CASE", "DISMISSAL_CASE"];

/// The reward kinds proposals are made of, in the order they are considered.
pub const PROPOSED_KINDS: &[RewardKind] = &[RewardKind::Commendation, RewardKind::MeritThirdClass];

/// The reward kind a consequence code proposes, if any.
pub fn kind_of_consequence(code: &str) -> Option<RewardKind> {
    match code {
        COMMENDATION_PROPOSED => Some(RewardKind::Commendation),
        MERIT_THIRD_CLASS_PROPOSED => Some(RewardKind::MeritThirdClass),
        _ => None,
    }
}

/// A proposal already made for the assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingProposal {
    /// Its id.
    pub id: String,
    /// Its kind.
    pub kind: RewardKind,
    /// Where it stands.
    pub state: ProposalState,
    /// The revision that made it.
    pub revision: i32,
}

/// What a published revision does to an assessment's proposals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposalAction {
    /// Propose this kind (from this revision).
    Propose(RewardKind),
    /// Withdraw this pending proposal: the revision no longer carries its consequence.
    Withdraw(String),
}

/// The actions for revision `revision` of a result whose consequences propose `wanted`, given the
/// proposals `existing` for the same assessment. A kind is proposed once: again only after a withdrawal
/// (the result came back), never after a confirmation or a decline (the org department has decided it).
/// A pending proposal the revision no longer carries is withdrawn; a decided one stays as it is.
pub fn plan(revision: i32, wanted: &[RewardKind], existing: &[ExistingProposal]) -> Vec<ProposalAction> {
    let mut actions = Vec::new();
    for kind in PROPOSED_KINDS {
        let latest = existing.iter().filter(|p| p.kind == *kind).max_by_key(|p| p.revision);
        let carried = wanted.contains(kind);
        match latest {
            None if carried => actions.push(ProposalAction::Propose(*kind)),
            Some(p) if carried && p.state == ProposalState::Withdrawn && p.revision < revision => {
                actions.push(ProposalAction::Propose(*kind));
            }
            Some(p) if !carried && p.state == ProposalState::Pending && p.revision < revision => {
                actions.push(ProposalAction::Withdraw(p.id.clone()));
            }
            _ => {}
        }
    }
    actions
}

/// Why a reward's kind and category do not fit together.
pub fn category_problem(kind: RewardKind, category: Option<RewardCategory>) -> Option<&'static str> {
    match (kind, category) {
        (RewardKind::Special, None) => Some("is required for a 特别奖励"),
        (RewardKind::Special, Some(_)) | (_, None) => None,
        (_, Some(_)) => Some("applies only to a 特别奖励"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn existing(id: &str, kind: RewardKind, state: ProposalState, revision: i32) -> ExistingProposal {
        ExistingProposal { id: id.to_owned(), kind, state, revision }
    }

    #[test]
    fn consequences_map_to_the_two_proposed_kinds() {
        assert_eq!(kind_of_consequence("COMMENDATION_PROPOSED"), Some(RewardKind::Commendation));
        assert_eq!(kind_of_consequence("MERIT_THIRD_CLASS_PROPOSED"), Some(RewardKind::MeritThirdClass));
        assert_eq!(kind_of_consequence("TENURE_REDUCED_6_MONTHS"), None);
    }

    #[test]
    fn a_first_excellent_result_proposes_a_commendation_and_a_third_run_a_merit() {
        assert_eq!(
            plan(1, &[RewardKind::Commendation], &[]),
            vec![ProposalAction::Propose(RewardKind::Commendation)]
        );
        assert_eq!(
            plan(1, &[RewardKind::Commendation, RewardKind::MeritThirdClass], &[]),
            vec![
                ProposalAction::Propose(RewardKind::Commendation),
                ProposalAction::Propose(RewardKind::MeritThirdClass)
            ]
        );
    }

    #[test]
    fn a_later_revision_carrying_the_same_consequence_proposes_nothing_more() {
        let made = [existing("p1", RewardKind::Commendation, ProposalState::Pending, 1)];
        assert!(plan(2, &[RewardKind::Commendation], &made).is_empty());
        let confirmed = [existing("p1", RewardKind::Commendation, ProposalState::Confirmed, 1)];
        assert!(plan(2, &[RewardKind::Commendation], &confirmed).is_empty());
    }

    #[test]
    fn a_revision_without_the_consequence_withdraws_only_a_pending_proposal() {
        let pending = [existing("p1", RewardKind::Commendation, ProposalState::Pending, 1)];
        assert_eq!(plan(2, &[], &pending), vec![ProposalAction::Withdraw("p1".into())]);
        let confirmed = [existing("p1", RewardKind::Commendation, ProposalState::Confirmed, 1)];
        assert!(plan(2, &[], &confirmed).is_empty(), "a reward given stays given");
        let declined = [existing("p1", RewardKind::Commendation, ProposalState::Declined, 1)];
        assert!(plan(2, &[], &declined).is_empty());
    }

    #[test]
    fn a_replayed_revision_changes_nothing() {
        let pending = [existing("p1", RewardKind::Commendation, ProposalState::Pending, 2)];
        assert!(plan(2, &[], &pending).is_empty());
        assert!(plan(2, &[RewardKind::Commendation], &pending).is_empty());
    }

    #[test]
    fn a_result_that_comes_back_is_proposed_again_after_a_withdrawal() {
        let withdrawn = [existing("p1", RewardKind::Commendation, ProposalState::Withdrawn, 2)];
        assert_eq!(
            plan(3, &[RewardKind::Commendation], &withdrawn),
            vec![ProposalAction::Propose(RewardKind::Commendation)]
        );
        let declined = [existing("p1", RewardKind::Commendation, ProposalState::Declined, 1)];
        assert!(plan(3, &[RewardKind::Commendation], &declined).is_empty());
    }

    #[test]
    fn only_special_rewards_carry_a_category() {
        assert!(category_problem(RewardKind::Special, None).is_some());
        assert!(category_problem(RewardKind::Special, Some(RewardCategory::RuralRevitalisation)).is_none());
        assert!(
            category_problem(RewardKind::Commendation, Some(RewardCategory::ProjectConstruction)).is_some()
        );
        assert!(category_problem(RewardKind::NewEraCommendation, None).is_none());
    }
}

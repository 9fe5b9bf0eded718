//! 容错 reviews under 三个区分开来 (domain.md §5.1): which decisions the four criteria allow, and which
//! body a role may decide for.

use cadre_platform::auth::Role;

use super::codes::{DecidingBody, ToleranceDecision};

/// The four criteria as checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Criteria {
    /// The decisions followed the required procedure.
    pub process_compliant: bool,
    /// No personal gain was sought (the third distinction: 谋取私利).
    pub no_personal_gain: bool,
    /// Not done after an explicit prohibition (the second distinction: 明令禁止).
    pub not_prohibited: bool,
    /// Done in good faith, to push the work (the first distinction: 明知故犯).
    pub good_faith: bool,
}

impl Criteria {
    /// The most lenient decision the criteria allow: EXEMPT needs all four; MITIGATE needs no personal
    /// gain and no prohibition (the two distinctions no circumstance excuses); anything else only REJECT.
    pub fn most_lenient(self) -> ToleranceDecision {
        if self.process_compliant && self.no_personal_gain && self.not_prohibited && self.good_faith {
            ToleranceDecision::Exempt
        } else if self.no_personal_gain && self.not_prohibited {
            ToleranceDecision::Mitigate
        } else {
            ToleranceDecision::Reject
        }
    }

    /// Whether `decision` is allowed: any decision no more lenient than [`Criteria::most_lenient`].
    pub fn allows(self, decision: ToleranceDecision) -> bool {
        let rank = |d: ToleranceDecision| match d {
            ToleranceDecision::Exempt => 2,
            ToleranceDecision::Mitigate => 1,
            ToleranceDecision::Reject => 0,
        };
        rank(decision) <= rank(self.most_lenient())
    }
}

/// The role that decides for `body`: committee members for the 区委, discipline inspectors for the
/// 纪委监委, org-department officers for the org department.
pub fn deciding_role(body: DecidingBody) -> Role {
    match body {
        DecidingBody::DistrictCommittee => Role::CommitteeMember,
        DecidingBody::DisciplineCommission => Role::DisciplineInspector,
        DecidingBody::OrgDepartment => Role::OrgOfficer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Criteria =
        Criteria { process_compliant: true, no_personal_gain: true, not_prohibited: true, good_faith: true };

    #[test]
    fn exemption_needs_all_four_criteria() {
        assert_eq!(ALL.most_lenient(), ToleranceDecision::Exempt);
        for dropped in 0..4 {
            let mut c = ALL;
            match dropped {
                0 => c.process_compliant = false,
                1 => c.no_personal_gain = false,
                2 => c.not_prohibited = false,
                _ => c.good_faith = false,
            }
            assert!(!c.allows(ToleranceDecision::Exempt), "criterion {dropped}");
            assert!(c.allows(ToleranceDecision::Reject));
        }
    }

    #[test]
    fn mitigation_needs_no_personal_gain_and_no_prohibition() {
        let careless = Criteria { process_compliant: false, good_faith: false, ..ALL };
        assert_eq!(careless.most_lenient(), ToleranceDecision::Mitigate);
        assert!(careless.allows(ToleranceDecision::Mitigate));
        let gain = Criteria { no_personal_gain: false, ..ALL };
        assert_eq!(gain.most_lenient(), ToleranceDecision::Reject);
        assert!(!gain.allows(ToleranceDecision::Mitigate));
        let prohibited = Criteria { not_prohibited: false, ..ALL };
        assert!(!prohibited.allows(ToleranceDecision::Mitigate));
        assert!(Criteria::default().allows(ToleranceDecision::Reject));
    }

    #[test]
    fn each_body_has_its_role() {
        assert_eq!(deciding_role(DecidingBody::DistrictCommittee), Role::CommitteeMember);
        assert_eq!(deciding_role(DecidingBody::DisciplineCommission), Role::DisciplineInspector);
        assert_eq!(deciding_role(DecidingBody::OrgDepartment), Role::OrgOfficer);
    }
}

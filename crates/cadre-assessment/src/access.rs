//! Who may call each assessment method. One row per RPC; the server refuses to start if a method has none.
//!
//! The table is the first gate only. Which assessments a caller sees is their data scope, applied in SQL
//! and to every single read and write alike; what a role may do to one record (a cadre signs only their
//! own result, nobody proposes their own grade, only the records keeper notes a refusal to sign) is checked
//! by the handler.

use cadre_platform::auth::{
    Callers::{Roles, RolesOrSystem},
    Role::{self, *},
    Rule,
};

/// Read cycles, assessments, routine and special assessments, each within their scope (a cadre: their own).
const READ: &[Role] =
    &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember, DisciplineInspector];
/// The reports across a unit subtree.
const REPORT: &[Role] = &[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember];
/// Run the annual assessment: open cycles, publicise, determine, decide objections and reviews.
const ORG: &[Role] = &[OrgOfficer];
/// Keep the unit's assessment records: participation facts, routine assessments, refusals to sign.
const KEEP: &[Role] = &[UnitHrOfficer, OrgOfficer];
/// Comment on and propose a person's grade.
const PROPOSE: &[Role] = &[UnitLeader, OrgOfficer];
/// The person (or the records keeper for them): the self-summary.
const SUMMARY: &[Role] = &[Cadre, UnitHrOfficer, OrgOfficer];
/// The person signs (the records keeper notes a refusal to sign).
const ACKNOWLEDGE: &[Role] = &[Cadre, UnitHrOfficer, OrgOfficer];
/// The person asks for a review (the org department records a request made on paper).
const ASK_REVIEW: &[Role] = &[Cadre, OrgOfficer];
/// Objections during publicity: anyone of the unit may raise one.
const OBJECT: &[Role] = &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember];
/// Grade a quarter: the unit's leaders and records keeper, and the org department.
const ROUTINE: &[Role] = &[UnitLeader, UnitHrOfficer, OrgOfficer];
/// Mark a follow-up task done: the unit that did it, or the org department.
const FOLLOW_UP: &[Role] = &[UnitLeader, UnitHrOfficer, OrgOfficer];
/// Record measures: the discipline inspector, the org department and the discipline-inspection system (and
/// oversight, as the suite), as in rank.
const MEASURES: &[Role] = &[DisciplineInspector, OrgOfficer, DisciplineSystem];
/// Follow the assessment feed and relist its results: rank, care and oversight as the suite, and the
/// org department and the HR system.
const WATCH: &[Role] = &[OrgOfficer, HrSystem];

macro_rules! rule {
    ($name:literal, $callers:expr) => {
        Rule::new(method!($name), $callers)
    };
}

/// The assessment service's access table.
pub const ACCESS: &[Rule] = &[
    rule!("OpenAnnualCycle", Roles(ORG)),
    rule!("GetAnnualCycle", Roles(READ)),
    rule!("ListAnnualCycles", Roles(READ)),
    rule!("ListAnnualAssessments", Roles(READ)),
    rule!("GetAnnualAssessment", Roles(READ)),
    rule!("UpdateParticipation", Roles(KEEP)),
    rule!("SubmitSelfSummary", Roles(SUMMARY)),
    rule!("ProposeGrade", Roles(PROPOSE)),
    rule!("StartPublicity", Roles(ORG)),
    rule!("RaiseObjection", Roles(OBJECT)),
    rule!("ResolveObjection", Roles(ORG)),
    rule!("DetermineGrades", Roles(ORG)),
    rule!("AcknowledgeResult", Roles(ACKNOWLEDGE)),
    rule!("RequestResultReview", Roles(ASK_REVIEW)),
    rule!("DecideResultReview", Roles(ORG)),
    rule!("CompleteDeferredAssessment", Roles(ORG)),
    rule!("CloseAnnualCycle", Roles(ORG)),
    rule!("ListAnnualResults", RolesOrSystem(WATCH)),
    rule!("RecordRoutineAssessment", Roles(ROUTINE)),
    rule!("ListRoutineAssessments", Roles(READ)),
    rule!("RecordSpecialAssessment", Roles(ORG)),
    rule!("CompleteFollowUpTask", Roles(FOLLOW_UP)),
    rule!("ListSpecialAssessments", Roles(READ)),
    rule!("RecordConductMeasure", RolesOrSystem(MEASURES)),
    rule!("GetGradeDistribution", Roles(REPORT)),
    rule!("ListMissingResults", Roles(REPORT)),
    rule!("GetAssessmentHistory", Roles(READ)),
    Rule::new("/cadre.events.v1.EventFeedService/Watch", RolesOrSystem(WATCH)),
];

#[cfg(test)]
mod tests {
    use cadre_platform::auth::AccessPolicy;

    use super::ACCESS;
    use crate::service::HEALTH_NAMES;

    #[test]
    fn every_method_has_exactly_one_rule() {
        AccessPolicy::new(HEALTH_NAMES, &[ACCESS]).expect("the access table covers the contract");
    }
}

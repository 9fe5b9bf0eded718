//! Who may call each oversight method. One row per RPC; the server refuses to start if a method has none.
//!
//! The table is the first gate only. Which records a caller sees is their data scope, applied in SQL and to
//! every single read and write alike; what a role may do to one record is checked by the handler: a
//! decision is recorded only for a body the caller speaks for and only if that body may decide the measure
//! (`BODY_NOT_AUTHORISED`), a rectification task is planned and reported by its owner unit and signed off by
//! someone else, and the negative-information pool, risk warnings and integrity opinions need the
//! discipline clearance on top of the role.

use cadre_platform::auth::{
    Callers::{Roles, RolesOrSystem},
    Clearance,
    Role::{self, *},
    Rule,
};

/// Read findings, inspections, tasks, decisions and responsibilities within scope (a cadre: their own).
const READ: &[Role] = &[
    Cadre,
    UnitLeader,
    UnitHrOfficer,
    TownOfficer,
    OrgOfficer,
    CommitteeMember,
    DisciplineInspector,
    DisciplineSystem,
];
/// Keep a unit's responsibility lists: the unit itself, the town above it, the org department and 纪委.
const RESPONSIBILITY: &[Role] = &[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, DisciplineInspector];
/// Plan and close inspections (督查): the town, the org department, the committee's 督查, 纪委.
const INSPECT: &[Role] = &[TownOfficer, OrgOfficer, CommitteeMember, DisciplineInspector];
/// Record findings: the inspectors, and the discipline-inspection system for its own.
const FIND: &[Role] = &[TownOfficer, OrgOfficer, CommitteeMember, DisciplineInspector, DisciplineSystem];
/// Assign and verify rectification, decide extensions.
const SUPERVISE: &[Role] = &[TownOfficer, OrgOfficer, DisciplineInspector];
/// The owner unit's side of a task: its plan, its report, an extension request — by the unit's own leader
/// and records keeper. Not a town's officers: they verify their villages' tasks, and nobody verifies what
/// they reported themselves.
const OWN_TASK: &[Role] = &[UnitLeader, UnitHrOfficer];
/// Record decisions: the people of the four deciding bodies and the discipline-inspection system.
const DECIDE: &[Role] = &[UnitLeader, OrgOfficer, CommitteeMember, DisciplineInspector, DisciplineSystem];
/// File 档案 material: the org department, which keeps the dossiers, and the HR system.
const ARCHIVE: &[Role] = &[OrgOfficer, HrSystem];
/// Read restrictions: whoever weighs a cadre's use, the cadre themself, the HR and discipline systems, and
/// the suite (rank's eligibility).
const RESTRICTIONS: &[Role] = &[
    Cadre,
    UnitLeader,
    UnitHrOfficer,
    TownOfficer,
    OrgOfficer,
    CommitteeMember,
    DisciplineInspector,
    HrSystem,
    DisciplineSystem,
];
/// Draft and issue circulars: the org department, the committee, 纪委.
const CIRCULATE: &[Role] = &[OrgOfficer, CommitteeMember, DisciplineInspector];
/// Read circulars: everyone they are distributed to.
const CIRCULAR_READ: &[Role] = &[
    Cadre,
    UnitLeader,
    UnitHrOfficer,
    TownOfficer,
    OrgOfficer,
    CommitteeMember,
    DisciplineInspector,
    DisciplineSystem,
];
/// Negative information, risk warnings, integrity opinions: the discipline side and those who use cadres,
/// always with the discipline clearance.
const SENSITIVE_READ: &[Role] = &[OrgOfficer, CommitteeMember, DisciplineInspector, DisciplineSystem];
/// Record negative information: the discipline side (partner agencies come in through the discipline
/// system).
const SENSITIVE_WRITE: &[Role] = &[OrgOfficer, DisciplineInspector, DisciplineSystem];
/// Ask for an integrity opinion: the org department, and the suite (the rank service for its candidates).
const OPINION_REQUEST: &[Role] = &[OrgOfficer];
/// Answer an integrity opinion: the discipline side.
const OPINION_ANSWER: &[Role] = &[DisciplineInspector, DisciplineSystem];
/// Reports over a unit subtree.
const REPORT: &[Role] =
    &[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember, DisciplineInspector];
/// Follow the oversight feed: the suite (rank and assessment keep the decisions' windows), and, with the
/// discipline clearance (the feed carries findings, decisions and the 党风廉政意见 given), the
/// discipline-inspection system, the org department and the HR system.
const WATCH: &[Role] = &[OrgOfficer, HrSystem, DisciplineSystem];

macro_rules! rule {
    ($name:literal, $callers:expr) => {
        Rule::new(method!($name), $callers)
    };
}

/// The oversight service's access table.
pub const ACCESS: &[Rule] = &[
    rule!("SetResponsibility", Roles(RESPONSIBILITY)),
    rule!("ListResponsibilities", Roles(READ)),
    rule!("GetResponsibilityView", Roles(REPORT)),
    rule!("PlanInspection", Roles(INSPECT)),
    rule!("CloseInspection", Roles(INSPECT)),
    rule!("GetInspection", Roles(READ)),
    rule!("ListInspections", Roles(READ)),
    rule!("RecordFinding", Roles(FIND)),
    rule!("GetFinding", Roles(READ)),
    rule!("ListFindings", Roles(READ)),
    rule!("DismissFinding", Roles(SUPERVISE)),
    rule!("AssignRectification", Roles(SUPERVISE)),
    rule!("SubmitRectificationPlan", Roles(OWN_TASK)),
    rule!("ReportRectification", Roles(OWN_TASK)),
    rule!("VerifyRectification", Roles(SUPERVISE)),
    rule!("RequestExtension", Roles(OWN_TASK)),
    rule!("DecideExtension", Roles(SUPERVISE)),
    rule!("GetRectification", Roles(READ)),
    rule!("ListRectifications", Roles(READ)),
    rule!("GetRectificationLedger", Roles(REPORT)),
    rule!("RecordDecision", Roles(DECIDE)),
    rule!("GetDecision", Roles(READ)),
    rule!("ListDecisions", RolesOrSystem(READ)),
    rule!("RecordArchiveFiling", Roles(ARCHIVE)),
    rule!("GetEscalationProposal", Roles(DECIDE)),
    rule!("GetRestrictions", RolesOrSystem(RESTRICTIONS)),
    rule!("BatchGetRestrictions", RolesOrSystem(RESTRICTIONS)),
    rule!("DraftCircular", Roles(CIRCULATE)),
    rule!("IssueCircular", Roles(CIRCULATE)),
    rule!("GetCircular", Roles(CIRCULAR_READ)),
    rule!("ListCirculars", Roles(CIRCULAR_READ)),
    rule!("ListCircularMentions", Roles(READ)),
    rule!("RecordNegativeInformation", Roles(SENSITIVE_WRITE)).with_clearance(Clearance::Discipline),
    rule!("ListNegativeInformation", Roles(SENSITIVE_READ)).with_clearance(Clearance::Discipline),
    rule!("GetRiskWarning", Roles(SENSITIVE_READ)).with_clearance(Clearance::Discipline),
    rule!("ListRiskWarnings", Roles(SENSITIVE_READ)).with_clearance(Clearance::Discipline),
    rule!("RequestIntegrityOpinion", RolesOrSystem(OPINION_REQUEST)),
    rule!("AnswerIntegrityOpinion", Roles(OPINION_ANSWER)).with_clearance(Clearance::Discipline),
    rule!("GetIntegrityOpinion", RolesOrSystem(SENSITIVE_READ)).with_clearance(Clearance::Discipline),
    rule!("ListIntegrityOpinions", RolesOrSystem(SENSITIVE_READ)).with_clearance(Clearance::Discipline),
    rule!("GetUnitOversightReport", Roles(REPORT)),
    rule!("GetDecisionStatistics", Roles(REPORT)),
    Rule::new("/cadre.events.v1.EventFeedService/Watch", RolesOrSystem(WATCH))
        .with_clearance(Clearance::Discipline),
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

//! Who may call each care method. One row per RPC; the server refuses to start if a method has none.
//!
//! The table is the first gate only. Which records a caller sees is their data scope, applied in SQL and
//! to every single read and write alike; what a role may do to one record is checked by the handler: a
//! cadre applies to the fund only for themself, an approver decides only the step of their role and never
//! their own application, a talk is read only by its parties and the org department
//! (`TALK_RECORD_RESTRICTED`), a health check's follow-up flag is shown only to the person and the org
//! department, and a 容错 decision is taken only for the body the caller's role decides for.

use cadre_platform::auth::{
    Callers::{Roles, RolesOrSystem},
    Role::{self, *},
    Rule,
};

/// Read records within scope (a cadre: their own).
const READ: &[Role] =
    &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember, DisciplineInspector];
/// Visits (notes on illness and loss): as [`READ`] without the discipline inspectors, whose work they are
/// not.
const VISIT_READ: &[Role] = &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember];
/// Reports over a unit subtree.
const REPORT: &[Role] = &[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember];
/// The org department's own work: rewards, the fund's money, charges, legacy decisions.
const ORG: &[Role] = &[OrgOfficer];
/// Keep the unit's care records: health checks, visits, triggers, assignments.
const KEEP: &[Role] = &[UnitLeader, UnitHrOfficer, OrgOfficer];
/// Apply to the fund: the cadre for themself, their unit for them, the org department.
const APPLY: &[Role] = &[Cadre, UnitLeader, UnitHrOfficer, OrgOfficer];
/// Read fund applications: the applicant, their unit, the approvers.
const FUND_READ: &[Role] = &[Cadre, UnitLeader, UnitHrOfficer, OrgOfficer, CommitteeMember];
/// Decide a step of an application: the unit leader, the org department, a committee member.
const FUND_DECIDE: &[Role] = &[UnitLeader, OrgOfficer, CommitteeMember];
/// Plan health checks: the unit's records keeper and the org department.
const PLAN: &[Role] = &[UnitHrOfficer, OrgOfficer];
/// Health-check records: the person (their own), the unit, the org department.
const HEALTH_READ: &[Role] = &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer];
/// Record talk triggers: the unit, the org department, the HR system (transfers, retirements).
const TALK_TRIGGER: &[Role] = &[UnitLeader, UnitHrOfficer, OrgOfficer, HrSystem];
/// Record a talk one took part in (the org department: any).
const TALK: &[Role] = &[UnitLeader, UnitHrOfficer, OrgOfficer, CommitteeMember];
/// Evaluate an assignment: the unit's leaders and the org department.
const EVALUATE: &[Role] = &[UnitLeader, OrgOfficer];
/// Open legacy cases: the org department and the HR system.
const LEGACY_OPEN: &[Role] = &[OrgOfficer, HrSystem];
/// Open 公务员登记 cases: also the unit's records keeper.
const REGISTRATION_OPEN: &[Role] = &[UnitHrOfficer, OrgOfficer, HrSystem];
/// Decide 公务员登记 cases: the org department approves, returns and rejects; whoever opens a case (the
/// unit's records keeper, the HR system) resubmits it once corrected (the handler checks which).
const REGISTRATION_DECIDE: &[Role] = &[UnitHrOfficer, OrgOfficer, HrSystem];
/// Read legacy cases.
const LEGACY_READ: &[Role] = &[UnitHrOfficer, OrgOfficer, CommitteeMember, HrSystem];
/// Keep the dossier backlog: the unit's records keeper, the org department, the HR system.
const BACKLOG: &[Role] = &[UnitHrOfficer, OrgOfficer, HrSystem];
/// Read the backlog and its burn-down.
const BACKLOG_READ: &[Role] = &[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, HrSystem];
/// Open and decide 容错 reviews: the three bodies' people.
const TOLERANCE: &[Role] = &[OrgOfficer, CommitteeMember, DisciplineInspector];
/// Read 容错 reviews: the three bodies, the person, and the discipline-inspection system.
const TOLERANCE_READ: &[Role] = &[Cadre, OrgOfficer, CommitteeMember, DisciplineInspector, DisciplineSystem];
/// Follow the care feed: the suite (rank honours exemptions), the org department and the HR system.
const WATCH: &[Role] = &[OrgOfficer, HrSystem];

macro_rules! rule {
    ($name:literal, $callers:expr) => {
        Rule::new(method!($name), $callers)
    };
}

/// The care service's access table.
pub const ACCESS: &[Rule] = &[
    rule!("RecordReward", Roles(ORG)),
    rule!("GetReward", Roles(READ)),
    rule!("ListRewards", Roles(READ)),
    rule!("ListRewardProposals", Roles(READ)),
    rule!("ConfirmRewardProposal", Roles(ORG)),
    rule!("DeclineRewardProposal", Roles(ORG)),
    rule!("RecordFundContribution", Roles(ORG)),
    rule!("SubmitFundApplication", Roles(APPLY)),
    rule!("GetFundApplication", Roles(FUND_READ)),
    rule!("ListFundApplications", Roles(FUND_READ)),
    rule!("DecideFundApplication", Roles(FUND_DECIDE)),
    rule!("DisburseFundApplication", Roles(ORG)),
    rule!("GetFundReport", Roles(REPORT)),
    rule!("SetHealthCheckPlan", Roles(PLAN)),
    rule!("ListHealthCheckPlans", Roles(READ)),
    rule!("RecordHealthCheck", Roles(KEEP)),
    rule!("ListHealthChecks", Roles(HEALTH_READ)),
    rule!("GetHealthCheckReport", Roles(REPORT)),
    rule!("RecordVisitTrigger", Roles(KEEP)),
    rule!("ListVisitTriggers", Roles(REPORT)),
    rule!("RecordVisit", Roles(KEEP)),
    rule!("ListVisits", Roles(VISIT_READ)),
    rule!("SetLeaderCharges", Roles(&[UnitHrOfficer, OrgOfficer])),
    rule!("GetLeaderCharges", Roles(READ)),
    rule!("RecordTalkTrigger", RolesOrSystem(TALK_TRIGGER)),
    rule!("ListTalkTriggers", Roles(REPORT)),
    rule!("RecordTalk", Roles(TALK)),
    rule!("GetTalk", Roles(READ)),
    rule!("ListTalks", Roles(READ)),
    rule!("ListOverdueTalks", Roles(REPORT)),
    rule!("RecordAssignment", Roles(KEEP)),
    rule!("EvaluateAssignment", Roles(EVALUATE)),
    rule!("ListAssignments", Roles(READ)),
    rule!("OpenTransferCase", RolesOrSystem(LEGACY_OPEN)),
    rule!("DecideTransferCase", Roles(ORG)),
    rule!("ListTransferCases", RolesOrSystem(LEGACY_READ)),
    rule!("OpenRegistrationCase", RolesOrSystem(REGISTRATION_OPEN)),
    rule!("DecideRegistrationCase", RolesOrSystem(REGISTRATION_DECIDE)),
    rule!("ListRegistrationCases", RolesOrSystem(LEGACY_READ)),
    rule!("RecordBacklogItem", RolesOrSystem(BACKLOG)),
    rule!("ResolveBacklogItem", RolesOrSystem(BACKLOG)),
    rule!("ListBacklogItems", RolesOrSystem(BACKLOG_READ)),
    rule!("GetBacklogBurndown", RolesOrSystem(BACKLOG_READ)),
    rule!("OpenToleranceReview", Roles(TOLERANCE)),
    rule!("DecideToleranceReview", Roles(TOLERANCE)),
    rule!("GetToleranceReview", RolesOrSystem(TOLERANCE_READ)),
    rule!("ListToleranceReviews", RolesOrSystem(TOLERANCE_READ)),
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

//! Who may call each forum method. One row per RPC; the server refuses to start if a method has none.
//!
//! The table is the first gate only. Which unit's forums and sessions a caller may act on is their data
//! scope (a unit leader or HR officer: their unit; a town officer: the town's subtree; the org department:
//! the district), checked by the handler on every write; who approves a forum is the level above it
//! (`domain::level::may_decide`), also checked by the handler.
//!
//! Forums, district plans and sessions are the district's public programme: every reading role sees every
//! forum and plan; a session is seen by those whose scope holds its forum's unit and by the people its
//! audience invites. Attendance lists, ledgers and shortfalls are about people and follow the data scope.

use cadre_platform::auth::{
    Callers::{Roles, RolesOrSystem},
    Role::{self, *},
    Rule,
};

/// Read forums, plans and sessions (a cadre: the sessions open to them).
const READ: &[Role] = &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember];
/// Propose forums, plan their years, hold sessions, open check-in, correct attendance: the unit's leaders
/// and records keeper, the town for its subtree, the org department.
const ORGANISE: &[Role] = &[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer];
/// Approve, suspend and resume forums: the same roles; the handler admits only the level above the forum
/// (the village's own town or street, or the org department).
const DECIDE: &[Role] = &[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer];
/// The district's annual plan.
const ORG: &[Role] = &[OrgOfficer];
/// Sign-in sheets: the organisers, and the HR system importing scanned sheets.
const IMPORT: &[Role] = &[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, HrSystem];
/// Check in: the person.
const SELF: &[Role] = &[Cadre];
/// Attendance lists: the organisers and the district committee.
const ATTENDANCE: &[Role] = &[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember];
/// Speakers' duties: the person, the organisers and the committee, and the suite (leave, assessment) and the
/// HR system reading who was on duty.
const DUTIES: &[Role] =
    &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember, HrSystem];
/// A ledger: the person, and those whose scope holds them.
const LEDGER: &[Role] = &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember];
/// Reports across a unit subtree.
const REPORT: &[Role] = &[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember];
/// Follow the forum feed: care and assessment as the suite, the org department and the HR system.
const WATCH: &[Role] = &[OrgOfficer, HrSystem];

macro_rules! rule {
    ($name:literal, $callers:expr) => {
        Rule::new(method!($name), $callers)
    };
}

/// The forum service's access table.
pub const ACCESS: &[Rule] = &[
    rule!("ProposeForum", Roles(ORGANISE)),
    rule!("ApproveForum", Roles(DECIDE)),
    rule!("SuspendForum", Roles(DECIDE)),
    rule!("ResumeForum", Roles(DECIDE)),
    rule!("CloseForum", Roles(ORGANISE)),
    rule!("GetForum", Roles(READ)),
    rule!("ListForums", Roles(READ)),
    rule!("SetDistrictPlan", Roles(ORG)),
    rule!("GetDistrictPlan", Roles(READ)),
    rule!("PlanForumYear", Roles(ORGANISE)),
    rule!("GetPlanCompletion", Roles(REPORT)),
    rule!("ScheduleSession", Roles(ORGANISE)),
    rule!("GetSession", Roles(READ)),
    rule!("ListSessions", Roles(READ)),
    rule!("CancelSession", Roles(ORGANISE)),
    rule!("MarkSessionHeld", Roles(ORGANISE)),
    rule!("OpenCheckIn", Roles(ORGANISE)),
    rule!("CheckIn", Roles(SELF)),
    rule!("ImportSignInSheet", Roles(IMPORT)),
    rule!("CorrectAttendance", Roles(ORGANISE)),
    rule!("ListAttendances", Roles(ATTENDANCE)),
    rule!("ListSpeakerDuties", RolesOrSystem(DUTIES)),
    rule!("GetLearningLedger", Roles(LEDGER)),
    rule!("ListLearningShortfalls", Roles(REPORT)),
    rule!("GetForumStatistics", Roles(REPORT)),
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

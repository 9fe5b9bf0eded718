//! Who may call each leave method. One row per RPC; the server refuses to start if a method has none.
//!
//! The table is the first gate only. Which requests a caller sees is their data scope, applied in SQL; who
//! decides a step is the step itself (its named approver, the deputy acting for them, or a pool's role),
//! checked by the handler; a cadre files only for themself unless they keep the unit's records.

use cadre_platform::auth::{
    Callers::{Authenticated, Roles, RolesOrSystem},
    Role::{self, *},
    Rule,
};

/// People who take leave, and those who file it for them.
const APPLY: &[Role] = &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember];
/// People who may be an approval step's assignee or a deputy acting for one. A section head may hold no
/// role beyond cadre; the step's assignment is what lets them decide.
const DECIDE: &[Role] = &[Cadre, UnitLeader, TownOfficer, OrgOfficer, CommitteeMember];
/// Read requests, balances and reports (each within their scope).
const READ: &[Role] =
    &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember, DisciplineInspector];
/// Keep the unit's leave records: balances, reporting lines, protected statuses.
const KEEP: &[Role] = &[UnitHrOfficer, OrgOfficer];
/// The district's leave policy: the calendar, types, unit settings, blackouts, 备案.
const POLICY: &[Role] = &[OrgOfficer];
/// Follow the leave feed: the oversight and assessment services, and the discipline-inspection system.
const WATCH: &[Role] = &[OrgOfficer, DisciplineInspector, DisciplineSystem, HrSystem];

macro_rules! rule {
    ($name:literal, $callers:expr) => {
        Rule::new(method!($name), $callers)
    };
}

/// The leave service's access table.
pub const ACCESS: &[Rule] = &[
    // The calendar is the suite's: other services (as themselves) count their deadlines with it.
    rule!("GetWorkCalendar", RolesOrSystem(Role::ALL)),
    rule!("SetWorkCalendar", Roles(POLICY)),
    rule!("CountWorkingDays", RolesOrSystem(Role::ALL)),
    rule!("AddWorkingDays", RolesOrSystem(Role::ALL)),
    rule!("ListLeaveTypes", Authenticated),
    rule!("UpdateLeaveType", Roles(POLICY)),
    rule!("GetUnitLeaveSettings", Roles(READ)),
    rule!("SetUnitLeaveSettings", Roles(POLICY)),
    rule!("SetReportingLine", Roles(KEEP)),
    rule!("CreateBlackoutPeriod", Roles(POLICY)),
    rule!("ListBlackoutPeriods", Authenticated),
    rule!("GetLeaveBalances", Roles(READ)),
    rule!("ListLedgerEntries", Roles(READ)),
    rule!("AdjustLeaveBalance", Roles(KEEP)),
    rule!("GrantFamilyVisitLeave", Roles(KEEP)),
    rule!("SetProtectedStatus", Roles(KEEP)),
    rule!("CreateLeaveRequest", Roles(APPLY)),
    rule!("SubmitLeaveRequest", Roles(APPLY)),
    rule!("WithdrawLeaveRequest", Roles(APPLY)),
    rule!("CancelLeaveRequest", Roles(APPLY)),
    rule!("ApproveLeaveRequest", Roles(DECIDE)),
    rule!("RejectLeaveRequest", Roles(DECIDE)),
    rule!("FileLeaveRequest", Roles(POLICY)),
    rule!("RecordLeaveReturn", Roles(APPLY)),
    rule!("ExtendLeaveRequest", Roles(APPLY)),
    rule!("GetLeaveRequest", Roles(READ)),
    rule!("ListLeaveRequests", Roles(READ)),
    rule!("ListMyApprovals", Roles(DECIDE)),
    rule!("GetLeaveForm", Roles(READ)),
    rule!("CreateTravelFiling", Roles(APPLY)),
    rule!("UpdateTravelFiling", Roles(APPLY)),
    rule!("ListTravelFilings", Roles(READ)),
    rule!("ListAbsentCadres", Roles(&[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember])),
    // The suite too: the oversight service relists the cases when its cursor on the leave feed is lost.
    rule!(
        "ListOverdueCases",
        RolesOrSystem(&[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, DisciplineInspector])
    ),
    rule!("ListUnusedAnnualLeave", Roles(&[UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer])),
    rule!("ExportLeaveLedger", Roles(KEEP)),
    Rule::new("/cadre.events.v1.EventFeedService/Watch", RolesOrSystem(WATCH)),
];

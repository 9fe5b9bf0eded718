//! Who may call each directory method. One row per RPC; the server refuses to start if a method has none.
//!
//! Which records a caller then sees is their data scope (cadres by employing or managing unit, accounts by
//! id), applied by the handlers in SQL. The org-unit tree itself is the district's public structure: every
//! authenticated caller may read it, so that a cadre can name their unit and a form can offer units.

use cadre_platform::auth::{
    Callers::{Authenticated, Roles, RolesOrSystem, System},
    Role::{self, *},
    Rule,
};

/// Read cadre records (each within their scope).
const READ_CADRES: &[Role] = &[
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
/// Keep cadre records.
const KEEP_CADRES: &[Role] = &[UnitHrOfficer, OrgOfficer, HrSystem];
/// Shape the org-unit tree: the organisation department decides the district's structure.
const KEEP_UNITS: &[Role] = &[OrgOfficer];
/// Read accounts: the administrators, and each person their own (through the cadre role's own scope).
const READ_ACCOUNTS: &[Role] = &[SecurityAdmin, SystemAdmin, AuditAdmin, Cadre];
/// Grant and withdraw access: the security administrator alone (三权分立).
const KEEP_ACCOUNTS: &[Role] = &[SecurityAdmin];
/// Follow the directory's events.
const WATCH: &[Role] = &[OrgOfficer, DisciplineInspector, HrSystem, DisciplineSystem];

macro_rules! rule {
    ($name:literal, $callers:expr) => {
        Rule::new(method!($name), $callers)
    };
}

/// The directory's access table.
pub const ACCESS: &[Rule] = &[
    rule!("ListUnitKinds", Authenticated),
    rule!("CreateOrgUnit", Roles(KEEP_UNITS)),
    rule!("GetOrgUnit", Authenticated),
    // The suite itself lists units and cadres too: services that keep a projection of the directory
    // relist from here when their place in its feed has expired.
    rule!("ListOrgUnits", RolesOrSystem(Role::ALL)),
    rule!("RenameOrgUnit", Roles(KEEP_UNITS)),
    rule!("MoveOrgUnit", Roles(KEEP_UNITS)),
    rule!("CloseOrgUnit", Roles(KEEP_UNITS)),
    rule!("GetLeadershipTeam", Roles(READ_CADRES)),
    rule!("CreateCadre", Roles(KEEP_CADRES)),
    rule!("GetCadre", Roles(READ_CADRES)),
    // The rank service tells the directory of an approved grade (as `system:rank`).
    rule!("UpdateCadre", RolesOrSystem(KEEP_CADRES)),
    rule!("SearchCadres", RolesOrSystem(READ_CADRES)),
    rule!("ListCadreChanges", Roles(READ_CADRES)),
    rule!("ImportCadres", Roles(&[OrgOfficer, HrSystem])),
    rule!("CreateAccount", Roles(KEEP_ACCOUNTS)),
    rule!("GetAccount", Roles(READ_ACCOUNTS)),
    rule!("UpdateAccount", Roles(KEEP_ACCOUNTS)),
    rule!("ListAccounts", Roles(&[SecurityAdmin, SystemAdmin, AuditAdmin])),
    rule!("ResolvePrincipal", System),
    Rule::new("/cadre.events.v1.EventFeedService/Watch", RolesOrSystem(WATCH)),
];

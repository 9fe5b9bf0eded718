//! Who may call each rank method. One row per RPC; the server refuses to start if a method has none.
//!
//! The table is the first gate only. Which cadres a caller sees is their data scope, applied in SQL over the
//! projection; who may approve a case is the authority its grade needs (domain decision 4), checked by the
//! handler; nobody decides their own case.

use cadre_platform::auth::{
    Callers::{Authenticated, Roles, RolesOrSystem},
    Role::{self, *},
    Rule,
};

/// Read rank history and eligibility: the org department and the district committee (district), unit
/// leaders and HR officers (their unit), and each cadre their own.
const READ: &[Role] = &[Cadre, UnitLeader, UnitHrOfficer, OrgOfficer, CommitteeMember];
/// Read the lists of cadres due for promotion and the quota pools.
const LIST: &[Role] = &[UnitLeader, UnitHrOfficer, OrgOfficer, CommitteeMember];
/// Read cases: those who run, approve or vet them, and the leaders of the cadre's unit.
const READ_CASES: &[Role] = &[UnitLeader, UnitHrOfficer, OrgOfficer, CommitteeMember, DisciplineInspector];
/// Run the rank work: history, pools, cases from 工作方案 to 公示.
const RUN: &[Role] = &[OrgOfficer];
/// Decide cases: the org department (主任科员 and below) and the district committee (调研员 and above).
const DECIDE: &[Role] = &[OrgOfficer, CommitteeMember];
/// Anyone who can read a 公示 may object to it.
const OBJECT: &[Role] =
    &[Cadre, UnitLeader, UnitHrOfficer, TownOfficer, OrgOfficer, CommitteeMember, DisciplineInspector];
/// Give the discipline-inspection opinion: the inspector, or the discipline-inspection system.
const VET: &[Role] = &[DisciplineInspector, DisciplineSystem];
/// Record sanctions, measures and investigations: the inspector, the org department, the systems.
const CONDUCT: &[Role] = &[DisciplineInspector, OrgOfficer, DisciplineSystem];
/// Follow the rank feed: the directory's dossier, assessment, oversight and external systems.
const WATCH: &[Role] = &[OrgOfficer, DisciplineInspector, HrSystem, DisciplineSystem];

macro_rules! rule {
    ($name:literal, $callers:expr) => {
        Rule::new(method!($name), $callers)
    };
}

/// The rank service's access table.
pub const ACCESS: &[Rule] = &[
    // The ladder is the district's published policy.
    rule!("GetLadder", Authenticated),
    rule!("GetRankHistory", Roles(READ)),
    rule!("RecordRankHolding", Roles(RUN)),
    rule!("CheckEligibility", Roles(READ)),
    rule!("ListEligibleCadres", Roles(LIST)),
    rule!("ListQuotaPools", Roles(LIST)),
    rule!("GetQuotaPool", Roles(LIST)),
    rule!("SetQuotaPool", Roles(RUN)),
    rule!("OpenPromotionCase", Roles(RUN)),
    rule!("OpenDemotionCase", Roles(RUN)),
    rule!("RecordRecommendation", Roles(RUN)),
    rule!("RecordAttestation", Roles(RUN)),
    rule!("RecordDisciplineOpinion", RolesOrSystem(VET)),
    rule!("StartCasePublicity", Roles(RUN)),
    rule!("RaiseCaseObjection", Roles(OBJECT)),
    rule!("ResolveCaseObjection", Roles(RUN)),
    rule!("ApproveCase", Roles(DECIDE)),
    rule!("RejectCase", Roles(DECIDE)),
    rule!("WithdrawCase", Roles(RUN)),
    rule!("GetCase", Roles(READ_CASES)),
    rule!("ListCases", Roles(READ_CASES)),
    rule!("RecordConductMeasure", RolesOrSystem(CONDUCT)),
    Rule::new("/cadre.events.v1.EventFeedService/Watch", RolesOrSystem(WATCH)),
];

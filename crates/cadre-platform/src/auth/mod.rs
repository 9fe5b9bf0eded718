//! Who may do what, the same way in every service.
//!
//! The gateway authenticates people and systems and forwards a short-lived principal it signs
//! ([`keys::PrincipalSigner`]). Every service verifies it ([`keys::PrincipalVerifier`]) in one tower layer
//! ([`AuthorizeLayer`]) that also checks the method's declared callers ([`access`]), so a call that bypasses
//! the gateway, or names a method nobody declared, never reaches a handler. Handlers then narrow every read
//! and write to the caller's [`DataScope`].

pub mod access;
pub mod keys;
mod layer;
mod scope;
mod system;

use serde::{Deserialize, Serialize};

pub use access::{AccessPolicy, Callers, Rule};
pub use keys::{PrincipalSigner, PrincipalVerifier};
pub use layer::{Authorize, AuthorizeLayer};
pub use scope::{DataScope, ScopeKind};
pub use system::{AnyCaller, SystemCaller};

use crate::code_enum;

/// The metadata key of the signed principal the gateway forwards. Clients never set it: the gateway refuses
/// a request that carries it.
pub const PRINCIPAL_HEADER: &str = "x-cadre-principal";
/// The metadata key of the request id the gateway assigns, echoed to the client and logged everywhere.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

code_enum!(
    /// Roles (architecture §7). The three administrator roles are mutually exclusive (三权分立).
    Role {
        /// A cadre acting for themself.
        Cadre = 1 => "cadre",
        /// Unit leader or deputy.
        UnitLeader = 2 => "unit_leader",
        /// Unit HR officer.
        UnitHrOfficer = 3 => "unit_hr_officer",
        /// Town or street officer.
        TownOfficer = 4 => "town_officer",
        /// Organisation department officer.
        OrgOfficer = 5 => "org_officer",
        /// District committee member.
        CommitteeMember = 6 => "committee_member",
        /// Discipline inspector.
        DisciplineInspector = 7 => "discipline_inspector",
        /// System administrator.
        SystemAdmin = 8 => "system_admin",
        /// Security administrator.
        SecurityAdmin = 9 => "security_admin",
        /// Audit administrator.
        AuditAdmin = 10 => "audit_admin",
        /// The HR system.
        HrSystem = 11 => "hr_system",
        /// The discipline-inspection system.
        DisciplineSystem = 12 => "discipline_system",
    }
);

code_enum!(
    /// Clearances for sensitive classes of data, on top of a role's scope.
    Clearance {
        /// Discipline-inspection material.
        Discipline = 1 => "discipline",
        /// Health records.
        Health = 2 => "health",
    }
);

impl Role {
    /// How far the role sees (architecture §7).
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::Cadre => ScopeKind::Own,
            Role::UnitLeader | Role::UnitHrOfficer => ScopeKind::Unit,
            Role::TownOfficer => ScopeKind::Subtree,
            Role::OrgOfficer
            | Role::CommitteeMember
            | Role::DisciplineInspector
            | Role::SystemAdmin
            | Role::SecurityAdmin
            | Role::AuditAdmin
            | Role::HrSystem
            | Role::DisciplineSystem => ScopeKind::District,
        }
    }

    /// Whether the role may only be exercised after a second factor, by default (configurable per district).
    pub fn privileged_by_default(self) -> bool {
        !matches!(self, Role::Cadre | Role::HrSystem | Role::DisciplineSystem)
    }
}

/// What kind of caller a principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// A person with an account.
    Person,
    /// Another system with a service account (HR, discipline inspection).
    Service,
    /// A part of the suite itself (the gateway resolving a caller, one service calling another).
    System,
}

/// The caller of one request, as the gateway vouches for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// Account id, or `system:<part>` for the suite's own calls.
    pub subject: String,
    /// Login name, for logs and audit.
    pub username: String,
    /// Person, service or system.
    pub kind: PrincipalKind,
    /// The cadre the account belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cadre_id: Option<String>,
    /// Roles in force for this call (privileged roles are left out when the session lacks a second factor).
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Ids from the district root down to the scope unit; empty for accounts without one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope_path: Vec<String>,
    /// Clearances.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clearances: Vec<Clearance>,
    /// Whether the caller proved a second factor.
    #[serde(default)]
    pub mfa: bool,
}

impl Principal {
    /// The principal of a part of the suite acting by itself.
    pub fn system(part: &str) -> Self {
        Self {
            subject: format!("system:{part}"),
            username: part.to_owned(),
            kind: PrincipalKind::System,
            cadre_id: None,
            roles: Vec::new(),
            scope_path: Vec::new(),
            clearances: Vec::new(),
            mfa: true,
        }
    }

    /// The principal of an account as the directory resolved it (`ResolvePrincipal`), with the strength of
    /// the caller's authentication. Roles in `mfa_required` are left out unless `mfa`, so a session without
    /// a second factor can still do what needs none. Unknown role and clearance numbers are dropped (fail
    /// closed).
    pub fn from_directory(
        resolved: &cadre_proto::directory::Principal,
        mfa: bool,
        mfa_required: &[Role],
    ) -> Self {
        let kind = if resolved.kind == cadre_proto::directory::AccountKind::Service as i32 {
            PrincipalKind::Service
        } else {
            PrincipalKind::Person
        };
        Self {
            subject: resolved.account_id.clone(),
            username: resolved.username.clone(),
            kind,
            cadre_id: Some(resolved.cadre_id.clone()).filter(|c| !c.is_empty()),
            roles: resolved
                .roles
                .iter()
                .filter_map(|n| Role::from_number(*n))
                .filter(|role| mfa || !mfa_required.contains(role))
                .collect(),
            scope_path: resolved.scope_unit_path.clone(),
            clearances: resolved.clearances.iter().filter_map(|n| Clearance::from_number(*n)).collect(),
            mfa,
        }
    }

    /// The scope unit, the last id of the scope path.
    pub fn scope_unit_id(&self) -> Option<&str> {
        self.scope_path.last().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadre_proto::directory as pb;

    #[test]
    fn a_resolved_account_keeps_privileged_roles_only_with_a_second_factor() {
        let resolved = pb::Principal {
            account_id: "a1".into(),
            username: "leader.t01".into(),
            kind: pb::AccountKind::Person as i32,
            cadre_id: "c1".into(),
            roles: vec![pb::Role::Cadre as i32, pb::Role::UnitLeader as i32, 99],
            scope_unit_id: "t1".into(),
            scope_unit_path: vec!["d".into(), "t1".into()],
            clearances: vec![pb::Clearance::Discipline as i32],
        };
        let strict = [Role::UnitLeader];
        let without = Principal::from_directory(&resolved, false, &strict);
        assert_eq!(without.roles, vec![Role::Cadre]);
        assert!(!without.mfa);
        let with = Principal::from_directory(&resolved, true, &strict);
        assert_eq!(with.roles, vec![Role::Cadre, Role::UnitLeader], "unknown role numbers are dropped");
        assert_eq!((with.scope_unit_id(), with.cadre_id.as_deref()), (Some("t1"), Some("c1")));
        assert_eq!(with.clearances, vec![Clearance::Discipline]);
        assert_eq!(with.kind, PrincipalKind::Person);
        for role in Role::ALL {
            assert_eq!(
                Role::from_number(cadre_proto::directory::Role::try_from(role.number()).unwrap() as i32),
                Some(*role)
            );
        }
    }
}

/// The verified caller of a request and what the method's rule grants it, put into the request's extensions
/// by [`AuthorizeLayer`] for handlers to read.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who is calling.
    pub principal: Principal,
    /// The caller's roles that the method admits.
    pub granted: Vec<Role>,
    /// What the caller may see through this method.
    pub scope: DataScope,
    /// The request id the gateway assigned, or empty.
    pub request_id: String,
}

impl Caller {
    /// The caller of `request`. A request without one never passed [`AuthorizeLayer`]; it is refused, so that
    /// a service wired without the layer fails closed.
    pub fn of<T>(request: &tonic::Request<T>) -> Result<&Caller, tonic::Status> {
        request
            .extensions()
            .get::<Caller>()
            .ok_or_else(|| tonic::Status::unauthenticated("the call carries no verified principal"))
    }
}

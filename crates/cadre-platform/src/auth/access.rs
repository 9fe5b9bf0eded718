//! Method-level access: every RPC of a service declares who may call it, in one table next to the service.
//! A method without a declaration stops the service at start-up instead of being open by default.

use std::collections::{BTreeSet, HashMap};

use prost::Message as _;

use super::{Caller, Clearance, DataScope, Principal, PrincipalKind, Role};

/// Who may call a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callers {
    /// Anyone, with no principal at all (logging in).
    Public,
    /// Any verified person or service, whatever their roles (their own session, their own password).
    Authenticated,
    /// Holders of any of these roles.
    Roles(&'static [Role]),
    /// The suite itself (the gateway resolving a caller, a service consuming another's feed).
    System,
    /// Holders of any of these roles, or the suite itself.
    RolesOrSystem(&'static [Role]),
}

/// The declaration of one method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Full gRPC path, `/package.Service/Method`.
    pub method: &'static str,
    /// Who may call it.
    pub callers: Callers,
    /// A clearance the caller needs on top of a role (sensitive classes of data).
    pub clearance: Option<Clearance>,
}

impl Rule {
    /// A rule with no clearance.
    pub const fn new(method: &'static str, callers: Callers) -> Self {
        Self { method, callers, clearance: None }
    }

    /// The same rule, also requiring `clearance`.
    pub const fn with_clearance(self, clearance: Clearance) -> Self {
        Self { clearance: Some(clearance), ..self }
    }
}

/// Why a call is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `UNAUTHENTICATED` or `PERMISSION_DENIED`.
    pub code: tonic::Code,
    /// `ErrorInfo` reason.
    pub reason: &'static str,
    /// For the caller.
    pub message: String,
}

impl Refusal {
    fn denied(reason: &'static str, message: impl Into<String>) -> Self {
        Self { code: tonic::Code::PermissionDenied, reason, message: message.into() }
    }
}

/// The rules of the services one server serves.
#[derive(Debug, Clone)]
pub struct AccessPolicy {
    rules: HashMap<&'static str, Rule>,
}

/// Every method of `service` (full name, `package.Service`) in the suite's descriptor set, as gRPC paths.
pub fn methods_of(service: &str) -> Vec<String> {
    let Ok(set) = prost_types::FileDescriptorSet::decode(cadre_proto::FILE_DESCRIPTOR_SET) else {
        return Vec::new();
    };
    let mut paths = Vec::new();
    for file in &set.file {
        for svc in &file.service {
            if format!("{}.{}", file.package(), svc.name()) == service {
                paths.extend(svc.method.iter().map(|m| format!("/{service}/{}", m.name())));
            }
        }
    }
    paths
}

impl AccessPolicy {
    /// The policy for `services`, from their rule tables. Fails when a method of those services has no rule,
    /// when a rule names a method they do not have, or when a method has two rules.
    pub fn new(services: &[&str], tables: &[&[Rule]]) -> Result<Self, String> {
        let methods: BTreeSet<String> = services.iter().flat_map(|s| methods_of(s)).collect();
        if methods.is_empty() {
            return Err(format!("no methods found for {services:?} in the descriptor set"));
        }
        let mut rules = HashMap::new();
        for rule in tables.iter().flat_map(|t| t.iter()) {
            if !methods.contains(rule.method) {
                return Err(format!("access rule for {} names no method of {services:?}", rule.method));
            }
            if rules.insert(rule.method, *rule).is_some() {
                return Err(format!("two access rules for {}", rule.method));
            }
        }
        let undeclared: Vec<&String> = methods.iter().filter(|m| !rules.contains_key(m.as_str())).collect();
        if !undeclared.is_empty() {
            return Err(format!("methods without an access rule (refused to start): {undeclared:?}"));
        }
        Ok(Self { rules })
    }

    /// The rule of a method.
    pub fn rule(&self, method: &str) -> Option<&Rule> {
        self.rules.get(method)
    }

    /// Decides a call to `method` by `principal` (already verified; `None` when the call carried none).
    /// Returns the caller as handlers will see it, or why it is refused.
    pub fn decide(&self, method: &str, principal: Option<Principal>) -> Result<Option<Caller>, Refusal> {
        let Some(rule) = self.rules.get(method) else {
            return Err(Refusal::denied("METHOD_NOT_DECLARED", format!("{method} is not open to anyone")));
        };
        let Some(principal) = principal else {
            return match rule.callers {
                Callers::Public => Ok(None),
                _ => Err(Refusal {
                    code: tonic::Code::Unauthenticated,
                    reason: "PRINCIPAL_MISSING",
                    message: "this call needs an authenticated caller; call through the gateway".into(),
                }),
            };
        };
        let system = principal.kind == PrincipalKind::System;
        let granted: Vec<Role> = match rule.callers {
            Callers::Public | Callers::Authenticated => principal.roles.clone(),
            Callers::Roles(roles) | Callers::RolesOrSystem(roles) => {
                principal.roles.iter().copied().filter(|r| roles.contains(r)).collect()
            }
            Callers::System => Vec::new(),
        };
        let admitted = match rule.callers {
            Callers::Public => true,
            Callers::Authenticated => !system,
            Callers::Roles(_) => !system && !granted.is_empty(),
            Callers::System => system,
            Callers::RolesOrSystem(_) => system || !granted.is_empty(),
        };
        if !admitted {
            return Err(Refusal::denied("ROLE_NOT_ALLOWED", format!("your roles do not allow {method}")));
        }
        if let Some(clearance) = rule.clearance
            && !system
            && !principal.clearances.contains(&clearance)
        {
            return Err(Refusal::denied(
                "CLEARANCE_REQUIRED",
                format!("{method} needs the {clearance} clearance"),
            ));
        }
        let scope = if system { DataScope::district() } else { DataScope::for_roles(&principal, &granted) };
        Ok(Some(Caller { principal, granted, scope, request_id: String::new() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: &str = "/cadre.directory.v1.DirectoryService/GetCadre";
    const RESOLVE: &str = "/cadre.directory.v1.DirectoryService/ResolvePrincipal";

    fn every_directory_method(callers: Callers) -> Vec<Rule> {
        methods_of("cadre.directory.v1.DirectoryService")
            .into_iter()
            .map(|m| Rule::new(Box::leak(m.into_boxed_str()), callers))
            .collect()
    }

    fn person(roles: &[Role]) -> Principal {
        Principal {
            roles: roles.to_vec(),
            kind: PrincipalKind::Person,
            scope_path: vec!["d".into(), "t1".into()],
            ..Principal::system("x")
        }
    }

    #[test]
    fn a_method_without_a_rule_stops_the_start() {
        let mut rules = every_directory_method(Callers::Authenticated);
        assert!(AccessPolicy::new(&["cadre.directory.v1.DirectoryService"], &[&rules]).is_ok());
        let dropped = rules.pop().unwrap();
        let error = AccessPolicy::new(&["cadre.directory.v1.DirectoryService"], &[&rules]).unwrap_err();
        assert!(error.contains(dropped.method), "{error}");
        rules.push(dropped);
        rules.push(Rule::new("/cadre.directory.v1.DirectoryService/Nope", Callers::Public));
        assert!(AccessPolicy::new(&["cadre.directory.v1.DirectoryService"], &[&rules]).is_err());
        rules.pop();
        rules.push(rules[0]);
        assert!(AccessPolicy::new(&["cadre.directory.v1.DirectoryService"], &[&rules]).is_err());
    }

    #[test]
    fn roles_clearances_and_the_system_are_told_apart() {
        let mut rules = every_directory_method(Callers::Roles(&[Role::OrgOfficer]));
        for rule in &mut rules {
            if rule.method == RESOLVE {
                rule.callers = Callers::System;
            }
            if rule.method == GET {
                *rule = rule.with_clearance(Clearance::Discipline);
            }
        }
        let policy = AccessPolicy::new(&["cadre.directory.v1.DirectoryService"], &[&rules]).unwrap();
        let list = "/cadre.directory.v1.DirectoryService/SearchCadres";

        let officer = policy.decide(list, Some(person(&[Role::OrgOfficer, Role::Cadre]))).unwrap().unwrap();
        assert_eq!(officer.granted, vec![Role::OrgOfficer], "only the roles the method admits are granted");
        assert!(officer.scope.is_district());

        let refused = policy.decide(list, Some(person(&[Role::UnitLeader]))).unwrap_err();
        assert_eq!((refused.code, refused.reason), (tonic::Code::PermissionDenied, "ROLE_NOT_ALLOWED"));
        let anonymous = policy.decide(list, None).unwrap_err();
        assert_eq!(anonymous.code, tonic::Code::Unauthenticated);

        assert!(policy.decide(RESOLVE, Some(Principal::system("gateway"))).is_ok());
        assert!(policy.decide(RESOLVE, Some(person(&[Role::OrgOfficer]))).is_err(), "people cannot resolve");
        assert!(policy.decide(list, Some(Principal::system("gateway"))).is_err(), "the system holds no role");

        let no_clearance = policy.decide(GET, Some(person(&[Role::OrgOfficer]))).unwrap_err();
        assert_eq!(no_clearance.reason, "CLEARANCE_REQUIRED");
        let cleared = Principal { clearances: vec![Clearance::Discipline], ..person(&[Role::OrgOfficer]) };
        assert!(policy.decide(GET, Some(cleared)).is_ok());
        assert_eq!(policy.decide("/x.Y/Z", None).unwrap_err().reason, "METHOD_NOT_DECLARED");
    }
}

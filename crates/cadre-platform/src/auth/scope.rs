//! Data scope: which objects a caller may see through a method, by the org unit they belong to.
//!
//! An object belongs to one or more units (a cadre to the employing and the managing unit) and perhaps to a
//! cadre. Services apply [`DataScope`] as a SQL predicate to lists and to single reads alike, so that a Get
//! and a List cannot disagree; [`DataScope::admits`] is the same rule for objects already in memory.

use super::{Principal, Role};

/// How far a role sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ScopeKind {
    /// The caller's own records.
    Own,
    /// The caller's scope unit.
    Unit,
    /// The caller's scope unit and everything below it.
    Subtree,
    /// The whole district.
    District,
}

/// What one caller may see through one method: the union of what each granted role sees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataScope {
    district: bool,
    subtree_paths: Vec<String>,
    units: Vec<String>,
    own_cadre: Option<String>,
    own_account: Option<String>,
}

impl DataScope {
    /// Everything.
    pub fn district() -> Self {
        Self { district: true, ..Self::default() }
    }

    /// Nothing at all.
    pub fn nothing() -> Self {
        Self::default()
    }

    /// The scope `roles` of `principal` give together. A role that needs a scope unit the principal lacks
    /// contributes nothing (fail closed).
    pub fn for_roles(principal: &Principal, roles: &[Role]) -> Self {
        let mut scope = Self::default();
        for role in roles {
            match role.scope_kind() {
                ScopeKind::District => scope.district = true,
                ScopeKind::Subtree => {
                    if !principal.scope_path.is_empty() {
                        scope.subtree_paths.push(unit_path(&principal.scope_path));
                    }
                }
                ScopeKind::Unit => {
                    if let Some(unit) = principal.scope_unit_id() {
                        scope.units.push(unit.to_owned());
                    }
                }
                ScopeKind::Own => {
                    scope.own_cadre.clone_from(&principal.cadre_id);
                    scope.own_account = Some(principal.subject.clone());
                }
            }
        }
        scope.subtree_paths.dedup();
        scope.units.dedup();
        scope
    }

    /// Whether the scope is the whole district (no predicate needed).
    pub fn is_district(&self) -> bool {
        self.district
    }

    /// Materialised unit paths (`/root/…/unit/`) whose whole subtree is in scope.
    pub fn subtree_paths(&self) -> &[String] {
        &self.subtree_paths
    }

    /// Unit ids in scope by themselves (not their subtree).
    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// The caller's own cadre, in scope whatever its unit.
    pub fn own_cadre(&self) -> Option<&str> {
        self.own_cadre.as_deref()
    }

    /// The caller's own account, in scope for account records.
    pub fn own_account(&self) -> Option<&str> {
        self.own_account.as_deref()
    }

    /// Whether a unit, given by its materialised path, is in scope by unit or subtree.
    pub fn admits_unit(&self, unit_path: &str) -> bool {
        self.district
            || self.subtree_paths.iter().any(|p| unit_path.starts_with(p.as_str()))
            || self.units.iter().any(|u| last_id(unit_path) == Some(u.as_str()))
    }

    /// Whether an object of `cadre_id` (if it concerns one) belonging to the units at `unit_paths` is in scope.
    pub fn admits(&self, unit_paths: &[&str], cadre_id: Option<&str>) -> bool {
        self.district
            || unit_paths.iter().any(|path| self.admits_unit(path))
            || (cadre_id.is_some() && cadre_id == self.own_cadre.as_deref())
    }
}

/// The materialised path of a unit from its ids, root first: `/a/b/c/`.
pub fn unit_path(ids: &[String]) -> String {
    let mut path = String::from("/");
    for id in ids {
        path.push_str(id);
        path.push('/');
    }
    path
}

fn last_id(path: &str) -> Option<&str> {
    path.trim_end_matches('/').rsplit('/').next().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::PrincipalKind;

    fn principal(roles: &[Role], path: &[&str], cadre: Option<&str>) -> Principal {
        Principal {
            subject: "acct-1".into(),
            username: "someone".into(),
            kind: PrincipalKind::Person,
            cadre_id: cadre.map(str::to_owned),
            roles: roles.to_vec(),
            scope_path: path.iter().map(|s| (*s).to_owned()).collect(),
            clearances: vec![],
            mfa: true,
        }
    }

    #[test]
    fn each_kind_of_scope_admits_what_it_should() {
        let town = principal(&[Role::TownOfficer], &["d", "t1"], None);
        let scope = DataScope::for_roles(&town, &town.roles);
        assert!(scope.admits_unit("/d/t1/"));
        assert!(scope.admits_unit("/d/t1/v3/"));
        assert!(!scope.admits_unit("/d/t2/"));
        assert!(!scope.admits_unit("/d/t10/"), "a sibling whose id starts alike is outside");
        assert!(!scope.admits_unit("/d/"), "the parent is outside");

        let leader = principal(&[Role::UnitLeader], &["d", "t1"], Some("c9"));
        let scope = DataScope::for_roles(&leader, &leader.roles);
        assert!(scope.admits_unit("/d/t1/"));
        assert!(!scope.admits_unit("/d/t1/v3/"), "a unit scope does not reach below the unit");
        assert!(!scope.admits(&["/d/t2/"], Some("c9")), "the leader role alone does not add own records");

        let cadre = principal(&[Role::Cadre, Role::UnitLeader], &["d", "t1"], Some("c9"));
        let own = DataScope::for_roles(&cadre, &[Role::Cadre]);
        assert!(own.admits(&["/d/t2/"], Some("c9")), "own records wherever they are");
        assert!(!own.admits(&["/d/t1/"], Some("c8")));
        assert_eq!(own.own_account(), Some("acct-1"));

        let org = principal(&[Role::OrgOfficer], &["d"], None);
        assert!(DataScope::for_roles(&org, &org.roles).admits(&["/x/"], None));
        assert!(!DataScope::nothing().admits(&["/d/"], Some("c9")));
    }

    #[test]
    fn a_scoped_role_without_a_scope_unit_sees_nothing() {
        let lost = principal(&[Role::UnitHrOfficer, Role::TownOfficer], &[], None);
        let scope = DataScope::for_roles(&lost, &lost.roles);
        assert_eq!(scope, DataScope::nothing());
    }

    #[test]
    fn paths_are_built_root_first() {
        assert_eq!(unit_path(&["a".into(), "b".into()]), "/a/b/");
        assert_eq!(last_id("/a/b/"), Some("b"));
    }
}

//! Account rules: usernames, which roles go together, and what each role needs.

use super::codes::{AccountKind, Clearance, Role};

/// Roles held by other systems, never by people.
pub const SERVICE_ROLES: &[Role] = &[Role::HrSystem, Role::DisciplineSystem];
/// The administrator roles, mutually exclusive (三权分立).
pub const ADMIN_ROLES: &[Role] = &[Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin];

/// What an account is made of, for checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountShape<'a> {
    /// Login name.
    pub username: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// Person or service.
    pub kind: AccountKind,
    /// Roles.
    pub roles: &'a [Role],
    /// Clearances.
    pub clearances: &'a [Clearance],
    /// Whether a cadre is linked.
    pub has_cadre: bool,
    /// Whether a scope unit is set.
    pub has_scope: bool,
}

/// Checks a username: 3-32 of lowercase letters, digits, `.`, `_`, `-`, starting with a letter.
pub fn check_username(username: &str) -> Result<(), &'static str> {
    let bytes = username.as_bytes();
    if !(3..=32).contains(&bytes.len()) {
        return Err("must be 3-32 characters");
    }
    if !bytes[0].is_ascii_lowercase() {
        return Err("must start with a lowercase letter");
    }
    if !bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err("must contain only lowercase letters, digits, '.', '_' and '-'");
    }
    Ok(())
}

/// Every problem with an account, as (field, description).
pub fn check_account(account: &AccountShape<'_>) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if let Err(problem) = check_username(account.username) {
        problems.push(("username", problem.to_owned()));
    }
    let display = account.display_name.trim();
    if display.is_empty() || display.chars().count() > 50 {
        problems.push(("display_name", "must be 1-50 characters".to_owned()));
    }
    if account.roles.is_empty() {
        problems.push(("roles", "at least one role is required".to_owned()));
    }
    let admin_roles = account.roles.iter().filter(|r| ADMIN_ROLES.contains(r)).count();
    if admin_roles > 1 {
        problems.push((
            "roles",
            "system, security and audit administration are separate duties: hold at most one".to_owned(),
        ));
    }
    if admin_roles > 0 && account.roles.iter().any(|r| !ADMIN_ROLES.contains(r)) {
        problems.push(("roles", "an administrator account holds no business role".to_owned()));
    }
    match account.kind {
        AccountKind::Person => {
            if account.roles.iter().any(|r| SERVICE_ROLES.contains(r)) {
                problems.push(("roles", "service roles belong to service accounts".to_owned()));
            }
            if account.roles.contains(&Role::Cadre) && !account.has_cadre {
                problems.push(("cadre_id", "the cadre role needs the account's cadre".to_owned()));
            }
        }
        AccountKind::Service => {
            if account.roles.iter().any(|r| !SERVICE_ROLES.contains(r)) {
                problems.push(("roles", "a service account holds only service roles".to_owned()));
            }
            if account.has_cadre {
                problems.push(("cadre_id", "a service account is not a cadre".to_owned()));
            }
        }
    }
    let scoped = account.roles.iter().any(|r| !ADMIN_ROLES.contains(r));
    if scoped && !account.has_scope {
        problems.push(("scope_unit_id", "these roles need a scope unit".to_owned()));
    }
    if account.clearances.contains(&Clearance::Discipline)
        && !account.roles.iter().any(|r| matches!(r, Role::DisciplineInspector | Role::DisciplineSystem))
    {
        problems.push((
            "clearances",
            "the discipline clearance goes with a discipline-inspection role".to_owned(),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape<'a>(kind: AccountKind, roles: &'a [Role], clearances: &'a [Clearance]) -> AccountShape<'a> {
        AccountShape {
            username: "zhang.san",
            display_name: "张三",
            kind,
            roles,
            clearances,
            has_cadre: true,
            has_scope: true,
        }
    }

    #[test]
    fn usernames() {
        assert!(check_username("leader.t01").is_ok());
        assert!(check_username("hr-system").is_ok());
        for bad in ["ab", "Zhang", "1abc", "zhang san", "张三abc", &"a".repeat(33)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn admin_duties_are_separate() {
        assert!(check_account(&shape(AccountKind::Person, &[Role::AuditAdmin], &[])).is_empty());
        let two = check_account(&shape(AccountKind::Person, &[Role::SystemAdmin, Role::AuditAdmin], &[]));
        assert!(two.iter().any(|(f, _)| *f == "roles"));
        let mixed = check_account(&shape(AccountKind::Person, &[Role::SecurityAdmin, Role::OrgOfficer], &[]));
        assert!(!mixed.is_empty());
    }

    #[test]
    fn service_and_person_roles_do_not_mix() {
        assert!(
            check_account(&AccountShape {
                has_cadre: false,
                ..shape(AccountKind::Service, &[Role::HrSystem], &[])
            })
            .is_empty()
        );
        assert!(!check_account(&shape(AccountKind::Person, &[Role::HrSystem], &[])).is_empty());
        assert!(!check_account(&shape(AccountKind::Service, &[Role::OrgOfficer], &[])).is_empty());
        let service_with_cadre = check_account(&shape(AccountKind::Service, &[Role::HrSystem], &[]));
        assert!(service_with_cadre.iter().any(|(f, _)| *f == "cadre_id"));
    }

    #[test]
    fn roles_need_what_they_act_on() {
        let no_cadre = AccountShape { has_cadre: false, ..shape(AccountKind::Person, &[Role::Cadre], &[]) };
        assert!(check_account(&no_cadre).iter().any(|(f, _)| *f == "cadre_id"));
        let no_scope =
            AccountShape { has_scope: false, ..shape(AccountKind::Person, &[Role::UnitLeader], &[]) };
        assert!(check_account(&no_scope).iter().any(|(f, _)| *f == "scope_unit_id"));
        let admin =
            AccountShape { has_scope: false, ..shape(AccountKind::Person, &[Role::SystemAdmin], &[]) };
        assert!(check_account(&admin).is_empty(), "administrators need no scope");
        assert!(!check_account(&shape(AccountKind::Person, &[], &[])).is_empty());
    }

    #[test]
    fn the_discipline_clearance_goes_with_discipline_roles() {
        assert!(
            check_account(&shape(
                AccountKind::Person,
                &[Role::DisciplineInspector],
                &[Clearance::Discipline]
            ))
            .is_empty()
        );
        assert!(
            !check_account(&shape(AccountKind::Person, &[Role::OrgOfficer], &[Clearance::Discipline]))
                .is_empty()
        );
    }
}

//! A forum's level follows from the kind of the unit that holds it (domain.md §7): the district holds the
//! one 大讲坛, towns, streets and district units the 小讲坛, villages and communities the 微讲坛. Each is
//! approved by the level above: a village's or community's by its own town or street (the seed: 镇（街道）
//! 就要对村（社区）建立"微讲坛"事项进行审批把关管理), every other by the org department (区委组织部).
//!
//! The district's own forum has no level above it inside the suite; the org department, which runs the
//! measure for the 区委, approves it too, so that no forum starts without a second person's decision.

/// The three levels of forum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ForumLevel {
    /// 大讲坛.
    District,
    /// 小讲坛.
    Unit,
    /// 微讲坛.
    Village,
}

impl ForumLevel {
    /// Every level, top down.
    pub const ALL: [ForumLevel; 3] = [ForumLevel::District, ForumLevel::Unit, ForumLevel::Village];

    /// The stored code, the proto enum's name without its prefix.
    pub fn code(self) -> &'static str {
        match self {
            ForumLevel::District => "DISTRICT",
            ForumLevel::Unit => "UNIT",
            ForumLevel::Village => "VILLAGE",
        }
    }

    /// The level of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|level| level.code() == code)
    }

    /// The level of the forum a unit of `kind` (the directory's unit kind code) holds; `None` for a kind
    /// that holds none (an office inside a unit, say).
    pub fn of_unit_kind(kind: &str) -> Option<Self> {
        match kind {
            "district" => Some(ForumLevel::District),
            "town" | "street" | "district_unit" => Some(ForumLevel::Unit),
            "village" | "community" => Some(ForumLevel::Village),
            _ => None,
        }
    }
}

impl std::fmt::Display for ForumLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a unit cannot hold the forum proposed for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LevelRefusal {
    /// The unit's kind holds no forum.
    KindHoldsNoForum {
        /// The unit's kind.
        kind: String,
    },
    /// The proposer expected another level than the unit's kind gives.
    Mismatch {
        /// What the proposer said.
        expected: ForumLevel,
        /// What the kind gives.
        actual: ForumLevel,
    },
}

impl LevelRefusal {
    /// The machine-readable reason.
    pub fn reason(&self) -> &'static str {
        match self {
            LevelRefusal::KindHoldsNoForum { .. } => "UNIT_KIND_HOLDS_NO_FORUM",
            LevelRefusal::Mismatch { .. } => "LEVEL_MISMATCH",
        }
    }
}

impl std::fmt::Display for LevelRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LevelRefusal::KindHoldsNoForum { kind } => write!(f, "a unit of kind {kind:?} holds no forum"),
            LevelRefusal::Mismatch { expected, actual } => {
                write!(f, "the unit's kind gives a {actual} forum, not a {expected} one")
            }
        }
    }
}

/// The level of the forum a unit of `kind` may hold, checked against the level the proposer expects.
pub fn level_for(kind: &str, expected: Option<ForumLevel>) -> Result<ForumLevel, LevelRefusal> {
    let actual = ForumLevel::of_unit_kind(kind)
        .ok_or_else(|| LevelRefusal::KindHoldsNoForum { kind: kind.to_owned() })?;
    match expected {
        Some(expected) if expected != actual => Err(LevelRefusal::Mismatch { expected, actual }),
        _ => Ok(actual),
    }
}

/// Who decides on a forum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovingLevel {
    /// The officers of this unit: the village's or community's own town or street.
    ParentUnit(String),
    /// The org department (区委组织部).
    OrgDepartment,
}

impl ApprovingLevel {
    /// The approving unit as stored: the parent unit's id, or empty for the org department.
    pub fn unit_id(&self) -> &str {
        match self {
            ApprovingLevel::ParentUnit(id) => id,
            ApprovingLevel::OrgDepartment => "",
        }
    }

    /// The approving level of a stored approving unit.
    pub fn from_unit_id(unit_id: &str) -> Self {
        if unit_id.is_empty() {
            ApprovingLevel::OrgDepartment
        } else {
            ApprovingLevel::ParentUnit(unit_id.to_owned())
        }
    }
}

/// Who decides on a forum of `level` whose owner unit's parent is `parent_unit_id`.
pub fn approving_level(level: ForumLevel, parent_unit_id: &str) -> ApprovingLevel {
    match level {
        ForumLevel::Village if !parent_unit_id.is_empty() => {
            ApprovingLevel::ParentUnit(parent_unit_id.to_owned())
        }
        // A village without a parent in the directory has no town to ask: the org department decides.
        ForumLevel::Village | ForumLevel::Unit | ForumLevel::District => ApprovingLevel::OrgDepartment,
    }
}

/// A would-be approver as the rule sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approver<'a> {
    /// Holds the org-officer role (the org department).
    pub org_officer: bool,
    /// The unit the caller is an officer of (a town officer's, unit leader's or HR officer's scope unit),
    /// when they hold such a role.
    pub officer_of: Option<&'a str>,
}

/// Whether `approver` is the level that decides on the forum: its own town or street for a village forum
/// (another town, or the org department, is not), the org department for every other.
pub fn may_decide(approving: &ApprovingLevel, approver: Approver<'_>) -> bool {
    match approving {
        ApprovingLevel::ParentUnit(parent) => approver.officer_of == Some(parent.as_str()),
        ApprovingLevel::OrgDepartment => approver.org_officer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_follows_the_unit_kind() {
        assert_eq!(ForumLevel::of_unit_kind("district"), Some(ForumLevel::District));
        for kind in ["town", "street", "district_unit"] {
            assert_eq!(ForumLevel::of_unit_kind(kind), Some(ForumLevel::Unit), "{kind}");
        }
        for kind in ["village", "community"] {
            assert_eq!(ForumLevel::of_unit_kind(kind), Some(ForumLevel::Village), "{kind}");
        }
        assert_eq!(ForumLevel::of_unit_kind("office"), None);
        assert_eq!(ForumLevel::of_unit_kind(""), None);
    }

    #[test]
    fn a_proposal_must_agree_with_the_kind() {
        assert_eq!(level_for("town", None), Ok(ForumLevel::Unit));
        assert_eq!(level_for("town", Some(ForumLevel::Unit)), Ok(ForumLevel::Unit));
        let mismatch = level_for("village", Some(ForumLevel::Unit)).unwrap_err();
        assert_eq!(mismatch.reason(), "LEVEL_MISMATCH");
        assert_eq!(
            mismatch,
            LevelRefusal::Mismatch { expected: ForumLevel::Unit, actual: ForumLevel::Village }
        );
        assert_eq!(level_for("district", Some(ForumLevel::Village)).unwrap_err().reason(), "LEVEL_MISMATCH");
        assert_eq!(level_for("office", None).unwrap_err().reason(), "UNIT_KIND_HOLDS_NO_FORUM");
    }

    #[test]
    fn codes_round_trip() {
        for level in ForumLevel::ALL {
            assert_eq!(ForumLevel::from_code(level.code()), Some(level));
        }
        assert_eq!(ForumLevel::from_code("TOWN"), None);
    }

    #[test]
    fn village_forums_go_to_their_town_and_the_others_to_the_org_department() {
        assert_eq!(approving_level(ForumLevel::Village, "t1"), ApprovingLevel::ParentUnit("t1".into()));
        assert_eq!(approving_level(ForumLevel::Unit, "d"), ApprovingLevel::OrgDepartment);
        assert_eq!(approving_level(ForumLevel::District, ""), ApprovingLevel::OrgDepartment);
        assert_eq!(approving_level(ForumLevel::Village, ""), ApprovingLevel::OrgDepartment);
        for level in [ApprovingLevel::ParentUnit("t1".into()), ApprovingLevel::OrgDepartment] {
            assert_eq!(ApprovingLevel::from_unit_id(level.unit_id()), level);
        }
    }

    #[test]
    fn only_the_level_above_decides() {
        let town = ApprovingLevel::ParentUnit("t1".into());
        let own_town = Approver { org_officer: false, officer_of: Some("t1") };
        let other_town = Approver { org_officer: false, officer_of: Some("t2") };
        let org = Approver { org_officer: true, officer_of: None };
        let village_itself = Approver { org_officer: false, officer_of: Some("t1v1") };
        assert!(may_decide(&town, own_town));
        assert!(!may_decide(&town, other_town));
        assert!(!may_decide(&town, org), "the org department is not the village forum's level above");
        assert!(!may_decide(&town, village_itself));
        let org_level = ApprovingLevel::OrgDepartment;
        assert!(may_decide(&org_level, org));
        assert!(!may_decide(&org_level, own_town), "a town does not approve its own forum");
    }
}

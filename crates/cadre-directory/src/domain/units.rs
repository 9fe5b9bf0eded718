//! The unit tree's rules: names and codes, which kind may sit under which, and moves without cycles.

/// Longest unit name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest unit code.
pub const MAX_CODE_LEN: usize = 32;

/// A kind of unit and its tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitKind {
    /// Code, e.g. `town`.
    pub code: String,
    /// Display name, e.g. `镇`.
    pub display_name: String,
    /// Tier: 0 for the district.
    pub tier: i32,
}

/// Why a tree change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeError {
    /// The kind's tier must be 0 for a root and greater than the parent's otherwise.
    KindTier {
        /// The child kind.
        kind: String,
        /// The parent kind, if any.
        parent_kind: Option<String>,
    },
    /// A move under the unit itself or its own subtree.
    Cycle,
    /// The root cannot move.
    RootMove,
    /// A unit cannot be created under, or moved under, a closed unit.
    ParentClosed,
}

impl TreeError {
    /// Machine-readable reason.
    pub fn reason(&self) -> &'static str {
        match self {
            TreeError::KindTier { .. } => "UNIT_KIND_NOT_ALLOWED_HERE",
            TreeError::Cycle => "UNIT_MOVE_CYCLE",
            TreeError::RootMove => "ROOT_UNIT_IMMOVABLE",
            TreeError::ParentClosed => "PARENT_UNIT_CLOSED",
        }
    }

    /// Short English explanation.
    pub fn message(&self) -> String {
        match self {
            TreeError::KindTier { kind, parent_kind: None } => {
                format!("a unit of kind {kind} cannot be the root of the tree")
            }
            TreeError::KindTier { kind, parent_kind: Some(parent) } => {
                format!("a unit of kind {kind} cannot sit under a unit of kind {parent}")
            }
            TreeError::Cycle => "a unit cannot move into its own subtree".to_owned(),
            TreeError::RootMove => "the district root cannot move".to_owned(),
            TreeError::ParentClosed => "the parent unit is closed".to_owned(),
        }
    }
}

/// Checks that `kind` may sit under `parent` (or be the root when `parent` is `None`).
pub fn check_placement(kind: &UnitKind, parent: Option<&UnitKind>) -> Result<(), TreeError> {
    let ok = match parent {
        None => kind.tier == 0,
        Some(parent) => kind.tier > parent.tier,
    };
    if ok {
        Ok(())
    } else {
        Err(TreeError::KindTier { kind: kind.code.clone(), parent_kind: parent.map(|p| p.code.clone()) })
    }
}

/// The path of a unit with `id` under a parent with `parent_path` (`/` for the root).
pub fn child_path(parent_path: Option<&str>, id: &str) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// The ids along a path, root first.
pub fn path_ids(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Checks a move of the unit at `unit_path` under the unit at `new_parent_path`.
pub fn check_move(unit_path: &str, is_root: bool, new_parent_path: &str) -> Result<(), TreeError> {
    if is_root {
        return Err(TreeError::RootMove);
    }
    // The unit's own path is a prefix of every path in its subtree, including its own.
    if new_parent_path.starts_with(unit_path) {
        return Err(TreeError::Cycle);
    }
    Ok(())
}

/// Checks a unit name; returns the trimmed name or a description of the problem.
pub fn normalize_name(name: &str) -> Result<String, &'static str> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("must not be empty");
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err("must be at most 100 characters");
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(trimmed.to_owned())
}

/// Checks a unit code: 1-32 of letters, digits, `-` and `_`.
pub fn check_code(code: &str) -> Result<(), &'static str> {
    if code.is_empty() || code.len() > MAX_CODE_LEN {
        return Err("must be 1-32 characters");
    }
    if !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err("must contain only letters, digits, '-' and '_'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(code: &str, tier: i32) -> UnitKind {
        UnitKind { code: code.into(), display_name: code.into(), tier }
    }

    #[test]
    fn kinds_sit_below_higher_tiers_only() {
        let (district, town, village) = (kind("district", 0), kind("town", 1), kind("village", 2));
        assert!(check_placement(&district, None).is_ok());
        assert!(check_placement(&town, Some(&district)).is_ok());
        assert!(check_placement(&village, Some(&town)).is_ok());
        assert!(check_placement(&village, Some(&district)).is_ok(), "skipping a tier is allowed");
        assert_eq!(check_placement(&town, None).unwrap_err().reason(), "UNIT_KIND_NOT_ALLOWED_HERE");
        assert!(check_placement(&town, Some(&village)).is_err());
        assert!(check_placement(&town, Some(&kind("street", 1))).is_err(), "same tier");
    }

    #[test]
    fn moves_into_the_own_subtree_are_cycles() {
        let unit = child_path(Some("/r/"), "a");
        assert_eq!(unit, "/r/a/");
        assert_eq!(check_move(&unit, false, "/r/a/"), Err(TreeError::Cycle), "under itself");
        assert_eq!(check_move(&unit, false, "/r/a/b/c/"), Err(TreeError::Cycle), "under a descendant");
        assert_eq!(check_move(&unit, false, "/r/ab/"), Ok(()), "a sibling whose id shares a prefix");
        assert_eq!(check_move(&unit, false, "/r/"), Ok(()));
        assert_eq!(check_move("/r/", true, "/x/"), Err(TreeError::RootMove));
        assert_eq!(path_ids("/r/a/b/"), vec!["r", "a", "b"]);
    }

    #[test]
    fn names_and_codes_are_checked() {
        assert_eq!(normalize_name("  城关镇 ").unwrap(), "城关镇");
        assert!(normalize_name("   ").is_err());
        assert!(normalize_name(&"镇".repeat(101)).is_err());
        assert!(normalize_name(&"镇".repeat(100)).is_ok());
        assert!(normalize_name("a\u{7}b").is_err());
        assert!(check_code("T01-V_2").is_ok());
        assert!(check_code("").is_err());
        assert!(check_code("has space").is_err());
        assert!(check_code(&"x".repeat(33)).is_err());
    }
}

//! Every number of the forum rules, with the keys under which the service keeps them as versioned policy
//! values (`policy_values`: key, effective_from, value, source_ref). No national regulation governs the
//! forums (domain.md §7): every value is a local default, changed by the district without a release.
//!
//! [`DEFAULT_POLICY`] lists each key with its default and source; the migration seeds it and a test checks
//! that it parses back to [`ForumPolicy::default`]. A year's minimums set by the district in its plan
//! (`SetDistrictPlan`) take precedence over the defaults here.

use super::plan::Minimums;

/// The forum policy in force on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForumPolicy {
    /// Minutes before the start that check-in opens.
    pub check_in_opens_before: u32,
    /// Minutes after the end that check-in closes.
    pub check_in_closes_after: u32,
    /// Learning minutes each cadre should have a year.
    pub quota_minutes: u32,
    /// Minimum sessions per level when the district set no plan for the year.
    pub minimums: Minimums,
    /// A speaker's teaching credit, in percent of the session's learning minutes.
    pub teaching_credit_percent: u32,
}

impl Default for ForumPolicy {
    fn default() -> Self {
        Self {
            check_in_opens_before: 30,
            check_in_closes_after: 30,
            quota_minutes: 720,
            minimums: Minimums { district: 6, unit: 4, village: 2 },
            teaching_credit_percent: 100,
        }
    }
}

/// The policy keys with their default values and sources: `(key, value, source_ref)`, as the migration
/// seeds them.
pub const DEFAULT_POLICY: &[(&str, &str, &str)] = &[
    (
        "forum.check_in.opens_before_minutes",
        "30",
        "local default [I]: check-in opens 30 minutes before the start",
    ),
    (
        "forum.check_in.closes_after_minutes",
        "30",
        "local default [I]: check-in closes 30 minutes after the end",
    ),
    (
        "forum.learning.quota_minutes",
        "720",
        "local default [L]: 12 learning hours a year per cadre from the forums; confirm with 组织部",
    ),
    (
        "forum.minimum_sessions.DISTRICT",
        "6",
        "local default [L]: the 大讲坛 at least every other month, unless the year's plan says otherwise",
    ),
    (
        "forum.minimum_sessions.UNIT",
        "4",
        "local default [L]: each 小讲坛 at least once a quarter, unless the year's plan says otherwise",
    ),
    (
        "forum.minimum_sessions.VILLAGE",
        "2",
        "local default [L]: each 微讲坛 at least twice a year, unless the year's plan says otherwise",
    ),
    (
        "forum.teaching.credit_percent",
        "100",
        "local default [I]: a speaker is credited the session's learning minutes for teaching it",
    ),
];

/// A policy value that is missing or does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError<E> {
    /// The lookup failed (no value in force, or the store failed).
    Lookup {
        /// The key.
        key: &'static str,
        /// What the lookup said.
        error: E,
    },
    /// The value is not a whole number.
    Invalid {
        /// The key.
        key: &'static str,
        /// The value.
        value: String,
    },
}

impl<E: std::fmt::Display> std::fmt::Display for PolicyError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyError::Lookup { key, error } => write!(f, "policy {key}: {error}"),
            PolicyError::Invalid { key, value } => {
                write!(f, "policy {key} = {value:?} is not a whole number")
            }
        }
    }
}

impl ForumPolicy {
    /// Reads the policy through `value_of` (the value of a key in force on the day that matters).
    pub fn from_values<E>(
        mut value_of: impl FnMut(&'static str) -> Result<String, E>,
    ) -> Result<Self, PolicyError<E>> {
        let mut number = |key: &'static str| -> Result<u32, PolicyError<E>> {
            let value = value_of(key).map_err(|error| PolicyError::Lookup { key, error })?;
            value.trim().parse().map_err(|_| PolicyError::Invalid { key, value })
        };
        Ok(Self {
            check_in_opens_before: number("forum.check_in.opens_before_minutes")?,
            check_in_closes_after: number("forum.check_in.closes_after_minutes")?,
            quota_minutes: number("forum.learning.quota_minutes")?,
            minimums: Minimums {
                district: number("forum.minimum_sessions.DISTRICT")?,
                unit: number("forum.minimum_sessions.UNIT")?,
                village: number("forum.minimum_sessions.VILLAGE")?,
            },
            teaching_credit_percent: number("forum.teaching.credit_percent")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn read(values: &BTreeMap<&'static str, String>) -> Result<ForumPolicy, PolicyError<String>> {
        ForumPolicy::from_values(|key| values.get(key).cloned().ok_or_else(|| "missing".to_owned()))
    }

    #[test]
    fn the_seed_is_the_default_policy_each_key_once_with_a_source() {
        let seed: BTreeMap<&'static str, String> =
            DEFAULT_POLICY.iter().map(|(k, v, _)| (*k, (*v).to_owned())).collect();
        assert_eq!(seed.len(), DEFAULT_POLICY.len(), "a key is listed twice");
        assert!(DEFAULT_POLICY.iter().all(|(_, _, source)| !source.is_empty()));
        assert_eq!(read(&seed), Ok(ForumPolicy::default()));
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut seed: BTreeMap<&'static str, String> =
            DEFAULT_POLICY.iter().map(|(k, v, _)| (*k, (*v).to_owned())).collect();
        seed.insert("forum.learning.quota_minutes", "twelve hours".into());
        assert_eq!(
            read(&seed),
            Err(PolicyError::Invalid { key: "forum.learning.quota_minutes", value: "twelve hours".into() })
        );
        seed.remove("forum.teaching.credit_percent");
        seed.insert("forum.learning.quota_minutes", "600".into());
        assert!(matches!(read(&seed), Err(PolicyError::Lookup { key: "forum.teaching.credit_percent", .. })));
    }
}

//! The annual plan: the district sets each level's minimum number of sessions for a year, each forum plans
//! its sessions (a plan below its level's minimum is flagged short), and completion — held against planned
//! and against the minimum — rolls up the unit tree, so a town's figures include its villages' forums.

use std::collections::{BTreeMap, HashMap};

use super::ForumLevel;

/// The minimum sessions per year of each level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minimums {
    /// The 大讲坛.
    pub district: u32,
    /// Each 小讲坛.
    pub unit: u32,
    /// Each 微讲坛.
    pub village: u32,
}

impl Minimums {
    /// The minimum of `level`.
    pub fn of(&self, level: ForumLevel) -> u32 {
        match level {
            ForumLevel::District => self.district,
            ForumLevel::Unit => self.unit,
            ForumLevel::Village => self.village,
        }
    }
}

/// Whether a plan of `planned` sessions falls short of `minimum`.
pub fn is_short(planned: u32, minimum: u32) -> bool {
    planned < minimum
}

/// `part / whole` in basis points (10 000 = 100 %), rounded down; 0 when `whole` is 0. Above 100 % is kept
/// (a forum that held more than planned shows it).
pub fn basis_points(part: u64, whole: u64) -> u32 {
    if whole == 0 {
        return 0;
    }
    u32::try_from(part.saturating_mul(10_000) / whole).unwrap_or(u32::MAX)
}

/// One forum's figures for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForumFigures {
    /// The unit that holds it.
    pub owner_unit_id: String,
    /// Sessions planned (a forum without a plan counts its minimum: nothing more was promised).
    pub planned: u32,
    /// Its level's minimum.
    pub minimum: u32,
    /// Sessions held.
    pub held: u32,
}

impl ForumFigures {
    /// A forum's figures from its plan (if any), its level's minimum and the sessions held.
    pub fn new(owner_unit_id: &str, plan: Option<u32>, minimum: u32, held: u32) -> Self {
        Self { owner_unit_id: owner_unit_id.to_owned(), planned: plan.unwrap_or(minimum), minimum, held }
    }
}

/// A unit's figures with its whole subtree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Forums.
    pub forums: u32,
    /// Sessions planned.
    pub planned: u32,
    /// Minimums.
    pub minimum: u32,
    /// Sessions held.
    pub held: u32,
    /// Forums whose plan is short.
    pub short_plans: u32,
}

impl Totals {
    fn add(&mut self, forum: &ForumFigures) {
        self.forums += 1;
        self.planned += forum.planned;
        self.minimum += forum.minimum;
        self.held += forum.held;
        self.short_plans += u32::from(is_short(forum.planned, forum.minimum));
    }

    /// held / planned in basis points.
    pub fn planned_completion_bp(&self) -> u32 {
        basis_points(u64::from(self.held), u64::from(self.planned))
    }

    /// held / minimum in basis points.
    pub fn minimum_completion_bp(&self) -> u32 {
        basis_points(u64::from(self.held), u64::from(self.minimum))
    }
}

/// Each unit's totals over its subtree. `parents` maps every unit of the tree to its parent (empty for a
/// root); a forum counts for its owner and every ancestor of it. Units without a forum below them are left
/// out. A forum whose owner is not in `parents` counts for its owner alone.
pub fn roll_up(parents: &HashMap<String, String>, forums: &[ForumFigures]) -> BTreeMap<String, Totals> {
    let mut totals: BTreeMap<String, Totals> = BTreeMap::new();
    for forum in forums {
        let mut unit = forum.owner_unit_id.clone();
        // The depth bound stops a cycle in bad data from looping for ever.
        for _ in 0..=parents.len() {
            totals.entry(unit.clone()).or_default().add(forum);
            match parents.get(&unit) {
                Some(parent) if !parent.is_empty() => unit = parent.clone(),
                _ => break,
            }
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_below_the_minimum_are_short() {
        let minimums = Minimums { district: 6, unit: 4, village: 2 };
        assert_eq!(minimums.of(ForumLevel::Unit), 4);
        assert!(is_short(3, minimums.of(ForumLevel::Unit)));
        assert!(!is_short(4, minimums.of(ForumLevel::Unit)));
        assert!(!is_short(2, minimums.of(ForumLevel::Village)));
        assert!(is_short(5, minimums.of(ForumLevel::District)));
    }

    #[test]
    fn ratios_are_basis_points_rounded_down() {
        assert_eq!(basis_points(1, 3), 3333);
        assert_eq!(basis_points(3, 3), 10_000);
        assert_eq!(basis_points(5, 4), 12_500);
        assert_eq!(basis_points(5, 0), 0);
    }

    #[test]
    fn a_towns_figures_include_its_villages() {
        let parents: HashMap<String, String> =
            [("d", ""), ("t1", "d"), ("t1v1", "t1"), ("t1v2", "t1"), ("t2", "d"), ("u1", "d")]
                .into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect();
        let forums = vec![
            ForumFigures::new("d", Some(6), 6, 3),
            ForumFigures::new("t1", Some(4), 4, 4),
            ForumFigures::new("t1v1", Some(1), 2, 1),
            ForumFigures::new("t1v2", None, 2, 2),
            ForumFigures::new("u1", Some(8), 4, 2),
        ];
        let totals = roll_up(&parents, &forums);
        let t1 = totals["t1"];
        assert_eq!(t1, Totals { forums: 3, planned: 7, minimum: 8, held: 7, short_plans: 1 });
        assert_eq!(t1.planned_completion_bp(), 10_000);
        assert_eq!(t1.minimum_completion_bp(), 8750);
        assert_eq!(totals["t1v2"], Totals { forums: 1, planned: 2, minimum: 2, held: 2, short_plans: 0 });
        let d = totals["d"];
        assert_eq!(d, Totals { forums: 5, planned: 21, minimum: 18, held: 12, short_plans: 1 });
        assert!(!totals.contains_key("t2"), "a unit with no forum below it is left out");
        assert_eq!(totals["u1"].planned_completion_bp(), 2500);
    }

    #[test]
    fn a_cycle_in_bad_data_ends() {
        let parents: HashMap<String, String> =
            [("a", "b"), ("b", "a")].into_iter().map(|(a, b)| (a.to_owned(), b.to_owned())).collect();
        let totals = roll_up(&parents, &[ForumFigures::new("a", Some(1), 1, 1)]);
        assert!(totals["a"].forums >= 1 && totals["b"].forums >= 1);
    }
}

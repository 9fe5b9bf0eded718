//! 职数比例 (domain.md §1.7 \[S\]): how many of a pool's 综合管理类 posts may hold each grade.
//!
//! A pool is a 机关 or, where a 机关 is too small to approve on its own, a district pool; the 领导班子 are
//! pooled separately. Each pool has a headcount (在编公务员 of 综合管理类) and a set of caps. A cap bounds
//! the holders of some grades to a share either of the headcount or of another cap's limit (三级调研员 ≤ 40%
//! of the 三级+四级 职数). Limits are whole posts, rounded as policy says: `Floor` by default, because a
//! quota that rounds up can be exceeded.

use std::{collections::BTreeMap, fmt, str::FromStr};

use cadre_platform::code_enum;
use serde::{Deserialize, Serialize};

use super::ladder::{DistrictType, Grade, UnitClass};

code_enum!(
    /// How a share of a headcount becomes a whole number of posts.
    Rounding {
        /// Round down: a quota can never be exceeded (default \[I\]).
        Floor = 1 => "FLOOR",
        /// 四舍五入: halves round up.
        HalfUp = 2 => "HALF_UP",
        /// 进一法: any fraction rounds up.
        Ceil = 3 => "CEIL",
    }
);

impl Rounding {
    /// `base × basis_points / 10000`, rounded.
    pub fn share(self, base: u32, basis_points: u32) -> u32 {
        let product = u64::from(base) * u64::from(basis_points);
        let whole = product / 10_000;
        let rest = product % 10_000;
        let rounded = match self {
            Self::Floor => whole,
            Self::HalfUp => whole + u64::from(rest >= 5_000),
            Self::Ceil => whole + u64::from(rest > 0),
        };
        u32::try_from(rounded).unwrap_or(u32::MAX)
    }
}

code_enum!(
    /// Which table of §1.7 a district's 机关 follow.
    QuotaTable {
        /// 县级 and 乡镇机关.
        County = 1 => "COUNTY",
        /// 市（地）级机关.
        City = 2 => "CITY",
    }
);

/// What a cap's percentage is a share of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Basis {
    /// The pool's 综合管理类 headcount.
    Headcount,
    /// The limit of another cap of the same pool, by code.
    Cap(String),
}

/// One ratio limit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cap {
    /// A stable code for reports and refusals, e.g. `RESEARCHER_3_4`.
    pub code: String,
    /// The grades whose holders the cap counts together.
    pub grades: Vec<Grade>,
    /// The share, in basis points (200 = 2%).
    pub basis_points: u32,
    /// What the share is of.
    pub of: Basis,
}

impl Cap {
    /// A cap on a share of the headcount.
    pub fn of_headcount(code: &str, grades: &[Grade], basis_points: u32) -> Cap {
        Cap { code: code.to_owned(), grades: grades.to_vec(), basis_points, of: Basis::Headcount }
    }

    /// A cap on a share of another cap's limit.
    pub fn of_cap(code: &str, grades: &[Grade], basis_points: u32, base: &str) -> Cap {
        Cap { code: code.to_owned(), grades: grades.to_vec(), basis_points, of: Basis::Cap(base.to_owned()) }
    }

    /// The policy text of the cap without its code: `"<GRADE>+<GRADE>:<basis points>:<HEADCOUNT|cap code>"`.
    pub fn spec(&self) -> String {
        let grades: Vec<&str> = self.grades.iter().map(|g| g.code()).collect();
        let of = match &self.of {
            Basis::Headcount => "HEADCOUNT",
            Basis::Cap(code) => code.as_str(),
        };
        format!("{}:{}:{of}", grades.join("+"), self.basis_points)
    }

    /// Parses [`Cap::spec`]'s form.
    pub fn parse_spec(code: &str, spec: &str) -> Result<Cap, String> {
        let bad = || format!("{spec:?} is not a cap \"<GRADE>+<GRADE>:<basis points>:<HEADCOUNT|cap code>\"");
        let mut parts = spec.trim().split(':');
        let (Some(grades), Some(bp), Some(of), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let grades = grades
            .split('+')
            .map(|g| Grade::from_code(g.trim()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        let basis_points = bp.trim().parse().map_err(|_| bad())?;
        let of = match of.trim() {
            "HEADCOUNT" => Basis::Headcount,
            "" => return Err(bad()),
            other => Basis::Cap(other.to_owned()),
        };
        Ok(Cap { code: code.to_owned(), grades, basis_points, of })
    }
}

/// Why a set of caps cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaConfigError {
    /// Two caps share a code.
    #[error("cap code {0} appears twice")]
    DuplicateCode(String),
    /// A cap is a share of a cap that does not exist.
    #[error("cap {cap} is a share of unknown cap {base}")]
    UnknownBase {
        /// The cap.
        cap: String,
        /// The missing base.
        base: String,
    },
    /// Caps refer to each other in a circle.
    #[error("caps {0:?} refer to each other in a circle")]
    Cycle(Vec<String>),
    /// A cap counts no grade.
    #[error("cap {0} counts no grade")]
    NoGrades(String),
}

/// A pool's caps, validated: codes unique, every base exists, no circles. Limits resolve in dependency order
/// whatever order the caps were given in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaCaps {
    caps: Vec<Cap>,
    rounding: Rounding,
    /// Indices into `caps`, bases before the caps that depend on them.
    order: Vec<usize>,
}

impl QuotaCaps {
    /// Validates a set of caps.
    pub fn new(caps: Vec<Cap>, rounding: Rounding) -> Result<QuotaCaps, QuotaConfigError> {
        let mut index = BTreeMap::new();
        for (i, cap) in caps.iter().enumerate() {
            if cap.grades.is_empty() {
                return Err(QuotaConfigError::NoGrades(cap.code.clone()));
            }
            if index.insert(cap.code.as_str(), i).is_some() {
                return Err(QuotaConfigError::DuplicateCode(cap.code.clone()));
            }
        }
        for cap in &caps {
            if let Basis::Cap(base) = &cap.of
                && !index.contains_key(base.as_str())
            {
                return Err(QuotaConfigError::UnknownBase { cap: cap.code.clone(), base: base.clone() });
            }
        }
        let mut order = Vec::with_capacity(caps.len());
        let mut placed = vec![false; caps.len()];
        while order.len() < caps.len() {
            let before = order.len();
            for (i, cap) in caps.iter().enumerate() {
                let ready = match &cap.of {
                    Basis::Headcount => true,
                    Basis::Cap(base) => index.get(base.as_str()).is_some_and(|b| placed[*b]),
                };
                if !placed[i] && ready {
                    placed[i] = true;
                    order.push(i);
                }
            }
            if order.len() == before {
                let stuck = caps.iter().zip(&placed).filter(|(_, p)| !**p).map(|(c, _)| c.code.clone());
                return Err(QuotaConfigError::Cycle(stuck.collect()));
            }
        }
        Ok(QuotaCaps { caps, rounding, order })
    }

    /// A pool with no ratio limit (a 领导班子 pool, for which §1.7 gives no table).
    pub fn unlimited() -> QuotaCaps {
        QuotaCaps { caps: Vec::new(), rounding: Rounding::Floor, order: Vec::new() }
    }

    /// The caps, in the order given.
    pub fn caps(&self) -> &[Cap] {
        &self.caps
    }

    /// The rounding of every limit.
    pub fn rounding(&self) -> Rounding {
        self.rounding
    }

    /// The same caps under another rounding.
    pub fn with_rounding(mut self, rounding: Rounding) -> QuotaCaps {
        self.rounding = rounding;
        self
    }

    /// Each cap's limit for a pool of `headcount`, in the order given. A nested cap is a share of its base's
    /// (rounded) limit, not of the base's current use: 职数 are approved numbers.
    pub fn limits(&self, headcount: u32) -> Vec<u32> {
        let mut limits = vec![0; self.caps.len()];
        for &i in &self.order {
            let cap = &self.caps[i];
            let base = match &cap.of {
                Basis::Headcount => headcount,
                Basis::Cap(code) => {
                    // `new` placed every base before its dependants.
                    self.caps.iter().position(|c| &c.code == code).map_or(0, |b| limits[b])
                }
            };
            limits[i] = self.rounding.share(base, cap.basis_points);
        }
        limits
    }
}

/// The county table of §1.7 \[S\] (feng.ifeng.com; m.shutu.cn): 二级调研员 ≤ 2%; 三级+四级调研员 ≤ 10%, of which
/// 三级 ≤ 40%; 一至四级主任科员 ≤ 60%.
pub fn county_caps() -> Vec<Cap> {
    use Grade::*;
    vec![
        Cap::of_headcount("RESEARCHER_2", &[Researcher2], 200),
        Cap::of_headcount("RESEARCHER_3_4", &[Researcher3, Researcher4], 1_000),
        Cap::of_cap("RESEARCHER_3", &[Researcher3], 4_000, "RESEARCHER_3_4"),
        Cap::of_headcount(
            "PRINCIPAL_STAFF_1_4",
            &[PrincipalStaff1, PrincipalStaff2, PrincipalStaff3, PrincipalStaff4],
            6_000,
        ),
    ]
}

/// The 市（地）级 table of §1.7 \[S\]: 一至四级调研员 ≤ 20%; 一级+二级 ≤ 40% of those; 一级 ≤ 50% of
/// (一级+二级); 一至四级主任科员 ≤ 60%.
pub fn city_caps() -> Vec<Cap> {
    use Grade::*;
    vec![
        Cap::of_headcount("RESEARCHER_1_4", &[Researcher1, Researcher2, Researcher3, Researcher4], 2_000),
        Cap::of_cap("RESEARCHER_1_2", &[Researcher1, Researcher2], 4_000, "RESEARCHER_1_4"),
        Cap::of_cap("RESEARCHER_1", &[Researcher1], 5_000, "RESEARCHER_1_2"),
        Cap::of_headcount(
            "PRINCIPAL_STAFF_1_4",
            &[PrincipalStaff1, PrincipalStaff2, PrincipalStaff3, PrincipalStaff4],
            6_000,
        ),
    ]
}

/// The quota tables and which one each district type follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaPolicy {
    /// How limits round.
    pub rounding: Rounding,
    /// The caps of each table.
    pub tables: BTreeMap<QuotaTable, Vec<Cap>>,
    /// The table each district type's 机关 follow.
    pub table_for: BTreeMap<DistrictType, QuotaTable>,
}

impl Default for QuotaPolicy {
    /// §1.7, with `Floor` rounding \[I\]. A 直辖市的区's 机关 are at 市（地）level (第十条 groups them with
    /// 市（地）机关), so they follow the city table; so do a 副省级城市的区's, whose 机关 may use 一级调研员, a
    /// grade the county table does not limit \[I\].
    fn default() -> Self {
        Self {
            rounding: Rounding::Floor,
            tables: BTreeMap::from([(QuotaTable::County, county_caps()), (QuotaTable::City, city_caps())]),
            table_for: BTreeMap::from([
                (DistrictType::County, QuotaTable::County),
                (DistrictType::MunicipalityDistrict, QuotaTable::City),
                (DistrictType::SubProvincialDistrict, QuotaTable::City),
            ]),
        }
    }
}

impl QuotaPolicy {
    /// The caps for a pool of `class` units in a district of `district` type. 领导班子 pools have no table
    /// in §1.7, so they are unlimited here; the 职数 of a team are set by the approved establishment.
    pub fn caps_for(&self, district: DistrictType, class: UnitClass) -> Result<QuotaCaps, QuotaConfigError> {
        if class == UnitClass::LeadershipTeam {
            return Ok(QuotaCaps::unlimited());
        }
        let caps = self
            .table_for
            .get(&district)
            .and_then(|table| self.tables.get(table))
            .cloned()
            .unwrap_or_default();
        QuotaCaps::new(caps, self.rounding)
    }
}

/// Who occupies a pool's grades: current holders, plus open promotion cases that would take a post.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Current holders per grade.
    pub holders: BTreeMap<Grade, u32>,
    /// Open cases per target grade (a case reserves its post until it closes). When checking a case that is
    /// itself open, leave it out of this count.
    pub open_cases: BTreeMap<Grade, u32>,
}

impl Usage {
    /// Holders plus open cases of the given grades.
    pub fn of(&self, grades: &[Grade]) -> u32 {
        grades
            .iter()
            .map(|g| {
                let held = self.holders.get(g).copied().unwrap_or(0);
                held.saturating_add(self.open_cases.get(g).copied().unwrap_or(0))
            })
            .fold(0, u32::saturating_add)
    }
}

/// A promotion that would exceed a cap (R6: a distinct refusal, `QUOTA_FULL`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("quota {cap_code} is full: {used} of {limit} used")]
pub struct QuotaFull {
    /// The cap that is full.
    pub cap_code: String,
    /// Its limit.
    pub limit: u32,
    /// Holders and open cases it counts now.
    pub used: u32,
}

impl QuotaFull {
    /// The stable machine reason.
    pub fn reason(&self) -> &'static str {
        "QUOTA_FULL"
    }
}

/// Checks that one more holder of `target` fits every cap that counts `target`. `releasing` is the grade
/// the candidate leaves (their current grade), which frees a post in every cap that counts it: promoting a
/// 四级 to 三级调研员 does not change the 三级+四级 count. A move that does not raise a cap's count is never
/// refused by it, even in a pool that is already over (it does not make things worse). A grade no cap
/// counts (科员 grades) has no ratio limit.
pub fn check(
    caps: &QuotaCaps,
    headcount: u32,
    usage: &Usage,
    target: Grade,
    releasing: Option<Grade>,
) -> Result<(), QuotaFull> {
    let limits = caps.limits(headcount);
    for (cap, limit) in caps.caps.iter().zip(limits) {
        if !cap.grades.contains(&target) {
            continue;
        }
        if releasing.is_some_and(|r| cap.grades.contains(&r)) {
            continue;
        }
        let used = usage.of(&cap.grades);
        if used.saturating_add(1) > limit {
            return Err(QuotaFull { cap_code: cap.code.clone(), limit, used });
        }
    }
    Ok(())
}

/// One line of a quota report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapSummary {
    /// The cap's code.
    pub code: String,
    /// The grades it counts.
    pub grades: Vec<Grade>,
    /// Its share, in basis points.
    pub basis_points: u32,
    /// What the share is of.
    pub of: Basis,
    /// The limit for the pool's headcount.
    pub limit: u32,
    /// Holders and open cases counted.
    pub used: u32,
    /// Posts still free (0 when over the limit).
    pub free: u32,
    /// Posts over the limit (a pool can be over after a headcount cut).
    pub over: u32,
}

/// Every cap's limit, use and room, in the order given, for reports.
pub fn summary(caps: &QuotaCaps, headcount: u32, usage: &Usage) -> Vec<CapSummary> {
    caps.caps
        .iter()
        .zip(caps.limits(headcount))
        .map(|(cap, limit)| {
            let used = usage.of(&cap.grades);
            CapSummary {
                code: cap.code.clone(),
                grades: cap.grades.clone(),
                basis_points: cap.basis_points,
                of: cap.of.clone(),
                limit,
                used,
                free: limit.saturating_sub(used),
                over: used.saturating_sub(limit),
            }
        })
        .collect()
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Basis::Headcount => f.write_str("HEADCOUNT"),
            Basis::Cap(code) => f.write_str(code),
        }
    }
}

impl FromStr for Rounding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rounding::from_code(s.trim()).ok_or_else(|| format!("{s:?} is not FLOOR, HALF_UP or CEIL"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Grade::*;

    fn county() -> QuotaCaps {
        QuotaCaps::new(county_caps(), Rounding::Floor).unwrap()
    }

    fn usage(holders: &[(Grade, u32)]) -> Usage {
        Usage { holders: holders.iter().copied().collect(), open_cases: BTreeMap::new() }
    }

    #[test]
    fn a_pool_exactly_at_its_cap_is_full_and_one_below_is_not() {
        let caps = county();
        // 100 × 2% = 2 二级调研员.
        let full = usage(&[(Researcher2, 2)]);
        assert_eq!(
            check(&caps, 100, &full, Researcher2, Some(Researcher3)),
            Err(QuotaFull { cap_code: "RESEARCHER_2".into(), limit: 2, used: 2 })
        );
        let room = usage(&[(Researcher2, 1)]);
        assert_eq!(check(&caps, 100, &room, Researcher2, Some(Researcher3)), Ok(()));
        // An open case takes the last post as well as a holder does.
        let reserved = Usage { open_cases: BTreeMap::from([(Researcher2, 1)]), ..room };
        assert!(check(&caps, 100, &reserved, Researcher2, Some(Researcher3)).is_err());
    }

    #[test]
    fn third_grade_researchers_are_at_most_forty_percent_of_the_third_and_fourth() {
        let caps = county();
        // 100 → 三级+四级 ≤ 10 → 三级 ≤ 4.
        assert_eq!(caps.limits(100), vec![2, 10, 4, 60]);
        let at_four = usage(&[(Researcher3, 4), (Researcher4, 3)]);
        assert_eq!(
            check(&caps, 100, &at_four, Researcher3, Some(Researcher4)),
            Err(QuotaFull { cap_code: "RESEARCHER_3".into(), limit: 4, used: 4 })
        );
        let three = usage(&[(Researcher3, 3), (Researcher4, 7)]);
        // The 三级+四级 cap is at 10, but a 四级 moving up does not change it.
        assert_eq!(check(&caps, 100, &three, Researcher3, Some(Researcher4)), Ok(()));
        // A 一级主任科员 moving up to 四级调研员 adds to it.
        assert_eq!(
            check(&caps, 100, &three, Researcher4, Some(PrincipalStaff1)),
            Err(QuotaFull { cap_code: "RESEARCHER_3_4".into(), limit: 10, used: 10 })
        );
    }

    #[test]
    fn rounding_variants() {
        // 75 × 2% = 1.5; 60 × 2% = 1.2.
        assert_eq!(Rounding::Floor.share(75, 200), 1);
        assert_eq!(Rounding::HalfUp.share(75, 200), 2);
        assert_eq!(Rounding::Ceil.share(75, 200), 2);
        assert_eq!(Rounding::HalfUp.share(60, 200), 1);
        assert_eq!(Rounding::Ceil.share(60, 200), 2);
        assert_eq!(Rounding::Floor.share(50, 200), 1);
        let caps = county().with_rounding(Rounding::HalfUp);
        assert_eq!(caps.limits(75), vec![2, 8, 3, 45]);
        let ceil = county().with_rounding(Rounding::Ceil);
        // 三级+四级 = ceil(7.5) = 8, 三级 = ceil(3.2) = 4.
        assert_eq!(ceil.limits(75), vec![2, 8, 4, 45]);
    }

    #[test]
    fn a_tiny_organ_rounds_to_zero_and_pools_instead() {
        let caps = county();
        // 12 people: 0.24 二级调研员, 1.2 三级+四级 → 1, 0.4 三级 → 0.
        assert_eq!(caps.limits(12), vec![0, 1, 0, 7]);
        let empty = Usage::default();
        assert_eq!(
            check(&caps, 12, &empty, Researcher2, Some(Researcher3)),
            Err(QuotaFull { cap_code: "RESEARCHER_2".into(), limit: 0, used: 0 })
        );
        assert!(check(&caps, 12, &empty, Researcher3, Some(Researcher4)).is_err());
        assert_eq!(check(&caps, 12, &empty, Researcher4, Some(PrincipalStaff1)), Ok(()));
        // 科员 grades have no ratio limit.
        assert_eq!(check(&caps, 12, &empty, Staff1, Some(Staff2)), Ok(()));
    }

    #[test]
    fn summary_reports_each_cap() {
        let caps = county();
        let lines = summary(&caps, 100, &usage(&[(Researcher2, 3), (Researcher3, 1), (PrincipalStaff2, 20)]));
        let row = |code: &str| lines.iter().find(|l| l.code == code).unwrap().clone();
        assert_eq!(
            (row("RESEARCHER_2").limit, row("RESEARCHER_2").free, row("RESEARCHER_2").over),
            (2, 0, 1)
        );
        assert_eq!(
            (row("RESEARCHER_3").limit, row("RESEARCHER_3").used, row("RESEARCHER_3").free),
            (4, 1, 3)
        );
        assert_eq!(row("PRINCIPAL_STAFF_1_4").free, 40);
    }

    #[test]
    fn caps_validate_and_resolve_in_any_order() {
        let mut caps = city_caps();
        caps.reverse();
        let caps = QuotaCaps::new(caps, Rounding::Floor).unwrap();
        // Reversed: 主任科员 60, 一级 ≤ 50% of 8 = 4, 一级+二级 ≤ 40% of 20 = 8, 一至四级 20.
        assert_eq!(caps.limits(100), vec![60, 4, 8, 20]);
        let cycle = vec![Cap::of_cap("A", &[Staff1], 100, "B"), Cap::of_cap("B", &[Staff2], 100, "A")];
        assert!(matches!(QuotaCaps::new(cycle, Rounding::Floor), Err(QuotaConfigError::Cycle(_))));
        let unknown = vec![Cap::of_cap("A", &[Staff1], 100, "Z")];
        assert!(matches!(
            QuotaCaps::new(unknown, Rounding::Floor),
            Err(QuotaConfigError::UnknownBase { .. })
        ));
        let twice = vec![Cap::of_headcount("A", &[Staff1], 1), Cap::of_headcount("A", &[Staff2], 1)];
        assert_eq!(QuotaCaps::new(twice, Rounding::Floor), Err(QuotaConfigError::DuplicateCode("A".into())));
    }

    #[test]
    fn cap_specs_round_trip() {
        for cap in county_caps().into_iter().chain(city_caps()) {
            assert_eq!(Cap::parse_spec(&cap.code, &cap.spec()).unwrap(), cap);
        }
        assert!(Cap::parse_spec("X", "RESEARCHER_2:200").is_err());
        assert!(Cap::parse_spec("X", "NOPE:200:HEADCOUNT").is_err());
    }

    #[test]
    fn district_types_pick_their_table_and_teams_are_unlimited() {
        let policy = QuotaPolicy::default();
        let county = policy.caps_for(DistrictType::County, UnitClass::Organ).unwrap();
        assert_eq!(county.caps().len(), 4);
        assert!(county.caps().iter().any(|c| c.code == "RESEARCHER_2"));
        let city = policy.caps_for(DistrictType::MunicipalityDistrict, UnitClass::Organ).unwrap();
        assert!(city.caps().iter().any(|c| c.code == "RESEARCHER_1"));
        let team = policy.caps_for(DistrictType::County, UnitClass::LeadershipTeam).unwrap();
        assert_eq!(check(&team, 5, &Usage::default(), Inspector2, Some(Researcher1)), Ok(()));
    }
}

//! The 综合管理类 rank ladder (domain.md §1.1–§1.3): the twelve 职级, the leadership post levels, the 级别
//! ranges of both, which 职级 each post corresponds to, and the highest 职级 a unit may use.
//!
//! The enums are fixed by the regulation (并行规定 第七条 names twelve grades, no more); the numbers attached
//! to them (级别 ranges, correspondences, ceilings) are policy data in [`Ladder`], whose `Default` is
//! domain.md's table.

use std::{collections::BTreeMap, fmt, str::FromStr};

use cadre_platform::code_enum;
use serde::{Deserialize, Serialize};

code_enum!(
    /// A 综合管理类 职级 (并行规定 第七条 \[V\]). Codes and numbers are the proto `RankGrade`'s without the
    /// `RANK_GRADE_` prefix.
    ///
    /// The derived `Ord` follows the ladder from the top (`Inspector1 < Staff2`), so "smaller" means
    /// *higher*: prefer [`Grade::is_above`] in rules, and keep `Ord` for map keys.
    Grade {
        /// 一级巡视员.
        Inspector1 = 1 => "INSPECTOR_1",
        /// 二级巡视员.
        Inspector2 = 2 => "INSPECTOR_2",
        /// 一级调研员.
        Researcher1 = 3 => "RESEARCHER_1",
        /// 二级调研员.
        Researcher2 = 4 => "RESEARCHER_2",
        /// 三级调研员.
        Researcher3 = 5 => "RESEARCHER_3",
        /// 四级调研员.
        Researcher4 = 6 => "RESEARCHER_4",
        /// 一级主任科员.
        PrincipalStaff1 = 7 => "PRINCIPAL_STAFF_1",
        /// 二级主任科员.
        PrincipalStaff2 = 8 => "PRINCIPAL_STAFF_2",
        /// 三级主任科员.
        PrincipalStaff3 = 9 => "PRINCIPAL_STAFF_3",
        /// 四级主任科员.
        PrincipalStaff4 = 10 => "PRINCIPAL_STAFF_4",
        /// 一级科员.
        Staff1 = 11 => "STAFF_1",
        /// 二级科员.
        Staff2 = 12 => "STAFF_2",
    }
);

impl Grade {
    /// The position on the ladder: 1 for 一级巡视员 (the top) to 12 for 二级科员.
    pub fn ordinal(self) -> u8 {
        // The discriminants are 1..=12 by construction.
        self.number() as u8
    }

    /// The grade's name as it appears on documents.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Inspector1 => "一级巡视员",
            Self::Inspector2 => "二级巡视员",
            Self::Researcher1 => "一级调研员",
            Self::Researcher2 => "二级调研员",
            Self::Researcher3 => "三级调研员",
            Self::Researcher4 => "四级调研员",
            Self::PrincipalStaff1 => "一级主任科员",
            Self::PrincipalStaff2 => "二级主任科员",
            Self::PrincipalStaff3 => "三级主任科员",
            Self::PrincipalStaff4 => "四级主任科员",
            Self::Staff1 => "一级科员",
            Self::Staff2 => "二级科员",
        }
    }

    /// The grade one step up (逐级晋升 allows only this one); `None` at the top.
    pub fn next_up(self) -> Option<Grade> {
        Self::from_number(self.number() - 1)
    }

    /// The grade one step down (a demotion); `None` at the bottom.
    pub fn next_down(self) -> Option<Grade> {
        Self::from_number(self.number() + 1)
    }

    /// Whether `self` is strictly higher on the ladder than `other`.
    pub fn is_above(self, other: Grade) -> bool {
        self.ordinal() < other.ordinal()
    }

    /// How many steps `self` is above `other` (negative when below).
    pub fn steps_above(self, other: Grade) -> i32 {
        i32::from(other.ordinal()) - i32::from(self.ordinal())
    }
}

code_enum!(
    /// A 领导职务层次 (级别办法 第五条). The first five match the directory's proto `PostLevel`
    /// (numbers and codes); the 厅局级 levels are not in that proto yet and exist here because 一级巡视员's
    /// alternative prior post (§1.4) is 厅局级副职.
    PostLevel {
        /// No leadership post (非领导职务).
        None = 1 => "NONE",
        /// 县处级正职.
        CountyPrincipal = 2 => "COUNTY_PRINCIPAL",
        /// 县处级副职.
        CountyDeputy = 3 => "COUNTY_DEPUTY",
        /// 乡科级正职.
        TownshipPrincipal = 4 => "TOWNSHIP_PRINCIPAL",
        /// 乡科级副职.
        TownshipDeputy = 5 => "TOWNSHIP_DEPUTY",
        /// 厅局级正职 (not in the directory proto).
        BureauPrincipal = 6 => "BUREAU_PRINCIPAL",
        /// 厅局级副职 (not in the directory proto).
        BureauDeputy = 7 => "BUREAU_DEPUTY",
    }
);

impl PostLevel {
    /// The level's name as it appears on documents.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::None => "非领导职务",
            Self::CountyPrincipal => "县处级正职",
            Self::CountyDeputy => "县处级副职",
            Self::TownshipPrincipal => "乡科级正职",
            Self::TownshipDeputy => "乡科级副职",
            Self::BureauPrincipal => "厅局级正职",
            Self::BureauDeputy => "厅局级副职",
        }
    }

    /// Whether this is a leadership level at all (everything but `None`).
    pub fn is_leadership(self) -> bool {
        self != Self::None
    }
}

code_enum!(
    /// What kind of 区 the customer is (§1.3 open question; §10.1 decides `County`). It switches the unit
    /// ceilings and the quota table.
    DistrictType {
        /// An ordinary 市辖区, governed by the county-level rules (§10.1 default).
        County = 1 => "COUNTY",
        /// A district of a 直辖市 (直辖市的区).
        MunicipalityDistrict = 2 => "MUNICIPALITY_DISTRICT",
        /// A district of a 副省级城市 (副省级城市的区).
        SubProvincialDistrict = 3 => "SUB_PROVINCIAL_DISTRICT",
    }
);

code_enum!(
    /// Which row of 并行规定 第十条 a unit follows (§1.3).
    UnitClass {
        /// The district's 领导班子.
        LeadershipTeam = 1 => "LEADERSHIP_TEAM",
        /// A 机关: 区直部门, 街道 and 乡镇 alike.
        Organ = 2 => "ORGAN",
    }
);

/// A unit as the ceiling rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitContext {
    /// The district's type (a tenant setting).
    pub district: DistrictType,
    /// The unit's class.
    pub class: UnitClass,
}

/// A 级别: 1 (一级) is the highest, 27 (二十七级) the lowest, so a *smaller* number is a *higher* level.
///
/// `Ord` is deliberately not derived, so that nobody compares levels by number by accident; use
/// [`Level::is_above`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    /// 一级.
    pub const HIGHEST: Level = Level(1);
    /// 二十七级.
    pub const LOWEST: Level = Level(27);

    /// The level with this number; `None` outside 1..=27.
    pub const fn new(number: u8) -> Option<Level> {
        if number >= 1 && number <= 27 { Some(Level(number)) } else { None }
    }

    /// The number as written (十八级 → 18).
    pub fn number(self) -> u8 {
        self.0
    }

    /// Whether `self` is strictly higher than `other` (十八级 is above 二十级).
    pub fn is_above(self, other: Level) -> bool {
        self.0 < other.0
    }

    /// One level higher; `None` above 一级.
    pub fn raised(self) -> Option<Level> {
        Level::new(self.0.wrapping_sub(1))
    }

    /// The name as written on documents, e.g. "十八级".
    pub fn name_zh(self) -> String {
        const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
        let (tens, ones) = (usize::from(self.0 / 10), usize::from(self.0 % 10));
        let tens = match tens {
            0 => String::new(),
            1 => "十".to_owned(),
            n => format!("{}十", DIGITS[n]),
        };
        format!("{tens}{}级", DIGITS[ones])
    }
}

impl TryFrom<u8> for Level {
    type Error = String;
    fn try_from(number: u8) -> Result<Self, Self::Error> {
        Level::new(number).ok_or_else(|| format!("级别 {number} is outside 1..=27"))
    }
}

impl From<Level> for u8 {
    fn from(level: Level) -> u8 {
        level.0
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name_zh())
    }
}

/// The 级别 a grade or post may carry: from `highest` (the smaller number) down to `lowest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LevelRange {
    /// The top of the range (e.g. 十二级 for 二级调研员).
    pub highest: Level,
    /// The bottom of the range, the "minimum" a promotion raises to (e.g. 十八级 for 二级调研员).
    pub lowest: Level,
}

impl LevelRange {
    /// A range from its two 级别 numbers; `None` unless both are valid and `highest` is not below `lowest`.
    pub fn new(highest: u8, lowest: u8) -> Option<LevelRange> {
        let (highest, lowest) = (Level::new(highest)?, Level::new(lowest)?);
        (!lowest.is_above(highest)).then_some(LevelRange { highest, lowest })
    }

    /// Whether `level` lies within the range, both ends included.
    pub fn contains(self, level: Level) -> bool {
        !level.is_above(self.highest) && !self.lowest.is_above(level)
    }
}

/// The policy text form is `"<highest>-<lowest>"` as 级别 numbers, e.g. `"12-18"` for 十二级–十八级.
impl fmt::Display for LevelRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.highest.0, self.lowest.0)
    }
}

impl FromStr for LevelRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not a 级别 range \"<highest>-<lowest>\" within 1..=27");
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        let a = a.trim().parse().map_err(|_| bad())?;
        let b = b.trim().parse().map_err(|_| bad())?;
        LevelRange::new(a, b).ok_or_else(bad)
    }
}

/// How far a unit's 职级 may go (并行规定 第十条, §1.3). Only the top is recorded: the rule is read as a
/// ceiling for promotion targets, including the 领导班子 rows that list several grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitCeiling {
    /// The highest grade the unit may use.
    pub highest: Grade,
}

/// The ladder's data: 级别 ranges, the post ↔ grade correspondence and the unit ceilings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder {
    /// 级别 range per grade (§1.1 \[S\]; 四级主任科员 24–18 as recommended there).
    pub grade_levels: BTreeMap<Grade, LevelRange>,
    /// 级别 range per leadership level (级别办法 第五条 \[V\]).
    pub post_levels: BTreeMap<PostLevel, LevelRange>,
    /// The lowest 职级 corresponding to each leadership level (并行规定 第九条 \[V\], §1.2).
    pub post_lowest_grade: BTreeMap<PostLevel, Grade>,
    /// The grades counted as equivalent to each leadership level ("正处" = 一级/二级调研员, §1.2 \[S\]).
    pub post_bands: BTreeMap<PostLevel, Vec<Grade>>,
    /// The highest grade per district type and unit class (并行规定 第十条 \[V\], §1.3).
    pub ceilings: BTreeMap<(DistrictType, UnitClass), UnitCeiling>,
}

impl Default for Ladder {
    /// domain.md §1.1–§1.3.
    fn default() -> Self {
        use Grade::*;
        let range = |h, l| LevelRange { highest: Level(h), lowest: Level(l) };
        let grade_levels = BTreeMap::from([
            (Inspector1, range(8, 13)),
            (Inspector2, range(10, 15)),
            (Researcher1, range(11, 17)),
            (Researcher2, range(12, 18)),
            (Researcher3, range(13, 19)),
            (Researcher4, range(14, 20)),
            (PrincipalStaff1, range(15, 21)),
            (PrincipalStaff2, range(16, 22)),
            (PrincipalStaff3, range(17, 23)),
            (PrincipalStaff4, range(18, 24)),
            (Staff1, range(18, 26)),
            (Staff2, range(19, 27)),
        ]);
        let post_levels = BTreeMap::from([
            (PostLevel::BureauPrincipal, range(8, 13)),
            (PostLevel::BureauDeputy, range(10, 15)),
            (PostLevel::CountyPrincipal, range(12, 18)),
            (PostLevel::CountyDeputy, range(14, 20)),
            (PostLevel::TownshipPrincipal, range(16, 22)),
            (PostLevel::TownshipDeputy, range(17, 24)),
        ]);
        let post_lowest_grade = BTreeMap::from([
            (PostLevel::BureauPrincipal, Inspector1),
            (PostLevel::BureauDeputy, Inspector2),
            (PostLevel::CountyPrincipal, Researcher2),
            (PostLevel::CountyDeputy, Researcher4),
            (PostLevel::TownshipPrincipal, PrincipalStaff2),
            (PostLevel::TownshipDeputy, PrincipalStaff4),
        ]);
        let post_bands = BTreeMap::from([
            (PostLevel::BureauPrincipal, vec![Inspector1]),
            (PostLevel::BureauDeputy, vec![Inspector2]),
            (PostLevel::CountyPrincipal, vec![Researcher1, Researcher2]),
            (PostLevel::CountyDeputy, vec![Researcher3, Researcher4]),
            (PostLevel::TownshipPrincipal, vec![PrincipalStaff1, PrincipalStaff2]),
            (PostLevel::TownshipDeputy, vec![PrincipalStaff3, PrincipalStaff4]),
        ]);
        let ceiling = |highest| UnitCeiling { highest };
        let ceilings = BTreeMap::from([
            ((DistrictType::County, UnitClass::LeadershipTeam), ceiling(Inspector2)),
            ((DistrictType::County, UnitClass::Organ), ceiling(Researcher2)),
            ((DistrictType::MunicipalityDistrict, UnitClass::LeadershipTeam), ceiling(Inspector1)),
            ((DistrictType::MunicipalityDistrict, UnitClass::Organ), ceiling(Inspector2)),
            ((DistrictType::SubProvincialDistrict, UnitClass::LeadershipTeam), ceiling(Inspector1)),
            ((DistrictType::SubProvincialDistrict, UnitClass::Organ), ceiling(Researcher1)),
        ]);
        Self { grade_levels, post_levels, post_lowest_grade, post_bands, ceilings }
    }
}

impl Ladder {
    /// The 级别 range of a grade.
    pub fn grade_range(&self, grade: Grade) -> Option<LevelRange> {
        self.grade_levels.get(&grade).copied()
    }

    /// The 级别 range of a leadership level (`None` for [`PostLevel::None`]).
    pub fn post_range(&self, post: PostLevel) -> Option<LevelRange> {
        self.post_levels.get(&post).copied()
    }

    /// The lowest 职级 corresponding to a leadership level (`None` for [`PostLevel::None`]).
    pub fn lowest_grade_for(&self, post: PostLevel) -> Option<Grade> {
        self.post_lowest_grade.get(&post).copied()
    }

    /// The grades equivalent to a leadership level (empty for [`PostLevel::None`]).
    pub fn band(&self, post: PostLevel) -> &[Grade] {
        self.post_bands.get(&post).map_or(&[], Vec::as_slice)
    }

    /// The leadership level whose band holds `grade` (二级调研员 → 县处级正职); `None` for 科员 grades.
    pub fn equivalent_post(&self, grade: Grade) -> Option<PostLevel> {
        self.post_bands.iter().find(|(_, grades)| grades.contains(&grade)).map(|(post, _)| *post)
    }

    /// Whether `grade` ranks above everything equivalent to `post`: used for the 2-year "no post higher than
    /// the original" 影响期 of 免职/责令辞职 (§4.4).
    pub fn grade_above_post(&self, grade: Grade, post: PostLevel) -> bool {
        match self.band(post).iter().min() {
            // `min` is the highest grade of the band (Ord runs top-down).
            Some(top) => grade.is_above(*top),
            None => true,
        }
    }

    /// The highest grade a unit may use; `None` when the ladder has no row for it (no limit known).
    pub fn ceiling(&self, unit: UnitContext) -> Option<UnitCeiling> {
        self.ceilings.get(&(unit.district, unit.class)).copied()
    }

    /// Whether a unit may use `grade` (第十条): `false` only when a ceiling is known and `grade` is above it.
    pub fn unit_permits(&self, unit: UnitContext, grade: Grade) -> bool {
        self.ceiling(unit).is_none_or(|c| !grade.is_above(c.highest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_codes_follow_the_proto_and_the_ladder_steps_one_at_a_time() {
        assert_eq!(Grade::ALL.len(), 12);
        assert_eq!(Grade::from_code("RESEARCHER_2"), Some(Grade::Researcher2));
        assert_eq!(Grade::Researcher2.number(), 4);
        assert_eq!(Grade::Staff1.next_up(), Some(Grade::PrincipalStaff4));
        assert_eq!(Grade::Inspector1.next_up(), None);
        assert_eq!(Grade::Staff2.next_down(), None);
        assert!(Grade::Researcher4.is_above(Grade::PrincipalStaff1));
        assert_eq!(Grade::PrincipalStaff3.steps_above(Grade::Staff1), 2);
        for pair in Grade::ALL.windows(2) {
            assert_eq!(pair[0].next_down(), Some(pair[1]));
            assert_eq!(pair[1].next_up(), Some(pair[0]));
        }
    }

    #[test]
    fn levels_read_top_down_and_name_themselves() {
        let l18 = Level::new(18).unwrap();
        let l20 = Level::new(20).unwrap();
        assert!(l18.is_above(l20));
        assert_eq!(l18.name_zh(), "十八级");
        assert_eq!(Level::new(27).unwrap().name_zh(), "二十七级");
        assert_eq!(Level::new(10).unwrap().name_zh(), "十级");
        assert_eq!(Level::HIGHEST.name_zh(), "一级");
        assert_eq!(Level::HIGHEST.raised(), None);
        assert_eq!(Level::new(0), None);
        assert_eq!(Level::new(28), None);
    }

    #[test]
    fn ranges_parse_and_contain_their_ends() {
        let r: LevelRange = "12-18".parse().unwrap();
        assert_eq!(r.to_string(), "12-18");
        assert!(r.contains(Level::new(12).unwrap()));
        assert!(r.contains(Level::new(18).unwrap()));
        assert!(!r.contains(Level::new(19).unwrap()));
        assert!(!r.contains(Level::new(11).unwrap()));
        assert!("18-12".parse::<LevelRange>().is_err());
        assert!("0-3".parse::<LevelRange>().is_err());
    }

    #[test]
    fn default_ladder_matches_domain_md() {
        let ladder = Ladder::default();
        assert_eq!(ladder.grade_range(Grade::PrincipalStaff4), LevelRange::new(18, 24));
        assert_eq!(ladder.lowest_grade_for(PostLevel::TownshipDeputy), Some(Grade::PrincipalStaff4));
        assert_eq!(ladder.lowest_grade_for(PostLevel::None), None);
        assert_eq!(ladder.equivalent_post(Grade::Researcher1), Some(PostLevel::CountyPrincipal));
        assert_eq!(ladder.equivalent_post(Grade::Staff1), None);
        assert!(ladder.grade_above_post(Grade::Researcher4, PostLevel::TownshipPrincipal));
        assert!(!ladder.grade_above_post(Grade::PrincipalStaff1, PostLevel::TownshipPrincipal));
        for post in PostLevel::ALL.iter().filter(|p| p.is_leadership()) {
            let lowest = ladder.lowest_grade_for(*post).unwrap();
            assert!(ladder.band(*post).contains(&lowest), "{post}");
        }
    }

    #[test]
    fn county_organs_stop_at_researcher_2() {
        let ladder = Ladder::default();
        let organ = UnitContext { district: DistrictType::County, class: UnitClass::Organ };
        assert!(ladder.unit_permits(organ, Grade::Researcher2));
        assert!(!ladder.unit_permits(organ, Grade::Researcher1));
        let team = UnitContext { class: UnitClass::LeadershipTeam, ..organ };
        assert!(ladder.unit_permits(team, Grade::Inspector2));
        assert!(!ladder.unit_permits(team, Grade::Inspector1));
        let sub = UnitContext { district: DistrictType::SubProvincialDistrict, class: UnitClass::Organ };
        assert!(ladder.unit_permits(sub, Grade::Researcher1));
        assert!(!ladder.unit_permits(sub, Grade::Inspector2));
    }
}

//! The rank rules' numbers as one value, [`RankPolicy`], and their text form: the `(key, value)` pairs of the
//! versioned `policy_values` table (`rank.*` keys).
//!
//! [`DEFAULT_POLICY`] lists every key with domain.md's value and its source, for the migration to seed;
//! `RankPolicy::default()` is the same policy as Rust values, and a test checks that the two agree.
//! [`RankPolicy::from_pairs`] reads the values in force on a date over the defaults, refusing unknown keys
//! and malformed values, so a typo in policy data stops the service instead of silently using a default.

use std::fmt::Display;

use super::{
    case::CasePolicy,
    eligibility::{TenurePolicy, TenureRule, YearHandling},
    ladder::{DistrictType, Grade, Ladder, LevelRange, PostLevel, UnitCeiling, UnitClass},
    level::LevelPolicy,
    quota::{Cap, QuotaCaps, QuotaConfigError, QuotaPolicy, QuotaTable, Rounding},
    restriction::{ImpactPolicy, RestrictionKind},
};

/// Every rule's numbers for the rank service on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankPolicy {
    /// What kind of 区 the district is (§10.1): switches ceilings and quota tables.
    pub district_type: DistrictType,
    /// 级别 ranges, post correspondence, unit ceilings.
    pub ladder: Ladder,
    /// Tenure requirements and how results change them.
    pub tenure: TenurePolicy,
    /// 影响期 lengths.
    pub impact: ImpactPolicy,
    /// 职数 tables.
    pub quota: QuotaPolicy,
    /// 级别 and 档次 rules.
    pub level: LevelPolicy,
    /// The procedure's bodies and 公示 length.
    pub case: CasePolicy,
}

impl Default for RankPolicy {
    /// domain.md, as listed in [`DEFAULT_POLICY`].
    fn default() -> Self {
        Self {
            district_type: DistrictType::County,
            ladder: Ladder::default(),
            tenure: TenurePolicy::default(),
            impact: ImpactPolicy::default(),
            quota: QuotaPolicy::default(),
            level: LevelPolicy::default(),
            case: CasePolicy::default(),
        }
    }
}

/// Why policy data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A key this version does not know.
    #[error("unknown policy key {0}")]
    UnknownKey(String),
    /// A value of the wrong form.
    #[error("policy {key} = {value:?}: {expected}")]
    BadValue {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// What was expected.
        expected: String,
    },
    /// A quota table whose caps do not fit together.
    #[error("quota table {table}: {error}")]
    Quota {
        /// The table.
        table: QuotaTable,
        /// What is wrong.
        error: QuotaConfigError,
    },
}

impl PolicyError {
    /// The stable machine reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::UnknownKey(_) => "POLICY_KEY_UNKNOWN",
            Self::BadValue { .. } => "POLICY_VALUE_INVALID",
            Self::Quota { .. } => "POLICY_QUOTA_INVALID",
        }
    }
}

fn bad(key: &str, value: &str, expected: impl Display) -> PolicyError {
    PolicyError::BadValue { key: key.to_owned(), value: value.to_owned(), expected: expected.to_string() }
}

fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, PolicyError> {
    value.trim().parse().map_err(|_| bad(key, value, "a whole number"))
}

fn boolean(key: &str, value: &str) -> Result<bool, PolicyError> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad(key, value, "true or false")),
    }
}

fn code<T>(key: &str, value: &str, from_code: fn(&str) -> Option<T>, what: &str) -> Result<T, PolicyError> {
    from_code(value.trim()).ok_or_else(|| bad(key, value, format!("a {what} code")))
}

fn codes<T>(
    key: &str,
    value: &str,
    from_code: fn(&str) -> Option<T>,
    what: &str,
) -> Result<Vec<T>, PolicyError> {
    if value.trim().is_empty() {
        return Ok(Vec::new());
    }
    value.split(',').map(|c| code(key, c, from_code, what)).collect()
}

/// A 级别 range, or `None` for the empty value (the entry is removed).
fn range(key: &str, value: &str) -> Result<Option<LevelRange>, PolicyError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|e: String| bad(key, value, e))
}

fn join<T>(items: &[T], code: fn(&T) -> &'static str) -> String {
    items.iter().map(code).collect::<Vec<_>>().join(",")
}

impl RankPolicy {
    /// The defaults, overridden by each pair. Unknown keys and malformed values are refused; the quota
    /// tables are validated once all pairs are read.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<RankPolicy, PolicyError> {
        let mut policy = RankPolicy::default();
        for (key, value) in pairs {
            policy.set(key.as_ref(), value.as_ref())?;
        }
        policy.validate()?;
        Ok(policy)
    }

    /// Checks what single keys cannot: that every quota table resolves.
    pub fn validate(&self) -> Result<(), PolicyError> {
        for (table, caps) in &self.quota.tables {
            QuotaCaps::new(caps.clone(), self.quota.rounding)
                .map_err(|error| PolicyError::Quota { table: *table, error })?;
        }
        Ok(())
    }

    /// Every key of [`DEFAULT_POLICY`], for the store to read.
    pub fn keys() -> impl Iterator<Item = &'static str> {
        DEFAULT_POLICY.iter().map(|(key, _, _)| *key)
    }

    /// Sets one key from its text value. For keys that name a map entry (a tenure rule, a 级别 range, a
    /// post's grade or band, a ceiling, a quota cap, an 影响期), the empty value removes the entry.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), PolicyError> {
        let unknown = || PolicyError::UnknownKey(key.to_owned());
        let v = value;
        if key == "rank.district_type" {
            self.district_type = code(key, v, DistrictType::from_code, "district type")?;
        } else if let Some(rest) = key.strip_prefix("rank.tenure.") {
            self.set_tenure(key, rest, v)?;
        } else if key == "rank.block.basic_competent_following_year" {
            self.tenure.basic_competent_blocks_following_year = boolean(key, v)?;
        } else if let Some(post) = key.strip_prefix("rank.level_range.post.") {
            let post = PostLevel::from_code(post).filter(|p| p.is_leadership()).ok_or_else(unknown)?;
            match range(key, v)? {
                Some(r) => self.ladder.post_levels.insert(post, r),
                None => self.ladder.post_levels.remove(&post),
            };
        } else if let Some(grade) = key.strip_prefix("rank.level_range.") {
            let grade = Grade::from_code(grade).ok_or_else(unknown)?;
            match range(key, v)? {
                Some(r) => self.ladder.grade_levels.insert(grade, r),
                None => self.ladder.grade_levels.remove(&grade),
            };
        } else if let Some(rest) = key.strip_prefix("rank.post.") {
            let (post, field) = rest.split_once('.').ok_or_else(unknown)?;
            let post = PostLevel::from_code(post).filter(|p| p.is_leadership()).ok_or_else(unknown)?;
            match field {
                "lowest_grade" if v.trim().is_empty() => {
                    self.ladder.post_lowest_grade.remove(&post);
                }
                "lowest_grade" => {
                    self.ladder.post_lowest_grade.insert(post, code(key, v, Grade::from_code, "grade")?);
                }
                "band" if v.trim().is_empty() => {
                    self.ladder.post_bands.remove(&post);
                }
                "band" => {
                    self.ladder.post_bands.insert(post, codes(key, v, Grade::from_code, "grade")?);
                }
                _ => return Err(unknown()),
            }
        } else if let Some(rest) = key.strip_prefix("rank.unit.") {
            let mut parts = rest.split('.');
            let (Some(district), Some(class), Some("ceiling"), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(unknown());
            };
            let district = DistrictType::from_code(district).ok_or_else(unknown)?;
            let class = UnitClass::from_code(class).ok_or_else(unknown)?;
            if v.trim().is_empty() {
                self.ladder.ceilings.remove(&(district, class));
            } else {
                let highest = code(key, v, Grade::from_code, "grade")?;
                self.ladder.ceilings.insert((district, class), UnitCeiling { highest });
            }
        } else if let Some(rest) = key.strip_prefix("rank.quota.") {
            self.set_quota(key, rest, v)?;
        } else if let Some(rest) = key.strip_prefix("rank.level.") {
            match rest {
                "no_bump_grades" => self.level.no_bump_grades = codes(key, v, Grade::from_code, "grade")?,
                "years_per_level" => self.level.years_per_level = number(key, v)?,
                "years_per_step" => self.level.years_per_step = number(key, v)?,
                _ => return Err(unknown()),
            }
        } else if let Some(rest) = key.strip_prefix("rank.impact.") {
            if rest == "REMOVAL_FROM_POST_higher_post_months" {
                self.impact.removal_higher_post_months = number(key, v)?;
            } else {
                let kind = rest
                    .strip_suffix("_months")
                    .and_then(RestrictionKind::from_code)
                    .filter(|k| *k != RestrictionKind::OpenInvestigation)
                    .ok_or_else(unknown)?;
                if v.trim().is_empty() {
                    self.impact.months.remove(&kind);
                } else {
                    self.impact.months.insert(kind, number(key, v)?);
                }
            }
        } else if let Some(rest) = key.strip_prefix("rank.case.") {
            match rest {
                "publicity_working_days" => self.case.publicity_working_days = number(key, v)?,
                "committee_approves_from" => {
                    self.case.committee_approves_from = code(key, v, Grade::from_code, "grade")?;
                }
                "city_filing_from" => self.case.city_filing_from = code(key, v, Grade::from_code, "grade")?,
                _ => return Err(unknown()),
            }
        } else {
            return Err(unknown());
        }
        Ok(())
    }

    fn set_tenure(&mut self, key: &str, rest: &str, v: &str) -> Result<(), PolicyError> {
        let t = &mut self.tenure;
        match rest {
            "excellent_reduction_months" => t.excellent_reduction_months = number(key, v)?,
            "excellent_min_months_in_year" => t.excellent_min_months_in_year = number(key, v)?,
            "basic_competent" => t.basic_competent = code(key, v, YearHandling::from_code, "DROP/EXTEND")?,
            "basic_competent_extends_months" => t.basic_competent_extends_months = number(key, v)?,
            "undetermined" => t.undetermined = code(key, v, YearHandling::from_code, "DROP/EXTEND")?,
            "undetermined_extends_months" => t.undetermined_extends_months = number(key, v)?,
            "new_recruit_probation_months" => t.new_recruit_probation_months = number(key, v)?,
            "current_year_provisional" => t.current_year_provisional = boolean(key, v)?,
            "min_year_with_result" => t.min_year_with_result = number(key, v)?,
            _ => {
                let unknown = || PolicyError::UnknownKey(key.to_owned());
                // `<GRADE>_months` or `<GRADE>_posts`, for targets one step above another grade.
                let (grade, field) = rest
                    .strip_suffix("_months")
                    .map(|g| (g, "months"))
                    .or_else(|| rest.strip_suffix("_posts").map(|g| (g, "posts")))
                    .ok_or_else(unknown)?;
                let grade =
                    Grade::from_code(grade).filter(|g| g.next_down().is_some()).ok_or_else(unknown)?;
                if v.trim().is_empty() && (field == "months" || !t.rules.contains_key(&grade)) {
                    // No rule for this target: a promotion to it is refused as TENURE_NOT_MET.
                    t.rules.remove(&grade);
                    return Ok(());
                }
                let rule = t.rules.entry(grade).or_insert(TenureRule { months: 0, posts: Vec::new() });
                if field == "months" {
                    rule.months = number(key, v)?;
                } else {
                    let posts = codes(key, v, PostLevel::from_code, "post level")?;
                    if posts.contains(&PostLevel::None) {
                        return Err(bad(key, v, "leadership post levels"));
                    }
                    rule.posts = posts;
                }
            }
        }
        Ok(())
    }

    fn set_quota(&mut self, key: &str, rest: &str, v: &str) -> Result<(), PolicyError> {
        let unknown = || PolicyError::UnknownKey(key.to_owned());
        let q = &mut self.quota;
        if rest == "rounding" {
            q.rounding = code(key, v, Rounding::from_code, "rounding")?;
        } else if let Some(district) = rest.strip_prefix("table.") {
            let district = DistrictType::from_code(district).ok_or_else(unknown)?;
            q.table_for.insert(district, code(key, v, QuotaTable::from_code, "quota table")?);
        } else {
            let (table, cap_code) = rest.split_once('.').ok_or_else(unknown)?;
            let table = QuotaTable::from_code(table).ok_or_else(unknown)?;
            if cap_code.is_empty() {
                return Err(unknown());
            }
            let caps = q.tables.entry(table).or_default();
            // An empty value removes the cap, so a district can drop a default one.
            let cap = if v.trim().is_empty() {
                None
            } else {
                Some(Cap::parse_spec(cap_code, v).map_err(|e| bad(key, v, e))?)
            };
            match (caps.iter().position(|c| c.code == cap_code), cap) {
                (Some(i), Some(cap)) => caps[i] = cap,
                (Some(i), None) => {
                    caps.remove(i);
                }
                (None, Some(cap)) => caps.push(cap),
                (None, None) => {}
            }
        }
        Ok(())
    }

    /// The policy as `(key, value)` pairs in the text form [`RankPolicy::set`] reads: what the seed of a
    /// changed policy looks like, and the check that [`DEFAULT_POLICY`] matches `Default`. An entry of the
    /// defaults that this policy removed comes out with the empty value, which removes it again on reading,
    /// so `from_pairs(p.to_pairs()) == p`.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = self.present_pairs();
        let removed: Vec<(String, String)> = Self::keys()
            .filter(|key| !out.iter().any(|(k, _)| k == key))
            .map(|key| (key.to_owned(), String::new()))
            .collect();
        out.extend(removed);
        out
    }

    fn present_pairs(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut put = |k: String, v: String| out.push((k, v));
        put("rank.district_type".into(), self.district_type.code().into());
        for (grade, rule) in &self.tenure.rules {
            put(format!("rank.tenure.{}_months", grade.code()), rule.months.to_string());
            put(format!("rank.tenure.{}_posts", grade.code()), join(&rule.posts, |p| p.code()));
        }
        let t = &self.tenure;
        put("rank.tenure.excellent_reduction_months".into(), t.excellent_reduction_months.to_string());
        put("rank.tenure.excellent_min_months_in_year".into(), t.excellent_min_months_in_year.to_string());
        put("rank.tenure.basic_competent".into(), t.basic_competent.code().into());
        put(
            "rank.tenure.basic_competent_extends_months".into(),
            t.basic_competent_extends_months.to_string(),
        );
        put("rank.tenure.undetermined".into(), t.undetermined.code().into());
        put("rank.tenure.undetermined_extends_months".into(), t.undetermined_extends_months.to_string());
        put("rank.tenure.new_recruit_probation_months".into(), t.new_recruit_probation_months.to_string());
        put("rank.tenure.current_year_provisional".into(), t.current_year_provisional.to_string());
        put("rank.tenure.min_year_with_result".into(), t.min_year_with_result.to_string());
        put(
            "rank.block.basic_competent_following_year".into(),
            t.basic_competent_blocks_following_year.to_string(),
        );
        let l = &self.ladder;
        for (grade, range) in &l.grade_levels {
            put(format!("rank.level_range.{}", grade.code()), range.to_string());
        }
        for (post, range) in &l.post_levels {
            put(format!("rank.level_range.post.{}", post.code()), range.to_string());
        }
        for (post, grade) in &l.post_lowest_grade {
            put(format!("rank.post.{}.lowest_grade", post.code()), grade.code().into());
        }
        for (post, band) in &l.post_bands {
            put(format!("rank.post.{}.band", post.code()), join(band, |g| g.code()));
        }
        for ((district, class), ceiling) in &l.ceilings {
            put(
                format!("rank.unit.{}.{}.ceiling", district.code(), class.code()),
                ceiling.highest.code().into(),
            );
        }
        let q = &self.quota;
        put("rank.quota.rounding".into(), q.rounding.code().into());
        for (district, table) in &q.table_for {
            put(format!("rank.quota.table.{}", district.code()), table.code().into());
        }
        for (table, caps) in &q.tables {
            for cap in caps {
                put(format!("rank.quota.{}.{}", table.code(), cap.code), cap.spec());
            }
        }
        put("rank.level.no_bump_grades".into(), join(&self.level.no_bump_grades, |g| g.code()));
        put("rank.level.years_per_level".into(), self.level.years_per_level.to_string());
        put("rank.level.years_per_step".into(), self.level.years_per_step.to_string());
        for (kind, months) in &self.impact.months {
            put(format!("rank.impact.{}_months", kind.code()), months.to_string());
        }
        put(
            "rank.impact.REMOVAL_FROM_POST_higher_post_months".into(),
            self.impact.removal_higher_post_months.to_string(),
        );
        put("rank.case.publicity_working_days".into(), self.case.publicity_working_days.to_string());
        put("rank.case.committee_approves_from".into(), self.case.committee_approves_from.code().into());
        put("rank.case.city_filing_from".into(), self.case.city_filing_from.code().into());
        out
    }

    /// The quota caps of a unit class in this district (its district type picks the table).
    pub fn quota_caps(&self, class: UnitClass) -> Result<QuotaCaps, QuotaConfigError> {
        self.quota.caps_for(self.district_type, class)
    }
}

const T18: &str = "并行规定 第十八条 [V]";
const L11: &str = "domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])";
const L5: &str = "级别办法 第五条 [V]";
const P9: &str = "并行规定 第九条 [V]";
const BAND: &str = "domain.md §1.2 [S] (m.lnsyzb.com; 3dmxku.com)";
const U10: &str = "并行规定 第十条 [V]; domain.md §1.3 (read as the highest grade)";
const Q17: &str = "domain.md §1.7 [S] (feng.ifeng.com; m.shutu.cn)";
const IMPACT_ORG: &str = "domain.md §4.4 [M] (组织处理规定 2021); §10.6";
const IMPACT_PARTY: &str = "处分条例 第九~十二条 [V]; domain.md §4.4";
const IMPACT_GOV: &str = "政务处分法 第七、八条 [V]; domain.md §4.4";

/// Every `rank.*` policy key with domain.md's value and its source: `(key, value, source_ref)`. The
/// migration seeds these; `RankPolicy::default()` equals `RankPolicy::from_pairs` of them (tested).
pub const DEFAULT_POLICY: &[(&str, &str, &str)] = &[
    ("rank.district_type", "COUNTY", "domain.md §10.1 (an ordinary 市辖区)"),
    // §1.4 tenure: months in the grade below, or in one of the listed posts.
    ("rank.tenure.INSPECTOR_1_months", "48", T18),
    ("rank.tenure.INSPECTOR_1_posts", "BUREAU_DEPUTY", T18),
    ("rank.tenure.INSPECTOR_2_months", "48", T18),
    ("rank.tenure.INSPECTOR_2_posts", "", T18),
    ("rank.tenure.RESEARCHER_1_months", "36", T18),
    ("rank.tenure.RESEARCHER_1_posts", "COUNTY_PRINCIPAL", T18),
    ("rank.tenure.RESEARCHER_2_months", "24", T18),
    ("rank.tenure.RESEARCHER_2_posts", "", T18),
    ("rank.tenure.RESEARCHER_3_months", "24", T18),
    ("rank.tenure.RESEARCHER_3_posts", "COUNTY_DEPUTY", T18),
    ("rank.tenure.RESEARCHER_4_months", "24", T18),
    ("rank.tenure.RESEARCHER_4_posts", "", T18),
    ("rank.tenure.PRINCIPAL_STAFF_1_months", "24", T18),
    ("rank.tenure.PRINCIPAL_STAFF_1_posts", "TOWNSHIP_PRINCIPAL", T18),
    ("rank.tenure.PRINCIPAL_STAFF_2_months", "24", T18),
    ("rank.tenure.PRINCIPAL_STAFF_2_posts", "", T18),
    ("rank.tenure.PRINCIPAL_STAFF_3_months", "24", T18),
    ("rank.tenure.PRINCIPAL_STAFF_3_posts", "TOWNSHIP_DEPUTY", T18),
    ("rank.tenure.PRINCIPAL_STAFF_4_months", "24", T18),
    ("rank.tenure.PRINCIPAL_STAFF_4_posts", "", T18),
    ("rank.tenure.STAFF_1_months", "24", T18),
    ("rank.tenure.STAFF_1_posts", "", T18),
    // §1.5 how results change the tenure.
    ("rank.tenure.excellent_reduction_months", "6", "并行规定 第十九条 [V]; 考核规定 第十九条(一) [V]"),
    (
        "rank.tenure.excellent_min_months_in_year",
        "1",
        "domain.md §1.5 [S] (任现职级或职务期间); threshold [I]",
    ),
    ("rank.tenure.basic_competent", "DROP", "并行规定 第十九条 [V] (不计算); domain.md §1.5"),
    ("rank.tenure.basic_competent_extends_months", "12", "domain.md §1.5 [S] (110ask; capinfo: 延长1年)"),
    ("rank.tenure.undetermined", "DROP", "并行规定 第十九条 [V]; domain.md §1.5"),
    ("rank.tenure.undetermined_extends_months", "12", "domain.md §1.5 [S] (110ask: 除新录用人员外)"),
    ("rank.tenure.new_recruit_probation_months", "12", "公务员法 第六十条 试用期一年 [M]; domain.md §2.1"),
    ("rank.tenure.current_year_provisional", "true", "domain.md §1.9 R2 [I]"),
    ("rank.tenure.min_year_with_result", "1993", "domain.md §1.5 [S] (110ask)"),
    (
        "rank.block.basic_competent_following_year",
        "true",
        "考核规定 第二十一条(三) [V]/[M]; domain.md §1.9 R3",
    ),
    // §1.1 级别 ranges, as "<highest>-<lowest>" 级别 numbers.
    ("rank.level_range.INSPECTOR_1", "8-13", L11),
    ("rank.level_range.INSPECTOR_2", "10-15", L11),
    ("rank.level_range.RESEARCHER_1", "11-17", L11),
    ("rank.level_range.RESEARCHER_2", "12-18", L11),
    ("rank.level_range.RESEARCHER_3", "13-19", L11),
    ("rank.level_range.RESEARCHER_4", "14-20", L11),
    ("rank.level_range.PRINCIPAL_STAFF_1", "15-21", L11),
    ("rank.level_range.PRINCIPAL_STAFF_2", "16-22", L11),
    ("rank.level_range.PRINCIPAL_STAFF_3", "17-23", L11),
    ("rank.level_range.PRINCIPAL_STAFF_4", "18-24", L11),
    ("rank.level_range.STAFF_1", "18-26", L11),
    ("rank.level_range.STAFF_2", "19-27", L11),
    ("rank.level_range.post.COUNTY_PRINCIPAL", "12-18", L5),
    ("rank.level_range.post.COUNTY_DEPUTY", "14-20", L5),
    ("rank.level_range.post.TOWNSHIP_PRINCIPAL", "16-22", L5),
    ("rank.level_range.post.TOWNSHIP_DEPUTY", "17-24", L5),
    ("rank.level_range.post.BUREAU_PRINCIPAL", "8-13", L5),
    ("rank.level_range.post.BUREAU_DEPUTY", "10-15", L5),
    // §1.2 post ↔ grade.
    ("rank.post.COUNTY_PRINCIPAL.lowest_grade", "RESEARCHER_2", P9),
    ("rank.post.COUNTY_DEPUTY.lowest_grade", "RESEARCHER_4", P9),
    ("rank.post.TOWNSHIP_PRINCIPAL.lowest_grade", "PRINCIPAL_STAFF_2", P9),
    ("rank.post.TOWNSHIP_DEPUTY.lowest_grade", "PRINCIPAL_STAFF_4", P9),
    ("rank.post.BUREAU_PRINCIPAL.lowest_grade", "INSPECTOR_1", P9),
    ("rank.post.BUREAU_DEPUTY.lowest_grade", "INSPECTOR_2", P9),
    ("rank.post.COUNTY_PRINCIPAL.band", "RESEARCHER_1,RESEARCHER_2", BAND),
    ("rank.post.COUNTY_DEPUTY.band", "RESEARCHER_3,RESEARCHER_4", BAND),
    ("rank.post.TOWNSHIP_PRINCIPAL.band", "PRINCIPAL_STAFF_1,PRINCIPAL_STAFF_2", BAND),
    ("rank.post.TOWNSHIP_DEPUTY.band", "PRINCIPAL_STAFF_3,PRINCIPAL_STAFF_4", BAND),
    ("rank.post.BUREAU_PRINCIPAL.band", "INSPECTOR_1", P9),
    ("rank.post.BUREAU_DEPUTY.band", "INSPECTOR_2", P9),
    // §1.3 unit ceilings.
    ("rank.unit.COUNTY.LEADERSHIP_TEAM.ceiling", "INSPECTOR_2", U10),
    ("rank.unit.COUNTY.ORGAN.ceiling", "RESEARCHER_2", U10),
    ("rank.unit.MUNICIPALITY_DISTRICT.LEADERSHIP_TEAM.ceiling", "INSPECTOR_1", U10),
    ("rank.unit.MUNICIPALITY_DISTRICT.ORGAN.ceiling", "INSPECTOR_2", U10),
    ("rank.unit.SUB_PROVINCIAL_DISTRICT.LEADERSHIP_TEAM.ceiling", "INSPECTOR_1", U10),
    ("rank.unit.SUB_PROVINCIAL_DISTRICT.ORGAN.ceiling", "RESEARCHER_1", U10),
    // §1.7 quotas: "<GRADE>+<GRADE>:<basis points>:<HEADCOUNT|cap code>".
    ("rank.quota.rounding", "FLOOR", "domain.md §1.7 [I] (a quota is never exceeded)"),
    ("rank.quota.table.COUNTY", "COUNTY", "domain.md §1.7 [S]; §10.1"),
    ("rank.quota.table.MUNICIPALITY_DISTRICT", "CITY", "并行规定 第十条 groups 直辖市的区 with 市（地）[I]"),
    (
        "rank.quota.table.SUB_PROVINCIAL_DISTRICT",
        "CITY",
        "[I]: its 机关 may use 一级调研员, unlimited in the county table",
    ),
    ("rank.quota.COUNTY.RESEARCHER_2", "RESEARCHER_2:200:HEADCOUNT", Q17),
    ("rank.quota.COUNTY.RESEARCHER_3_4", "RESEARCHER_3+RESEARCHER_4:1000:HEADCOUNT", Q17),
    ("rank.quota.COUNTY.RESEARCHER_3", "RESEARCHER_3:4000:RESEARCHER_3_4", Q17),
    (
        "rank.quota.COUNTY.PRINCIPAL_STAFF_1_4",
        "PRINCIPAL_STAFF_1+PRINCIPAL_STAFF_2+PRINCIPAL_STAFF_3+PRINCIPAL_STAFF_4:6000:HEADCOUNT",
        Q17,
    ),
    (
        "rank.quota.CITY.RESEARCHER_1_4",
        "RESEARCHER_1+RESEARCHER_2+RESEARCHER_3+RESEARCHER_4:2000:HEADCOUNT",
        Q17,
    ),
    ("rank.quota.CITY.RESEARCHER_1_2", "RESEARCHER_1+RESEARCHER_2:4000:RESEARCHER_1_4", Q17),
    ("rank.quota.CITY.RESEARCHER_1", "RESEARCHER_1:5000:RESEARCHER_1_2", Q17),
    (
        "rank.quota.CITY.PRINCIPAL_STAFF_1_4",
        "PRINCIPAL_STAFF_1+PRINCIPAL_STAFF_2+PRINCIPAL_STAFF_3+PRINCIPAL_STAFF_4:6000:HEADCOUNT",
        Q17,
    ),
    // §1.8 级别 and 档次.
    (
        "rank.level.no_bump_grades",
        "RESEARCHER_1,RESEARCHER_3,PRINCIPAL_STAFF_1,PRINCIPAL_STAFF_3",
        "级别办法 第十三条 [V]",
    ),
    ("rank.level.years_per_level", "5", "级别办法 第十四条 [V]; 考核规定 第二十条(二) [V]"),
    ("rank.level.years_per_step", "2", "考核规定 第二十条(一) [V]"),
    // §4.4 影响期, in months.
    ("rank.impact.ADMONISHMENT_months", "6", IMPACT_ORG),
    ("rank.impact.CIRCULAR_months", "0", "domain.md §4.5 [L] (no national promotion effect; 昆明: 12)"),
    ("rank.impact.SUSPENSION_FOR_REVIEW_months", "6", IMPACT_ORG),
    ("rank.impact.POST_ADJUSTMENT_months", "12", IMPACT_ORG),
    ("rank.impact.REMOVAL_FROM_POST_months", "12", IMPACT_ORG),
    ("rank.impact.REMOVAL_FROM_POST_higher_post_months", "24", IMPACT_ORG),
    ("rank.impact.DEMOTION_IN_POST_months", "24", IMPACT_ORG),
    ("rank.impact.PARTY_WARNING_months", "12", IMPACT_PARTY),
    ("rank.impact.PARTY_SERIOUS_WARNING_months", "18", IMPACT_PARTY),
    ("rank.impact.PARTY_POST_REVOKED_months", "24", IMPACT_PARTY),
    (
        "rank.impact.PARTY_PROBATION_months",
        "24",
        "处分条例 [V] (after rights are restored; added to the decided 1–2 years)",
    ),
    ("rank.impact.GOVERNMENT_WARNING_months", "6", IMPACT_GOV),
    ("rank.impact.GOVERNMENT_DEMERIT_months", "12", IMPACT_GOV),
    ("rank.impact.GOVERNMENT_MAJOR_DEMERIT_months", "18", IMPACT_GOV),
    ("rank.impact.GOVERNMENT_DEMOTION_months", "24", IMPACT_GOV),
    ("rank.impact.GOVERNMENT_DISMISSAL_FROM_POST_months", "24", IMPACT_GOV),
    // §1.6 procedure, §10.4 authority.
    ("rank.case.publicity_working_days", "5", "并行规定 第二十条 [V]"),
    ("rank.case.committee_approves_from", "RESEARCHER_4", "domain.md §10.4 (区委常委会: 调研员 and above)"),
    (
        "rank.case.city_filing_from",
        "RESEARCHER_2",
        "domain.md §10.4 (备案 with the city: 二级调研员 and above)",
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    #[test]
    fn the_seed_matches_the_defaults_exactly() {
        let seed: BTreeMap<&str, &str> = DEFAULT_POLICY.iter().map(|(k, v, _)| (*k, *v)).collect();
        assert_eq!(seed.len(), DEFAULT_POLICY.len(), "a key is listed twice");
        let from_default: BTreeMap<String, String> = RankPolicy::default().to_pairs().into_iter().collect();
        let seed_owned: BTreeMap<String, String> =
            seed.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        assert_eq!(from_default, seed_owned);
        let parsed = RankPolicy::from_pairs(seed.iter().map(|(k, v)| (*k, *v))).unwrap();
        assert_eq!(parsed, RankPolicy::default());
        assert!(DEFAULT_POLICY.iter().all(|(_, _, source)| !source.is_empty()));
    }

    #[test]
    fn pairs_override_the_defaults() {
        let policy = RankPolicy::from_pairs([
            ("rank.tenure.RESEARCHER_2_months", "36"),
            ("rank.tenure.basic_competent", "EXTEND"),
            ("rank.district_type", "SUB_PROVINCIAL_DISTRICT"),
            ("rank.quota.COUNTY.RESEARCHER_2", "RESEARCHER_2:300:HEADCOUNT"),
            ("rank.quota.COUNTY.RESEARCHER_3", ""),
            ("rank.impact.ADMONISHMENT_months", "12"),
            ("rank.unit.COUNTY.ORGAN.ceiling", "RESEARCHER_1"),
            ("rank.case.publicity_working_days", "7"),
            ("rank.level.years_per_step", "3"),
            ("rank.unit.SUB_PROVINCIAL_DISTRICT.ORGAN.ceiling", ""),
            ("rank.impact.CIRCULAR_months", ""),
            ("rank.tenure.STAFF_1_months", ""),
            ("rank.tenure.STAFF_1_posts", ""),
            ("rank.post.BUREAU_DEPUTY.band", ""),
        ])
        .unwrap();
        assert_eq!(policy.tenure.rules[&Grade::Researcher2].months, 36);
        assert_eq!(policy.tenure.basic_competent, YearHandling::Extend);
        assert_eq!(policy.district_type, DistrictType::SubProvincialDistrict);
        let county = &policy.quota.tables[&QuotaTable::County];
        assert_eq!(county.iter().find(|c| c.code == "RESEARCHER_2").unwrap().basis_points, 300);
        assert!(county.iter().all(|c| c.code != "RESEARCHER_3"));
        assert_eq!(policy.impact.months[&RestrictionKind::Admonishment], 12);
        assert_eq!(policy.case.publicity_working_days, 7);
        assert_eq!(policy.level.years_per_step, 3);
        assert!(!policy.tenure.rules.contains_key(&Grade::Staff1));
        assert!(!policy.impact.months.contains_key(&RestrictionKind::Circular));
        // Round trip through the text form.
        assert_eq!(RankPolicy::from_pairs(policy.to_pairs()).unwrap(), policy);
    }

    #[test]
    fn typos_and_bad_values_are_refused() {
        let err = |k: &str, v: &str| RankPolicy::from_pairs([(k, v)]).unwrap_err().reason();
        assert_eq!(err("rank.tenure.RESEARCHER_9_months", "24"), "POLICY_KEY_UNKNOWN");
        assert_eq!(err("rank.tenure.STAFF_2_months", "24"), "POLICY_KEY_UNKNOWN");
        assert_eq!(err("rank.tenure.excellent_reduction_months", "six"), "POLICY_VALUE_INVALID");
        assert_eq!(err("rank.tenure.current_year_provisional", "yes"), "POLICY_VALUE_INVALID");
        assert_eq!(err("rank.level_range.STAFF_1", "26-18"), "POLICY_VALUE_INVALID");
        assert_eq!(err("rank.impact.OPEN_INVESTIGATION_months", "6"), "POLICY_KEY_UNKNOWN");
        assert_eq!(err("rank.tenure.STAFF_1_posts", "NONE"), "POLICY_VALUE_INVALID");
        assert_eq!(err("rank.quota.COUNTY.X", "STAFF_1:100:NOWHERE"), "POLICY_QUOTA_INVALID");
        assert_eq!(err("rank.unit.COUNTY.ORGAN.floor", "STAFF_1"), "POLICY_KEY_UNKNOWN");
        assert_eq!(err("leave.tier.one_day_halves", "2"), "POLICY_KEY_UNKNOWN");
    }

    #[test]
    fn every_key_is_under_rank_and_sourced() {
        let keys: BTreeSet<&str> = RankPolicy::keys().collect();
        assert!(keys.iter().all(|k| k.starts_with("rank.")));
        assert!(keys.contains("rank.tenure.RESEARCHER_2_months"));
    }
}

//! Every number of the assessment rules in one place, with the keys under which the service keeps them as
//! versioned policy values (`policy_values`: key, effective_from, value, source_ref).
//!
//! [`DEFAULT_POLICY`] lists each key with domain.md's value and its source; the migration seeds it and a
//! test checks that it parses back to [`AssessmentPolicy::default`]. The store reads the values in force
//! on a date with [`AssessmentPolicy::from_values`], so a past decision can be recomputed under its own
//! policy.

use std::fmt;

use super::consequence::ConsequencePolicy;
use super::grade::{RoutineBands, RoutineGrade};
use super::linkage::{FujianRule, LinkagePolicy, TianjinRule, WeightedRule, parse_rules, rules_code};
use super::participation::{AbsenceLimit, MeasureEffect, MeasureKind, ParticipationPolicy};
use super::quota::{QuotaPolicy, Rounding};
use super::review::{RecoursePolicy, ReviewScope};

/// The assessment policy in force on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentPolicy {
    /// The special cases.
    pub participation: ParticipationPolicy,
    /// The 优秀 and 好 caps.
    pub quota: QuotaPolicy,
    /// The routine score bands.
    pub routine_bands: RoutineBands,
    /// The routine → annual linkage.
    pub linkage: LinkagePolicy,
    /// 复核 and 申诉.
    pub recourse: RecoursePolicy,
    /// Consequences of results.
    pub consequence: ConsequencePolicy,
    /// Working days of the 优秀 publicity (`assessment.publicity.working_days`).
    pub publicity_working_days: u32,
}

impl Default for AssessmentPolicy {
    /// Each part's documented default; the publicity lasts 5 working days \[I\], as the 公示 before an
    /// appointment or a 职级 promotion (≥ 5 工作日, domain.md §1.6 \[V\]), since no national text sets the
    /// length of the 优秀 publicity.
    fn default() -> Self {
        Self {
            participation: ParticipationPolicy::default(),
            quota: QuotaPolicy::default(),
            routine_bands: RoutineBands::default(),
            linkage: LinkagePolicy::default(),
            recourse: RecoursePolicy::default(),
            consequence: ConsequencePolicy::default(),
            publicity_working_days: 5,
        }
    }
}

/// The policy keys with their default values and sources: `(key, value, source_ref)`. Booleans are `1`/`0`,
/// ratios are basis points, codes are the enums' stored codes.
pub const DEFAULT_POLICY: &[(&str, &str, &str)] = &[
    (
        "assessment.excellent.cap_bp",
        "2000",
        "domain.md §2.1: 考核规定 2020, 优秀 ≤ 20% of those taking part [S]; leaders the same (§10.5)",
    ),
    (
        "assessment.excellent.raised_cap_bp",
        "2500",
        "domain.md §2.1: up to 25% with the approval of the 公务员主管部门 at the same level [S]",
    ),
    (
        "assessment.excellent.rounding",
        "HALF_UP",
        "domain.md §2.1: 四舍五入 or 进一法 [S]; 四舍五入 chosen [I]",
    ),
    (
        "assessment.excellent.count_ungraded",
        "1",
        "domain.md §2.1 'of those taking part': 不定等次 and deferred people take part [I]",
    ),
    (
        "assessment.routine.good_cap_bp",
        "4000",
        "domain.md §2.2, §10.5: 好 ≤ 40% of a unit's participants [L]",
    ),
    ("assessment.routine.rounding", "HALF_UP", "domain.md §10.5: the same rounding as 优秀 [I]"),
    ("assessment.routine.periods_per_year", "4", "domain.md §10.5: quarterly 平时考核"),
    ("assessment.routine.good_min_score", "90", "domain.md §2.2: 好 ≥ 90 [L]"),
    ("assessment.routine.fairly_good_min_score", "80", "domain.md §2.2: 较好 80–89 [L]"),
    ("assessment.routine.average_min_score", "60", "domain.md §2.2: 一般 60–79, 较差 < 60 [L]"),
    ("assessment.linkage.rule", "TIANJIN", "domain.md §10.5: the 天津 rule [S]; comma-separated to compose"),
    ("assessment.linkage.tianjin.at_or_below", "AVERAGE", "domain.md §2.2, §10.5: 一般 or worse [S]"),
    (
        "assessment.linkage.tianjin.no_excellent_from",
        "1",
        "domain.md §2.2, §10.5: one such period → not 优秀 [S]",
    ),
    ("assessment.linkage.tianjin.no_competent_from", "2", "domain.md §2.2, §10.5: two → not 称职 [S]"),
    ("assessment.linkage.fujian.at_or_below", "POOR", "domain.md §2.2 (福建): a 较差 period → not 优秀 [S]"),
    ("assessment.linkage.weighted.routine_weight_bp", "6000", "domain.md §2.2 (河北): 平时 weighs 60% [S]"),
    ("assessment.linkage.weighted.excellent_min", "90", "domain.md §2.2 (吉林): ≥ 90 eligible for 优秀 [S]"),
    ("assessment.linkage.weighted.competent_min", "70", "domain.md §2.2 (吉林): 70–89 称职 [S]"),
    ("assessment.linkage.weighted.basic_min", "60", "domain.md §2.2 (吉林): 60–69 基本称职, < 60 不称职 [S]"),
    (
        "assessment.absence.limit",
        "HALF_YEAR",
        "domain.md §2.1: 病假/事假 > half of the 考核年度 → 不参加年度考核 [M]; a number sets a local day limit",
    ),
    ("assessment.probation.months", "12", "公务员法: 新录用公务员试用期为一年 [M]"),
    (
        "assessment.measure.release_year_unaffected",
        "1",
        "处分 rule: 在解除处分的当年及以后，其年度考核不受原处分影响 [S]",
    ),
    (
        "assessment.measure.effect.ADMONISHMENT",
        "NO_EXCELLENT",
        "domain.md §2.1: 诫勉 that year → cannot be 优秀 (考核规定 2020) [M]",
    ),
    (
        "assessment.measure.effect.CIRCULAR",
        "NO_EXCELLENT",
        "domain.md §4.5: 通报 → no 优秀 this year, a local rule [L]; NONE switches it off",
    ),
    (
        "assessment.measure.effect.SUSPENSION_FOR_REVIEW",
        "NO_EXCELLENT",
        "domain.md §2.1: 组织处理 that year → cannot be 优秀 (考核规定 2020) [M]",
    ),
    (
        "assessment.measure.effect.POST_ADJUSTMENT",
        "NO_EXCELLENT",
        "domain.md §2.1: 组织处理 that year → cannot be 优秀 (考核规定 2020) [M]",
    ),
    (
        "assessment.measure.effect.REMOVAL_FROM_POST",
        "NO_EXCELLENT",
        "domain.md §2.1: 组织处理 that year → cannot be 优秀 (考核规定 2020) [M]",
    ),
    (
        "assessment.measure.effect.DEMOTION_IN_POST",
        "NO_EXCELLENT",
        "domain.md §2.1: 组织处理 that year → cannot be 优秀 (考核规定 2020) [M]",
    ),
    (
        "assessment.measure.effect.PARTY_WARNING",
        "NO_EXCELLENT",
        "domain.md §2.1 [V]; 组通字〔1998〕19号 一: 党内警告 that year → not 优秀 [S]",
    ),
    (
        "assessment.measure.effect.PARTY_SERIOUS_WARNING",
        "INCOMPETENT_IF_DUTY_RELATED",
        "组通字〔1998〕19号 二: 严重警告 that year → 不称职 if duty-related, else 不定等次 [S]",
    ),
    (
        "assessment.measure.effect.PARTY_POST_REVOKED",
        "INCOMPETENT",
        "组通字〔1998〕19号 三: 撤销党内职务 that year → 不称职 [S]",
    ),
    (
        "assessment.measure.effect.PARTY_PROBATION",
        "INCOMPETENT_THEN_UNDETERMINED",
        "组通字〔1998〕19号 四: 留党察看 that year → 不称职; the following 察看 years → 不定等次 [S]",
    ),
    (
        "assessment.measure.effect.GOVERNMENT_WARNING",
        "NO_EXCELLENT",
        "domain.md §2.1: 警告 处分 that year → cannot be 优秀 (2007 第二十五条) [V]",
    ),
    (
        "assessment.measure.effect.GOVERNMENT_DEMERIT",
        "UNDETERMINED_IN_PERIOD",
        "domain.md §2.1: in a 记过/记大过/降级/撤职 period → 不定等次 (2007 第二十五条) [V]",
    ),
    (
        "assessment.measure.effect.GOVERNMENT_MAJOR_DEMERIT",
        "UNDETERMINED_IN_PERIOD",
        "domain.md §2.1: in a 记过/记大过/降级/撤职 period → 不定等次 (2007 第二十五条) [V]",
    ),
    (
        "assessment.measure.effect.GOVERNMENT_DEMOTION",
        "UNDETERMINED_IN_PERIOD",
        "domain.md §2.1: in a 记过/记大过/降级/撤职 period → 不定等次 (2007 第二十五条) [V]",
    ),
    (
        "assessment.measure.effect.GOVERNMENT_DISMISSAL_FROM_POST",
        "UNDETERMINED_IN_PERIOD",
        "domain.md §2.1: in a 记过/记大过/降级/撤职 period → 不定等次 (2007 第二十五条) [V]",
    ),
    (
        "assessment.publicity.working_days",
        "5",
        "[I]: as the 公示 before appointment or 职级 promotion (≥ 5 工作日, domain.md §1.6 [V])",
    ),
    ("assessment.review.days", "30", "公务员法 第九十五条: 复核 within 30 days [S]; domain.md §2.1 [M]"),
    (
        "assessment.review.decision_days",
        "30",
        "公务员法 第九十五条: the original body decides within 30 days [S]",
    ),
    (
        "assessment.review.scope",
        "INCOMPETENT",
        "公务员法 第九十五条(四): 定期考核定为不称职 [S]; ANY opens 复核/申诉 to every result",
    ),
    (
        "assessment.appeal.days",
        "15",
        "公务员法 第九十五条: 申诉 within 15 days of the 复核 decision [S]; [M] in domain.md",
    ),
    (
        "assessment.appeal.direct_days",
        "30",
        "公务员法 第九十五条: 申诉 without 复核 within 30 days [S]; 0 disables",
    ),
    (
        "assessment.appeal.decision_days",
        "60",
        "公务员法 第九十五条: decided within 60 days, extendable by 30 [S]",
    ),
    (
        "assessment.deadline.extend_over_rest_days",
        "1",
        "民法典 第二百零三条: a period ending on a rest day ends on the next working day [M]",
    ),
    (
        "assessment.consequence.tenure_reduction_months",
        "6",
        "并行规定 第十九条; 考核规定 2020 第十九条(一): 优秀 → 任职年限缩短半年 [V]",
    ),
    (
        "assessment.consequence.merit_after_excellent_years",
        "3",
        "考核规定 2020 第十九条: 连续三年优秀 → 记三等功 [V]",
    ),
    (
        "assessment.consequence.dismissal_after_incompetent_years",
        "2",
        "公务员法 第八十八条; 考核规定 2020: 连续两年不称职 → 辞退 [V]",
    ),
];

/// A policy value that could not be read.
#[derive(Debug)]
pub enum PolicyError<E> {
    /// The lookup failed (for example, no value in force on the date).
    Lookup {
        /// The key.
        key: &'static str,
        /// The lookup's error.
        error: E,
    },
    /// The value does not parse.
    Invalid {
        /// The key.
        key: &'static str,
        /// The value found.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
}

impl<E: fmt::Display> fmt::Display for PolicyError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lookup { key, error } => write!(f, "policy {key}: {error}"),
            Self::Invalid { key, value, expected } => write!(f, "policy {key} = {value:?} is not {expected}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for PolicyError<E> {}

struct Reader<F> {
    value_of: F,
}

impl<E, F: FnMut(&'static str) -> Result<String, E>> Reader<F> {
    fn raw(&mut self, key: &'static str) -> Result<String, PolicyError<E>> {
        (self.value_of)(key).map(|v| v.trim().to_owned()).map_err(|error| PolicyError::Lookup { key, error })
    }

    fn parse<T>(
        &mut self,
        key: &'static str,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, PolicyError<E>> {
        let value = self.raw(key)?;
        parse(&value).ok_or(PolicyError::Invalid { key, value, expected })
    }

    fn number(&mut self, key: &'static str) -> Result<u32, PolicyError<E>> {
        self.parse(key, "a whole number", |v| v.parse().ok())
    }

    fn flag(&mut self, key: &'static str) -> Result<bool, PolicyError<E>> {
        self.parse(key, "0 or 1", |v| match v {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        })
    }

    fn rounding(&mut self, key: &'static str) -> Result<Rounding, PolicyError<E>> {
        self.parse(key, "HALF_UP, CEIL or FLOOR", Rounding::from_code)
    }

    fn routine_grade(&mut self, key: &'static str) -> Result<RoutineGrade, PolicyError<E>> {
        self.parse(key, "a routine grade code", RoutineGrade::from_code)
    }
}

impl AssessmentPolicy {
    /// Reads every key through `value_of` (the store's "value of this key in force on the date").
    pub fn from_values<E>(
        value_of: impl FnMut(&'static str) -> Result<String, E>,
    ) -> Result<Self, PolicyError<E>> {
        let mut r = Reader { value_of };
        let quota = QuotaPolicy {
            excellent_cap_bp: r.number("assessment.excellent.cap_bp")?,
            excellent_raised_cap_bp: r.number("assessment.excellent.raised_cap_bp")?,
            excellent_rounding: r.rounding("assessment.excellent.rounding")?,
            count_ungraded: r.flag("assessment.excellent.count_ungraded")?,
            routine_good_cap_bp: r.number("assessment.routine.good_cap_bp")?,
            routine_rounding: r.rounding("assessment.routine.rounding")?,
        };
        let routine_bands = RoutineBands {
            good_min: r.number("assessment.routine.good_min_score")?,
            fairly_good_min: r.number("assessment.routine.fairly_good_min_score")?,
            average_min: r.number("assessment.routine.average_min_score")?,
        };
        if !routine_bands.is_ordered() {
            return Err(PolicyError::Invalid {
                key: "assessment.routine.good_min_score",
                value: format!("{routine_bands:?}"),
                expected: "bands with 好 > 较好 > 一般 floors",
            });
        }
        let linkage = LinkagePolicy {
            rules: r.parse("assessment.linkage.rule", "comma-separated linkage rule codes", parse_rules)?,
            tianjin: TianjinRule {
                at_or_below: r.routine_grade("assessment.linkage.tianjin.at_or_below")?,
                no_excellent_from: r.number("assessment.linkage.tianjin.no_excellent_from")?,
                no_competent_from: r.number("assessment.linkage.tianjin.no_competent_from")?,
            },
            fujian: FujianRule { at_or_below: r.routine_grade("assessment.linkage.fujian.at_or_below")? },
            weighted: WeightedRule {
                routine_weight_bp: r.number("assessment.linkage.weighted.routine_weight_bp")?,
                excellent_min: r.number("assessment.linkage.weighted.excellent_min")?,
                competent_min: r.number("assessment.linkage.weighted.competent_min")?,
                basic_min: r.number("assessment.linkage.weighted.basic_min")?,
            },
            periods_per_year: r.number("assessment.routine.periods_per_year")?,
        };
        let mut effects = std::collections::BTreeMap::new();
        for kind in MeasureKind::ALL {
            let effect = r.parse(kind.policy_key(), "a measure effect code", MeasureEffect::from_code)?;
            effects.insert(*kind, effect);
        }
        let participation = ParticipationPolicy {
            absence_limit: r.parse(
                "assessment.absence.limit",
                "HALF_YEAR or a number of days",
                AbsenceLimit::from_code,
            )?,
            probation_months: r.number("assessment.probation.months")?,
            release_year_unaffected: r.flag("assessment.measure.release_year_unaffected")?,
            effects,
        };
        let recourse = RecoursePolicy {
            review_days: r.number("assessment.review.days")?,
            review_decision_days: r.number("assessment.review.decision_days")?,
            appeal_days: r.number("assessment.appeal.days")?,
            direct_appeal_days: r.number("assessment.appeal.direct_days")?,
            appeal_decision_days: r.number("assessment.appeal.decision_days")?,
            scope: r.parse("assessment.review.scope", "INCOMPETENT or ANY", ReviewScope::from_code)?,
            extend_over_rest_days: r.flag("assessment.deadline.extend_over_rest_days")?,
        };
        let consequence = ConsequencePolicy {
            tenure_reduction_months: r.number("assessment.consequence.tenure_reduction_months")?,
            merit_after_excellent_years: r.number("assessment.consequence.merit_after_excellent_years")?,
            dismissal_after_incompetent_years: r
                .number("assessment.consequence.dismissal_after_incompetent_years")?,
        };
        Ok(Self {
            participation,
            quota,
            routine_bands,
            linkage,
            recourse,
            consequence,
            publicity_working_days: r.number("assessment.publicity.working_days")?,
        })
    }

    /// Every key with this policy's value, in [`DEFAULT_POLICY`] order (for display, export, and seeding
    /// a changed policy).
    pub fn to_values(&self) -> Vec<(&'static str, String)> {
        let flag = |b: bool| if b { "1".to_owned() } else { "0".to_owned() };
        let q = &self.quota;
        let l = &self.linkage;
        let p = &self.participation;
        let rc = &self.recourse;
        let c = &self.consequence;
        let mut out = vec![
            ("assessment.excellent.cap_bp", q.excellent_cap_bp.to_string()),
            ("assessment.excellent.raised_cap_bp", q.excellent_raised_cap_bp.to_string()),
            ("assessment.excellent.rounding", q.excellent_rounding.code().to_owned()),
            ("assessment.excellent.count_ungraded", flag(q.count_ungraded)),
            ("assessment.routine.good_cap_bp", q.routine_good_cap_bp.to_string()),
            ("assessment.routine.rounding", q.routine_rounding.code().to_owned()),
            ("assessment.routine.periods_per_year", l.periods_per_year.to_string()),
            ("assessment.routine.good_min_score", self.routine_bands.good_min.to_string()),
            ("assessment.routine.fairly_good_min_score", self.routine_bands.fairly_good_min.to_string()),
            ("assessment.routine.average_min_score", self.routine_bands.average_min.to_string()),
            ("assessment.linkage.rule", rules_code(&l.rules)),
            ("assessment.linkage.tianjin.at_or_below", l.tianjin.at_or_below.code().to_owned()),
            ("assessment.linkage.tianjin.no_excellent_from", l.tianjin.no_excellent_from.to_string()),
            ("assessment.linkage.tianjin.no_competent_from", l.tianjin.no_competent_from.to_string()),
            ("assessment.linkage.fujian.at_or_below", l.fujian.at_or_below.code().to_owned()),
            ("assessment.linkage.weighted.routine_weight_bp", l.weighted.routine_weight_bp.to_string()),
            ("assessment.linkage.weighted.excellent_min", l.weighted.excellent_min.to_string()),
            ("assessment.linkage.weighted.competent_min", l.weighted.competent_min.to_string()),
            ("assessment.linkage.weighted.basic_min", l.weighted.basic_min.to_string()),
            ("assessment.absence.limit", p.absence_limit.code()),
            ("assessment.probation.months", p.probation_months.to_string()),
            ("assessment.measure.release_year_unaffected", flag(p.release_year_unaffected)),
        ];
        out.extend(MeasureKind::ALL.iter().map(|k| (k.policy_key(), p.effect(*k).code().to_owned())));
        out.extend([
            ("assessment.publicity.working_days", self.publicity_working_days.to_string()),
            ("assessment.review.days", rc.review_days.to_string()),
            ("assessment.review.decision_days", rc.review_decision_days.to_string()),
            ("assessment.review.scope", rc.scope.code().to_owned()),
            ("assessment.appeal.days", rc.appeal_days.to_string()),
            ("assessment.appeal.direct_days", rc.direct_appeal_days.to_string()),
            ("assessment.appeal.decision_days", rc.appeal_decision_days.to_string()),
            ("assessment.deadline.extend_over_rest_days", flag(rc.extend_over_rest_days)),
            ("assessment.consequence.tenure_reduction_months", c.tenure_reduction_months.to_string()),
            ("assessment.consequence.merit_after_excellent_years", c.merit_after_excellent_years.to_string()),
            (
                "assessment.consequence.dismissal_after_incompetent_years",
                c.dismissal_after_incompetent_years.to_string(),
            ),
        ]);
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::super::linkage::LinkageKind;
    use super::*;

    fn seed() -> BTreeMap<&'static str, String> {
        DEFAULT_POLICY.iter().map(|(k, v, _)| (*k, (*v).to_owned())).collect()
    }

    fn read(values: &BTreeMap<&'static str, String>) -> Result<AssessmentPolicy, PolicyError<String>> {
        AssessmentPolicy::from_values(|key| {
            values.get(key).cloned().ok_or_else(|| format!("no value for {key}"))
        })
    }

    #[test]
    fn the_seed_is_the_default_policy() {
        assert_eq!(read(&seed()).expect("seed parses"), AssessmentPolicy::default());
    }

    #[test]
    fn the_seed_has_every_key_once_with_a_source() {
        let keys: BTreeSet<_> = DEFAULT_POLICY.iter().map(|(k, _, _)| *k).collect();
        assert_eq!(keys.len(), DEFAULT_POLICY.len(), "duplicate keys");
        assert!(
            DEFAULT_POLICY
                .iter()
                .all(|(k, v, s)| k.starts_with("assessment.") && !v.is_empty() && !s.is_empty())
        );
        // Every key the reader asks for is seeded, and every seeded key is read.
        let mut asked = BTreeSet::new();
        let values = seed();
        let _ = AssessmentPolicy::from_values(|key| {
            asked.insert(key);
            values.get(key).cloned().ok_or(())
        });
        assert_eq!(asked, keys);
        // The default written back gives the seed's values in the seed's order.
        let written: Vec<_> = AssessmentPolicy::default().to_values();
        let seeded: Vec<_> = DEFAULT_POLICY.iter().map(|(k, v, _)| (*k, (*v).to_owned())).collect();
        assert_eq!(written, seeded);
        // Measure effects carry the same sources as the code's defaults.
        for kind in MeasureKind::ALL {
            let (_, value, source) =
                DEFAULT_POLICY.iter().find(|(k, _, _)| *k == kind.policy_key()).expect("seeded kind");
            assert_eq!(*value, kind.default_effect().code());
            assert_eq!(*source, kind.default_source());
        }
    }

    #[test]
    fn the_brief_values() {
        let values = seed();
        for (key, value) in [
            ("assessment.excellent.cap_bp", "2000"),
            ("assessment.excellent.raised_cap_bp", "2500"),
            ("assessment.excellent.rounding", "HALF_UP"),
            ("assessment.routine.good_cap_bp", "4000"),
            ("assessment.review.days", "30"),
            ("assessment.appeal.days", "15"),
            ("assessment.publicity.working_days", "5"),
            ("assessment.probation.months", "12"),
            ("assessment.linkage.rule", "TIANJIN"),
            ("assessment.absence.limit", "HALF_YEAR"),
        ] {
            assert_eq!(values.get(key).map(String::as_str), Some(value), "{key}");
        }
    }

    #[test]
    fn a_changed_policy_round_trips() {
        let mut policy = AssessmentPolicy::default();
        policy.quota.excellent_rounding = Rounding::Ceil;
        policy.quota.count_ungraded = false;
        policy.linkage.rules = vec![LinkageKind::Tianjin, LinkageKind::Fujian];
        policy.participation.absence_limit = AbsenceLimit::Days(90);
        policy.participation.effects.insert(MeasureKind::Circular, MeasureEffect::None);
        policy.recourse.scope = ReviewScope::AnyOutcome;
        let values: BTreeMap<_, _> = policy.to_values().into_iter().collect();
        assert_eq!(read(&values).expect("round trip"), policy);
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut values = seed();
        values.insert("assessment.excellent.rounding", "ROUND".into());
        match read(&values) {
            Err(PolicyError::Invalid { key, value, .. }) => {
                assert_eq!((key, value.as_str()), ("assessment.excellent.rounding", "ROUND"));
            }
            other => panic!("expected an invalid value, got {other:?}"),
        }
        let mut values = seed();
        values.remove("assessment.review.days");
        let err = read(&values).expect_err("missing key");
        assert!(err.to_string().contains("assessment.review.days"), "{err}");
        let mut values = seed();
        values.insert("assessment.routine.fairly_good_min_score", "95".into());
        assert!(matches!(read(&values), Err(PolicyError::Invalid { .. })));
        let mut values = seed();
        values.insert("assessment.excellent.count_ungraded", "yes".into());
        assert!(matches!(
            read(&values),
            Err(PolicyError::Invalid { key: "assessment.excellent.count_ungraded", .. })
        ));
    }
}

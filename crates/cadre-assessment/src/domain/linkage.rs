//! How the routine (平时) results of a year bound its annual grade ("定期考核以平时考核为基础", domain.md §2.2,
//! §10.5). Each rule gives the best annual grade it allows; a district may compose several, and the
//! strictest wins.
//!
//! Missing routine results do not block: a period with no result is reported in
//! [`LinkageVerdict::missing_periods`] and counts as neither good nor bad. Blocking would punish the
//! cadre for the unit's failure to assess, and guessing a grade would be worse; the 组织部 sees the gap
//! and can chase it before the annual proposal.

use std::collections::BTreeSet;

use cadre_platform::code_enum;
use serde::{Deserialize, Serialize};

use super::grade::{AnnualGrade, RoutineGrade};

/// One routine period's result for a cadre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutineResult {
    /// The period's number in the year, from 1 (Q1 … Q4 when quarterly).
    pub period: u32,
    /// The grade.
    pub grade: RoutineGrade,
    /// The score, when the unit scores.
    pub score: Option<u32>,
}

/// What the linkage rules read for one cadre and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkageInput<'a> {
    /// The year's routine results, one per period at most.
    pub results: &'a [RoutineResult],
    /// How many periods the year has (4 when quarterly).
    pub expected_periods: u32,
    /// The year-end score (民主测评 or the unit's own), for the weighted rule.
    pub year_end_score: Option<u32>,
}

impl LinkageInput<'_> {
    /// Periods 1..=expected with no result.
    pub fn missing_periods(&self) -> Vec<u32> {
        let present: BTreeSet<u32> = self.results.iter().map(|r| r.period).collect();
        (1..=self.expected_periods).filter(|p| !present.contains(p)).collect()
    }

    fn periods_at_or_below(&self, grade: RoutineGrade) -> Vec<u32> {
        let periods: BTreeSet<u32> =
            self.results.iter().filter(|r| r.grade.is_at_or_below(grade)).map(|r| r.period).collect();
        periods.into_iter().collect()
    }
}

code_enum!(
    /// A linkage rule, by the province whose practice it follows (domain.md §2.2).
    LinkageKind {
        /// 天津: a number of periods at 一般 or worse bars 优秀, a larger number bars 称职.
        Tianjin = 1 => "TIANJIN",
        /// 福建: a 较差 period bars 优秀.
        Fujian = 2 => "FUJIAN",
        /// 河北/吉林/南昌: routine scores weigh a share of a combined score whose band bounds the grade.
        Weighted = 3 => "WEIGHTED",
    }
);

/// One rule's limit, with the reason to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkageFinding {
    /// The rule.
    pub rule: LinkageKind,
    /// The best annual grade it allows.
    pub best_allowed: AnnualGrade,
    /// Why, citing the rule.
    pub text: String,
    /// The rule's source, with its evidence tag.
    pub source: String,
}

/// What one rule says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleOutcome {
    /// The rule limits the grade.
    Limit(LinkageFinding),
    /// The rule applied and allows any grade.
    NoLimit,
    /// The rule could not be applied (missing scores): a note for the record, no limit.
    NotApplicable(String),
}

/// A linkage rule: the best annual grade a year's routine results allow.
pub trait LinkageRule {
    /// Which rule this is.
    fn kind(&self) -> LinkageKind;
    /// What the rule says about these results.
    fn evaluate(&self, input: &LinkageInput<'_>) -> RuleOutcome;
}

fn period_list(periods: &[u32]) -> String {
    periods.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// 天津: `no_excellent_from` periods at or below `at_or_below` → not 优秀; `no_competent_from` → not 称职
/// either (best 基本称职). domain.md words it on a 称职-style routine scale ("基本称职 or worse"); on the
/// 好/较好/一般/较差 scale that is 一般 or worse (§10.5). A count of 0 switches that step off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TianjinRule {
    /// The routine grade from which a period counts against the cadre (`assessment.linkage.tianjin.at_or_below`).
    pub at_or_below: RoutineGrade,
    /// Periods that bar 优秀 (`assessment.linkage.tianjin.no_excellent_from`).
    pub no_excellent_from: u32,
    /// Periods that bar 称职 (`assessment.linkage.tianjin.no_competent_from`).
    pub no_competent_from: u32,
}

impl Default for TianjinRule {
    /// One period of 一般 or worse → no 优秀; two → no 称职: domain.md §2.2 (天津) \[S\], chosen in §10.5.
    fn default() -> Self {
        Self { at_or_below: RoutineGrade::Average, no_excellent_from: 1, no_competent_from: 2 }
    }
}

impl LinkageRule for TianjinRule {
    fn kind(&self) -> LinkageKind {
        LinkageKind::Tianjin
    }

    fn evaluate(&self, input: &LinkageInput<'_>) -> RuleOutcome {
        let bad = input.periods_at_or_below(self.at_or_below);
        let count = u32::try_from(bad.len()).unwrap_or(u32::MAX);
        let reached = |threshold: u32| threshold > 0 && count >= threshold;
        let best_allowed = if reached(self.no_competent_from) {
            AnnualGrade::Basic
        } else if reached(self.no_excellent_from) {
            AnnualGrade::Competent
        } else {
            return RuleOutcome::NoLimit;
        };
        RuleOutcome::Limit(LinkageFinding {
            rule: self.kind(),
            best_allowed,
            text: format!(
                "{count} routine period(s) rated {} or worse (period {}): the year can be at best {} (天津 rule)",
                self.at_or_below.name_zh(),
                period_list(&bad),
                best_allowed.name_zh()
            ),
            source: "domain.md §2.2 (天津) [S]; default per §10.5".into(),
        })
    }
}

/// 福建: a period at or below `at_or_below` (较差) → no 优秀. Fujian states it for monthly periods; it
/// reads the same on any period length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FujianRule {
    /// The routine grade that bars 优秀 (`assessment.linkage.fujian.at_or_below`).
    pub at_or_below: RoutineGrade,
}

impl Default for FujianRule {
    /// Any 较差 → no 优秀: domain.md §2.2 (福建) \[S\].
    fn default() -> Self {
        Self { at_or_below: RoutineGrade::Poor }
    }
}

impl LinkageRule for FujianRule {
    fn kind(&self) -> LinkageKind {
        LinkageKind::Fujian
    }

    fn evaluate(&self, input: &LinkageInput<'_>) -> RuleOutcome {
        let bad = input.periods_at_or_below(self.at_or_below);
        if bad.is_empty() {
            return RuleOutcome::NoLimit;
        }
        RuleOutcome::Limit(LinkageFinding {
            rule: self.kind(),
            best_allowed: AnnualGrade::Competent,
            text: format!(
                "routine period {} rated {} or worse: the year cannot be 优秀 (福建 rule)",
                period_list(&bad),
                self.at_or_below.name_zh()
            ),
            source: "domain.md §2.2 (福建) [S]".into(),
        })
    }
}

/// Weighted (河北-like): combined = routine mean × weight + year-end score × (1 − weight); the combined
/// score's band gives the best grade (吉林's bands by default). Applies only when every period has a
/// score and the year-end score is known; otherwise it notes why and sets no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedRule {
    /// The routine mean's weight in basis points (`assessment.linkage.weighted.routine_weight_bp`).
    pub routine_weight_bp: u32,
    /// Lowest combined score that allows 优秀 (`assessment.linkage.weighted.excellent_min`).
    pub excellent_min: u32,
    /// Lowest combined score that allows 称职 (`assessment.linkage.weighted.competent_min`).
    pub competent_min: u32,
    /// Lowest combined score that allows 基本称职 (`assessment.linkage.weighted.basic_min`); below it, 不称职.
    pub basic_min: u32,
}

impl Default for WeightedRule {
    /// Weight 60 % (河北); bands ≥90 优秀, 70–89 称职, 60–69 基本称职, <60 不称职 (吉林): domain.md §2.2 \[S\].
    fn default() -> Self {
        Self { routine_weight_bp: 6_000, excellent_min: 90, competent_min: 70, basic_min: 60 }
    }
}

impl LinkageRule for WeightedRule {
    fn kind(&self) -> LinkageKind {
        LinkageKind::Weighted
    }

    fn evaluate(&self, input: &LinkageInput<'_>) -> RuleOutcome {
        let missing = input.missing_periods();
        let unscored: Vec<u32> =
            input.results.iter().filter(|r| r.score.is_none()).map(|r| r.period).collect();
        let Some(year_end) = input.year_end_score else {
            return RuleOutcome::NotApplicable("weighted rule not applied: no year-end score".into());
        };
        if !missing.is_empty() || !unscored.is_empty() || input.results.is_empty() {
            return RuleOutcome::NotApplicable(format!(
                "weighted rule not applied: no score for period {}",
                period_list(&[missing, unscored].concat())
            ));
        }
        // Exact comparison without division: combined ≥ t  ⇔  Σ·w + y·(10000−w)·n ≥ t·10000·n.
        let n = input.results.len() as u64;
        let sum: u64 = input.results.iter().filter_map(|r| r.score).map(u64::from).sum();
        let weight = u64::from(self.routine_weight_bp.min(10_000));
        let lhs = sum * weight + u64::from(year_end) * (10_000 - weight) * n;
        let reaches = |threshold: u32| lhs >= u64::from(threshold) * 10_000 * n;
        let best_allowed = if reaches(self.excellent_min) {
            return RuleOutcome::NoLimit;
        } else if reaches(self.competent_min) {
            AnnualGrade::Competent
        } else if reaches(self.basic_min) {
            AnnualGrade::Basic
        } else {
            AnnualGrade::Incompetent
        };
        let combined = lhs as f64 / (10_000.0 * n as f64);
        RuleOutcome::Limit(LinkageFinding {
            rule: self.kind(),
            best_allowed,
            text: format!(
                "combined score {combined:.1} ({}% routine): the year can be at best {} (weighted rule)",
                weight / 100,
                best_allowed.name_zh()
            ),
            source: "domain.md §2.2 (河北 weight, 吉林 bands) [S]".into(),
        })
    }
}

/// The district's linkage: which rules apply, each with its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkagePolicy {
    /// The rules applied, all of them, strictest wins (`assessment.linkage.rule`, comma-separated).
    pub rules: Vec<LinkageKind>,
    /// 天津 parameters.
    pub tianjin: TianjinRule,
    /// 福建 parameters.
    pub fujian: FujianRule,
    /// Weighted parameters.
    pub weighted: WeightedRule,
    /// Routine periods in a year (`assessment.routine.periods_per_year`).
    pub periods_per_year: u32,
}

impl Default for LinkagePolicy {
    /// 天津 alone, quarterly periods: domain.md §10.5.
    fn default() -> Self {
        Self {
            rules: vec![LinkageKind::Tianjin],
            tianjin: TianjinRule::default(),
            fujian: FujianRule::default(),
            weighted: WeightedRule::default(),
            periods_per_year: 4,
        }
    }
}

/// What the composed rules allow.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkageVerdict {
    /// The strictest limit (`None`: any grade).
    pub best_allowed: Option<AnnualGrade>,
    /// Each limiting rule's finding.
    pub findings: Vec<LinkageFinding>,
    /// Periods without a result: reported, not counted.
    pub missing_periods: Vec<u32>,
    /// Rules that could not be applied, and why.
    pub notes: Vec<String>,
}

impl LinkageVerdict {
    /// No limit and nothing to report: for cadres whose linkage is not evaluated.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether the rules allow this grade.
    pub fn permits(&self, grade: AnnualGrade) -> bool {
        self.best_allowed.is_none_or(|best| !grade.is_above(best))
    }
}

impl LinkagePolicy {
    fn rule(&self, kind: LinkageKind) -> &dyn LinkageRule {
        match kind {
            LinkageKind::Tianjin => &self.tianjin,
            LinkageKind::Fujian => &self.fujian,
            LinkageKind::Weighted => &self.weighted,
        }
    }

    /// Applies every configured rule to a cadre's year; the strictest limit wins.
    pub fn evaluate(&self, results: &[RoutineResult], year_end_score: Option<u32>) -> LinkageVerdict {
        let input = LinkageInput { results, expected_periods: self.periods_per_year, year_end_score };
        let mut verdict =
            LinkageVerdict { missing_periods: input.missing_periods(), ..LinkageVerdict::none() };
        for kind in &self.rules {
            match self.rule(*kind).evaluate(&input) {
                RuleOutcome::Limit(finding) => {
                    verdict.best_allowed =
                        AnnualGrade::stricter_ceiling(verdict.best_allowed, Some(finding.best_allowed));
                    verdict.findings.push(finding);
                }
                RuleOutcome::NoLimit => {}
                RuleOutcome::NotApplicable(note) => verdict.notes.push(note),
            }
        }
        verdict
    }
}

/// Parses the comma-separated rule list of `assessment.linkage.rule` (an empty value: no linkage).
pub fn parse_rules(value: &str) -> Option<Vec<LinkageKind>> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(LinkageKind::from_code).collect()
}

/// The rule list as its policy value.
pub fn rules_code(rules: &[LinkageKind]) -> String {
    rules.iter().map(|k| k.code()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use RoutineGrade::*;

    fn year(grades: &[RoutineGrade]) -> Vec<RoutineResult> {
        grades
            .iter()
            .enumerate()
            .map(|(i, g)| RoutineResult { period: i as u32 + 1, grade: *g, score: None })
            .collect()
    }

    fn scored(scores: &[u32]) -> Vec<RoutineResult> {
        let bands = super::super::grade::RoutineBands::default();
        scores
            .iter()
            .enumerate()
            .map(|(i, s)| RoutineResult { period: i as u32 + 1, grade: bands.grade_for(*s), score: Some(*s) })
            .collect()
    }

    fn only(kind: LinkageKind) -> LinkagePolicy {
        LinkagePolicy { rules: vec![kind], ..LinkagePolicy::default() }
    }

    #[test]
    fn tianjin_one_average_bars_excellent_two_bar_competent() {
        let policy = LinkagePolicy::default();
        let v = policy.evaluate(&year(&[Good, Good, FairlyGood, Good]), None);
        assert_eq!(v.best_allowed, None);
        assert!(v.findings.is_empty());

        let v = policy.evaluate(&year(&[Good, Average, FairlyGood, Good]), None);
        assert_eq!(v.best_allowed, Some(AnnualGrade::Competent));
        assert!(!v.permits(AnnualGrade::Excellent) && v.permits(AnnualGrade::Competent));
        assert!(v.findings[0].text.contains("天津"), "{}", v.findings[0].text);

        let v = policy.evaluate(&year(&[Poor, Average, Good, Good]), None);
        assert_eq!(v.best_allowed, Some(AnnualGrade::Basic));
        assert!(!v.permits(AnnualGrade::Competent) && v.permits(AnnualGrade::Basic));
        assert!(v.permits(AnnualGrade::Incompetent));
    }

    #[test]
    fn tianjin_steps_can_be_switched_off() {
        let policy = LinkagePolicy {
            tianjin: TianjinRule { no_competent_from: 0, ..TianjinRule::default() },
            ..LinkagePolicy::default()
        };
        let v = policy.evaluate(&year(&[Poor, Poor, Poor, Poor]), None);
        assert_eq!(v.best_allowed, Some(AnnualGrade::Competent));
    }

    #[test]
    fn fujian_any_poor_bars_excellent() {
        let policy = only(LinkageKind::Fujian);
        assert_eq!(policy.evaluate(&year(&[Average, Average, Average, Average]), None).best_allowed, None);
        let v = policy.evaluate(&year(&[Good, Good, Poor, Good]), None);
        assert_eq!(v.best_allowed, Some(AnnualGrade::Competent));
        assert!(v.findings[0].text.contains("福建"));
    }

    #[test]
    fn weighted_combines_routine_and_year_end_scores() {
        let policy = only(LinkageKind::Weighted);
        // Mean 95 × 60 % + 85 × 40 % = 91 → 优秀 allowed.
        assert_eq!(policy.evaluate(&scored(&[95, 95, 95, 95]), Some(85)).best_allowed, None);
        // Mean 90 × 60 % + 85 × 40 % = 88 → 称职 at best.
        assert_eq!(
            policy.evaluate(&scored(&[90, 90, 90, 90]), Some(85)).best_allowed,
            Some(AnnualGrade::Competent)
        );
        // Exactly 70 → 称职; 69.x → 基本称职; below 60 → 不称职.
        assert_eq!(
            policy.evaluate(&scored(&[70, 70, 70, 70]), Some(70)).best_allowed,
            Some(AnnualGrade::Competent)
        );
        assert_eq!(
            policy.evaluate(&scored(&[70, 70, 70, 69]), Some(70)).best_allowed,
            Some(AnnualGrade::Basic)
        );
        assert_eq!(
            policy.evaluate(&scored(&[50, 50, 50, 50]), Some(60)).best_allowed,
            Some(AnnualGrade::Incompetent)
        );
        // No year-end score or a missing period: not applied, noted.
        let v = policy.evaluate(&scored(&[50, 50, 50, 50]), None);
        assert_eq!((v.best_allowed, v.notes.len()), (None, 1));
        let v = policy.evaluate(&scored(&[50, 50, 50]), Some(50));
        assert_eq!(v.best_allowed, None);
        assert!(v.notes[0].contains('4'), "{}", v.notes[0]);
    }

    #[test]
    fn composed_rules_keep_the_strictest() {
        let policy = LinkagePolicy {
            rules: vec![LinkageKind::Fujian, LinkageKind::Tianjin, LinkageKind::Weighted],
            ..LinkagePolicy::default()
        };
        // Fujian alone says 称职; Tianjin with two bad periods says 基本称职.
        let mut results = scored(&[95, 55, 75, 95]);
        let v = policy.evaluate(&results, Some(95));
        assert_eq!(v.best_allowed, Some(AnnualGrade::Basic));
        assert_eq!(
            v.findings.iter().map(|f| f.rule).collect::<Vec<_>>(),
            [LinkageKind::Fujian, LinkageKind::Tianjin, LinkageKind::Weighted]
        );
        // Drop the 一般 quarter: Fujian and Tianjin both say 称职.
        results[2] = RoutineResult { period: 3, grade: Good, score: Some(95) };
        assert_eq!(policy.evaluate(&results, Some(95)).best_allowed, Some(AnnualGrade::Competent));
        // No rules: no limit.
        let none = LinkagePolicy { rules: vec![], ..LinkagePolicy::default() };
        assert_eq!(none.evaluate(&year(&[Poor, Poor, Poor, Poor]), None).best_allowed, None);
    }

    #[test]
    fn missing_periods_are_reported_not_counted() {
        let policy = LinkagePolicy::default();
        let v = policy.evaluate(&[RoutineResult { period: 2, grade: Good, score: None }], None);
        assert_eq!(v.missing_periods, [1, 3, 4]);
        assert_eq!(v.best_allowed, None);
        let v = policy.evaluate(&[], None);
        assert_eq!(v.missing_periods, [1, 2, 3, 4]);
        assert_eq!(v.best_allowed, None);
    }

    #[test]
    fn rule_lists_parse() {
        assert_eq!(parse_rules("TIANJIN"), Some(vec![LinkageKind::Tianjin]));
        assert_eq!(parse_rules("TIANJIN, FUJIAN"), Some(vec![LinkageKind::Tianjin, LinkageKind::Fujian]));
        assert_eq!(parse_rules(""), Some(vec![]));
        assert_eq!(parse_rules("TIANJIN,HUBEI"), None);
        assert_eq!(rules_code(&[LinkageKind::Tianjin, LinkageKind::Weighted]), "TIANJIN,WEIGHTED");
    }
}

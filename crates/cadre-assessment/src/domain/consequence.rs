//! What a final annual result sets off (domain.md §2.1 consequences table, §1.5, §5.2, §9): the
//! proposals and flags other services act on when `AnnualAssessmentFinalised` is published.
//!
//! Consecutive means adjacent calendar years with the same grade. Any other year breaks a run: a year
//! with no result, 不定等次, a deferred year not yet 补定, or a year not taken part in. 考核规定 says
//! "连续三年被确定为优秀等次" and "连续两年被确定为不称职等次", and a 不定等次 year is by definition not
//! 确定为 either, so it cannot carry a run across. When a deferred year is later supplemented, the
//! service recomputes the following years' consequences.

use std::collections::BTreeMap;

use cadre_platform::code_enum;
use serde::{Deserialize, Serialize};

use super::grade::{AnnualGrade, Outcome};

code_enum!(
    /// A consequence of a final result.
    ConsequenceKind {
        /// 嘉奖 (and 本机关通报表扬) for 优秀.
        CommendationProposed = 1 => "COMMENDATION_PROPOSED",
        /// 记三等功 after consecutive 优秀 years.
        MeritThirdClassProposed = 2 => "MERIT_THIRD_CLASS_PROPOSED",
        /// The tenure required for the next 职级 is shortened (6 months by default, see `months`).
        TenureReduced6Months = 3 => "TENURE_REDUCED_6_MONTHS",
        /// 称职 or better: the year counts for 级别 and 工资档次 (and toward tenure).
        CountsForLevelAndStep = 4 => "COUNTS_FOR_LEVEL_AND_STEP",
        /// 诫勉, 书面检查 and 限期改进 for 基本称职.
        Admonishment = 5 => "ADMONISHMENT",
        /// No promotion of 职务 or 职级 in the following year.
        NoPromotionNextYear = 6 => "NO_PROMOTION_NEXT_YEAR",
        /// The year does not count toward tenure, 级别 or 工资档次.
        YearNotCounted = 7 => "YEAR_NOT_COUNTED",
        /// 降低一个职务或者职级层次 for 不称职.
        DemotionCase = 8 => "DEMOTION_CASE",
        /// 辞退 after consecutive 不称职 years.
        DismissalCase = 9 => "DISMISSAL_CASE",
        /// No 年度考核奖金.
        NoBonus = 10 => "NO_BONUS",
    }
);

code_enum!(
    /// Who applies a consequence.
    Applier {
        /// The rank service: tenure, promotion bars, 级别 and 档次 counters, demotion.
        Rank = 1 => "RANK",
        /// The care service: rewards.
        Care = 2 => "CARE",
        /// The oversight service: 诫勉.
        Oversight = 3 => "OVERSIGHT",
        /// The unit's HR and pay office (and the appointing authority for 辞退).
        Hr = 4 => "HR",
    }
);

/// One consequence, addressed to whoever applies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consequence {
    /// What follows.
    pub kind: ConsequenceKind,
    /// Who applies it.
    pub applied_by: Applier,
    /// Months of tenure reduction, for [`ConsequenceKind::TenureReduced6Months`].
    pub months: Option<u32>,
    /// The length of the run that triggered it, for the consecutive-year consequences.
    pub run: Option<u32>,
    /// The source, with its evidence tag.
    pub source: String,
}

impl Consequence {
    fn new(kind: ConsequenceKind, applied_by: Applier, source: &str) -> Self {
        Self { kind, applied_by, months: None, run: None, source: source.to_owned() }
    }
}

/// The consequences' policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsequencePolicy {
    /// Months of tenure reduction per 优秀 (`assessment.consequence.tenure_reduction_months`).
    pub tenure_reduction_months: u32,
    /// Consecutive 优秀 years for a 记三等功 (`assessment.consequence.merit_after_excellent_years`).
    pub merit_after_excellent_years: u32,
    /// Consecutive 不称职 years for a 辞退 case (`assessment.consequence.dismissal_after_incompetent_years`).
    pub dismissal_after_incompetent_years: u32,
}

impl Default for ConsequencePolicy {
    /// −6 months per 优秀 (并行规定 第十九条, 考核规定 第十九条) \[V\]; 3 consecutive 优秀 → 三等功 (考核规定
    /// 第十九条) \[V\]; 2 consecutive 不称职 → 辞退 (公务员法 第八十八条, 考核规定 2020) \[V\].
    fn default() -> Self {
        Self {
            tenure_reduction_months: 6,
            merit_after_excellent_years: 3,
            dismissal_after_incompetent_years: 2,
        }
    }
}

/// How many consecutive years up to and including `year` have `grade`, `this_year` being the outcome of
/// `year` itself (the history may not have it yet).
pub fn run_length(
    year: i32,
    this_year: Outcome,
    history: &BTreeMap<i32, Outcome>,
    grade: AnnualGrade,
) -> u32 {
    if this_year != Outcome::Graded(grade) {
        return 0;
    }
    let mut run = 1;
    let mut previous = year - 1;
    while history.get(&previous) == Some(&Outcome::Graded(grade)) {
        run += 1;
        previous -= 1;
    }
    run
}

/// The consequences of `outcome` for `year`, given the person's earlier outcomes by year (`history`; the
/// entry for `year` itself, if any, is ignored).
///
/// A 三等功 is proposed each time the 优秀 run reaches a multiple of the policy's count (years 3, 6, …),
/// so no 优秀 year is used for two awards. A 辞退 case is opened every year the 不称职 run is at or past
/// its count, because a protected person (公务员法 第八十九条) may still be in post a year later.
pub fn consequences(
    year: i32,
    outcome: Outcome,
    history: &BTreeMap<i32, Outcome>,
    policy: &ConsequencePolicy,
) -> Vec<Consequence> {
    use Applier::*;
    use ConsequenceKind::*;
    let mut out = Vec::new();
    match outcome {
        Outcome::Graded(AnnualGrade::Excellent) => {
            out.push(Consequence::new(
                CommendationProposed,
                Care,
                "考核规定 2020 第十九条: 优秀 → 嘉奖 and 本机关通报表扬 [V]",
            ));
            let run = run_length(year, outcome, history, AnnualGrade::Excellent);
            let every = policy.merit_after_excellent_years;
            if every > 0 && run >= every && run.is_multiple_of(every) {
                out.push(Consequence {
                    run: Some(run),
                    ..Consequence::new(
                        MeritThirdClassProposed,
                        Care,
                        "考核规定 2020 第十九条: 连续三年优秀 → 记三等功 [V]",
                    )
                });
            }
            out.push(Consequence {
                months: Some(policy.tenure_reduction_months),
                ..Consequence::new(
                    TenureReduced6Months,
                    Rank,
                    "并行规定 第十九条; 考核规定 2020 第十九条(一): 任职年限缩短半年 [V]",
                )
            });
            out.push(Consequence::new(CountsForLevelAndStep, Rank, "考核规定 2020 第二十条 [V]"));
        }
        Outcome::Graded(AnnualGrade::Competent) => {
            out.push(Consequence::new(CountsForLevelAndStep, Rank, "考核规定 2020 第二十条 [V]"));
        }
        Outcome::Graded(AnnualGrade::Basic) => {
            out.push(Consequence::new(
                Admonishment,
                Oversight,
                "考核规定 2020 第二十一条: 基本称职 → 诫勉, 书面检查, 限期改进 [V]",
            ));
            out.push(Consequence::new(
                NoPromotionNextYear,
                Rank,
                "考核规定 2020 第二十一条(三): 下一年内不得晋升职务职级 [V/M]",
            ));
            out.push(Consequence::new(
                YearNotCounted,
                Rank,
                "并行规定 第十九条; 考核规定 2020 第二十一条: not counted for tenure, 级别, 档次 [V]",
            ));
            out.push(Consequence::new(
                NoBonus,
                Hr,
                "domain.md §2.1: 基本称职 → no 年度考核奖金 (2007 rule) [S]",
            ));
        }
        Outcome::Graded(AnnualGrade::Incompetent) => {
            out.push(Consequence::new(
                DemotionCase,
                Rank,
                "考核规定 2020; 并行规定 第二十二条; 公务员法 第八十八条: 降低一个职务或者职级层次 [V]",
            ));
            let run = run_length(year, outcome, history, AnnualGrade::Incompetent);
            let after = policy.dismissal_after_incompetent_years;
            if after > 0 && run >= after {
                out.push(Consequence {
                    run: Some(run),
                    ..Consequence::new(
                        DismissalCase,
                        Hr,
                        "公务员法 第八十八条; 考核规定 2020: 连续两年不称职 → 辞退 [V]",
                    )
                });
            }
            out.push(Consequence::new(
                NoPromotionNextYear,
                Rank,
                "选任条例 第二十四条: 上一年年度考核基本称职以下 → not a 考察对象 [V]",
            ));
            out.push(Consequence::new(YearNotCounted, Rank, "考核规定 2020: not counted for 级别, 档次 [V]"));
            out.push(Consequence::new(NoBonus, Hr, "考核规定 2020: 不称职 → no 年度考核奖金 [V]"));
        }
        Outcome::Undetermined => {
            // Whether a new recruit's probation year extends tenure is the rank service's rule (§1.5).
            out.push(Consequence::new(
                YearNotCounted,
                Rank,
                "并行规定 第十九条: 不定等次 is not counted (rank applies the new-recruit exception) [V]",
            ));
        }
        Outcome::NotParticipating => {
            out.push(Consequence::new(
                YearNotCounted,
                Rank,
                "并行规定 第十九条: a counted year needs a result of 称职 or better [V]",
            ));
        }
        // Nothing follows until the grade is supplemented.
        Outcome::Deferred => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use AnnualGrade::*;
    use ConsequenceKind::*;

    fn history(entries: &[(i32, Outcome)]) -> BTreeMap<i32, Outcome> {
        entries.iter().copied().collect()
    }

    fn kinds(year: i32, outcome: Outcome, h: &BTreeMap<i32, Outcome>) -> Vec<ConsequenceKind> {
        consequences(year, outcome, h, &ConsequencePolicy::default()).iter().map(|c| c.kind).collect()
    }

    #[test]
    fn excellent_is_commended_and_shortens_tenure() {
        let all = consequences(2024, Excellent.into(), &BTreeMap::new(), &ConsequencePolicy::default());
        assert_eq!(
            all.iter().map(|c| c.kind).collect::<Vec<_>>(),
            [CommendationProposed, TenureReduced6Months, CountsForLevelAndStep]
        );
        assert_eq!(all[0].applied_by, Applier::Care);
        assert_eq!(all[1].months, Some(6));
        assert!(all.iter().all(|c| !c.source.is_empty()));
    }

    #[test]
    fn three_consecutive_excellent_years_earn_a_merit_once() {
        let h = history(&[(2022, Excellent.into()), (2023, Excellent.into())]);
        assert!(kinds(2024, Excellent.into(), &h).contains(&MeritThirdClassProposed));
        let h4 = history(&[(2021, Excellent.into()), (2022, Excellent.into()), (2023, Excellent.into())]);
        assert!(!kinds(2024, Excellent.into(), &h4).contains(&MeritThirdClassProposed), "the 4th year");
        let h6: BTreeMap<_, _> = (2019..2024).map(|y| (y, Outcome::from(Excellent))).collect();
        let six = consequences(2024, Excellent.into(), &h6, &ConsequencePolicy::default());
        let merit = six.iter().find(|c| c.kind == MeritThirdClassProposed).expect("6th year");
        assert_eq!(merit.run, Some(6));
    }

    #[test]
    fn a_gap_or_an_undetermined_year_breaks_the_run() {
        let gap = history(&[(2021, Excellent.into()), (2022, Excellent.into())]);
        assert!(!kinds(2024, Excellent.into(), &gap).contains(&MeritThirdClassProposed));
        let undetermined = history(&[(2022, Excellent.into()), (2023, Outcome::Undetermined)]);
        assert_eq!(run_length(2024, Excellent.into(), &undetermined, Excellent), 1);
        let not_part = history(&[(2022, Excellent.into()), (2023, Outcome::NotParticipating)]);
        assert_eq!(run_length(2024, Excellent.into(), &not_part, Excellent), 1);
        // The history's own entry for the year is ignored in favour of the outcome passed in.
        let stale = history(&[(2023, Excellent.into()), (2024, Competent.into())]);
        assert_eq!(run_length(2024, Excellent.into(), &stale, Excellent), 2);
    }

    #[test]
    fn basic_brings_admonishment_and_a_year_without_promotion() {
        let got = consequences(2024, Basic.into(), &BTreeMap::new(), &ConsequencePolicy::default());
        assert_eq!(
            got.iter().map(|c| (c.kind, c.applied_by)).collect::<Vec<_>>(),
            [
                (Admonishment, Applier::Oversight),
                (NoPromotionNextYear, Applier::Rank),
                (YearNotCounted, Applier::Rank),
                (NoBonus, Applier::Hr)
            ]
        );
    }

    #[test]
    fn incompetent_twice_in_a_row_opens_a_dismissal_case() {
        let once = kinds(2024, Incompetent.into(), &history(&[(2023, Competent.into())]));
        assert_eq!(once, [DemotionCase, NoPromotionNextYear, YearNotCounted, NoBonus]);
        let twice = kinds(2024, Incompetent.into(), &history(&[(2023, Incompetent.into())]));
        assert_eq!(twice, [DemotionCase, DismissalCase, NoPromotionNextYear, YearNotCounted, NoBonus]);
        let broken = kinds(
            2024,
            Incompetent.into(),
            &history(&[(2022, Incompetent.into()), (2023, Outcome::Undetermined)]),
        );
        assert!(!broken.contains(&DismissalCase));
    }

    #[test]
    fn ungraded_outcomes() {
        let none = BTreeMap::new();
        assert_eq!(kinds(2024, Competent.into(), &none), [CountsForLevelAndStep]);
        assert_eq!(kinds(2024, Outcome::Undetermined, &none), [YearNotCounted]);
        assert_eq!(kinds(2024, Outcome::NotParticipating, &none), [YearNotCounted]);
        assert!(kinds(2024, Outcome::Deferred, &none).is_empty());
        for k in ConsequenceKind::ALL {
            assert_eq!(ConsequenceKind::from_code(k.code()), Some(*k));
        }
        for a in Applier::ALL {
            assert_eq!(Applier::from_code(a.code()), Some(*a));
        }
    }
}

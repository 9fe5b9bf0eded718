//! 级别 and 工资档次 (domain.md §1.8): the 级别 a promotion gives, and the 级别 and 档次 that years of 称职 or
//! better earn.

use cadre_platform::code_enum;
use serde::{Deserialize, Serialize};

use super::{
    history::AnnualOutcome,
    ladder::{Grade, Ladder, Level, LevelRange},
};

/// The 级别 and 档次 rules' numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelPolicy {
    /// Promotions to these grades keep a 级别 already within the new range (级别办法 第十三条 \[V\]).
    pub no_bump_grades: Vec<Grade>,
    /// Cumulative years of 称职 or better for +1 级别 within the range (级别办法 第十四条 \[V\]; 考核规定
    /// 第二十条(二)).
    pub years_per_level: u32,
    /// Cumulative years of 称职 or better for +1 工资档次 (考核规定 第二十条(一) \[V\]).
    pub years_per_step: u32,
}

impl Default for LevelPolicy {
    /// domain.md §1.8.
    fn default() -> Self {
        use Grade::*;
        Self {
            no_bump_grades: vec![Researcher1, Researcher3, PrincipalStaff1, PrincipalStaff3],
            years_per_level: 5,
            years_per_step: 2,
        }
    }
}

code_enum!(
    /// Which branch of 第十三条 set the 级别 after a promotion.
    PromotionLevelRule {
        /// The 级别 was below the new range: raised to its minimum.
        RaisedToMinimum = 1 => "RAISED_TO_MINIMUM",
        /// Already within the range: one 级别 up.
        PlusOne = 2 => "PLUS_ONE",
        /// Already within the range, but the new grade is one of the no-bump grades: unchanged.
        NoBumpGrade = 3 => "NO_BUMP_GRADE",
        /// Already at the top of the range: nothing to add.
        AtRangeTop = 4 => "AT_RANGE_TOP",
        /// Above the new range (kept from an earlier post): unchanged.
        AboveRange = 5 => "ABOVE_RANGE",
    }
);

/// The 级别 after a promotion, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelChange {
    /// Before the promotion.
    pub before: Level,
    /// After it.
    pub after: Level,
    /// The branch applied.
    pub rule: PromotionLevelRule,
}

/// The 级别 after a promotion to a grade or post whose range is `range` (级别办法 第十三条 \[V\]): below the range
/// → its minimum; within → one up (capped at the range's top) unless `no_bump`.
pub fn level_after_promotion(current: Level, range: LevelRange, no_bump: bool) -> LevelChange {
    let change = |after, rule| LevelChange { before: current, after, rule };
    if range.lowest.is_above(current) {
        return change(range.lowest, PromotionLevelRule::RaisedToMinimum);
    }
    if current.is_above(range.highest) {
        return change(current, PromotionLevelRule::AboveRange);
    }
    if no_bump {
        return change(current, PromotionLevelRule::NoBumpGrade);
    }
    match current.raised() {
        Some(up) if range.contains(up) => change(up, PromotionLevelRule::PlusOne),
        _ => change(current, PromotionLevelRule::AtRangeTop),
    }
}

/// [`level_after_promotion`] for a 职级 promotion, with the grade's range from the ladder; `None` when the
/// ladder has no range for `to`.
pub fn level_after_grade_promotion(
    current: Level,
    to: Grade,
    ladder: &Ladder,
    policy: &LevelPolicy,
) -> Option<LevelChange> {
    let range = ladder.grade_range(to)?;
    Some(level_after_promotion(current, range, policy.no_bump_grades.contains(&to)))
}

/// Where a cadre stands on 级别 and 档次, with the years of 称职 or better not yet turned into a raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// The 级别.
    pub level: Level,
    /// The 工资档次 within the 级别 (the pay table's own cap is the pay system's concern).
    pub step: u32,
    /// Years of 称职 or better counted toward the next 级别.
    pub years_toward_level: u32,
    /// Years of 称职 or better counted toward the next 档次.
    pub years_toward_step: u32,
}

code_enum!(
    /// What an annual result did to a standing.
    AnnualLevelEffect {
        /// The year counted toward both.
        Counted = 1 => "COUNTED",
        /// The year did not count (基本称职 or worse, 不定等次, 不参加).
        NotCounted = 2 => "NOT_COUNTED",
        /// +1 级别.
        LevelRaised = 3 => "LEVEL_RAISED",
        /// The years were enough, but the 级别 is at the top of its range: kept, and the years stay counted.
        LevelAtRangeTop = 4 => "LEVEL_AT_RANGE_TOP",
        /// +1 档次.
        StepRaised = 5 => "STEP_RAISED",
    }
);

/// Applies one year's result (考核规定 第二十条, 第二十一条): a year of 称职 or better adds to both counters,
/// and each counter that reaches its number turns into a raise and starts again. A 级别 raise stays within
/// `range` (the current grade's or post's); when it cannot, the years stay counted, so a later promotion's
/// wider range can use them.
pub fn apply_annual_result(
    standing: Standing,
    outcome: AnnualOutcome,
    range: LevelRange,
    policy: &LevelPolicy,
) -> (Standing, Vec<AnnualLevelEffect>) {
    if !outcome.is_competent_or_better() {
        return (standing, vec![AnnualLevelEffect::NotCounted]);
    }
    let mut next = standing;
    let mut effects = vec![AnnualLevelEffect::Counted];
    next.years_toward_level = next.years_toward_level.saturating_add(1);
    next.years_toward_step = next.years_toward_step.saturating_add(1);
    if policy.years_per_level > 0 && next.years_toward_level >= policy.years_per_level {
        match next.level.raised().filter(|up| range.contains(*up)) {
            Some(up) => {
                next.level = up;
                next.years_toward_level -= policy.years_per_level;
                effects.push(AnnualLevelEffect::LevelRaised);
            }
            None => effects.push(AnnualLevelEffect::LevelAtRangeTop),
        }
    }
    if policy.years_per_step > 0 && next.years_toward_step >= policy.years_per_step {
        next.step = next.step.saturating_add(1);
        next.years_toward_step -= policy.years_per_step;
        effects.push(AnnualLevelEffect::StepRaised);
    }
    (next, effects)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(n: u8) -> Level {
        Level::new(n).unwrap()
    }

    fn promote(current: u8, to: Grade) -> LevelChange {
        level_after_grade_promotion(lv(current), to, &Ladder::default(), &LevelPolicy::default()).unwrap()
    }

    #[test]
    fn below_the_new_range_rises_to_its_minimum() {
        // 二级调研员: 十二级–十八级; from 二十级 to 十八级.
        let c = promote(20, Grade::Researcher2);
        assert_eq!((c.after, c.rule), (lv(18), PromotionLevelRule::RaisedToMinimum));
        // The exception for no-bump grades does not stop the raise to the minimum.
        let c = promote(21, Grade::Researcher3);
        assert_eq!((c.after, c.rule), (lv(19), PromotionLevelRule::RaisedToMinimum));
    }

    #[test]
    fn within_the_range_adds_one_level() {
        let c = promote(18, Grade::Researcher2);
        assert_eq!((c.after, c.rule), (lv(17), PromotionLevelRule::PlusOne));
        let c = promote(24, Grade::PrincipalStaff4);
        assert_eq!((c.after, c.rule), (lv(23), PromotionLevelRule::PlusOne));
    }

    #[test]
    fn no_bump_grades_keep_the_level() {
        for to in [Grade::Researcher1, Grade::Researcher3, Grade::PrincipalStaff1, Grade::PrincipalStaff3] {
            let range = Ladder::default().grade_range(to).unwrap();
            let c = promote(range.lowest.number(), to);
            assert_eq!((c.after, c.rule), (range.lowest, PromotionLevelRule::NoBumpGrade), "{to}");
        }
    }

    #[test]
    fn top_of_range_and_above_range_stay() {
        let c = promote(12, Grade::Researcher2);
        assert_eq!((c.after, c.rule), (lv(12), PromotionLevelRule::AtRangeTop));
        let c = promote(11, Grade::Researcher2);
        assert_eq!((c.after, c.rule), (lv(11), PromotionLevelRule::AboveRange));
    }

    #[test]
    fn five_years_raise_the_level_and_two_the_step() {
        let policy = LevelPolicy::default();
        let range = LevelRange::new(16, 22).unwrap();
        let mut s = Standing { level: lv(21), step: 3, years_toward_level: 0, years_toward_step: 0 };
        let mut all = Vec::new();
        for _ in 0..5 {
            let (next, effects) = apply_annual_result(s, AnnualOutcome::Competent, range, &policy);
            s = next;
            all.push(effects);
        }
        assert_eq!(s.level, lv(20));
        assert_eq!(s.step, 5);
        assert_eq!((s.years_toward_level, s.years_toward_step), (0, 1));
        assert!(all[1].contains(&AnnualLevelEffect::StepRaised));
        assert!(all[4].contains(&AnnualLevelEffect::LevelRaised));
        assert!(!all[3].contains(&AnnualLevelEffect::LevelRaised));
    }

    #[test]
    fn a_basic_competent_year_counts_for_nothing() {
        let policy = LevelPolicy::default();
        let range = LevelRange::new(16, 22).unwrap();
        let s = Standing { level: lv(21), step: 3, years_toward_level: 4, years_toward_step: 1 };
        for outcome in [
            AnnualOutcome::BasicallyCompetent,
            AnnualOutcome::Incompetent,
            AnnualOutcome::Undetermined,
            AnnualOutcome::NotParticipating,
        ] {
            assert_eq!(
                apply_annual_result(s, outcome, range, &policy),
                (s, vec![AnnualLevelEffect::NotCounted])
            );
        }
        let (after, effects) = apply_annual_result(s, AnnualOutcome::Excellent, range, &policy);
        assert_eq!((after.level, after.step), (lv(20), 4));
        assert!(effects.contains(&AnnualLevelEffect::LevelRaised));
    }

    #[test]
    fn at_the_range_top_the_years_wait() {
        let policy = LevelPolicy::default();
        let range = LevelRange::new(16, 22).unwrap();
        let s = Standing { level: lv(16), step: 0, years_toward_level: 4, years_toward_step: 0 };
        let (after, effects) = apply_annual_result(s, AnnualOutcome::Competent, range, &policy);
        assert_eq!((after.level, after.years_toward_level), (lv(16), 5));
        assert!(effects.contains(&AnnualLevelEffect::LevelAtRangeTop));
    }
}

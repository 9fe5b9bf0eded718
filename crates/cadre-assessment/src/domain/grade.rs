//! The scales results are given on: the annual grade (等次) and the outcomes that are not a grade, the
//! routine (平时) grade with its score bands, and the leadership team's grade (domain.md §2.1–2.3, §10.5,
//! §10.8).

use std::fmt;

use cadre_platform::code_enum;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

code_enum!(
    /// The annual grade (年度考核等次, 考核规定 2020 \[V\]). The derived order runs from best to worst, so
    /// `EXCELLENT < INCOMPETENT`; prefer [`AnnualGrade::is_above`] and [`AnnualGrade::stricter`], which
    /// say what they mean.
    AnnualGrade {
        /// 优秀.
        Excellent = 1 => "EXCELLENT",
        /// 称职.
        Competent = 2 => "COMPETENT",
        /// 基本称职.
        Basic = 3 => "BASIC",
        /// 不称职.
        Incompetent = 4 => "INCOMPETENT",
    }
);

impl AnnualGrade {
    /// The grade's Chinese name, as written on the 年度考核登记表.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Excellent => "优秀",
            Self::Competent => "称职",
            Self::Basic => "基本称职",
            Self::Incompetent => "不称职",
        }
    }

    /// Whether `self` is a better grade than `other`.
    pub fn is_above(self, other: Self) -> bool {
        self < other
    }

    /// The stricter of two ceilings (the lower grade): ceilings from several rules combine this way.
    pub fn stricter(self, other: Self) -> Self {
        self.max(other)
    }

    /// The stricter of two optional ceilings, where `None` means "no limit".
    pub fn stricter_ceiling(a: Option<Self>, b: Option<Self>) -> Option<Self> {
        match (a, b) {
            (Some(a), Some(b)) => Some(a.stricter(b)),
            (a, None) => a,
            (None, b) => b,
        }
    }

    /// The best grade below this one (`None` below 不称职): "cannot be 优秀" is a ceiling of
    /// `Excellent.next_below()`.
    pub fn next_below(self) -> Option<Self> {
        Self::from_number(self.number() + 1)
    }

    /// 称职 or better: the years that count for tenure, 级别 and 工资档次 (并行规定 第十九条, 考核规定 第二十条).
    pub fn is_competent_or_better(self) -> bool {
        !Self::Competent.is_above(self)
    }
}

/// The outcome of a person's annual assessment: a grade, or one of the outcomes that are not a grade.
/// Stored and sent as one flat code (`EXCELLENT` … `INCOMPETENT`, `UNDETERMINED`, `DEFERRED`,
/// `NOT_PARTICIPATING`) so a column or a proto enum holds it without a second field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// One of the four grades.
    Graded(AnnualGrade),
    /// 不定等次: takes part, 评语 only (试用期, a 处分 period).
    Undetermined,
    /// Under 立案审查调查: no 评语 and no grade until the case closes, then 补定 (domain.md §2.1).
    Deferred,
    /// 不参加年度考核 (病假/事假 of more than half the year).
    NotParticipating,
}

impl Outcome {
    /// Every outcome, in proto order.
    pub const ALL: &'static [Outcome] = &[
        Outcome::Graded(AnnualGrade::Excellent),
        Outcome::Graded(AnnualGrade::Competent),
        Outcome::Graded(AnnualGrade::Basic),
        Outcome::Graded(AnnualGrade::Incompetent),
        Outcome::Undetermined,
        Outcome::Deferred,
        Outcome::NotParticipating,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Graded(grade) => grade.code(),
            Self::Undetermined => "UNDETERMINED",
            Self::Deferred => "DEFERRED",
            Self::NotParticipating => "NOT_PARTICIPATING",
        }
    }

    /// The outcome with this stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "UNDETERMINED" => Some(Self::Undetermined),
            "DEFERRED" => Some(Self::Deferred),
            "NOT_PARTICIPATING" => Some(Self::NotParticipating),
            other => AnnualGrade::from_code(other).map(Self::Graded),
        }
    }

    /// The proto enum number: the grades keep theirs (1–4), the others follow (5–7).
    pub fn number(self) -> i32 {
        match self {
            Self::Graded(grade) => grade.number(),
            Self::Undetermined => 5,
            Self::Deferred => 6,
            Self::NotParticipating => 7,
        }
    }

    /// The outcome with this proto number; `None` for 0 (unspecified) and unknown numbers.
    pub fn from_number(number: i32) -> Option<Self> {
        Self::ALL.iter().copied().find(|o| o.number() == number)
    }

    /// The outcome's Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Graded(grade) => grade.name_zh(),
            Self::Undetermined => "不定等次",
            Self::Deferred => "暂缓确定等次",
            Self::NotParticipating => "不参加年度考核",
        }
    }

    /// The grade, when the outcome is one.
    pub fn grade(self) -> Option<AnnualGrade> {
        match self {
            Self::Graded(grade) => Some(grade),
            _ => None,
        }
    }

    /// Whether this is 优秀 (the outcome the quota and the publicity are about).
    pub fn is_excellent(self) -> bool {
        self == Self::Graded(AnnualGrade::Excellent)
    }

    /// How heavily an outcome forced by the special cases weighs when several apply: the heaviest wins
    /// (同时受处理处分的，按照对其年度考核结果影响较重的确定). Not participating outranks everything because
    /// nobody is assessed at all; a deferral outranks a forced grade because the case may still change it.
    pub(crate) fn forced_weight(self) -> u8 {
        match self {
            Self::NotParticipating => 5,
            Self::Deferred => 4,
            Self::Graded(AnnualGrade::Incompetent) => 3,
            Self::Undetermined => 2,
            Self::Graded(_) => 1,
        }
    }
}

impl From<AnnualGrade> for Outcome {
    fn from(grade: AnnualGrade) -> Self {
        Self::Graded(grade)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Self::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown Outcome code {code:?}")))
    }
}

code_enum!(
    /// The routine (平时考核) grade, 好/较好/一般/较差 \[S\] (domain.md §2.2, §10.5). The derived order runs
    /// from best to worst.
    RoutineGrade {
        /// 好.
        Good = 1 => "GOOD",
        /// 较好.
        FairlyGood = 2 => "FAIRLY_GOOD",
        /// 一般.
        Average = 3 => "AVERAGE",
        /// 较差.
        Poor = 4 => "POOR",
    }
);

impl RoutineGrade {
    /// The grade's Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Good => "好",
            Self::FairlyGood => "较好",
            Self::Average => "一般",
            Self::Poor => "较差",
        }
    }

    /// Whether `self` is this grade or a worse one ("一般 or worse").
    pub fn is_at_or_below(self, other: Self) -> bool {
        self >= other
    }
}

/// The score bands of the routine grade, each the lowest score of its band. Scores are whole points out
/// of 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutineBands {
    /// Lowest score for 好.
    pub good_min: u32,
    /// Lowest score for 较好.
    pub fairly_good_min: u32,
    /// Lowest score for 一般; below it is 较差.
    pub average_min: u32,
}

impl Default for RoutineBands {
    /// 好 ≥90, 较好 80–89, 一般 60–79, 较差 <60: domain.md §2.2, from a provincial 统计局 system \[L\].
    fn default() -> Self {
        Self { good_min: 90, fairly_good_min: 80, average_min: 60 }
    }
}

impl RoutineBands {
    /// The grade a score falls in.
    pub fn grade_for(&self, score: u32) -> RoutineGrade {
        if score >= self.good_min {
            RoutineGrade::Good
        } else if score >= self.fairly_good_min {
            RoutineGrade::FairlyGood
        } else if score >= self.average_min {
            RoutineGrade::Average
        } else {
            RoutineGrade::Poor
        }
    }

    /// Whether the bands are ordered (each band's floor above the next one's), as policy data must be.
    pub fn is_ordered(&self) -> bool {
        self.good_min > self.fairly_good_min && self.fairly_good_min > self.average_min
    }
}

code_enum!(
    /// A leadership team's (领导班子) grade, on the same four steps as the routine grade: 好/较好/一般/较差
    /// \[M\] (domain.md §2.3, §10.8). A separate type so a team grade is never stored as a person's.
    TeamGrade {
        /// 好.
        Good = 1 => "GOOD",
        /// 较好.
        FairlyGood = 2 => "FAIRLY_GOOD",
        /// 一般.
        Average = 3 => "AVERAGE",
        /// 较差.
        Poor = 4 => "POOR",
    }
);

impl TeamGrade {
    /// The grade's Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Good => "好",
            Self::FairlyGood => "较好",
            Self::Average => "一般",
            Self::Poor => "较差",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_numbers_round_trip() {
        for g in AnnualGrade::ALL {
            assert_eq!(AnnualGrade::from_code(g.code()), Some(*g));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_code(o.code()), Some(*o));
            assert_eq!(Outcome::from_number(o.number()), Some(*o));
            let json = serde_json::to_string(o).expect("serialise");
            assert_eq!(serde_json::from_str::<Outcome>(&json).expect("deserialise"), *o);
        }
        assert_eq!(Outcome::from_number(0), None);
        assert_eq!(Outcome::from_code("GOOD"), None);
        for g in RoutineGrade::ALL {
            assert_eq!(RoutineGrade::from_code(g.code()), Some(*g));
        }
        for g in TeamGrade::ALL {
            assert_eq!(TeamGrade::from_code(g.code()), Some(*g));
        }
    }

    #[test]
    fn grades_are_ordered_best_first() {
        use AnnualGrade::*;
        assert!(Excellent.is_above(Competent));
        assert!(Basic.is_above(Incompetent));
        assert!(!Competent.is_above(Competent));
        assert_eq!(Excellent.stricter(Basic), Basic);
        assert_eq!(AnnualGrade::stricter_ceiling(Some(Competent), None), Some(Competent));
        assert_eq!(AnnualGrade::stricter_ceiling(Some(Competent), Some(Basic)), Some(Basic));
        assert_eq!(AnnualGrade::stricter_ceiling(None, None), None);
        assert_eq!(Excellent.next_below(), Some(Competent));
        assert_eq!(Incompetent.next_below(), None);
        assert!(Excellent.is_competent_or_better() && Competent.is_competent_or_better());
        assert!(!Basic.is_competent_or_better());
        assert_eq!(Basic.name_zh(), "基本称职");
    }

    #[test]
    fn score_bands_give_the_routine_grade() {
        let bands = RoutineBands::default();
        assert!(bands.is_ordered());
        assert_eq!(bands.grade_for(100), RoutineGrade::Good);
        assert_eq!(bands.grade_for(90), RoutineGrade::Good);
        assert_eq!(bands.grade_for(89), RoutineGrade::FairlyGood);
        assert_eq!(bands.grade_for(80), RoutineGrade::FairlyGood);
        assert_eq!(bands.grade_for(79), RoutineGrade::Average);
        assert_eq!(bands.grade_for(60), RoutineGrade::Average);
        assert_eq!(bands.grade_for(59), RoutineGrade::Poor);
        assert_eq!(bands.grade_for(0), RoutineGrade::Poor);
        assert!(RoutineGrade::Poor.is_at_or_below(RoutineGrade::Average));
        assert!(RoutineGrade::Average.is_at_or_below(RoutineGrade::Average));
        assert!(!RoutineGrade::FairlyGood.is_at_or_below(RoutineGrade::Average));
    }
}

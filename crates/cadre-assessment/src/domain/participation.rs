//! Who takes part in a year's annual assessment, and what the special cases of domain.md §2.1 allow:
//! a forced outcome (不参加, 暂缓, 不称职, 不定等次) or a ceiling below 优秀.
//!
//! [`participation`] is a pure function of dated facts about one cadre, so the result can be recomputed
//! for any year under the policy in force then. Every rule that fires leaves a [`Reason`] with its source,
//! including rules outweighed by a heavier one, so the 组织部 sees all of them.
//!
//! Measures (处分, 组织处理, 诫勉, 通报) map to effects through [`ParticipationPolicy::effects`]. The
//! defaults follow domain.md §2.1 (2007 考核规定 第二十五条 for 政务处分; 诫勉 and 组织处理 bar 优秀), and for
//! the heavier 党纪处分, which domain.md does not cover, 中央纪委·中组部·人事部《关于受党纪处分的党政机关工作人员
//! 年度考核有关问题的意见》(组通字〔1998〕19号) \[S\].

use std::collections::BTreeMap;

use cadre_platform::code_enum;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::grade::{AnnualGrade, Outcome};

/// A calendar year being assessed, with its first and last day (the 考核年度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct AssessmentYear {
    year: i32,
    first: NaiveDate,
    last: NaiveDate,
}

impl AssessmentYear {
    /// The year, or `None` outside chrono's date range.
    pub fn new(year: i32) -> Option<Self> {
        Some(Self {
            year,
            first: NaiveDate::from_ymd_opt(year, 1, 1)?,
            last: NaiveDate::from_ymd_opt(year, 12, 31)?,
        })
    }

    /// The year number.
    pub fn year(self) -> i32 {
        self.year
    }

    /// 1 January.
    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    /// 31 December.
    pub fn last_day(self) -> NaiveDate {
        self.last
    }

    /// 365 or 366.
    pub fn days(self) -> u32 {
        u32::try_from((self.last - self.first).num_days() + 1).unwrap_or(365)
    }

    /// Whether the date falls in the year.
    pub fn contains(self, date: NaiveDate) -> bool {
        date.year() == self.year
    }
}

impl TryFrom<i32> for AssessmentYear {
    type Error = String;

    fn try_from(year: i32) -> Result<Self, Self::Error> {
        Self::new(year).ok_or_else(|| format!("year {year} is out of range"))
    }
}

impl From<AssessmentYear> for i32 {
    fn from(year: AssessmentYear) -> Self {
        year.year
    }
}

code_enum!(
    /// A measure taken against a cadre that bears on the annual grade. Codes and numbers match
    /// `cadre.type.v1.ConductMeasureKind`; its `OPEN_INVESTIGATION` is not a measure here but
    /// [`Facts::open_investigation`], because it defers the grade instead of limiting it.
    MeasureKind {
        /// 诫勉.
        Admonishment = 2 => "ADMONISHMENT",
        /// 通报 (通报批评), a 问责 decision.
        Circular = 3 => "CIRCULAR",
        /// 组织处理: 停职检查.
        SuspensionForReview = 4 => "SUSPENSION_FOR_REVIEW",
        /// 组织处理: 调整职务.
        PostAdjustment = 5 => "POST_ADJUSTMENT",
        /// 组织处理: 责令辞职 or 免职.
        RemovalFromPost = 6 => "REMOVAL_FROM_POST",
        /// 组织处理: 降职.
        DemotionInPost = 7 => "DEMOTION_IN_POST",
        /// 党纪处分: 警告.
        PartyWarning = 8 => "PARTY_WARNING",
        /// 党纪处分: 严重警告.
        PartySeriousWarning = 9 => "PARTY_SERIOUS_WARNING",
        /// 党纪处分: 撤销党内职务.
        PartyPostRevoked = 10 => "PARTY_POST_REVOKED",
        /// 党纪处分: 留党察看.
        PartyProbation = 11 => "PARTY_PROBATION",
        /// 政务处分: 警告.
        GovernmentWarning = 12 => "GOVERNMENT_WARNING",
        /// 政务处分: 记过.
        GovernmentDemerit = 13 => "GOVERNMENT_DEMERIT",
        /// 政务处分: 记大过.
        GovernmentMajorDemerit = 14 => "GOVERNMENT_MAJOR_DEMERIT",
        /// 政务处分: 降级.
        GovernmentDemotion = 15 => "GOVERNMENT_DEMOTION",
        /// 政务处分: 撤职.
        GovernmentDismissalFromPost = 16 => "GOVERNMENT_DISMISSAL_FROM_POST",
    }
);

code_enum!(
    /// What a measure does to the annual grade. "The year taken" is the calendar year of the measure's
    /// effective date.
    MeasureEffect {
        /// No effect on the grade.
        None = 1 => "NONE",
        /// The year taken cannot be 优秀.
        NoExcellent = 2 => "NO_EXCELLENT",
        /// The year taken is 不定等次 (评语 only).
        Undetermined = 3 => "UNDETERMINED",
        /// Every year the 处分期 covers is 不定等次, except, when
        /// [`ParticipationPolicy::release_year_unaffected`] is set, a later year in which the period ends
        /// (在解除处分的当年及以后，其年度考核不受原处分影响).
        UndeterminedInPeriod = 4 => "UNDETERMINED_IN_PERIOD",
        /// The year taken is 不称职.
        Incompetent = 5 => "INCOMPETENT",
        /// The year taken is 不称职 when the error concerned the person's duties, otherwise 不定等次
        /// (组通字〔1998〕19号 二, 严重警告).
        IncompetentIfDutyRelated = 6 => "INCOMPETENT_IF_DUTY_RELATED",
        /// The year taken is 不称职, and the following years of the period (one per year of 察看) are
        /// 不定等次 (组通字〔1998〕19号 四, 留党察看).
        IncompetentThenUndetermined = 7 => "INCOMPETENT_THEN_UNDETERMINED",
    }
);

impl MeasureKind {
    /// The policy key holding this kind's [`MeasureEffect`].
    pub const fn policy_key(self) -> &'static str {
        match self {
            Self::Admonishment => "assessment.measure.effect.ADMONISHMENT",
            Self::Circular => "assessment.measure.effect.CIRCULAR",
            Self::SuspensionForReview => "assessment.measure.effect.SUSPENSION_FOR_REVIEW",
            Self::PostAdjustment => "assessment.measure.effect.POST_ADJUSTMENT",
            Self::RemovalFromPost => "assessment.measure.effect.REMOVAL_FROM_POST",
            Self::DemotionInPost => "assessment.measure.effect.DEMOTION_IN_POST",
            Self::PartyWarning => "assessment.measure.effect.PARTY_WARNING",
            Self::PartySeriousWarning => "assessment.measure.effect.PARTY_SERIOUS_WARNING",
            Self::PartyPostRevoked => "assessment.measure.effect.PARTY_POST_REVOKED",
            Self::PartyProbation => "assessment.measure.effect.PARTY_PROBATION",
            Self::GovernmentWarning => "assessment.measure.effect.GOVERNMENT_WARNING",
            Self::GovernmentDemerit => "assessment.measure.effect.GOVERNMENT_DEMERIT",
            Self::GovernmentMajorDemerit => "assessment.measure.effect.GOVERNMENT_MAJOR_DEMERIT",
            Self::GovernmentDemotion => "assessment.measure.effect.GOVERNMENT_DEMOTION",
            Self::GovernmentDismissalFromPost => "assessment.measure.effect.GOVERNMENT_DISMISSAL_FROM_POST",
        }
    }

    /// The default effect, with [`MeasureKind::default_source`] saying where it comes from.
    pub const fn default_effect(self) -> MeasureEffect {
        match self {
            Self::Admonishment
            | Self::Circular
            | Self::SuspensionForReview
            | Self::PostAdjustment
            | Self::RemovalFromPost
            | Self::DemotionInPost
            | Self::PartyWarning
            | Self::GovernmentWarning => MeasureEffect::NoExcellent,
            Self::PartySeriousWarning => MeasureEffect::IncompetentIfDutyRelated,
            Self::PartyPostRevoked => MeasureEffect::Incompetent,
            Self::PartyProbation => MeasureEffect::IncompetentThenUndetermined,
            Self::GovernmentDemerit
            | Self::GovernmentMajorDemerit
            | Self::GovernmentDemotion
            | Self::GovernmentDismissalFromPost => MeasureEffect::UndeterminedInPeriod,
        }
    }

    /// The source of [`MeasureKind::default_effect`], with its evidence tag.
    pub const fn default_source(self) -> &'static str {
        match self {
            Self::Admonishment => "domain.md §2.1: 诫勉 that year → cannot be 优秀 (考核规定 2020) [M]",
            Self::Circular => {
                "domain.md §4.5: 通报 → no 优秀 this year, a local rule [L]; NONE switches it off"
            }
            Self::SuspensionForReview
            | Self::PostAdjustment
            | Self::RemovalFromPost
            | Self::DemotionInPost => {
                "domain.md §2.1: 组织处理 that year → cannot be 优秀 (考核规定 2020) [M]"
            }
            Self::PartyWarning => {
                "domain.md §2.1 [V]; 组通字〔1998〕19号 一: 党内警告 that year → not 优秀 [S]"
            }
            Self::PartySeriousWarning => {
                "组通字〔1998〕19号 二: 严重警告 that year → 不称职 if duty-related, else 不定等次 [S]"
            }
            Self::PartyPostRevoked => "组通字〔1998〕19号 三: 撤销党内职务 that year → 不称职 [S]",
            Self::PartyProbation => {
                "组通字〔1998〕19号 四: 留党察看 that year → 不称职; the following 察看 years → 不定等次 [S]"
            }
            Self::GovernmentWarning => {
                "domain.md §2.1: 警告 处分 that year → cannot be 优秀 (2007 第二十五条) [V]"
            }
            Self::GovernmentDemerit
            | Self::GovernmentMajorDemerit
            | Self::GovernmentDemotion
            | Self::GovernmentDismissalFromPost => {
                "domain.md §2.1: in a 记过/记大过/降级/撤职 period → 不定等次 (2007 第二十五条) [V]"
            }
        }
    }

    /// The measure's Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Admonishment => "诫勉",
            Self::Circular => "通报",
            Self::SuspensionForReview => "停职检查",
            Self::PostAdjustment => "调整职务",
            Self::RemovalFromPost => "责令辞职或免职",
            Self::DemotionInPost => "降职",
            Self::PartyWarning => "党内警告",
            Self::PartySeriousWarning => "党内严重警告",
            Self::PartyPostRevoked => "撤销党内职务",
            Self::PartyProbation => "留党察看",
            Self::GovernmentWarning => "警告",
            Self::GovernmentDemerit => "记过",
            Self::GovernmentMajorDemerit => "记大过",
            Self::GovernmentDemotion => "降级",
            Self::GovernmentDismissalFromPost => "撤职",
        }
    }
}

/// A measure on the cadre's record, as oversight reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    /// What was decided.
    pub kind: MeasureKind,
    /// The day it took effect: its year is "the year taken".
    pub effective: NaiveDate,
    /// The last day of its period (影响期 or 处分期), inclusive.
    pub last_day: NaiveDate,
    /// Whether the error concerned the person's duties (与职务行为有关); only
    /// [`MeasureEffect::IncompetentIfDutyRelated`] reads it. Unknown means `false`, the milder reading.
    pub related_to_duties: bool,
}

impl Measure {
    /// A measure whose error did not concern the person's duties.
    pub fn new(kind: MeasureKind, effective: NaiveDate, last_day: NaiveDate) -> Self {
        Self { kind, effective, last_day, related_to_duties: false }
    }

    /// The day the period is over (解除): the day after its last day; `None` if it never ends.
    pub fn lifted_on(&self) -> Option<NaiveDate> {
        self.last_day.succ_opt()
    }

    fn covers_some_of(&self, year: AssessmentYear) -> bool {
        self.effective <= year.last_day()
            && self.last_day >= year.first_day()
            && self.last_day >= self.effective
    }

    /// Whole years of the period, rounded to the nearest year and at least one: 留党察看 is given for
    /// one or two years, and its 不定等次 years follow that count, not the calendar years it touches.
    fn period_years(&self) -> i32 {
        let end = self.lifted_on().unwrap_or(self.last_day);
        let mut months =
            (end.year() - self.effective.year()) * 12 + end.month() as i32 - self.effective.month() as i32;
        if end.day() < self.effective.day() {
            months -= 1;
        }
        ((months + 6) / 12).max(1)
    }
}

/// The facts about one cadre for one assessment year that the special cases read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Facts {
    /// The last day of a new recruit's 试用期 (新录用公务员; not the 提拔 试用期 of a leader, which does
    /// not affect the grade). Still in probation on 31 December → 不定等次.
    pub probation_until: Option<NaiveDate>,
    /// Under 立案审查调查 with no conclusion at assessment time → the grade is deferred (补定 later).
    pub open_investigation: bool,
    /// Measures on record, of any year: each kind's effect decides which years it touches.
    pub measures: Vec<Measure>,
    /// Calendar days of 病假 and 事假 in the year (other leave types do not count).
    pub absence_days: u32,
    /// Refused to take part without good reason, even after education → 不称职 directly.
    pub refused_without_reason: bool,
}

code_enum!(
    /// Why a special case applies.
    ReasonCode {
        /// 病假/事假 over the limit: does not take part.
        AbsenceOverLimit = 1 => "ABSENCE_OVER_LIMIT",
        /// Under investigation: the grade is deferred.
        UnderInvestigation = 2 => "UNDER_INVESTIGATION",
        /// Refused to take part: 不称职.
        RefusedToTakePart = 3 => "REFUSED_TO_TAKE_PART",
        /// In a new recruit's 试用期: 不定等次.
        InProbation = 4 => "IN_PROBATION",
        /// A measure bars 优秀.
        MeasureBarsExcellent = 5 => "MEASURE_BARS_EXCELLENT",
        /// A measure makes the year 不定等次.
        MeasureForcesUndetermined = 6 => "MEASURE_FORCES_UNDETERMINED",
        /// A measure makes the year 不称职.
        MeasureForcesIncompetent = 7 => "MEASURE_FORCES_INCOMPETENT",
        /// The closed investigation ended in a 处分 heavier than 警告: no 补定, the year stays 不定等次.
        SanctionBarsSupplement = 8 => "SANCTION_BARS_SUPPLEMENT",
    }
);

/// One rule that applies, for the record and the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The stable code.
    pub code: ReasonCode,
    /// The measure behind it, when a measure is.
    pub measure: Option<MeasureKind>,
    /// A short English explanation (Chinese display text belongs to clients, keyed by code).
    pub text: String,
    /// Where the rule comes from, with its evidence tag.
    pub source: String,
}

/// What the special cases allow for one cadre's year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participation {
    /// Whether the cadre takes part at all (false only for [`Outcome::NotParticipating`]).
    pub takes_part: bool,
    /// The outcome the rules impose, when they impose one: a proposal must be exactly this.
    pub forced: Option<Outcome>,
    /// The best grade the rules allow (`None`: no limit).
    pub ceiling: Option<AnnualGrade>,
    /// Every rule that applies, heaviest or not.
    pub reasons: Vec<Reason>,
}

/// Why an outcome is not allowed by a [`Participation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Bar {
    /// The rules impose another outcome.
    #[error("the special cases impose the outcome {forced}")]
    OutcomeForced {
        /// The imposed outcome.
        forced: Outcome,
    },
    /// 不定等次, 暂缓 and 不参加 come only from the special cases; without one a grade must be given.
    #[error("a grade is required: no special case applies")]
    GradeRequired,
    /// The grade is above the ceiling.
    #[error("the grade is above the ceiling {ceiling}")]
    GradeAboveCeiling {
        /// The best grade allowed.
        ceiling: AnnualGrade,
    },
}

impl Participation {
    /// No special case: takes part, any grade.
    pub fn open() -> Self {
        Self { takes_part: true, forced: None, ceiling: None, reasons: Vec::new() }
    }

    /// Whether the rules allow this outcome.
    pub fn permits(&self, outcome: Outcome) -> Result<(), Bar> {
        if let Some(forced) = self.forced {
            return if outcome == forced { Ok(()) } else { Err(Bar::OutcomeForced { forced }) };
        }
        let Outcome::Graded(grade) = outcome else {
            return Err(Bar::GradeRequired);
        };
        match self.ceiling {
            Some(ceiling) if grade.is_above(ceiling) => Err(Bar::GradeAboveCeiling { ceiling }),
            _ => Ok(()),
        }
    }

    /// Whether the cadre must write a 个人总结 before a proposal: not when they refused to take part (the
    /// refusal is the reason there is none), nor when they do not take part.
    pub fn summary_required(&self) -> bool {
        self.takes_part && !self.reasons.iter().any(|r| r.code == ReasonCode::RefusedToTakePart)
    }

    /// Whether the grade waits for an investigation (补定 later).
    pub fn is_deferred(&self) -> bool {
        self.forced == Some(Outcome::Deferred)
    }

    fn force(&mut self, outcome: Outcome, reason: Reason) {
        self.reasons.push(reason);
        let heavier = match self.forced {
            Some(current) => outcome.forced_weight() > current.forced_weight(),
            None => true,
        };
        if heavier {
            self.forced = Some(outcome);
        }
        self.takes_part = self.forced != Some(Outcome::NotParticipating);
    }

    fn cap(&mut self, ceiling: AnnualGrade, reason: Reason) {
        self.reasons.push(reason);
        self.ceiling = AnnualGrade::stricter_ceiling(self.ceiling, Some(ceiling));
    }
}

/// How much 病假/事假 takes a cadre out of the year's assessment. The rule is "more than" (超过).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AbsenceLimit {
    /// More than half of the year's calendar days: 183 or more in a 365-day year, 184 or more in a leap
    /// year. Policy value `HALF_YEAR`.
    HalfYear,
    /// More than this many days (a local rule). Policy value: the number.
    Days(u32),
}

impl AbsenceLimit {
    /// Whether `days` of absence exceed the limit in `year`.
    pub fn exceeded(self, days: u32, year: AssessmentYear) -> bool {
        match self {
            Self::HalfYear => u64::from(days) * 2 > u64::from(year.days()),
            Self::Days(limit) => days > limit,
        }
    }

    /// The policy value.
    pub fn code(self) -> String {
        match self {
            Self::HalfYear => "HALF_YEAR".to_owned(),
            Self::Days(days) => days.to_string(),
        }
    }

    /// Parses [`AbsenceLimit::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "HALF_YEAR" => Some(Self::HalfYear),
            other => other.parse().ok().map(Self::Days),
        }
    }
}

/// The special cases' policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipationPolicy {
    /// 病假/事假 beyond which a cadre does not take part (`assessment.absence.limit`).
    pub absence_limit: AbsenceLimit,
    /// Months of a new recruit's 试用期, for [`probation_last_day`] (`assessment.probation.months`).
    pub probation_months: u32,
    /// Whether the year in which a 处分期 ends is graded normally (`assessment.measure.release_year_unaffected`).
    pub release_year_unaffected: bool,
    /// Each measure kind's effect (`assessment.measure.effect.<KIND>`); a kind missing here has its
    /// [`MeasureKind::default_effect`].
    pub effects: BTreeMap<MeasureKind, MeasureEffect>,
}

impl Default for ParticipationPolicy {
    /// - absence: more than half the year, domain.md §2.1 \[M\] for 公务员, \[S\] for 事业单位;
    /// - probation: 12 months, 公务员法 新录用公务员试用期为一年 \[M\];
    /// - release year unaffected: the 处分 rule's second sentence, "在解除处分的当年及以后，其年度考核不受原处分
    ///   影响" \[S\] (quoted in summaries of the 公务员年度考核 rules; confirm with the 组织部);
    /// - effects: [`MeasureKind::default_effect`], each with its source.
    fn default() -> Self {
        Self {
            absence_limit: AbsenceLimit::HalfYear,
            probation_months: 12,
            release_year_unaffected: true,
            effects: MeasureKind::ALL.iter().map(|k| (*k, k.default_effect())).collect(),
        }
    }
}

impl ParticipationPolicy {
    /// The effect of a measure kind.
    pub fn effect(&self, kind: MeasureKind) -> MeasureEffect {
        self.effects.get(&kind).copied().unwrap_or(kind.default_effect())
    }
}

/// The last day of a new recruit's 试用期 that starts on `appointed_on`: the day before the same date
/// `months` later, or that month's last day where the month has no such date.
pub fn probation_last_day(appointed_on: NaiveDate, months: u32) -> NaiveDate {
    let Some(same_date) = appointed_on.checked_add_months(Months::new(months)) else {
        return NaiveDate::MAX;
    };
    if same_date.day() == appointed_on.day() { same_date.pred_opt().unwrap_or(same_date) } else { same_date }
}

/// What one measure does to one year.
enum YearEffect {
    Cap(AnnualGrade),
    Force(Outcome),
}

fn year_effect(year: AssessmentYear, measure: &Measure, policy: &ParticipationPolicy) -> Option<YearEffect> {
    let taken_this_year = year.contains(measure.effective);
    match policy.effect(measure.kind) {
        MeasureEffect::None => None,
        MeasureEffect::NoExcellent => taken_this_year.then_some(YearEffect::Cap(AnnualGrade::Competent)),
        MeasureEffect::Undetermined => taken_this_year.then_some(YearEffect::Force(Outcome::Undetermined)),
        MeasureEffect::Incompetent => {
            taken_this_year.then_some(YearEffect::Force(AnnualGrade::Incompetent.into()))
        }
        MeasureEffect::IncompetentIfDutyRelated => {
            taken_this_year.then_some(YearEffect::Force(if measure.related_to_duties {
                AnnualGrade::Incompetent.into()
            } else {
                Outcome::Undetermined
            }))
        }
        MeasureEffect::UndeterminedInPeriod => {
            let lifted_this_year = measure.lifted_on().is_some_and(|day| year.contains(day));
            let affected = measure.covers_some_of(year)
                && (taken_this_year || !(policy.release_year_unaffected && lifted_this_year));
            affected.then_some(YearEffect::Force(Outcome::Undetermined))
        }
        MeasureEffect::IncompetentThenUndetermined => {
            if taken_this_year {
                return Some(YearEffect::Force(AnnualGrade::Incompetent.into()));
            }
            let after = year.year() - measure.effective.year();
            (after >= 1 && after <= measure.period_years())
                .then_some(YearEffect::Force(Outcome::Undetermined))
        }
    }
}

fn reason(code: ReasonCode, measure: Option<MeasureKind>, text: String, source: &str) -> Reason {
    Reason { code, measure, text, source: source.to_owned() }
}

/// What the special cases of domain.md §2.1 allow for `facts` in `year`.
///
/// When several impose an outcome, the heaviest wins: 不参加 > 暂缓 (deferred) > 不称职 > 不定等次. All
/// ceilings combine to the strictest.
pub fn participation(year: AssessmentYear, facts: &Facts, policy: &ParticipationPolicy) -> Participation {
    let mut result = Participation::open();
    if policy.absence_limit.exceeded(facts.absence_days, year) {
        result.force(
            Outcome::NotParticipating,
            reason(
                ReasonCode::AbsenceOverLimit,
                None,
                format!(
                    "{} days of 病假/事假 in {} exceed the limit ({}): does not take part",
                    facts.absence_days,
                    year.year(),
                    policy.absence_limit.code()
                ),
                "domain.md §2.1: 病假/事假 > half of the 考核年度 → 不参加年度考核 [M]",
            ),
        );
    }
    if facts.open_investigation {
        result.force(
            Outcome::Deferred,
            reason(
                ReasonCode::UnderInvestigation,
                None,
                "under 立案审查调查 with no conclusion: no 评语 and no grade until the case closes (补定)"
                    .into(),
                "domain.md §2.1: 2007 考核规定 第二十四条 [S]",
            ),
        );
    }
    if facts.refused_without_reason {
        result.force(
            AnnualGrade::Incompetent.into(),
            reason(
                ReasonCode::RefusedToTakePart,
                None,
                "refused to take part without good reason, even after education: 不称职".into(),
                "domain.md §2.1: 2007 考核规定 第二十七条 [V]",
            ),
        );
    }
    if facts.probation_until.is_some_and(|until| until >= year.last_day()) {
        result.force(
            Outcome::Undetermined,
            reason(
                ReasonCode::InProbation,
                None,
                "a new recruit still in 试用期 at the year's end: 评语 only, 不定等次".into(),
                "domain.md §2.1: new recruit in 试用期 → 不定等次 [S]",
            ),
        );
    }
    for measure in &facts.measures {
        let kind = measure.kind;
        let source = kind.default_source();
        match year_effect(year, measure, policy) {
            None => {}
            Some(YearEffect::Cap(ceiling)) => result.cap(
                ceiling,
                reason(
                    ReasonCode::MeasureBarsExcellent,
                    Some(kind),
                    format!("{} ({}) effective {}: cannot be 优秀", kind.name_zh(), kind, measure.effective),
                    source,
                ),
            ),
            Some(YearEffect::Force(outcome)) => {
                let code = if outcome == AnnualGrade::Incompetent.into() {
                    ReasonCode::MeasureForcesIncompetent
                } else {
                    ReasonCode::MeasureForcesUndetermined
                };
                result.force(
                    outcome,
                    reason(
                        code,
                        Some(kind),
                        format!(
                            "{} ({}) effective {} to {}: {}",
                            kind.name_zh(),
                            kind,
                            measure.effective,
                            measure.last_day,
                            outcome.name_zh()
                        ),
                        source,
                    ),
                );
            }
        }
    }
    result
}

/// How an investigation closed, for the deferred year's 补定.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvestigationClosure {
    /// The day the case closed.
    pub closed_on: NaiveDate,
    /// The 处分 (or other measure) it ended in; `None` for 不予/免予处分.
    pub sanction: Option<Measure>,
}

/// Whether a deferred year may now be graded (补定).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supplement {
    /// The grade may be given, under this ceiling (`None`: no limit from the case).
    Allowed {
        /// The best grade allowed by the case's outcome.
        ceiling: Option<AnnualGrade>,
    },
    /// The case ended in a measure heavier than 警告: the deferred year stays 不定等次. The measure's own
    /// effect applies to the year it takes effect, through [`participation`].
    Barred,
}

/// Whether the grade deferred by an investigation may be given once it closes: yes with no 处分, yes under
/// a 优秀 ceiling when the outcome only bars 优秀 (警告, and anything the policy maps to
/// [`MeasureEffect::NoExcellent`]), otherwise no (domain.md §2.1, 2007 第二十四条: 不予处分 or 警告 → 补定).
/// The outcome's effect counts for the deferred year whatever its effective date, because the case was
/// about that year.
pub fn supplement(closure: &InvestigationClosure, policy: &ParticipationPolicy) -> Supplement {
    match closure.sanction.as_ref().map(|m| policy.effect(m.kind)) {
        None | Some(MeasureEffect::None) => Supplement::Allowed { ceiling: None },
        Some(MeasureEffect::NoExcellent) => Supplement::Allowed { ceiling: Some(AnnualGrade::Competent) },
        Some(_) => Supplement::Barred,
    }
}

/// The participation for a deferred year once its investigation has closed: the year's other facts as
/// before (the investigation no longer counts), plus the case's outcome per [`supplement`].
pub fn after_investigation(
    year: AssessmentYear,
    facts: &Facts,
    closure: &InvestigationClosure,
    policy: &ParticipationPolicy,
) -> Participation {
    let closed = Facts { open_investigation: false, ..facts.clone() };
    let mut result = participation(year, &closed, policy);
    let source = "domain.md §2.1: after closure, 不予处分 or 警告 → 补定 (2007 第二十四条) [S]";
    match (supplement(closure, policy), &closure.sanction) {
        (Supplement::Allowed { ceiling: Some(ceiling) }, Some(sanction)) => result.cap(
            ceiling,
            reason(
                ReasonCode::MeasureBarsExcellent,
                Some(sanction.kind),
                format!(
                    "the case closed on {} with {}: 补定, but not 优秀",
                    closure.closed_on, sanction.kind
                ),
                source,
            ),
        ),
        (Supplement::Barred, Some(sanction)) => result.force(
            Outcome::Undetermined,
            reason(
                ReasonCode::SanctionBarsSupplement,
                Some(sanction.kind),
                format!("the case closed on {} with {}: no 补定, 不定等次", closure.closed_on, sanction.kind),
                source,
            ),
        ),
        _ => {}
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn y(year: i32) -> AssessmentYear {
        AssessmentYear::new(year).expect("test year")
    }

    fn measure(kind: MeasureKind, effective: &str, last: &str) -> Measure {
        Measure::new(kind, day(effective), day(last))
    }

    fn with(measures: Vec<Measure>) -> Facts {
        Facts { measures, ..Facts::default() }
    }

    fn run(year: i32, facts: &Facts) -> Participation {
        participation(y(year), facts, &ParticipationPolicy::default())
    }

    fn codes(p: &Participation) -> Vec<ReasonCode> {
        p.reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn no_special_case_means_any_grade() {
        let p = run(2024, &Facts::default());
        assert_eq!(p, Participation::open());
        assert!(p.permits(AnnualGrade::Excellent.into()).is_ok());
        assert_eq!(p.permits(Outcome::Undetermined), Err(Bar::GradeRequired));
        assert!(p.summary_required());
    }

    #[test]
    fn absence_of_more_than_half_the_year_takes_the_cadre_out() {
        // 2023 has 365 days: 182 is not more than half (182.5), 183 is.
        for (days, out) in [(182, false), (183, true)] {
            let p = run(2023, &Facts { absence_days: days, ..Facts::default() });
            assert_eq!(p.takes_part, !out, "{days} days");
        }
        // 2024 has 366: 183 is exactly half, not more.
        assert!(run(2024, &Facts { absence_days: 183, ..Facts::default() }).takes_part);
        let p = run(2024, &Facts { absence_days: 184, ..Facts::default() });
        assert_eq!(p.forced, Some(Outcome::NotParticipating));
        assert!(!p.summary_required());
        let local = ParticipationPolicy { absence_limit: AbsenceLimit::Days(90), ..Default::default() };
        assert!(!participation(y(2024), &Facts { absence_days: 91, ..Facts::default() }, &local).takes_part);
        assert_eq!(AbsenceLimit::from_code("HALF_YEAR"), Some(AbsenceLimit::HalfYear));
        assert_eq!(AbsenceLimit::from_code("90"), Some(AbsenceLimit::Days(90)));
        assert_eq!(AbsenceLimit::from_code("half"), None);
    }

    #[test]
    fn an_open_investigation_defers_the_grade() {
        let p = run(2024, &Facts { open_investigation: true, ..Facts::default() });
        assert!(p.takes_part);
        assert!(p.is_deferred());
        assert_eq!(p.permits(Outcome::Deferred), Ok(()));
        assert_eq!(
            p.permits(AnnualGrade::Competent.into()),
            Err(Bar::OutcomeForced { forced: Outcome::Deferred })
        );
    }

    #[test]
    fn refusing_to_take_part_is_incompetent_without_a_summary() {
        let p = run(2024, &Facts { refused_without_reason: true, ..Facts::default() });
        assert_eq!(p.forced, Some(AnnualGrade::Incompetent.into()));
        assert!(!p.summary_required());
        assert_eq!(codes(&p), [ReasonCode::RefusedToTakePart]);
    }

    #[test]
    fn probation_at_the_years_end_is_undetermined() {
        let hired = day("2024-03-01");
        let until = probation_last_day(hired, 12);
        assert_eq!(until, day("2025-02-28"));
        let p = run(2024, &Facts { probation_until: Some(until), ..Facts::default() });
        assert_eq!(p.forced, Some(Outcome::Undetermined));
        // Probation over before the end of 2025: graded normally.
        assert_eq!(run(2025, &Facts { probation_until: Some(until), ..Facts::default() }).forced, None);
        // Ending on 31 December itself is still in probation at the year's end.
        let p = run(2024, &Facts { probation_until: Some(day("2024-12-31")), ..Facts::default() });
        assert_eq!(p.forced, Some(Outcome::Undetermined));
        assert_eq!(probation_last_day(day("2024-01-31"), 1), day("2024-02-29"));
    }

    #[test]
    fn a_warning_that_year_bars_excellent_only_that_year() {
        for kind in [MeasureKind::GovernmentWarning, MeasureKind::PartyWarning] {
            let facts = with(vec![measure(kind, "2024-11-01", "2025-04-30")]);
            let p = run(2024, &facts);
            assert_eq!(p.forced, None);
            assert_eq!(p.ceiling, Some(AnnualGrade::Competent));
            assert_eq!(
                p.permits(AnnualGrade::Excellent.into()),
                Err(Bar::GradeAboveCeiling { ceiling: AnnualGrade::Competent })
            );
            assert!(p.permits(AnnualGrade::Competent.into()).is_ok());
            // The period runs into 2025, but the rule is about the year it was received.
            assert_eq!(run(2025, &facts).ceiling, None);
        }
    }

    #[test]
    fn admonishment_organisational_measures_and_circulars_bar_excellent() {
        for kind in [
            MeasureKind::Admonishment,
            MeasureKind::SuspensionForReview,
            MeasureKind::PostAdjustment,
            MeasureKind::RemovalFromPost,
            MeasureKind::DemotionInPost,
            MeasureKind::Circular,
        ] {
            let p = run(2024, &with(vec![measure(kind, "2024-06-01", "2024-11-30")]));
            assert_eq!(p.ceiling, Some(AnnualGrade::Competent), "{kind}");
            assert_eq!(codes(&p), [ReasonCode::MeasureBarsExcellent]);
        }
        // The local 通报 rule is a switch.
        let mut policy = ParticipationPolicy::default();
        policy.effects.insert(MeasureKind::Circular, MeasureEffect::None);
        let facts = with(vec![measure(MeasureKind::Circular, "2024-06-01", "2024-06-01")]);
        assert_eq!(participation(y(2024), &facts, &policy), Participation::open());
    }

    #[test]
    fn a_demerit_period_makes_its_years_undetermined_except_the_year_it_is_lifted() {
        // 记过 2023-03-01 for 12 months: lifted 2024-03-01.
        let facts = with(vec![measure(MeasureKind::GovernmentDemerit, "2023-03-01", "2024-02-29")]);
        assert_eq!(run(2022, &facts).forced, None);
        assert_eq!(run(2023, &facts).forced, Some(Outcome::Undetermined));
        assert_eq!(run(2024, &facts).forced, None, "解除处分的当年 is graded normally");
        let strict = ParticipationPolicy { release_year_unaffected: false, ..Default::default() };
        assert_eq!(participation(y(2024), &facts, &strict).forced, Some(Outcome::Undetermined));
        // 记大过 2023-11-01 for 18 months: 2023 and 2024 wholly or partly in the period, lifted 2025-05-01.
        let facts = with(vec![measure(MeasureKind::GovernmentMajorDemerit, "2023-11-01", "2025-04-30")]);
        assert_eq!(run(2023, &facts).forced, Some(Outcome::Undetermined));
        assert_eq!(run(2024, &facts).forced, Some(Outcome::Undetermined));
        assert_eq!(run(2025, &facts).forced, None);
        // A period ending on 31 December is lifted in the next year, so that year is not touched at all.
        let facts = with(vec![measure(MeasureKind::GovernmentDemotion, "2023-01-01", "2024-12-31")]);
        assert_eq!(run(2024, &facts).forced, Some(Outcome::Undetermined));
        assert_eq!(run(2025, &facts).forced, None);
    }

    #[test]
    fn heavier_party_sanctions_follow_the_1998_opinion() {
        let serious = measure(MeasureKind::PartySeriousWarning, "2024-05-01", "2025-10-31");
        assert_eq!(run(2024, &with(vec![serious.clone()])).forced, Some(Outcome::Undetermined));
        let duty = Measure { related_to_duties: true, ..serious };
        assert_eq!(run(2024, &with(vec![duty])).forced, Some(AnnualGrade::Incompetent.into()));

        let revoked = with(vec![measure(MeasureKind::PartyPostRevoked, "2024-05-01", "2026-04-30")]);
        assert_eq!(run(2024, &revoked).forced, Some(AnnualGrade::Incompetent.into()));
        assert_eq!(run(2025, &revoked).forced, None, "第二年按其新任职务 … 确定等次");

        // 留党察看 one year: 不称职, then one year 不定等次.
        let one = with(vec![measure(MeasureKind::PartyProbation, "2024-05-01", "2025-04-30")]);
        assert_eq!(run(2024, &one).forced, Some(AnnualGrade::Incompetent.into()));
        assert_eq!(run(2025, &one).forced, Some(Outcome::Undetermined));
        assert_eq!(run(2026, &one).forced, None);
        // Two years from 1 January: two 不定等次 years although the period ends on 31 December.
        let two = with(vec![measure(MeasureKind::PartyProbation, "2024-01-01", "2025-12-31")]);
        assert_eq!(run(2025, &two).forced, Some(Outcome::Undetermined));
        assert_eq!(run(2026, &two).forced, Some(Outcome::Undetermined));
        assert_eq!(run(2027, &two).forced, None);
    }

    #[test]
    fn the_heaviest_forced_outcome_wins_and_every_reason_is_kept() {
        let facts = Facts {
            probation_until: Some(day("2025-06-30")),
            refused_without_reason: true,
            measures: vec![measure(MeasureKind::GovernmentWarning, "2024-02-01", "2024-07-31")],
            ..Facts::default()
        };
        let p = run(2024, &facts);
        assert_eq!(p.forced, Some(AnnualGrade::Incompetent.into()));
        assert_eq!(p.ceiling, Some(AnnualGrade::Competent));
        assert_eq!(
            codes(&p),
            [ReasonCode::RefusedToTakePart, ReasonCode::InProbation, ReasonCode::MeasureBarsExcellent]
        );
        let p = run(2024, &Facts { open_investigation: true, ..facts.clone() });
        assert_eq!(p.forced, Some(Outcome::Deferred));
        let p = run(2024, &Facts { absence_days: 200, open_investigation: true, ..facts });
        assert_eq!(p.forced, Some(Outcome::NotParticipating));
        assert!(!p.takes_part);
        assert!(p.reasons.iter().all(|r| !r.source.is_empty() && !r.text.is_empty()));
    }

    #[test]
    fn supplement_after_the_investigation_closes() {
        let policy = ParticipationPolicy::default();
        let closed =
            |sanction: Option<Measure>| InvestigationClosure { closed_on: day("2025-04-01"), sanction };
        assert_eq!(supplement(&closed(None), &policy), Supplement::Allowed { ceiling: None });
        let warning = measure(MeasureKind::GovernmentWarning, "2025-04-01", "2025-09-30");
        assert_eq!(
            supplement(&closed(Some(warning.clone())), &policy),
            Supplement::Allowed { ceiling: Some(AnnualGrade::Competent) }
        );
        let demerit = measure(MeasureKind::GovernmentDemerit, "2025-04-01", "2026-03-31");
        assert_eq!(supplement(&closed(Some(demerit.clone())), &policy), Supplement::Barred);

        let facts = Facts { open_investigation: true, ..Facts::default() };
        let p = after_investigation(y(2024), &facts, &closed(None), &policy);
        assert_eq!(p, Participation::open());
        // The 警告 took effect in 2025 but concerns 2024: it caps the supplemented 2024 grade.
        let p = after_investigation(y(2024), &facts, &closed(Some(warning)), &policy);
        assert_eq!((p.forced, p.ceiling), (None, Some(AnnualGrade::Competent)));
        let p = after_investigation(y(2024), &facts, &closed(Some(demerit)), &policy);
        assert_eq!(p.forced, Some(Outcome::Undetermined));
        assert_eq!(codes(&p), [ReasonCode::SanctionBarsSupplement]);
    }

    #[test]
    fn measure_kinds_match_the_proto_and_have_keys() {
        assert_eq!(MeasureKind::from_number(1), None, "OPEN_INVESTIGATION is a fact, not a measure");
        assert_eq!(MeasureKind::Admonishment.number(), 2);
        assert_eq!(MeasureKind::GovernmentDismissalFromPost.number(), 16);
        for kind in MeasureKind::ALL {
            assert_eq!(MeasureKind::from_code(kind.code()), Some(*kind));
            assert!(kind.policy_key().ends_with(kind.code()));
        }
        for effect in MeasureEffect::ALL {
            assert_eq!(MeasureEffect::from_code(effect.code()), Some(*effect));
        }
        let year = y(2024);
        assert_eq!((year.days(), y(2023).days()), (366, 365));
        assert_eq!(serde_json::to_string(&year).expect("json"), "2024");
    }
}

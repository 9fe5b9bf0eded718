//! 影响期: how long a 诫勉, 组织处理 or 处分 bars promotion (domain.md §4.4, §10.6).
//!
//! The kinds and their numbers are the proto `ConductMeasureKind`'s, so the oversight service's events map
//! one to one. Every period is policy data: the 组织处理 and 诫勉 values are commonly applied figures \[M\]
//! that §10.6 adopts as defaults until the district confirms them.

use std::collections::BTreeMap;

use cadre_platform::{clock::period_last_day, code_enum};
use chrono::NaiveDate;

code_enum!(
    /// A measure with an 影响期 (proto `ConductMeasureKind` without its prefix).
    RestrictionKind {
        /// 立案审查调查, not concluded: no fixed period, it lasts until the conclusion.
        OpenInvestigation = 1 => "OPEN_INVESTIGATION",
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
        /// 党纪处分: 留党察看 (its own 1–2 years, then 2 more years).
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

impl RestrictionKind {
    /// The measure's name as written.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::OpenInvestigation => "立案审查调查",
            Self::Admonishment => "诫勉",
            Self::Circular => "通报",
            Self::SuspensionForReview => "停职检查",
            Self::PostAdjustment => "调整职务",
            Self::RemovalFromPost => "责令辞职/免职",
            Self::DemotionInPost => "降职",
            Self::PartyWarning => "党内警告",
            Self::PartySeriousWarning => "党内严重警告",
            Self::PartyPostRevoked => "撤销党内职务",
            Self::PartyProbation => "留党察看",
            Self::GovernmentWarning => "政务警告",
            Self::GovernmentDemerit => "记过",
            Self::GovernmentMajorDemerit => "记大过",
            Self::GovernmentDemotion => "降级",
            Self::GovernmentDismissalFromPost => "撤职",
        }
    }

    /// The rule that sets the period, for explanations.
    pub fn source(self) -> &'static str {
        match self {
            Self::OpenInvestigation => "并行规定 第二十一条(三) [V]",
            Self::Admonishment
            | Self::SuspensionForReview
            | Self::PostAdjustment
            | Self::RemovalFromPost
            | Self::DemotionInPost => "组织处理规定（试行）2021 [M], domain.md §4.4, §10.6",
            Self::Circular => "问责条例 2019; local rule [L], domain.md §4.5",
            Self::PartyWarning
            | Self::PartySeriousWarning
            | Self::PartyPostRevoked
            | Self::PartyProbation => "处分条例 第九~十二条 [V], domain.md §4.4",
            Self::GovernmentWarning
            | Self::GovernmentDemerit
            | Self::GovernmentMajorDemerit
            | Self::GovernmentDemotion
            | Self::GovernmentDismissalFromPost => "政务处分法 第七、八条 [V], domain.md §4.4",
        }
    }
}

/// How long each measure bars promotion, in months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactPolicy {
    /// Months per kind. For [`RestrictionKind::PartyProbation`] this is the period *after* rights are
    /// restored, added to the probation the decision sets. [`RestrictionKind::OpenInvestigation`] has no
    /// entry: it lasts until concluded.
    pub months: BTreeMap<RestrictionKind, u32>,
    /// 责令辞职/免职: months during which no post higher than the original may be given (the general
    /// period, `months[RemovalFromPost]`, bars any leadership post).
    pub removal_higher_post_months: u32,
}

impl Default for ImpactPolicy {
    /// domain.md §4.4 (adopted by §10.6). 通报 has no national promotion effect, so 0 (the 昆明 rule of
    /// 1 year is an example of a local value \[L\]).
    fn default() -> Self {
        use RestrictionKind::*;
        Self {
            months: BTreeMap::from([
                (Admonishment, 6),
                (Circular, 0),
                (SuspensionForReview, 6),
                (PostAdjustment, 12),
                (RemovalFromPost, 12),
                (DemotionInPost, 24),
                (PartyWarning, 12),
                (PartySeriousWarning, 18),
                (PartyPostRevoked, 24),
                (PartyProbation, 24),
                (GovernmentWarning, 6),
                (GovernmentDemerit, 12),
                (GovernmentMajorDemerit, 18),
                (GovernmentDemotion, 24),
                (GovernmentDismissalFromPost, 24),
            ]),
            removal_higher_post_months: 24,
        }
    }
}

/// Facts of a decision that some periods depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeasureDetail {
    /// 留党察看: the probation the decision set (12 or 24 months).
    pub probation_months: Option<u32>,
    /// 责令辞职/免职: whether the promotion in question would give a post or grade higher than the one
    /// removed (see `Ladder::grade_above_post`); then the longer period applies.
    pub above_original_post: bool,
}

/// How long a measure lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// A fixed number of months from the start.
    Months(u32),
    /// Until the matter is concluded (an open investigation).
    UntilConcluded,
}

/// Why a period could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// 留党察看 needs the probation the decision set.
    #[error("留党察看 needs the decided probation months")]
    ProbationMissing,
    /// The policy has no period for this kind.
    #[error("no 影响期 configured for {0}")]
    NotConfigured(RestrictionKind),
}

impl PeriodError {
    /// The stable machine reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::ProbationMissing => "PROBATION_MONTHS_MISSING",
            Self::NotConfigured(_) => "IMPACT_PERIOD_NOT_CONFIGURED",
        }
    }
}

impl ImpactPolicy {
    /// The period of a measure.
    pub fn period(&self, kind: RestrictionKind, detail: &MeasureDetail) -> Result<Period, PeriodError> {
        let configured = |k| self.months.get(&k).copied().ok_or(PeriodError::NotConfigured(k));
        match kind {
            RestrictionKind::OpenInvestigation => Ok(Period::UntilConcluded),
            RestrictionKind::PartyProbation => {
                let probation = detail.probation_months.ok_or(PeriodError::ProbationMissing)?;
                Ok(Period::Months(probation.saturating_add(configured(kind)?)))
            }
            RestrictionKind::RemovalFromPost if detail.above_original_post => {
                Ok(Period::Months(self.removal_higher_post_months))
            }
            _ => Ok(Period::Months(configured(kind)?)),
        }
    }
}

/// The last day (inclusive) of the 影响期 of a measure that took effect on `start`: the day before the same
/// date `months` later, clamped to the month end (§4.4, \[S\] 55ping.com); `None` for a measure that lasts
/// until concluded. The bar is lifted from the next day, with no lifting procedure.
pub fn last_day_with(
    kind: RestrictionKind,
    start: NaiveDate,
    detail: &MeasureDetail,
    policy: &ImpactPolicy,
) -> Result<Option<NaiveDate>, PeriodError> {
    Ok(match policy.period(kind, detail)? {
        Period::Months(months) => Some(period_last_day(start, months)),
        Period::UntilConcluded => None,
    })
}

/// [`last_day_with`] for a measure whose period needs no decision detail (every kind but 留党察看).
pub fn last_day(
    kind: RestrictionKind,
    start: NaiveDate,
    policy: &ImpactPolicy,
) -> Result<Option<NaiveDate>, PeriodError> {
    last_day_with(kind, start, &MeasureDetail::default(), policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn government_sanctions_follow_the_law() {
        let p = ImpactPolicy::default();
        use RestrictionKind::*;
        let cases = [
            (GovernmentWarning, d(2023, 9, 30)),
            (GovernmentDemerit, d(2024, 3, 31)),
            (GovernmentMajorDemerit, d(2024, 9, 30)),
            (GovernmentDemotion, d(2025, 3, 31)),
            (GovernmentDismissalFromPost, d(2025, 3, 31)),
        ];
        for (kind, end) in cases {
            assert_eq!(last_day(kind, d(2023, 4, 1), &p).unwrap(), Some(end), "{kind}");
        }
        // R4: a 记过 on 2023-03-01 ends on 2024-02-29 (leap year), promotion possible from 2024-03-01.
        assert_eq!(last_day(GovernmentDemerit, d(2023, 3, 1), &p).unwrap(), Some(d(2024, 2, 29)));
    }

    #[test]
    fn party_and_organisational_measures() {
        let p = ImpactPolicy::default();
        use RestrictionKind::*;
        let start = d(2024, 1, 15);
        let months = |k| match p.period(k, &MeasureDetail::default()).unwrap() {
            Period::Months(m) => m,
            Period::UntilConcluded => u32::MAX,
        };
        assert_eq!(months(PartyWarning), 12);
        assert_eq!(months(PartySeriousWarning), 18);
        assert_eq!(months(PartyPostRevoked), 24);
        assert_eq!(months(Admonishment), 6);
        assert_eq!(months(SuspensionForReview), 6);
        assert_eq!(months(PostAdjustment), 12);
        assert_eq!(months(RemovalFromPost), 12);
        assert_eq!(months(DemotionInPost), 24);
        assert_eq!(last_day(Admonishment, start, &p).unwrap(), Some(d(2024, 7, 14)));
        let higher = MeasureDetail { above_original_post: true, ..MeasureDetail::default() };
        assert_eq!(last_day_with(RemovalFromPost, start, &higher, &p).unwrap(), Some(d(2026, 1, 14)));
    }

    #[test]
    fn probation_adds_two_years_to_the_decided_period() {
        let p = ImpactPolicy::default();
        let kind = RestrictionKind::PartyProbation;
        assert_eq!(last_day(kind, d(2023, 5, 10), &p), Err(PeriodError::ProbationMissing));
        let one_year = MeasureDetail { probation_months: Some(12), ..MeasureDetail::default() };
        assert_eq!(last_day_with(kind, d(2023, 5, 10), &one_year, &p).unwrap(), Some(d(2026, 5, 9)));
    }

    #[test]
    fn investigations_have_no_end_and_circulars_no_effect() {
        let p = ImpactPolicy::default();
        assert_eq!(last_day(RestrictionKind::OpenInvestigation, d(2024, 1, 1), &p).unwrap(), None);
        // A zero period is over before it begins.
        assert_eq!(last_day(RestrictionKind::Circular, d(2024, 1, 1), &p).unwrap(), Some(d(2023, 12, 31)));
    }

    #[test]
    fn month_end_starts_clamp() {
        let p = ImpactPolicy::default();
        let end = last_day(RestrictionKind::GovernmentMajorDemerit, d(2023, 8, 31), &p).unwrap();
        assert_eq!(end, Some(d(2025, 2, 28)));
    }
}

//! The escalation ladder of domain.md §4.5: who may decide a measure, on whom, and what a decision sets —
//! its 影响期 window and what that bars (§4.4), the 档案 material due (§4.2) and, for 组织处理, the day by
//! which it must be carried out.

use cadre_platform::{ApiError, auth::Role, clock::period_last_day};
use chrono::{Months, NaiveDate};
use tonic::Code;

use super::{
    codes::{AccountabilityMeasure, DecidingBody},
    policy::{Blocks, OversightPolicy},
};

/// From this level up a decision must name its legal basis (domain.md §4.5 invariant \[I\]): from 通报 on
/// it is an accountability decision that others act on.
pub const BASIS_FROM_LEVEL: u8 = 4;

/// The probations 留党察看 may set: one or two years (处分条例, domain.md §4.4 \[V\]).
pub const PROBATION_CHOICES: [u32; 2] = [12, 24];

/// What a measure is imposed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A cadre.
    Person,
    /// A Party organisation (a unit).
    Organisation,
}

/// A decision as the deciding body means to record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionInput<'a> {
    /// The measure.
    pub measure: AccountabilityMeasure,
    /// The body deciding it.
    pub body: DecidingBody,
    /// Whom it is on.
    pub target: Target,
    /// The day decided.
    pub decided_on: NaiveDate,
    /// The day it takes effect: the first day of the 影响期.
    pub effective_date: NaiveDate,
    /// 留党察看 only: the probation, 12 or 24 months. Proto3's 0 counts as not set.
    pub probation_months: Option<u32>,
    /// The legal basis (条款); required from [`BASIS_FROM_LEVEL`] up.
    pub basis_article: &'a str,
}

/// What the policy makes of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionOutcome {
    /// Its level on the ladder.
    pub level: u8,
    /// Its 形态 (1–4).
    pub form: u8,
    /// The last day of the 影响期, inclusive; `None` when it sets none.
    pub influence_last_day: Option<NaiveDate>,
    /// What the window bars (nothing without a window).
    pub blocks: Blocks,
    /// The day by which the 档案 material (第八类) is due.
    pub archive_due: Option<NaiveDate>,
    /// The day by which a 组织处理 (or 降级 and heavier) must be carried out.
    pub carry_out_by: Option<NaiveDate>,
    /// The `ConductMeasureKind` number the rank and assessment services receive; only with a window.
    pub conduct_kind: Option<i32>,
}

/// The roles through which a deciding body acts.
pub fn body_roles(body: DecidingBody) -> &'static [Role] {
    match body {
        DecidingBody::PartyCommittee => &[Role::CommitteeMember],
        DecidingBody::DisciplineCommission => &[Role::DisciplineInspector, Role::DisciplineSystem],
        DecidingBody::OrgDepartment => &[Role::OrgOfficer],
        DecidingBody::Unit => &[Role::UnitLeader],
    }
}

/// The measure's name as written in decisions and explanations.
pub fn measure_name(measure: AccountabilityMeasure) -> &'static str {
    use AccountabilityMeasure::*;
    match measure {
        ReminderTalk => "提醒谈话",
        Criticism => "批评教育",
        WrittenReview => "责令检查",
        LetterInquiry => "函询",
        Circular => "通报",
        Admonishment => "诫勉",
        SuspensionForReview => "停职检查",
        PostAdjustment => "调整职务",
        OrderedResignation => "责令辞职",
        RemovalFromPost => "免职",
        DemotionInPost => "降职",
        PartyWarning => "党内警告",
        PartySeriousWarning => "党内严重警告",
        GovernmentWarning => "政务警告",
        GovernmentDemerit => "记过",
        GovernmentMajorDemerit => "记大过",
        GovernmentDemotion => "降级",
        PartyPostRevoked => "撤销党内职务",
        PartyProbation => "留党察看",
        PartyExpulsion => "开除党籍",
        GovernmentDismissalFromPost => "撤职",
        GovernmentExpulsion => "开除",
        JudicialReferral => "移送司法",
        OrganisationReview => "检查",
        Reorganisation => "改组",
    }
}

/// `start` plus `months`, clamped to the month end (01-31 + 1 month = the last day of February). A date
/// beyond the calendar saturates rather than failing: it can only come from an absurd policy value.
fn add_months(start: NaiveDate, months: u32) -> NaiveDate {
    start.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

fn not_authorised(input: &DecisionInput<'_>, bodies: &[DecidingBody]) -> ApiError {
    let may: Vec<&str> = bodies.iter().map(|b| b.code()).collect();
    ApiError::new(
        Code::PermissionDenied,
        "BODY_NOT_AUTHORISED",
        format!("{} may not decide {}; it is for {}", input.body, input.measure, may.join(", ")),
    )
}

/// Checks a decision against the policy and works out what it sets.
///
/// The 影响期 runs from the effective date for the measure's months (留党察看: the probation plus the
/// months after it) and ends the day before the same date, clamped to the month end
/// ([`period_last_day`], §4.4). The 档案 material is due `archive_due_months` after the decision day and
/// a 组织处理 must be carried out `carry_out_months` after the effective date, both the same date in the
/// later month (clamped to its end) and inclusive. A measure on an organisation sets no window, no conduct
/// measure and no 档案 material: those follow people.
pub fn decide(policy: &OversightPolicy, input: &DecisionInput<'_>) -> Result<DecisionOutcome, ApiError> {
    let rule = policy.rule(input.measure)?;
    let person = input.target == Target::Person;
    if !(if person { rule.person } else { rule.organisation }) {
        let whom = if person { "a cadre" } else { "a Party organisation" };
        return Err(ApiError::invalid_argument(
            "MEASURE_NOT_FOR_TARGET",
            format!("{} is not a measure on {whom}", input.measure),
        )
        .with_violation("measure", format!("{} cannot be imposed on {whom}", input.measure)));
    }
    if !rule.bodies.contains(&input.body) {
        return Err(not_authorised(input, &rule.bodies));
    }

    let probation = match (input.measure, input.probation_months) {
        (AccountabilityMeasure::PartyProbation, Some(months)) if PROBATION_CHOICES.contains(&months) => {
            months
        }
        (AccountabilityMeasure::PartyProbation, _) => {
            return Err(ApiError::invalid_argument(
                "PROBATION_MONTHS_REQUIRED",
                "留党察看 needs its probation: 12 or 24 months",
            )
            .with_violation("probation_months", "must be 12 or 24 for PARTY_PROBATION"));
        }
        (_, None | Some(0)) => 0,
        (measure, Some(_)) => {
            return Err(ApiError::invalid_argument(
                "PROBATION_MONTHS_REQUIRED",
                format!("only 留党察看 sets a probation, not {measure}"),
            )
            .with_violation("probation_months", "must be unset unless the measure is PARTY_PROBATION"));
        }
    };
    if rule.level >= BASIS_FROM_LEVEL && input.basis_article.trim().is_empty() {
        return Err(ApiError::invalid_argument(
            "BASIS_REQUIRED",
            format!("{} (level {}) needs its legal basis", input.measure, rule.level),
        )
        .with_violation("basis_article", format!("required from level {BASIS_FROM_LEVEL}")));
    }
    if input.effective_date < input.decided_on {
        return Err(ApiError::invalid_argument(
            "EFFECTIVE_BEFORE_DECISION",
            "a decision cannot take effect before it is decided",
        )
        .with_violation("effective_date", format!("must be on or after {}", input.decided_on)));
    }

    let window_months =
        if person { rule.months.map(|months| months.saturating_add(probation)) } else { None };
    let influence_last_day = window_months.map(|months| period_last_day(input.effective_date, months));
    Ok(DecisionOutcome {
        level: rule.level,
        form: rule.form,
        influence_last_day,
        blocks: if influence_last_day.is_some() { rule.blocks } else { Blocks::default() },
        archive_due: (person && rule.archive)
            .then(|| add_months(input.decided_on, policy.archive_due_months)),
        carry_out_by: rule.carry_out_months.map(|months| add_months(input.effective_date, months)),
        conduct_kind: influence_last_day.and(rule.conduct_kind),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountabilityMeasure as M;
    use DecidingBody as B;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn input(measure: M, body: B, effective: NaiveDate) -> DecisionInput<'static> {
        DecisionInput {
            measure,
            body,
            target: Target::Person,
            decided_on: effective,
            effective_date: effective,
            probation_months: None,
            basis_article: "《中国共产党问责条例》第八条",
        }
    }

    fn last_day(measure: M, effective: NaiveDate) -> Option<NaiveDate> {
        let body = if measure == M::Circular { B::OrgDepartment } else { B::DisciplineCommission };
        decide(&OversightPolicy::default(), &input(measure, body, effective)).unwrap().influence_last_day
    }

    #[test]
    fn government_sanctions_end_the_day_before_the_same_date() {
        assert_eq!(last_day(M::GovernmentWarning, d(2023, 4, 1)), Some(d(2023, 9, 30)));
        // R4: 记过 from 2023-03-01 is over after 2024-02-29 (leap year).
        assert_eq!(last_day(M::GovernmentDemerit, d(2023, 3, 1)), Some(d(2024, 2, 29)));
        assert_eq!(last_day(M::GovernmentMajorDemerit, d(2023, 8, 31)), Some(d(2025, 2, 28)));
        assert_eq!(last_day(M::GovernmentDemotion, d(2023, 4, 1)), Some(d(2025, 3, 31)));
        assert_eq!(last_day(M::PartySeriousWarning, d(2024, 1, 15)), Some(d(2025, 7, 14)));
        assert_eq!(last_day(M::Circular, d(2024, 1, 15)), Some(d(2025, 1, 14)));
        assert_eq!(last_day(M::PartyExpulsion, d(2024, 1, 15)), None);
        assert_eq!(last_day(M::JudicialReferral, d(2024, 1, 15)), None);
    }

    #[test]
    fn a_one_month_period_from_the_31st_ends_on_the_last_day_of_february() {
        let mut policy = OversightPolicy::default();
        policy.measures.get_mut(&M::Admonishment).unwrap().months = Some(1);
        let outcome = decide(&policy, &input(M::Admonishment, B::OrgDepartment, d(2023, 1, 31))).unwrap();
        assert_eq!(outcome.influence_last_day, Some(d(2023, 2, 28)));
        // The 档案 material is due a month after the decision, clamped the same way.
        assert_eq!(outcome.archive_due, Some(d(2023, 2, 28)));
        let leap = decide(&policy, &input(M::Admonishment, B::OrgDepartment, d(2024, 1, 31))).unwrap();
        assert_eq!(leap.influence_last_day, Some(d(2024, 2, 29)));
    }

    #[test]
    fn probation_adds_the_months_after_it() {
        let policy = OversightPolicy::default();
        let mut one_year = input(M::PartyProbation, B::DisciplineCommission, d(2023, 5, 10));
        one_year.probation_months = Some(12);
        assert_eq!(decide(&policy, &one_year).unwrap().influence_last_day, Some(d(2026, 5, 9)));
        let two_years = DecisionInput { probation_months: Some(24), ..one_year };
        let outcome = decide(&policy, &two_years).unwrap();
        assert_eq!(outcome.influence_last_day, Some(d(2027, 5, 9)));
        assert_eq!(outcome.conduct_kind, Some(11));
        assert_eq!((outcome.level, outcome.form), (8, 3));

        for wrong in [None, Some(0), Some(6), Some(36)] {
            let err = decide(&policy, &DecisionInput { probation_months: wrong, ..one_year }).unwrap_err();
            assert_eq!(err.reason(), "PROBATION_MONTHS_REQUIRED", "{wrong:?}");
            assert_eq!(err.violations()[0].field, "probation_months");
        }
        let mut warning = input(M::PartyWarning, B::DisciplineCommission, d(2023, 5, 10));
        warning.probation_months = Some(12);
        assert_eq!(decide(&policy, &warning).unwrap_err().reason(), "PROBATION_MONTHS_REQUIRED");
        warning.probation_months = Some(0);
        assert!(decide(&policy, &warning).is_ok());
    }

    #[test]
    fn only_the_listed_bodies_may_decide() {
        let policy = OversightPolicy::default();
        let mut refused = 0;
        for &measure in M::ALL {
            let rule = policy.rule(measure).unwrap();
            let target = if rule.person { Target::Person } else { Target::Organisation };
            for &body in B::ALL {
                let mut attempt = input(measure, body, d(2024, 6, 1));
                attempt.target = target;
                attempt.probation_months = (measure == M::PartyProbation).then_some(12);
                match decide(&policy, &attempt) {
                    Ok(_) => assert!(rule.bodies.contains(&body), "{body} decided {measure}"),
                    Err(err) => {
                        assert!(!rule.bodies.contains(&body), "{body} refused {measure}: {err}");
                        assert_eq!(err.code(), Code::PermissionDenied);
                        assert_eq!(err.reason(), "BODY_NOT_AUTHORISED");
                        for allowed in &rule.bodies {
                            assert!(err.message().contains(allowed.code()), "{}", err.message());
                        }
                        refused += 1;
                    }
                }
            }
        }
        assert!(refused > 0);
    }

    #[test]
    fn the_org_department_imposes_admonishment_but_only_proposes_organisational_measures() {
        let policy = OversightPolicy::default();
        assert!(decide(&policy, &input(M::Admonishment, B::OrgDepartment, d(2024, 6, 1))).is_ok());
        for (measure, body) in [
            (M::Admonishment, B::Unit),
            (M::PostAdjustment, B::OrgDepartment),
            (M::PostAdjustment, B::DisciplineCommission),
            (M::PartyWarning, B::OrgDepartment),
            (M::PartyWarning, B::PartyCommittee),
            (M::LetterInquiry, B::Unit),
        ] {
            let err = decide(&policy, &input(measure, body, d(2024, 6, 1))).unwrap_err();
            assert_eq!(err.reason(), "BODY_NOT_AUTHORISED", "{body} {measure}");
        }
        let err = decide(&policy, &input(M::PostAdjustment, B::OrgDepartment, d(2024, 6, 1))).unwrap_err();
        assert!(err.message().contains("PARTY_COMMITTEE"));
    }

    #[test]
    fn organisations_take_organisational_measures_and_carry_nothing_personal() {
        let policy = OversightPolicy::default();
        let mut circular = input(M::Circular, B::DisciplineCommission, d(2024, 6, 1));
        circular.target = Target::Organisation;
        let outcome = decide(&policy, &circular).unwrap();
        assert_eq!(outcome.level, 4);
        assert_eq!(outcome.influence_last_day, None);
        assert_eq!(outcome.blocks, Blocks::default());
        assert_eq!((outcome.archive_due, outcome.conduct_kind), (None, None));
        // The same measure on a person sets the 昆明 year and the conduct measure.
        let on_person = decide(&policy, &input(M::Circular, B::DisciplineCommission, d(2024, 6, 1))).unwrap();
        assert_eq!(on_person.influence_last_day, Some(d(2025, 5, 31)));
        assert_eq!(on_person.blocks, Blocks::ALL);
        assert_eq!(on_person.conduct_kind, Some(3));
        assert_eq!(on_person.archive_due, Some(d(2024, 7, 1)));

        let mut review = input(M::OrganisationReview, B::PartyCommittee, d(2024, 6, 1));
        review.target = Target::Organisation;
        assert!(decide(&policy, &review).is_ok());
        let mut reorganise = input(M::Reorganisation, B::PartyCommittee, d(2024, 6, 1));
        reorganise.target = Target::Organisation;
        assert_eq!(decide(&policy, &reorganise).unwrap().level, 6);

        for (measure, body, target) in [
            (M::Admonishment, B::OrgDepartment, Target::Organisation),
            (M::ReminderTalk, B::Unit, Target::Organisation),
            (M::OrganisationReview, B::PartyCommittee, Target::Person),
            (M::Reorganisation, B::PartyCommittee, Target::Person),
        ] {
            let attempt = DecisionInput { target, ..input(measure, body, d(2024, 6, 1)) };
            let err = decide(&policy, &attempt).unwrap_err();
            assert_eq!(err.reason(), "MEASURE_NOT_FOR_TARGET", "{measure} on {target:?}");
            assert_eq!(err.code(), Code::InvalidArgument);
            assert_eq!(err.violations()[0].field, "measure");
        }
    }

    #[test]
    fn from_circular_up_a_basis_is_required() {
        let policy = OversightPolicy::default();
        let talk = DecisionInput { basis_article: "", ..input(M::ReminderTalk, B::Unit, d(2024, 6, 1)) };
        let outcome = decide(&policy, &talk).unwrap();
        assert_eq!(outcome.influence_last_day, None);
        assert_eq!(outcome.archive_due, None);
        assert_eq!(outcome.blocks, Blocks::default());
        let circular =
            DecisionInput { basis_article: "  ", ..input(M::Circular, B::OrgDepartment, d(2024, 6, 1)) };
        let err = decide(&policy, &circular).unwrap_err();
        assert_eq!(err.reason(), "BASIS_REQUIRED");
        assert_eq!(err.violations()[0].field, "basis_article");
    }

    #[test]
    fn a_decision_cannot_take_effect_before_it_is_made() {
        let policy = OversightPolicy::default();
        let early = DecisionInput {
            decided_on: d(2024, 6, 2),
            ..input(M::Admonishment, B::DisciplineCommission, d(2024, 6, 1))
        };
        let err = decide(&policy, &early).unwrap_err();
        assert_eq!(err.reason(), "EFFECTIVE_BEFORE_DECISION");
        assert_eq!(err.violations()[0].field, "effective_date");
        let later = DecisionInput { decided_on: d(2024, 5, 20), ..early };
        let outcome = decide(&policy, &later).unwrap();
        // The window runs from the effective date, the 档案 material from the decision day.
        assert_eq!(outcome.influence_last_day, Some(d(2024, 11, 30)));
        assert_eq!(outcome.archive_due, Some(d(2024, 6, 20)));
    }

    #[test]
    fn organisational_measures_are_carried_out_within_a_month_of_taking_effect() {
        let policy = OversightPolicy::default();
        let adjust = DecisionInput {
            decided_on: d(2024, 1, 20),
            ..input(M::PostAdjustment, B::PartyCommittee, d(2024, 1, 31))
        };
        let outcome = decide(&policy, &adjust).unwrap();
        assert_eq!(outcome.carry_out_by, Some(d(2024, 2, 29)));
        assert_eq!(outcome.influence_last_day, Some(d(2025, 1, 30)));
        assert_eq!(outcome.conduct_kind, Some(5));
        assert_eq!((outcome.level, outcome.form), (6, 2));
        let warning =
            decide(&policy, &input(M::PartyWarning, B::DisciplineCommission, d(2024, 1, 31))).unwrap();
        assert_eq!(warning.carry_out_by, None);
    }

    #[test]
    fn bodies_act_through_their_roles() {
        assert_eq!(body_roles(B::PartyCommittee), &[Role::CommitteeMember]);
        assert_eq!(body_roles(B::DisciplineCommission), &[Role::DisciplineInspector, Role::DisciplineSystem]);
        assert_eq!(body_roles(B::OrgDepartment), &[Role::OrgOfficer]);
        assert_eq!(body_roles(B::Unit), &[Role::UnitLeader]);
    }
}

//! The tiered approval route (domain.md §3.2, recommended district model; §10.2 for the 区委 tier).
//!
//! There is no national tier table, so every threshold lives in [`TierPolicy`] and the route is planned
//! from the request's length, the applicant's class, the escalations that apply, and the year's cumulative
//! leave. The plan names roles ([`StepKind`]), not people: the service binds each role to a cadre or a pool
//! when the request is created, and recomputes the plan when a 续假 changes the numbers.

use cadre_platform::code_enum;
use serde::{Deserialize, Serialize};

use super::days::HalfDays;

code_enum!(
    /// Which row of the tier table an applicant follows; the row decides who approves.
    ApplicantClass {
        /// 一般干部.
        General = 1 => "general",
        /// 单位班子副职.
        TeamDeputy = 2 => "team_deputy",
        /// 单位主要负责人 / 镇街党政正职.
        Principal = 3 => "principal",
    }
);

/// Classifies an applicant from directory facts, so the service never hand-picks a tier row.
///
/// A team member holding a principal-level post (镇街党政正职: the 书记 and the 镇长 both count, though only
/// one of them is the unit's principal) follows the principal row, because the district approves the leave
/// of either of the two heads of a township.
pub fn applicant_class(
    is_principal: bool,
    is_team_member: bool,
    principal_level_post: bool,
) -> ApplicantClass {
    if is_principal || (is_team_member && principal_level_post) {
        ApplicantClass::Principal
    } else if is_team_member {
        ApplicantClass::TeamDeputy
    } else {
        ApplicantClass::General
    }
}

code_enum!(
    /// A role on an approval route; the service binds it to a cadre or a pool.
    StepKind {
        /// 科室负责人.
        SectionHead = 1 => "section_head",
        /// 分管领导 (within the unit).
        SupervisingLeader = 2 => "supervising_leader",
        /// 单位主要负责人.
        UnitPrincipal = 3 => "unit_principal",
        /// 分管/联系区领导.
        LiaisonLeader = 4 => "liaison_leader",
        /// 区委/区政府主要领导.
        DistrictPrincipalLeader = 5 => "district_principal_leader",
        /// 区委 (cumulative leave of a month or more, §10.2).
        DistrictCommittee = 6 => "district_committee",
        /// 区委组织部备案.
        OrgDepartmentFiling = 7 => "org_department_filing",
        /// 联系区领导知情.
        LiaisonInformed = 8 => "liaison_informed",
    }
);

/// What a step asks of its holder; it decides whether the step blocks the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepAction {
    /// A decision: the request waits for it, and it may be refused.
    Approve,
    /// Informing (知情): done as soon as the route reaches it, nobody has to act.
    Notify,
    /// 备案: recorded by the org department after approval; it never holds up the approved state.
    File,
}

impl StepKind {
    /// Whether the step blocks, informs or records, so the state machine needs no list of kinds.
    pub fn action(self) -> StepAction {
        match self {
            Self::LiaisonInformed => StepAction::Notify,
            Self::OrgDepartmentFiling => StepAction::File,
            Self::SectionHead
            | Self::SupervisingLeader
            | Self::UnitPrincipal
            | Self::LiaisonLeader
            | Self::DistrictPrincipalLeader
            | Self::DistrictCommittee => StepAction::Approve,
        }
    }

    /// The name users see on forms and in the approval trail, in the district's own words.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::SectionHead => "科室负责人",
            Self::SupervisingLeader => "分管领导",
            Self::UnitPrincipal => "单位主要负责人",
            Self::LiaisonLeader => "分管/联系区领导",
            Self::DistrictPrincipalLeader => "区委/区政府主要领导",
            Self::DistrictCommittee => "区委",
            Self::OrgDepartmentFiling => "区委组织部备案",
            Self::LiaisonInformed => "联系区领导知情",
        }
    }

    /// A short English name for the `why` of a planned step.
    fn label_en(self) -> &'static str {
        match self {
            Self::SectionHead => "section head",
            Self::SupervisingLeader => "supervising leader",
            Self::UnitPrincipal => "unit principal",
            Self::LiaisonLeader => "liaison district leader",
            Self::DistrictPrincipalLeader => "district principal leader",
            Self::DistrictCommittee => "区委 approval",
            Self::OrgDepartmentFiling => "区委组织部 filing",
            Self::LiaisonInformed => "liaison district leader informed",
        }
    }
}

/// The tier thresholds: local policy (§3.2 [L]/[I]), so they are data with the district model as default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierPolicy {
    /// Upper bound (inclusive) of the shortest tier.
    pub one_day: HalfDays,
    /// Upper bound (inclusive) of the short tier.
    pub short: HalfDays,
    /// Upper bound (inclusive) of the medium tier; longer leave is also filed with the org department.
    pub medium: HalfDays,
    /// Calendar days of leave in a year at which the 区委 approves; reached at `>=` because "以上" includes
    /// the number (§10.2).
    pub cumulative_threshold: HalfDays,
    /// 逐级审批: a longer leave passes the lower approvers first, so the section head still knows
    /// when a section member is away for a week.
    pub stepwise: bool,
}

impl Default for TierPolicy {
    /// The recommended district model (§3.2, adopted by §10.3).
    fn default() -> Self {
        Self {
            one_day: HalfDays::days(1),
            short: HalfDays::days(3),
            medium: HalfDays::days(10),
            cumulative_threshold: HalfDays::days(30),
            stepwise: true,
        }
    }
}

code_enum!(
    /// A reason the route is raised by one tier; each distinct reason counts once.
    Escalation {
        /// Sensitive posts (党政办, 财政, 信访) need one level higher (盱眙 example, §3.2).
        SensitivePost = 1 => "sensitive_post",
        /// An emergency or major-event period: leave needs the district's principal leader (旬阳 example).
        Blackout = 2 => "blackout",
        /// Too many of the unit's people would be away at once (the on-duty ratio).
        OnDutyRatio = 3 => "on_duty_ratio",
    }
);

impl Escalation {
    /// How the `why` of a raised step names this reason.
    fn label_en(self) -> &'static str {
        match self {
            Self::SensitivePost => "sensitive post",
            Self::Blackout => "blackout period",
            Self::OnDutyRatio => "on-duty ratio",
        }
    }
}

/// What the route depends on; the service gathers it from the request, the directory and the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInput {
    /// The applicant's tier row.
    pub class: ApplicantClass,
    /// The request's counted days (the tier is chosen on these).
    pub days: HalfDays,
    /// Calendar days of approved and pending leave in the year, this request included, minus exempt types.
    pub cumulative_calendar_days: HalfDays,
    /// Reasons to raise the tier; duplicates count once.
    pub raise: Vec<Escalation>,
}

/// One step of a planned route, with the rule that put it there so approvers and auditors can see why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedStep {
    /// The role that acts.
    pub kind: StepKind,
    /// Which rule put the step on the route, in English.
    pub why: String,
}

/// Plans the route: the class's tier steps (raised by escalations), the blackout approver, then the 区委
/// tier when the year's leave reaches the threshold. The filing, when present, is always last, and no kind
/// appears twice.
pub fn route(input: &RouteInput, policy: &TierPolicy) -> Vec<PlannedStep> {
    let mut reasons: Vec<Escalation> = Vec::new();
    for reason in &input.raise {
        if !reasons.contains(reason) {
            reasons.push(*reason);
        }
    }

    let base = tier_of(input.days, policy);
    let tier = (base + reasons.len()).min(TOP_TIER);
    let tier_why = if tier == base {
        tier_label(tier, policy)
    } else {
        let names: Vec<&str> = reasons.iter().map(|r| r.label_en()).collect();
        let each = if names.len() > 1 { " each" } else { "" };
        format!(
            "{} days routes as {} ({}: one level higher{each})",
            input.days,
            tier_label(tier, policy),
            names.join(", ")
        )
    };

    let mut plan = Plan::default();
    for kind in tier_steps(input.class, tier, policy.stepwise) {
        plan.push(kind, format!("{tier_why}: {}", kind.label_en()));
    }
    for (kind, lower) in stepwise_lower(input.class, tier, policy.stepwise) {
        plan.explain_stepwise(kind, lower);
    }

    if reasons.contains(&Escalation::Blackout) {
        plan.require(
            StepKind::DistrictPrincipalLeader,
            "blackout period: district principal leader approval (旬阳: during emergencies only with \
             县委/县政府主要领导 approval)"
                .to_owned(),
        );
    }

    if input.cumulative_calendar_days >= policy.cumulative_threshold {
        let why = format!(
            "cumulative {} days in the year ≥ {}",
            input.cumulative_calendar_days, policy.cumulative_threshold
        );
        plan.require(StepKind::DistrictCommittee, format!("{why}: 区委 approval (§10.2)"));
        plan.require(StepKind::OrgDepartmentFiling, format!("{why}: 区委组织部 filing (§10.2)"));
    }

    plan.steps
}

/// The highest tier index (longer than `medium`).
const TOP_TIER: usize = 3;

/// 0: up to `one_day`; 1: up to `short`; 2: up to `medium`; 3: longer.
fn tier_of(days: HalfDays, policy: &TierPolicy) -> usize {
    if days <= policy.one_day {
        0
    } else if days <= policy.short {
        1
    } else if days <= policy.medium {
        2
    } else {
        3
    }
}

fn tier_label(tier: usize, policy: &TierPolicy) -> String {
    match tier {
        0 if policy.one_day == HalfDays::days(1) => "≤1 day".to_owned(),
        0 => format!("≤{} days", policy.one_day),
        1 => format!("{}–{} days", policy.one_day, policy.short),
        2 => format!("{}–{} days", policy.short, policy.medium),
        _ => format!(">{} days", policy.medium),
    }
}

/// The tier table of §3.2, in route order.
fn tier_steps(class: ApplicantClass, tier: usize, stepwise: bool) -> Vec<StepKind> {
    use StepKind::*;
    let mut steps = match (class, tier) {
        (ApplicantClass::General, 0) => vec![SectionHead],
        (ApplicantClass::General, 1) => vec![SupervisingLeader],
        (ApplicantClass::General, _) => vec![UnitPrincipal],
        (ApplicantClass::TeamDeputy, 0 | 1) => vec![UnitPrincipal],
        (ApplicantClass::TeamDeputy, _) => vec![UnitPrincipal, LiaisonInformed],
        (ApplicantClass::Principal, 0 | 1) => vec![LiaisonLeader],
        (ApplicantClass::Principal, _) => vec![DistrictPrincipalLeader],
    };
    if stepwise {
        let lower: Vec<StepKind> = stepwise_lower(class, tier, true).into_iter().map(|(k, _)| k).collect();
        steps.splice(0..0, lower);
    }
    if tier >= TOP_TIER {
        steps.push(OrgDepartmentFiling);
    }
    steps
}

/// The lower approvers a stepwise route passes first, each with the approver it precedes.
fn stepwise_lower(class: ApplicantClass, tier: usize, stepwise: bool) -> Vec<(StepKind, StepKind)> {
    use StepKind::*;
    if !stepwise {
        return Vec::new();
    }
    match (class, tier) {
        (ApplicantClass::General, 1) => vec![(SectionHead, SupervisingLeader)],
        (ApplicantClass::General, 2..) => {
            vec![(SectionHead, UnitPrincipal), (SupervisingLeader, UnitPrincipal)]
        }
        (ApplicantClass::Principal, 2..) => vec![(LiaisonLeader, DistrictPrincipalLeader)],
        _ => Vec::new(),
    }
}

/// A route under construction that keeps each kind once and the filing last.
#[derive(Default)]
struct Plan {
    steps: Vec<PlannedStep>,
}

impl Plan {
    fn push(&mut self, kind: StepKind, why: String) {
        self.steps.push(PlannedStep { kind, why });
    }

    fn explain_stepwise(&mut self, kind: StepKind, before: StepKind) {
        if let Some(step) = self.steps.iter_mut().find(|s| s.kind == kind) {
            step.why =
                format!("stepwise (逐级): {} approves before the {}", kind.label_en(), before.label_en());
        }
    }

    /// Adds a step unless its kind is already planned (then the extra reason is appended to its `why`);
    /// a new approval goes before any filing, so the filing stays last and informing steps keep their place.
    fn require(&mut self, kind: StepKind, why: String) {
        if let Some(step) = self.steps.iter_mut().find(|s| s.kind == kind) {
            step.why = format!("{}; also {why}", step.why);
            return;
        }
        let at = if kind.action() == StepAction::File {
            self.steps.len()
        } else {
            self.steps.iter().position(|s| s.kind.action() == StepAction::File).unwrap_or(self.steps.len())
        };
        self.steps.insert(at, PlannedStep { kind, why });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StepKind::*;

    fn kinds(input: &RouteInput, policy: &TierPolicy) -> Vec<StepKind> {
        route(input, policy).into_iter().map(|s| s.kind).collect()
    }

    fn input(class: ApplicantClass, halves: u32) -> RouteInput {
        RouteInput {
            class,
            days: HalfDays(halves),
            cumulative_calendar_days: HalfDays(halves),
            raise: vec![],
        }
    }

    fn flat() -> TierPolicy {
        TierPolicy { stepwise: false, ..TierPolicy::default() }
    }

    #[test]
    fn classifies_applicants() {
        assert_eq!(applicant_class(true, true, true), ApplicantClass::Principal);
        assert_eq!(applicant_class(true, false, false), ApplicantClass::Principal);
        assert_eq!(applicant_class(false, true, true), ApplicantClass::Principal, "镇长 is 党政正职");
        assert_eq!(applicant_class(false, true, false), ApplicantClass::TeamDeputy);
        assert_eq!(applicant_class(false, false, true), ApplicantClass::General);
        assert_eq!(applicant_class(false, false, false), ApplicantClass::General);
    }

    #[test]
    fn codes_round_trip() {
        for kind in StepKind::ALL {
            assert_eq!(StepKind::from_code(kind.code()), Some(*kind));
            assert!(!kind.label_zh().is_empty());
        }
        for class in ApplicantClass::ALL {
            assert_eq!(ApplicantClass::from_code(class.code()), Some(*class));
        }
        for reason in Escalation::ALL {
            assert_eq!(Escalation::from_code(reason.code()), Some(*reason));
        }
        assert_eq!(StepKind::from_code("nope"), None);
    }

    #[test]
    fn actions() {
        assert_eq!(LiaisonInformed.action(), StepAction::Notify);
        assert_eq!(OrgDepartmentFiling.action(), StepAction::File);
        assert_eq!(DistrictCommittee.action(), StepAction::Approve);
    }

    #[test]
    fn general_tiers_stepwise() {
        let p = TierPolicy::default();
        let g = ApplicantClass::General;
        assert_eq!(kinds(&input(g, 1), &p), [SectionHead]);
        assert_eq!(kinds(&input(g, 2), &p), [SectionHead]);
        assert_eq!(kinds(&input(g, 3), &p), [SectionHead, SupervisingLeader]);
        assert_eq!(kinds(&input(g, 6), &p), [SectionHead, SupervisingLeader]);
        assert_eq!(kinds(&input(g, 7), &p), [SectionHead, SupervisingLeader, UnitPrincipal]);
        assert_eq!(kinds(&input(g, 10), &p), [SectionHead, SupervisingLeader, UnitPrincipal]);
        assert_eq!(kinds(&input(g, 20), &p), [SectionHead, SupervisingLeader, UnitPrincipal]);
        assert_eq!(
            kinds(&input(g, 21), &p),
            [SectionHead, SupervisingLeader, UnitPrincipal, OrgDepartmentFiling]
        );
    }

    #[test]
    fn general_tiers_flat() {
        let p = flat();
        let g = ApplicantClass::General;
        assert_eq!(kinds(&input(g, 2), &p), [SectionHead]);
        assert_eq!(kinds(&input(g, 6), &p), [SupervisingLeader]);
        assert_eq!(kinds(&input(g, 10), &p), [UnitPrincipal]);
        assert_eq!(kinds(&input(g, 22), &p), [UnitPrincipal, OrgDepartmentFiling]);
    }

    #[test]
    fn team_deputy_tiers() {
        let p = TierPolicy::default();
        let d = ApplicantClass::TeamDeputy;
        assert_eq!(kinds(&input(d, 1), &p), [UnitPrincipal]);
        assert_eq!(kinds(&input(d, 6), &p), [UnitPrincipal]);
        assert_eq!(kinds(&input(d, 8), &p), [UnitPrincipal, LiaisonInformed]);
        assert_eq!(kinds(&input(d, 21), &p), [UnitPrincipal, LiaisonInformed, OrgDepartmentFiling]);
    }

    #[test]
    fn principal_tiers() {
        let p = TierPolicy::default();
        let c = ApplicantClass::Principal;
        assert_eq!(kinds(&input(c, 2), &p), [LiaisonLeader]);
        assert_eq!(kinds(&input(c, 6), &p), [LiaisonLeader]);
        assert_eq!(kinds(&input(c, 7), &p), [LiaisonLeader, DistrictPrincipalLeader]);
        assert_eq!(kinds(&input(c, 7), &flat()), [DistrictPrincipalLeader]);
        assert_eq!(kinds(&input(c, 24), &p), [LiaisonLeader, DistrictPrincipalLeader, OrgDepartmentFiling]);
    }

    #[test]
    fn why_names_the_rule() {
        let steps = route(&input(ApplicantClass::General, 10), &TierPolicy::default());
        assert_eq!(steps[2].why, "3–10 days: unit principal");
        assert!(steps[0].why.starts_with("stepwise"), "{}", steps[0].why);
    }

    #[test]
    fn sensitive_post_raises_one_level() {
        let p = TierPolicy::default();
        let mut one_day = input(ApplicantClass::General, 2);
        one_day.raise = vec![Escalation::SensitivePost];
        assert_eq!(kinds(&one_day, &p), [SectionHead, SupervisingLeader]);
        assert_eq!(kinds(&one_day, &flat()), [SupervisingLeader]);
        let steps = route(&one_day, &p);
        assert!(steps[1].why.contains("sensitive post: one level higher"), "{}", steps[1].why);

        // Duplicates count once.
        one_day.raise = vec![Escalation::SensitivePost, Escalation::SensitivePost];
        assert_eq!(kinds(&one_day, &flat()), [SupervisingLeader]);

        // Two distinct reasons raise two levels.
        one_day.raise = vec![Escalation::SensitivePost, Escalation::OnDutyRatio];
        assert_eq!(kinds(&one_day, &flat()), [UnitPrincipal]);
    }

    #[test]
    fn raising_stops_at_the_top_tier() {
        let mut long = input(ApplicantClass::General, 30);
        long.raise = vec![Escalation::SensitivePost, Escalation::OnDutyRatio];
        assert_eq!(kinds(&long, &flat()), [UnitPrincipal, OrgDepartmentFiling]);
    }

    #[test]
    fn blackout_needs_the_district_principal_leader() {
        let p = flat();
        let mut general = input(ApplicantClass::General, 1);
        general.raise = vec![Escalation::Blackout];
        assert_eq!(kinds(&general, &p), [SupervisingLeader, DistrictPrincipalLeader]);

        let mut deputy = input(ApplicantClass::TeamDeputy, 8);
        deputy.raise = vec![Escalation::Blackout];
        assert_eq!(
            kinds(&deputy, &p),
            [UnitPrincipal, LiaisonInformed, DistrictPrincipalLeader, OrgDepartmentFiling]
        );

        // Already on the route: not twice, and the extra reason is recorded.
        let mut principal = input(ApplicantClass::Principal, 8);
        principal.raise = vec![Escalation::Blackout];
        let steps = route(&principal, &TierPolicy::default());
        let got: Vec<StepKind> = steps.iter().map(|s| s.kind).collect();
        assert_eq!(got, [LiaisonLeader, DistrictPrincipalLeader, OrgDepartmentFiling]);
        assert!(steps[1].why.contains("blackout"), "{}", steps[1].why);
    }

    #[test]
    fn l5_cumulative_reaches_the_district_committee() {
        let p = TierPolicy::default();
        // 28 days already, a 5-day request: 33 ≥ 30.
        let l5 = RouteInput {
            class: ApplicantClass::General,
            days: HalfDays::days(5),
            cumulative_calendar_days: HalfDays::days(28) + HalfDays::days(5),
            raise: vec![],
        };
        let steps = route(&l5, &p);
        let got: Vec<StepKind> = steps.iter().map(|s| s.kind).collect();
        assert_eq!(
            got,
            [SectionHead, SupervisingLeader, UnitPrincipal, DistrictCommittee, OrgDepartmentFiling]
        );
        assert_eq!(steps[3].why, "cumulative 33 days in the year ≥ 30: 区委 approval (§10.2)");

        let exactly = RouteInput { cumulative_calendar_days: HalfDays::days(30), ..l5.clone() };
        assert!(kinds(&exactly, &p).contains(&DistrictCommittee), "以上 includes 30");
        let below = RouteInput { cumulative_calendar_days: HalfDays(59), ..l5 };
        assert!(!kinds(&below, &p).contains(&DistrictCommittee), "29.5 is below");
    }

    #[test]
    fn cumulative_keeps_filing_last_and_once() {
        let mut long = input(ApplicantClass::TeamDeputy, 24);
        long.cumulative_calendar_days = HalfDays::days(40);
        long.raise = vec![Escalation::Blackout];
        assert_eq!(
            kinds(&long, &TierPolicy::default()),
            [UnitPrincipal, LiaisonInformed, DistrictPrincipalLeader, DistrictCommittee, OrgDepartmentFiling]
        );
    }

    proptest::proptest! {
        #[test]
        fn routes_are_well_formed(
            class in proptest::sample::select(ApplicantClass::ALL),
            days in 1u32..80,
            extra in 0u32..80,
            raise in proptest::collection::vec(proptest::sample::select(Escalation::ALL), 0..4),
            stepwise in proptest::bool::ANY,
        ) {
            let policy = TierPolicy { stepwise, ..TierPolicy::default() };
            let input = RouteInput {
                class,
                days: HalfDays(days),
                cumulative_calendar_days: HalfDays(days + extra),
                raise: raise.clone(),
            };
            let steps = route(&input, &policy);
            let kinds: Vec<StepKind> = steps.iter().map(|s| s.kind).collect();

            // Never empty, at least one approver, no kind twice, filing (if any) last.
            proptest::prop_assert!(kinds.iter().any(|k| k.action() == StepAction::Approve));
            for (i, k) in kinds.iter().enumerate() {
                proptest::prop_assert!(!kinds[i + 1..].contains(k), "{:?} twice in {:?}", k, kinds);
                if k.action() == StepAction::File {
                    proptest::prop_assert_eq!(i, kinds.len() - 1);
                }
            }
            proptest::prop_assert!(steps.iter().all(|s| !s.why.is_empty()));

            let cumulative = input.cumulative_calendar_days >= policy.cumulative_threshold;
            proptest::prop_assert_eq!(kinds.contains(&DistrictCommittee), cumulative);
            if cumulative || input.days > policy.medium {
                proptest::prop_assert_eq!(kinds.last(), Some(&OrgDepartmentFiling));
            }
            if raise.contains(&Escalation::Blackout) {
                proptest::prop_assert!(kinds.contains(&DistrictPrincipalLeader));
            }

            // Raising never removes an approver the unraised route had.
            let plain = route(&RouteInput { raise: vec![], ..input.clone() }, &policy);
            if stepwise {
                for step in &plain {
                    proptest::prop_assert!(kinds.contains(&step.kind), "{:?} lost in {:?}", step.kind, kinds);
                }
            }
        }
    }
}

//! Promotion and demotion cases (domain.md §1.6, §10.4): the procedure of 并行规定 第二十条 as a state
//! machine.
//!
//! A promotion goes 动议 (`draft`) → 民主推荐/测评 (`recommendation`) → 考察 (`inspection`) → 公示
//! (`publicity`) → 审批 (`awaiting_approval`) → `approved`, or ends `rejected` or `withdrawn`. A demotion
//! (第二十二条: 不称职, 降职, 撤职, …) goes `draft` → `awaiting_approval` → `approved`, one grade down.
//!
//! Every command goes through [`Case::apply`], which either changes the case and says what happened
//! ([`Effect`]s) or refuses with a distinct reason and changes nothing. The machine knows bodies
//! ([`Authority`]), not people: the service checks that the actor speaks for the body a command names,
//! and supplies the dates (the publicity's end comes from the working calendar) and the quota check.

use cadre_platform::code_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ladder::Grade, quota::QuotaFull};

code_enum!(
    /// Promotion or demotion.
    CaseKind {
        /// 晋升职级.
        Promotion = 1 => "promotion",
        /// 降低职级 (第二十二条).
        Demotion = 2 => "demotion",
    }
);

code_enum!(
    /// Where a case stands.
    CaseState {
        /// 动议: the 工作方案 is being prepared.
        Draft = 1 => "draft",
        /// 民主推荐 or 民主测评.
        Recommendation = 2 => "recommendation",
        /// 考察了解, with the 纪检监察 opinion.
        Inspection = 3 => "inspection",
        /// 公示.
        Publicity = 4 => "publicity",
        /// 审批.
        AwaitingApproval = 5 => "awaiting_approval",
        /// Approved: the grade changes on the effective date (city filing may still be due).
        Approved = 6 => "approved",
        /// Refused by the approving body, or stopped by an upheld objection.
        Rejected = 7 => "rejected",
        /// Abandoned before a decision.
        Withdrawn = 8 => "withdrawn",
    }
);

impl CaseState {
    /// Terminal states never change again; an approved case only records its filing.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Approved | Self::Rejected | Self::Withdrawn)
    }
}

code_enum!(
    /// The body that approves (§10.4).
    Authority {
        /// 区委组织部: 主任科员 grades and below.
        OrgDepartment = 1 => "ORG_DEPARTMENT",
        /// 区委常委会: 调研员 grades and above.
        DistrictCommittee = 2 => "DISTRICT_COMMITTEE",
    }
);

code_enum!(
    /// How the 初步人选 were found (第二十条 step 2).
    RecommendationMethod {
        /// 民主推荐.
        DemocraticRecommendation = 1 => "democratic_recommendation",
        /// 民主测评.
        DemocraticEvaluation = 2 => "democratic_evaluation",
    }
);

code_enum!(
    /// What the 考察 must attest (第十七条 items 1, 2, 3 and 5 are human judgements; item 4, tenure, is
    /// computed), plus the 纪检监察 opinion sought in practice (§1.6).
    Criterion {
        /// 第十七条(一): 政治素质好.
        PoliticalQuality = 1 => "political_quality",
        /// 第十七条(二): 能力和实绩.
        AbilityAndResults = 2 => "ability_and_results",
        /// 第十七条(三): 群众公认度较高.
        PublicRecognition = 3 => "public_recognition",
        /// 第十七条(五): 作风品行好, 遵纪守法, 清正廉洁.
        ConductAndIntegrity = 4 => "conduct_and_integrity",
        /// 征求纪检监察意见.
        DisciplineOpinion = 5 => "discipline_opinion",
    }
);

code_enum!(
    /// 第二十二条: why a grade is lowered.
    DemotionBasis {
        /// (一) cannot perform the duties of the post.
        UnableToPerform = 1 => "unable_to_perform",
        /// (二) 年度考核 不称职.
        Incompetent = 2 => "incompetent",
        /// (三) 降职处理.
        DemotedInPost = 3 => "demoted_in_post",
        /// (三) 撤职处分.
        DismissedFromPost = 4 => "dismissed_from_post",
        /// (四) other statutory cases.
        Other = 5 => "other",
    }
);

code_enum!(
    /// How a closed case closed.
    CloseReason {
        /// Approved.
        Approved = 1 => "approved",
        /// Refused by the approving body.
        RejectedByAuthority = 2 => "rejected_by_authority",
        /// An objection raised in 公示 was upheld.
        ObjectionUpheld = 3 => "objection_upheld",
        /// Withdrawn.
        Withdrawn = 4 => "withdrawn",
    }
);

/// The procedure's numbers and bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePolicy {
    /// Minimum 公示 length in working days (第二十条 \[V\]): 5.
    pub publicity_working_days: u32,
    /// The lowest grade the 区委常委会 approves (§10.4): 四级调研员, so all 调研员 grades and above.
    pub committee_approves_from: Grade,
    /// The lowest grade whose cases are also filed (备案) with the city level (§10.4): 二级调研员.
    pub city_filing_from: Grade,
}

impl Default for CasePolicy {
    /// domain.md §1.6 and §10.4.
    fn default() -> Self {
        Self {
            publicity_working_days: 5,
            committee_approves_from: Grade::Researcher4,
            city_filing_from: Grade::Researcher2,
        }
    }
}

impl CasePolicy {
    /// The body that decides a case about `grade`.
    pub fn authority_for(&self, grade: Grade) -> Authority {
        if self.committee_approves_from.is_above(grade) {
            Authority::OrgDepartment
        } else {
            Authority::DistrictCommittee
        }
    }

    /// Whether a case about `grade` is filed with the city level.
    pub fn filing_required(&self, grade: Grade) -> bool {
        !self.city_filing_from.is_above(grade)
    }
}

/// The vote of 民主推荐 or 民主测评.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Votes {
    /// People entitled to take part.
    pub eligible: u32,
    /// Ballots cast.
    pub cast: u32,
    /// In favour (推荐 / 称职以上).
    pub in_favour: u32,
    /// Against.
    pub against: u32,
    /// Abstained or invalid.
    pub abstained: u32,
}

impl Votes {
    /// Whether the counts add up: the three kinds within the ballots, the ballots within the electorate.
    pub fn is_consistent(&self) -> bool {
        let counted = u64::from(self.in_favour) + u64::from(self.against) + u64::from(self.abstained);
        self.eligible > 0 && self.cast <= self.eligible && counted <= u64::from(self.cast)
    }
}

/// The recorded 推荐/测评.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecommendationRecord {
    /// How.
    pub method: RecommendationMethod,
    /// The vote.
    pub votes: Votes,
}

/// One 考察 finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// What it is about.
    pub criterion: Criterion,
    /// Whether it supports the promotion.
    pub favourable: bool,
}

/// The 公示.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publicity {
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day (inclusive), from the working calendar.
    pub ends_on: NaiveDate,
    /// Working days between them, from the working calendar.
    pub working_days: u32,
}

/// An objection (反映) raised during the 公示.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    /// Its number within the case, from 1.
    pub id: u32,
    /// The day it was raised.
    pub raised_on: NaiveDate,
    /// `None` while open; `Some(true)` when upheld (the case stops), `Some(false)` when dismissed.
    pub upheld: Option<bool>,
}

/// The approving body's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Who decided.
    pub authority: Authority,
    /// Approved or not.
    pub approved: bool,
    /// The day the new grade takes effect (approvals only).
    pub effective: Option<NaiveDate>,
}

/// A case as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Promotion or demotion.
    pub kind: CaseKind,
    /// The grade held when the case opened (`None` for a promotion counted from a leadership post alone).
    pub from: Option<Grade>,
    /// The grade the case gives.
    pub to: Grade,
    /// Where it stands.
    pub state: CaseState,
    /// The body that decides it, fixed when the case opens.
    pub authority: Authority,
    /// Whether the decision is filed with the city level.
    pub filing_required: bool,
    /// The 公示 minimum in force when the case opened.
    pub min_publicity_working_days: u32,
    /// Why a demotion.
    pub demotion_basis: Option<DemotionBasis>,
    /// The day the 工作方案 was adopted.
    pub plan_adopted_on: Option<NaiveDate>,
    /// The 推荐/测评.
    pub recommendation: Option<RecommendationRecord>,
    /// The 考察 findings, one per criterion.
    pub attestations: Vec<Attestation>,
    /// The 公示.
    pub publicity: Option<Publicity>,
    /// Objections, in order raised.
    pub objections: Vec<Objection>,
    /// The decision.
    pub decision: Option<Decision>,
    /// The day of the city-level filing.
    pub filed_on: Option<NaiveDate>,
    /// How the case closed.
    pub closed: Option<CloseReason>,
}

/// What someone asks a case to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Adopt the 工作方案 (promotion, `draft` → `recommendation`). The quota is checked here (§1.7).
    AdoptPlan {
        /// The day of adoption.
        on: NaiveDate,
        /// `quota::check` for the target.
        quota: Result<(), QuotaFull>,
    },
    /// Record the 推荐/测评 (`recommendation` → `inspection`).
    RecordRecommendation {
        /// How.
        method: RecommendationMethod,
        /// The vote.
        votes: Votes,
    },
    /// Record (or correct) one 考察 finding (`inspection`).
    Attest {
        /// What it is about.
        criterion: Criterion,
        /// Whether it supports the promotion.
        favourable: bool,
    },
    /// Start the 公示 (`inspection` → `publicity`): every criterion recorded and favourable.
    StartPublicity {
        /// First day.
        starts_on: NaiveDate,
        /// Last day, from the working calendar.
        ends_on: NaiveDate,
        /// Working days from `starts_on` to `ends_on`, from the working calendar.
        working_days: u32,
    },
    /// Record an objection raised during the 公示.
    RaiseObjection {
        /// The day it was raised.
        on: NaiveDate,
    },
    /// Resolve an objection; an upheld one stops the case.
    ResolveObjection {
        /// Its number.
        id: u32,
        /// Upheld or dismissed.
        upheld: bool,
    },
    /// Close the 公示 once its last day has passed (`publicity` → `awaiting_approval`).
    EndPublicity {
        /// The service's date.
        today: NaiveDate,
    },
    /// Send a demotion for decision (`draft` → `awaiting_approval`).
    Submit,
    /// Approve (`awaiting_approval` → `approved`).
    Approve {
        /// The body deciding.
        authority: Authority,
        /// The day the new grade takes effect.
        effective: NaiveDate,
        /// `quota::check` for the target, again at 审批 (§1.7); `Ok(())` for a demotion.
        quota: Result<(), QuotaFull>,
    },
    /// Refuse (`awaiting_approval` → `rejected`).
    Reject {
        /// The body deciding.
        authority: Authority,
    },
    /// Abandon an open case.
    Withdraw,
    /// Record the filing (备案) with the city level of an approved case.
    RecordFiling {
        /// The day filed.
        on: NaiveDate,
    },
}

/// Why a command was refused; the case is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The case is closed.
    #[error("the case is {state}, which is final")]
    CaseClosed {
        /// Its state.
        state: CaseState,
    },
    /// The command belongs to another step, or to the other kind of case.
    #[error("a {kind} case in state {state} does not take this step")]
    StepOutOfOrder {
        /// The case's kind.
        kind: CaseKind,
        /// Its state.
        state: CaseState,
    },
    /// The vote does not add up.
    #[error("the vote counts do not add up")]
    VotesInvalid,
    /// Criteria with no finding yet.
    #[error("考察 findings missing: {0:?}")]
    AttestationMissing(Vec<Criterion>),
    /// Criteria found unfavourable.
    #[error("考察 findings unfavourable: {0:?}")]
    AttestationUnfavourable(Vec<Criterion>),
    /// The 公示 ends before it starts.
    #[error("the publicity ends before it starts")]
    PublicityDatesInvalid,
    /// The 公示 is shorter than the minimum.
    #[error("the publicity lasts {working_days} working days, at least {required} are required")]
    PublicityTooShort {
        /// Given.
        working_days: u32,
        /// Required.
        required: u32,
    },
    /// The 公示's last day has not passed.
    #[error("the publicity runs until {ends_on}")]
    PublicityNotOver {
        /// Its last day.
        ends_on: NaiveDate,
    },
    /// An objection dated outside the 公示.
    #[error("objections are raised during the publicity")]
    ObjectionOutsidePublicity,
    /// No such objection.
    #[error("no objection {id}")]
    ObjectionNotFound {
        /// The number asked for.
        id: u32,
    },
    /// The objection was resolved already.
    #[error("objection {id} is already resolved")]
    ObjectionAlreadyResolved {
        /// Its number.
        id: u32,
    },
    /// Objections still open.
    #[error("objections still open: {0:?}")]
    ObjectionUnresolved(Vec<u32>),
    /// The wrong body decided.
    #[error("this case is decided by {required}, not {given}")]
    AuthorityMismatch {
        /// The body that decides.
        required: Authority,
        /// The body named.
        given: Authority,
    },
    /// The quota is full.
    #[error(transparent)]
    QuotaFull(QuotaFull),
    /// The new grade would take effect before the 公示 is over.
    #[error("the effective date is before the publicity is over")]
    EffectiveDateInvalid,
    /// Nothing to file.
    #[error("this case is not filed with the city level")]
    FilingNotRequired,
    /// Filed already.
    #[error("the case is already filed")]
    AlreadyFiled,
    /// A promotion more than one step up (逐级晋升).
    #[error("{from} to {to} is more than one step")]
    RankSkipped {
        /// The grade held.
        from: Grade,
        /// The grade asked for.
        to: Grade,
    },
    /// A promotion to a grade not above the one held.
    #[error("{to} is not above {from}")]
    TargetNotAboveCurrent {
        /// The grade held.
        from: Grade,
        /// The grade asked for.
        to: Grade,
    },
    /// A demotion from the bottom grade.
    #[error("{0} is the bottom of the ladder")]
    BottomOfLadder(Grade),
}

impl Refusal {
    /// The stable machine reason (the `ErrorInfo.reason` of the gRPC status).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::CaseClosed { .. } => "CASE_CLOSED",
            Self::StepOutOfOrder { .. } => "CASE_STEP_OUT_OF_ORDER",
            Self::VotesInvalid => "VOTES_INVALID",
            Self::AttestationMissing(_) => "ATTESTATION_MISSING",
            Self::AttestationUnfavourable(_) => "ATTESTATION_UNFAVOURABLE",
            Self::PublicityDatesInvalid => "PUBLICITY_DATES_INVALID",
            Self::PublicityTooShort { .. } => "PUBLICITY_TOO_SHORT",
            Self::PublicityNotOver { .. } => "PUBLICITY_NOT_OVER",
            Self::ObjectionOutsidePublicity => "OBJECTION_OUTSIDE_PUBLICITY",
            Self::ObjectionNotFound { .. } => "OBJECTION_NOT_FOUND",
            Self::ObjectionAlreadyResolved { .. } => "OBJECTION_ALREADY_RESOLVED",
            Self::ObjectionUnresolved(_) => "OBJECTION_UNRESOLVED",
            Self::AuthorityMismatch { .. } => "AUTHORITY_MISMATCH",
            Self::QuotaFull(_) => "QUOTA_FULL",
            Self::EffectiveDateInvalid => "EFFECTIVE_DATE_INVALID",
            Self::FilingNotRequired => "FILING_NOT_REQUIRED",
            Self::AlreadyFiled => "ALREADY_FILED",
            Self::RankSkipped { .. } => "RANK_SKIPPED",
            Self::TargetNotAboveCurrent { .. } => "TARGET_NOT_ABOVE_CURRENT",
            Self::BottomOfLadder(_) => "BOTTOM_OF_LADDER",
        }
    }
}

/// What a command did, in order, for events and notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The case moved.
    StateChanged {
        /// From.
        from: CaseState,
        /// To.
        to: CaseState,
    },
    /// A 考察 finding was recorded.
    AttestationRecorded(Criterion),
    /// An objection was recorded.
    ObjectionRaised {
        /// Its number.
        id: u32,
    },
    /// An objection was resolved.
    ObjectionResolved {
        /// Its number.
        id: u32,
        /// Upheld (the case stopped) or dismissed.
        upheld: bool,
    },
    /// The grade changes: publish `PromotionApproved` (or the demotion's event).
    GradeChanged {
        /// The new grade.
        grade: Grade,
        /// From when.
        effective: NaiveDate,
    },
    /// The city-level filing is now due.
    FilingDue,
    /// The filing was recorded.
    Filed {
        /// The day filed.
        on: NaiveDate,
    },
}

impl Case {
    /// A promotion case to `to`, from the grade held (when the tenure is counted in a post, `from` may be
    /// `None`). The authority, filing and 公示 minimum are fixed from `policy` now.
    pub fn promotion(from: Option<Grade>, to: Grade, policy: &CasePolicy) -> Result<Case, Refusal> {
        if let Some(from) = from {
            match to.steps_above(from) {
                ..=0 => return Err(Refusal::TargetNotAboveCurrent { from, to }),
                1 => {}
                _ => return Err(Refusal::RankSkipped { from, to }),
            }
        }
        Ok(Case::open(CaseKind::Promotion, from, to, to, None, policy))
    }

    /// A demotion case one grade down from `from` (第二十二条). The higher grade decides the body and the
    /// filing, as it does for a promotion between the same two grades.
    pub fn demotion(from: Grade, basis: DemotionBasis, policy: &CasePolicy) -> Result<Case, Refusal> {
        let to = from.next_down().ok_or(Refusal::BottomOfLadder(from))?;
        Ok(Case::open(CaseKind::Demotion, Some(from), to, from, Some(basis), policy))
    }

    fn open(
        kind: CaseKind,
        from: Option<Grade>,
        to: Grade,
        decides: Grade,
        demotion_basis: Option<DemotionBasis>,
        policy: &CasePolicy,
    ) -> Case {
        Case {
            kind,
            from,
            to,
            state: CaseState::Draft,
            authority: policy.authority_for(decides),
            filing_required: policy.filing_required(decides),
            min_publicity_working_days: policy.publicity_working_days,
            demotion_basis,
            plan_adopted_on: None,
            recommendation: None,
            attestations: Vec::new(),
            publicity: None,
            objections: Vec::new(),
            decision: None,
            filed_on: None,
            closed: None,
        }
    }

    /// Applies a command, or refuses it and leaves the case exactly as it was.
    pub fn apply(&mut self, command: Command) -> Result<Vec<Effect>, Refusal> {
        // Work on a copy so a refusal found half-way leaves no partial change.
        let mut next = self.clone();
        let effects = next.transition(command)?;
        *self = next;
        Ok(effects)
    }

    /// Criteria with no finding yet.
    pub fn missing_attestations(&self) -> Vec<Criterion> {
        Criterion::ALL
            .iter()
            .copied()
            .filter(|c| !self.attestations.iter().any(|a| a.criterion == *c))
            .collect()
    }

    /// Objections not yet resolved.
    pub fn open_objections(&self) -> Vec<u32> {
        self.objections.iter().filter(|o| o.upheld.is_none()).map(|o| o.id).collect()
    }

    /// Whether the city-level filing is still to be recorded.
    pub fn filing_due(&self) -> bool {
        self.state == CaseState::Approved && self.filing_required && self.filed_on.is_none()
    }

    fn transition(&mut self, command: Command) -> Result<Vec<Effect>, Refusal> {
        use CaseKind::{Demotion, Promotion};
        use CaseState as S;
        if self.state.is_terminal()
            && !(self.state == S::Approved && matches!(command, Command::RecordFiling { .. }))
        {
            return Err(Refusal::CaseClosed { state: self.state });
        }
        match command {
            Command::AdoptPlan { on, quota } => {
                self.require(Promotion, &[S::Draft])?;
                quota.map_err(Refusal::QuotaFull)?;
                self.plan_adopted_on = Some(on);
                Ok(vec![self.move_to(S::Recommendation)])
            }
            Command::RecordRecommendation { method, votes } => {
                self.require(Promotion, &[S::Recommendation])?;
                if !votes.is_consistent() {
                    return Err(Refusal::VotesInvalid);
                }
                self.recommendation = Some(RecommendationRecord { method, votes });
                Ok(vec![self.move_to(S::Inspection)])
            }
            Command::Attest { criterion, favourable } => {
                self.require(Promotion, &[S::Inspection])?;
                self.attestations.retain(|a| a.criterion != criterion);
                self.attestations.push(Attestation { criterion, favourable });
                self.attestations.sort_by_key(|a| a.criterion);
                Ok(vec![Effect::AttestationRecorded(criterion)])
            }
            Command::StartPublicity { starts_on, ends_on, working_days } => {
                self.require(Promotion, &[S::Inspection])?;
                let missing = self.missing_attestations();
                if !missing.is_empty() {
                    return Err(Refusal::AttestationMissing(missing));
                }
                let against: Vec<Criterion> =
                    self.attestations.iter().filter(|a| !a.favourable).map(|a| a.criterion).collect();
                if !against.is_empty() {
                    return Err(Refusal::AttestationUnfavourable(against));
                }
                if ends_on < starts_on {
                    return Err(Refusal::PublicityDatesInvalid);
                }
                if working_days < self.min_publicity_working_days {
                    return Err(Refusal::PublicityTooShort {
                        working_days,
                        required: self.min_publicity_working_days,
                    });
                }
                self.publicity = Some(Publicity { starts_on, ends_on, working_days });
                Ok(vec![self.move_to(S::Publicity)])
            }
            Command::RaiseObjection { on } => {
                self.require(Promotion, &[S::Publicity])?;
                let within = self.publicity.is_some_and(|p| p.starts_on <= on && on <= p.ends_on);
                if !within {
                    return Err(Refusal::ObjectionOutsidePublicity);
                }
                let id = u32::try_from(self.objections.len()).unwrap_or(u32::MAX).saturating_add(1);
                self.objections.push(Objection { id, raised_on: on, upheld: None });
                Ok(vec![Effect::ObjectionRaised { id }])
            }
            Command::ResolveObjection { id, upheld } => {
                self.require(Promotion, &[S::Publicity, S::AwaitingApproval])?;
                let objection = self
                    .objections
                    .iter_mut()
                    .find(|o| o.id == id)
                    .ok_or(Refusal::ObjectionNotFound { id })?;
                if objection.upheld.is_some() {
                    return Err(Refusal::ObjectionAlreadyResolved { id });
                }
                objection.upheld = Some(upheld);
                let mut effects = vec![Effect::ObjectionResolved { id, upheld }];
                if upheld {
                    self.closed = Some(CloseReason::ObjectionUpheld);
                    effects.push(self.move_to(S::Rejected));
                }
                Ok(effects)
            }
            Command::EndPublicity { today } => {
                self.require(Promotion, &[S::Publicity])?;
                if let Some(p) = self.publicity
                    && today <= p.ends_on
                {
                    return Err(Refusal::PublicityNotOver { ends_on: p.ends_on });
                }
                Ok(vec![self.move_to(S::AwaitingApproval)])
            }
            Command::Submit => {
                self.require(Demotion, &[S::Draft])?;
                Ok(vec![self.move_to(S::AwaitingApproval)])
            }
            Command::Approve { authority, effective, quota } => {
                self.require_decision(authority)?;
                let open = self.open_objections();
                if !open.is_empty() {
                    return Err(Refusal::ObjectionUnresolved(open));
                }
                if self.kind == Promotion {
                    quota.map_err(Refusal::QuotaFull)?;
                    if self.publicity.is_some_and(|p| effective <= p.ends_on) {
                        return Err(Refusal::EffectiveDateInvalid);
                    }
                }
                self.decision = Some(Decision { authority, approved: true, effective: Some(effective) });
                self.closed = Some(CloseReason::Approved);
                let mut effects =
                    vec![self.move_to(S::Approved), Effect::GradeChanged { grade: self.to, effective }];
                if self.filing_required {
                    effects.push(Effect::FilingDue);
                }
                Ok(effects)
            }
            Command::Reject { authority } => {
                self.require_decision(authority)?;
                self.decision = Some(Decision { authority, approved: false, effective: None });
                self.closed = Some(CloseReason::RejectedByAuthority);
                Ok(vec![self.move_to(S::Rejected)])
            }
            Command::Withdraw => {
                self.closed = Some(CloseReason::Withdrawn);
                Ok(vec![self.move_to(S::Withdrawn)])
            }
            Command::RecordFiling { on } => {
                if self.state != S::Approved {
                    return Err(self.out_of_order());
                }
                if !self.filing_required {
                    return Err(Refusal::FilingNotRequired);
                }
                if self.filed_on.is_some() {
                    return Err(Refusal::AlreadyFiled);
                }
                self.filed_on = Some(on);
                Ok(vec![Effect::Filed { on }])
            }
        }
    }

    fn out_of_order(&self) -> Refusal {
        Refusal::StepOutOfOrder { kind: self.kind, state: self.state }
    }

    fn require(&self, kind: CaseKind, states: &[CaseState]) -> Result<(), Refusal> {
        if self.kind == kind && states.contains(&self.state) { Ok(()) } else { Err(self.out_of_order()) }
    }

    fn require_decision(&self, authority: Authority) -> Result<(), Refusal> {
        if self.state != CaseState::AwaitingApproval {
            return Err(self.out_of_order());
        }
        if authority != self.authority {
            return Err(Refusal::AuthorityMismatch { required: self.authority, given: authority });
        }
        Ok(())
    }

    fn move_to(&mut self, to: CaseState) -> Effect {
        let from = self.state;
        self.state = to;
        Effect::StateChanged { from, to }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn votes() -> Votes {
        Votes { eligible: 30, cast: 28, in_favour: 25, against: 2, abstained: 1 }
    }

    fn favourable_all(case: &mut Case) {
        for c in Criterion::ALL {
            case.apply(Command::Attest { criterion: *c, favourable: true }).unwrap();
        }
    }

    /// A promotion case brought to `publicity` (2024-03-04 to 2024-03-08, five working days).
    fn in_publicity(to: Grade) -> Case {
        let mut case = Case::promotion(to.next_down(), to, &CasePolicy::default()).unwrap();
        case.apply(Command::AdoptPlan { on: d(2024, 1, 10), quota: Ok(()) }).unwrap();
        case.apply(Command::RecordRecommendation {
            method: RecommendationMethod::DemocraticEvaluation,
            votes: votes(),
        })
        .unwrap();
        favourable_all(&mut case);
        case.apply(Command::StartPublicity {
            starts_on: d(2024, 3, 4),
            ends_on: d(2024, 3, 8),
            working_days: 5,
        })
        .unwrap();
        case
    }

    fn approve(authority: Authority, effective: NaiveDate) -> Command {
        Command::Approve { authority, effective, quota: Ok(()) }
    }

    #[test]
    fn a_promotion_runs_every_step_in_order() {
        let mut case = in_publicity(Grade::PrincipalStaff1);
        assert_eq!(case.state, CaseState::Publicity);
        case.apply(Command::EndPublicity { today: d(2024, 3, 9) }).unwrap();
        let effects = case.apply(approve(Authority::OrgDepartment, d(2024, 3, 15))).unwrap();
        assert_eq!(case.state, CaseState::Approved);
        assert_eq!(
            effects[1],
            Effect::GradeChanged { grade: Grade::PrincipalStaff1, effective: d(2024, 3, 15) }
        );
        assert!(!effects.contains(&Effect::FilingDue));
        assert_eq!(case.apply(Command::RecordFiling { on: d(2024, 3, 20) }), Err(Refusal::FilingNotRequired));
    }

    #[test]
    fn steps_cannot_be_skipped() {
        let mut case =
            Case::promotion(Some(Grade::Staff1), Grade::PrincipalStaff4, &CasePolicy::default()).unwrap();
        let before = case.clone();
        for cmd in [
            Command::RecordRecommendation {
                method: RecommendationMethod::DemocraticRecommendation,
                votes: votes(),
            },
            Command::StartPublicity { starts_on: d(2024, 3, 4), ends_on: d(2024, 3, 8), working_days: 5 },
            Command::EndPublicity { today: d(2024, 3, 9) },
            approve(Authority::OrgDepartment, d(2024, 3, 15)),
            Command::Submit,
        ] {
            let refusal = case.apply(cmd).unwrap_err();
            assert_eq!(refusal.reason(), "CASE_STEP_OUT_OF_ORDER");
        }
        assert_eq!(case, before);
    }

    #[test]
    fn inspection_needs_every_favourable_attestation() {
        let mut case =
            Case::promotion(Some(Grade::Staff1), Grade::PrincipalStaff4, &CasePolicy::default()).unwrap();
        case.apply(Command::AdoptPlan { on: d(2024, 1, 10), quota: Ok(()) }).unwrap();
        case.apply(Command::RecordRecommendation {
            method: RecommendationMethod::DemocraticEvaluation,
            votes: votes(),
        })
        .unwrap();
        let start =
            Command::StartPublicity { starts_on: d(2024, 3, 4), ends_on: d(2024, 3, 8), working_days: 5 };
        case.apply(Command::Attest { criterion: Criterion::PoliticalQuality, favourable: true }).unwrap();
        let missing = case.apply(start.clone()).unwrap_err();
        assert_eq!(missing.reason(), "ATTESTATION_MISSING");
        assert_eq!(
            missing,
            Refusal::AttestationMissing(vec![
                Criterion::AbilityAndResults,
                Criterion::PublicRecognition,
                Criterion::ConductAndIntegrity,
                Criterion::DisciplineOpinion
            ])
        );
        favourable_all(&mut case);
        case.apply(Command::Attest { criterion: Criterion::DisciplineOpinion, favourable: false }).unwrap();
        assert_eq!(
            case.apply(start.clone()),
            Err(Refusal::AttestationUnfavourable(vec![Criterion::DisciplineOpinion]))
        );
        // A corrected finding replaces the first.
        case.apply(Command::Attest { criterion: Criterion::DisciplineOpinion, favourable: true }).unwrap();
        assert_eq!(case.attestations.len(), 5);
        let short =
            Command::StartPublicity { starts_on: d(2024, 3, 4), ends_on: d(2024, 3, 7), working_days: 4 };
        assert_eq!(case.apply(short), Err(Refusal::PublicityTooShort { working_days: 4, required: 5 }));
        case.apply(start).unwrap();
    }

    #[test]
    fn publicity_must_be_over_and_objections_resolved() {
        let mut case = in_publicity(Grade::PrincipalStaff1);
        assert_eq!(
            case.apply(Command::EndPublicity { today: d(2024, 3, 8) }),
            Err(Refusal::PublicityNotOver { ends_on: d(2024, 3, 8) })
        );
        assert_eq!(
            case.apply(Command::RaiseObjection { on: d(2024, 3, 9) }),
            Err(Refusal::ObjectionOutsidePublicity)
        );
        assert_eq!(
            case.apply(Command::RaiseObjection { on: d(2024, 3, 6) }).unwrap(),
            vec![Effect::ObjectionRaised { id: 1 }]
        );
        case.apply(Command::EndPublicity { today: d(2024, 3, 11) }).unwrap();
        let refusal = case.apply(approve(Authority::OrgDepartment, d(2024, 3, 15))).unwrap_err();
        assert_eq!(
            (refusal.reason(), refusal),
            ("OBJECTION_UNRESOLVED", Refusal::ObjectionUnresolved(vec![1]))
        );
        case.apply(Command::ResolveObjection { id: 1, upheld: false }).unwrap();
        assert_eq!(
            case.apply(Command::ResolveObjection { id: 1, upheld: true }),
            Err(Refusal::ObjectionAlreadyResolved { id: 1 })
        );
        assert_eq!(
            case.apply(approve(Authority::OrgDepartment, d(2024, 3, 8))),
            Err(Refusal::EffectiveDateInvalid)
        );
        case.apply(approve(Authority::OrgDepartment, d(2024, 3, 15))).unwrap();
    }

    #[test]
    fn an_upheld_objection_stops_the_case() {
        let mut case = in_publicity(Grade::PrincipalStaff2);
        case.apply(Command::RaiseObjection { on: d(2024, 3, 5) }).unwrap();
        let effects = case.apply(Command::ResolveObjection { id: 1, upheld: true }).unwrap();
        assert_eq!(case.state, CaseState::Rejected);
        assert_eq!(case.closed, Some(CloseReason::ObjectionUpheld));
        assert!(
            effects.contains(&Effect::StateChanged { from: CaseState::Publicity, to: CaseState::Rejected })
        );
        assert_eq!(case.apply(Command::Withdraw).unwrap_err().reason(), "CASE_CLOSED");
    }

    #[test]
    fn the_committee_decides_researchers_and_the_city_files_researcher_2_up() {
        let policy = CasePolicy::default();
        assert_eq!(policy.authority_for(Grade::PrincipalStaff1), Authority::OrgDepartment);
        assert_eq!(policy.authority_for(Grade::Researcher4), Authority::DistrictCommittee);
        assert_eq!(policy.authority_for(Grade::Inspector2), Authority::DistrictCommittee);
        assert!(!policy.filing_required(Grade::Researcher3));
        assert!(policy.filing_required(Grade::Researcher2));

        let mut case = in_publicity(Grade::Researcher2);
        case.apply(Command::EndPublicity { today: d(2024, 3, 9) }).unwrap();
        let refusal = case.apply(approve(Authority::OrgDepartment, d(2024, 3, 15))).unwrap_err();
        assert_eq!(refusal.reason(), "AUTHORITY_MISMATCH");
        assert_eq!(
            case.apply(Command::Reject { authority: Authority::OrgDepartment }).unwrap_err().reason(),
            "AUTHORITY_MISMATCH"
        );
        let effects = case.apply(approve(Authority::DistrictCommittee, d(2024, 3, 15))).unwrap();
        assert!(effects.contains(&Effect::FilingDue));
        assert!(case.filing_due());
        case.apply(Command::RecordFiling { on: d(2024, 3, 20) }).unwrap();
        assert!(!case.filing_due());
        assert_eq!(case.apply(Command::RecordFiling { on: d(2024, 3, 21) }), Err(Refusal::AlreadyFiled));
        assert_eq!(case.state, CaseState::Approved);
    }

    #[test]
    fn quota_is_checked_at_the_plan_and_at_approval() {
        let full = QuotaFull { cap_code: "RESEARCHER_2".into(), limit: 2, used: 2 };
        let mut case =
            Case::promotion(Some(Grade::Researcher3), Grade::Researcher2, &CasePolicy::default()).unwrap();
        let refusal =
            case.apply(Command::AdoptPlan { on: d(2024, 1, 10), quota: Err(full.clone()) }).unwrap_err();
        assert_eq!(refusal.reason(), "QUOTA_FULL");
        let mut case = in_publicity(Grade::Researcher2);
        case.apply(Command::EndPublicity { today: d(2024, 3, 9) }).unwrap();
        let approve_full = Command::Approve {
            authority: Authority::DistrictCommittee,
            effective: d(2024, 3, 15),
            quota: Err(full),
        };
        assert_eq!(case.apply(approve_full).unwrap_err().reason(), "QUOTA_FULL");
        assert_eq!(case.state, CaseState::AwaitingApproval);
    }

    #[test]
    fn promotions_are_one_step_and_demotions_one_step_down() {
        let policy = CasePolicy::default();
        assert_eq!(
            Case::promotion(Some(Grade::Staff1), Grade::PrincipalStaff3, &policy).unwrap_err().reason(),
            "RANK_SKIPPED"
        );
        assert_eq!(
            Case::promotion(Some(Grade::Staff1), Grade::Staff1, &policy).unwrap_err().reason(),
            "TARGET_NOT_ABOVE_CURRENT"
        );
        assert_eq!(
            Case::demotion(Grade::Staff2, DemotionBasis::Incompetent, &policy).unwrap_err().reason(),
            "BOTTOM_OF_LADDER"
        );

        let mut case = Case::demotion(Grade::Researcher4, DemotionBasis::Incompetent, &policy).unwrap();
        assert_eq!((case.to, case.authority), (Grade::PrincipalStaff1, Authority::DistrictCommittee));
        assert_eq!(
            case.apply(Command::AdoptPlan { on: d(2024, 1, 1), quota: Ok(()) }).unwrap_err().reason(),
            "CASE_STEP_OUT_OF_ORDER"
        );
        case.apply(Command::Submit).unwrap();
        assert_eq!(case.state, CaseState::AwaitingApproval);
        let effects = case.apply(approve(Authority::DistrictCommittee, d(2024, 2, 1))).unwrap();
        assert!(
            effects
                .contains(&Effect::GradeChanged { grade: Grade::PrincipalStaff1, effective: d(2024, 2, 1) })
        );
        assert_eq!(case.state, CaseState::Approved);
    }

    #[test]
    fn votes_must_add_up() {
        assert!(votes().is_consistent());
        assert!(!Votes { eligible: 10, cast: 11, ..Votes::default() }.is_consistent());
        assert!(!Votes { eligible: 10, cast: 5, in_favour: 4, against: 2, abstained: 0 }.is_consistent());
        assert!(!Votes::default().is_consistent());
    }

    fn command() -> impl Strategy<Value = Command> {
        let day = (0u64..40).prop_map(|n| d(2024, 3, 1) + chrono::Days::new(n));
        let quota = prop_oneof![
            4 => Just(Ok(())),
            1 => Just(Err(QuotaFull { cap_code: "X".into(), limit: 0, used: 0 })),
        ];
        let authority = prop::sample::select(Authority::ALL);
        prop_oneof![
            3 => (day.clone(), quota.clone()).prop_map(|(on, quota)| Command::AdoptPlan { on, quota }),
            3 => (prop::sample::select(RecommendationMethod::ALL), 0u32..4, 0u32..4).prop_map(|(method, a, b)| {
                Command::RecordRecommendation {
                    method,
                    votes: Votes { eligible: 10 - a, cast: 8, in_favour: 6 + b, against: 1, abstained: 0 },
                }
            }),
            9 => (prop::sample::select(Criterion::ALL), prop::bool::weighted(0.9))
                .prop_map(|(criterion, favourable)| Command::Attest { criterion, favourable }),
            3 => (day.clone(), 0u64..10, 3u32..8).prop_map(|(starts_on, len, working_days)| {
                Command::StartPublicity { starts_on, ends_on: starts_on + chrono::Days::new(len), working_days }
            }),
            3 => day.clone().prop_map(|on| Command::RaiseObjection { on }),
            3 => (1u32..4, prop::bool::weighted(0.2)).prop_map(|(id, upheld)| Command::ResolveObjection { id, upheld }),
            3 => day.clone().prop_map(|today| Command::EndPublicity { today }),
            3 => Just(Command::Submit),
            6 => (authority.clone(), day.clone(), quota)
                .prop_map(|(authority, effective, quota)| Command::Approve { authority, effective, quota }),
            3 => authority.prop_map(|authority| Command::Reject { authority }),
            1 => Just(Command::Withdraw),
            3 => day.prop_map(|on| Command::RecordFiling { on }),
        ]
    }

    fn happy_path(kind: CaseKind) -> Vec<Command> {
        let approve = approve(Authority::DistrictCommittee, d(2024, 4, 1));
        if kind == CaseKind::Demotion {
            return vec![Command::Submit, approve];
        }
        let mut path = vec![
            Command::AdoptPlan { on: d(2024, 1, 10), quota: Ok(()) },
            Command::RecordRecommendation {
                method: RecommendationMethod::DemocraticEvaluation,
                votes: votes(),
            },
        ];
        path.extend(Criterion::ALL.iter().map(|c| Command::Attest { criterion: *c, favourable: true }));
        path.push(Command::StartPublicity {
            starts_on: d(2024, 3, 4),
            ends_on: d(2024, 3, 8),
            working_days: 5,
        });
        path.push(Command::EndPublicity { today: d(2024, 3, 9) });
        path.push(approve);
        path
    }

    /// The edges each kind may take; anything else is a skipped step.
    fn allowed(kind: CaseKind, from: CaseState, to: CaseState) -> bool {
        use CaseState::*;
        if from == to {
            return true;
        }
        match (kind, from, to) {
            (_, f, Withdrawn) => !f.is_terminal(),
            (CaseKind::Promotion, Draft, Recommendation)
            | (CaseKind::Promotion, Recommendation, Inspection)
            | (CaseKind::Promotion, Inspection, Publicity)
            | (CaseKind::Promotion, Publicity, AwaitingApproval)
            | (CaseKind::Promotion, Publicity | AwaitingApproval, Rejected)
            | (CaseKind::Demotion, Draft, AwaitingApproval)
            | (CaseKind::Demotion, AwaitingApproval, Rejected)
            | (_, AwaitingApproval, Approved) => true,
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn terminal_states_are_final_and_no_step_is_skipped(
            demotion in any::<bool>(),
            prefix in 0usize..=10,
            commands in prop::collection::vec(command(), 0..60),
        ) {
            let policy = CasePolicy::default();
            let mut case = if demotion {
                Case::demotion(Grade::Researcher2, DemotionBasis::Incompetent, &policy).unwrap()
            } else {
                Case::promotion(Some(Grade::Researcher3), Grade::Researcher2, &policy).unwrap()
            };
            // Start part-way along the happy path so that random commands reach the later states too.
            let happy = happy_path(case.kind);
            let start = happy.iter().take(prefix).cloned();
            for command in start.chain(commands) {
                let before = case.clone();
                match case.apply(command) {
                    Err(_) => prop_assert_eq!(&case, &before),
                    Ok(_) => {
                        if before.state.is_terminal() {
                            prop_assert_eq!(case.state, before.state);
                            prop_assert_eq!(before.state, CaseState::Approved);
                        }
                        prop_assert!(allowed(case.kind, before.state, case.state), "{} -> {}", before.state, case.state);
                    }
                }
                if case.state == CaseState::Approved && case.kind == CaseKind::Promotion {
                    prop_assert!(case.recommendation.is_some());
                    prop_assert!(case.missing_attestations().is_empty());
                    prop_assert!(case.attestations.iter().all(|a| a.favourable));
                    prop_assert!(case.publicity.is_some_and(|p| p.working_days >= 5));
                    prop_assert!(case.open_objections().is_empty());
                    prop_assert!(case.objections.iter().all(|o| o.upheld == Some(false)));
                }
                if case.state.is_terminal() {
                    prop_assert!(case.closed.is_some());
                }
            }
        }
    }
}

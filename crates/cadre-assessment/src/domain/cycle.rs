//! The annual assessment of one pool (a 机关, or its 参公/事业 part) for one year: each participant's
//! procedure (domain.md §2.1: 个人总结 → 主管领导's proposal → 优秀 publicity → determination → written
//! result and signature → 复核 → 申诉) and the cycle around it.
//!
//! The cycle is one aggregate, participants included, because its rules span them: the 优秀 quota is a
//! count over everyone's proposals, and the determination fixes every grade at once. Keeping them together
//! lets the store apply each command under one optimistic version, so two proposals racing for the last
//! 优秀 place cannot both pass.
//!
//! Every command goes through [`Cycle::apply`], which either changes the cycle and says what happened
//! ([`Effect`]s, for events and notifications) or refuses with a [`Refusal`] and changes nothing.
//!
//! Cycle states: `OPEN → PUBLICITY → DETERMINED → CLOSED` (publicity may be cancelled back to `OPEN` to
//! revise the candidates). A participant goes `ENROLLED → SUMMARY_SUBMITTED → PROPOSED → DETERMINED →
//! NOTIFIED → ACKNOWLEDGED | REFUSED_TO_SIGN → REVIEW_REQUESTED → REVIEW_DECIDED → APPEAL_REQUESTED →
//! APPEAL_DECIDED`, or is `EXCLUDED` (does not take part), or waits in `AWAITING_SUPPLEMENT` while an
//! investigation defers the grade, and is then graded late (补定) without reopening the cycle.

use cadre_platform::code_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::grade::{AnnualGrade, Outcome};
use super::linkage::{LinkagePolicy, LinkageVerdict, RoutineResult};
use super::participation::{AssessmentYear, Bar, Facts, Participation, ParticipationPolicy, participation};
use super::policy::AssessmentPolicy;
use super::quota::{ExcellentApproval, QuotaExceeded, check_excellent, counted_participants};
use super::review::{RestDays, working_days_between};

code_enum!(
    /// Where the cycle stands.
    CycleState {
        /// Enrolment, summaries and proposals.
        Open = 1 => "OPEN",
        /// The 优秀 candidates are publicised; objections may be raised.
        Publicity = 2 => "PUBLICITY",
        /// The grades are determined; results are delivered, reviewed and appealed per person.
        Determined = 3 => "DETERMINED",
        /// Every determined result has been delivered. Recourse and 补定 still go on per person.
        Closed = 4 => "CLOSED",
    }
);

code_enum!(
    /// Where one participant stands.
    ParticipantState {
        /// In the cycle, no 个人总结 yet.
        Enrolled = 1 => "ENROLLED",
        /// 个人总结 submitted.
        SummarySubmitted = 2 => "SUMMARY_SUBMITTED",
        /// The 主管领导 has proposed an outcome with a 评语.
        Proposed = 3 => "PROPOSED",
        /// The outcome is determined (确定等次).
        Determined = 4 => "DETERMINED",
        /// The written result was given to the person.
        Notified = 5 => "NOTIFIED",
        /// The person signed it.
        Acknowledged = 6 => "ACKNOWLEDGED",
        /// The person refused to sign; recorded.
        RefusedToSign = 7 => "REFUSED_TO_SIGN",
        /// 复核 asked for.
        ReviewRequested = 8 => "REVIEW_REQUESTED",
        /// 复核 decided.
        ReviewDecided = 9 => "REVIEW_DECIDED",
        /// 申诉 made (after 复核, or directly).
        AppealRequested = 10 => "APPEAL_REQUESTED",
        /// 申诉 decided: final.
        AppealDecided = 11 => "APPEAL_DECIDED",
        /// Does not take part (不参加年度考核).
        Excluded = 12 => "EXCLUDED",
        /// Deferred by an investigation; waits for 补定.
        AwaitingSupplement = 13 => "AWAITING_SUPPLEMENT",
    }
);

impl ParticipantState {
    /// No command changes a participant in a terminal state. (`EXCLUDED` is also final once the cycle is
    /// determined; before that, corrected facts may bring the person back.)
    pub fn is_terminal(self) -> bool {
        self == Self::AppealDecided
    }

    /// Before the determination: the states in which the proposal may still change.
    pub fn is_before_determination(self) -> bool {
        matches!(self, Self::Enrolled | Self::SummarySubmitted | Self::Proposed)
    }
}

code_enum!(
    /// Who determines the grades (确定等次).
    DeterminedBy {
        /// The 机关负责人.
        UnitHead = 1 => "UNIT_HEAD",
        /// The 考核委员会 the head authorised.
        Committee = 2 => "COMMITTEE",
    }
);

/// What the rules allow a participant: the special cases and the routine-result linkage, computed by the
/// service from the facts it holds (see [`Constraints::compute`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraints {
    /// The special cases (forced outcome, ceiling).
    pub participation: Participation,
    /// The routine results' limit.
    pub linkage: LinkageVerdict,
}

impl Constraints {
    /// No special case and no linkage limit.
    pub fn open() -> Self {
        Self { participation: Participation::open(), linkage: LinkageVerdict::none() }
    }

    /// The constraints from a cadre's facts and routine results for `year`.
    pub fn compute(
        year: AssessmentYear,
        facts: &Facts,
        routine: &[RoutineResult],
        year_end_score: Option<u32>,
        participation_policy: &ParticipationPolicy,
        linkage_policy: &LinkagePolicy,
    ) -> Self {
        Self {
            participation: participation(year, facts, participation_policy),
            linkage: linkage_policy.evaluate(routine, year_end_score),
        }
    }

    /// Whether these constraints allow `outcome`.
    pub fn check(&self, outcome: Outcome) -> Result<(), Refusal> {
        self.participation.permits(outcome).map_err(|bar| match bar {
            Bar::OutcomeForced { forced } => Refusal::OutcomeForced { forced },
            Bar::GradeRequired => Refusal::GradeRequired,
            Bar::GradeAboveCeiling { ceiling } => Refusal::GradeAboveCeiling { ceiling },
        })?;
        // A forced outcome overrides the linkage: a refusal's 不称职 stands whatever the routine results.
        if self.participation.forced.is_none()
            && let Some(grade) = outcome.grade()
            && !self.linkage.permits(grade)
        {
            return Err(Refusal::LinkageForbidsGrade {
                best_allowed: self.linkage.best_allowed.unwrap_or(AnnualGrade::Incompetent),
            });
        }
        Ok(())
    }

    fn ungraded_taking_part(&self) -> bool {
        self.participation.takes_part
            && matches!(self.participation.forced, Some(Outcome::Undetermined | Outcome::Deferred))
    }
}

/// The 主管领导's proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The proposed outcome.
    pub outcome: Outcome,
    /// The 评语 (none for a deferred grade).
    pub comment: String,
    /// 改进提高的要求.
    pub improvement: String,
    /// Who proposed (the 主管领导's cadre id).
    pub proposed_by: String,
    /// When.
    pub proposed_on: NaiveDate,
}

/// The determination of one participant's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Determination {
    /// The outcome determined.
    pub outcome: Outcome,
    /// The head or the committee.
    pub by: DeterminedBy,
    /// The person recording it on their behalf.
    pub recorded_by: String,
    /// When.
    pub on: NaiveDate,
}

/// The person's signature on the written result, or its refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// The day signed or refused.
    pub on: NaiveDate,
    /// Signed (`true`) or refused to sign (`false`).
    pub signed: bool,
}

/// The decision on a 复核 or a 申诉.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// The result stands.
    Upheld,
    /// The result becomes this outcome.
    Changed(Outcome),
}

/// A 复核 or a 申诉.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recourse {
    /// When asked for.
    pub requested_on: NaiveDate,
    /// An appeal made without 复核 (always `false` for a 复核).
    pub direct: bool,
    /// The day by which the body should decide (公务员法 第九十五条), for reminders; not enforced.
    pub decide_by: NaiveDate,
    /// The decision, once made.
    pub decision: Option<Decision>,
    /// Who recorded the decision.
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_on: Option<NaiveDate>,
}

/// One person in the cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// The cadre.
    pub cadre_id: String,
    /// Where they stand.
    pub state: ParticipantState,
    /// What the rules allow them.
    pub constraints: Constraints,
    /// The day of the 个人总结.
    pub summary_on: Option<NaiveDate>,
    /// The current proposal.
    pub proposal: Option<Proposal>,
    /// Publicised as a 优秀 candidate in the current publicity.
    pub candidate: bool,
    /// An objection against them was upheld: they cannot be proposed 优秀 again in this cycle.
    pub objection_upheld: bool,
    /// Their proposal must be revised before the determination (an upheld objection, or a candidate
    /// whose proposal new facts invalidated).
    pub revision_required: bool,
    /// Graded late (补定) after the cycle's determination.
    pub late: bool,
    /// The determination.
    pub determination: Option<Determination>,
    /// The result in force: the determination, as changed by 复核 or 申诉.
    pub outcome: Option<Outcome>,
    /// The day the written result was given.
    pub notified_on: Option<NaiveDate>,
    /// Last day to ask for 复核 (`None`: the result is outside the review scope).
    pub review_until: Option<NaiveDate>,
    /// Last day to appeal without 复核 (`None`: not available).
    pub direct_appeal_until: Option<NaiveDate>,
    /// Signature or refusal.
    pub signature: Option<Signature>,
    /// The 复核.
    pub review: Option<Recourse>,
    /// Last day to appeal after the 复核 decision.
    pub appeal_until: Option<NaiveDate>,
    /// The 申诉.
    pub appeal: Option<Recourse>,
}

impl Participant {
    fn new(cadre_id: String, constraints: Constraints) -> Self {
        let state = if constraints.participation.takes_part {
            ParticipantState::Enrolled
        } else {
            ParticipantState::Excluded
        };
        Self {
            cadre_id,
            state,
            constraints,
            summary_on: None,
            proposal: None,
            candidate: false,
            objection_upheld: false,
            revision_required: false,
            late: false,
            determination: None,
            outcome: None,
            notified_on: None,
            review_until: None,
            direct_appeal_until: None,
            signature: None,
            review: None,
            appeal_until: None,
            appeal: None,
        }
    }

    /// Whether the participant counts in the 优秀 base.
    fn counts_in_base(&self) -> bool {
        self.state != ParticipantState::Excluded && self.constraints.participation.takes_part
    }

    fn proposes_excellent(&self) -> bool {
        self.proposal.as_ref().is_some_and(|p| p.outcome.is_excellent())
    }

    /// The state before a proposal: with or without a 个人总结.
    fn unproposed_state(&self) -> ParticipantState {
        if self.summary_on.is_some() {
            ParticipantState::SummarySubmitted
        } else {
            ParticipantState::Enrolled
        }
    }

    fn may_propose_from(&self) -> bool {
        match self.state {
            ParticipantState::SummarySubmitted | ParticipantState::Proposed => true,
            ParticipantState::Enrolled => !self.constraints.participation.summary_required(),
            _ => false,
        }
    }
}

/// The publicity of the 优秀 candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publicity {
    /// Which publicity of the cycle (from 1; a cancelled one is followed by the next).
    pub round: u32,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day, computed by the caller from the working calendar.
    pub ends_on: NaiveDate,
    /// The candidates publicised.
    pub candidates: Vec<String>,
}

/// How an objection was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Upheld (the candidate's proposal must be revised) or dismissed.
    pub upheld: bool,
    /// When.
    pub on: NaiveDate,
    /// Who resolved it.
    pub by: String,
    /// Why.
    pub note: String,
}

/// An objection to a candidate raised during the publicity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    /// The candidate objected to.
    pub against: String,
    /// The publicity round it was raised in.
    pub round: u32,
    /// When.
    pub raised_on: NaiveDate,
    /// Who raised it (`None`: anonymous).
    pub raised_by: Option<String>,
    /// What it says.
    pub text: String,
    /// The resolution, once made.
    pub resolution: Option<Resolution>,
}

/// The cycle's own determination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleDetermination {
    /// The head or the committee.
    pub by: DeterminedBy,
    /// The person recording it.
    pub recorded_by: String,
    /// When.
    pub on: NaiveDate,
}

/// One pool's annual assessment for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    /// The year assessed.
    pub year: AssessmentYear,
    /// Where the cycle stands.
    pub state: CycleState,
    /// Everyone enrolled, in enrolment order.
    pub participants: Vec<Participant>,
    /// The approval to go up to the raised 优秀 cap.
    pub approval: Option<ExcellentApproval>,
    /// Publicities started so far.
    pub publicity_rounds: u32,
    /// The current (or last) publicity; `None` before the first and after a cancellation.
    pub publicity: Option<Publicity>,
    /// Objections, in the order raised (addressed by index).
    pub objections: Vec<Objection>,
    /// The determination.
    pub determination: Option<CycleDetermination>,
    /// When closed.
    pub closed_on: Option<NaiveDate>,
}

/// What the rules need besides the cycle: the policy in force on the command's date and the working
/// calendar for deadlines.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The policy.
    pub policy: &'a AssessmentPolicy,
    /// Rest days, for publicity and deadlines.
    pub calendar: &'a dyn RestDays,
}

/// What someone asks the cycle to do. Dates are the district's dates of the acts, given by the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Add a cadre (while `OPEN`). One the rules take out is enrolled as `EXCLUDED`.
    Enrol {
        /// The cadre.
        cadre_id: String,
        /// What the rules allow them.
        constraints: Constraints,
    },
    /// Remove a cadre enrolled by mistake (while `OPEN`, before the determination).
    Unenrol {
        /// The cadre.
        cadre_id: String,
    },
    /// Replace a participant's constraints after facts changed (while `OPEN` or in `PUBLICITY`, before
    /// the determination). A proposal they no longer allow is dropped.
    UpdateConstraints {
        /// The cadre.
        cadre_id: String,
        /// The recomputed constraints.
        constraints: Constraints,
    },
    /// The 个人总结 was submitted.
    SubmitSummary {
        /// The cadre.
        cadre_id: String,
        /// When.
        on: NaiveDate,
    },
    /// The 主管领导 proposes (or revises) an outcome.
    Propose {
        /// The cadre.
        cadre_id: String,
        /// The proposal.
        proposal: Proposal,
    },
    /// Record the approval of the raised 优秀 cap.
    RecordApproval {
        /// The approval.
        approval: ExcellentApproval,
    },
    /// Publicise the 优秀 candidates; checks the quota.
    StartPublicity {
        /// First day.
        starts_on: NaiveDate,
        /// Last day (see `review::publicity_end`).
        ends_on: NaiveDate,
    },
    /// Call the publicity off to revise the candidates (no objection may be pending).
    CancelPublicity {
        /// When.
        on: NaiveDate,
    },
    /// Record an objection to a candidate.
    RaiseObjection {
        /// The candidate.
        against: String,
        /// When.
        on: NaiveDate,
        /// Who (`None`: anonymous).
        raised_by: Option<String>,
        /// What it says.
        text: String,
    },
    /// Resolve an objection.
    ResolveObjection {
        /// Its index in [`Cycle::objections`].
        index: usize,
        /// Upheld or dismissed.
        upheld: bool,
        /// When.
        on: NaiveDate,
        /// Who.
        by: String,
        /// Why.
        note: String,
    },
    /// Determine every grade (after the publicity).
    Determine {
        /// When.
        on: NaiveDate,
        /// The head or the committee.
        by: DeterminedBy,
        /// The person recording it.
        recorded_by: String,
    },
    /// Close the cycle once every determined result was delivered.
    Close {
        /// When.
        on: NaiveDate,
    },
    /// The written result was given to the person.
    Notify {
        /// The cadre.
        cadre_id: String,
        /// When.
        on: NaiveDate,
    },
    /// The person signed the result.
    Acknowledge {
        /// The cadre.
        cadre_id: String,
        /// When.
        on: NaiveDate,
    },
    /// The person refused to sign; recorded.
    RecordRefusalToSign {
        /// The cadre.
        cadre_id: String,
        /// When.
        on: NaiveDate,
    },
    /// The person asks for 复核.
    RequestReview {
        /// The cadre.
        cadre_id: String,
        /// When.
        on: NaiveDate,
    },
    /// The original body decides the 复核.
    DecideReview {
        /// The cadre.
        cadre_id: String,
        /// When.
        on: NaiveDate,
        /// Who records it.
        by: String,
        /// The decision.
        decision: Decision,
    },
    /// The person appeals (申诉), after 复核 or directly.
    RequestAppeal {
        /// The cadre.
        cadre_id: String,
        /// When.
        on: NaiveDate,
    },
    /// The appeal body decides.
    DecideAppeal {
        /// The cadre.
        cadre_id: String,
        /// When.
        on: NaiveDate,
        /// Who records it.
        by: String,
        /// The decision.
        decision: Decision,
    },
    /// The investigation closed: replace the deferred participant's constraints (see
    /// `participation::after_investigation`) and take them through proposal and determination again.
    Supplement {
        /// The cadre.
        cadre_id: String,
        /// The constraints after the closure.
        constraints: Constraints,
    },
    /// Determine a supplemented (补定) participant's outcome after the cycle's determination.
    DetermineLate {
        /// The cadre.
        cadre_id: String,
        /// When.
        on: NaiveDate,
        /// The head or the committee.
        by: DeterminedBy,
        /// The person recording it.
        recorded_by: String,
        /// The last day of the candidate's own publicity, required for a late 优秀.
        publicised_until: Option<NaiveDate>,
    },
}

/// Why a command was refused; the cycle is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The command does not apply in the cycle's state.
    #[error("the cycle is {state}, which does not allow this")]
    CycleStepOutOfOrder {
        /// The cycle's state.
        state: CycleState,
    },
    /// The command does not apply in the participant's state.
    #[error("{cadre_id} is {state}, which does not allow this")]
    StepOutOfOrder {
        /// The cadre.
        cadre_id: String,
        /// Their state.
        state: ParticipantState,
    },
    /// No such participant.
    #[error("{cadre_id} is not in the cycle")]
    ParticipantNotFound {
        /// The cadre.
        cadre_id: String,
    },
    /// Already in the cycle.
    #[error("{cadre_id} is already in the cycle")]
    AlreadyEnrolled {
        /// The cadre.
        cadre_id: String,
    },
    /// The special cases impose another outcome.
    #[error("the special cases impose {forced}")]
    OutcomeForced {
        /// The imposed outcome.
        forced: Outcome,
    },
    /// No special case applies, so a grade is required.
    #[error("a grade is required")]
    GradeRequired,
    /// Above the special cases' ceiling.
    #[error("the best grade allowed is {ceiling}")]
    GradeAboveCeiling {
        /// The ceiling.
        ceiling: AnnualGrade,
    },
    /// The routine-result linkage forbids the grade.
    #[error("the routine results allow at best {best_allowed}")]
    LinkageForbidsGrade {
        /// The best grade the linkage allows.
        best_allowed: AnnualGrade,
    },
    /// A proposal needs a 评语.
    #[error("a 评语 is required")]
    CommentRequired,
    /// An objection needs text.
    #[error("the objection has no text")]
    TextRequired,
    /// Nobody proposes or decides their own result.
    #[error("nobody proposes or decides their own result")]
    SelfAssessment,
    /// Over the 优秀 quota.
    #[error("优秀 quota exceeded: {0}")]
    QuotaExceeded(QuotaExceeded),
    /// The publicity has fewer working days than the policy requires.
    #[error("the publicity has {working_days} working days, {required} required")]
    PublicityTooShort {
        /// Working days given.
        working_days: u32,
        /// Working days required.
        required: u32,
    },
    /// The publicity has not ended.
    #[error("the publicity runs until {ends_on}")]
    PublicityNotOver {
        /// Its last day.
        ends_on: NaiveDate,
    },
    /// The publicity has ended: no more objections.
    #[error("the publicity ended on {ends_on}")]
    PublicityOver {
        /// Its last day.
        ends_on: NaiveDate,
    },
    /// 优秀 needs a publicity the participant has not had.
    #[error("{cadre_id} cannot be 优秀 without a publicity")]
    ExcellentNeedsPublicity {
        /// The cadre.
        cadre_id: String,
    },
    /// A publicised candidate's proposal cannot change unless an objection is upheld.
    #[error("{cadre_id} is a publicised candidate")]
    CandidateLocked {
        /// The cadre.
        cadre_id: String,
    },
    /// Objections are raised against candidates only.
    #[error("{cadre_id} is not a candidate")]
    NotACandidate {
        /// The cadre.
        cadre_id: String,
    },
    /// An upheld objection bars 优秀 for this cycle.
    #[error("an objection against {cadre_id} was upheld")]
    ObjectionUpheld {
        /// The cadre.
        cadre_id: String,
    },
    /// No such objection.
    #[error("there is no objection {index}")]
    ObjectionNotFound {
        /// The index asked for.
        index: usize,
    },
    /// The objection is already resolved.
    #[error("objection {index} is already resolved")]
    ObjectionAlreadyResolved {
        /// Its index.
        index: usize,
    },
    /// An objection awaits resolution.
    #[error("objection {index} is unresolved")]
    ObjectionUnresolved {
        /// Its index.
        index: usize,
    },
    /// A proposal must be revised first.
    #[error("{cadre_id}'s proposal must be revised")]
    RevisionRequired {
        /// The cadre.
        cadre_id: String,
    },
    /// A participant taking part has no proposal.
    #[error("{cadre_id} has no proposal")]
    ProposalMissing {
        /// The cadre.
        cadre_id: String,
    },
    /// A determined result has not been delivered.
    #[error("{cadre_id}'s result has not been delivered")]
    ResultsNotNotified {
        /// The cadre.
        cadre_id: String,
    },
    /// The result is outside the scope of 复核 and 申诉, or direct appeal is not allowed.
    #[error("no recourse against {outcome}")]
    RecourseNotAvailable {
        /// The result.
        outcome: Outcome,
    },
    /// Too late.
    #[error("the deadline was {deadline}")]
    DeadlinePassed {
        /// The last day.
        deadline: NaiveDate,
    },
    /// Dated before the step it follows.
    #[error("the date is before {earliest}")]
    DateOutOfOrder {
        /// The earliest acceptable day.
        earliest: NaiveDate,
    },
    /// The supplemented constraints still defer the grade.
    #[error("{cadre_id}'s grade is still deferred")]
    StillDeferred {
        /// The cadre.
        cadre_id: String,
    },
    /// The supplemented constraints take the person out of a year they took part in.
    #[error("{cadre_id} took part in the year; a 补定 cannot take them out")]
    NotTakingPart {
        /// The cadre.
        cadre_id: String,
    },
}

impl Refusal {
    /// The stable machine reason (the `ErrorInfo.reason` of the gRPC status).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::CycleStepOutOfOrder { .. } | Self::StepOutOfOrder { .. } => "STEP_OUT_OF_ORDER",
            Self::ParticipantNotFound { .. } => "PARTICIPANT_NOT_FOUND",
            Self::AlreadyEnrolled { .. } => "ALREADY_ENROLLED",
            Self::OutcomeForced { .. } => "OUTCOME_FORCED",
            Self::GradeRequired => "GRADE_REQUIRED",
            Self::GradeAboveCeiling { .. } => "GRADE_ABOVE_CEILING",
            Self::LinkageForbidsGrade { .. } => "LINKAGE_FORBIDS_GRADE",
            Self::CommentRequired => "COMMENT_REQUIRED",
            Self::TextRequired => "TEXT_REQUIRED",
            Self::SelfAssessment => "SELF_ASSESSMENT",
            Self::QuotaExceeded(_) => "QUOTA_EXCEEDED",
            Self::PublicityTooShort { .. } => "PUBLICITY_TOO_SHORT",
            Self::PublicityNotOver { .. } => "PUBLICITY_NOT_OVER",
            Self::PublicityOver { .. } => "PUBLICITY_OVER",
            Self::ExcellentNeedsPublicity { .. } => "EXCELLENT_NEEDS_PUBLICITY",
            Self::CandidateLocked { .. } => "CANDIDATE_LOCKED",
            Self::NotACandidate { .. } => "NOT_A_CANDIDATE",
            Self::ObjectionUpheld { .. } => "OBJECTION_UPHELD",
            Self::ObjectionNotFound { .. } => "OBJECTION_NOT_FOUND",
            Self::ObjectionAlreadyResolved { .. } => "OBJECTION_ALREADY_RESOLVED",
            Self::ObjectionUnresolved { .. } => "OBJECTION_UNRESOLVED",
            Self::RevisionRequired { .. } => "REVISION_REQUIRED",
            Self::ProposalMissing { .. } => "PROPOSAL_MISSING",
            Self::ResultsNotNotified { .. } => "RESULTS_NOT_NOTIFIED",
            Self::RecourseNotAvailable { .. } => "RECOURSE_NOT_AVAILABLE",
            Self::DeadlinePassed { .. } => "DEADLINE_PASSED",
            Self::DateOutOfOrder { .. } => "DATE_OUT_OF_ORDER",
            Self::StillDeferred { .. } => "STILL_DEFERRED",
            Self::NotTakingPart { .. } => "NOT_TAKING_PART",
        }
    }
}

/// What a command did, in order, so the service can emit events and notify the right people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A cadre joined, in this state (`ENROLLED` or `EXCLUDED`).
    Enrolled {
        /// The cadre.
        cadre_id: String,
        /// Their state.
        state: ParticipantState,
    },
    /// A cadre was removed.
    Unenrolled {
        /// The cadre.
        cadre_id: String,
    },
    /// New constraints recorded.
    ConstraintsUpdated {
        /// The cadre.
        cadre_id: String,
    },
    /// The new constraints take the cadre out.
    Excluded {
        /// The cadre.
        cadre_id: String,
    },
    /// The new constraints bring an excluded cadre back.
    Readmitted {
        /// The cadre.
        cadre_id: String,
    },
    /// The new constraints no longer allow the proposal, so it was dropped.
    ProposalDropped {
        /// The cadre.
        cadre_id: String,
        /// The dropped proposal's outcome.
        outcome: Outcome,
    },
    /// 个人总结 recorded.
    SummarySubmitted {
        /// The cadre.
        cadre_id: String,
    },
    /// A proposal recorded.
    Proposed {
        /// The cadre.
        cadre_id: String,
        /// The proposed outcome.
        outcome: Outcome,
    },
    /// The raised-cap approval recorded.
    ApprovalRecorded,
    /// The publicity started.
    PublicityStarted {
        /// Its round.
        round: u32,
        /// Its last day.
        ends_on: NaiveDate,
        /// The candidates.
        candidates: Vec<String>,
    },
    /// The publicity was called off.
    PublicityCancelled {
        /// Its round.
        round: u32,
    },
    /// An objection raised.
    ObjectionRaised {
        /// Its index.
        index: usize,
        /// The candidate.
        against: String,
    },
    /// An objection resolved.
    ObjectionResolved {
        /// Its index.
        index: usize,
        /// The candidate.
        against: String,
        /// Upheld or dismissed.
        upheld: bool,
    },
    /// The participant's proposal must be revised before the determination.
    RevisionRequired {
        /// The cadre.
        cadre_id: String,
    },
    /// A participant's outcome was determined: `AnnualAssessmentFinalised` (recourse does not stop the
    /// result taking effect, 公务员法 第九十五条).
    Determined {
        /// The cadre.
        cadre_id: String,
        /// The outcome.
        outcome: Outcome,
    },
    /// A participant's grade waits for an investigation.
    AwaitingSupplement {
        /// The cadre.
        cadre_id: String,
    },
    /// The cycle's determination is complete.
    CycleDetermined,
    /// The cycle closed.
    CycleClosed,
    /// The written result was given.
    Notified {
        /// The cadre.
        cadre_id: String,
        /// Last day to ask for 复核, when available.
        review_until: Option<NaiveDate>,
        /// Last day to appeal directly, when available.
        direct_appeal_until: Option<NaiveDate>,
    },
    /// Signed.
    Acknowledged {
        /// The cadre.
        cadre_id: String,
    },
    /// Refused to sign.
    RefusedToSign {
        /// The cadre.
        cadre_id: String,
    },
    /// 复核 asked for.
    ReviewRequested {
        /// The cadre.
        cadre_id: String,
        /// When the body should decide.
        decide_by: NaiveDate,
    },
    /// 复核 decided.
    ReviewDecided {
        /// The cadre.
        cadre_id: String,
        /// Last day to appeal.
        appeal_until: NaiveDate,
    },
    /// 申诉 made.
    AppealRequested {
        /// The cadre.
        cadre_id: String,
        /// Without 复核.
        direct: bool,
        /// When the body should decide.
        decide_by: NaiveDate,
    },
    /// 申诉 decided.
    AppealDecided {
        /// The cadre.
        cadre_id: String,
    },
    /// The result changed on 复核 or 申诉: consumers recompute.
    ResultChanged {
        /// The cadre.
        cadre_id: String,
        /// The previous outcome.
        from: Outcome,
        /// The new outcome.
        to: Outcome,
    },
    /// A deferred participant's investigation closed; their grade is being supplemented (补定).
    Supplemented {
        /// The cadre.
        cadre_id: String,
    },
}

fn not_before(on: NaiveDate, earliest: Option<NaiveDate>) -> Result<(), Refusal> {
    match earliest {
        Some(earliest) if on < earliest => Err(Refusal::DateOutOfOrder { earliest }),
        _ => Ok(()),
    }
}

fn not_after(on: NaiveDate, deadline: NaiveDate) -> Result<(), Refusal> {
    if on > deadline { Err(Refusal::DeadlinePassed { deadline }) } else { Ok(()) }
}

impl Cycle {
    /// A new cycle, `OPEN`.
    pub fn new(year: AssessmentYear) -> Self {
        Self {
            year,
            state: CycleState::Open,
            participants: Vec::new(),
            approval: None,
            publicity_rounds: 0,
            publicity: None,
            objections: Vec::new(),
            determination: None,
            closed_on: None,
        }
    }

    /// Applies a command, or refuses it and leaves the cycle exactly as it was.
    pub fn apply(&mut self, command: Command, ctx: &Context<'_>) -> Result<Vec<Effect>, Refusal> {
        // Work on a copy so a refusal found half-way can never leave a partial change behind.
        let mut next = self.clone();
        let effects = next.transition(command, ctx)?;
        *self = next;
        Ok(effects)
    }

    /// The participant, by cadre id.
    pub fn participant(&self, cadre_id: &str) -> Option<&Participant> {
        self.participants.iter().find(|p| p.cadre_id == cadre_id)
    }

    /// The people counted in the 优秀 base (those taking part, per `QuotaPolicy::count_ungraded`).
    pub fn quota_base(&self, policy: &AssessmentPolicy) -> u32 {
        let counted = self.participants.iter().filter(|p| p.counts_in_base());
        let (ungraded, graded): (Vec<_>, Vec<_>) =
            counted.partition(|p| p.constraints.ungraded_taking_part());
        let count = |v: Vec<_>| u32::try_from(v.len()).unwrap_or(u32::MAX);
        counted_participants(count(graded), count(ungraded), &policy.quota)
    }

    /// How many proposals are 优秀 (before the determination).
    pub fn proposed_excellent(&self) -> u32 {
        let n =
            self.participants.iter().filter(|p| p.state.is_before_determination() && p.proposes_excellent());
        u32::try_from(n.count()).unwrap_or(u32::MAX)
    }

    /// How many results in force are 优秀 (after the determination).
    pub fn determined_excellent(&self) -> u32 {
        let n = self.participants.iter().filter(|p| p.outcome.is_some_and(Outcome::is_excellent));
        u32::try_from(n.count()).unwrap_or(u32::MAX)
    }

    /// Checks a count of 优秀 against the cycle's cap.
    pub fn check_quota(&self, excellent: u32, policy: &AssessmentPolicy) -> Result<(), QuotaExceeded> {
        check_excellent(excellent, self.quota_base(policy), self.approval.as_ref(), &policy.quota)
    }

    /// Indexes of the objections not yet resolved.
    pub fn unresolved_objections(&self) -> Vec<usize> {
        self.objections.iter().enumerate().filter(|(_, o)| o.resolution.is_none()).map(|(i, _)| i).collect()
    }

    fn invalid(&self) -> Refusal {
        Refusal::CycleStepOutOfOrder { state: self.state }
    }

    fn require_cycle(&self, allowed: &[CycleState]) -> Result<(), Refusal> {
        if allowed.contains(&self.state) { Ok(()) } else { Err(self.invalid()) }
    }

    fn index_of(&self, cadre_id: &str) -> Result<usize, Refusal> {
        self.participants
            .iter()
            .position(|p| p.cadre_id == cadre_id)
            .ok_or_else(|| Refusal::ParticipantNotFound { cadre_id: cadre_id.to_owned() })
    }

    /// The participant, if they are in one of `allowed`.
    fn in_state(
        &mut self,
        cadre_id: &str,
        allowed: &[ParticipantState],
    ) -> Result<&mut Participant, Refusal> {
        let index = self.index_of(cadre_id)?;
        let p = &mut self.participants[index];
        if allowed.contains(&p.state) {
            Ok(p)
        } else {
            Err(Refusal::StepOutOfOrder { cadre_id: cadre_id.to_owned(), state: p.state })
        }
    }

    fn transition(&mut self, command: Command, ctx: &Context<'_>) -> Result<Vec<Effect>, Refusal> {
        use ParticipantState as P;
        let policy = ctx.policy;
        match command {
            Command::Enrol { cadre_id, constraints } => {
                self.require_cycle(&[CycleState::Open])?;
                if self.participant(&cadre_id).is_some() {
                    return Err(Refusal::AlreadyEnrolled { cadre_id });
                }
                let participant = Participant::new(cadre_id.clone(), constraints);
                let state = participant.state;
                self.participants.push(participant);
                Ok(vec![Effect::Enrolled { cadre_id, state }])
            }
            Command::Unenrol { cadre_id } => {
                self.require_cycle(&[CycleState::Open])?;
                self.in_state(&cadre_id, &[P::Enrolled, P::SummarySubmitted, P::Proposed, P::Excluded])?;
                self.participants.retain(|p| p.cadre_id != cadre_id);
                Ok(vec![Effect::Unenrolled { cadre_id }])
            }
            Command::UpdateConstraints { cadre_id, constraints } => {
                self.require_cycle(&[CycleState::Open, CycleState::Publicity])?;
                let p =
                    self.in_state(&cadre_id, &[P::Enrolled, P::SummarySubmitted, P::Proposed, P::Excluded])?;
                Ok(Self::replace_constraints(p, constraints))
            }
            Command::SubmitSummary { cadre_id, on } => {
                let late = self.participant(&cadre_id).is_some_and(|p| p.late);
                if !late {
                    self.require_cycle(&[CycleState::Open, CycleState::Publicity])?;
                }
                let p = self.in_state(&cadre_id, &[P::Enrolled])?;
                p.summary_on = Some(on);
                p.state = P::SummarySubmitted;
                Ok(vec![Effect::SummarySubmitted { cadre_id }])
            }
            Command::Propose { cadre_id, proposal } => self.propose(cadre_id, proposal),
            Command::RecordApproval { approval } => {
                self.require_cycle(&[CycleState::Open, CycleState::Publicity, CycleState::Determined])?;
                self.approval = Some(approval);
                Ok(vec![Effect::ApprovalRecorded])
            }
            Command::StartPublicity { starts_on, ends_on } => {
                self.require_cycle(&[CycleState::Open])?;
                not_before(ends_on, Some(starts_on))?;
                let working_days = working_days_between(starts_on, ends_on, ctx.calendar);
                if working_days < policy.publicity_working_days {
                    return Err(Refusal::PublicityTooShort {
                        working_days,
                        required: policy.publicity_working_days,
                    });
                }
                self.check_quota(self.proposed_excellent(), policy).map_err(Refusal::QuotaExceeded)?;
                let mut candidates = Vec::new();
                for p in &mut self.participants {
                    p.candidate = p.state.is_before_determination() && p.proposes_excellent();
                    if p.candidate {
                        candidates.push(p.cadre_id.clone());
                    }
                }
                self.publicity_rounds += 1;
                let round = self.publicity_rounds;
                self.publicity =
                    Some(Publicity { round, starts_on, ends_on, candidates: candidates.clone() });
                self.state = CycleState::Publicity;
                Ok(vec![Effect::PublicityStarted { round, ends_on, candidates }])
            }
            Command::CancelPublicity { on } => {
                self.require_cycle(&[CycleState::Publicity])?;
                if let Some(index) = self.unresolved_objections().first() {
                    return Err(Refusal::ObjectionUnresolved { index: *index });
                }
                let publicity = self.publicity.take();
                not_before(on, publicity.as_ref().map(|p| p.starts_on))?;
                for p in &mut self.participants {
                    p.candidate = false;
                }
                self.state = CycleState::Open;
                Ok(vec![Effect::PublicityCancelled { round: publicity.map_or(0, |p| p.round) }])
            }
            Command::RaiseObjection { against, on, raised_by, text } => {
                self.require_cycle(&[CycleState::Publicity])?;
                let (round, starts_on, ends_on) = match &self.publicity {
                    Some(p) => (p.round, p.starts_on, p.ends_on),
                    None => return Err(self.invalid()),
                };
                let index = self.index_of(&against)?;
                if !self.participants[index].candidate {
                    return Err(Refusal::NotACandidate { cadre_id: against });
                }
                not_before(on, Some(starts_on))?;
                if on > ends_on {
                    return Err(Refusal::PublicityOver { ends_on });
                }
                if text.trim().is_empty() {
                    return Err(Refusal::TextRequired);
                }
                self.objections.push(Objection {
                    against: against.clone(),
                    round,
                    raised_on: on,
                    raised_by,
                    text,
                    resolution: None,
                });
                Ok(vec![Effect::ObjectionRaised { index: self.objections.len() - 1, against }])
            }
            Command::ResolveObjection { index, upheld, on, by, note } => {
                self.require_cycle(&[CycleState::Publicity])?;
                let objection = self.objections.get(index).ok_or(Refusal::ObjectionNotFound { index })?;
                if objection.resolution.is_some() {
                    return Err(Refusal::ObjectionAlreadyResolved { index });
                }
                not_before(on, Some(objection.raised_on))?;
                let against = objection.against.clone();
                let target = self.index_of(&against)?;
                if let Some(objection) = self.objections.get_mut(index) {
                    objection.resolution = Some(Resolution { upheld, on, by, note });
                }
                let mut effects = vec![Effect::ObjectionResolved { index, against: against.clone(), upheld }];
                if upheld {
                    let p = &mut self.participants[target];
                    p.objection_upheld = true;
                    if p.proposes_excellent() {
                        p.revision_required = true;
                        effects.push(Effect::RevisionRequired { cadre_id: against });
                    }
                }
                Ok(effects)
            }
            Command::Determine { on, by, recorded_by } => self.determine(on, by, recorded_by, policy),
            Command::Close { on } => {
                self.require_cycle(&[CycleState::Determined])?;
                not_before(on, self.determination.as_ref().map(|d| d.on))?;
                if let Some(p) = self.participants.iter().find(|p| p.state == P::Determined) {
                    return Err(Refusal::ResultsNotNotified { cadre_id: p.cadre_id.clone() });
                }
                self.closed_on = Some(on);
                self.state = CycleState::Closed;
                Ok(vec![Effect::CycleClosed])
            }
            Command::Notify { cadre_id, on } => {
                self.require_cycle(&[CycleState::Determined, CycleState::Closed])?;
                let p = self.in_state(&cadre_id, &[P::Determined])?;
                not_before(on, p.determination.as_ref().map(|d| d.on))?;
                let recourse = &policy.recourse;
                let in_scope = p.outcome.is_some_and(|o| recourse.scope.covers(o));
                p.notified_on = Some(on);
                p.review_until = in_scope.then(|| recourse.review_until(on, ctx.calendar));
                p.direct_appeal_until =
                    if in_scope { recourse.direct_appeal_until(on, ctx.calendar) } else { None };
                p.state = P::Notified;
                Ok(vec![Effect::Notified {
                    cadre_id,
                    review_until: p.review_until,
                    direct_appeal_until: p.direct_appeal_until,
                }])
            }
            Command::Acknowledge { cadre_id, on } => self.sign(cadre_id, on, true),
            Command::RecordRefusalToSign { cadre_id, on } => self.sign(cadre_id, on, false),
            Command::RequestReview { cadre_id, on } => {
                let p = self.in_state(&cadre_id, &[P::Notified, P::Acknowledged, P::RefusedToSign])?;
                not_before(on, p.notified_on)?;
                let Some(deadline) = p.review_until else {
                    return Err(Refusal::RecourseNotAvailable {
                        outcome: p.outcome.unwrap_or(Outcome::Deferred),
                    });
                };
                not_after(on, deadline)?;
                let decide_by = policy.recourse.review_decision_due(on, ctx.calendar);
                p.review = Some(Recourse {
                    requested_on: on,
                    direct: false,
                    decide_by,
                    decision: None,
                    decided_by: None,
                    decided_on: None,
                });
                p.state = P::ReviewRequested;
                Ok(vec![Effect::ReviewRequested { cadre_id, decide_by }])
            }
            Command::DecideReview { cadre_id, on, by, decision } => {
                let index = self.index_of(&cadre_id)?;
                self.in_state(&cadre_id, &[P::ReviewRequested])?;
                let mut effects = self.decide(index, on, by, decision, false, policy)?;
                let p = &mut self.participants[index];
                let appeal_until = policy.recourse.appeal_until(on, ctx.calendar);
                p.appeal_until = Some(appeal_until);
                p.state = P::ReviewDecided;
                effects.insert(0, Effect::ReviewDecided { cadre_id, appeal_until });
                Ok(effects)
            }
            Command::RequestAppeal { cadre_id, on } => {
                let p = self.in_state(
                    &cadre_id,
                    &[P::Notified, P::Acknowledged, P::RefusedToSign, P::ReviewDecided],
                )?;
                let direct = p.state != P::ReviewDecided;
                let (deadline, after) = if direct {
                    (p.direct_appeal_until, p.notified_on)
                } else {
                    (p.appeal_until, p.review.as_ref().and_then(|r| r.decided_on))
                };
                let Some(deadline) = deadline else {
                    return Err(Refusal::RecourseNotAvailable {
                        outcome: p.outcome.unwrap_or(Outcome::Deferred),
                    });
                };
                not_before(on, after)?;
                not_after(on, deadline)?;
                let decide_by = policy.recourse.appeal_decision_due(on, ctx.calendar);
                p.appeal = Some(Recourse {
                    requested_on: on,
                    direct,
                    decide_by,
                    decision: None,
                    decided_by: None,
                    decided_on: None,
                });
                p.state = P::AppealRequested;
                Ok(vec![Effect::AppealRequested { cadre_id, direct, decide_by }])
            }
            Command::DecideAppeal { cadre_id, on, by, decision } => {
                let index = self.index_of(&cadre_id)?;
                self.in_state(&cadre_id, &[P::AppealRequested])?;
                let mut effects = self.decide(index, on, by, decision, true, policy)?;
                self.participants[index].state = P::AppealDecided;
                effects.insert(0, Effect::AppealDecided { cadre_id });
                Ok(effects)
            }
            Command::Supplement { cadre_id, constraints } => {
                self.require_cycle(&[CycleState::Determined, CycleState::Closed])?;
                let p = self.in_state(&cadre_id, &[P::AwaitingSupplement])?;
                if constraints.participation.is_deferred() {
                    return Err(Refusal::StillDeferred { cadre_id });
                }
                // Taking part was settled for the year at enrolment; the case only decides the grade.
                if !constraints.participation.takes_part {
                    return Err(Refusal::NotTakingPart { cadre_id });
                }
                p.late = true;
                p.determination = None;
                p.outcome = None;
                p.proposal = None;
                p.state = p.unproposed_state();
                p.constraints = constraints;
                Ok(vec![Effect::Supplemented { cadre_id }])
            }
            Command::DetermineLate { cadre_id, on, by, recorded_by, publicised_until } => {
                self.require_cycle(&[CycleState::Determined, CycleState::Closed])?;
                let others_excellent = self.determined_excellent();
                let quota = self.check_quota(others_excellent + 1, policy);
                let p = self.in_state(&cadre_id, &[P::Proposed])?;
                if !p.late {
                    return Err(Refusal::StepOutOfOrder { cadre_id, state: p.state });
                }
                let Some(proposal) = p.proposal.clone() else {
                    return Err(Refusal::ProposalMissing { cadre_id });
                };
                not_before(on, Some(proposal.proposed_on))?;
                if proposal.outcome.is_excellent() {
                    match publicised_until {
                        None => return Err(Refusal::ExcellentNeedsPublicity { cadre_id }),
                        Some(ends_on) if on <= ends_on => return Err(Refusal::PublicityNotOver { ends_on }),
                        Some(_) => {}
                    }
                    quota.map_err(Refusal::QuotaExceeded)?;
                }
                let outcome = proposal.outcome;
                p.determination = Some(Determination { outcome, by, recorded_by, on });
                p.outcome = Some(outcome);
                p.state = P::Determined;
                Ok(vec![Effect::Determined { cadre_id, outcome }])
            }
        }
    }

    fn sign(&mut self, cadre_id: String, on: NaiveDate, signed: bool) -> Result<Vec<Effect>, Refusal> {
        let p = self.in_state(&cadre_id, &[ParticipantState::Notified])?;
        not_before(on, p.notified_on)?;
        p.signature = Some(Signature { on, signed });
        if signed {
            p.state = ParticipantState::Acknowledged;
            Ok(vec![Effect::Acknowledged { cadre_id }])
        } else {
            p.state = ParticipantState::RefusedToSign;
            Ok(vec![Effect::RefusedToSign { cadre_id }])
        }
    }

    fn replace_constraints(p: &mut Participant, constraints: Constraints) -> Vec<Effect> {
        let cadre_id = p.cadre_id.clone();
        let mut effects = vec![Effect::ConstraintsUpdated { cadre_id: cadre_id.clone() }];
        let was_excluded = p.state == ParticipantState::Excluded;
        p.constraints = constraints;
        if !p.constraints.participation.takes_part {
            if let Some(dropped) = p.proposal.take() {
                effects
                    .push(Effect::ProposalDropped { cadre_id: cadre_id.clone(), outcome: dropped.outcome });
            }
            p.candidate = false;
            p.revision_required = false;
            if !was_excluded {
                p.state = ParticipantState::Excluded;
                effects.push(Effect::Excluded { cadre_id });
            }
            return effects;
        }
        if was_excluded {
            p.state = p.unproposed_state();
            effects.push(Effect::Readmitted { cadre_id: cadre_id.clone() });
        }
        let still_allowed = p.proposal.as_ref().is_none_or(|prop| p.constraints.check(prop.outcome).is_ok());
        if !still_allowed && let Some(dropped) = p.proposal.take() {
            p.state = p.unproposed_state();
            effects.push(Effect::ProposalDropped { cadre_id: cadre_id.clone(), outcome: dropped.outcome });
            // A publicised candidate must now be revised before the determination.
            if p.candidate {
                p.revision_required = true;
                effects.push(Effect::RevisionRequired { cadre_id });
            }
        }
        effects
    }

    fn propose(&mut self, cadre_id: String, proposal: Proposal) -> Result<Vec<Effect>, Refusal> {
        let state = self.state;
        let index = self.index_of(&cadre_id)?;
        let p = &mut self.participants[index];
        // Before the determination, proposals belong to the cycle; after it, only to 补定.
        let phase_allows = match state {
            CycleState::Open | CycleState::Publicity => !p.late,
            CycleState::Determined | CycleState::Closed => p.late,
        };
        if !phase_allows {
            return Err(Refusal::CycleStepOutOfOrder { state });
        }
        if !p.may_propose_from() {
            return Err(Refusal::StepOutOfOrder { cadre_id, state: p.state });
        }
        if proposal.proposed_by == cadre_id {
            return Err(Refusal::SelfAssessment);
        }
        let excellent = proposal.outcome.is_excellent();
        if excellent && p.objection_upheld {
            return Err(Refusal::ObjectionUpheld { cadre_id });
        }
        if state == CycleState::Publicity {
            if p.candidate && !p.revision_required {
                return Err(Refusal::CandidateLocked { cadre_id });
            }
            if excellent {
                return Err(Refusal::ExcellentNeedsPublicity { cadre_id });
            }
        }
        p.constraints.check(proposal.outcome)?;
        if proposal.outcome != Outcome::Deferred && proposal.comment.trim().is_empty() {
            return Err(Refusal::CommentRequired);
        }
        not_before(proposal.proposed_on, p.summary_on)?;
        let outcome = proposal.outcome;
        p.proposal = Some(proposal);
        p.revision_required = false;
        p.state = ParticipantState::Proposed;
        Ok(vec![Effect::Proposed { cadre_id, outcome }])
    }

    fn determine(
        &mut self,
        on: NaiveDate,
        by: DeterminedBy,
        recorded_by: String,
        policy: &AssessmentPolicy,
    ) -> Result<Vec<Effect>, Refusal> {
        use ParticipantState as P;
        self.require_cycle(&[CycleState::Publicity])?;
        let Some(publicity) = &self.publicity else {
            return Err(self.invalid());
        };
        if on <= publicity.ends_on {
            return Err(Refusal::PublicityNotOver { ends_on: publicity.ends_on });
        }
        if let Some(index) = self.unresolved_objections().first() {
            return Err(Refusal::ObjectionUnresolved { index: *index });
        }
        for p in &self.participants {
            let deferred = p.constraints.participation.is_deferred();
            if p.state == P::Excluded || deferred {
                continue;
            }
            if p.revision_required {
                return Err(Refusal::RevisionRequired { cadre_id: p.cadre_id.clone() });
            }
            let Some(proposal) = &p.proposal else {
                return Err(Refusal::ProposalMissing { cadre_id: p.cadre_id.clone() });
            };
            if proposal.outcome.is_excellent() && !p.candidate {
                return Err(Refusal::ExcellentNeedsPublicity { cadre_id: p.cadre_id.clone() });
            }
            not_before(on, Some(proposal.proposed_on))?;
        }
        self.check_quota(self.proposed_excellent(), policy).map_err(Refusal::QuotaExceeded)?;
        let mut effects = Vec::new();
        for p in &mut self.participants {
            if p.state == P::Excluded {
                continue;
            }
            let outcome = if p.constraints.participation.is_deferred() {
                Outcome::Deferred
            } else {
                p.proposal.as_ref().map_or(Outcome::Deferred, |prop| prop.outcome)
            };
            p.determination = Some(Determination { outcome, by, recorded_by: recorded_by.clone(), on });
            p.candidate = false;
            if outcome == Outcome::Deferred {
                p.state = P::AwaitingSupplement;
                effects.push(Effect::AwaitingSupplement { cadre_id: p.cadre_id.clone() });
            } else {
                p.outcome = Some(outcome);
                p.state = P::Determined;
                effects.push(Effect::Determined { cadre_id: p.cadre_id.clone(), outcome });
            }
        }
        self.determination = Some(CycleDetermination { by, recorded_by, on });
        self.state = CycleState::Determined;
        effects.push(Effect::CycleDetermined);
        Ok(effects)
    }

    /// Records a 复核 or 申诉 decision on the participant at `index`, changing the result if decided so.
    fn decide(
        &mut self,
        index: usize,
        on: NaiveDate,
        by: String,
        decision: Decision,
        appeal: bool,
        policy: &AssessmentPolicy,
    ) -> Result<Vec<Effect>, Refusal> {
        let excellent_now = self.determined_excellent();
        let quota_if_added = self.check_quota(excellent_now + 1, policy);
        let p = &mut self.participants[index];
        if by == p.cadre_id {
            return Err(Refusal::SelfAssessment);
        }
        let requested_on = if appeal { p.appeal.as_ref() } else { p.review.as_ref() }.map(|r| r.requested_on);
        not_before(on, requested_on)?;
        let mut effects = Vec::new();
        if let Decision::Changed(to) = decision {
            let from = p.outcome.unwrap_or(Outcome::Deferred);
            if to != from {
                p.constraints.check(to)?;
                if to.is_excellent() {
                    quota_if_added.map_err(Refusal::QuotaExceeded)?;
                }
                p.outcome = Some(to);
                effects.push(Effect::ResultChanged { cadre_id: p.cadre_id.clone(), from, to });
            }
        }
        let record = if appeal { p.appeal.as_mut() } else { p.review.as_mut() };
        if let Some(record) = record {
            record.decision = Some(decision);
            record.decided_by = Some(by);
            record.decided_on = Some(on);
        }
        Ok(effects)
    }
}

#[cfg(test)]
#[path = "cycle_tests.rs"]
mod tests;

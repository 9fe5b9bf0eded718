//! The leave request's state machine: submission, stepwise approval, rejection, withdrawal, cancellation,
//! 销假 and the org department's 备案.
//!
//! Every command goes through [`Request::apply`], which either changes the request and says what happened
//! ([`Effect`]s, for events and notifications) or refuses and changes nothing. The store persists the
//! result under optimistic concurrency, so two racing commands are applied one after the other and the
//! second one sees the first one's outcome.

use cadre_platform::code_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::route::{StepAction, StepKind};

code_enum!(
    /// Where a request stands.
    RequestState {
        /// Being written; only the applicant (or an administrator) sees it.
        Draft = 1 => "draft",
        /// Submitted and waiting for an approver.
        Pending = 2 => "pending",
        /// Every approver agreed; the leave may be taken (filing may still be outstanding).
        Approved = 3 => "approved",
        /// An approver refused.
        Rejected = 4 => "rejected",
        /// Taken back by the applicant before a decision.
        Withdrawn = 5 => "withdrawn",
        /// Called off before the leave started.
        Cancelled = 6 => "cancelled",
        /// 销假: the cadre is back.
        Returned = 7 => "returned",
    }
);

impl RequestState {
    /// Terminal states accept no further command, so a closed request can never be reopened by a late click.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Rejected | Self::Withdrawn | Self::Cancelled | Self::Returned)
    }
}

code_enum!(
    /// A role whose holders may all act on a step, for steps owned by a body rather than a person.
    PoolRole {
        /// 区委组织部 staff: files (备案).
        OrgDepartment = 1 => "org_department",
        /// Whoever records the 区委's decision.
        DistrictCommittee = 2 => "district_committee",
    }
);

/// Who may act on a step: a named approver, or anyone holding a role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Assignee {
    /// A cadre, by id (or their delegate while they are away).
    Cadre(String),
    /// Any holder of the role.
    Pool(PoolRole),
}

code_enum!(
    /// Where one step stands; together the steps are the approval trail.
    StepState {
        /// Not reached yet.
        Waiting = 1 => "waiting",
        /// Awaiting its holder: an approval while the request is pending, a filing once it is approved.
        Current = 2 => "current",
        /// Approved.
        Approved = 3 => "approved",
        /// Refused; the request is rejected.
        Rejected = 4 => "rejected",
        /// Informed (a notify step the route has passed).
        Notified = 5 => "notified",
        /// Filed by the org department.
        Filed = 6 => "filed",
        /// Never acted on because the request closed first.
        Skipped = 7 => "skipped",
    }
);

/// One step of a request's route, bound to whoever acts on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The role on the route.
    pub kind: StepKind,
    /// Who acts.
    pub assignee: Assignee,
    /// Where the step stands.
    pub state: StepState,
    /// Who decided or filed it: the actor's cadre id, or their subject when they have none.
    pub decided_by: Option<String>,
    /// The absent assignee a delegate decided for, so the trail shows both names.
    pub on_behalf_of: Option<String>,
}

impl Step {
    /// A step not yet reached, as a new request's route has them.
    pub fn new(kind: StepKind, assignee: Assignee) -> Self {
        Self { kind, assignee, state: StepState::Waiting, decided_by: None, on_behalf_of: None }
    }
}

/// Whoever issues a command, with everything the rules need to know about them (resolved by the service).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    /// The principal's subject, kept as the decider when the actor has no cadre record.
    pub id: String,
    /// The actor's cadre id; compared with the applicant so nobody decides their own request.
    pub cadre_id: Option<String>,
    /// Roles whose pool steps the actor may decide.
    pub pools: Vec<PoolRole>,
    /// Cadres whose steps the actor may decide as their delegate (see `delegation::acting_for`).
    pub acting_for: Vec<String>,
    /// An HR officer or the org department acting for the applicant (submitting, withdrawing, cancelling,
    /// recording 销假 on their behalf).
    pub administers: bool,
}

/// A leave request as the state machine sees it: only what the rules need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The applicant's cadre id.
    pub applicant: String,
    /// Where the request stands.
    pub state: RequestState,
    /// The route, in order.
    pub steps: Vec<Step>,
    /// The first day of leave: cancelling is possible before it, 销假 from it.
    pub start: NaiveDate,
    /// The day of 销假, once returned.
    pub returned_on: Option<NaiveDate>,
}

/// What someone asks the request to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Send a draft for approval.
    Submit,
    /// Approve the current step (the index guards against deciding a step that moved on meanwhile).
    Approve {
        /// The step's index in the route.
        step: usize,
    },
    /// Refuse the request at the current step.
    Reject {
        /// The step's index in the route.
        step: usize,
    },
    /// Take back a draft or a pending request.
    Withdraw,
    /// Call off a pending or approved request before the leave starts.
    Cancel {
        /// The service's date, compared with the start.
        today: NaiveDate,
    },
    /// 销假: record the return.
    Return {
        /// The day of return.
        on: NaiveDate,
    },
    /// Record the org department's 备案 on an approved request.
    File {
        /// The filing step's index in the route.
        step: usize,
    },
}

/// Why a command was refused; the request is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The command does not apply in the request's state.
    #[error("the request is {state}, which does not allow this")]
    InvalidState {
        /// The state the request is in.
        state: RequestState,
    },
    /// Only the applicant or an administering actor may do this.
    #[error("only the applicant or an administrator may do this")]
    NotApplicant,
    /// Nobody decides a step of their own request, not through a pool nor as a delegate.
    #[error("nobody decides a step of their own request")]
    SelfApproval,
    /// The actor neither holds the step nor acts for its holder.
    #[error("the step is assigned to someone else")]
    NotAssignee,
    /// The step is not the one awaiting action (already decided, or not reached).
    #[error("the step is not the one awaiting action")]
    StepNotCurrent,
    /// The route has no such step.
    #[error("the request has no step {step}")]
    NoSuchStep {
        /// The index asked for.
        step: usize,
    },
    /// A filing was recorded on a step that is not a filing.
    #[error("the step is not a filing step")]
    StepNotFiling,
    /// The leave has started, so it can no longer be cancelled (return early with 销假 instead).
    #[error("the leave has already started")]
    AlreadyStarted,
    /// 销假 before the leave started.
    #[error("the leave has not started yet")]
    NotStarted,
}

impl Refusal {
    /// The stable machine reason (the `ErrorInfo.reason` of the gRPC status).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::InvalidState { .. } => "REQUEST_STATE_INVALID",
            Self::NotApplicant => "NOT_APPLICANT",
            Self::SelfApproval => "SELF_APPROVAL",
            Self::NotAssignee => "NOT_ASSIGNEE",
            Self::StepNotCurrent => "STEP_NOT_CURRENT",
            Self::NoSuchStep { .. } => "STEP_NOT_FOUND",
            Self::StepNotFiling => "STEP_NOT_FILING",
            Self::AlreadyStarted => "LEAVE_ALREADY_STARTED",
            Self::NotStarted => "LEAVE_NOT_STARTED",
        }
    }
}

/// What a command did, in order, so the service can emit events and notify the right people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The draft was submitted.
    Submitted,
    /// The step (by index) now awaits its approver.
    StepActivated(usize),
    /// The notify step (by index) was reached: inform its holder.
    Notified(usize),
    /// The last approver agreed.
    Approved,
    /// An approver refused.
    Rejected,
    /// The applicant took the request back.
    Withdrawn,
    /// The request was called off; an approved one releases its days.
    Cancelled {
        /// Whether it had been approved.
        was_approved: bool,
    },
    /// 销假 recorded.
    Returned {
        /// The day of return.
        on: NaiveDate,
    },
    /// The filing step (by index) was recorded.
    Filed(usize),
    /// The filing step (by index) now awaits the org department.
    AwaitingFiling(usize),
}

impl Request {
    /// A draft with the given route (its steps as [`Step::new`] makes them).
    pub fn new(applicant: impl Into<String>, start: NaiveDate, steps: Vec<Step>) -> Self {
        Self { applicant: applicant.into(), state: RequestState::Draft, steps, start, returned_on: None }
    }

    /// Applies a command, or refuses it and leaves the request exactly as it was.
    pub fn apply(&mut self, command: Command, actor: &Actor) -> Result<Vec<Effect>, Refusal> {
        // Work on a copy so a refusal found half-way can never leave a partial change behind.
        let mut next = self.clone();
        let effects = next.transition(command, actor)?;
        *self = next;
        Ok(effects)
    }

    /// The step awaiting a decision while the request is pending.
    pub fn current_step(&self) -> Option<usize> {
        if self.state != RequestState::Pending {
            return None;
        }
        self.steps.iter().position(|s| s.state == StepState::Current)
    }

    /// Filing steps the org department still has to record on an approved request.
    pub fn awaiting_filing(&self) -> Vec<usize> {
        if self.state != RequestState::Approved {
            return Vec::new();
        }
        self.steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind.action() == StepAction::File && s.state == StepState::Current)
            .map(|(i, _)| i)
            .collect()
    }

    /// The absent assignee this actor would decide the step for as a delegate (`None` when the actor is
    /// the assignee, holds it through a pool, or may not decide it), for the trail and the UI.
    pub fn decided_on_behalf(&self, step: usize, actor: &Actor) -> Option<String> {
        match &self.steps.get(step)?.assignee {
            Assignee::Cadre(cadre) if actor.cadre_id.as_deref() != Some(cadre.as_str()) => {
                actor.acting_for.contains(cadre).then(|| cadre.clone())
            }
            _ => None,
        }
    }

    fn transition(&mut self, command: Command, actor: &Actor) -> Result<Vec<Effect>, Refusal> {
        use RequestState::*;
        if self.state.is_terminal() {
            return Err(self.invalid());
        }
        match command {
            Command::Submit => {
                self.require_state(&[Draft])?;
                self.require_applicant(actor)?;
                self.state = Pending;
                let mut effects = vec![Effect::Submitted];
                self.advance(0, &mut effects);
                Ok(effects)
            }
            Command::Approve { step } => {
                let on_behalf_of = self.authorize_decision(step, actor)?;
                self.decide(step, StepState::Approved, actor, on_behalf_of);
                let mut effects = Vec::new();
                self.advance(step + 1, &mut effects);
                Ok(effects)
            }
            Command::Reject { step } => {
                let on_behalf_of = self.authorize_decision(step, actor)?;
                self.decide(step, StepState::Rejected, actor, on_behalf_of);
                self.close(Rejected);
                Ok(vec![Effect::Rejected])
            }
            Command::Withdraw => {
                self.require_state(&[Draft, Pending])?;
                self.require_applicant(actor)?;
                self.close(Withdrawn);
                Ok(vec![Effect::Withdrawn])
            }
            Command::Cancel { today } => {
                self.require_state(&[Pending, Approved])?;
                self.require_applicant(actor)?;
                if today >= self.start {
                    return Err(Refusal::AlreadyStarted);
                }
                let was_approved = self.state == Approved;
                self.close(Cancelled);
                Ok(vec![Effect::Cancelled { was_approved }])
            }
            Command::Return { on } => {
                self.require_state(&[Approved])?;
                self.require_applicant(actor)?;
                if on < self.start {
                    return Err(Refusal::NotStarted);
                }
                self.returned_on = Some(on);
                self.close(Returned);
                Ok(vec![Effect::Returned { on }])
            }
            Command::File { step } => {
                self.require_state(&[Approved])?;
                let target = self.steps.get(step).ok_or(Refusal::NoSuchStep { step })?;
                if target.kind.action() != StepAction::File {
                    return Err(Refusal::StepNotFiling);
                }
                if target.state != StepState::Current {
                    return Err(Refusal::StepNotCurrent);
                }
                if self.is_applicant(actor) {
                    return Err(Refusal::SelfApproval);
                }
                if !actor.pools.contains(&PoolRole::OrgDepartment) {
                    return Err(Refusal::NotAssignee);
                }
                self.decide(step, StepState::Filed, actor, None);
                Ok(vec![Effect::Filed(step)])
            }
        }
    }

    fn invalid(&self) -> Refusal {
        Refusal::InvalidState { state: self.state }
    }

    fn require_state(&self, allowed: &[RequestState]) -> Result<(), Refusal> {
        if allowed.contains(&self.state) { Ok(()) } else { Err(self.invalid()) }
    }

    fn is_applicant(&self, actor: &Actor) -> bool {
        actor.cadre_id.as_deref() == Some(self.applicant.as_str())
    }

    fn require_applicant(&self, actor: &Actor) -> Result<(), Refusal> {
        if self.is_applicant(actor) || actor.administers { Ok(()) } else { Err(Refusal::NotApplicant) }
    }

    /// Checks an approval or rejection of `step`; returns the assignee a delegate decides for.
    fn authorize_decision(&self, step: usize, actor: &Actor) -> Result<Option<String>, Refusal> {
        self.require_state(&[RequestState::Pending])?;
        let target = self.steps.get(step).ok_or(Refusal::NoSuchStep { step })?;
        if target.state != StepState::Current || target.kind.action() != StepAction::Approve {
            return Err(Refusal::StepNotCurrent);
        }
        if self.is_applicant(actor) {
            return Err(Refusal::SelfApproval);
        }
        match &target.assignee {
            Assignee::Cadre(cadre) if actor.cadre_id.as_deref() == Some(cadre.as_str()) => Ok(None),
            Assignee::Cadre(cadre) if actor.acting_for.contains(cadre) => {
                // A delegate standing in for the applicant would still be the applicant's own decision.
                if *cadre == self.applicant {
                    return Err(Refusal::SelfApproval);
                }
                Ok(Some(cadre.clone()))
            }
            Assignee::Pool(role) if actor.pools.contains(role) => Ok(None),
            Assignee::Cadre(_) | Assignee::Pool(_) => Err(Refusal::NotAssignee),
        }
    }

    fn decide(&mut self, step: usize, state: StepState, actor: &Actor, on_behalf_of: Option<String>) {
        if let Some(target) = self.steps.get_mut(step) {
            target.state = state;
            target.decided_by = Some(actor.cadre_id.clone().unwrap_or_else(|| actor.id.clone()));
            target.on_behalf_of = on_behalf_of;
        }
    }

    /// Moves the route on from `from`: informs the notify steps passed, activates the next approval, or,
    /// when none is left, approves the request and opens its filing steps.
    fn advance(&mut self, from: usize, effects: &mut Vec<Effect>) {
        for index in from..self.steps.len() {
            let step = &mut self.steps[index];
            if step.state != StepState::Waiting {
                continue;
            }
            match step.kind.action() {
                StepAction::Notify => {
                    step.state = StepState::Notified;
                    effects.push(Effect::Notified(index));
                }
                StepAction::Approve => {
                    step.state = StepState::Current;
                    effects.push(Effect::StepActivated(index));
                    return;
                }
                // Filing waits for the approval; it never blocks it.
                StepAction::File => {}
            }
        }
        self.state = RequestState::Approved;
        effects.push(Effect::Approved);
        for (index, step) in self.steps.iter_mut().enumerate() {
            if step.state == StepState::Waiting && step.kind.action() == StepAction::File {
                step.state = StepState::Current;
                effects.push(Effect::AwaitingFiling(index));
            }
        }
    }

    /// Ends the request: nothing left open stays open.
    fn close(&mut self, state: RequestState) {
        self.state = state;
        for step in &mut self.steps {
            if matches!(step.state, StepState::Waiting | StepState::Current) {
                step.state = StepState::Skipped;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StepKind::*;

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, day).expect("valid test date")
    }

    fn cadre(id: &str) -> Actor {
        Actor { id: format!("sub-{id}"), cadre_id: Some(id.to_owned()), ..Actor::default() }
    }

    fn pool(id: &str, role: PoolRole) -> Actor {
        Actor { pools: vec![role], ..cadre(id) }
    }

    fn assignee(kind: StepKind) -> Assignee {
        match kind {
            SectionHead => Assignee::Cadre("sh".into()),
            SupervisingLeader => Assignee::Cadre("sl".into()),
            UnitPrincipal => Assignee::Cadre("up".into()),
            LiaisonLeader | LiaisonInformed => Assignee::Cadre("ll".into()),
            DistrictPrincipalLeader => Assignee::Cadre("dpl".into()),
            DistrictCommittee => Assignee::Pool(PoolRole::DistrictCommittee),
            OrgDepartmentFiling => Assignee::Pool(PoolRole::OrgDepartment),
        }
    }

    fn request(kinds: &[StepKind]) -> Request {
        Request::new("app", date(10), kinds.iter().map(|k| Step::new(*k, assignee(*k))).collect())
    }

    fn submitted(kinds: &[StepKind]) -> Request {
        let mut r = request(kinds);
        r.apply(Command::Submit, &cadre("app")).expect("submit");
        r
    }

    #[test]
    fn codes_round_trip() {
        for s in RequestState::ALL {
            assert_eq!(RequestState::from_code(s.code()), Some(*s));
        }
        for s in StepState::ALL {
            assert_eq!(StepState::from_code(s.code()), Some(*s));
        }
        for s in PoolRole::ALL {
            assert_eq!(PoolRole::from_code(s.code()), Some(*s));
        }
        let terminal: Vec<_> = RequestState::ALL.iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(
            terminal,
            [
                &RequestState::Rejected,
                &RequestState::Withdrawn,
                &RequestState::Cancelled,
                &RequestState::Returned
            ]
        );
    }

    #[test]
    fn submit_activates_the_first_approval() {
        let mut r = request(&[SectionHead, SupervisingLeader]);
        assert_eq!(r.apply(Command::Submit, &cadre("stranger")), Err(Refusal::NotApplicant));
        assert_eq!(
            r.apply(Command::Submit, &cadre("app")),
            Ok(vec![Effect::Submitted, Effect::StepActivated(0)])
        );
        assert_eq!(r.state, RequestState::Pending);
        assert_eq!(r.current_step(), Some(0));
        assert_eq!(
            r.apply(Command::Submit, &cadre("app")),
            Err(Refusal::InvalidState { state: RequestState::Pending })
        );
    }

    #[test]
    fn an_administrator_submits_for_the_applicant() {
        let mut r = request(&[UnitPrincipal]);
        let hr = Actor { administers: true, ..cadre("hr") };
        assert!(r.apply(Command::Submit, &hr).is_ok());
    }

    #[test]
    fn notify_steps_are_done_when_reached() {
        let mut r = request(&[LiaisonInformed, UnitPrincipal, LiaisonInformed, DistrictCommittee]);
        let effects = r.apply(Command::Submit, &cadre("app")).expect("submit");
        assert_eq!(effects, [Effect::Submitted, Effect::Notified(0), Effect::StepActivated(1)]);
        let effects = r.apply(Command::Approve { step: 1 }, &cadre("up")).expect("approve");
        assert_eq!(effects, [Effect::Notified(2), Effect::StepActivated(3)]);
    }

    #[test]
    fn no_approvers_means_approved_on_submit() {
        let mut r = request(&[LiaisonInformed, OrgDepartmentFiling]);
        let effects = r.apply(Command::Submit, &cadre("app")).expect("submit");
        assert_eq!(
            effects,
            [Effect::Submitted, Effect::Notified(0), Effect::Approved, Effect::AwaitingFiling(1)]
        );
        assert_eq!(r.state, RequestState::Approved);
    }

    #[test]
    fn approval_walks_the_route_and_filing_follows() {
        let mut r = submitted(&[SectionHead, SupervisingLeader, UnitPrincipal, OrgDepartmentFiling]);
        assert_eq!(r.apply(Command::Approve { step: 1 }, &cadre("sl")), Err(Refusal::StepNotCurrent));
        assert_eq!(r.apply(Command::Approve { step: 0 }, &cadre("sl")), Err(Refusal::NotAssignee));
        assert_eq!(r.apply(Command::Approve { step: 9 }, &cadre("sh")), Err(Refusal::NoSuchStep { step: 9 }));
        assert_eq!(r.apply(Command::Approve { step: 0 }, &cadre("sh")), Ok(vec![Effect::StepActivated(1)]));
        assert_eq!(
            r.apply(Command::File { step: 3 }, &pool("org", PoolRole::OrgDepartment)),
            Err(r.invalid())
        );
        assert_eq!(r.apply(Command::Approve { step: 1 }, &cadre("sl")), Ok(vec![Effect::StepActivated(2)]));
        assert_eq!(
            r.apply(Command::Approve { step: 2 }, &cadre("up")),
            Ok(vec![Effect::Approved, Effect::AwaitingFiling(3)])
        );
        assert_eq!(r.state, RequestState::Approved);
        assert_eq!(r.current_step(), None);
        assert_eq!(r.awaiting_filing(), [3]);
        assert_eq!(r.steps[2].decided_by.as_deref(), Some("up"));

        assert_eq!(
            r.apply(Command::File { step: 2 }, &pool("org", PoolRole::OrgDepartment)),
            Err(Refusal::StepNotFiling)
        );
        assert_eq!(r.apply(Command::File { step: 3 }, &cadre("up")), Err(Refusal::NotAssignee));
        assert_eq!(
            r.apply(Command::File { step: 3 }, &pool("org", PoolRole::OrgDepartment)),
            Ok(vec![Effect::Filed(3)])
        );
        assert_eq!(r.steps[3].state, StepState::Filed);
        assert_eq!(r.state, RequestState::Approved);
        assert_eq!(
            r.apply(Command::File { step: 3 }, &pool("org", PoolRole::OrgDepartment)),
            Err(Refusal::StepNotCurrent)
        );
    }

    #[test]
    fn a_delegate_decides_on_behalf() {
        let mut r = submitted(&[UnitPrincipal]);
        let deputy = Actor { acting_for: vec!["up".into()], ..cadre("deputy") };
        assert_eq!(r.decided_on_behalf(0, &deputy).as_deref(), Some("up"));
        assert_eq!(r.decided_on_behalf(0, &cadre("up")), None);
        r.apply(Command::Approve { step: 0 }, &deputy).expect("delegate approves");
        assert_eq!(r.steps[0].decided_by.as_deref(), Some("deputy"));
        assert_eq!(r.steps[0].on_behalf_of.as_deref(), Some("up"));
    }

    #[test]
    fn a_pool_member_decides_a_pool_step() {
        let mut r = submitted(&[DistrictCommittee]);
        assert_eq!(
            r.apply(Command::Approve { step: 0 }, &pool("o", PoolRole::OrgDepartment)),
            Err(Refusal::NotAssignee)
        );
        let subject_only =
            Actor { id: "sub-x".into(), pools: vec![PoolRole::DistrictCommittee], ..Actor::default() };
        assert!(r.apply(Command::Approve { step: 0 }, &subject_only).is_ok());
        assert_eq!(r.steps[0].decided_by.as_deref(), Some("sub-x"));
    }

    #[test]
    fn nobody_decides_their_own_request() {
        let everything = Actor {
            pools: PoolRole::ALL.to_vec(),
            acting_for: vec!["up".into(), "app".into()],
            administers: true,
            ..cadre("app")
        };
        let mut r = submitted(&[DistrictCommittee, UnitPrincipal]);
        assert_eq!(r.apply(Command::Approve { step: 0 }, &everything), Err(Refusal::SelfApproval));
        assert_eq!(r.apply(Command::Reject { step: 0 }, &everything), Err(Refusal::SelfApproval));

        // A step wrongly assigned to the applicant cannot be decided through their delegate either.
        let mut own =
            Request::new("app", date(10), vec![Step::new(UnitPrincipal, Assignee::Cadre("app".into()))]);
        own.apply(Command::Submit, &cadre("app")).expect("submit");
        let deputy = Actor { acting_for: vec!["app".into()], ..cadre("deputy") };
        assert_eq!(own.apply(Command::Approve { step: 0 }, &deputy), Err(Refusal::SelfApproval));
        assert_eq!(own.apply(Command::Approve { step: 0 }, &cadre("app")), Err(Refusal::SelfApproval));
    }

    #[test]
    fn self_filing_is_refused() {
        let mut r = submitted(&[OrgDepartmentFiling]);
        assert_eq!(
            r.apply(Command::File { step: 0 }, &pool("app", PoolRole::OrgDepartment)),
            Err(Refusal::SelfApproval)
        );
    }

    #[test]
    fn rejection_closes_the_route() {
        let mut r = submitted(&[SectionHead, SupervisingLeader, OrgDepartmentFiling]);
        assert_eq!(r.apply(Command::Reject { step: 0 }, &cadre("sh")), Ok(vec![Effect::Rejected]));
        assert_eq!(r.state, RequestState::Rejected);
        let states: Vec<StepState> = r.steps.iter().map(|s| s.state).collect();
        assert_eq!(states, [StepState::Rejected, StepState::Skipped, StepState::Skipped]);
        for command in [
            Command::Submit,
            Command::Approve { step: 1 },
            Command::Withdraw,
            Command::Cancel { today: date(1) },
        ] {
            assert_eq!(
                r.apply(command, &cadre("app")),
                Err(Refusal::InvalidState { state: RequestState::Rejected })
            );
        }
    }

    #[test]
    fn withdraw_from_draft_or_pending() {
        let mut draft = request(&[SectionHead]);
        assert_eq!(draft.apply(Command::Withdraw, &cadre("sh")), Err(Refusal::NotApplicant));
        assert_eq!(draft.apply(Command::Withdraw, &cadre("app")), Ok(vec![Effect::Withdrawn]));
        let mut pending = submitted(&[SectionHead]);
        assert_eq!(pending.apply(Command::Withdraw, &cadre("app")), Ok(vec![Effect::Withdrawn]));
        assert_eq!(pending.steps[0].state, StepState::Skipped);

        let mut approved = submitted(&[SectionHead]);
        approved.apply(Command::Approve { step: 0 }, &cadre("sh")).expect("approve");
        assert_eq!(approved.apply(Command::Withdraw, &cadre("app")), Err(approved.invalid()));
    }

    #[test]
    fn cancel_only_before_the_start() {
        let mut r = submitted(&[SectionHead, OrgDepartmentFiling]);
        r.apply(Command::Approve { step: 0 }, &cadre("sh")).expect("approve");
        assert_eq!(r.apply(Command::Cancel { today: date(10) }, &cadre("app")), Err(Refusal::AlreadyStarted));
        assert_eq!(r.apply(Command::Cancel { today: date(9) }, &cadre("sh")), Err(Refusal::NotApplicant));
        let hr = Actor { administers: true, ..cadre("hr") };
        assert_eq!(
            r.apply(Command::Cancel { today: date(9) }, &hr),
            Ok(vec![Effect::Cancelled { was_approved: true }])
        );
        assert_eq!(r.steps[1].state, StepState::Skipped);

        let mut pending = submitted(&[SectionHead]);
        assert_eq!(
            pending.apply(Command::Cancel { today: date(1) }, &cadre("app")),
            Ok(vec![Effect::Cancelled { was_approved: false }])
        );
        let mut draft = request(&[SectionHead]);
        assert_eq!(draft.apply(Command::Cancel { today: date(1) }, &cadre("app")), Err(draft.invalid()));
    }

    #[test]
    fn return_only_once_started() {
        let mut r = submitted(&[SectionHead]);
        assert_eq!(r.apply(Command::Return { on: date(12) }, &cadre("app")), Err(r.invalid()));
        r.apply(Command::Approve { step: 0 }, &cadre("sh")).expect("approve");
        assert_eq!(r.apply(Command::Return { on: date(9) }, &cadre("app")), Err(Refusal::NotStarted));
        assert_eq!(
            r.apply(Command::Return { on: date(10) }, &cadre("app")),
            Ok(vec![Effect::Returned { on: date(10) }])
        );
        assert_eq!(r.returned_on, Some(date(10)));
        assert!(r.state.is_terminal());
        assert_eq!(r.apply(Command::Return { on: date(11) }, &cadre("app")), Err(r.invalid()));
    }

    #[test]
    fn refusals_have_reasons() {
        let all = [
            Refusal::InvalidState { state: RequestState::Draft },
            Refusal::NotApplicant,
            Refusal::SelfApproval,
            Refusal::NotAssignee,
            Refusal::StepNotCurrent,
            Refusal::NoSuchStep { step: 1 },
            Refusal::StepNotFiling,
            Refusal::AlreadyStarted,
            Refusal::NotStarted,
        ];
        let reasons: Vec<&str> = all.iter().map(Refusal::reason).collect();
        assert_eq!(
            reasons,
            [
                "REQUEST_STATE_INVALID",
                "NOT_APPLICANT",
                "SELF_APPROVAL",
                "NOT_ASSIGNEE",
                "STEP_NOT_CURRENT",
                "STEP_NOT_FOUND",
                "STEP_NOT_FILING",
                "LEAVE_ALREADY_STARTED",
                "LEAVE_NOT_STARTED",
            ]
        );
        for r in &all {
            assert!(!r.to_string().is_empty());
        }
    }

    #[test]
    fn serializes() {
        let r = submitted(&[SectionHead, DistrictCommittee]);
        let json = serde_json::to_string(&r).expect("serialize");
        assert!(json.contains(r#""assignee":{"kind":"pool","id":"district_committee"}"#), "{json}");
        let back: Request = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, r);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;
        use crate::domain::{
            days::HalfDays,
            route::{ApplicantClass, Escalation, RouteInput, TierPolicy, route},
        };

        #[derive(Debug, Clone, Copy)]
        enum What {
            Submit,
            Approve,
            Reject,
            Withdraw,
            Cancel,
            Return,
            File,
        }

        #[derive(Debug, Clone, Copy)]
        enum Who {
            Applicant,
            Administrator,
            Assignee,
            Delegate,
            Wrong,
            OrgPool,
            CommitteePool,
            ApplicantEverywhere,
            DelegateOfApplicant,
        }

        #[derive(Debug, Clone, Copy)]
        struct Move {
            what: What,
            who: Who,
            /// `None`: the step awaiting action.
            step: Option<usize>,
            /// Days from the start, for Cancel and Return.
            offset: i64,
        }

        fn moves() -> impl Strategy<Value = Move> {
            let what = prop_oneof![
                1 => Just(What::Submit),
                10 => Just(What::Approve),
                1 => Just(What::Reject),
                1 => Just(What::Withdraw),
                1 => Just(What::Cancel),
                2 => Just(What::Return),
                2 => Just(What::File),
            ];
            let who = prop_oneof![
                2 => Just(Who::Applicant),
                1 => Just(Who::Administrator),
                8 => Just(Who::Assignee),
                2 => Just(Who::Delegate),
                1 => Just(Who::Wrong),
                1 => Just(Who::OrgPool),
                1 => Just(Who::CommitteePool),
                1 => Just(Who::ApplicantEverywhere),
                1 => Just(Who::DelegateOfApplicant),
            ];
            let step = prop_oneof![3 => Just(None), 1 => (0usize..8).prop_map(Some)];
            (what, who, step, -3i64..4).prop_map(|(what, who, step, offset)| Move { what, who, step, offset })
        }

        fn routes() -> impl Strategy<Value = Vec<StepKind>> {
            let planned = (
                proptest::sample::select(ApplicantClass::ALL),
                1u32..40,
                0u32..70,
                proptest::collection::vec(proptest::sample::select(Escalation::ALL), 0..3),
                any::<bool>(),
            )
                .prop_map(|(class, days, extra, raise, stepwise)| {
                    let input = RouteInput {
                        class,
                        days: HalfDays(days),
                        cumulative_calendar_days: HalfDays(days + extra),
                        raise,
                    };
                    let policy = TierPolicy { stepwise, ..TierPolicy::default() };
                    route(&input, &policy).into_iter().map(|s| s.kind).collect::<Vec<_>>()
                });
            let arbitrary =
                proptest::sample::subsequence(StepKind::ALL.to_vec(), 0..=StepKind::ALL.len()).prop_shuffle();
            prop_oneof![3 => planned, 1 => arbitrary]
        }

        fn actor(request: &Request, who: Who, step: usize) -> Actor {
            let target = request.steps.get(step).map(|s| s.assignee.clone());
            match who {
                Who::Applicant => cadre("app"),
                Who::Administrator => Actor { administers: true, ..cadre("hr") },
                Who::Assignee => match target {
                    Some(Assignee::Cadre(c)) => cadre(&c),
                    Some(Assignee::Pool(role)) => pool("pooled", role),
                    None => cadre("nobody"),
                },
                Who::Delegate => match target {
                    Some(Assignee::Cadre(c)) => Actor { acting_for: vec![c], ..cadre("deputy") },
                    _ => Actor { acting_for: vec!["sh".into(), "up".into()], ..cadre("deputy") },
                },
                Who::Wrong => cadre("stranger"),
                Who::OrgPool => pool("org", PoolRole::OrgDepartment),
                Who::CommitteePool => pool("member", PoolRole::DistrictCommittee),
                Who::ApplicantEverywhere => Actor {
                    pools: PoolRole::ALL.to_vec(),
                    acting_for: ["sh", "sl", "up", "ll", "dpl", "app"].map(String::from).to_vec(),
                    administers: true,
                    ..cadre("app")
                },
                Who::DelegateOfApplicant => Actor { acting_for: vec!["app".into()], ..cadre("app-deputy") },
            }
        }

        /// The step a move aims at when it names none: the one awaiting action (approval or filing).
        fn aimed(request: &Request, step: Option<usize>) -> usize {
            step.or_else(|| request.steps.iter().position(|s| s.state == StepState::Current)).unwrap_or(0)
        }

        fn command(request: &Request, m: Move) -> (Command, usize) {
            let step = aimed(request, m.step);
            let day = request.start + chrono::Duration::days(m.offset);
            let command = match m.what {
                What::Submit => Command::Submit,
                What::Approve => Command::Approve { step },
                What::Reject => Command::Reject { step },
                What::Withdraw => Command::Withdraw,
                What::Cancel => Command::Cancel { today: day },
                What::Return => Command::Return { on: day },
                What::File => Command::File { step },
            };
            (command, step)
        }

        fn approvals(request: &Request) -> Vec<usize> {
            (0..request.steps.len())
                .filter(|i| request.steps[*i].kind.action() == StepAction::Approve)
                .collect()
        }

        /// The shape every state implies for the steps.
        fn check_shape(r: &Request) -> Result<(), TestCaseError> {
            let approve = approvals(r);
            let current: Vec<usize> =
                (0..r.steps.len()).filter(|i| r.steps[*i].state == StepState::Current).collect();
            match r.state {
                RequestState::Draft => {
                    prop_assert!(r.steps.iter().all(|s| s.state == StepState::Waiting));
                }
                RequestState::Pending => {
                    prop_assert_eq!(current.len(), 1, "one current step: {:?}", r.steps);
                    let at = current[0];
                    prop_assert_eq!(r.steps[at].kind.action(), StepAction::Approve);
                    for (i, s) in r.steps.iter().enumerate() {
                        let expected = match (i.cmp(&at), s.kind.action()) {
                            (std::cmp::Ordering::Less, StepAction::Approve) => StepState::Approved,
                            (std::cmp::Ordering::Less, StepAction::Notify) => StepState::Notified,
                            (std::cmp::Ordering::Equal, _) => StepState::Current,
                            _ => StepState::Waiting,
                        };
                        prop_assert_eq!(s.state, expected, "step {} of {:?}", i, r.steps);
                    }
                }
                RequestState::Approved => {
                    for s in &r.steps {
                        let ok = match s.kind.action() {
                            StepAction::Approve => s.state == StepState::Approved,
                            StepAction::Notify => s.state == StepState::Notified,
                            StepAction::File => matches!(s.state, StepState::Current | StepState::Filed),
                        };
                        prop_assert!(ok, "{:?}", r.steps);
                    }
                }
                RequestState::Returned => {
                    prop_assert!(approve.iter().all(|i| r.steps[*i].state == StepState::Approved));
                }
                RequestState::Rejected | RequestState::Withdrawn | RequestState::Cancelled => {}
            }
            if r.state.is_terminal() {
                prop_assert!(current.is_empty());
                prop_assert!(r.steps.iter().all(|s| s.state != StepState::Waiting));
            }
            Ok(())
        }

        /// Racing "approve the last step" and "cancel" from the same state: exactly one leaves Pending, and
        /// the loser sees the winner's outcome.
        fn check_one_winner(r: &Request, today: NaiveDate) -> Result<(), TestCaseError> {
            let Some(at) = r.current_step() else { return Ok(()) };
            if approvals(r).last() != Some(&at) {
                return Ok(());
            }
            let approver = actor(r, Who::Assignee, at);
            if approver.cadre_id.as_deref() == Some("app") {
                return Ok(());
            }
            let cancel = Command::Cancel { today };
            let approve = Command::Approve { step: at };
            let applicant = cadre("app");

            let mut cancel_first = r.clone();
            let cancelled = cancel_first.apply(cancel, &applicant);
            let then_approved = cancel_first.apply(approve, &approver);
            let mut approve_first = r.clone();
            let approved = approve_first.apply(approve, &approver);
            prop_assert!(approved.as_ref().is_ok_and(|e| e.contains(&Effect::Approved)));
            let then_cancelled = approve_first.apply(cancel, &applicant);

            if today < r.start {
                prop_assert_eq!(cancelled, Ok(vec![Effect::Cancelled { was_approved: false }]));
                prop_assert_eq!(then_approved, Err(Refusal::InvalidState { state: RequestState::Cancelled }));
                prop_assert_eq!(then_cancelled, Ok(vec![Effect::Cancelled { was_approved: true }]));
            } else {
                prop_assert_eq!(cancelled, Err(Refusal::AlreadyStarted));
                prop_assert!(then_approved.is_ok());
                prop_assert_eq!(then_cancelled, Err(Refusal::AlreadyStarted));
                prop_assert_eq!(cancel_first.state, RequestState::Approved);
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn random_commands_keep_the_rules(
                kinds in routes(),
                self_assigned in proptest::option::weighted(0.1, 0usize..8),
                submit_first in proptest::bool::weighted(0.8),
                script in proptest::collection::vec(moves(), 0..40),
            ) {
                let mut steps: Vec<Step> = kinds.iter().map(|k| Step::new(*k, assignee(*k))).collect();
                if let Some(step) = self_assigned.and_then(|i| steps.get_mut(i)) {
                    step.assignee = Assignee::Cadre("app".into());
                }
                let mut r = Request::new("app", date(10), steps);
                let mut approved_order: Vec<usize> = Vec::new();
                if submit_first {
                    r.apply(Command::Submit, &cadre("app")).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    check_shape(&r)?;
                }

                for m in script {
                    let (command, step) = command(&r, m);
                    let who = actor(&r, m.who, step);
                    let before = r.clone();
                    check_one_winner(&r, r.start + chrono::Duration::days(m.offset))?;
                    let result = r.apply(command, &who);

                    match &result {
                        Err(_) => prop_assert_eq!(&r, &before, "a refusal changed the request"),
                        Ok(_) => {
                            prop_assert!(!before.state.is_terminal(), "{:?} accepted {:?}", before.state, command);
                        }
                    }
                    if before.state.is_terminal() {
                        prop_assert_eq!(result.clone(), Err(Refusal::InvalidState { state: before.state }));
                    }

                    if let (Ok(_), Command::Approve { step } | Command::Reject { step }) = (&result, command) {
                        // Only the right approver decides, never the applicant.
                        prop_assert_eq!(before.state, RequestState::Pending);
                        prop_assert_eq!(before.steps[step].state, StepState::Current);
                        prop_assert_ne!(who.cadre_id.as_deref(), Some("app"));
                        let entitled = match &before.steps[step].assignee {
                            Assignee::Cadre(c) => {
                                c != "app" && (who.cadre_id.as_deref() == Some(c.as_str()) || who.acting_for.contains(c))
                            }
                            Assignee::Pool(role) => who.pools.contains(role),
                        };
                        prop_assert!(entitled, "{:?} decided {:?}", who, before.steps[step]);
                        if matches!(command, Command::Approve { .. }) {
                            approved_order.push(step);
                        }
                    }
                    if let (Ok(_), Command::File { .. }) = (&result, command) {
                        prop_assert!(who.pools.contains(&PoolRole::OrgDepartment));
                        prop_assert_ne!(who.cadre_id.as_deref(), Some("app"));
                    }

                    // Approvals happen in route order, none skipped.
                    prop_assert!(approved_order.windows(2).all(|w| w[0] < w[1]), "{:?}", approved_order);
                    let all = approvals(&r);
                    prop_assert_eq!(&approved_order[..], &all[..approved_order.len()]);
                    if r.state == RequestState::Approved || r.state == RequestState::Returned {
                        prop_assert_eq!(&approved_order, &all);
                    }
                    if let Ok(effects) = &result
                        && effects.contains(&Effect::Cancelled { was_approved: true })
                    {
                        prop_assert_eq!(&approved_order, &all);
                    }
                    check_shape(&r)?;
                }
            }
        }
    }
}

//! The annual cycle's scenarios, and a property test over random command sequences.

use chrono::{Days, NaiveDate};

use super::*;
use crate::domain::grade::{AnnualGrade::*, RoutineGrade};
use crate::domain::linkage::RoutineResult;
use crate::domain::participation::{InvestigationClosure, Measure, MeasureKind, after_investigation};
use crate::domain::review::{NoRestDays, ReviewScope};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn year() -> AssessmentYear {
    AssessmentYear::new(2024).expect("test year")
}

struct Harness {
    policy: AssessmentPolicy,
    cycle: Cycle,
}

impl Harness {
    fn new() -> Self {
        Self { policy: AssessmentPolicy::default(), cycle: Cycle::new(year()) }
    }

    fn with_policy(policy: AssessmentPolicy) -> Self {
        Self { policy, cycle: Cycle::new(year()) }
    }

    fn apply(&mut self, command: Command) -> Result<Vec<Effect>, Refusal> {
        let ctx = Context { policy: &self.policy, calendar: &NoRestDays };
        let before = self.cycle.clone();
        let result = self.cycle.apply(command, &ctx);
        if result.is_err() {
            assert_eq!(self.cycle, before, "a refusal changes nothing");
        }
        result
    }

    fn ok(&mut self, command: Command) -> Vec<Effect> {
        let shown = format!("{command:?}");
        self.apply(command).unwrap_or_else(|e| panic!("{shown} refused: {e:?}"))
    }

    fn refused(&mut self, command: Command) -> &'static str {
        let shown = format!("{command:?}");
        match self.apply(command) {
            Ok(effects) => panic!("{shown} accepted: {effects:?}"),
            Err(refusal) => refusal.reason(),
        }
    }

    fn state(&self, cadre_id: &str) -> ParticipantState {
        self.cycle.participant(cadre_id).map(|p| p.state).expect("participant")
    }

    fn enrol(&mut self, cadre_id: &str, constraints: Constraints) {
        self.ok(Command::Enrol { cadre_id: cadre_id.into(), constraints });
    }

    fn summary(&mut self, cadre_id: &str) {
        self.ok(Command::SubmitSummary { cadre_id: cadre_id.into(), on: day("2025-01-02") });
    }

    fn propose(&mut self, cadre_id: &str, outcome: Outcome) -> Result<Vec<Effect>, Refusal> {
        self.apply(Command::Propose { cadre_id: cadre_id.into(), proposal: proposal(outcome, "2025-01-05") })
    }

    /// `n` participants `c1`…`cn` with summaries and 称职 proposals.
    fn staffed(n: usize) -> Self {
        let mut h = Self::new();
        for i in 1..=n {
            let id = format!("c{i}");
            h.enrol(&id, Constraints::open());
            h.summary(&id);
            h.propose(&id, Competent.into()).expect("称职 proposal");
        }
        h
    }

    fn publicise(&mut self) -> Vec<Effect> {
        self.ok(Command::StartPublicity { starts_on: day("2025-01-10"), ends_on: day("2025-01-16") })
    }

    fn determine(&mut self) -> Result<Vec<Effect>, Refusal> {
        self.apply(Command::Determine {
            on: day("2025-01-20"),
            by: DeterminedBy::Committee,
            recorded_by: "hr".into(),
        })
    }
}

fn proposal(outcome: Outcome, on: &str) -> Proposal {
    Proposal {
        outcome,
        comment: "工作认真负责".into(),
        improvement: "加强学习".into(),
        proposed_by: "leader".into(),
        proposed_on: day(on),
    }
}

fn ceiling(grade: AnnualGrade) -> Constraints {
    let mut c = Constraints::open();
    c.participation.ceiling = Some(grade);
    c
}

fn forced(outcome: Outcome) -> Constraints {
    let mut c = Constraints::open();
    c.participation.forced = Some(outcome);
    c.participation.takes_part = outcome != Outcome::NotParticipating;
    c
}

#[test]
fn the_whole_procedure() {
    let mut h = Harness::staffed(5);
    // 5 people: 20 % = 1 优秀.
    h.propose("c1", Excellent.into()).expect("优秀 proposal");
    let effects = h.publicise();
    assert_eq!(
        effects,
        [Effect::PublicityStarted { round: 1, ends_on: day("2025-01-16"), candidates: vec!["c1".into()] }]
    );
    assert_eq!(
        h.refused(Command::Determine {
            on: day("2025-01-16"),
            by: DeterminedBy::UnitHead,
            recorded_by: "hr".into()
        }),
        "PUBLICITY_NOT_OVER"
    );
    let effects = h.determine().expect("determine");
    assert_eq!(
        effects.first(),
        Some(&Effect::Determined { cadre_id: "c1".into(), outcome: Excellent.into() })
    );
    assert_eq!(effects.last(), Some(&Effect::CycleDetermined));
    assert_eq!(h.cycle.state, CycleState::Determined);
    assert_eq!(h.cycle.determined_excellent(), 1);

    assert_eq!(h.refused(Command::Close { on: day("2025-01-21") }), "RESULTS_NOT_NOTIFIED");
    for i in 1..=5 {
        let id = format!("c{i}");
        let effects = h.ok(Command::Notify { cadre_id: id.clone(), on: day("2025-01-22") });
        // 称职 and 优秀 are outside the default review scope (不称职 only).
        assert_eq!(
            effects,
            [Effect::Notified { cadre_id: id.clone(), review_until: None, direct_appeal_until: None }]
        );
        h.ok(Command::Acknowledge { cadre_id: id.clone(), on: day("2025-01-23") });
        assert_eq!(h.state(&id), ParticipantState::Acknowledged);
    }
    assert_eq!(
        h.refused(Command::RequestReview { cadre_id: "c2".into(), on: day("2025-01-24") }),
        "RECOURSE_NOT_AVAILABLE"
    );
    assert_eq!(h.ok(Command::Close { on: day("2025-01-25") }), [Effect::CycleClosed]);
    assert_eq!(h.refused(Command::Close { on: day("2025-01-26") }), "STEP_OUT_OF_ORDER");
}

#[test]
fn proposals_respect_the_special_cases_and_the_linkage() {
    let mut h = Harness::new();
    h.enrol("warned", ceiling(Competent));
    h.enrol("probation", forced(Outcome::Undetermined));
    h.enrol("refused", forced(Incompetent.into()));
    let mut refused = forced(Incompetent.into());
    refused.participation.reasons.push(crate::domain::participation::Reason {
        code: crate::domain::participation::ReasonCode::RefusedToTakePart,
        measure: None,
        text: "refused".into(),
        source: "test".into(),
    });
    h.enrol("refuser", refused);
    let linkage = LinkagePolicy::default().evaluate(
        &[
            RoutineResult { period: 1, grade: RoutineGrade::Average, score: None },
            RoutineResult { period: 2, grade: RoutineGrade::Good, score: None },
        ],
        None,
    );
    h.enrol("linked", Constraints { participation: Participation::open(), linkage });
    h.enrol("plain", Constraints::open());

    // No proposal before the 个人总结.
    assert_eq!(h.propose("warned", Competent.into()).map_err(|e| e.reason()), Err("STEP_OUT_OF_ORDER"));
    for id in ["warned", "probation", "refused", "linked", "plain"] {
        h.summary(id);
    }
    let reason = |r: Result<Vec<Effect>, Refusal>| r.map_err(|e| e.reason()).err();
    assert_eq!(reason(h.propose("warned", Excellent.into())), Some("GRADE_ABOVE_CEILING"));
    assert_eq!(reason(h.propose("warned", Competent.into())), None);
    assert_eq!(reason(h.propose("probation", Competent.into())), Some("OUTCOME_FORCED"));
    assert_eq!(reason(h.propose("probation", Outcome::Undetermined)), None);
    assert_eq!(reason(h.propose("refused", Basic.into())), Some("OUTCOME_FORCED"));
    assert_eq!(reason(h.propose("linked", Excellent.into())), Some("LINKAGE_FORBIDS_GRADE"));
    assert_eq!(reason(h.propose("linked", Competent.into())), None);
    assert_eq!(reason(h.propose("plain", Outcome::Undetermined)), Some("GRADE_REQUIRED"));
    // Whoever refused to take part writes no summary: the proposal comes straight away.
    assert_eq!(reason(h.propose("refuser", Incompetent.into())), None);

    let mut blank = proposal(Competent.into(), "2025-01-05");
    blank.comment = "  ".into();
    assert_eq!(h.refused(Command::Propose { cadre_id: "plain".into(), proposal: blank }), "COMMENT_REQUIRED");
    let mut own = proposal(Competent.into(), "2025-01-05");
    own.proposed_by = "plain".into();
    assert_eq!(h.refused(Command::Propose { cadre_id: "plain".into(), proposal: own }), "SELF_ASSESSMENT");
    let early = proposal(Competent.into(), "2025-01-01");
    assert_eq!(
        h.refused(Command::Propose { cadre_id: "plain".into(), proposal: early }),
        "DATE_OUT_OF_ORDER"
    );
    assert_eq!(
        h.refused(Command::Propose {
            cadre_id: "ghost".into(),
            proposal: proposal(Competent.into(), "2025-01-05")
        }),
        "PARTICIPANT_NOT_FOUND"
    );
    assert_eq!(
        h.refused(Command::Enrol { cadre_id: "plain".into(), constraints: Constraints::open() }),
        "ALREADY_ENROLLED"
    );
}

#[test]
fn the_quota_is_checked_when_the_publicity_starts() {
    let mut h = Harness::staffed(7);
    h.propose("c1", Excellent.into()).expect("first");
    h.propose("c2", Excellent.into()).expect("second");
    // 7 people: 20 % = 1.4 → 1; 25 % = 1.75 → 2.
    match h.apply(Command::StartPublicity { starts_on: day("2025-01-10"), ends_on: day("2025-01-16") }) {
        Err(Refusal::QuotaExceeded(q)) => {
            assert_eq!(q, QuotaExceeded { limit: 1, proposed: 2, with_approval_limit: Some(2) });
        }
        other => panic!("expected QUOTA_EXCEEDED, got {other:?}"),
    }
    h.ok(Command::RecordApproval {
        approval: ExcellentApproval {
            approved_by: "区公务员局".into(),
            reference: "区公〔2025〕3号".into(),
            approved_on: day("2025-01-08"),
        },
    });
    h.publicise();
    assert_eq!(h.cycle.publicity.as_ref().map(|p| p.candidates.len()), Some(2));
}

#[test]
fn people_not_taking_part_leave_the_base_and_ungraded_ones_stay_by_policy() {
    let mut h = Harness::staffed(4);
    h.enrol("sick", forced(Outcome::NotParticipating));
    h.enrol("new", forced(Outcome::Undetermined));
    assert_eq!(h.state("sick"), ParticipantState::Excluded);
    assert_eq!(h.cycle.quota_base(&h.policy), 5);
    h.policy.quota.count_ungraded = false;
    assert_eq!(h.cycle.quota_base(&h.policy), 4);
}

#[test]
fn publicity_length_and_objections() {
    let mut h = Harness::staffed(10);
    h.propose("c1", Excellent.into()).expect("c1");
    h.propose("c2", Excellent.into()).expect("c2");
    assert_eq!(
        h.refused(Command::StartPublicity { starts_on: day("2025-01-10"), ends_on: day("2025-01-13") }),
        "PUBLICITY_TOO_SHORT"
    );
    h.publicise();
    let object = |against: &str, on: &str| Command::RaiseObjection {
        against: against.into(),
        on: day(on),
        raised_by: None,
        text: "群众反映".into(),
    };
    assert_eq!(h.refused(object("c3", "2025-01-11")), "NOT_A_CANDIDATE");
    assert_eq!(h.refused(object("c1", "2025-01-17")), "PUBLICITY_OVER");
    assert_eq!(h.refused(object("c1", "2025-01-09")), "DATE_OUT_OF_ORDER");
    h.ok(object("c1", "2025-01-11"));
    h.ok(object("c2", "2025-01-12"));
    // Candidates are locked during the publicity; nobody new becomes 优秀.
    assert_eq!(h.propose("c2", Competent.into()).map_err(|e| e.reason()), Err("CANDIDATE_LOCKED"));
    assert_eq!(h.propose("c3", Excellent.into()).map_err(|e| e.reason()), Err("EXCELLENT_NEEDS_PUBLICITY"));
    assert!(h.propose("c3", Basic.into()).is_ok(), "others may still be revised below 优秀");

    assert_eq!(h.determine().map_err(|e| e.reason()), Err("OBJECTION_UNRESOLVED"));
    let resolve = |index: usize, upheld: bool| Command::ResolveObjection {
        index,
        upheld,
        on: day("2025-01-17"),
        by: "committee".into(),
        note: "核实".into(),
    };
    let effects = h.ok(resolve(0, true));
    assert_eq!(effects[1], Effect::RevisionRequired { cadre_id: "c1".into() });
    assert_eq!(h.refused(resolve(0, false)), "OBJECTION_ALREADY_RESOLVED");
    assert_eq!(h.refused(resolve(9, false)), "OBJECTION_NOT_FOUND");
    h.ok(resolve(1, false));
    assert_eq!(h.determine().map_err(|e| e.reason()), Err("REVISION_REQUIRED"));
    assert_eq!(h.propose("c1", Excellent.into()).map_err(|e| e.reason()), Err("OBJECTION_UPHELD"));
    h.propose("c1", Competent.into()).expect("revision");
    h.determine().expect("determine");
    assert_eq!(h.cycle.participant("c1").and_then(|p| p.outcome), Some(Competent.into()));
    assert_eq!(h.cycle.participant("c2").and_then(|p| p.outcome), Some(Excellent.into()));
}

#[test]
fn a_cancelled_publicity_lets_the_candidates_change() {
    let mut h = Harness::staffed(10);
    h.propose("c1", Excellent.into()).expect("c1");
    h.publicise();
    h.ok(Command::RaiseObjection {
        against: "c1".into(),
        on: day("2025-01-11"),
        raised_by: Some("x".into()),
        text: "t".into(),
    });
    assert_eq!(h.refused(Command::CancelPublicity { on: day("2025-01-12") }), "OBJECTION_UNRESOLVED");
    h.ok(Command::ResolveObjection {
        index: 0,
        upheld: true,
        on: day("2025-01-12"),
        by: "c".into(),
        note: "n".into(),
    });
    assert_eq!(
        h.ok(Command::CancelPublicity { on: day("2025-01-12") }),
        [Effect::PublicityCancelled { round: 1 }]
    );
    assert_eq!(h.cycle.state, CycleState::Open);
    h.propose("c1", Competent.into()).expect("c1 revised");
    h.propose("c2", Excellent.into()).expect("c2 instead");
    let effects = h.ok(Command::StartPublicity { starts_on: day("2025-01-13"), ends_on: day("2025-01-19") });
    assert_eq!(
        effects,
        [Effect::PublicityStarted { round: 2, ends_on: day("2025-01-19"), candidates: vec!["c2".into()] }]
    );
}

#[test]
fn determination_needs_every_proposal_but_not_the_deferred_ones() {
    let mut h = Harness::staffed(3);
    h.enrol("late", Constraints::open());
    h.enrol("investigated", forced(Outcome::Deferred));
    h.enrol("sick", forced(Outcome::NotParticipating));
    h.publicise();
    assert_eq!(h.determine().map_err(|e| e.reason()), Err("PROPOSAL_MISSING"));
    h.ok(Command::UpdateConstraints {
        cadre_id: "late".into(),
        constraints: forced(Outcome::NotParticipating),
    });
    let effects = h.determine().expect("determine");
    assert!(effects.contains(&Effect::AwaitingSupplement { cadre_id: "investigated".into() }));
    assert_eq!(h.state("investigated"), ParticipantState::AwaitingSupplement);
    assert_eq!(h.state("sick"), ParticipantState::Excluded);
    assert_eq!(h.state("late"), ParticipantState::Excluded);
    // Excluded is final once determined.
    assert_eq!(
        h.refused(Command::UpdateConstraints { cadre_id: "sick".into(), constraints: Constraints::open() }),
        "STEP_OUT_OF_ORDER"
    );
}

#[test]
fn new_facts_drop_a_proposal_they_no_longer_allow() {
    let mut h = Harness::staffed(10);
    h.propose("c1", Excellent.into()).expect("c1");
    let effects = h.ok(Command::UpdateConstraints { cadre_id: "c1".into(), constraints: ceiling(Competent) });
    assert!(effects.contains(&Effect::ProposalDropped { cadre_id: "c1".into(), outcome: Excellent.into() }));
    assert_eq!(h.state("c1"), ParticipantState::SummarySubmitted);
    // A candidate's proposal dropped during the publicity must be revised.
    h.propose("c2", Excellent.into()).expect("c2");
    h.publicise();
    let effects = h.ok(Command::UpdateConstraints { cadre_id: "c2".into(), constraints: ceiling(Competent) });
    assert!(effects.contains(&Effect::RevisionRequired { cadre_id: "c2".into() }));
    h.propose("c1", Competent.into()).expect("c1 again");
    assert_eq!(h.determine().map_err(|e| e.reason()), Err("REVISION_REQUIRED"));
    h.propose("c2", Competent.into()).expect("c2 revised");
    // Out and back in before the determination.
    h.ok(Command::UpdateConstraints {
        cadre_id: "c3".into(),
        constraints: forced(Outcome::NotParticipating),
    });
    assert_eq!(h.state("c3"), ParticipantState::Excluded);
    let effects =
        h.ok(Command::UpdateConstraints { cadre_id: "c3".into(), constraints: Constraints::open() });
    assert!(effects.contains(&Effect::Readmitted { cadre_id: "c3".into() }));
    assert_eq!(h.state("c3"), ParticipantState::SummarySubmitted);
    assert_eq!(h.determine().map_err(|e| e.reason()), Err("PROPOSAL_MISSING"));
}

fn incompetent_cycle(policy: AssessmentPolicy) -> Harness {
    let mut h = Harness::with_policy(policy);
    for id in ["a", "b", "c"] {
        h.enrol(id, Constraints::open());
        h.summary(id);
    }
    h.propose("a", Incompetent.into()).expect("a");
    h.propose("b", Basic.into()).expect("b");
    h.propose("c", Competent.into()).expect("c");
    h.publicise();
    h.determine().expect("determine");
    for id in ["a", "b", "c"] {
        h.ok(Command::Notify { cadre_id: id.into(), on: day("2025-02-03") });
    }
    h
}

#[test]
fn review_then_appeal_within_their_deadlines() {
    let mut h = incompetent_cycle(AssessmentPolicy::default());
    let a = h.cycle.participant("a").cloned().expect("a");
    assert_eq!(a.review_until, Some(day("2025-03-05")));
    assert_eq!(a.direct_appeal_until, Some(day("2025-03-05")));
    assert_eq!(
        h.refused(Command::RequestReview { cadre_id: "b".into(), on: day("2025-02-04") }),
        "RECOURSE_NOT_AVAILABLE"
    );
    h.ok(Command::RecordRefusalToSign { cadre_id: "a".into(), on: day("2025-02-04") });
    assert_eq!(h.state("a"), ParticipantState::RefusedToSign);
    assert_eq!(
        h.refused(Command::RequestReview { cadre_id: "a".into(), on: day("2025-03-06") }),
        "DEADLINE_PASSED"
    );
    let effects = h.ok(Command::RequestReview { cadre_id: "a".into(), on: day("2025-03-05") });
    assert_eq!(effects, [Effect::ReviewRequested { cadre_id: "a".into(), decide_by: day("2025-04-04") }]);
    assert_eq!(
        h.refused(Command::DecideReview {
            cadre_id: "a".into(),
            on: day("2025-03-10"),
            by: "a".into(),
            decision: Decision::Upheld
        }),
        "SELF_ASSESSMENT"
    );
    assert_eq!(
        h.refused(Command::DecideReview {
            cadre_id: "a".into(),
            on: day("2025-03-10"),
            by: "body".into(),
            decision: Decision::Changed(Outcome::Undetermined)
        }),
        "GRADE_REQUIRED"
    );
    let effects = h.ok(Command::DecideReview {
        cadre_id: "a".into(),
        on: day("2025-03-10"),
        by: "body".into(),
        decision: Decision::Changed(Basic.into()),
    });
    assert_eq!(
        effects,
        [
            Effect::ReviewDecided { cadre_id: "a".into(), appeal_until: day("2025-03-25") },
            Effect::ResultChanged { cadre_id: "a".into(), from: Incompetent.into(), to: Basic.into() },
        ]
    );
    assert_eq!(
        h.refused(Command::RequestAppeal { cadre_id: "a".into(), on: day("2025-03-26") }),
        "DEADLINE_PASSED"
    );
    let effects = h.ok(Command::RequestAppeal { cadre_id: "a".into(), on: day("2025-03-25") });
    assert_eq!(
        effects,
        [Effect::AppealRequested { cadre_id: "a".into(), direct: false, decide_by: day("2025-05-24") }]
    );
    h.ok(Command::DecideAppeal {
        cadre_id: "a".into(),
        on: day("2025-04-30"),
        by: "appeal body".into(),
        decision: Decision::Upheld,
    });
    assert_eq!(h.state("a"), ParticipantState::AppealDecided);
    assert!(h.state("a").is_terminal());
    assert_eq!(h.cycle.participant("a").and_then(|p| p.outcome), Some(Basic.into()));
    for command in [
        Command::RequestAppeal { cadre_id: "a".into(), on: day("2025-05-01") },
        Command::RequestReview { cadre_id: "a".into(), on: day("2025-05-01") },
        Command::Notify { cadre_id: "a".into(), on: day("2025-05-01") },
    ] {
        assert_eq!(h.refused(command), "STEP_OUT_OF_ORDER");
    }
}

#[test]
fn direct_appeal_and_a_wider_scope() {
    let mut policy = AssessmentPolicy::default();
    policy.recourse.scope = ReviewScope::AnyOutcome;
    let mut h = incompetent_cycle(policy);
    let effects = h.ok(Command::RequestAppeal { cadre_id: "b".into(), on: day("2025-02-10") });
    assert!(matches!(effects[0], Effect::AppealRequested { direct: true, .. }));
    h.ok(Command::RequestReview { cadre_id: "c".into(), on: day("2025-02-10") });
    // A review may not raise the result to 优秀 past the quota: 3 people, 20 % = 0.6 → 1 place, free.
    h.ok(Command::DecideReview {
        cadre_id: "c".into(),
        on: day("2025-02-11"),
        by: "body".into(),
        decision: Decision::Changed(Excellent.into()),
    });
    let mut policy = AssessmentPolicy::default();
    policy.recourse.scope = ReviewScope::AnyOutcome;
    policy.quota.excellent_cap_bp = 0;
    let mut h = incompetent_cycle(policy);
    h.ok(Command::RequestReview { cadre_id: "c".into(), on: day("2025-02-10") });
    assert_eq!(
        h.refused(Command::DecideReview {
            cadre_id: "c".into(),
            on: day("2025-02-11"),
            by: "body".into(),
            decision: Decision::Changed(Excellent.into()),
        }),
        "QUOTA_EXCEEDED"
    );
    let mut policy = AssessmentPolicy::default();
    policy.recourse.direct_appeal_days = 0;
    let mut h = incompetent_cycle(policy);
    assert_eq!(
        h.refused(Command::RequestAppeal { cadre_id: "a".into(), on: day("2025-02-10") }),
        "RECOURSE_NOT_AVAILABLE"
    );
}

#[test]
fn deferred_participants_are_supplemented_after_the_cycle_closed() {
    let mut h = Harness::staffed(4);
    let facts = crate::domain::participation::Facts { open_investigation: true, ..Default::default() };
    let deferred = participation(year(), &facts, &h.policy.participation);
    h.enrol("inv", Constraints { participation: deferred, linkage: LinkageVerdict::none() });
    h.publicise();
    h.determine().expect("determine");
    for i in 1..=4 {
        h.ok(Command::Notify { cadre_id: format!("c{i}"), on: day("2025-01-22") });
    }
    h.ok(Command::Close { on: day("2025-01-23") });
    assert_eq!(h.state("inv"), ParticipantState::AwaitingSupplement);

    let still = Constraints {
        participation: participation(year(), &facts, &h.policy.participation),
        linkage: LinkageVerdict::none(),
    };
    assert_eq!(
        h.refused(Command::Supplement { cadre_id: "inv".into(), constraints: still }),
        "STILL_DEFERRED"
    );
    let closure = InvestigationClosure {
        closed_on: day("2025-04-01"),
        sanction: Some(Measure::new(MeasureKind::GovernmentWarning, day("2025-04-01"), day("2025-09-30"))),
    };
    let after = after_investigation(year(), &facts, &closure, &h.policy.participation);
    h.ok(Command::Supplement {
        cadre_id: "inv".into(),
        constraints: Constraints { participation: after, linkage: LinkageVerdict::none() },
    });
    assert_eq!(h.state("inv"), ParticipantState::Enrolled);
    let late = |outcome: Outcome| Command::Propose {
        cadre_id: "inv".into(),
        proposal: proposal(outcome, "2025-04-05"),
    };
    assert_eq!(h.refused(late(Competent.into())), "STEP_OUT_OF_ORDER", "the summary comes first");
    h.ok(Command::SubmitSummary { cadre_id: "inv".into(), on: day("2025-04-02") });
    assert_eq!(h.refused(late(Excellent.into())), "GRADE_ABOVE_CEILING");
    h.ok(late(Competent.into()));
    // Others cannot be re-proposed after the determination.
    assert_eq!(h.propose("c1", Basic.into()).map_err(|e| e.reason()), Err("STEP_OUT_OF_ORDER"));
    let effects = h.ok(Command::DetermineLate {
        cadre_id: "inv".into(),
        on: day("2025-04-10"),
        by: DeterminedBy::UnitHead,
        recorded_by: "hr".into(),
        publicised_until: None,
    });
    assert_eq!(effects, [Effect::Determined { cadre_id: "inv".into(), outcome: Competent.into() }]);
    h.ok(Command::Notify { cadre_id: "inv".into(), on: day("2025-04-11") });
    assert_eq!(h.cycle.state, CycleState::Closed);
}

#[test]
fn a_late_excellent_needs_its_own_publicity_and_a_place() {
    let mut h = Harness::staffed(9);
    h.propose("c1", Excellent.into()).expect("c1");
    h.enrol("inv", forced(Outcome::Deferred));
    // 10 people: 2 places.
    h.publicise();
    h.determine().expect("determine");
    h.ok(Command::Supplement { cadre_id: "inv".into(), constraints: Constraints::open() });
    h.ok(Command::SubmitSummary { cadre_id: "inv".into(), on: day("2025-04-02") });
    h.ok(Command::Propose { cadre_id: "inv".into(), proposal: proposal(Excellent.into(), "2025-04-05") });
    let late = |until: Option<&str>| Command::DetermineLate {
        cadre_id: "inv".into(),
        on: day("2025-04-20"),
        by: DeterminedBy::UnitHead,
        recorded_by: "hr".into(),
        publicised_until: until.map(day),
    };
    assert_eq!(h.refused(late(None)), "EXCELLENT_NEEDS_PUBLICITY");
    assert_eq!(h.refused(late(Some("2025-04-20"))), "PUBLICITY_NOT_OVER");
    h.ok(late(Some("2025-04-15")));
    assert_eq!(h.cycle.determined_excellent(), 2);
}

#[test]
fn dates_follow_the_steps() {
    let mut h = Harness::staffed(2);
    h.publicise();
    h.determine().expect("determine");
    assert_eq!(
        h.refused(Command::Notify { cadre_id: "c1".into(), on: day("2025-01-19") }),
        "DATE_OUT_OF_ORDER"
    );
    h.ok(Command::Notify { cadre_id: "c1".into(), on: day("2025-01-20") });
    assert_eq!(
        h.refused(Command::Acknowledge { cadre_id: "c1".into(), on: day("2025-01-19") }),
        "DATE_OUT_OF_ORDER"
    );
    assert_eq!(
        h.refused(Command::Enrol { cadre_id: "x".into(), constraints: Constraints::open() }),
        "STEP_OUT_OF_ORDER"
    );
    assert_eq!(h.refused(Command::Unenrol { cadre_id: "c2".into() }), "STEP_OUT_OF_ORDER");
}

#[test]
fn a_cycle_survives_a_json_round_trip() {
    let mut h = incompetent_cycle(AssessmentPolicy::default());
    h.ok(Command::RequestReview { cadre_id: "a".into(), on: day("2025-02-04") });
    let json = serde_json::to_string(&h.cycle).expect("serialise");
    assert!(json.contains("\"year\":2024") && json.contains("\"INCOMPETENT\""), "{json}");
    let back: Cycle = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, h.cycle);
}

#[test]
fn codes_round_trip() {
    for s in CycleState::ALL {
        assert_eq!(CycleState::from_code(s.code()), Some(*s));
    }
    for s in ParticipantState::ALL {
        assert_eq!(ParticipantState::from_code(s.code()), Some(*s));
    }
    for s in DeterminedBy::ALL {
        assert_eq!(DeterminedBy::from_code(s.code()), Some(*s));
    }
    let terminal: Vec<_> = ParticipantState::ALL.iter().filter(|s| s.is_terminal()).collect();
    assert_eq!(terminal, [&ParticipantState::AppealDecided]);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    const PEOPLE: [&str; 3] = ["p0", "p1", "p2"];

    /// A command with its target and outcome chosen by index; dates come from a clock that only moves on.
    #[derive(Debug, Clone)]
    enum Op {
        Enrol(usize, u8),
        Unenrol(usize),
        Update(usize, u8),
        Summary(usize),
        Propose(usize, usize),
        Approve,
        Publicise,
        Cancel,
        Object(usize),
        Resolve(usize, bool),
        Determine,
        Close,
        Notify(usize),
        Sign(usize, bool),
        Review(usize),
        DecideReview(usize, Option<usize>),
        Appeal(usize),
        DecideAppeal(usize, Option<usize>),
        Supplement(usize, u8),
        DetermineLate(usize),
        /// The natural next step of a participant (the flag picks between two).
        Advance(usize, bool),
        /// The natural next step of the cycle.
        AdvanceCycle,
    }

    fn op() -> impl Strategy<Value = Op> {
        let who = 0..PEOPLE.len();
        let random = prop_oneof![
            (who.clone(), 0..6u8).prop_map(|(w, c)| Op::Enrol(w, c)),
            who.clone().prop_map(Op::Unenrol),
            (who.clone(), 0..6u8).prop_map(|(w, c)| Op::Update(w, c)),
            who.clone().prop_map(Op::Summary),
            (who.clone(), 0..Outcome::ALL.len()).prop_map(|(w, o)| Op::Propose(w, o)),
            Just(Op::Approve),
            Just(Op::Publicise),
            Just(Op::Cancel),
            who.clone().prop_map(Op::Object),
            (0..4usize, any::<bool>()).prop_map(|(i, u)| Op::Resolve(i, u)),
            Just(Op::Determine),
            Just(Op::Close),
            who.clone().prop_map(Op::Notify),
            (who.clone(), any::<bool>()).prop_map(|(w, s)| Op::Sign(w, s)),
            who.clone().prop_map(Op::Review),
            (who.clone(), proptest::option::of(0..Outcome::ALL.len()))
                .prop_map(|(w, o)| Op::DecideReview(w, o)),
            who.clone().prop_map(Op::Appeal),
            (who.clone(), proptest::option::of(0..Outcome::ALL.len()))
                .prop_map(|(w, o)| Op::DecideAppeal(w, o)),
            (who.clone(), 0..6u8).prop_map(|(w, c)| Op::Supplement(w, c)),
            who.clone().prop_map(Op::DetermineLate),
        ];
        // Random commands alone rarely get past the determination; the guided steps take the procedure
        // to its end while the random ones keep trying every command in every state.
        prop_oneof![
            2 => random,
            3 => (who, any::<bool>()).prop_map(|(w, b)| Op::Advance(w, b)),
            1 => Just(Op::AdvanceCycle),
        ]
    }

    /// The step a participant would naturally take next.
    fn next_step(cycle: &Cycle, w: usize, flag: bool, today: NaiveDate) -> Command {
        use ParticipantState::*;
        let cadre_id = PEOPLE[w].to_owned();
        let Some(p) = cycle.participant(&cadre_id) else {
            return Command::Enrol { cadre_id, constraints: constraints(if flag { 0 } else { 2 }) };
        };
        let on = today;
        match p.state {
            Enrolled if p.constraints.participation.summary_required() => {
                Command::SubmitSummary { cadre_id, on }
            }
            Enrolled | SummarySubmitted | Excluded => {
                let outcome = p.constraints.participation.forced.unwrap_or(if flag {
                    Excellent.into()
                } else {
                    p.constraints.linkage.best_allowed.unwrap_or(Competent).stricter(Competent).into()
                });
                Command::Propose {
                    cadre_id,
                    proposal: Proposal { proposed_on: on, ..proposal(outcome, "2025-01-01") },
                }
            }
            Proposed => Command::DetermineLate {
                cadre_id,
                on,
                by: DeterminedBy::UnitHead,
                recorded_by: "hr".into(),
                publicised_until: Some(on - Days::new(1)),
            },
            Determined => Command::Notify { cadre_id, on },
            Notified if flag => Command::Acknowledge { cadre_id, on },
            Notified => Command::RecordRefusalToSign { cadre_id, on },
            Acknowledged | RefusedToSign if flag => Command::RequestReview { cadre_id, on },
            Acknowledged | RefusedToSign | ReviewDecided => Command::RequestAppeal { cadre_id, on },
            ReviewRequested => Command::DecideReview {
                cadre_id,
                on,
                by: "body".into(),
                decision: if flag { Decision::Upheld } else { Decision::Changed(Basic.into()) },
            },
            AppealRequested => {
                Command::DecideAppeal { cadre_id, on, by: "body".into(), decision: Decision::Upheld }
            }
            AwaitingSupplement => {
                Command::Supplement { cadre_id, constraints: constraints(if flag { 0 } else { 2 }) }
            }
            AppealDecided => Command::Close { on },
        }
    }

    /// The step the cycle would naturally take next.
    fn next_cycle_step(cycle: &Cycle, today: NaiveDate) -> Command {
        match cycle.state {
            CycleState::Open => Command::StartPublicity { starts_on: today, ends_on: today + Days::new(2) },
            CycleState::Publicity => match cycle.unresolved_objections().first() {
                Some(index) => Command::ResolveObjection {
                    index: *index,
                    upheld: index % 2 == 0,
                    on: today,
                    by: "c".into(),
                    note: String::new(),
                },
                None => {
                    Command::Determine { on: today, by: DeterminedBy::Committee, recorded_by: "hr".into() }
                }
            },
            CycleState::Determined | CycleState::Closed => Command::Close { on: today },
        }
    }

    fn constraints(kind: u8) -> Constraints {
        match kind {
            0 | 1 => Constraints::open(),
            2 => ceiling(Competent),
            3 => forced(Outcome::Undetermined),
            4 => forced(Outcome::Deferred),
            _ => forced(Outcome::NotParticipating),
        }
    }

    fn command(op: &Op, today: NaiveDate, cycle: &Cycle) -> Command {
        let id = |w: usize| PEOPLE[w].to_owned();
        let outcome = |o: usize| Outcome::ALL[o];
        let decision = |o: Option<usize>| o.map_or(Decision::Upheld, |o| Decision::Changed(outcome(o)));
        match op {
            Op::Enrol(w, c) => Command::Enrol { cadre_id: id(*w), constraints: constraints(*c) },
            Op::Unenrol(w) => Command::Unenrol { cadre_id: id(*w) },
            Op::Update(w, c) => Command::UpdateConstraints { cadre_id: id(*w), constraints: constraints(*c) },
            Op::Summary(w) => Command::SubmitSummary { cadre_id: id(*w), on: today },
            Op::Propose(w, o) => Command::Propose {
                cadre_id: id(*w),
                proposal: Proposal { proposed_on: today, ..proposal(outcome(*o), "2025-01-01") },
            },
            Op::Approve => Command::RecordApproval {
                approval: ExcellentApproval {
                    approved_by: "b".into(),
                    reference: "r".into(),
                    approved_on: today,
                },
            },
            Op::Publicise => Command::StartPublicity { starts_on: today, ends_on: today + Days::new(5) },
            Op::Cancel => Command::CancelPublicity { on: today },
            Op::Object(w) => {
                Command::RaiseObjection { against: id(*w), on: today, raised_by: None, text: "t".into() }
            }
            Op::Resolve(i, upheld) => Command::ResolveObjection {
                index: *i,
                upheld: *upheld,
                on: today,
                by: "c".into(),
                note: String::new(),
            },
            Op::Determine => {
                Command::Determine { on: today, by: DeterminedBy::Committee, recorded_by: "hr".into() }
            }
            Op::Close => Command::Close { on: today },
            Op::Notify(w) => Command::Notify { cadre_id: id(*w), on: today },
            Op::Sign(w, true) => Command::Acknowledge { cadre_id: id(*w), on: today },
            Op::Sign(w, false) => Command::RecordRefusalToSign { cadre_id: id(*w), on: today },
            Op::Review(w) => Command::RequestReview { cadre_id: id(*w), on: today },
            Op::DecideReview(w, o) => Command::DecideReview {
                cadre_id: id(*w),
                on: today,
                by: "body".into(),
                decision: decision(*o),
            },
            Op::Appeal(w) => Command::RequestAppeal { cadre_id: id(*w), on: today },
            Op::DecideAppeal(w, o) => Command::DecideAppeal {
                cadre_id: id(*w),
                on: today,
                by: "body".into(),
                decision: decision(*o),
            },
            Op::Supplement(w, c) => Command::Supplement { cadre_id: id(*w), constraints: constraints(*c) },
            Op::Advance(w, flag) => next_step(cycle, *w, *flag, today),
            Op::AdvanceCycle => next_cycle_step(cycle, today),
            Op::DetermineLate(w) => Command::DetermineLate {
                cadre_id: id(*w),
                on: today,
                by: DeterminedBy::UnitHead,
                recorded_by: "hr".into(),
                // Past publicity for a late 优秀, so the path is reachable.
                publicised_until: cycle.publicity.as_ref().map(|p| p.ends_on),
            },
        }
    }

    /// The participant steps the procedure allows, written independently of the implementation.
    fn allowed(from: ParticipantState, to: ParticipantState) -> bool {
        use ParticipantState::*;
        from == to
            || matches!(
                (from, to),
                (Enrolled, SummarySubmitted | Proposed | Excluded | AwaitingSupplement)
                    | (SummarySubmitted, Proposed | Excluded | AwaitingSupplement)
                    | (Proposed, Enrolled | SummarySubmitted | Excluded | Determined | AwaitingSupplement)
                    | (Excluded, Enrolled | SummarySubmitted)
                    | (AwaitingSupplement, Enrolled | SummarySubmitted)
                    | (Determined, Notified)
                    | (Notified, Acknowledged | RefusedToSign | ReviewRequested | AppealRequested)
                    | (Acknowledged | RefusedToSign, ReviewRequested | AppealRequested)
                    | (ReviewRequested, ReviewDecided)
                    | (ReviewDecided, AppealRequested)
                    | (AppealRequested, AppealDecided)
            )
    }

    fn cycle_allowed(from: CycleState, to: CycleState) -> bool {
        use CycleState::*;
        from == to
            || matches!((from, to), (Open, Publicity) | (Publicity, Open | Determined) | (Determined, Closed))
    }

    /// Every step reached has the records of the steps before it.
    fn check_trail(p: &Participant) -> Result<(), TestCaseError> {
        use ParticipantState::*;
        let s = p.state;
        let determined = matches!(
            s,
            Determined
                | Notified
                | Acknowledged
                | RefusedToSign
                | ReviewRequested
                | ReviewDecided
                | AppealRequested
                | AppealDecided
        );
        if determined {
            prop_assert!(p.proposal.is_some(), "{} {s} without a proposal", p.cadre_id);
            prop_assert!(p.determination.is_some() && p.outcome.is_some());
            prop_assert!(
                p.summary_on.is_some() || !p.constraints.participation.summary_required(),
                "{} {s} without a summary",
                p.cadre_id
            );
        }
        if s == Proposed {
            prop_assert!(p.proposal.is_some());
            prop_assert!(p.summary_on.is_some() || !p.constraints.participation.summary_required());
        }
        if determined && s != Determined {
            prop_assert!(p.notified_on.is_some());
        }
        if matches!(s, ReviewRequested | ReviewDecided) {
            prop_assert!(p.review.is_some());
        }
        if s == ReviewDecided {
            prop_assert!(p.review.as_ref().is_some_and(|r| r.decision.is_some()));
        }
        if matches!(s, AppealRequested | AppealDecided) {
            prop_assert!(p.appeal.is_some());
        }
        if s == AppealDecided {
            prop_assert!(p.appeal.as_ref().is_some_and(|r| r.decision.is_some()));
        }
        if s == AwaitingSupplement {
            prop_assert!(p.outcome.is_none());
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn terminal_states_are_final_and_no_step_is_skipped(
            ops in proptest::collection::vec((op(), 0..3u64), 1..120)
        ) {
            let mut policy = AssessmentPolicy { publicity_working_days: 1, ..AssessmentPolicy::default() };
            // Recourse for every result, so reviews and appeals are reached often.
            policy.recourse.scope = ReviewScope::AnyOutcome;
            let ctx = Context { policy: &policy, calendar: &NoRestDays };
            let mut cycle = Cycle::new(year());
            let mut today = day("2025-01-01");
            for (op, gap) in ops {
                today = today + Days::new(gap);
                let before = cycle.clone();
                let command = command(&op, today, &cycle);
                match cycle.apply(command, &ctx) {
                    Err(_) => prop_assert_eq!(&cycle, &before),
                    Ok(_) => {
                        prop_assert!(cycle_allowed(before.state, cycle.state), "{} → {}", before.state, cycle.state);
                        if before.state == CycleState::Closed {
                            prop_assert_eq!(cycle.state, CycleState::Closed);
                        }
                        for old in &before.participants {
                            match cycle.participant(&old.cadre_id) {
                                None => prop_assert!(
                                    before.state == CycleState::Open
                                        && (old.state.is_before_determination()
                                            || old.state == ParticipantState::Excluded),
                                    "{} removed in {}", old.cadre_id, old.state
                                ),
                                Some(new) => {
                                    prop_assert!(
                                        allowed(old.state, new.state),
                                        "{}: {} → {}", old.cadre_id, old.state, new.state
                                    );
                                    if old.state.is_terminal() {
                                        prop_assert_eq!(new, old);
                                    }
                                    if old.state == ParticipantState::Excluded
                                        && !matches!(before.state, CycleState::Open | CycleState::Publicity)
                                    {
                                        prop_assert_eq!(new.state, ParticipantState::Excluded);
                                    }
                                }
                            }
                        }
                    }
                }
                for p in &cycle.participants {
                    check_trail(p)?;
                }
                let excellent = cycle.determined_excellent();
                prop_assert!(cycle.check_quota(excellent, &policy).is_ok(), "{excellent} 优秀 past the cap");
            }
        }
    }
}

//! Cases between their rows and the state machine of `domain::case`: a case is rebuilt from its rows, a
//! command applied to it (refused with nothing changed, or accepted with its effects), and the rows written
//! back in the same transaction. A discipline opinion that arrived before its case could take it waits in
//! `pending_opinions` and is recorded by the step that brings the case into its 考察.

use cadre_platform::{
    ApiError, CallContext, DbConn, Tx,
    audit::{self, AuditEntry},
    clock,
};
use cadre_proto::rank as pb;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tonic::Code;

use crate::{
    domain::{
        Grade, RankPolicy,
        case::{
            Attestation, Authority, Case, CaseKind, CaseState, CloseReason, Command, Criterion, Decision,
            DemotionBasis, Effect, Objection, Publicity, RecommendationMethod, RecommendationRecord, Refusal,
            Votes,
        },
    },
    events,
    store::{
        self,
        cases::{AttestationRow, CaseFile, CaseRow, PendingOpinionRow},
    },
    view,
    workflow::holdings,
};

/// The stored form of the 推荐/测评.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecommendationJson {
    /// Method code.
    pub method: RecommendationMethod,
    /// Ballots cast.
    pub ballots: u32,
    /// In favour.
    pub in_favour: u32,
    /// Against.
    pub against: u32,
    /// Abstentions.
    pub abstentions: u32,
    /// When held.
    pub held_on: Option<NaiveDate>,
}

impl RecommendationJson {
    /// The vote as the rules read it. The contract records no electorate, so the ballots stand for it.
    pub fn votes(&self) -> Votes {
        Votes {
            eligible: self.ballots,
            cast: self.ballots,
            in_favour: self.in_favour,
            against: self.against,
            abstained: self.abstentions,
        }
    }
}

/// The stored form of the discipline-inspection opinion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionJson {
    /// No objection.
    pub clear: bool,
    /// The opinion.
    pub note: String,
    /// Who gave it.
    pub given_by: String,
    /// When.
    pub given_on: NaiveDate,
}

/// The recommendation stored on a case, if any.
pub fn recommendation(row: &CaseRow) -> Option<RecommendationJson> {
    (!row.recommendation.is_empty()).then(|| serde_json::from_str(&row.recommendation).ok()).flatten()
}

/// The discipline-inspection opinion stored on a case, if any.
pub fn opinion(row: &CaseRow) -> Option<OpinionJson> {
    (!row.discipline_opinion.is_empty()).then(|| serde_json::from_str(&row.discipline_opinion).ok()).flatten()
}

/// The statutory ground of a demotion, read from its grounds as written.
pub fn demotion_basis(grounds: &str) -> DemotionBasis {
    if grounds.contains("撤职") {
        DemotionBasis::DismissedFromPost
    } else if grounds.contains("降职") {
        DemotionBasis::DemotedInPost
    } else if grounds.contains("不称职") {
        DemotionBasis::Incompetent
    } else {
        DemotionBasis::Other
    }
}

fn corrupt(row: &CaseRow) -> ApiError {
    ApiError::internal(format!("case {} is not readable", row.id))
}

/// The case as the rules see it. The 公示 minimum is the one in force when the case opened.
pub fn domain_case(file: &CaseFile, opened_policy: &RankPolicy) -> Result<Case, ApiError> {
    let row = &file.case;
    let kind = CaseKind::from_code(&row.kind).ok_or_else(|| corrupt(row))?;
    let state = CaseState::from_code(&row.state).ok_or_else(|| corrupt(row))?;
    let to = Grade::from_code(&row.to_grade).ok_or_else(|| corrupt(row))?;
    let from = Grade::from_code(&row.from_grade);
    let authority = Authority::from_code(&row.authority).ok_or_else(|| corrupt(row))?;
    let mut attestations: Vec<Attestation> = file
        .attestations
        .iter()
        .filter_map(|a| {
            Criterion::from_code(&a.criterion)
                .map(|criterion| Attestation { criterion, favourable: a.favourable })
        })
        .collect();
    if let Some(opinion) = opinion(row) {
        attestations.push(Attestation { criterion: Criterion::DisciplineOpinion, favourable: opinion.clear });
    }
    attestations.sort_by_key(|a| a.criterion);
    let publicity = match (row.publicity_first_day, row.publicity_last_day) {
        (Some(starts_on), Some(ends_on)) => Some(Publicity {
            starts_on,
            ends_on,
            working_days: u32::try_from(row.publicity_working_days).unwrap_or(0),
        }),
        _ => None,
    };
    let objections = file
        .objections
        .iter()
        .map(|o| Objection {
            id: u32::try_from(o.seq).unwrap_or(0),
            raised_on: o.raised_at.date(),
            upheld: o.resolved.then_some(o.upheld),
        })
        .collect();
    let closed = match state {
        CaseState::Approved => Some(CloseReason::Approved),
        CaseState::Withdrawn => Some(CloseReason::Withdrawn),
        CaseState::Rejected if file.objections.iter().any(|o| o.upheld) => Some(CloseReason::ObjectionUpheld),
        CaseState::Rejected => Some(CloseReason::RejectedByAuthority),
        _ => None,
    };
    let decision = match state {
        CaseState::Approved => Some(Decision { authority, approved: true, effective: row.effective_date }),
        CaseState::Rejected if closed == Some(CloseReason::RejectedByAuthority) => {
            Some(Decision { authority, approved: false, effective: None })
        }
        _ => None,
    };
    Ok(Case {
        kind,
        from,
        to,
        state,
        authority,
        filing_required: row.filed_with_city,
        min_publicity_working_days: opened_policy.case.publicity_working_days,
        demotion_basis: (kind == CaseKind::Demotion).then(|| demotion_basis(&row.plan)),
        plan_adopted_on: (kind == CaseKind::Promotion && state != CaseState::Draft)
            .then(|| row.created_at.date()),
        recommendation: recommendation(row)
            .map(|r| RecommendationRecord { method: r.method, votes: r.votes() }),
        attestations,
        publicity,
        objections,
        decision,
        filed_on: None,
        closed,
    })
}

/// A refusal of the rules as the caller sees it: FAILED_PRECONDITION with the rule's reason, except a body
/// deciding a case that is not theirs (PERMISSION_DENIED).
pub fn refusal(refusal: &Refusal) -> ApiError {
    let code = match refusal {
        Refusal::AuthorityMismatch { .. } => Code::PermissionDenied,
        _ => Code::FailedPrecondition,
    };
    let mut error = ApiError::new(code, refusal.reason(), refusal.to_string());
    if let Refusal::QuotaFull(full) = refusal {
        error = error
            .with_metadata("cap", full.cap_code.clone())
            .with_metadata("limit", full.limit.to_string())
            .with_metadata("used", full.used.to_string());
    }
    error
}

/// Applies a command to the case, or refuses with nothing changed.
pub fn apply(case: &mut Case, command: Command) -> Result<Vec<Effect>, ApiError> {
    case.apply(command).map_err(|r| refusal(&r))
}

/// Copies what the rules changed back into the case's row and bumps its version.
pub fn write_back(row: &mut CaseRow, case: &Case) {
    row.state = case.state.code().to_owned();
    row.is_open = !case.state.is_terminal();
    if let Some(p) = case.publicity {
        row.publicity_first_day = Some(p.starts_on);
        row.publicity_last_day = Some(p.ends_on);
        row.publicity_working_days = i32::try_from(p.working_days).unwrap_or(i32::MAX);
    }
    row.version += 1;
    row.updated_at = clock::now();
}

/// Loads a case with everything recorded on it; NOT_FOUND when absent.
pub fn load(conn: &mut DbConn, id: &str) -> Result<CaseFile, ApiError> {
    store::cases::file(conn, id)?.ok_or_else(|| not_found(id))
}

/// The answer for a case that is absent or out of the caller's scope (they answer alike).
pub fn not_found(id: &str) -> ApiError {
    ApiError::not_found("CASE_NOT_FOUND", format!("no case {id}"))
        .with_violation("case_id", "no such case in your scope")
}

/// Stores an attestation of the 考察.
pub fn put_attestation(
    conn: &mut DbConn,
    case_id: &str,
    criterion: Criterion,
    favourable: bool,
    note: &str,
    by: &str,
) -> Result<(), ApiError> {
    store::cases::put_attestation(
        conn,
        &AttestationRow {
            case_id: case_id.to_owned(),
            criterion: criterion.code().to_owned(),
            favourable,
            note: note.to_owned(),
            attested_by: by.to_owned(),
            recorded_at: clock::now(),
        },
    )
}

/// The policy a case was opened under (its 公示 minimum and bodies are fixed then).
pub fn opened_policy(conn: &mut DbConn, row: &CaseRow) -> Result<RankPolicy, ApiError> {
    store::policy::on(conn, row.created_at.date())
}

/// What a step does to the case, its row and the rows recorded on it.
pub type StepBody<'b> =
    Box<dyn FnOnce(&mut DbConn, &mut CaseFile, &mut Case) -> Result<Vec<Effect>, ApiError> + 'b>;

/// Runs one step on a loaded case inside the transaction: rebuilds it for the rules, runs `body`, settles
/// the opinion kept for the case (see [`settle_pending`]), writes it back (version-checked) and publishes
/// its closing. Returns the case afterwards and the effects. Who may
/// take the step is the caller's to check before.
pub fn run_step(
    tx: &mut Tx<'_>,
    mut file: CaseFile,
    body: StepBody<'_>,
) -> Result<(pb::RankCase, Vec<Effect>), ApiError> {
    let conn = tx.conn();
    let opened = opened_policy(conn, &file.case)?;
    let mut case = domain_case(&file, &opened)?;
    let mut effects = body(conn, &mut file, &mut case)?;
    effects.extend(settle_pending(conn, &mut file, &mut case)?);
    write_back(&mut file.case, &case);
    store::cases::update(conn, &file.case)?;
    let id = file.case.id;
    let file = load(conn, &id)?;
    let answer = view::case(&file);
    tx.set_object("rank_case", &id);
    let closed = effects
        .iter()
        .any(|e| matches!(e, Effect::StateChanged { to: CaseState::Rejected | CaseState::Withdrawn, .. }));
    if closed {
        events::case_closed(tx, &answer)?;
    }
    Ok((answer, effects))
}

/// The step of the discipline-inspection opinion, from the inspector (`RecordDisciplineOpinion`) or the
/// discipline body through the oversight service's feed: the rules take it as the fifth criterion of the
/// 考察 (refused outside it), and the case keeps it as given.
pub fn opinion_step(opinion: OpinionJson) -> StepBody<'static> {
    Box::new(move |_, file, case| {
        let effects = apply(
            case,
            Command::Attest { criterion: Criterion::DisciplineOpinion, favourable: opinion.clear },
        )?;
        file.case.discipline_opinion = serde_json::to_string(&opinion)
            .map_err(|e| ApiError::internal(format!("the opinion cannot be stored: {e}")))?;
        Ok(effects)
    })
}

/// What becomes of the discipline opinion kept for a case once a step has run on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingFate {
    /// The case has not reached its 考察 yet: the opinion keeps waiting.
    Wait,
    /// The case is in its 考察 without an opinion: the opinion is recorded on it now.
    Record,
    /// The case has an opinion already (the first one stands, and the inspector's wins over one still
    /// waiting), is closed, or never takes one (a demotion): the opinion is forgotten.
    Drop,
}

/// The fate of an opinion kept for a case of `kind` in `state`. Only a promotion takes an opinion, in its
/// 考察 (the rules' `Command::Attest`); one answered earlier waits for it.
pub fn pending_fate(kind: CaseKind, state: CaseState, has_opinion: bool) -> PendingFate {
    if has_opinion || state.is_terminal() || kind != CaseKind::Promotion {
        return PendingFate::Drop;
    }
    match state {
        CaseState::Draft | CaseState::Recommendation => PendingFate::Wait,
        CaseState::Inspection => PendingFate::Record,
        _ => PendingFate::Drop,
    }
}

/// The fate of an opinion for the case of `row` as it stands; `None` for a row the rules cannot read.
pub fn pending_fate_of(row: &CaseRow) -> Option<PendingFate> {
    let kind = CaseKind::from_code(&row.kind)?;
    let state = CaseState::from_code(&row.state)?;
    Some(pending_fate(kind, state, !row.discipline_opinion.is_empty()))
}

/// Settles the opinion kept for a case after a step on it, inside the step: the step that moves the case
/// into its 考察 records it (one write of the case with the step's own change), a case that got its opinion
/// otherwise or closed forgets it. Returns the effects of recording it.
fn settle_pending(conn: &mut DbConn, file: &mut CaseFile, case: &mut Case) -> Result<Vec<Effect>, ApiError> {
    let Some(pending) = store::cases::pending_opinion(conn, &file.case.id)? else { return Ok(Vec::new()) };
    let fate = pending_fate(case.kind, case.state, !file.case.discipline_opinion.is_empty());
    match fate {
        PendingFate::Wait => Ok(Vec::new()),
        PendingFate::Drop => {
            tracing::info!(
                case_id = %pending.case_id,
                opinion_id = %pending.opinion_id,
                state = %case.state,
                "dropped an integrity opinion the case no longer takes"
            );
            store::cases::drop_pending_opinion(conn, &pending.case_id)?;
            Ok(Vec::new())
        }
        PendingFate::Record => {
            let PendingOpinionRow { case_id, clear, note, given_by, given_on, opinion_id, .. } = pending;
            let effects = opinion_step(OpinionJson { clear, note, given_by, given_on })(conn, file, case)?;
            store::cases::drop_pending_opinion(conn, &case_id)?;
            tracing::info!(%case_id, %opinion_id, "recorded the integrity opinion that waited for the 考察");
            // The caller's own audit record names their step; this one says the opinion on the case came
            // from the oversight feed, as the follower's own record would had the case been ready.
            let entry = AuditEntry {
                method: "follow/oversight".to_owned(),
                object_type: "rank_case".to_owned(),
                object_id: case_id,
                outcome: "OK".to_owned(),
                request_id: String::new(),
            };
            audit::append(conn, &CallContext::system(holdings::SYSTEM), &entry)?;
            Ok(effects)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::CasePolicy;

    #[test]
    fn an_opinion_waits_for_the_inspection_of_a_promotion() {
        use CaseKind::{Demotion, Promotion};
        use CaseState as S;
        use PendingFate::{Drop, Record, Wait};
        let vectors = [
            (Promotion, S::Draft, false, Wait),
            (Promotion, S::Recommendation, false, Wait),
            (Promotion, S::Inspection, false, Record),
            (Promotion, S::Inspection, true, Drop),
            (Promotion, S::Recommendation, true, Drop),
            (Promotion, S::Publicity, false, Drop),
            (Promotion, S::AwaitingApproval, false, Drop),
            (Promotion, S::Approved, false, Drop),
            (Promotion, S::Rejected, false, Drop),
            (Promotion, S::Withdrawn, false, Drop),
            (Demotion, S::Draft, false, Drop),
            (Demotion, S::AwaitingApproval, false, Drop),
        ];
        for (kind, state, has_opinion, fate) in vectors {
            assert_eq!(pending_fate(kind, state, has_opinion), fate, "{kind} {state} {has_opinion}");
        }
    }

    /// The rule agrees with the state machine: an opinion is recorded exactly where the rules take it.
    #[test]
    fn an_opinion_is_recorded_where_the_rules_take_it() {
        let policy = CasePolicy::default();
        for kind in CaseKind::ALL {
            for state in CaseState::ALL {
                let mut case = match kind {
                    CaseKind::Promotion => {
                        Case::promotion(Some(Grade::Staff1), Grade::PrincipalStaff4, &policy)
                    }
                    CaseKind::Demotion => {
                        Case::demotion(Grade::PrincipalStaff4, DemotionBasis::Other, &policy)
                    }
                }
                .unwrap();
                case.state = *state;
                let taken = case
                    .apply(Command::Attest { criterion: Criterion::DisciplineOpinion, favourable: true })
                    .is_ok();
                let fate = pending_fate(*kind, *state, false);
                assert_eq!(fate == PendingFate::Record, taken, "{kind} {state}");
            }
        }
    }

    #[test]
    fn a_stored_case_is_read_for_its_fate() {
        let row = |kind: &str, state: &str, opinion: &str| CaseRow {
            id: "c".into(),
            kind: kind.into(),
            cadre_id: String::new(),
            cadre_name: String::new(),
            org_unit_id: String::new(),
            from_grade: String::new(),
            to_grade: String::new(),
            state: state.into(),
            is_open: true,
            plan: String::new(),
            quota_pool_id: String::new(),
            recommendation: String::new(),
            discipline_opinion: opinion.into(),
            publicity_first_day: None,
            publicity_last_day: None,
            publicity_working_days: 0,
            authority: String::new(),
            filed_with_city: false,
            decision_ref: String::new(),
            effective_date: None,
            new_level: 0,
            closing_reason: String::new(),
            opened_by: String::new(),
            decided_by: String::new(),
            version: 1,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
        };
        assert_eq!(pending_fate_of(&row("promotion", "recommendation", "")), Some(PendingFate::Wait));
        assert_eq!(pending_fate_of(&row("promotion", "inspection", "")), Some(PendingFate::Record));
        assert_eq!(pending_fate_of(&row("promotion", "recommendation", "{}")), Some(PendingFate::Drop));
        assert_eq!(pending_fate_of(&row("demotion", "draft", "")), Some(PendingFate::Drop));
        assert_eq!(pending_fate_of(&row("promotion", "limbo", "")), None);
    }
}

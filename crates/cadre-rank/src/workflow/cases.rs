//! Cases between their rows and the state machine of `domain::case`: a case is rebuilt from its rows, a
//! command applied to it (refused with nothing changed, or accepted with its effects), and the rows written
//! back in the same transaction.

use cadre_platform::{ApiError, DbConn, clock};
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
    store::{
        self,
        cases::{AttestationRow, CaseFile, CaseRow},
    },
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

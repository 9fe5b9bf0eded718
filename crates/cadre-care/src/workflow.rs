//! Steps more than one entry point takes, inside the caller's transaction: recording a reward (an RPC,
//! a confirmed proposal, the demo), opening a talk trigger (an RPC, a reward, an annual result, a
//! promotion), and applying an annual result's consequences (the assessment feed).

use cadre_platform::{ApiError, DbConn, Tx, clock};
use cadre_projection::{CadreView, store as projection};
use cadre_proto::assessment as assessment_pb;
use chrono::{Days, NaiveDate};

use crate::{
    domain::{
        codes::{ProposalState, RewardKind, TalkTriggerKind},
        reward::{self, ExistingProposal, ProposalAction},
    },
    events,
    store::{
        self,
        rewards::{self as reward_store, FollowedResult, ProposalRow, RewardRow},
        talks::{self as talk_store, TriggerRow},
    },
    view,
};

/// Who the service's own work is recorded as.
pub const SYSTEM_ACTOR: &str = "system:care";

/// Opens a talk trigger for `cadre`, due the policy's days after `occurred_on`. With an `origin_key` (a
/// trigger derived from another record) a second call finds the first trigger instead.
pub fn open_talk_trigger(
    conn: &mut DbConn,
    cadre: &CadreView,
    kind: TalkTriggerKind,
    occurred_on: NaiveDate,
    source_ref: &str,
    origin_key: Option<String>,
    recorded_by: &str,
) -> Result<TriggerRow, ApiError> {
    let policy = store::policy::on(conn, occurred_on)?;
    let due_on = occurred_on
        .checked_add_days(Days::new(u64::from(policy.talk.trigger_due_days)))
        .unwrap_or(NaiveDate::MAX);
    let row = TriggerRow {
        id: store::new_id(),
        cadre_id: cadre.id.clone(),
        cadre_name: cadre.name.clone(),
        org_unit_id: cadre.employing_unit_id.clone(),
        kind: kind.code().to_owned(),
        occurred_on,
        due_on,
        source_ref: source_ref.to_owned(),
        origin_key,
        talk_id: String::new(),
        recorded_by: recorded_by.to_owned(),
        recorded_at: clock::now(),
    };
    talk_store::insert_trigger(conn, &row)
}

/// Records a reward, publishes it, and for a person opens the talk a reward calls for.
pub fn record_reward(tx: &mut Tx<'_>, row: &RewardRow) -> Result<(), ApiError> {
    reward_store::insert(tx.conn(), row)?;
    events::reward_confirmed(tx, view::reward(row))?;
    if !row.collective
        && let Some(cadre) = projection::cadre(tx.conn(), &row.cadre_id)?
    {
        open_talk_trigger(
            tx.conn(),
            &cadre,
            TalkTriggerKind::Reward,
            row.award_date,
            &format!("rewards/{}", row.id),
            Some(format!("reward:{}", row.id)),
            &row.recorded_by,
        )?;
    }
    Ok(())
}

fn unreadable(what: &str) -> ApiError {
    ApiError::invalid_argument("EVENT_UNREADABLE", format!("an annual result without its {what}"))
}

/// Applies one published annual result: the proposals its consequences make or withdraw, and the talk a
/// 基本称职 or 不称职 result calls for. A revision not newer than the last seen changes nothing, so a
/// replayed or reordered delivery is harmless. Only the proposals of the `considered` kinds are made or
/// withdrawn: a relist knows a result's outcome but not every consequence. Returns how many proposals
/// changed.
pub fn apply_annual_result(
    tx: &mut Tx<'_>,
    published: &assessment_pb::AnnualResultPublishedEvent,
    considered: &[RewardKind],
) -> Result<usize, ApiError> {
    let result = published.result.as_ref().ok_or_else(|| unreadable("result"))?;
    if result.assessment_id.is_empty() || result.cadre_id.is_empty() {
        return Err(unreadable("assessment and cadre"));
    }
    let published_on = view::day(result.published_on.as_ref()).ok_or_else(|| unreadable("published_on"))?;
    let conn = tx.conn();
    if reward_store::followed(conn, &result.assessment_id)?
        .is_some_and(|seen| seen.revision >= result.revision)
    {
        return Ok(0);
    }
    reward_store::save_followed(
        conn,
        &FollowedResult {
            assessment_id: result.assessment_id.clone(),
            cadre_id: result.cadre_id.clone(),
            year: result.year,
            outcome: assessment_pb::AnnualOutcome::try_from(result.outcome)
                .map_or_else(|_| String::new(), |o| o.as_str_name().to_owned()),
            revision: result.revision,
            updated_at: clock::now(),
        },
    )?;
    let wanted: Vec<RewardKind> =
        published.consequences.iter().filter_map(|c| reward::kind_of_consequence(&c.code)).collect();
    let existing: Vec<ProposalRow> = reward_store::proposals_of(conn, &result.assessment_id)?;
    let known: Vec<ExistingProposal> = existing
        .iter()
        .filter_map(|p| {
            Some(ExistingProposal {
                id: p.id.clone(),
                kind: RewardKind::from_code(&p.kind)?,
                state: ProposalState::from_code(&p.state)?,
                revision: p.revision,
            })
        })
        .collect();
    let cadre = projection::cadre(conn, &result.cadre_id)?;
    let (name, unit) = cadre.as_ref().map_or_else(
        || (String::new(), published.org_unit_id.clone()),
        |c| (c.name.clone(), c.employing_unit_id.clone()),
    );
    let unit = if published.org_unit_id.is_empty() { unit } else { published.org_unit_id.clone() };
    let mut changed = 0;
    for action in reward::plan(result.revision, &wanted, &known) {
        let kind = match &action {
            ProposalAction::Propose(kind) => Some(*kind),
            ProposalAction::Withdraw(id) => known.iter().find(|p| &p.id == id).map(|p| p.kind),
        };
        if !kind.is_some_and(|k| considered.contains(&k)) {
            continue;
        }
        match action {
            ProposalAction::Propose(kind) => {
                let code = match kind {
                    RewardKind::MeritThirdClass => reward::MERIT_THIRD_CLASS_PROPOSED,
                    _ => reward::COMMENDATION_PROPOSED,
                };
                let basis = published
                    .consequences
                    .iter()
                    .find(|c| c.code == code)
                    .map(|c| format!("{} ({})", c.text, c.source))
                    .unwrap_or_default();
                let row = ProposalRow {
                    id: store::new_id(),
                    kind: kind.code().to_owned(),
                    cadre_id: result.cadre_id.clone(),
                    cadre_name: name.clone(),
                    org_unit_id: unit.clone(),
                    assessment_id: result.assessment_id.clone(),
                    revision: result.revision,
                    year: result.year,
                    basis,
                    state: ProposalState::Pending.code().to_owned(),
                    reward_id: String::new(),
                    decision_note: String::new(),
                    decided_by: String::new(),
                    created_at: clock::now(),
                    decided_at: None,
                };
                reward_store::insert_proposal(tx.conn(), &row)?;
                events::reward_proposed(tx, view::proposal(&row))?;
            }
            ProposalAction::Withdraw(id) => {
                let Some(mut row) = existing.iter().find(|p| p.id == id).cloned() else { continue };
                row.state = ProposalState::Withdrawn.code().to_owned();
                row.decision_note =
                    format!("revision {} of the result no longer proposes it", result.revision);
                row.decided_by = SYSTEM_ACTOR.to_owned();
                row.decided_at = Some(clock::now());
                reward_store::update_proposal(tx.conn(), &row)?;
            }
        }
        changed += 1;
    }
    let calls_for_talk =
        published.consequences.iter().any(|c| reward::TALK_CONSEQUENCES.contains(&c.code.as_str()));
    if calls_for_talk && let Some(cadre) = &cadre {
        // One talk per result, however many of its consequences call for one.
        open_talk_trigger(
            tx.conn(),
            cadre,
            TalkTriggerKind::Sanction,
            published_on,
            &format!("annual-assessments/{}", result.assessment_id),
            Some(format!("assessment:{}", result.assessment_id)),
            SYSTEM_ACTOR,
        )?;
    }
    Ok(changed)
}

//! The feeds the care service follows besides the directory's (which keeps its projection):
//!
//! - the assessment service's annual results ([`AssessmentFeed`]): 优秀 → a 嘉奖 proposal, consecutive 优秀
//!   → a 记三等功 proposal, from the consequences each result carries; a later revision without the
//!   consequence withdraws a pending proposal; a 基本称职 or 不称职 result calls for a talk;
//! - the rank service's approved cases ([`RankFeed`]): a promotion calls for a talk.
//!
//! Each event is applied in the follower's transaction with its cursor, so a proposal is made exactly once
//! whatever the follower's restarts.

use cadre_platform::{
    ApiError, CallContext, DbConn, Tx,
    audit::{self, AuditEntry},
};
use cadre_projection::{
    follower::{FeedSource, RelistFailed, Upstream, payload},
    store as projection,
};
use cadre_proto::{
    assessment::{
        self as assessment_pb, AnnualResultPublishedEvent, assessment_service_client::AssessmentServiceClient,
    },
    events::Event,
    rank::{self as rank_pb, RankChangedEvent},
};
use prost::Name;

use crate::{
    domain::{
        codes::{RewardKind, TalkTriggerKind},
        reward::{COMMENDATION_PROPOSED, PROPOSED_KINDS},
    },
    store::talks as talk_store,
    view,
    workflow::{self, SYSTEM_ACTOR},
};

/// The assessment service's name as an event source.
pub const ASSESSMENT_SOURCE: &str = "assessment";
/// The rank service's name as an event source.
pub const RANK_SOURCE: &str = "rank";

/// Applies results inside the follower's transaction as the suite, with one audit record when proposals
/// changed; the audit chain's lock keeps the outbox in commit order.
fn apply_results(
    conn: &mut DbConn,
    results: &[AnnualResultPublishedEvent],
    considered: &[RewardKind],
) -> Result<usize, ApiError> {
    audit::lock_chain(conn)?;
    let ctx = CallContext::system(SYSTEM_ACTOR);
    let mut tx = Tx::new(conn, &ctx);
    let mut changed = 0;
    for published in results {
        match workflow::apply_annual_result(&mut tx, published, considered) {
            Ok(n) => changed += n,
            Err(error) if error.reason() == "EVENT_UNREADABLE" && results.len() > 1 => {
                tracing::error!(%error, "skipped an annual result that cannot be read");
            }
            Err(error) => return Err(error),
        }
    }
    if changed > 0 {
        let entry = AuditEntry {
            method: "follow/assessment".to_owned(),
            object_type: "reward_proposal".to_owned(),
            object_id: String::new(),
            outcome: "OK".to_owned(),
            request_id: String::new(),
        };
        audit::append(conn, &ctx, &entry)?;
    }
    Ok(changed)
}

/// The assessment service's feed of annual results.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssessmentFeed;

impl FeedSource for AssessmentFeed {
    const SOURCE: &'static str = ASSESSMENT_SOURCE;
    type Snapshot = Vec<assessment_pb::AnnualResult>;

    fn event_types() -> Vec<String> {
        vec![AnnualResultPublishedEvent::full_name()]
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let Some(published) = payload::<AnnualResultPublishedEvent>(event)? else { return Ok(false) };
        apply_results(conn, &[published], PROPOSED_KINDS)?;
        Ok(true)
    }

    async fn relist(&mut self, upstream: &Upstream) -> Result<Self::Snapshot, RelistFailed> {
        let mut client = AssessmentServiceClient::new(upstream.channel());
        let mut results = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = assessment_pb::ListAnnualResultsRequest {
                page_size: upstream.page_size().min(2000),
                page_token,
            };
            let page = upstream.call("ListAnnualResults", client.list_annual_results(request)).await?;
            results.extend(page.results);
            if page.next_page_token.is_empty() {
                return Ok(results);
            }
            page_token = page.next_page_token;
        }
    }

    /// A listing carries outcomes, not consequences: a newer revision's 优秀 makes the 嘉奖 proposal it
    /// would have made, and nothing else is touched (the 记三等功 needs the run the event would have
    /// carried).
    fn replace(conn: &mut DbConn, snapshot: &Self::Snapshot) -> Result<(), ApiError> {
        let events: Vec<AnnualResultPublishedEvent> = snapshot
            .iter()
            .map(|result| {
                let excellent = result.outcome == assessment_pb::AnnualOutcome::Excellent as i32;
                AnnualResultPublishedEvent {
                    result: Some(result.clone()),
                    consequences: excellent
                        .then(|| assessment_pb::Consequence {
                            code: COMMENDATION_PROPOSED.to_owned(),
                            applied_by: "care".to_owned(),
                            text: "annual 优秀".to_owned(),
                            source: "考核规定 第十九条".to_owned(),
                        })
                        .into_iter()
                        .collect(),
                    org_unit_id: String::new(),
                }
            })
            .collect();
        apply_results(conn, &events, &[RewardKind::Commendation])?;
        Ok(())
    }

    fn describe(snapshot: &Self::Snapshot) -> String {
        format!("{} annual results", snapshot.len())
    }
}

/// The rank service's feed of approved cases.
#[derive(Debug, Clone, Copy, Default)]
pub struct RankFeed;

impl FeedSource for RankFeed {
    const SOURCE: &'static str = RANK_SOURCE;
    type Snapshot = ();

    fn event_types() -> Vec<String> {
        vec![RankChangedEvent::full_name()]
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let Some(changed) = payload::<RankChangedEvent>(event)? else { return Ok(false) };
        let unreadable = |what: &str| {
            ApiError::invalid_argument("EVENT_UNREADABLE", format!("a rank change without its {what}"))
        };
        let case = changed.rank_case.ok_or_else(|| unreadable("case"))?;
        if case.kind != rank_pb::CaseKind::Promotion as i32 {
            return Ok(true);
        }
        let day = changed
            .holding
            .as_ref()
            .and_then(|h| view::day(h.start_date.as_ref()))
            .or_else(|| view::day(case.effective_date.as_ref()))
            .ok_or_else(|| unreadable("effective date"))?;
        // As the assessment feed's: the audit chain's lock first (it keeps writers in commit order), and an
        // audit record of what the suite wrote.
        audit::lock_chain(conn)?;
        // A promotion of someone the projection has not heard of yet has nobody to talk to here.
        let Some(cadre) = projection::cadre(conn, &case.cadre_id)? else { return Ok(true) };
        let origin = format!("rank-case:{}", case.id);
        // A replayed event finds its trigger: nothing is written, nothing is recorded.
        if talk_store::trigger_by_origin(conn, &origin)?.is_some() {
            return Ok(true);
        }
        let trigger = workflow::open_talk_trigger(
            conn,
            &cadre,
            TalkTriggerKind::Promotion,
            day,
            &format!("rank-cases/{}", case.id),
            Some(origin),
            SYSTEM_ACTOR,
        )?;
        let entry = AuditEntry {
            method: "follow/rank".to_owned(),
            object_type: "talk_trigger".to_owned(),
            object_id: trigger.id,
            outcome: "OK".to_owned(),
            request_id: String::new(),
        };
        audit::append(conn, &CallContext::system(SYSTEM_ACTOR), &entry)?;
        Ok(true)
    }

    /// The rank service lists no history of approvals to a system caller: promotions missed while the
    /// cursor was lost are recorded by hand (`RecordTalkTrigger`).
    async fn relist(&mut self, _upstream: &Upstream) -> Result<(), RelistFailed> {
        tracing::warn!(
            "the rank feed lost its cursor: talks after promotions in the gap need recording by hand"
        );
        Ok(())
    }

    fn replace(_conn: &mut DbConn, _snapshot: &()) -> Result<(), ApiError> {
        Ok(())
    }
}

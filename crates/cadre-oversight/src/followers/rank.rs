//! The rank service's feed of opened cases ([`RankFeed`]): each promotion case (职级晋升) asks the
//! discipline body for a 党风廉政意见 about its candidate, once per case, through the same step as
//! `RequestIntegrityOpinion`. The rank service records the answer on the case when it reads
//! `IntegrityOpinionAnsweredEvent` from this service's feed.

use cadre_platform::{
    ApiError, CallContext, DbConn, Tx,
    audit::{self, AuditEntry},
    clock,
};
use cadre_projection::{
    follower::{FeedSource, RelistFailed, Upstream},
    store as projection,
};
use cadre_proto::{
    events::Event,
    rank::{self as rank_pb, RankCaseOpenedEvent},
};
use prost::Name;

use super::payload;
use crate::{
    store::integrity::{self as integrity_store, OpinionAsked},
    workflow::SYSTEM_ACTOR,
};

/// The rank service's name as an event source.
pub const RANK_SOURCE: &str = "rank";
/// What a promotion case's opinion is for.
pub const PROMOTION_PURPOSE: &str = "职级晋升";
/// Who asks for a promotion case's opinion.
pub const RANK_REQUESTER: &str = "system:rank";

/// Asks for the opinion on `case` unless it is not a promotion or already has one; returns the new
/// request's id. Runs inside the follower's transaction, as the suite, with an audit record of the request.
fn ask_for_case(conn: &mut DbConn, case: &rank_pb::RankCase) -> Result<Option<String>, ApiError> {
    if case.kind != rank_pb::CaseKind::Promotion as i32 {
        return Ok(None);
    }
    if case.id.is_empty() || case.cadre_id.is_empty() {
        return Err(ApiError::invalid_argument("EVENT_UNREADABLE", "a rank case without its id or cadre"));
    }
    // The audit chain's lock first: it keeps writers, and so the outbox, in commit order.
    audit::lock_chain(conn)?;
    // A replayed event finds its request: nothing is written, nothing is recorded.
    if integrity_store::opinion_of_case(conn, &case.id)?.is_some() {
        return Ok(None);
    }
    // The directory's name when the projection has the cadre; the case's while it catches up.
    let cadre_name =
        projection::cadre(conn, &case.cadre_id)?.map_or_else(|| case.cadre_name.clone(), |c| c.name);
    let ctx = CallContext::system(SYSTEM_ACTOR);
    let asked = OpinionAsked {
        cadre_id: case.cadre_id.clone(),
        cadre_name,
        purpose: PROMOTION_PURPOSE.to_owned(),
        rank_case_id: case.id.clone(),
        requested_by: RANK_REQUESTER.to_owned(),
    };
    let row = {
        let mut tx = Tx::new(conn, &ctx);
        integrity_store::open_opinion(&mut tx, asked, clock::today())?
    };
    let entry = AuditEntry {
        method: "follow/rank".to_owned(),
        object_type: "integrity_opinion".to_owned(),
        object_id: row.id.clone(),
        outcome: "OK".to_owned(),
        request_id: String::new(),
    };
    audit::append(conn, &ctx, &entry)?;
    Ok(Some(row.id))
}

/// The rank service's feed of opened cases.
#[derive(Debug, Clone, Copy, Default)]
pub struct RankFeed;

impl FeedSource for RankFeed {
    const SOURCE: &'static str = RANK_SOURCE;
    type Snapshot = ();

    fn event_types() -> Vec<String> {
        vec![RankCaseOpenedEvent::full_name()]
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let Some(opened) = payload::<RankCaseOpenedEvent>(event)? else { return Ok(false) };
        let case = opened.rank_case.ok_or_else(|| {
            ApiError::invalid_argument("EVENT_UNREADABLE", "a case opened without its case")
        })?;
        ask_for_case(conn, &case)?;
        Ok(true)
    }

    /// The rank service lists its cases only to people (`ListCases` admits no system caller), so the
    /// promotion cases opened while the cursor was lost cannot be found from here: their opinions are asked
    /// for by hand (`RequestIntegrityOpinion` with the case id).
    async fn relist(&mut self, _upstream: &Upstream) -> Result<(), RelistFailed> {
        tracing::warn!(
            "the rank feed lost its cursor: integrity opinions for promotion cases opened in the gap need \
             requesting by hand"
        );
        Ok(())
    }

    fn replace(_conn: &mut DbConn, _snapshot: &()) -> Result<(), ApiError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_follows_opened_cases_only() {
        assert_eq!(RankFeed::event_types(), vec!["cadre.rank.v1.RankCaseOpenedEvent".to_owned()]);
        assert_eq!(RankFeed::SOURCE, "rank");
    }
}

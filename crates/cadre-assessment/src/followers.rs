//! The oversight service's feed as the assessment service follows it ([`OversightFeed`]): the conduct
//! measure of each accountability decision with a 影响期 is stored as `RecordConductMeasure` stores it, and
//! the person's undetermined assessments computed again, in the follower's transaction with its cursor.
//! (The directory's feed is followed with cadre-projection's own `DirectoryFeed`.)

use cadre_platform::{ApiError, DbConn, clock};
use cadre_projection::follower::{FeedSource, RelistFailed, Upstream, payload};
use cadre_proto::{
    events::Event,
    oversight::{self, DecisionRecordedEvent, oversight_service_client::OversightServiceClient},
};
use prost::Name;
use tonic::Code;

use crate::workflow::measures;

/// The oversight service's feed of accountability decisions.
#[derive(Debug, Clone, Copy, Default)]
pub struct OversightFeed;

/// The oversight service's name as an event source.
pub const OVERSIGHT_SOURCE: &str = "oversight";

/// Who the measures delivered on the oversight feed are recorded as: the same principal that records them
/// through `RecordConductMeasure`.
pub const OVERSIGHT_RECORDER: &str = "system:oversight";

/// A refusal of a measure as the follower reports it: the measure cannot be stored however often the
/// event is retried, so the follower skips it (loudly) rather than stop on it.
fn unreadable(decision_id: &str, error: &ApiError) -> ApiError {
    let fields: Vec<String> =
        error.violations().iter().map(|v| format!("{}: {}", v.field, v.description)).collect();
    ApiError::invalid_argument(
        "EVENT_UNREADABLE",
        format!(
            "the conduct measure of decision {decision_id} cannot be stored ({}): {} {}",
            error.reason(),
            error.message(),
            fields.join("; ")
        ),
    )
}

/// Stores the conduct measure of a decision, when it has one (a 影响期); returns whether it had one. The
/// person need not be known yet: the directory's feed may bring them later, and the measure is there when
/// their assessment is opened. The feed has no clock of the service's own, so the policy the assessments
/// are computed again under is the one in force on the district's date.
fn keep(conn: &mut DbConn, decision: &oversight::Decision) -> Result<bool, ApiError> {
    let Some(measure) = &decision.conduct_measure else { return Ok(false) };
    let input = measures::read(Some(measure), None).map_err(|e| unreadable(&decision.id, &e))?;
    measures::record(conn, &input, OVERSIGHT_RECORDER, clock::today()).map_err(|e| {
        // Both refusals come before anything is written.
        if e.code() == Code::InvalidArgument || e.reason() == "SOURCE_ID_IN_USE" {
            unreadable(&decision.id, &e)
        } else {
            e
        }
    })?;
    Ok(true)
}

impl FeedSource for OversightFeed {
    const SOURCE: &'static str = OVERSIGHT_SOURCE;
    type Snapshot = Vec<oversight::Decision>;

    fn event_types() -> Vec<String> {
        vec![DecisionRecordedEvent::full_name()]
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let Some(recorded) = payload::<DecisionRecordedEvent>(event)? else { return Ok(false) };
        let decision = recorded.decision.ok_or_else(|| {
            ApiError::invalid_argument("EVENT_UNREADABLE", "a recorded decision without its decision")
        })?;
        keep(conn, &decision)?;
        Ok(true)
    }

    async fn relist(&mut self, upstream: &Upstream) -> Result<Self::Snapshot, RelistFailed> {
        let mut client = OversightServiceClient::new(upstream.channel());
        let mut decisions = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = oversight::ListDecisionsRequest {
                // The contract's largest page.
                page_size: upstream.page_size().min(500),
                page_token,
                ..Default::default()
            };
            let page = upstream.call("ListDecisions", client.list_decisions(request)).await?;
            decisions.extend(page.decisions);
            if page.next_page_token.is_empty() {
                return Ok(decisions);
            }
            page_token = page.next_page_token;
        }
    }

    /// Stores every listed measure again; a decision is never withdrawn, so nothing is forgotten.
    fn replace(conn: &mut DbConn, snapshot: &Self::Snapshot) -> Result<(), ApiError> {
        for decision in snapshot {
            match keep(conn, decision) {
                Ok(_) => {}
                Err(error) if error.reason() == "EVENT_UNREADABLE" => {
                    tracing::error!(%error, "skipped a conduct measure that cannot be stored");
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    fn describe(snapshot: &Self::Snapshot) -> String {
        format!("{} decisions", snapshot.len())
    }
}

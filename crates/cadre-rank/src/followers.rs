//! The three feeds the rank service follows, each with cadre-projection's generic follower:
//!
//! - the directory's ([`RankDirectoryFeed`]): units and cadres into the projection, as every service keeps
//!   it, plus what rank does with a cadre's record: the first time a cadre with a rank appears, an IMPORTED
//!   holding from the directory's grade and date; a grade the directory changed by itself (an HR import, a
//!   correction) becomes a new holding; and the cadre's eligibility is recomputed;
//! - the assessment service's annual results ([`AssessmentFeed`]): per cadre and year the result with the
//!   highest revision, and the cadre's eligibility recomputed (R7: a 优秀 counts from the day it is
//!   published, never before);
//! - the care service's 容错 decisions ([`CareFeed`]): an exempted measure stops restricting promotion.
//!
//! Every change happens in the follower's transaction, with the cursor, so the eligibility table never
//! lags behind the facts it rests on. A relist of any of the three recomputes everyone.

use std::collections::{BTreeSet, HashMap};

use cadre_platform::{ApiError, DbConn, clock};
use cadre_projection::{
    DirectoryFeed, DirectorySnapshot,
    follower::{FeedSource, RelistFailed, Upstream},
};
use cadre_proto::{
    assessment::{
        self as assessment, AnnualResultPublishedEvent, assessment_service_client::AssessmentServiceClient,
    },
    care::{self, ToleranceReviewDecidedEvent, care_service_client::CareServiceClient},
    directory::{CadreChangedEvent, CadreCreatedEvent, CadreTransferredEvent},
    events::Event,
};
use prost::{Message, Name};

use crate::{
    convert,
    store::{self, results::ResultRow, tolerance::DecisionRow},
    workflow::{eligibility, holdings},
};

/// The directory's feed, into the projection and the rank history.
#[derive(Debug, Clone, Copy, Default)]
pub struct RankDirectoryFeed;

/// The cadre an event of the directory is about, if any.
fn cadre_of(event: &Event) -> Option<String> {
    let any = event.payload.as_ref()?;
    let name = any.type_url.rsplit('/').next().unwrap_or_default();
    if name == CadreCreatedEvent::full_name() {
        CadreCreatedEvent::decode(any.value.as_slice()).ok()?.cadre.map(|c| c.id)
    } else if name == CadreChangedEvent::full_name() {
        CadreChangedEvent::decode(any.value.as_slice()).ok()?.cadre.map(|c| c.id)
    } else if name == CadreTransferredEvent::full_name() {
        Some(CadreTransferredEvent::decode(any.value.as_slice()).ok()?.cadre_id)
    } else {
        None
    }
}

impl FeedSource for RankDirectoryFeed {
    const SOURCE: &'static str = cadre_projection::directory::SOURCE;
    type Snapshot = DirectorySnapshot;

    fn event_types() -> Vec<String> {
        DirectoryFeed::event_types()
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let cadre = cadre_of(event);
        let before = match &cadre {
            Some(id) => store::projection::cadre(conn, id)?,
            None => None,
        };
        let followed = DirectoryFeed::apply(conn, event)?;
        if let Some(id) = cadre {
            holdings::on_directory_record(conn, &id, before.as_ref())?;
            eligibility::refresh(conn, &id)?;
        }
        Ok(followed)
    }

    async fn relist(&mut self, upstream: &Upstream) -> Result<DirectorySnapshot, RelistFailed> {
        DirectoryFeed.relist(upstream).await
    }

    fn replace(conn: &mut DbConn, snapshot: &DirectorySnapshot) -> Result<(), ApiError> {
        let ids: Vec<String> = snapshot.cadres.iter().map(|c| c.id.clone()).collect();
        let before: HashMap<String, store::projection::CadreView> =
            store::projection::cadres(conn, &ids)?.into_iter().map(|c| (c.id.clone(), c)).collect();
        DirectoryFeed::replace(conn, snapshot)?;
        // Only the cadres whose grade the history lacks or the directory changed need a look of their own:
        // a relist of a whole district reads everyone in bulk and touches few.
        let history = store::holdings::cadres_with_history(conn)?;
        for after in store::projection::cadres(conn, &ids)? {
            if after.rank_grade.is_empty() {
                continue;
            }
            let previous = before.get(&after.id);
            let changed = previous.is_none_or(|b| {
                b.rank_grade != after.rank_grade || b.rank_start_date != after.rank_start_date
            });
            if changed || !history.contains(&after.id) {
                holdings::on_directory_record(conn, &after.id, previous)?;
            }
        }
        eligibility::refresh_all(conn)
    }

    fn describe(snapshot: &DirectorySnapshot) -> String {
        DirectoryFeed::describe(snapshot)
    }
}

/// The assessment service's feed of annual results.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssessmentFeed;

/// The assessment service's name as an event source.
pub const ASSESSMENT_SOURCE: &str = "assessment";

fn unreadable(what: &str) -> ApiError {
    ApiError::invalid_argument("EVENT_UNREADABLE", format!("an annual result without its {what}"))
}

/// An annual result as stored; `None` for an outcome not yet determined (nothing to keep).
fn result_row(result: &assessment::AnnualResult) -> Result<Option<ResultRow>, ApiError> {
    let outcome = match assessment::AnnualOutcome::try_from(result.outcome) {
        Ok(assessment::AnnualOutcome::Unspecified) | Err(_) => return Ok(None),
        Ok(outcome) => outcome.as_str_name().trim_start_matches("ANNUAL_OUTCOME_").to_owned(),
    };
    if result.cadre_id.is_empty() {
        return Err(unreadable("cadre_id"));
    }
    let published_on = result
        .published_on
        .as_ref()
        .and_then(convert::date_from)
        .ok_or_else(|| unreadable("published_on"))?;
    Ok(Some(ResultRow {
        cadre_id: result.cadre_id.clone(),
        year: result.year,
        assessment_id: result.assessment_id.clone(),
        outcome,
        published_on,
        revision: result.revision,
        updated_at: clock::now(),
    }))
}

/// Keeps one result, and recomputes the cadre's eligibility when it changed anything.
fn keep(conn: &mut DbConn, result: &assessment::AnnualResult) -> Result<(), ApiError> {
    let Some(row) = result_row(result)? else { return Ok(()) };
    if store::results::upsert(conn, &row)? {
        eligibility::refresh(conn, &row.cadre_id)?;
    }
    Ok(())
}

impl FeedSource for AssessmentFeed {
    const SOURCE: &'static str = ASSESSMENT_SOURCE;
    type Snapshot = Vec<assessment::AnnualResult>;

    fn event_types() -> Vec<String> {
        vec![AnnualResultPublishedEvent::full_name()]
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let Some(any) = &event.payload else { return Ok(false) };
        if any.type_url.rsplit('/').next() != Some(AnnualResultPublishedEvent::full_name().as_str()) {
            return Ok(false);
        }
        let published = AnnualResultPublishedEvent::decode(any.value.as_slice()).map_err(|e| {
            ApiError::invalid_argument("EVENT_UNREADABLE", format!("cannot decode {}: {e}", any.type_url))
        })?;
        let result = published.result.ok_or_else(|| unreadable("result"))?;
        keep(conn, &result)?;
        Ok(true)
    }

    async fn relist(&mut self, upstream: &Upstream) -> Result<Self::Snapshot, RelistFailed> {
        let mut client = AssessmentServiceClient::new(upstream.channel());
        let mut results = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = assessment::ListAnnualResultsRequest {
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

    fn replace(conn: &mut DbConn, snapshot: &Self::Snapshot) -> Result<(), ApiError> {
        let mut listed: BTreeSet<(String, i32)> = BTreeSet::new();
        for result in snapshot {
            match result_row(result) {
                Ok(Some(row)) => {
                    listed.insert((row.cadre_id.clone(), row.year));
                    store::results::upsert(conn, &row)?;
                }
                Ok(None) => {}
                Err(error) => tracing::error!(%error, "skipped an annual result that cannot be read"),
            }
        }
        store::results::retain(conn, &listed)?;
        eligibility::refresh_all(conn)
    }

    fn describe(snapshot: &Self::Snapshot) -> String {
        format!("{} annual results", snapshot.len())
    }
}

/// The care service's feed of 容错 decisions: an exemption lifts the restrictions of the conduct measure it
/// names, which keeps its record (三个区分开来; domain.md §5.1).
#[derive(Debug, Clone, Copy, Default)]
pub struct CareFeed;

/// The care service's name as an event source.
pub const CARE_SOURCE: &str = "care";

/// A decided review as stored; `None` for one still open (nothing decided yet).
fn decision_row(review: &care::ToleranceReview) -> Result<Option<DecisionRow>, ApiError> {
    let decision = match care::ToleranceDecision::try_from(review.decision) {
        Ok(care::ToleranceDecision::Unspecified) | Err(_) => return Ok(None),
        Ok(decision) => decision.as_str_name().trim_start_matches("TOLERANCE_DECISION_").to_owned(),
    };
    let unreadable = |what: &str| {
        ApiError::invalid_argument("EVENT_UNREADABLE", format!("a 容错 decision without its {what}"))
    };
    if review.measure_source_id.is_empty() {
        return Err(unreadable("measure_source_id"));
    }
    let decided_on =
        review.decided_on.as_ref().and_then(convert::date_from).ok_or_else(|| unreadable("decided_on"))?;
    Ok(Some(DecisionRow {
        measure_source_id: review.measure_source_id.clone(),
        cadre_id: review.cadre_id.clone(),
        review_id: review.id.clone(),
        decision,
        decided_on,
        updated_at: clock::now(),
    }))
}

impl FeedSource for CareFeed {
    const SOURCE: &'static str = CARE_SOURCE;
    type Snapshot = Vec<care::ToleranceReview>;

    fn event_types() -> Vec<String> {
        vec![ToleranceReviewDecidedEvent::full_name()]
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let Some(any) = &event.payload else { return Ok(false) };
        if any.type_url.rsplit('/').next() != Some(ToleranceReviewDecidedEvent::full_name().as_str()) {
            return Ok(false);
        }
        let decided = ToleranceReviewDecidedEvent::decode(any.value.as_slice()).map_err(|e| {
            ApiError::invalid_argument("EVENT_UNREADABLE", format!("cannot decode {}: {e}", any.type_url))
        })?;
        let review = decided.review.ok_or_else(|| {
            ApiError::invalid_argument("EVENT_UNREADABLE", "a 容错 decision without its review")
        })?;
        if let Some(row) = decision_row(&review)?
            && store::tolerance::keep(conn, &row)?
        {
            eligibility::refresh(conn, &row.cadre_id)?;
        }
        Ok(true)
    }

    async fn relist(&mut self, upstream: &Upstream) -> Result<Self::Snapshot, RelistFailed> {
        let mut client = CareServiceClient::new(upstream.channel());
        let mut reviews = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = care::ListToleranceReviewsRequest {
                page_size: upstream.page_size().min(500),
                page_token,
                ..Default::default()
            };
            let page = upstream.call("ListToleranceReviews", client.list_tolerance_reviews(request)).await?;
            reviews.extend(page.reviews);
            if page.next_page_token.is_empty() {
                return Ok(reviews);
            }
            page_token = page.next_page_token;
        }
    }

    fn replace(conn: &mut DbConn, snapshot: &Self::Snapshot) -> Result<(), ApiError> {
        let mut listed = BTreeSet::new();
        for review in snapshot {
            match decision_row(review) {
                Ok(Some(row)) => {
                    listed.insert(row.measure_source_id.clone());
                    store::tolerance::keep(conn, &row)?;
                }
                Ok(None) => {}
                Err(error) => tracing::error!(%error, "skipped a 容错 decision that cannot be read"),
            }
        }
        store::tolerance::retain(conn, &listed)?;
        eligibility::refresh_all(conn)
    }

    fn describe(snapshot: &Self::Snapshot) -> String {
        format!("{} 容错 reviews", snapshot.len())
    }
}

//! The four feeds the rank service follows, each with cadre-projection's generic follower:
//!
//! - the directory's ([`RankDirectoryFeed`]): units and cadres into the projection, as every service keeps
//!   it, plus what rank does with a cadre's record: the first time a cadre with a rank appears, an IMPORTED
//!   holding from the directory's grade and date; a grade the directory changed by itself (an HR import, a
//!   correction) becomes a new holding; and the cadre's eligibility is recomputed;
//! - the assessment service's annual results ([`AssessmentFeed`]): per cadre and year the result with the
//!   highest revision, and the cadre's eligibility recomputed (R7: a 优秀 counts from the day it is
//!   published, never before);
//! - the care service's 容错 decisions ([`CareFeed`]): an exempted measure stops restricting promotion;
//! - the oversight service's accountability decisions and 党风廉政意见 ([`OversightFeed`]): a decision's
//!   conduct measure is stored as `RecordConductMeasure` stores it, and an answered opinion for a case is
//!   recorded on it as `RecordDisciplineOpinion` records it, or kept until the case reaches its 考察 when it
//!   comes before.
//!
//! Every change happens in the follower's transaction, with the cursor, so the eligibility table never
//! lags behind the facts it rests on. A relist of the directory, assessment or care feed recomputes
//! everyone; one of the oversight feed stores every measure again, recomputing the cadres concerned.

use std::collections::{BTreeSet, HashMap};

use cadre_platform::{
    ApiError, CallContext, DbConn, Tx,
    audit::{self, AuditEntry},
    clock,
};
use cadre_projection::{
    DirectoryFeed, DirectorySnapshot,
    follower::{FeedSource, RelistFailed, Upstream, payload},
};
use cadre_proto::{
    assessment::{
        self as assessment, AnnualResultPublishedEvent, assessment_service_client::AssessmentServiceClient,
    },
    care::{self, ToleranceReviewDecidedEvent, care_service_client::CareServiceClient},
    directory::{CadreChangedEvent, CadreCreatedEvent, CadreTransferredEvent},
    events::Event,
    oversight::{
        self, DecisionRecordedEvent, IntegrityOpinionAnsweredEvent,
        oversight_service_client::OversightServiceClient,
    },
};
use prost::{Message, Name};
use tonic::Code;

use crate::{
    convert,
    store::{self, cases::PendingOpinionRow, results::ResultRow, tolerance::DecisionRow},
    workflow::{
        cases::{self as flow, OpinionJson},
        conduct, eligibility, holdings,
    },
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

/// The oversight service's feed: the conduct measures of its accountability decisions, and the
/// 党风廉政意见 the discipline body gives on promotion cases.
#[derive(Debug, Clone, Copy, Default)]
pub struct OversightFeed;

/// The oversight service's name as an event source.
pub const OVERSIGHT_SOURCE: &str = "oversight";

/// Who the measures delivered on the oversight feed are recorded as: the same principal that records them
/// through `RecordConductMeasure`.
pub const OVERSIGHT_RECORDER: &str = "system:oversight";

/// What a relist of the oversight service gathers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OversightSnapshot {
    /// Every accountability decision.
    pub decisions: Vec<oversight::Decision>,
    /// The answered 党风廉政意见.
    pub opinions: Vec<oversight::IntegrityOpinion>,
}

/// A refusal of a measure as the follower reports it: the measure cannot be stored however often the
/// event is retried, so the follower skips it (loudly) rather than stop on it.
fn unreadable_measure(decision_id: &str, error: &ApiError) -> ApiError {
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

/// Stores the conduct measure of a decision, when it has one (a 影响期), exactly as
/// `RecordConductMeasure` does; returns whether it had one. The cadre need not be known yet: the
/// directory's feed may bring them later, and their eligibility then counts the measure.
fn keep_measure(conn: &mut DbConn, decision: &oversight::Decision) -> Result<bool, ApiError> {
    let Some(measure) = &decision.conduct_measure else { return Ok(false) };
    let input = conduct::read(Some(measure)).map_err(|e| unreadable_measure(&decision.id, &e))?;
    conduct::record(conn, &input, OVERSIGHT_RECORDER).map_err(|e| {
        if e.code() == Code::InvalidArgument { unreadable_measure(&decision.id, &e) } else { e }
    })?;
    Ok(true)
}

/// The district's date of an instant, if it is one.
fn district_date(at: &prost_types::Timestamp) -> Option<chrono::NaiveDate> {
    let nanos = u32::try_from(at.nanos).ok()?;
    chrono::DateTime::from_timestamp(at.seconds, nanos)
        .map(|t| t.with_timezone(&clock::district_offset()).date_naive())
}

/// Records an answered opinion on the case it was asked for, as `RecordDisciplineOpinion` records it, or
/// keeps it for the case's 考察 when the case has not reached it yet (the oversight service asks as soon as
/// the case opens, and the answer may come first); returns whether it did either. A case that is unknown,
/// closed or already has an opinion (or one kept for it) is left as it is (the inspector may have recorded
/// one by hand, and a replay finds its own), as is one the rules do not let take it (past its 考察, a
/// demotion): the follower goes on with the next event.
fn answer_case(conn: &mut DbConn, opinion: &oversight::IntegrityOpinion) -> Result<bool, ApiError> {
    let case_id = opinion.rank_case_id.as_str();
    if case_id.is_empty() {
        return Ok(false);
    }
    // As the care service's followers: the audit chain's lock first, which also keeps the case from
    // changing between its reading here and the version-checked write.
    audit::lock_chain(conn)?;
    let Some(file) = store::cases::file(conn, case_id)? else {
        tracing::warn!(case_id, opinion_id = %opinion.id, "skipped an integrity opinion for an unknown case");
        return Ok(false);
    };
    if !file.case.is_open {
        tracing::warn!(case_id, opinion_id = %opinion.id, "skipped an integrity opinion for a closed case");
        return Ok(false);
    }
    // An opinion on someone else must never clear this case's candidate.
    if opinion.cadre_id != file.case.cadre_id {
        tracing::error!(case_id, opinion_id = %opinion.id, "skipped an integrity opinion about another cadre");
        return Ok(false);
    }
    if !file.case.discipline_opinion.is_empty() {
        tracing::info!(case_id, opinion_id = %opinion.id, "the case already has its discipline opinion");
        return Ok(false);
    }
    let given_on = match opinion.answer_time.as_ref().and_then(district_date) {
        Some(day) => day,
        None => eligibility::day(conn)?,
    };
    let given_by =
        if opinion.answered_by.is_empty() { OVERSIGHT_RECORDER } else { opinion.answered_by.as_str() };
    let record = OpinionJson {
        clear: opinion.clear,
        note: opinion.answer.trim().to_owned(),
        given_by: given_by.to_owned(),
        given_on,
    };
    let ctx = CallContext::system(holdings::SYSTEM);
    if flow::pending_fate_of(&file.case) == Some(flow::PendingFate::Wait) {
        return keep_for_inspection(conn, &ctx, opinion, record);
    }
    let mut tx = Tx::new(conn, &ctx);
    match flow::run_step(&mut tx, file, flow::opinion_step(record)) {
        Ok(_) => {}
        // A refusal comes before anything is written.
        Err(error) if error.code() == Code::FailedPrecondition => {
            tracing::warn!(case_id, opinion_id = %opinion.id, %error, "skipped an integrity opinion the case cannot take");
            return Ok(false);
        }
        Err(error) => return Err(error),
    }
    let entry = AuditEntry {
        method: "follow/oversight".to_owned(),
        object_type: "rank_case".to_owned(),
        object_id: case_id.to_owned(),
        outcome: "OK".to_owned(),
        request_id: String::new(),
    };
    audit::append(conn, &ctx, &entry)?;
    Ok(true)
}

/// Keeps an opinion for a case that has not reached its 考察, to be recorded by the step that brings it
/// there (`workflow::cases::run_step`); returns whether it kept it. The first answer kept stands, as the
/// first recorded on a case does, so a second delivery of it (or a later answer) changes nothing.
fn keep_for_inspection(
    conn: &mut DbConn,
    ctx: &CallContext,
    opinion: &oversight::IntegrityOpinion,
    record: OpinionJson,
) -> Result<bool, ApiError> {
    let case_id = opinion.rank_case_id.as_str();
    if let Some(kept) = store::cases::pending_opinion(conn, case_id)? {
        tracing::info!(
            case_id,
            opinion_id = %opinion.id,
            kept = %kept.opinion_id,
            "the case already has a discipline opinion waiting for its 考察"
        );
        return Ok(false);
    }
    let OpinionJson { clear, note, given_by, given_on } = record;
    let row = PendingOpinionRow {
        case_id: case_id.to_owned(),
        clear,
        note,
        given_by,
        given_on,
        opinion_id: opinion.id.clone(),
        received_at: clock::now(),
    };
    store::cases::keep_pending_opinion(conn, &row)?;
    tracing::info!(case_id, opinion_id = %opinion.id, "kept an integrity opinion until the case reaches its 考察");
    let entry = AuditEntry {
        method: "follow/oversight".to_owned(),
        object_type: "pending_opinion".to_owned(),
        object_id: case_id.to_owned(),
        outcome: "OK".to_owned(),
        request_id: String::new(),
    };
    audit::append(conn, ctx, &entry)?;
    Ok(true)
}

impl FeedSource for OversightFeed {
    const SOURCE: &'static str = OVERSIGHT_SOURCE;
    type Snapshot = OversightSnapshot;

    fn event_types() -> Vec<String> {
        vec![DecisionRecordedEvent::full_name(), IntegrityOpinionAnsweredEvent::full_name()]
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        if let Some(recorded) = payload::<DecisionRecordedEvent>(event)? {
            let decision = recorded.decision.ok_or_else(|| {
                ApiError::invalid_argument("EVENT_UNREADABLE", "a recorded decision without its decision")
            })?;
            keep_measure(conn, &decision)?;
            return Ok(true);
        }
        if let Some(answered) = payload::<IntegrityOpinionAnsweredEvent>(event)? {
            let opinion = answered.opinion.ok_or_else(|| {
                ApiError::invalid_argument("EVENT_UNREADABLE", "an answered opinion without its opinion")
            })?;
            answer_case(conn, &opinion)?;
            return Ok(true);
        }
        Ok(false)
    }

    async fn relist(&mut self, upstream: &Upstream) -> Result<Self::Snapshot, RelistFailed> {
        let mut client = OversightServiceClient::new(upstream.channel());
        // The contract's largest page.
        let page_size = upstream.page_size().min(500);
        let mut snapshot = OversightSnapshot::default();
        let mut page_token = String::new();
        loop {
            let request = oversight::ListDecisionsRequest { page_size, page_token, ..Default::default() };
            let page = upstream.call("ListDecisions", client.list_decisions(request)).await?;
            snapshot.decisions.extend(page.decisions);
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
        let mut page_token = String::new();
        loop {
            let request = oversight::ListIntegrityOpinionsRequest {
                state: oversight::OpinionState::Answered as i32,
                page_size,
                page_token,
                ..Default::default()
            };
            let page =
                upstream.call("ListIntegrityOpinions", client.list_integrity_opinions(request)).await?;
            snapshot.opinions.extend(page.opinions);
            if page.next_page_token.is_empty() {
                return Ok(snapshot);
            }
            page_token = page.next_page_token;
        }
    }

    /// Stores every listed measure again (a decision is never withdrawn, so nothing is forgotten; an
    /// exemption is the care feed's), and records the listed opinions on the cases still without one.
    fn replace(conn: &mut DbConn, snapshot: &Self::Snapshot) -> Result<(), ApiError> {
        for decision in &snapshot.decisions {
            match keep_measure(conn, decision) {
                Ok(_) => {}
                Err(error) if error.reason() == "EVENT_UNREADABLE" => {
                    tracing::error!(%error, "skipped a conduct measure that cannot be stored");
                }
                Err(error) => return Err(error),
            }
        }
        for opinion in &snapshot.opinions {
            answer_case(conn, opinion)?;
        }
        Ok(())
    }

    fn describe(snapshot: &Self::Snapshot) -> String {
        format!("{} decisions, {} answered opinions", snapshot.decisions.len(), snapshot.opinions.len())
    }
}

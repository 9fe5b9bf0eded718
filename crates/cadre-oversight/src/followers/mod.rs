//! The feeds the oversight service follows besides the directory's (which keeps its projection):
//!
//! - the leave service's overdue cases ([`LeaveFeed`]): a leave not closed by 销假 after its grace period
//!   becomes a work-discipline finding about the cadre, and 旷工 past the 公务员法 第八十八条 threshold a grave
//!   one; each keyed by the overdue case, so a replayed event, a second event about the same case or a relist
//!   finds the finding already there;
//! - the care service's 容错 decisions ([`CareFeed`]): an exempted decision keeps its record but its window
//!   no longer restricts anything;
//! - the rank service's promotion cases ([`RankFeed`]): each asks the discipline body for a 党风廉政意见.
//!
//! Each event is applied in the follower's transaction with its cursor, so nothing is recorded twice
//! whatever the follower's restarts.

pub mod rank;

pub use rank::RankFeed;

use std::collections::BTreeSet;

use cadre_platform::{
    ApiError, CallContext, DbConn, Tx,
    audit::{self, AuditEntry},
    clock,
    dates::date_from,
};
use cadre_projection::{
    follower::{FeedSource, RelistFailed, Upstream, payload},
    store as projection,
};
use cadre_proto::{
    care::{self, ToleranceReviewDecidedEvent, care_service_client::CareServiceClient},
    events::Event,
    leave::{
        self, AbsenteeismThresholdReachedEvent, LeaveOverdueEvent, OverdueCase, OverdueState,
        leave_service_client::LeaveServiceClient,
    },
};
use prost::Name;

use crate::{
    domain::codes::{FindingCategory, FindingSource, FindingState, Severity},
    store::{self, decisions as decision_store, findings::FindingRow},
    workflow::{SYSTEM_ACTOR, findings as finding_flow},
};

/// The leave service's name as an event source.
pub const LEAVE_SOURCE: &str = "leave";
/// The care service's name as an event source.
pub const CARE_SOURCE: &str = "care";

/// What an overdue case says, as a finding: the kind, and the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaseFinding {
    /// Not back after the grace period.
    Overdue,
    /// 旷工 past the dismissal threshold.
    Absenteeism,
}

impl CaseFinding {
    fn source_ref(self, case_id: &str) -> String {
        match self {
            Self::Overdue => format!("overdue:{case_id}"),
            Self::Absenteeism => format!("absenteeism:{case_id}"),
        }
    }

    fn category(self) -> FindingCategory {
        match self {
            Self::Overdue => FindingCategory::LeaveOverdue,
            Self::Absenteeism => FindingCategory::Absenteeism,
        }
    }

    /// An overstay is a 苗头性 problem met with a reminder; 旷工 past the threshold is grave (§3.5).
    fn severity(self) -> Severity {
        match self {
            Self::Overdue => Severity::Minor,
            Self::Absenteeism => Severity::Grave,
        }
    }

    fn description(self, case: &OverdueCase) -> String {
        let due = case.due_back_date.as_ref().and_then(date_from).map(|d| d.to_string()).unwrap_or_default();
        match self {
            Self::Overdue => format!(
                "请假期满未按时销假: 应于{due}返岗, 逾期未归 (请假 {}, 逾期案件 {})",
                case.leave_request_id, case.id
            ),
            Self::Absenteeism => {
                let protected = if case.protected_status.is_empty() {
                    String::new()
                } else {
                    format!("; 受保护情形 {}, 转人工审查", case.protected_status)
                };
                format!(
                    "旷工超过公务员法第八十八条界限: 连续{}个工作日, 年内累计{}个工作日 (逾期案件 {}){protected}",
                    case.consecutive_days, case.year_days, case.id
                )
            }
        }
    }
}

/// Records the finding `kind` of `case` unless it is already there; returns whether one was recorded.
fn record_case(tx: &mut Tx<'_>, case: &OverdueCase, kind: CaseFinding) -> Result<bool, ApiError> {
    let unreadable = |what: &str| {
        ApiError::invalid_argument("EVENT_UNREADABLE", format!("an overdue case without its {what}"))
    };
    if case.id.is_empty() {
        return Err(unreadable("id"));
    }
    let source_ref = kind.source_ref(&case.id);
    let conn = tx.conn();
    if store::findings::by_source_ref(conn, FindingSource::Leave, &source_ref)?.is_some() {
        return Ok(false);
    }
    // The projection has the person's name and unit now; the case has them as they were.
    let cadre = projection::cadre(conn, &case.cadre_id)?;
    let (cadre_name, unit) = match &cadre {
        Some(c) => (c.name.clone(), c.employing_unit_id.clone()),
        None => (case.cadre_name.clone(), case.org_unit_id.clone()),
    };
    if unit.is_empty() {
        return Err(unreadable("unit"));
    }
    // An overstay is found on the day the cadre should have been back; the threshold on the day the case
    // last changed (the day the sweep counted past it), in the district's time.
    let changed_on = case.update_time.as_ref().and_then(|t| {
        let at = chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0))?;
        Some(at.with_timezone(&clock::district_offset()).date_naive())
    });
    let found_on = match kind {
        CaseFinding::Overdue => case.due_back_date.as_ref().and_then(date_from),
        CaseFinding::Absenteeism => changed_on,
    }
    .unwrap_or_else(clock::today);
    let row = FindingRow {
        id: store::new_id(),
        inspection_id: String::new(),
        org_unit_id: unit,
        cadre_id: case.cadre_id.clone(),
        cadre_name,
        category: kind.category().code().to_owned(),
        severity: kind.severity().code().to_owned(),
        description: kind.description(case),
        evidence: store::json(&[format!("leave-requests/{}", case.leave_request_id)]),
        responsibility_id: String::new(),
        source: FindingSource::Leave.code().to_owned(),
        source_ref,
        found_on,
        state: FindingState::Open.code().to_owned(),
        dismissal_reason: String::new(),
        escalation: String::new(),
        recorded_by: SYSTEM_ACTOR.to_owned(),
        created_at: clock::now(),
    };
    finding_flow::record_finding(tx, row)?;
    Ok(true)
}

/// Applies cases inside the follower's transaction as the suite, with one audit record when findings were
/// recorded; the audit chain's lock keeps the outbox in commit order.
fn apply_cases(conn: &mut DbConn, cases: &[(OverdueCase, CaseFinding)]) -> Result<usize, ApiError> {
    audit::lock_chain(conn)?;
    let ctx = CallContext::system(SYSTEM_ACTOR);
    let mut recorded = 0;
    {
        let mut tx = Tx::new(conn, &ctx);
        for (case, kind) in cases {
            match record_case(&mut tx, case, *kind) {
                Ok(true) => recorded += 1,
                Ok(false) => {}
                // One unreadable case in a relist must not hold up the others.
                Err(error) if error.reason() == "EVENT_UNREADABLE" && cases.len() > 1 => {
                    tracing::error!(%error, "skipped an overdue case that cannot be read");
                }
                Err(error) => return Err(error),
            }
        }
    }
    if recorded > 0 {
        let entry = AuditEntry {
            method: "follow/leave".to_owned(),
            object_type: "finding".to_owned(),
            object_id: String::new(),
            outcome: "OK".to_owned(),
            request_id: String::new(),
        };
        audit::append(conn, &ctx, &entry)?;
    }
    Ok(recorded)
}

/// The leave service's feed of overdue cases.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeaveFeed;

impl FeedSource for LeaveFeed {
    const SOURCE: &'static str = LEAVE_SOURCE;
    type Snapshot = Vec<OverdueCase>;

    fn event_types() -> Vec<String> {
        vec![LeaveOverdueEvent::full_name(), AbsenteeismThresholdReachedEvent::full_name()]
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let missing = || ApiError::invalid_argument("EVENT_UNREADABLE", "an overdue event without its case");
        let found = if let Some(overdue) = payload::<LeaveOverdueEvent>(event)? {
            (overdue.overdue_case.ok_or_else(missing)?, CaseFinding::Overdue)
        } else if let Some(threshold) = payload::<AbsenteeismThresholdReachedEvent>(event)? {
            (threshold.overdue_case.ok_or_else(missing)?, CaseFinding::Absenteeism)
        } else {
            return Ok(false);
        };
        apply_cases(conn, &[found])?;
        Ok(true)
    }

    async fn relist(&mut self, upstream: &Upstream) -> Result<Self::Snapshot, RelistFailed> {
        let mut client = LeaveServiceClient::new(upstream.channel());
        let request = leave::ListOverdueCasesRequest::default();
        let page = upstream.call("ListOverdueCases", client.list_overdue_cases(request)).await?;
        Ok(page.cases)
    }

    /// Every case listed has been overdue; those past the threshold have been reported as such. Findings
    /// stay as they are for cases no longer listed: a finding is a record, not a mirror.
    fn replace(conn: &mut DbConn, snapshot: &Self::Snapshot) -> Result<(), ApiError> {
        let past_threshold = [OverdueState::DismissalProposed as i32, OverdueState::ManualReview as i32];
        let mut cases = Vec::new();
        for case in snapshot {
            cases.push((case.clone(), CaseFinding::Overdue));
            let reached = past_threshold.contains(&case.state)
                || (case.state == OverdueState::Closed as i32 && !case.protected_status.is_empty());
            if reached {
                cases.push((case.clone(), CaseFinding::Absenteeism));
            }
        }
        apply_cases(conn, &cases)?;
        Ok(())
    }

    fn describe(snapshot: &Self::Snapshot) -> String {
        format!("{} overdue cases", snapshot.len())
    }
}

/// A decided review as stored; `None` for one still open.
fn exemption_row(review: &care::ToleranceReview) -> Result<Option<decision_store::ExemptionRow>, ApiError> {
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
        review.decided_on.as_ref().and_then(date_from).ok_or_else(|| unreadable("decided_on"))?;
    Ok(Some(decision_store::ExemptionRow {
        measure_source_id: review.measure_source_id.clone(),
        cadre_id: review.cadre_id.clone(),
        review_id: review.id.clone(),
        decision,
        decided_on,
        updated_at: clock::now(),
    }))
}

/// The care service's feed of 容错 decisions.
#[derive(Debug, Clone, Copy, Default)]
pub struct CareFeed;

impl FeedSource for CareFeed {
    const SOURCE: &'static str = CARE_SOURCE;
    type Snapshot = Vec<care::ToleranceReview>;

    fn event_types() -> Vec<String> {
        vec![ToleranceReviewDecidedEvent::full_name()]
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let Some(decided) = payload::<ToleranceReviewDecidedEvent>(event)? else { return Ok(false) };
        let review = decided.review.ok_or_else(|| {
            ApiError::invalid_argument("EVENT_UNREADABLE", "a 容错 decision without its review")
        })?;
        if let Some(row) = exemption_row(&review)? {
            decision_store::keep_exemption(conn, &row)?;
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
            match exemption_row(review) {
                Ok(Some(row)) => {
                    listed.insert(row.measure_source_id.clone());
                    decision_store::keep_exemption(conn, &row)?;
                }
                Ok(None) => {}
                Err(error) => {
                    // Still listed: what was stored for its measure stays until a readable decision replaces it.
                    if !review.measure_source_id.is_empty() {
                        listed.insert(review.measure_source_id.clone());
                    }
                    tracing::error!(%error, "skipped a 容错 decision that cannot be read");
                }
            }
        }
        decision_store::retain_exemptions(conn, &listed)
    }

    fn describe(snapshot: &Self::Snapshot) -> String {
        format!("{} 容错 reviews", snapshot.len())
    }
}

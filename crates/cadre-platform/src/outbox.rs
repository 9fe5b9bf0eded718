//! The transactional outbox: events are written in the same transaction as the change they describe, and
//! the event feed (`feed`) serves them in commit order.
//!
//! Commit order equals `seq` order because every mutation holds the audit chain's lock (see
//! `audit::lock_chain`) from before its first outbox insert until commit.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use prost::{Message, Name};

use crate::{
    context::CallContext,
    db::DbConn,
    error::ApiError,
    schema::{feed_state, outbox_events},
};

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
pub struct StoredEvent {
    /// Commit-ordered position.
    pub seq: i64,
    /// Unique id (UUIDv7).
    pub event_id: String,
    /// Fully-qualified payload message name.
    pub event_type: String,
    /// The resource, e.g. `cadres/0190...`.
    pub subject: String,
    /// Encoded payload.
    pub payload: Vec<u8>,
    /// W3C traceparent of the causing request, or empty.
    pub traceparent: String,
    /// When it was written.
    pub occurred_at: NaiveDateTime,
}

/// Writes an event into the outbox inside the caller's transaction.
pub fn publish<M: Message + Name>(
    conn: &mut DbConn,
    ctx: &CallContext,
    subject: &str,
    payload: &M,
) -> Result<String, ApiError> {
    let event_id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::event_id.eq(&event_id),
            outbox_events::event_type.eq(M::full_name()),
            outbox_events::subject.eq(subject),
            outbox_events::payload.eq(payload.encode_to_vec()),
            outbox_events::traceparent.eq(&ctx.traceparent),
            outbox_events::occurred_at.eq(crate::clock::now()),
        ))
        .execute(conn)?;
    Ok(event_id)
}

/// Events after `after_seq`, oldest first, optionally only of some types.
pub fn read_after(
    conn: &mut DbConn,
    after_seq: i64,
    event_types: &[String],
    limit: i64,
) -> Result<Vec<StoredEvent>, ApiError> {
    let mut query = outbox_events::table
        .filter(outbox_events::seq.gt(after_seq))
        .order(outbox_events::seq.asc())
        .limit(limit)
        .select(StoredEvent::as_select())
        .into_boxed();
    if !event_types.is_empty() {
        query = query.filter(outbox_events::event_type.eq_any(event_types));
    }
    Ok(query.load(conn)?)
}

/// The newest event's seq, or 0.
pub fn head_seq(conn: &mut DbConn) -> Result<i64, ApiError> {
    let head: Option<i64> = outbox_events::table.select(diesel::dsl::max(outbox_events::seq)).first(conn)?;
    Ok(head.unwrap_or(0))
}

/// The seq through which events have been pruned: cursors before it have expired.
pub fn pruned_through(conn: &mut DbConn) -> Result<i64, ApiError> {
    Ok(feed_state::table.find(1).select(feed_state::pruned_through).first(conn)?)
}

/// Deletes events that committed before `before`, keeping at least the newest one so the head survives.
/// Returns how many were removed.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let head = head_seq(conn)?;
        let cutoff: Option<i64> = outbox_events::table
            .filter(outbox_events::occurred_at.lt(before))
            .filter(outbox_events::seq.lt(head))
            .select(diesel::dsl::max(outbox_events::seq))
            .first(conn)?;
        let Some(cutoff) = cutoff else { return Ok(0) };
        let removed =
            diesel::delete(outbox_events::table.filter(outbox_events::seq.le(cutoff))).execute(conn)?;
        diesel::update(feed_state::table.find(1)).set(feed_state::pruned_through.eq(cutoff)).execute(conn)?;
        Ok(removed)
    })
}

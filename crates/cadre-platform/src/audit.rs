//! The audit trail: one record per mutation and per read of sensitive personal data, written in the same
//! transaction as the work it records, each record's hash covering the one before it, so that an edit, a
//! deletion or a reordering anywhere in the trail is found by [`verify`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::{
    context::CallContext,
    db::DbConn,
    error::ApiError,
    schema::{audit_head, audit_log},
};

/// The hash the first record links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, as the caller of [`append`] knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The RPC, e.g. `cadre.directory.v1.DirectoryService/UpdateCadre`.
    pub method: String,
    /// Kind of object, e.g. `cadre`.
    pub object_type: String,
    /// Its id.
    pub object_id: String,
    /// `OK` or the reason it was refused.
    pub outcome: String,
    /// The mutation's request id, or empty for reads.
    pub request_id: String,
}

/// One stored record.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRecord {
    /// Position in the chain, from 1 with no gaps.
    pub seq: i64,
    /// Unique id (UUIDv7).
    pub record_id: String,
    /// When it was written (UTC).
    pub recorded_at: NaiveDateTime,
    /// Who acted.
    pub actor: String,
    /// For whom, or empty.
    pub on_behalf_of: String,
    /// The RPC.
    pub method: String,
    /// Kind of object.
    pub object_type: String,
    /// Its id.
    pub object_id: String,
    /// The outcome.
    pub outcome: String,
    /// Trace id, or empty.
    pub trace_id: String,
    /// Request id, or empty.
    pub request_id: String,
    /// Hash of the previous record (or [`GENESIS_HASH`]).
    pub prev_hash: String,
    /// Hash of this record's fields and `prev_hash`.
    pub hash: String,
}

impl AuditRecord {
    /// The hash this record must carry.
    pub fn expected_hash(&self) -> String {
        let mut hasher = Sha256::new();
        // Length-prefixed fields: no choice of field contents can make two different records hash alike.
        let micros = self.recorded_at.and_utc().timestamp_micros().to_string();
        let seq = self.seq.to_string();
        for field in [
            self.prev_hash.as_str(),
            seq.as_str(),
            self.record_id.as_str(),
            micros.as_str(),
            self.actor.as_str(),
            self.on_behalf_of.as_str(),
            self.method.as_str(),
            self.object_type.as_str(),
            self.object_id.as_str(),
            self.outcome.as_str(),
            self.trace_id.as_str(),
            self.request_id.as_str(),
        ] {
            hasher.update((field.len() as u64).to_le_bytes());
            hasher.update(field.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

/// Takes the chain's lock for the rest of the transaction.
///
/// On PostgreSQL the row lock serialises every writer of this database until commit, which also keeps
/// outbox sequence numbers in commit order (see `outbox`). SQLite's `BEGIN IMMEDIATE` already holds the
/// database lock, and the statement is harmless there.
pub fn lock_chain(conn: &mut DbConn) -> Result<(), ApiError> {
    diesel::update(audit_head::table.find(1)).set(audit_head::seq.eq(audit_head::seq)).execute(conn)?;
    Ok(())
}

/// Appends one record inside the caller's write transaction.
pub fn append(conn: &mut DbConn, ctx: &CallContext, entry: &AuditEntry) -> Result<AuditRecord, ApiError> {
    let (head_seq, head_hash): (i64, String) =
        audit_head::table.find(1).select((audit_head::seq, audit_head::hash)).first(conn)?;
    let mut record = AuditRecord {
        seq: head_seq + 1,
        record_id: uuid::Uuid::now_v7().to_string(),
        recorded_at: crate::clock::now(),
        actor: ctx.actor.clone(),
        on_behalf_of: ctx.on_behalf_of.clone(),
        method: entry.method.clone(),
        object_type: entry.object_type.clone(),
        object_id: entry.object_id.clone(),
        outcome: entry.outcome.clone(),
        trace_id: ctx.trace_id.clone(),
        request_id: entry.request_id.clone(),
        prev_hash: head_hash,
        hash: String::new(),
    };
    record.hash = record.expected_hash();
    diesel::insert_into(audit_log::table).values(&record).execute(conn)?;
    diesel::update(audit_head::table.find(1))
        .set((audit_head::seq.eq(record.seq), audit_head::hash.eq(&record.hash)))
        .execute(conn)?;
    Ok(record)
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records checked.
    pub records: u64,
    /// The first place the chain is broken, if any.
    pub broken: Option<ChainBreak>,
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first record that does not fit (or the head's seq for a truncated tail).
    pub seq: i64,
    /// What is wrong.
    pub problem: String,
}

/// Checks every record in order: sequence without gaps, each link, each hash, and the head.
///
/// The head is read first and the chain checked up to it, so records appended while the check runs (on a
/// live database) are neither missed nor mistaken for a truncation: everything up to the head committed
/// with it.
pub fn verify(conn: &mut DbConn) -> Result<VerifyReport, ApiError> {
    const BATCH: i64 = 5_000;
    let (head_seq, head_hash): (i64, String) =
        audit_head::table.find(1).select((audit_head::seq, audit_head::hash)).first(conn)?;
    let mut expected_seq = 1_i64;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut records = 0_u64;
    loop {
        let batch: Vec<AuditRecord> = audit_log::table
            .filter(audit_log::seq.ge(expected_seq))
            .filter(audit_log::seq.le(head_seq))
            .order(audit_log::seq.asc())
            .limit(BATCH)
            .select(AuditRecord::as_select())
            .load(conn)?;
        let done = (batch.len() as i64) < BATCH;
        for record in batch {
            let problem = if record.seq != expected_seq {
                Some(format!("expected record {expected_seq}, found {}", record.seq))
            } else if record.prev_hash != prev_hash {
                Some("link to the previous record does not match".to_owned())
            } else if record.hash != record.expected_hash() {
                Some("record content does not match its hash".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                return Ok(VerifyReport { records, broken: Some(ChainBreak { seq: expected_seq, problem }) });
            }
            records += 1;
            expected_seq += 1;
            prev_hash = record.hash;
        }
        if done {
            break;
        }
    }
    let broken = (head_seq != expected_seq - 1 || head_hash != prev_hash).then(|| ChainBreak {
        seq: head_seq,
        problem: format!("head names record {head_seq}, the chain ends at {}", expected_seq - 1),
    });
    Ok(VerifyReport { records, broken })
}

/// Reads records for the audit administrator, oldest first from `after_seq`.
pub fn list(conn: &mut DbConn, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>, ApiError> {
    Ok(audit_log::table
        .filter(audit_log::seq.gt(after_seq))
        .order(audit_log::seq.asc())
        .limit(limit)
        .select(AuditRecord::as_select())
        .load(conn)?)
}

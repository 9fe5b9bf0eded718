//! The one way a service changes its data: a write transaction that checks the request id, does the work,
//! publishes its events, appends its audit record and keeps its response, all or nothing.

use prost::{Message, Name};

use crate::{
    audit::{self, AuditEntry},
    context::CallContext,
    db::{Db, DbConn, write_transaction},
    error::ApiError,
    idempotency, outbox,
};

/// What a mutation's body works with.
pub struct Tx<'a> {
    conn: &'a mut DbConn,
    ctx: &'a CallContext,
    object: Option<(String, String)>,
    published: usize,
}

impl<'a> Tx<'a> {
    /// Wraps a connection that is already inside a write transaction holding the audit chain's lock, for
    /// batch work (imports) that commits many changes at once; [`Db::mutate`] is the usual way in.
    pub fn new(conn: &'a mut DbConn, ctx: &'a CallContext) -> Self {
        Self { conn, ctx, object: None, published: 0 }
    }

    /// How many events this transaction published.
    pub fn published(&self) -> usize {
        self.published
    }

    /// The connection, inside the transaction.
    pub fn conn(&mut self) -> &mut DbConn {
        self.conn
    }

    /// The caller.
    pub fn ctx(&self) -> &CallContext {
        self.ctx
    }

    /// Names the object the audit record is about (the last call wins).
    pub fn set_object(&mut self, object_type: &str, object_id: &str) {
        self.object = Some((object_type.to_owned(), object_id.to_owned()));
    }

    /// Publishes an event with the change.
    pub fn publish<M: Message + Name>(&mut self, subject: &str, payload: &M) -> Result<String, ApiError> {
        self.published += 1;
        outbox::publish(self.conn, self.ctx, subject, payload)
    }
}

impl Db {
    /// Runs a mutation under its request id. A replay returns the stored response without running `body`.
    pub async fn mutate<Req, Resp, F>(
        &self,
        ctx: CallContext,
        method: &'static str,
        request_id: &str,
        request: &Req,
        body: F,
    ) -> Result<Resp, ApiError>
    where
        Req: Message,
        Resp: Message + Default + Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<Resp, ApiError> + Send + 'static,
    {
        idempotency::validate_request_id(request_id)?;
        let request_hash = idempotency::fingerprint(request);
        let request_id = request_id.to_owned();
        let (key, hash) = (request_id.clone(), request_hash.clone());
        let outcome = self
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    audit::lock_chain(conn)?;
                    if let Some(replayed) = idempotency::lookup::<Resp>(conn, &key, method, &hash)? {
                        return Ok((replayed, 0));
                    }
                    let mut tx = Tx { conn, ctx: &ctx, object: None, published: 0 };
                    let response = body(&mut tx)?;
                    let (object_type, object_id) = tx.object.take().unwrap_or_default();
                    let published = tx.published;
                    let entry = AuditEntry {
                        method: method.to_owned(),
                        object_type,
                        object_id,
                        outcome: "OK".to_owned(),
                        request_id: key.clone(),
                    };
                    audit::append(conn, &ctx, &entry)?;
                    idempotency::record(conn, &key, method, &hash, &response)?;
                    Ok((response, published))
                })
            })
            .await;
        match outcome {
            Ok((response, published)) => {
                if published > 0 {
                    self.notify_committed();
                }
                Ok(response)
            }
            // A concurrent duplicate committed first (PostgreSQL, between our lookup and our insert): the
            // stored answer is the answer.
            Err(error) if error.code() == tonic::Code::AlreadyExists => {
                let replay = self
                    .run(move |conn| idempotency::lookup::<Resp>(conn, &request_id, method, &request_hash))
                    .await?;
                replay.ok_or(error)
            }
            Err(error) => Err(error),
        }
    }

    /// Runs a read of sensitive personal data and records it in the audit trail in the same transaction.
    pub async fn audited_read<T, F>(
        &self,
        ctx: CallContext,
        method: &'static str,
        object_type: &'static str,
        object_id: String,
        read: F,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        self.write(move |conn| {
            audit::lock_chain(conn)?;
            let value = read(conn)?;
            let entry = AuditEntry {
                method: method.to_owned(),
                object_type: object_type.to_owned(),
                object_id,
                outcome: "OK".to_owned(),
                request_id: String::new(),
            };
            audit::append(conn, &ctx, &entry)?;
            Ok(value)
        })
        .await
    }

    /// Records a refused call in the audit chain, like an allowed one: who, which method, about which object
    /// if the refusal was about one, and why.
    pub async fn audit_refusal(
        &self,
        ctx: CallContext,
        method: String,
        object_type: &'static str,
        object_id: &str,
        reason: &'static str,
        request_id: String,
    ) -> Result<(), ApiError> {
        let object_id = object_id.to_owned();
        self.write(move |conn| {
            audit::lock_chain(conn)?;
            let entry = AuditEntry {
                method,
                object_type: object_type.to_owned(),
                object_id,
                outcome: format!("DENIED:{reason}"),
                request_id,
            };
            audit::append(conn, &ctx, &entry)?;
            Ok(())
        })
        .await
    }
}

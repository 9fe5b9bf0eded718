//! The event feed (`cadre.events.v1.EventFeedService`) over a service's outbox: replay from a cursor, then
//! follow new commits, with Kubernetes-watch semantics (an expired cursor means relist).

use std::{pin::Pin, time::Duration};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use cadre_proto::events::{Event, WatchRequest, WatchResponse, event_feed_service_server::EventFeedService};
use tokio::sync::mpsc;
use tokio_stream::{Stream, wrappers::ReceiverStream};
use tonic::{Request, Response, Status};

use crate::{
    db::Db,
    error::ApiError,
    outbox::{self, StoredEvent},
    server::Shutdown,
};

const BATCH: i64 = 500;
const ERROR_DOMAIN: &str = "events.cadre";

/// Serves one service's outbox.
#[derive(Clone)]
pub struct EventFeed {
    db: Db,
    source: &'static str,
    poll_interval: Duration,
    shutdown: Shutdown,
}

impl EventFeed {
    /// A feed of `db`'s outbox, labelled with `source` (the service's target name).
    pub fn new(db: Db, source: &'static str, poll_interval: Duration, shutdown: Shutdown) -> Self {
        Self { db, source, poll_interval, shutdown }
    }
}

/// Encodes a position in `source`'s feed.
pub fn encode_cursor(source: &str, seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("1:{source}:{seq}"))
}

/// Decodes a cursor of `source`'s feed.
pub fn decode_cursor(source: &str, cursor: &str) -> Result<i64, ApiError> {
    let invalid = || {
        ApiError::invalid_argument("INVALID_CURSOR", "cursor is not a cursor of this feed")
            .with_violation("cursor", "not a cursor returned by this feed")
    };
    let text =
        String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next().map(str::parse::<i64>)) {
        (Some("1"), Some(s), Some(Ok(seq))) if s == source && seq >= 0 => Ok(seq),
        _ => Err(invalid()),
    }
}

fn to_event(source: &str, stored: StoredEvent) -> Event {
    Event {
        cursor: encode_cursor(source, stored.seq),
        event_id: stored.event_id,
        payload: Some(prost_types::Any {
            type_url: format!("type.googleapis.com/{}", stored.event_type),
            value: stored.payload,
        }),
        event_type: stored.event_type,
        source: source.to_owned(),
        subject: stored.subject,
        occur_time: Some(crate::clock::to_timestamp(stored.occurred_at)),
        traceparent: stored.traceparent,
    }
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<WatchResponse, Status>> + Send>>;

#[tonic::async_trait]
impl EventFeedService for EventFeed {
    type WatchStream = WatchStream;

    async fn watch(&self, request: Request<WatchRequest>) -> Result<Response<WatchStream>, Status> {
        let request = request.into_inner();
        let source = self.source;
        let given = if request.cursor.is_empty() {
            None
        } else {
            Some(decode_cursor(source, &request.cursor).map_err(|e| e.into_status(ERROR_DOMAIN))?)
        };
        let from_head = request.from_head;
        let (start, pruned) = self
            .db
            .run(move |conn| {
                let pruned = outbox::pruned_through(conn)?;
                let start = match given {
                    Some(seq) => seq,
                    None if from_head => outbox::head_seq(conn)?,
                    None => pruned,
                };
                Ok((start, pruned))
            })
            .await
            .map_err(|e| e.into_status(ERROR_DOMAIN))?;
        if start < pruned {
            return Err(ApiError::failed_precondition(
                "CURSOR_EXPIRED",
                "the cursor is older than the feed's retention: relist, then watch from the head",
            )
            .with_metadata("pruned_through", pruned.to_string())
            .into_status(ERROR_DOMAIN));
        }

        let (tx, rx) = mpsc::channel(64);
        let feed = self.clone();
        let types = request.event_types;
        tokio::spawn(async move { feed.follow(start, types, tx).await });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

impl EventFeed {
    /// Sends events after `cursor` until the client goes away or the process shuts down.
    async fn follow(
        self,
        mut cursor: i64,
        types: Vec<String>,
        tx: mpsc::Sender<Result<WatchResponse, Status>>,
    ) {
        let committed = self.db.committed_signal();
        let mut announced_caught_up = false;
        loop {
            // Register for the wake-up before reading, so a commit between the read and the wait is not missed.
            let notified = committed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();

            let types_for_read = types.clone();
            let batch =
                self.db.run(move |conn| outbox::read_after(conn, cursor, &types_for_read, BATCH)).await;
            let batch = match batch {
                Ok(batch) => batch,
                Err(error) => {
                    let _ = tx.send(Err(error.into_status(ERROR_DOMAIN))).await;
                    return;
                }
            };
            if batch.is_empty() {
                if !announced_caught_up {
                    let marker = WatchResponse {
                        event: None,
                        cursor: encode_cursor(self.source, cursor),
                        caught_up: true,
                    };
                    if tx.send(Ok(marker)).await.is_err() {
                        return;
                    }
                    announced_caught_up = true;
                }
                let shutdown = self.shutdown.clone();
                tokio::select! {
                    () = &mut notified => {}
                    () = tokio::time::sleep(self.poll_interval) => {}
                    () = tx.closed() => return,
                    () = shutdown.wait() => return,
                }
                continue;
            }
            announced_caught_up = false;
            for stored in batch {
                cursor = stored.seq;
                let event = to_event(self.source, stored);
                let item =
                    WatchResponse { cursor: event.cursor.clone(), event: Some(event), caught_up: false };
                if tx.send(Ok(item)).await.is_err() {
                    return;
                }
            }
            if self.shutdown.is_fired() {
                return;
            }
        }
    }
}

/// Prunes events older than `retention` once an hour until shutdown.
pub async fn run_pruner(db: Db, retention: Duration, shutdown: Shutdown) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.clone().wait() => return,
        }
        let before =
            crate::clock::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(30));
        match db.run(move |conn| outbox::prune(conn, before)).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "pruned old events"),
            Err(error) => tracing::warn!(%error, "event pruning failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_bound_to_their_feed() {
        let cursor = encode_cursor("directory", 42);
        assert_eq!(decode_cursor("directory", &cursor).unwrap(), 42);
        assert_eq!(decode_cursor("leave", &cursor).unwrap_err().reason(), "INVALID_CURSOR");
        assert_eq!(decode_cursor("directory", "garbage!").unwrap_err().reason(), "INVALID_CURSOR");
        let negative = URL_SAFE_NO_PAD.encode("1:directory:-1");
        assert!(decode_cursor("directory", &negative).is_err());
    }
}

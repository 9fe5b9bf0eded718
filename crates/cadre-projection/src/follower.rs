//! Follows one service's event feed (`cadre.events.v1.EventFeedService`) into local tables, the way a
//! Kubernetes informer follows a resource: apply each event, and relist when the feed no longer knows where
//! the follower was.
//!
//! What is followed is a [`FeedSource`]: the directory's units and cadres ([`crate::DirectoryFeed`]), or
//! any other service's feed a service implements the trait for in its own crate.
//!
//! Each event is applied, and its cursor saved, in one write transaction, so the local rows and the cursor
//! never disagree and a restart resumes exactly where the last commit left off. A broken stream is resumed
//! from the saved cursor after a capped backoff. When the feed says the cursor has expired (its events were
//! pruned) or is not one of its own, the follower relists the source and follows on from the feed's head.

use std::{future::Future, sync::Arc, time::Duration};

use cadre_platform::{
    ApiError, Db, DbConn,
    auth::{AnyCaller, PrincipalSigner, SystemCaller},
    feed::encode_cursor,
    server::Shutdown,
};
use cadre_proto::events::{
    Event, WatchRequest, WatchResponse, event_feed_service_client::EventFeedServiceClient,
};
use prost::{Message, Name};
use tokio::{sync::watch, task::JoinHandle};
use tonic::{
    Code, Status, Streaming,
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Channel, Endpoint},
};

use crate::store;

/// One followed feed: what its events do to the local tables, and how to list its current state when the
/// feed cannot say what changed.
///
/// Implement it in the service that follows the feed; [`Follower::spawn`] then runs it. `apply` and
/// `replace` run inside the follower's write transaction, which also moves the source's cursor, so they
/// must not open transactions of their own. The cursor is a row of `feed_cursors`, which the projection's
/// DDL ([`crate::DIRECTORY_PROJECTION_DDL`]) creates in every service that has this crate's tables.
pub trait FeedSource: Send + 'static {
    /// The feed's source name (its service's target, e.g. `"directory"`): the `source` of its events,
    /// the name inside its cursors, and the key of the follower's row in `feed_cursors`.
    const SOURCE: &'static str;

    /// Everything a relist gathered, handed to [`FeedSource::replace`] in one transaction.
    type Snapshot: Send + 'static;

    /// The full names of the payload types followed, for `WatchRequest.event_types`.
    fn event_types() -> Vec<String>;

    /// Applies one event; returns whether it was of a followed type. Applying an event the rows already
    /// reflect (a retry, or an event a relist's listing already saw) must leave them as they are, which
    /// events carrying whole records give for free. A payload that cannot be read should be
    /// `INVALID_ARGUMENT` with reason `EVENT_UNREADABLE`: the follower skips it (loudly) rather than stop.
    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError>;

    /// Lists the source's current state through `upstream`, all pages of it. Called when the feed no longer
    /// knows the follower's cursor; a failure is retried after the backoff.
    fn relist(
        &mut self,
        upstream: &Upstream,
    ) -> impl Future<Output = Result<Self::Snapshot, RelistFailed>> + Send;

    /// Makes the local tables what `snapshot` says, including forgetting (or retiring) what it no longer
    /// lists.
    fn replace(conn: &mut DbConn, snapshot: &Self::Snapshot) -> Result<(), ApiError>;

    /// A short account of a snapshot for the log line of a relist, e.g. `"12 units, 300 cadres"`.
    fn describe(snapshot: &Self::Snapshot) -> String {
        let _ = snapshot;
        String::new()
    }
}

/// A relist that could not be completed; the follower retries it after the backoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelistFailed(pub String);

impl std::fmt::Display for RelistFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RelistFailed {}

/// The principal every call of a follower carries, whichever interceptor supplies it: erasing its type
/// keeps [`FeedSource::relist`] free of a type parameter.
pub type Caller = AnyCaller;

/// A channel to the followed service with the follower's principal on every call: build the source's
/// generated client over it (`FooServiceClient::new(upstream.channel())`).
pub type UpstreamChannel = InterceptedService<Channel, Caller>;

/// The followed service as a relist sees it.
#[derive(Debug, Clone)]
pub struct Upstream {
    channel: UpstreamChannel,
    call_timeout: Duration,
    page_size: i32,
    source: &'static str,
}

impl Upstream {
    /// The channel to the followed service, carrying the follower's principal.
    pub fn channel(&self) -> UpstreamChannel {
        self.channel.clone()
    }

    /// Records per page of a relist (see [`FollowerSettings::page_size`]).
    pub fn page_size(&self) -> i32 {
        self.page_size
    }

    /// Awaits one unary call of a relist, bounded by [`FollowerSettings::call_timeout`]; `method` names it in
    /// the error. Any refusal is a [`RelistFailed`]: a relist is retried, never itself a reason to relist.
    pub async fn call<T, F>(&self, method: &str, call: F) -> Result<T, RelistFailed>
    where
        F: Future<Output = Result<tonic::Response<T>, Status>>,
    {
        match tokio::time::timeout(self.call_timeout, call).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(RelistFailed(format!(
                "{method} failed during a relist of the {}, {:?}: {}",
                self.source,
                status.code(),
                status.message()
            ))),
            Err(_) => Err(RelistFailed(format!("{method} timed out during a relist of the {}", self.source))),
        }
    }
}

/// How a follower paces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerSettings {
    /// The wait before the first retry, and after a stream the source ended cleanly (a restart): short,
    /// so a rolling restart of the source costs little staleness.
    pub initial_backoff: Duration,
    /// The longest wait between retries: a source that is down for long is not hammered.
    pub max_backoff: Duration,
    /// How long connecting, opening the watch and each call of a relist may take; the watch stream itself
    /// is long-lived and bounded only by HTTP/2 keep-alive.
    pub call_timeout: Duration,
    /// Records per page of a relist: large pages make a relist of a whole district a few calls.
    pub page_size: i32,
}

impl Default for FollowerSettings {
    fn default() -> Self {
        Self {
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(30),
            call_timeout: Duration::from_secs(10),
            page_size: 500,
        }
    }
}

/// Where a follower is, published on a `tokio::sync::watch` channel so readiness checks and tests can
/// wait for the local rows to be current instead of sleeping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowerState {
    /// Whether the follower has every event the source had committed when it last said so
    /// (`WatchResponse.caught_up`) and the stream is still open. False again while reconnecting.
    pub caught_up: bool,
    /// The cursor last saved: where a restart would resume.
    pub cursor: String,
    /// Events applied (or found not to concern the follower) since it started.
    pub applied: u64,
    /// Relists done since the follower started.
    pub relists: u64,
}

/// A running follower of one feed.
#[derive(Debug)]
pub struct Follower {
    state: watch::Receiver<FollowerState>,
    task: JoinHandle<()>,
}

impl Follower {
    /// Starts following `source`'s feed at `endpoint` as the suite's `system:<caller>` (e.g. `"leave"`),
    /// with principals `signer` signs, until `shutdown`. It connects on first use, so the follower's service
    /// may start before the followed one. Fails only on an endpoint that is not a URL. Call it inside the
    /// Tokio runtime, after the migrations that create its tables: the follower is a task that writes to
    /// them from its first event.
    pub fn spawn<S: FeedSource>(
        source: S,
        db: Db,
        endpoint: &str,
        caller: &str,
        signer: Arc<PrincipalSigner>,
        shutdown: Shutdown,
        settings: FollowerSettings,
    ) -> anyhow::Result<Self> {
        Self::spawn_as(source, db, endpoint, SystemCaller::new(signer, caller), shutdown, settings)
    }

    /// As [`Follower::spawn`], sending calls through `caller` instead: for tests, and for a deployment where
    /// the follower must present another principal to the followed service.
    pub fn spawn_as<S, I>(
        source: S,
        db: Db,
        endpoint: &str,
        caller: I,
        shutdown: Shutdown,
        settings: FollowerSettings,
    ) -> anyhow::Result<Self>
    where
        S: FeedSource,
        I: Interceptor + Clone + Send + Sync + 'static,
    {
        let channel = Endpoint::from_shared(endpoint.to_owned())
            .map_err(|e| anyhow::anyhow!("{} endpoint {endpoint:?}: {e}", S::SOURCE))?
            .connect_timeout(settings.call_timeout)
            // The watch stream is idle while the source is quiet: pings find a dead peer that TCP would not.
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(10))
            .keep_alive_while_idle(true)
            .connect_lazy();
        let channel = InterceptedService::new(channel, Caller::new(caller));
        let (sender, state) = watch::channel(FollowerState::default());
        let task = Task {
            source,
            db,
            feed: EventFeedServiceClient::new(channel.clone()),
            upstream: Upstream {
                channel,
                call_timeout: settings.call_timeout,
                page_size: settings.page_size,
                source: S::SOURCE,
            },
            settings,
            state: sender,
            relist_pending: false,
            progressed: false,
        };
        let task = tokio::spawn(task.run(shutdown));
        Ok(Self { state, task })
    }

    /// Whether the local rows are current with the source (see [`FollowerState::caught_up`]).
    pub fn caught_up(&self) -> bool {
        self.state.borrow().caught_up
    }

    /// The follower's current state.
    pub fn state(&self) -> FollowerState {
        self.state.borrow().clone()
    }

    /// A receiver of every change of the follower's state. A borrow of it (including the one `wait_for`
    /// returns) blocks the follower's next update while held: drop it promptly.
    pub fn subscribe(&self) -> watch::Receiver<FollowerState> {
        self.state.clone()
    }

    /// Waits until the follower is caught up. Returns `false` if it stopped first (shutdown).
    pub async fn wait_caught_up(&self) -> bool {
        self.state.clone().wait_for(|s| s.caught_up).await.is_ok()
    }

    /// The follower's task, which ends after the shutdown fires.
    pub fn into_task(self) -> JoinHandle<()> {
        self.task
    }
}

/// Why a session with the feed ended.
#[derive(Debug)]
enum Stop {
    /// The cursor is older than the feed's retention, or not one of its cursors: relist.
    Expired,
    /// Another follower moved the saved cursor: resume from it.
    Stale,
    /// Anything else: retry after a backoff.
    Failed(String),
}

impl From<ApiError> for Stop {
    fn from(error: ApiError) -> Self {
        Stop::Failed(format!("the follower's database: {error}"))
    }
}

impl From<RelistFailed> for Stop {
    fn from(error: RelistFailed) -> Self {
        Stop::Failed(error.0)
    }
}

/// The error the feed reports, told apart by its `ErrorInfo` reason. A cursor the feed does not recognise
/// (the source's feed was rebuilt) is as useless as an expired one: both mean relist.
fn stop_of(source: &str, status: &Status) -> Stop {
    let reason = error_reason(status);
    match (status.code(), reason.as_deref()) {
        (Code::FailedPrecondition, Some("CURSOR_EXPIRED"))
        | (Code::InvalidArgument, Some("INVALID_CURSOR")) => Stop::Expired,
        (code, _) => Stop::Failed(format!("the {source} answered {code:?}: {}", status.message())),
    }
}

/// `google.rpc.Status`, as far as the follower reads it.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<prost_types::Any>,
}

/// `google.rpc.ErrorInfo`, as far as the follower reads it.
#[derive(Clone, PartialEq, prost::Message)]
struct ErrorInfo {
    #[prost(string, tag = "1")]
    reason: String,
    #[prost(string, tag = "2")]
    domain: String,
}

/// The `ErrorInfo` reason in a status's details (decoded by hand: `tonic-types` is not a dependency here).
fn error_reason(status: &Status) -> Option<String> {
    let rich = RpcStatus::decode(status.details()).ok()?;
    rich.details
        .iter()
        .find(|any| any.type_url.ends_with("/google.rpc.ErrorInfo"))
        .and_then(|any| ErrorInfo::decode(any.value.as_slice()).ok())
        .map(|info| info.reason)
}

/// The follower's task state.
struct Task<S> {
    source: S,
    db: Db,
    feed: EventFeedServiceClient<UpstreamChannel>,
    upstream: Upstream,
    settings: FollowerSettings,
    state: watch::Sender<FollowerState>,
    /// The feed said the cursor expired, and no relist has succeeded since.
    relist_pending: bool,
    /// The last session saved something: the next retry starts from the initial backoff again.
    progressed: bool,
}

impl<S: FeedSource> Task<S> {
    async fn run(mut self, shutdown: Shutdown) {
        let source = S::SOURCE;
        let mut backoff = self.settings.initial_backoff;
        loop {
            self.progressed = false;
            let outcome = tokio::select! {
                outcome = self.session() => outcome,
                () = shutdown.clone().wait() => return,
            };
            self.state.send_if_modified(|s| std::mem::replace(&mut s.caught_up, false));
            if self.progressed {
                backoff = self.settings.initial_backoff;
            }
            let wait = match outcome {
                Ok(()) => {
                    tracing::info!(source, "the source ended the event stream; resuming");
                    self.settings.initial_backoff
                }
                Err(Stop::Expired) => {
                    tracing::warn!(source, "the feed no longer knows our cursor; relisting");
                    self.relist_pending = true;
                    continue;
                }
                Err(Stop::Stale) => {
                    tracing::info!(source, "another follower advanced the cursor; resuming from it");
                    self.settings.initial_backoff
                }
                Err(Stop::Failed(error)) => {
                    tracing::warn!(source, %error, retry_in = ?backoff, "following the feed failed");
                    let wait = backoff;
                    backoff = (backoff * 2).min(self.settings.max_backoff);
                    wait
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = shutdown.clone().wait() => return,
            }
        }
    }

    /// Opens the feed, relisting first if needed, and applies what it sends until it ends or fails.
    async fn session(&mut self) -> Result<(), Stop> {
        let stored = self.db.run(|conn| store::cursor(conn, S::SOURCE)).await?;
        let (mut stream, mut expected) = if self.relist_pending {
            let mut stream = self.open(String::new(), true).await?;
            // The head as the feed sees it before the listing: events from here on are applied over the
            // listed state, which they can only bring forward (each carries the whole record).
            let first = self.next(&mut stream).await?.ok_or_else(|| {
                Stop::Failed(format!("the {} ended the event stream before its head", S::SOURCE))
            })?;
            let cursor = self.relist(stored, first).await?;
            self.relist_pending = false;
            (stream, Some(cursor))
        } else {
            // With no cursor yet, start before the first event explicitly (rather than with an empty cursor,
            // "the oldest retained event"), so that a feed already pruned says CURSOR_EXPIRED and the
            // follower relists instead of building its rows with a hole in them.
            let from = stored.clone().unwrap_or_else(|| encode_cursor(S::SOURCE, 0));
            (self.open(from, false).await?, stored)
        };
        while let Some(item) = self.next(&mut stream).await? {
            expected = Some(self.handle(expected, item).await?);
        }
        Ok(())
    }

    /// Applies one item of the stream; returns the cursor now saved.
    async fn handle(&mut self, expected: Option<String>, item: WatchResponse) -> Result<String, Stop> {
        let WatchResponse { event, cursor, caught_up } = item;
        match event {
            Some(event) => {
                let saved = cursor.clone();
                let moved = self
                    .db
                    .write(move |conn| {
                        if !store::advance_cursor(conn, S::SOURCE, expected.as_deref(), &saved)? {
                            return Ok(false);
                        }
                        apply_or_skip::<S>(conn, &event)?;
                        Ok(true)
                    })
                    .await?;
                if !moved {
                    return Err(Stop::Stale);
                }
                self.progressed = true;
                self.state.send_modify(|s| {
                    s.cursor.clone_from(&cursor);
                    s.applied += 1;
                    s.caught_up = caught_up;
                });
            }
            None => {
                // A caught-up marker: its cursor may have moved past events of types not followed.
                if expected.as_deref() != Some(cursor.as_str()) {
                    let saved = cursor.clone();
                    let moved = self
                        .db
                        .write(move |conn| {
                            store::advance_cursor(conn, S::SOURCE, expected.as_deref(), &saved)
                        })
                        .await?;
                    if !moved {
                        return Err(Stop::Stale);
                    }
                    self.progressed = true;
                }
                self.state.send_modify(|s| {
                    s.cursor.clone_from(&cursor);
                    s.caught_up = caught_up;
                });
            }
        }
        Ok(cursor)
    }

    /// Opens a watch of the followed event types.
    async fn open(&mut self, cursor: String, from_head: bool) -> Result<Streaming<WatchResponse>, Stop> {
        let request = WatchRequest { cursor, event_types: S::event_types(), from_head };
        match tokio::time::timeout(self.settings.call_timeout, self.feed.watch(request)).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(stop_of(S::SOURCE, &status)),
            Err(_) => Err(Stop::Failed(format!("the {} did not open the event stream in time", S::SOURCE))),
        }
    }

    /// The next item of the stream; `None` when the source ended it.
    async fn next(&mut self, stream: &mut Streaming<WatchResponse>) -> Result<Option<WatchResponse>, Stop> {
        stream.message().await.map_err(|status| stop_of(S::SOURCE, &status))
    }

    /// Replaces the local rows with the source's current state, in one transaction that also saves the
    /// cursor of `first` (the first item of a stream opened from the head) and applies it if it is an
    /// event. Returns that cursor.
    async fn relist(&mut self, stored: Option<String>, first: WatchResponse) -> Result<String, Stop> {
        let snapshot = self.source.relist(&self.upstream).await?;
        let summary = S::describe(&snapshot);
        let cursor = first.cursor.clone();
        let caught_up = first.caught_up;
        let saved = cursor.clone();
        let moved = self
            .db
            .write(move |conn| {
                if !store::advance_cursor(conn, S::SOURCE, stored.as_deref(), &saved)? {
                    return Ok(false);
                }
                S::replace(conn, &snapshot)?;
                if let Some(event) = &first.event {
                    apply_or_skip::<S>(conn, event)?;
                }
                Ok(true)
            })
            .await?;
        if !moved {
            return Err(Stop::Stale);
        }
        tracing::info!(source = S::SOURCE, %summary, "relisted");
        self.progressed = true;
        self.state.send_modify(|s| {
            s.cursor.clone_from(&cursor);
            s.relists += 1;
            s.caught_up = caught_up;
        });
        Ok(cursor)
    }
}

/// Applies an event, skipping (loudly) one whose payload cannot be read: retrying cannot make it readable,
/// and stopping there would leave every later change unapplied.
fn apply_or_skip<S: FeedSource>(conn: &mut DbConn, event: &Event) -> Result<(), ApiError> {
    match S::apply(conn, event) {
        Ok(_) => Ok(()),
        Err(error) if error.reason() == "EVENT_UNREADABLE" => {
            tracing::error!(
                source = S::SOURCE,
                event_id = %event.event_id,
                %error,
                "skipped an event that cannot be read"
            );
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// The payload of `event` if it is an `M`; `None` for an event of another type, `EVENT_UNREADABLE` for one of
/// this type that does not decode (a follower skips or stops on it as its source decides).
pub fn payload<M: Message + Name + Default>(event: &Event) -> Result<Option<M>, ApiError> {
    let Some(any) = &event.payload else { return Ok(None) };
    if any.type_url.rsplit('/').next() != Some(M::full_name().as_str()) {
        return Ok(None);
    }
    M::decode(any.value.as_slice()).map(Some).map_err(|e| {
        ApiError::invalid_argument("EVENT_UNREADABLE", format!("cannot decode {}: {e}", any.type_url))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_cursor_is_told_from_other_refusals() {
        let stop = |status: &Status| stop_of("directory", status);
        let expired = ApiError::failed_precondition("CURSOR_EXPIRED", "relist").into_status("events.cadre");
        assert!(matches!(stop(&expired), Stop::Expired));
        let other = ApiError::failed_precondition("SOMETHING_ELSE", "no").into_status("events.cadre");
        assert!(matches!(stop(&other), Stop::Failed(_)));
        let foreign = ApiError::invalid_argument("INVALID_CURSOR", "not ours").into_status("events.cadre");
        assert!(matches!(stop(&foreign), Stop::Expired));
        assert!(matches!(stop(&Status::failed_precondition("CURSOR_EXPIRED")), Stop::Failed(_)));
        assert!(matches!(stop(&Status::unavailable("down")), Stop::Failed(_)));
    }
}

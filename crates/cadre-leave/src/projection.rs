//! Keeps the projection of the directory (`store::projection`) current by following the directory's event
//! feed, as the suite itself.
//!
//! Each event is applied, and its cursor saved, in one write transaction, so the projection and the cursor
//! never disagree and a restart resumes exactly where the last commit left off. A broken stream is resumed
//! from the saved cursor after a capped backoff. When the feed says the cursor has expired (its events were
//! pruned), the follower relists the directory's units and cadres and follows on from the feed's head, the
//! way a Kubernetes informer does.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use cadre_platform::{
    ApiError, Db,
    auth::{PrincipalSigner, SystemCaller},
    feed::encode_cursor,
    server::Shutdown,
};
use cadre_proto::{
    directory::{self as dir, directory_service_client::DirectoryServiceClient},
    events::{Event, WatchRequest, WatchResponse, event_feed_service_client::EventFeedServiceClient},
};
use prost::Message as _;
use tokio::{sync::watch, task::JoinHandle};
use tonic::{
    Code, Status, Streaming,
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Channel, Endpoint},
};

use crate::store::projection as store;

/// The directory's name as an event source: the `source` of its events and the projection's cursor key.
pub const SOURCE: &str = "directory";

/// The system principal's part: the directory sees the follower as `system:leave`.
const CALLER: &str = "leave";

/// How the follower paces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerSettings {
    /// The wait before the first retry, and after a stream the directory ended cleanly (a restart): short,
    /// so a rolling restart of the directory costs little staleness.
    pub initial_backoff: Duration,
    /// The longest wait between retries: a directory that is down for long is not hammered.
    pub max_backoff: Duration,
    /// How long connecting, opening the watch and each page of a relist may take; the watch stream itself
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

/// Where the follower is, published on a `tokio::sync::watch` channel so readiness checks and tests can
/// wait for the projection to be current instead of sleeping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowerState {
    /// Whether the follower has every event the directory had committed when it last said so
    /// (`WatchResponse.caught_up`) and the stream is still open. False again while reconnecting.
    pub caught_up: bool,
    /// The cursor last saved: where a restart would resume.
    pub cursor: String,
    /// Events applied (or found not to concern the projection) since the follower started.
    pub applied: u64,
    /// Relists done since the follower started.
    pub relists: u64,
}

/// A running follower of the directory's feed.
#[derive(Debug)]
pub struct DirectoryFollower {
    state: watch::Receiver<FollowerState>,
    task: JoinHandle<()>,
}

impl DirectoryFollower {
    /// Starts following the directory at `endpoint` as the suite's `system:leave`, with principals `signer`
    /// signs, until `shutdown`. It connects on first use, so the leave service may start before the
    /// directory. Fails only on an endpoint that is not a URL. Call it inside the Tokio runtime: the follower
    /// is a task on it.
    pub fn spawn(
        db: Db,
        endpoint: &str,
        signer: Arc<PrincipalSigner>,
        shutdown: Shutdown,
        settings: FollowerSettings,
    ) -> anyhow::Result<Self> {
        Self::spawn_as(db, endpoint, SystemCaller::new(signer, CALLER), shutdown, settings)
    }

    /// As [`DirectoryFollower::spawn`], sending calls through `caller` instead: for tests, and for a
    /// deployment where the follower must present another principal to the directory.
    pub fn spawn_as<I>(
        db: Db,
        endpoint: &str,
        caller: I,
        shutdown: Shutdown,
        settings: FollowerSettings,
    ) -> anyhow::Result<Self>
    where
        I: Interceptor + Clone + Send + Sync + 'static,
    {
        let channel = Endpoint::from_shared(endpoint.to_owned())
            .map_err(|e| anyhow::anyhow!("directory endpoint {endpoint:?}: {e}"))?
            .connect_timeout(settings.call_timeout)
            // The watch stream is idle while the directory is quiet: pings find a dead peer that TCP would not.
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(10))
            .keep_alive_while_idle(true)
            .connect_lazy();
        let (sender, state) = watch::channel(FollowerState::default());
        let follower = Follower {
            db,
            feed: EventFeedServiceClient::with_interceptor(channel.clone(), caller.clone()),
            directory: DirectoryServiceClient::with_interceptor(channel, caller),
            settings,
            state: sender,
            relist_pending: false,
            progressed: false,
        };
        let task = tokio::spawn(follower.run(shutdown));
        Ok(Self { state, task })
    }

    /// Whether the projection is current with the directory (see [`FollowerState::caught_up`]).
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
        Stop::Failed(format!("the projection's database: {error}"))
    }
}

/// The error the feed reports, told apart by its `ErrorInfo` reason. A cursor the feed does not recognise
/// (the directory's feed was rebuilt) is as useless as an expired one: both mean relist.
fn stop_of(status: &Status) -> Stop {
    let reason = error_reason(status);
    match (status.code(), reason.as_deref()) {
        (Code::FailedPrecondition, Some("CURSOR_EXPIRED"))
        | (Code::InvalidArgument, Some("INVALID_CURSOR")) => Stop::Expired,
        (code, _) => Stop::Failed(format!("the directory answered {code:?}: {}", status.message())),
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
struct Follower<I> {
    db: Db,
    feed: EventFeedServiceClient<InterceptedService<Channel, I>>,
    directory: DirectoryServiceClient<InterceptedService<Channel, I>>,
    settings: FollowerSettings,
    state: watch::Sender<FollowerState>,
    /// The feed said the cursor expired, and no relist has succeeded since.
    relist_pending: bool,
    /// The last session saved something: the next retry starts from the initial backoff again.
    progressed: bool,
}

impl<I> Follower<I>
where
    I: Interceptor + Clone + Send + Sync + 'static,
{
    async fn run(mut self, shutdown: Shutdown) {
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
                    tracing::info!("the directory ended the event stream; resuming");
                    self.settings.initial_backoff
                }
                Err(Stop::Expired) => {
                    tracing::warn!(
                        "the directory's feed no longer knows our cursor; relisting the directory"
                    );
                    self.relist_pending = true;
                    continue;
                }
                Err(Stop::Stale) => {
                    tracing::info!("another follower advanced the directory cursor; resuming from it");
                    self.settings.initial_backoff
                }
                Err(Stop::Failed(error)) => {
                    tracing::warn!(%error, retry_in = ?backoff, "following the directory failed");
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
        let stored = self.db.run(|conn| store::cursor(conn, SOURCE)).await?;
        let (mut stream, mut expected) = if self.relist_pending {
            let mut stream = self.open(String::new(), true).await?;
            // The head as the feed sees it before the listing: events from here on are applied over the
            // listed state, which they can only bring forward (each carries the whole record).
            let first = self.next(&mut stream).await?.ok_or_else(|| {
                Stop::Failed("the directory ended the event stream before its head".to_owned())
            })?;
            let cursor = self.relist(stored, first).await?;
            self.relist_pending = false;
            (stream, Some(cursor))
        } else {
            // With no cursor yet, start before the first event explicitly (rather than with an empty cursor,
            // "the oldest retained event"), so that a feed already pruned says CURSOR_EXPIRED and the
            // follower relists instead of building a projection with a hole in it.
            let from = stored.clone().unwrap_or_else(|| encode_cursor(SOURCE, 0));
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
                        if !store::advance_cursor(conn, SOURCE, expected.as_deref(), &saved)? {
                            return Ok(false);
                        }
                        apply_or_skip(conn, &event)?;
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
                        .write(move |conn| store::advance_cursor(conn, SOURCE, expected.as_deref(), &saved))
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
        let request = WatchRequest { cursor, event_types: store::followed_event_types(), from_head };
        match tokio::time::timeout(self.settings.call_timeout, self.feed.watch(request)).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(stop_of(&status)),
            Err(_) => Err(Stop::Failed("the directory did not open the event stream in time".to_owned())),
        }
    }

    /// The next item of the stream; `None` when the directory ended it.
    async fn next(&mut self, stream: &mut Streaming<WatchResponse>) -> Result<Option<WatchResponse>, Stop> {
        stream.message().await.map_err(|status| stop_of(&status))
    }

    /// Replaces the projection with the directory's current units and cadres, in one transaction that also
    /// saves the cursor of `first` (the first item of a stream opened from the head) and applies it if it is
    /// an event. Returns that cursor.
    async fn relist(&mut self, stored: Option<String>, first: WatchResponse) -> Result<String, Stop> {
        let units = self.list_units().await?;
        let cadres = self.list_cadres().await?;
        let (unit_count, cadre_count) = (units.len(), cadres.len());
        let cursor = first.cursor.clone();
        let caught_up = first.caught_up;
        let saved = cursor.clone();
        let moved = self
            .db
            .write(move |conn| {
                if !store::advance_cursor(conn, SOURCE, stored.as_deref(), &saved)? {
                    return Ok(false);
                }
                for unit in &units {
                    store::upsert_unit(conn, unit)?;
                }
                for cadre in &cadres {
                    store::upsert_cadre(conn, cadre)?;
                }
                let unit_ids: BTreeSet<String> = units.iter().map(|u| u.id.clone()).collect();
                let cadre_ids: BTreeSet<String> = cadres.iter().map(|c| c.id.clone()).collect();
                store::retire_unlisted(conn, &unit_ids, &cadre_ids)?;
                if let Some(event) = &first.event {
                    apply_or_skip(conn, event)?;
                }
                Ok(true)
            })
            .await?;
        if !moved {
            return Err(Stop::Stale);
        }
        tracing::info!(units = unit_count, cadres = cadre_count, "relisted the directory");
        self.progressed = true;
        self.state.send_modify(|s| {
            s.cursor.clone_from(&cursor);
            s.relists += 1;
            s.caught_up = caught_up;
        });
        Ok(cursor)
    }

    /// Every unit, open or closed, roots first and then each root's subtree, ordered by depth.
    async fn list_units(&mut self) -> Result<Vec<dir::OrgUnit>, Stop> {
        let mut units = self.list_units_where(String::new()).await?;
        let roots: Vec<String> = units.iter().map(|u| u.id.clone()).collect();
        for root in roots {
            let below = self.list_units_where(root).await?;
            units.extend(below);
        }
        units.sort_by_key(|u| u.depth);
        Ok(units)
    }

    /// All pages of the roots (`ancestor_id` empty) or of one root's subtree.
    async fn list_units_where(&mut self, ancestor_id: String) -> Result<Vec<dir::OrgUnit>, Stop> {
        let mut units = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = dir::ListOrgUnitsRequest {
                ancestor_id: ancestor_id.clone(),
                include_closed: true,
                page_size: self.settings.page_size,
                page_token,
                ..Default::default()
            };
            let call = self.directory.list_org_units(request);
            let page = match tokio::time::timeout(self.settings.call_timeout, call).await {
                Ok(Ok(response)) => response.into_inner(),
                Ok(Err(status)) => return Err(relist_refused("ListOrgUnits", &status)),
                Err(_) => return Err(Stop::Failed("ListOrgUnits timed out during a relist".to_owned())),
            };
            units.extend(page.org_units);
            if page.next_page_token.is_empty() {
                return Ok(units);
            }
            page_token = page.next_page_token;
        }
    }

    /// Every cadre, whatever their status.
    async fn list_cadres(&mut self) -> Result<Vec<dir::Cadre>, Stop> {
        let mut cadres = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = dir::SearchCadresRequest {
                page_size: self.settings.page_size,
                page_token,
                ..Default::default()
            };
            let call = self.directory.search_cadres(request);
            let page = match tokio::time::timeout(self.settings.call_timeout, call).await {
                Ok(Ok(response)) => response.into_inner(),
                Ok(Err(status)) => return Err(relist_refused("SearchCadres", &status)),
                Err(_) => return Err(Stop::Failed("SearchCadres timed out during a relist".to_owned())),
            };
            cadres.extend(page.cadres);
            if page.next_page_token.is_empty() {
                return Ok(cadres);
            }
            page_token = page.next_page_token;
        }
    }
}

/// A relist call that failed: never an expiry, always a retry after the backoff.
fn relist_refused(method: &str, status: &Status) -> Stop {
    Stop::Failed(format!("{method} failed during a relist, {:?}: {}", status.code(), status.message()))
}

/// Applies an event, skipping (loudly) one whose payload cannot be read: retrying cannot make it readable,
/// and stopping there would leave every later change unapplied.
fn apply_or_skip(conn: &mut cadre_platform::DbConn, event: &Event) -> Result<(), ApiError> {
    match store::apply_event(conn, event) {
        Ok(_) => Ok(()),
        Err(error) if error.reason() == "EVENT_UNREADABLE" => {
            tracing::error!(event_id = %event.event_id, %error, "skipped a directory event that cannot be read");
            Ok(())
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_cursor_is_told_from_other_refusals() {
        let expired = ApiError::failed_precondition("CURSOR_EXPIRED", "relist").into_status("events.cadre");
        assert!(matches!(stop_of(&expired), Stop::Expired));
        let other = ApiError::failed_precondition("SOMETHING_ELSE", "no").into_status("events.cadre");
        assert!(matches!(stop_of(&other), Stop::Failed(_)));
        let foreign = ApiError::invalid_argument("INVALID_CURSOR", "not ours").into_status("events.cadre");
        assert!(matches!(stop_of(&foreign), Stop::Expired));
        assert!(matches!(stop_of(&Status::failed_precondition("CURSOR_EXPIRED")), Stop::Failed(_)));
        assert!(matches!(stop_of(&Status::unavailable("down")), Stop::Failed(_)));
    }
}

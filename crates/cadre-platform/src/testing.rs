//! Test support: a fresh database per test on either backend, principal keys, and what the service test
//! harnesses share (fake feeds of other services, reading a feed to its head, waiting for a follower,
//! counting rows, dates).
//!
//! SQLite gets a file in a temporary directory (a pooled `:memory:` database would be a different empty
//! database per connection). PostgreSQL gets a new database on the server at `CADRE_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the test ends. When no server answers, the
//! PostgreSQL half is skipped with a loud message, unless `CADRE_REQUIRE_PG=1` (set by CI), which makes it
//! fail instead.

use std::{sync::Arc, time::Duration};

use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::auth::{
    PRINCIPAL_HEADER, Principal, PrincipalSigner, PrincipalVerifier,
    keys::{KeyFiles, ensure_key_pair},
};

/// Principal keys for a test: a fresh pair in a temporary directory, a verifier for the server under test
/// and a signer standing in for the gateway.
pub struct TestKeys {
    /// The key files.
    pub files: KeyFiles,
    signer: PrincipalSigner,
    _dir: tempfile::TempDir,
}

impl TestKeys {
    /// A fresh key pair.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let files = ensure_key_pair(dir.path()).expect("a key pair");
        let signer = PrincipalSigner::load(&files.signing_key, Duration::from_secs(300)).expect("the key");
        Self { files, signer, _dir: dir }
    }

    /// A verifier of these keys, for the server.
    pub fn verifier(&self) -> Arc<PrincipalVerifier> {
        Arc::new(PrincipalVerifier::load(&self.files.public_keys).expect("the public keys"))
    }

    /// Signs `principal` as the gateway would.
    pub fn sign(&self, principal: &Principal) -> String {
        self.signer.sign(principal, "test").expect("signing")
    }

    /// An interceptor that sends every call of a client as `principal`.
    pub fn acting_as(&self, principal: &Principal) -> ActingAs {
        ActingAs(self.sign(principal).parse().expect("a header value"))
    }

    /// Adds `principal`, signed, to a request.
    pub fn authorize<T>(&self, principal: &Principal, mut request: tonic::Request<T>) -> tonic::Request<T> {
        let value = self.sign(principal).parse().expect("a header value");
        request.metadata_mut().insert(PRINCIPAL_HEADER, value);
        request
    }
}

/// Sends a client's calls as one principal, as if through the gateway.
#[derive(Clone, Debug)]
pub struct ActingAs(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for ActingAs {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        request.metadata_mut().insert(PRINCIPAL_HEADER, self.0.clone());
        Ok(request)
    }
}

/// A person principal for tests, with `roles` and the scope unit at the end of `scope_path`.
pub fn person(
    subject: &str,
    roles: &[crate::auth::Role],
    scope_path: &[&str],
    cadre_id: Option<&str>,
) -> Principal {
    Principal {
        subject: subject.to_owned(),
        username: subject.to_owned(),
        kind: crate::auth::PrincipalKind::Person,
        cadre_id: cadre_id.map(str::to_owned),
        roles: roles.to_vec(),
        scope_path: scope_path.iter().map(|s| (*s).to_owned()).collect(),
        clearances: Vec::new(),
        mfa: true,
    }
}

impl Default for TestKeys {
    fn default() -> Self {
        Self::new()
    }
}

/// Default server for the PostgreSQL half of the tests.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that lives as long as the test.
pub struct TestDatabase {
    /// URL to hand to [`crate::Db::connect`].
    pub url: String,
    /// `sqlite` or `postgres`, for messages.
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDatabase {
    /// A new SQLite file.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self { url, backend: "sqlite", _dir: Some(dir), pg_drop: None }
    }

    /// Another fresh database on the same backend, for a second service in the same test.
    pub fn sibling(&self) -> Self {
        if self.backend == "postgres" {
            Self::postgres().expect("PostgreSQL answered a moment ago")
        } else {
            Self::sqlite()
        }
    }

    /// A new PostgreSQL database, or `None` (after a loud message) when no server answers and none is
    /// required.
    pub fn postgres() -> Option<Self> {
        let admin_url = std::env::var("CADRE_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
        let required = std::env::var("CADRE_REQUIRE_PG").is_ok_and(|v| v == "1");
        let mut admin = match PgConnection::establish(&admin_url) {
            Ok(conn) => conn,
            Err(error) if required => {
                panic!("CADRE_REQUIRE_PG=1 but PostgreSQL at {admin_url} does not answer: {error}")
            }
            Err(error) => {
                eprintln!(
                    "\n!!!!!!!! PostgreSQL half SKIPPED: no server at {admin_url} ({error}). \
                     Set CADRE_TEST_PG_URL, or CADRE_REQUIRE_PG=1 to make this a failure. !!!!!!!!\n"
                );
                return None;
            }
        };
        let name = format!("cadre_test_{}", uuid::Uuid::now_v7().simple());
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let url = replace_database(&admin_url, &name);
        Some(Self { url, backend: "postgres", _dir: None, pg_drop: Some((admin_url, name)) })
    }

    /// SQLite, plus PostgreSQL when available: run a test body over each.
    pub fn each() -> Vec<Self> {
        let mut all = vec![Self::sqlite()];
        all.extend(Self::postgres());
        all
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_drop.take()
            && let Ok(mut admin) = PgConnection::establish(&admin_url)
        {
            // FORCE ends connections a pool may still hold.
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}

/// The same server URL with another database name (query parameters kept).
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// A channel to a server listening on `listener`, connecting on first use.
pub fn channel_to(listener: &tokio::net::TcpListener) -> tonic::transport::Channel {
    let addr = listener.local_addr().expect("a bound listener has an address");
    tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .expect("a socket address is a URI")
        .connect_lazy()
}

/// Waits until the server behind `channel` reports `name` SERVING on its health service (its migrations
/// ran and its pool answered); panics after a minute.
pub async fn wait_serving(channel: &tonic::transport::Channel, name: &str) {
    use tonic_health::pb::{
        HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
    };
    let mut health = HealthClient::new(channel.clone());
    let ready = async {
        loop {
            let answer = health.check(HealthCheckRequest { service: name.to_owned() }).await;
            if answer.is_ok_and(|a| a.into_inner().status == ServingStatus::Serving as i32) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), ready)
        .await
        .unwrap_or_else(|_| panic!("{name} turns SERVING"));
}

/// A fresh request id.
pub fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The `ErrorInfo` reason of a refusal, or empty.
pub fn reason(status: &tonic::Status) -> String {
    use tonic_types::StatusExt as _;
    status.get_error_details().error_info().map(|i| i.reason.clone()).unwrap_or_default()
}

/// Asserts a refusal: its code, its `ErrorInfo` reason (and domain, when given) and, when given, a field
/// violation on `field`.
pub fn assert_error_in(
    status: &tonic::Status,
    domain: Option<&str>,
    code: tonic::Code,
    reason: &str,
    field: Option<&str>,
) {
    use tonic_types::StatusExt as _;
    assert_eq!(status.code(), code, "{status:?}");
    let details = status.get_error_details();
    let info = details.error_info().unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    assert_eq!(info.reason, reason, "{status:?}");
    if let Some(domain) = domain {
        assert_eq!(info.domain, domain, "{status:?}");
    }
    if let Some(field) = field {
        let fields: Vec<String> = details
            .bad_request()
            .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
            .unwrap_or_default();
        assert!(fields.iter().any(|f| f == field), "no violation on {field}: {fields:?} in {status:?}");
    }
}

/// A calendar day from ISO text (`2026-01-05`).
pub fn d(text: &str) -> chrono::NaiveDate {
    text.parse().unwrap_or_else(|e| panic!("{text} is not a date: {e}"))
}

/// A proto date from ISO text (`2026-01-05`).
pub fn date(text: &str) -> cadre_proto::types::Date {
    crate::dates::date_to(d(text))
}

/// The `http://` address of a server listening on `listener`, as a deployment configures its upstreams.
pub fn url_of(listener: &tokio::net::TcpListener) -> String {
    format!("http://{}", listener.local_addr().expect("a bound listener has an address"))
}

/// The suite's configuration for a test: the principal keys of `keys`, a short connection timeout, a quick
/// feed poll and small pools (several services and the harness share one PostgreSQL with other tests
/// running at once). Each service's database URL is the caller's to set.
pub fn suite_config(keys: &TestKeys) -> crate::config::Config {
    let mut config = crate::config::Config::default();
    config.auth.principal_public_keys = keys.files.public_keys.display().to_string();
    config.auth.principal_signing_key = keys.files.signing_key.display().to_string();
    config.database.connection_timeout_ms = 1_000;
    config.feed.poll_interval_ms = 50;
    config.database.max_connections = 4;
    config
}

impl TestDatabase {
    /// A pool of two connections to this database, for a harness reading beside the service that owns it.
    pub async fn connect(&self) -> crate::Db {
        let options = crate::db::PoolOptions { max_size: 2, ..crate::db::PoolOptions::default() };
        crate::Db::connect(&self.url, options)
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.url))
    }
}

/// Fires `trigger` and waits for every server to end cleanly; panics on one that fails or lingers.
pub async fn shut_down(
    trigger: crate::server::ShutdownTrigger,
    servers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
) {
    trigger.fire();
    for server in servers {
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("a server stops within ten seconds")
            .expect("a server task does not panic")
            .expect("a server ends cleanly");
    }
}

/// Polls `check` until it is true; panics after 30 seconds (followers and projections catch up
/// asynchronously).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let wait = async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait).await.unwrap_or_else(|_| panic!("never: {what}"));
}

/// Polls `query` on `db` until it answers true; panics after 30 seconds (as [`eventually`]).
pub async fn eventually_in<Q>(db: &crate::Db, what: &str, query: Q)
where
    Q: Fn(&mut crate::DbConn) -> Result<bool, crate::ApiError> + Clone + Send + 'static,
{
    eventually(what, || {
        let (db, query) = (db.clone(), query.clone());
        async move { db.run(query).await.unwrap_or_else(|e| panic!("the query fails: {e:?}")) }
    })
    .await;
}

/// How many rows `table` of `db` holds: for "nothing was written".
pub async fn count_rows(db: &crate::Db, table: &'static str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    db.run(move |conn| {
        let rows: Vec<Count> = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).load(conn)?;
        Ok(rows.first().map_or(0, |c| c.n))
    })
    .await
    .unwrap_or_else(|e| panic!("count {table}: {e:?}"))
}

/// The types of the events `db`'s outbox holds, oldest first.
pub async fn outbox_types(db: &crate::Db) -> Vec<String> {
    db.run(|conn| crate::outbox::read_after(conn, 0, &[], 100_000))
        .await
        .expect("the outbox reads")
        .into_iter()
        .map(|e| e.event_type)
        .collect()
}

/// Sets policy `key` of `db` to `value` from the day `from` on, as a district would change its policy.
pub async fn set_policy(db: &crate::Db, key: &'static str, from: &str, value: &'static str) {
    let from = d(from);
    db.run(move |conn| crate::policy::set(conn, key, from, value, "test")).await.expect("the policy is set");
}

/// The events of `event_types` on the feed of the server behind `channel`, up to its head, read through
/// `Watch` as the suite's `part` reads them.
pub async fn feed_events(
    channel: &tonic::transport::Channel,
    keys: &TestKeys,
    part: &str,
    event_types: Vec<String>,
) -> Vec<cadre_proto::events::Event> {
    use cadre_proto::events::{WatchRequest, event_feed_service_client::EventFeedServiceClient};
    let mut feed =
        EventFeedServiceClient::with_interceptor(channel.clone(), keys.acting_as(&Principal::system(part)));
    let request = WatchRequest { cursor: String::new(), event_types, from_head: false };
    let mut stream = feed.watch(request).await.expect("the feed opens").into_inner();
    let mut events = Vec::new();
    let read = async {
        while let Some(item) = stream.message().await.expect("the feed streams") {
            if let Some(event) = item.event {
                events.push(event);
            }
            if item.caught_up {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.expect("the feed catches up");
    events
}

/// The payloads of type `M` on the feed of the server behind `channel`, up to its head, read as the
/// suite's `part`.
pub async fn feed_payloads<M: prost::Message + prost::Name + Default>(
    channel: &tonic::transport::Channel,
    keys: &TestKeys,
    part: &str,
) -> Vec<M> {
    feed_events(channel, keys, part, vec![M::full_name()])
        .await
        .into_iter()
        .map(|e| {
            let payload = e.payload.expect("an event carries its payload");
            M::decode(payload.value.as_slice()).expect("the payload decodes")
        })
        .collect()
}

/// A stand-in for another service's event feed: a database with the platform's outbox, served by the
/// platform's `EventFeed` behind the same authorization layer as a real service, so a follower reads it
/// exactly as it would read the real service's feed.
pub struct FakeFeed {
    /// The outbox's database.
    pub db: crate::Db,
    _database: Option<TestDatabase>,
}

impl FakeFeed {
    /// Serves a fake feed of `source` on `listener` over a SQLite database of its own, until `ctx` shuts
    /// down.
    pub async fn serve(
        source: &'static str,
        listener: tokio::net::TcpListener,
        keys: &TestKeys,
        ctx: &crate::server::ServeContext,
    ) -> (Self, tokio::task::JoinHandle<anyhow::Result<()>>) {
        use crate::auth::{AccessPolicy, AuthorizeLayer, Callers, Rule};
        use cadre_proto::events::event_feed_service_server::EventFeedServiceServer;
        const NAMES: &[&str] = &["cadre.events.v1.EventFeedService"];
        const RULES: &[Rule] =
            &[Rule::new("/cadre.events.v1.EventFeedService/Watch", Callers::RolesOrSystem(&[]))];
        let database = TestDatabase::sqlite();
        let db = database.connect().await;
        db.migrate(&crate::db::PLATFORM_MIGRATIONS).await.expect("the outbox's migrations");
        let policy = AccessPolicy::new(NAMES, &[RULES]).expect("the feed's policy");
        let authorize = AuthorizeLayer::new(keys.verifier(), policy, None);
        let feed = EventFeedServiceServer::new(crate::feed::EventFeed::new(
            db.clone(),
            source,
            Duration::from_millis(50),
            ctx.shutdown.clone(),
        ));
        let routes = tonic::service::Routes::new(feed);
        let ctx = ctx.clone();
        let server = tokio::spawn(async move {
            crate::server::serve(listener, routes, NAMES, async { Ok(()) }, authorize, &ctx).await
        });
        (Self { db, _database: Some(database) }, server)
    }

    /// Publishes into the outbox of a real service's database, whose own feed then carries the events.
    pub fn over(db: crate::Db) -> Self {
        Self { db, _database: None }
    }

    /// Publishes `payload` on the feed, as the service it stands in for would with a change.
    pub async fn publish<M: prost::Message + prost::Name + Send + 'static>(&self, subject: &str, payload: M) {
        let subject = subject.to_owned();
        self.db
            .write(move |conn| {
                crate::audit::lock_chain(conn)?;
                crate::outbox::publish(conn, &crate::CallContext::system("fake"), &subject, &payload)?;
                Ok(())
            })
            .await
            .expect("the fake feed takes the event");
        self.db.notify_committed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(replace_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(replace_database("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(
            replace_database("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}

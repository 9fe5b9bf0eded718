//! Starts the real directory, the real leave service (whose working calendar the deadline lights count on)
//! and the oversight service in-process on 127.0.0.1:0, each over a fresh database of the same backend and
//! sharing one key pair, builds a small district through the directory, waits for the oversight service's
//! projection to have it, and hands out oversight clients acting as its people.
//!
//! Events of the leave service are published straight into its outbox (`leave_events`), so a test raises an
//! overdue case without waiting for the leave sweep; the care and rank services the oversight service
//! follows are stood in for by two real event feeds (the platform's `EventFeed` behind its authorization
//! layer) over their own databases. Each follower reads them exactly as it would read the real feeds.
//!
//! "Today" is the harness's to set, so due days, periods and overdue lists are tested on chosen dates.

#![allow(dead_code)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use cadre_directory::{service::Seed, testing::TestDistrict};
use cadre_platform::{
    Db,
    auth::{Clearance, Principal, PrincipalKind, Role},
    server::{ServeContext, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{
        ActingAs, FakeFeed, TestDatabase, TestKeys, channel_to, count_rows, eventually_in, feed_payloads,
        person, shut_down, suite_config, url_of, wait_serving,
    },
};
use cadre_proto::oversight::oversight_service_client::OversightServiceClient;
use chrono::NaiveDate;
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};

pub use cadre_directory::testing::{DirectoryClient, Person, Post};
// Not every test binary uses each.
#[allow(unused_imports)]
pub use cadre_platform::testing::{d, date, eventually, reason, rid};

/// An oversight client acting as one principal.
pub type Client = OversightServiceClient<InterceptedService<Channel, ActingAs>>;

pub struct Harness {
    pub keys: TestKeys,
    pub channel: Channel,
    /// The directory, acting as an operator who may create units and cadres.
    pub directory: DirectoryClient,
    /// The oversight service's database.
    pub db: Db,
    pub backend: &'static str,
    pub root_unit_id: String,
    /// The leave service's outbox: what is published here, the leave feed carries.
    pub leave_events: FakeFeed,
    /// The care service's feed.
    pub care: FakeFeed,
    /// The rank service's feed.
    pub rank: FakeFeed,
    district: TestDistrict,
    today: Arc<Mutex<NaiveDate>>,
    trigger: ShutdownTrigger,
    servers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _databases: (TestDatabase, TestDatabase, TestDatabase),
}

impl Harness {
    /// The suite on `database`, with today set to `today`.
    pub async fn start(database: TestDatabase, today: &str) -> Self {
        Self::start_with(database, today, false).await
    }

    /// The suite as `cadre dev` runs it: the directory seeds the demo district, and oversight its records.
    pub async fn start_demo(database: TestDatabase, today: &str) -> Self {
        Self::start_with(database, today, true).await
    }

    async fn start_with(database: TestDatabase, today: &str, demo: bool) -> Self {
        let directory_db = database.sibling();
        let leave_db = database.sibling();
        let keys = TestKeys::new();
        let mut config = suite_config(&keys);
        config.services.oversight.database_url = database.url.clone();
        config.services.directory.database_url = directory_db.url.clone();
        config.services.leave.database_url = leave_db.url.clone();

        let directory_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let leave_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let oversight_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let care_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rank_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.gateway.upstreams.insert("directory".to_owned(), url_of(&directory_listener));
        config.gateway.upstreams.insert("leave".to_owned(), url_of(&leave_listener));
        config.gateway.upstreams.insert("care".to_owned(), url_of(&care_listener));
        config.gateway.upstreams.insert("rank".to_owned(), url_of(&rank_listener));
        let directory_channel = channel_to(&directory_listener);
        let leave_channel = channel_to(&leave_listener);
        let channel = channel_to(&oversight_listener);

        let today = Arc::new(Mutex::new(d(today)));
        let clock = today.clone();
        let oversight_today: cadre_oversight::grpc::Today = Arc::new(move || *clock.lock().unwrap());
        let clock = today.clone();
        let leave_today: cadre_platform::clock::Today = Arc::new(move || *clock.lock().unwrap());
        let (trigger, shutdown) = shutdown_channel();
        let ctx = ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown };
        let (care, care_server) = FakeFeed::serve("care", care_listener, &keys, &ctx).await;
        let (rank, rank_server) = FakeFeed::serve("rank", rank_listener, &keys, &ctx).await;
        let mut servers = vec![
            care_server,
            rank_server,
            tokio::spawn({
                let (config, ctx) = (config.clone(), ctx.clone());
                let seed = if demo { Seed::DemoDistrict } else { Seed::None };
                async move { cadre_directory::service::serve(&config, directory_listener, &ctx, seed).await }
            }),
        ];
        wait_serving(&directory_channel, "cadre.directory.v1.DirectoryService").await;
        servers.push(tokio::spawn({
            let (config, ctx) = (config.clone(), ctx.clone());
            // The sweep is the leave service's own business: these tests publish its events themselves.
            let options =
                cadre_leave::service::Options { today: leave_today, sweep_every: Duration::from_secs(3600) };
            async move { cadre_leave::service::serve_with(&config, leave_listener, &ctx, options).await }
        }));
        wait_serving(&leave_channel, "cadre.leave.v1.LeaveService").await;
        servers.push(tokio::spawn({
            let (config, ctx) = (config.clone(), ctx.clone());
            let options = cadre_oversight::service::Options { today: oversight_today, demo };
            async move { cadre_oversight::service::serve_with(&config, oversight_listener, &ctx, options).await }
        }));
        wait_serving(&channel, "cadre.oversight.v1.OversightService").await;
        let leave_events = FakeFeed::over(leave_db.connect().await);

        let district = TestDistrict::open(directory_channel, &keys, demo).await;
        Self {
            keys,
            channel,
            directory: district.directory.clone(),
            db: database.connect().await,
            backend: database.backend,
            root_unit_id: district.root_unit_id.clone(),
            leave_events,
            care,
            rank,
            district,
            today,
            trigger,
            servers,
            _databases: (database, directory_db, leave_db),
        }
    }

    pub async fn stop(self) {
        shut_down(self.trigger, self.servers).await;
    }

    /// Moves today.
    pub fn set_today(&self, day: &str) {
        *self.today.lock().unwrap() = d(day);
    }

    /// A 机关 under `parent` (the district when `None`).
    pub async fn unit(&mut self, code: &str, name: &str, parent: Option<&str>) -> String {
        self.district.unit(code, name, "district_unit", parent).await
    }

    /// A civil servant of `unit` in `post`.
    pub async fn cadre(&mut self, name: &str, unit: &str, post: Post) -> Person {
        self.district.cadre(name, unit, post).await
    }

    /// Waits until the oversight service's projection has every cadre created so far.
    pub async fn sync(&self) {
        let Some(last) = self.district.last_cadre().map(str::to_owned) else { return };
        eventually_in(&self.db, "the projection catches up", move |conn| {
            Ok(cadre_projection::store::cadre(conn, &last)?.is_some())
        })
        .await;
    }

    /// A principal for `who` with `roles`, scoped to their unit.
    pub fn principal(&self, who: &Person, roles: &[Role]) -> Principal {
        self.district.principal(who, roles)
    }

    /// A client acting as `who`, a plain cadre.
    pub fn as_cadre(&self, who: &Person) -> Client {
        self.client_as(&self.principal(who, &[Role::Cadre]))
    }

    /// A client acting as `who` with `roles` (and the cadre role).
    pub fn as_person(&self, who: &Person, roles: &[Role]) -> Client {
        self.client_as(&self.district.member(who, roles))
    }

    /// A client acting as an org-department officer with no cadre record of their own.
    pub fn org(&self) -> Client {
        self.client_as(&self.district.official("org-officer", &[Role::OrgOfficer]))
    }

    /// A client acting as a district committee member with no cadre record.
    pub fn committee(&self) -> Client {
        self.client_as(&self.district.official("committee", &[Role::CommitteeMember]))
    }

    /// A client acting as a discipline inspector with no cadre record.
    pub fn inspector(&self) -> Client {
        self.client_as(&self.district.official("inspector", &[Role::DisciplineInspector]))
    }

    /// A client acting as a discipline inspector holding the discipline clearance.
    pub fn cleared_inspector(&self) -> Client {
        let mut principal = self.district.official("inspector", &[Role::DisciplineInspector]);
        principal.clearances = vec![Clearance::Discipline];
        self.client_as(&principal)
    }

    /// A client acting as the discipline-inspection system (a service identity with the clearance).
    pub fn discipline_system(&self) -> Client {
        let mut principal = person("discipline-system", &[Role::DisciplineSystem], &[], None);
        principal.kind = PrincipalKind::Service;
        principal.clearances = vec![Clearance::Discipline];
        self.client_as(&principal)
    }

    /// A client acting as the HR system.
    pub fn hr_system(&self) -> Client {
        let mut principal = person("hr-system", &[Role::HrSystem], &[], None);
        principal.kind = PrincipalKind::Service;
        self.client_as(&principal)
    }

    /// A client acting as `principal`.
    pub fn client_as(&self, principal: &Principal) -> Client {
        OversightServiceClient::with_interceptor(self.channel.clone(), self.keys.acting_as(principal))
    }

    /// The oversight feed's payloads of type `M`, up to its head, read as the suite's `part`.
    pub async fn events<M: prost::Message + prost::Name + Default>(&self, part: &str) -> Vec<M> {
        feed_payloads(&self.channel, &self.keys, part).await
    }

    /// How many rows a table of the oversight database holds: for "nothing was written".
    pub async fn count(&self, table: &'static str) -> i64 {
        count_rows(&self.db, table).await
    }

    /// Sets an oversight policy value from a day on, as a district would change its policy.
    pub async fn set_policy(&self, key: &'static str, from: &str, value: &'static str) {
        cadre_platform::testing::set_policy(&self.db, key, from, value).await;
    }
}

/// Asserts a status's code, ErrorInfo reason (domain `oversight.cadre`) and, when given, a field violation.
pub fn assert_error(status: &Status, code: Code, reason: &str, field: Option<&str>) {
    cadre_platform::testing::assert_error_in(status, Some("oversight.cadre"), code, reason, field);
}

/// A small district: one bureau with a principal, two deputies and two staff, and a second bureau.
pub struct District {
    pub bureau: String,
    pub other_bureau: String,
    pub principal: Person,
    pub deputy: Person,
    pub deputy2: Person,
    pub staff: Person,
    pub staff2: Person,
    pub outsider: Person,
}

impl Harness {
    /// Builds [`District`] and waits for the projection to have it.
    pub async fn district(&mut self) -> District {
        let bureau = self.unit("B001", "区财政局", None).await;
        let other_bureau = self.unit("B002", "区交通局", None).await;
        let principal = self.cadre("王局长", &bureau, Post::Principal).await;
        let deputy = self.cadre("李副局长", &bureau, Post::Deputy).await;
        let deputy2 = self.cadre("赵副局长", &bureau, Post::Deputy).await;
        let staff = self.cadre("张科员", &bureau, Post::Staff).await;
        let staff2 = self.cadre("陈科员", &bureau, Post::Staff).await;
        let outsider = self.cadre("刘科员", &other_bureau, Post::Staff).await;
        self.sync().await;
        District { bureau, other_bureau, principal, deputy, deputy2, staff, staff2, outsider }
    }
}

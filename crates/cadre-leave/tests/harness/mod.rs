//! Starts the real directory and the leave service in-process on 127.0.0.1:0, each over a fresh database of
//! the same backend and sharing one key pair, builds a small district through the directory, waits for the
//! leave service's projection to have it, and hands out leave clients acting as its people.
//!
//! The leave service's "today" is the harness's to set, so deadlines and overstays are tested on chosen
//! dates rather than on the machine's clock.

#![allow(dead_code)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use cadre_directory::{
    service::Seed,
    testing::{TestDistrict, retitle, sample_cadre},
};
use cadre_platform::{
    Db,
    auth::{Principal, Role},
    server::{ServeContext, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{
        ActingAs, TestDatabase, TestKeys, channel_to, eventually_in, outbox_types, shut_down, suite_config,
        url_of, wait_serving,
    },
};
use cadre_proto::leave::{self as pb, leave_service_client::LeaveServiceClient};
use chrono::NaiveDate;
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};

pub use cadre_directory::testing::{DirectoryClient, Person, Post};
// Not every test binary uses each.
#[allow(unused_imports)]
pub use cadre_platform::testing::{d, date};

/// A leave client acting as one principal.
pub type Client = LeaveServiceClient<InterceptedService<Channel, ActingAs>>;

pub struct Harness {
    pub keys: TestKeys,
    pub channel: Channel,
    /// The directory, acting as an operator who may create units and cadres.
    pub directory: DirectoryClient,
    /// The leave service's database.
    pub db: Db,
    pub backend: &'static str,
    pub root_unit_id: String,
    district: TestDistrict,
    today: Arc<Mutex<NaiveDate>>,
    trigger: ShutdownTrigger,
    servers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _databases: (TestDatabase, TestDatabase),
}

impl Harness {
    /// The suite on `database`, with the leave service's today set to `today`.
    pub async fn start(database: TestDatabase, today: &str) -> Self {
        let directory_db = database.sibling();
        let keys = TestKeys::new();
        let mut config = suite_config(&keys);
        config.services.leave.database_url = database.url.clone();
        config.services.directory.database_url = directory_db.url.clone();

        let directory_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let leave_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.leave.directory_endpoint = url_of(&directory_listener);
        let directory_channel = channel_to(&directory_listener);
        let channel = channel_to(&leave_listener);

        let today = Arc::new(Mutex::new(d(today)));
        let clock = today.clone();
        let options = cadre_leave::service::Options {
            today: Arc::new(move || *clock.lock().unwrap()),
            // The tests run the sweep themselves, on the dates they choose.
            sweep_every: Duration::from_secs(3600 * 24 * 365),
        };
        let (trigger, shutdown) = shutdown_channel();
        let ctx = ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown };
        let servers = vec![
            tokio::spawn({
                let (config, ctx) = (config.clone(), ctx.clone());
                async move { cadre_leave::service::serve_with(&config, leave_listener, &ctx, options).await }
            }),
            tokio::spawn({
                let (config, ctx) = (config.clone(), ctx.clone());
                async move { cadre_directory::service::serve(&config, directory_listener, &ctx, Seed::None).await }
            }),
        ];
        wait_serving(&channel, "cadre.leave.v1.LeaveService").await;
        wait_serving(&directory_channel, "cadre.directory.v1.DirectoryService").await;

        let district = TestDistrict::open(directory_channel, &keys, false).await;
        Self {
            keys,
            channel,
            directory: district.directory.clone(),
            db: database.connect().await,
            backend: database.backend,
            root_unit_id: district.root_unit_id.clone(),
            district,
            today,
            trigger,
            servers,
            _databases: (database, directory_db),
        }
    }

    pub async fn stop(self) {
        shut_down(self.trigger, self.servers).await;
    }

    /// Moves the leave service's today.
    pub fn set_today(&self, day: &str) {
        *self.today.lock().unwrap() = d(day);
    }

    /// The leave service's today.
    pub fn today(&self) -> NaiveDate {
        *self.today.lock().unwrap()
    }

    /// Runs the sweep once on today.
    pub async fn sweep(&self) -> [usize; 3] {
        cadre_leave::sweep::once(&self.db, self.today()).await.expect("the sweep runs")
    }

    /// A town under `parent` (the district when `None`).
    pub async fn unit(&mut self, code: &str, name: &str, parent: Option<&str>) -> String {
        self.district.unit(code, name, "town", parent).await
    }

    /// A cadre of a town in `post`; `female` picks the gender (the citizen id agrees).
    pub async fn cadre(&mut self, name: &str, unit: &str, post: Post, female: bool) -> Person {
        let sequence = self.district.sequence(Some(female));
        let mut cadre = sample_cadre(unit, name, sequence, post);
        let title = match post {
            Post::Staff => "科员",
            Post::Deputy => "副镇长",
            Post::Principal => "镇党委书记",
        };
        retitle(&mut cadre, title, "城关镇");
        self.district.create(cadre).await
    }

    /// Waits until the leave service's projection has every cadre created so far.
    pub async fn sync(&self) {
        let Some(last) = self.district.last_cadre().map(str::to_owned) else { return };
        eventually_in(&self.db, "the projection catches up", move |conn| {
            Ok(cadre_leave::store::projection::cadre(conn, &last)?.is_some())
        })
        .await;
    }

    /// A principal for `who` with `roles`, scoped to their unit.
    pub fn principal(&self, who: &Person, roles: &[Role]) -> Principal {
        self.district.principal(who, roles)
    }

    /// A leave client acting as `who`, a plain cadre.
    pub fn as_cadre(&self, who: &Person) -> Client {
        self.client_as(&self.principal(who, &[Role::Cadre]))
    }

    /// A leave client acting as `who` with `roles` (and the cadre role).
    pub fn as_person(&self, who: &Person, roles: &[Role]) -> Client {
        self.client_as(&self.district.member(who, roles))
    }

    /// A leave client acting as an org-department officer with no cadre record of their own.
    pub fn org(&self) -> Client {
        self.client_as(&self.district.official("org-officer", &[Role::OrgOfficer]))
    }

    /// A leave client acting as a district committee member with no cadre record.
    pub fn committee(&self) -> Client {
        self.client_as(&self.district.official("committee-member", &[Role::CommitteeMember]))
    }

    /// A leave client acting as `principal`.
    pub fn client_as(&self, principal: &Principal) -> Client {
        LeaveServiceClient::with_interceptor(self.channel.clone(), self.keys.acting_as(principal))
    }

    /// The types of the events published so far, oldest first.
    pub async fn event_types(&self) -> Vec<String> {
        outbox_types(&self.db).await
    }
}

/// A request for whole days of `leave_type`.
pub fn ask(leave_type: &str, start: &str, end: &str) -> pb::CreateLeaveRequestRequest {
    pb::CreateLeaveRequestRequest {
        request_id: rid(),
        leave_type: leave_type.into(),
        start_date: Some(date(start)),
        end_date: Some(date(end)),
        reason: "家中有事".into(),
        ..Default::default()
    }
}

// Not every test binary uses both.
#[allow(unused_imports)]
pub use cadre_platform::testing::{reason, rid};

/// Asserts a status's code, ErrorInfo reason (domain `leave.cadre`) and, when given, a field violation.
pub fn assert_error(status: &Status, code: Code, reason: &str, field: Option<&str>) {
    cadre_platform::testing::assert_error_in(status, Some("leave.cadre"), code, reason, field);
}

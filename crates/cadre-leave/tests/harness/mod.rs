//! Starts the real directory and the leave service in-process on 127.0.0.1:0, each over a fresh database of
//! the same backend and sharing one key pair, builds a small district through the directory, waits for the
//! leave service's projection to have it, and hands out leave clients acting as its people.
//!
//! The leave service's "today" is the harness's to set, so deadlines and overstays are tested on chosen
//! dates rather than on the machine's clock.

#![allow(dead_code)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use cadre_directory::service::Seed;
use cadre_platform::{
    Db,
    auth::{Principal, Role},
    config::Config,
    db::PoolOptions,
    server::{ServeContext, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{ActingAs, TestDatabase, TestKeys, channel_to, person, wait_serving},
};
use cadre_proto::{
    directory::{self as dir, directory_service_client::DirectoryServiceClient},
    leave::{self as pb, leave_service_client::LeaveServiceClient},
    types,
};
use chrono::NaiveDate;
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};

/// A leave client acting as one principal.
pub type Client = LeaveServiceClient<InterceptedService<Channel, ActingAs>>;
/// A directory client acting as one principal.
pub type DirectoryClient = DirectoryServiceClient<InterceptedService<Channel, ActingAs>>;

/// A cadre's place in their unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Post {
    /// 一般干部.
    Staff,
    /// 班子副职.
    Deputy,
    /// 主要负责人.
    Principal,
}

/// A cadre of the test district.
#[derive(Debug, Clone)]
pub struct Person {
    pub cadre_id: String,
    pub unit_id: String,
    pub name: String,
}

pub struct Harness {
    pub keys: TestKeys,
    pub channel: Channel,
    /// The directory, acting as an operator who may create units and cadres.
    pub directory: DirectoryClient,
    /// The leave service's database.
    pub db: Db,
    pub backend: &'static str,
    pub root_unit_id: String,
    today: Arc<Mutex<NaiveDate>>,
    paths: HashMap<String, Vec<String>>,
    next_cadre: u16,
    last_cadre: Option<String>,
    trigger: ShutdownTrigger,
    servers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _databases: (TestDatabase, TestDatabase),
}

pub fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

pub fn date(text: &str) -> types::Date {
    let day = d(text);
    use chrono::Datelike as _;
    types::Date { year: day.year(), month: day.month() as i32, day: day.day() as i32 }
}

impl Harness {
    /// The suite on `database`, with the leave service's today set to `today`.
    pub async fn start(database: TestDatabase, today: &str) -> Self {
        let directory_db = database.sibling();
        let keys = TestKeys::new();
        let mut config = Config::default();
        config.services.leave.database_url = database.url.clone();
        config.services.directory.database_url = directory_db.url.clone();
        config.auth.principal_public_keys = keys.files.public_keys.display().to_string();
        config.auth.principal_signing_key = keys.files.signing_key.display().to_string();
        config.database.connection_timeout_ms = 1_000;
        config.feed.poll_interval_ms = 50;
        // Two services and the harness share one PostgreSQL with other tests running at once.
        config.database.max_connections = 4;

        let directory_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let leave_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.leave.directory_endpoint = format!("http://{}", directory_listener.local_addr().unwrap());
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

        let operator = person("test-operator", &[Role::OrgOfficer, Role::HrSystem], &[], None);
        let mut directory =
            DirectoryServiceClient::with_interceptor(directory_channel, keys.acting_as(&operator));
        let root = directory
            .create_org_unit(dir::CreateOrgUnitRequest {
                request_id: rid(),
                org_unit: Some(dir::OrgUnit {
                    code: "D000".into(),
                    name: "锦绣区".into(),
                    kind: "district".into(),
                    ..Default::default()
                }),
            })
            .await
            .expect("the root unit")
            .into_inner()
            .org_unit
            .unwrap();
        let db =
            Db::connect(&database.url, PoolOptions { max_size: 2, ..PoolOptions::default() }).await.unwrap();
        let mut paths = HashMap::new();
        paths.insert(root.id.clone(), vec![root.id.clone()]);
        Self {
            keys,
            channel,
            directory,
            db,
            backend: database.backend,
            root_unit_id: root.id,
            today,
            paths,
            next_cadre: 1,
            last_cadre: None,
            trigger,
            servers,
            _databases: (database, directory_db),
        }
    }

    pub async fn stop(self) {
        self.trigger.fire();
        for server in self.servers {
            tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
        }
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

    /// A unit under `parent` (the district when `None`).
    pub async fn unit(&mut self, code: &str, name: &str, parent: Option<&str>) -> String {
        let parent = parent.unwrap_or(&self.root_unit_id).to_owned();
        let unit = self
            .directory
            .create_org_unit(dir::CreateOrgUnitRequest {
                request_id: rid(),
                org_unit: Some(dir::OrgUnit {
                    parent_id: parent.clone(),
                    code: code.into(),
                    name: name.into(),
                    kind: "town".into(),
                    ..Default::default()
                }),
            })
            .await
            .unwrap_or_else(|s| panic!("create unit {name}: {s:?}"))
            .into_inner()
            .org_unit
            .unwrap();
        let mut path = self.paths[&parent].clone();
        path.push(unit.id.clone());
        self.paths.insert(unit.id.clone(), path);
        unit.id
    }

    /// A cadre of `unit` in `post`; `female` picks the gender (it must agree with the citizen id).
    pub async fn cadre(&mut self, name: &str, unit: &str, post: Post, female: bool) -> Person {
        // Odd sequences make male citizen ids, even ones female.
        if self.next_cadre.is_multiple_of(2) != female {
            self.next_cadre += 1;
        }
        let sequence = self.next_cadre;
        self.next_cadre += 1;
        let cadre = sample_cadre(unit, name, sequence, post);
        let id = self
            .directory
            .create_cadre(dir::CreateCadreRequest { request_id: rid(), cadre: Some(cadre) })
            .await
            .unwrap_or_else(|s| panic!("create cadre {name}: {s:?}"))
            .into_inner()
            .cadre
            .unwrap()
            .id;
        self.last_cadre = Some(id.clone());
        Person { cadre_id: id, unit_id: unit.to_owned(), name: name.to_owned() }
    }

    /// Waits until the leave service's projection has every cadre created so far.
    pub async fn sync(&self) {
        let Some(last) = self.last_cadre.clone() else { return };
        let wait = async {
            loop {
                let id = last.clone();
                let found = self
                    .db
                    .run(move |conn| cadre_leave::store::projection::cadre(conn, &id))
                    .await
                    .unwrap()
                    .is_some();
                if found {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), wait).await.expect("the projection catches up");
    }

    /// A principal for `who` with `roles`, scoped to their unit.
    pub fn principal(&self, who: &Person, roles: &[Role]) -> Principal {
        let path: Vec<&str> = self.paths[&who.unit_id].iter().map(String::as_str).collect();
        let mut principal = person(&format!("acct-{}", who.cadre_id), roles, &path, Some(&who.cadre_id));
        principal.username = who.name.clone();
        principal
    }

    /// A leave client acting as `who`, a plain cadre.
    pub fn as_cadre(&self, who: &Person) -> Client {
        self.client_as(&self.principal(who, &[Role::Cadre]))
    }

    /// A leave client acting as `who` with `roles` (and the cadre role).
    pub fn as_person(&self, who: &Person, roles: &[Role]) -> Client {
        let mut all = vec![Role::Cadre];
        all.extend_from_slice(roles);
        self.client_as(&self.principal(who, &all))
    }

    /// A leave client acting as an org-department officer with no cadre record of their own.
    pub fn org(&self) -> Client {
        self.client_as(&person("org-officer", &[Role::OrgOfficer], &[&self.root_unit_id], None))
    }

    /// A leave client acting as a district committee member with no cadre record.
    pub fn committee(&self) -> Client {
        self.client_as(&person("committee-member", &[Role::CommitteeMember], &[&self.root_unit_id], None))
    }

    /// A leave client acting as `principal`.
    pub fn client_as(&self, principal: &Principal) -> Client {
        LeaveServiceClient::with_interceptor(self.channel.clone(), self.keys.acting_as(principal))
    }

    /// The types of the events published so far, oldest first.
    pub async fn event_types(&self) -> Vec<String> {
        self.db
            .run(|conn| cadre_platform::outbox::read_after(conn, 0, &[], 100_000))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event_type)
            .collect()
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

fn sample_cadre(unit_id: &str, name: &str, sequence: u16, post: Post) -> dir::Cadre {
    let birth = "1985-03-15";
    let citizen_id = cadre_directory::domain::citizen_id::CitizenId::compose("510199", d(birth), sequence)
        .unwrap()
        .as_str()
        .to_owned();
    let gender = if sequence % 2 == 1 { dir::Gender::Male } else { dir::Gender::Female };
    let (title, level, team, principal) = match post {
        Post::Staff => ("科员", dir::PostLevel::None, false, false),
        Post::Deputy => ("副镇长", dir::PostLevel::TownshipDeputy, true, false),
        Post::Principal => ("镇党委书记", dir::PostLevel::TownshipPrincipal, true, true),
    };
    dir::Cadre {
        name: name.into(),
        gender: gender as i32,
        citizen_id,
        birth_date: Some(date(birth)),
        work_start_date: Some(date("2007-07-01")),
        party_entry_date: Some(date("2006-06-01")),
        education: dir::Education::University as i32,
        category: dir::CadreCategory::CivilServant as i32,
        employing_unit_id: unit_id.into(),
        managing_unit_id: unit_id.into(),
        post: Some(dir::Post {
            title: title.into(),
            level: level as i32,
            is_leader: team,
            is_team_member: team,
            is_principal: principal,
            start_date: Some(date("2015-01-01")),
        }),
        status: dir::CadreStatus::Active as i32,
        work_history: vec![dir::WorkHistoryEntry {
            start_date: Some(date("2007-07-01")),
            end_date: None,
            unit_name: "城关镇".into(),
            post_title: title.into(),
        }],
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

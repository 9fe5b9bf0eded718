//! Starts the real directory and the care service in-process on 127.0.0.1:0, each over a fresh database of
//! the same backend and sharing one key pair, builds a small district through the directory, waits for
//! the care service's projection to have it, and hands out care clients acting as its people.
//!
//! The assessment and rank services the care service follows are stood in for by two real event feeds
//! (the platform's `EventFeed` behind its authorization layer) over their own databases: a test publishes
//! an `AnnualResultPublishedEvent` or a `RankChangedEvent` into one, and the care service's follower reads
//! it exactly as it would read the real service's feed.
//!
//! "Today" is the harness's to set, so due days, periods and overdue lists are tested on chosen dates.

#![allow(dead_code)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use cadre_directory::service::Seed;
use cadre_platform::{
    CallContext, Db,
    auth::{AccessPolicy, AuthorizeLayer, Callers, Principal, Role, Rule},
    config::Config,
    db::{PLATFORM_MIGRATIONS, PoolOptions},
    feed::EventFeed,
    server::{ServeContext, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{ActingAs, TestDatabase, TestKeys, channel_to, person, wait_serving},
};
use cadre_proto::{
    care::care_service_client::CareServiceClient,
    directory::{self as dir, directory_service_client::DirectoryServiceClient},
    events::{
        Event, WatchRequest, event_feed_service_client::EventFeedServiceClient,
        event_feed_service_server::EventFeedServiceServer,
    },
    types,
};
use chrono::NaiveDate;
use tonic::{Code, Status, service::Routes, service::interceptor::InterceptedService, transport::Channel};

/// A care client acting as one principal.
pub type Client = CareServiceClient<InterceptedService<Channel, ActingAs>>;
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

/// A stand-in for another service's event feed: a database with the platform's outbox, served by the
/// platform's `EventFeed`.
pub struct FakeFeed {
    pub db: Db,
    _database: TestDatabase,
}

impl FakeFeed {
    /// Publishes `payload` on the feed, as the service it stands in for would with a change.
    pub async fn publish<M: prost::Message + prost::Name + Send + 'static>(&self, subject: &str, payload: M) {
        let subject = subject.to_owned();
        self.db
            .write(move |conn| {
                cadre_platform::audit::lock_chain(conn)?;
                cadre_platform::outbox::publish(conn, &CallContext::system("fake"), &subject, &payload)?;
                Ok(())
            })
            .await
            .expect("the fake feed takes the event");
        self.db.notify_committed();
    }
}

pub struct Harness {
    pub keys: TestKeys,
    pub channel: Channel,
    /// The directory, acting as an operator who may create units and cadres.
    pub directory: DirectoryClient,
    /// The care service's database.
    pub db: Db,
    pub backend: &'static str,
    pub root_unit_id: String,
    /// The assessment service's feed.
    pub assessment: FakeFeed,
    /// The rank service's feed.
    pub rank: FakeFeed,
    today: Arc<Mutex<NaiveDate>>,
    paths: HashMap<String, Vec<String>>,
    next_cadre: u16,
    last_cadre: Option<String>,
    trigger: ShutdownTrigger,
    servers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _databases: (TestDatabase, TestDatabase),
}

fn url_of(listener: &tokio::net::TcpListener) -> String {
    format!("http://{}", listener.local_addr().unwrap())
}

pub fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

pub fn date(text: &str) -> types::Date {
    let day = d(text);
    use chrono::Datelike as _;
    types::Date { year: day.year(), month: day.month() as i32, day: day.day() as i32 }
}

/// Serves a fake feed of `source` on `listener`, behind the same authorization layer as a real service.
async fn fake_feed(
    source: &'static str,
    listener: tokio::net::TcpListener,
    keys: &TestKeys,
    ctx: &ServeContext,
) -> (FakeFeed, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let database = TestDatabase::sqlite();
    let db = Db::connect(&database.url, PoolOptions { max_size: 2, ..PoolOptions::default() }).await.unwrap();
    db.migrate(&PLATFORM_MIGRATIONS).await.unwrap();
    const NAMES: &[&str] = &["cadre.events.v1.EventFeedService"];
    const RULES: &[Rule] =
        &[Rule::new("/cadre.events.v1.EventFeedService/Watch", Callers::RolesOrSystem(&[]))];
    let policy = AccessPolicy::new(NAMES, &[RULES]).unwrap();
    let authorize = AuthorizeLayer::new(keys.verifier(), policy, None);
    let feed = EventFeedServiceServer::new(EventFeed::new(
        db.clone(),
        source,
        Duration::from_millis(50),
        ctx.shutdown.clone(),
    ));
    let routes = Routes::new(feed);
    let ctx = ctx.clone();
    let server = tokio::spawn(async move {
        cadre_platform::server::serve(listener, routes, NAMES, async { Ok(()) }, authorize, &ctx).await
    });
    (FakeFeed { db, _database: database }, server)
}

impl Harness {
    /// The suite on `database`, with today set to `today`.
    pub async fn start(database: TestDatabase, today: &str) -> Self {
        Self::start_with(database, today, false).await
    }

    /// The suite as `cadre dev` runs it: the directory seeds the demo district, and care its records.
    pub async fn start_demo(database: TestDatabase, today: &str) -> Self {
        Self::start_with(database, today, true).await
    }

    async fn start_with(database: TestDatabase, today: &str, demo: bool) -> Self {
        let directory_db = database.sibling();
        let keys = TestKeys::new();
        let mut config = Config::default();
        config.services.care.database_url = database.url.clone();
        config.services.directory.database_url = directory_db.url.clone();
        config.auth.principal_public_keys = keys.files.public_keys.display().to_string();
        config.auth.principal_signing_key = keys.files.signing_key.display().to_string();
        config.database.connection_timeout_ms = 1_000;
        config.feed.poll_interval_ms = 50;
        // Two services and the harness share one PostgreSQL with other tests running at once.
        config.database.max_connections = 4;

        let directory_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let care_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let assessment_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rank_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.gateway.upstreams.insert("directory".to_owned(), url_of(&directory_listener));
        config.gateway.upstreams.insert("assessment".to_owned(), url_of(&assessment_listener));
        config.gateway.upstreams.insert("rank".to_owned(), url_of(&rank_listener));
        let directory_channel = channel_to(&directory_listener);
        let channel = channel_to(&care_listener);

        let today = Arc::new(Mutex::new(d(today)));
        let clock = today.clone();
        let care_today: cadre_care::grpc::Today = Arc::new(move || *clock.lock().unwrap());
        let (trigger, shutdown) = shutdown_channel();
        let ctx = ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown };
        let (assessment, assessment_server) = fake_feed("assessment", assessment_listener, &keys, &ctx).await;
        let (rank, rank_server) = fake_feed("rank", rank_listener, &keys, &ctx).await;
        let mut servers = vec![
            assessment_server,
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
            let options = cadre_care::service::Options { today: care_today, demo };
            async move { cadre_care::service::serve_with(&config, care_listener, &ctx, options).await }
        }));
        wait_serving(&channel, "cadre.care.v1.CareService").await;

        let operator = person("test-operator", &[Role::OrgOfficer, Role::HrSystem], &[], None);
        let mut directory =
            DirectoryServiceClient::with_interceptor(directory_channel, keys.acting_as(&operator));
        let root = if demo {
            directory
                .list_org_units(dir::ListOrgUnitsRequest::default())
                .await
                .expect("the demo district's root")
                .into_inner()
                .org_units
                .into_iter()
                .next()
                .expect("the demo district has a root")
        } else {
            directory
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
                .unwrap()
        };
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
            assessment,
            rank,
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

    /// Moves today.
    pub fn set_today(&self, day: &str) {
        *self.today.lock().unwrap() = d(day);
    }

    /// A 机关 under `parent` (the district when `None`).
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
                    kind: "district_unit".into(),
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

    /// A civil servant of `unit` in `post`.
    pub async fn cadre(&mut self, name: &str, unit: &str, post: Post) -> Person {
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

    /// Waits until the care service's projection has every cadre created so far.
    pub async fn sync(&self) {
        let Some(last) = self.last_cadre.clone() else { return };
        let wait = async {
            loop {
                let id = last.clone();
                let found = self
                    .db
                    .run(move |conn| cadre_projection::store::cadre(conn, &id))
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

    /// A client acting as `who`, a plain cadre.
    pub fn as_cadre(&self, who: &Person) -> Client {
        self.client_as(&self.principal(who, &[Role::Cadre]))
    }

    /// A client acting as `who` with `roles` (and the cadre role).
    pub fn as_person(&self, who: &Person, roles: &[Role]) -> Client {
        let mut all = vec![Role::Cadre];
        all.extend_from_slice(roles);
        self.client_as(&self.principal(who, &all))
    }

    /// A client acting as an org-department officer with no cadre record of their own.
    pub fn org(&self) -> Client {
        self.client_as(&person("org-officer", &[Role::OrgOfficer], &[&self.root_unit_id], None))
    }

    /// A client acting as a district committee member with no cadre record.
    pub fn committee(&self) -> Client {
        self.client_as(&person("committee", &[Role::CommitteeMember], &[&self.root_unit_id], None))
    }

    /// A client acting as a discipline inspector with no cadre record.
    pub fn inspector(&self) -> Client {
        self.client_as(&person("inspector", &[Role::DisciplineInspector], &[&self.root_unit_id], None))
    }

    /// A client acting as the HR system.
    pub fn hr_system(&self) -> Client {
        let mut principal = person("hr-system", &[Role::HrSystem], &[], None);
        principal.kind = cadre_platform::auth::PrincipalKind::Service;
        self.client_as(&principal)
    }

    /// A client acting as `principal`.
    pub fn client_as(&self, principal: &Principal) -> Client {
        CareServiceClient::with_interceptor(self.channel.clone(), self.keys.acting_as(principal))
    }

    /// The care feed's payloads of type `M`, up to its head, read as the suite's `part`.
    pub async fn events<M: prost::Message + prost::Name + Default>(&self, part: &str) -> Vec<M> {
        let mut feed = EventFeedServiceClient::with_interceptor(
            self.channel.clone(),
            self.keys.acting_as(&Principal::system(part)),
        );
        let request =
            WatchRequest { cursor: String::new(), event_types: vec![M::full_name()], from_head: false };
        let mut stream = feed.watch(request).await.expect("the feed opens").into_inner();
        let mut events: Vec<Event> = Vec::new();
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
        events.into_iter().map(|e| M::decode(e.payload.unwrap().value.as_slice()).unwrap()).collect()
    }

    /// How many rows a table of the care database holds: for "nothing was written".
    pub async fn count(&self, table: &'static str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.db
            .run(move |conn| {
                use diesel::RunQueryDsl as _;
                let rows: Vec<Count> =
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).load(conn)?;
                Ok(rows.first().map_or(0, |c| c.n))
            })
            .await
            .unwrap()
    }

    /// Sets a care policy value from a day on, as a district would change its policy.
    pub async fn set_policy(&self, key: &'static str, from: &str, value: &'static str) {
        let from = d(from);
        self.db.run(move |conn| cadre_platform::policy::set(conn, key, from, value, "test")).await.unwrap();
    }
}

/// Polls `check` until it is true; panics after ten seconds (a follower applies events asynchronously).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let wait = async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait).await.unwrap_or_else(|_| panic!("never: {what}"));
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
        Post::Deputy => ("副局长", dir::PostLevel::TownshipDeputy, true, false),
        Post::Principal => ("局长", dir::PostLevel::TownshipPrincipal, true, true),
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
            unit_name: "锦绣区".into(),
            post_title: title.into(),
        }],
        ..Default::default()
    }
}

// Not every test binary uses both.
#[allow(unused_imports)]
pub use cadre_platform::testing::{reason, rid};

/// Asserts a status's code, ErrorInfo reason (domain `care.cadre`) and, when given, a field violation.
pub fn assert_error(status: &Status, code: Code, reason: &str, field: Option<&str>) {
    cadre_platform::testing::assert_error_in(status, None, code, reason, field);
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

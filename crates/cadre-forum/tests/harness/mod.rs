//! Starts the real directory and the forum service in-process on 127.0.0.1:0, each over a fresh database of
//! the same backend and sharing one key pair, builds a small district through the directory, waits for the
//! forum service's projection to have it, and hands out forum clients acting as its people.
//!
//! "Now" (and with it "today", the district's date of now) is the harness's to set, so check-in windows
//! and held sessions are tested at chosen instants rather than on the machine's clock.

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
    clock,
    config::Config,
    db::PoolOptions,
    server::{ServeContext, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{ActingAs, TestDatabase, TestKeys, channel_to, person, wait_serving},
};
use cadre_proto::{
    directory::{self as dir, directory_service_client::DirectoryServiceClient},
    events::{Event, WatchRequest, event_feed_service_client::EventFeedServiceClient},
    forum::{self as pb, forum_service_client::ForumServiceClient},
    types,
};
use chrono::{DateTime, NaiveDate, Utc};
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};

/// A forum client acting as one principal.
pub type Client = ForumServiceClient<InterceptedService<Channel, ActingAs>>;
/// A directory client acting as one principal.
pub type DirectoryClient = DirectoryServiceClient<InterceptedService<Channel, ActingAs>>;

/// A cadre's place in their unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Post {
    /// 一般干部.
    Staff,
    /// 主要负责人.
    Principal,
}

/// A cadre of the test district.
#[derive(Debug, Clone)]
pub struct Person {
    pub cadre_id: String,
    pub external_id: String,
    pub unit_id: String,
    pub name: String,
}

pub struct Harness {
    pub keys: TestKeys,
    pub channel: Channel,
    /// The directory, acting as an operator who may create units and cadres.
    pub directory: DirectoryClient,
    /// The forum service's database.
    pub db: Db,
    pub backend: &'static str,
    pub root_unit_id: String,
    now: Arc<Mutex<DateTime<Utc>>>,
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

/// An instant from RFC 3339 text.
pub fn t(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// A proto timestamp from RFC 3339 text.
pub fn ts(text: &str) -> prost_types::Timestamp {
    let at = t(text);
    prost_types::Timestamp { seconds: at.timestamp(), nanos: 0 }
}

pub fn date(text: &str) -> types::Date {
    let day: NaiveDate = text.parse().unwrap();
    use chrono::Datelike as _;
    types::Date { year: day.year(), month: day.month() as i32, day: day.day() as i32 }
}

impl Harness {
    /// The service on `database`, with now set to `now` (RFC 3339).
    pub async fn start(database: TestDatabase, now: &str) -> Self {
        Self::start_with(database, now, false).await
    }

    /// The suite as `cadre dev` runs it: the directory seeds the demo district, the forum service its
    /// forums.
    pub async fn start_demo(database: TestDatabase, now: &str) -> Self {
        Self::start_with(database, now, true).await
    }

    async fn start_with(database: TestDatabase, now: &str, demo: bool) -> Self {
        let directory_db = database.sibling();
        let keys = TestKeys::new();
        let mut config = Config::default();
        config.services.forum.database_url = database.url.clone();
        config.services.directory.database_url = directory_db.url.clone();
        config.auth.principal_public_keys = keys.files.public_keys.display().to_string();
        config.auth.principal_signing_key = keys.files.signing_key.display().to_string();
        config.database.connection_timeout_ms = 1_000;
        config.feed.poll_interval_ms = 50;
        // Two services and the harness share one PostgreSQL with other tests running at once.
        config.database.max_connections = 4;

        let directory_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let forum_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.gateway.upstreams.insert("directory".to_owned(), url_of(&directory_listener));
        let directory_channel = channel_to(&directory_listener);
        let channel = channel_to(&forum_listener);

        let now = Arc::new(Mutex::new(t(now)));
        let (clock_now, clock_today) = (now.clone(), now.clone());
        let options = cadre_forum::service::Options {
            now: Arc::new(move || *clock_now.lock().unwrap()),
            today: Arc::new(move || {
                clock_today.lock().unwrap().with_timezone(&clock::district_offset()).date_naive()
            }),
            demo,
        };
        let (trigger, shutdown) = shutdown_channel();
        let ctx = ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown };
        let mut servers = vec![tokio::spawn({
            let (config, ctx) = (config.clone(), ctx.clone());
            let seed = if demo { Seed::DemoDistrict } else { Seed::None };
            async move { cadre_directory::service::serve(&config, directory_listener, &ctx, seed).await }
        })];
        wait_serving(&directory_channel, "cadre.directory.v1.DirectoryService").await;
        servers.push(tokio::spawn({
            let (config, ctx) = (config.clone(), ctx.clone());
            async move { cadre_forum::service::serve_with(&config, forum_listener, &ctx, options).await }
        }));
        wait_serving(&channel, "cadre.forum.v1.ForumService").await;

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
            now,
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

    /// Moves now (RFC 3339).
    pub fn set_now(&self, now: &str) {
        *self.now.lock().unwrap() = t(now);
    }

    /// A unit of `kind` under `parent` (the district when `None`).
    pub async fn unit(&mut self, code: &str, name: &str, kind: &str, parent: Option<&str>) -> String {
        let parent = parent.unwrap_or(&self.root_unit_id).to_owned();
        let unit = self
            .directory
            .create_org_unit(dir::CreateOrgUnitRequest {
                request_id: rid(),
                org_unit: Some(dir::OrgUnit {
                    parent_id: parent.clone(),
                    code: code.into(),
                    name: name.into(),
                    kind: kind.into(),
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
        let external_id = cadre.external_id.clone();
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
        Person { cadre_id: id, external_id, unit_id: unit.to_owned(), name: name.to_owned() }
    }

    /// Waits until the forum service's projection has every cadre created so far (and their external ids).
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
        self.org_named("org-officer")
    }

    /// Another org-department officer.
    pub fn org_named(&self, subject: &str) -> Client {
        self.client_as(&person(subject, &[Role::OrgOfficer], &[&self.root_unit_id], None))
    }

    /// A district committee member.
    pub fn committee(&self) -> Client {
        self.client_as(&person("committee", &[Role::CommitteeMember], &[&self.root_unit_id], None))
    }

    /// The HR system.
    pub fn hr_system(&self) -> Client {
        self.client_as(&person("hr-system", &[Role::HrSystem], &[], None))
    }

    /// A client acting as the suite's `part` (e.g. `leave`, `care`).
    pub fn system(&self, part: &str) -> Client {
        self.client_as(&Principal::system(part))
    }

    /// A client acting as `principal`.
    pub fn client_as(&self, principal: &Principal) -> Client {
        ForumServiceClient::with_interceptor(self.channel.clone(), self.keys.acting_as(principal))
    }

    /// The forum feed's events of `event_type` up to its head, read as the suite's `part`.
    pub async fn feed_events(&self, part: &str, event_type: &str) -> Vec<Event> {
        let mut feed = EventFeedServiceClient::with_interceptor(
            self.channel.clone(),
            self.keys.acting_as(&Principal::system(part)),
        );
        let request = WatchRequest {
            cursor: String::new(),
            event_types: vec![event_type.to_owned()],
            from_head: false,
        };
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

    /// How many rows a table of the forum database holds: for "nothing was written".
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

    /// How many rows of every business table: a snapshot for "nothing was written".
    pub async fn snapshot(&self) -> Vec<i64> {
        let mut counts = Vec::new();
        for table in [
            "forums",
            "district_plans",
            "forum_plans",
            "forum_sessions",
            "attendances",
            "attendance_corrections",
            "outbox_events",
        ] {
            counts.push(self.count(table).await);
        }
        counts
    }
}

fn sample_cadre(unit_id: &str, name: &str, sequence: u16, post: Post) -> dir::Cadre {
    let birth = "1985-03-15";
    let citizen_id =
        cadre_directory::domain::citizen_id::CitizenId::compose("510199", birth.parse().unwrap(), sequence)
            .unwrap()
            .as_str()
            .to_owned();
    let gender = if sequence % 2 == 1 { dir::Gender::Male } else { dir::Gender::Female };
    let (title, level, team, principal) = match post {
        Post::Staff => ("科员", dir::PostLevel::None, false, false),
        Post::Principal => ("党委书记", dir::PostLevel::TownshipPrincipal, true, true),
    };
    dir::Cadre {
        external_id: format!("HR{sequence:05}"),
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

/// Asserts a status's code, ErrorInfo reason (domain `forum.cadre`) and, when given, a field violation.
pub fn assert_error(status: &Status, code: Code, reason: &str, field: Option<&str>) {
    cadre_platform::testing::assert_error_in(status, Some("forum.cadre"), code, reason, field);
}

/// Proposes a forum for `unit` as `client`.
pub async fn try_propose(
    client: &mut Client,
    unit: &str,
    level: pb::ForumLevel,
) -> Result<pb::Forum, Status> {
    client
        .propose_forum(pb::ProposeForumRequest {
            request_id: rid(),
            owner_unit_id: unit.to_owned(),
            level: level as i32,
            name: "讲坛".into(),
            description: "干部讲坛".into(),
        })
        .await
        .map(|r| r.into_inner().forum.unwrap())
}

/// Approves a forum as `client`.
pub async fn try_approve(client: &mut Client, forum_id: &str) -> Result<pb::Forum, Status> {
    client
        .approve_forum(pb::ApproveForumRequest { request_id: rid(), forum_id: forum_id.to_owned() })
        .await
        .map(|r| r.into_inner().forum.unwrap())
}

/// A session request of `forum` by `speaker` from `start` to `end` (RFC 3339).
pub fn session_request(forum: &str, speaker: &Person, start: &str, end: &str) -> pb::ScheduleSessionRequest {
    pb::ScheduleSessionRequest {
        request_id: rid(),
        forum_id: forum.to_owned(),
        topic: "依法行政专题讲座".into(),
        theme_id: String::new(),
        speaker: Some(pb::Speaker { cadre_id: speaker.cadre_id.clone(), ..Default::default() }),
        start_time: Some(ts(start)),
        end_time: Some(ts(end)),
        place: "镇政府三楼会议室".into(),
        audience: None,
        capacity: 0,
        credited_minutes: 120,
    }
}

/// Schedules a session, which must pass.
pub async fn schedule(client: &mut Client, request: pb::ScheduleSessionRequest) -> pb::Session {
    client
        .schedule_session(request)
        .await
        .unwrap_or_else(|s| panic!("schedule: {s:?}"))
        .into_inner()
        .session
        .unwrap()
}

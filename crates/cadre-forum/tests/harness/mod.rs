//! Starts the real directory and the forum service in-process on 127.0.0.1:0, each over a fresh database of
//! the same backend and sharing one key pair, builds a small district through the directory, waits for the
//! forum service's projection to have it, and hands out forum clients acting as its people.
//!
//! "Now" (and with it "today", the district's date of now) is the harness's to set, so check-in windows
//! and held sessions are tested at chosen instants rather than on the machine's clock.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use cadre_directory::{
    service::Seed,
    testing::{TestDistrict, retitle, sample_cadre},
};
use cadre_platform::{
    Db,
    auth::{Principal, Role},
    clock,
    server::{ServeContext, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{
        ActingAs, TestDatabase, TestKeys, channel_to, count_rows, eventually_in, person, shut_down,
        suite_config, url_of, wait_serving,
    },
};
use cadre_proto::{
    events::Event,
    forum::{self as pb, forum_service_client::ForumServiceClient},
};
use chrono::{DateTime, Utc};
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};

pub use cadre_directory::testing::{DirectoryClient, Person, Post};
// Not every test binary uses each.
#[allow(unused_imports)]
pub use cadre_platform::testing::{date, reason, rid};

/// A forum client acting as one principal.
pub type Client = ForumServiceClient<InterceptedService<Channel, ActingAs>>;

pub struct Harness {
    pub keys: TestKeys,
    pub channel: Channel,
    /// The directory, acting as an operator who may create units and cadres.
    pub directory: DirectoryClient,
    /// The forum service's database.
    pub db: Db,
    pub backend: &'static str,
    pub root_unit_id: String,
    district: TestDistrict,
    now: Arc<Mutex<DateTime<Utc>>>,
    trigger: ShutdownTrigger,
    servers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _databases: (TestDatabase, TestDatabase),
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
        let mut config = suite_config(&keys);
        config.services.forum.database_url = database.url.clone();
        config.services.directory.database_url = directory_db.url.clone();

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

        let district = TestDistrict::open(directory_channel, &keys, demo).await;
        Self {
            keys,
            channel,
            directory: district.directory.clone(),
            db: database.connect().await,
            backend: database.backend,
            root_unit_id: district.root_unit_id.clone(),
            district,
            now,
            trigger,
            servers,
            _databases: (database, directory_db),
        }
    }

    pub async fn stop(self) {
        shut_down(self.trigger, self.servers).await;
    }

    /// Moves now (RFC 3339).
    pub fn set_now(&self, now: &str) {
        *self.now.lock().unwrap() = t(now);
    }

    /// A unit of `kind` under `parent` (the district when `None`).
    pub async fn unit(&mut self, code: &str, name: &str, kind: &str, parent: Option<&str>) -> String {
        self.district.unit(code, name, kind, parent).await
    }

    /// A civil servant of `unit` in `post`, with an HR-system id.
    pub async fn cadre(&mut self, name: &str, unit: &str, post: Post) -> Person {
        let sequence = self.district.sequence(None);
        let mut cadre = sample_cadre(unit, name, sequence, post);
        cadre.external_id = format!("HR{sequence:05}");
        if post == Post::Principal {
            retitle(&mut cadre, "党委书记", "锦绣区");
        }
        self.district.create(cadre).await
    }

    /// Waits until the forum service's projection has every cadre created so far (and their external ids).
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
        self.org_named("org-officer")
    }

    /// Another org-department officer.
    pub fn org_named(&self, subject: &str) -> Client {
        self.client_as(&self.district.official(subject, &[Role::OrgOfficer]))
    }

    /// A district committee member.
    pub fn committee(&self) -> Client {
        self.client_as(&self.district.official("committee", &[Role::CommitteeMember]))
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
        cadre_platform::testing::feed_events(&self.channel, &self.keys, part, vec![event_type.to_owned()])
            .await
    }

    /// How many rows a table of the forum database holds: for "nothing was written".
    pub async fn count(&self, table: &'static str) -> i64 {
        count_rows(&self.db, table).await
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

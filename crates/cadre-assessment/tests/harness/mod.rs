//! Starts the real directory, the real leave service (for its working calendar) and the assessment service
//! in-process on 127.0.0.1:0, each over a fresh database of the same backend and sharing one key pair,
//! builds a small district through the directory, waits for the assessment service's projection to have
//! it, and hands out assessment clients acting as its people.
//!
//! "Today" is the harness's to set (for the assessment and the leave service alike), so publicity,
//! review deadlines and overdue tasks are tested on chosen dates rather than on the machine's clock.

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
    assessment::{self as pb, assessment_service_client::AssessmentServiceClient},
    directory::{self as dir, directory_service_client::DirectoryServiceClient},
    events::{Event, WatchRequest, event_feed_service_client::EventFeedServiceClient},
    types,
};
use chrono::NaiveDate;
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};

/// An assessment client acting as one principal.
pub type Client = AssessmentServiceClient<InterceptedService<Channel, ActingAs>>;
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

/// What a new cadre is, beyond name, unit and post.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub category: dir::CadreCategory,
    /// The start of work (a new recruit's probation counts from it).
    pub work_start: &'static str,
}

impl Default for Facts {
    fn default() -> Self {
        Self { category: dir::CadreCategory::CivilServant, work_start: "2007-07-01" }
    }
}

pub struct Harness {
    pub keys: TestKeys,
    pub channel: Channel,
    /// The leave service, whose working calendar the assessment service counts with.
    pub leave: Channel,
    /// The directory, acting as an operator who may create units and cadres.
    pub directory: DirectoryClient,
    /// The assessment service's database.
    pub db: Db,
    pub backend: &'static str,
    pub root_unit_id: String,
    today: Arc<Mutex<NaiveDate>>,
    paths: HashMap<String, Vec<String>>,
    next_cadre: u16,
    last_cadre: Option<String>,
    trigger: ShutdownTrigger,
    servers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _databases: (TestDatabase, TestDatabase, TestDatabase),
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

impl Harness {
    /// The suite on `database`, with today set to `today`.
    pub async fn start(database: TestDatabase, today: &str) -> Self {
        Self::start_with(database, today, false).await
    }

    /// The suite as `cadre dev` runs it: the directory seeds the demo district, and the assessment service
    /// its earlier years.
    pub async fn start_demo(database: TestDatabase, today: &str) -> Self {
        Self::start_with(database, today, true).await
    }

    async fn start_with(database: TestDatabase, today: &str, demo: bool) -> Self {
        let directory_db = database.sibling();
        let leave_db = database.sibling();
        let keys = TestKeys::new();
        let mut config = Config::default();
        config.services.assessment.database_url = database.url.clone();
        config.services.leave.database_url = leave_db.url.clone();
        config.services.directory.database_url = directory_db.url.clone();
        config.auth.principal_public_keys = keys.files.public_keys.display().to_string();
        config.auth.principal_signing_key = keys.files.signing_key.display().to_string();
        config.database.connection_timeout_ms = 1_000;
        config.feed.poll_interval_ms = 50;
        // Three services and the harness share one PostgreSQL with other tests running at once.
        config.database.max_connections = 4;

        let directory_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let leave_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let assessment_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        // Where the services reach each other, as a deployment configures it.
        config.gateway.upstreams.insert("directory".to_owned(), url_of(&directory_listener));
        config.gateway.upstreams.insert("leave".to_owned(), url_of(&leave_listener));
        let directory_channel = channel_to(&directory_listener);
        let leave_channel = channel_to(&leave_listener);
        let channel = channel_to(&assessment_listener);

        let today = Arc::new(Mutex::new(d(today)));
        let clock = today.clone();
        let assessment_today: cadre_assessment::grpc::Today = Arc::new(move || *clock.lock().unwrap());
        let clock = today.clone();
        let leave_options = cadre_leave::service::Options {
            today: Arc::new(move || *clock.lock().unwrap()),
            sweep_every: Duration::from_secs(3600 * 24 * 365),
        };
        let (trigger, shutdown) = shutdown_channel();
        let ctx = ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown };
        let mut servers = vec![
            tokio::spawn({
                let (config, ctx) = (config.clone(), ctx.clone());
                async move { cadre_leave::service::serve_with(&config, leave_listener, &ctx, leave_options).await }
            }),
            tokio::spawn({
                let (config, ctx) = (config.clone(), ctx.clone());
                let seed = if demo { Seed::DemoDistrict } else { Seed::None };
                async move { cadre_directory::service::serve(&config, directory_listener, &ctx, seed).await }
            }),
        ];
        wait_serving(&leave_channel, "cadre.leave.v1.LeaveService").await;
        wait_serving(&directory_channel, "cadre.directory.v1.DirectoryService").await;
        servers.push(tokio::spawn({
            let (config, ctx) = (config.clone(), ctx.clone());
            let options =
                cadre_assessment::service::Options { today: assessment_today, demo_history: demo };
            async move { cadre_assessment::service::serve_with(&config, assessment_listener, &ctx, options).await }
        }));
        wait_serving(&channel, "cadre.assessment.v1.AssessmentService").await;

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
            leave: leave_channel,
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
            _databases: (database, directory_db, leave_db),
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

    /// Today.
    pub fn today(&self) -> NaiveDate {
        *self.today.lock().unwrap()
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

    /// A civil servant of `unit` in `post`, working since 2007.
    pub async fn cadre(&mut self, name: &str, unit: &str, post: Post) -> Person {
        self.cadre_with(name, unit, post, Facts::default()).await
    }

    /// A cadre of `unit` in `post` with `facts`.
    pub async fn cadre_with(&mut self, name: &str, unit: &str, post: Post, facts: Facts) -> Person {
        let sequence = self.next_cadre;
        self.next_cadre += 1;
        let cadre = sample_cadre(unit, name, sequence, post, facts);
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

    /// Waits until the assessment service's projection has every cadre created so far.
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

    /// A client acting as a discipline inspector with no cadre record.
    pub fn inspector(&self) -> Client {
        self.client_as(&person("inspector", &[Role::DisciplineInspector], &[&self.root_unit_id], None))
    }

    /// A client acting as the suite's `part` (e.g. `rank`, `oversight`).
    pub fn system(&self, part: &str) -> Client {
        self.client_as(&Principal::system(part))
    }

    /// A client acting as `principal`.
    pub fn client_as(&self, principal: &Principal) -> Client {
        AssessmentServiceClient::with_interceptor(self.channel.clone(), self.keys.acting_as(principal))
    }

    /// The assessment feed's events of `event_type` up to its head, read as the suite's `part` through
    /// `Watch`, as rank and care read them.
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

    /// How many rows a table of the assessment database holds: for "nothing was written".
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
}

fn sample_cadre(unit_id: &str, name: &str, sequence: u16, post: Post, facts: Facts) -> dir::Cadre {
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
        work_start_date: Some(date(facts.work_start)),
        party_entry_date: Some(date("2006-06-01")),
        education: dir::Education::University as i32,
        category: facts.category as i32,
        employing_unit_id: unit_id.into(),
        managing_unit_id: unit_id.into(),
        post: Some(dir::Post {
            title: title.into(),
            level: level as i32,
            is_leader: team,
            is_team_member: team,
            is_principal: principal,
            start_date: Some(date(facts.work_start.max("2015-01-01"))),
        }),
        status: dir::CadreStatus::Active as i32,
        work_history: vec![dir::WorkHistoryEntry {
            start_date: Some(date(facts.work_start)),
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

/// Asserts a status's code, ErrorInfo reason (domain `assessment.cadre`) and, when given, a field violation.
pub fn assert_error(status: &Status, code: Code, reason: &str, field: Option<&str>) {
    cadre_platform::testing::assert_error_in(status, Some("assessment.cadre"), code, reason, field);
}

/// A grade as the proto's number.
pub fn outcome(outcome: pb::AnnualOutcome) -> i32 {
    outcome as i32
}

/// Opens the year's cycle of `unit`'s pool of `category`.
pub async fn open_cycle(
    org: &mut Client,
    unit: &str,
    category: pb::PoolCategory,
    year: i32,
) -> pb::AnnualCycle {
    org.open_annual_cycle(pb::OpenAnnualCycleRequest {
        request_id: rid(),
        org_unit_id: unit.to_owned(),
        category: category as i32,
        year,
    })
    .await
    .unwrap_or_else(|s| panic!("open the cycle: {s:?}"))
    .into_inner()
    .cycle
    .unwrap()
}

/// Every assessment of a cycle, as `client` sees them.
pub async fn assessments(client: &mut Client, cycle_id: &str) -> Vec<pb::AnnualAssessment> {
    client
        .list_annual_assessments(pb::ListAnnualAssessmentsRequest {
            cycle_id: cycle_id.to_owned(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("list the assessments: {s:?}"))
        .into_inner()
        .assessments
}

/// The assessment of `who` among `list`.
pub fn of<'a>(list: &'a [pb::AnnualAssessment], who: &Person) -> &'a pb::AnnualAssessment {
    list.iter()
        .find(|a| a.cadre_id == who.cadre_id)
        .unwrap_or_else(|| panic!("no assessment of {}", who.name))
}

/// One assessment, read by `client`.
pub async fn assessment(client: &mut Client, id: &str) -> pb::GetAnnualAssessmentResponse {
    client
        .get_annual_assessment(pb::GetAnnualAssessmentRequest { assessment_id: id.to_owned() })
        .await
        .unwrap_or_else(|s| panic!("get the assessment: {s:?}"))
        .into_inner()
}

/// The self-summary of an assessment, submitted by `client`.
pub async fn summary(client: &mut Client, assessment_id: &str) -> pb::AnnualAssessment {
    client
        .submit_self_summary(pb::SubmitSelfSummaryRequest {
            request_id: rid(),
            assessment_id: assessment_id.to_owned(),
            summary: "全年认真履行岗位职责，完成各项工作任务。".into(),
        })
        .await
        .unwrap_or_else(|s| panic!("submit the summary: {s:?}"))
        .into_inner()
        .assessment
        .unwrap()
}

/// A proposal of `grade` for an assessment, by `client`.
pub async fn try_propose(
    client: &mut Client,
    assessment_id: &str,
    grade: pb::AnnualOutcome,
) -> Result<pb::AnnualAssessment, Status> {
    client
        .propose_grade(pb::ProposeGradeRequest {
            request_id: rid(),
            assessment_id: assessment_id.to_owned(),
            grade: grade as i32,
            comment: "政治坚定，工作扎实。".into(),
            improvement: String::new(),
            expected_version: 0,
        })
        .await
        .map(|r| r.into_inner().assessment.unwrap())
}

/// A proposal that must pass.
pub async fn propose(
    client: &mut Client,
    assessment_id: &str,
    grade: pb::AnnualOutcome,
) -> pb::AnnualAssessment {
    try_propose(client, assessment_id, grade).await.unwrap_or_else(|s| panic!("propose {grade:?}: {s:?}"))
}

/// Starts the publicity (with a raised-cap approval when given).
pub async fn try_publicise(
    org: &mut Client,
    cycle_id: &str,
    approval: &str,
) -> Result<pb::StartPublicityResponse, Status> {
    org.start_publicity(pb::StartPublicityRequest {
        request_id: rid(),
        cycle_id: cycle_id.to_owned(),
        raised_quota_approval: approval.to_owned(),
    })
    .await
    .map(|r| r.into_inner())
}

/// Determines the grades.
pub async fn try_determine(org: &mut Client, cycle_id: &str) -> Result<pb::AnnualCycle, Status> {
    org.determine_grades(pb::DetermineGradesRequest {
        request_id: rid(),
        cycle_id: cycle_id.to_owned(),
        determined_by: "局长办公会".into(),
    })
    .await
    .map(|r| r.into_inner().cycle.unwrap())
}

/// The payloads of the feed's `AnnualResultPublishedEvent`s, read as the suite's rank service.
pub async fn published_results(h: &Harness) -> Vec<pb::AnnualResultPublishedEvent> {
    use prost::Message as _;
    h.feed_events("rank", "cadre.assessment.v1.AnnualResultPublishedEvent")
        .await
        .into_iter()
        .map(|e| pb::AnnualResultPublishedEvent::decode(e.payload.unwrap().value.as_slice()).unwrap())
        .collect()
}

impl Harness {
    /// How many events of `event_type` the assessment service's outbox holds.
    pub async fn event_count(&self, event_type: &'static str) -> usize {
        self.db
            .run(|conn| cadre_platform::outbox::read_after(conn, 0, &[], 100_000))
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event_type == event_type)
            .count()
    }
}

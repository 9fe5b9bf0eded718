//! Starts the real directory, the real leave service (for its working calendar) and the assessment service
//! in-process on 127.0.0.1:0, each over a fresh database of the same backend and sharing one key pair,
//! builds a small district through the directory, waits for the assessment service's projection to have
//! it, and hands out assessment clients acting as its people.
//!
//! The oversight service the assessment service follows is stood in for by a real event feed (the
//! platform's `EventFeed` behind its authorization layer) over a database of its own: a test publishes a
//! `DecisionRecordedEvent` into it, and the assessment service's follower reads it exactly as it would read
//! the real service's feed.
//!
//! "Today" is the harness's to set (for the assessment and the leave service alike), so publicity,
//! review deadlines and overdue tasks are tested on chosen dates rather than on the machine's clock.

#![allow(dead_code)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use cadre_directory::{
    service::Seed,
    testing::{TestDistrict, sample_cadre},
};
use cadre_platform::{
    Db,
    auth::{Principal, Role},
    server::{ServeContext, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{
        ActingAs, FakeFeed, TestDatabase, TestKeys, channel_to, count_rows, eventually_in, outbox_types,
        shut_down, suite_config, url_of, wait_serving,
    },
};
use cadre_proto::{
    assessment::{self as pb, assessment_service_client::AssessmentServiceClient},
    directory as dir,
};
use chrono::NaiveDate;
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};

pub use cadre_directory::testing::{DirectoryClient, Person, Post};
// Not every test binary uses each.
#[allow(unused_imports)]
pub use cadre_platform::testing::{d, date, reason, rid};

/// An assessment client acting as one principal.
pub type Client = AssessmentServiceClient<InterceptedService<Channel, ActingAs>>;

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
    /// The oversight service's feed.
    pub oversight: FakeFeed,
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

    /// The suite as `cadre dev` runs it: the directory seeds the demo district, and the assessment service
    /// its earlier years.
    pub async fn start_demo(database: TestDatabase, today: &str) -> Self {
        Self::start_with(database, today, true).await
    }

    async fn start_with(database: TestDatabase, today: &str, demo: bool) -> Self {
        let directory_db = database.sibling();
        let leave_db = database.sibling();
        let keys = TestKeys::new();
        let mut config = suite_config(&keys);
        config.services.assessment.database_url = database.url.clone();
        config.services.leave.database_url = leave_db.url.clone();
        config.services.directory.database_url = directory_db.url.clone();

        let directory_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let leave_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let assessment_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        // Where the services reach each other, as a deployment configures it.
        config.gateway.upstreams.insert("directory".to_owned(), url_of(&directory_listener));
        config.gateway.upstreams.insert("leave".to_owned(), url_of(&leave_listener));
        let oversight_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.gateway.upstreams.insert("oversight".to_owned(), url_of(&oversight_listener));
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
        let (oversight, oversight_server) =
            FakeFeed::serve("oversight", oversight_listener, &keys, &ctx).await;
        let mut servers = vec![
            oversight_server,
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

        let district = TestDistrict::open(directory_channel, &keys, demo).await;
        Self {
            keys,
            channel,
            leave: leave_channel,
            directory: district.directory.clone(),
            db: database.connect().await,
            backend: database.backend,
            root_unit_id: district.root_unit_id.clone(),
            oversight,
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

    /// Today.
    pub fn today(&self) -> NaiveDate {
        *self.today.lock().unwrap()
    }

    /// A 机关 under `parent` (the district when `None`).
    pub async fn unit(&mut self, code: &str, name: &str, parent: Option<&str>) -> String {
        self.district.unit(code, name, "district_unit", parent).await
    }

    /// A civil servant of `unit` in `post`, working since 2007.
    pub async fn cadre(&mut self, name: &str, unit: &str, post: Post) -> Person {
        self.cadre_with(name, unit, post, Facts::default()).await
    }

    /// A cadre of `unit` in `post` with `facts`.
    pub async fn cadre_with(&mut self, name: &str, unit: &str, post: Post, facts: Facts) -> Person {
        let sequence = self.district.sequence(None);
        let mut cadre = sample_cadre(unit, name, sequence, post);
        cadre.category = facts.category as i32;
        cadre.work_start_date = Some(date(facts.work_start));
        if let Some(post) = cadre.post.as_mut() {
            post.start_date = Some(date(facts.work_start.max("2015-01-01")));
        }
        cadre.work_history[0].start_date = Some(date(facts.work_start));
        self.district.create(cadre).await
    }

    /// Waits until the assessment service's projection has every cadre created so far.
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

    /// A client acting as a discipline inspector with no cadre record.
    pub fn inspector(&self) -> Client {
        self.client_as(&self.district.official("inspector", &[Role::DisciplineInspector]))
    }

    /// A client acting as the suite's `part` (e.g. `rank`, `oversight`).
    pub fn system(&self, part: &str) -> Client {
        self.client_as(&Principal::system(part))
    }

    /// A client acting as `principal`.
    pub fn client_as(&self, principal: &Principal) -> Client {
        AssessmentServiceClient::with_interceptor(self.channel.clone(), self.keys.acting_as(principal))
    }

    /// How many rows a table of the assessment database holds: for "nothing was written".
    pub async fn count(&self, table: &'static str) -> i64 {
        count_rows(&self.db, table).await
    }

    /// How many events of `event_type` the assessment service's outbox holds.
    pub async fn event_count(&self, event_type: &'static str) -> usize {
        outbox_types(&self.db).await.into_iter().filter(|t| t == event_type).count()
    }
}

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
    cadre_platform::testing::feed_payloads(&h.channel, &h.keys, "rank").await
}

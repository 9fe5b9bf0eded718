//! Starts the real directory, leave (the working calendar), assessment and rank services in-process on
//! 127.0.0.1:0, each over a fresh database of the same backend and sharing one key pair and one settable
//! "today", builds a small district through the directory, waits for the rank service to have it, and hands
//! out rank clients acting as its people.
//!
//! The oversight service the rank service follows is stood in for by a real event feed (the platform's
//! `EventFeed` behind its authorization layer) over a database of its own: a test publishes a
//! `DecisionRecordedEvent` or an `IntegrityOpinionAnsweredEvent` into it, and the rank service's follower
//! reads it exactly as it would read the real service's feed.

#![allow(dead_code)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use cadre_directory::{
    service::Seed,
    testing::{self as directory, TestDistrict, sample_cadre},
};
use cadre_platform::{
    Db,
    auth::{Principal, PrincipalKind, Role},
    dates::date_from,
    server::{ServeContext, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{
        ActingAs, FakeFeed, TestDatabase, TestKeys, channel_to, count_rows, eventually_in, outbox_types,
        shut_down, suite_config, url_of, wait_serving,
    },
};
use cadre_proto::{
    assessment::{self as asm, assessment_service_client::AssessmentServiceClient},
    directory as dir,
    rank::{self as pb, rank_service_client::RankServiceClient},
};
use chrono::NaiveDate;
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};
use tonic_types::StatusExt as _;

pub use cadre_directory::testing::{DirectoryClient, Person};
// Not every test binary uses each.
#[allow(unused_imports)]
pub use cadre_platform::testing::{d, date, eventually};

/// A rank client acting as one principal.
pub type Client = RankServiceClient<InterceptedService<Channel, ActingAs>>;
/// An assessment client acting as one principal.
pub type AssessmentClient = AssessmentServiceClient<InterceptedService<Channel, ActingAs>>;

/// A cadre's post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Post {
    /// 一般干部, no leadership post.
    Staff,
    /// 乡科级副职.
    TownshipDeputy,
}

impl From<Post> for directory::Post {
    fn from(post: Post) -> Self {
        match post {
            Post::Staff => Self::Staff,
            Post::TownshipDeputy => Self::Deputy,
        }
    }
}

pub struct Harness {
    pub keys: TestKeys,
    pub channel: Channel,
    pub assessment_channel: Channel,
    /// The directory, acting as an operator who may create units and cadres.
    pub directory: DirectoryClient,
    /// The rank service's database.
    pub db: Db,
    pub backend: &'static str,
    pub root_unit_id: String,
    /// The oversight service's feed.
    pub oversight: FakeFeed,
    district: TestDistrict,
    today: Arc<Mutex<NaiveDate>>,
    trigger: ShutdownTrigger,
    servers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _databases: Vec<TestDatabase>,
}

impl Harness {
    /// The suite on `database`, with every service's today set to `today`.
    // The other services' options are filled up from their defaults, so that a field they add later takes
    // its default here rather than breaking the build.
    #[allow(clippy::needless_update)]
    pub async fn start(database: TestDatabase, today: &str) -> Self {
        let directory_db = database.sibling();
        let leave_db = database.sibling();
        let assessment_db = database.sibling();
        let keys = TestKeys::new();
        let mut config = suite_config(&keys);
        config.services.rank.database_url = database.url.clone();
        config.services.directory.database_url = directory_db.url.clone();
        config.services.leave.database_url = leave_db.url.clone();
        config.services.assessment.database_url = assessment_db.url.clone();
        // Four services start at once.
        config.database.connection_timeout_ms = 2_000;

        let bind = || tokio::net::TcpListener::bind("127.0.0.1:0");
        let (directory_listener, leave_listener) = (bind().await.unwrap(), bind().await.unwrap());
        let (assessment_listener, rank_listener) = (bind().await.unwrap(), bind().await.unwrap());
        let oversight_listener = bind().await.unwrap();
        for (target, listener) in [
            ("directory", &directory_listener),
            ("leave", &leave_listener),
            ("assessment", &assessment_listener),
            ("rank", &rank_listener),
            ("oversight", &oversight_listener),
        ] {
            config.gateway.upstreams.insert(target.to_owned(), url_of(listener));
        }
        let directory_channel = channel_to(&directory_listener);
        let leave_channel = channel_to(&leave_listener);
        let assessment_channel = channel_to(&assessment_listener);
        let channel = channel_to(&rank_listener);

        let today = Arc::new(Mutex::new(d(today)));
        let clock = || {
            let clock = today.clone();
            Arc::new(move || *clock.lock().unwrap()) as Arc<dyn Fn() -> NaiveDate + Send + Sync>
        };
        let leave_options = cadre_leave::service::Options {
            today: clock(),
            sweep_every: Duration::from_secs(3600 * 24 * 365),
            ..cadre_leave::service::Options::from_config(&config)
        };
        let (trigger, shutdown) = shutdown_channel();
        let ctx = ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown };
        let (oversight, oversight_server) =
            FakeFeed::serve("oversight", oversight_listener, &keys, &ctx).await;
        let mut servers = vec![
            oversight_server,
            tokio::spawn({
                let (config, ctx) = (config.clone(), ctx.clone());
                async move { cadre_directory::service::serve(&config, directory_listener, &ctx, Seed::None).await }
            }),
            tokio::spawn({
                let (config, ctx) = (config.clone(), ctx.clone());
                async move { cadre_leave::service::serve_with(&config, leave_listener, &ctx, leave_options).await }
            }),
        ];
        wait_serving(&leave_channel, "cadre.leave.v1.LeaveService").await;
        let rank_options = cadre_rank::service::Options {
            today: clock(),
            // The tests move the day themselves (see `set_today`); the sweep's own ticks notice the new day
            // and wake the push of rank changes that take effect on it.
            sweep_every: Duration::from_millis(200),
        };
        let assessment_options = cadre_assessment::service::Options {
            today: clock(),
            ..cadre_assessment::service::Options::from_config(&config)
        };
        servers.push(tokio::spawn({
            let (config, ctx) = (config.clone(), ctx.clone());
            async move {
                cadre_assessment::service::serve_with(&config, assessment_listener, &ctx, assessment_options)
                    .await
            }
        }));
        servers.push(tokio::spawn({
            let (config, ctx) = (config.clone(), ctx.clone());
            async move { cadre_rank::service::serve_with(&config, rank_listener, &ctx, rank_options).await }
        }));
        wait_serving(&directory_channel, "cadre.directory.v1.DirectoryService").await;
        wait_serving(&assessment_channel, "cadre.assessment.v1.AssessmentService").await;
        wait_serving(&channel, "cadre.rank.v1.RankService").await;

        let district = TestDistrict::open(directory_channel, &keys, false).await;
        Self {
            keys,
            channel,
            assessment_channel,
            directory: district.directory.clone(),
            db: database.connect().await,
            backend: database.backend,
            root_unit_id: district.root_unit_id.clone(),
            oversight,
            district,
            today,
            trigger,
            servers,
            _databases: vec![database, directory_db, leave_db, assessment_db],
        }
    }

    pub async fn stop(self) {
        shut_down(self.trigger, self.servers).await;
    }

    /// Moves every service's today, and runs the rank sweep on it (the day's refresh of the lists and the
    /// end of any 公示 that is over), as the sweep's next tick would.
    pub async fn set_today(&self, day: &str) {
        *self.today.lock().unwrap() = d(day);
        cadre_rank::sweep::once(&self.db, d(day)).await.expect("the rank sweep runs");
    }

    /// Today.
    pub fn today(&self) -> NaiveDate {
        *self.today.lock().unwrap()
    }

    /// A unit of `kind` under `parent` (the district when `None`).
    pub async fn unit(&mut self, code: &str, name: &str, kind: &str, parent: Option<&str>) -> String {
        self.district.unit(code, name, kind, parent).await
    }

    /// A civil servant of `unit` in `post`, holding `rank` since the given date when one is given.
    pub async fn cadre(
        &mut self,
        name: &str,
        unit: &str,
        post: Post,
        rank: Option<(dir::RankGrade, &str)>,
    ) -> Person {
        let sequence = self.district.sequence(None);
        let mut cadre = sample_cadre(unit, name, sequence, post.into());
        cadre.rank =
            rank.map(|(grade, since)| dir::Rank { grade: grade as i32, start_date: Some(date(since)) });
        cadre.work_history[0].unit_name = "区发改局".into();
        self.district.create(cadre).await
    }

    /// Waits until the rank service's projection has every cadre created so far, and their holdings.
    pub async fn sync(&self) {
        let Some(last) = self.district.last_cadre().map(str::to_owned) else { return };
        eventually_in(&self.db, "the rank projection catches up", move |conn| {
            Ok(cadre_rank::store::projection::cadre(conn, &last)?.is_some())
        })
        .await;
    }

    /// The directory's record of a cadre.
    pub async fn directory_cadre(&self, id: &str) -> dir::Cadre {
        self.directory
            .clone()
            .get_cadre(dir::GetCadreRequest { id: id.to_owned() })
            .await
            .unwrap_or_else(|s| panic!("get cadre: {s:?}"))
            .into_inner()
            .cadre
            .unwrap()
    }

    /// A principal for `who` with `roles`, scoped to their unit.
    pub fn principal(&self, who: &Person, roles: &[Role]) -> Principal {
        self.district.principal(who, roles)
    }

    /// A rank client acting as `who` with `roles` (and the cadre role).
    pub fn as_person(&self, who: &Person, roles: &[Role]) -> Client {
        self.client_as(&self.district.member(who, roles))
    }

    /// A rank client acting as an org-department officer with no cadre record of their own.
    pub fn org(&self) -> Client {
        self.client_as(&self.district.official("org-officer", &[Role::OrgOfficer]))
    }

    /// A rank client acting as a district committee member with no cadre record.
    pub fn committee(&self) -> Client {
        self.client_as(&self.district.official("committee-member", &[Role::CommitteeMember]))
    }

    /// A rank client acting as a discipline inspector.
    pub fn inspector(&self) -> Client {
        self.client_as(&self.district.official("inspector", &[Role::DisciplineInspector]))
    }

    /// A rank client acting as a part of the suite (the oversight service).
    pub fn system(&self, part: &str) -> Client {
        let principal = Principal::system(part);
        assert_eq!(principal.kind, PrincipalKind::System);
        self.client_as(&principal)
    }

    /// A rank client acting as `principal`.
    pub fn client_as(&self, principal: &Principal) -> Client {
        RankServiceClient::with_interceptor(self.channel.clone(), self.keys.acting_as(principal))
    }

    /// An assessment client acting as an org-department officer.
    pub fn assessment(&self) -> AssessmentClient {
        let officer = self.district.official("assessment-officer", &[Role::OrgOfficer]);
        AssessmentServiceClient::with_interceptor(
            self.assessment_channel.clone(),
            self.keys.acting_as(&officer),
        )
    }

    /// An assessment client acting as `who`, a plain cadre.
    pub fn assessment_as(&self, who: &Person) -> AssessmentClient {
        let principal = self.principal(who, &[Role::Cadre]);
        AssessmentServiceClient::with_interceptor(
            self.assessment_channel.clone(),
            self.keys.acting_as(&principal),
        )
    }

    /// Runs `year`'s annual assessment of the civil servants of `unit` through the assessment service, from
    /// opening to the determined grades (`grades` for the people named, 称职 for the rest), and returns the
    /// day the results were published. It moves today past the publicity, as the calendar requires.
    pub async fn publish_year(
        &self,
        unit: &str,
        year: i32,
        people: &[&Person],
        grades: &[(&Person, asm::AnnualOutcome)],
    ) -> NaiveDate {
        let mut org = self.assessment();
        // The assessment service's projection of the directory catches up on its own.
        let mut cycle = None;
        for _ in 0..400 {
            let opened = org
                .open_annual_cycle(asm::OpenAnnualCycleRequest {
                    request_id: rid(),
                    org_unit_id: unit.to_owned(),
                    category: asm::PoolCategory::CivilServant as i32,
                    year,
                })
                .await;
            match opened {
                Ok(answer)
                    if answer
                        .get_ref()
                        .cycle
                        .as_ref()
                        .is_some_and(|c| c.enrolled as usize == people.len()) =>
                {
                    cycle = answer.into_inner().cycle;
                    break;
                }
                Ok(answer) => {
                    panic!("the {year} cycle enrolled the wrong people: {:?}", answer.into_inner().cycle)
                }
                Err(status) if status.code() == Code::NotFound || reason(&status) == "POOL_EMPTY" => {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(status) => panic!("open the {year} cycle: {status:?}"),
            }
        }
        let cycle = cycle.expect("the assessment service enrols the unit");
        let all = org
            .list_annual_assessments(asm::ListAnnualAssessmentsRequest {
                cycle_id: cycle.id.clone(),
                page_size: 500,
                ..Default::default()
            })
            .await
            .expect("the assessments")
            .into_inner()
            .assessments;
        for who in people {
            let mine = all.iter().find(|a| a.cadre_id == who.cadre_id).expect("enrolled");
            self.assessment_as(who)
                .submit_self_summary(asm::SubmitSelfSummaryRequest {
                    request_id: rid(),
                    assessment_id: mine.id.clone(),
                    summary: "全年认真履行岗位职责，完成各项工作任务。".into(),
                })
                .await
                .unwrap_or_else(|s| panic!("the summary: {s:?}"));
            let grade = grades
                .iter()
                .find(|(p, _)| p.cadre_id == who.cadre_id)
                .map_or(asm::AnnualOutcome::Competent, |(_, g)| *g);
            org.propose_grade(asm::ProposeGradeRequest {
                request_id: rid(),
                assessment_id: mine.id.clone(),
                grade: grade as i32,
                comment: "政治坚定，工作扎实。".into(),
                improvement: String::new(),
                expected_version: 0,
            })
            .await
            .unwrap_or_else(|s| panic!("propose {grade:?}: {s:?}"));
        }
        let publicised = org
            .start_publicity(asm::StartPublicityRequest {
                request_id: rid(),
                cycle_id: cycle.id.clone(),
                raised_quota_approval: String::new(),
            })
            .await
            .unwrap_or_else(|s| panic!("the publicity: {s:?}"))
            .into_inner()
            .cycle
            .unwrap();
        let last_day = publicised.publicity_last_day.as_ref().expect("a publicity's last day");
        let after = date_from(last_day).and_then(|day| day.succ_opt()).unwrap();
        self.set_today(&after.to_string()).await;
        org.determine_grades(asm::DetermineGradesRequest {
            request_id: rid(),
            cycle_id: cycle.id.clone(),
            determined_by: "局长办公会".into(),
        })
        .await
        .unwrap_or_else(|s| panic!("determine the grades: {s:?}"));
        after
    }

    /// The types of the events the rank service published so far, oldest first.
    pub async fn event_types(&self) -> Vec<String> {
        outbox_types(&self.db).await
    }

    /// How many rows a table of the rank database has: to show that a refused call wrote nothing.
    pub async fn count(&self, table: &'static str) -> i64 {
        count_rows(&self.db, table).await
    }
}

/// The `ErrorInfo` metadata of a status.
pub fn metadata(status: &Status) -> HashMap<String, String> {
    status.get_error_details().error_info().map(|i| i.metadata.clone()).unwrap_or_default()
}

// Not every test binary uses both.
#[allow(unused_imports)]
pub use cadre_platform::testing::{reason, rid};

/// Asserts a status's code, ErrorInfo reason (domain `rank.cadre`) and, when given, a field violation.
pub fn assert_error(status: &Status, code: Code, reason: &str, field: Option<&str>) {
    cadre_platform::testing::assert_error_in(status, Some("rank.cadre"), code, reason, field);
}

/// The reasons of an answer's blocks.
pub fn blocks(answer: &pb::Eligibility) -> Vec<String> {
    answer.blocks.iter().map(|b| b.reason.clone()).collect()
}

/// Asks whether `cadre` may be promoted (to the next grade), on `as_of` or today.
pub async fn check(client: &mut Client, cadre: &str, as_of: Option<&str>) -> pb::Eligibility {
    client
        .check_eligibility(pb::CheckEligibilityRequest {
            cadre_id: cadre.to_owned(),
            as_of: as_of.map(date),
            target_grade: 0,
        })
        .await
        .unwrap_or_else(|s| panic!("check eligibility: {s:?}"))
        .into_inner()
        .eligibility
        .unwrap()
}

/// The test district: 区发改局 (five civil servants, two years of results), 城关镇 (one civil servant, no
/// results), and a quota pool for the bureau large enough not to be in the way.
pub struct Bureau {
    pub unit: String,
    pub town: String,
    pub pool_id: String,
    /// 一级科员 since 2024-01-01: eligible for 四级主任科员 from 2026-01-01.
    pub a: Person,
    /// 一级科员 since 2024-07-01: eligible from 2026-07-01.
    pub b: Person,
    /// 四级主任科员 since 2024-01-01: eligible for 三级主任科员 from 2026-01-01.
    pub c: Person,
    /// 一级科员 since 2025-01-01: eligible from 2027-01-01.
    pub d: Person,
    /// 二级主任科员 since 2024-01-01: eligible for 一级主任科员 from 2026-01-01.
    pub e: Person,
    /// 一级科员 of the town since 2024-01-01, never assessed.
    pub villager: Person,
}

impl Bureau {
    /// Everyone in the bureau.
    pub fn staff(&self) -> Vec<&Person> {
        vec![&self.a, &self.b, &self.c, &self.d, &self.e]
    }
}

/// Builds the test district on 2026-01-05 and runs the bureau's 2024 and 2025 assessments (称职 for all,
/// and 优秀 for those in `excellent_2025`); today is then 2026-01-21, a Wednesday.
pub async fn bureau(h: &mut Harness, excellent_2025: &[&str]) -> Bureau {
    use cadre_proto::directory::RankGrade::{PrincipalStaff2, PrincipalStaff4, Staff1};
    assert_eq!(h.today(), d("2026-01-05"), "the district is built on 2026-01-05");
    let unit = h.unit("U01", "区发改局", "district_unit", None).await;
    let town = h.unit("T01", "城关镇", "town", None).await;
    let a = h.cadre("安一", &unit, Post::Staff, Some((Staff1, "2024-01-01"))).await;
    let b = h.cadre("白二", &unit, Post::Staff, Some((Staff1, "2024-07-01"))).await;
    let c = h.cadre("陈三", &unit, Post::Staff, Some((PrincipalStaff4, "2024-01-01"))).await;
    let d_ = h.cadre("邓四", &unit, Post::Staff, Some((Staff1, "2025-01-01"))).await;
    let e = h.cadre("鄂五", &unit, Post::Staff, Some((PrincipalStaff2, "2024-01-01"))).await;
    let villager = h.cadre("范六", &town, Post::Staff, Some((Staff1, "2024-01-01"))).await;
    h.sync().await;
    let pool = h
        .org()
        .set_quota_pool(pb::SetQuotaPoolRequest {
            request_id: rid(),
            pool_id: String::new(),
            name: "区发改局".into(),
            kind: pb::PoolKind::Unit as i32,
            org_unit_ids: vec![unit.clone()],
            headcount_override: Some(100),
            expected_version: 0,
        })
        .await
        .expect("the bureau's pool")
        .into_inner()
        .pool
        .unwrap();
    let staff = [&a, &b, &c, &d_, &e];
    h.publish_year(&unit, 2024, &staff, &[]).await;
    let excellent: Vec<(&Person, cadre_proto::assessment::AnnualOutcome)> = staff
        .iter()
        .filter(|p| excellent_2025.contains(&p.name.as_str()))
        .map(|p| (*p, cadre_proto::assessment::AnnualOutcome::Excellent))
        .collect();
    h.publish_year(&unit, 2025, &staff, &excellent).await;
    assert_eq!(h.today(), d("2026-01-21"), "two publicities of five working days");
    // The rank service has both years once the last result of 2025 is on its feed.
    let db = h.db.clone();
    let last = e.cadre_id.clone();
    eventually("the rank service has the 2025 results", || {
        let (db, id) = (db.clone(), last.clone());
        async move {
            db.run(move |conn| cadre_rank::store::results::of_cadre(conn, &id))
                .await
                .unwrap()
                .iter()
                .any(|r| r.year == 2025)
        }
    })
    .await;
    Bureau { unit, town, pool_id: pool.id, a, b, c, d: d_, e, villager }
}

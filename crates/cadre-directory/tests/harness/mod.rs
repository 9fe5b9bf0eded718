//! Starts the directory in-process on 127.0.0.1:0 over a fresh database and hands out real clients.

#![allow(dead_code)]

use std::time::Duration;

use cadre_directory::service::{self, Seed};
use cadre_platform::{
    Db,
    auth::{Principal, Role},
    config::Config,
    db::PoolOptions,
    server::{ServeContext, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{ActingAs, TestDatabase, TestKeys, person},
};
use cadre_proto::{
    directory::{self as pb, directory_service_client::DirectoryServiceClient},
    events::event_feed_service_client::EventFeedServiceClient,
    types::Date,
};
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tonic_types::StatusExt as _;

/// A directory client acting as one principal.
pub type Client = DirectoryServiceClient<InterceptedService<Channel, ActingAs>>;

/// The principal most tests act as: district-wide, holding every role a directory method asks for. No real
/// account may hold these together (三权分立); the services trust what the gateway signs, so tests of the
/// rules themselves use real role sets (see `access.rs`).
pub fn operator() -> Principal {
    person(
        "test-operator",
        &[Role::OrgOfficer, Role::SecurityAdmin, Role::AuditAdmin, Role::HrSystem],
        &[],
        None,
    )
}

pub struct Harness {
    pub client: Client,
    /// Acting as the suite itself (the gateway resolving callers).
    pub system: Client,
    pub feed: EventFeedServiceClient<InterceptedService<Channel, ActingAs>>,
    pub channel: Channel,
    pub keys: TestKeys,
    pub health: HealthClient<Channel>,
    pub db: Db,
    pub backend: &'static str,
    pub database: TestDatabase,
    trigger: ShutdownTrigger,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Harness {
    pub async fn start(database: TestDatabase) -> Self {
        Self::start_with(database, Seed::None).await
    }

    pub async fn start_with(database: TestDatabase, seed: Seed) -> Self {
        let keys = TestKeys::new();
        let mut config = Config::default();
        config.services.directory.database_url = database.url.clone();
        config.auth.principal_public_keys = keys.files.public_keys.display().to_string();
        config.database.connection_timeout_ms = 1_000;
        config.feed.poll_interval_ms = 100;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (trigger, shutdown) = shutdown_channel();
        let ctx = ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown };
        let server = tokio::spawn(async move { service::serve(&config, listener, &ctx, seed).await });
        let channel = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
        let mut health = HealthClient::new(channel.clone());
        let name = "cadre.directory.v1.DirectoryService".to_owned();
        let ready = async {
            loop {
                let answer = health.check(HealthCheckRequest { service: name.clone() }).await;
                if answer.is_ok_and(|a| a.into_inner().status == ServingStatus::Serving as i32) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(60), ready).await.expect("the directory turns SERVING");
        let db = Db::connect(&database.url, PoolOptions::default()).await.unwrap();
        Self {
            client: DirectoryServiceClient::with_interceptor(channel.clone(), keys.acting_as(&operator())),
            system: DirectoryServiceClient::with_interceptor(
                channel.clone(),
                keys.acting_as(&Principal::system("gateway")),
            ),
            feed: EventFeedServiceClient::with_interceptor(channel.clone(), keys.acting_as(&operator())),
            channel,
            keys,
            health,
            db,
            backend: database.backend,
            database,
            trigger,
            server,
        }
    }

    /// A client acting as `principal`.
    pub fn client_as(&self, principal: &Principal) -> Client {
        DirectoryServiceClient::with_interceptor(self.channel.clone(), self.keys.acting_as(principal))
    }

    /// A client sending no principal at all, as a caller that bypasses the gateway would.
    pub fn anonymous_client(&self) -> DirectoryServiceClient<Channel> {
        DirectoryServiceClient::new(self.channel.clone())
    }

    pub async fn stop(self) {
        self.trigger.fire();
        tokio::time::timeout(Duration::from_secs(10), self.server).await.unwrap().unwrap().unwrap();
    }

    pub async fn audit_records(&self) -> u64 {
        let report = self.db.run(cadre_platform::audit::verify).await.unwrap();
        assert_eq!(report.broken, None, "the audit chain verifies");
        report.records
    }

    pub async fn event_count(&self) -> usize {
        self.db.run(|conn| cadre_platform::outbox::read_after(conn, 0, &[], 1_000_000)).await.unwrap().len()
    }

    /// Root → town T01 → village T01V01, plus district unit U01.
    pub async fn small_tree(&mut self) -> Tree {
        let root = self.unit("", "D000", "锦绣区", "district").await;
        let town = self.unit(&root.id, "T01", "城关镇", "town").await;
        let village = self.unit(&town.id, "T01V01", "河西村", "village").await;
        let bureau = self.unit(&root.id, "U01", "区财政局", "district_unit").await;
        Tree { root, town, village, bureau }
    }

    pub async fn unit(&mut self, parent_id: &str, code: &str, name: &str, kind: &str) -> pb::OrgUnit {
        self.client
            .create_org_unit(create_unit(parent_id, code, name, kind))
            .await
            .unwrap_or_else(|s| panic!("create unit {code}: {s:?}"))
            .into_inner()
            .org_unit
            .unwrap()
    }

    pub async fn cadre(&mut self, cadre: pb::Cadre) -> pb::Cadre {
        self.client
            .create_cadre(pb::CreateCadreRequest { request_id: rid(), cadre: Some(cadre) })
            .await
            .unwrap_or_else(|s| panic!("create cadre: {s:?}"))
            .into_inner()
            .cadre
            .unwrap()
    }
}

pub struct Tree {
    pub root: pb::OrgUnit,
    pub town: pb::OrgUnit,
    pub village: pb::OrgUnit,
    pub bureau: pb::OrgUnit,
}

/// A request to create a unit.
pub fn create_unit(parent_id: &str, code: &str, name: &str, kind: &str) -> pb::CreateOrgUnitRequest {
    pb::CreateOrgUnitRequest {
        request_id: rid(),
        org_unit: Some(pb::OrgUnit {
            parent_id: parent_id.into(),
            code: code.into(),
            name: name.into(),
            kind: kind.into(),
            ..Default::default()
        }),
    }
}

pub fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn date(text: &str) -> Date {
    let d: chrono::NaiveDate = text.parse().unwrap();
    cadre_directory::convert::date_to(d)
}

/// A valid citizen id for a birth date (region 510199, sequence picks gender parity).
pub fn citizen_id(birth: &str, sequence: u16) -> String {
    cadre_directory::domain::citizen_id::CitizenId::compose("510199", birth.parse().unwrap(), sequence)
        .unwrap()
        .as_str()
        .to_owned()
}

/// A consistent cadre employed by `unit_id`.
pub fn sample_cadre(unit_id: &str, name: &str, sequence: u16) -> pb::Cadre {
    let id = citizen_id("1985-03-15", sequence);
    let gender = if sequence % 2 == 1 { pb::Gender::Male } else { pb::Gender::Female };
    pb::Cadre {
        name: name.into(),
        gender: gender as i32,
        citizen_id: id,
        birth_date: Some(date("1985-03-15")),
        work_start_date: Some(date("2007-07-01")),
        party_entry_date: Some(date("2006-06-01")),
        education: pb::Education::University as i32,
        category: pb::CadreCategory::CivilServant as i32,
        employing_unit_id: unit_id.into(),
        managing_unit_id: unit_id.into(),
        post: Some(pb::Post {
            title: "科员".into(),
            level: pb::PostLevel::None as i32,
            start_date: Some(date("2015-01-01")),
            ..Default::default()
        }),
        rank: Some(pb::Rank {
            grade: pb::RankGrade::PrincipalStaff3 as i32,
            start_date: Some(date("2021-01-01")),
        }),
        status: pb::CadreStatus::Active as i32,
        work_history: vec![pb::WorkHistoryEntry {
            start_date: Some(date("2007-07-01")),
            end_date: None,
            unit_name: "城关镇".into(),
            post_title: "科员".into(),
        }],
        ..Default::default()
    }
}

/// Asserts a status's code, ErrorInfo reason and (when given) a field violation.
pub fn assert_error(status: &Status, code: Code, reason: &str, field: Option<&str>) {
    assert_eq!(status.code(), code, "{status:?}");
    let details = status.get_error_details();
    let info = details.error_info().unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    assert_eq!(info.reason, reason, "{status:?}");
    assert_eq!(info.domain, "directory.cadre");
    if let Some(field) = field {
        let fields: Vec<String> = details
            .bad_request()
            .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
            .unwrap_or_default();
        assert!(fields.iter().any(|f| f == field), "no violation on {field}: {fields:?} in {status:?}");
    }
}

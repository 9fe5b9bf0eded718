//! Starts the real directory and the identity service in-process on 127.0.0.1:0, each over a fresh database
//! of the same backend and sharing one key pair (the identity service signs its calls to the directory with
//! it, as the gateway signs callers), and hands out real clients.

#![allow(dead_code)]

use std::time::Duration;

use cadre_directory::service::Seed;
use cadre_identity::store::schema::sessions;
use cadre_platform::{
    Db,
    audit::AuditRecord,
    auth::{Principal, Role},
    config::Config,
    db::PoolOptions,
    server::{ServeContext, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{ActingAs, TestDatabase, TestKeys, channel_to, person, wait_serving},
};
use cadre_proto::{
    directory::{self as dir, directory_service_client::DirectoryServiceClient},
    identity::{self as pb, identity_service_client::IdentityServiceClient},
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};
use tonic_types::StatusExt as _;

/// An identity client acting as one principal.
pub type Client = IdentityServiceClient<InterceptedService<Channel, ActingAs>>;
/// A directory client acting as one principal.
pub type DirectoryClient = DirectoryServiceClient<InterceptedService<Channel, ActingAs>>;

/// A password that meets the policy for any username used here.
pub const PASSWORD: &str = "Correct-Horse-42";
/// Another one.
pub const OTHER_PASSWORD: &str = "Battery-Staple-77";

pub struct Harness {
    /// Acting as the security administrator `secadmin`.
    pub admin: Client,
    /// The security administrator's account.
    pub admin_account: dir::Account,
    /// Sending no principal, as the gateway forwards Login.
    pub public: IdentityServiceClient<Channel>,
    /// Acting as the suite itself (the gateway checking a bearer token).
    pub system: Client,
    /// The directory, acting as an operator who may create units, cadres and accounts.
    pub directory: DirectoryClient,
    pub keys: TestKeys,
    pub channel: Channel,
    /// The identity service's database.
    pub db: Db,
    pub backend: &'static str,
    root_unit_id: String,
    next_cadre: u16,
    trigger: ShutdownTrigger,
    servers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _databases: (TestDatabase, TestDatabase),
}

impl Harness {
    pub async fn start(database: TestDatabase) -> Self {
        let directory_db = database.sibling();
        let keys = TestKeys::new();
        let mut config = Config::default();
        config.services.identity.database_url = database.url.clone();
        config.services.directory.database_url = directory_db.url.clone();
        config.auth.principal_public_keys = keys.files.public_keys.display().to_string();
        config.auth.principal_signing_key = keys.files.signing_key.display().to_string();
        config.database.connection_timeout_ms = 1_000;
        config.feed.poll_interval_ms = 100;

        let directory_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let identity_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.identity.directory_endpoint = format!("http://{}", directory_listener.local_addr().unwrap());
        let directory_channel = channel_to(&directory_listener);
        let channel = channel_to(&identity_listener);

        let (trigger, shutdown) = shutdown_channel();
        let ctx = ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown };
        // The identity service starts first: it must not need the directory until a call does.
        let servers = vec![
            tokio::spawn({
                let (config, ctx) = (config.clone(), ctx.clone());
                async move { cadre_identity::service::serve(&config, identity_listener, &ctx).await }
            }),
            tokio::spawn({
                let (config, ctx) = (config.clone(), ctx.clone());
                async move { cadre_directory::service::serve(&config, directory_listener, &ctx, Seed::None).await }
            }),
        ];
        wait_serving(&channel, "cadre.identity.v1.IdentityService").await;
        wait_serving(&directory_channel, "cadre.directory.v1.DirectoryService").await;

        let operator =
            person("test-operator", &[Role::OrgOfficer, Role::SecurityAdmin, Role::HrSystem], &[], None);
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
        let admin_account = create_account(
            &mut directory,
            account("secadmin", dir::AccountKind::Person, &[dir::Role::SecurityAdmin], "", ""),
        )
        .await;
        let admin_principal = person(&admin_account.id, &[Role::SecurityAdmin], &[], None);
        let db = Db::connect(&database.url, PoolOptions::default()).await.unwrap();
        Self {
            admin: IdentityServiceClient::with_interceptor(channel.clone(), keys.acting_as(&admin_principal)),
            admin_account,
            public: IdentityServiceClient::new(channel.clone()),
            system: IdentityServiceClient::with_interceptor(
                channel.clone(),
                keys.acting_as(&Principal::system("gateway")),
            ),
            directory,
            keys,
            channel,
            db,
            backend: database.backend,
            root_unit_id: root.id,
            next_cadre: 1,
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

    /// An identity client acting as `principal`.
    pub fn client_as(&self, principal: &Principal) -> Client {
        IdentityServiceClient::with_interceptor(self.channel.clone(), self.keys.acting_as(principal))
    }

    /// An identity client acting as the person of `account`, as the gateway would forward them.
    pub fn client_of(&self, account: &dir::Account) -> Client {
        let roles: Vec<Role> = account.roles.iter().filter_map(|r| Role::from_number(*r)).collect();
        let mut principal = person(&account.id, &roles, &[], None);
        principal.username = account.username.clone();
        self.client_as(&principal)
    }

    /// A person account with `roles`; a cadre record is made for the cadre role, and scoped roles get the
    /// district.
    pub async fn person(&mut self, username: &str, roles: &[dir::Role]) -> dir::Account {
        let admin_only = roles
            .iter()
            .all(|r| matches!(r, dir::Role::SystemAdmin | dir::Role::SecurityAdmin | dir::Role::AuditAdmin));
        let scope = if admin_only { String::new() } else { self.root_unit_id.clone() };
        let cadre_id = if roles.contains(&dir::Role::Cadre) {
            let sequence = self.next_cadre;
            self.next_cadre += 1;
            let cadre = sample_cadre(&self.root_unit_id, username, sequence);
            self.directory
                .create_cadre(dir::CreateCadreRequest { request_id: rid(), cadre: Some(cadre) })
                .await
                .unwrap_or_else(|s| panic!("create cadre: {s:?}"))
                .into_inner()
                .cadre
                .unwrap()
                .id
        } else {
            String::new()
        };
        create_account(
            &mut self.directory,
            account(username, dir::AccountKind::Person, roles, &scope, &cadre_id),
        )
        .await
    }

    /// A plain cadre with a password set.
    pub async fn cadre_with_password(&mut self, username: &str) -> dir::Account {
        let account = self.person(username, &[dir::Role::Cadre]).await;
        self.set_password(&account.id, PASSWORD).await;
        account
    }

    /// A service account (the HR system).
    pub async fn service(&mut self, username: &str) -> dir::Account {
        let scope = self.root_unit_id.clone();
        let service = account(username, dir::AccountKind::Service, &[dir::Role::HrSystem], &scope, "");
        create_account(&mut self.directory, service).await
    }

    /// Disables an account at the directory.
    pub async fn disable(&mut self, account: &dir::Account) {
        self.directory
            .update_account(dir::UpdateAccountRequest {
                request_id: rid(),
                account: Some(dir::Account {
                    id: account.id.clone(),
                    state: dir::AccountState::Disabled as i32,
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask { paths: vec!["state".into()] }),
                expected_version: 0,
            })
            .await
            .expect("disable the account");
    }

    pub async fn set_password(&mut self, account_id: &str, password: &str) -> pb::SetPasswordResponse {
        self.admin
            .set_password(pb::SetPasswordRequest {
                request_id: rid(),
                account_id: account_id.into(),
                password: password.into(),
            })
            .await
            .unwrap_or_else(|s| panic!("set password: {s:?}"))
            .into_inner()
    }

    pub async fn login(
        &mut self,
        username: &str,
        password: &str,
        code: &str,
    ) -> Result<pb::LoginResponse, Status> {
        self.public
            .login(pb::LoginRequest {
                username: username.into(),
                password: password.into(),
                totp_code: code.into(),
            })
            .await
            .map(tonic::Response::into_inner)
    }

    /// Signs in with the standard password, which must work.
    pub async fn session(&mut self, username: &str) -> pb::LoginResponse {
        self.login(username, PASSWORD, "").await.unwrap_or_else(|s| panic!("login {username}: {s:?}"))
    }

    pub async fn authenticate(&mut self, credential: &str) -> Result<pb::AuthenticateResponse, Status> {
        self.system
            .authenticate(pb::AuthenticateRequest { credential: credential.into() })
            .await
            .map(tonic::Response::into_inner)
    }

    /// Moves a session's last use and absolute end, as time passing would.
    pub async fn age_session(&self, session_id: &str, last_seen: NaiveDateTime, expires: NaiveDateTime) {
        let id = session_id.to_owned();
        let changed = self
            .db
            .run(move |conn| {
                Ok(diesel::update(sessions::table.find(&id))
                    .set((sessions::last_seen_at.eq(last_seen), sessions::expires_at.eq(expires)))
                    .execute(conn)?)
            })
            .await
            .unwrap();
        assert_eq!(changed, 1, "the session {session_id} exists");
    }

    /// A session's stored last use and absolute end.
    pub async fn session_times(&self, session_id: &str) -> (NaiveDateTime, NaiveDateTime) {
        let id = session_id.to_owned();
        self.db
            .run(move |conn| {
                Ok(sessions::table
                    .find(&id)
                    .select((sessions::last_seen_at, sessions::expires_at))
                    .first::<(NaiveDateTime, NaiveDateTime)>(conn)?)
            })
            .await
            .unwrap()
    }

    /// Every audit record, after checking that the chain verifies.
    pub async fn audit(&self) -> Vec<AuditRecord> {
        // Refusals of the platform's gate are appended off the request path, possibly while this verifies:
        // verify checks the chain up to the head it read first.
        let report = self.db.run(cadre_platform::audit::verify).await.unwrap();
        assert_eq!(report.broken, None, "the audit chain verifies");
        self.db.run(|conn| cadre_platform::audit::list(conn, 0, 100_000)).await.unwrap()
    }

    /// The idempotency table's request fingerprints and stored answers.
    async fn idempotency_rows(&self) -> Vec<(String, Vec<u8>)> {
        use cadre_platform::schema::idempotency_keys::dsl::*;
        let rows: Vec<(String, Vec<u8>)> = self
            .db
            .run(|conn| Ok(idempotency_keys.select((request_hash, response)).load(conn)?))
            .await
            .unwrap();
        assert!(!rows.is_empty(), "the table is in use");
        rows
    }

    /// Whether any answer stored for replays contains `secret`.
    pub async fn idempotency_table_holds(&self, secret: &str) -> bool {
        let needle = secret.as_bytes();
        self.idempotency_rows()
            .await
            .iter()
            .any(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle))
    }

    /// Whether a request with this fingerprint was stored for replays.
    pub async fn fingerprint_stored(&self, fingerprint: &str) -> bool {
        self.idempotency_rows().await.iter().any(|(hash, _)| hash == fingerprint)
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

fn account(
    username: &str,
    kind: dir::AccountKind,
    roles: &[dir::Role],
    scope: &str,
    cadre: &str,
) -> dir::Account {
    dir::Account {
        username: username.into(),
        display_name: "测试".into(),
        kind: kind as i32,
        roles: roles.iter().map(|r| *r as i32).collect(),
        scope_unit_id: scope.into(),
        cadre_id: cadre.into(),
        ..Default::default()
    }
}

async fn create_account(directory: &mut DirectoryClient, account: dir::Account) -> dir::Account {
    let username = account.username.clone();
    directory
        .create_account(dir::CreateAccountRequest { request_id: rid(), account: Some(account) })
        .await
        .unwrap_or_else(|s| panic!("create account {username}: {s:?}"))
        .into_inner()
        .account
        .unwrap()
}

fn date(text: &str) -> cadre_proto::types::Date {
    cadre_directory::convert::date_to(text.parse().unwrap())
}

/// A consistent cadre record employed by `unit_id`.
fn sample_cadre(unit_id: &str, name: &str, sequence: u16) -> dir::Cadre {
    let birth = "1985-03-15";
    let citizen_id =
        cadre_directory::domain::citizen_id::CitizenId::compose("510199", birth.parse().unwrap(), sequence)
            .unwrap()
            .as_str()
            .to_owned();
    let gender = if sequence % 2 == 1 { dir::Gender::Male } else { dir::Gender::Female };
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
            title: "科员".into(),
            level: dir::PostLevel::None as i32,
            start_date: Some(date("2015-01-01")),
            ..Default::default()
        }),
        status: dir::CadreStatus::Active as i32,
        work_history: vec![dir::WorkHistoryEntry {
            start_date: Some(date("2007-07-01")),
            end_date: None,
            unit_name: "城关镇".into(),
            post_title: "科员".into(),
        }],
        ..Default::default()
    }
}

pub fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The `ErrorInfo` reason of a status.
pub fn reason(status: &Status) -> String {
    status.get_error_details().error_info().map(|i| i.reason.clone()).unwrap_or_default()
}

/// Asserts a status's code, ErrorInfo reason and domain, and (when given) a field violation.
pub fn assert_error(status: &Status, code: Code, reason: &str, field: Option<&str>) {
    assert_error_in(status, code, reason, "identity.cadre", field);
}

/// As [`assert_error`], in another domain (refusals of the platform's gate are `auth.cadre`).
pub fn assert_error_in(status: &Status, code: Code, reason: &str, domain: &str, field: Option<&str>) {
    assert_eq!(status.code(), code, "{status:?}");
    let details = status.get_error_details();
    let info = details.error_info().unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    assert_eq!(info.reason, reason, "{status:?}");
    assert_eq!(info.domain, domain, "{status:?}");
    if let Some(field) = field {
        let fields: Vec<String> = details
            .bad_request()
            .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
            .unwrap_or_default();
        assert!(fields.iter().any(|f| f == field), "no violation on {field}: {fields:?} in {status:?}");
    }
}

/// The current time as the services see it, in seconds, for TOTP codes.
pub fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

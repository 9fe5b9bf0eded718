//! Test support: a fresh database per test on either backend.
//!
//! SQLite gets a file in a temporary directory (a pooled `:memory:` database would be a different empty
//! database per connection). PostgreSQL gets a new database on the server at `CADRE_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the test ends. When no server answers, the
//! PostgreSQL half is skipped with a loud message, unless `CADRE_REQUIRE_PG=1` (set by CI), which makes it
//! fail instead.

use std::{sync::Arc, time::Duration};

use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::auth::{
    PRINCIPAL_HEADER, Principal, PrincipalSigner, PrincipalVerifier,
    keys::{KeyFiles, ensure_key_pair},
};

/// Principal keys for a test: a fresh pair in a temporary directory, a verifier for the server under test
/// and a signer standing in for the gateway.
pub struct TestKeys {
    /// The key files.
    pub files: KeyFiles,
    signer: PrincipalSigner,
    _dir: tempfile::TempDir,
}

impl TestKeys {
    /// A fresh key pair.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let files = ensure_key_pair(dir.path()).expect("a key pair");
        let signer = PrincipalSigner::load(&files.signing_key, Duration::from_secs(300)).expect("the key");
        Self { files, signer, _dir: dir }
    }

    /// A verifier of these keys, for the server.
    pub fn verifier(&self) -> Arc<PrincipalVerifier> {
        Arc::new(PrincipalVerifier::load(&self.files.public_keys).expect("the public keys"))
    }

    /// Signs `principal` as the gateway would.
    pub fn sign(&self, principal: &Principal) -> String {
        self.signer.sign(principal, "test").expect("signing")
    }

    /// An interceptor that sends every call of a client as `principal`.
    pub fn acting_as(&self, principal: &Principal) -> ActingAs {
        ActingAs(self.sign(principal).parse().expect("a header value"))
    }

    /// Adds `principal`, signed, to a request.
    pub fn authorize<T>(&self, principal: &Principal, mut request: tonic::Request<T>) -> tonic::Request<T> {
        let value = self.sign(principal).parse().expect("a header value");
        request.metadata_mut().insert(PRINCIPAL_HEADER, value);
        request
    }
}

/// Sends a client's calls as one principal, as if through the gateway.
#[derive(Clone, Debug)]
pub struct ActingAs(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for ActingAs {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        request.metadata_mut().insert(PRINCIPAL_HEADER, self.0.clone());
        Ok(request)
    }
}

/// A person principal for tests, with `roles` and the scope unit at the end of `scope_path`.
pub fn person(
    subject: &str,
    roles: &[crate::auth::Role],
    scope_path: &[&str],
    cadre_id: Option<&str>,
) -> Principal {
    Principal {
        subject: subject.to_owned(),
        username: subject.to_owned(),
        kind: crate::auth::PrincipalKind::Person,
        cadre_id: cadre_id.map(str::to_owned),
        roles: roles.to_vec(),
        scope_path: scope_path.iter().map(|s| (*s).to_owned()).collect(),
        clearances: Vec::new(),
        mfa: true,
    }
}

impl Default for TestKeys {
    fn default() -> Self {
        Self::new()
    }
}

/// Default server for the PostgreSQL half of the tests.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that lives as long as the test.
pub struct TestDatabase {
    /// URL to hand to [`crate::Db::connect`].
    pub url: String,
    /// `sqlite` or `postgres`, for messages.
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDatabase {
    /// A new SQLite file.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self { url, backend: "sqlite", _dir: Some(dir), pg_drop: None }
    }

    /// Another fresh database on the same backend, for a second service in the same test.
    pub fn sibling(&self) -> Self {
        if self.backend == "postgres" {
            Self::postgres().expect("PostgreSQL answered a moment ago")
        } else {
            Self::sqlite()
        }
    }

    /// A new PostgreSQL database, or `None` (after a loud message) when no server answers and none is
    /// required.
    pub fn postgres() -> Option<Self> {
        let admin_url = std::env::var("CADRE_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
        let required = std::env::var("CADRE_REQUIRE_PG").is_ok_and(|v| v == "1");
        let mut admin = match PgConnection::establish(&admin_url) {
            Ok(conn) => conn,
            Err(error) if required => {
                panic!("CADRE_REQUIRE_PG=1 but PostgreSQL at {admin_url} does not answer: {error}")
            }
            Err(error) => {
                eprintln!(
                    "\n!!!!!!!! PostgreSQL half SKIPPED: no server at {admin_url} ({error}). \
                     Set CADRE_TEST_PG_URL, or CADRE_REQUIRE_PG=1 to make this a failure. !!!!!!!!\n"
                );
                return None;
            }
        };
        let name = format!("cadre_test_{}", uuid::Uuid::now_v7().simple());
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let url = replace_database(&admin_url, &name);
        Some(Self { url, backend: "postgres", _dir: None, pg_drop: Some((admin_url, name)) })
    }

    /// SQLite, plus PostgreSQL when available: run a test body over each.
    pub fn each() -> Vec<Self> {
        let mut all = vec![Self::sqlite()];
        all.extend(Self::postgres());
        all
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_drop.take()
            && let Ok(mut admin) = PgConnection::establish(&admin_url)
        {
            // FORCE ends connections a pool may still hold.
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}

/// The same server URL with another database name (query parameters kept).
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// A channel to a server listening on `listener`, connecting on first use.
pub fn channel_to(listener: &tokio::net::TcpListener) -> tonic::transport::Channel {
    let addr = listener.local_addr().expect("a bound listener has an address");
    tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .expect("a socket address is a URI")
        .connect_lazy()
}

/// Waits until the server behind `channel` reports `name` SERVING on its health service (its migrations
/// ran and its pool answered); panics after a minute.
pub async fn wait_serving(channel: &tonic::transport::Channel, name: &str) {
    use tonic_health::pb::{
        HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
    };
    let mut health = HealthClient::new(channel.clone());
    let ready = async {
        loop {
            let answer = health.check(HealthCheckRequest { service: name.to_owned() }).await;
            if answer.is_ok_and(|a| a.into_inner().status == ServingStatus::Serving as i32) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), ready)
        .await
        .unwrap_or_else(|_| panic!("{name} turns SERVING"));
}

/// A fresh request id.
pub fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The `ErrorInfo` reason of a refusal, or empty.
pub fn reason(status: &tonic::Status) -> String {
    use tonic_types::StatusExt as _;
    status.get_error_details().error_info().map(|i| i.reason.clone()).unwrap_or_default()
}

/// Asserts a refusal: its code, its `ErrorInfo` reason (and domain, when given) and, when given, a field
/// violation on `field`.
pub fn assert_error_in(
    status: &tonic::Status,
    domain: Option<&str>,
    code: tonic::Code,
    reason: &str,
    field: Option<&str>,
) {
    use tonic_types::StatusExt as _;
    assert_eq!(status.code(), code, "{status:?}");
    let details = status.get_error_details();
    let info = details.error_info().unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    assert_eq!(info.reason, reason, "{status:?}");
    if let Some(domain) = domain {
        assert_eq!(info.domain, domain, "{status:?}");
    }
    if let Some(field) = field {
        let fields: Vec<String> = details
            .bad_request()
            .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
            .unwrap_or_default();
        assert!(fields.iter().any(|f| f == field), "no violation on {field}: {fields:?} in {status:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(replace_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(replace_database("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(
            replace_database("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}

//! Configuration: defaults, then a TOML file, then `CADRE_*` environment variables (nested keys joined by
//! `__`, e.g. `CADRE_SERVICES__DIRECTORY__LISTEN`). Checked once at start; a bad value stops the start with
//! a message that names the key.

use std::{net::SocketAddr, path::Path, time::Duration};

use figment::{
    Figment,
    providers::{Env, Format as _, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

use crate::db::{DbUrl, PoolOptions};

/// Environment variables with the `CADRE_` prefix that are not configuration keys.
const NOT_CONFIG_VARS: &[&str] = &["config", "test_pg_url", "require_pg", "token", "bless_matrix"];

/// Everything a `cadre` process reads at start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `json` (default, for collectors) or `pretty` (for people).
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `info,cadre_directory=debug`.
    pub log_level: String,
    /// OTLP/gRPC endpoint for traces, e.g. `http://otel-collector:4317`; empty disables export.
    pub otlp_endpoint: String,
    /// Where `/metrics` is served for Prometheus; empty disables it.
    pub metrics_listen: String,
    /// Directory of the default SQLite files.
    pub data_dir: String,
    /// Limits every gRPC server applies.
    pub server: ServerLimits,
    /// Database pool settings.
    pub database: DatabaseConfig,
    /// Event feed settings.
    pub feed: FeedConfig,
    /// Per-service endpoints and databases.
    pub services: Services,
    /// The keys of the principal the gateway signs and services verify.
    pub auth: AuthConfig,
    /// The built-in login.
    pub identity: IdentityConfig,
    /// The leave service's background work.
    pub leave: LeaveConfig,
    /// The public entrance.
    pub gateway: GatewayConfig,
}

/// The gateway: the one public listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// Address the gateway listens on (gRPC, gRPC-web and JSON on one port).
    pub listen: String,
    /// Where each target is, by name (`directory = "http://directory:50051"`); a target not named here is
    /// reached at its own `services.<name>.listen`, which is right when everything runs in one process.
    pub upstreams: std::collections::BTreeMap<String, String>,
    /// The external identity provider's issuer (`iss`); empty turns OIDC tokens off.
    pub oidc_issuer: String,
    /// The audience (`aud`) tokens must name.
    pub oidc_audience: String,
    /// The provider's keys: a JWKS file path or an `https://` URL.
    pub oidc_jwks: String,
    /// How long a verified bearer token's principal is reused, in seconds; a revoked session stops working
    /// within this time on every gateway replica.
    pub auth_cache_secs: u64,
    /// Largest JSON or gRPC-web request body, in bytes.
    pub max_request_bytes: usize,
    /// Deadline given to calls that name none, in milliseconds.
    pub default_deadline_ms: u64,
    /// Longest deadline a client may ask for, in milliseconds.
    pub max_deadline_ms: u64,
    /// Calls in flight before new ones are shed.
    pub max_in_flight: usize,
    /// Sustained calls per second per principal.
    pub per_principal_rps: u32,
    /// Burst per principal.
    pub per_principal_burst: u32,
    /// Sustained calls per second per client address (before authentication).
    pub per_address_rps: u32,
    /// Burst per client address.
    pub per_address_burst: u32,
    /// Browser origins allowed to call with gRPC-web or JSON (CORS); empty allows none.
    pub cors_allowed_origins: Vec<String>,
}

/// Where the principal keys are and how long a principal lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// The gateway's Ed25519 private key (PKCS#8 PEM); empty means `<data_dir>/keys/principal-signing-key.pem`.
    pub principal_signing_key: String,
    /// The public keys services accept (JWKS); empty means `<data_dir>/keys/principal-public-keys.json`.
    pub principal_public_keys: String,
    /// Lifetime of a signed principal, in seconds: long enough for one call, short enough to be useless if
    /// it leaks.
    pub principal_ttl_secs: u64,
    /// Roles exercised only after a second factor (TOTP, or an identity provider's `amr`); a session without
    /// one keeps the other roles. By default every role but `cadre` and the service roles.
    pub mfa_required_roles: Vec<crate::auth::Role>,
}

/// The built-in login (for districts without an identity provider).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// Where the directory is, to resolve accounts; empty means the directory's entry in
    /// `gateway.upstreams`, else `services.directory.listen`.
    pub directory_endpoint: String,
    /// Consecutive failed logins that lock an account.
    pub lockout_failures: u32,
    /// How long a lock lasts, in minutes.
    pub lockout_minutes: u32,
    /// A session unused this long ends, in minutes.
    pub session_idle_minutes: u32,
    /// A session ends this long after login whatever its use, in hours.
    pub session_absolute_hours: u32,
    /// The issuer name authenticator apps show next to the code.
    pub totp_issuer: String,
}

/// The leave service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaveConfig {
    /// Where the directory is, for the projection of cadres and units; empty means as for identity.
    pub directory_endpoint: String,
    /// How often the sweep runs (reminders, escalations, overdue cases, 年休假 grants), in seconds.
    pub sweep_interval_secs: u64,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable, coloured when on a terminal.
    Pretty,
}

/// Explicit server limits: tonic leaves several of them unlimited unless set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerLimits {
    /// Largest request or response message, in bytes.
    pub max_message_bytes: usize,
    /// HTTP/2 streams per connection.
    pub max_concurrent_streams: u32,
    /// Client-reset streams tolerated before the connection is closed (rapid-reset defence).
    pub max_pending_reset_streams: usize,
    /// Requests handled at once per service; beyond it requests are shed with RESOURCE_EXHAUSTED.
    pub max_in_flight: usize,
    /// Longest a unary request may run, in milliseconds.
    pub request_timeout_ms: u64,
    /// How long shutdown waits for in-flight requests, in milliseconds.
    pub shutdown_grace_ms: u64,
}

/// Database pool settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Pool size (SQLite is capped at 4).
    pub max_connections: u32,
    /// How long a request waits for a connection, in milliseconds.
    pub connection_timeout_ms: u64,
    /// How long a SQLite writer waits for the file lock, in milliseconds.
    pub busy_timeout_ms: u64,
}

/// Event feed settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Days an event is kept before pruning; a cursor older than that has expired.
    pub retention_days: u32,
    /// How often an idle watch looks for events written by another process, in milliseconds.
    pub poll_interval_ms: u64,
}

/// The services this build has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Services {
    /// The directory service.
    pub directory: ServiceConfig,
    /// The identity service: credentials and sessions of the built-in login, service keys.
    pub identity: ServiceConfig,
    /// The leave service.
    pub leave: ServiceConfig,
    /// The rank service: the 职级 ladder, eligibility, quotas and promotion cases.
    pub rank: ServiceConfig,
    /// The assessment service: annual, routine and special assessments.
    pub assessment: ServiceConfig,
    /// The care service: rewards, the care fund, health checks, visits, talks, front-line assignments,
    /// legacy cases and 容错 reviews.
    pub care: ServiceConfig,
    /// The forum service: the lecture forums (干部讲坛), their sessions, attendance and learning hours.
    pub forum: ServiceConfig,
    /// The oversight service: responsibility lists, inspections, findings, rectification, accountability
    /// decisions and their 影响期, circulars, negative information and the discipline-inspection link.
    pub oversight: ServiceConfig,
}

/// One service's endpoint and database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Address the service listens on.
    pub listen: String,
    /// `sqlite://PATH` or `postgres://...`; empty means `sqlite://<data_dir>/<service>.db`.
    pub database_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            log_format: LogFormat::Json,
            log_level: "info".to_owned(),
            otlp_endpoint: String::new(),
            metrics_listen: "127.0.0.1:9464".to_owned(),
            data_dir: "./data".to_owned(),
            server: ServerLimits {
                max_message_bytes: 4 * 1024 * 1024,
                max_concurrent_streams: 200,
                max_pending_reset_streams: 50,
                max_in_flight: 512,
                request_timeout_ms: 30_000,
                shutdown_grace_ms: 20_000,
            },
            database: DatabaseConfig {
                max_connections: 16,
                connection_timeout_ms: 3_000,
                busy_timeout_ms: 5_000,
            },
            feed: FeedConfig { retention_days: 30, poll_interval_ms: 1_000 },
            services: Services {
                directory: ServiceConfig {
                    listen: "127.0.0.1:50051".to_owned(),
                    database_url: String::new(),
                },
                identity: ServiceConfig { listen: "127.0.0.1:50052".to_owned(), database_url: String::new() },
                leave: ServiceConfig { listen: "127.0.0.1:50053".to_owned(), database_url: String::new() },
                rank: ServiceConfig { listen: "127.0.0.1:50054".to_owned(), database_url: String::new() },
                assessment: ServiceConfig {
                    listen: "127.0.0.1:50055".to_owned(),
                    database_url: String::new(),
                },
                care: ServiceConfig { listen: "127.0.0.1:50056".to_owned(), database_url: String::new() },
                forum: ServiceConfig { listen: "127.0.0.1:50057".to_owned(), database_url: String::new() },
                oversight: ServiceConfig {
                    listen: "127.0.0.1:50058".to_owned(),
                    database_url: String::new(),
                },
            },
            auth: AuthConfig {
                principal_signing_key: String::new(),
                principal_public_keys: String::new(),
                principal_ttl_secs: 60,
                mfa_required_roles: crate::auth::Role::ALL
                    .iter()
                    .copied()
                    .filter(|r| r.privileged_by_default())
                    .collect(),
            },
            gateway: GatewayConfig {
                listen: "127.0.0.1:8080".to_owned(),
                upstreams: std::collections::BTreeMap::new(),
                oidc_issuer: String::new(),
                oidc_audience: String::new(),
                oidc_jwks: String::new(),
                auth_cache_secs: 5,
                max_request_bytes: 4 * 1024 * 1024,
                default_deadline_ms: 30_000,
                max_deadline_ms: 120_000,
                max_in_flight: 1024,
                per_principal_rps: 20,
                per_principal_burst: 40,
                per_address_rps: 50,
                per_address_burst: 100,
                cors_allowed_origins: Vec::new(),
            },
            identity: IdentityConfig {
                directory_endpoint: String::new(),
                lockout_failures: 5,
                lockout_minutes: 15,
                session_idle_minutes: 30,
                session_absolute_hours: 12,
                totp_issuer: "cadre".to_owned(),
            },
            leave: LeaveConfig { directory_endpoint: String::new(), sweep_interval_secs: 300 },
        }
    }
}

/// A configuration that cannot be used, naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {key}: {problem}")]
pub struct ConfigError {
    /// Dotted key, e.g. `services.directory.listen`.
    pub key: String,
    /// What is wrong.
    pub problem: String,
}

impl Config {
    /// Loads defaults < `file` (if given; it must exist) < environment, then validates.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError {
                    key: "config".into(),
                    problem: format!("no file at {}", file.display()),
                });
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("CADRE_").split("__").ignore(NOT_CONFIG_VARS));
        let config: Config = figment.extract().map_err(|error| {
            let key = error.path.join(".");
            ConfigError {
                key: if key.is_empty() { "config".into() } else { key },
                problem: error.kind.to_string(),
            }
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: addresses, URLs, filters and non-zero limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, problem: String| Err(ConfigError { key: key.to_owned(), problem });
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log_level) {
            return bad("log_level", e.to_string());
        }
        if !self.metrics_listen.is_empty() && self.metrics_listen.parse::<SocketAddr>().is_err() {
            return bad(
                "metrics_listen",
                format!("{:?} is not an address like 127.0.0.1:9464", self.metrics_listen),
            );
        }
        if !self.otlp_endpoint.is_empty() && self.otlp_endpoint.parse::<http::Uri>().is_err() {
            return bad("otlp_endpoint", format!("{:?} is not a URL", self.otlp_endpoint));
        }
        let limits = [
            ("server.max_message_bytes", self.server.max_message_bytes as u64),
            ("server.max_concurrent_streams", u64::from(self.server.max_concurrent_streams)),
            ("server.max_in_flight", self.server.max_in_flight as u64),
            ("server.request_timeout_ms", self.server.request_timeout_ms),
            ("database.max_connections", u64::from(self.database.max_connections)),
            ("feed.retention_days", u64::from(self.feed.retention_days)),
            ("feed.poll_interval_ms", self.feed.poll_interval_ms),
            ("auth.principal_ttl_secs", self.auth.principal_ttl_secs),
            ("gateway.max_request_bytes", self.gateway.max_request_bytes as u64),
            ("gateway.max_deadline_ms", self.gateway.max_deadline_ms),
            ("gateway.default_deadline_ms", self.gateway.default_deadline_ms),
            ("gateway.max_in_flight", self.gateway.max_in_flight as u64),
            ("gateway.per_principal_rps", u64::from(self.gateway.per_principal_rps)),
            ("gateway.per_address_rps", u64::from(self.gateway.per_address_rps)),
            ("identity.lockout_failures", u64::from(self.identity.lockout_failures)),
            ("identity.lockout_minutes", u64::from(self.identity.lockout_minutes)),
            ("identity.session_idle_minutes", u64::from(self.identity.session_idle_minutes)),
            ("identity.session_absolute_hours", u64::from(self.identity.session_absolute_hours)),
        ];
        for (key, value) in limits {
            if value == 0 {
                return bad(key, "must be greater than zero".to_owned());
            }
        }
        if self.gateway.listen.parse::<SocketAddr>().is_err() {
            return bad("gateway.listen", format!("{:?} is not an address", self.gateway.listen));
        }
        for (name, url) in &self.gateway.upstreams {
            if url.parse::<http::Uri>().is_err() {
                return bad(&format!("gateway.upstreams.{name}"), format!("{url:?} is not a URL"));
            }
        }
        if !self.gateway.oidc_issuer.is_empty()
            && (self.gateway.oidc_audience.is_empty() || self.gateway.oidc_jwks.is_empty())
        {
            return bad("gateway.oidc_audience", "an OIDC issuer needs an audience and a JWKS".to_owned());
        }
        if !self.identity.directory_endpoint.is_empty()
            && self.identity.directory_endpoint.parse::<http::Uri>().is_err()
        {
            return bad(
                "identity.directory_endpoint",
                format!("{:?} is not a URL", self.identity.directory_endpoint),
            );
        }
        if !self.leave.directory_endpoint.is_empty()
            && self.leave.directory_endpoint.parse::<http::Uri>().is_err()
        {
            return bad(
                "leave.directory_endpoint",
                format!("{:?} is not a URL", self.leave.directory_endpoint),
            );
        }
        if self.leave.sweep_interval_secs == 0 {
            return bad("leave.sweep_interval_secs", "must be at least 1".to_owned());
        }
        for (name, service) in self.service_entries() {
            if service.listen.parse::<SocketAddr>().is_err() {
                return bad(
                    &format!("services.{name}.listen"),
                    format!("{:?} is not an address", service.listen),
                );
            }
            if let Err(e) = DbUrl::parse(&self.database_url(name, service)) {
                return bad(&format!("services.{name}.database_url"), e.to_string());
            }
        }
        Ok(())
    }

    fn service_entries(&self) -> [(&'static str, &ServiceConfig); 8] {
        [
            ("directory", &self.services.directory),
            ("identity", &self.services.identity),
            ("leave", &self.services.leave),
            ("rank", &self.services.rank),
            ("assessment", &self.services.assessment),
            ("care", &self.services.care),
            ("forum", &self.services.forum),
            ("oversight", &self.services.oversight),
        ]
    }

    /// Where other parts of the suite reach `target` (`directory`, `leave`, ...): its entry in
    /// `gateway.upstreams`, or its own listen address when everything runs in one process.
    pub fn endpoint_of(&self, target: &str) -> Option<String> {
        if let Some(url) = self.gateway.upstreams.get(target) {
            return Some(url.clone());
        }
        self.service_entries()
            .into_iter()
            .find(|(name, _)| *name == target)
            .map(|(_, s)| format!("http://{}", s.listen))
    }

    /// The database URL a service uses: its own, or a SQLite file under `data_dir`.
    pub fn database_url(&self, name: &str, service: &ServiceConfig) -> String {
        if service.database_url.is_empty() {
            format!("sqlite://{}/{name}.db", self.data_dir.trim_end_matches('/'))
        } else {
            service.database_url.clone()
        }
    }

    /// The principal key files: configured, or the defaults under `<data_dir>/keys`.
    pub fn key_files(&self) -> crate::auth::keys::KeyFiles {
        let defaults = crate::auth::keys::KeyFiles::in_dir(&Path::new(&self.data_dir).join("keys"));
        let or_default = |configured: &str, default: std::path::PathBuf| {
            if configured.is_empty() { default } else { configured.into() }
        };
        crate::auth::keys::KeyFiles {
            signing_key: or_default(&self.auth.principal_signing_key, defaults.signing_key),
            public_keys: or_default(&self.auth.principal_public_keys, defaults.public_keys),
        }
    }

    /// Where the leave service reaches the directory.
    pub fn leave_directory_endpoint(&self) -> String {
        if self.leave.directory_endpoint.is_empty() {
            self.directory_endpoint()
        } else {
            self.leave.directory_endpoint.clone()
        }
    }

    /// Where the identity service reaches the directory.
    pub fn directory_endpoint(&self) -> String {
        if self.identity.directory_endpoint.is_empty() {
            self.endpoint_of("directory").unwrap_or_default()
        } else {
            self.identity.directory_endpoint.clone()
        }
    }

    /// Pool settings for every service.
    pub fn pool_options(&self) -> PoolOptions {
        PoolOptions {
            max_size: self.database.max_connections,
            connection_timeout: Duration::from_millis(self.database.connection_timeout_ms),
            busy_timeout: Duration::from_millis(self.database.busy_timeout_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    // figment's test jail returns its own (large) error type.
    #![allow(clippy::result_large_err)]

    use super::*;

    #[test]
    fn defaults_are_valid() {
        let config = Config::default();
        config.validate().unwrap();
        assert_eq!(
            config.database_url("directory", &config.services.directory),
            "sqlite://./data/directory.db"
        );
    }

    #[test]
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("cadre.toml", "log_level = \"debug\"\n[server]\nmax_in_flight = 7\n")?;
            jail.set_env("CADRE_LOG_LEVEL", "warn");
            jail.set_env("CADRE_SERVICES__DIRECTORY__LISTEN", "127.0.0.1:6000");
            jail.set_env("CADRE_TEST_PG_URL", "postgres://ignored");
            let config = Config::load(Some(Path::new("cadre.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(config.log_level, "warn");
            assert_eq!(config.server.max_in_flight, 7);
            assert_eq!(config.services.directory.listen, "127.0.0.1:6000");
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_names_its_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CADRE_SERVER__MAX_IN_FLIGHT", "lots");
            let err = Config::load(None).unwrap_err();
            assert_eq!(err.key, "server.max_in_flight");
            jail.set_env("CADRE_SERVER__MAX_IN_FLIGHT", "0");
            assert_eq!(Config::load(None).unwrap_err().key, "server.max_in_flight");
            jail.set_env("CADRE_SERVER__MAX_IN_FLIGHT", "5");
            jail.set_env("CADRE_SERVICES__DIRECTORY__DATABASE_URL", "mysql://x");
            assert_eq!(Config::load(None).unwrap_err().key, "services.directory.database_url");
            jail.set_env("CADRE_SERVICES__DIRECTORY__DATABASE_URL", "");
            jail.set_env("CADRE_LOG_FORMAT", "xml");
            assert_eq!(Config::load(None).unwrap_err().key, "log_format");
            jail.set_env("CADRE_LOG_FORMAT", "pretty");
            jail.set_env("CADRE_NO_SUCH_KEY", "1");
            assert!(Config::load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let err = Config::load(Some(Path::new("/nonexistent/cadre.toml"))).unwrap_err();
        assert_eq!(err.key, "config");
    }
}

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
const NOT_CONFIG_VARS: &[&str] = &["config", "test_pg_url", "require_pg"];

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
            },
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
        ];
        for (key, value) in limits {
            if value == 0 {
                return bad(key, "must be greater than zero".to_owned());
            }
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

    fn service_entries(&self) -> [(&'static str, &ServiceConfig); 1] {
        [("directory", &self.services.directory)]
    }

    /// The database URL a service uses: its own, or a SQLite file under `data_dir`.
    pub fn database_url(&self, name: &str, service: &ServiceConfig) -> String {
        if service.database_url.is_empty() {
            format!("sqlite://{}/{name}.db", self.data_dir.trim_end_matches('/'))
        } else {
            service.database_url.clone()
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

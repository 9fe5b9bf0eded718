//! What the gateway is told at start: where the upstreams are and which limits apply.

use std::{collections::HashSet, time::Duration};

use anyhow::{Context as _, bail, ensure};

use crate::catalog::EVENTS_PACKAGE;

/// One service behind the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Short name, e.g. `directory`: what clients put in `x-cadre-source` to reach this upstream's event
    /// feed, and what logs and errors call it.
    pub name: String,
    /// Where it listens, `http://host:port` (cleartext HTTP/2).
    pub endpoint: http::Uri,
    /// The proto packages it serves, e.g. `cadre.directory.v1`. The event feed's package is routed by
    /// `x-cadre-source` instead and must not be listed.
    pub packages: Vec<String>,
}

impl Upstream {
    /// An upstream serving `packages` at `endpoint`.
    pub fn new(name: impl Into<String>, endpoint: http::Uri, packages: &[&str]) -> Self {
        Self { name: name.into(), endpoint, packages: packages.iter().map(|p| (*p).to_owned()).collect() }
    }
}

/// A token bucket: `per_second` tokens refill each second, at most `burst` are saved up.
/// `per_second: 0` turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained calls per second.
    pub per_second: u32,
    /// Calls allowed at once after a quiet period.
    pub burst: u32,
}

impl RateLimit {
    /// No limit.
    pub const OFF: RateLimit = RateLimit { per_second: 0, burst: 0 };

    /// Whether the limit applies at all.
    pub fn is_on(&self) -> bool {
        self.per_second > 0
    }
}

/// Everything the gateway needs besides its collaborators.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// The services behind the gateway.
    pub upstreams: Vec<Upstream>,
    /// Paths that skip authentication and forward no principal, e.g.
    /// `/cadre.identity.v1.IdentityService/Login`. Health and reflection are always public.
    pub public_methods: Vec<String>,
    /// Largest JSON or gRPC-web request body, and largest single gRPC message in a streamed request.
    pub max_request_bytes: usize,
    /// Deadline of a call whose client set none.
    pub default_deadline: Duration,
    /// Longest deadline passed on; longer ones are cut to it.
    pub max_deadline: Duration,
    /// HTTP/2 streams per client connection.
    pub max_concurrent_streams: u32,
    /// Client-reset streams tolerated before the connection is closed (rapid-reset defence).
    pub max_pending_reset_streams: usize,
    /// Streams the gateway may reset for protocol errors before closing the connection.
    pub max_local_error_reset_streams: usize,
    /// Calls in flight at once (streams count until they end); beyond it calls are shed at once.
    pub max_in_flight: usize,
    /// Token bucket per authenticated subject.
    pub per_principal: RateLimit,
    /// Token bucket per client address (IPv6 per /64).
    pub per_address: RateLimit,
    /// Browser origins allowed to call over gRPC-web and JSON, e.g. `https://cadre.example.gov.cn`;
    /// `*` allows any. Empty allows none.
    pub cors_allowed_origins: Vec<String>,
    /// How long shutdown waits for calls in flight before closing their connections.
    pub shutdown_grace: Duration,
}

impl GatewayOptions {
    /// Sensible defaults around `upstreams`: 4 MiB bodies, 30 s default and 120 s maximum deadlines, 200
    /// streams per connection, 1 024 calls in flight, 20 calls/s (burst 40) per principal and 50 calls/s
    /// (burst 100) per address, no CORS origin, 20 s shutdown grace.
    pub fn with_defaults(upstreams: Vec<Upstream>) -> Self {
        Self {
            upstreams,
            public_methods: Vec::new(),
            max_request_bytes: 4 * 1024 * 1024,
            default_deadline: Duration::from_secs(30),
            max_deadline: Duration::from_secs(120),
            max_concurrent_streams: 200,
            max_pending_reset_streams: 50,
            max_local_error_reset_streams: 1024,
            max_in_flight: 1024,
            per_principal: RateLimit { per_second: 20, burst: 40 },
            per_address: RateLimit { per_second: 50, burst: 100 },
            cors_allowed_origins: Vec::new(),
            shutdown_grace: Duration::from_secs(20),
        }
    }

    /// Checks what the types cannot, naming the option at fault.
    pub fn validate(&self) -> anyhow::Result<()> {
        ensure!(self.max_request_bytes > 0, "max_request_bytes must be positive");
        ensure!(self.max_request_bytes <= u32::MAX as usize, "max_request_bytes must fit a gRPC frame");
        ensure!(!self.default_deadline.is_zero(), "default_deadline must be positive");
        ensure!(
            self.default_deadline <= self.max_deadline,
            "default_deadline ({:?}) must not exceed max_deadline ({:?})",
            self.default_deadline,
            self.max_deadline
        );
        ensure!(self.max_concurrent_streams > 0, "max_concurrent_streams must be positive");
        ensure!(self.max_in_flight > 0, "max_in_flight must be positive");
        for (name, limit) in [("per_principal", self.per_principal), ("per_address", self.per_address)] {
            ensure!(!limit.is_on() || limit.burst > 0, "{name}.burst must be positive when the limit is on");
        }
        for method in &self.public_methods {
            ensure!(
                method.starts_with('/')
                    && method[1..].split_once('/').is_some_and(|(s, m)| !s.is_empty() && !m.is_empty()),
                "public_methods: {method:?} is not a path like /pkg.Service/Method"
            );
        }
        for origin in &self.cors_allowed_origins {
            if origin != "*" {
                http::HeaderValue::from_str(origin)
                    .with_context(|| format!("cors_allowed_origins: {origin:?} is not a valid origin"))?;
            }
        }
        self.validate_upstreams()
    }

    fn validate_upstreams(&self) -> anyhow::Result<()> {
        let mut names = HashSet::new();
        let mut packages = HashSet::new();
        for upstream in &self.upstreams {
            let name = &upstream.name;
            ensure!(
                !name.is_empty()
                    && name.len() <= 64
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
                "upstreams: {name:?} is not a name of 1-64 letters, digits, '-', '_' or '.'"
            );
            ensure!(names.insert(name.as_str()), "upstreams: {name:?} is listed twice");
            match upstream.endpoint.scheme_str() {
                Some("http") => {}
                Some("https") => {
                    bail!("upstreams.{name}: TLS to upstreams is not supported yet; use http://")
                }
                _ => bail!("upstreams.{name}: endpoint {} must be http://host:port", upstream.endpoint),
            }
            ensure!(
                upstream.endpoint.authority().is_some(),
                "upstreams.{name}: endpoint {} has no host",
                upstream.endpoint
            );
            ensure!(!upstream.packages.is_empty(), "upstreams.{name}: no packages");
            for package in &upstream.packages {
                ensure!(
                    package != EVENTS_PACKAGE,
                    "upstreams.{name}: {EVENTS_PACKAGE} is routed by x-cadre-source, do not list it"
                );
                ensure!(
                    packages.insert(package.as_str()),
                    "upstreams.{name}: package {package} is served by another upstream too"
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> GatewayOptions {
        GatewayOptions::with_defaults(vec![Upstream::new(
            "directory",
            "http://127.0.0.1:50051".parse().unwrap(),
            &["cadre.directory.v1"],
        )])
    }

    #[test]
    fn defaults_are_valid() {
        options().validate().unwrap();
    }

    #[test]
    fn bad_options_name_the_option() {
        let mut o = options();
        o.default_deadline = Duration::from_secs(500);
        assert!(o.validate().unwrap_err().to_string().contains("default_deadline"));

        let mut o = options();
        o.upstreams.push(o.upstreams[0].clone());
        assert!(o.validate().unwrap_err().to_string().contains("twice"));

        let mut o = options();
        o.upstreams[0].packages.push(EVENTS_PACKAGE.to_owned());
        assert!(o.validate().unwrap_err().to_string().contains("x-cadre-source"));

        let mut o = options();
        o.upstreams[0].endpoint = "https://x:1".parse().unwrap();
        assert!(o.validate().unwrap_err().to_string().contains("TLS"));

        let mut o = options();
        o.public_methods.push("Login".to_owned());
        assert!(o.validate().unwrap_err().to_string().contains("public_methods"));

        let mut o = options();
        o.per_address = RateLimit { per_second: 5, burst: 0 };
        assert!(o.validate().unwrap_err().to_string().contains("per_address"));
    }
}

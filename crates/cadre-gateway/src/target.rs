//! The `gateway` target: the entrance as `cadre serve --target gateway` runs it, built from configuration.

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use cadre_authn::oidc::{JwksLocation, OidcConfig, OidcVerifier};
use cadre_platform::{auth::PrincipalSigner, config::Config, server::ServeContext};
use tokio::net::TcpListener;
use tonic::transport::Channel;

use crate::{
    GatewayOptions, LogDenials, RateLimit, Upstream,
    suite_auth::{SuiteAuthenticator, SuiteAuthenticatorParts},
};

/// The target name.
pub const TARGET: &str = "gateway";

/// Methods anyone may call without a token: signing in.
pub const PUBLIC_METHODS: &[&str] = &["/cadre.identity.v1.IdentityService/Login"];

/// The services behind the gateway, by target name, with the packages each serves.
const UPSTREAMS: &[(&str, &[&str])] = &[
    ("directory", &["cadre.directory.v1"]),
    ("identity", &["cadre.identity.v1"]),
    ("leave", &["cadre.leave.v1"]),
    ("rank", &["cadre.rank.v1"]),
    ("assessment", &["cadre.assessment.v1"]),
    ("care", &["cadre.care.v1"]),
    ("forum", &["cadre.forum.v1"]),
    ("oversight", &["cadre.oversight.v1"]),
];

/// The identity provider configured for the gateway, if any.
pub fn oidc_config(config: &Config) -> Option<OidcConfig> {
    let gateway = &config.gateway;
    if gateway.oidc_issuer.is_empty() {
        return None;
    }
    let jwks = if gateway.oidc_jwks.starts_with("https://") || gateway.oidc_jwks.starts_with("http://") {
        JwksLocation::Url(gateway.oidc_jwks.clone())
    } else {
        JwksLocation::File(gateway.oidc_jwks.clone().into())
    };
    Some(OidcConfig::new(gateway.oidc_issuer.clone(), gateway.oidc_audience.clone(), jwks))
}

/// The gateway's options from configuration.
pub fn options(config: &Config) -> anyhow::Result<GatewayOptions> {
    let mut upstreams = Vec::new();
    for (name, packages) in UPSTREAMS {
        let url = config.endpoint_of(name).with_context(|| format!("no endpoint for {name}"))?;
        let endpoint = url.parse().with_context(|| format!("gateway.upstreams.{name}: {url:?}"))?;
        upstreams.push(Upstream::new(*name, endpoint, packages));
    }
    let gateway = &config.gateway;
    let mut options = GatewayOptions::with_defaults(upstreams);
    options.public_methods = PUBLIC_METHODS.iter().map(|m| (*m).to_owned()).collect();
    options.max_request_bytes = gateway.max_request_bytes;
    options.default_deadline = Duration::from_millis(gateway.default_deadline_ms);
    options.max_deadline = Duration::from_millis(gateway.max_deadline_ms);
    options.max_concurrent_streams = config.server.max_concurrent_streams;
    options.max_pending_reset_streams = config.server.max_pending_reset_streams;
    options.max_in_flight = gateway.max_in_flight;
    options.per_principal =
        RateLimit { per_second: gateway.per_principal_rps, burst: gateway.per_principal_burst };
    options.per_address = RateLimit { per_second: gateway.per_address_rps, burst: gateway.per_address_burst };
    options.cors_allowed_origins.clone_from(&gateway.cors_allowed_origins);
    options.shutdown_grace = Duration::from_millis(config.server.shutdown_grace_ms);
    Ok(options)
}

/// Serves the gateway on `listener` until shutdown.
pub async fn serve(config: &Config, listener: TcpListener, ctx: &ServeContext) -> anyhow::Result<()> {
    let options = options(config)?;
    let keys = config.key_files();
    let ttl = Duration::from_secs(config.auth.principal_ttl_secs);
    let signer = Arc::new(
        PrincipalSigner::load(&keys.signing_key, ttl).context("the gateway's principal signing key")?,
    );
    let oidc = match oidc_config(config) {
        Some(oidc) => Some(OidcVerifier::new(oidc).await.context("the identity provider's keys")?),
        None => None,
    };
    let channel = |target: &str| -> anyhow::Result<Channel> {
        let url = config.endpoint_of(target).with_context(|| format!("no endpoint for {target}"))?;
        Ok(Channel::from_shared(url)?.connect_lazy())
    };
    let authenticator = SuiteAuthenticator::new(SuiteAuthenticatorParts {
        signer,
        directory: channel("directory")?,
        identity: channel("identity")?,
        oidc,
        mfa_required: config.auth.mfa_required_roles.clone(),
        cache_ttl: Duration::from_secs(config.gateway.auth_cache_secs),
    });
    crate::serve(
        listener,
        options,
        Arc::new(authenticator),
        Arc::new(LogDenials),
        ctx.metrics.clone(),
        ctx.shutdown.clone(),
    )
    .await
}

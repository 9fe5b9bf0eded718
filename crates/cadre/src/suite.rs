//! Running targets: `cadre serve --target <name|all>` and `cadre dev`.

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use cadre_authn::dev_issuer::DevIssuer;
use cadre_platform::{
    auth::keys::ensure_key_pair,
    clock::{self, Today},
    config::{Config, ServiceConfig},
    server::{ServeContext, Shutdown},
    telemetry::Metrics,
};
use tokio::{net::TcpListener, task::JoinSet};

pub use cadre_directory::service::Seed;

/// A part of the suite that can run in its own process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// The directory service.
    Directory,
    /// The identity service (built-in login, service keys).
    Identity,
    /// The leave service (measure ①).
    Leave,
    /// The rank service (measure ②).
    Rank,
    /// The assessment service (measure ③).
    Assessment,
    /// The care service (measure ④).
    Care,
    /// The lecture forums (measure ⑤).
    Forum,
    /// Supervision and accountability (measure ⑥).
    Oversight,
    /// The public entrance.
    Gateway,
}

impl Target {
    /// Every target, in start order.
    pub const ALL: &'static [Target] = &[
        Target::Directory,
        Target::Identity,
        Target::Leave,
        Target::Rank,
        Target::Assessment,
        Target::Care,
        Target::Forum,
        Target::Oversight,
        Target::Gateway,
    ];

    /// The name used on the command line and in configuration.
    pub fn name(self) -> &'static str {
        match self {
            Target::Directory => cadre_directory::service::TARGET,
            Target::Identity => cadre_identity::service::TARGET,
            Target::Leave => cadre_leave::service::TARGET,
            Target::Rank => cadre_rank::service::TARGET,
            Target::Assessment => cadre_assessment::service::TARGET,
            Target::Care => cadre_care::service::TARGET,
            Target::Forum => cadre_forum::service::TARGET,
            Target::Oversight => cadre_oversight::service::TARGET,
            Target::Gateway => cadre_gateway::target::TARGET,
        }
    }

    /// The target's own service configuration; the gateway keeps no database.
    pub fn service(self, config: &Config) -> Option<&ServiceConfig> {
        match self {
            Target::Directory => Some(&config.services.directory),
            Target::Identity => Some(&config.services.identity),
            Target::Leave => Some(&config.services.leave),
            Target::Rank => Some(&config.services.rank),
            Target::Assessment => Some(&config.services.assessment),
            Target::Care => Some(&config.services.care),
            Target::Forum => Some(&config.services.forum),
            Target::Oversight => Some(&config.services.oversight),
            Target::Gateway => None,
        }
    }

    /// Parses `all` or a target name.
    pub fn parse_list(text: &str) -> anyhow::Result<Vec<Target>> {
        if text == "all" {
            return Ok(Self::ALL.to_vec());
        }
        text.split(',')
            .map(|name| {
                Self::ALL.iter().copied().find(|t| t.name() == name.trim()).with_context(|| {
                    let known: Vec<_> = Self::ALL.iter().map(|t| t.name()).collect();
                    format!("unknown target {name:?}: use all or one of {known:?}")
                })
            })
            .collect()
    }

    fn listen(self, config: &Config) -> &str {
        match self.service(config) {
            Some(service) => &service.listen,
            None => &config.gateway.listen,
        }
    }
}

/// A running set of targets.
pub struct Suite {
    /// Where each target listens.
    pub addrs: BTreeMap<Target, SocketAddr>,
    tasks: JoinSet<anyhow::Result<()>>,
}

impl Suite {
    /// Binds every target's listener (so a taken port fails the start at once), then starts serving on the
    /// district's real date.
    pub async fn start(
        config: &Config,
        targets: &[Target],
        seed: Seed,
        ctx: ServeContext,
    ) -> anyhow::Result<Self> {
        Self::launch(config, targets, seed, ctx, None).await
    }

    /// [`Suite::start`] with the services' "today" from `today`: end-to-end scenarios walk a year's
    /// assessment and a 公示 through its working days on dates they choose. The rank service then looks at
    /// the date every second rather than every minute, so a date set is noticed at once.
    pub async fn start_on(
        config: &Config,
        targets: &[Target],
        seed: Seed,
        ctx: ServeContext,
        today: Today,
    ) -> anyhow::Result<Self> {
        Self::launch(config, targets, seed, ctx, Some(today)).await
    }

    async fn launch(
        config: &Config,
        targets: &[Target],
        seed: Seed,
        ctx: ServeContext,
        set_today: Option<Today>,
    ) -> anyhow::Result<Self> {
        let today: Today = set_today.clone().unwrap_or_else(|| Arc::new(clock::today));
        // Bind everything first: a taken port fails the start at once, and a port chosen by the system
        // (`:0`) is known before any target is told where the others are.
        let mut config = config.clone();
        let mut listeners = Vec::new();
        let mut addrs = BTreeMap::new();
        for &target in targets {
            let listen = target.listen(&config);
            let listener = TcpListener::bind(listen)
                .await
                .with_context(|| format!("{}: cannot listen on {listen}", target.name()))?;
            let addr = listener.local_addr()?;
            addrs.insert(target, addr);
            match target {
                Target::Directory => config.services.directory.listen = addr.to_string(),
                Target::Identity => config.services.identity.listen = addr.to_string(),
                Target::Leave => config.services.leave.listen = addr.to_string(),
                Target::Rank => config.services.rank.listen = addr.to_string(),
                Target::Assessment => config.services.assessment.listen = addr.to_string(),
                Target::Care => config.services.care.listen = addr.to_string(),
                Target::Forum => config.services.forum.listen = addr.to_string(),
                Target::Oversight => config.services.oversight.listen = addr.to_string(),
                Target::Gateway => config.gateway.listen = addr.to_string(),
            }
            listeners.push((target, listener));
        }
        let mut tasks = JoinSet::new();
        for (target, listener) in listeners {
            let (config, ctx, today) = (config.clone(), ctx.clone(), today.clone());
            let sweep_every = if set_today.is_some() { Some(Duration::from_secs(1)) } else { None };
            tasks.spawn(async move {
                match target {
                    Target::Directory => {
                        cadre_directory::service::serve_on(&config, listener, &ctx, seed, today).await
                    }
                    Target::Identity => cadre_identity::service::serve(&config, listener, &ctx).await,
                    Target::Leave => {
                        let defaults = cadre_leave::service::Options::from_config(&config);
                        let sweep_every = sweep_every.unwrap_or(defaults.sweep_every);
                        let options = cadre_leave::service::Options { today, sweep_every };
                        cadre_leave::service::serve_with(&config, listener, &ctx, options).await
                    }
                    Target::Rank => {
                        let defaults = cadre_rank::service::Options::from_config(&config);
                        let sweep_every = sweep_every.unwrap_or(defaults.sweep_every);
                        let options = cadre_rank::service::Options { today, sweep_every };
                        cadre_rank::service::serve_with(&config, listener, &ctx, options).await
                    }
                    Target::Assessment => {
                        let demo_history = seed == Seed::DemoDistrict;
                        let options = cadre_assessment::service::Options { today, demo_history };
                        cadre_assessment::service::serve_with(&config, listener, &ctx, options).await
                    }
                    Target::Care => {
                        let demo = seed == Seed::DemoDistrict;
                        let options = cadre_care::service::Options { today, demo };
                        cadre_care::service::serve_with(&config, listener, &ctx, options).await
                    }
                    Target::Forum => {
                        let options = cadre_forum::service::Options {
                            today,
                            demo: seed == Seed::DemoDistrict,
                            ..cadre_forum::service::Options::from_config(&config)
                        };
                        cadre_forum::service::serve_with(&config, listener, &ctx, options).await
                    }
                    Target::Oversight => {
                        let demo = seed == Seed::DemoDistrict;
                        let options = cadre_oversight::service::Options { today, demo };
                        cadre_oversight::service::serve_with(&config, listener, &ctx, options).await
                    }
                    Target::Gateway => cadre_gateway::target::serve(&config, listener, &ctx).await,
                }
                .with_context(|| format!("target {}", target.name()))
            });
        }
        Ok(Self { addrs, tasks })
    }

    /// Waits until every target has stopped; the first failure stops the wait and is returned.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        while let Some(result) = self.tasks.join_next().await {
            result.context("a target task panicked")??;
        }
        Ok(())
    }
}

/// The issuer and audience of development tokens.
pub const DEV_ISSUER: &str = "cadre-dev";
/// The audience development tokens name.
pub const DEV_AUDIENCE: &str = "cadre";

/// The keys directory of a data directory.
pub fn keys_dir(config: &Config) -> std::path::PathBuf {
    std::path::Path::new(&config.data_dir).join("keys")
}

/// Makes `config` ready for `cadre dev`: principal keys under `<data_dir>/keys` (created on first run), and
/// the development token issuer as the gateway's identity provider unless one is configured. Changes
/// nothing else, so a dev run exercises the production code paths.
pub fn prepare_dev(config: &mut Config) -> anyhow::Result<DevIssuer> {
    let dir = keys_dir(config);
    let keys = ensure_key_pair(&dir)?;
    if config.auth.principal_signing_key.is_empty() {
        config.auth.principal_signing_key = keys.signing_key.display().to_string();
    }
    if config.auth.principal_public_keys.is_empty() {
        config.auth.principal_public_keys = keys.public_keys.display().to_string();
    }
    let issuer = DevIssuer::load_or_create(&dir, DEV_ISSUER, DEV_AUDIENCE)?;
    if config.gateway.oidc_issuer.is_empty() {
        config.gateway.oidc_issuer = DEV_ISSUER.to_owned();
        config.gateway.oidc_audience = DEV_AUDIENCE.to_owned();
        config.gateway.oidc_jwks = issuer.jwks_path().display().to_string();
    }
    Ok(issuer)
}

/// The serving context of a process: limits from configuration, fresh metrics and the shutdown.
pub fn serve_context(config: &Config, shutdown: Shutdown) -> ServeContext {
    ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown }
}

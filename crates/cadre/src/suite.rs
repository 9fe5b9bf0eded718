//! Running targets: `cadre serve --target <name|all>` and `cadre dev`.

use std::{collections::BTreeMap, net::SocketAddr};

use anyhow::Context as _;
use cadre_platform::{
    config::Config,
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
}

impl Target {
    /// Every target, in start order.
    pub const ALL: &'static [Target] = &[Target::Directory];

    /// The name used on the command line and in configuration.
    pub fn name(self) -> &'static str {
        match self {
            Target::Directory => cadre_directory::service::TARGET,
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
        match self {
            Target::Directory => &config.services.directory.listen,
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
    /// Binds every target's listener (so a taken port fails the start at once), then starts serving.
    pub async fn start(
        config: &Config,
        targets: &[Target],
        seed: Seed,
        ctx: ServeContext,
    ) -> anyhow::Result<Self> {
        let mut addrs = BTreeMap::new();
        let mut tasks = JoinSet::new();
        for &target in targets {
            let listen = target.listen(config);
            let listener = TcpListener::bind(listen)
                .await
                .with_context(|| format!("{}: cannot listen on {listen}", target.name()))?;
            addrs.insert(target, listener.local_addr()?);
            let (config, ctx) = (config.clone(), ctx.clone());
            tasks.spawn(async move {
                match target {
                    Target::Directory => cadre_directory::service::serve(&config, listener, &ctx, seed).await,
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

/// The serving context of a process: limits from configuration, fresh metrics and the shutdown.
pub fn serve_context(config: &Config, shutdown: Shutdown) -> ServeContext {
    ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown }
}

//! How the oversight service is served: its routes, its readiness, the feeds it follows (the directory's
//! into its projection, the leave service's overdue cases, the care service's 容错 decisions, the rank
//! service's promotion cases), the working calendar its deadline lights count on, and the demo data of
//! `cadre dev`.

use std::{sync::Arc, time::Duration};

use cadre_platform::{
    Db,
    auth::{AccessPolicy, AuthorizeLayer, PrincipalSigner, PrincipalVerifier},
    calendar::WorkingCalendar,
    clock,
    config::Config,
    feed::{self, EventFeed},
    server::{self, ServeContext},
};
use cadre_projection::{DirectoryFeed, Follower, FollowerSettings};
use cadre_proto::{
    events::event_feed_service_server::EventFeedServiceServer,
    oversight::oversight_service_server::OversightServiceServer,
};
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::{
    OversightApi,
    access::ACCESS,
    demo,
    followers::{CareFeed, LeaveFeed, RankFeed},
    grpc::Today,
    store::MIGRATIONS,
};

/// The target name (`cadre serve --target oversight`) and event source name.
pub const TARGET: &str = "oversight";

/// The gRPC services this target serves, by health-check name.
pub const HEALTH_NAMES: &[&str] =
    &["cadre.oversight.v1.OversightService", "cadre.events.v1.EventFeedService"];

/// What tests and `cadre dev` change about a running service.
#[derive(Clone)]
pub struct Options {
    /// The date the service works on.
    pub today: Today,
    /// Whether to seed the demo district's findings and decisions once its people are known (`cadre dev`);
    /// see [`demo`].
    pub demo: bool,
}

impl Options {
    /// The district's real date, and no demo data.
    pub fn from_config(_config: &Config) -> Self {
        Self { today: Arc::new(clock::today), demo: false }
    }
}

fn endpoint(config: &Config, target: &str) -> anyhow::Result<String> {
    config
        .endpoint_of(target)
        .ok_or_else(|| anyhow::anyhow!("no endpoint configured for the {target} service"))
}

/// Opens the oversight database and serves it on `listener` until shutdown.
pub async fn serve(config: &Config, listener: TcpListener, ctx: &ServeContext) -> anyhow::Result<()> {
    serve_with(config, listener, ctx, Options::from_config(config)).await
}

/// [`serve`] with `options`.
pub async fn serve_with(
    config: &Config,
    listener: TcpListener,
    ctx: &ServeContext,
    options: Options,
) -> anyhow::Result<()> {
    let policy = AccessPolicy::new(HEALTH_NAMES, &[ACCESS]).map_err(anyhow::Error::msg)?;
    let keys = config.key_files();
    let verifier = Arc::new(PrincipalVerifier::load(&keys.public_keys)?);
    let signer = Arc::new(PrincipalSigner::load(
        &keys.signing_key,
        Duration::from_secs(config.auth.principal_ttl_secs),
    )?);
    let directory = config.directory_endpoint();
    if directory.is_empty() {
        anyhow::bail!("no endpoint of the directory (whose units and cadres oversight serves) is configured");
    }
    let (leave, care, rank) =
        (endpoint(config, "leave")?, endpoint(config, "care")?, endpoint(config, "rank")?);
    let calendar = WorkingCalendar::connect(&leave, signer.clone(), TARGET)?;
    let url = config.database_url(TARGET, &config.services.oversight);
    let db = Db::connect(&url, config.pool_options()).await?;
    let authorize = AuthorizeLayer::new(verifier, policy, Some(db.clone()));
    let limit = config.server.max_message_bytes;
    let api = OversightServiceServer::new(OversightApi::new(db.clone(), options.today.clone(), calendar))
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);
    let poll = Duration::from_millis(config.feed.poll_interval_ms);
    let events = EventFeedServiceServer::new(EventFeed::new(db.clone(), TARGET, poll, ctx.shutdown.clone()))
        .max_encoding_message_size(limit);
    let routes = Routes::new(api).add_service(events);

    let retention = Duration::from_secs(u64::from(config.feed.retention_days) * 86_400);
    tokio::spawn(feed::run_pruner(db.clone(), retention, ctx.shutdown.clone()));

    let ready = {
        let (db, shutdown) = (db.clone(), ctx.shutdown.clone());
        async move {
            db.migrate(&MIGRATIONS).await?;
            db.ping().await?;
            // Only after the tables exist: the followers write to them from their first event.
            let settings = FollowerSettings::default();
            let follower = Follower::spawn(
                DirectoryFeed,
                db.clone(),
                &directory,
                TARGET,
                signer.clone(),
                shutdown.clone(),
                settings.clone(),
            )?;
            Follower::spawn(
                LeaveFeed,
                db.clone(),
                &leave,
                TARGET,
                signer.clone(),
                shutdown.clone(),
                settings.clone(),
            )?;
            Follower::spawn(
                CareFeed,
                db.clone(),
                &care,
                TARGET,
                signer.clone(),
                shutdown.clone(),
                settings.clone(),
            )?;
            Follower::spawn(RankFeed, db.clone(), &rank, TARGET, signer, shutdown.clone(), settings)?;
            if options.demo {
                tokio::spawn(demo::seed_when_ready(db, follower.subscribe(), options.today, shutdown));
            }
            Ok(())
        }
    };
    server::serve(listener, routes, HEALTH_NAMES, ready, authorize, ctx).await
}

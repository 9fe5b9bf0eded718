//! How the forum service is served: its routes, its readiness, the projection of the directory it follows,
//! and the demo district's forums under `cadre dev`.

use std::{sync::Arc, time::Duration};

use cadre_platform::{
    Db,
    auth::{AccessPolicy, AuthorizeLayer, PrincipalSigner, PrincipalVerifier},
    clock,
    config::Config,
    feed::{self, EventFeed},
    server::{self, ServeContext},
};
use cadre_projection::{Follower, FollowerSettings};
use cadre_proto::{
    events::event_feed_service_server::EventFeedServiceServer,
    forum::forum_service_server::ForumServiceServer,
};
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::{ForumApi, access::ACCESS, followers::ForumDirectoryFeed, store::MIGRATIONS, workflow::demo};

/// The target name (`cadre serve --target forum`) and event source name.
pub const TARGET: &str = "forum";

/// The gRPC services this target serves, by health-check name.
pub const HEALTH_NAMES: &[&str] = &["cadre.forum.v1.ForumService", "cadre.events.v1.EventFeedService"];

/// What "today" is: the district's date, or one a test sets.
pub type Today = clock::Today;

/// What "now" is: the instant check-in windows and held sessions are judged at, the wall clock or one a
/// test sets.
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What tests change about a running service.
#[derive(Clone)]
pub struct Options {
    /// The date the service works on (years of plans and ledgers, the demo's span).
    pub today: Today,
    /// The instant the service works at (check-in windows, sessions started).
    pub now: Now,
    /// Whether to create the demo district's forums, sessions and attendances once its people are known
    /// (`cadre dev`); see `workflow::demo`.
    pub demo: bool,
}

impl Options {
    /// The district's real date and the wall clock, and no demo data.
    pub fn from_config(_config: &Config) -> Self {
        Self { today: Arc::new(clock::today), now: Arc::new(Utc::now), demo: false }
    }
}

/// Opens the forum database and serves it on `listener` until shutdown.
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
        anyhow::bail!("no endpoint of the directory (whose units hold the forums) is configured");
    }
    let url = config.database_url(TARGET, &config.services.forum);
    let db = Db::connect(&url, config.pool_options()).await?;
    let authorize = AuthorizeLayer::new(verifier, policy, Some(db.clone()));
    let limit = config.server.max_message_bytes;
    let api = ForumServiceServer::new(ForumApi::new(db.clone(), options.today.clone(), options.now.clone()))
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
            // Only after the tables exist: the projection writes to them from its first event.
            let follower = Follower::spawn(
                ForumDirectoryFeed,
                db.clone(),
                &directory,
                TARGET,
                signer,
                shutdown.clone(),
                FollowerSettings::default(),
            )?;
            if options.demo {
                tokio::spawn(demo::seed_when_ready(db, follower.subscribe(), options.today, shutdown));
            }
            Ok(())
        }
    };
    server::serve(listener, routes, HEALTH_NAMES, ready, authorize, ctx).await
}

//! How the leave service is served: its routes, its readiness, the projection of the directory it follows,
//! and the sweep that keeps deadlines and overstays.

use std::{sync::Arc, time::Duration};

use cadre_platform::{
    Db,
    auth::{AccessPolicy, AuthorizeLayer, PrincipalSigner, PrincipalVerifier},
    clock,
    config::Config,
    feed::{self, EventFeed},
    server::{self, ServeContext},
};
use cadre_projection::{DirectoryFeed, Follower, FollowerSettings};
use cadre_proto::{
    events::event_feed_service_server::EventFeedServiceServer,
    leave::leave_service_server::LeaveServiceServer,
};
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::{
    LeaveApi,
    access::ACCESS,
    grpc::Today,
    store::{self, MIGRATIONS},
    sweep,
};

/// The target name (`cadre serve --target leave`) and event source name.
pub const TARGET: &str = "leave";

/// The gRPC services this target serves, by health-check name.
pub const HEALTH_NAMES: &[&str] = &["cadre.leave.v1.LeaveService", "cadre.events.v1.EventFeedService"];

/// What tests change about a running service.
#[derive(Clone)]
pub struct Options {
    /// The date the service works on.
    pub today: Today,
    /// How often the sweep runs.
    pub sweep_every: Duration,
}

impl Options {
    /// The district's real date, and the configured sweep interval.
    pub fn from_config(config: &Config) -> Self {
        Self {
            today: Arc::new(clock::today),
            sweep_every: Duration::from_secs(config.leave.sweep_interval_secs),
        }
    }
}

/// Opens the leave database and serves it on `listener` until shutdown.
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
    let url = config.database_url(TARGET, &config.services.leave);
    let db = Db::connect(&url, config.pool_options()).await?;
    let authorize = AuthorizeLayer::new(verifier, policy, Some(db.clone()));
    let limit = config.server.max_message_bytes;
    let api = LeaveServiceServer::new(LeaveApi::new(db.clone(), options.today.clone()))
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);
    let poll = Duration::from_millis(config.feed.poll_interval_ms);
    let events = EventFeedServiceServer::new(EventFeed::new(db.clone(), TARGET, poll, ctx.shutdown.clone()))
        .max_encoding_message_size(limit);
    let routes = Routes::new(api).add_service(events);

    let retention = Duration::from_secs(u64::from(config.feed.retention_days) * 86_400);
    tokio::spawn(feed::run_pruner(db.clone(), retention, ctx.shutdown.clone()));

    let ready = {
        let (db, shutdown, endpoint) = (db.clone(), ctx.shutdown.clone(), config.leave_directory_endpoint());
        async move {
            db.migrate(&MIGRATIONS).await?;
            db.ping().await?;
            // The shipped calendar years and leave types, where the district has not set its own.
            db.write(|conn| {
                store::calendar::seed_missing(conn)?;
                store::types::seed_missing(conn)
            })
            .await?;
            // Only after the tables exist: the projection writes to them from its first event.
            Follower::spawn(
                DirectoryFeed,
                db.clone(),
                &endpoint,
                TARGET,
                signer,
                shutdown.clone(),
                FollowerSettings::default(),
            )?;
            tokio::spawn(sweep::run(db, options.today, options.sweep_every, shutdown));
            Ok(())
        }
    };
    server::serve(listener, routes, HEALTH_NAMES, ready, authorize, ctx).await
}

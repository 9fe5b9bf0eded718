//! How the directory is served: its routes, its readiness, its background work.

use std::{sync::Arc, time::Duration};

use cadre_platform::{
    Db,
    auth::{AccessPolicy, AuthorizeLayer, PrincipalVerifier},
    clock::{self, Today},
    config::Config,
    feed::{self, EventFeed},
    server::{self, ServeContext},
};
use cadre_proto::{
    directory::directory_service_server::DirectoryServiceServer,
    events::event_feed_service_server::EventFeedServiceServer,
};
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::{DirectoryApi, access::ACCESS, demo_seed, store::MIGRATIONS};

/// The target name (`cadre serve --target directory`) and event source name.
pub const TARGET: &str = "directory";

/// The gRPC services this target serves, by health-check name.
pub const HEALTH_NAMES: &[&str] =
    &["cadre.directory.v1.DirectoryService", "cadre.events.v1.EventFeedService"];

/// Whether to load the demo district into an empty database (`cadre dev`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// Leave the database as it is.
    None,
    /// Load the demo district if the directory is empty.
    DemoDistrict,
}

/// Opens the directory's database and serves it on `listener` until shutdown.
pub async fn serve(
    config: &Config,
    listener: TcpListener,
    ctx: &ServeContext,
    seed: Seed,
) -> anyhow::Result<()> {
    serve_on(config, listener, ctx, seed, Arc::new(clock::today)).await
}

/// [`serve`] with the record checks made on `today`'s date: a suite walked through chosen dates.
pub async fn serve_on(
    config: &Config,
    listener: TcpListener,
    ctx: &ServeContext,
    seed: Seed,
    today: Today,
) -> anyhow::Result<()> {
    // Refuse to start with an undeclared method or without the keys to verify callers.
    let policy = AccessPolicy::new(HEALTH_NAMES, &[ACCESS]).map_err(anyhow::Error::msg)?;
    let verifier = Arc::new(PrincipalVerifier::load(&config.key_files().public_keys)?);
    let url = config.database_url(TARGET, &config.services.directory);
    let db = Db::connect(&url, config.pool_options()).await?;
    let authorize = AuthorizeLayer::new(verifier, policy, Some(db.clone()));
    let limit = config.server.max_message_bytes;
    let api = DirectoryServiceServer::new(DirectoryApi::on(db.clone(), today))
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);
    let poll = Duration::from_millis(config.feed.poll_interval_ms);
    let events = EventFeedServiceServer::new(EventFeed::new(db.clone(), TARGET, poll, ctx.shutdown.clone()))
        .max_encoding_message_size(limit);
    let routes = Routes::new(api).add_service(events);

    let retention = Duration::from_secs(u64::from(config.feed.retention_days) * 86_400);
    tokio::spawn(feed::run_pruner(db.clone(), retention, ctx.shutdown.clone()));

    let ready = async {
        db.migrate(&MIGRATIONS).await?;
        db.ping().await?;
        if seed == Seed::DemoDistrict {
            let report = demo_seed::seed_once(&db).await?;
            if report.units > 0 {
                tracing::info!(
                    units = report.units,
                    cadres = report.cadres,
                    accounts = report.accounts,
                    "demo district seeded"
                );
            }
        }
        Ok(())
    };
    server::serve(listener, routes, HEALTH_NAMES, ready, authorize, ctx).await
}

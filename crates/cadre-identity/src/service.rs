//! How the identity service is served: its routes, its readiness, its background work.

use std::{sync::Arc, time::Duration};

use cadre_platform::{
    Db,
    auth::{AccessPolicy, AuthorizeLayer, PrincipalSigner, PrincipalVerifier},
    clock,
    config::Config,
    feed::{self, EventFeed},
    server::{self, ServeContext, Shutdown},
};
use cadre_proto::{
    events::event_feed_service_server::EventFeedServiceServer,
    identity::identity_service_server::IdentityServiceServer,
};
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::{
    IdentityApi,
    access::ACCESS,
    directory::Directory,
    grpc::Settings,
    store::{MIGRATIONS, sessions},
};

/// The target name (`cadre serve --target identity`) and event source name.
pub const TARGET: &str = "identity";

/// The gRPC services this target serves, by health-check name.
pub const HEALTH_NAMES: &[&str] = &["cadre.identity.v1.IdentityService", "cadre.events.v1.EventFeedService"];

/// How long ended sessions are kept before they are deleted: long enough to answer "why was I signed
/// out?", short enough that the table does not grow without bound. The audit chain keeps the history.
const ENDED_SESSION_RETENTION: chrono::Duration = chrono::Duration::days(7);

/// Opens the identity database and serves it on `listener` until shutdown.
pub async fn serve(config: &Config, listener: TcpListener, ctx: &ServeContext) -> anyhow::Result<()> {
    // Refuse to start with an undeclared method or without the keys to verify callers and sign for the
    // directory.
    let policy = AccessPolicy::new(HEALTH_NAMES, &[ACCESS]).map_err(anyhow::Error::msg)?;
    let keys = config.key_files();
    let verifier = Arc::new(PrincipalVerifier::load(&keys.public_keys)?);
    let signer = Arc::new(PrincipalSigner::load(
        &keys.signing_key,
        Duration::from_secs(config.auth.principal_ttl_secs),
    )?);
    let directory = Directory::connect_lazy(&config.directory_endpoint(), signer)?;
    let url = config.database_url(TARGET, &config.services.identity);
    let db = Db::connect(&url, config.pool_options()).await?;
    let authorize = AuthorizeLayer::new(verifier, policy, Some(db.clone()));
    let limit = config.server.max_message_bytes;
    let api =
        IdentityServiceServer::new(IdentityApi::new(db.clone(), directory, Settings::from_config(config)))
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit);
    let poll = Duration::from_millis(config.feed.poll_interval_ms);
    let events = EventFeedServiceServer::new(EventFeed::new(db.clone(), TARGET, poll, ctx.shutdown.clone()))
        .max_encoding_message_size(limit);
    let routes = Routes::new(api).add_service(events);

    let retention = Duration::from_secs(u64::from(config.feed.retention_days) * 86_400);
    tokio::spawn(feed::run_pruner(db.clone(), retention, ctx.shutdown.clone()));
    tokio::spawn(prune_sessions(db.clone(), ctx.shutdown.clone()));

    let ready = async {
        db.migrate(&MIGRATIONS).await?;
        db.ping().await?;
        Ok(())
    };
    server::serve(listener, routes, HEALTH_NAMES, ready, authorize, ctx).await
}

/// Deletes sessions long past their absolute end, once an hour until shutdown.
async fn prune_sessions(db: Db, shutdown: Shutdown) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    // The first tick is immediate, before the migrations have run; skip it.
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.clone().wait() => return,
        }
        let before = clock::now() - ENDED_SESSION_RETENTION;
        match db.run(move |conn| sessions::prune(conn, before)).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "pruned ended sessions"),
            Err(error) => tracing::warn!(%error, "session pruning failed"),
        }
    }
}

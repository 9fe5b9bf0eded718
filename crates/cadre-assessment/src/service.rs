//! How the assessment service is served: its routes, its readiness, the feeds it follows (the directory's,
//! into its projection, and the oversight service's conduct measures), and the working calendar it counts
//! publicity days with.

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
    assessment::assessment_service_server::AssessmentServiceServer,
    events::event_feed_service_server::EventFeedServiceServer,
};
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::{
    AssessmentApi, access::ACCESS, followers::OversightFeed, grpc::Today, store::MIGRATIONS,
    workflow::history,
};

/// The target name (`cadre serve --target assessment`) and event source name.
pub const TARGET: &str = "assessment";

/// The gRPC services this target serves, by health-check name.
pub const HEALTH_NAMES: &[&str] =
    &["cadre.assessment.v1.AssessmentService", "cadre.events.v1.EventFeedService"];

/// What tests change about a running service.
#[derive(Clone)]
pub struct Options {
    /// The date the service works on.
    pub today: Today,
    /// Whether to run and publish the demo district's earlier years once its people are known (`cadre
    /// dev`); see `workflow::history`.
    pub demo_history: bool,
}

impl Options {
    /// The district's real date, and no demo history.
    pub fn from_config(_config: &Config) -> Self {
        Self { today: Arc::new(clock::today), demo_history: false }
    }
}

/// Opens the assessment database and serves it on `listener` until shutdown.
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
    let leave = config.endpoint_of("leave").ok_or_else(|| {
        anyhow::anyhow!("no endpoint of the leave service (its working calendar) is configured")
    })?;
    let calendar = WorkingCalendar::connect(&leave, signer.clone(), TARGET)?;
    let directory = config.directory_endpoint();
    if directory.is_empty() {
        anyhow::bail!("no endpoint of the directory (whose units and cadres are assessed) is configured");
    }
    let oversight = config.endpoint_of("oversight").ok_or_else(|| {
        anyhow::anyhow!(
            "no endpoint of the oversight service (whose decisions' conduct measures count) is configured"
        )
    })?;
    let url = config.database_url(TARGET, &config.services.assessment);
    let db = Db::connect(&url, config.pool_options()).await?;
    let authorize = AuthorizeLayer::new(verifier, policy, Some(db.clone()));
    let limit = config.server.max_message_bytes;
    let api = AssessmentServiceServer::new(AssessmentApi::new(db.clone(), options.today.clone(), calendar))
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
            let follower = Follower::spawn(
                DirectoryFeed,
                db.clone(),
                &directory,
                TARGET,
                signer.clone(),
                shutdown.clone(),
                FollowerSettings::default(),
            )?;
            Follower::spawn(
                OversightFeed,
                db.clone(),
                &oversight,
                TARGET,
                signer,
                shutdown.clone(),
                FollowerSettings::default(),
            )?;
            if options.demo_history {
                tokio::spawn(history::seed_when_ready(db, follower.subscribe(), options.today, shutdown));
            }
            Ok(())
        }
    };
    server::serve(listener, routes, HEALTH_NAMES, ready, authorize, ctx).await
}

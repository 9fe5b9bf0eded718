//! How the rank service is served: its routes, its readiness, the feeds it follows (the directory's, the
//! assessment service's, the care service's and the oversight service's), the push of rank changes to the
//! directory, and the sweep.

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
use cadre_projection::{Follower, FollowerSettings};
use cadre_proto::{
    events::event_feed_service_server::EventFeedServiceServer, rank::rank_service_server::RankServiceServer,
};
use tokio::{net::TcpListener, sync::Notify};
use tonic::service::Routes;

use crate::{
    RankApi,
    access::ACCESS,
    followers::{AssessmentFeed, CareFeed, OversightFeed, RankDirectoryFeed},
    grpc::Today,
    store::{self, MIGRATIONS},
    sweep, sync,
    workflow::eligibility,
};

/// The target name (`cadre serve --target rank`) and event source name.
pub const TARGET: &str = "rank";

/// The gRPC services this target serves, by health-check name.
pub const HEALTH_NAMES: &[&str] = &["cadre.rank.v1.RankService", "cadre.events.v1.EventFeedService"];

/// What tests change about a running service.
#[derive(Clone)]
pub struct Options {
    /// The date the service works on.
    pub today: Today,
    /// How often the sweep looks at the date and the publicities.
    pub sweep_every: Duration,
}

impl Options {
    /// The district's real date, and a sweep every minute.
    pub fn from_config(_config: &Config) -> Self {
        Self { today: Arc::new(clock::today), sweep_every: Duration::from_secs(60) }
    }
}

fn endpoint(config: &Config, target: &str) -> anyhow::Result<String> {
    config
        .endpoint_of(target)
        .ok_or_else(|| anyhow::anyhow!("no endpoint configured for the {target} service"))
}

/// Opens the rank database and serves it on `listener` until shutdown.
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
    let (directory, leave, assessment, care, oversight) = (
        endpoint(config, "directory")?,
        endpoint(config, "leave")?,
        endpoint(config, "assessment")?,
        endpoint(config, "care")?,
        endpoint(config, "oversight")?,
    );
    let url = config.database_url(TARGET, &config.services.rank);
    let db = Db::connect(&url, config.pool_options()).await?;
    let authorize = AuthorizeLayer::new(verifier, policy, Some(db.clone()));
    let limit = config.server.max_message_bytes;
    let calendar = WorkingCalendar::connect(&leave, signer.clone(), TARGET)?;
    let wake = Arc::new(Notify::new());
    let api = RankServiceServer::new(RankApi::new(db.clone(), options.today.clone(), calendar, wake.clone()))
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);
    let poll = Duration::from_millis(config.feed.poll_interval_ms);
    let events = EventFeedServiceServer::new(EventFeed::new(db.clone(), TARGET, poll, ctx.shutdown.clone()))
        .max_encoding_message_size(limit);
    let routes = Routes::new(api).add_service(events);

    let retention = Duration::from_secs(u64::from(config.feed.retention_days) * 86_400);
    tokio::spawn(feed::run_pruner(db.clone(), retention, ctx.shutdown.clone()));
    let directory_client = sync::client(&directory, signer.clone())?;

    let ready = {
        let (db, shutdown) = (db.clone(), ctx.shutdown.clone());
        async move {
            db.migrate(&MIGRATIONS).await?;
            db.ping().await?;
            // The rows of the lists, on today's date, before the first call can read them.
            let today = (options.today)();
            db.write(move |conn| {
                store::eligibility::set_day(conn, today)?;
                eligibility::refresh_all(conn)
            })
            .await?;
            // Only after the tables exist: the followers write to them from their first event.
            let settings = FollowerSettings::default();
            Follower::spawn(
                RankDirectoryFeed,
                db.clone(),
                &directory,
                TARGET,
                signer.clone(),
                shutdown.clone(),
                settings.clone(),
            )?;
            Follower::spawn(
                AssessmentFeed,
                db.clone(),
                &assessment,
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
            Follower::spawn(
                OversightFeed,
                db.clone(),
                &oversight,
                TARGET,
                signer.clone(),
                shutdown.clone(),
                settings.clone(),
            )?;
            tokio::spawn(sync::run(
                db.clone(),
                directory_client,
                options.today.clone(),
                wake.clone(),
                shutdown.clone(),
            ));
            tokio::spawn(sweep::run(db, options.today, options.sweep_every, wake, shutdown));
            Ok(())
        }
    };
    server::serve(listener, routes, HEALTH_NAMES, ready, authorize, ctx).await
}

//! Server bootstrap: every service is served the same way, with health (NOT_SERVING until its database is
//! migrated and answers), reflection, explicit limits, load shedding and a graceful shutdown.

mod admit;
mod observe;
mod shutdown;

use std::{future::Future, time::Duration};

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{service::Routes, transport::Server};
use tonic_health::ServingStatus;

pub use admit::{Admit, AdmitLayer, Readiness};
pub use observe::{Observe, ObserveLayer};
pub use shutdown::{Shutdown, ShutdownTrigger, os_signal, shutdown_channel};

use crate::{auth::AuthorizeLayer, config::ServerLimits, telemetry::Metrics};

/// What every server of the process shares.
#[derive(Clone)]
pub struct ServeContext {
    /// Limits from configuration.
    pub limits: ServerLimits,
    /// The process's metrics.
    pub metrics: Metrics,
    /// The process's shutdown.
    pub shutdown: Shutdown,
}

/// Serves `routes` plus health and reflection on `listener` until shutdown, every call but health and
/// reflection passing `authorize` first.
///
/// The gRPC services named in `health_names` (and the empty name, which tonic-health would otherwise
/// report SERVING from the start) are NOT_SERVING until `ready` succeeds, and calls other than health and
/// reflection are answered UNAVAILABLE until then. On shutdown they turn NOT_SERVING
/// at once, accepted requests finish, and the server stops within the configured grace period.
pub async fn serve<R>(
    listener: TcpListener,
    routes: Routes,
    health_names: &[&str],
    ready: R,
    authorize: AuthorizeLayer,
    ctx: &ServeContext,
) -> anyhow::Result<()>
where
    R: Future<Output = anyhow::Result<()>>,
{
    let (reporter, health_service) = tonic_health::server::health_reporter();
    let names: Vec<String> = health_names.iter().map(|n| (*n).to_owned()).chain([String::new()]).collect();
    for name in &names {
        reporter.set_service_status(name, ServingStatus::NotServing).await;
    }
    let descriptors = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(cadre_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection = descriptors().build_v1()?;
    let reflection_alpha = descriptors().build_v1alpha()?;
    let routes = routes.add_service(health_service).add_service(reflection).add_service(reflection_alpha);

    let limits = &ctx.limits;
    let local = listener.local_addr()?;
    let on_shutdown = {
        let (reporter, names, shutdown) = (reporter.clone(), names.clone(), ctx.shutdown.clone());
        async move {
            shutdown.wait().await;
            for name in &names {
                reporter.set_service_status(name, ServingStatus::NotServing).await;
            }
            tracing::info!(%local, "draining");
        }
    };
    let readiness = Readiness::default();
    let server = Server::builder()
        .max_concurrent_streams(Some(limits.max_concurrent_streams))
        .http2_max_pending_accept_reset_streams(Some(limits.max_pending_reset_streams))
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(10)))
        .timeout(Duration::from_millis(limits.request_timeout_ms))
        .layer(ObserveLayer::new(ctx.metrics.clone()))
        .layer(AdmitLayer::new(readiness.clone(), limits.max_in_flight, ctx.metrics.clone()))
        .layer(authorize)
        .add_routes(routes)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), on_shutdown);
    let mut server = tokio::spawn(server);

    ready.await?;
    readiness.open();
    if !ctx.shutdown.is_fired() {
        for name in &names {
            reporter.set_service_status(name, ServingStatus::Serving).await;
        }
        tracing::info!(%local, services = ?health_names, "serving");
    }

    let grace = Duration::from_millis(limits.shutdown_grace_ms);
    let shutdown = ctx.shutdown.clone();
    tokio::select! {
        result = &mut server => result??,
        () = async { shutdown.wait().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(%local, ?grace, "requests still running after the grace period; stopping anyway");
            server.abort();
        }
    }
    Ok(())
}

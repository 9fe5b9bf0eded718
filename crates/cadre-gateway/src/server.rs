//! The listening side: one port for HTTP/1.1 and cleartext HTTP/2 (hyper-util's auto builder tells them
//! apart by the connection preface), explicit HTTP/2 limits, and a graceful shutdown.
//!
//! On shutdown the gateway reports NOT_SERVING at once, stops accepting, asks every connection to finish
//! (GOAWAY on HTTP/2, `connection: close` on HTTP/1.1) and waits for calls in flight up to the grace
//! period; then it closes what is left.

use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};

use cadre_platform::{server::Shutdown, telemetry::Metrics};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
};
use tokio::{net::TcpListener, task::JoinSet};
use tower::{ServiceExt as _, util::BoxCloneSyncService};

use crate::{
    authn::{Authenticator, DenialSink},
    body::{self, Request, Response},
    extensions::Peer,
    front,
    local::Local,
    options::GatewayOptions,
};

/// Largest header block a client may send (HTTP/2 `SETTINGS_MAX_HEADER_LIST_SIZE`; HTTP/1.1 buffer).
/// gRPC's own default for metadata is 8 KiB; this leaves room for tokens and trace context.
const MAX_HEADER_BYTES: u32 = 32 * 1024;
/// How often idle rate-limit buckets are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Serves the gateway on `listener` until `shutdown` fires, then drains for `options.shutdown_grace`.
///
/// Errors when the options are invalid or the descriptor sets cannot be loaded; once serving, failing
/// connections are logged and the gateway keeps going.
pub async fn serve(
    listener: TcpListener,
    options: GatewayOptions,
    authenticator: Arc<dyn Authenticator>,
    denials: Arc<dyn DenialSink>,
    metrics: Metrics,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    options.validate()?;
    let local = Local::new().await?;
    let gateway = front::assemble(&options, authenticator, denials, metrics, local)?;
    let builder = builder(&options);
    let address = listener.local_addr()?;

    let sweeper = tokio::spawn({
        let (sweep, shutdown) = (gateway.sweep, shutdown.clone());
        async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            every.tick().await;
            loop {
                tokio::select! {
                    _ = every.tick() => sweep(),
                    () = shutdown.clone().wait() => break,
                }
            }
        }
    });

    gateway.local.set_serving(true).await;
    tracing::info!(%address, "gateway serving");
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let stop = shutdown.wait();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Small gRPC messages should not wait for Nagle's algorithm.
                    let _ = stream.set_nodelay(true);
                    let service = Connection { service: gateway.service.clone(), peer };
                    let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                    let connection = graceful.watch(connection);
                    connections.spawn(async move {
                        if let Err(error) = connection.await {
                            tracing::debug!(%peer, %error, "connection ended with an error");
                        }
                    });
                }
                Err(error) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }

    gateway.local.set_serving(false).await;
    drop(listener);
    sweeper.abort();
    tracing::info!(%address, connections = graceful.count(), "draining");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!(%address, "drained"),
        () = tokio::time::sleep(options.shutdown_grace) => {
            tracing::warn!(%address, grace = ?options.shutdown_grace, "calls still running after the grace period; closing them");
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// The connection builder with the configured limits.
fn builder(options: &GatewayOptions) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .max_buf_size(MAX_HEADER_BYTES as usize * 4)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(options.max_concurrent_streams)
        .max_pending_accept_reset_streams(options.max_pending_reset_streams)
        .max_local_error_reset_streams(options.max_local_error_reset_streams)
        .max_header_list_size(MAX_HEADER_BYTES)
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(10));
    builder
}

/// One connection's service: tells the gateway who the peer is.
#[derive(Clone)]
struct Connection {
    service: BoxCloneSyncService<Request, Response, Infallible>,
    peer: SocketAddr,
}

impl hyper::service::Service<http::Request<Incoming>> for Connection {
    type Response = Response;
    type Error = Infallible;
    type Future = crate::body::BoxFuture<Result<Response, Infallible>>;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        let mut request = request.map(body::boxed);
        request.extensions_mut().insert(Peer(self.peer));
        Box::pin(self.service.clone().oneshot(request))
    }
}

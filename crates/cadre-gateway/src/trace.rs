//! The request's span: it continues the client's W3C trace (`traceparent` / `tracestate`), carries the
//! request id, protocol, peer and (once known) subject, and is the parent of the upstream call's span.

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use cadre_platform::telemetry;
use futures::FutureExt as _;
use tower::{Layer, Service};
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::{
    body::{Request, Response},
    extensions::{Peer, Protocol, RequestId, RequestSpan},
    stack::{self, Inner, ResponseFuture},
};

/// Adds [`Trace`] to a service.
#[derive(Clone, Copy, Default)]
pub(crate) struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace { inner }
    }
}

/// The tracing service.
#[derive(Clone)]
pub(crate) struct Trace<S> {
    inner: S,
}

impl<S: Inner> Service<Request> for Trace<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> ResponseFuture {
        let extensions = request.extensions();
        let span = tracing::info_span!(
            "gateway.request",
            otel.name = %request.uri().path(),
            otel.kind = "server",
            request_id = extensions.get::<RequestId>().map_or("", |id| &*id.0),
            protocol = extensions.get::<Protocol>().copied().unwrap_or_else(|| Protocol::of(request.headers())).as_str(),
            peer = extensions.get::<Peer>().map(|p| tracing::field::display(p.0)),
            subject = tracing::field::Empty,
            rpc.grpc.status_code = tracing::field::Empty,
        );
        // Without an OpenTelemetry layer installed this does nothing, and the client's headers pass on.
        let _ = span.set_parent(telemetry::extract_context(request.headers()));
        request.extensions_mut().insert(RequestSpan(span.clone()));
        Box::pin(stack::call(self.inner.clone(), request).map(Ok).instrument(span))
    }
}

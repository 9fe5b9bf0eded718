//! Refusals answered before a request reaches its protocol's front (rate limits, shedding) must still
//! speak that protocol: trailers-only gRPC, the same for gRPC-web (a valid gRPC-web answer), a Connect
//! error for JSON. They are recorded in the metrics here, since the core that observes calls never sees
//! them.

use std::sync::Arc;

use cadre_platform::telemetry::Metrics;
use http::{HeaderValue, header};

use crate::{
    body::{Request, Response},
    catalog::Catalog,
    extensions::{Protocol, RequestSpan},
    json,
    observe::Outcome,
    refusal::Refusal,
};

/// Answers refusals in the caller's protocol.
#[derive(Clone)]
pub(crate) struct Responder {
    catalog: Arc<Catalog>,
    metrics: Metrics,
}

impl Responder {
    /// Renders with `catalog`'s types and records into `metrics`.
    pub(crate) fn new(catalog: Arc<Catalog>, metrics: Metrics) -> Self {
        Self { catalog, metrics }
    }

    /// The metrics, for layers with counters of their own.
    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Answers `request` with `refusal`, recording the outcome.
    pub(crate) fn refuse(&self, request: &Request, refusal: Refusal) -> Response {
        let span =
            request.extensions().get::<RequestSpan>().map_or_else(tracing::Span::none, |s| s.0.clone());
        let method = self.catalog.method(request.uri().path()).map(Arc::as_ref);
        Outcome::start(&self.metrics, method, span).finish(refusal.code());
        match request
            .extensions()
            .get::<Protocol>()
            .copied()
            .unwrap_or_else(|| Protocol::of(request.headers()))
        {
            Protocol::Grpc => refusal.into_response(),
            Protocol::GrpcWeb => {
                let mut response = refusal.into_response();
                let content_type = HeaderValue::from_static("application/grpc-web+proto");
                response.headers_mut().insert(header::CONTENT_TYPE, content_type);
                response
            }
            Protocol::Json => json::refusal_response(refusal, &self.catalog),
        }
    }
}

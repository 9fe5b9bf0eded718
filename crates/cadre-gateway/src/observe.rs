//! Outcome of every call: the platform's RPC metrics by method and code, the span's status code, and one
//! log line per call. The outcome of a stream is known at its end (its trailers), so it is recorded then.

use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use cadre_platform::telemetry::{Metrics, RpcLabels};
use tonic::Code;
use tower::{Layer, Service};

use crate::{
    body::{self, End, OnEnd, Request, Response},
    catalog::{Catalog, Method},
    extensions::RequestSpan,
    stack::{self, Inner, ResponseFuture},
};

/// Adds [`Observe`] to a service.
#[derive(Clone)]
pub(crate) struct ObserveLayer {
    metrics: Metrics,
    catalog: Arc<Catalog>,
}

impl ObserveLayer {
    /// Records into `metrics`, labelling calls with the methods of `catalog`.
    pub(crate) fn new(metrics: Metrics, catalog: Arc<Catalog>) -> Self {
        Self { metrics, catalog }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe { inner, layer: self.clone() }
    }
}

/// The observing service.
#[derive(Clone)]
pub(crate) struct Observe<S> {
    inner: S,
    layer: ObserveLayer,
}

impl<S: Inner> Service<Request> for Observe<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> ResponseFuture {
        let outcome = Outcome::start(
            &self.layer.metrics,
            self.layer.catalog.method(request.uri().path()).map(Arc::as_ref),
            request.extensions().get::<RequestSpan>().map_or_else(tracing::Span::none, |s| s.0.clone()),
        );
        let inner = self.inner.clone();
        Box::pin(async move {
            let response = stack::call(inner, request).await;
            if let Some(code) = code_of(response.headers()) {
                outcome.finish(code);
                return Ok(response);
            }
            Ok(response.map(|b| {
                body::boxed(OnEnd::new(
                    b,
                    Box::new(move |end| {
                        let code = match end {
                            End::Trailers(trailers) => code_of(trailers).unwrap_or(Code::Unknown),
                            End::Finished => Code::Unknown,
                            End::Dropped => Code::Cancelled,
                        };
                        outcome.finish(code);
                    }),
                ))
            }))
        })
    }
}

/// A call being observed.
pub(crate) struct Outcome {
    metrics: Metrics,
    service: String,
    method: String,
    span: tracing::Span,
    started: Instant,
}

impl Outcome {
    /// Starts the clock for a call of `method` (`None`: not a known method, labelled `unknown` so that
    /// made-up paths cannot grow the metric families).
    pub(crate) fn start(metrics: &Metrics, method: Option<&Method>, span: tracing::Span) -> Self {
        let (service, method) = method.map_or_else(
            || ("unknown".to_owned(), "unknown".to_owned()),
            |m| (m.service.clone(), m.name.clone()),
        );
        Self { metrics: metrics.clone(), service, method, span, started: Instant::now() }
    }

    /// Records the call's code.
    pub(crate) fn finish(self, code: Code) {
        let elapsed = self.started.elapsed();
        let Self { metrics, service, method, span, .. } = self;
        let labels = RpcLabels { service, method, code: format!("{code:?}") };
        metrics.rpcs_handled.get_or_create(&labels).inc();
        metrics.rpc_seconds.get_or_create(&labels).observe(elapsed.as_secs_f64());
        span.record("rpc.grpc.status_code", code as i32);
        tracing::info!(
            parent: &span,
            code = ?code,
            elapsed_ms = elapsed.as_millis() as u64,
            "call finished"
        );
    }
}

/// The gRPC code in `grpc-status`, if there is one.
pub(crate) fn code_of(headers: &http::HeaderMap) -> Option<Code> {
    headers.get("grpc-status").map(|v| Code::from_bytes(v.as_bytes()))
}

#[cfg(test)]
mod tests {
    use tower::ServiceExt as _;

    use super::*;
    use crate::{options::Upstream, refusal::Refusal};

    #[tokio::test]
    async fn counts_known_methods_by_code_and_unknown_ones_together() {
        let catalog = Arc::new(
            Catalog::new(&[Upstream::new(
                "d",
                "http://127.0.0.1:1".parse().unwrap(),
                &["cadre.directory.v1"],
            )])
            .unwrap(),
        );
        let inner = tower::service_fn(|_: Request| async {
            Ok::<_, Infallible>(Refusal::new(Code::NotFound, "X", "x").into_response())
        });
        let metrics = Metrics::default();
        let svc = ObserveLayer::new(metrics.clone(), catalog).layer(inner);
        for path in ["/cadre.directory.v1.DirectoryService/GetOrgUnit", "/made.Up/Path"] {
            let request = http::Request::post(path).body(body::empty()).unwrap();
            svc.clone().oneshot(request).await.unwrap();
        }
        let text = metrics.encode();
        assert!(
            text.contains(
                "service=\"cadre.directory.v1.DirectoryService\",method=\"GetOrgUnit\",code=\"NotFound\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("service=\"unknown\",method=\"unknown\",code=\"NotFound\"} 1"), "{text}");
    }
}

//! Per-request span (continuing the caller's W3C trace) and RPC metrics.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
    time::Instant,
};

use tower::{Layer, Service};
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::telemetry::{Metrics, RpcLabels, extract_context};

/// Adds [`Observe`] to a service.
#[derive(Clone)]
pub struct ObserveLayer {
    metrics: Metrics,
}

impl ObserveLayer {
    /// Records into `metrics`.
    pub fn new(metrics: Metrics) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe { inner, metrics: self.metrics.clone() }
    }
}

/// The observing service.
#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    metrics: Metrics,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for Observe<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: Send + 'static,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let (service, method) = split_path(request.uri().path());
        let span = tracing::info_span!(
            "grpc.request",
            otel.name = %request.uri().path(),
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.service = %service,
            rpc.method = %method,
            rpc.grpc.status_code = tracing::field::Empty,
        );
        // Without an OpenTelemetry layer installed this is a no-op.
        let _ = span.set_parent(extract_context(request.headers()));
        let metrics = self.metrics.clone();
        let started = Instant::now();
        let response = self.inner.call(request);
        Box::pin(
            async move {
                let result = response.await;
                if let Ok(response) = &result {
                    // Errors travel trailers-only, so their status is in the headers; a response without one
                    // is a success whose status follows in the trailers.
                    let code = response
                        .headers()
                        .get("grpc-status")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<i32>().ok())
                        .map_or(tonic::Code::Ok, tonic::Code::from_i32);
                    tracing::Span::current().record("rpc.grpc.status_code", code as i32);
                    let labels = RpcLabels { service, method, code: format!("{code:?}") };
                    metrics.rpcs_handled.get_or_create(&labels).inc();
                    metrics.rpc_seconds.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
                }
                result
            }
            .instrument(span),
        )
    }
}

/// `/pkg.Service/Method` → (`pkg.Service`, `Method`).
fn split_path(path: &str) -> (String, String) {
    let trimmed = path.trim_start_matches('/');
    match trimmed.split_once('/') {
        Some((service, method)) => (service.to_owned(), method.to_owned()),
        None => (trimmed.to_owned(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tower::ServiceExt as _;

    use super::*;

    #[tokio::test]
    async fn counts_outcomes_by_status() {
        let inner = tower::service_fn(|req: http::Request<()>| async move {
            let response = if req.uri().path().ends_with("Fail") {
                tonic::Status::not_found("x").into_http()
            } else {
                http::Response::new(String::new())
            };
            Ok::<_, Infallible>(response)
        });
        let metrics = Metrics::default();
        let svc = ObserveLayer::new(metrics.clone()).layer(inner);
        svc.clone().oneshot(http::Request::get("/a.v1.S/Get").body(()).unwrap()).await.unwrap();
        svc.oneshot(http::Request::get("/a.v1.S/Fail").body(()).unwrap()).await.unwrap();
        let text = metrics.encode();
        assert!(text.contains("service=\"a.v1.S\",method=\"Get\",code=\"Ok\"} 1"), "{text}");
        assert!(text.contains("service=\"a.v1.S\",method=\"Fail\",code=\"NotFound\"} 1"), "{text}");
        assert_eq!(split_path("/x"), ("x".to_owned(), String::new()));
    }
}

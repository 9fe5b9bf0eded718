//! Logs, traces and metrics.
//!
//! Logs go to stdout through `tracing`, as JSON or pretty text. Traces are exported over OTLP/gRPC when an
//! endpoint is configured, with W3C trace context carried in gRPC metadata between the gateway and the
//! services. Metrics are kept in a Prometheus registry served on `/metrics`.

use std::{net::SocketAddr, sync::Arc};

use opentelemetry::{
    global,
    propagation::{Extractor, Injector},
    trace::TracerProvider as _,
};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, histogram::Histogram},
    registry::Registry,
};
use tracing_subscriber::{EnvFilter, Layer as _, layer::SubscriberExt as _, util::SubscriberInitExt as _};

use crate::config::{Config, LogFormat};

/// Keeps the trace exporter alive; dropping it flushes buffered spans (the exporter drops them otherwise).
#[must_use = "dropping the guard shuts the trace exporter down"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("trace exporter shutdown failed: {error}");
        }
    }
}

/// Installs the global subscriber and propagator. Call once, inside the Tokio runtime.
pub fn init(config: &Config, service_name: &str) -> anyhow::Result<TelemetryGuard> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let filter = EnvFilter::try_new(&config.log_level)?;
    let fmt = match config.log_format {
        LogFormat::Json => tracing_subscriber::fmt::layer().json().with_current_span(true).boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().pretty().boxed(),
    };
    let provider = if config.otlp_endpoint.is_empty() {
        None
    } else {
        Some(otlp_provider(&config.otlp_endpoint, service_name)?)
    };
    let otel = provider.as_ref().map(|provider| {
        global::set_tracer_provider(provider.clone());
        tracing_opentelemetry::layer().with_tracer(provider.tracer("cadre"))
    });
    tracing_subscriber::registry().with(filter).with(fmt).with(otel).try_init()?;
    Ok(TelemetryGuard { provider })
}

/// A tracer provider that batches spans to an OTLP/gRPC collector at `endpoint`.
pub fn otlp_provider(endpoint: &str, service_name: &str) -> anyhow::Result<SdkTracerProvider> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint.to_owned())
        .build()?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service_name.to_owned()).build())
        .build())
}

/// Reads W3C trace context from HTTP/2 headers (gRPC metadata).
pub struct HeaderExtractor<'a>(pub &'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

/// Writes W3C trace context into outgoing HTTP/2 headers.
pub struct HeaderInjector<'a>(pub &'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(key), http::HeaderValue::try_from(value)) {
            self.0.insert(name, value);
        }
    }
}

/// The trace context carried by incoming headers.
pub fn extract_context(headers: &http::HeaderMap) -> opentelemetry::Context {
    global::get_text_map_propagator(|propagator| propagator.extract(&HeaderExtractor(headers)))
}

/// Adds the current span's trace context to outgoing headers (for calls to other services).
pub fn inject_current(headers: &mut http::HeaderMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    let context = tracing::Span::current().context();
    global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut HeaderInjector(headers))
    });
}

/// Labels of one RPC outcome.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RpcLabels {
    /// Fully-qualified service.
    pub service: String,
    /// Method name.
    pub method: String,
    /// gRPC status code name.
    pub code: String,
}

/// The process's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// RPCs handled, by outcome.
    pub rpcs_handled: Family<RpcLabels, Counter>,
    /// RPC latency in seconds, by outcome.
    pub rpc_seconds: Family<RpcLabels, Histogram>,
    /// Requests shed by load shedding.
    pub rpcs_shed: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("cadre");
        let rpcs_handled = Family::<RpcLabels, Counter>::default();
        let rpc_seconds = Family::<RpcLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
        });
        let rpcs_shed = Counter::default();
        registry.register("grpc_server_handled", "gRPC requests handled", rpcs_handled.clone());
        registry.register("grpc_server_handling_seconds", "gRPC request latency", rpc_seconds.clone());
        registry.register("grpc_server_shed", "gRPC requests shed under overload", rpcs_shed.clone());
        Self { registry: Arc::new(registry), rpcs_handled, rpc_seconds, rpcs_shed }
    }
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Serves `/metrics` until `shutdown` resolves.
    pub async fn serve(
        self,
        listen: SocketAddr,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        tracing::info!(%listen, "metrics endpoint listening");
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let metrics = self.clone();
                async move { ([(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics.encode()) }
            }),
        );
        axum::serve(listener, app).with_graceful_shutdown(shutdown).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_context_round_trips_through_headers() {
        global::set_text_map_propagator(TraceContextPropagator::new());
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap(),
        );
        let context = extract_context(&headers);
        use opentelemetry::trace::TraceContextExt as _;
        let span = context.span();
        assert_eq!(span.span_context().trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        let mut out = http::HeaderMap::new();
        global::get_text_map_propagator(|p| p.inject_context(&context, &mut HeaderInjector(&mut out)));
        assert_eq!(
            out.get("traceparent").unwrap(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn spans_reach_an_otlp_collector() {
        use opentelemetry::trace::Tracer as _;
        use opentelemetry_proto::tonic::collector::trace::v1::{
            ExportTraceServiceRequest, ExportTraceServiceResponse,
            trace_service_server::{TraceService, TraceServiceServer},
        };

        struct Collector(tokio::sync::mpsc::UnboundedSender<ExportTraceServiceRequest>);

        #[tonic::async_trait]
        impl TraceService for Collector {
            async fn export(
                &self,
                request: tonic::Request<ExportTraceServiceRequest>,
            ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
                let _ = self.0.send(request.into_inner());
                Ok(tonic::Response::new(ExportTraceServiceResponse { partial_success: None }))
            }
        }

        let (tx, mut received) = tokio::sync::mpsc::unbounded_channel();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(TraceServiceServer::new(Collector(tx)))
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        let provider = otlp_provider(&format!("http://{addr}"), "cadre-test").unwrap();
        provider.tracer("test").in_span("probe-span", |_| {});
        // Shutting down flushes the batch; it blocks, so it runs off the async workers.
        tokio::task::spawn_blocking(move || provider.shutdown()).await.unwrap().unwrap();
        let export =
            tokio::time::timeout(std::time::Duration::from_secs(10), received.recv()).await.unwrap().unwrap();
        let spans: Vec<_> = export
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| s.name.clone())
            .collect();
        assert_eq!(spans, ["probe-span"]);
        let service = export.resource_spans[0]
            .resource
            .as_ref()
            .unwrap()
            .attributes
            .iter()
            .find(|a| a.key == "service.name");
        assert!(format!("{service:?}").contains("cadre-test"));
    }

    #[test]
    fn metrics_are_exposed_in_text_format() {
        let metrics = Metrics::default();
        let labels = RpcLabels { service: "s".into(), method: "m".into(), code: "Ok".into() };
        metrics.rpcs_handled.get_or_create(&labels).inc();
        metrics.rpcs_shed.inc();
        let text = metrics.encode();
        assert!(
            text.contains("cadre_grpc_server_handled_total{service=\"s\",method=\"m\",code=\"Ok\"} 1"),
            "{text}"
        );
        assert!(text.contains("cadre_grpc_server_shed_total 1"), "{text}");
    }
}

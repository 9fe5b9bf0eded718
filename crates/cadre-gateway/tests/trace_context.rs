//! W3C trace context through the gateway with tracing on. A test binary of its own: it installs a global
//! subscriber with an OpenTelemetry layer, which would change what the other tests see.

#[allow(dead_code, reason = "the shared harness has more than this test uses")]
#[path = "gateway/support.rs"]
mod support;

use cadre_proto::directory;
use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::layer::SubscriberExt as _;

use crate::support::{Gateway, with_token};

#[tokio::test]
async fn the_trace_continues_upstream_under_a_gateway_span() {
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let gateway = Gateway::start().await;
    let mut client = gateway.directory().await;
    let mut request = with_token(directory::GetOrgUnitRequest { id: "u1".into() }, "good");
    request
        .metadata_mut()
        .insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
    request.metadata_mut().insert("tracestate", "vendor=value".parse().unwrap());
    client.get_org_unit(request).await.unwrap();

    let seen = gateway.upstream.only_call();
    let traceparent = seen.header("traceparent").unwrap();
    let parts: Vec<_> = traceparent.split('-').collect();
    assert_eq!(parts[1], "4bf92f3577b34da6a3ce929d0e0e4736", "same trace");
    assert_ne!(parts[2], "00f067aa0ba902b7", "a gateway span in between: {traceparent}");
    assert_eq!(seen.header("tracestate"), Some("vendor=value"));
}

//! CORS for browser callers (gRPC-web and JSON): only the configured origins, only POST, and the headers
//! those protocols use; the gRPC status headers and the request id are exposed so that browser code can
//! read them.

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Request headers a browser may send.
const ALLOWED_HEADERS: &[&str] = &[
    "content-type",
    "authorization",
    "x-grpc-web",
    "x-user-agent",
    "grpc-timeout",
    "connect-protocol-version",
    "connect-timeout-ms",
    "x-request-id",
    "x-cadre-source",
    "traceparent",
    "tracestate",
];

/// Response headers browser code may read.
const EXPOSED_HEADERS: &[&str] = &["grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id"];

/// The CORS policy for `origins` (`*` for any; empty for none). Origins were validated with the options.
pub(crate) fn layer(origins: &[String]) -> CorsLayer {
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::POST])
        .allow_headers(ALLOWED_HEADERS.iter().map(|h| HeaderName::from_static(h)).collect::<Vec<_>>())
        .expose_headers(EXPOSED_HEADERS.iter().map(|h| HeaderName::from_static(h)).collect::<Vec<_>>())
        .max_age(Duration::from_secs(2 * 60 * 60))
}

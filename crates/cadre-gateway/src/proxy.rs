//! Forwarding to upstreams: one pooled, multiplexed HTTP/2 client per upstream; requests and responses
//! pass as streams, trailers included, without their messages being decoded.
//!
//! What crosses the gateway is only what the upstream should see: hop-by-hop headers go, and so do the
//! client's credentials (`authorization`, `cookie`), since services accept only the principal the gateway
//! forwards. Each forwarded call gets a client span whose W3C context replaces the client's `traceparent`,
//! so the upstream continues the same trace under the gateway.

use std::{
    convert::Infallible,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use cadre_platform::telemetry;
use http::{HeaderValue, Uri, Version, header, uri::PathAndQuery};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::{TokioExecutor, TokioTimer},
};
use tonic::Code;
use tracing::Instrument as _;

use crate::{
    body::{self, BoxBody, Request, Response},
    options::Upstream,
    refusal::Refusal,
};

/// Headers that describe one hop, not the call.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "transfer-encoding",
    "upgrade",
    "te",
    "host",
    "content-length",
];

/// The client's credentials, consumed by the gateway.
const CREDENTIALS: &[&str] = &["authorization", "cookie"];

/// Clients for every upstream.
#[derive(Clone)]
pub(crate) struct Proxy {
    upstreams: Arc<[UpstreamClient]>,
}

struct UpstreamClient {
    name: String,
    origin: Uri,
    client: Client<HttpConnector, BoxBody>,
}

impl Proxy {
    /// A client per upstream. Connections are made on first use, so an upstream that is down at start
    /// only fails the calls made to it.
    pub(crate) fn new(upstreams: &[Upstream]) -> Self {
        let upstreams = upstreams
            .iter()
            .map(|u| {
                let mut connector = HttpConnector::new();
                connector.set_nodelay(true);
                connector.set_connect_timeout(Some(Duration::from_secs(5)));
                let client = Client::builder(TokioExecutor::new())
                    .http2_only(true)
                    .timer(TokioTimer::new())
                    .pool_timer(TokioTimer::new())
                    .http2_keep_alive_interval(Duration::from_secs(30))
                    .http2_keep_alive_timeout(Duration::from_secs(10))
                    .http2_keep_alive_while_idle(true)
                    .build(connector);
                UpstreamClient { name: u.name.clone(), origin: u.endpoint.clone(), client }
            })
            .collect();
        Self { upstreams }
    }

    /// Forwards `request` to the upstream at `index`.
    pub(crate) async fn forward(&self, index: usize, mut request: Request) -> Response {
        let Some(upstream) = self.upstreams.get(index) else {
            return Refusal::new(Code::Internal, "NO_SUCH_UPSTREAM", "routing error").into_response();
        };
        let uri = match upstream_uri(&upstream.origin, request.uri()) {
            Ok(uri) => uri,
            Err(error) => {
                tracing::error!(upstream = %upstream.name, %error, "cannot build the upstream URI");
                return Refusal::new(Code::Internal, "BAD_UPSTREAM_URI", "routing error").into_response();
            }
        };
        *request.uri_mut() = uri;
        *request.version_mut() = Version::HTTP_2;
        let headers = request.headers_mut();
        for name in HOP_BY_HOP.iter().chain(CREDENTIALS) {
            headers.remove(*name);
        }
        // gRPC servers require it: it says the client understands trailers, where the status comes.
        headers.insert(header::TE, HeaderValue::from_static("trailers"));

        let span = tracing::info_span!(
            "gateway.upstream",
            otel.name = %request.uri().path(),
            otel.kind = "client",
            upstream = %upstream.name,
        );
        span.in_scope(|| telemetry::inject_current(request.headers_mut()));
        match upstream.client.request(request).instrument(span).await {
            Ok(response) => from_upstream(&upstream.name, response),
            Err(error) => {
                tracing::warn!(upstream = %upstream.name, error = %error_chain(&error), "upstream call failed");
                Refusal::new(
                    Code::Unavailable,
                    "UPSTREAM_UNAVAILABLE",
                    format!("the {} service cannot be reached: retry shortly", upstream.name),
                )
                .into_response()
            }
        }
    }
}

/// The upstream's scheme and authority with the request's path.
fn upstream_uri(origin: &Uri, request: &Uri) -> Result<Uri, http::Error> {
    let path = request.path_and_query().cloned().unwrap_or_else(|| PathAndQuery::from_static("/"));
    let mut parts = origin.clone().into_parts();
    parts.path_and_query = Some(path);
    Ok(Uri::from_parts(parts)?)
}

/// The upstream's response as the client gets it.
fn from_upstream(name: &str, response: http::Response<Incoming>) -> Response {
    if response.status() != http::StatusCode::OK {
        // Not a gRPC answer (a proxy's error page, say): say what gRPC clients would make of it.
        let code = match response.status().as_u16() {
            400 => Code::Internal,
            401 => Code::Unauthenticated,
            403 => Code::PermissionDenied,
            404 => Code::Unimplemented,
            429 | 502 | 503 | 504 => Code::Unavailable,
            _ => Code::Unknown,
        };
        tracing::warn!(upstream = %name, status = %response.status(), "upstream answered with a non-gRPC status");
        return Refusal::new(
            code,
            "UPSTREAM_HTTP_ERROR",
            format!("the {name} service answered HTTP {}", response.status().as_u16()),
        )
        .into_response();
    }
    let (mut parts, incoming) = response.into_parts();
    for name in HOP_BY_HOP {
        parts.headers.remove(*name);
    }
    http::Response::from_parts(
        parts,
        body::boxed(UpstreamBody { inner: incoming, done: false, name: name.into() }),
    )
}

pin_project_lite::pin_project! {
    /// The upstream's response stream; a broken one ends with UNAVAILABLE trailers instead of a reset, so
    /// that the client learns a status and may retry.
    struct UpstreamBody {
        #[pin]
        inner: Incoming,
        done: bool,
        name: Arc<str>,
    }
}

impl Body for UpstreamBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                *this.done = frame.is_trailers();
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => {
                *this.done = true;
                tracing::warn!(upstream = %this.name, %error, "upstream stream broke");
                let status = Refusal::new(
                    Code::Unavailable,
                    "UPSTREAM_STREAM_BROKEN",
                    format!("the {} service's stream broke: retry", this.name),
                )
                .into_status();
                Poll::Ready(Some(Ok(Frame::trailers(body::status_headers(&status)))))
            }
            Poll::Ready(None) => {
                *this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// An error and its causes on one line, for logs.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_uris_keep_the_path() {
        let origin: Uri = "http://10.0.0.1:50051".parse().unwrap();
        let request: Uri = "/cadre.directory.v1.DirectoryService/GetOrgUnit".parse().unwrap();
        assert_eq!(
            upstream_uri(&origin, &request).unwrap(),
            "http://10.0.0.1:50051/cadre.directory.v1.DirectoryService/GetOrgUnit"
        );
    }
}

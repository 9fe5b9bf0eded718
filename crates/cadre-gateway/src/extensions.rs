//! What the outer layers learn about a request and leave in its extensions for the inner ones.

use std::{net::SocketAddr, sync::Arc};

/// The client's address, set per connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub SocketAddr);

/// The request id returned in `x-request-id` and forwarded upstream.
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub Arc<str>);

/// The span of the whole request, so that stream wrappers can log in it after the handler returned.
#[derive(Debug, Clone)]
pub(crate) struct RequestSpan(pub tracing::Span);

/// The authenticated subject, once authentication succeeded.
#[derive(Debug, Clone)]
pub(crate) struct Subject(pub String);

/// The wire protocol the client speaks; every path reaches the inner layers as gRPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// `application/grpc*` over HTTP/2: passed through as a stream.
    Grpc,
    /// `application/grpc-web*`: translated to gRPC by tonic-web.
    GrpcWeb,
    /// Anything else: the unary JSON shape of the Connect protocol.
    Json,
}

impl Protocol {
    /// Which path a request takes, from its `content-type`.
    pub(crate) fn of(headers: &http::HeaderMap) -> Self {
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if content_type.starts_with("application/grpc-web") {
            Protocol::GrpcWeb
        } else if content_type.starts_with("application/grpc") {
            Protocol::Grpc
        } else {
            Protocol::Json
        }
    }

    /// Its name in logs.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::GrpcWeb => "grpc-web",
            Protocol::Json => "json",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_follows_the_content_type() {
        let of = |ct: &str| {
            let mut h = http::HeaderMap::new();
            h.insert(http::header::CONTENT_TYPE, ct.parse().unwrap());
            Protocol::of(&h)
        };
        assert_eq!(of("application/grpc"), Protocol::Grpc);
        assert_eq!(of("application/grpc+proto"), Protocol::Grpc);
        assert_eq!(of("application/grpc-web+proto"), Protocol::GrpcWeb);
        assert_eq!(of("Application/GRPC-WEB-TEXT"), Protocol::GrpcWeb);
        assert_eq!(of("application/json"), Protocol::Json);
        assert_eq!(Protocol::of(&http::HeaderMap::new()), Protocol::Json);
    }
}

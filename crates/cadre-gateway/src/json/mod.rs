//! JSON calls: the unary shape of the Connect protocol (`POST /<pkg.Service>/<Method>`, `content-type:
//! application/json`), transcoded generically from the descriptor set, so a new RPC is callable over JSON
//! without a change here.
//!
//! The JSON body becomes one protobuf message and a unary gRPC call through the same layers as every
//! other call (limits, authentication, deadlines, the upstream client); the answer comes back as canonical
//! JSON or as a Connect error. `Connect-Timeout-Ms` becomes the call's `grpc-timeout`.
//!
//! HTTP statuses outside Connect's code mapping, chosen because they say what is wrong with the HTTP
//! request itself rather than with the call: 405 (with `Allow: POST`) for another method; 415 for another
//! content type; 404 for a path that is no method of the suite (as Connect servers answer unknown routes,
//! and as Connect clients read back as `unimplemented`); 413 for a body over the size limit. The JSON body
//! still carries the code in each case.

mod connect;
mod transcode;

use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
};

use cadre_platform::telemetry::Metrics;
use http::{HeaderValue, Method as HttpMethod, StatusCode, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use tonic::Code;
use tower::{Service, ServiceExt as _};

use self::connect::GrpcStatus;
use crate::{
    body::{self, Request, Response},
    catalog::{Catalog, Method},
    deadline::{GRPC_TIMEOUT, encode_timeout},
    extensions::RequestSpan,
    framing,
    front::Core,
    observe::Outcome,
    refusal::Refusal,
    resolve,
    stack::ResponseFuture,
};

/// A gateway refusal as a Connect error, with Connect's HTTP status for its code.
pub(crate) fn refusal_response(refusal: Refusal, catalog: &Catalog) -> Response {
    connect::refusal_response(refusal, None, catalog)
}

/// The Connect deadline header: milliseconds, at most 10 digits.
const CONNECT_TIMEOUT: &str = "connect-timeout-ms";
/// Largest upstream response turned into JSON. Upstreams limit their messages (4 MiB by default); this
/// only stops a broken one from making the gateway buffer without end.
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// The JSON front.
#[derive(Clone)]
pub(crate) struct Json {
    core: Core,
    catalog: Arc<Catalog>,
    metrics: Metrics,
    max_request_bytes: usize,
}

impl Json {
    /// Transcodes calls into `core`.
    pub(crate) fn new(core: Core, catalog: Arc<Catalog>, metrics: Metrics, max_request_bytes: usize) -> Self {
        Self { core, catalog, metrics, max_request_bytes }
    }

    async fn handle(self, request: Request) -> Response {
        let refuse = |refusal: Refusal, http: Option<StatusCode>| {
            connect::refusal_response(refusal, http, &self.catalog)
        };
        if request.method() != HttpMethod::POST {
            let refusal = Refusal::new(Code::Unimplemented, "METHOD_NOT_ALLOWED", "calls are made with POST");
            let mut response = refuse(refusal, Some(StatusCode::METHOD_NOT_ALLOWED));
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        if !is_json(request.headers()) {
            let refusal = Refusal::new(
                Code::InvalidArgument,
                "UNSUPPORTED_CONTENT_TYPE",
                "send application/json, or call over gRPC (application/grpc) or gRPC-web (application/grpc-web)",
            );
            return refuse(refusal, Some(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let Some(method) = self.catalog.method(request.uri().path()).cloned() else {
            return refuse(resolve::unknown_method(request.uri().path()), Some(StatusCode::NOT_FOUND));
        };
        if !method.is_unary() {
            let refusal = Refusal::new(
                Code::Unimplemented,
                "STREAMING_OVER_JSON",
                format!("{} is a streaming method: call it over gRPC or gRPC-web", method.path),
            );
            return refuse(refusal, None);
        }
        let span =
            request.extensions().get::<RequestSpan>().map_or_else(tracing::Span::none, |s| s.0.clone());
        let outcome = Outcome::start(&self.metrics, Some(&method), span);
        let grpc = match self.to_grpc(&method, request).await {
            Ok(grpc) => grpc,
            Err((refusal, http)) => {
                outcome.finish(refusal.code());
                return refuse(refusal, http);
            }
        };
        // From here the core observes the call.
        let response = match self.core.clone().oneshot(grpc).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        from_grpc(&method, response, &self.catalog).await
    }

    /// The gRPC request for a JSON one.
    async fn to_grpc(
        &self,
        method: &Method,
        request: Request,
    ) -> Result<Request, (Refusal, Option<StatusCode>)> {
        let (mut parts, body) = request.into_parts();
        let bytes = match Limited::new(body, self.max_request_bytes).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) if error.is::<LengthLimitError>() => {
                let refusal = Refusal::new(
                    Code::ResourceExhausted,
                    "MESSAGE_TOO_LARGE",
                    format!("the request body is larger than {} bytes", self.max_request_bytes),
                );
                return Err((refusal, Some(StatusCode::PAYLOAD_TOO_LARGE)));
            }
            Err(error) => {
                let refusal = Refusal::new(
                    Code::InvalidArgument,
                    "UNREADABLE_BODY",
                    format!("the request body could not be read: {error}"),
                );
                return Err((refusal, None));
            }
        };
        let proto = transcode::json_to_proto(&method.input, &bytes).map_err(|r| (r, None))?;
        let framed = framing::encode(&proto).map_err(|_| {
            (Refusal::new(Code::ResourceExhausted, "MESSAGE_TOO_LARGE", "the request is too large"), None)
        })?;
        let timeout = connect_timeout(&parts.headers).map_err(|r| (r, None))?;

        let headers = &mut parts.headers;
        // The client's own gRPC and Connect framing headers mean nothing upstream; the deadline is carried
        // over explicitly.
        let framing_headers: Vec<_> = headers
            .keys()
            .filter(|n| n.as_str().starts_with("grpc-") || n.as_str().starts_with("connect-"))
            .cloned()
            .collect();
        for name in framing_headers {
            headers.remove(name);
        }
        headers.remove(header::CONTENT_LENGTH);
        headers.remove(header::ACCEPT_ENCODING);
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
        if let Some(timeout) = timeout {
            headers.insert(GRPC_TIMEOUT, encode_timeout(timeout));
        }
        Ok(http::Request::from_parts(parts, body::full(framed)))
    }
}

impl Service<Request> for Json {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> ResponseFuture {
        let this = self.clone();
        Box::pin(async move { Ok(this.handle(request).await) })
    }
}

/// Whether the content type is JSON (`application/json`, parameters such as a charset allowed).
fn is_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// The `Connect-Timeout-Ms` deadline, if the client set one.
fn connect_timeout(headers: &http::HeaderMap) -> Result<Option<std::time::Duration>, Refusal> {
    let Some(value) = headers.get(CONNECT_TIMEOUT) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    let valid = (1..=10).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u64>() {
        Ok(ms) if valid => Ok(Some(std::time::Duration::from_millis(ms))),
        _ => Err(Refusal::new(Code::InvalidArgument, "INVALID_TIMEOUT", "Connect-Timeout-Ms is malformed")
            .with_violation(CONNECT_TIMEOUT, "must be a positive integer of at most 10 digits")),
    }
}

/// The JSON answer for a unary gRPC response.
async fn from_grpc(method: &Method, response: Response, catalog: &Catalog) -> Response {
    let (parts, body) = response.into_parts();
    if let Some(status) = GrpcStatus::from_headers(&parts.headers) {
        return connect::error_response(&status, None, &parts.headers, catalog);
    }
    let collected = match Limited::new(body, MAX_RESPONSE_BYTES).collect().await {
        Ok(collected) => collected,
        Err(error) => {
            tracing::warn!(method = %method.path, %error, "upstream response could not be read");
            let refusal =
                Refusal::new(Code::Internal, "BAD_UPSTREAM_RESPONSE", "the response could not be read");
            return connect::refusal_response(refusal, None, catalog);
        }
    };
    let trailers = collected.trailers().cloned().unwrap_or_default();
    let data = collected.to_bytes();
    let Some(status) = GrpcStatus::from_headers(&trailers) else {
        let refusal =
            Refusal::new(Code::Internal, "BAD_UPSTREAM_RESPONSE", "the response ended without a status");
        return connect::refusal_response(refusal, None, catalog);
    };
    if status.code != Code::Ok {
        let mut metadata = parts.headers.clone();
        metadata.extend(trailers);
        return connect::error_response(&status, None, &metadata, catalog);
    }
    let json = match framing::decode_all(data) {
        Ok(messages) if messages.len() == 1 => transcode::proto_to_json(&method.output, &messages[0]),
        Ok(messages) => Err(format!("{} messages in a unary response", messages.len())),
        Err(malformed) => Err(format!("{malformed:?} message")),
    };
    match json {
        Ok(json) => connect::success_response(json, &parts.headers, &trailers),
        Err(error) => {
            tracing::warn!(method = %method.path, %error, "upstream response could not be transcoded");
            let refusal =
                Refusal::new(Code::Internal, "BAD_UPSTREAM_RESPONSE", "the response could not be transcoded");
            connect::refusal_response(refusal, None, catalog)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_and_timeouts() {
        let headers = |k: &str, v: &str| {
            let mut h = http::HeaderMap::new();
            h.insert(http::HeaderName::try_from(k).unwrap(), v.parse().unwrap());
            h
        };
        assert!(is_json(&headers("content-type", "application/json")));
        assert!(is_json(&headers("content-type", "Application/JSON; charset=utf-8")));
        assert!(!is_json(&headers("content-type", "text/plain")));
        assert!(!is_json(&http::HeaderMap::new()));
        assert_eq!(
            connect_timeout(&headers(CONNECT_TIMEOUT, "2500")).unwrap(),
            Some(std::time::Duration::from_millis(2500))
        );
        assert!(connect_timeout(&headers(CONNECT_TIMEOUT, "12345678901")).is_err());
        assert!(connect_timeout(&headers(CONNECT_TIMEOUT, "-1")).is_err());
        assert_eq!(connect_timeout(&http::HeaderMap::new()).unwrap(), None);
    }
}

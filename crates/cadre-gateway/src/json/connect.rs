//! Connect's unary wire shapes: a gRPC status as a Connect JSON error with its HTTP status, and a unary
//! gRPC response as a JSON body with its metadata as headers.
//!
//! An error reads `{"code":"invalid_argument","message":"...","details":[{"type":"google.rpc.BadRequest",
//! "value":"<base64, no padding>","debug":{...}}]}`: each detail of the `google.rpc.Status` with its bytes,
//! and, when the gateway knows its type, the same as JSON for people and simple clients.

use base64::{
    Engine as _, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig, general_purpose::STANDARD_NO_PAD},
};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use prost::Message as _;
use prost_reflect::DynamicMessage;
use serde::Serialize;
use tonic::Code;

use crate::{
    body::{self, Response},
    catalog::Catalog,
    json::transcode,
    refusal::Refusal,
};

/// Base64 as gRPC sends `-bin` headers: standard alphabet, padding optional.
const BASE64_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A gRPC status as read from headers or trailers.
#[derive(Debug, Clone)]
pub(crate) struct GrpcStatus {
    /// The code.
    pub code: Code,
    /// The message, percent-decoded.
    pub message: String,
    /// The encoded `google.rpc.Status`, or empty.
    pub details: Bytes,
}

impl GrpcStatus {
    /// The status in `headers`, if there is one. Unlike tonic's own reader this never panics on bad
    /// details: they come from an upstream and are dropped if unreadable.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let code = Code::from_bytes(headers.get("grpc-status")?.as_bytes());
        let message = headers.get("grpc-message").map(|v| percent_decode(v.as_bytes())).unwrap_or_default();
        let details = headers
            .get("grpc-status-details-bin")
            .and_then(|v| BASE64_ANY_PADDING.decode(v.as_bytes()).ok())
            .map(Bytes::from)
            .unwrap_or_default();
        Some(Self { code, message, details })
    }

    /// The status of a gateway refusal.
    pub(crate) fn from_refusal(refusal: Refusal) -> Self {
        let status = refusal.into_status();
        Self {
            code: status.code(),
            message: status.message().to_owned(),
            details: Bytes::copy_from_slice(status.details()),
        }
    }
}

/// Connect's name of a code.
pub(crate) fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "ok",
        Code::Cancelled => "canceled",
        Code::Unknown => "unknown",
        Code::InvalidArgument => "invalid_argument",
        Code::DeadlineExceeded => "deadline_exceeded",
        Code::NotFound => "not_found",
        Code::AlreadyExists => "already_exists",
        Code::PermissionDenied => "permission_denied",
        Code::ResourceExhausted => "resource_exhausted",
        Code::FailedPrecondition => "failed_precondition",
        Code::Aborted => "aborted",
        Code::OutOfRange => "out_of_range",
        Code::Unimplemented => "unimplemented",
        Code::Internal => "internal",
        Code::Unavailable => "unavailable",
        Code::DataLoss => "data_loss",
        Code::Unauthenticated => "unauthenticated",
    }
}

/// Connect's HTTP status for a code.
pub(crate) fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => StatusCode::BAD_REQUEST,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        // 499 is nginx's "client closed request", which Connect adopted; it is a valid status code.
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[derive(Serialize)]
struct ConnectError {
    code: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<Detail>,
}

#[derive(Serialize)]
struct Detail {
    #[serde(rename = "type")]
    type_name: String,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    debug: Option<serde_json::Value>,
}

/// A Connect error response for `status`, with Connect's HTTP status unless `http` overrides it, and
/// `metadata` (non-gRPC headers and trailers of the upstream) as headers.
pub(crate) fn error_response(
    status: &GrpcStatus,
    http: Option<StatusCode>,
    metadata: &HeaderMap,
    catalog: &Catalog,
) -> Response {
    let error = ConnectError {
        code: code_name(status.code),
        message: status.message.clone(),
        details: details(&status.details, catalog),
    };
    // Serializing strings and JSON values into a Vec cannot fail.
    let json = serde_json::to_vec(&error).unwrap_or_else(|_| br#"{"code":"internal"}"#.to_vec());
    let mut response = http::Response::new(body::full(json));
    *response.status_mut() = http.unwrap_or_else(|| http_status(status.code));
    copy_metadata(metadata, response.headers_mut(), "");
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A Connect error response for a gateway refusal.
pub(crate) fn refusal_response(refusal: Refusal, http: Option<StatusCode>, catalog: &Catalog) -> Response {
    error_response(&GrpcStatus::from_refusal(refusal), http, &HeaderMap::new(), catalog)
}

/// A successful unary response: the JSON body, the upstream's headers, its trailers as `trailer-*`.
pub(crate) fn success_response(json: Vec<u8>, headers: &HeaderMap, trailers: &HeaderMap) -> Response {
    let mut response = http::Response::new(body::full(json));
    copy_metadata(headers, response.headers_mut(), "");
    copy_metadata(trailers, response.headers_mut(), "trailer-");
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The details of an encoded `google.rpc.Status`.
fn details(encoded: &[u8], catalog: &Catalog) -> Vec<Detail> {
    let Ok(status) = tonic_types::pb::Status::decode(encoded) else {
        return Vec::new();
    };
    status
        .details
        .into_iter()
        .map(|any| {
            let type_name = any.type_url.rsplit('/').next().unwrap_or_default().to_owned();
            let debug = catalog
                .message(&type_name)
                .and_then(|descriptor| DynamicMessage::decode(descriptor, &*any.value).ok())
                .and_then(|message| transcode::to_json(&message).ok())
                .and_then(|json| serde_json::from_slice(&json).ok());
            Detail { type_name, value: STANDARD_NO_PAD.encode(&any.value), debug }
        })
        .collect()
}

/// Copies call metadata, leaving out what belongs to the gRPC or HTTP framing.
fn copy_metadata(from: &HeaderMap, to: &mut HeaderMap, prefix: &str) {
    for (name, value) in from {
        let name = name.as_str();
        if name.starts_with("grpc-") || matches!(name, "content-type" | "content-length" | "te" | "trailer") {
            continue;
        }
        let Ok(name) = http::HeaderName::try_from(format!("{prefix}{name}")) else {
            continue;
        };
        to.append(name, value.clone());
    }
}

/// `grpc-message` is percent-encoded UTF-8; a bad escape is kept as written.
fn percent_decode(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if raw[i] == b'%'
            && let (Some(hi), Some(lo)) =
                (raw.get(i + 1).copied().and_then(hex), raw.get(i + 2).copied().and_then(hex))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Upstream;

    #[test]
    fn status_headers_are_read_without_trusting_them() {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-status", "3".parse().unwrap());
        headers.insert("grpc-message", "bad%20value%E4%B8%AD%zz".parse().unwrap());
        headers.insert("grpc-status-details-bin", "!!not base64!!".parse().unwrap());
        let status = GrpcStatus::from_headers(&headers).unwrap();
        assert_eq!(status.code, Code::InvalidArgument);
        assert_eq!(status.message, "bad value中%zz");
        assert!(status.details.is_empty());
        assert!(GrpcStatus::from_headers(&HeaderMap::new()).is_none());
    }

    #[test]
    fn codes_map_to_connect_names_and_http_statuses() {
        let cases = [
            (Code::InvalidArgument, "invalid_argument", 400),
            (Code::FailedPrecondition, "failed_precondition", 400),
            (Code::OutOfRange, "out_of_range", 400),
            (Code::Unauthenticated, "unauthenticated", 401),
            (Code::PermissionDenied, "permission_denied", 403),
            (Code::NotFound, "not_found", 404),
            (Code::AlreadyExists, "already_exists", 409),
            (Code::Aborted, "aborted", 409),
            (Code::ResourceExhausted, "resource_exhausted", 429),
            (Code::Cancelled, "canceled", 499),
            (Code::Unimplemented, "unimplemented", 501),
            (Code::Unavailable, "unavailable", 503),
            (Code::DeadlineExceeded, "deadline_exceeded", 504),
            (Code::Internal, "internal", 500),
            (Code::DataLoss, "data_loss", 500),
            (Code::Unknown, "unknown", 500),
        ];
        for (code, name, http) in cases {
            assert_eq!((code_name(code), http_status(code).as_u16()), (name, http), "{code:?}");
        }
    }

    #[tokio::test]
    async fn refusals_render_with_decoded_details() {
        use http_body_util::BodyExt as _;
        let catalog = Catalog::new(&[Upstream::new(
            "d",
            "http://127.0.0.1:1".parse().unwrap(),
            &["cadre.directory.v1"],
        )])
        .unwrap();
        let refusal =
            Refusal::new(Code::InvalidArgument, "INVALID_FIELD", "nope").with_violation("page_size", "bad");
        let response = refusal_response(refusal, None, &catalog);
        assert_eq!(response.status(), 400);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["code"], "invalid_argument");
        assert_eq!(json["message"], "nope");
        let details = json["details"].as_array().unwrap();
        assert_eq!(details[0]["type"], "google.rpc.ErrorInfo");
        assert_eq!(details[0]["debug"]["reason"], "INVALID_FIELD");
        assert_eq!(details[0]["debug"]["domain"], "gateway.cadre");
        assert_eq!(details[1]["type"], "google.rpc.BadRequest");
        assert_eq!(details[1]["debug"]["fieldViolations"][0]["field"], "page_size");
        assert!(!details[1]["value"].as_str().unwrap().ends_with('='));
    }
}

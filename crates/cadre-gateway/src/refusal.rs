//! Errors the gateway answers itself, in the platform's error model: a canonical code, a short English
//! message, an `ErrorInfo` in the domain `gateway.cadre`, `BadRequest` field violations where a field is at
//! fault, and a `RetryInfo` when waiting helps. They leave as gRPC trailers; the gRPC-web and JSON paths
//! translate them like any upstream status.

use std::time::Duration;

use cadre_platform::ApiError;
use tonic::Code;
use tonic_types::StatusExt as _;

use crate::{
    authn::{Denial, DenialSink},
    body::{self, Request, Response},
    extensions::{Peer, RequestId},
};

/// `ErrorInfo.domain` of every error the gateway produces.
pub const DOMAIN: &str = "gateway.cadre";

/// A call the gateway answers with an error instead of forwarding it.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    code: Code,
    reason: &'static str,
    message: String,
    violations: Vec<(String, String)>,
    retry_after: Option<Duration>,
}

impl Refusal {
    /// A refusal with a code, an UPPER_SNAKE reason and a message.
    pub(crate) fn new(code: Code, reason: &'static str, message: impl Into<String>) -> Self {
        Self { code, reason, message: message.into(), violations: Vec::new(), retry_after: None }
    }

    /// Names a field at fault.
    pub(crate) fn with_violation(mut self, field: impl Into<String>, description: impl Into<String>) -> Self {
        self.violations.push((field.into(), description.into()));
        self
    }

    /// Tells the caller how long to wait before retrying.
    pub(crate) fn with_retry_after(mut self, delay: Duration) -> Self {
        self.retry_after = Some(delay);
        self
    }

    /// The code.
    pub(crate) fn code(&self) -> Code {
        self.code
    }

    /// The reason.
    #[cfg(test)]
    pub(crate) fn reason(&self) -> &'static str {
        self.reason
    }

    /// The status, built through the platform's [`ApiError`] so that every service's errors look alike.
    pub(crate) fn into_status(self) -> tonic::Status {
        let mut error = ApiError::new(self.code, self.reason, self.message);
        for (field, description) in self.violations {
            error = error.with_violation(field, description);
        }
        let status = error.into_status(DOMAIN);
        let Some(delay) = self.retry_after else {
            return status;
        };
        let mut details = status.get_error_details();
        details.set_retry_info(Some(delay));
        tonic::Status::with_error_details(status.code(), status.message(), details)
    }

    /// A trailers-only gRPC response carrying the status.
    pub(crate) fn into_response(self) -> Response {
        grpc_response(&self.into_status())
    }

    /// Records the refusal as a denial of `request` (audit), to be answered next.
    pub(crate) fn deny(self, sink: &dyn DenialSink, request: &Request, subject: Option<String>) -> Self {
        let extensions = request.extensions();
        sink.record(Denial {
            method: request.uri().path().to_owned(),
            subject,
            peer: extensions.get::<Peer>().map(|p| p.0),
            code: self.code,
            reason: self.reason,
            request_id: extensions.get::<RequestId>().map(|id| id.0.to_string()).unwrap_or_default(),
        });
        self
    }
}

/// A trailers-only gRPC response: the status in the headers, no body.
pub(crate) fn grpc_response(status: &tonic::Status) -> Response {
    let mut response = http::Response::new(body::empty());
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/grpc"));
    response.headers_mut().extend(body::status_headers(status));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_error_info_violations_and_retry_info() {
        let status = Refusal::new(Code::ResourceExhausted, "RATE_LIMITED", "slow down")
            .with_violation("f", "bad")
            .with_retry_after(Duration::from_millis(1500))
            .into_status();
        assert_eq!(status.code(), Code::ResourceExhausted);
        let details = status.get_error_details();
        let info = details.error_info().unwrap();
        assert_eq!((info.reason.as_str(), info.domain.as_str()), ("RATE_LIMITED", DOMAIN));
        assert_eq!(details.retry_info().unwrap().retry_delay, Some(Duration::from_millis(1500)));
        assert_eq!(details.bad_request().unwrap().field_violations[0].field, "f");
    }

    #[test]
    fn responses_are_trailers_only() {
        let response = Refusal::new(Code::PermissionDenied, "X", "no").into_response();
        assert_eq!(response.headers()["grpc-status"], "7");
        assert_eq!(response.headers()["grpc-message"], "no");
        assert!(response.headers().contains_key("grpc-status-details-bin"));
    }
}

//! Who is calling, and where refused calls are recorded.
//!
//! The gateway only does the plumbing: it asks an [`Authenticator`] about every call that is not public,
//! forwards the principal it returns, and reports every call it refuses to a [`DenialSink`]. The real
//! authenticator (OIDC/JWT, signed principals) lives elsewhere and plugs in through this trait.

/// Who is calling, as the gateway forwards it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Stable subject (account id) used for per-principal rate limits and logs.
    pub subject: String,
    /// Value of the internal `x-cadre-principal` header to forward upstream (a signed, short-lived principal).
    pub principal: http::HeaderValue,
}

/// Why a caller was not authenticated.
#[derive(Debug, Clone)]
pub struct AuthFailure {
    /// The code the caller receives, normally UNAUTHENTICATED.
    pub code: tonic::Code,
    /// UPPER_SNAKE reason for the `ErrorInfo`, e.g. `TOKEN_EXPIRED`.
    pub reason: &'static str,
    /// Short English message for the caller.
    pub message: String,
}

/// Authenticates the caller of one request from its headers (e.g. `authorization: Bearer ...`).
pub trait Authenticator: Send + Sync + 'static {
    /// Authenticates the caller, or says why not. The headers are the client's, after the gateway removed
    /// the internal `x-cadre-*` headers.
    fn authenticate<'a>(
        &'a self,
        headers: &'a http::HeaderMap,
    ) -> futures::future::BoxFuture<'a, Result<Authenticated, AuthFailure>>;
}

/// Where calls the gateway refuses are recorded (audit): unauthenticated, forged header, rate limited, shed.
pub trait DenialSink: Send + Sync + 'static {
    /// Records one refused call. Called on the request's task: it must not block.
    fn record(&self, denial: Denial);
}

/// One call the gateway refused.
#[derive(Debug, Clone)]
pub struct Denial {
    /// The request path, e.g. `/cadre.directory.v1.DirectoryService/GetOrgUnit`.
    pub method: String,
    /// The authenticated subject, when the refusal came after authentication.
    pub subject: Option<String>,
    /// The client's address.
    pub peer: Option<std::net::SocketAddr>,
    /// The code the caller received.
    pub code: tonic::Code,
    /// The `ErrorInfo` reason the caller received.
    pub reason: &'static str,
    /// The request id, as returned to the caller in `x-request-id`.
    pub request_id: String,
}

/// The default sink: a structured `tracing` event with target "audit".
pub struct LogDenials;

impl DenialSink for LogDenials {
    fn record(&self, denial: Denial) {
        tracing::info!(
            target: "audit",
            method = %denial.method,
            subject = denial.subject.as_deref().unwrap_or(""),
            peer = ?denial.peer,
            code = ?denial.code,
            reason = denial.reason,
            request_id = %denial.request_id,
            "call refused by the gateway",
        );
    }
}

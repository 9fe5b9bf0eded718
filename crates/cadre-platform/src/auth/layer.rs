//! The one gate in front of every service's handlers: verify the gateway's principal, apply the method's
//! rule, hand the handler a [`Caller`], and record every refusal in the audit chain.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use tower::{Layer, Service};

use super::{AccessPolicy, PRINCIPAL_HEADER, PrincipalVerifier, REQUEST_ID_HEADER, access::Refusal};
use crate::{CallContext, Db, error::ApiError};

/// `ErrorInfo` domain of refusals made here rather than by a service's own rules.
pub const AUTH_ERROR_DOMAIN: &str = "auth.cadre";

/// Adds [`Authorize`] to a server's routes.
#[derive(Clone)]
pub struct AuthorizeLayer {
    verifier: Arc<PrincipalVerifier>,
    policy: Arc<AccessPolicy>,
    audit: Option<Db>,
}

impl std::fmt::Debug for AuthorizeLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizeLayer").field("verifier", &self.verifier).finish_non_exhaustive()
    }
}

impl AuthorizeLayer {
    /// Verifies principals with `verifier`, decides with `policy`, and records refusals in `audit`'s chain.
    pub fn new(verifier: Arc<PrincipalVerifier>, policy: AccessPolicy, audit: Option<Db>) -> Self {
        Self { verifier, policy: Arc::new(policy), audit }
    }
}

impl<S> Layer<S> for AuthorizeLayer {
    type Service = Authorize<S>;

    fn layer(&self, inner: S) -> Authorize<S> {
        Authorize { inner, layer: self.clone() }
    }
}

/// The authorizing service.
#[derive(Clone, Debug)]
pub struct Authorize<S> {
    inner: S,
    layer: AuthorizeLayer,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Probes and discovery carry no principal: a kubelet has none, and the schema is the public contract.
fn unguarded(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.Health/") || path.starts_with("/grpc.reflection.")
}

fn header<'a>(headers: &'a http::HeaderMap, key: &str) -> Option<&'a str> {
    headers.get(key).and_then(|v| v.to_str().ok())
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for Authorize<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        let path = request.uri().path().to_owned();
        if unguarded(&path) {
            return Box::pin(self.inner.call(request));
        }
        let request_id = header(request.headers(), REQUEST_ID_HEADER).unwrap_or_default().to_owned();
        let verified = match header(request.headers(), PRINCIPAL_HEADER) {
            None => Ok(None),
            Some(token) => self.layer.verifier.verify(token).map(|(principal, _)| Some(principal)),
        };
        let (actor, decision) = match verified {
            Err(error) => (
                "unverified".to_owned(),
                Err(Refusal {
                    code: tonic::Code::Unauthenticated,
                    reason: error.reason(),
                    message: error.to_string(),
                }),
            ),
            Ok(principal) => {
                let actor = principal.as_ref().map_or_else(|| "anonymous".to_owned(), |p| p.subject.clone());
                (actor, self.layer.policy.decide(&path, principal))
            }
        };
        match decision {
            Ok(caller) => {
                if let Some(mut caller) = caller {
                    tracing::Span::current().record("caller", caller.principal.subject.as_str());
                    caller.request_id = request_id;
                    request.extensions_mut().insert(caller);
                }
                Box::pin(self.inner.call(request))
            }
            Err(refusal) => {
                tracing::info!(method = %path, %actor, reason = refusal.reason, "call refused");
                if let Some(db) = &self.layer.audit {
                    record_refusal(db.clone(), actor, path, request_id, refusal.reason);
                }
                let status = ApiError::new(refusal.code, refusal.reason, refusal.message)
                    .into_status(AUTH_ERROR_DOMAIN);
                Box::pin(std::future::ready(Ok(status.into_http())))
            }
        }
    }
}

/// Appends a refusal to the audit chain off the request path: the caller's answer does not wait for it, and
/// a failure to record is logged loudly rather than turned into a different answer.
fn record_refusal(db: Db, actor: String, method: String, request_id: String, reason: &'static str) {
    tokio::spawn(async move {
        let ctx = CallContext::system(&actor);
        if let Err(error) = db.audit_refusal(ctx, method, "", "", reason, request_id).await {
            tracing::error!(%error, "could not audit a refused call");
        }
    });
}

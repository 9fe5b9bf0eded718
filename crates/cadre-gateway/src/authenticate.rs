//! Authentication in front of every upstream.
//!
//! Every call is authenticated unless its method is public (configured, or the gateway's own health and
//! reflection). An authenticated call carries the principal upstream in `x-cadre-principal`; a public one
//! carries none, the client's having been stripped before. A call that fails never reaches an upstream.

use std::{
    collections::HashSet,
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
};

use tonic::Code;
use tower::{Layer, Service};

use crate::{
    authn::{Authenticator, DenialSink},
    body::{Request, Response},
    extensions::{RequestSpan, Subject},
    hygiene::PRINCIPAL_HEADER,
    refusal::Refusal,
    resolve::{Destination, Route},
    stack::{self, Inner, ResponseFuture},
};

/// Adds [`Authenticate`] to a service.
#[derive(Clone)]
pub(crate) struct AuthenticateLayer {
    authenticator: Arc<dyn Authenticator>,
    public: Arc<HashSet<String>>,
    denials: Arc<dyn DenialSink>,
}

impl AuthenticateLayer {
    /// Authenticates with `authenticator` every call but those to `public` paths.
    pub(crate) fn new(
        authenticator: Arc<dyn Authenticator>,
        public: &[String],
        denials: Arc<dyn DenialSink>,
    ) -> Self {
        Self { authenticator, public: Arc::new(public.iter().cloned().collect()), denials }
    }
}

impl<S> Layer<S> for AuthenticateLayer {
    type Service = Authenticate<S>;

    fn layer(&self, inner: S) -> Authenticate<S> {
        Authenticate { inner, layer: self.clone() }
    }
}

/// The authenticating service.
#[derive(Clone)]
pub(crate) struct Authenticate<S> {
    inner: S,
    layer: AuthenticateLayer,
}

impl<S: Inner> Service<Request> for Authenticate<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> ResponseFuture {
        let local = request.extensions().get::<Route>().is_some_and(|r| r.destination == Destination::Local);
        if local || self.layer.public.contains(request.uri().path()) {
            return stack::forward(self.inner.clone(), request);
        }
        let layer = self.layer.clone();
        let inner = self.inner.clone();
        Box::pin(async move {
            match layer.authenticator.authenticate(request.headers()).await {
                Ok(caller) => {
                    if let Some(span) = request.extensions().get::<RequestSpan>() {
                        span.0.record("subject", caller.subject.as_str());
                    }
                    request.headers_mut().insert(PRINCIPAL_HEADER, caller.principal);
                    request.extensions_mut().insert(Subject(caller.subject));
                    Ok(stack::call(inner, request).await)
                }
                Err(failure) => {
                    // A failure reported as OK would end the call without an answer: refuse it properly.
                    let code = if failure.code == Code::Ok { Code::Unauthenticated } else { failure.code };
                    let refusal = Refusal::new(code, failure.reason, failure.message);
                    Ok(refusal.deny(&*layer.denials, &request, None).into_response())
                }
            }
        })
    }
}

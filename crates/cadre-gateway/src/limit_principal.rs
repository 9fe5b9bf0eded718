//! The per-principal rate limit, after authentication so that the key is a subject the authenticator
//! vouched for, not a claim of the client. Public calls have no principal; the per-address limit covers
//! them.

use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use tonic::Code;
use tower::{Layer, Service};

use crate::{
    authn::DenialSink,
    body::{Request, Response},
    extensions::Subject,
    options::RateLimit,
    rate_limit::KeyedLimiter,
    refusal::Refusal,
    stack::{self, Inner, ResponseFuture},
};

/// Adds [`PrincipalLimit`] to a service.
#[derive(Clone)]
pub(crate) struct PrincipalLimitLayer {
    limiter: Option<Arc<KeyedLimiter<String>>>,
    denials: Arc<dyn DenialSink>,
}

impl PrincipalLimitLayer {
    /// Limits each subject to `limit`, recording refusals in `denials`.
    pub(crate) fn new(limit: RateLimit, denials: Arc<dyn DenialSink>) -> Self {
        Self { limiter: KeyedLimiter::new(limit).map(Arc::new), denials }
    }

    /// The limiter, for periodic sweeps.
    pub(crate) fn limiter(&self) -> Option<Arc<KeyedLimiter<String>>> {
        self.limiter.clone()
    }
}

impl<S> Layer<S> for PrincipalLimitLayer {
    type Service = PrincipalLimit<S>;

    fn layer(&self, inner: S) -> PrincipalLimit<S> {
        PrincipalLimit { inner, layer: self.clone() }
    }
}

/// The limiting service.
#[derive(Clone)]
pub(crate) struct PrincipalLimit<S> {
    inner: S,
    layer: PrincipalLimitLayer,
}

impl<S: Inner> Service<Request> for PrincipalLimit<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> ResponseFuture {
        if let Some(limiter) = &self.layer.limiter
            && let Some(subject) = request.extensions().get::<Subject>()
            && let Err(wait) = limiter.check(&subject.0, Instant::now())
        {
            let subject = subject.0.clone();
            let refusal = Refusal::new(
                Code::ResourceExhausted,
                "RATE_LIMITED",
                format!("too many calls from this account: retry in {} ms", wait.as_millis()),
            )
            .with_retry_after(wait);
            return stack::answer(
                refusal.deny(&*self.layer.denials, &request, Some(subject)).into_response(),
            );
        }
        stack::forward(self.inner.clone(), request)
    }
}

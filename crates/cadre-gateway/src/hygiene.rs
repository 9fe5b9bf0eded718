//! Internal headers never come from outside.
//!
//! `x-cadre-*` headers are how the suite's services talk about a call among themselves (the signed
//! principal, the acting account), so the gateway removes every one a client sent. The one exception is
//! `x-cadre-source`, which is how a client picks whose event feed it watches. A client that sends the
//! principal header itself is refused outright rather than silently cleaned: it is either broken or trying
//! to impersonate someone, and either way the audit trail should say so.

use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
};

use tonic::Code;
use tower::{Layer, Service};

use crate::{
    authn::DenialSink,
    body::{Request, Response},
    refusal::Refusal,
    stack::{self, Inner, ResponseFuture},
};

/// The signed principal the gateway forwards.
pub const PRINCIPAL_HEADER: &str = "x-cadre-principal";
/// Names the upstream whose event feed a call watches.
pub const SOURCE_HEADER: &str = "x-cadre-source";
/// Prefix of every internal header.
const INTERNAL_PREFIX: &str = "x-cadre-";

/// Adds [`Hygiene`] to a service.
#[derive(Clone)]
pub(crate) struct HygieneLayer {
    denials: Arc<dyn DenialSink>,
}

impl HygieneLayer {
    /// Records refusals in `denials`.
    pub(crate) fn new(denials: Arc<dyn DenialSink>) -> Self {
        Self { denials }
    }
}

impl<S> Layer<S> for HygieneLayer {
    type Service = Hygiene<S>;

    fn layer(&self, inner: S) -> Hygiene<S> {
        Hygiene { inner, layer: self.clone() }
    }
}

/// The cleaning service.
#[derive(Clone)]
pub(crate) struct Hygiene<S> {
    inner: S,
    layer: HygieneLayer,
}

impl<S: Inner> Service<Request> for Hygiene<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> ResponseFuture {
        if request.headers().contains_key(PRINCIPAL_HEADER) {
            let refusal = Refusal::new(
                Code::PermissionDenied,
                "FORGED_INTERNAL_HEADER",
                format!("the {PRINCIPAL_HEADER} header is set by the gateway only"),
            );
            return stack::answer(refusal.deny(&*self.layer.denials, &request, None).into_response());
        }
        strip_internal(request.headers_mut());
        stack::forward(self.inner.clone(), request)
    }
}

/// Removes every `x-cadre-*` header but `x-cadre-source`.
pub(crate) fn strip_internal(headers: &mut http::HeaderMap) {
    let internal: Vec<http::HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with(INTERNAL_PREFIX) && name.as_str() != SOURCE_HEADER)
        .cloned()
        .collect();
    for name in internal {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_headers_are_stripped_but_the_source() {
        let mut headers = http::HeaderMap::new();
        for (k, v) in
            [("x-cadre-actor", "a"), ("x-cadre-on-behalf-of", "b"), ("x-cadre-source", "c"), ("x-other", "d")]
        {
            headers.append(k, v.parse().unwrap());
        }
        headers.append("x-cadre-actor", "again".parse().unwrap());
        strip_internal(&mut headers);
        let mut left: Vec<_> = headers.keys().map(|k| k.as_str()).collect();
        left.sort();
        assert_eq!(left, ["x-cadre-source", "x-other"]);
    }
}

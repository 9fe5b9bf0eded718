//! What every inner layer requires of the service it wraps, so that each layer file states it once.
//!
//! Inner services never fail (errors are gRPC responses) and are always ready (limits are enforced by
//! answering, not by back-pressure), so a layer clones its inner service per call and drives the clone with
//! `oneshot`, which keeps tower's ready-then-call contract.

use std::convert::Infallible;

use tower::{Service, ServiceExt as _};

use crate::body::{BoxFuture, Request, Response};

/// A service a layer can wrap.
pub(crate) trait Inner:
    Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> Inner for S where
    S: Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// The future every layer returns.
pub(crate) type ResponseFuture = BoxFuture<Result<Response, Infallible>>;

/// Hands `request` on to `inner`, as the layer's answer.
pub(crate) fn forward<S: Inner>(inner: S, request: Request) -> ResponseFuture {
    Box::pin(inner.oneshot(request))
}

/// Answers at once, without calling further in.
pub(crate) fn answer(response: Response) -> ResponseFuture {
    Box::pin(std::future::ready(Ok(response)))
}

/// Calls `inner` once with `request`.
pub(crate) async fn call<S: Inner>(inner: S, request: Request) -> Response {
    match inner.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

//! The innermost service: the gateway's own services, or the upstream the call was routed to.

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use tonic::Code;
use tower::Service;

use crate::{
    body::{Request, Response},
    local::Local,
    proxy::Proxy,
    refusal::Refusal,
    resolve::{Destination, Route},
    stack::{self, ResponseFuture},
};

/// Sends each call where [`crate::resolve`] routed it.
#[derive(Clone)]
pub(crate) struct Dispatch {
    local: Local,
    proxy: Proxy,
}

impl Dispatch {
    /// Dispatches to `local` or through `proxy`.
    pub(crate) fn new(local: Local, proxy: Proxy) -> Self {
        Self { local, proxy }
    }
}

impl Service<Request> for Dispatch {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> ResponseFuture {
        match request.extensions().get::<Route>().map(|r| r.destination) {
            Some(Destination::Local) => self.local.call(request),
            Some(Destination::Upstream(index)) => {
                let proxy = self.proxy.clone();
                Box::pin(async move { Ok(proxy.forward(index, request).await) })
            }
            // Only reachable if the stack were assembled without the resolving layer.
            None => stack::answer(Refusal::new(Code::Internal, "UNROUTED", "routing error").into_response()),
        }
    }
}

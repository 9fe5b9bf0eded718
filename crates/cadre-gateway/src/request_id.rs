//! Request ids: every call has one, returned to the client in `x-request-id`, forwarded upstream and
//! recorded in the request's span. A client's own id is kept when it is 1-64 characters of
//! `[A-Za-z0-9._-]` (what a log line or a header can carry safely); anything else is replaced by a new
//! UUIDv7, which sorts by time.

use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
};

use http::HeaderValue;
use tower::{Layer, Service};

use crate::{
    body::{Request, Response},
    extensions::RequestId,
    stack::{self, Inner, ResponseFuture},
};

/// The request id header.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Adds [`AssignRequestId`] to a service.
#[derive(Clone, Copy, Default)]
pub(crate) struct RequestIdLayer;

impl<S> Layer<S> for RequestIdLayer {
    type Service = AssignRequestId<S>;

    fn layer(&self, inner: S) -> AssignRequestId<S> {
        AssignRequestId { inner }
    }
}

/// The id-assigning service.
#[derive(Clone)]
pub(crate) struct AssignRequestId<S> {
    inner: S,
}

impl<S: Inner> Service<Request> for AssignRequestId<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> ResponseFuture {
        let id: Arc<str> = match request.headers().get(REQUEST_ID_HEADER).and_then(client_id) {
            Some(id) => id.into(),
            None => uuid::Uuid::now_v7().to_string().into(),
        };
        // Both forms are checked header-safe: the client's by `client_id`, a UUID by construction.
        let value = HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("invalid"));
        request.headers_mut().insert(REQUEST_ID_HEADER, value.clone());
        request.extensions_mut().insert(RequestId(id));
        let inner = self.inner.clone();
        Box::pin(async move {
            let mut response = stack::call(inner, request).await;
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
            Ok(response)
        })
    }
}

/// The client's id, if acceptable.
fn client_id(value: &HeaderValue) -> Option<&str> {
    let id = value.to_str().ok()?;
    let ok = (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_ids_are_kept() {
        let ok = |s: &str| client_id(&HeaderValue::from_str(s).unwrap()).is_some();
        assert!(ok("abc-123_X.y"));
        assert!(ok(&"a".repeat(64)));
        assert!(!ok(&"a".repeat(65)));
        assert!(!ok(""));
        assert!(!ok("has space"));
        assert!(!ok("semi;colon"));
        assert!(client_id(&HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap()).is_none());
    }
}

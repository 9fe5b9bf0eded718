//! The one body type every layer speaks, and the two wrappers the layers put around response streams.
//!
//! Every layer takes and returns `http::Request<BoxBody>` / `http::Response<BoxBody>`, so that they stack
//! in any order and the gRPC, gRPC-web and JSON paths share them.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt as _, Empty, Full, combinators::UnsyncBoxBody};

/// Any error, boxed.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a body broke. A named type rather than a bare `BoxError`, because rustc loses the `'static` of a
/// boxed trait object inside the request type when proving async blocks `Send`.
#[derive(Debug)]
pub(crate) struct BodyError(BoxError);

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl From<&str> for BodyError {
    fn from(message: &str) -> Self {
        Self(message.into())
    }
}

/// A streamed request or response body.
pub(crate) type BoxBody = UnsyncBoxBody<Bytes, BodyError>;

/// A boxed, sendable future.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A request as the layers see it.
pub(crate) type Request = http::Request<BoxBody>;

/// A response as the layers produce it.
pub(crate) type Response = http::Response<BoxBody>;

/// Boxes any body with `Bytes` chunks.
pub(crate) fn boxed<B>(body: B) -> BoxBody
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(|e| BodyError(e.into())).boxed_unsync()
}

/// A body without content.
pub(crate) fn empty() -> BoxBody {
    boxed(Empty::<Bytes>::new().map_err(|never| match never {}))
}

/// A body of one chunk.
pub(crate) fn full(bytes: impl Into<Bytes>) -> BoxBody {
    boxed(Full::new(bytes.into()).map_err(|never| match never {}))
}

/// The `grpc-status`, `grpc-message` and `grpc-status-details-bin` headers of `status`.
pub(crate) fn status_headers(status: &tonic::Status) -> HeaderMap {
    let mut headers = HeaderMap::new();
    // Only fails on a message or metadata that is not a valid header value; our messages are
    // percent-encoded by tonic and carry no metadata, so a failure leaves the code alone.
    if status.add_header(&mut headers).is_err() {
        headers.insert("grpc-status", http::HeaderValue::from(status.code() as i32));
    }
    headers
}

/// Whether a gRPC response is trailers-only: its status is already in the headers and its body is empty.
pub(crate) fn is_trailers_only(headers: &HeaderMap) -> bool {
    headers.contains_key("grpc-status")
}

pin_project_lite::pin_project! {
    /// A response stream that a layer may end early with a status of its own (deadline passed, request
    /// message too large), sent as the trailers. Once the inner stream sent its trailers, nothing is added.
    pub(crate) struct Interruptible {
        #[pin]
        inner: BoxBody,
        trigger: Option<BoxFuture<tonic::Status>>,
        ended: bool,
    }
}

impl Interruptible {
    /// Wraps `inner`; when `trigger` resolves first, the stream ends with its status.
    pub(crate) fn new(inner: BoxBody, trigger: BoxFuture<tonic::Status>) -> Self {
        Self { inner, trigger: Some(trigger), ended: false }
    }
}

impl Body for Interruptible {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.project();
        if *this.ended {
            return Poll::Ready(None);
        }
        if let Some(trigger) = this.trigger.as_mut()
            && let Poll::Ready(status) = trigger.as_mut().poll(cx)
        {
            *this.ended = true;
            *this.trigger = None;
            return Poll::Ready(Some(Ok(Frame::trailers(status_headers(&status)))));
        }
        match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if frame.is_trailers() {
                    *this.ended = true;
                    *this.trigger = None;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(None) => {
                *this.ended = true;
                *this.trigger = None;
                Poll::Ready(None)
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        // An early end may add trailers but never data, so the inner hint stays an upper bound on data only
        // when nothing interrupts; say nothing exact.
        let mut hint = SizeHint::new();
        hint.set_lower(0);
        if let Some(upper) = self.inner.size_hint().upper() {
            hint.set_upper(upper);
        }
        hint
    }
}

/// How a response stream ended.
pub(crate) enum End<'a> {
    /// With trailers (a gRPC status).
    Trailers(&'a HeaderMap),
    /// Without trailers: a trailers-only response, or a broken stream.
    Finished,
    /// Dropped before its end: the client went away.
    Dropped,
}

/// What runs once a stream ends.
pub(crate) type OnEndFn = Box<dyn FnOnce(End<'_>) + Send>;

pin_project_lite::pin_project! {
    /// Runs a callback once, when the response stream ends or is dropped: releases a concurrency permit,
    /// records the call's outcome. Streams count as in flight until their end, not until their headers.
    pub(crate) struct OnEnd {
        #[pin]
        inner: BoxBody,
        on_end: Option<OnEndFn>,
    }

    impl PinnedDrop for OnEnd {
        fn drop(this: Pin<&mut Self>) {
            if let Some(on_end) = this.project().on_end.take() {
                on_end(End::Dropped);
            }
        }
    }
}

impl OnEnd {
    /// Wraps `inner`, running `on_end` once at its end.
    pub(crate) fn new(inner: BoxBody, on_end: OnEndFn) -> Self {
        Self { inner, on_end: Some(on_end) }
    }
}

impl Body for OnEnd {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.project();
        let polled = this.inner.poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref()
                    && let Some(on_end) = this.on_end.take()
                {
                    on_end(End::Trailers(trailers));
                }
            }
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => {
                if let Some(on_end) = this.on_end.take() {
                    on_end(End::Finished);
                }
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test]
    async fn an_interrupt_ends_the_stream_with_its_status() {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (sender, frames) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, BoxError>>(4);
        let inner = http_body_util::StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(frames));
        sender.send(Ok(Frame::data(Bytes::from_static(b"one")))).await.unwrap();
        let trigger: BoxFuture<tonic::Status> = Box::pin(async move {
            let _ = rx.await;
            tonic::Status::deadline_exceeded("late")
        });
        let mut body = Interruptible::new(boxed(inner), trigger);
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), "one");
        tx.send(()).unwrap();
        let trailers = body.frame().await.unwrap().unwrap().into_trailers().unwrap();
        assert_eq!(trailers.get("grpc-status").unwrap(), "4");
        assert!(body.frame().await.is_none());
        drop(sender);
    }

    #[tokio::test]
    async fn on_end_runs_once_with_the_trailers_or_on_drop() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = |seen: Arc<Mutex<Vec<String>>>| -> OnEndFn {
            Box::new(move |end| {
                let what = match end {
                    End::Trailers(t) => format!("trailers {:?}", t.get("grpc-status")),
                    End::Finished => "finished".to_owned(),
                    End::Dropped => "dropped".to_owned(),
                };
                seen.lock().unwrap().push(what);
            })
        };
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", "0".parse().unwrap());
        let inner = boxed(http_body_util::StreamBody::new(futures::stream::iter([
            Ok::<_, BoxError>(Frame::data(Bytes::from_static(b"x"))),
            Ok(Frame::trailers(trailers)),
        ])));
        let body = OnEnd::new(inner, record(seen.clone()));
        body.collect().await.unwrap();
        drop(OnEnd::new(empty(), record(seen.clone())));
        assert_eq!(*seen.lock().unwrap(), ["trailers Some(\"0\")", "dropped"]);
    }
}

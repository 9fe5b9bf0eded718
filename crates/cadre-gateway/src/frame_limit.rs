//! Size limits on what clients send, enforced as the request streams.
//!
//! The body is never buffered: the message headers are read as chunks pass, and the first message that
//! declares more than the limit stops the call with RESOURCE_EXHAUSTED (reason `MESSAGE_TOO_LARGE`) before
//! its content reaches the upstream. The limit is on a message as sent, so a compressed message is
//! measured compressed; the upstream enforces its own limit on the decompressed size. gRPC-web calls are
//! unary or server-streaming, so their whole body is limited as well.
//!
//! Stopping an upload means failing the body the upstream reads; the status the client sees is decided
//! here, not by however the upstream reacts to the broken stream.

use std::{
    convert::Infallible,
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::oneshot;
use tonic::Code;
use tower::{Layer, Service};

use crate::{
    body::{self, BodyError, BoxBody, Interruptible, Request, Response},
    extensions::Protocol,
    framing::{self, HeaderReader},
    refusal::Refusal,
    stack::{self, Inner, ResponseFuture},
};

/// Adds [`FrameLimit`] to a service.
#[derive(Clone, Copy)]
pub(crate) struct FrameLimitLayer {
    max_message: usize,
}

impl FrameLimitLayer {
    /// Refuses messages over `max_message` bytes.
    pub(crate) fn new(max_message: usize) -> Self {
        Self { max_message }
    }
}

impl<S> Layer<S> for FrameLimitLayer {
    type Service = FrameLimit<S>;

    fn layer(&self, inner: S) -> FrameLimit<S> {
        FrameLimit { inner, max_message: self.max_message }
    }
}

/// The limiting service.
#[derive(Clone)]
pub(crate) struct FrameLimit<S> {
    inner: S,
    max_message: usize,
}

impl<S: Inner> Service<Request> for FrameLimit<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> ResponseFuture {
        // gRPC-web calls send one message (unary or server-streaming), so the whole body is limited too.
        let max_total = match request.extensions().get::<Protocol>() {
            Some(Protocol::GrpcWeb) => Some(self.max_message.saturating_add(framing::HEADER_LEN)),
            _ => None,
        };
        let (violated, violation) = oneshot::channel();
        let limits =
            Limits { max_message: self.max_message, max_total, trust_size_hint: max_total.is_none() };
        let request = request.map(|b| body::boxed(Limited::new(b, limits, violated)));
        let inner = self.inner.clone();
        Box::pin(async move {
            // `None` once the request body ended within its limits: nothing will interrupt any more.
            let mut violation = Some(violation);
            let call = stack::call(inner, request);
            tokio::pin!(call);
            let response = loop {
                tokio::select! {
                    biased;
                    outcome = async { violation.as_mut()?.await.ok() }, if violation.is_some() => match outcome {
                        Some(refusal) => return Ok(refusal.into_response()),
                        None => violation = None,
                    },
                    response = &mut call => break response,
                }
            };
            // The upstream may have answered because the body broke: the broken limit is the real cause.
            if let Some(receiver) = violation.as_mut() {
                match receiver.try_recv() {
                    Ok(refusal) => return Ok(refusal.into_response()),
                    Err(oneshot::error::TryRecvError::Closed) => violation = None,
                    Err(oneshot::error::TryRecvError::Empty) => {}
                }
            }
            let Some(receiver) = violation else {
                return Ok(response);
            };
            if body::is_trailers_only(response.headers()) {
                return Ok(response);
            }
            Ok(response.map(|b| {
                body::boxed(Interruptible::new(
                    b,
                    Box::pin(async move {
                        match receiver.await {
                            Ok(refusal) => refusal.into_status(),
                            // The request ended within its limits: nothing will interrupt.
                            Err(_) => std::future::pending().await,
                        }
                    }),
                ))
            }))
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    max_message: usize,
    max_total: Option<usize>,
    /// Whether the inner body's size hint is its true size. Not after tonic-web decoded base64 text: it
    /// passes the encoded length on, and hyper would send it upstream as a wrong `content-length`.
    trust_size_hint: bool,
}

pin_project_lite::pin_project! {
    /// A request body that fails at the first message over the limit, after telling the layer why.
    struct Limited {
        #[pin]
        inner: BoxBody,
        limits: Limits,
        reader: HeaderReader,
        total: usize,
        violated: Option<oneshot::Sender<Refusal>>,
    }
}

impl Limited {
    fn new(inner: BoxBody, limits: Limits, violated: oneshot::Sender<Refusal>) -> Self {
        Self { inner, limits, reader: HeaderReader::default(), total: 0, violated: Some(violated) }
    }
}

impl Body for Limited {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.project();
        if this.violated.is_none() {
            return Poll::Ready(Some(Err("request over the size limit".into())));
        }
        let frame = match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            other => return other,
        };
        if let Some(data) = frame.data_ref() {
            let limits = *this.limits;
            *this.total = this.total.saturating_add(data.len());
            let mut outcome = match limits.max_total {
                Some(max) if *this.total > max => Err(too_large(max, "request body")),
                _ => Ok(()),
            };
            if outcome.is_ok() {
                outcome = this.reader.read(data, |len| {
                    if len > limits.max_message {
                        Err(too_large(limits.max_message, "message"))
                    } else {
                        Ok(())
                    }
                });
            }
            if let Err(refusal) = outcome {
                if let Some(violated) = this.violated.take() {
                    let _ = violated.send(refusal);
                }
                return Poll::Ready(Some(Err("request over the size limit".into())));
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        if self.limits.trust_size_hint { self.inner.size_hint() } else { SizeHint::default() }
    }
}

fn too_large(max: usize, what: &str) -> Refusal {
    Refusal::new(
        Code::ResourceExhausted,
        "MESSAGE_TOO_LARGE",
        format!("the {what} is larger than {max} bytes"),
    )
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    use super::*;

    /// An upstream that reads the whole request, then answers with how much it got.
    fn reader() -> impl Inner {
        tower::service_fn(|request: Request| async move {
            let got = request.into_body().collect().await.map(|c| c.to_bytes().len());
            let mut response = http::Response::new(body::empty());
            response.headers_mut().insert("x-read", format!("{got:?}").parse().unwrap());
            Ok::<_, Infallible>(response)
        })
    }

    fn call_with(message_len: usize, protocol: Protocol) -> Request {
        let framed = framing::encode(&vec![1; message_len]).unwrap();
        let mut request = http::Request::post("/a.B/C").body(body::full(framed)).unwrap();
        request.extensions_mut().insert(protocol);
        request
    }

    #[tokio::test]
    async fn messages_within_the_limit_pass_and_larger_ones_are_refused() {
        let svc = FrameLimitLayer::new(100).layer(reader());
        let ok = svc.clone().oneshot(call_with(100, Protocol::Grpc)).await.unwrap();
        assert_eq!(ok.headers()["x-read"], "Ok(105)");
        let refused = svc.oneshot(call_with(101, Protocol::Grpc)).await.unwrap();
        assert_eq!(refused.headers()["grpc-status"], "8");
    }

    #[tokio::test]
    async fn grpc_web_bodies_are_limited_as_a_whole() {
        let svc = FrameLimitLayer::new(100).layer(reader());
        let two = [framing::encode(&[1; 60]).unwrap(), framing::encode(&[1; 60]).unwrap()].concat();
        let mut request = http::Request::post("/a.B/C").body(body::full(two)).unwrap();
        request.extensions_mut().insert(Protocol::GrpcWeb);
        let refused = svc.oneshot(request).await.unwrap();
        assert_eq!(refused.headers()["grpc-status"], "8");
    }
}

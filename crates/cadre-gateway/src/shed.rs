//! Global concurrency limit with load shedding.
//!
//! Past a fixed number of calls in flight, a call gets RESOURCE_EXHAUSTED (reason `OVERLOADED`) at once
//! instead of queueing, so admitted calls keep their latency and clients back off. A call counts until its
//! response stream ends, not until its headers: a stream holds an upstream connection slot and buffers for
//! all its life. Health checks and reflection are never shed, as in the platform's servers. Shedding
//! comes before any protocol work (a JSON body is not even read), so that overload costs little.

use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
};

use tokio::sync::Semaphore;
use tonic::Code;
use tower::{Layer, Service};

use crate::{
    authn::DenialSink,
    body::{self, OnEnd, Request, Response},
    catalog,
    refusal::Refusal,
    respond::Responder,
    stack::{self, Inner, ResponseFuture},
};

/// Adds [`Shed`] to a service.
#[derive(Clone)]
pub(crate) struct ShedLayer {
    permits: Arc<Semaphore>,
    denials: Arc<dyn DenialSink>,
    responder: Responder,
}

impl ShedLayer {
    /// Admits at most `max_in_flight` calls at once.
    pub(crate) fn new(max_in_flight: usize, denials: Arc<dyn DenialSink>, responder: Responder) -> Self {
        Self { permits: Arc::new(Semaphore::new(max_in_flight)), denials, responder }
    }
}

impl<S> Layer<S> for ShedLayer {
    type Service = Shed<S>;

    fn layer(&self, inner: S) -> Shed<S> {
        Shed { inner, layer: self.clone() }
    }
}

/// The shedding service.
#[derive(Clone)]
pub(crate) struct Shed<S> {
    inner: S,
    layer: ShedLayer,
}

impl<S: Inner> Service<Request> for Shed<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> ResponseFuture {
        if catalog::is_local(request.uri().path()) {
            return stack::forward(self.inner.clone(), request);
        }
        let Ok(permit) = self.layer.permits.clone().try_acquire_owned() else {
            self.layer.responder.metrics().rpcs_shed.inc();
            let refusal = Refusal::new(
                Code::ResourceExhausted,
                "OVERLOADED",
                "the gateway is overloaded: retry with backoff",
            )
            .deny(&*self.layer.denials, &request, None);
            return stack::answer(self.layer.responder.refuse(&request, refusal));
        };
        let inner = self.inner.clone();
        Box::pin(async move {
            let response = stack::call(inner, request).await;
            Ok(response.map(|b| body::boxed(OnEnd::new(b, Box::new(move |_| drop(permit))))))
        })
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt as _;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    use cadre_platform::telemetry::Metrics;

    use super::*;
    use crate::{authn::LogDenials, catalog::Catalog};

    fn post(path: &str) -> Request {
        http::Request::post(path).header("content-type", "application/grpc").body(body::empty()).unwrap()
    }

    #[tokio::test]
    async fn sheds_while_a_stream_is_open_and_admits_after_it_ends() {
        let (tx, rx) = tokio::sync::mpsc::channel::<()>(1);
        let rx = Arc::new(tokio::sync::Mutex::new(Some(rx)));
        let inner = tower::service_fn(move |_: Request| {
            let rx = rx.clone();
            async move {
                // The first call streams until the test closes the channel.
                let body = match rx.lock().await.take() {
                    Some(rx) => body::boxed(http_body_util::StreamBody::new(
                        tokio_stream::wrappers::ReceiverStream::new(rx)
                            .map(|()| Ok::<_, body::BoxError>(http_body::Frame::data(bytes::Bytes::new()))),
                    )),
                    None => body::empty(),
                };
                Ok::<_, Infallible>(http::Response::new(body))
            }
        });
        let metrics = Metrics::default();
        let catalog = Arc::new(Catalog::new(&[]).unwrap());
        let svc =
            ShedLayer::new(1, Arc::new(LogDenials), Responder::new(catalog, metrics.clone())).layer(inner);
        let streaming = svc.clone().oneshot(post("/a.B/Stream")).await.unwrap();
        let shed = svc.clone().oneshot(post("/a.B/C")).await.unwrap();
        assert_eq!(shed.headers()["grpc-status"], "8");
        let health = svc.clone().oneshot(post("/grpc.health.v1.Health/Check")).await.unwrap();
        assert!(!health.headers().contains_key("grpc-status"), "health checks are never shed");
        drop(tx);
        streaming.into_body().collect().await.unwrap();
        let admitted = svc.oneshot(post("/a.B/C")).await.unwrap();
        assert!(!admitted.headers().contains_key("grpc-status"));
        assert_eq!(metrics.rpcs_shed.get(), 1);
    }
}

//! Load shedding: past a fixed number of requests in flight, a request is answered at once with
//! RESOURCE_EXHAUSTED instead of queueing, so admitted requests keep their latency. Health checks are never
//! shed: a probe that fails under load would get a busy pod restarted.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use tokio::sync::Semaphore;
use tower::{Layer, Service};

use crate::telemetry::Metrics;

/// Adds [`Shed`] to a service.
#[derive(Clone)]
pub struct ShedLayer {
    permits: Arc<Semaphore>,
    metrics: Metrics,
}

impl ShedLayer {
    /// Admits at most `max_in_flight` requests at once.
    pub fn new(max_in_flight: usize, metrics: Metrics) -> Self {
        Self { permits: Arc::new(Semaphore::new(max_in_flight)), metrics }
    }
}

impl<S> Layer<S> for ShedLayer {
    type Service = Shed<S>;

    fn layer(&self, inner: S) -> Shed<S> {
        Shed { inner, permits: self.permits.clone(), metrics: self.metrics.clone() }
    }
}

/// The shedding service.
#[derive(Clone)]
pub struct Shed<S> {
    inner: S,
    permits: Arc<Semaphore>,
    metrics: Metrics,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for Shed<S>
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

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        if request.uri().path().starts_with("/grpc.health.v1.Health/") {
            return Box::pin(self.inner.call(request));
        }
        match self.permits.clone().try_acquire_owned() {
            Ok(permit) => {
                let response = self.inner.call(request);
                Box::pin(async move {
                    let result = response.await;
                    drop(permit);
                    result
                })
            }
            Err(_) => {
                self.metrics.rpcs_shed.inc();
                let status = tonic::Status::resource_exhausted("server overloaded: retry with backoff");
                Box::pin(std::future::ready(Ok(status.into_http())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tower::ServiceExt as _;

    use super::*;

    #[tokio::test]
    async fn sheds_beyond_the_limit_but_never_health_checks() {
        let (release_tx, release_rx) = tokio::sync::watch::channel(false);
        let slow = tower::service_fn(move |_req: http::Request<()>| {
            let mut release = release_rx.clone();
            async move {
                let _ = release.wait_for(|r| *r).await;
                Ok::<_, Infallible>(http::Response::new(String::from("done")))
            }
        });
        let metrics = Metrics::default();
        let svc = ShedLayer::new(1, metrics.clone()).layer(slow);
        let first = tokio::spawn(svc.clone().oneshot(http::Request::get("/a.B/C").body(()).unwrap()));
        tokio::task::yield_now().await;
        while svc.permits.available_permits() != 0 {
            tokio::task::yield_now().await;
        }
        let shed = svc.clone().oneshot(http::Request::get("/a.B/C").body(()).unwrap()).await.unwrap();
        assert_eq!(shed.headers().get("grpc-status").unwrap(), "8");
        let health = tokio::spawn(
            svc.clone().oneshot(http::Request::get("/grpc.health.v1.Health/Check").body(()).unwrap()),
        );
        release_tx.send_replace(true);
        assert_eq!(first.await.unwrap().unwrap().into_body(), "done");
        assert_eq!(health.await.unwrap().unwrap().into_body(), "done");
        assert_eq!(metrics.rpcs_shed.get(), 1);
    }
}

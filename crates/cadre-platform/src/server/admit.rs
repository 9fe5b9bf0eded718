//! Admission: whether a call is taken at all, decided before any work is done.
//!
//! - Until the service has migrated its database and seen it answer, calls get UNAVAILABLE, so that none
//!   meets a half-built schema.
//! - Past a fixed number of calls in flight, a call gets RESOURCE_EXHAUSTED at once instead of queueing,
//!   so admitted calls keep their latency.
//!
//! Health checks and reflection are always admitted: a probe refused under load would get a busy pod
//! restarted, and a starting one must be able to say that it is starting.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use tokio::sync::Semaphore;
use tower::{Layer, Service};

use crate::telemetry::Metrics;

/// Opens admission once the service is ready.
#[derive(Clone, Debug, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// Admits calls from now on.
    pub fn open(&self) {
        self.0.store(true, Ordering::Release);
    }

    fn is_open(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Adds [`Admit`] to a service.
#[derive(Clone)]
pub struct AdmitLayer {
    readiness: Readiness,
    permits: Arc<Semaphore>,
    metrics: Metrics,
}

impl AdmitLayer {
    /// Admits calls once `readiness` opens, at most `max_in_flight` at once.
    pub fn new(readiness: Readiness, max_in_flight: usize, metrics: Metrics) -> Self {
        Self { readiness, permits: Arc::new(Semaphore::new(max_in_flight)), metrics }
    }
}

impl<S> Layer<S> for AdmitLayer {
    type Service = Admit<S>;

    fn layer(&self, inner: S) -> Admit<S> {
        Admit { inner, layer: self.clone() }
    }
}

/// The admitting service.
#[derive(Clone)]
pub struct Admit<S> {
    inner: S,
    layer: AdmitLayer,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Calls admitted whatever the state: probes and discovery.
fn always_admitted(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.Health/") || path.starts_with("/grpc.reflection.")
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for Admit<S>
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
        if always_admitted(request.uri().path()) {
            return Box::pin(self.inner.call(request));
        }
        let refusal = if !self.layer.readiness.is_open() {
            tonic::Status::unavailable("the service is starting: retry shortly")
        } else {
            match self.layer.permits.clone().try_acquire_owned() {
                Ok(permit) => {
                    let response = self.inner.call(request);
                    return Box::pin(async move {
                        let result = response.await;
                        drop(permit);
                        result
                    });
                }
                Err(_) => {
                    self.layer.metrics.rpcs_shed.inc();
                    tonic::Status::resource_exhausted("server overloaded: retry with backoff")
                }
            }
        };
        Box::pin(std::future::ready(Ok(refusal.into_http())))
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tower::ServiceExt as _;

    use super::*;

    fn get(path: &str) -> http::Request<()> {
        http::Request::get(path).body(()).unwrap()
    }

    #[tokio::test]
    async fn calls_wait_for_readiness_but_probes_do_not() {
        let inner = tower::service_fn(|_: http::Request<()>| async {
            Ok::<_, Infallible>(http::Response::new(String::from("ok")))
        });
        let readiness = Readiness::default();
        let svc = AdmitLayer::new(readiness.clone(), 8, Metrics::default()).layer(inner);
        let early =
            svc.clone().oneshot(get("/cadre.directory.v1.DirectoryService/GetOrgUnit")).await.unwrap();
        assert_eq!(early.headers().get("grpc-status").unwrap(), "14", "UNAVAILABLE while starting");
        assert_eq!(svc.clone().oneshot(get("/grpc.health.v1.Health/Check")).await.unwrap().into_body(), "ok");
        let reflection = get("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo");
        assert_eq!(svc.clone().oneshot(reflection).await.unwrap().into_body(), "ok");
        readiness.open();
        let ready = svc.oneshot(get("/cadre.directory.v1.DirectoryService/GetOrgUnit")).await.unwrap();
        assert_eq!(ready.into_body(), "ok");
    }

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
        let readiness = Readiness::default();
        readiness.open();
        let svc = AdmitLayer::new(readiness, 1, metrics.clone()).layer(slow);
        let first = tokio::spawn(svc.clone().oneshot(get("/a.B/C")));
        while svc.layer.permits.available_permits() != 0 {
            tokio::task::yield_now().await;
        }
        let shed = svc.clone().oneshot(get("/a.B/C")).await.unwrap();
        assert_eq!(shed.headers().get("grpc-status").unwrap(), "8", "RESOURCE_EXHAUSTED");
        let health = tokio::spawn(svc.clone().oneshot(get("/grpc.health.v1.Health/Check")));
        release_tx.send_replace(true);
        assert_eq!(first.await.unwrap().unwrap().into_body(), "done");
        assert_eq!(health.await.unwrap().unwrap().into_body(), "done");
        assert_eq!(metrics.rpcs_shed.get(), 1);
        assert_eq!(svc.layer.permits.available_permits(), 1, "the permit returns when the call ends");
    }
}

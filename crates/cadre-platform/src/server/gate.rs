//! Readiness gate: until a service has migrated its database and seen it answer, every call but health and
//! reflection gets UNAVAILABLE at once, so that no request meets a half-built schema.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use tower::{Layer, Service};

/// Opens the gate.
#[derive(Clone, Debug, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// Lets calls through from now on.
    pub fn open(&self) {
        self.0.store(true, Ordering::Release);
    }

    fn is_open(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Adds [`Gate`] to a service.
#[derive(Clone, Debug)]
pub struct GateLayer {
    readiness: Readiness,
}

impl GateLayer {
    /// A gate that opens with `readiness`.
    pub fn new(readiness: Readiness) -> Self {
        Self { readiness }
    }
}

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Gate<S> {
        Gate { inner, readiness: self.readiness.clone() }
    }
}

/// The gating service.
#[derive(Clone, Debug)]
pub struct Gate<S> {
    inner: S,
    readiness: Readiness,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Calls answered before the service is ready: probes and discovery.
fn always_open(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.Health/") || path.starts_with("/grpc.reflection.")
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for Gate<S>
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
        if self.readiness.is_open() || always_open(request.uri().path()) {
            return Box::pin(self.inner.call(request));
        }
        let status = tonic::Status::unavailable("the service is starting: retry shortly");
        Box::pin(std::future::ready(Ok(status.into_http())))
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tower::ServiceExt as _;

    use super::*;

    #[tokio::test]
    async fn calls_wait_for_readiness_but_probes_do_not() {
        let inner = tower::service_fn(|_: http::Request<()>| async {
            Ok::<_, Infallible>(http::Response::new(String::from("ok")))
        });
        let readiness = Readiness::default();
        let svc = GateLayer::new(readiness.clone()).layer(inner);
        let call = |path: &str| svc.clone().oneshot(http::Request::get(path).body(()).unwrap());
        let early = call("/cadre.directory.v1.DirectoryService/GetOrgUnit").await.unwrap();
        assert_eq!(early.headers().get("grpc-status").unwrap(), "14", "UNAVAILABLE while starting");
        assert_eq!(call("/grpc.health.v1.Health/Check").await.unwrap().into_body(), "ok");
        assert_eq!(
            call("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo").await.unwrap().into_body(),
            "ok"
        );
        readiness.open();
        assert_eq!(call("/cadre.directory.v1.DirectoryService/GetOrgUnit").await.unwrap().into_body(), "ok");
    }
}

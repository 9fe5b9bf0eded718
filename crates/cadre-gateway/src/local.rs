//! The gateway's own services: `grpc.health.v1.Health` and gRPC reflection (v1 and v1alpha) for the
//! whole suite, so that `grpcurl -plaintext <gateway> list` and Kubernetes' gRPC probes work through it.

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use tonic::service::Routes;
use tonic_health::{ServingStatus, server::HealthReporter};
use tower::{Service, ServiceExt as _};

use crate::{
    body::{self, Request, Response},
    stack::ResponseFuture,
};

/// Health and reflection.
#[derive(Clone)]
pub(crate) struct Local {
    routes: Routes,
    health: HealthReporter,
}

impl Local {
    /// Both services, reporting NOT_SERVING until [`Local::set_serving`].
    pub(crate) async fn new() -> anyhow::Result<Self> {
        let (health, health_service) = tonic_health::server::health_reporter();
        // tonic-health reports the empty name SERVING from the start; the gateway is not serving yet.
        health.set_service_status("", ServingStatus::NotServing).await;
        let descriptors = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(cadre_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        };
        let routes = Routes::new(health_service)
            .add_service(descriptors().build_v1()?)
            .add_service(descriptors().build_v1alpha()?)
            .prepare();
        Ok(Self { routes, health })
    }

    /// Reports the gateway SERVING (`true`) or NOT_SERVING.
    pub(crate) async fn set_serving(&self, serving: bool) {
        let status = if serving { ServingStatus::Serving } else { ServingStatus::NotServing };
        self.health.set_service_status("", status).await;
    }

    /// Answers one call.
    pub(crate) fn call(&self, request: Request) -> ResponseFuture {
        let routes = self.routes.clone();
        Box::pin(async move {
            let response = match routes.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            Ok::<_, Infallible>(response.map(body::boxed))
        })
    }
}

impl Service<Request> for Local {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> ResponseFuture {
        Local::call(self, request)
    }
}

//! How the layers fit together.
//!
//! ```text
//! request id → protocol → span → CORS → per-address limit → shedding → by content type:
//!   application/grpc*      ──────────────────────┐
//!   application/grpc-web*  → tonic-web ──────────┤
//!   anything else          → JSON (Connect) ─────┤
//!                                                ▼
//!   core: observe → internal headers → resolve → deadline → authenticate → per-principal limit
//!         → message size → health/reflection or upstream
//! ```
//!
//! The cheap refusals (per address, overload) come before any protocol work, so that a flood or an
//! overload costs no body reading or JSON parsing. Every protocol then reaches the core as gRPC, so each
//! concern is written once; each front translates the core's gRPC answers (including the gateway's own
//! refusals) back into its protocol.

use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
};

use cadre_platform::telemetry::Metrics;
use tower::{Service, ServiceBuilder, ServiceExt as _, util::BoxCloneSyncService};

use crate::{
    authenticate::AuthenticateLayer,
    authn::{Authenticator, DenialSink},
    body::{Request, Response},
    catalog::Catalog,
    cors,
    deadline::DeadlineLayer,
    dispatch::Dispatch,
    extensions::Protocol,
    frame_limit::FrameLimitLayer,
    grpc_web,
    hygiene::HygieneLayer,
    json::Json,
    limit_address::AddressLimitLayer,
    limit_principal::PrincipalLimitLayer,
    local::Local,
    observe::ObserveLayer,
    options::GatewayOptions,
    proxy::Proxy,
    request_id::RequestIdLayer,
    resolve::ResolveLayer,
    respond::Responder,
    shed::ShedLayer,
    stack::ResponseFuture,
    trace::TraceLayer,
};

/// Every protocol's calls, as gRPC.
pub(crate) type Core = BoxCloneSyncService<Request, Response, Infallible>;

/// The whole gateway as one service, and the handles `serve` needs besides it.
pub(crate) struct Assembled {
    /// The service each connection calls.
    pub service: BoxCloneSyncService<Request, Response, Infallible>,
    /// Health and reflection, to report serving status.
    pub local: Local,
    /// The rate limiters, to sweep.
    pub sweep: Box<dyn Fn() + Send + Sync>,
}

/// Builds the gateway's service.
pub(crate) fn assemble(
    options: &GatewayOptions,
    authenticator: Arc<dyn Authenticator>,
    denials: Arc<dyn DenialSink>,
    metrics: Metrics,
    local: Local,
) -> anyhow::Result<Assembled> {
    let catalog = Arc::new(Catalog::new(&options.upstreams)?);
    let responder = Responder::new(catalog.clone(), metrics.clone());
    let per_address = AddressLimitLayer::new(options.per_address, denials.clone(), responder.clone());
    let per_principal = PrincipalLimitLayer::new(options.per_principal, denials.clone());
    let sweep = {
        let (address, principal) = (per_address.limiter(), per_principal.limiter());
        Box::new(move || {
            let now = std::time::Instant::now();
            if let Some(limiter) = &address {
                limiter.sweep(now);
            }
            if let Some(limiter) = &principal {
                limiter.sweep(now);
            }
        })
    };
    let core = ServiceBuilder::new()
        .layer(ObserveLayer::new(metrics.clone(), catalog.clone()))
        .layer(HygieneLayer::new(denials.clone()))
        .layer(ResolveLayer::new(catalog.clone()))
        .layer(DeadlineLayer::new(options.default_deadline, options.max_deadline))
        .layer(AuthenticateLayer::new(authenticator, &options.public_methods, denials.clone()))
        .layer(per_principal)
        .layer(FrameLimitLayer::new(options.max_request_bytes))
        .service(Dispatch::new(local.clone(), Proxy::new(&options.upstreams)));
    let core: Core = BoxCloneSyncService::new(core);

    let router = Router {
        grpc_web: grpc_web::service(core.clone()),
        json: Json::new(core.clone(), catalog, metrics, options.max_request_bytes),
        core,
    };
    let service = ServiceBuilder::new()
        .layer(RequestIdLayer)
        .map_request(classify as fn(Request) -> Request)
        .layer(TraceLayer)
        .layer(cors::layer(&options.cors_allowed_origins))
        .layer(per_address)
        .layer(ShedLayer::new(options.max_in_flight, denials, responder))
        .service(router);
    Ok(Assembled { service: BoxCloneSyncService::new(service), local, sweep })
}

/// Notes the request's protocol, from its content type, for every layer after.
fn classify(mut request: Request) -> Request {
    let protocol = Protocol::of(request.headers());
    request.extensions_mut().insert(protocol);
    request
}

/// Sends each request to the front of its protocol.
#[derive(Clone)]
struct Router {
    core: Core,
    grpc_web: BoxCloneSyncService<Request, Response, Infallible>,
    json: Json,
}

impl Service<Request> for Router {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> ResponseFuture {
        let protocol = request
            .extensions()
            .get::<Protocol>()
            .copied()
            .unwrap_or_else(|| Protocol::of(request.headers()));
        match protocol {
            Protocol::Grpc => Box::pin(self.core.clone().oneshot(request)),
            Protocol::GrpcWeb => Box::pin(self.grpc_web.clone().oneshot(request)),
            Protocol::Json => Box::pin(self.json.clone().oneshot(request)),
        }
    }
}

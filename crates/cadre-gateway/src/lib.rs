//! The suite's one public entrance: gRPC, gRPC-web and JSON on one port, in front of every service.
//!
//! - **gRPC** (`application/grpc*`, HTTP/2) passes through as a stream, routed by the package in the path
//!   (`/<package>.<Service>/<Method>`) to the upstream that serves it; the event feed (`cadre.events.v1`,
//!   served by every service) by the `x-cadre-source` header. Messages are never decoded.
//! - **gRPC-web** (`application/grpc-web*`) from browsers, unary and server-streaming, translated to gRPC.
//! - **JSON**: the unary shape of the Connect protocol, transcoded from the descriptor set.
//!
//! For every protocol the gateway assigns a request id, continues the client's trace, passes deadlines
//! on (capped), strips internal headers, limits sizes, rate (per address and per principal) and
//! concurrency, authenticates through an [`Authenticator`], and answers unknown methods itself. It serves
//! its own health and the suite's reflection. `src/front.rs` shows how the layers stack.
//!
//! ```no_run
//! # async fn run(
//! #     authenticator: std::sync::Arc<dyn cadre_gateway::Authenticator>,
//! #     shutdown: cadre_platform::server::Shutdown,
//! # ) -> anyhow::Result<()> {
//! use cadre_gateway::{GatewayOptions, LogDenials, Upstream};
//!
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! let directory = Upstream::new("directory", "http://127.0.0.1:50051".parse()?, &["cadre.directory.v1"]);
//! let options = GatewayOptions::with_defaults(vec![directory]);
//! let metrics = cadre_platform::telemetry::Metrics::default();
//! cadre_gateway::serve(listener, options, authenticator, std::sync::Arc::new(LogDenials), metrics, shutdown)
//!     .await
//! # }
//! ```

mod authenticate;
pub mod authn;
mod body;
mod catalog;
mod cors;
mod deadline;
mod dispatch;
mod extensions;
mod frame_limit;
mod framing;
mod front;
mod grpc_web;
mod hygiene;
mod json;
mod limit_address;
mod limit_principal;
mod local;
mod observe;
mod options;
mod proxy;
mod rate_limit;
mod refusal;
mod request_id;
mod resolve;
mod respond;
mod server;
mod shed;
mod stack;
mod suite_auth;
pub mod target;
mod trace;

pub use authn::{AuthFailure, Authenticated, Authenticator, Denial, DenialSink, LogDenials};
pub use catalog::EVENTS_PACKAGE;
pub use hygiene::{PRINCIPAL_HEADER, SOURCE_HEADER};
pub use options::{GatewayOptions, RateLimit, Upstream};
pub use refusal::DOMAIN;
pub use request_id::REQUEST_ID_HEADER;
pub use server::serve;
pub use suite_auth::{SuiteAuthenticator, SuiteAuthenticatorParts};

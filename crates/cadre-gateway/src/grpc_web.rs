//! gRPC-web: browsers call unary and server-streaming methods with `application/grpc-web*` (binary or
//! base64 text, over HTTP/1.1 or HTTP/2). tonic-web turns each call into plain gRPC for the core, trailers
//! into the final body frame of the answer, so the calls meet the same layers as any other.

use std::convert::Infallible;

use tonic_web::GrpcWebLayer;
use tower::{Layer as _, ServiceExt, util::BoxCloneSyncService};

use crate::{
    body::{self, Request, Response},
    front::Core,
};

/// The gRPC-web front over `core`.
pub(crate) fn service(core: Core) -> BoxCloneSyncService<Request, Response, Infallible> {
    let grpc = core.map_request(|request: http::Request<tonic::body::Body>| request.map(body::boxed));
    let web = ServiceExt::<Request>::map_response(GrpcWebLayer::new().layer(grpc), |response| {
        response.map(body::boxed)
    });
    BoxCloneSyncService::new(web)
}

//! Which method a call is, and where it goes.
//!
//! A path that is not a method of the descriptor set is answered UNIMPLEMENTED here and never forwarded, so
//! upstreams only ever see calls to their own contracts. The event feed's package is served by every
//! service, so its calls name their upstream in `x-cadre-source`.

use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
};

use tonic::Code;
use tower::{Layer, Service};

use crate::{
    body::{Request, Response},
    catalog::{Catalog, Target},
    hygiene::SOURCE_HEADER,
    refusal::Refusal,
    stack::{self, Inner, ResponseFuture},
};

/// Where a resolved call goes, left in the request's extensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route {
    /// Its destination.
    pub destination: Destination,
}

/// A resolved destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Destination {
    /// The gateway's own health and reflection.
    Local,
    /// The upstream at this index.
    Upstream(usize),
}

/// Adds [`Resolve`] to a service.
#[derive(Clone)]
pub(crate) struct ResolveLayer {
    catalog: Arc<Catalog>,
}

impl ResolveLayer {
    /// Resolves against `catalog`.
    pub(crate) fn new(catalog: Arc<Catalog>) -> Self {
        Self { catalog }
    }
}

impl<S> Layer<S> for ResolveLayer {
    type Service = Resolve<S>;

    fn layer(&self, inner: S) -> Resolve<S> {
        Resolve { inner, catalog: self.catalog.clone() }
    }
}

/// The resolving service.
#[derive(Clone)]
pub(crate) struct Resolve<S> {
    inner: S,
    catalog: Arc<Catalog>,
}

impl<S: Inner> Service<Request> for Resolve<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> ResponseFuture {
        match route(&self.catalog, &request) {
            Ok(route) => {
                request.extensions_mut().insert(route);
                stack::forward(self.inner.clone(), request)
            }
            Err(refusal) => stack::answer(refusal.into_response()),
        }
    }
}

/// The route of `request`, or why it has none.
pub(crate) fn route(catalog: &Catalog, request: &Request) -> Result<Route, Refusal> {
    let path = request.uri().path();
    let Some(method) = catalog.method(path) else {
        return Err(unknown_method(path));
    };
    let destination = match method.target {
        Target::Local => Destination::Local,
        Target::Upstream(index) => Destination::Upstream(index),
        Target::BySource => Destination::Upstream(by_source(catalog, request.headers())?),
        Target::Unrouted => {
            return Err(Refusal::new(
                Code::Unimplemented,
                "SERVICE_NOT_ROUTED",
                format!("no upstream serves {}", method.service),
            ));
        }
    };
    Ok(Route { destination })
}

/// UNIMPLEMENTED for a path that is no method of the suite.
pub(crate) fn unknown_method(path: &str) -> Refusal {
    // The path is the client's own text: keep what is echoed short.
    let shown: String = path.chars().take(200).collect();
    Refusal::new(Code::Unimplemented, "UNKNOWN_METHOD", format!("{shown} is not a method of the suite"))
}

/// The upstream named by `x-cadre-source`.
fn by_source(catalog: &Catalog, headers: &http::HeaderMap) -> Result<usize, Refusal> {
    let known = catalog.upstream_names().join(", ");
    let Some(value) = headers.get(SOURCE_HEADER) else {
        return Err(Refusal::new(
            Code::InvalidArgument,
            "SOURCE_REQUIRED",
            format!("the event feed needs the {SOURCE_HEADER} header naming its service (one of: {known})"),
        )
        .with_violation(SOURCE_HEADER, "required"));
    };
    value.to_str().ok().and_then(|name| catalog.upstream_by_name(name.trim())).ok_or_else(|| {
        Refusal::new(
            Code::InvalidArgument,
            "UNKNOWN_SOURCE",
            format!("{SOURCE_HEADER} names no service behind the gateway (one of: {known})"),
        )
        .with_violation(SOURCE_HEADER, format!("must be one of: {known}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{body, options::Upstream};

    fn catalog() -> Catalog {
        Catalog::new(&[
            Upstream::new("directory", "http://127.0.0.1:1".parse().unwrap(), &["cadre.directory.v1"]),
            Upstream::new("leave", "http://127.0.0.1:2".parse().unwrap(), &["cadre.leave.v1"]),
        ])
        .unwrap()
    }

    fn request(path: &str, source: Option<&str>) -> Request {
        let mut builder = http::Request::post(path);
        if let Some(source) = source {
            builder = builder.header(SOURCE_HEADER, source);
        }
        builder.body(body::empty()).unwrap()
    }

    #[test]
    fn routes_by_package_and_by_source() {
        let catalog = catalog();
        let get = route(&catalog, &request("/cadre.directory.v1.DirectoryService/GetOrgUnit", None)).unwrap();
        assert_eq!(get.destination, Destination::Upstream(0));
        let watch = "/cadre.events.v1.EventFeedService/Watch";
        assert_eq!(
            route(&catalog, &request(watch, Some("leave"))).unwrap().destination,
            Destination::Upstream(1)
        );
        let missing = route(&catalog, &request(watch, None)).unwrap_err();
        assert_eq!((missing.code(), missing.reason()), (Code::InvalidArgument, "SOURCE_REQUIRED"));
        let unknown = route(&catalog, &request(watch, Some("nope"))).unwrap_err();
        assert_eq!(unknown.reason(), "UNKNOWN_SOURCE");
        let health = route(&catalog, &request("/grpc.health.v1.Health/Check", None)).unwrap();
        assert_eq!(health.destination, Destination::Local);
        let nope = route(&catalog, &request("/cadre.directory.v1.DirectoryService/Nope", None)).unwrap_err();
        assert_eq!((nope.code(), nope.reason()), (Code::Unimplemented, "UNKNOWN_METHOD"));
    }
}

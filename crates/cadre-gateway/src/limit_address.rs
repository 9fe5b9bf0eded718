//! The per-address rate limit, first of all checks (before a JSON body is even read) so that a flood
//! costs the least work possible.
//!
//! IPv6 clients are keyed by their /64, the block one host usually gets, so that a single host cannot
//! multiply its allowance by cycling through its own addresses. Health checks are exempt.

use std::{
    convert::Infallible,
    net::{IpAddr, Ipv6Addr},
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use tonic::Code;
use tower::{Layer, Service};

use crate::{
    authn::DenialSink,
    body::{Request, Response},
    catalog,
    extensions::Peer,
    options::RateLimit,
    rate_limit::KeyedLimiter,
    refusal::Refusal,
    respond::Responder,
    stack::{self, Inner, ResponseFuture},
};

/// Adds [`AddressLimit`] to a service.
#[derive(Clone)]
pub(crate) struct AddressLimitLayer {
    limiter: Option<Arc<KeyedLimiter<IpAddr>>>,
    denials: Arc<dyn DenialSink>,
    responder: Responder,
}

impl AddressLimitLayer {
    /// Limits each address to `limit`, recording refusals in `denials`.
    pub(crate) fn new(limit: RateLimit, denials: Arc<dyn DenialSink>, responder: Responder) -> Self {
        Self { limiter: KeyedLimiter::new(limit).map(Arc::new), denials, responder }
    }

    /// The limiter, for periodic sweeps.
    pub(crate) fn limiter(&self) -> Option<Arc<KeyedLimiter<IpAddr>>> {
        self.limiter.clone()
    }
}

impl<S> Layer<S> for AddressLimitLayer {
    type Service = AddressLimit<S>;

    fn layer(&self, inner: S) -> AddressLimit<S> {
        AddressLimit { inner, layer: self.clone() }
    }
}

/// The limiting service.
#[derive(Clone)]
pub(crate) struct AddressLimit<S> {
    inner: S,
    layer: AddressLimitLayer,
}

impl<S: Inner> Service<Request> for AddressLimit<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> ResponseFuture {
        if let Some(limiter) = &self.layer.limiter
            && !catalog::is_health_check(request.uri().path())
            && let Some(peer) = request.extensions().get::<Peer>()
            && let Err(wait) = limiter.check(&address_key(peer.0.ip()), Instant::now())
        {
            let refusal = Refusal::new(
                Code::ResourceExhausted,
                "RATE_LIMITED",
                format!("too many calls from this address: retry in {} ms", wait.as_millis()),
            )
            .with_retry_after(wait);
            let refusal = refusal.deny(&*self.layer.denials, &request, None);
            return stack::answer(self.layer.responder.refuse(&request, refusal));
        }
        stack::forward(self.inner.clone(), request)
    }
}

/// The bucket an address counts against: itself for IPv4, its /64 for IPv6.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_hosts_share_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(address_key(mapped), "10.0.0.1".parse::<IpAddr>().unwrap());
    }
}

//! Deadlines: the client's `grpc-timeout`, capped by the configured maximum, or the configured default
//! when it sent none. The effective deadline is passed upstream in `grpc-timeout` and enforced here too,
//! over the whole call including a stream's body, so that a stuck upstream cannot hold a client's call (and
//! a concurrency permit) beyond it.

use std::{
    convert::Infallible,
    task::{Context, Poll},
    time::Duration,
};

use tokio::time::Instant;
use tonic::Code;
use tower::{Layer, Service};

use crate::{
    body::{self, Interruptible, Request, Response},
    refusal::Refusal,
    stack::{self, Inner, ResponseFuture},
};

/// The gRPC deadline header.
pub(crate) const GRPC_TIMEOUT: &str = "grpc-timeout";

/// Adds [`Deadline`] to a service.
#[derive(Clone, Copy)]
pub(crate) struct DeadlineLayer {
    default: Duration,
    max: Duration,
}

impl DeadlineLayer {
    /// Applies `default` when the client set no deadline and cuts longer ones to `max`.
    pub(crate) fn new(default: Duration, max: Duration) -> Self {
        Self { default, max }
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Deadline<S> {
        Deadline { inner, layer: *self }
    }
}

/// The deadline-enforcing service.
#[derive(Clone)]
pub(crate) struct Deadline<S> {
    inner: S,
    layer: DeadlineLayer,
}

impl<S: Inner> Service<Request> for Deadline<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> ResponseFuture {
        let asked = match request.headers().get(GRPC_TIMEOUT).map(|v| parse_timeout(v.as_bytes())) {
            None => None,
            Some(Some(timeout)) => Some(timeout),
            Some(None) => {
                let refusal =
                    Refusal::new(Code::InvalidArgument, "INVALID_TIMEOUT", "grpc-timeout is malformed")
                        .with_violation(GRPC_TIMEOUT, "must be 1-8 digits and a unit of H, M, S, m, u or n");
                return stack::answer(refusal.into_response());
            }
        };
        let timeout = asked.unwrap_or(self.layer.default).min(self.layer.max);
        request.headers_mut().insert(GRPC_TIMEOUT, encode_timeout(timeout));
        let deadline = Instant::now() + timeout;
        let inner = self.inner.clone();
        Box::pin(async move {
            let Ok(response) = tokio::time::timeout_at(deadline, stack::call(inner, request)).await else {
                return Ok(exceeded().into_response());
            };
            if body::is_trailers_only(response.headers()) {
                return Ok(response);
            }
            Ok(response.map(|b| {
                body::boxed(Interruptible::new(
                    b,
                    Box::pin(async move {
                        tokio::time::sleep_until(deadline).await;
                        exceeded().into_status()
                    }),
                ))
            }))
        })
    }
}

fn exceeded() -> Refusal {
    Refusal::new(Code::DeadlineExceeded, "DEADLINE_EXCEEDED", "the call's deadline passed")
}

/// Parses a `grpc-timeout` value: 1-8 ASCII digits and a unit.
pub(crate) fn parse_timeout(value: &[u8]) -> Option<Duration> {
    let (&unit, digits) = value.split_last()?;
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let amount: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(match unit {
        b'H' => Duration::from_secs(amount * 3600),
        b'M' => Duration::from_secs(amount * 60),
        b'S' => Duration::from_secs(amount),
        b'm' => Duration::from_millis(amount),
        b'u' => Duration::from_micros(amount),
        b'n' => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// Encodes `timeout` in the coarsest unit that states it exactly within the 8 digits gRPC allows (so
/// `120S`, not `120000000u`), else in the finest unit that fits, rounded down.
pub(crate) fn encode_timeout(timeout: Duration) -> http::HeaderValue {
    const MAX: u128 = 99_999_999;
    const UNITS: [(u128, char); 6] = [
        (3_600_000_000_000, 'H'),
        (60_000_000_000, 'M'),
        (1_000_000_000, 'S'),
        (1_000_000, 'm'),
        (1_000, 'u'),
        (1, 'n'),
    ];
    let nanos = timeout.as_nanos();
    let exact = UNITS.iter().find(|(size, _)| nanos.is_multiple_of(*size) && nanos / size <= MAX);
    let (amount, unit) = match exact {
        Some((size, unit)) => (nanos / size, *unit),
        None => UNITS
            .iter()
            .rev()
            .find(|(size, _)| nanos / size <= MAX)
            .map_or((MAX, 'H'), |(size, unit)| (nanos / size, *unit)),
    };
    // Digits and a unit letter always make a valid header value.
    http::HeaderValue::try_from(format!("{amount}{unit}"))
        .unwrap_or(http::HeaderValue::from_static("99999999H"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_and_encode() {
        assert_eq!(parse_timeout(b"1500m"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_timeout(b"2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_timeout(b"1H"), Some(Duration::from_secs(3600)));
        for bad in [&b""[..], b"m", b"123456789m", b"12x", b"-1S", b"1.5S"] {
            assert_eq!(parse_timeout(bad), None, "{bad:?}");
        }
        assert_eq!(encode_timeout(Duration::from_secs(120)), "2M");
        assert_eq!(encode_timeout(Duration::from_secs(30)), "30S");
        assert_eq!(encode_timeout(Duration::from_millis(1500)), "1500m");
        assert_eq!(encode_timeout(Duration::from_nanos(1_234_567_890_123)), "1234567m");
        for d in [Duration::from_millis(1), Duration::from_secs(120), Duration::from_secs(7200)] {
            assert_eq!(parse_timeout(encode_timeout(d).as_bytes()), Some(d));
        }
    }
}

//! Calls the suite makes by itself (the gateway resolving a caller, the identity service asking the
//! directory) carry a system principal, signed like any other, so that services need no second way in.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tonic::metadata::{Ascii, MetadataValue};

use super::{PRINCIPAL_HEADER, Principal, PrincipalSigner};

/// The signed principal in use and when it was signed.
type Current = Arc<Mutex<Option<(MetadataValue<Ascii>, Instant)>>>;

/// A tonic interceptor that sends every call as `system:<part>`, re-signing before the principal expires.
#[derive(Clone)]
pub struct SystemCaller {
    signer: Arc<PrincipalSigner>,
    principal: Principal,
    current: Current,
}

impl std::fmt::Debug for SystemCaller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemCaller").field("subject", &self.principal.subject).finish()
    }
}

impl SystemCaller {
    /// Calls as the suite's `part` (e.g. `gateway`), signed by `signer`.
    pub fn new(signer: Arc<PrincipalSigner>, part: &str) -> Self {
        Self { signer, principal: Principal::system(part), current: Arc::new(Mutex::new(None)) }
    }

    fn header(&self) -> Result<MetadataValue<Ascii>, tonic::Status> {
        let mut current = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Reuse a principal for half its life: signing on every call would be wasted work.
        let fresh_for = self.signer.ttl() / 2;
        if let Some((value, signed)) = current.as_ref()
            && signed.elapsed() < fresh_for.max(Duration::from_secs(1))
        {
            return Ok(value.clone());
        }
        let token = self
            .signer
            .sign(&self.principal, "")
            .map_err(|e| tonic::Status::internal(format!("cannot sign the system principal: {e}")))?;
        let value: MetadataValue<Ascii> = token
            .parse()
            .map_err(|_| tonic::Status::internal("the signed principal is not a header value"))?;
        *current = Some((value.clone(), Instant::now()));
        Ok(value)
    }
}

impl tonic::service::Interceptor for SystemCaller {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let value = self.header()?;
        request.metadata_mut().insert(PRINCIPAL_HEADER, value);
        Ok(request)
    }
}

/// The principal a call carries, whichever interceptor supplies it: the suite's [`SystemCaller`] or a
/// test's. Erasing the interceptor's type lets clients of other services be one type whoever calls.
#[derive(Clone)]
pub struct AnyCaller(Arc<Intercept>);

/// What an interceptor does to a request's metadata.
type Intercept = dyn Fn(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> + Send + Sync;

impl AnyCaller {
    /// Calls through `interceptor`.
    pub fn new<I>(interceptor: I) -> Self
    where
        I: tonic::service::Interceptor + Clone + Send + Sync + 'static,
    {
        // Interceptors take `&mut self`; a clone per call keeps this `Fn` (the suite's share their state
        // behind `Arc`s, so nothing is lost).
        Self(Arc::new(move |request| interceptor.clone().call(request)))
    }
}

impl std::fmt::Debug for AnyCaller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnyCaller")
    }
}

impl tonic::service::Interceptor for AnyCaller {
    fn call(&mut self, request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        (self.0)(request)
    }
}

#[cfg(test)]
mod tests {
    use tonic::{Request, Status, service::Interceptor as _};

    use super::*;

    #[test]
    fn any_caller_forwards_to_its_interceptor() {
        let mut caller = AnyCaller::new(|mut request: Request<()>| {
            request.metadata_mut().insert("x-who", "me".parse().map_err(|_| Status::internal("header"))?);
            Ok(request)
        });
        let request = caller.call(Request::new(())).unwrap();
        assert_eq!(request.metadata().get("x-who").and_then(|v| v.to_str().ok()), Some("me"));
    }
}

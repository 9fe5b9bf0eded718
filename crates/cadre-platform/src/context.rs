//! Who is calling and under which trace: read once from the request, carried into audit and events.

use opentelemetry::trace::TraceContextExt as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::auth::Caller;

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallContext {
    /// Account id or service identity that made the call.
    pub actor: String,
    /// Account the call was made for, or empty.
    pub on_behalf_of: String,
    /// Hex trace id of the request's trace, or empty when tracing is off.
    pub trace_id: String,
    /// W3C `traceparent` of the request's span, or empty.
    pub traceparent: String,
}

impl CallContext {
    /// The verified caller of `request` (see [`Caller`]) and the trace of the current span. A request that
    /// reached a handler without a principal (a public method) acts as `anonymous`.
    pub fn from_request<T>(request: &tonic::Request<T>) -> Self {
        let (trace_id, traceparent) = current_trace();
        let actor = request
            .extensions()
            .get::<Caller>()
            .map_or_else(|| "anonymous".to_owned(), |c| c.principal.subject.clone());
        Self { actor, on_behalf_of: String::new(), trace_id, traceparent }
    }

    /// A context for work the system does by itself (seeding, imports from a file, consumers).
    pub fn system(actor: &str) -> Self {
        let (trace_id, traceparent) = current_trace();
        Self { actor: actor.to_owned(), on_behalf_of: String::new(), trace_id, traceparent }
    }
}

/// The current span's trace id and `traceparent`, both empty when the span is not sampled into a trace.
fn current_trace() -> (String, String) {
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    if !span_context.is_valid() {
        return (String::new(), String::new());
    }
    let trace_id = span_context.trace_id().to_string();
    let traceparent =
        format!("00-{}-{}-{:02x}", trace_id, span_context.span_id(), span_context.trace_flags().to_u8());
    (trace_id, traceparent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{DataScope, Principal};

    #[test]
    fn the_actor_is_the_verified_principal_and_never_a_header() {
        let mut request = tonic::Request::new(());
        request.metadata_mut().insert("x-cadre-actor", "acct-forged".parse().unwrap());
        assert_eq!(CallContext::from_request(&request).actor, "anonymous");
        request.extensions_mut().insert(Caller {
            principal: Principal::system("gateway"),
            granted: vec![],
            scope: DataScope::district(),
            request_id: String::new(),
        });
        assert_eq!(CallContext::from_request(&request).actor, "system:gateway");
        assert_eq!(CallContext::system("seed").actor, "seed");
    }
}

//! Who is calling and under which trace: read once from the request, carried into audit and events.

use opentelemetry::trace::TraceContextExt as _;
use tonic::metadata::MetadataMap;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Metadata key naming the acting account. Until the gateway signs principals (its own issue), services
/// take it as given; the gateway strips it from outside callers.
pub const ACTOR_HEADER: &str = "x-cadre-actor";
/// Metadata key naming the account a call is made for, when an operator acts on someone's behalf.
pub const ON_BEHALF_OF_HEADER: &str = "x-cadre-on-behalf-of";

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
    /// Reads the caller from request metadata and the trace from the current span.
    pub fn from_metadata(metadata: &MetadataMap) -> Self {
        let header = |key: &str| {
            metadata
                .get(key)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.len() <= 128)
                .map(str::to_owned)
        };
        let (trace_id, traceparent) = current_trace();
        Self {
            actor: header(ACTOR_HEADER).unwrap_or_else(|| "anonymous".to_owned()),
            on_behalf_of: header(ON_BEHALF_OF_HEADER).unwrap_or_default(),
            trace_id,
            traceparent,
        }
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

    #[test]
    fn actor_comes_from_metadata_and_defaults_to_anonymous() {
        let mut md = MetadataMap::new();
        assert_eq!(CallContext::from_metadata(&md).actor, "anonymous");
        md.insert(ACTOR_HEADER, "acct-1".parse().unwrap());
        md.insert(ON_BEHALF_OF_HEADER, " acct-2 ".parse().unwrap());
        let ctx = CallContext::from_metadata(&md);
        assert_eq!((ctx.actor.as_str(), ctx.on_behalf_of.as_str()), ("acct-1", "acct-2"));
        assert_eq!(CallContext::system("seed").actor, "seed");
    }
}

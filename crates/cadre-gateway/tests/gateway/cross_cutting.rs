//! Request ids and trace context, for every protocol.

use cadre_proto::directory;

use crate::support::{Gateway, with_token};

fn get() -> tonic::Request<directory::GetOrgUnitRequest> {
    with_token(directory::GetOrgUnitRequest { id: "u1".into() }, "good")
}

#[tokio::test]
async fn request_ids_are_generated_kept_or_replaced() {
    let gateway = Gateway::start().await;
    let mut client = gateway.directory().await;

    let generated = client.get_org_unit(get()).await.unwrap();
    let id = generated.metadata().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    let uuid = uuid::Uuid::parse_str(&id).unwrap();
    assert_eq!(uuid.get_version_num(), 7);

    let mut kept = get();
    kept.metadata_mut().insert("x-request-id", "client-req.42_A".parse().unwrap());
    let kept = client.get_org_unit(kept).await.unwrap();
    assert_eq!(kept.metadata().get("x-request-id").unwrap(), "client-req.42_A");

    let mut replaced = get();
    replaced.metadata_mut().insert("x-request-id", "not/valid".parse().unwrap());
    let replaced = client.get_org_unit(replaced).await.unwrap();
    let new_id = replaced.metadata().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    assert_ne!(new_id, "not/valid");
    uuid::Uuid::parse_str(&new_id).unwrap();

    let forwarded: Vec<_> =
        gateway.upstream.calls().iter().map(|c| c.header("x-request-id").unwrap().to_owned()).collect();
    assert_eq!(forwarded, [id, "client-req.42_A".to_owned(), new_id]);
}

#[tokio::test]
async fn refusals_carry_a_request_id_too() {
    let gateway = Gateway::start().await;
    let mut client = gateway.directory().await;
    let status = client.get_org_unit(directory::GetOrgUnitRequest::default()).await.unwrap_err();
    let id = status.metadata().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    assert_eq!(gateway.denials.all()[0].request_id, id);

    let (_, headers, _) = gateway.json("/cadre.directory.v1.DirectoryService/Nope", None, "{}").await;
    assert!(headers.contains_key("x-request-id"));
}

/// With tracing on, the gateway's span sits between the client and the upstream: see
/// `tests/trace_context.rs`, a process of its own since it installs a global subscriber.
#[tokio::test]
async fn without_tracing_the_clients_trace_context_passes_unchanged() {
    let gateway = Gateway::start().await;
    let mut client = gateway.directory().await;
    let mut request = get();
    let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    request.metadata_mut().insert("traceparent", parent.parse().unwrap());
    client.get_org_unit(request).await.unwrap();
    assert_eq!(gateway.upstream.only_call().header("traceparent"), Some(parent));
}

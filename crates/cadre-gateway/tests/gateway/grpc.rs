//! gRPC passthrough: routing, principals, internal headers, authentication, streams, errors.

use cadre_proto::{directory, events};
use prost::Message as _;
use tonic::Code;

use crate::support::{BEHAVIOR, Gateway, PRINCIPAL, reason, with_token};

#[tokio::test]
async fn unary_call_forwards_the_principal_and_strips_internal_headers() {
    let gateway = Gateway::start().await;
    let mut client = gateway.directory().await;
    let mut request = with_token(directory::GetOrgUnitRequest { id: "u1".into() }, "good");
    request.metadata_mut().insert("x-cadre-actor", "mallory".parse().unwrap());
    request.metadata_mut().insert("x-cadre-on-behalf-of", "someone".parse().unwrap());
    request.metadata_mut().insert("x-custom", "kept".parse().unwrap());

    let response = client.get_org_unit(request).await.unwrap();
    assert_eq!(response.get_ref().org_unit.as_ref().unwrap().id, "u1");
    assert_eq!(response.metadata().get("x-upstream-header").unwrap(), "present");

    let seen = gateway.upstream.only_call();
    assert_eq!(seen.path, "/cadre.directory.v1.DirectoryService/GetOrgUnit");
    assert_eq!(seen.header("x-cadre-principal"), Some(PRINCIPAL));
    assert_eq!(seen.header("x-cadre-actor"), None);
    assert_eq!(seen.header("x-cadre-on-behalf-of"), None);
    assert_eq!(seen.header("authorization"), None, "the client's token stays at the gateway");
    assert_eq!(seen.header("x-custom"), Some("kept"));
    assert_eq!(seen.header("te"), Some("trailers"));
    let forwarded = directory::GetOrgUnitRequest::decode(seen.messages()[0].clone()).unwrap();
    assert_eq!(forwarded.id, "u1", "the message passes unchanged");
}

#[tokio::test]
async fn a_forged_principal_is_refused_and_never_forwarded() {
    let gateway = Gateway::start().await;
    let mut client = gateway.directory().await;
    let mut request = with_token(directory::GetOrgUnitRequest { id: "u1".into() }, "good");
    request.metadata_mut().insert("x-cadre-principal", "forged".parse().unwrap());

    let status = client.get_org_unit(request).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(reason(&status), ("FORGED_INTERNAL_HEADER".into(), "gateway.cadre".into()));
    assert!(gateway.upstream.calls().is_empty());
    let denials = gateway.denials.all();
    assert_eq!(denials.len(), 1);
    assert_eq!((denials[0].code, denials[0].reason), (Code::PermissionDenied, "FORGED_INTERNAL_HEADER"));
    assert_eq!(denials[0].method, "/cadre.directory.v1.DirectoryService/GetOrgUnit");
    assert!(denials[0].peer.is_some());
    assert!(!denials[0].request_id.is_empty());
}

#[tokio::test]
async fn calls_without_a_good_token_never_reach_the_upstream() {
    let gateway = Gateway::start().await;
    let mut client = gateway.directory().await;

    let missing = client.get_org_unit(directory::GetOrgUnitRequest { id: "u1".into() }).await.unwrap_err();
    assert_eq!(missing.code(), Code::Unauthenticated);
    assert_eq!(reason(&missing), ("TOKEN_MISSING".into(), "gateway.cadre".into()));

    let bad = client
        .get_org_unit(with_token(directory::GetOrgUnitRequest { id: "u1".into() }, "bad"))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::Unauthenticated);
    assert_eq!(reason(&bad).0, "INVALID_TOKEN");
    assert_eq!(bad.message(), "the token is not valid");

    assert!(gateway.upstream.calls().is_empty());
    let reasons: Vec<_> = gateway.denials.all().iter().map(|d| d.reason).collect();
    assert_eq!(reasons, ["TOKEN_MISSING", "INVALID_TOKEN"]);
}

#[tokio::test]
async fn public_methods_pass_without_a_token_and_carry_no_principal() {
    let gateway = Gateway::start().await;
    let mut client = gateway.directory().await;
    let mut request = tonic::Request::new(directory::ListUnitKindsRequest {});
    request.metadata_mut().insert("x-cadre-actor", "mallory".parse().unwrap());

    client.list_unit_kinds(request).await.unwrap();
    let seen = gateway.upstream.only_call();
    assert_eq!(seen.header("x-cadre-principal"), None);
    assert_eq!(seen.header("x-cadre-actor"), None);
    assert_eq!(gateway.authentications(), 0, "public methods skip the authenticator");
}

#[tokio::test]
async fn the_event_feed_streams_from_the_upstream_named_by_x_cadre_source() {
    let gateway = Gateway::start().await;
    let mut client = events::event_feed_service_client::EventFeedServiceClient::new(gateway.channel().await);
    let mut request = with_token(events::WatchRequest { from_head: true, ..Default::default() }, "good");
    request.metadata_mut().insert("x-cadre-source", "directory".parse().unwrap());

    let mut stream = client.watch(request).await.unwrap().into_inner();
    let mut cursors = Vec::new();
    while let Some(item) = stream.message().await.unwrap() {
        cursors.push(item.cursor);
    }
    assert_eq!(cursors, ["c1", "c2"]);
    let trailers = stream.trailers().await.unwrap().unwrap();
    assert_eq!(trailers.get("x-upstream-trailer").unwrap(), "present", "trailers pass through");
    let seen = gateway.upstream.only_call();
    assert_eq!(seen.path, "/cadre.events.v1.EventFeedService/Watch");
    assert_eq!(seen.header("x-cadre-principal"), Some(PRINCIPAL));
    assert_eq!(seen.header("x-cadre-source"), Some("directory"));
}

#[tokio::test]
async fn the_event_feed_needs_a_known_source() {
    let gateway = Gateway::start().await;
    let mut client = events::event_feed_service_client::EventFeedServiceClient::new(gateway.channel().await);

    let missing = client.watch(with_token(events::WatchRequest::default(), "good")).await.unwrap_err();
    assert_eq!(missing.code(), Code::InvalidArgument);
    assert_eq!(reason(&missing).0, "SOURCE_REQUIRED");

    let mut request = with_token(events::WatchRequest::default(), "good");
    request.metadata_mut().insert("x-cadre-source", "leave".parse().unwrap());
    let unknown = client.watch(request).await.unwrap_err();
    assert_eq!(unknown.code(), Code::InvalidArgument);
    assert_eq!(reason(&unknown).0, "UNKNOWN_SOURCE");
    assert!(unknown.message().contains("directory"), "{}", unknown.message());
    assert!(gateway.upstream.calls().is_empty());
}

#[tokio::test]
async fn client_streams_pass_every_message() {
    let gateway = Gateway::start().await;
    let mut client = gateway.directory().await;
    let rows: Vec<_> = ["e1", "e2", "e3"]
        .into_iter()
        .map(|id| directory::ImportCadresRequest {
            record: Some(directory::HrCadreRecord { external_id: id.into(), ..Default::default() }),
        })
        .collect();
    client.import_cadres(with_token(futures::stream::iter(rows), "good")).await.unwrap();

    let seen = gateway.upstream.only_call();
    let ids: Vec<_> = seen
        .messages()
        .into_iter()
        .map(|m| directory::ImportCadresRequest::decode(m).unwrap().record.unwrap().external_id)
        .collect();
    assert_eq!(ids, ["e1", "e2", "e3"]);
}

#[tokio::test]
async fn upstream_errors_pass_through_with_their_details() {
    let gateway = Gateway::start().await;
    let mut client = gateway.directory().await;
    let mut request = with_token(directory::GetOrgUnitRequest { id: "x".into() }, "good");
    request.metadata_mut().insert(BEHAVIOR, "fail".parse().unwrap());

    let status = client.get_org_unit(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "bad org unit id");
    assert_eq!(reason(&status), ("INVALID_ID".into(), "directory.cadre".into()));
}

#[tokio::test]
async fn unknown_methods_are_answered_by_the_gateway() {
    let gateway = Gateway::start().await;
    let mut grpc = tonic::client::Grpc::new(gateway.channel().await);
    let codec =
        tonic_prost::ProstCodec::<directory::GetOrgUnitRequest, directory::GetOrgUnitResponse>::default();
    for path in ["/cadre.directory.v1.DirectoryService/Nope", "/cadre.nothing.v1.Nothing/Get", "/x"] {
        grpc.ready().await.unwrap();
        let status = grpc
            .unary(
                with_token(directory::GetOrgUnitRequest::default(), "good"),
                http::uri::PathAndQuery::from_static(path),
                codec.clone(),
            )
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unimplemented, "{path}");
        assert_eq!(reason(&status).0, "UNKNOWN_METHOD");
    }
    assert!(gateway.upstream.calls().is_empty());
    assert_eq!(gateway.authentications(), 0);
}

#[tokio::test]
async fn an_unreachable_upstream_is_unavailable() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let gateway =
        Gateway::start_with(|o| o.upstreams[0].endpoint = format!("http://{closed}").parse().unwrap()).await;
    let mut client = gateway.directory().await;
    let status =
        client.get_org_unit(with_token(directory::GetOrgUnitRequest::default(), "good")).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(reason(&status).0, "UPSTREAM_UNAVAILABLE");
}

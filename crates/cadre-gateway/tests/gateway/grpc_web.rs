//! gRPC-web over HTTP/1.1 as browsers speak it, and CORS.

use base64::Engine as _;
use bytes::Bytes;
use cadre_proto::{directory, events};
use http::{Request, StatusCode};
use http_body_util::Full;
use prost::Message as _;

use crate::support::{Gateway, ORIGIN, PRINCIPAL, frame, frames};

const GET: &str = "/cadre.directory.v1.DirectoryService/GetOrgUnit";

fn grpc_web(path: &str, content_type: &str) -> http::request::Builder {
    Request::post(path)
        .header("content-type", content_type)
        .header("x-grpc-web", "1")
        .header("origin", ORIGIN)
        .header("authorization", "Bearer good")
}

/// The trailers frame (flag 0x80) of a gRPC-web body, as text.
fn trailers_frame(body: &Bytes) -> String {
    let (_, trailers) =
        frames(body.clone()).into_iter().find(|(flag, _)| flag & 0x80 != 0).expect("a trailers frame");
    String::from_utf8(trailers.to_vec()).unwrap().to_ascii_lowercase()
}

#[tokio::test]
async fn unary_calls_with_binary_framing_over_http1() {
    let gateway = Gateway::start().await;
    let message = frame(&directory::GetOrgUnitRequest { id: "u1".into() }.encode_to_vec());
    let request = grpc_web(GET, "application/grpc-web+proto").body(Full::new(message)).unwrap();
    let (status, headers, body) = gateway.http1(request).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/grpc-web+proto");
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    let exposed = headers["access-control-expose-headers"].to_str().unwrap();
    assert!(exposed.contains("grpc-status") && exposed.contains("x-request-id"), "{exposed}");
    let data: Vec<_> = frames(body.clone()).into_iter().filter(|(flag, _)| *flag == 0).collect();
    assert_eq!(data.len(), 1);
    let answer = directory::GetOrgUnitResponse::decode(data[0].1.clone()).unwrap();
    assert_eq!(answer.org_unit.unwrap().name, "城关镇");
    let trailers = trailers_frame(&body);
    assert!(trailers.contains("grpc-status:0"), "{trailers}");
    assert!(trailers.contains("x-upstream-trailer:present"), "{trailers}");

    let seen = gateway.upstream.only_call();
    assert_eq!(seen.header("content-type"), Some("application/grpc"));
    assert_eq!(seen.header("x-cadre-principal"), Some(PRINCIPAL));
    assert_eq!(directory::GetOrgUnitRequest::decode(seen.messages()[0].clone()).unwrap().id, "u1");
}

#[tokio::test]
async fn text_framing_and_server_streaming() {
    let gateway = Gateway::start().await;
    let message = frame(&events::WatchRequest::default().encode_to_vec());
    let encoded = Bytes::from(base64::engine::general_purpose::STANDARD.encode(&message));
    let request = grpc_web("/cadre.events.v1.EventFeedService/Watch", "application/grpc-web-text")
        .header("x-cadre-source", "directory")
        // grpc-web clients in text mode ask for a text answer; tonic-web answers binary otherwise.
        .header("accept", "application/grpc-web-text")
        .body(Full::new(encoded))
        .unwrap();
    let (status, headers, body) = gateway.http1(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/grpc-web-text+proto");

    // Each frame is base64 on its own; decode them in turn.
    let text = String::from_utf8(body.to_vec()).unwrap();
    let mut decoded = Vec::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let end =
            rest.find('=').map_or(rest.len(), |i| rest[i..].find(|c| c != '=').map_or(rest.len(), |j| i + j));
        decoded.extend(base64::engine::general_purpose::STANDARD.decode(&rest[..end]).unwrap());
        rest = &rest[end..];
    }
    let decoded = Bytes::from(decoded);
    let cursors: Vec<_> = frames(decoded.clone())
        .into_iter()
        .filter(|(flag, _)| *flag == 0)
        .map(|(_, m)| events::WatchResponse::decode(m).unwrap().cursor)
        .collect();
    assert_eq!(cursors, ["c1", "c2"]);
    assert!(trailers_frame(&decoded).contains("grpc-status:0"));
}

#[tokio::test]
async fn refusals_reach_browsers_as_grpc_web_statuses() {
    let gateway = Gateway::start().await;
    let message = frame(&directory::GetOrgUnitRequest { id: "u1".into() }.encode_to_vec());
    let request = Request::post(GET)
        .header("content-type", "application/grpc-web+proto")
        .header("origin", ORIGIN)
        .body(Full::new(message))
        .unwrap();
    let (status, headers, _) = gateway.http1(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["grpc-status"], "16", "UNAUTHENTICATED");
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    assert!(gateway.upstream.calls().is_empty());
}

#[tokio::test]
async fn cors_preflight_allows_only_configured_origins() {
    let gateway = Gateway::start().await;
    let preflight = |origin: &str| {
        Request::options(GET)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,x-grpc-web,authorization,x-cadre-source")
            .body(Full::default())
            .unwrap()
    };
    let (status, headers, _) = gateway.http1(preflight(ORIGIN)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    assert!(headers["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    let allowed = headers["access-control-allow-headers"].to_str().unwrap();
    for header in ["content-type", "x-grpc-web", "authorization", "x-cadre-source"] {
        assert!(allowed.contains(header), "{header} in {allowed}");
    }

    let (_, headers, _) = gateway.http1(preflight("https://evil.example")).await;
    assert!(!headers.contains_key("access-control-allow-origin"));
    assert!(gateway.upstream.calls().is_empty());
}

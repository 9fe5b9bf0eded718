//! JSON (Connect unary): transcoding both ways, Connect errors and the HTTP-level refusals.

use base64::Engine as _;
use bytes::Bytes;
use cadre_proto::directory;
use http::{Request, StatusCode};
use http_body_util::Full;
use prost::Message as _;
use serde_json::json;

use crate::support::{BEHAVIOR, Gateway, PRINCIPAL};

const SEARCH: &str = "/cadre.directory.v1.DirectoryService/SearchCadres";
const GET: &str = "/cadre.directory.v1.DirectoryService/GetOrgUnit";

#[tokio::test]
async fn json_requests_become_protobuf_and_answers_canonical_json() {
    let gateway = Gateway::start().await;
    let body = r#"{"nameQuery":"王","rank":"RANK_GRADE_RESEARCHER_1","post_level":"POST_LEVEL_TOWNSHIP_DEPUTY",
                   "status":"CADRE_STATUS_ACTIVE","teamMembersOnly":true,"pageSize":5}"#;
    let (status, headers, answer) = gateway.json(SEARCH, Some("good"), body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(answer, json!({"nextPageToken": "p2", "totalSize": 1}));
    assert_eq!(headers["x-upstream-header"], "present");
    assert_eq!(headers["trailer-x-upstream-trailer"], "present", "trailers come back as trailer-*");

    let seen = gateway.upstream.only_call();
    assert_eq!(seen.header("content-type"), Some("application/grpc"));
    assert_eq!(seen.header("x-cadre-principal"), Some(PRINCIPAL));
    let request = directory::SearchCadresRequest::decode(seen.messages()[0].clone()).unwrap();
    assert_eq!(request.name_query, "王");
    assert_eq!(request.rank(), directory::RankGrade::Researcher1);
    assert_eq!(request.post_level(), directory::PostLevel::TownshipDeputy);
    assert_eq!(request.status(), directory::CadreStatus::Active);
    assert!(request.team_members_only);
    assert_eq!(request.page_size, 5);
}

#[tokio::test]
async fn responses_use_the_canonical_mapping_for_enums_int64_and_timestamps() {
    let gateway = Gateway::start().await;
    let (status, _, answer) = gateway.json(GET, Some("good"), r#"{"id":"u1"}"#).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer,
        json!({"orgUnit": {
            "id": "u1", "parentId": "root", "code": "T01", "name": "城关镇", "kind": "town", "depth": 1,
            "ancestorIds": ["root", "u1"], "state": "ORG_UNIT_STATE_ACTIVE", "version": "7",
            "createTime": "2023-11-14T22:13:20Z"
        }})
    );
}

#[tokio::test]
async fn upstream_errors_become_connect_errors_with_decoded_details() {
    let gateway = Gateway::start().await;
    let request = Request::post(GET)
        .header("content-type", "application/json")
        .header("authorization", "Bearer good")
        .header(BEHAVIOR, "fail")
        .body(Full::new(Bytes::from_static(br#"{"id":"x"}"#)))
        .unwrap();
    let (status, headers, body) = gateway.http1(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers["content-type"], "application/json");
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["code"], "invalid_argument");
    assert_eq!(error["message"], "bad org unit id");
    let details = error["details"].as_array().unwrap();
    assert_eq!(details[0]["type"], "google.rpc.ErrorInfo");
    assert_eq!(details[0]["debug"], json!({"reason": "INVALID_ID", "domain": "directory.cadre"}));
    assert_eq!(details[1]["type"], "google.rpc.BadRequest");
    assert_eq!(
        details[1]["debug"],
        json!({"fieldViolations": [{"field": "id", "description": "is not a UUID"}]})
    );
    let value = details[1]["value"].as_str().unwrap();
    assert!(!value.ends_with('='), "base64 without padding");
    let decoded = base64::engine::general_purpose::STANDARD_NO_PAD.decode(value).unwrap();
    let bad_request = tonic_types::pb::BadRequest::decode(&*decoded).unwrap();
    assert_eq!(bad_request.field_violations[0].field, "id");
}

#[tokio::test]
async fn malformed_json_and_wrong_field_types_are_invalid_arguments() {
    let gateway = Gateway::start().await;
    let (status, _, error) = gateway.json(SEARCH, Some("good"), r#"{"nameQuery": "王""#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["code"], "invalid_argument");
    assert!(error["message"].as_str().unwrap().contains("not valid JSON"), "{error}");
    assert_eq!(error["details"][0]["debug"]["reason"], "MALFORMED_JSON");

    let (status, _, error) = gateway.json(SEARCH, Some("good"), r#"{"pageSize":"five"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["code"], "invalid_argument");
    assert_eq!(error["details"][0]["debug"]["reason"], "INVALID_FIELD");
    assert_eq!(error["details"][1]["debug"]["fieldViolations"][0]["field"], "page_size");

    let (status, _, error) = gateway.json(SEARCH, Some("good"), r#"{"rank":"GENERAL"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["details"][1]["debug"]["fieldViolations"][0]["field"], "rank");

    let (status, _, error) = gateway.json(SEARCH, Some("good"), r#"{"noSuchField":1}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(error["message"].as_str().unwrap().contains("noSuchField"), "{error}");

    assert!(gateway.upstream.calls().is_empty());
}

#[tokio::test]
async fn http_level_refusals() {
    let gateway = Gateway::start().await;
    let send = |request: Request<Full<Bytes>>| gateway.http1(request);

    let (status, _, body) = send(
        Request::post(GET)
            .header("content-type", "text/plain")
            .header("authorization", "Bearer good")
            .body(Full::default())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["code"], "invalid_argument");

    let (status, headers, _) = send(Request::get(GET).body(Full::default()).unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers["allow"], "POST");

    let (status, _, error) =
        gateway.json("/cadre.directory.v1.DirectoryService/Nope", Some("good"), "{}").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["code"], "unimplemented");

    let (status, _, error) =
        gateway.json("/cadre.events.v1.EventFeedService/Watch", Some("good"), "{}").await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(error["code"], "unimplemented");
    assert!(error["message"].as_str().unwrap().contains("gRPC-web"), "{error}");

    let (status, _, error) = gateway.json(GET, None, r#"{"id":"u1"}"#).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error["code"], "unauthenticated");
    assert_eq!(error["details"][0]["debug"]["reason"], "TOKEN_MISSING");

    assert!(gateway.upstream.calls().is_empty());
}

#[tokio::test]
async fn connect_timeout_becomes_the_upstream_deadline() {
    let gateway = Gateway::start().await;
    let request = Request::post(GET)
        .header("content-type", "application/json")
        .header("authorization", "Bearer good")
        .header("connect-timeout-ms", "5000")
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    let (status, _, _) = gateway.http1(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(gateway.upstream.only_call().header("grpc-timeout"), Some("5S"));
}

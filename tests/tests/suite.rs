//! The whole suite, started as `cadre dev` starts it, called as its users would: through the gateway, with
//! gRPC, gRPC-web and JSON, as real roles, and around it where nobody should get in.

mod common;

use cadre_proto::directory::{self as pb, directory_service_client::DirectoryServiceClient};
use common::with_token;
use prost::Message as _;
use tokio_stream::StreamExt as _;
use tonic::Code;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
    server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
};

const SEARCH: &str = "cadre.directory.v1.DirectoryService/SearchCadres";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protocol_reaches_the_demo_district_through_the_gateway() {
    let suite = common::start().await;
    let channel = suite.channel().await;
    let token = suite.token("orgofficer");

    // Health and reflection of the whole suite, without a token.
    let mut health = HealthClient::new(channel.clone());
    let status = health.check(HealthCheckRequest::default()).await.unwrap().into_inner().status;
    assert_eq!(status, ServingStatus::Serving as i32);
    let mut reflection = ServerReflectionClient::new(channel.clone());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers =
        reflection.server_reflection_info(tokio_stream::once(request)).await.unwrap().into_inner();
    let Some(Ok(answer)) = answers.next().await else { panic!("no reflection answer") };
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("not a list")
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    for expected in ["cadre.directory.v1.DirectoryService", "cadre.identity.v1.IdentityService"] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }

    // gRPC.
    let mut directory = DirectoryServiceClient::new(channel.clone());
    let units = directory
        .list_org_units(with_token(&token, pb::ListOrgUnitsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let root = &units.org_units[0];
    assert_eq!(root.name, "锦绣区");

    // JSON, canonical mapping both ways.
    let found = suite.ok(&token, SEARCH, r#"{"nameQuery":"王","pageSize":5}"#).await;
    let cadres = found["cadres"].as_array().unwrap();
    assert_eq!(cadres.len(), 5);
    assert!(cadres[0]["name"].as_str().unwrap().contains('王'));
    assert!(found["totalSize"].as_i64().unwrap() > 5, "{found}");

    // gRPC-web, as a browser sends it.
    let message = pb::GetOrgUnitRequest { id: root.id.clone() }.encode_to_vec();
    let mut body = vec![0u8];
    body.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    body.extend_from_slice(&message);
    let response = suite
        .http
        .post(format!("http://{}/cadre.directory.v1.DirectoryService/GetOrgUnit", suite.gateway))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .bearer_auth(&token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes[0], 0, "a data frame first");
    let length = u32::from_be_bytes(bytes[1..5].try_into().unwrap()) as usize;
    let unit = pb::GetOrgUnitResponse::decode(&bytes[5..5 + length]).unwrap().org_unit.unwrap();
    assert_eq!(unit.id, root.id);
    let trailers = String::from_utf8_lossy(&bytes[5 + length + 5..]).to_lowercase();
    assert!(trailers.contains("grpc-status:0"), "{trailers}");

    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_gets_past_the_entrance_without_a_valid_identity() {
    let suite = common::start().await;

    // No token, a token from an issuer the district does not trust, a forged internal header.
    let (status, error) = suite.json("", SEARCH, "{}").await;
    assert_eq!((status, error["code"].as_str()), (401, Some("unauthenticated")), "{error}");
    let stranger_dir = tempfile::tempdir().unwrap();
    let stranger =
        cadre_authn::dev_issuer::DevIssuer::load_or_create(stranger_dir.path(), "cadre-dev", "cadre")
            .unwrap()
            .mint("demo:orgofficer", true, std::time::Duration::from_secs(60))
            .unwrap();
    let (status, error) = suite.json(&stranger, SEARCH, "{}").await;
    assert_eq!(status, 401, "a token signed by another key: {error}");
    let response = suite
        .http
        .post(format!("http://{}/{SEARCH}", suite.gateway))
        .header("content-type", "application/json")
        .header("x-cadre-principal", "eyJhbGciOiJFZERTQSJ9.e30.c2ln")
        .bearer_auth(suite.token("cadre.t01"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["code"], "permission_denied", "{error}");

    // Bad requests are named for what they are.
    let token = suite.token("orgofficer");
    let (status, error) = suite.json(&token, SEARCH, r#"{"pageSize": "many"#).await;
    assert_eq!((status, error["code"].as_str()), (400, Some("invalid_argument")), "{error}");
    let (status, error) = suite.json(&token, "cadre.directory.v1.DirectoryService/FireEveryone", "{}").await;
    assert_eq!(error["code"], "unimplemented", "{status} {error}");
    let response = suite
        .http
        .post(format!("http://{}/{SEARCH}", suite.gateway))
        .header("content-type", "text/plain")
        .bearer_auth(&token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);

    // A call straight to a service port, around the gateway, achieves nothing.
    let direct = tonic::transport::Channel::from_shared(format!("http://{}", suite.directory))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut bypass = DirectoryServiceClient::new(direct);
    let err = bypass.search_cadres(with_token(&token, pb::SearchCadresRequest::default())).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);

    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_in_login_with_a_second_factor_unlocks_privileged_roles() {
    let suite = common::start().await;
    let admin = suite.token("secadmin");
    let leader = suite.token("leader.t01");
    // ResolvePrincipal belongs to the suite itself: a person is refused...
    let (_, refused) = suite
        .json(&leader, "cadre.directory.v1.DirectoryService/ResolvePrincipal", r#"{"username":"leader.t01"}"#)
        .await;
    assert_eq!(refused["code"], "permission_denied", "{refused}");

    // ...so the security administrator finds the account through the directory.
    let accounts =
        suite.ok(&admin, "cadre.directory.v1.DirectoryService/ListAccounts", r#"{"pageSize":100}"#).await;
    let account_id = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "leader.t01")
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .unwrap();
    let password = "Xq7!mountain-river-42";
    let set = serde_json::json!({"requestId": uuid::Uuid::now_v7().to_string(), "accountId": account_id, "password": password});
    suite.ok(&admin, "cadre.identity.v1.IdentityService/SetPassword", &set.to_string()).await;

    // Password only: signed in, but the unit-leader role waits for a second factor.
    let login = serde_json::json!({"username": "leader.t01", "password": password});
    let session = suite.ok("", "cadre.identity.v1.IdentityService/Login", &login.to_string()).await;
    assert_eq!(session["secondFactorEnrollmentRequired"], true, "{session}");
    let weak = session["sessionToken"].as_str().unwrap().to_owned();
    let own = suite.ok(&weak, SEARCH, r#"{"pageSize":500}"#).await;
    assert_eq!(own["cadres"].as_array().unwrap().len(), 1, "only the leader's own record: {own}");

    // Enrol TOTP, sign in again with a code: the unit's records open up.
    let begin = serde_json::json!({"requestId": uuid::Uuid::now_v7().to_string()});
    let enrolment =
        suite.ok(&weak, "cadre.identity.v1.IdentityService/BeginTotpEnrollment", &begin.to_string()).await;
    let secret = cadre_authn::totp::from_base32(enrolment["secret"].as_str().unwrap()).unwrap();
    let now = || u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let code = cadre_authn::totp::code_at(&secret, now(), 6);
    let confirm = serde_json::json!({"requestId": uuid::Uuid::now_v7().to_string(), "code": code});
    suite.ok(&weak, "cadre.identity.v1.IdentityService/ConfirmTotpEnrollment", &confirm.to_string()).await;
    let (status, error) = suite.json("", "cadre.identity.v1.IdentityService/Login", &login.to_string()).await;
    assert_eq!(status, 401, "the enrolled factor is now required: {error}");
    // A code is good once: wait for the next step rather than replay the enrolment's.
    let next_step = (now() / 30 + 1) * 30;
    tokio::time::sleep(std::time::Duration::from_secs(next_step - now() + 1)).await;
    let login = serde_json::json!({"username": "leader.t01", "password": password, "totpCode": cadre_authn::totp::code_at(&secret, now(), 6)});
    let strong = suite.ok("", "cadre.identity.v1.IdentityService/Login", &login.to_string()).await;
    assert_eq!(strong["mfa"], true, "{strong}");
    let strong = strong["sessionToken"].as_str().unwrap().to_owned();
    let unit = suite.ok(&strong, SEARCH, r#"{"pageSize":500}"#).await;
    assert!(unit["cadres"].as_array().unwrap().len() > 1, "the unit's records: {unit}");

    // Logout ends the session (within the gateway's short cache).
    let logout = serde_json::json!({"requestId": uuid::Uuid::now_v7().to_string(), "sessionToken": strong});
    suite.ok(&strong, "cadre.identity.v1.IdentityService/Logout", &logout.to_string()).await;
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let (status, error) = suite.json(&strong, SEARCH, "{}").await;
    assert_eq!(status, 401, "{error}");
    suite.stop().await;
}

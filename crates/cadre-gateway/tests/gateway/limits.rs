//! Rate limits, size limits, load shedding and deadlines.

use std::time::{Duration, Instant};

use cadre_gateway::RateLimit;
use cadre_proto::{directory, events};
use http::StatusCode;
use tonic::Code;
use tonic_types::StatusExt as _;

use crate::support::{BEHAVIOR, Gateway, reason, with_token};

fn get(token: &str) -> tonic::Request<directory::GetOrgUnitRequest> {
    with_token(directory::GetOrgUnitRequest { id: "u1".into() }, token)
}

#[tokio::test]
async fn the_per_address_limit_answers_with_retry_info() {
    let gateway = Gateway::start_with(|o| o.per_address = RateLimit { per_second: 1, burst: 2 }).await;
    let mut client = gateway.directory().await;
    client.get_org_unit(get("good")).await.unwrap();
    client.get_org_unit(get("good")).await.unwrap();
    let status = client.get_org_unit(get("good")).await.unwrap_err();

    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(reason(&status), ("RATE_LIMITED".into(), "gateway.cadre".into()));
    let delay = status.get_error_details().retry_info().unwrap().retry_delay.unwrap();
    assert!(delay > Duration::ZERO && delay <= Duration::from_secs(1), "{delay:?}");
    assert_eq!(gateway.upstream.calls().len(), 2);
    assert_eq!(gateway.authentications(), 2, "the address limit comes before authentication");
    let denial = gateway.denials.all().pop().unwrap();
    assert_eq!((denial.reason, denial.subject), ("RATE_LIMITED", None));

    // Health checks are never limited, so a busy gateway is not restarted.
    let mut health = tonic_health::pb::health_client::HealthClient::new(gateway.channel().await);
    for _ in 0..5 {
        health.check(tonic_health::pb::HealthCheckRequest::default()).await.unwrap();
    }
}

#[tokio::test]
async fn json_callers_are_limited_before_their_body_is_read_and_told_in_connect_json() {
    let gateway = Gateway::start_with(|o| o.per_address = RateLimit { per_second: 1, burst: 1 }).await;
    let path = "/cadre.directory.v1.DirectoryService/GetOrgUnit";
    let (status, _, _) = gateway.json(path, Some("good"), r#"{"id":"u1"}"#).await;
    assert_eq!(status, StatusCode::OK);
    // Malformed, but refused for the rate before anyone looks at it.
    let (status, _, error) = gateway.json(path, Some("good"), "{not json").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error["code"], "resource_exhausted");
    let details = error["details"].as_array().unwrap();
    assert!(details.iter().any(|d| d["debug"]["reason"] == "RATE_LIMITED"), "{error}");
    let retry = details.iter().find(|d| d["type"] == "google.rpc.RetryInfo").expect("RetryInfo");
    assert!(retry["debug"]["retryDelay"].as_str().unwrap().ends_with('s'), "{retry}");
    assert!(gateway.metrics.encode().contains("method=\"GetOrgUnit\",code=\"ResourceExhausted\"} 1"));
}

#[tokio::test]
async fn the_per_principal_limit_counts_each_subject_apart() {
    let gateway = Gateway::start_with(|o| o.per_principal = RateLimit { per_second: 1, burst: 1 }).await;
    let mut client = gateway.directory().await;
    client.get_org_unit(get("good")).await.unwrap();
    let status = client.get_org_unit(get("good")).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(reason(&status).0, "RATE_LIMITED");
    assert!(status.get_error_details().retry_info().is_some());
    client.get_org_unit(get("other")).await.unwrap();

    let denial = gateway.denials.all().pop().unwrap();
    assert_eq!(denial.subject.as_deref(), Some("acct-1"));
    assert_eq!(gateway.upstream.calls().len(), 2);
}

#[tokio::test]
async fn messages_and_bodies_over_the_size_limit_are_refused() {
    let gateway = Gateway::start_with(|o| o.max_request_bytes = 1024).await;
    let mut client = gateway.directory().await;
    client
        .get_org_unit(with_token(directory::GetOrgUnitRequest { id: "x".repeat(900) }, "good"))
        .await
        .unwrap();

    let big = with_token(directory::GetOrgUnitRequest { id: "x".repeat(2000) }, "good");
    let status = client.get_org_unit(big).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(reason(&status).0, "MESSAGE_TOO_LARGE");

    let (status, _, error) = gateway
        .json(
            "/cadre.directory.v1.DirectoryService/GetOrgUnit",
            Some("good"),
            &format!(r#"{{"id":"{}"}}"#, "x".repeat(2000)),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error["code"], "resource_exhausted");
    // Only the call within the limit reached the upstream whole.
    let whole: Vec<_> = gateway.upstream.calls().into_iter().filter(|c| !c.messages().is_empty()).collect();
    assert_eq!(whole.len(), 1);
}

#[tokio::test]
async fn calls_beyond_the_concurrency_limit_are_shed_at_once() {
    let gateway = Gateway::start_with(|o| o.max_in_flight = 1).await;
    let mut feed = events::event_feed_service_client::EventFeedServiceClient::new(gateway.channel().await);
    let mut watch = with_token(events::WatchRequest::default(), "good");
    watch.metadata_mut().insert("x-cadre-source", "directory".parse().unwrap());
    watch.metadata_mut().insert(BEHAVIOR, "hold".parse().unwrap());
    let mut stream = feed.watch(watch).await.unwrap().into_inner();
    stream.message().await.unwrap().unwrap();

    // The open stream holds the only slot.
    let mut client = gateway.directory().await;
    let started = Instant::now();
    let status = client.get_org_unit(get("good")).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(reason(&status).0, "OVERLOADED");
    assert!(started.elapsed() < Duration::from_secs(1), "shed at once, not queued");
    assert_eq!(gateway.metrics.rpcs_shed.get(), 1);
    assert_eq!(gateway.denials.all().pop().unwrap().reason, "OVERLOADED");
    let mut health = tonic_health::pb::health_client::HealthClient::new(gateway.channel().await);
    health.check(tonic_health::pb::HealthCheckRequest::default()).await.unwrap();

    // Ending the stream frees the slot.
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match client.get_org_unit(get("good")).await {
            Ok(_) => break,
            Err(status) if status.code() == Code::ResourceExhausted && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(status) => panic!("the slot was not freed: {status:?}"),
        }
    }
}

#[tokio::test]
async fn deadlines_are_capped_and_defaulted() {
    let gateway = Gateway::start_with(|o| {
        o.default_deadline = Duration::from_secs(30);
        o.max_deadline = Duration::from_secs(120);
    })
    .await;
    let mut client = gateway.directory().await;
    let mut long = get("good");
    long.set_timeout(Duration::from_secs(600));
    client.get_org_unit(long).await.unwrap();
    let mut short = get("good");
    short.set_timeout(Duration::from_millis(1500));
    client.get_org_unit(short).await.unwrap();
    client.get_org_unit(get("good")).await.unwrap();

    let timeouts: Vec<_> = gateway
        .upstream
        .calls()
        .iter()
        .map(|c| c.header("grpc-timeout").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(timeouts, ["2M", "1500m", "30S"]);
}

#[tokio::test]
async fn the_gateway_enforces_the_deadline_itself() {
    let gateway = Gateway::start().await;
    let request = http::Request::post("/cadre.directory.v1.DirectoryService/GetOrgUnit")
        .header("content-type", "application/json")
        .header("authorization", "Bearer good")
        .header("connect-timeout-ms", "200")
        .header(BEHAVIOR, "slow")
        .body(http_body_util::Full::new(bytes::Bytes::from_static(b"{}")))
        .unwrap();
    let started = Instant::now();
    let (status, _, body) = gateway.http1(request).await;
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["code"], "deadline_exceeded");
}

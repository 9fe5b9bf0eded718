//! The gateway's own health and the suite's reflection, and the graceful shutdown.

use std::time::{Duration, Instant};

use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tonic_reflection::pb::{v1, v1alpha};

use crate::support::Gateway;

#[tokio::test]
async fn health_is_served_without_authentication() {
    let gateway = Gateway::start().await;
    let mut health = HealthClient::new(gateway.channel().await);
    let status = health.check(HealthCheckRequest::default()).await.unwrap().into_inner().status();
    assert_eq!(status, ServingStatus::Serving);
    assert_eq!(gateway.authentications(), 0);
    assert!(gateway.upstream.calls().is_empty());
}

#[tokio::test]
async fn reflection_lists_the_whole_suite_in_both_versions() {
    let gateway = Gateway::start().await;
    let channel = gateway.channel().await;

    let mut client = v1::server_reflection_client::ServerReflectionClient::new(channel.clone());
    let request = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(String::new())),
    };
    let mut answers =
        client.server_reflection_info(futures::stream::iter([request])).await.unwrap().into_inner();
    let answer = answers.message().await.unwrap().unwrap();
    let Some(v1::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        answer.message_response
    else {
        panic!("unexpected answer {answer:?}");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    for expected in
        ["cadre.directory.v1.DirectoryService", "cadre.events.v1.EventFeedService", "grpc.health.v1.Health"]
    {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }

    let mut alpha = v1alpha::server_reflection_client::ServerReflectionClient::new(channel);
    let request = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(v1alpha::server_reflection_request::MessageRequest::FileContainingSymbol(
            "cadre.directory.v1.DirectoryService".into(),
        )),
    };
    let mut answers =
        alpha.server_reflection_info(futures::stream::iter([request])).await.unwrap().into_inner();
    let answer = answers.message().await.unwrap().unwrap();
    assert!(
        matches!(
            answer.message_response,
            Some(v1alpha::server_reflection_response::MessageResponse::FileDescriptorResponse(_))
        ),
        "{answer:?}"
    );
    assert_eq!(gateway.authentications(), 0);
}

#[tokio::test]
async fn shutdown_turns_health_not_serving_and_ends_within_the_grace_period() {
    let gateway = Gateway::start().await;
    let mut health = HealthClient::new(gateway.channel().await);
    let mut watch = health.watch(HealthCheckRequest::default()).await.unwrap().into_inner();
    assert_eq!(watch.message().await.unwrap().unwrap().status(), ServingStatus::Serving);

    let fired = Instant::now();
    gateway.trigger.fire();
    let update =
        tokio::time::timeout(Duration::from_secs(5), watch.message()).await.unwrap().unwrap().unwrap();
    assert_eq!(update.status(), ServingStatus::NotServing);
    // The watch keeps its connection open; the grace period (1 s in tests) ends it.
    tokio::time::timeout(Duration::from_secs(5), gateway.served).await.unwrap().unwrap().unwrap();
    assert!(fired.elapsed() < Duration::from_secs(4), "{:?}", fired.elapsed());
    assert!(tokio::net::TcpStream::connect(gateway.addr).await.is_err(), "the port is closed");
}

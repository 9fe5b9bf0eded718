//! The whole suite, started as `cadre dev` starts it, called as a client would: health, reflection, the
//! demo district, search.

use std::time::Duration;

use cadre::suite::{Seed, Suite, Target, serve_context};
use cadre_platform::{config::Config, server::shutdown_channel};
use cadre_proto::directory::{self as pb, directory_service_client::DirectoryServiceClient};
use tokio_stream::StreamExt as _;
use tonic::transport::Channel;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
    server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dev_suite_serves_the_demo_district() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config { data_dir: dir.path().display().to_string(), ..Config::default() };
    config.services.directory.listen = "127.0.0.1:0".into();
    let (trigger, shutdown) = shutdown_channel();
    let suite = Suite::start(&config, Target::ALL, Seed::DemoDistrict, serve_context(&config, shutdown))
        .await
        .unwrap();
    let addr = suite.addrs[&Target::Directory];
    let running = tokio::spawn(suite.wait());
    let channel = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();

    // NOT_SERVING until migrated and seeded, then SERVING, for each service by name.
    let mut health = HealthClient::new(channel.clone());
    for service in ["cadre.directory.v1.DirectoryService", "cadre.events.v1.EventFeedService"] {
        let serving = async {
            loop {
                let status = health
                    .check(HealthCheckRequest { service: service.into() })
                    .await
                    .unwrap()
                    .into_inner()
                    .status;
                if status == ServingStatus::Serving as i32 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(120), serving).await.expect("SERVING");
    }

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
    for expected in
        ["cadre.directory.v1.DirectoryService", "cadre.events.v1.EventFeedService", "grpc.health.v1.Health"]
    {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }

    let mut directory = DirectoryServiceClient::new(channel);
    let root = directory
        .list_org_units(pb::ListOrgUnitsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .org_units
        .remove(0);
    assert_eq!(root.name, "锦绣区");
    let second = directory
        .list_org_units(pb::ListOrgUnitsRequest {
            parent_id: root.id.clone(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.total_size, 57);
    let third = directory
        .list_org_units(pb::ListOrgUnitsRequest {
            ancestor_id: root.id.clone(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(third.org_units.iter().filter(|u| u.depth == 2).count(), 48);

    let town = second.org_units.iter().find(|u| u.kind == "town").unwrap();
    let found = directory
        .search_cadres(pb::SearchCadresRequest {
            org_unit_id: town.id.clone(),
            team_members_only: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(found.cadres.len() >= 6, "a town's leadership team");
    assert!(found.cadres.iter().all(|c| c.citizen_id.contains('*')), "citizen ids are masked in search");

    trigger.fire();
    tokio::time::timeout(Duration::from_secs(30), running).await.unwrap().unwrap().unwrap();
}

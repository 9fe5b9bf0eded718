//! The whole suite as `cadre dev` runs it, in this process on ports the system picks, and clients that
//! call it the way people and systems do: through the gateway, with a token.

#![allow(dead_code)]

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use cadre::suite::{Seed, Suite, Target, prepare_dev, serve_context};
use cadre_authn::dev_issuer::DevIssuer;
use cadre_directory::demo_seed::demo_subject;
use cadre_platform::{
    config::Config,
    server::{ShutdownTrigger, shutdown_channel},
};
use serde_json::Value;

pub struct Running {
    pub gateway: SocketAddr,
    pub directory: SocketAddr,
    pub issuer: DevIssuer,
    pub http: reqwest::Client,
    /// The date every service works on: the real one until a scenario sets another.
    today: Arc<Mutex<chrono::NaiveDate>>,
    trigger: ShutdownTrigger,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

/// Starts every target with the demo district and waits until a call through the gateway succeeds.
pub async fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config { data_dir: dir.path().display().to_string(), ..Config::default() };
    config.metrics_listen = String::new();
    config.services.directory.listen = "127.0.0.1:0".into();
    config.services.identity.listen = "127.0.0.1:0".into();
    config.services.leave.listen = "127.0.0.1:0".into();
    config.services.rank.listen = "127.0.0.1:0".into();
    config.services.assessment.listen = "127.0.0.1:0".into();
    config.services.care.listen = "127.0.0.1:0".into();
    config.services.forum.listen = "127.0.0.1:0".into();
    config.services.oversight.listen = "127.0.0.1:0".into();
    config.gateway.listen = "127.0.0.1:0".into();
    // Scenarios call fast and from one address; the limits themselves are tested in the gateway's crate.
    config.gateway.per_principal_rps = 10_000;
    config.gateway.per_principal_burst = 10_000;
    config.gateway.per_address_rps = 10_000;
    config.gateway.per_address_burst = 10_000;
    let issuer = prepare_dev(&mut config).unwrap();
    let (trigger, shutdown) = shutdown_channel();
    let today = Arc::new(Mutex::new(cadre_platform::clock::today()));
    let clock = {
        let today = today.clone();
        Arc::new(move || *today.lock().unwrap())
    };
    let suite =
        Suite::start_on(&config, Target::ALL, Seed::DemoDistrict, serve_context(&config, shutdown), clock)
            .await
            .unwrap();
    let gateway = suite.addrs[&Target::Gateway];
    let directory = suite.addrs[&Target::Directory];
    let task = tokio::spawn(suite.wait());
    let running =
        Running { gateway, directory, issuer, http: reqwest::Client::new(), today, trigger, task, _dir: dir };
    let token = running.token("orgofficer");
    let ready = async {
        loop {
            let (status, _) =
                running.json(&token, "cadre.directory.v1.DirectoryService/ListUnitKinds", "{}").await;
            if status == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), ready)
        .await
        .expect("the suite answers through the gateway");
    running
}

impl Running {
    /// The date the services work on.
    pub fn today(&self) -> chrono::NaiveDate {
        *self.today.lock().unwrap()
    }

    /// Moves every service to `date`, e.g. past a 公示's last day.
    pub fn set_today(&self, date: chrono::NaiveDate) {
        *self.today.lock().unwrap() = date;
    }

    /// A development token for a demo account, with a second factor.
    pub fn token(&self, username: &str) -> String {
        self.issuer.mint(&demo_subject(username), true, Duration::from_secs(3600)).unwrap()
    }

    /// The same without a second factor.
    pub fn token_without_second_factor(&self, username: &str) -> String {
        self.issuer.mint(&demo_subject(username), false, Duration::from_secs(3600)).unwrap()
    }

    /// Calls `method` (`package.Service/Method`) as JSON through the gateway; an empty token sends none.
    pub async fn json(&self, token: &str, method: &str, body: &str) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("http://{}/{method}", self.gateway))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Like [`json`](Self::json), asserting success.
    pub async fn ok(&self, token: &str, method: &str, body: &str) -> Value {
        let (status, value) = self.json(token, method, body).await;
        assert_eq!(status, 200, "{method} {body}: {value}");
        value
    }

    /// A tonic channel to the gateway.
    pub async fn channel(&self) -> tonic::transport::Channel {
        tonic::transport::Channel::from_shared(format!("http://{}", self.gateway))
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    pub async fn stop(self) {
        self.trigger.fire();
        tokio::time::timeout(Duration::from_secs(30), self.task).await.unwrap().unwrap().unwrap();
    }
}

/// A gRPC request carrying a bearer token.
pub fn with_token<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// A fresh request id.
pub fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A date as the JSON mapping writes `cadre.type.v1.Date`.
pub fn date(d: chrono::NaiveDate) -> Value {
    use chrono::Datelike as _;
    serde_json::json!({ "year": d.year(), "month": d.month(), "day": d.day() })
}

/// Polls `probe` until it returns something (what arrives through a feed); panics after two minutes.
pub async fn eventually<F, Fut>(what: &str, mut probe: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<Value>>,
{
    for _ in 0..1200 {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

impl Running {
    /// Calls `method` as JSON expecting a refusal; returns its code name and `ErrorInfo` reason.
    pub async fn refused(&self, token: &str, method: &str, body: &str) -> (String, String) {
        let (status, value) = self.json(token, method, body).await;
        assert_ne!(status, 200, "{method} should have been refused: {value}");
        let reason = value["details"]
            .as_array()
            .and_then(|details| details.iter().find_map(|d| d["debug"]["reason"].as_str()))
            .unwrap_or_default()
            .to_owned();
        (value["code"].as_str().unwrap_or_default().to_owned(), reason)
    }

    /// The cadre id of a demo account.
    pub async fn cadre_id(&self, username: &str) -> String {
        let accounts = self
            .ok(
                &self.token("secadmin"),
                "cadre.directory.v1.DirectoryService/ListAccounts",
                r#"{"pageSize":100}"#,
            )
            .await;
        accounts["accounts"]
            .as_array()
            .and_then(|all| all.iter().find(|a| a["username"] == username))
            .and_then(|a| a["cadreId"].as_str())
            .unwrap_or_else(|| panic!("no cadre for {username}"))
            .to_owned()
    }
}

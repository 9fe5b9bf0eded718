//! The gateway on a real socket in front of a small test upstream, a fake authenticator, and clients.

use std::{
    convert::Infallible,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use bytes::{Buf as _, Bytes, BytesMut};
use cadre_gateway::{
    AuthFailure, Authenticated, Authenticator, Denial, DenialSink, GatewayOptions, RateLimit, Upstream,
};
use cadre_platform::{
    server::{ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
};
use cadre_proto::{directory, events};
use futures::{StreamExt as _, future::BoxFuture};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use prost::Message as _;
use tokio::net::{TcpListener, TcpStream};
use tonic::transport::Channel;
use tonic_types::{ErrorDetails, StatusExt as _};

/// The principal the fake authenticator vouches for, as forwarded upstream.
pub const PRINCIPAL: &str = "signed-principal-for-acct-1";
/// A method the tests configure as public (a stand-in for the future Login).
pub const PUBLIC_METHOD: &str = "/cadre.directory.v1.DirectoryService/ListUnitKinds";
/// The CORS origin the tests allow.
pub const ORIGIN: &str = "https://app.example";
/// The test upstream's behaviour switch, a request header.
pub const BEHAVIOR: &str = "x-test-behavior";

/// What the test upstream received in one call.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Seen {
    /// The messages of the request body.
    pub fn messages(&self) -> Vec<Bytes> {
        frames(self.body.clone()).into_iter().filter(|(flag, _)| *flag == 0).map(|(_, m)| m).collect()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A gRPC server that answers any path: it records each call, then answers with a real message of the
/// method's output type, an error with details, or a stream, as the `x-test-behavior` header asks.
pub struct TestUpstream {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestUpstream {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorder = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let recorder = recorder.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| answer(req, recorder.clone()));
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, seen }
    }

    /// Calls received so far.
    pub fn calls(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The only call received.
    pub fn only_call(&self) -> Seen {
        let calls = self.calls();
        assert_eq!(calls.len(), 1, "expected one upstream call, got {calls:#?}");
        calls.into_iter().next().unwrap()
    }
}

type UpstreamBody = BoxBody<Bytes, Infallible>;

async fn answer(
    request: Request<Incoming>,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> Result<Response<UpstreamBody>, Infallible> {
    let path = request.uri().path().to_owned();
    let headers = request.headers().clone();
    let behavior = headers.get(BEHAVIOR).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    // A body that breaks (the gateway cut it) is recorded as far as it came.
    let body = request.into_body().collect().await.map(|c| c.to_bytes()).unwrap_or_default();
    let first_message = frames(body.clone()).into_iter().next().map(|(_, m)| m).unwrap_or_default();
    seen.lock().unwrap().push(Seen { path: path.clone(), headers, body });

    if behavior == "slow" {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    if behavior == "fail" {
        let mut details = ErrorDetails::new();
        details.set_error_info("INVALID_ID", "directory.cadre", std::collections::HashMap::new());
        details.add_bad_request_violation("id", "is not a UUID");
        let status =
            tonic::Status::with_error_details(tonic::Code::InvalidArgument, "bad org unit id", details);
        return Ok(status.into_http());
    }
    let messages: Vec<Vec<u8>> = if path.ends_with("/GetOrgUnit") {
        let request = directory::GetOrgUnitRequest::decode(first_message).unwrap_or_default();
        vec![org_unit_response(&request.id).encode_to_vec()]
    } else if path.ends_with("/SearchCadres") {
        vec![
            directory::SearchCadresResponse { cadres: vec![], next_page_token: "p2".into(), total_size: 1 }
                .encode_to_vec(),
        ]
    } else if path.ends_with("/Watch") {
        (1..=2)
            .map(|i| {
                events::WatchResponse { event: None, cursor: format!("c{i}"), caught_up: i == 2 }
                    .encode_to_vec()
            })
            .collect()
    } else {
        // The empty message is valid for any output type.
        vec![Vec::new()]
    };
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    trailers.insert("x-upstream-trailer", HeaderValue::from_static("present"));
    let data = messages.into_iter().map(|m| Ok(Frame::data(frame(&m))));
    let body: UpstreamBody = if behavior == "hold" {
        // Stay open after the messages until the client goes away.
        BodyExt::boxed(StreamBody::new(futures::stream::iter(data).chain(futures::stream::pending())))
    } else {
        BodyExt::boxed(StreamBody::new(futures::stream::iter(data.chain([Ok(Frame::trailers(trailers))]))))
    };
    let mut response = Response::new(body);
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/grpc"));
    response.headers_mut().insert("x-upstream-header", HeaderValue::from_static("present"));
    Ok(response)
}

/// The org unit the upstream returns for `GetOrgUnit`.
pub fn org_unit_response(id: &str) -> directory::GetOrgUnitResponse {
    directory::GetOrgUnitResponse {
        org_unit: Some(directory::OrgUnit {
            id: id.to_owned(),
            parent_id: "root".into(),
            code: "T01".into(),
            name: "城关镇".into(),
            kind: "town".into(),
            depth: 1,
            ancestor_ids: vec!["root".into(), id.to_owned()],
            state: directory::OrgUnitState::Active as i32,
            version: 7,
            create_time: Some(prost_types::Timestamp { seconds: 1_700_000_000, nanos: 0 }),
            update_time: None,
        }),
    }
}

/// Accepts `Bearer good` (subject `acct-1`) and `Bearer other` (subject `acct-2`); refuses the rest.
pub struct FakeAuthenticator;

impl Authenticator for FakeAuthenticator {
    fn authenticate<'a>(
        &'a self,
        headers: &'a HeaderMap,
    ) -> BoxFuture<'a, Result<Authenticated, AuthFailure>> {
        let outcome = match headers.get("authorization").and_then(|v| v.to_str().ok()) {
            Some("Bearer good") => {
                Ok(Authenticated { subject: "acct-1".into(), principal: HeaderValue::from_static(PRINCIPAL) })
            }
            Some("Bearer other") => Ok(Authenticated {
                subject: "acct-2".into(),
                principal: HeaderValue::from_static("signed-principal-for-acct-2"),
            }),
            Some(_) => Err(AuthFailure {
                code: tonic::Code::Unauthenticated,
                reason: "INVALID_TOKEN",
                message: "the token is not valid".into(),
            }),
            None => Err(AuthFailure {
                code: tonic::Code::Unauthenticated,
                reason: "TOKEN_MISSING",
                message: "sign in first".into(),
            }),
        };
        Box::pin(async move { outcome })
    }
}

/// Keeps every denial.
#[derive(Default)]
pub struct Denials(Mutex<Vec<Denial>>);

impl DenialSink for Denials {
    fn record(&self, denial: Denial) {
        self.0.lock().unwrap().push(denial);
    }
}

impl Denials {
    pub fn all(&self) -> Vec<Denial> {
        self.0.lock().unwrap().clone()
    }
}

/// A running gateway and its upstream.
pub struct Gateway {
    pub addr: SocketAddr,
    pub upstream: TestUpstream,
    pub denials: Arc<Denials>,
    pub metrics: Metrics,
    pub trigger: ShutdownTrigger,
    pub served: tokio::task::JoinHandle<anyhow::Result<()>>,
    authenticated: Arc<AtomicUsize>,
}

/// Counts calls to the inner authenticator.
struct Counting(Arc<AtomicUsize>);

impl Authenticator for Counting {
    fn authenticate<'a>(
        &'a self,
        headers: &'a HeaderMap,
    ) -> BoxFuture<'a, Result<Authenticated, AuthFailure>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        FakeAuthenticator.authenticate(headers)
    }
}

impl Gateway {
    /// The gateway with test defaults: rate limits off, the public method and origin configured.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// The gateway with options changed by `configure`.
    pub async fn start_with(configure: impl FnOnce(&mut GatewayOptions)) -> Self {
        let upstream = TestUpstream::start().await;
        let endpoint = format!("http://{}", upstream.addr).parse().unwrap();
        let mut options = GatewayOptions::with_defaults(vec![Upstream::new(
            "directory",
            endpoint,
            &["cadre.directory.v1"],
        )]);
        options.public_methods = vec![PUBLIC_METHOD.to_owned()];
        options.cors_allowed_origins = vec![ORIGIN.to_owned()];
        options.per_address = RateLimit::OFF;
        options.per_principal = RateLimit::OFF;
        options.shutdown_grace = Duration::from_secs(1);
        configure(&mut options);

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let denials = Arc::new(Denials::default());
        let metrics = Metrics::default();
        let authenticated = Arc::new(AtomicUsize::new(0));
        let (trigger, shutdown) = shutdown_channel();
        let served = tokio::spawn(cadre_gateway::serve(
            listener,
            options,
            Arc::new(Counting(authenticated.clone())),
            denials.clone(),
            metrics.clone(),
            shutdown,
        ));
        Self { addr, upstream, denials, metrics, trigger, served, authenticated }
    }

    /// How often the authenticator was asked.
    pub fn authentications(&self) -> usize {
        self.authenticated.load(Ordering::SeqCst)
    }

    /// A gRPC channel to the gateway.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr)).unwrap().connect().await.unwrap()
    }

    /// The directory's client through the gateway.
    pub async fn directory(&self) -> directory::directory_service_client::DirectoryServiceClient<Channel> {
        directory::directory_service_client::DirectoryServiceClient::new(self.channel().await)
    }

    /// An HTTP/1.1 request to the gateway; returns the status, headers and whole body.
    pub async fn http1(&self, request: Request<Full<Bytes>>) -> (StatusCode, HeaderMap, Bytes) {
        let stream = TcpStream::connect(self.addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(connection);
        let response = sender.send_request(request).await.unwrap();
        let (parts, body) = response.into_parts();
        (parts.status, parts.headers, body.collect().await.unwrap().to_bytes())
    }

    /// A JSON (Connect unary) call.
    pub async fn json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (StatusCode, HeaderMap, serde_json::Value) {
        let mut request =
            Request::post(path).header("content-type", "application/json").header("host", "gateway");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let (status, headers, body) =
            self.http1(request.body(Full::new(Bytes::from(body.to_owned()))).unwrap()).await;
        let json = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"));
        (status, headers, json)
    }
}

/// A gRPC request with `token` as its bearer token.
pub fn with_token<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// The `ErrorInfo` reason and domain of a status.
pub fn reason(status: &tonic::Status) -> (String, String) {
    let details = status.get_error_details();
    let info = details.error_info().unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    (info.reason.clone(), info.domain.clone())
}

/// One gRPC message, framed.
pub fn frame(message: &[u8]) -> Bytes {
    let mut out = BytesMut::new();
    out.extend_from_slice(&[0]);
    out.extend_from_slice(&(message.len() as u32).to_be_bytes());
    out.extend_from_slice(message);
    out.freeze()
}

/// The (flag, payload) frames of a gRPC or gRPC-web body.
pub fn frames(mut body: Bytes) -> Vec<(u8, Bytes)> {
    let mut out = Vec::new();
    while body.len() >= 5 {
        let flag = body.get_u8();
        let len = body.get_u32() as usize;
        if body.len() < len {
            break;
        }
        out.push((flag, body.split_to(len)));
    }
    out
}

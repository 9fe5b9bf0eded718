//! Verification of tokens from an external OIDC identity provider, with its public keys taken from a JWKS
//! file or URL.
//!
//! The verifier trusts nothing in the token before the signature is checked: the algorithm must be RS256 or
//! ES256 (never `none`, never an HMAC algorithm, whose "secret" an attacker could take from the public key),
//! and the key comes from the configured key set, chosen by `kid`, and must be of the type the algorithm
//! needs. Keys embedded in or referenced by the token (`jwk`, `jku`, `x5u`) are ignored.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

/// Default clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Default size limit of a token, in bytes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8192;
/// Default minimum time between two key-set refreshes caused by unknown `kid`s.
pub const DEFAULT_REFRESH_MIN_INTERVAL: Duration = Duration::from_secs(30);
/// Default age after which the key set is refetched even without an unknown `kid`.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(600);
/// Largest key set accepted from a file or URL, in bytes. Real ones are a few kilobytes.
pub const MAX_JWKS_BYTES: usize = 1 << 20;
/// Time limit of one key-set download, connection included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// RSA keys shorter than this many bits are ignored.
pub const MIN_RSA_BITS: usize = 2048;

/// Where the identity provider's public keys (a JWKS document) come from.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, PartialEq)]
pub enum JwksLocation {
    /// A local file, for the development issuer and for deployments that mount the key set.
    File(PathBuf),
    /// An `https://` URL (plain `http://` is accepted for local development and tests).
    Url(String),
}

/// How to verify tokens from one issuer for one audience.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// Required value of the `iss` claim.
    pub issuer: String,
    /// Value the `aud` claim must be or contain.
    pub audience: String,
    /// Where the issuer's public keys are.
    pub jwks: JwksLocation,
    /// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds (default 30).
    pub leeway_secs: u64,
    /// Tokens longer than this are refused before any parsing (default 8192).
    pub max_token_bytes: usize,
    /// An unknown `kid` refreshes the key set at most this often (default 30 s), so that tokens with made-up
    /// key ids cannot make the gateway hammer the identity provider.
    pub refresh_min_interval: Duration,
    /// Keys are refetched after this even without an unknown `kid` (default 10 min), so that a key the
    /// provider withdrew stops being accepted.
    pub cache_ttl: Duration,
    /// `amr` values that mean a second factor was used (default `["mfa", "otp", "hwk", "swk"]`).
    pub mfa_amr: Vec<String>,
}

impl OidcConfig {
    /// A configuration with the defaults above.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>, jwks: JwksLocation) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            jwks,
            leeway_secs: DEFAULT_LEEWAY_SECS,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            refresh_min_interval: DEFAULT_REFRESH_MIN_INTERVAL,
            cache_ttl: DEFAULT_CACHE_TTL,
            mfa_amr: ["mfa", "otp", "hwk", "swk"].map(String::from).to_vec(),
        }
    }
}

/// Who a verified token says the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    /// The `sub` claim: the person's id at the identity provider.
    pub subject: String,
    /// The `iss` claim (equal to the configured issuer).
    pub issuer: String,
    /// Whether the `amr` claim names a second factor from [`OidcConfig::mfa_amr`].
    pub mfa: bool,
    /// The `exp` claim, in Unix seconds: a session built on this token must not outlive it.
    pub expires_at: i64,
}

/// Why a token was refused, or why no token can be checked right now.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    /// Longer than [`OidcConfig::max_token_bytes`].
    #[error("token is larger than the size limit")]
    TooLarge,
    /// Not a compact JWS with a JSON header and claims.
    #[error("token is not a well-formed JWT")]
    Malformed,
    /// The header names an algorithm other than RS256 and ES256 (sanitised and shortened).
    #[error("token algorithm {0:?} is not accepted")]
    UnsupportedAlgorithm(String),
    /// No key in the issuer's key set has the token's `kid` (after a refresh, if one was allowed).
    #[error("token was signed with a key the issuer does not publish")]
    UnknownKey,
    /// The signature does not verify, or the key named by `kid` cannot verify the header's algorithm.
    #[error("token signature does not verify")]
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    #[error("token has expired")]
    Expired,
    /// `nbf` or `iat` is in the future (beyond the leeway).
    #[error("token is not valid yet")]
    NotYetValid,
    /// `iss` is not the configured issuer.
    #[error("token was issued by another issuer")]
    WrongIssuer,
    /// `aud` does not name the configured audience.
    #[error("token is meant for another audience")]
    WrongAudience,
    /// One of `exp`, `iss`, `aud`, `sub` is absent (or `sub` is empty).
    #[error("token lacks the required claim {0:?}")]
    MissingClaim(&'static str),
    /// The key set could not be loaded or refreshed: a problem on our side or the provider's, not the
    /// caller's, so the gateway should answer UNAVAILABLE rather than UNAUTHENTICATED.
    #[error("the issuer's signing keys are unavailable: {0}")]
    KeysUnavailable(String),
}

impl TokenError {
    /// A stable UPPER_SNAKE reason for gRPC `ErrorInfo` (e.g. `TOKEN_EXPIRED`, `TOKEN_WRONG_AUDIENCE`).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::TooLarge => "TOKEN_TOO_LARGE",
            Self::Malformed => "TOKEN_MALFORMED",
            Self::UnsupportedAlgorithm(_) => "TOKEN_UNSUPPORTED_ALGORITHM",
            Self::UnknownKey => "TOKEN_UNKNOWN_KEY",
            Self::BadSignature => "TOKEN_BAD_SIGNATURE",
            Self::Expired => "TOKEN_EXPIRED",
            Self::NotYetValid => "TOKEN_NOT_YET_VALID",
            Self::WrongIssuer => "TOKEN_WRONG_ISSUER",
            Self::WrongAudience => "TOKEN_WRONG_AUDIENCE",
            Self::MissingClaim(_) => "TOKEN_MISSING_CLAIM",
            Self::KeysUnavailable(_) => "TOKEN_KEYS_UNAVAILABLE",
        }
    }
}

/// The two algorithms accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    Rs256,
    Es256,
}

impl Alg {
    fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
        }
    }

    fn key_kind(self) -> KeyKind {
        match self {
            Self::Rs256 => KeyKind::Rsa,
            Self::Es256 => KeyKind::EcP256,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    EcP256,
}

/// One usable public key from the key set.
struct VerifyKey {
    kid: Option<String>,
    kind: KeyKind,
    decoding: DecodingKey,
}

struct KeyCache {
    keys: Vec<Arc<VerifyKey>>,
    fetched_at: Instant,
}

#[derive(Default)]
struct RefreshState {
    /// When an unknown `kid` last caused a fetch.
    last_on_demand: Option<Instant>,
    /// When the expiry of the cache last caused a fetch (successful or not).
    last_scheduled: Option<Instant>,
}

enum Source {
    File(PathBuf),
    Url { url: String, client: reqwest::Client },
}

impl Source {
    fn describe(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Url { url, .. } => url.clone(),
        }
    }

    async fn fetch(&self) -> Result<Vec<Arc<VerifyKey>>, String> {
        let body = match self {
            Self::File(path) => {
                let meta = tokio::fs::metadata(path).await.map_err(|err| err.to_string())?;
                if meta.len() > MAX_JWKS_BYTES as u64 {
                    return Err(format!("key set is larger than {MAX_JWKS_BYTES} bytes"));
                }
                tokio::fs::read(path).await.map_err(|err| err.to_string())?
            }
            Self::Url { url, client } => download(client, url).await?,
        };
        parse_jwks(&body)
    }
}

async fn download(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let mut response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json, application/jwk-set+json")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|err| err.without_url().to_string())?;
    if response.content_length().is_some_and(|len| len > MAX_JWKS_BYTES as u64) {
        return Err(format!("key set is larger than {MAX_JWKS_BYTES} bytes"));
    }
    // Read chunk by chunk: a missing or lying Content-Length must not let the body grow without bound.
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|err| err.without_url().to_string())? {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(format!("key set is larger than {MAX_JWKS_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The fields of a JWK this verifier looks at; anything else in the key is ignored.
#[derive(serde::Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    public_key_use: Option<String>,
    key_ops: Option<Vec<String>>,
    alg: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

#[derive(serde::Deserialize)]
struct RawJwkSet {
    keys: Vec<Value>,
}

/// Parses a JWKS document, keeping the RS256 and ES256 signature keys. Keys of other types, for other
/// uses or that do not parse are skipped one by one, because providers publish keys this verifier has no
/// use for (encryption keys, EdDSA) next to the ones it needs.
fn parse_jwks(body: &[u8]) -> Result<Vec<Arc<VerifyKey>>, String> {
    let set: RawJwkSet =
        serde_json::from_slice(body).map_err(|err| format!("key set is not a JWKS document: {err}"))?;
    let keys: Vec<Arc<VerifyKey>> = set
        .keys
        .into_iter()
        .filter_map(|value| match parse_jwk(value) {
            Ok(key) => Some(Arc::new(key)),
            Err(why) => {
                tracing::debug!(why, "skipping a key in the key set");
                None
            }
        })
        .collect();
    if keys.is_empty() {
        return Err("key set holds no usable RS256 or ES256 signature key".to_owned());
    }
    Ok(keys)
}

fn parse_jwk(value: Value) -> Result<VerifyKey, &'static str> {
    let raw: RawJwk = serde_json::from_value(value).map_err(|_| "not a JWK")?;
    if raw.public_key_use.as_deref().is_some_and(|key_use| key_use != "sig") {
        return Err("not a signature key");
    }
    if raw.key_ops.as_ref().is_some_and(|ops| !ops.iter().any(|op| op == "verify")) {
        return Err("not a verification key");
    }
    let decode = |field: &Option<String>| -> Result<Vec<u8>, &'static str> {
        URL_SAFE_NO_PAD.decode(field.as_deref().ok_or("missing key parameter")?).map_err(|_| "bad base64url")
    };
    let (kind, decoding) = match raw.kty.as_str() {
        "RSA" => {
            let n = decode(&raw.n)?;
            let e = decode(&raw.e)?;
            let significant = n.iter().position(|&byte| byte != 0).map_or(0, |first| n.len() - first);
            if significant * 8 < MIN_RSA_BITS {
                return Err("RSA key too short");
            }
            if e.is_empty() {
                return Err("RSA exponent empty");
            }
            (KeyKind::Rsa, DecodingKey::from_rsa_raw_components(&n, &e))
        }
        "EC" => {
            if raw.crv.as_deref() != Some("P-256") {
                return Err("EC key not on P-256");
            }
            let (x, y) = (decode(&raw.x)?, decode(&raw.y)?);
            if x.len() != 32 || y.len() != 32 {
                return Err("EC coordinates of the wrong length");
            }
            let mut point = Vec::with_capacity(65);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            // The verifier would only reject a point off the curve at signature time; finding it here keeps
            // a broken key out of the cache and out of key selection.
            p256::PublicKey::from_sec1_bytes(&point).map_err(|_| "EC point not on the curve")?;
            (KeyKind::EcP256, DecodingKey::from_ec_der(&point))
        }
        _ => return Err("unsupported key type"),
    };
    let declared = match kind {
        KeyKind::Rsa => "RS256",
        KeyKind::EcP256 => "ES256",
    };
    if raw.alg.as_deref().is_some_and(|alg| alg != declared) {
        return Err("key declared for another algorithm");
    }
    Ok(VerifyKey { kid: raw.kid, kind, decoding })
}

struct Inner {
    config: OidcConfig,
    source: Source,
    rs256: Validation,
    es256: Validation,
    keys: RwLock<Arc<KeyCache>>,
    refresh: tokio::sync::Mutex<RefreshState>,
}

/// Verifies tokens from one OIDC issuer. Cheap to clone: clones share the key cache.
#[derive(Clone)]
pub struct OidcVerifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OidcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcVerifier")
            .field("issuer", &self.inner.config.issuer)
            .field("audience", &self.inner.config.audience)
            .field("jwks", &self.inner.source.describe())
            .finish_non_exhaustive()
    }
}

enum Lookup {
    Found(Arc<VerifyKey>),
    WrongType,
    Missing,
}

impl OidcVerifier {
    /// Loads the key set once; fails with [`TokenError::KeysUnavailable`] if it cannot, so that a
    /// misconfigured gateway stops at start rather than refusing every sign-in.
    pub async fn new(config: OidcConfig) -> Result<Self, TokenError> {
        let source = match &config.jwks {
            JwksLocation::File(path) => Source::File(path.clone()),
            JwksLocation::Url(url) => {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(TokenError::KeysUnavailable(format!("{url}: not an http(s) URL")));
                }
                if url.starts_with("http://") {
                    tracing::warn!(jwks = %url, "fetching signing keys without TLS; use https outside development");
                }
                let client = reqwest::Client::builder()
                    .timeout(FETCH_TIMEOUT)
                    .connect_timeout(FETCH_TIMEOUT)
                    .redirect(reqwest::redirect::Policy::custom(redirect_policy))
                    .build()
                    .map_err(|err| TokenError::KeysUnavailable(err.to_string()))?;
                Source::Url { url: url.clone(), client }
            }
        };
        let keys = source
            .fetch()
            .await
            .map_err(|err| TokenError::KeysUnavailable(format!("{}: {err}", source.describe())))?;
        let inner = Inner {
            rs256: validation(&config, Algorithm::RS256),
            es256: validation(&config, Algorithm::ES256),
            config,
            source,
            keys: RwLock::new(Arc::new(KeyCache { keys, fetched_at: Instant::now() })),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
        };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// Verifies a compact JWS and returns who it names.
    ///
    /// Only RS256 and ES256 are accepted; the key is chosen by `kid` (or is the only key when the set has
    /// one and the token has no `kid`) and must be of the type the algorithm needs. `exp`, `iss`, `aud` and
    /// `sub` are required; `nbf` and `iat` are checked when present. An unknown `kid` triggers one refresh
    /// of the key set (at most once per [`OidcConfig::refresh_min_interval`]) before
    /// [`TokenError::UnknownKey`]. Tokens longer than [`OidcConfig::max_token_bytes`] are refused before
    /// any parsing.
    pub async fn verify(&self, token: &str) -> Result<ExternalIdentity, TokenError> {
        let config = &self.inner.config;
        if token.len() > config.max_token_bytes {
            return Err(TokenError::TooLarge);
        }
        let header = parse_header(token)?;
        let key = self.key_for(header.kid.as_deref(), header.alg).await?;
        let validation = match header.alg {
            Alg::Rs256 => &self.inner.rs256,
            Alg::Es256 => &self.inner.es256,
        };
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, validation)
            .map_err(|err| map_jwt_error(&err, header.alg))?;
        identity(&data.claims, config)
    }

    fn snapshot(&self) -> Arc<KeyCache> {
        Arc::clone(&self.inner.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn store(&self, keys: Vec<Arc<VerifyKey>>) {
        *self.inner.keys.write().unwrap_or_else(PoisonError::into_inner) =
            Arc::new(KeyCache { keys, fetched_at: Instant::now() });
    }

    async fn key_for(&self, kid: Option<&str>, alg: Alg) -> Result<Arc<VerifyKey>, TokenError> {
        self.refresh_if_expired().await;
        match lookup(&self.snapshot(), kid, alg) {
            Lookup::Found(key) => return Ok(key),
            Lookup::WrongType => return Err(TokenError::BadSignature),
            Lookup::Missing => {}
        }
        // Without a kid there is nothing a refresh could find that identifies the key.
        let Some(kid) = kid else {
            return Err(TokenError::UnknownKey);
        };
        self.refresh_for_unknown_kid().await?;
        match lookup(&self.snapshot(), Some(kid), alg) {
            Lookup::Found(key) => Ok(key),
            Lookup::WrongType => Err(TokenError::BadSignature),
            Lookup::Missing => Err(TokenError::UnknownKey),
        }
    }

    /// Refetches the key set for a `kid` it lacks, unless that happened less than `refresh_min_interval`
    /// ago. Callers look the key up again afterwards either way: a task that waited on the lock finds the
    /// keys another task just fetched.
    async fn refresh_for_unknown_kid(&self) -> Result<(), TokenError> {
        let mut state = self.inner.refresh.lock().await;
        let interval = self.inner.config.refresh_min_interval;
        if state.last_on_demand.is_some_and(|at| at.elapsed() < interval) {
            return Ok(());
        }
        state.last_on_demand = Some(Instant::now());
        match self.inner.source.fetch().await {
            Ok(keys) => {
                tracing::info!(jwks = %self.inner.source.describe(), "key set refreshed for an unknown kid");
                self.store(keys);
                Ok(())
            }
            Err(err) => {
                tracing::warn!(jwks = %self.inner.source.describe(), error = %err, "key set refresh failed");
                Err(TokenError::KeysUnavailable(format!("{}: {err}", self.inner.source.describe())))
            }
        }
    }

    /// Refetches an expired key set. A failure keeps the old keys (an identity provider that is down for a
    /// minute must not lock everybody out) and is retried no more often than `refresh_min_interval`; while
    /// another task is refreshing, requests go on with the current keys instead of queueing.
    async fn refresh_if_expired(&self) {
        let ttl = self.inner.config.cache_ttl;
        if self.snapshot().fetched_at.elapsed() < ttl {
            return;
        }
        let Ok(mut state) = self.inner.refresh.try_lock() else {
            return;
        };
        if self.snapshot().fetched_at.elapsed() < ttl
            || state.last_scheduled.is_some_and(|at| at.elapsed() < self.inner.config.refresh_min_interval)
        {
            return;
        }
        state.last_scheduled = Some(Instant::now());
        match self.inner.source.fetch().await {
            Ok(keys) => self.store(keys),
            Err(err) => tracing::warn!(
                jwks = %self.inner.source.describe(),
                error = %err,
                "key set refresh failed; keeping the previous keys"
            ),
        }
    }
}

/// Follows a few redirects, but never from https to plain http: whoever could answer that request could
/// substitute the signing keys.
fn redirect_policy(attempt: reqwest::redirect::Attempt<'_>) -> reqwest::redirect::Action {
    let started_secure = attempt.previous().first().is_some_and(|url| url.scheme() == "https");
    if attempt.previous().len() > 5 {
        attempt.error("too many redirects")
    } else if started_secure && attempt.url().scheme() != "https" {
        attempt.error("redirect from https to an insecure URL")
    } else {
        attempt.follow()
    }
}

fn validation(config: &OidcConfig, alg: Algorithm) -> Validation {
    let mut validation = Validation::new(alg);
    // jsonwebtoken checks aud and iss only when present unless they are listed as required.
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = true;
    validation.leeway = config.leeway_secs;
    validation.set_issuer(&[&config.issuer]);
    validation.set_audience(&[&config.audience]);
    validation
}

fn lookup(cache: &KeyCache, kid: Option<&str>, alg: Alg) -> Lookup {
    let candidates: Vec<&Arc<VerifyKey>> = match kid {
        Some(kid) => cache.keys.iter().filter(|key| key.kid.as_deref() == Some(kid)).collect(),
        None if cache.keys.len() == 1 => cache.keys.iter().collect(),
        None => Vec::new(),
    };
    if candidates.is_empty() {
        return Lookup::Missing;
    }
    candidates
        .into_iter()
        .find(|key| key.kind == alg.key_kind())
        .map_or(Lookup::WrongType, |key| Lookup::Found(Arc::clone(key)))
}

struct Header {
    alg: Alg,
    kid: Option<String>,
}

/// Reads the JOSE header before anything else, so that `none`, the HMAC algorithms and everything else
/// unsupported is refused by name and no key is ever looked up for them.
fn parse_header(token: &str) -> Result<Header, TokenError> {
    let mut parts = token.split('.');
    let (Some(encoded), Some(_payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let raw = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| TokenError::Malformed)?;
    let Ok(Value::Object(header)) = serde_json::from_slice::<Value>(&raw) else {
        return Err(TokenError::Malformed);
    };
    let Some(Value::String(alg)) = header.get("alg") else {
        return Err(TokenError::Malformed);
    };
    let alg = match alg.as_str() {
        "RS256" => Alg::Rs256,
        "ES256" => Alg::Es256,
        other => return Err(TokenError::UnsupportedAlgorithm(sanitize(other))),
    };
    // RFC 7515 4.1.11: extensions marked critical must be understood, and this verifier understands none.
    if header.contains_key("crit") {
        return Err(TokenError::Malformed);
    }
    let kid = match header.get("kid") {
        None | Some(Value::Null) => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(TokenError::Malformed),
    };
    Ok(Header { alg, kid })
}

/// The attacker-chosen algorithm name goes into errors and logs: printable ASCII only, and short.
fn sanitize(alg: &str) -> String {
    alg.chars().take(16).map(|c| if c.is_ascii_graphic() { c } else { '?' }).collect()
}

fn map_jwt_error(err: &jsonwebtoken::errors::Error, alg: Alg) -> TokenError {
    match err.kind() {
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidKeyFormat
        | ErrorKind::RsaFailedSigning
        | ErrorKind::Signing(_)
        | ErrorKind::Provider(_) => TokenError::BadSignature,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => TokenError::MissingClaim(static_claim(claim)),
        ErrorKind::InvalidAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::MissingAlgorithm => TokenError::UnsupportedAlgorithm(alg.name().to_owned()),
        _ => TokenError::Malformed,
    }
}

fn static_claim(claim: &str) -> &'static str {
    match claim {
        "exp" => "exp",
        "iss" => "iss",
        "aud" => "aud",
        "sub" => "sub",
        "nbf" => "nbf",
        _ => "unknown",
    }
}

/// A NumericDate as whole seconds; fractions are allowed by RFC 7519 and truncated.
fn numeric_date(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_f64().filter(|secs| secs.is_finite()).map(|secs| secs as i64))
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| i64::try_from(since.as_secs()).unwrap_or(i64::MAX))
}

/// The checks jsonwebtoken does not make, and the identity.
fn identity(claims: &Map<String, Value>, config: &OidcConfig) -> Result<ExternalIdentity, TokenError> {
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|sub| !sub.is_empty())
        .ok_or(TokenError::MissingClaim("sub"))?;
    // jsonwebtoken also accepts an array of issuers containing ours; an OIDC `iss` is a single string.
    if claims.get("iss").and_then(Value::as_str) != Some(config.issuer.as_str()) {
        return Err(TokenError::WrongIssuer);
    }
    let expires_at = claims.get("exp").and_then(numeric_date).ok_or(TokenError::MissingClaim("exp"))?;
    if let Some(iat) = claims.get("iat") {
        let iat = numeric_date(iat).ok_or(TokenError::Malformed)?;
        let leeway = i64::try_from(config.leeway_secs).unwrap_or(i64::MAX);
        if iat > now_unix().saturating_add(leeway) {
            return Err(TokenError::NotYetValid);
        }
    }
    let mfa = claims.get("amr").and_then(Value::as_array).is_some_and(|amr| {
        amr.iter().filter_map(Value::as_str).any(|method| config.mfa_amr.iter().any(|m| m == method))
    });
    Ok(ExternalIdentity { subject: subject.to_owned(), issuer: config.issuer.clone(), mfa, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_stable() {
        assert_eq!(TokenError::Expired.reason(), "TOKEN_EXPIRED");
        assert_eq!(TokenError::WrongAudience.reason(), "TOKEN_WRONG_AUDIENCE");
        assert_eq!(TokenError::MissingClaim("sub").reason(), "TOKEN_MISSING_CLAIM");
        assert_eq!(TokenError::KeysUnavailable(String::new()).reason(), "TOKEN_KEYS_UNAVAILABLE");
    }

    #[test]
    fn header_parsing() {
        let enc = |json: &str| format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(json));
        assert!(
            matches!(parse_header(&enc(r#"{"alg":"ES256","kid":"k"}"#)), Ok(Header { alg: Alg::Es256, kid: Some(k) }) if k == "k")
        );
        assert!(matches!(
            parse_header(&enc(r#"{"alg":"RS256"}"#)),
            Ok(Header { alg: Alg::Rs256, kid: None })
        ));
        assert_eq!(
            parse_header(&enc(r#"{"alg":"none"}"#)).err(),
            Some(TokenError::UnsupportedAlgorithm("none".into()))
        );
        assert_eq!(
            parse_header(&enc(r#"{"alg":"HS256"}"#)).err(),
            Some(TokenError::UnsupportedAlgorithm("HS256".into()))
        );
        assert_eq!(
            parse_header(&enc(r#"{"alg":"PS256"}"#)).err(),
            Some(TokenError::UnsupportedAlgorithm("PS256".into()))
        );
        assert_eq!(
            parse_header(&enc("{\"alg\":\"\\u0000xxxxxxxxxxxxxxxxxxxxxxxx\"}")).err(),
            Some(TokenError::UnsupportedAlgorithm("?xxxxxxxxxxxxxxx".into()))
        );
        assert_eq!(
            parse_header(&enc(r#"{"alg":"ES256","crit":["b64"]}"#)).err(),
            Some(TokenError::Malformed)
        );
        assert_eq!(parse_header(&enc(r#"{"alg":"ES256","kid":7}"#)).err(), Some(TokenError::Malformed));
        assert_eq!(parse_header(&enc(r#"{"kid":"k"}"#)).err(), Some(TokenError::Malformed));
        assert_eq!(parse_header(&enc(r#"["alg"]"#)).err(), Some(TokenError::Malformed));
        for bad in ["", "a", "a.b", "a.b.c.d", "!!!.e30.c2ln", "e30.e30.c2ln"] {
            assert!(parse_header(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn jwks_parsing_keeps_only_usable_signature_keys() {
        let ec = r#"{"kty":"EC","crv":"P-256","kid":"ec",
            "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}"#;
        let set = format!(
            r#"{{"keys":[{ec},
            {{"kty":"EC","crv":"P-256","kid":"off-curve","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
              "y":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"}},
            {{"kty":"RSA","kid":"short","n":"AQAB","e":"AQAB"}},
            {{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}},
            {{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
            {{"kty":"EC","crv":"P-256","kid":"enc","use":"enc","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
              "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}},
            {{"kty":"EC","crv":"P-256","kid":"rs-alg","alg":"RS256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
              "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}},
            "not even an object"]}}"#
        );
        let keys = parse_jwks(set.as_bytes()).expect("one usable key");
        let kids: Vec<_> = keys.iter().map(|key| key.kid.clone()).collect();
        assert_eq!(kids, [Some("ec".to_owned())]);
        assert!(parse_jwks(br#"{"keys":[]}"#).is_err());
        assert!(parse_jwks(b"<html>").is_err());
    }
}

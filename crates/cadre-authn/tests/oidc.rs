//! OIDC token verification: one test per token mutation, each asserting the exact error, plus key-set
//! loading from a file and from a URL served by a local axum server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cadre_authn::dev_issuer::DevIssuer;
use cadre_authn::oidc::{ExternalIdentity, JwksLocation, OidcConfig, OidcVerifier, TokenError};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use serde_json::{Value, json};

const ISSUER: &str = "https://idp.example.test/realms/cadre";
const AUDIENCE: &str = "cadre-gateway";
const RSA_PRIVATE_PEM: &str = include_str!("fixtures/rsa-private.pem");
const RSA_PUBLIC_PEM: &str = include_str!("fixtures/rsa-public.pem");

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).expect("clock after 1970")
}

/// A signing key with its public JWK.
struct TestKey {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
}

impl TestKey {
    /// A P-256 key from a fixed seed, so tests need no random key generation.
    fn ec(kid: &str, seed: u8) -> Self {
        let secret = p256::SecretKey::from_slice(&[seed; 32]).expect("valid scalar");
        let der = secret.to_pkcs8_der().expect("pkcs8");
        let point = secret.public_key().to_encoded_point(false);
        let b64 = |bytes: Option<&p256::FieldBytes>| URL_SAFE_NO_PAD.encode(bytes.expect("uncompressed"));
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
            "x": b64(point.x()), "y": b64(point.y()),
        });
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(der.as_bytes()),
            jwk,
        }
    }

    /// The fixed 2048-bit RSA test key (generating one in a debug build takes seconds).
    fn rsa(kid: &str) -> Self {
        let encoding = EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).expect("fixture key");
        let mut jwk = serde_json::to_value(
            jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, Algorithm::RS256).expect("jwk"),
        )
        .expect("json");
        jwk["kid"] = json!(kid);
        jwk["use"] = json!("sig");
        Self { kid: kid.to_owned(), alg: Algorithm::RS256, encoding, jwk }
    }

    fn header(&self) -> Header {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        header
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_with(self.header(), claims)
    }

    fn sign_with(&self, header: Header, claims: &Value) -> String {
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("sign")
    }
}

fn jwks(keys: &[&TestKey]) -> String {
    json!({ "keys": keys.iter().map(|key| key.jwk.clone()).collect::<Vec<_>>() }).to_string()
}

/// Valid claims for `sub`.
fn claims(sub: &str) -> Value {
    let now = now();
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": sub,
        "iat": now, "nbf": now, "exp": now + 300,
        "amr": ["pwd"],
    })
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().expect("object").remove(name);
    claims
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn write_jwks(path: &Path, keys: &[&TestKey]) {
    std::fs::write(path, jwks(keys)).expect("write jwks");
}

/// A verifier over a JWKS file holding `keys`; the directory lives as long as the returned guard.
async fn file_verifier(keys: &[&TestKey]) -> (tempfile::TempDir, PathBuf, OidcVerifier) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jwks.json");
    write_jwks(&path, keys);
    let verifier = OidcVerifier::new(OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::File(path.clone())))
        .await
        .expect("verifier");
    (dir, path, verifier)
}

/// One EC and one RSA key in the set, the usual shape of a provider's JWKS during a migration.
async fn standard() -> (TestKey, TestKey, tempfile::TempDir, OidcVerifier) {
    let ec = TestKey::ec("ec-1", 7);
    let rsa = TestKey::rsa("rsa-1");
    let (dir, _, verifier) = file_verifier(&[&ec, &rsa]).await;
    (ec, rsa, dir, verifier)
}

#[tokio::test]
async fn valid_es256_token_is_accepted() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let claims = claims("alice");
    let identity = verifier.verify(&ec.sign(&claims)).await.expect("valid token");
    assert_eq!(
        identity,
        ExternalIdentity {
            subject: "alice".into(),
            issuer: ISSUER.into(),
            mfa: false,
            expires_at: claims["exp"].as_i64().expect("exp"),
        }
    );
}

#[tokio::test]
async fn valid_rs256_token_is_accepted() {
    let (_ec, rsa, _dir, verifier) = standard().await;
    let identity = verifier.verify(&rsa.sign(&claims("bob"))).await.expect("valid token");
    assert_eq!(identity.subject, "bob");
    assert!(!identity.mfa);
}

#[tokio::test]
async fn audience_array_containing_ours_is_accepted() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&with(claims("alice"), "aud", json!(["other", AUDIENCE])));
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn mfa_is_read_from_amr() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let mfa_of = |amr: Option<Value>| {
        let claims = match amr {
            Some(amr) => with(claims("alice"), "amr", amr),
            None => without(claims("alice"), "amr"),
        };
        let token = ec.sign(&claims);
        let verifier = verifier.clone();
        async move { verifier.verify(&token).await.map(|identity| identity.mfa) }
    };
    assert_eq!(mfa_of(Some(json!(["pwd", "otp"]))).await, Ok(true));
    assert_eq!(mfa_of(Some(json!(["hwk"]))).await, Ok(true));
    assert_eq!(mfa_of(Some(json!(["mfa"]))).await, Ok(true));
    assert_eq!(mfa_of(Some(json!(["swk", "pwd"]))).await, Ok(true));
    assert_eq!(mfa_of(Some(json!(["pwd"]))).await, Ok(false));
    assert_eq!(mfa_of(Some(json!(["pwd", "sms-ish"]))).await, Ok(false));
    assert_eq!(mfa_of(Some(json!("mfa"))).await, Ok(false), "amr must be an array");
    assert_eq!(mfa_of(None).await, Ok(false));

    // The set of second-factor methods is configurable.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jwks.json");
    write_jwks(&path, &[&ec]);
    let mut config = OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::File(path));
    config.mfa_amr = vec!["face".into()];
    let custom = OidcVerifier::new(config).await.expect("verifier");
    let face = ec.sign(&with(claims("alice"), "amr", json!(["face"])));
    let otp = ec.sign(&with(claims("alice"), "amr", json!(["otp"])));
    assert_eq!(custom.verify(&face).await.map(|i| i.mfa), Ok(true));
    assert_eq!(custom.verify(&otp).await.map(|i| i.mfa), Ok(false));
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{}"}}"#, ec.kid));
    let payload = URL_SAFE_NO_PAD.encode(claims("mallory").to_string());
    for token in [format!("{header}.{payload}."), format!("{header}.{payload}.c2ln")] {
        assert_eq!(verifier.verify(&token).await, Err(TokenError::UnsupportedAlgorithm("none".into())));
    }
    // Spelling games do not help either.
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"None"}"#);
    assert_eq!(
        verifier.verify(&format!("{header}.{payload}.")).await,
        Err(TokenError::UnsupportedAlgorithm("None".into()))
    );
}

#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_is_refused() {
    let (_ec, rsa, _dir, verifier) = standard().await;
    // The classic confusion: an attacker signs with HMAC, using the published RSA public key as the secret,
    // hoping the verifier feeds "the key for this kid" to whatever algorithm the header names.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(rsa.kid.clone());
    let forged = jsonwebtoken::encode(
        &header,
        &claims("mallory"),
        &EncodingKey::from_secret(RSA_PUBLIC_PEM.as_bytes()),
    )
    .expect("sign");
    assert_eq!(verifier.verify(&forged).await, Err(TokenError::UnsupportedAlgorithm("HS256".into())));
    // And the other HMAC sizes, without a kid.
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let forged = jsonwebtoken::encode(
            &Header::new(alg),
            &claims("mallory"),
            &EncodingKey::from_secret(RSA_PUBLIC_PEM.as_bytes()),
        )
        .expect("sign");
        assert_eq!(verifier.verify(&forged).await, Err(TokenError::UnsupportedAlgorithm(format!("{alg:?}"))));
    }
}

#[tokio::test]
async fn es256_header_naming_an_rsa_key_is_refused() {
    let (ec, rsa, _dir, verifier) = standard().await;
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(rsa.kid.clone());
    let token = ec.sign_with(header, &claims("mallory"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::BadSignature));
}

#[tokio::test]
async fn rs256_header_naming_an_ec_key_is_refused() {
    let (ec, rsa, _dir, verifier) = standard().await;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(ec.kid.clone());
    let token = rsa.sign_with(header, &claims("mallory"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::BadSignature));
}

#[tokio::test]
async fn other_asymmetric_algorithms_are_refused() {
    let (_ec, rsa, _dir, verifier) = standard().await;
    let mut header = Header::new(Algorithm::PS256);
    header.kid = Some(rsa.kid.clone());
    let token = rsa.sign_with(header, &claims("alice"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::UnsupportedAlgorithm("PS256".into())));
}

#[tokio::test]
async fn expired_token_is_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let now = now();
    let token = ec.sign(&with(with(claims("alice"), "exp", json!(now - 120)), "iat", json!(now - 600)));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::Expired));
}

#[tokio::test]
async fn expiry_within_the_leeway_is_tolerated() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&with(claims("alice"), "exp", json!(now() - 5)));
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn token_not_yet_valid_is_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&with(claims("alice"), "nbf", json!(now() + 300)));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::NotYetValid));
}

#[tokio::test]
async fn token_issued_in_the_future_is_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&without(with(claims("alice"), "iat", json!(now() + 300)), "nbf"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::NotYetValid));
}

#[tokio::test]
async fn wrong_issuer_is_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&with(claims("alice"), "iss", json!("https://evil.example.test")));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::WrongIssuer));
    // An array that contains our issuer is not a single issuer.
    let token = ec.sign(&with(claims("alice"), "iss", json!([ISSUER, "https://evil.example.test"])));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::WrongIssuer));
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&with(claims("alice"), "aud", json!("another-app")));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::WrongAudience));
    let token = ec.sign(&with(claims("alice"), "aud", json!(["another-app", "a-third"])));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::WrongAudience));
}

#[tokio::test]
async fn missing_audience_is_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&without(claims("alice"), "aud"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::MissingClaim("aud")));
}

#[tokio::test]
async fn missing_subject_is_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&without(claims("alice"), "sub"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::MissingClaim("sub")));
    let token = ec.sign(&claims(""));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::MissingClaim("sub")));
}

#[tokio::test]
async fn missing_expiry_is_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&without(claims("alice"), "exp"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::MissingClaim("exp")));
}

#[tokio::test]
async fn missing_issuer_is_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&without(claims("alice"), "iss"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::MissingClaim("iss")));
}

#[tokio::test]
async fn oversized_token_is_refused_before_parsing() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let token = ec.sign(&with(claims("alice"), "padding", json!("x".repeat(9000))));
    assert!(token.len() > 8192);
    assert_eq!(verifier.verify(&token).await, Err(TokenError::TooLarge));
    // Not even a JWS: the size check comes first.
    assert_eq!(verifier.verify(&"!".repeat(8193)).await, Err(TokenError::TooLarge));

    // The limit is inclusive and configurable.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jwks.json");
    write_jwks(&path, &[&ec]);
    let token = ec.sign(&claims("alice"));
    let mut config = OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::File(path));
    config.max_token_bytes = token.len();
    let exact = OidcVerifier::new(config.clone()).await.expect("verifier");
    assert!(exact.verify(&token).await.is_ok());
    config.max_token_bytes = token.len() - 1;
    let smaller = OidcVerifier::new(config).await.expect("verifier");
    assert_eq!(smaller.verify(&token).await, Err(TokenError::TooLarge));
}

#[tokio::test]
async fn tampered_payload_is_refused() {
    let (ec, rsa, _dir, verifier) = standard().await;
    for key in [&ec, &rsa] {
        let token = key.sign(&claims("alice"));
        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode(claims("admin").to_string());
        let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert_eq!(verifier.verify(&forged).await, Err(TokenError::BadSignature), "{:?}", key.alg);
    }
}

#[tokio::test]
async fn tampered_signature_is_refused() {
    let (ec, rsa, _dir, verifier) = standard().await;
    for key in [&ec, &rsa] {
        let token = key.sign(&claims("alice"));
        let (message, signature) = token.rsplit_once('.').expect("three parts");
        let mut raw = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
        raw[10] ^= 0x01;
        let forged = format!("{message}.{}", URL_SAFE_NO_PAD.encode(&raw));
        assert_eq!(verifier.verify(&forged).await, Err(TokenError::BadSignature), "{:?}", key.alg);
        // A signature of the wrong length, and none at all.
        assert_eq!(verifier.verify(&format!("{message}.AAAA")).await, Err(TokenError::BadSignature));
        assert_eq!(verifier.verify(&format!("{message}.")).await, Err(TokenError::BadSignature));
    }
}

#[tokio::test]
async fn malformed_tokens_are_refused() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let valid = ec.sign(&claims("alice"));
    let parts: Vec<&str> = valid.split('.').collect();
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"ES256","kid":"{}"}}"#, ec.kid));
    let cases = [
        String::new(),
        "garbage".into(),
        "a.b".into(),
        "a.b.c".into(),
        "a.b.c.d".into(),
        format!("{valid}.extra"),
        format!("{}.{}", parts[0], parts[1]),
        format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        format!("{} .{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}.{}", URL_SAFE_NO_PAD.encode("not json"), parts[1], parts[2]),
        format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT"}"#), parts[1], parts[2]),
        format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(r#"{"alg":256}"#), parts[1], parts[2]),
        // A payload that is not JSON, validly signed.
        sign_raw(&ec, &header, b"not json"),
        // A payload that is JSON but not an object, validly signed.
        sign_raw(&ec, &header, b"[1,2,3]"),
        // Bytes that are not base64url in the signature.
        format!("{}.{}.{}!", parts[0], parts[1], parts[2]),
    ];
    for token in &cases {
        assert_eq!(verifier.verify(token).await, Err(TokenError::Malformed), "{token:?}");
    }
}

/// Signs an arbitrary payload, which jsonwebtoken's `encode` would not produce.
fn sign_raw(key: &TestKey, header_b64: &str, payload: &[u8]) -> String {
    let message = format!("{header_b64}.{}", URL_SAFE_NO_PAD.encode(payload));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key.encoding, key.alg).expect("sign");
    format!("{message}.{signature}")
}

#[tokio::test]
async fn unknown_kid_and_missing_kid() {
    let (ec, _rsa, _dir, verifier) = standard().await;
    let mut header = ec.header();
    header.kid = Some("nobody-publishes-this".into());
    assert_eq!(verifier.verify(&ec.sign_with(header, &claims("alice"))).await, Err(TokenError::UnknownKey));
    // Two keys in the set and no kid: which one is meant is unknown.
    let token = ec.sign_with(Header::new(Algorithm::ES256), &claims("alice"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::UnknownKey));
}

#[tokio::test]
async fn the_only_key_is_used_when_there_is_no_kid() {
    let ec = TestKey::ec("only", 9);
    let (_dir, _path, verifier) = file_verifier(&[&ec]).await;
    let token = ec.sign_with(Header::new(Algorithm::ES256), &claims("alice"));
    assert_eq!(verifier.verify(&token).await.map(|identity| identity.subject), Ok("alice".to_owned()));
    // The only key still has to be the right type.
    let rsa = TestKey::rsa("unused");
    let token = rsa.sign_with(Header::new(Algorithm::RS256), &claims("alice"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::BadSignature));
}

#[tokio::test]
async fn a_key_from_another_set_does_not_verify() {
    let (_ec, _rsa, _dir, verifier) = standard().await;
    // Same kid as a published key, different private key.
    let impostor = TestKey::ec("ec-1", 8);
    assert_eq!(verifier.verify(&impostor.sign(&claims("alice"))).await, Err(TokenError::BadSignature));
}

#[tokio::test]
async fn jwks_file_source_loads_and_refreshes() {
    let first = TestKey::ec("first", 11);
    let second = TestKey::ec("second", 12);
    let (_dir, path, verifier) = file_verifier(&[&first]).await;
    assert!(verifier.verify(&first.sign(&claims("alice"))).await.is_ok());
    // A key added to the file is found through the unknown-kid refresh.
    write_jwks(&path, &[&first, &second]);
    assert!(verifier.verify(&second.sign(&claims("alice"))).await.is_ok());
}

#[tokio::test]
async fn jwks_that_cannot_be_loaded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.json");
    let err = OidcVerifier::new(OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::File(missing)))
        .await
        .expect_err("missing file");
    assert!(matches!(err, TokenError::KeysUnavailable(_)), "{err:?}");
    assert_eq!(err.reason(), "TOKEN_KEYS_UNAVAILABLE");

    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, r#"{"keys":[]}"#).expect("write");
    let err = OidcVerifier::new(OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::File(empty)))
        .await
        .expect_err("no keys");
    assert!(matches!(err, TokenError::KeysUnavailable(_)), "{err:?}");

    let err = OidcVerifier::new(OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::Url("ftp://x/jwks".into())))
        .await
        .expect_err("bad scheme");
    assert!(matches!(err, TokenError::KeysUnavailable(_)), "{err:?}");
}

/// A JWKS endpoint whose key set, status and fetch count the test controls.
#[derive(Clone)]
struct JwksServer {
    addr: SocketAddr,
    body: Arc<Mutex<String>>,
    status: Arc<AtomicU16>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start(keys: &[&TestKey]) -> Self {
        let body = Arc::new(Mutex::new(jwks(keys)));
        let status = Arc::new(AtomicU16::new(200));
        let fetches = Arc::new(AtomicUsize::new(0));
        let state = (Arc::clone(&body), Arc::clone(&status), Arc::clone(&fetches));
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let (body, status, fetches) = state.clone();
                async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    let status =
                        axum::http::StatusCode::from_u16(status.load(Ordering::SeqCst)).expect("status");
                    let body = body.lock().expect("lock").clone();
                    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, body, status, fetches }
    }

    fn url(&self) -> String {
        format!("http://{}/jwks", self.addr)
    }

    fn serve(&self, keys: &[&TestKey]) {
        *self.body.lock().expect("lock") = jwks(keys);
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn unknown_kid_refreshes_from_the_url_at_most_once_per_interval() {
    let k1 = TestKey::ec("k1", 21);
    let k2 = TestKey::ec("k2", 22);
    let k3 = TestKey::rsa("k3");
    let server = JwksServer::start(&[&k1]).await;
    let verifier = OidcVerifier::new(OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::Url(server.url())))
        .await
        .expect("verifier");
    assert_eq!(server.fetches(), 1, "loaded once at start");
    assert!(verifier.verify(&k1.sign(&claims("alice"))).await.is_ok());
    assert_eq!(server.fetches(), 1, "a known kid fetches nothing");

    // The provider rotates in k2: the first token signed with it causes exactly one refetch and passes.
    server.serve(&[&k1, &k2]);
    assert!(verifier.verify(&k2.sign(&claims("alice"))).await.is_ok());
    assert_eq!(server.fetches(), 2);
    assert!(verifier.verify(&k2.sign(&claims("bob"))).await.is_ok());
    assert_eq!(server.fetches(), 2, "k2 is cached now");

    // Made-up kids within the interval do not reach the provider.
    let mut header = k1.header();
    header.kid = Some("made-up".into());
    let made_up = k1.sign_with(header, &claims("mallory"));
    for _ in 0..5 {
        assert_eq!(verifier.verify(&made_up).await, Err(TokenError::UnknownKey));
    }
    assert_eq!(server.fetches(), 2, "rate-limited by refresh_min_interval");
    // Even a key that is really published by now waits for the interval.
    server.serve(&[&k1, &k2, &k3]);
    assert_eq!(verifier.verify(&k3.sign(&claims("alice"))).await, Err(TokenError::UnknownKey));
    assert_eq!(server.fetches(), 2);
    // Clones share the cache and the rate limit.
    let clone = verifier.clone();
    assert_eq!(clone.verify(&made_up).await, Err(TokenError::UnknownKey));
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn unknown_kid_refreshes_again_after_the_interval() {
    let k1 = TestKey::ec("k1", 31);
    let k2 = TestKey::ec("k2", 32);
    let server = JwksServer::start(&[&k1]).await;
    let mut config = OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::Url(server.url()));
    config.refresh_min_interval = Duration::from_millis(200);
    let verifier = OidcVerifier::new(config).await.expect("verifier");
    let token = k2.sign(&claims("alice"));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::UnknownKey));
    assert_eq!(server.fetches(), 2, "one refetch for the unknown kid");
    server.serve(&[&k1, &k2]);
    assert_eq!(verifier.verify(&token).await, Err(TokenError::UnknownKey));
    assert_eq!(server.fetches(), 2, "still inside the interval");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.fetches(), 3);
}

#[tokio::test]
async fn expired_cache_is_refetched_and_withdrawn_keys_stop_working() {
    let k1 = TestKey::ec("k1", 41);
    let k2 = TestKey::ec("k2", 42);
    let server = JwksServer::start(&[&k1, &k2]).await;
    let mut config = OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::Url(server.url()));
    config.cache_ttl = Duration::from_millis(100);
    let verifier = OidcVerifier::new(config).await.expect("verifier");
    let token = k1.sign(&claims("alice"));
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.fetches(), 1);
    // The provider withdraws k1; once the cache expires, k1 no longer verifies.
    server.serve(&[&k2]);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(verifier.verify(&token).await, Err(TokenError::UnknownKey));
    assert!(server.fetches() >= 2, "refetched after the ttl");
    assert!(verifier.verify(&k2.sign(&claims("alice"))).await.is_ok());
}

#[tokio::test]
async fn provider_failures() {
    let k1 = TestKey::ec("k1", 51);
    let k2 = TestKey::ec("k2", 52);
    let server = JwksServer::start(&[&k1]).await;
    // Down at start: the verifier cannot be built.
    server.status.store(503, Ordering::SeqCst);
    let err = OidcVerifier::new(OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::Url(server.url())))
        .await
        .expect_err("provider down");
    assert!(matches!(err, TokenError::KeysUnavailable(_)), "{err:?}");

    // Down later: known keys keep working (even past the ttl), an unknown kid reports the outage.
    server.status.store(200, Ordering::SeqCst);
    let mut config = OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::Url(server.url()));
    config.cache_ttl = Duration::from_millis(50);
    let verifier = OidcVerifier::new(config).await.expect("verifier");
    server.status.store(500, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(verifier.verify(&k1.sign(&claims("alice"))).await.is_ok());
    let err = verifier.verify(&k2.sign(&claims("alice"))).await.expect_err("unknown kid");
    assert!(matches!(err, TokenError::KeysUnavailable(_)), "{err:?}");

    // Garbage from the provider is an outage too, not an empty key set.
    let server = JwksServer::start(&[&k1]).await;
    *server.body.lock().expect("lock") = "<html>maintenance</html>".into();
    let err = OidcVerifier::new(OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::Url(server.url())))
        .await
        .expect_err("not a key set");
    assert!(matches!(err, TokenError::KeysUnavailable(_)), "{err:?}");
}

#[tokio::test]
async fn dev_issuer_tokens_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let issuer =
        DevIssuer::load_or_create(dir.path(), "https://dev.cadre.local", "cadre-dev").expect("issuer");
    assert_eq!(issuer.issuer(), "https://dev.cadre.local");
    assert_eq!(issuer.audience(), "cadre-dev");
    let config = issuer.oidc_config();
    assert_eq!(config.jwks, JwksLocation::File(issuer.jwks_path()));
    let verifier = OidcVerifier::new(config).await.expect("verifier");

    let token = issuer.mint("leader.t01", true, Duration::from_secs(600)).expect("mint");
    let identity = verifier.verify(&token).await.expect("valid");
    assert_eq!(identity.subject, "leader.t01");
    assert_eq!(identity.issuer, "https://dev.cadre.local");
    assert!(identity.mfa);
    assert!((identity.expires_at - now() - 600).abs() <= 2);
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert_eq!(header.alg, Algorithm::ES256);
    assert!(header.kid.is_some());

    let token = issuer.mint("cadre.t01", false, Duration::from_secs(60)).expect("mint");
    assert_eq!(verifier.verify(&token).await.map(|identity| identity.mfa), Ok(false));

    // A restarted issuer reuses its key, so earlier tokens still verify with its new configuration.
    let restarted =
        DevIssuer::load_or_create(dir.path(), "https://dev.cadre.local", "cadre-dev").expect("reload");
    let verifier = OidcVerifier::new(restarted.oidc_config()).await.expect("verifier");
    assert!(verifier.verify(&token).await.is_ok());

    // Another issuer's tokens do not.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other = DevIssuer::load_or_create(other_dir.path(), "https://dev.cadre.local", "cadre-dev")
        .expect("other issuer");
    let foreign = other.mint("leader.t01", true, Duration::from_secs(600)).expect("mint");
    assert_eq!(verifier.verify(&foreign).await, Err(TokenError::UnknownKey));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifier_is_shared_across_tasks() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<OidcVerifier>();
    let (ec, rsa, _dir, verifier) = standard().await;
    let tokens = [ec.sign(&claims("a")), rsa.sign(&claims("b"))];
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let verifier = verifier.clone();
            let token = tokens[i % 2].clone();
            tokio::spawn(async move { verifier.verify(&token).await.map(|identity| identity.subject) })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let expected = if i % 2 == 0 { "a" } else { "b" };
        assert_eq!(task.await.expect("task"), Ok(expected.to_owned()));
    }
}

#[test]
fn config_defaults_and_location_serde() {
    let config = OidcConfig::new(ISSUER, AUDIENCE, JwksLocation::Url("https://idp/jwks".into()));
    assert_eq!(config.leeway_secs, 30);
    assert_eq!(config.max_token_bytes, 8192);
    assert_eq!(config.refresh_min_interval, Duration::from_secs(30));
    assert_eq!(config.cache_ttl, Duration::from_secs(600));
    assert_eq!(config.mfa_amr, ["mfa", "otp", "hwk", "swk"]);
    for location in
        [JwksLocation::File("/etc/cadre/jwks.json".into()), JwksLocation::Url("https://idp/jwks".into())]
    {
        let text = serde_json::to_string(&location).expect("serialize");
        assert_eq!(serde_json::from_str::<JwksLocation>(&text).expect("deserialize"), location);
    }
}

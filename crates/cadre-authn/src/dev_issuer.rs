//! A development OIDC issuer for `cadre dev` and tests: it mints ES256 tokens that an [`OidcVerifier`]
//! configured with [`DevIssuer::oidc_config`] accepts, so the whole sign-in path runs without an external
//! identity provider.
//!
//! The private key lives in `<dir>/dev-issuer.key.pem` (PKCS#8, mode 0600) and survives restarts, so that
//! tokens minted before a restart stay valid; the public key set is written beside it as
//! `<dir>/dev-issuer.jwks.json`.
//!
//! [`OidcVerifier`]: crate::oidc::OidcVerifier

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::SecretKey;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::elliptic_curve::zeroize::Zeroizing;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};

use crate::oidc::{JwksLocation, OidcConfig};

/// File name of the private key inside the issuer's directory.
pub const KEY_FILE: &str = "dev-issuer.key.pem";
/// File name of the public key set inside the issuer's directory.
pub const JWKS_FILE: &str = "dev-issuer.jwks.json";

/// Loading, creating or using the development issuer's key failed.
#[derive(Debug, thiserror::Error)]
pub enum DevIssuerError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory at fault.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The key file exists but does not hold a P-256 PKCS#8 private key. It is left alone rather than
    /// replaced, because replacing it would silently invalidate every token minted with it; delete it to
    /// start over.
    #[error("{}: not a P-256 PKCS#8 private key ({reason})", path.display())]
    InvalidKey {
        /// The key file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// Signing a token failed.
    #[error("cannot sign the token: {0}")]
    Signing(String),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DevIssuerError + '_ {
    move |source| DevIssuerError::Io { path: path.to_owned(), source }
}

/// A development issuer with its signing key.
pub struct DevIssuer {
    dir: PathBuf,
    issuer: String,
    audience: String,
    kid: String,
    signing_key: EncodingKey,
}

impl std::fmt::Debug for DevIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIssuer")
            .field("dir", &self.dir)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    iat: u64,
    nbf: u64,
    exp: u64,
    amr: &'a [&'a str],
    jti: String,
}

impl DevIssuer {
    /// Loads the key from `dir`, or creates it (the directory with 0700, the key with 0600 permissions)
    /// when missing, and (re)writes the public key set beside it.
    pub fn load_or_create(dir: &Path, issuer: &str, audience: &str) -> Result<Self, DevIssuerError> {
        create_private_dir(dir)?;
        let key_path = dir.join(KEY_FILE);
        let secret = match std::fs::read_to_string(&key_path) {
            Ok(pem) => parse_key(&key_path, &pem)?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => create_key(dir, &key_path)?,
            Err(err) => return Err(io_error(&key_path)(err)),
        };
        warn_if_readable_by_others(&key_path);
        let der = secret
            .to_pkcs8_der()
            .map_err(|err| DevIssuerError::InvalidKey { path: key_path.clone(), reason: err.to_string() })?;
        let (jwk, kid) = public_jwk(&secret);
        let jwks = serde_json::json!({ "keys": [jwk] });
        let jwks_path = dir.join(JWKS_FILE);
        write_replacing(&jwks_path, format!("{jwks:#}\n").as_bytes())?;
        Ok(Self {
            dir: dir.to_owned(),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            kid,
            signing_key: EncodingKey::from_ec_der(der.as_bytes()),
        })
    }

    /// Where the public key set is: `<dir>/dev-issuer.jwks.json`.
    pub fn jwks_path(&self) -> PathBuf {
        self.dir.join(JWKS_FILE)
    }

    /// The `iss` of the tokens this issuer mints.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` of the tokens this issuer mints.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// A token for `subject` valid for `ttl` from now, with `amr` `["pwd", "otp"]` when `mfa`, else
    /// `["pwd"]`, and the key's `kid` in the header.
    pub fn mint(&self, subject: &str, mfa: bool, ttl: Duration) -> Result<String, DevIssuerError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
        let amr: &[&str] = if mfa { &["pwd", "otp"] } else { &["pwd"] };
        let claims = Claims {
            iss: &self.issuer,
            aud: &self.audience,
            sub: subject,
            iat: now,
            nbf: now,
            exp: now.saturating_add(ttl.as_secs()),
            amr,
            jti: hex::encode(crate::random::bytes::<16>()),
        };
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.signing_key)
            .map_err(|err| DevIssuerError::Signing(err.to_string()))
    }

    /// An [`OidcConfig`] that trusts this issuer through its JWKS file.
    pub fn oidc_config(&self) -> OidcConfig {
        OidcConfig::new(self.issuer.clone(), self.audience.clone(), JwksLocation::File(self.jwks_path()))
    }
}

fn create_private_dir(dir: &Path) -> Result<(), DevIssuerError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_error(dir))
}

fn parse_key(path: &Path, pem: &str) -> Result<SecretKey, DevIssuerError> {
    SecretKey::from_pkcs8_pem(pem)
        .map_err(|err| DevIssuerError::InvalidKey { path: path.to_owned(), reason: err.to_string() })
}

/// Generates a key and publishes it at `key_path` without ever exposing a half-written file: it is written
/// to a private temporary file first and then hard-linked into place, which fails rather than overwrites
/// when another process got there first (in which case that process's key wins and is read back).
fn create_key(dir: &Path, key_path: &Path) -> Result<SecretKey, DevIssuerError> {
    let secret = generate_key();
    let pem = secret
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|err| DevIssuerError::InvalidKey { path: key_path.to_owned(), reason: err.to_string() })?;
    let temp = dir.join(format!(".{KEY_FILE}.{}.tmp", hex::encode(crate::random::bytes::<8>())));
    let written = write_private(&temp, pem.as_bytes());
    let linked = written.and_then(|()| std::fs::hard_link(&temp, key_path).map_err(io_error(key_path)));
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => {
            tracing::info!(path = %key_path.display(), "created the development issuer's signing key");
            Ok(secret)
        }
        Err(DevIssuerError::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
            let pem = std::fs::read_to_string(key_path).map_err(io_error(key_path))?;
            parse_key(key_path, &pem)
        }
        Err(err) => Err(err),
    }
}

fn generate_key() -> SecretKey {
    // A random 32-byte string is a valid scalar unless it is zero or not below the group order, which
    // happens with probability about 2^-32; drawing again is the standard answer.
    loop {
        let candidate = Zeroizing::new(crate::random::bytes::<32>());
        if let Ok(secret) = SecretKey::from_slice(candidate.as_slice()) {
            return secret;
        }
    }
}

fn write_private(path: &Path, contents: &[u8]) -> Result<(), DevIssuerError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io_error(path))?;
    file.write_all(contents).and_then(|()| file.sync_all()).map_err(io_error(path))
}

/// Replaces `path` atomically (temporary file and rename), so that a verifier reading the key set never
/// sees half of it.
fn write_replacing(path: &Path, contents: &[u8]) -> Result<(), DevIssuerError> {
    let name = path.file_name().map_or_else(|| "file".into(), |name| name.to_string_lossy());
    let temp = path.with_file_name(format!(".{name}.{}.tmp", hex::encode(crate::random::bytes::<8>())));
    let result = std::fs::write(&temp, contents)
        .map_err(io_error(&temp))
        .and_then(|()| std::fs::rename(&temp, path).map_err(io_error(path)));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "the development issuer's key is readable by other users");
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// The public JWK of `secret` and its RFC 7638 thumbprint, used as the `kid` so that it is stable for a key
/// and changes with it.
fn public_jwk(secret: &SecretKey) -> (serde_json::Value, String) {
    let point = secret.public_key().to_encoded_point(false);
    let coordinate =
        |bytes: Option<&p256::FieldBytes>| bytes.map(|b| URL_SAFE_NO_PAD.encode(b)).unwrap_or_default();
    let x = coordinate(point.x());
    let y = coordinate(point.y());
    // RFC 7638: the required members in lexicographic order, no whitespace.
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
    let jwk = serde_json::json!({
        "kty": "EC",
        "crv": "P-256",
        "x": x,
        "y": y,
        "kid": kid,
        "use": "sig",
        "alg": "ES256",
    });
    (jwk, kid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_private_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("nested").join("dev");
        let first = DevIssuer::load_or_create(&home, "https://dev.cadre.local", "cadre").expect("create");
        let key_path = home.join(KEY_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_path).expect("key").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let pem = std::fs::read_to_string(&key_path).expect("key");
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let second = DevIssuer::load_or_create(&home, "https://dev.cadre.local", "cadre").expect("reuse");
        assert_eq!(first.kid, second.kid);
        assert_eq!(std::fs::read_to_string(&key_path).expect("key"), pem, "key not rewritten");
        assert_eq!(second.jwks_path(), home.join("dev-issuer.jwks.json"));
        let jwks: serde_json::Value =
            serde_json::from_slice(&std::fs::read(second.jwks_path()).expect("jwks")).expect("json");
        assert_eq!(jwks["keys"][0]["kid"], serde_json::Value::String(first.kid.clone()));
        assert!(jwks["keys"][0].get("d").is_none(), "no private part in the public key set");
        // No temporary files left behind.
        let mut names: Vec<_> = std::fs::read_dir(&home)
            .expect("dir")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [JWKS_FILE, KEY_FILE]);
    }

    #[test]
    fn broken_key_is_an_error_and_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(KEY_FILE), "not a key").expect("write");
        let err = DevIssuer::load_or_create(dir.path(), "iss", "aud").expect_err("broken key");
        assert!(matches!(err, DevIssuerError::InvalidKey { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(dir.path().join(KEY_FILE)).expect("key"), "not a key");
    }

    #[test]
    fn kid_is_the_rfc7638_thumbprint() {
        let (jwk, kid) = public_jwk(&generate_key());
        let parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk).expect("a JWK");
        let expected = parsed.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256).expect("thumbprint");
        assert_eq!(kid, expected);
        assert_eq!(parsed.common.key_id, Some(kid));
    }
}

//! The keys of the internal principal: the gateway signs with an Ed25519 private key, services verify with a
//! set of public keys. Both are files (a Kubernetes Secret and ConfigMap), re-read when they change, so keys
//! rotate without a restart: publish the new public key next to the old one, switch the gateway's private
//! key, then retire the old public key.

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
    sync::{Mutex, RwLock},
    time::{Duration, Instant, SystemTime},
};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::pkcs8::{EncodePrivateKey as _, spki::der::pem::LineEnding};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::Principal;

/// `iss` of every internal principal.
const ISSUER: &str = "cadre-gateway";
/// `aud` of every internal principal: the suite's services, never a client.
const AUDIENCE: &str = "cadre-services";
/// How often a key file is looked at for changes, at most.
const RECHECK: Duration = Duration::from_secs(1);
/// Principals are a few hundred bytes; anything much larger is not one.
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Clock skew tolerated between the gateway and a service.
const LEEWAY_SECS: u64 = 5;

/// Where the key files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    /// The gateway's Ed25519 private key, PKCS#8 PEM.
    pub signing_key: PathBuf,
    /// The public keys services accept, as a JWKS document.
    pub public_keys: PathBuf,
}

impl KeyFiles {
    /// The conventional file names inside `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            signing_key: dir.join("principal-signing-key.pem"),
            public_keys: dir.join("principal-public-keys.json"),
        }
    }
}

/// Why a key or a principal was not usable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// A key file could not be read or written.
    #[error("key file {path}: {problem}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        problem: String,
    },
    /// A key file holds no usable key.
    #[error("key file {path} holds no usable key: {problem}")]
    BadKey {
        /// The file.
        path: String,
        /// What went wrong.
        problem: String,
    },
    /// Signing failed.
    #[error("signing the principal failed: {0}")]
    Sign(String),
    /// The principal is not acceptable.
    #[error("{1}")]
    Rejected(&'static str, &'static str),
}

impl KeyError {
    /// The `ErrorInfo` reason for a rejected principal.
    pub fn reason(&self) -> &'static str {
        match self {
            KeyError::Rejected(reason, _) => reason,
            _ => "PRINCIPAL_KEYS_UNAVAILABLE",
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    /// The request this principal was minted for, when the gateway knows it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    rid: String,
    p: Principal,
}

#[derive(Debug, Serialize, Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Jwk {
    kty: String,
    crv: String,
    #[serde(default)]
    alg: String,
    #[serde(rename = "use", default)]
    usage: String,
    kid: String,
    x: String,
}

fn file_error(path: &Path, error: impl std::fmt::Display) -> KeyError {
    KeyError::File { path: path.display().to_string(), problem: error.to_string() }
}

fn bad_key(path: &Path, problem: impl std::fmt::Display) -> KeyError {
    KeyError::BadKey { path: path.display().to_string(), problem: problem.to_string() }
}

/// What tells a key file apart from its last version. The modification time alone is not enough: file
/// systems keep it at a coarse tick, and a rotation right after start-up can land in the same one. A
/// replaced file (rename, or Kubernetes' symlink swap) also has a new inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

fn modified(path: &Path) -> Option<Stamp> {
    let meta = fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some(Stamp { modified: meta.modified().ok(), len: meta.len(), inode })
}

fn kid_of(public: &[u8]) -> String {
    hex::encode(&Sha256::digest(public)[..8])
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

struct SignerState {
    key: EncodingKey,
    kid: String,
    modified: Option<Stamp>,
    checked: Instant,
}

/// Signs principals with the gateway's private key, re-reading the key file when it changes.
pub struct PrincipalSigner {
    path: PathBuf,
    ttl: Duration,
    state: Mutex<SignerState>,
}

impl std::fmt::Debug for PrincipalSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrincipalSigner").field("path", &self.path).field("ttl", &self.ttl).finish()
    }
}

fn read_signing_key(path: &Path) -> Result<(EncodingKey, String), KeyError> {
    use ed25519_dalek::pkcs8::DecodePrivateKey as _;
    let pem = fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).map_err(|e| bad_key(path, e))?;
    let kid = kid_of(key.verifying_key().as_bytes());
    let encoding = EncodingKey::from_ed_pem(pem.as_bytes()).map_err(|e| bad_key(path, e))?;
    Ok((encoding, kid))
}

impl PrincipalSigner {
    /// Loads the private key at `path`; principals live for `ttl`.
    pub fn load(path: &Path, ttl: Duration) -> Result<Self, KeyError> {
        let (key, kid) = read_signing_key(path)?;
        let state = SignerState { key, kid, modified: modified(path), checked: Instant::now() };
        Ok(Self { path: path.to_owned(), ttl, state: Mutex::new(state) })
    }

    /// How long a signed principal is valid.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The key id currently signing.
    pub fn kid(&self) -> String {
        self.lock().kid.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SignerState> {
        // A poisoned lock only means another thread panicked mid-sign; the state itself is always whole.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Signs `principal` for one request. A key file replaced since the last look is picked up first; a
    /// replacement that does not parse leaves the old key in use and is logged.
    pub fn sign(&self, principal: &Principal, request_id: &str) -> Result<String, KeyError> {
        let mut state = self.lock();
        if state.checked.elapsed() >= RECHECK {
            state.checked = Instant::now();
            let now_modified = modified(&self.path);
            if now_modified != state.modified {
                match read_signing_key(&self.path) {
                    Ok((key, kid)) => {
                        tracing::info!(%kid, "principal signing key rotated");
                        (state.key, state.kid, state.modified) = (key, kid, now_modified);
                    }
                    Err(error) => {
                        tracing::error!(%error, "new principal signing key unusable; keeping the old")
                    }
                }
            }
        }
        let now = now_secs();
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(60);
        let claims = Claims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            exp: now + ttl,
            rid: request_id.to_owned(),
            p: principal.clone(),
        };
        let header = Header { kid: Some(state.kid.clone()), ..Header::new(Algorithm::EdDSA) };
        jsonwebtoken::encode(&header, &claims, &state.key).map_err(|e| KeyError::Sign(e.to_string()))
    }
}

struct VerifierState {
    keys: HashMap<String, DecodingKey>,
    modified: Option<Stamp>,
    checked: Instant,
}

/// Verifies principals against the public key set, re-reading it when it changes or a token names a key it
/// does not hold (at most once a second, so unknown kids cannot make it spin).
pub struct PrincipalVerifier {
    path: PathBuf,
    state: RwLock<VerifierState>,
}

impl std::fmt::Debug for PrincipalVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrincipalVerifier").field("path", &self.path).finish()
    }
}

fn read_public_keys(path: &Path) -> Result<HashMap<String, DecodingKey>, KeyError> {
    let text = fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    let set: Jwks = serde_json::from_str(&text).map_err(|e| bad_key(path, e))?;
    let mut keys = HashMap::new();
    for jwk in set.keys {
        if jwk.kty != "OKP" || jwk.crv != "Ed25519" || !(jwk.alg.is_empty() || jwk.alg == "EdDSA") {
            return Err(bad_key(path, format!("key {} is not an Ed25519 signing key", jwk.kid)));
        }
        let key = DecodingKey::from_ed_components(&jwk.x).map_err(|e| bad_key(path, e))?;
        keys.insert(jwk.kid, key);
    }
    if keys.is_empty() {
        return Err(bad_key(path, "the key set is empty"));
    }
    Ok(keys)
}

impl PrincipalVerifier {
    /// Loads the public key set at `path`.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let keys = read_public_keys(path)?;
        let state = VerifierState { keys, modified: modified(path), checked: Instant::now() };
        Ok(Self { path: path.to_owned(), state: RwLock::new(state) })
    }

    fn refresh(&self, force: bool) {
        let mut state = self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.checked.elapsed() < RECHECK {
            return;
        }
        state.checked = Instant::now();
        let now_modified = modified(&self.path);
        if !force && now_modified == state.modified {
            return;
        }
        match read_public_keys(&self.path) {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "principal public keys reloaded");
                (state.keys, state.modified) = (keys, now_modified);
            }
            Err(error) => tracing::error!(%error, "principal public keys unusable; keeping the old set"),
        }
    }

    /// Verifies a principal token: signature by a known key, issuer, audience, expiry.
    pub fn verify(&self, token: &str) -> Result<(Principal, String), KeyError> {
        const MALFORMED: KeyError = KeyError::Rejected("PRINCIPAL_INVALID", "the principal is not valid");
        if token.len() > MAX_TOKEN_BYTES {
            return Err(MALFORMED);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| MALFORMED)?;
        if header.alg != Algorithm::EdDSA {
            return Err(MALFORMED);
        }
        let kid = header.kid.ok_or(MALFORMED)?;
        self.refresh(false);
        let known = |kid: &str| {
            let state = self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            state.keys.get(kid).cloned()
        };
        let key = match known(&kid) {
            Some(key) => key,
            None => {
                self.refresh(true);
                known(&kid).ok_or(KeyError::Rejected(
                    "PRINCIPAL_UNKNOWN_KEY",
                    "the principal is signed by a key this service does not accept",
                ))?
            }
        };
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = LEEWAY_SECS;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                KeyError::Rejected("PRINCIPAL_EXPIRED", "the principal has expired")
            }
            _ => MALFORMED,
        })?;
        Ok((data.claims.p, data.claims.rid))
    }
}

/// Creates a key pair in `dir` unless one is there: for `cadre dev` and tests. Production keys come from the
/// operator (see the README).
pub fn ensure_key_pair(dir: &Path) -> Result<KeyFiles, KeyError> {
    let files = KeyFiles::in_dir(dir);
    if files.signing_key.exists() && files.public_keys.exists() {
        return Ok(files);
    }
    fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    rotate(&files, false)?;
    Ok(files)
}

/// Makes a new signing key and publishes its public key, keeping the previous public keys when `keep_old`
/// (the first step of a rotation; drop them once every gateway signs with the new key). Returns the new kid.
/// The public set is written before the private key, so no service ever sees a principal it cannot verify.
pub fn rotate(files: &KeyFiles, keep_old: bool) -> Result<String, KeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyError::Sign(e.to_string()))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let public = key.verifying_key().to_bytes();
    let kid = kid_of(&public);
    let mut keys = if keep_old {
        fs::read_to_string(&files.public_keys)
            .ok()
            .and_then(|t| serde_json::from_str::<Jwks>(&t).ok())
            .map(|set| set.keys)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    keys.push(Jwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        alg: "EdDSA".into(),
        usage: "sig".into(),
        kid: kid.clone(),
        x: URL_SAFE_NO_PAD.encode(public),
    });
    let set = serde_json::to_string_pretty(&Jwks { keys }).map_err(|e| KeyError::Sign(e.to_string()))?;
    write_atomically(&files.public_keys, set.as_bytes())?;
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| KeyError::Sign(e.to_string()))?;
    write_atomically(&files.signing_key, pem.as_bytes())?;
    Ok(kid)
}

/// Retires every public key but `kid` (the last step of a rotation).
pub fn retire_all_but(files: &KeyFiles, kid: &str) -> Result<(), KeyError> {
    let text = fs::read_to_string(&files.public_keys).map_err(|e| file_error(&files.public_keys, e))?;
    let mut set: Jwks = serde_json::from_str(&text).map_err(|e| bad_key(&files.public_keys, e))?;
    set.keys.retain(|k| k.kid == kid);
    if set.keys.is_empty() {
        return Err(bad_key(&files.public_keys, format!("no key {kid} to keep")));
    }
    let text = serde_json::to_string_pretty(&set).map_err(|e| KeyError::Sign(e.to_string()))?;
    write_atomically(&files.public_keys, text.as_bytes())
}

/// Writes through a temporary file and a rename, so a reader never sees half a key; the private key file is
/// readable by its owner only.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes).map_err(|e| file_error(&tmp, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600)).map_err(|e| file_error(&tmp, e))?;
    }
    fs::rename(&tmp, path).map_err(|e| file_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{PrincipalKind, Role};

    fn someone() -> Principal {
        Principal {
            subject: "acct-1".into(),
            username: "leader.t01".into(),
            kind: PrincipalKind::Person,
            cadre_id: Some("c1".into()),
            roles: vec![Role::UnitLeader, Role::Cadre],
            scope_path: vec!["d".into(), "t1".into()],
            clearances: vec![],
            mfa: true,
        }
    }

    #[test]
    fn a_signed_principal_verifies_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let files = ensure_key_pair(dir.path()).unwrap();
        let signer = PrincipalSigner::load(&files.signing_key, Duration::from_secs(60)).unwrap();
        let verifier = PrincipalVerifier::load(&files.public_keys).unwrap();
        let token = signer.sign(&someone(), "req-1").unwrap();
        assert_eq!(verifier.verify(&token).unwrap(), (someone(), "req-1".to_owned()));
    }

    #[test]
    fn tampered_foreign_expired_and_garbage_principals_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let files = ensure_key_pair(dir.path()).unwrap();
        let signer = PrincipalSigner::load(&files.signing_key, Duration::from_secs(60)).unwrap();
        let verifier = PrincipalVerifier::load(&files.public_keys).unwrap();
        let token = signer.sign(&someone(), "").unwrap();

        // Swap in a payload that grants more, keeping the signature.
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["p"]["roles"] = serde_json::json!(["org_officer"]);
        let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);
        assert_eq!(verifier.verify(&forged).unwrap_err().reason(), "PRINCIPAL_INVALID");

        // A key pair the service never published.
        let other = tempfile::tempdir().unwrap();
        let other_files = ensure_key_pair(other.path()).unwrap();
        let stranger = PrincipalSigner::load(&other_files.signing_key, Duration::from_secs(60)).unwrap();
        let foreign = stranger.sign(&someone(), "").unwrap();
        assert_eq!(verifier.verify(&foreign).unwrap_err().reason(), "PRINCIPAL_UNKNOWN_KEY");

        let stale = PrincipalSigner::load(&files.signing_key, Duration::ZERO).unwrap();
        let mut state = stale.lock();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now_secs() - 120,
            exp: now_secs() - 60,
            rid: String::new(),
            p: someone(),
        };
        let header = Header { kid: Some(state.kid.clone()), ..Header::new(Algorithm::EdDSA) };
        let expired = jsonwebtoken::encode(&header, &claims, &state.key).unwrap();
        state.checked = Instant::now();
        drop(state);
        assert_eq!(verifier.verify(&expired).unwrap_err().reason(), "PRINCIPAL_EXPIRED");

        for garbage in ["", "a.b.c", "not a token", &"x".repeat(MAX_TOKEN_BYTES + 1)] {
            assert_eq!(verifier.verify(garbage).unwrap_err().reason(), "PRINCIPAL_INVALID", "{garbage:.20}");
        }
    }

    #[test]
    fn keys_rotate_without_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let files = ensure_key_pair(dir.path()).unwrap();
        let signer = PrincipalSigner::load(&files.signing_key, Duration::from_secs(60)).unwrap();
        let verifier = PrincipalVerifier::load(&files.public_keys).unwrap();
        let old_kid = signer.kid();
        let before = signer.sign(&someone(), "").unwrap();

        let new_kid = rotate(&files, true).unwrap();
        std::thread::sleep(RECHECK + Duration::from_millis(50));
        let after = signer.sign(&someone(), "").unwrap();
        assert_eq!(signer.kid(), new_kid, "the signer picked up the new key");
        assert_ne!(old_kid, new_kid);
        assert_eq!(verifier.verify(&after).map(|(p, _)| p), Ok(someone()), "the new key is accepted");
        assert!(verifier.verify(&before).is_ok(), "the old key is still published");

        retire_all_but(&files, &new_kid).unwrap();
        std::thread::sleep(RECHECK + Duration::from_millis(50));
        assert_eq!(verifier.verify(&before).unwrap_err().reason(), "PRINCIPAL_UNKNOWN_KEY");
        assert!(verifier.verify(&after).is_ok());
    }
}

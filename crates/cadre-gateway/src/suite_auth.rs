//! The suite's [`Authenticator`]: who holds a bearer token, and the principal the gateway signs for them.
//!
//! Three kinds of token are accepted, told apart by their shape:
//! - `cst_…` sessions of the built-in login and `csk_…` keys of other systems, checked by the identity
//!   service (`Authenticate`);
//! - JWTs of the district's identity provider, verified here against its keys (OIDC).
//!
//! The account behind either is resolved at the directory (roles, scope, clearances), roles that need a
//! second factor are dropped when the token did not prove one, and the result is cached for a few seconds
//! per token, so a busy caller costs one look-up per cache period rather than per call.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use cadre_authn::oidc::{OidcVerifier, TokenError};
use cadre_platform::auth::{Principal, PrincipalSigner, Role, SystemCaller};
use cadre_proto::{
    directory::{
        ResolvePrincipalRequest, directory_service_client::DirectoryServiceClient,
        resolve_principal_request::Subject,
    },
    identity::{AuthenticateRequest, identity_service_client::IdentityServiceClient},
};
use futures::future::BoxFuture;
use sha2::{Digest as _, Sha256};
use tonic::{Code, service::interceptor::InterceptedService, transport::Channel};

use crate::authn::{AuthFailure, Authenticated, Authenticator};

/// Bearer tokens longer than this are refused before any parsing.
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Cached principals kept at most; past it the cache is cleared (a flood of fresh tokens must not grow
/// memory without bound).
const MAX_CACHED: usize = 50_000;

type Directory = DirectoryServiceClient<InterceptedService<Channel, SystemCaller>>;
type Identity = IdentityServiceClient<InterceptedService<Channel, SystemCaller>>;

/// What the authenticator needs.
pub struct SuiteAuthenticatorParts {
    /// Signs principals (the gateway's key).
    pub signer: Arc<PrincipalSigner>,
    /// The directory, to resolve accounts.
    pub directory: Channel,
    /// The identity service, for sessions and service keys.
    pub identity: Channel,
    /// The identity provider, when the district has one.
    pub oidc: Option<OidcVerifier>,
    /// Roles exercised only with a second factor.
    pub mfa_required: Vec<Role>,
    /// How long a token's principal is reused.
    pub cache_ttl: Duration,
}

/// The suite's authenticator.
pub struct SuiteAuthenticator {
    signer: Arc<PrincipalSigner>,
    directory: Directory,
    identity: Identity,
    oidc: Option<OidcVerifier>,
    mfa_required: Vec<Role>,
    cache_ttl: Duration,
    cache: Mutex<HashMap<[u8; 32], (Principal, Instant)>>,
}

fn failure(code: Code, reason: &'static str, message: impl Into<String>) -> AuthFailure {
    AuthFailure { code, reason, message: message.into() }
}

fn unauthenticated(reason: &'static str, message: impl Into<String>) -> AuthFailure {
    failure(Code::Unauthenticated, reason, message)
}

/// A status from a service the gateway asked, as the caller should see it: "we could not check" stays
/// UNAVAILABLE (retry), any refusal becomes UNAUTHENTICATED with the service's reason where it is known.
fn from_status(status: &tonic::Status, fallback: &'static str) -> AuthFailure {
    use tonic_types::StatusExt as _;
    if matches!(status.code(), Code::Unavailable | Code::DeadlineExceeded | Code::Internal | Code::Unknown) {
        return failure(
            Code::Unavailable,
            "AUTHENTICATION_UNAVAILABLE",
            "cannot check credentials now; retry",
        );
    }
    let reason = status.get_error_details().error_info().map(|i| i.reason.clone()).unwrap_or_default();
    let known: &'static str = match reason.as_str() {
        "SESSION_EXPIRED" => "SESSION_EXPIRED",
        "SESSION_IDLE" => "SESSION_IDLE",
        "SESSION_REVOKED" => "SESSION_REVOKED",
        "ACCOUNT_DISABLED" => "ACCOUNT_DISABLED",
        "ACCOUNT_NOT_FOUND" => "UNKNOWN_ACCOUNT",
        _ => fallback,
    };
    unauthenticated(known, status.message().to_owned())
}

impl SuiteAuthenticator {
    /// An authenticator over these parts.
    pub fn new(parts: SuiteAuthenticatorParts) -> Self {
        let caller = SystemCaller::new(parts.signer.clone(), "gateway");
        Self {
            directory: DirectoryServiceClient::with_interceptor(parts.directory, caller.clone()),
            identity: IdentityServiceClient::with_interceptor(parts.identity, caller),
            signer: parts.signer,
            oidc: parts.oidc,
            mfa_required: parts.mfa_required,
            cache_ttl: parts.cache_ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Principal> {
        let cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.get(key).filter(|(_, until)| Instant::now() < *until).map(|(p, _)| p.clone())
    }

    fn remember(&self, key: [u8; 32], principal: &Principal, token_expiry: Option<Instant>) {
        let mut until = Instant::now() + self.cache_ttl;
        if let Some(expiry) = token_expiry {
            until = until.min(expiry);
        }
        let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= MAX_CACHED {
            let now = Instant::now();
            cache.retain(|_, (_, until)| now < *until);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(key, (principal.clone(), until));
    }

    async fn resolve(&self, subject: Subject, mfa: bool) -> Result<Principal, AuthFailure> {
        let request = ResolvePrincipalRequest { subject: Some(subject) };
        let resolved = self
            .directory
            .clone()
            .resolve_principal(request)
            .await
            .map_err(|s| from_status(&s, "UNKNOWN_ACCOUNT"))?
            .into_inner()
            .principal
            .ok_or_else(|| unauthenticated("UNKNOWN_ACCOUNT", "the token names no account"))?;
        Ok(Principal::from_directory(&resolved, mfa, &self.mfa_required))
    }

    async fn principal_of(&self, token: &str) -> Result<(Principal, Option<Instant>), AuthFailure> {
        if token.starts_with("cst_") || token.starts_with("csk_") {
            let answer = self
                .identity
                .clone()
                .authenticate(AuthenticateRequest { credential: token.to_owned() })
                .await
                .map_err(|s| from_status(&s, "INVALID_CREDENTIAL"))?
                .into_inner();
            let principal = self.resolve(Subject::AccountId(answer.account_id), answer.mfa).await?;
            return Ok((principal, None));
        }
        let Some(oidc) = &self.oidc else {
            return Err(unauthenticated("INVALID_CREDENTIAL", "the token is not one this gateway accepts"));
        };
        let identity = oidc.verify(token).await.map_err(|e| match e {
            TokenError::KeysUnavailable(_) => failure(
                Code::Unavailable,
                "AUTHENTICATION_UNAVAILABLE",
                "cannot check credentials now; retry",
            ),
            other => unauthenticated(other.reason(), other.to_string()),
        })?;
        let left = u64::try_from(identity.expires_at - chrono::Utc::now().timestamp()).unwrap_or(0);
        let expiry = Instant::now() + Duration::from_secs(left);
        let principal = self.resolve(Subject::ExternalSubject(identity.subject), identity.mfa).await?;
        Ok((principal, Some(expiry)))
    }
}

/// The bearer token of a request, if it has one.
fn bearer(headers: &http::HeaderMap) -> Result<&str, AuthFailure> {
    let value = headers
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| unauthenticated("TOKEN_MISSING", "sign in: send `authorization: Bearer <token>`"))?;
    let text = value
        .to_str()
        .map_err(|_| unauthenticated("TOKEN_INVALID", "the authorization header is not text"))?;
    let (scheme, token) = text.split_once(' ').ok_or_else(|| {
        unauthenticated("TOKEN_INVALID", "the authorization header is not `Bearer <token>`")
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(unauthenticated("TOKEN_INVALID", "the authorization header is not `Bearer <token>`"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(unauthenticated("TOKEN_TOO_LARGE", "the token is too large"));
    }
    Ok(token.trim())
}

impl Authenticator for SuiteAuthenticator {
    fn authenticate<'a>(
        &'a self,
        headers: &'a http::HeaderMap,
    ) -> BoxFuture<'a, Result<Authenticated, AuthFailure>> {
        Box::pin(async move {
            let token = bearer(headers)?;
            let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            let principal = match self.cached(&key) {
                Some(principal) => principal,
                None => {
                    let (principal, expiry) = self.principal_of(token).await?;
                    self.remember(key, &principal, expiry);
                    principal
                }
            };
            let request_id = headers
                .get(cadre_platform::auth::REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let signed = self
                .signer
                .sign(&principal, request_id)
                .map_err(|e| failure(Code::Internal, "PRINCIPAL_SIGNING_FAILED", e.to_string()))?;
            let principal_header = http::HeaderValue::from_str(&signed)
                .map_err(|_| failure(Code::Internal, "PRINCIPAL_SIGNING_FAILED", "unusable principal"))?;
            Ok(Authenticated { subject: principal.subject, principal: principal_header })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_token_is_taken_strictly() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(bearer(&headers).unwrap_err().reason, "TOKEN_MISSING");
        headers.insert(http::header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&headers).unwrap_err().reason, "TOKEN_INVALID");
        headers.insert(http::header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&headers).unwrap_err().reason, "TOKEN_INVALID");
        headers.insert(http::header::AUTHORIZATION, format!("Bearer {}", "x".repeat(9000)).parse().unwrap());
        assert_eq!(bearer(&headers).unwrap_err().reason, "TOKEN_TOO_LARGE");
        headers.insert(http::header::AUTHORIZATION, "bearer cst_abc".parse().unwrap());
        assert_eq!(bearer(&headers).unwrap(), "cst_abc");
    }
}

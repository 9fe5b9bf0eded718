//! The tonic implementation of `cadre.identity.v1.IdentityService`: checks the request, calls the rules in
//! `domain` and the store inside one transaction, maps back. No SQL and no rules live here.
//!
//! Secrets never reach the idempotency table: requests are fingerprinted with their passwords left out and
//! their tokens replaced by digests, and responses are stored without the secrets they hand out (a service
//! key's secret is added to the first answer only, after the transaction).

use std::sync::Arc;

use cadre_authn::{opaque, password, totp};
use cadre_platform::{
    ApiError, CallContext, Db, DbConn, Tx, Violations,
    audit::{self, AuditEntry},
    auth::{Caller, REQUEST_ID_HEADER, Role},
    clock,
    config::Config,
    error::require_id,
    idempotency, paging,
};
use cadre_proto::identity::{self as pb, identity_service_server::IdentityService};
use chrono::{Duration, NaiveDateTime, SecondsFormat};
use prost::Message;
use tonic::{Code, Request, Response, Status};

use crate::{
    directory::{self, Directory, Lookup},
    domain::{
        bearer::{self, Bearer},
        lockout,
        sessions::{self as session_rules, SessionState},
    },
    events,
    store::{
        self,
        credentials::Credential,
        service_keys::ServiceKey,
        sessions::{self as session_store, Session},
    },
};

/// The `ErrorInfo` domain of this service.
pub const ERROR_DOMAIN: &str = "identity.cadre";

/// The limits the service works with, from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Consecutive failures that lock an account.
    pub lockout_failures: u32,
    /// How long a lock lasts.
    pub lockout: Duration,
    /// A session unused this long has ended.
    pub session_idle: Duration,
    /// A session ends this long after login.
    pub session_absolute: Duration,
    /// The issuer authenticator apps show.
    pub totp_issuer: String,
    /// Roles the gateway grants only to sessions with a second factor.
    pub mfa_required_roles: Vec<Role>,
}

impl Settings {
    /// The settings in `config`.
    pub fn from_config(config: &Config) -> Self {
        let identity = &config.identity;
        Self {
            lockout_failures: identity.lockout_failures,
            lockout: Duration::minutes(i64::from(identity.lockout_minutes)),
            session_idle: Duration::minutes(i64::from(identity.session_idle_minutes)),
            session_absolute: Duration::hours(i64::from(identity.session_absolute_hours)),
            totp_issuer: identity.totp_issuer.clone(),
            mfa_required_roles: config.auth.mfa_required_roles.clone(),
        }
    }
}

/// The identity service over its database and the directory.
#[derive(Clone, Debug)]
pub struct IdentityApi {
    db: Db,
    directory: Directory,
    settings: Arc<Settings>,
}

impl IdentityApi {
    /// A service over `db` (migrated), asking `directory` about accounts.
    pub fn new(db: Db, directory: Directory, settings: Settings) -> Self {
        Self { db, directory, settings: Arc::new(settings) }
    }
}

fn status(error: ApiError) -> Status {
    error.into_status(ERROR_DOMAIN)
}

const LOGIN: &str = method!("Login");
const CHANGE_PASSWORD: &str = method!("ChangePassword");

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoginFailure {
    /// Unknown username or wrong password: one answer for both, so that usernames cannot be probed.
    InvalidCredentials,
    /// Locked until then.
    Locked(NaiveDateTime),
    /// Disabled or gone at the directory.
    Disabled,
    /// The password was right; the account needs a TOTP code.
    SecondFactorRequired,
    /// A wrong or already used code.
    InvalidSecondFactor,
}

impl LoginFailure {
    fn reason(self) -> &'static str {
        match self {
            LoginFailure::InvalidCredentials => "INVALID_CREDENTIALS",
            LoginFailure::Locked(_) => "ACCOUNT_LOCKED",
            LoginFailure::Disabled => "ACCOUNT_DISABLED",
            LoginFailure::SecondFactorRequired => "SECOND_FACTOR_REQUIRED",
            LoginFailure::InvalidSecondFactor => "INVALID_SECOND_FACTOR",
        }
    }

    /// Guesses count towards the lockout; a missing code or a lock in force do not.
    fn counts(self) -> bool {
        matches!(self, LoginFailure::InvalidCredentials | LoginFailure::InvalidSecondFactor)
    }

    fn into_error(self) -> ApiError {
        let message = match self {
            LoginFailure::InvalidCredentials => "the username or password is wrong",
            LoginFailure::Locked(_) => "the account is locked after repeated failed sign-ins",
            LoginFailure::Disabled => "the account is disabled",
            LoginFailure::SecondFactorRequired => "a code from the authenticator app is required",
            LoginFailure::InvalidSecondFactor => "the code is wrong or was used already",
        };
        let error = ApiError::new(Code::Unauthenticated, self.reason(), message);
        match self {
            LoginFailure::Locked(until) => error.with_metadata("locked_until", rfc3339(until)),
            _ => error,
        }
    }
}

fn rfc3339(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn unix_seconds(at: NaiveDateTime) -> u64 {
    u64::try_from(at.and_utc().timestamp()).unwrap_or(0)
}

/// A refused attempt on a credential, as the audit chain records it.
#[derive(Debug, Clone)]
struct Attempt {
    ctx: CallContext,
    method: &'static str,
    object_type: &'static str,
    object_id: String,
    request_id: String,
}

impl Attempt {
    fn entry(&self, object_type: &str, object_id: &str, outcome: String) -> AuditEntry {
        AuditEntry {
            method: self.method.to_owned(),
            object_type: object_type.to_owned(),
            object_id: object_id.to_owned(),
            outcome,
            request_id: self.request_id.clone(),
        }
    }
}

/// Records a refused attempt in the audit chain and, when it `counts`, in the account's lockout state,
/// inside the caller's write transaction (which holds the chain's lock). A lock it causes is audited and
/// published as well. Returns how many events were published.
fn record_failure(
    conn: &mut DbConn,
    attempt: &Attempt,
    account_id: Option<&str>,
    reason: &str,
    counts: bool,
    settings: &Settings,
) -> Result<usize, ApiError> {
    let now = clock::now();
    audit::append(
        conn,
        &attempt.ctx,
        &attempt.entry(attempt.object_type, &attempt.object_id, format!("DENIED:{reason}")),
    )?;
    let Some(account_id) = account_id.filter(|_| counts) else {
        return Ok(0);
    };
    let Some(mut credential) = store::credentials::find(conn, account_id)? else {
        return Ok(0);
    };
    let next =
        lockout::after_failure(credential.failed_attempts, settings.lockout_failures, now, settings.lockout);
    credential.failed_attempts = next.failed_attempts;
    if let Some(until) = next.locked_until {
        credential.locked_until = Some(until);
    }
    store::credentials::save(conn, &mut credential, now)?;
    let Some(until) = next.locked_until else {
        return Ok(0);
    };
    tracing::warn!(account_id, locked_until = %rfc3339(until), "account locked after failed sign-ins");
    audit::append(conn, &attempt.ctx, &attempt.entry("account", account_id, "ACCOUNT_LOCKED".to_owned()))?;
    let mut tx = Tx::new(conn, &attempt.ctx);
    events::account_locked(&mut tx, account_id, until)?;
    Ok(tx.published())
}

/// What the last step of a sign-in decided.
enum LoginOutcome {
    Refused { failure: LoginFailure, published: usize },
    Success { session: Session, enrollment_required: bool },
}

/// What the last step of a sign-in works with, once the password is verified and the account is active.
struct LastStep {
    attempt: Attempt,
    account_id: String,
    /// The hash the password was verified against.
    verified_hash: String,
    /// The TOTP code given, or empty.
    code: String,
    token_digest: String,
    roles: Vec<Role>,
}

/// The last step of a sign-in, in a write transaction holding the audit chain's lock: re-reads the
/// credential, so that a lock, a new password or a TOTP step that a concurrent sign-in took is seen; checks
/// the second factor and stores its step; starts the session.
fn finish_login(conn: &mut DbConn, step: &LastStep, settings: &Settings) -> Result<LoginOutcome, ApiError> {
    let now = clock::now();
    let refuse = |conn: &mut DbConn, failure: LoginFailure, counts: bool| {
        let account = Some(step.account_id.as_str());
        let published = record_failure(conn, &step.attempt, account, failure.reason(), counts, settings)?;
        Ok(LoginOutcome::Refused { failure, published })
    };
    let current = store::credentials::find(conn, &step.account_id)?;
    let Some(mut credential) = current.filter(|c| c.password_hash == step.verified_hash) else {
        // The password changed since it was checked: the one given is no longer the one.
        return refuse(conn, LoginFailure::InvalidCredentials, false);
    };
    if let Some(until) = lockout::in_force(credential.locked_until, now) {
        return refuse(conn, LoginFailure::Locked(until), false);
    }
    let mfa = match credential.totp_secret.as_deref() {
        None => false,
        Some(_) if step.code.is_empty() => return refuse(conn, LoginFailure::SecondFactorRequired, false),
        Some(secret) => {
            let secret = totp::from_base32(secret)
                .ok_or_else(|| ApiError::internal("a stored TOTP secret is not base32"))?;
            let last = credential.totp_last_step.and_then(|s| u64::try_from(s).ok());
            let Some(used) = totp::verify(&secret, &step.code, unix_seconds(now), last) else {
                return refuse(conn, LoginFailure::InvalidSecondFactor, true);
            };
            credential.totp_last_step = Some(i64::try_from(used).unwrap_or(i64::MAX));
            true
        }
    };
    credential.failed_attempts = 0;
    credential.locked_until = None;
    store::credentials::save(conn, &mut credential, now)?;
    let session = Session {
        id: store::new_id(),
        token_digest: step.token_digest.clone(),
        account_id: step.account_id.clone(),
        mfa,
        created_at: now,
        last_seen_at: now,
        expires_at: now + settings.session_absolute,
        revoked_at: None,
        revoked_reason: String::new(),
    };
    session_store::insert(conn, &session)?;
    // Proven now: the record names the account as the actor.
    let ctx = CallContext { actor: step.account_id.clone(), ..step.attempt.ctx.clone() };
    let attempt = &step.attempt;
    audit::append(conn, &ctx, &attempt.entry(attempt.object_type, &attempt.object_id, "OK".to_owned()))?;
    let enrollment_required = !mfa && step.roles.iter().any(|r| settings.mfa_required_roles.contains(r));
    Ok(LoginOutcome::Success { session, enrollment_required })
}

/// Runs CPU-heavy work (argon2) on the blocking pool rather than a runtime thread.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Status> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| status(ApiError::internal(format!("password task failed: {e}"))))
}

fn no_password() -> ApiError {
    ApiError::failed_precondition("NO_PASSWORD", "the account does not sign in with a password here")
}

fn credential_not_found() -> ApiError {
    ApiError::not_found("CREDENTIAL_NOT_FOUND", "the account has no password credential")
        .with_violation("account_id", "no credential for this account")
}

fn weak_password(field: &str, problem: &str) -> ApiError {
    ApiError::invalid_argument("WEAK_PASSWORD", "the password does not meet the policy")
        .with_violation(field, problem)
}

fn invalid_credential() -> ApiError {
    ApiError::new(Code::Unauthenticated, "INVALID_CREDENTIAL", "the credential is not valid")
}

/// Passwords are between 1 byte and what the hasher accepts; the policy proper is checked separately.
fn check_password_size(violations: &mut Violations, field: &str, password: &str) {
    violations.require(
        !password.is_empty() && password.len() <= password::MAX_INPUT_BYTES,
        field,
        format!("must be 1-{} bytes", password::MAX_INPUT_BYTES),
    );
}

fn key_to(key: &ServiceKey) -> pb::ServiceKey {
    pb::ServiceKey {
        key_id: key.key_id.clone(),
        account_id: key.account_id.clone(),
        display_name: key.display_name.clone(),
        create_time: Some(clock::to_timestamp(key.created_at)),
        creator: key.creator.clone(),
        last_use_time: key.last_used_at.map(clock::to_timestamp),
        revoke_time: key.revoked_at.map(clock::to_timestamp),
    }
}

fn count(ids: &[String]) -> i32 {
    i32::try_from(ids.len()).unwrap_or(i32::MAX)
}

/// Ends the account's sessions (all but `keep`) and announces it, in the caller's transaction; returns how
/// many ended.
fn end_sessions(
    tx: &mut Tx<'_>,
    account_id: &str,
    keep: Option<&str>,
    reason: &str,
    now: NaiveDateTime,
) -> Result<i32, ApiError> {
    let revoked = session_store::revoke_all(tx.conn(), account_id, keep, reason, now)?;
    let ended = count(&revoked);
    events::sessions_revoked(tx, account_id, revoked, reason)?;
    Ok(ended)
}

impl IdentityApi {
    /// The stored answer to an earlier call with this request id, looked up before work that must not be
    /// repeated (checking a password that the first call has since changed, asking the directory).
    async fn replayed<Req, Resp>(
        &self,
        method: &'static str,
        request_id: &str,
        fingerprint: &Req,
    ) -> Result<Option<Resp>, Status>
    where
        Req: Message,
        Resp: Message + Default + Send + 'static,
    {
        idempotency::validate_request_id(request_id).map_err(status)?;
        let hash = idempotency::fingerprint(fingerprint);
        let key = request_id.to_owned();
        self.db.run(move |conn| idempotency::lookup::<Resp>(conn, &key, method, &hash)).await.map_err(status)
    }

    /// Records a refused attempt in its own transaction, so that it stands although the call fails. When
    /// even that cannot be written, the caller gets the database's error rather than the refusal: a guess
    /// that could not be counted is not answered.
    async fn record_refused(
        &self,
        attempt: Attempt,
        account_id: Option<String>,
        reason: &'static str,
        counts: bool,
    ) -> Result<(), Status> {
        let settings = self.settings.clone();
        let published = self
            .db
            .write(move |conn| {
                audit::lock_chain(conn)?;
                record_failure(conn, &attempt, account_id.as_deref(), reason, counts, &settings)
            })
            .await
            .map_err(status)?;
        if published > 0 {
            self.db.notify_committed();
        }
        Ok(())
    }

    async fn refuse_login(
        &self,
        attempt: Attempt,
        account_id: Option<String>,
        failure: LoginFailure,
    ) -> Status {
        match self.record_refused(attempt, account_id, failure.reason(), failure.counts()).await {
            Ok(()) => status(failure.into_error()),
            Err(error) => error,
        }
    }

    /// Refuses, and audits, an administrator acting on their own account (三权分立: another must).
    async fn refuse_self(
        &self,
        ctx: &CallContext,
        caller: &Caller,
        method: &'static str,
        account_id: &str,
    ) -> Result<(), Status> {
        if account_id != caller.principal.subject {
            return Ok(());
        }
        let recorded = self
            .db
            .audit_refusal(
                ctx.clone(),
                method.to_owned(),
                "account",
                account_id,
                "SELF_ADMINISTRATION",
                caller.request_id.clone(),
            )
            .await;
        if let Err(error) = recorded {
            tracing::error!(%error, "could not audit a refused call");
        }
        Err(status(ApiError::new(
            Code::PermissionDenied,
            "SELF_ADMINISTRATION",
            "you cannot administer your own credentials; ask another security administrator",
        )))
    }

    /// An active account at the directory, or why not.
    async fn active_account(&self, account_id: &str) -> Result<directory::Account, Status> {
        match self.directory.account(account_id).await.map_err(status)? {
            Lookup::Active(account) => Ok(account),
            Lookup::Absent => Err(status(
                ApiError::not_found("ACCOUNT_NOT_FOUND", "no such account")
                    .with_violation("account_id", "no such account"),
            )),
            Lookup::Disabled => Err(status(
                ApiError::failed_precondition("ACCOUNT_DISABLED", "the account is disabled")
                    .with_violation("account_id", "the account is disabled"),
            )),
        }
    }

    /// The credential of the calling person.
    async fn own_credential(&self, account_id: &str) -> Result<Credential, Status> {
        let id = account_id.to_owned();
        self.db
            .run(move |conn| store::credentials::find(conn, &id))
            .await
            .map_err(status)?
            .ok_or_else(|| status(no_password()))
    }
}

/// Checks a sign-in request's shape; returns the username as the directory spells it (lower case).
fn check_login(request: &pb::LoginRequest) -> Result<(String, String), ApiError> {
    let mut violations = Violations::default();
    let username = request.username.trim().to_lowercase();
    violations.require(!username.is_empty() && username.len() <= 64, "username", "must be 1-64 characters");
    check_password_size(&mut violations, "password", &request.password);
    // People type codes with a space in the middle, as apps show them.
    let code: String = request.totp_code.chars().filter(|c| !c.is_whitespace()).collect();
    violations.require(code.len() <= 16, "totp_code", "must be a 6-digit code");
    violations.finish("INVALID_LOGIN", "the sign-in request is not valid")?;
    Ok((username, code))
}

#[tonic::async_trait]
impl IdentityService for IdentityApi {
    async fn login(&self, request: Request<pb::LoginRequest>) -> Result<Response<pb::LoginResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        // A public call carries no verified caller; the gateway's request id still ties the record to its log.
        let request_id: String = request
            .metadata()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(64)
            .collect();
        let request = request.into_inner();
        let (username, code) = check_login(&request).map_err(status)?;
        let attempt =
            Attempt { ctx, method: LOGIN, object_type: "username", object_id: username.clone(), request_id };

        let lookup = username.clone();
        let credential = self
            .db
            .run(move |conn| store::credentials::find_by_username(conn, &lookup))
            .await
            .map_err(status)?;
        let Some(credential) = credential else {
            // As long as a wrong password takes, so that the answer's timing does not tell which
            // usernames exist.
            let password = request.password;
            blocking(move || password::verify_dummy(&password)).await?;
            return Err(self.refuse_login(attempt, None, LoginFailure::InvalidCredentials).await);
        };
        let account_id = credential.account_id.clone();
        if let Some(until) = lockout::in_force(credential.locked_until, clock::now()) {
            // The password is not even checked: a locked account takes no guesses.
            return Err(self.refuse_login(attempt, Some(account_id), LoginFailure::Locked(until)).await);
        }
        let (password, hash) = (request.password, credential.password_hash.clone());
        if !blocking(move || password::verify(&password, &hash)).await? {
            return Err(self.refuse_login(attempt, Some(account_id), LoginFailure::InvalidCredentials).await);
        }
        let account = match self.directory.account(&account_id).await.map_err(status)? {
            Lookup::Active(account) if account.username == credential.username && !account.is_service => {
                account
            }
            _ => return Err(self.refuse_login(attempt, Some(account_id), LoginFailure::Disabled).await),
        };

        let token = opaque::new_session_token();
        let last_step = LastStep {
            attempt,
            account_id,
            verified_hash: credential.password_hash,
            code,
            token_digest: opaque::digest(&token),
            roles: account.roles,
        };
        let settings = self.settings.clone();
        let outcome = self
            .db
            .write(move |conn| {
                audit::lock_chain(conn)?;
                finish_login(conn, &last_step, &settings)
            })
            .await
            .map_err(status)?;
        match outcome {
            LoginOutcome::Refused { failure, published } => {
                if published > 0 {
                    self.db.notify_committed();
                }
                Err(status(failure.into_error()))
            }
            LoginOutcome::Success { session, enrollment_required } => {
                tracing::info!(account_id = %session.account_id, mfa = session.mfa, "signed in");
                Ok(Response::new(pb::LoginResponse {
                    session_token: token,
                    session_id: session.id,
                    account_id: session.account_id,
                    expire_time: Some(clock::to_timestamp(session.expires_at)),
                    mfa: session.mfa,
                    second_factor_enrollment_required: enrollment_required,
                }))
            }
        }
    }

    async fn logout(
        &self,
        request: Request<pb::LogoutRequest>,
    ) -> Result<Response<pb::LogoutResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let subject = Caller::of(&request)?.principal.subject.clone();
        let request = request.into_inner();
        if !bearer::is_session_token(&request.session_token) {
            return Err(status(
                ApiError::invalid_argument("MALFORMED_CREDENTIAL", "session_token is not a session token")
                    .with_violation("session_token", "must be the cst_... token Login returned"),
            ));
        }
        let digest = opaque::digest(&request.session_token);
        let fingerprint = pb::LogoutRequest { session_token: digest.clone(), ..request.clone() };
        let response = self
            .db
            .mutate(ctx, method!("Logout"), &request.request_id, &fingerprint, move |tx| {
                let now = clock::now();
                // Another account's session is answered like a missing one: tokens cannot be probed.
                let session = session_store::find_by_digest(tx.conn(), &digest)?
                    .filter(|s| s.account_id == subject)
                    .ok_or_else(|| {
                        ApiError::not_found("SESSION_NOT_FOUND", "no such session of yours")
                            .with_violation("session_token", "not a session of the caller")
                    })?;
                tx.set_object("session", &session.id);
                if session_store::revoke(tx.conn(), &session.id, "LOGOUT", now)? {
                    events::sessions_revoked(tx, &session.account_id, vec![session.id.clone()], "LOGOUT")?;
                }
                Ok(pb::LogoutResponse { session_id: session.id })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    async fn change_password(
        &self,
        request: Request<pb::ChangePasswordRequest>,
    ) -> Result<Response<pb::ChangePasswordResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let account_id = caller.principal.subject.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        check_password_size(&mut violations, "current_password", &request.current_password);
        check_password_size(&mut violations, "new_password", &request.new_password);
        let keep = request.keep_session_token.as_str();
        violations.require(
            keep.is_empty() || bearer::is_session_token(keep),
            "keep_session_token",
            "must be empty or the cst_... token Login returned",
        );
        violations.finish("INVALID_PASSWORD_CHANGE", "the request is not valid").map_err(status)?;
        let keep = (!keep.is_empty()).then(|| opaque::digest(keep));
        let fingerprint = pb::ChangePasswordRequest {
            request_id: request.request_id.clone(),
            keep_session_token: keep.clone().unwrap_or_default(),
            ..Default::default()
        };
        if let Some(replay) = self.replayed(CHANGE_PASSWORD, &request.request_id, &fingerprint).await? {
            return Ok(Response::new(replay));
        }

        let credential = self.own_credential(&account_id).await?;
        if let Some(until) = lockout::in_force(credential.locked_until, clock::now()) {
            // Otherwise a stolen session could go on guessing the password past the lockout.
            return Err(status(
                ApiError::new(Code::PermissionDenied, "ACCOUNT_LOCKED", "the account is locked")
                    .with_metadata("locked_until", rfc3339(until)),
            ));
        }
        let (current, hash) = (request.current_password.clone(), credential.password_hash.clone());
        if !blocking(move || password::verify(&current, &hash)).await? {
            let attempt = Attempt {
                ctx,
                method: CHANGE_PASSWORD,
                object_type: "account",
                object_id: account_id.clone(),
                request_id: request.request_id.clone(),
            };
            self.record_refused(attempt, Some(account_id), "INVALID_CREDENTIALS", true).await?;
            return Err(status(
                ApiError::new(Code::PermissionDenied, "INVALID_CREDENTIALS", "the current password is wrong")
                    .with_violation("current_password", "is not the password in force"),
            ));
        }
        password::check_strength(&request.new_password, &credential.username)
            .map_err(|problem| status(weak_password("new_password", problem)))?;
        let new_password = request.new_password.clone();
        let new_hash = blocking(move || password::hash(&new_password))
            .await?
            .map_err(|e| status(ApiError::internal(e.to_string())))?;
        let verified_hash = credential.password_hash;
        let response = self
            .db
            .mutate(ctx, CHANGE_PASSWORD, &request.request_id, &fingerprint, move |tx| {
                let now = clock::now();
                let mut credential =
                    store::credentials::find(tx.conn(), &account_id)?.ok_or_else(no_password)?;
                if credential.password_hash != verified_hash {
                    return Err(ApiError::aborted(
                        "CONCURRENT_CHANGE",
                        "the password changed while this request was checked; try again",
                    ));
                }
                credential.password_hash = new_hash;
                credential.password_set_at = now;
                credential.failed_attempts = 0;
                store::credentials::save(tx.conn(), &mut credential, now)?;
                let keep_id = match keep {
                    Some(digest) => session_store::find_by_digest(tx.conn(), &digest)?
                        .filter(|s| s.account_id == account_id)
                        .map(|s| s.id),
                    None => None,
                };
                let revoked_session_count =
                    end_sessions(tx, &account_id, keep_id.as_deref(), "PASSWORD_CHANGED", now)?;
                tx.set_object("account", &account_id);
                Ok(pb::ChangePasswordResponse { revoked_session_count })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    async fn begin_totp_enrollment(
        &self,
        request: Request<pb::BeginTotpEnrollmentRequest>,
    ) -> Result<Response<pb::BeginTotpEnrollmentResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let account_id = Caller::of(&request)?.principal.subject.clone();
        let request = request.into_inner();
        let enrollment_id = store::new_id();
        let secret = totp::to_base32(&totp::generate_secret());
        let id = account_id.clone();
        let mut response = self
            .db
            .mutate(ctx, method!("BeginTotpEnrollment"), &request.request_id, &request, move |tx| {
                let now = clock::now();
                let mut credential = store::credentials::find(tx.conn(), &id)?.ok_or_else(no_password)?;
                if credential.has_totp() {
                    return Err(ApiError::failed_precondition(
                        "SECOND_FACTOR_ENROLLED",
                        "a second factor is enrolled; a security administrator must reset it first",
                    ));
                }
                credential.totp_pending_secret = Some(secret);
                credential.totp_pending_id = Some(enrollment_id.clone());
                store::credentials::save(tx.conn(), &mut credential, now)?;
                tx.set_object("account", &id);
                // The secret is added after the transaction, from the credential: the stored answer holds none.
                Ok(pb::BeginTotpEnrollmentResponse { enrollment_id, ..Default::default() })
            })
            .await
            .map_err(status)?;
        // Read back, so that a retry gets the secret too while its enrolment is still the pending one.
        let credential = self.own_credential(&account_id).await?;
        if credential.totp_pending_id.as_deref() == Some(response.enrollment_id.as_str())
            && let Some(secret) = credential.totp_pending_secret
        {
            let raw = totp::from_base32(&secret).unwrap_or_default();
            response.otpauth_uri =
                totp::provisioning_uri(&raw, &self.settings.totp_issuer, &credential.username);
            response.secret = secret;
        }
        Ok(Response::new(response))
    }

    async fn confirm_totp_enrollment(
        &self,
        request: Request<pb::ConfirmTotpEnrollmentRequest>,
    ) -> Result<Response<pb::ConfirmTotpEnrollmentResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let account_id = Caller::of(&request)?.principal.subject.clone();
        let request = request.into_inner();
        let code: String = request.code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != totp::DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(status(
                ApiError::invalid_argument("INVALID_CODE", "the code is not a 6-digit code")
                    .with_violation("code", "must be 6 digits"),
            ));
        }
        let response = self
            .db
            .mutate(ctx, method!("ConfirmTotpEnrollment"), &request.request_id, &request, move |tx| {
                let now = clock::now();
                let mut credential =
                    store::credentials::find(tx.conn(), &account_id)?.ok_or_else(no_password)?;
                if credential.has_totp() {
                    return Err(ApiError::failed_precondition(
                        "SECOND_FACTOR_ENROLLED",
                        "a second factor is enrolled already",
                    ));
                }
                let Some(pending) = credential.totp_pending_secret.clone() else {
                    return Err(ApiError::failed_precondition(
                        "NO_PENDING_ENROLLMENT",
                        "begin an enrolment first (BeginTotpEnrollment)",
                    ));
                };
                let secret = totp::from_base32(&pending)
                    .ok_or_else(|| ApiError::internal("a stored TOTP secret is not base32"))?;
                let step = totp::verify(&secret, &code, unix_seconds(now), None).ok_or_else(|| {
                    ApiError::invalid_argument("INVALID_SECOND_FACTOR", "the code does not match")
                        .with_violation("code", "does not match the new secret at this time")
                })?;
                credential.totp_secret = Some(pending);
                // The confirming code's step cannot sign in afterwards: it may have been seen.
                credential.totp_last_step = Some(i64::try_from(step).unwrap_or(i64::MAX));
                credential.totp_enrolled_at = Some(now);
                credential.totp_pending_secret = None;
                credential.totp_pending_id = None;
                store::credentials::save(tx.conn(), &mut credential, now)?;
                tx.set_object("account", &account_id);
                Ok(pb::ConfirmTotpEnrollmentResponse { enroll_time: Some(clock::to_timestamp(now)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    async fn set_password(
        &self,
        request: Request<pb::SetPasswordRequest>,
    ) -> Result<Response<pb::SetPasswordResponse>, Status> {
        const METHOD: &str = method!("SetPassword");
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let account_id = require_id("account_id", &request.account_id).map_err(status)?;
        let mut violations = Violations::default();
        check_password_size(&mut violations, "password", &request.password);
        violations.finish("INVALID_PASSWORD", "the password is not valid").map_err(status)?;
        self.refuse_self(&ctx, &caller, METHOD, &account_id).await?;
        let fingerprint = pb::SetPasswordRequest { password: String::new(), ..request.clone() };
        if let Some(replay) = self.replayed(METHOD, &request.request_id, &fingerprint).await? {
            return Ok(Response::new(replay));
        }
        let account = self.active_account(&account_id).await?;
        if account.is_service {
            return Err(status(
                ApiError::failed_precondition(
                    "SERVICE_ACCOUNT",
                    "a service account authenticates with service keys, not a password",
                )
                .with_violation("account_id", "is a service account"),
            ));
        }
        password::check_strength(&request.password, &account.username)
            .map_err(|problem| status(weak_password("password", problem)))?;
        let password = request.password.clone();
        let hash = blocking(move || password::hash(&password))
            .await?
            .map_err(|e| status(ApiError::internal(e.to_string())))?;
        let response = self
            .db
            .mutate(ctx, METHOD, &request.request_id, &fingerprint, move |tx| {
                let now = clock::now();
                let mut was_locked = false;
                match store::credentials::find(tx.conn(), &account_id)? {
                    Some(mut credential) => {
                        was_locked = lockout::is_locked(credential.locked_until, now);
                        credential.username = account.username;
                        credential.password_hash = hash;
                        credential.password_set_at = now;
                        credential.failed_attempts = 0;
                        credential.locked_until = None;
                        store::credentials::save(tx.conn(), &mut credential, now)?;
                    }
                    None => {
                        let credential = Credential::new(&account_id, &account.username, hash, now);
                        store::credentials::insert(tx.conn(), &credential)?;
                    }
                }
                if was_locked {
                    events::account_unlocked(tx, &account_id)?;
                }
                let revoked_session_count = end_sessions(tx, &account_id, None, "PASSWORD_SET", now)?;
                tx.set_object("account", &account_id);
                Ok(pb::SetPasswordResponse { account_id, revoked_session_count })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    async fn reset_second_factor(
        &self,
        request: Request<pb::ResetSecondFactorRequest>,
    ) -> Result<Response<pb::ResetSecondFactorResponse>, Status> {
        const METHOD: &str = method!("ResetSecondFactor");
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let account_id = require_id("account_id", &request.account_id).map_err(status)?;
        self.refuse_self(&ctx, &caller, METHOD, &account_id).await?;
        let response = self
            .db
            .mutate(ctx, METHOD, &request.request_id, &request, move |tx| {
                let now = clock::now();
                let mut credential =
                    store::credentials::find(tx.conn(), &account_id)?.ok_or_else(credential_not_found)?;
                let removed = credential.has_totp();
                credential.totp_secret = None;
                credential.totp_last_step = None;
                credential.totp_enrolled_at = None;
                credential.totp_pending_secret = None;
                credential.totp_pending_id = None;
                store::credentials::save(tx.conn(), &mut credential, now)?;
                let revoked_session_count = end_sessions(tx, &account_id, None, "SECOND_FACTOR_RESET", now)?;
                tx.set_object("account", &account_id);
                Ok(pb::ResetSecondFactorResponse { removed, revoked_session_count })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    async fn revoke_sessions(
        &self,
        request: Request<pb::RevokeSessionsRequest>,
    ) -> Result<Response<pb::RevokeSessionsResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let account_id = require_id("account_id", &request.account_id).map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("RevokeSessions"), &request.request_id, &request, move |tx| {
                let now = clock::now();
                let revoked_session_count = end_sessions(tx, &account_id, None, "REVOKED", now)?;
                tx.set_object("account", &account_id);
                Ok(pb::RevokeSessionsResponse { revoked_session_count })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    async fn unlock_account(
        &self,
        request: Request<pb::UnlockAccountRequest>,
    ) -> Result<Response<pb::UnlockAccountResponse>, Status> {
        const METHOD: &str = method!("UnlockAccount");
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let account_id = require_id("account_id", &request.account_id).map_err(status)?;
        self.refuse_self(&ctx, &caller, METHOD, &account_id).await?;
        let response = self
            .db
            .mutate(ctx, METHOD, &request.request_id, &request, move |tx| {
                let now = clock::now();
                let mut credential =
                    store::credentials::find(tx.conn(), &account_id)?.ok_or_else(credential_not_found)?;
                let was_locked = lockout::is_locked(credential.locked_until, now);
                credential.locked_until = None;
                credential.failed_attempts = 0;
                store::credentials::save(tx.conn(), &mut credential, now)?;
                if was_locked {
                    events::account_unlocked(tx, &account_id)?;
                }
                tx.set_object("account", &account_id);
                Ok(pb::UnlockAccountResponse { was_locked })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    async fn create_service_key(
        &self,
        request: Request<pb::CreateServiceKeyRequest>,
    ) -> Result<Response<pb::CreateServiceKeyResponse>, Status> {
        const METHOD: &str = method!("CreateServiceKey");
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let account_id = require_id("account_id", &request.account_id).map_err(status)?;
        let display_name = request.display_name.trim().to_owned();
        if display_name.chars().count() > 100 {
            return Err(status(
                ApiError::invalid_argument("INVALID_SERVICE_KEY", "the display name is too long")
                    .with_violation("display_name", "at most 100 characters"),
            ));
        }
        // A retry is answered before the directory is asked: the account may have changed since.
        if let Some(replay) = self.replayed(METHOD, &request.request_id, &request).await? {
            return Ok(Response::new(replay));
        }
        let account = self.active_account(&account_id).await?;
        if !account.is_service {
            return Err(status(
                ApiError::failed_precondition(
                    "NOT_A_SERVICE_ACCOUNT",
                    "service keys are for service accounts; people sign in with a password",
                )
                .with_violation("account_id", "is not a service account"),
            ));
        }
        let (key_id, token) = opaque::new_service_key();
        let secret = opaque::parse_service_key(&token).map(|(_, secret)| secret).unwrap_or_default();
        let key = ServiceKey {
            key_id: key_id.clone(),
            account_id,
            display_name,
            secret_digest: opaque::digest(secret),
            creator: ctx.actor.clone(),
            created_at: clock::now(),
            last_used_at: None,
            revoked_at: None,
        };
        let mut response = self
            .db
            .mutate(ctx, METHOD, &request.request_id, &request, move |tx| {
                store::service_keys::insert(tx.conn(), &key)?;
                tx.set_object("service_key", &key.key_id);
                // Stored without the secret, so a retry cannot hand it out again (see the proto).
                Ok(pb::CreateServiceKeyResponse { service_key: Some(key_to(&key)), secret: String::new() })
            })
            .await
            .map_err(status)?;
        // A concurrent duplicate may have won the request id: only our own key gets its secret.
        if response.service_key.as_ref().is_some_and(|k| k.key_id == key_id) {
            response.secret = token;
        }
        Ok(Response::new(response))
    }

    async fn revoke_service_key(
        &self,
        request: Request<pb::RevokeServiceKeyRequest>,
    ) -> Result<Response<pb::RevokeServiceKeyResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let key_id = require_id("key_id", &request.key_id).map_err(status)?;
        let response = self
            .db
            .mutate(ctx, method!("RevokeServiceKey"), &request.request_id, &request, move |tx| {
                let now = clock::now();
                let mut key = store::service_keys::find(tx.conn(), &key_id)?.ok_or_else(|| {
                    ApiError::not_found("SERVICE_KEY_NOT_FOUND", "no such service key")
                        .with_violation("key_id", "no such key")
                })?;
                // Revoking a revoked key changes nothing and publishes nothing.
                if store::service_keys::revoke(tx.conn(), &key_id, now)? {
                    key.revoked_at = Some(now);
                    events::service_key_revoked(tx, &key.key_id, &key.account_id)?;
                }
                tx.set_object("service_key", &key.key_id);
                Ok(pb::RevokeServiceKeyResponse { service_key: Some(key_to(&key)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    async fn list_service_keys(
        &self,
        request: Request<pb::ListServiceKeysRequest>,
    ) -> Result<Response<pb::ListServiceKeysResponse>, Status> {
        let request = request.into_inner();
        let account_id = require_id("account_id", &request.account_id).map_err(status)?;
        let size = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let filters =
            paging::filter_fingerprint(&[&account_id, if request.show_revoked { "revoked" } else { "" }]);
        let after = paging::decode_token(&request.page_token, &filters)
            .map_err(status)?
            .and_then(|key| key.into_iter().next());
        let show_revoked = request.show_revoked;
        let keys = self
            .db
            .run(move |conn| store::service_keys::list(conn, &account_id, show_revoked, after, size + 1))
            .await
            .map_err(status)?;
        let (page, next_page_token) =
            paging::finish_page(keys, size, &filters, |k: &ServiceKey| vec![k.key_id.clone()]);
        Ok(Response::new(pb::ListServiceKeysResponse {
            service_keys: page.iter().map(key_to).collect(),
            next_page_token,
        }))
    }

    async fn authenticate(
        &self,
        request: Request<pb::AuthenticateRequest>,
    ) -> Result<Response<pb::AuthenticateResponse>, Status> {
        let request = request.into_inner();
        let bearer = bearer::parse(&request.credential).map_err(|problem| {
            status(
                ApiError::invalid_argument("MALFORMED_CREDENTIAL", "the credential is malformed")
                    .with_violation("credential", problem),
            )
        })?;
        let response = match bearer {
            Bearer::Session(token) => {
                let digest = opaque::digest(token);
                let idle = self.settings.session_idle;
                self.db.run(move |conn| authenticate_session(conn, &digest, idle)).await
            }
            Bearer::ServiceKey { key_id, secret } => {
                let (key_id, digest) = (key_id.to_owned(), opaque::digest(secret));
                self.db.run(move |conn| authenticate_service_key(conn, &key_id, &digest)).await
            }
        };
        Ok(Response::new(response.map_err(status)?))
    }
}

/// A session token's session, if it may be used now; records the use at most once a minute.
fn authenticate_session(
    conn: &mut DbConn,
    digest: &str,
    idle: Duration,
) -> Result<pb::AuthenticateResponse, ApiError> {
    let now = clock::now();
    let session = session_store::find_by_digest(conn, digest)?.ok_or_else(invalid_credential)?;
    let ended = |reason: &str, message: &str| Err(ApiError::new(Code::Unauthenticated, reason, message));
    match session_rules::state(
        session.revoked_at.is_some(),
        session.expires_at,
        session.last_seen_at,
        now,
        idle,
    ) {
        SessionState::Active => {}
        SessionState::Revoked => return ended("SESSION_REVOKED", "the session was ended; sign in again"),
        SessionState::Expired => return ended("SESSION_EXPIRED", "the session has expired; sign in again"),
        SessionState::Idle => {
            return ended("SESSION_IDLE", "the session ended after inactivity; sign in again");
        }
    }
    let mut seen = session.last_seen_at;
    if session_rules::needs_touch(Some(seen), now) {
        session_store::touch(conn, &session.id, seen, now)?;
        seen = now;
    }
    Ok(pb::AuthenticateResponse {
        account_id: session.account_id,
        mfa: session.mfa,
        session_id: session.id,
        service_key_id: String::new(),
        expire_time: Some(clock::to_timestamp(session.expires_at)),
        idle_expire_time: Some(clock::to_timestamp(session_rules::idle_end(seen, session.expires_at, idle))),
    })
}

/// A service key's account, if the key is in force; records the use at most once a minute.
fn authenticate_service_key(
    conn: &mut DbConn,
    key_id: &str,
    digest: &str,
) -> Result<pb::AuthenticateResponse, ApiError> {
    let now = clock::now();
    let key = store::service_keys::find(conn, key_id)?.ok_or_else(invalid_credential)?;
    // A revoked key and a wrong secret get the same answer as an unknown id.
    if !opaque::digests_equal(&key.secret_digest, digest) || key.revoked_at.is_some() {
        return Err(invalid_credential());
    }
    if session_rules::needs_touch(key.last_used_at, now) {
        store::service_keys::touch(conn, &key.key_id, key.last_used_at, now)?;
    }
    Ok(pb::AuthenticateResponse {
        account_id: key.account_id,
        // Another system's key is its whole credential; there is no weaker and stronger way in.
        mfa: true,
        session_id: String::new(),
        service_key_id: key.key_id,
        expire_time: None,
        idle_expire_time: None,
    })
}

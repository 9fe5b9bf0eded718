//! Password credentials, with the second factor and the lockout state of each.

use cadre_platform::{ApiError, DbConn};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::credentials;

/// One person's credential.
#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = credentials, primary_key(account_id), treat_none_as_null = true)]
pub struct Credential {
    /// The directory account.
    pub account_id: String,
    /// Its username, copied from the directory.
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Consecutive failed sign-ins.
    pub failed_attempts: i32,
    /// Locked until then, if set and in the future.
    pub locked_until: Option<NaiveDateTime>,
    /// The confirmed TOTP secret, base32.
    pub totp_secret: Option<String>,
    /// The last TOTP time step accepted.
    pub totp_last_step: Option<i64>,
    /// When the TOTP secret was confirmed.
    pub totp_enrolled_at: Option<NaiveDateTime>,
    /// A TOTP secret begun and not confirmed, base32.
    pub totp_pending_secret: Option<String>,
    /// The id of that enrolment.
    pub totp_pending_id: Option<String>,
    /// When the password was last set.
    pub password_set_at: NaiveDateTime,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// Secrets stay out of logs: only the shape of the credential is printed.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("account_id", &self.account_id)
            .field("username", &self.username)
            .field("failed_attempts", &self.failed_attempts)
            .field("locked_until", &self.locked_until)
            .field("totp", &self.totp_secret.is_some())
            .field("totp_pending", &self.totp_pending_id)
            .finish_non_exhaustive()
    }
}

impl Credential {
    /// A new credential with a password and nothing else.
    pub fn new(account_id: &str, username: &str, password_hash: String, now: NaiveDateTime) -> Self {
        Self {
            account_id: account_id.to_owned(),
            username: username.to_owned(),
            password_hash,
            failed_attempts: 0,
            locked_until: None,
            totp_secret: None,
            totp_last_step: None,
            totp_enrolled_at: None,
            totp_pending_secret: None,
            totp_pending_id: None,
            password_set_at: now,
            created_at: now,
            updated_at: now,
        }
    }

    /// Whether a second factor is confirmed.
    pub fn has_totp(&self) -> bool {
        self.totp_secret.is_some()
    }
}

/// The credential of an account.
pub fn find(conn: &mut DbConn, account_id: &str) -> Result<Option<Credential>, ApiError> {
    Ok(credentials::table.find(account_id).select(Credential::as_select()).first(conn).optional()?)
}

/// The credential of a username.
pub fn find_by_username(conn: &mut DbConn, username: &str) -> Result<Option<Credential>, ApiError> {
    Ok(credentials::table
        .filter(credentials::username.eq(username))
        .select(Credential::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a new credential.
pub fn insert(conn: &mut DbConn, credential: &Credential) -> Result<(), ApiError> {
    diesel::insert_into(credentials::table).values(credential).execute(conn).map_err(|e| {
        let error = ApiError::from(e);
        if error.code() == tonic::Code::AlreadyExists {
            // Directory usernames are unique and never change, so this is another account's stale row.
            ApiError::failed_precondition(
                "USERNAME_CLASH",
                "another account's credential holds this username",
            )
        } else {
            error
        }
    })?;
    Ok(())
}

/// Writes back a changed credential, stamping `updated_at`.
pub fn save(conn: &mut DbConn, credential: &mut Credential, now: NaiveDateTime) -> Result<(), ApiError> {
    credential.updated_at = now;
    let changed =
        diesel::update(credentials::table.find(&credential.account_id)).set(&*credential).execute(conn)?;
    if changed == 0 {
        return Err(ApiError::internal(format!("credential {} vanished", credential.account_id)));
    }
    Ok(())
}

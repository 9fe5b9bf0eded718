//! Keys of service accounts, found by their public key id.

use cadre_platform::{ApiError, DbConn};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::service_keys;

/// One key.
#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_keys)]
pub struct ServiceKey {
    /// The 16 hex characters after `csk_`.
    pub key_id: String,
    /// The service account.
    pub account_id: String,
    /// What it is for.
    pub display_name: String,
    /// SHA-256 of the secret part.
    pub secret_digest: String,
    /// Who created it.
    pub creator: String,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last accepted, to the minute.
    pub last_used_at: Option<NaiveDateTime>,
    /// Revoked.
    pub revoked_at: Option<NaiveDateTime>,
}

/// The digest stays out of logs.
impl std::fmt::Debug for ServiceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceKey")
            .field("key_id", &self.key_id)
            .field("account_id", &self.account_id)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// Stores a new key.
pub fn insert(conn: &mut DbConn, key: &ServiceKey) -> Result<(), ApiError> {
    diesel::insert_into(service_keys::table).values(key).execute(conn)?;
    Ok(())
}

/// The key with this id.
pub fn find(conn: &mut DbConn, key_id: &str) -> Result<Option<ServiceKey>, ApiError> {
    Ok(service_keys::table.find(key_id).select(ServiceKey::as_select()).first(conn).optional()?)
}

/// An account's keys after `after` (a key id), in key id order.
pub fn list(
    conn: &mut DbConn,
    account_id: &str,
    show_revoked: bool,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<ServiceKey>, ApiError> {
    let mut query = service_keys::table
        .filter(service_keys::account_id.eq(account_id))
        .order(service_keys::key_id.asc())
        .limit(limit)
        .select(ServiceKey::as_select())
        .into_boxed();
    if !show_revoked {
        query = query.filter(service_keys::revoked_at.is_null());
    }
    if let Some(after) = after {
        query = query.filter(service_keys::key_id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// Revokes a key; false when it was revoked already.
pub fn revoke(conn: &mut DbConn, key_id: &str, now: NaiveDateTime) -> Result<bool, ApiError> {
    let changed = diesel::update(service_keys::table.find(key_id).filter(service_keys::revoked_at.is_null()))
        .set(service_keys::revoked_at.eq(now))
        .execute(conn)?;
    Ok(changed > 0)
}

/// Records a use; guarded on the old value so that concurrent uses write once.
pub fn touch(
    conn: &mut DbConn,
    key_id: &str,
    last_used: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let target = service_keys::table.find(key_id);
    match last_used {
        Some(seen) => diesel::update(target.filter(service_keys::last_used_at.eq(seen)))
            .set(service_keys::last_used_at.eq(now))
            .execute(conn)?,
        None => diesel::update(target.filter(service_keys::last_used_at.is_null()))
            .set(service_keys::last_used_at.eq(now))
            .execute(conn)?,
    };
    Ok(())
}

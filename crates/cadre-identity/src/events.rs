//! What the identity service publishes on its event feed. Nothing secret is ever in an event: ids and
//! times only.

use cadre_platform::{ApiError, Tx, clock};
use cadre_proto::identity as pb;
use chrono::NaiveDateTime;

fn account_subject(account_id: &str) -> String {
    format!("accounts/{account_id}")
}

/// Repeated failures locked an account.
pub fn account_locked(tx: &mut Tx<'_>, account_id: &str, until: NaiveDateTime) -> Result<(), ApiError> {
    let event = pb::AccountLockedEvent {
        account_id: account_id.to_owned(),
        locked_until: Some(clock::to_timestamp(until)),
    };
    tx.publish(&account_subject(account_id), &event)?;
    Ok(())
}

/// An administrator lifted a lock.
pub fn account_unlocked(tx: &mut Tx<'_>, account_id: &str) -> Result<(), ApiError> {
    tx.publish(
        &account_subject(account_id),
        &pb::AccountUnlockedEvent { account_id: account_id.to_owned() },
    )?;
    Ok(())
}

/// Sessions ended early; nothing is published when none did.
pub fn sessions_revoked(
    tx: &mut Tx<'_>,
    account_id: &str,
    session_ids: Vec<String>,
    reason: &str,
) -> Result<(), ApiError> {
    if session_ids.is_empty() {
        return Ok(());
    }
    let event = pb::SessionsRevokedEvent {
        account_id: account_id.to_owned(),
        session_ids,
        reason: reason.to_owned(),
    };
    tx.publish(&account_subject(account_id), &event)?;
    Ok(())
}

/// A service key was revoked.
pub fn service_key_revoked(tx: &mut Tx<'_>, key_id: &str, account_id: &str) -> Result<(), ApiError> {
    let event = pb::ServiceKeyRevokedEvent { key_id: key_id.to_owned(), account_id: account_id.to_owned() };
    tx.publish(&format!("service-keys/{key_id}"), &event)?;
    Ok(())
}

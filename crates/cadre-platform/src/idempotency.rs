//! Request ids (AIP-155): the first response of a mutation is kept with a fingerprint of its request; a
//! retry with the same id gets that response back, and the same id with another request is refused.

use diesel::prelude::*;
use prost::Message;
use sha2::{Digest, Sha256};

use crate::{db::DbConn, error::ApiError, schema::idempotency_keys};

/// Longest accepted request id.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// Checks a request id: 1 to 64 characters of letters, digits, `-` and `_` (a UUID fits).
pub fn validate_request_id(request_id: &str) -> Result<(), ApiError> {
    let ok = !request_id.is_empty()
        && request_id.len() <= MAX_REQUEST_ID_LEN
        && request_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_argument("INVALID_REQUEST_ID", "request_id is required: 1-64 of [A-Za-z0-9_-]")
            .with_violation("request_id", "must be 1-64 characters of letters, digits, '-' or '_'"))
    }
}

/// Fingerprint of a request: SHA-256 of its protobuf encoding.
///
/// Prost encodes fields in field-number order, so equal messages give equal bytes.
pub fn fingerprint<M: Message>(request: &M) -> String {
    hex::encode(Sha256::digest(request.encode_to_vec()))
}

/// The stored response for `request_id`, if any; INVALID_ARGUMENT / REQUEST_ID_REUSED when the id was
/// used for a different method or request.
pub fn lookup<R: Message + Default>(
    conn: &mut DbConn,
    request_id: &str,
    method: &str,
    request_hash: &str,
) -> Result<Option<R>, ApiError> {
    let stored: Option<(String, String, Vec<u8>)> = idempotency_keys::table
        .find(request_id)
        .select((idempotency_keys::method, idempotency_keys::request_hash, idempotency_keys::response))
        .first(conn)
        .optional()?;
    let Some((stored_method, stored_hash, response)) = stored else {
        return Ok(None);
    };
    if stored_method != method || stored_hash != request_hash {
        return Err(ApiError::invalid_argument(
            "REQUEST_ID_REUSED",
            "request_id was already used for a different request",
        )
        .with_violation("request_id", "already used for a different request"));
    }
    R::decode(response.as_slice())
        .map(Some)
        .map_err(|e| ApiError::internal(format!("stored response for {request_id} does not decode: {e}")))
}

/// Stores the response of a mutation under its request id, in the mutation's transaction.
pub fn record<R: Message>(
    conn: &mut DbConn,
    request_id: &str,
    method: &str,
    request_hash: &str,
    response: &R,
) -> Result<(), ApiError> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::request_id.eq(request_id),
            idempotency_keys::method.eq(method),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::response.eq(response.encode_to_vec()),
            idempotency_keys::created_at.eq(crate::clock::now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_checked() {
        assert!(validate_request_id("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").is_ok());
        assert!(validate_request_id("retry_1").is_ok());
        for bad in ["", "has space", "semi;colon", &"x".repeat(65)] {
            let err = validate_request_id(bad).unwrap_err();
            assert_eq!(err.reason(), "INVALID_REQUEST_ID", "{bad:?}");
            assert_eq!(err.violations()[0].field, "request_id");
        }
    }

    #[test]
    fn fingerprints_follow_content() {
        let a = prost_types::Timestamp { seconds: 1, nanos: 0 };
        let b = prost_types::Timestamp { seconds: 2, nanos: 0 };
        assert_eq!(fingerprint(&a), fingerprint(&a.clone()));
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }
}

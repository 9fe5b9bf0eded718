//! Opaque page tokens (AIP-158): the keyset position after the last item of a page, bound to the query's
//! filters so a token cannot be replayed against a different query.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Sizes one page: `requested` 0 means `default`, more than `max` is clamped, negative is refused.
pub fn page_size(requested: i32, default: u32, max: u32) -> Result<i64, ApiError> {
    match requested {
        n if n < 0 => Err(ApiError::invalid_argument("INVALID_PAGE_SIZE", "page_size must not be negative")
            .with_violation("page_size", "must be zero or positive")),
        0 => Ok(i64::from(default)),
        n => Ok(i64::from((n as u32).min(max))),
    }
}

/// A fingerprint of a query's filters, to bind tokens to them.
pub fn filter_fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(&hasher.finalize()[..8])
}

#[derive(Serialize, Deserialize)]
struct Token {
    /// Keyset position: the sort key of the last item returned.
    k: Vec<String>,
    /// Filter fingerprint.
    f: String,
}

/// Encodes the position after `last_key` for the query with `filters`.
pub fn encode_token(last_key: Vec<String>, filters: &str) -> String {
    let json = serde_json::to_vec(&Token { k: last_key, f: filters.to_owned() }).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a token for the query with `filters`: `None` for the first page.
pub fn decode_token(token: &str, filters: &str) -> Result<Option<Vec<String>>, ApiError> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid for this query")
            .with_violation("page_token", "not a token from this query's previous page")
    };
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let parsed: Token = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if parsed.f != filters || parsed.k.is_empty() {
        return Err(invalid());
    }
    Ok(Some(parsed.k))
}

/// Splits a fetched `size + 1` rows into the page and the next token.
pub fn finish_page<T>(
    mut rows: Vec<T>,
    size: i64,
    filters: &str,
    key: impl Fn(&T) -> Vec<String>,
) -> (Vec<T>, String) {
    let size = usize::try_from(size).unwrap_or(0);
    if rows.len() > size {
        rows.truncate(size);
        let token = rows.last().map(|last| encode_token(key(last), filters)).unwrap_or_default();
        (rows, token)
    } else {
        (rows, String::new())
    }
}

/// The last id of the previous page of a list keyset-paged by one id, from a token bound to `filters`.
pub fn after_id(token: &str, filters: &str) -> Result<Option<String>, ApiError> {
    match decode_token(token, filters)? {
        None => Ok(None),
        Some(key) if key.len() == 1 => Ok(key.into_iter().next()),
        Some(_) => {
            Err(ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid for this query"))
        }
    }
}

/// [`finish_page`] for a list keyset-paged by one id.
pub fn finish_id_page<T>(
    rows: Vec<T>,
    size: i64,
    filters: &str,
    id: impl Fn(&T) -> String,
) -> (Vec<T>, String) {
    finish_page(rows, size, filters, |row| vec![id(row)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_default_clamp_and_refuse_negative() {
        assert_eq!(page_size(0, 50, 500).unwrap(), 50);
        assert_eq!(page_size(10, 50, 500).unwrap(), 10);
        assert_eq!(page_size(10_000, 50, 500).unwrap(), 500);
        assert_eq!(page_size(-1, 50, 500).unwrap_err().reason(), "INVALID_PAGE_SIZE");
    }

    #[test]
    fn tokens_round_trip_and_are_bound_to_filters() {
        let f = filter_fingerprint(&["name=张", "unit=1"]);
        let g = filter_fingerprint(&["name=张", "unit=2"]);
        assert_ne!(f, g);
        let token = encode_token(vec!["a".into(), "b".into()], &f);
        assert_eq!(decode_token(&token, &f).unwrap(), Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(decode_token(&token, &g).unwrap_err().reason(), "INVALID_PAGE_TOKEN");
        assert_eq!(decode_token("not base64!", &f).unwrap_err().reason(), "INVALID_PAGE_TOKEN");
        assert_eq!(decode_token("", &f).unwrap(), None);
    }

    #[test]
    fn finish_page_cuts_and_points_after_the_last_item() {
        let (page, token) = finish_page(vec![1, 2, 3], 2, "f", |n| vec![n.to_string()]);
        assert_eq!(page, vec![1, 2]);
        assert_eq!(decode_token(&token, "f").unwrap(), Some(vec!["2".to_owned()]));
        let (page, token) = finish_page(vec![1, 2], 2, "f", |n| vec![n.to_string()]);
        assert_eq!((page.len(), token.as_str()), (2, ""));
    }
}

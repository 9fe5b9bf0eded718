//! Opaque bearer secrets: session tokens for people and service keys for other systems (the HR system,
//! the discipline-inspection system). The server keeps only their SHA-256 digests, so a leaked table does
//! not yield usable credentials.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Prefix of every session token; lets log scrubbers and secret scanners recognise one.
pub const SESSION_TOKEN_PREFIX: &str = "cst_";
/// Prefix of every service key.
pub const SERVICE_KEY_PREFIX: &str = "csk_";

const SECRET_BYTES: usize = 32;
/// 32 bytes in unpadded base64url.
const SECRET_CHARS: usize = 43;
const KEY_ID_BYTES: usize = 8;
const KEY_ID_CHARS: usize = 16;

fn random_secret() -> String {
    URL_SAFE_NO_PAD.encode(crate::random::bytes::<SECRET_BYTES>())
}

/// A new session token: `cst_` followed by 43 base64url characters of 32 random bytes. Store only
/// [`digest`] of it.
pub fn new_session_token() -> String {
    format!("{SESSION_TOKEN_PREFIX}{}", random_secret())
}

/// A new service key: `csk_` + key id (16 lower-case hex characters) + `.` + secret (43 base64url
/// characters). Returns `(key_id, full_token)`. The key id is not secret: it finds the stored row, whose
/// [`digest`] of the secret part is then compared.
pub fn new_service_key() -> (String, String) {
    let key_id = hex::encode(crate::random::bytes::<KEY_ID_BYTES>());
    let token = format!("{SERVICE_KEY_PREFIX}{key_id}.{}", random_secret());
    (key_id, token)
}

/// Splits a service key into `(key_id, secret)`. None unless it has exactly the shape
/// [`new_service_key`] produces, so that junk never reaches a database lookup.
pub fn parse_service_key(token: &str) -> Option<(&str, &str)> {
    let (key_id, secret) = token.strip_prefix(SERVICE_KEY_PREFIX)?.split_once('.')?;
    let id_ok =
        key_id.len() == KEY_ID_CHARS && key_id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let secret_ok = secret.len() == SECRET_CHARS && secret.bytes().all(is_base64url);
    (id_ok && secret_ok).then_some((key_id, secret))
}

fn is_base64url(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// Lower-case hex SHA-256 of a token or secret. These carry 256 random bits, so a fast hash is right here:
/// nothing can be guessed, and a slow hash would only slow every request down.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two hex digests in constant time (only their lengths, which are public, may end it early).
pub fn digests_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_token_format() {
        let token = new_session_token();
        let body = token.strip_prefix("cst_").expect("prefix");
        assert_eq!(body.len(), 43);
        assert!(body.bytes().all(is_base64url), "{token}");
        assert_eq!(URL_SAFE_NO_PAD.decode(body).map(|raw| raw.len()), Ok(32));
        assert_ne!(new_session_token(), token);
    }

    #[test]
    fn service_key_format_and_parse() {
        let (key_id, token) = new_service_key();
        assert_eq!(key_id.len(), 16);
        assert!(key_id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert!(token.starts_with(&format!("csk_{key_id}.")), "{token}");
        assert_eq!(token.len(), 4 + 16 + 1 + 43);
        let (parsed_id, secret) = parse_service_key(&token).expect("parses");
        assert_eq!(parsed_id, key_id);
        assert_eq!(secret.len(), 43);
        assert_eq!(format!("csk_{parsed_id}.{secret}"), token);
    }

    #[test]
    fn malformed_service_keys() {
        let (key_id, token) = new_service_key();
        let secret = token.rsplit_once('.').map(|(_, s)| s).unwrap_or_default();
        let cases = [
            String::new(),
            "csk_".to_owned(),
            token.replacen("csk_", "cst_", 1),
            token.replacen('.', "", 1),
            format!("csk_0123456789ABCDEF.{secret}"),
            format!("csk_{}.{secret}", &key_id[..15]),
            format!("csk_{key_id}.{}", &secret[..42]),
            format!("csk_{key_id}.{secret}x"),
            format!("csk_{key_id}.{}+", &secret[..42]),
            format!("csk_{key_id}.{secret}.{secret}"),
            format!(" {token}"),
        ];
        for bad in &cases {
            assert_eq!(parse_service_key(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn digests() {
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let token = new_session_token();
        assert!(digests_equal(&digest(&token), &digest(&token)));
        assert!(!digests_equal(&digest(&token), &digest(&new_session_token())));
        assert!(!digests_equal(&digest(&token), &digest(&token)[..63]));
        assert!(!digests_equal("", "00"));
        assert!(digests_equal("", ""));
    }
}

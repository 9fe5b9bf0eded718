//! The two bearer credentials the built-in login issues, told apart by their prefix.

use cadre_authn::opaque;

/// Longer than any credential this service issues (a service key is 64 characters); a longer one is junk
/// and is refused before any work is done on it.
pub const MAX_CREDENTIAL_BYTES: usize = 256;

/// The characters after `cst_`: 32 random bytes in unpadded base64url.
const SESSION_SECRET_CHARS: usize = 43;

/// A credential presented to `Authenticate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bearer<'a> {
    /// A session token, whole (its digest finds the session).
    Session(&'a str),
    /// A service key: its public id and its secret part.
    ServiceKey {
        /// The key id.
        key_id: &'a str,
        /// The secret after the dot.
        secret: &'a str,
    },
}

/// Tells a credential's kind from its shape; the error says what is wrong with it.
pub fn parse(credential: &str) -> Result<Bearer<'_>, &'static str> {
    if credential.len() > MAX_CREDENTIAL_BYTES {
        return Err("is too long to be a credential");
    }
    if credential.starts_with(opaque::SERVICE_KEY_PREFIX) {
        return opaque::parse_service_key(credential)
            .map(|(key_id, secret)| Bearer::ServiceKey { key_id, secret })
            .ok_or("is not a well-formed service key");
    }
    if is_session_token(credential) {
        return Ok(Bearer::Session(credential));
    }
    Err("must be a session token (cst_...) or a service key (csk_...)")
}

/// Whether `token` has the shape of a session token from `cadre_authn::opaque::new_session_token`.
pub fn is_session_token(token: &str) -> bool {
    token.strip_prefix(opaque::SESSION_TOKEN_PREFIX).is_some_and(|secret| {
        secret.len() == SESSION_SECRET_CHARS
            && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_credentials_parse_and_junk_does_not() {
        let token = opaque::new_session_token();
        assert_eq!(parse(&token), Ok(Bearer::Session(&token)));
        let (key_id, key) = opaque::new_service_key();
        match parse(&key) {
            Ok(Bearer::ServiceKey { key_id: parsed, secret }) => {
                assert_eq!(parsed, key_id);
                assert_eq!(format!("csk_{key_id}.{secret}"), key);
            }
            other => panic!("{other:?}"),
        }
        let too_long = format!("{token}{}", "a".repeat(MAX_CREDENTIAL_BYTES));
        for bad in
            ["", "cst_", "Bearer x", &token[..token.len() - 1], &format!("{token}="), &too_long, "csk_x.y"]
        {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}

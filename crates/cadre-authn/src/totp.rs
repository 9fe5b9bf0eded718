//! Time-based one-time passwords (RFC 6238) as authenticator apps implement them: HMAC-SHA1, 30-second
//! steps, 6 digits, secrets shown as unpadded base32.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Length of one time step in seconds.
pub const STEP_SECS: u64 = 30;
/// Number of digits [`verify`] and [`provisioning_uri`] use.
pub const DIGITS: u32 = 6;
/// Length of a secret from [`generate_secret`] in bytes (160 bits, the size of an HMAC-SHA1 output, as
/// RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fresh random secret of 20 bytes.
pub fn generate_secret() -> Vec<u8> {
    crate::random::bytes::<SECRET_BYTES>().to_vec()
}

/// RFC 4648 base32 without padding, upper-case: the form authenticator apps take when typed in by hand.
pub fn to_base32(secret: &[u8]) -> String {
    let mut out = String::with_capacity(secret.len().div_ceil(5) * 8);
    let mut buffer: u16 = 0;
    let mut bits: u32 = 0;
    for &byte in secret {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32_ALPHABET[usize::from((buffer >> bits) & 0x1f)]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32_ALPHABET[usize::from((buffer << (5 - bits)) & 0x1f)]));
    }
    out
}

/// Decodes base32 as people copy it: lower case, spaces and trailing `=` padding are accepted. None for any
/// other character, for padding in the middle, or for a length no encoder produces.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let end = compact.iter().rposition(|&b| b != b'=').map_or(0, |last| last + 1);
    let symbols = compact.get(..end)?;
    // 1, 3 or 6 trailing symbols would carry a partial byte of 5, 15 or 30 bits: no encoder writes that.
    if matches!(symbols.len() % 8, 1 | 3 | 6) {
        return None;
    }
    let mut out = Vec::with_capacity(symbols.len() * 5 / 8);
    let mut buffer: u16 = 0;
    let mut bits: u32 = 0;
    for &symbol in symbols {
        let value = match symbol.to_ascii_uppercase() {
            upper @ b'A'..=b'Z' => upper - b'A',
            digit @ b'2'..=b'7' => digit - b'2' + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | u16::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The `digits`-digit code (zero-padded) for the time step containing `unix_time`.
pub fn code_at(secret: &[u8], unix_time: u64, digits: u32) -> String {
    hotp(secret, unix_time / STEP_SECS, digits)
}

/// RFC 4226 HOTP: HMAC-SHA1 of the big-endian counter, dynamic truncation, the last `digits` decimal digits.
fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    // HMAC takes keys of any length, so this never fails; an empty string never matches a code.
    let Ok(mut mac) = <Hmac<Sha1> as Mac>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let word = [digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]];
    let truncated = u64::from(u32::from_be_bytes(word) & 0x7fff_ffff);
    // Past 10^19 the modulus no longer fits; the 31-bit value is already smaller than any such modulus.
    let code = 10u64.checked_pow(digits).map_or(truncated, |modulus| truncated % modulus);
    let width = usize::try_from(digits).unwrap_or(usize::MAX).min(64);
    format!("{code:0width$}")
}

/// Checks a 6-digit code against the step before, the current step and the step after `unix_time`, to
/// absorb clock drift and the time a person takes to type. Returns the matched step, which the caller
/// stores and passes back as `last_used_step`: a step at or below it is refused, so that an observed code
/// cannot be replayed. Codes that are not exactly 6 ASCII digits, and an empty secret, give None.
pub fn verify(secret: &[u8], code: &str, unix_time: u64, last_used_step: Option<u64>) -> Option<u64> {
    if secret.is_empty() || code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = unix_time / STEP_SECS;
    let mut matched = None;
    // Every candidate is computed and compared, whichever matches, so that timing says nothing about
    // which step (if any) the code belongs to.
    for step in [current.checked_sub(1), Some(current), current.checked_add(1)].into_iter().flatten() {
        let expected = hotp(secret, step, DIGITS);
        let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
        let fresh = last_used_step.is_none_or(|last| step > last);
        if equal && fresh {
            matched = Some(step);
        }
    }
    matched
}

/// The `otpauth://` URI authenticator apps read from a QR code. Issuer and account are percent-encoded as
/// UTF-8, so a Chinese issuer name survives.
pub fn provisioning_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}\
         &period={STEP_SECS}",
        account = percent_encode(account),
        secret = to_base32(secret),
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters, which is safe in a path segment and a
/// query value alike.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_appendix_b_sha1() {
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, code) in vectors {
            assert_eq!(code_at(RFC_SECRET, time, 8), code, "T = {time}");
        }
        // Six digits are the last six of the eight, zero padding included.
        assert_eq!(code_at(RFC_SECRET, 59, 6), "287082");
        assert_eq!(code_at(RFC_SECRET, 1_111_111_109, 6), "081804");
    }

    #[test]
    fn window_is_one_step_either_side() {
        let now = 1_700_000_000;
        let step = now / STEP_SECS;
        let code_of = |t: u64| code_at(RFC_SECRET, t, 6);
        assert_eq!(verify(RFC_SECRET, &code_of(now), now, None), Some(step));
        assert_eq!(verify(RFC_SECRET, &code_of(now - STEP_SECS), now, None), Some(step - 1));
        assert_eq!(verify(RFC_SECRET, &code_of(now + STEP_SECS), now, None), Some(step + 1));
        assert_eq!(verify(RFC_SECRET, &code_of(now - 2 * STEP_SECS), now, None), None);
        assert_eq!(verify(RFC_SECRET, &code_of(now + 2 * STEP_SECS), now, None), None);
    }

    #[test]
    fn replay_is_refused() {
        let now = 1_700_000_000;
        let code = code_at(RFC_SECRET, now, 6);
        let step = verify(RFC_SECRET, &code, now, None).expect("first use");
        assert_eq!(verify(RFC_SECRET, &code, now, Some(step)), None, "same code again");
        assert_eq!(verify(RFC_SECRET, &code, now + 10, Some(step)), None, "same step later");
        // A code from before the last used step is refused too, even inside the window.
        let earlier = code_at(RFC_SECRET, now - STEP_SECS, 6);
        assert_eq!(verify(RFC_SECRET, &earlier, now, Some(step)), None);
        // The next step's code is still accepted.
        let next = code_at(RFC_SECRET, now + STEP_SECS, 6);
        assert_eq!(verify(RFC_SECRET, &next, now + STEP_SECS, Some(step)), Some(step + 1));
    }

    #[test]
    fn malformed_codes() {
        let now = 1_700_000_000;
        let code = code_at(RFC_SECRET, now, 6);
        for bad in ["", "12345", "1234567", "12345a", " 12345", "１２３４５６", &format!("{code} ")] {
            assert_eq!(verify(RFC_SECRET, bad, now, None), None, "{bad:?}");
        }
        assert_eq!(verify(b"", &code_at(b"", now, 6), now, None), None, "empty secret");
        // Near the epoch there is no previous step, and nothing underflows.
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, 0, 6), 0, None), Some(0));
    }

    #[test]
    fn base32_rfc4648_vectors() {
        let vectors: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "MY"),
            (b"fo", "MZXQ"),
            (b"foo", "MZXW6"),
            (b"foob", "MZXW6YQ"),
            (b"fooba", "MZXW6YTB"),
            (b"foobar", "MZXW6YTBOI"),
        ];
        for (raw, encoded) in vectors {
            assert_eq!(to_base32(raw), encoded);
            assert_eq!(from_base32(encoded).as_deref(), Some(raw));
        }
        // The RFC's padded forms, lower case and spaces.
        assert_eq!(from_base32("MZXW6YTBOI======").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(from_base32("mzxw 6ytb oi").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(from_base32("MY======").as_deref(), Some(&b"f"[..]));
    }

    #[test]
    fn base32_round_trip_and_rejects() {
        for _ in 0..50 {
            let secret = generate_secret();
            assert_eq!(secret.len(), SECRET_BYTES);
            let text = to_base32(&secret);
            assert_eq!(text.len(), 32);
            assert_eq!(from_base32(&text), Some(secret.clone()));
            assert_eq!(from_base32(&text.to_lowercase()), Some(secret));
        }
        for bad in ["M", "MZX", "MZXW6Y", "MZ1Q", "MZ=Q", "MZXQ!", "MZ8Q"] {
            assert_eq!(from_base32(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn provisioning_uri_is_encoded() {
        let uri = provisioning_uri(b"foobar", "锦绣区 组织部", "leader.t01@jinxiu");
        assert_eq!(
            uri,
            "otpauth://totp/%E9%94%A6%E7%BB%A3%E5%8C%BA%20%E7%BB%84%E7%BB%87%E9%83%A8:leader.t01%40jinxiu\
             ?secret=MZXW6YTBOI&issuer=%E9%94%A6%E7%BB%A3%E5%8C%BA%20%E7%BB%84%E7%BB%87%E9%83%A8\
             &algorithm=SHA1&digits=6&period=30"
        );
    }
}

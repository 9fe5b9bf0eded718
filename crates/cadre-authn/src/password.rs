//! Password hashing (argon2id, PHC strings) and the password policy.
//!
//! Hashes are self-describing PHC strings, so the parameters can be raised later without invalidating
//! stored hashes: [`verify`] reads them from the stored string (within sane bounds).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Memory cost in KiB (OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane).
pub const MEMORY_KIB: u32 = 19_456;
/// Number of passes over memory.
pub const ITERATIONS: u32 = 2;
/// Degree of parallelism.
pub const PARALLELISM: u32 = 1;
/// Length of the random salt in bytes.
pub const SALT_BYTES: usize = 16;
/// Shortest password [`check_strength`] accepts, in characters.
pub const MIN_CHARS: usize = 12;
/// Longest password [`check_strength`] accepts, in characters.
pub const MAX_CHARS: usize = 128;
/// Longest input [`hash`] and [`verify`] will spend work on, in bytes. Far above [`MAX_CHARS`] even in
/// four-byte characters; it only stops a caller from making the server hash megabytes.
pub const MAX_INPUT_BYTES: usize = 1024;

// A stored hash's parameters decide how much memory and time `verify` spends, so a corrupted or hostile row
// must not be able to ask for gigabytes. These bounds leave room to raise the parameters later.
const MAX_STORED_MEMORY_KIB: u32 = 262_144;
const MAX_STORED_ITERATIONS: u32 = 16;
const MAX_STORED_PARALLELISM: u32 = 16;

/// The hash [`verify_dummy`] checks against: argon2id of a random password nobody knows, with the same
/// parameters as [`hash`], so that it costs the same as a real verification. A test keeps the two in step.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$p4h6szdMshkTuWEZW96bkw$\
                         GkMBYDKhO0CfInIfwIA+tKvcyAEtxL8Em4qPcw+lLhc";

/// Hashing a password failed. Only a password longer than [`MAX_INPUT_BYTES`] or a broken argon2 setup
/// gets here, never an ordinary password.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {reason}")]
pub struct PasswordError {
    reason: String,
}

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .map_err(|err| PasswordError { reason: err.to_string() })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` with argon2id (m=19456 KiB, t=2, p=1) and a random 16-byte salt, as a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
pub fn hash(password: &str) -> Result<String, PasswordError> {
    if password.len() > MAX_INPUT_BYTES {
        return Err(PasswordError { reason: format!("password longer than {MAX_INPUT_BYTES} bytes") });
    }
    let salt = SaltString::encode_b64(&crate::random::bytes::<SALT_BYTES>())
        .map_err(|err| PasswordError { reason: err.to_string() })?;
    let phc = hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|err| PasswordError { reason: err.to_string() })?;
    Ok(phc.to_string())
}

/// Checks `password` against a stored PHC string in constant time. False for a wrong password and for
/// anything that is not an argon2id PHC string with sane parameters (a malformed row never panics and
/// never verifies).
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > MAX_INPUT_BYTES {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        return false;
    }
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_STORED_MEMORY_KIB
        || params.t_cost() > MAX_STORED_ITERATIONS
        || params.p_cost() > MAX_STORED_PARALLELISM
    {
        return false;
    }
    // The argon2 verifier recomputes with the stored salt and parameters and compares the outputs in
    // constant time.
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}

/// Spends the same work as [`verify`] against a fixed dummy hash, so that an unknown username takes as long
/// as a wrong password and sign-in does not reveal which accounts exist.
pub fn verify_dummy(password: &str) {
    // The result is meaningless (nobody knows the dummy's password); only the time spent matters.
    let _ = verify(password, DUMMY_PHC);
}

/// The password policy: 12-128 characters, at least 3 of {lower-case letter, upper-case letter, digit,
/// other character}, and not containing the username (case-insensitive). The error is a short English
/// description fit to show to the person choosing the password.
///
/// Usernames shorter than 3 characters are not checked for: forbidding every password that contains, say,
/// the letter "a" would reject good passwords for no gain.
pub fn check_strength(password: &str, username: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err("password must be at least 12 characters long");
    }
    if chars > MAX_CHARS {
        return Err("password must be at most 128 characters long");
    }
    let (mut lower, mut upper, mut digit, mut other) = (false, false, false, false);
    for c in password.chars() {
        if c.is_lowercase() {
            lower = true;
        } else if c.is_uppercase() {
            upper = true;
        } else if c.is_ascii_digit() {
            digit = true;
        } else {
            other = true;
        }
    }
    let classes = [lower, upper, digit, other].into_iter().filter(|present| *present).count();
    if classes < 3 {
        return Err(
            "password must mix at least 3 of: lower-case letters, upper-case letters, digits, other characters",
        );
    }
    let username = username.trim();
    if username.chars().count() >= 3 && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err("password must not contain the username");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let phc = hash("correct horse battery staple").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery staple", &phc));
    }

    #[test]
    fn salts_differ() {
        let a = hash("same password").expect("hash");
        let b = hash("same password").expect("hash");
        assert_ne!(a, b);
        assert!(verify("same password", &a) && verify("same password", &b));
    }

    #[test]
    fn wrong_password() {
        let phc = hash("correct horse battery staple").expect("hash");
        assert!(!verify("correct horse battery stapl", &phc));
        assert!(!verify("", &phc));
    }

    #[test]
    fn malformed_hash_is_false() {
        let phc = hash("pw").expect("hash");
        let truncated = &phc[..phc.len() - 10];
        let argon2i = phc.replacen("$argon2id$", "$argon2i$", 1);
        let huge = "$argon2id$v=19$m=4194304,t=2,p=1$Ds1i3gTHB7wjoJbmj3WJPw$\
                    k3oXk3GNfDTHDCoXGwBeDbcuk9YXubyMzIG8fPSdROw";
        for bad in ["", "garbage", "$argon2id$", "$2b$12$abcdefghijklmnopqrstuv", truncated, &argon2i, huge] {
            assert!(!verify("pw", bad), "{bad:?} verified");
        }
    }

    #[test]
    fn oversized_input() {
        let long = "x".repeat(MAX_INPUT_BYTES + 1);
        assert!(hash(&long).is_err());
        let phc = hash("pw").expect("hash");
        assert!(!verify(&long, &phc));
    }

    #[test]
    fn dummy_hash_matches_the_real_parameters() {
        let dummy = PasswordHash::new(DUMMY_PHC).expect("dummy parses");
        let params = Params::try_from(&dummy).expect("dummy params");
        assert_eq!(dummy.algorithm, argon2::ARGON2ID_IDENT);
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (MEMORY_KIB, ITERATIONS, PARALLELISM)
        );
        assert_eq!(dummy.salt.map(|salt| salt.as_str().len()), Some(22), "16-byte salt");
        // Does the dummy actually cost a verification (rather than being refused early)?
        let start = std::time::Instant::now();
        verify_dummy("anything");
        let dummy_time = start.elapsed();
        let phc = hash("pw").expect("hash");
        let start = std::time::Instant::now();
        assert!(!verify("wrong", &phc));
        let real_time = start.elapsed();
        assert!(dummy_time * 10 > real_time, "dummy {dummy_time:?} vs real {real_time:?}");
    }

    #[test]
    fn strength_rules() {
        assert_eq!(check_strength("Short1!", "alice"), Err("password must be at least 12 characters long"));
        assert_eq!(
            check_strength(&"Aa1!".repeat(33), "alice"),
            Err("password must be at most 128 characters long")
        );
        assert!(check_strength(&"Aa1!".repeat(32), "alice").is_ok(), "128 characters is allowed");
        // Two classes only.
        assert!(check_strength("alllowercase123", "alice").is_err());
        assert!(check_strength("ALLUPPER!!!!!!!", "alice").is_err());
        // Three classes.
        assert!(check_strength("lowerUPPER1234", "alice").is_ok());
        assert!(check_strength("lowerupper12!!", "alice").is_ok());
        // Chinese characters count as "other", and length counts characters, not bytes.
        assert!(check_strength("组织部abcdef12", "alice").is_err(), "11 characters");
        assert!(check_strength("组织部abcdefg12", "alice").is_ok());
        // The username, case-insensitively.
        assert_eq!(
            check_strength("xxLeader.T01-Secret", "leader.t01"),
            Err("password must not contain the username")
        );
        assert!(check_strength("Crabby-Horse-9", "ab").is_ok(), "too short a username is not checked");
        assert!(check_strength("Correct-Horse-9", "").is_ok());
    }
}

//! The one place secrets get their randomness from, so that every token, salt and key uses the OS generator.

/// Fills `buf` from the operating system's generator.
///
/// # Panics
///
/// When the OS generator fails. That is not a condition any caller can recover from safely (the only
/// alternative would be a predictable secret), and the infallible signatures of the token constructors
/// depend on it.
pub(crate) fn fill(buf: &mut [u8]) {
    if let Err(err) = getrandom::fill(buf) {
        panic!("the operating system's random number generator failed: {err}");
    }
}

/// `N` fresh random bytes.
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    fill(&mut buf);
    buf
}

//! Check-in with a one-time code (shown as a QR code at the venue): the organiser opens check-in and gets a
//! random code, valid in a window around the session (policy: from some minutes before the start to some
//! minutes after the end). A person checks in once, inside the window, with the current code, while the
//! session has room.

use chrono::{DateTime, Duration, Utc};

use super::SessionState;

/// The characters of a code: no 0/O or 1/I, which people misread when typing a code off a screen.
pub const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Characters in a code: 32^8 ≈ 10^12 codes, so guessing one within a window is hopeless.
pub const CODE_LEN: usize = 8;

/// A code from random bytes. The alphabet has 32 symbols, so each byte's low five bits pick one uniformly.
pub fn code_from(random: [u8; CODE_LEN]) -> String {
    random.iter().map(|b| char::from(CODE_ALPHABET[usize::from(b & 0x1f)])).collect()
}

/// A code as typed or scanned: trimmed and uppercased, so a scanner's case or a stray space does not matter.
pub fn normalise_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// When a session's code is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInWindow {
    /// First instant.
    pub opens: DateTime<Utc>,
    /// Last instant.
    pub closes: DateTime<Utc>,
}

impl CheckInWindow {
    /// The window of a session from `starts` to `ends`: `before` minutes before the start to `after`
    /// minutes after the end. Near the ends of what a date can hold the window stops there rather than
    /// overflowing (the requests bound their instants well inside).
    pub fn around(starts: DateTime<Utc>, ends: DateTime<Utc>, before: u32, after: u32) -> Self {
        Self {
            opens: starts
                .checked_sub_signed(Duration::minutes(i64::from(before)))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            closes: ends
                .checked_add_signed(Duration::minutes(i64::from(after)))
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        }
    }

    /// Whether `now` is inside the window (both ends included).
    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        self.opens <= now && now <= self.closes
    }
}

/// Whether a session with `count` attendances has room under `capacity` (0: no limit).
pub fn has_room(count: i64, capacity: i32) -> bool {
    capacity <= 0 || count < i64::from(capacity)
}

/// Why a check-in is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInRefusal {
    /// The session was cancelled.
    Cancelled,
    /// The organiser has not opened check-in.
    NotOpen,
    /// Outside the window.
    WindowClosed,
    /// Not the current code.
    CodeInvalid,
    /// The person is not in the session's audience.
    NotInAudience,
    /// The person already has an attendance.
    AlreadyCheckedIn,
    /// The capacity is reached.
    Full,
}

impl CheckInRefusal {
    /// The machine-readable reason.
    pub fn reason(self) -> &'static str {
        match self {
            CheckInRefusal::Cancelled => "SESSION_CANCELLED",
            CheckInRefusal::NotOpen => "CHECK_IN_NOT_OPEN",
            CheckInRefusal::WindowClosed => "CHECK_IN_WINDOW_CLOSED",
            CheckInRefusal::CodeInvalid => "CHECK_IN_CODE_INVALID",
            CheckInRefusal::NotInAudience => "NOT_IN_AUDIENCE",
            CheckInRefusal::AlreadyCheckedIn => "ALREADY_CHECKED_IN",
            CheckInRefusal::Full => "SESSION_FULL",
        }
    }
}

/// What one check-in is decided on.
#[derive(Debug, Clone, Copy)]
pub struct CheckInFacts<'a> {
    /// The session's state.
    pub state: SessionState,
    /// The session's current code; empty until check-in is opened.
    pub issued_code: &'a str,
    /// The session's window.
    pub window: CheckInWindow,
    /// Now.
    pub now: DateTime<Utc>,
    /// The code presented.
    pub presented_code: &'a str,
    /// Whether the person is in the audience.
    pub in_audience: bool,
    /// Whether the person already has an attendance.
    pub already: bool,
    /// Attendances so far.
    pub count: i64,
    /// The capacity (0: no limit).
    pub capacity: i32,
}

/// Decides one check-in. The order is what the person can act on: a closed window first (no code helps),
/// then the code, then who they are, then room.
pub fn decide(facts: &CheckInFacts<'_>) -> Result<(), CheckInRefusal> {
    if facts.state == SessionState::Cancelled {
        return Err(CheckInRefusal::Cancelled);
    }
    if facts.issued_code.is_empty() {
        return Err(CheckInRefusal::NotOpen);
    }
    if !facts.window.contains(facts.now) {
        return Err(CheckInRefusal::WindowClosed);
    }
    if normalise_code(facts.presented_code) != facts.issued_code {
        return Err(CheckInRefusal::CodeInvalid);
    }
    if !facts.in_audience {
        return Err(CheckInRefusal::NotInAudience);
    }
    if facts.already {
        return Err(CheckInRefusal::AlreadyCheckedIn);
    }
    if !has_room(facts.count, facts.capacity) {
        return Err(CheckInRefusal::Full);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// A session 09:00–11:00 (01:00–03:00 UTC) with the default ±30 minutes.
    fn window() -> CheckInWindow {
        CheckInWindow::around(at("2026-03-02T01:00:00Z"), at("2026-03-02T03:00:00Z"), 30, 30)
    }

    fn facts(now: &str, code: &str) -> CheckInFacts<'static> {
        CheckInFacts {
            state: SessionState::Planned,
            issued_code: "ABCD2345",
            window: window(),
            now: at(now),
            presented_code: Box::leak(code.to_owned().into_boxed_str()),
            in_audience: true,
            already: false,
            count: 0,
            capacity: 0,
        }
    }

    #[test]
    fn the_window_runs_from_before_the_start_to_after_the_end() {
        let w = window();
        assert_eq!(w.opens, at("2026-03-02T00:30:00Z"));
        assert_eq!(w.closes, at("2026-03-02T03:30:00Z"));
        assert!(!w.contains(at("2026-03-02T00:29:59Z")));
        assert!(w.contains(at("2026-03-02T00:30:00Z")));
        assert!(w.contains(at("2026-03-02T03:30:00Z")));
        assert!(!w.contains(at("2026-03-02T03:30:01Z")));
    }

    #[test]
    fn a_window_at_the_ends_of_time_does_not_overflow() {
        let (min, max) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
        let w = CheckInWindow::around(min, max, u32::MAX, u32::MAX);
        assert_eq!((w.opens, w.closes), (min, max));
        let w = CheckInWindow::around(max - Duration::minutes(10), max, 30, 30);
        assert_eq!((w.opens, w.closes), (max - Duration::minutes(40), max));
    }

    #[test]
    fn a_check_in_is_decided_in_order() {
        assert_eq!(decide(&facts("2026-03-02T01:10:00Z", "abcd2345 ")), Ok(()));
        assert_eq!(decide(&facts("2026-03-02T00:10:00Z", "ABCD2345")), Err(CheckInRefusal::WindowClosed));
        assert_eq!(decide(&facts("2026-03-02T04:00:00Z", "WRONG")), Err(CheckInRefusal::WindowClosed));
        assert_eq!(decide(&facts("2026-03-02T01:10:00Z", "ABCD2346")), Err(CheckInRefusal::CodeInvalid));
        let mut f = facts("2026-03-02T01:10:00Z", "ABCD2345");
        f.in_audience = false;
        assert_eq!(decide(&f), Err(CheckInRefusal::NotInAudience));
        let mut f = facts("2026-03-02T01:10:00Z", "ABCD2345");
        f.already = true;
        assert_eq!(decide(&f), Err(CheckInRefusal::AlreadyCheckedIn));
        assert_eq!(CheckInRefusal::AlreadyCheckedIn.reason(), "ALREADY_CHECKED_IN");
        let mut f = facts("2026-03-02T01:10:00Z", "ABCD2345");
        (f.count, f.capacity) = (40, 40);
        assert_eq!(decide(&f), Err(CheckInRefusal::Full));
        f.count = 39;
        assert_eq!(decide(&f), Ok(()));
        let mut f = facts("2026-03-02T01:10:00Z", "ABCD2345");
        f.issued_code = "";
        assert_eq!(decide(&f), Err(CheckInRefusal::NotOpen));
        let mut f = facts("2026-03-02T01:10:00Z", "ABCD2345");
        f.state = SessionState::Cancelled;
        assert_eq!(decide(&f), Err(CheckInRefusal::Cancelled));
        // A held session (marked held while people still arrive) still takes check-ins in its window.
        let mut f = facts("2026-03-02T03:20:00Z", "ABCD2345");
        f.state = SessionState::Held;
        assert_eq!(decide(&f), Ok(()));
    }

    #[test]
    fn capacity_zero_is_no_limit() {
        assert!(has_room(10_000, 0));
        assert!(has_room(9, 10));
        assert!(!has_room(10, 10));
    }

    #[test]
    fn codes_are_eight_unambiguous_uppercase_characters() {
        let code = code_from([0, 1, 2, 3, 31, 63, 255, 128]);
        assert_eq!(code.len(), CODE_LEN);
        assert_eq!(code, normalise_code(&code));
        assert!(code.chars().all(|c| c.is_ascii_alphanumeric() && !"01OI".contains(c)), "{code}");
        assert_eq!(code_from([0; 8]), "22222222");
        assert_ne!(code_from([0; 8]), code_from([1, 0, 0, 0, 0, 0, 0, 0]));
    }
}

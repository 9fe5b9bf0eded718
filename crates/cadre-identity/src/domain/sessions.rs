//! When a session is still good.

use chrono::{Duration, NaiveDateTime};

/// A session's uses are recorded at most this often, so that a busy session does not write on every call.
/// The idle limit is minutes long, so a minute's imprecision in the last use does not matter.
pub const TOUCH_INTERVAL: Duration = Duration::seconds(60);

/// Whether a session may be used at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Good.
    Active,
    /// Ended early (logout, password change, an administrator).
    Revoked,
    /// Past its absolute end.
    Expired,
    /// Unused for longer than the idle limit.
    Idle,
}

/// The state of a session at `now`. An ended session reports the first reason it ended for: revocation,
/// then the absolute end, then idleness.
pub fn state(
    revoked: bool,
    expires_at: NaiveDateTime,
    last_seen_at: NaiveDateTime,
    now: NaiveDateTime,
    idle_limit: Duration,
) -> SessionState {
    if revoked {
        SessionState::Revoked
    } else if now >= expires_at {
        SessionState::Expired
    } else if now - last_seen_at >= idle_limit {
        SessionState::Idle
    } else {
        SessionState::Active
    }
}

/// Whether a use at `now` should be written down.
pub fn needs_touch(last_seen_at: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    last_seen_at.is_none_or(|seen| now - seen >= TOUCH_INTERVAL)
}

/// When a session ends if not used again: its idle end, or its absolute end if that comes first.
pub fn idle_end(
    last_seen_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    idle_limit: Duration,
) -> NaiveDateTime {
    (last_seen_at + idle_limit).min(expires_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        s.parse().unwrap()
    }

    #[test]
    fn revoked_then_expired_then_idle() {
        let idle = Duration::minutes(30);
        let created = at("2026-03-01T08:00:00");
        let end = at("2026-03-01T20:00:00");
        let state_at = |revoked, seen: &str, now: &str| state(revoked, end, at(seen), at(now), idle);
        assert_eq!(state_at(false, "2026-03-01T08:00:00", "2026-03-01T08:29:59"), SessionState::Active);
        assert_eq!(state_at(false, "2026-03-01T08:00:00", "2026-03-01T08:30:00"), SessionState::Idle);
        assert_eq!(state_at(false, "2026-03-01T19:50:00", "2026-03-01T20:00:00"), SessionState::Expired);
        assert_eq!(state_at(false, "2026-03-01T08:00:00", "2026-03-01T21:00:00"), SessionState::Expired);
        assert_eq!(state_at(true, "2026-03-01T08:00:00", "2026-03-01T21:00:00"), SessionState::Revoked);
        assert_eq!(idle_end(created, end, idle), at("2026-03-01T08:30:00"));
        assert_eq!(idle_end(at("2026-03-01T19:45:00"), end, idle), end);
    }

    #[test]
    fn uses_are_written_once_a_minute() {
        let seen = at("2026-03-01T08:00:00");
        assert!(!needs_touch(Some(seen), at("2026-03-01T08:00:59")));
        assert!(needs_touch(Some(seen), at("2026-03-01T08:01:00")));
        assert!(needs_touch(None, seen));
    }
}

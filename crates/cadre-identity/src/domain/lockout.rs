//! Lockout after repeated failed sign-ins.

use chrono::{Duration, NaiveDateTime};

/// The lockout state after one more failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterFailure {
    /// The new count of consecutive failures (0 again once the account locks).
    pub failed_attempts: i32,
    /// Set when this failure locked the account.
    pub locked_until: Option<NaiveDateTime>,
}

/// Counts one more failure: at `limit` consecutive failures the account locks for `lock`, and the count
/// starts again so that the first failure after the lock does not lock it at once.
pub fn after_failure(previous: i32, limit: u32, now: NaiveDateTime, lock: Duration) -> AfterFailure {
    let failed = previous.max(0).saturating_add(1);
    if i64::from(failed) >= i64::from(limit.max(1)) {
        AfterFailure { failed_attempts: 0, locked_until: Some(now + lock) }
    } else {
        AfterFailure { failed_attempts: failed, locked_until: None }
    }
}

/// Whether a lock is in force at `now`.
pub fn is_locked(locked_until: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    in_force(locked_until, now).is_some()
}

/// The end of the lock in force at `now`, if one is.
pub fn in_force(locked_until: Option<NaiveDateTime>, now: NaiveDateTime) -> Option<NaiveDateTime> {
    locked_until.filter(|until| *until > now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        s.parse().unwrap()
    }

    #[test]
    fn the_fifth_failure_locks_and_resets_the_count() {
        let now = at("2026-03-01T08:00:00");
        let lock = Duration::minutes(15);
        let mut count = 0;
        for expected in 1..5 {
            let next = after_failure(count, 5, now, lock);
            assert_eq!(next, AfterFailure { failed_attempts: expected, locked_until: None });
            count = next.failed_attempts;
        }
        let locked = after_failure(count, 5, now, lock);
        assert_eq!(
            locked,
            AfterFailure { failed_attempts: 0, locked_until: Some(at("2026-03-01T08:15:00")) }
        );
        // A limit of one locks at the first failure; a nonsense count does not overflow.
        assert!(after_failure(0, 1, now, lock).locked_until.is_some());
        assert!(after_failure(i32::MAX, 5, now, lock).locked_until.is_some());
    }

    #[test]
    fn a_lock_holds_until_its_end() {
        let until = at("2026-03-01T08:15:00");
        assert!(is_locked(Some(until), at("2026-03-01T08:14:59")));
        assert!(!is_locked(Some(until), until));
        assert!(!is_locked(None, until));
        assert_eq!(in_force(Some(until), at("2026-03-01T08:00:00")), Some(until));
        assert_eq!(in_force(Some(until), until), None);
    }
}

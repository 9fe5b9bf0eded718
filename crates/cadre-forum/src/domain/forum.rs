//! The life of a forum (proposed → active ⇄ suspended → closed) and of a session (planned → held or
//! cancelled). Only an active forum holds sessions; closed, held and cancelled are final.

use chrono::{DateTime, Utc};

/// Where a forum stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForumStatus {
    /// Waiting for the level above.
    Proposed,
    /// Approved: holds sessions.
    Active,
    /// Suspended by the level above.
    Suspended,
    /// Closed or withdrawn; final.
    Closed,
}

impl ForumStatus {
    /// Every status.
    pub const ALL: [ForumStatus; 4] =
        [ForumStatus::Proposed, ForumStatus::Active, ForumStatus::Suspended, ForumStatus::Closed];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ForumStatus::Proposed => "PROPOSED",
            ForumStatus::Active => "ACTIVE",
            ForumStatus::Suspended => "SUSPENDED",
            ForumStatus::Closed => "CLOSED",
        }
    }

    /// The status of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the forum may hold sessions.
    pub fn holds_sessions(self) -> bool {
        self == ForumStatus::Active
    }
}

/// What is done to a forum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForumAction {
    /// The level above approves the proposal.
    Approve,
    /// The level above suspends an active forum.
    Suspend,
    /// The level above resumes a suspended forum.
    Resume,
    /// The unit or the level above closes it (a proposal is withdrawn).
    Close,
}

/// The status after `action`, or the reason it is refused.
pub fn forum_transition(status: ForumStatus, action: ForumAction) -> Result<ForumStatus, &'static str> {
    use ForumAction as A;
    use ForumStatus as S;
    match (status, action) {
        (S::Proposed, A::Approve) => Ok(S::Active),
        (_, A::Approve) => Err("FORUM_NOT_PROPOSED"),
        (S::Active, A::Suspend) => Ok(S::Suspended),
        (_, A::Suspend) => Err("FORUM_NOT_ACTIVE"),
        (S::Suspended, A::Resume) => Ok(S::Active),
        (_, A::Resume) => Err("FORUM_NOT_SUSPENDED"),
        (S::Closed, A::Close) => Err("FORUM_CLOSED"),
        (_, A::Close) => Ok(S::Closed),
    }
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Scheduled.
    Planned,
    /// Held.
    Held,
    /// Cancelled.
    Cancelled,
}

impl SessionState {
    /// Every state.
    pub const ALL: [SessionState; 3] = [SessionState::Planned, SessionState::Held, SessionState::Cancelled];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            SessionState::Planned => "PLANNED",
            SessionState::Held => "HELD",
            SessionState::Cancelled => "CANCELLED",
        }
    }

    /// The state of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Whether a planned session may be cancelled: not once held, and not once people attended (their minutes
/// are credited; the organiser removes wrong attendances first).
pub fn may_cancel(state: SessionState, attendances: i64) -> Result<(), &'static str> {
    match state {
        SessionState::Planned if attendances == 0 => Ok(()),
        SessionState::Planned => Err("SESSION_HAS_ATTENDANCES"),
        SessionState::Held | SessionState::Cancelled => Err("SESSION_NOT_PLANNED"),
    }
}

/// Whether a session may be recorded as held at `now`: planned, its forum active, and started.
pub fn may_mark_held(
    state: SessionState,
    forum: ForumStatus,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), &'static str> {
    if state != SessionState::Planned {
        return Err("SESSION_NOT_PLANNED");
    }
    if !forum.holds_sessions() {
        return Err("FORUM_NOT_ACTIVE");
    }
    if now < starts_at {
        return Err("SESSION_NOT_STARTED");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_forum_life() {
        use ForumAction as A;
        use ForumStatus as S;
        assert_eq!(forum_transition(S::Proposed, A::Approve), Ok(S::Active));
        assert_eq!(forum_transition(S::Active, A::Approve), Err("FORUM_NOT_PROPOSED"));
        assert_eq!(forum_transition(S::Active, A::Suspend), Ok(S::Suspended));
        assert_eq!(forum_transition(S::Proposed, A::Suspend), Err("FORUM_NOT_ACTIVE"));
        assert_eq!(forum_transition(S::Suspended, A::Resume), Ok(S::Active));
        assert_eq!(forum_transition(S::Active, A::Resume), Err("FORUM_NOT_SUSPENDED"));
        assert_eq!(forum_transition(S::Proposed, A::Close), Ok(S::Closed));
        assert_eq!(forum_transition(S::Suspended, A::Close), Ok(S::Closed));
        assert_eq!(forum_transition(S::Closed, A::Close), Err("FORUM_CLOSED"));
        assert!(S::Active.holds_sessions());
        for status in [S::Proposed, S::Suspended, S::Closed] {
            assert!(!status.holds_sessions(), "{status:?}");
        }
        for status in S::ALL {
            assert_eq!(S::from_code(status.code()), Some(status));
        }
    }

    fn action() -> impl Strategy<Value = ForumAction> {
        prop_oneof![
            Just(ForumAction::Approve),
            Just(ForumAction::Suspend),
            Just(ForumAction::Resume),
            Just(ForumAction::Close)
        ]
    }

    proptest! {
        #[test]
        fn closed_is_final_and_sessions_need_an_approval(actions in proptest::collection::vec(action(), 0..20)) {
            let mut status = ForumStatus::Proposed;
            let mut approved = false;
            for action in actions {
                let before = status;
                if let Ok(next) = forum_transition(status, action) {
                    prop_assert_ne!(before, ForumStatus::Closed);
                    approved |= action == ForumAction::Approve;
                    status = next;
                }
                if status.holds_sessions() {
                    prop_assert!(approved, "active without an approval");
                }
            }
        }
    }

    #[test]
    fn sessions_are_cancelled_only_while_planned_and_empty() {
        assert_eq!(may_cancel(SessionState::Planned, 0), Ok(()));
        assert_eq!(may_cancel(SessionState::Planned, 3), Err("SESSION_HAS_ATTENDANCES"));
        assert_eq!(may_cancel(SessionState::Held, 0), Err("SESSION_NOT_PLANNED"));
        assert_eq!(may_cancel(SessionState::Cancelled, 0), Err("SESSION_NOT_PLANNED"));
    }

    #[test]
    fn a_session_is_held_once_started_in_an_active_forum() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let start = at("2026-03-02T01:00:00Z");
        let planned = SessionState::Planned;
        assert_eq!(
            may_mark_held(planned, ForumStatus::Active, start, at("2026-03-02T00:59:59Z")),
            Err("SESSION_NOT_STARTED")
        );
        assert_eq!(may_mark_held(planned, ForumStatus::Active, start, start), Ok(()));
        assert_eq!(may_mark_held(planned, ForumStatus::Suspended, start, start), Err("FORUM_NOT_ACTIVE"));
        assert_eq!(
            may_mark_held(SessionState::Held, ForumStatus::Active, start, start),
            Err("SESSION_NOT_PLANNED")
        );
        for state in SessionState::ALL {
            assert_eq!(SessionState::from_code(state.code()), Some(state));
        }
    }
}

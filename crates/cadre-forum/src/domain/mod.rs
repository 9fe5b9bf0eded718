//! Pure rules: no I/O, so every rule of measure ⑤ (创办干部讲坛, domain.md §7) runs as a plain unit test.
//!
//! - [`level`]: a forum's level from its unit's kind, and who approves it (the level above).
//! - [`forum`]: the forum's and the session's state machines.
//! - [`check_in`]: the check-in window, the one-time code, and the decision on one check-in.
//! - [`plan`]: the year's minimums, short plans, completion ratios and their roll-up through the unit tree.
//! - [`hours`]: learning minutes against the yearly quota.
//! - [`policy`]: every number above, with the keys under which the service keeps it as versioned policy.

pub mod check_in;
pub mod forum;
pub mod hours;
pub mod level;
pub mod plan;
pub mod policy;

pub use forum::{ForumStatus, SessionState};
pub use level::{ApprovingLevel, ForumLevel};
pub use policy::{DEFAULT_POLICY, ForumPolicy};

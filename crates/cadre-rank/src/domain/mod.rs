//! Pure rules: no I/O, so domain.md's test vectors run as plain unit tests.
//!
//! - [`ladder`]: the twelve 职级, post levels, 级别 ranges, post ↔ grade correspondence, unit ceilings.
//! - [`history`]: the facts about a cadre the rules read (rank, posts, annual results, 影响期 measures).
//! - [`eligibility`]: the engine: [`eligibility::evaluate`] turns a history into an explained answer.
//! - [`restriction`]: 影响期 lengths and end dates.
//! - [`quota`]: 职数 caps, checks and reports.
//! - [`level`]: 级别 and 档次 after promotions and annual results.
//! - [`case`]: the promotion and demotion procedure as a state machine.
//! - [`policy`]: every number above as one [`RankPolicy`], its `rank.*` keys and [`DEFAULT_POLICY`].

pub mod case;
pub mod eligibility;
pub mod history;
pub mod ladder;
pub mod level;
pub mod policy;
pub mod quota;
pub mod restriction;

pub use eligibility::{Eligibility, Query, evaluate};
pub use history::History;
pub use ladder::{Grade, Ladder, PostLevel};
pub use policy::{DEFAULT_POLICY, RankPolicy};

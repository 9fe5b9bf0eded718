//! The care rules, pure: no I/O, so each runs as a plain unit test. Every number they use comes from a
//! [`policy::CarePolicy`] read from the versioned `policy_values`.

pub mod assignment;
pub mod backlog;
pub mod codes;
pub mod fund;
pub mod policy;
pub mod reward;
pub mod talk;
pub mod tolerance;
pub mod transfer;

pub use policy::CarePolicy;

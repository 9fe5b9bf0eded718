//! The rules of measure ⑥ as pure functions over plain values: no database, no clock, no I/O. Every
//! number comes from [`policy::OversightPolicy`], the versioned policy in force on the day concerned.

pub mod codes;
pub mod escalation;
pub mod ladder;
pub mod lights;
pub mod policy;
pub mod restrictions;
pub mod risk;

pub use policy::OversightPolicy;

//! Pure rules: no I/O, so domain.md's test vectors run as plain unit tests.

pub mod absence;
pub mod calendar;
pub mod days;
pub mod delegation;
pub mod entitlement;
pub mod onduty;
pub mod request;
pub mod route;
pub mod span;
pub mod travel;
pub mod types;

pub use days::HalfDays;

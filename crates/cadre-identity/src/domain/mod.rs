//! The identity service's rules as pure functions: when an account locks, when a session has ended, what a
//! bearer credential looks like. No I/O, so they are tested directly.

pub mod bearer;
pub mod lockout;
pub mod sessions;

//! The directory's rules, free of I/O so that they are tested as plain functions.

pub mod accounts;
pub mod cadre;
pub mod citizen_id;
pub mod codes;
pub mod demo;
pub mod facts;
pub mod units;

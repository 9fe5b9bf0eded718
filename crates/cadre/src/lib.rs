//! The `cadre` binary's library: which targets a process runs, and the operator commands. `main.rs` is a
//! thin shell over it, and the end-to-end tests start the suite through the same code.

pub mod hr_csv;
pub mod suite;

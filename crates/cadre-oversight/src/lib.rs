//! The oversight service (`cadre.oversight.v1`), measure ⑥ 严格落实责任: the responsibility lists of 四责协同
//! and 一岗双责, inspections (督查) and their findings, rectification (整改) with deadline lights and a
//! ledger, the escalation ladder of accountability decisions and the 影响期 windows they set, circulars
//! (通报), the negative-information pool and risk warnings, and the discipline-inspection (纪检监察) link.

/// The full gRPC path of an `OversightService` method, as audit records and idempotency keys name it.
macro_rules! method {
    ($name:literal) => {
        concat!("/cadre.oversight.v1.OversightService/", $name)
    };
}

// The reach macros (`reach_filter!`, `after_id!`) of the projection, in scope for every store module.
#[macro_use]
extern crate cadre_projection;

pub mod access;
pub mod demo;
pub mod domain;
pub mod events;
pub mod followers;
pub mod grpc;
pub mod service;
pub mod store;
pub mod view;
pub mod workflow;

pub use grpc::OversightApi;

//! The care service (`cadre.care.v1`), measure ④ 加强干部激励关怀: the rewards register and the proposals
//! annual results set off, the care and protection fund (关爱保护基金), health checks, home and condolence
//! visits, talks (谈心谈话) with their required frequencies and triggers, front-line assignments, the legacy
//! cases (调任, 公务员登记, 档案清淤) and 容错 reviews under 三个区分开来.

/// The full gRPC path of a `CareService` method, as audit records and idempotency keys name it.
macro_rules! method {
    ($name:literal) => {
        concat!("/cadre.care.v1.CareService/", $name)
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

pub use grpc::CareApi;

//! The leave service (`cadre.leave.v1`), measure ① 规范干部请销假: leave types and their versioned policy,
//! the PRC working calendar, entitlements and an append-only ledger, requests with tiered approval,
//! delegation and escalation, 销假 and 续假, 外出报备, and the overstay cases that count 旷工.

/// The full gRPC path of a `LeaveService` method, as audit records and idempotency keys name it.
macro_rules! method {
    ($name:literal) => {
        concat!("/cadre.leave.v1.LeaveService/", $name)
    };
}

pub mod access;
pub mod convert;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod service;
pub mod store;
pub mod sweep;
pub mod view;
pub mod workflow;

pub use grpc::LeaveApi;

//! The rank service (`cadre.rank.v1`), measure ② 强化职级公务员管理: the 职级 ladder as policy data, each
//! cadre's rank history, the eligibility engine, quota pools (职数) and promotion and demotion cases.

/// The full gRPC path of a `RankService` method, as audit records and idempotency keys name it.
macro_rules! method {
    ($name:literal) => {
        concat!("/cadre.rank.v1.RankService/", $name)
    };
}

pub mod access;
pub mod convert;
pub mod domain;
pub mod events;
pub mod followers;
pub mod grpc;
pub mod service;
pub mod store;
pub mod sweep;
pub mod sync;
pub mod view;
pub mod workflow;

pub use grpc::RankApi;

//! The directory service (`cadre.directory.v1`): the district's org-unit tree, cadre records with their
//! 三龄二历一身份 facts, accounts with roles and data scopes, and the HR-system import.

/// The full gRPC path of a `DirectoryService` method, as audit records and idempotency keys name it.
macro_rules! method {
    ($name:literal) => {
        concat!("/cadre.directory.v1.DirectoryService/", $name)
    };
}

pub mod access;
pub mod convert;
pub mod demo_seed;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod import;
pub mod service;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use grpc::DirectoryApi;

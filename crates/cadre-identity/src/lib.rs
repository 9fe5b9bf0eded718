//! The identity service (`cadre.identity.v1`): the built-in login for districts without an identity
//! provider. It keeps password credentials, TOTP second factors, sessions, service keys for other systems,
//! and the lockout state; accounts themselves are the directory's, which it asks over gRPC.

/// The full gRPC path of an `IdentityService` method, as audit records and idempotency keys name it.
macro_rules! method {
    ($name:literal) => {
        concat!("/cadre.identity.v1.IdentityService/", $name)
    };
}

pub mod access;
pub mod directory;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod service;
pub mod store;

pub use grpc::IdentityApi;

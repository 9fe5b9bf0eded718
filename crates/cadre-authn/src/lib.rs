//! Authentication primitives shared by the gateway and the identity service: password hashing and policy,
//! TOTP second factors, opaque session tokens and service keys, verification of external OIDC tokens, and a
//! development issuer for `cadre dev` and tests.
//!
//! Nothing here touches the database or gRPC: callers store the hashes and digests these functions produce
//! and map [`oidc::TokenError::reason`] to their `ErrorInfo`.

pub mod dev_issuer;
pub mod oidc;
pub mod opaque;
pub mod password;
mod random;
pub mod totp;

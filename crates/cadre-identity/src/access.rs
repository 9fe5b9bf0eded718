//! Who may call each identity method. One row per RPC; the server refuses to start if a method has none.
//!
//! Signing in is public (there is no principal yet). What a person does to their own credential needs only
//! a verified caller, since the handler acts on the caller's own account alone. Administering other
//! people's credentials is the security administrator's duty (三权分立), and checking bearer credentials is
//! for the gateway, which is the suite itself.

use cadre_platform::auth::{
    Callers::{Authenticated, Public, Roles, RolesOrSystem, System},
    Role::{self, *},
    Rule,
};

/// Administer credentials, sessions and keys.
const ADMINISTER: &[Role] = &[SecurityAdmin];
/// Follow the feed of locks and revocations.
const WATCH: &[Role] = &[SecurityAdmin, AuditAdmin];

macro_rules! rule {
    ($name:literal, $callers:expr) => {
        Rule::new(method!($name), $callers)
    };
}

/// The identity service's access table.
pub const ACCESS: &[Rule] = &[
    rule!("Login", Public),
    rule!("Logout", Authenticated),
    rule!("ChangePassword", Authenticated),
    rule!("BeginTotpEnrollment", Authenticated),
    rule!("ConfirmTotpEnrollment", Authenticated),
    rule!("SetPassword", Roles(ADMINISTER)),
    rule!("ResetSecondFactor", Roles(ADMINISTER)),
    rule!("RevokeSessions", Roles(ADMINISTER)),
    rule!("UnlockAccount", Roles(ADMINISTER)),
    rule!("CreateServiceKey", Roles(ADMINISTER)),
    rule!("RevokeServiceKey", Roles(ADMINISTER)),
    rule!("ListServiceKeys", Roles(ADMINISTER)),
    rule!("Authenticate", System),
    Rule::new("/cadre.events.v1.EventFeedService/Watch", RolesOrSystem(WATCH)),
];

//! What happens to the rank service's data, inside one transaction: the rules of `domain` over the rows of
//! `store`. The gRPC handlers, the followers and the sweep call these with the caller already resolved.

pub mod cases;
pub mod conduct;
pub mod eligibility;
pub mod holdings;
pub mod quota;

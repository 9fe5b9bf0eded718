//! The assessment service (`cadre.assessment.v1`), measure ③ 用好绩效考核指挥棒: annual (年度) and routine
//! (平时) assessments with their quotas, special assessments of teams and people, and the consequences of
//! results that rank, care and oversight apply.

/// The full gRPC path of an `AssessmentService` method, as audit records and idempotency keys name it.
macro_rules! method {
    ($name:literal) => {
        concat!("/cadre.assessment.v1.AssessmentService/", $name)
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
pub mod view;
pub mod workflow;

pub use grpc::AssessmentApi;

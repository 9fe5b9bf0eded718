//! The forum service (`cadre.forum.v1`), measure ⑤ 创办干部讲坛: lecture forums at three levels (the
//! district's 大讲坛, the 小讲坛 of towns, streets and district units, the 微讲坛 of villages and
//! communities), each approved by the level above; the district's annual themes and minimums and each
//! forum's plan; sessions with their speakers, whose teaching is duty rather than leave; attendance by
//! one-time code and by sign-in sheet; learning hours against a yearly quota; statistics.

/// The full gRPC path of a `ForumService` method, as audit records and idempotency keys name it.
macro_rules! method {
    ($name:literal) => {
        concat!("/cadre.forum.v1.ForumService/", $name)
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

pub use grpc::ForumApi;

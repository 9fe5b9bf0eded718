//! Generated code for the suite's contracts. Nothing else in the workspace generates protobuf code.

#![allow(clippy::all, clippy::pedantic, missing_docs)]

/// The encoded `FileDescriptorSet` of every contract, with its imports: for reflection and transcoding.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/cadre_descriptor.bin"));

pub mod cadre {
    pub mod r#type {
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/cadre.r#type.v1.rs"));
        }
    }
    pub mod events {
        pub mod v1 {
            tonic::include_proto!("cadre.events.v1");
        }
    }
    pub mod directory {
        pub mod v1 {
            tonic::include_proto!("cadre.directory.v1");
        }
    }
    pub mod identity {
        pub mod v1 {
            tonic::include_proto!("cadre.identity.v1");
        }
    }
    pub mod leave {
        pub mod v1 {
            tonic::include_proto!("cadre.leave.v1");
        }
    }
    pub mod rank {
        pub mod v1 {
            tonic::include_proto!("cadre.rank.v1");
        }
    }
    pub mod assessment {
        pub mod v1 {
            tonic::include_proto!("cadre.assessment.v1");
        }
    }
    pub mod care {
        pub mod v1 {
            tonic::include_proto!("cadre.care.v1");
        }
    }
    pub mod forum {
        pub mod v1 {
            tonic::include_proto!("cadre.forum.v1");
        }
    }
    pub mod oversight {
        pub mod v1 {
            tonic::include_proto!("cadre.oversight.v1");
        }
    }
}

pub use cadre::assessment::v1 as assessment;
pub use cadre::care::v1 as care;
pub use cadre::directory::v1 as directory;
pub use cadre::events::v1 as events;
pub use cadre::forum::v1 as forum;
pub use cadre::identity::v1 as identity;
pub use cadre::leave::v1 as leave;
pub use cadre::oversight::v1 as oversight;
pub use cadre::rank::v1 as rank;
pub use cadre::r#type::v1 as types;

//! Every method the gateway knows, from the suite's descriptor set, and where each goes.
//!
//! The descriptor pool holds the suite's contracts with the well-known types they import, the gateway's
//! own services (health, reflection) and `google.rpc` (so that error details can be shown as JSON). A path
//! not in it is answered UNIMPLEMENTED by the gateway; nothing unknown is ever forwarded.

use std::{collections::HashMap, sync::Arc};

use anyhow::Context as _;
use prost_reflect::{DescriptorPool, MessageDescriptor};

use crate::options::Upstream;

/// The package of the event feed every service serves; routed by `x-cadre-source`.
pub const EVENTS_PACKAGE: &str = "cadre.events.v1";

/// Services the gateway answers itself.
const LOCAL_SERVICES: &[&str] = &[
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// Whether `path` is a health check: never rate limited or shed, so that a busy gateway is not restarted.
pub(crate) fn is_health_check(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.Health/")
}

/// Whether `path` is one of the gateway's own services: never shed, like the platform's servers.
pub(crate) fn is_local(path: &str) -> bool {
    is_health_check(path) || path.starts_with("/grpc.reflection.")
}

/// Where a method's calls go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Health and reflection, answered by the gateway.
    Local,
    /// The upstream at this index of the options' list.
    Upstream(usize),
    /// The event feed: the upstream named by `x-cadre-source`.
    BySource,
    /// A contract no configured upstream serves.
    Unrouted,
}

/// One RPC of the descriptor set.
#[derive(Debug)]
pub(crate) struct Method {
    /// `/pkg.Service/Method`.
    pub path: String,
    /// `pkg.Service`.
    pub service: String,
    /// `Method`.
    pub name: String,
    /// Its request message.
    pub input: MessageDescriptor,
    /// Its response message.
    pub output: MessageDescriptor,
    /// Whether the client streams.
    pub client_streaming: bool,
    /// Whether the server streams.
    pub server_streaming: bool,
    /// Where its calls go.
    pub target: Target,
}

impl Method {
    /// Whether the method is unary (the only shape JSON carries).
    pub(crate) fn is_unary(&self) -> bool {
        !self.client_streaming && !self.server_streaming
    }
}

/// The descriptor pool and the method table built from it.
#[derive(Debug)]
pub(crate) struct Catalog {
    pool: DescriptorPool,
    methods: HashMap<String, Arc<Method>>,
    upstream_names: Vec<String>,
}

impl Catalog {
    /// Loads every descriptor set the gateway serves and routes its methods to `upstreams`.
    pub(crate) fn new(upstreams: &[Upstream]) -> anyhow::Result<Self> {
        let pool = pool()?;
        let mut methods = HashMap::new();
        for service in pool.services() {
            let target = if LOCAL_SERVICES.contains(&service.full_name()) {
                Target::Local
            } else if service.package_name() == EVENTS_PACKAGE {
                Target::BySource
            } else {
                upstreams
                    .iter()
                    .position(|u| u.packages.iter().any(|p| p == service.package_name()))
                    .map_or(Target::Unrouted, Target::Upstream)
            };
            for method in service.methods() {
                let path = format!("/{}/{}", service.full_name(), method.name());
                let entry = Method {
                    path: path.clone(),
                    service: service.full_name().to_owned(),
                    name: method.name().to_owned(),
                    input: method.input(),
                    output: method.output(),
                    client_streaming: method.is_client_streaming(),
                    server_streaming: method.is_server_streaming(),
                    target,
                };
                methods.insert(path, Arc::new(entry));
            }
        }
        for upstream in upstreams {
            for package in &upstream.packages {
                if !pool.services().any(|s| s.package_name() == package) {
                    tracing::warn!(upstream = %upstream.name, %package, "no service of this package is in the descriptor set");
                }
            }
        }
        let upstream_names = upstreams.iter().map(|u| u.name.clone()).collect();
        Ok(Self { pool, methods, upstream_names })
    }

    /// The method at `path`, if the descriptor set has it.
    pub(crate) fn method(&self, path: &str) -> Option<&Arc<Method>> {
        self.methods.get(path)
    }

    /// The upstream named `name` (an `x-cadre-source` value).
    pub(crate) fn upstream_by_name(&self, name: &str) -> Option<usize> {
        self.upstream_names.iter().position(|n| n == name)
    }

    /// The names of every upstream, for error messages.
    pub(crate) fn upstream_names(&self) -> &[String] {
        &self.upstream_names
    }

    /// The message type named `name` (e.g. `google.rpc.BadRequest`), if known.
    pub(crate) fn message(&self, name: &str) -> Option<MessageDescriptor> {
        self.pool.get_message_by_name(name)
    }
}

/// Well-known types first, then the suite, the gateway's own services and `google.rpc`. A file already in
/// the pool is skipped, so the well-known types the suite's set carries do not clash.
fn pool() -> anyhow::Result<DescriptorPool> {
    let mut pool = DescriptorPool::global();
    let sets: [(&str, &[u8]); 5] = [
        ("cadre", cadre_proto::FILE_DESCRIPTOR_SET),
        ("grpc.health.v1", tonic_health::pb::FILE_DESCRIPTOR_SET),
        ("grpc.reflection.v1", tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET),
        ("grpc.reflection.v1alpha", tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET),
        ("google.rpc", tonic_types::pb::FILE_DESCRIPTOR_SET),
    ];
    for (name, set) in sets {
        pool.decode_file_descriptor_set(set).with_context(|| format!("loading the {name} descriptors"))?;
    }
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::new(&[Upstream::new(
            "directory",
            "http://127.0.0.1:1".parse().unwrap(),
            &["cadre.directory.v1"],
        )])
        .unwrap()
    }

    #[test]
    fn methods_are_routed_by_package() {
        let catalog = catalog();
        let get = catalog.method("/cadre.directory.v1.DirectoryService/GetOrgUnit").unwrap();
        assert_eq!(get.target, Target::Upstream(0));
        assert!(get.is_unary());
        assert_eq!(get.input.full_name(), "cadre.directory.v1.GetOrgUnitRequest");
        let watch = catalog.method("/cadre.events.v1.EventFeedService/Watch").unwrap();
        assert_eq!(watch.target, Target::BySource);
        assert!(watch.server_streaming);
        let health = catalog.method("/grpc.health.v1.Health/Check").unwrap();
        assert_eq!(health.target, Target::Local);
        assert!(catalog.method("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo").is_some());
        assert!(catalog.method("/cadre.directory.v1.DirectoryService/Nope").is_none());
        assert_eq!(catalog.upstream_by_name("directory"), Some(0));
    }

    #[test]
    fn well_known_and_error_types_are_known() {
        let catalog = catalog();
        for name in ["google.protobuf.Timestamp", "google.protobuf.FieldMask", "google.rpc.BadRequest"] {
            assert!(catalog.message(name).is_some(), "{name}");
        }
    }
}

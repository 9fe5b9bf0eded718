//! The directory as this service sees it: who an account is (username, kind, roles) and whether it may be
//! used. Accounts are the directory's; this service only asks, as the suite itself.

use std::{sync::Arc, time::Duration};

use cadre_platform::{
    ApiError,
    auth::{PrincipalSigner, Role, SystemCaller},
};
use cadre_proto::directory::{
    self as pb, AccountKind, directory_service_client::DirectoryServiceClient,
    resolve_principal_request::Subject,
};
use tonic::{
    Code,
    service::interceptor::InterceptedService,
    transport::{Channel, Endpoint},
};

/// How long a call to the directory may take: a login waits on it.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// An account as the directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Whether it is another system's account (which gets keys, not a password).
    pub is_service: bool,
    /// Roles held.
    pub roles: Vec<Role>,
}

/// What the directory said about an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Active.
    Active(Account),
    /// It exists and is disabled.
    Disabled,
    /// No such account.
    Absent,
}

/// A client of the directory.
#[derive(Debug, Clone)]
pub struct Directory {
    client: DirectoryServiceClient<InterceptedService<Channel, SystemCaller>>,
}

impl Directory {
    /// A client of the directory at `endpoint`, calling as `system:identity` (the only kind of caller the
    /// directory lets resolve accounts) with principals `signer` signs. It connects on first use, so the two
    /// services may start in either order.
    pub fn connect_lazy(endpoint: &str, signer: Arc<PrincipalSigner>) -> anyhow::Result<Self> {
        let channel = Endpoint::from_shared(endpoint.to_owned())
            .map_err(|e| anyhow::anyhow!("identity.directory_endpoint {endpoint:?}: {e}"))?
            .connect_timeout(CALL_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .connect_lazy();
        let caller = SystemCaller::new(signer, "identity");
        Ok(Self { client: DirectoryServiceClient::with_interceptor(channel, caller) })
    }

    /// Resolves an account by id. A directory that cannot be asked is UNAVAILABLE: the caller may retry.
    pub async fn account(&self, account_id: &str) -> Result<Lookup, ApiError> {
        let request =
            pb::ResolvePrincipalRequest { subject: Some(Subject::AccountId(account_id.to_owned())) };
        match self.client.clone().resolve_principal(request).await {
            Ok(response) => {
                let Some(principal) = response.into_inner().principal else {
                    return Err(ApiError::unavailable("the directory answered without a principal"));
                };
                Ok(Lookup::Active(Account {
                    id: principal.account_id,
                    username: principal.username,
                    is_service: principal.kind == AccountKind::Service as i32,
                    // Numbers the platform does not know are roles of a newer directory; none grants
                    // anything here.
                    roles: principal.roles.into_iter().filter_map(Role::from_number).collect(),
                }))
            }
            Err(status) => match status.code() {
                Code::NotFound => Ok(Lookup::Absent),
                // The directory's one precondition on resolving is that the account is active.
                Code::FailedPrecondition => Ok(Lookup::Disabled),
                code => {
                    tracing::warn!(?code, message = status.message(), "the directory refused or failed");
                    Err(ApiError::new(
                        Code::Unavailable,
                        "DIRECTORY_UNAVAILABLE",
                        "the directory cannot be asked about the account; retry",
                    ))
                }
            },
        }
    }
}

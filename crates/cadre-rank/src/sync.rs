//! Telling the directory: every change of a cadre's current grade (an approved case, a recorded
//! correction) is queued in `directory_sync` by the transaction that makes it, and this task pushes the
//! queue to the directory with `UpdateCadre` (update mask `rank`), calling as `system:rank`. A push that
//! fails stays queued and is retried with a growing backoff, so the directory always comes to agree, even
//! across a restart of either service; the request id is derived from the change, so a retry of a push
//! the directory did take is answered from its idempotency record instead of applied twice.

use std::{sync::Arc, time::Duration};

use cadre_platform::{
    ApiError, Db,
    auth::{PrincipalSigner, SystemCaller},
    clock::{self, Today},
    server::Shutdown,
};
use cadre_proto::directory::{self as dir, directory_service_client::DirectoryServiceClient};
use chrono::{NaiveDate, NaiveDateTime};
use tokio::sync::Notify;
use tonic::{
    service::interceptor::InterceptedService,
    transport::{Channel, Endpoint},
};

use crate::{
    convert::{date_to, grade_code_to},
    service::TARGET,
    store::{self, sync::SyncRow},
};

/// Rows pushed per pass.
const BATCH: i64 = 50;
/// The longest wait between two attempts of one change.
const MAX_BACKOFF_SECS: i64 = 600;
/// How long one push may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

type Client = DirectoryServiceClient<InterceptedService<Channel, SystemCaller>>;

/// FNV-1a, 64 bits: a stable digest of a change for its request id (not a security measure).
fn digest(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// The request id of a push: the same for every attempt of one change, different for any other change.
pub fn request_id(row: &SyncRow) -> String {
    let start = row.start_date.to_string();
    let hash = digest(&[&row.cadre_id, &row.case_id, &row.grade, &start]);
    let cause: String =
        row.case_id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(36).collect();
    format!("rank-{cause}-{hash:016x}")
}

/// The wait before the next attempt after `attempts` failed ones: 1 s, doubling, at most ten minutes.
fn backoff(attempts: i32) -> chrono::Duration {
    let exponent = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    chrono::Duration::seconds(2_i64.saturating_pow(exponent).min(MAX_BACKOFF_SECS))
}

async fn push(client: &mut Client, row: &SyncRow) -> Result<(), String> {
    let request = dir::UpdateCadreRequest {
        request_id: request_id(row),
        cadre: Some(dir::Cadre {
            id: row.cadre_id.clone(),
            rank: Some(dir::Rank {
                grade: grade_code_to(&row.grade),
                start_date: Some(date_to(row.start_date)),
            }),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask { paths: vec!["rank".to_owned()] }),
        expected_version: 0,
    };
    match tokio::time::timeout(CALL_TIMEOUT, client.update_cadre(request)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(status)) => Err(format!("{:?}: {}", status.code(), status.message())),
        Err(_) => Err("the directory did not answer in time".to_owned()),
    }
}

/// Pushes every change due now whose effective date has come (the directory holds the current rank, not
/// a future one); returns how many the directory took.
pub async fn pass(db: &Db, client: &mut Client, today: NaiveDate) -> Result<usize, ApiError> {
    let now = clock::now();
    let due = db.run(move |conn| store::sync::due(conn, now, today, BATCH)).await?;
    let mut taken = 0;
    for row in due {
        match push(client, &row).await {
            Ok(()) => {
                let done = row.clone();
                db.write(move |conn| store::sync::done(conn, &done)).await?;
                taken += 1;
            }
            Err(error) => {
                tracing::warn!(cadre_id = %row.cadre_id, attempts = row.attempts + 1, %error, "the directory did not take a rank change; retrying later");
                let retry_at = clock::now() + backoff(row.attempts);
                let failed = row.clone();
                db.write(move |conn| store::sync::failed(conn, &failed, &error, retry_at)).await?;
            }
        }
    }
    Ok(taken)
}

/// A client of the directory at `endpoint`, calling as `system:rank`; it connects on first use.
pub fn client(endpoint: &str, signer: Arc<PrincipalSigner>) -> anyhow::Result<Client> {
    let channel = Endpoint::from_shared(endpoint.to_owned())
        .map_err(|e| anyhow::anyhow!("directory endpoint {endpoint:?}: {e}"))?
        .connect_timeout(CALL_TIMEOUT)
        .connect_lazy();
    Ok(DirectoryServiceClient::with_interceptor(channel, SystemCaller::new(signer, TARGET)))
}

/// Pushes the queue whenever `wake` fires (after a commit that queued a change) and whenever a retry falls
/// due, until shutdown.
pub async fn run(db: Db, mut client: Client, today: Today, wake: Arc<Notify>, shutdown: Shutdown) {
    loop {
        if let Err(error) = pass(&db, &mut client, today()).await {
            tracing::warn!(%error, "pushing rank changes to the directory failed");
        }
        // Changes that take effect on a later day wait for the sweep to say the day has come (`wake`).
        let day = today();
        let next: Option<NaiveDateTime> =
            db.run(move |conn| store::sync::next_due(conn, day)).await.unwrap_or(None);
        let wait = next.map_or(Duration::from_secs(60), |at| {
            (at - clock::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(Duration::from_millis(50), Duration::from_secs(60))
        });
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
            () = shutdown.clone().wait() => return,
        }
    }
}

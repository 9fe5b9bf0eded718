//! The rank service's own clock-driven work. When the date changes, the materialised eligibility moves to
//! the new day (months pass, years go unassessed, blocks end, with no event to say so), in batches of short
//! transactions; and a 公示 whose last day has passed moves its case to awaiting approval, audited as the
//! suite (`system:rank-sweep`).

use std::{sync::Arc, time::Duration};

use cadre_platform::{
    ApiError, CallContext, Db, Tx,
    audit::{self, AuditEntry},
    server::Shutdown,
};
use chrono::NaiveDate;
use tokio::sync::Notify;

use crate::{
    domain::case::Command,
    grpc::Today,
    store,
    workflow::{cases as flow, eligibility},
};

/// The actor the sweep's changes are recorded under.
pub const ACTOR: &str = "rank-sweep";

/// Rows recomputed per transaction of the daily refresh.
const REFRESH_BATCH: i64 = 2000;

/// Moves the materialised eligibility to `today` and recomputes every row computed for another day.
/// Returns how many rows were recomputed.
pub async fn refresh(db: &Db, today: NaiveDate) -> Result<usize, ApiError> {
    db.write(move |conn| store::eligibility::set_day(conn, today)).await?;
    let mut total = 0;
    loop {
        let done = db.write(move |conn| eligibility::refresh_stale(conn, today, REFRESH_BATCH)).await?;
        if done == 0 {
            return Ok(total);
        }
        total += done;
    }
}

/// Ends every 公示 whose last day is before `today`.
fn publicities(tx: &mut Tx<'_>, today: NaiveDate) -> Result<usize, ApiError> {
    let mut ended = 0;
    for id in store::cases::publicity_over(tx.conn(), today)? {
        let conn = tx.conn();
        let mut file = flow::load(conn, &id)?;
        let opened = flow::opened_policy(conn, &file.case)?;
        let mut case = flow::domain_case(&file, &opened)?;
        if case.apply(Command::EndPublicity { today }).is_err() {
            continue;
        }
        flow::write_back(&mut file.case, &case);
        store::cases::update(conn, &file.case)?;
        ended += 1;
    }
    Ok(ended)
}

/// Runs `body` in one write transaction as the suite, with one audit record when it changed anything.
async fn stage<F>(db: &Db, name: &'static str, body: F) -> Result<usize, ApiError>
where
    F: FnOnce(&mut Tx<'_>) -> Result<usize, ApiError> + Send + 'static,
{
    let (changed, published) = db
        .write(move |conn| {
            audit::lock_chain(conn)?;
            let ctx = CallContext::system(ACTOR);
            let mut tx = Tx::new(conn, &ctx);
            let changed = body(&mut tx)?;
            let published = tx.published();
            if changed > 0 {
                let entry = AuditEntry {
                    method: format!("sweep/{name}"),
                    object_type: "rank_case".to_owned(),
                    object_id: String::new(),
                    outcome: "OK".to_owned(),
                    request_id: String::new(),
                };
                audit::append(conn, &ctx, &entry)?;
            }
            Ok((changed, published))
        })
        .await?;
    if published > 0 {
        db.notify_committed();
    }
    Ok(changed)
}

/// One pass: the day's refresh (when the day moved) and the ended publicities; what each changed.
pub async fn once(db: &Db, today: NaiveDate) -> Result<[usize; 2], ApiError> {
    let current = db.run(store::eligibility::day).await?;
    let refreshed = if current == Some(today) { 0 } else { refresh(db, today).await? };
    let ended = stage(db, "publicity", move |tx| publicities(tx, today)).await?;
    Ok([refreshed, ended])
}

/// Runs the sweep every `every` until shutdown. A failed pass is logged and retried at the next tick. On a
/// new day it wakes the directory push (`new_day`): rank changes effective from that day are now due.
pub async fn run(db: Db, today: Today, every: Duration, new_day: Arc<Notify>, shutdown: Shutdown) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_day = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.clone().wait() => return,
        }
        let day = today();
        if last_day.replace(day) != Some(day) {
            new_day.notify_one();
        }
        match once(&db, day).await {
            Ok([0, 0]) => {}
            Ok([refreshed, ended]) => tracing::info!(refreshed, ended, "rank sweep"),
            Err(error) => tracing::warn!(%error, "rank sweep failed"),
        }
    }
}

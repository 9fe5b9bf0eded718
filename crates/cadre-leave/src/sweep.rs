//! The leave service's own clock-driven work: reminders before a step's deadline and escalation after it,
//! overdue cases and their 旷工 days, and the year's 年休假 grants. Each stage is one transaction, audited
//! as the suite (`system:leave-sweep`), and safe to run twice: every write is keyed or guarded.

use std::time::Duration;

use cadre_platform::{
    ApiError, CallContext, Db, Tx,
    audit::{self, AuditEntry},
    clock,
    server::Shutdown,
};
use chrono::{Datelike, NaiveDate};

use crate::{
    events,
    grpc::Today,
    store::{
        self,
        requests::{self as request_store},
    },
    view,
    workflow::{balance, overdue},
};

/// The actor the sweep's changes are recorded under.
pub const ACTOR: &str = "leave-sweep";

/// Marks a step that escalated to a pool rather than to a person.
pub const POOL_ESCALATION_PREFIX: &str = "pool:";

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
                    object_type: "leave".to_owned(),
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

/// Reminders and escalations of the current steps.
fn deadlines(tx: &mut Tx<'_>, today: NaiveDate) -> Result<usize, ApiError> {
    let policy = store::policy::on(tx.conn(), today)?;
    let now = clock::now();
    let horizon = now + chrono::Duration::hours(i64::from(policy.remind_before_hours));
    let mut changed = 0;
    for mut step in request_store::current_steps_due_before(tx.conn(), horizon)? {
        let Some(due) = step.due_at else { continue };
        let Some((row, _)) = request_store::get(tx.conn(), &step.leave_request_id)? else { continue };
        let stage = if now >= due && step.escalated_at.is_none() {
            step.escalated_at = Some(now);
            step.reminded_at.get_or_insert(now);
            // Up one level: the unit's principal, unless the step is theirs already; then the org department.
            let principal = store::projection::unit_principal(tx.conn(), &row.org_unit_id)?
                .map(|p| p.id)
                .filter(|p| *p != step.assignee_cadre_id && *p != row.applicant_cadre_id);
            step.escalated_to_cadre_id = match (principal, step.pool.is_empty()) {
                (Some(principal), true) => principal,
                _ => format!("{POOL_ESCALATION_PREFIX}org_department"),
            };
            "ESCALATED"
        } else if step.reminded_at.is_none() {
            step.reminded_at = Some(now);
            "REMINDER"
        } else {
            continue;
        };
        request_store::update_step(tx.conn(), &step)?;
        let steps = request_store::steps_of(tx.conn(), &row.id)?;
        let idx = usize::try_from(step.idx).unwrap_or(usize::MAX);
        events::step_notice(tx, &view::request(&row, &steps), idx, stage)?;
        changed += 1;
    }
    Ok(changed)
}

/// Overdue cases, brought up to today.
fn overstays(tx: &mut Tx<'_>, today: NaiveDate) -> Result<usize, ApiError> {
    let policy = store::policy::on(tx.conn(), today)?;
    let from = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today);
    let calendar = store::calendar::load_around(tx.conn(), from, today)?;
    overdue::sweep(tx, &calendar, &policy, today)
}

/// This year's 年休假 grants for every cadre in post (and next year's once December has come, so plans
/// across New Year see them).
fn grants(tx: &mut Tx<'_>, today: NaiveDate) -> Result<usize, ApiError> {
    let policy = store::policy::on(tx.conn(), today)?;
    let mut added = 0;
    let years = if today.month() == 12 { vec![today.year(), today.year() + 1] } else { vec![today.year()] };
    for cadre in store::projection::active_cadres(tx.conn())? {
        for year in &years {
            added += balance::ensure_annual_grants(tx.conn(), &cadre, *year, &policy)?;
        }
    }
    Ok(added)
}

/// One pass of every stage; what each changed, for logs and tests.
pub async fn once(db: &Db, today: NaiveDate) -> Result<[usize; 3], ApiError> {
    let [reminded, overdue] = frequent(db, today).await?;
    let granted = daily(db, today).await?;
    Ok([reminded, overdue, granted])
}

/// The stages that depend on the hour: deadlines, and overstays.
async fn frequent(db: &Db, today: NaiveDate) -> Result<[usize; 2], ApiError> {
    let reminded = stage(db, "deadlines", move |tx| deadlines(tx, today)).await?;
    let overdue = stage(db, "overdue", move |tx| overstays(tx, today)).await?;
    Ok([reminded, overdue])
}

/// The stage that depends only on the date: 年休假 grants for every cadre, which need not be checked more
/// than once a day.
async fn daily(db: &Db, today: NaiveDate) -> Result<usize, ApiError> {
    stage(db, "grants", move |tx| grants(tx, today)).await
}

/// Runs the sweep every `every` until shutdown; the daily stage once per date. A failed pass is logged
/// and retried at the next tick.
pub async fn run(db: Db, today: Today, every: Duration, shutdown: Shutdown) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut granted_on: Option<NaiveDate> = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.clone().wait() => return,
        }
        let date = today();
        match frequent(&db, date).await {
            Ok([0, 0]) => {}
            Ok([reminded, overdue]) => tracing::info!(reminded, overdue, "leave sweep"),
            Err(error) => tracing::warn!(%error, "leave sweep failed"),
        }
        if granted_on != Some(date) {
            match daily(&db, date).await {
                Ok(granted) => {
                    granted_on = Some(date);
                    if granted > 0 {
                        tracing::info!(granted, "年休假 grants");
                    }
                }
                Err(error) => tracing::warn!(%error, "年休假 grants failed"),
            }
        }
    }
}

/// Whether a step escalated to the pool `code`.
pub fn escalated_to_pool(escalated_to: &str, code: &str) -> bool {
    escalated_to.strip_prefix(POOL_ESCALATION_PREFIX) == Some(code)
}

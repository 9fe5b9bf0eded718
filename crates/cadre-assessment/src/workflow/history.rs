//! The demo district's earlier years (`cadre dev`): once the projection holds the demo district, the
//! annual assessments of three past years are run through the same rules a real cycle follows (summary,
//! proposal, publicity, determination, written result, signature, closing) and published, so that rank
//! has results to count tenure by and the reports have something to show. The last finished year is left
//! for the person trying the suite to run.
//!
//! Grades are spread deterministically (the same district gives the same history): 优秀 up to the pool's
//! quota, one in about thirty 基本称职, the others 称职; the special cases the facts impose (a recent
//! recruit's 试用期) are kept. Publicity dates are nominal calendar days, not asked of the working calendar:
//! the years are over, and the demo must not wait for the leave service to start.

use std::collections::BTreeSet;

use cadre_platform::{
    ApiError, CallContext, Db, DbConn, Tx,
    audit::{self, AuditEntry},
    clock::{self, Today},
    server::Shutdown,
};
use cadre_projection::{FollowerState, store as projection};
use chrono::{Datelike, Days, NaiveDate};
use tokio::sync::watch;

use super::{open::open_pool, pool::Pool, results};
use crate::{
    domain::{
        AnnualGrade, AssessmentPolicy, AssessmentYear, Outcome,
        cycle::{Command, DeterminedBy, Effect, ParticipantState, Proposal},
        quota::excellent_limit,
        review::NoRestDays,
    },
    store,
};

/// Who the seeded history is recorded as.
const SEEDER: &str = "cadre-dev-seed";

/// The categories annual assessment counts.
const POOL_CATEGORIES: &[&str] = &["CIVIL_SERVANT", "REFERENCE_MANAGED", "PUBLIC_INSTITUTION"];

/// How many past years are seeded, ending the year before the last finished one.
const YEARS: i32 = 3;

/// A stable spread of people: FNV-1a of the cadre and the year.
fn spread(cadre_id: &str, year: i32) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in cadre_id.bytes().chain(year.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The day `days` after 5 January of the year after `year`: when that year's assessment ran.
fn early_next_year(year: AssessmentYear, days: u64) -> Result<NaiveDate, ApiError> {
    NaiveDate::from_ymd_opt(year.year() + 1, 1, 5)
        .and_then(|day| day.checked_add_days(Days::new(days)))
        .ok_or_else(|| ApiError::internal(format!("no January after {}", year.year())))
}

/// Runs one pool's year from enrolment to closing and publishes its results.
fn run(tx: &mut Tx<'_>, pool: &mut Pool, policy: &AssessmentPolicy) -> Result<(), ApiError> {
    let year = pool.cycle.year;
    let (summary_on, proposed_on, starts_on) =
        (early_next_year(year, 0)?, early_next_year(year, 1)?, early_next_year(year, 2)?);
    let publicity = u64::from(policy.publicity_working_days.max(1));
    let ends_on = early_next_year(year, 1 + publicity)?;
    let determined_on = early_next_year(year, 2 + publicity)?;
    let mut order: Vec<String> = pool.cycle.participants.iter().map(|p| p.cadre_id.clone()).collect();
    order.sort_by_key(|id| spread(id, year.year()));
    let mut excellent_left = excellent_limit(pool.cycle.quota_base(policy), false, &policy.quota);
    for cadre_id in &order {
        let participant = pool.participant(cadre_id)?;
        let constraints = participant.constraints.clone();
        if !constraints.participation.takes_part || constraints.participation.is_deferred() {
            continue;
        }
        if constraints.participation.summary_required() {
            pool.apply(
                Command::SubmitSummary { cadre_id: cadre_id.clone(), on: summary_on },
                policy,
                &NoRestDays,
            )?;
        }
        let outcome = match constraints.participation.forced {
            Some(forced) => forced,
            None if excellent_left > 0 && constraints.check(AnnualGrade::Excellent.into()).is_ok() => {
                excellent_left -= 1;
                AnnualGrade::Excellent.into()
            }
            None if spread(cadre_id, year.year()).is_multiple_of(29) => AnnualGrade::Basic.into(),
            None => AnnualGrade::Competent.into(),
        };
        let proposal = Proposal {
            outcome,
            comment: format!("{}年度考核（演示数据）", year.year()),
            improvement: String::new(),
            proposed_by: format!("system:{SEEDER}"),
            proposed_on,
        };
        pool.apply(Command::Propose { cadre_id: cadre_id.clone(), proposal }, policy, &NoRestDays)?;
        pool.row_mut(cadre_id)?.proposed_by = SEEDER.to_owned();
    }
    pool.apply(Command::StartPublicity { starts_on, ends_on }, policy, &NoRestDays)?;
    let by = DeterminedBy::UnitHead;
    let effects = pool.apply(
        Command::Determine { on: determined_on, by, recorded_by: SEEDER.to_owned() },
        policy,
        &NoRestDays,
    )?;
    for effect in effects {
        if let Effect::Determined { cadre_id, .. } = effect {
            pool.apply(
                Command::Notify { cadre_id: cadre_id.clone(), on: determined_on },
                policy,
                &NoRestDays,
            )?;
            pool.apply(Command::Acknowledge { cadre_id, on: determined_on }, policy, &NoRestDays)?;
        }
    }
    pool.apply(Command::Close { on: determined_on }, policy, &NoRestDays)?;
    pool.row.determined_by = "局长办公会".to_owned();
    pool.sync(policy);
    let published: Vec<String> = pool
        .cycle
        .participants
        .iter()
        .filter(|p| matches!(p.state, ParticipantState::Acknowledged | ParticipantState::Excluded))
        .map(|p| p.cadre_id.clone())
        .collect();
    for cadre_id in published {
        let row = pool.row_mut(&cadre_id)?;
        if Outcome::from_code(&row.outcome).is_some() {
            results::publish(tx, row, policy, determined_on)?;
        }
    }
    pool.save(tx.conn(), policy, clock::now())
}

/// Seeds the history unless the service already has a cycle; returns the cycles created.
pub fn seed(conn: &mut DbConn, today: NaiveDate) -> Result<usize, ApiError> {
    audit::lock_chain(conn)?;
    if store::cycles::any(conn)? {
        return Ok(0);
    }
    let ctx = CallContext::system(SEEDER);
    let policy = store::policy::on(conn, today)?;
    let pools: BTreeSet<(String, String)> = projection::active_cadres(conn)?
        .into_iter()
        .filter(|c| POOL_CATEGORIES.contains(&c.category.as_str()))
        .map(|c| (c.employing_unit_id, c.category))
        .collect();
    let mut tx = Tx::new(conn, &ctx);
    let mut created = 0;
    let last = today.year() - 2;
    for year in (last - YEARS + 1)..=last {
        let Some(year) = AssessmentYear::new(year) else { continue };
        for (unit_id, category) in &pools {
            let Some(unit) = projection::unit(tx.conn(), unit_id)? else { continue };
            let mut pool = match open_pool(tx.conn(), &unit, category, year, &policy, clock::now()) {
                Ok(pool) => pool,
                Err(error) if error.reason() == "POOL_EMPTY" => continue,
                Err(error) => return Err(error),
            };
            run(&mut tx, &mut pool, &policy)?;
            created += 1;
        }
    }
    let entry = AuditEntry {
        method: "cadre dev: seed demo assessment history".to_owned(),
        object_type: "annual_cycle".to_owned(),
        object_id: String::new(),
        outcome: "OK".to_owned(),
        request_id: String::new(),
    };
    audit::append(tx.conn(), &ctx, &entry)?;
    Ok(created)
}

/// Waits until the projection has caught up with a directory that has people, then seeds the history
/// once; gives up quietly at shutdown.
pub async fn seed_when_ready(
    db: Db,
    mut follower: watch::Receiver<FollowerState>,
    today: Today,
    shutdown: Shutdown,
) {
    loop {
        let caught_up = tokio::select! {
            state = follower.wait_for(|s| s.caught_up) => state.is_ok(),
            () = shutdown.clone().wait() => return,
        };
        if !caught_up {
            return;
        }
        match db.run(|conn| Ok(!projection::active_cadres(conn)?.is_empty())).await {
            Ok(true) => break,
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "cannot read the projection to seed the demo history"),
        }
        tokio::select! {
            changed = follower.changed() => if changed.is_err() { return },
            () = shutdown.clone().wait() => return,
        }
    }
    let day = today();
    match db.write(move |conn| seed(conn, day)).await {
        Ok(0) => {}
        Ok(cycles) => {
            db.notify_committed();
            tracing::info!(cycles, "seeded the demo district's assessment history");
        }
        Err(error) => tracing::warn!(%error, "the demo assessment history was not seeded"),
    }
}

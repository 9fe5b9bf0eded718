//! The demo district's care records (`cadre dev`): once the projection holds the demo district, a funded
//! care fund, a few rewards, this year's health-check plan for every unit with people, and a few items of
//! the dossier backlog, written through the same store functions the RPCs use. The choice of people is
//! deterministic (the first by id), so the same district gives the same demo.

use std::collections::BTreeSet;

use cadre_platform::{
    ApiError, CallContext, Db, DbConn, Tx,
    audit::{self, AuditEntry},
    clock::{self, Today},
    server::Shutdown,
};
use cadre_projection::{FollowerState, store as projection};
use chrono::{Datelike, NaiveDate};
use tokio::sync::watch;

use crate::{
    domain::{
        backlog,
        codes::{BacklogKind, IssuingLevel, RewardCategory, RewardKind},
    },
    store::{
        self,
        fund::{self as fund_store, CONTRIBUTION, LedgerRow},
        health::{self as health_store, PlanRow},
        legacy::{self as legacy_store, BacklogRow},
        rewards::{self as reward_store, RewardRow},
    },
    workflow,
};

/// Who the demo is recorded as.
const SEEDER: &str = "cadre-dev-seed";

fn day(year: i32, month: u32, day: u32) -> Result<NaiveDate, ApiError> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| ApiError::internal("an impossible demo date"))
}

/// Seeds the demo unless the service already has rewards or backlog; returns whether it seeded.
pub fn seed(conn: &mut DbConn, today: NaiveDate) -> Result<bool, ApiError> {
    audit::lock_chain(conn)?;
    if reward_store::any(conn)? || legacy_store::any_backlog(conn)? {
        return Ok(false);
    }
    let people = projection::active_cadres(conn)?;
    if people.is_empty() {
        return Ok(false);
    }
    let ctx = CallContext::system(SEEDER);
    let year = today.year();
    let january = day(year, 1, 5)?.min(today);

    let balance = fund_store::lock_balance(conn)?;
    let amount = 50_000_000;
    fund_store::post(
        conn,
        &LedgerRow {
            id: store::new_id(),
            entry_kind: CONTRIBUTION.to_owned(),
            amount_fen: amount,
            balance_after_fen: balance + amount,
            entry_date: january,
            source: "区财政专项".to_owned(),
            document: format!("区财〔{year}〕1号"),
            application_id: String::new(),
            cadre_id: String::new(),
            org_unit_id: String::new(),
            reason: String::new(),
            recorded_by: SEEDER.to_owned(),
            recorded_at: clock::now(),
        },
    )?;

    let mut tx = Tx::new(conn, &ctx);
    let rewards = [
        (RewardKind::Commendation, None, "年度考核优秀"),
        (RewardKind::Special, Some(RewardCategory::RuralRevitalisation), "乡村振兴工作中成绩突出"),
        (RewardKind::NewEraCommendation, None, "新时代新担当新作为先进典型"),
    ];
    for (index, (cadre, (kind, category, basis))) in people.iter().zip(rewards).enumerate() {
        let row = RewardRow {
            id: store::new_id(),
            kind: kind.code().to_owned(),
            category: category.map(|c| c.code().to_owned()).unwrap_or_default(),
            cadre_id: cadre.id.clone(),
            cadre_name: cadre.name.clone(),
            org_unit_id: cadre.employing_unit_id.clone(),
            collective: false,
            level: IssuingLevel::District.code().to_owned(),
            issuer: "中共锦绣区委 锦绣区人民政府".to_owned(),
            document_number: format!("锦区委〔{}〕{}号", year - 1, 10 + index),
            basis: basis.to_owned(),
            award_date: day(year - 1, 12, 20)?,
            feeds_promotion_priority: kind != RewardKind::Commendation,
            proposal_id: String::new(),
            recorded_by: SEEDER.to_owned(),
            recorded_at: clock::now(),
        };
        workflow::record_reward(&mut tx, &row)?;
    }

    let units: BTreeSet<String> = people.iter().map(|c| c.employing_unit_id.clone()).collect();
    for unit in units {
        health_store::upsert_plan(
            tx.conn(),
            &PlanRow {
                org_unit_id: unit,
                year,
                window_start: day(year, 5, 1)?,
                window_end: day(year, 6, 30)?,
                provider: "区人民医院体检中心".to_owned(),
                notes: "工作日上午 8:00–10:00，空腹".to_owned(),
                updated_by: SEEDER.to_owned(),
                updated_at: clock::now(),
            },
        )?;
    }

    let policy = store::policy::on(tx.conn(), january)?;
    let items = [
        (BacklogKind::UnfiledMaterial, "上年度年度考核登记表未归档"),
        (BacklogKind::FactConflict, "干部任免审批表出生日期与档案最早记载不一致"),
        (BacklogKind::NotDigitised, "档案尚未数字化"),
    ];
    for (cadre, (kind, description)) in people.iter().rev().zip(items) {
        legacy_store::insert_backlog(
            tx.conn(),
            &BacklogRow {
                id: store::new_id(),
                cadre_id: cadre.id.clone(),
                cadre_name: cadre.name.clone(),
                kind: kind.code().to_owned(),
                description: description.to_owned(),
                detected_on: january,
                due_on: backlog::due_on(january, policy.backlog_due_months),
                owner_unit_id: cadre.managing_unit_id.clone(),
                resolved_on: None,
                resolution: String::new(),
                recorded_by: SEEDER.to_owned(),
                recorded_at: clock::now(),
            },
        )?;
    }
    let entry = AuditEntry {
        method: "cadre dev: seed demo care records".to_owned(),
        object_type: "care".to_owned(),
        object_id: String::new(),
        outcome: "OK".to_owned(),
        request_id: String::new(),
    };
    audit::append(tx.conn(), &ctx, &entry)?;
    Ok(true)
}

/// Waits until the projection has caught up with a directory that has people, then seeds the demo once;
/// gives up quietly at shutdown.
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
            Err(error) => tracing::warn!(%error, "cannot read the projection to seed the demo care records"),
        }
        tokio::select! {
            changed = follower.changed() => if changed.is_err() { return },
            () = shutdown.clone().wait() => return,
        }
    }
    let day = today();
    match db.write(move |conn| seed(conn, day)).await {
        Ok(false) => {}
        Ok(true) => {
            db.notify_committed();
            tracing::info!("seeded the demo district's care records");
        }
        Err(error) => tracing::warn!(%error, "the demo care records were not seeded"),
    }
}

//! The demo district's oversight records (`cadre dev`): once the projection holds the demo district, three
//! findings of work discipline and style (an early sign of "躺平", a breach of work discipline, "佛系"), and
//! a reminder talk and a 诫勉 on the ladder answering two of them — written through the same workflow the
//! RPCs use. The people are the first three by id, so the same district gives the same demo.

use cadre_platform::{
    ApiError, CallContext, Db, DbConn, Tx,
    audit::{self, AuditEntry},
    clock::{self, Today},
    server::Shutdown,
};
use cadre_projection::{FollowerState, store as projection};
use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use tokio::sync::watch;

use crate::{
    domain::{
        codes::{
            AccountabilityMeasure, DecidingBody, FindingCategory, FindingSource, FindingState, Severity,
        },
        ladder::Target,
    },
    store::{
        self,
        findings::FindingRow,
        schema::{decisions, findings},
    },
    workflow::{self, NewDecision, findings::record_finding},
};

/// Who the demo is recorded as.
const SEEDER: &str = "cadre-dev-seed";

fn finding(
    cadre: &projection::CadreView,
    category: FindingCategory,
    severity: Severity,
    description: &str,
    found_on: NaiveDate,
) -> FindingRow {
    FindingRow {
        id: store::new_id(),
        inspection_id: String::new(),
        org_unit_id: cadre.employing_unit_id.clone(),
        cadre_id: cadre.id.clone(),
        cadre_name: cadre.name.clone(),
        category: category.code().to_owned(),
        severity: severity.code().to_owned(),
        description: description.to_owned(),
        evidence: store::json(&["督查工作记录"]),
        responsibility_id: String::new(),
        source: FindingSource::Manual.code().to_owned(),
        source_ref: String::new(),
        found_on,
        state: FindingState::Open.code().to_owned(),
        dismissal_reason: String::new(),
        escalation: String::new(),
        recorded_by: SEEDER.to_owned(),
        created_at: clock::now(),
    }
}

/// Seeds the demo unless the service already has findings or decisions; returns whether it seeded.
pub fn seed(conn: &mut DbConn, today: NaiveDate) -> Result<bool, ApiError> {
    audit::lock_chain(conn)?;
    let any_finding = findings::table.select(findings::id).first::<String>(conn).optional()?.is_some();
    let any_decision = decisions::table.select(decisions::id).first::<String>(conn).optional()?.is_some();
    if any_finding || any_decision {
        return Ok(false);
    }
    let people = projection::active_cadres(conn)?;
    let [first, second, third, ..] = people.as_slice() else { return Ok(false) };
    let ctx = CallContext::system(SEEDER);
    let mut tx = Tx::new(conn, &ctx);
    let weeks_ago = |weeks: u64| today.checked_sub_days(Days::new(weeks * 7)).unwrap_or(today);

    let slack = record_finding(
        &mut tx,
        finding(
            first,
            FindingCategory::Inaction,
            Severity::Minor,
            "窗口服务推诿扯皮, 群众反映办事慢",
            weeks_ago(6),
        ),
    )?;
    let absent = record_finding(
        &mut tx,
        finding(
            second,
            FindingCategory::WorkDiscipline,
            Severity::Minor,
            "工作日上班时间离岗未报备",
            weeks_ago(5),
        ),
    )?;
    record_finding(
        &mut tx,
        finding(
            third,
            FindingCategory::Complacency,
            Severity::Minor,
            "重点任务推进缓慢, 满足于过得去",
            weeks_ago(2),
        ),
    )?;

    let decide = |tx: &mut Tx<'_>, who: &projection::CadreView, measure, finding: &FindingRow, on| {
        let unit = projection::unit(tx.conn(), &who.employing_unit_id)?
            .ok_or_else(|| ApiError::internal("a demo cadre without a unit"))?;
        workflow::record_decision(
            tx,
            NewDecision {
                cadre_id: who.id.clone(),
                cadre_name: who.name.clone(),
                unit,
                measure,
                body: DecidingBody::OrgDepartment,
                target: Target::Person,
                basis_article: "中国共产党问责条例 第八条".to_owned(),
                document_number: String::new(),
                decided_on: on,
                effective_date: on,
                probation_months: None,
                finding_ids: vec![finding.id.clone()],
                responsibility_id: String::new(),
                note: "督查发现问题的处理".to_owned(),
                source_ref: String::new(),
                recorded_by: SEEDER.to_owned(),
            },
        )
    };
    decide(&mut tx, first, AccountabilityMeasure::ReminderTalk, &slack, weeks_ago(5))?;
    decide(&mut tx, second, AccountabilityMeasure::Admonishment, &absent, weeks_ago(4))?;

    let entry = AuditEntry {
        method: "cadre dev: seed demo oversight records".to_owned(),
        object_type: "oversight".to_owned(),
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
        match db.run(|conn| Ok(projection::active_cadres(conn)?.len() >= 3)).await {
            Ok(true) => break,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%error, "cannot read the projection to seed the demo oversight records")
            }
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
            tracing::info!("seeded the demo district's oversight records");
        }
        Err(error) => tracing::warn!(%error, "the demo oversight records were not seeded"),
    }
}

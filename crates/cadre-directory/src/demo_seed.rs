//! Loads the demo district (domain::demo) into an empty directory, once: what `cadre dev` serves.

use std::collections::HashMap;

use cadre_platform::{
    ApiError, CallContext, Db, Tx,
    audit::{self, AuditEntry},
    clock,
};

use crate::{
    domain::{
        cadre::{CadreData, Post, Rank},
        codes::{AccountKind, AccountState, CadreStatus, Clearance, RankGrade, Role},
        demo::{DemoCadre, demo_district},
    },
    events,
    store::{self, accounts::Account, units::UnitRow},
};

/// What the seed did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// Units created (0 when the directory already had data).
    pub units: usize,
    /// Cadres created.
    pub cadres: usize,
    /// Accounts created.
    pub accounts: usize,
}

/// The subject the development token issuer (`cadre dev token --as <username>`) puts in a demo account's
/// tokens; the demo accounts carry it as their external subject.
pub fn demo_subject(username: &str) -> String {
    format!("demo:{username}")
}

/// Seeds the demo district unless the directory already has a root unit.
pub async fn seed_once(db: &Db) -> Result<SeedReport, ApiError> {
    let report = db
        .write(|conn| {
            audit::lock_chain(conn)?;
            if store::units::has_root(conn)? {
                return Ok(SeedReport { units: 0, cadres: 0, accounts: 0 });
            }
            let ctx = CallContext::system("cadre-dev-seed");
            let district = demo_district(clock::today());
            let mut tx = Tx::new(conn, &ctx);
            let mut units: HashMap<String, UnitRow> = HashMap::new();
            for demo in &district.units {
                let parent = demo.parent_code.as_ref().and_then(|code| units.get(code)).cloned();
                let row =
                    store::units::insert(tx.conn(), parent.as_ref(), &demo.code, &demo.name, demo.kind)?;
                events::unit_created(&mut tx, &row)?;
                units.insert(demo.code.clone(), row);
            }
            let unit_id = |code: &str| {
                units
                    .get(code)
                    .map(|u| u.id.clone())
                    .ok_or_else(|| ApiError::internal(format!("demo unit {code} missing")))
            };
            let mut cadre_ids: HashMap<String, String> = HashMap::new();
            for demo in &district.cadres {
                let data = cadre_data(demo, unit_id(&demo.unit_code)?, unit_id(&demo.managing_unit_code)?)?;
                let cadre = store::cadres::insert(tx.conn(), data, &ctx.actor, "CREATED")?;
                events::cadre_created(&mut tx, &cadre)?;
                cadre_ids.insert(demo.external_id.clone(), cadre.id);
            }
            for demo in &district.accounts {
                let roles = demo
                    .roles
                    .iter()
                    .map(|code| {
                        Role::from_code(code).ok_or_else(|| ApiError::internal(format!("demo role {code}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let clearances =
                    demo.clearances.iter().filter_map(|code| Clearance::from_code(code)).collect();
                let account = Account {
                    id: String::new(),
                    username: demo.username.clone(),
                    display_name: demo.display_name.clone(),
                    kind: if demo.service { AccountKind::Service } else { AccountKind::Person },
                    cadre_id: demo.cadre_external_id.as_ref().and_then(|e| cadre_ids.get(e)).cloned(),
                    roles,
                    scope_unit_id: demo.scope_unit_code.as_deref().map(unit_id).transpose()?,
                    clearances,
                    // The development issuer of `cadre dev` names demo people this way.
                    external_subject: Some(demo_subject(&demo.username)),
                    state: AccountState::Active,
                    version: 0,
                    created_at: clock::now(),
                    updated_at: clock::now(),
                };
                store::accounts::insert(tx.conn(), account)?;
            }
            let entry = AuditEntry {
                method: "cadre dev: seed demo district".to_owned(),
                object_type: "org_unit".to_owned(),
                object_id: units.get("D000").map(|u| u.id.clone()).unwrap_or_default(),
                outcome: "OK".to_owned(),
                request_id: String::new(),
            };
            audit::append(conn, &ctx, &entry)?;
            Ok(SeedReport { units: units.len(), cadres: cadre_ids.len(), accounts: district.accounts.len() })
        })
        .await?;
    if report.units > 0 {
        db.notify_committed();
    }
    Ok(report)
}

fn cadre_data(
    demo: &DemoCadre,
    employing_unit_id: String,
    managing_unit_id: String,
) -> Result<CadreData, ApiError> {
    let rank = match demo.rank {
        Some((ordinal, start_date)) => Some(Rank {
            grade: RankGrade::from_number(i32::from(ordinal))
                .ok_or_else(|| ApiError::internal(format!("demo rank {ordinal}")))?,
            start_date,
        }),
        None => None,
    };
    Ok(CadreData {
        external_id: Some(demo.external_id.clone()),
        name: demo.name.clone(),
        gender: demo.gender,
        citizen_id: demo.citizen_id.clone(),
        birth_date: demo.birth_date,
        work_start_date: Some(demo.work_start_date),
        party_entry_date: demo.party_entry_date,
        education: demo.education,
        category: demo.category,
        employing_unit_id,
        managing_unit_id,
        post: Post {
            title: demo.post_title.clone(),
            level: demo.post_level,
            is_leader: demo.is_leader,
            is_team_member: demo.is_team_member,
            is_principal: demo.is_principal,
            start_date: Some(demo.post_start_date),
        },
        rank,
        status: CadreStatus::Active,
        work_history: demo.work_history.clone(),
    })
}

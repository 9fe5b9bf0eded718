//! Opening a pool's year: the active cadres employed in the 机关 with the pool's category, from the
//! projection of the directory, each enrolled with what the rules allow them.

use cadre_platform::{ApiError, DbConn};
use cadre_projection::{CadreView, UnitView, store as projection};
use chrono::NaiveDateTime;

use super::{participation, pool::Pool};
use crate::{
    domain::{
        AssessmentPolicy, AssessmentYear,
        cycle::{Command, Cycle, CycleState, ParticipantState},
        participation::probation_last_day,
        review::NoRestDays,
    },
    store::{self, assessments::AssessmentRow, cycles::CycleRow},
};

/// A new person's row: the facts the rules read before anyone corrects them.
fn new_row(
    cycle_id: &str,
    unit: &UnitView,
    cadre: &CadreView,
    year: AssessmentYear,
    policy: &AssessmentPolicy,
    now: NaiveDateTime,
) -> AssessmentRow {
    AssessmentRow {
        id: store::new_id(),
        cycle_id: cycle_id.to_owned(),
        year: year.year(),
        cadre_id: cadre.id.clone(),
        cadre_name: cadre.name.clone(),
        org_unit_id: unit.id.clone(),
        state: ParticipantState::Enrolled.code().to_owned(),
        takes_part: true,
        forced_outcome: String::new(),
        ceiling: String::new(),
        reasons: "[]".to_owned(),
        // A new recruit's 试用期 runs from the start of work; only one that reaches into the year can matter
        // to it. UpdateParticipation corrects it (a transfer has no 试用期, a recruit may start later).
        probation_last_day: cadre
            .work_start_date
            .map(|start| probation_last_day(start, policy.participation.probation_months))
            .filter(|last| *last >= year.first_day()),
        absence_days: 0,
        refused_without_reason: false,
        participation_note: String::new(),
        self_summary: String::new(),
        leader_comment: String::new(),
        improvement: String::new(),
        proposed: String::new(),
        proposed_by: String::new(),
        outcome: String::new(),
        notified_on: None,
        acknowledged_on: None,
        refused_to_sign: false,
        review_deadline: None,
        recourse_until: None,
        published_on: None,
        revision: 0,
        consequences: "[]".to_owned(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// The cycle of `unit`'s pool of `category` for `year`, its people enrolled (not stored until saved).
/// People already assessed that year in another pool are left out; a pool with nobody left is refused.
pub fn open_pool(
    conn: &mut DbConn,
    unit: &UnitView,
    category: &str,
    year: AssessmentYear,
    policy: &AssessmentPolicy,
    now: NaiveDateTime,
) -> Result<Pool, ApiError> {
    let mut cadres: Vec<CadreView> = projection::cadres_employed_in(conn, &unit.id)?
        .into_iter()
        .filter(|c| c.category == category)
        .collect();
    let ids: Vec<String> = cadres.iter().map(|c| c.id.clone()).collect();
    let elsewhere = store::assessments::enrolled_in_year(conn, &ids, year.year())?;
    cadres.retain(|c| !elsewhere.contains(&c.id));
    if cadres.is_empty() {
        return Err(ApiError::failed_precondition(
            "POOL_EMPTY",
            format!("nobody of category {category} employed in {} is left to assess", unit.name),
        ));
    }
    let cycle_id = store::new_id();
    let rows: Vec<AssessmentRow> =
        cadres.iter().map(|cadre| new_row(&cycle_id, unit, cadre, year, policy, now)).collect();
    let row = CycleRow {
        id: cycle_id,
        year: year.year(),
        org_unit_id: unit.id.clone(),
        org_unit_name: unit.name.clone(),
        category: category.to_owned(),
        state: CycleState::Open.code().to_owned(),
        raised_quota_approval: String::new(),
        enrolled: 0,
        taking_part: 0,
        excellent: 0,
        excellent_limit: 0,
        publicity_started_on: None,
        publicity_last_day: None,
        determined_by: String::new(),
        determined_on: None,
        closed_on: None,
        aggregate: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut constraints = Vec::with_capacity(rows.len());
    for row in &rows {
        constraints.push((row.cadre_id.clone(), participation::constraints(conn, row, policy)?));
    }
    let mut pool = Pool::new(row, Cycle::new(year), rows);
    for (cadre_id, constraints) in constraints {
        pool.apply(Command::Enrol { cadre_id, constraints }, policy, &NoRestDays)?;
    }
    Ok(pool)
}

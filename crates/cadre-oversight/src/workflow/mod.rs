//! Steps more than one entry point takes, inside the caller's transaction: recording a finding (an RPC, the
//! leave feed, the demo), recording a decision (an RPC, the demo), and the escalation the ladder proposes
//! for a cadre (a finding, a decision, a query).

pub mod findings;

use cadre_platform::{ApiError, DbConn, Tx, clock};
use cadre_projection::UnitView;
use cadre_proto::oversight as pb;
use chrono::NaiveDate;

use crate::{
    domain::{
        codes::{AccountabilityMeasure, DecidingBody},
        escalation::{self, Proposal},
        ladder::{self, DecisionInput, Target},
    },
    events,
    store::{
        self,
        decisions::{self as decision_store, DecisionRow},
    },
    view,
};

/// Who the service's own work is recorded as.
pub const SYSTEM_ACTOR: &str = "system:oversight";

/// The step the ladder proposes for `cadre_id` on `on`, from the decisions about them in the policy window
/// (`None` for a first offence). `current` is the measure being decided now, if any.
pub fn escalation_for(
    conn: &mut DbConn,
    cadre_id: &str,
    current: Option<AccountabilityMeasure>,
    on: NaiveDate,
) -> Result<Option<Proposal>, ApiError> {
    let policy = store::policy::on(conn, on)?;
    let priors = decision_store::priors_of(conn, cadre_id, on)?;
    Ok(escalation::propose(&policy, &priors, current, on))
}

/// A decision about to be recorded: checked, its target found, its findings and responsibility matched.
pub struct NewDecision {
    /// '' for a measure on an organisation.
    pub cadre_id: String,
    pub cadre_name: String,
    /// The cadre's employing unit, or the organisation itself.
    pub unit: UnitView,
    pub measure: AccountabilityMeasure,
    pub body: DecidingBody,
    pub target: Target,
    pub basis_article: String,
    pub document_number: String,
    pub decided_on: NaiveDate,
    pub effective_date: NaiveDate,
    pub probation_months: Option<u32>,
    pub finding_ids: Vec<String>,
    pub responsibility_id: String,
    pub note: String,
    pub source_ref: String,
    pub recorded_by: String,
}

/// Records `new` under the ladder's rules in force on its decision day (the level, window, blocks and
/// dossier dates the policy gives it, or the rule's refusal), with the escalation a repeat proposes, and
/// publishes it.
pub fn record_decision(tx: &mut Tx<'_>, new: NewDecision) -> Result<pb::Decision, ApiError> {
    let conn = tx.conn();
    let policy = store::policy::on(conn, new.decided_on)?;
    let input = DecisionInput {
        measure: new.measure,
        body: new.body,
        target: new.target,
        decided_on: new.decided_on,
        effective_date: new.effective_date,
        probation_months: new.probation_months,
        basis_article: &new.basis_article,
    };
    let outcome = ladder::decide(&policy, &input)?;
    let escalation = if new.cadre_id.is_empty() {
        None
    } else {
        escalation_for(conn, &new.cadre_id, Some(new.measure), new.effective_date)?
    };
    let row = DecisionRow {
        id: store::new_id(),
        cadre_id: new.cadre_id,
        cadre_name: new.cadre_name,
        org_unit_id: new.unit.id.clone(),
        measure: new.measure.code().to_owned(),
        level: i32::from(outcome.level),
        form: i32::from(outcome.form),
        deciding_body: new.body.code().to_owned(),
        basis_article: new.basis_article,
        document_number: new.document_number,
        decided_on: new.decided_on,
        effective_date: new.effective_date,
        influence_last_day: outcome.influence_last_day,
        blocks_promotion: outcome.blocks.promotion,
        blocks_excellent: outcome.blocks.excellent_grade,
        blocks_selection: outcome.blocks.selection,
        probation_months: i32::try_from(new.probation_months.unwrap_or(0)).unwrap_or(0),
        finding_ids: store::json(&new.finding_ids),
        responsibility_id: new.responsibility_id,
        archive_due_date: outcome.archive_due,
        archived_on: None,
        carry_out_by: outcome.carry_out_by,
        escalation: escalation.as_ref().map(store::json).unwrap_or_default(),
        note: new.note,
        source_ref: new.source_ref,
        recorded_by: new.recorded_by,
        created_at: clock::now(),
    };
    decision_store::insert(conn, &row)?;
    tx.set_object("decision", &row.id);
    let decision = view::decisions::decision(&row, &new.unit.name, None);
    events::decision_recorded(tx, decision.clone())?;
    Ok(decision)
}

//! Decisions and restrictions as the contract shows them.

use cadre_platform::{clock::to_timestamp, dates::date_to};
use cadre_proto::{oversight as pb, types};
use chrono::NaiveDate;

use super::{day, number};
use crate::{
    domain::{
        codes::{AccountabilityMeasure, DecidingBody},
        policy::Blocks,
        restrictions::Window,
    },
    store::{self, decisions::DecisionRow},
};

/// What a window bars, as the contract shows it.
pub fn blocks(blocks: Blocks) -> pb::Blocks {
    pb::Blocks {
        promotion: blocks.promotion,
        excellent_grade: blocks.excellent_grade,
        selection: blocks.selection,
    }
}

/// The conduct measure the rank and assessment services keep for a measure on a person: the kinds share
/// their names with `cadre.type.v1.ConductMeasureKind`, except 责令辞职, which the regulations period like
/// 免职.
pub fn conduct_kind(measure: AccountabilityMeasure) -> Option<types::ConductMeasureKind> {
    let name = match measure {
        AccountabilityMeasure::OrderedResignation => "REMOVAL_FROM_POST",
        other => other.code(),
    };
    types::ConductMeasureKind::from_str_name(&format!("CONDUCT_MEASURE_KIND_{name}"))
}

/// The conduct measure a decision sets, when it sets a window on a person.
pub fn conduct_measure(row: &DecisionRow) -> Option<types::ConductMeasure> {
    if row.cadre_id.is_empty() {
        return None;
    }
    let last_day = row.influence_last_day?;
    let kind = conduct_kind(AccountabilityMeasure::from_code(&row.measure)?)?;
    let basis = if row.document_number.is_empty() { &row.basis_article } else { &row.document_number };
    Some(types::ConductMeasure {
        source_id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        kind: kind as i32,
        effective_date: Some(date_to(row.effective_date)),
        last_day: Some(date_to(last_day)),
        basis: basis.clone(),
        still_affects_use: false,
    })
}

/// A decision, with its 容错 review when one was decided (`exempted` when that review exempted it).
pub fn decision(row: &DecisionRow, org_unit_name: &str, review: Option<(&str, bool)>) -> pb::Decision {
    let (review_id, exempted) = review.unwrap_or_default();
    pb::Decision {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        org_unit_name: org_unit_name.to_owned(),
        measure: number!(AccountabilityMeasure, &row.measure),
        level: row.level,
        form: row.form,
        deciding_body: number!(DecidingBody, &row.deciding_body),
        basis_article: row.basis_article.clone(),
        document_number: row.document_number.clone(),
        decided_on: Some(date_to(row.decided_on)),
        effective_date: Some(date_to(row.effective_date)),
        influence_last_day: day(row.influence_last_day),
        blocks: Some(blocks(row.blocks())),
        probation_months: row.probation_months,
        finding_ids: store::strings(&row.finding_ids),
        responsibility_id: row.responsibility_id.clone(),
        archive_due_date: day(row.archive_due_date),
        archived_on: day(row.archived_on),
        carry_out_by: day(row.carry_out_by),
        escalation: super::escalation(&row.escalation),
        conduct_measure: conduct_measure(row),
        exempted,
        tolerance_review_id: review_id.to_owned(),
        note: row.note.clone(),
        recorded_by: row.recorded_by.clone(),
        create_time: Some(to_timestamp(row.created_at)),
    }
}

/// One window.
pub fn restriction(window: &Window) -> pb::Restriction {
    pb::Restriction {
        decision_id: window.decision_id.clone(),
        measure: window.measure.number(),
        effective_date: Some(date_to(window.effective_date)),
        last_day: Some(date_to(window.last_day)),
        blocks: Some(blocks(window.blocks)),
        exempted: window.exempted,
        basis_article: window.basis_article.clone(),
    }
}

/// A cadre's windows in effect on `as_of`, and what they bar together.
pub fn restrictions(
    cadre_id: &str,
    as_of: NaiveDate,
    in_effect: &[&Window],
    barred: Blocks,
) -> pb::CadreRestrictions {
    pb::CadreRestrictions {
        cadre_id: cadre_id.to_owned(),
        as_of: Some(date_to(as_of)),
        restrictions: in_effect.iter().map(|w| restriction(w)).collect(),
        blocks: Some(blocks(barred)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_with_a_person_window_maps_to_a_conduct_kind() {
        use AccountabilityMeasure::*;
        let windowed = [
            Circular,
            Admonishment,
            SuspensionForReview,
            PostAdjustment,
            OrderedResignation,
            RemovalFromPost,
            DemotionInPost,
            PartyWarning,
            PartySeriousWarning,
            GovernmentWarning,
            GovernmentDemerit,
            GovernmentMajorDemerit,
            GovernmentDemotion,
            PartyPostRevoked,
            PartyProbation,
            GovernmentDismissalFromPost,
        ];
        for measure in windowed {
            assert!(conduct_kind(measure).is_some(), "{measure:?}");
        }
        assert_eq!(conduct_kind(OrderedResignation), Some(types::ConductMeasureKind::RemovalFromPost));
        for measure in
            [ReminderTalk, Criticism, WrittenReview, LetterInquiry, JudicialReferral, PartyExpulsion]
        {
            assert_eq!(conduct_kind(measure), None, "{measure:?}");
        }
    }
}

//! Stored rows and the rules' answers as the contract's messages.

use cadre_platform::clock;
use cadre_proto::{rank as pb, types};

use crate::{
    convert::{self, date_to, grade_code_to, grade_to},
    domain::{
        Eligibility, Grade,
        case::{Authority, CaseKind, CaseState, Criterion},
        eligibility::TenureBasis,
        restriction::RestrictionKind,
    },
    store::{cases::CaseFile, holdings::HoldingRow, measures::MeasureRow, projection::CadreView},
    workflow::cases::{opinion, recommendation},
};

/// A holding source code on the wire.
fn source(code: &str) -> i32 {
    (match code {
        "IMPORTED" => pb::HoldingSource::Imported,
        "RECORDED" => pb::HoldingSource::Recorded,
        "PROMOTED" => pb::HoldingSource::Promoted,
        "DEMOTED" => pb::HoldingSource::Demoted,
        _ => pb::HoldingSource::Unspecified,
    }) as i32
}

/// One holding.
pub fn holding(row: &HoldingRow) -> pb::RankHolding {
    pb::RankHolding {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        grade: grade_code_to(&row.grade),
        start_date: Some(date_to(row.start_date)),
        end_date: row.end_date.map(date_to),
        level: row.level,
        source: source(&row.source),
        case_id: row.case_id.clone(),
        note: row.note.clone(),
    }
}

fn months(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// An explained answer for a cadre.
pub fn eligibility(cadre: &CadreView, holding: Option<&HoldingRow>, answer: &Eligibility) -> pb::Eligibility {
    let current_since = match answer.basis {
        Some(TenureBasis::Rank { since, .. } | TenureBasis::Post { since, .. }) => Some(since),
        None => holding.map(|h| h.start_date),
    };
    pb::Eligibility {
        cadre_id: cadre.id.clone(),
        cadre_name: cadre.name.clone(),
        org_unit_id: cadre.employing_unit_id.clone(),
        current_grade: answer.current.map_or(0, grade_to),
        current_since: current_since.map(date_to),
        target_grade: answer.target.map_or(0, grade_to),
        as_of: Some(date_to(answer.as_of)),
        required_months: months(answer.required_months),
        counted_months: months(answer.counted_months),
        provisional_months: months(answer.provisional_months),
        reductions: answer
            .reductions
            .iter()
            .map(|r| pb::Reduction { year: r.year, months: months(r.months) })
            .collect(),
        dropped_years: answer.dropped_years.iter().map(|y| y.year).collect(),
        tenure_met_on: answer.tenure_met_on.map(date_to),
        eligible_from: answer.eligible_from.map(date_to),
        eligible: answer.eligible_on_as_of,
        blocks: answer
            .blocks
            .iter()
            .map(|b| pb::Block {
                reason: b.reason.code().to_owned(),
                until: b.until.map(date_to),
                detail: b.detail.clone(),
            })
            .collect(),
        rules: answer
            .rules
            .iter()
            .map(|r| pb::AppliedRule {
                code: r.code.to_owned(),
                text: r.text.clone(),
                source: r.source.to_owned(),
            })
            .collect(),
    }
}

/// A case with what is recorded on it.
pub fn case(file: &CaseFile) -> pb::RankCase {
    let row = &file.case;
    let state = CaseState::from_code(&row.state).map_or(0, convert::case_state_to);
    let kind = CaseKind::from_code(&row.kind).map_or(0, convert::case_kind_to);
    let authority = Authority::from_code(&row.authority).map_or(0, convert::authority_to);
    let recommendation = recommendation(row).map(|r| pb::Recommendation {
        method: convert::method_to(r.method),
        ballots: i32::try_from(r.ballots).unwrap_or(i32::MAX),
        in_favour: i32::try_from(r.in_favour).unwrap_or(i32::MAX),
        against: i32::try_from(r.against).unwrap_or(i32::MAX),
        abstentions: i32::try_from(r.abstentions).unwrap_or(i32::MAX),
        held_on: r.held_on.map(date_to),
    });
    let discipline_opinion = opinion(row).map(|o| pb::DisciplineOpinion {
        clear: o.clear,
        note: o.note,
        given_by: o.given_by,
        given_on: Some(date_to(o.given_on)),
    });
    pb::RankCase {
        id: row.id.clone(),
        kind,
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        org_unit_id: row.org_unit_id.clone(),
        from_grade: grade_code_to(&row.from_grade),
        to_grade: grade_code_to(&row.to_grade),
        state,
        plan: row.plan.clone(),
        quota_pool_id: row.quota_pool_id.clone(),
        recommendation,
        attestations: file
            .attestations
            .iter()
            .filter_map(|a| {
                let criterion = Criterion::from_code(&a.criterion).and_then(convert::criterion_to)?;
                Some(pb::Attestation {
                    criterion,
                    favourable: a.favourable,
                    note: a.note.clone(),
                    attested_by: a.attested_by.clone(),
                })
            })
            .collect(),
        discipline_opinion,
        publicity_last_day: row.publicity_last_day.map(date_to),
        objections: file
            .objections
            .iter()
            .map(|o| pb::CaseObjection {
                id: o.id.clone(),
                text: o.text.clone(),
                resolved: o.resolved,
                upheld: o.upheld,
                resolution: o.resolution.clone(),
            })
            .collect(),
        authority,
        filed_with_city: row.filed_with_city,
        decision_ref: row.decision_ref.clone(),
        effective_date: row.effective_date.map(date_to),
        new_level: row.new_level,
        closing_reason: row.closing_reason.clone(),
        version: row.version,
        create_time: Some(clock::to_timestamp(row.created_at)),
    }
}

/// A conduct measure as stored.
pub fn measure(row: &MeasureRow) -> types::ConductMeasure {
    types::ConductMeasure {
        source_id: row.source_id.clone(),
        cadre_id: row.cadre_id.clone(),
        kind: RestrictionKind::from_code(&row.kind).map_or(0, RestrictionKind::number),
        effective_date: Some(date_to(row.effective_date)),
        last_day: row.last_day.map(date_to),
        basis: row.basis.clone(),
        still_affects_use: row.still_affects_use,
    }
}

/// A grade's name for messages, from its code.
pub fn grade_name(code: &str) -> String {
    Grade::from_code(code).map_or_else(|| code.to_owned(), |g| g.name_zh().to_owned())
}

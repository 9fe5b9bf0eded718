//! Circulars and the times a unit or person was named in one, as the contract shows them.

use cadre_platform::clock::to_timestamp;
use cadre_proto::oversight as pb;

use super::{day, number};
use crate::{
    domain::codes::{Cadence, CircularKind, CircularState},
    store::{
        self,
        circulars::{CircularRow, EntryRow},
    },
};

/// One entry.
pub fn entry(row: &EntryRow) -> pb::CircularEntry {
    pb::CircularEntry {
        org_unit_id: row.org_unit_id.clone(),
        cadre_id: row.cadre_id.clone(),
        name: row.name.clone(),
        commended: row.commended,
        text: row.text.clone(),
        finding_id: row.finding_id.clone(),
        decision_id: row.decision_id.clone(),
    }
}

/// A circular with its entries.
pub fn circular(row: &CircularRow, entries: &[EntryRow]) -> pb::Circular {
    pb::Circular {
        id: row.id.clone(),
        title: row.title.clone(),
        kind: number!(CircularKind, &row.kind),
        distribution: row.distribution.clone(),
        distribution_unit_ids: store::strings(&row.distribution_unit_ids),
        cadence: number!(Cadence, &row.cadence),
        period_label: row.period_label.clone(),
        scheduled_on: day(row.scheduled_on),
        state: number!(CircularState, &row.state),
        document_number: row.document_number.clone(),
        issued_on: day(row.issued_on),
        entries: entries.iter().map(entry).collect(),
        body: row.body.clone(),
        created_by: row.created_by.clone(),
        issued_by: row.issued_by.clone(),
        create_time: Some(to_timestamp(row.created_at)),
    }
}

/// The time `row` named someone in the issued circular `circular`.
pub fn mention(circular: &CircularRow, row: &EntryRow) -> pb::CircularMention {
    pb::CircularMention {
        circular_id: circular.id.clone(),
        title: circular.title.clone(),
        document_number: circular.document_number.clone(),
        issued_on: day(circular.issued_on),
        entry: Some(entry(row)),
    }
}

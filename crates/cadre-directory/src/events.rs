//! What the directory publishes on its event feed. Citizen ids are always masked in events: consumers
//! keep projections of units and posts, not identity numbers.

use cadre_platform::{ApiError, Tx};
use cadre_proto::directory as pb;

use crate::{convert, domain::cadre::Cadre, store::units::UnitRow};

fn unit_subject(unit: &UnitRow) -> String {
    format!("org-units/{}", unit.id)
}

fn cadre_subject(id: &str) -> String {
    format!("cadres/{id}")
}

/// A unit was created.
pub fn unit_created(tx: &mut Tx<'_>, unit: &UnitRow) -> Result<(), ApiError> {
    tx.publish(&unit_subject(unit), &pb::OrgUnitCreatedEvent { org_unit: Some(convert::unit_to(unit)) })?;
    Ok(())
}

/// A unit was renamed.
pub fn unit_renamed(tx: &mut Tx<'_>, unit: &UnitRow, previous_name: &str) -> Result<(), ApiError> {
    let event = pb::OrgUnitRenamedEvent {
        org_unit: Some(convert::unit_to(unit)),
        previous_name: previous_name.to_owned(),
    };
    tx.publish(&unit_subject(unit), &event)?;
    Ok(())
}

/// A unit moved.
pub fn unit_moved(tx: &mut Tx<'_>, unit: &UnitRow, previous_parent_id: &str) -> Result<(), ApiError> {
    let event = pb::OrgUnitMovedEvent {
        org_unit: Some(convert::unit_to(unit)),
        previous_parent_id: previous_parent_id.to_owned(),
    };
    tx.publish(&unit_subject(unit), &event)?;
    Ok(())
}

/// A unit was closed.
pub fn unit_closed(tx: &mut Tx<'_>, unit: &UnitRow, reason: &str) -> Result<(), ApiError> {
    let event = pb::OrgUnitClosedEvent { org_unit: Some(convert::unit_to(unit)), reason: reason.to_owned() };
    tx.publish(&unit_subject(unit), &event)?;
    Ok(())
}

/// A cadre record was created.
pub fn cadre_created(tx: &mut Tx<'_>, cadre: &Cadre) -> Result<(), ApiError> {
    tx.publish(
        &cadre_subject(&cadre.id),
        &pb::CadreCreatedEvent { cadre: Some(convert::cadre_to(cadre, false, &[])) },
    )?;
    Ok(())
}

/// A cadre record changed; a change of unit is also published as a transfer.
pub fn cadre_changed(
    tx: &mut Tx<'_>,
    before: &Cadre,
    after: &Cadre,
    changed: &[&str],
) -> Result<(), ApiError> {
    let subject = cadre_subject(&after.id);
    let event = pb::CadreChangedEvent {
        cadre: Some(convert::cadre_to(after, false, &[])),
        changed_fields: changed.iter().map(|f| (*f).to_owned()).collect(),
    };
    tx.publish(&subject, &event)?;
    if changed.iter().any(|f| matches!(*f, "employing_unit_id" | "managing_unit_id")) {
        let transfer = pb::CadreTransferredEvent {
            cadre_id: after.id.clone(),
            previous_employing_unit_id: before.data.employing_unit_id.clone(),
            employing_unit_id: after.data.employing_unit_id.clone(),
            previous_managing_unit_id: before.data.managing_unit_id.clone(),
            managing_unit_id: after.data.managing_unit_id.clone(),
        };
        tx.publish(&subject, &transfer)?;
    }
    Ok(())
}

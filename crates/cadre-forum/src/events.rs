//! What the forum service publishes on its event feed: forums approved, sessions held (with their speaker,
//! whose teaching is duty, and counts), attendances recorded and removed. Care credits learning hours from
//! them; assessment may take them as routine evidence (domain.md §9, `ForumSessionHeld`).

use cadre_platform::{ApiError, Tx};
use cadre_proto::forum as pb;

/// A forum was approved.
pub fn forum_approved(tx: &mut Tx<'_>, forum: &pb::Forum) -> Result<(), ApiError> {
    let event = pb::ForumApprovedEvent { forum: Some(forum.clone()) };
    tx.publish(&format!("forums/{}", forum.id), &event)?;
    Ok(())
}

/// A session was recorded as held.
pub fn session_held(tx: &mut Tx<'_>, session: &pb::Session, teaching_minutes: i32) -> Result<(), ApiError> {
    let event = pb::SessionHeldEvent {
        session: Some(session.clone()),
        speaker: session.speaker.clone(),
        attendance_count: session.attendance_count,
        teaching_minutes,
    };
    tx.publish(&format!("sessions/{}", session.id), &event)?;
    Ok(())
}

/// An attendance was recorded.
pub fn attendance_recorded(
    tx: &mut Tx<'_>,
    attendance: &pb::Attendance,
    forum_id: &str,
    level: i32,
) -> Result<(), ApiError> {
    let event = pb::AttendanceRecordedEvent {
        attendance: Some(attendance.clone()),
        forum_id: forum_id.to_owned(),
        level,
    };
    tx.publish(&format!("sessions/{}/attendances/{}", attendance.session_id, attendance.cadre_id), &event)?;
    Ok(())
}

/// An attendance was removed by a correction.
pub fn attendance_removed(
    tx: &mut Tx<'_>,
    attendance: &pb::Attendance,
    reason: &str,
) -> Result<(), ApiError> {
    let event =
        pb::AttendanceRemovedEvent { attendance: Some(attendance.clone()), reason: reason.to_owned() };
    tx.publish(&format!("sessions/{}/attendances/{}", attendance.session_id, attendance.cadre_id), &event)?;
    Ok(())
}

//! Stored rows as the contract shows them.

use cadre_proto::forum as pb;

use crate::{
    convert::{self, date_to, timestamp},
    store::{
        attendances::AttendanceRow,
        forums::ForumRow,
        plans::{DistrictPlanRow, ThemeRow},
        sessions::{AudienceLists, SessionRow},
    },
};

/// A forum.
pub fn forum(row: &ForumRow) -> pb::Forum {
    pb::Forum {
        id: row.id.clone(),
        level: convert::level_to(&row.level),
        owner_unit_id: row.owner_unit_id.clone(),
        owner_unit_name: row.owner_unit_name.clone(),
        approving_unit_id: row.approving_unit_id.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
        status: convert::status_to(&row.status),
        proposed_by: row.proposed_by.clone(),
        propose_time: Some(timestamp(row.proposed_at)),
        approved_by: row.approved_by.clone(),
        approved_on: row.approved_on.map(date_to),
        status_reason: row.status_reason.clone(),
        version: row.version,
    }
}

/// A theme.
pub fn theme(row: &ThemeRow) -> pb::Theme {
    pb::Theme { id: row.id.clone(), title: row.title.clone(), description: row.description.clone() }
}

/// A district plan; `row` `None` when the district set none and `minimums` are the policy's.
pub fn district_plan(
    year: i32,
    row: Option<&DistrictPlanRow>,
    themes: &[ThemeRow],
    minimums: crate::domain::plan::Minimums,
) -> pb::DistrictPlan {
    let as_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    pb::DistrictPlan {
        year,
        themes: themes.iter().map(theme).collect(),
        district_minimum: row.map_or(as_i32(minimums.district), |r| r.district_minimum),
        unit_minimum: row.map_or(as_i32(minimums.unit), |r| r.unit_minimum),
        village_minimum: row.map_or(as_i32(minimums.village), |r| r.village_minimum),
        set_by_district: row.is_some(),
    }
}

/// The speaker of a session.
pub fn speaker(row: &SessionRow) -> pb::Speaker {
    pb::Speaker {
        cadre_id: row.speaker_cadre_id.clone(),
        name: row.speaker_name.clone(),
        affiliation: row.speaker_affiliation.clone(),
    }
}

/// A session with its audience and attendance count.
pub fn session(row: &SessionRow, audience: &AudienceLists, attendance_count: i64) -> pb::Session {
    pb::Session {
        id: row.id.clone(),
        forum_id: row.forum_id.clone(),
        level: convert::level_to(&row.level),
        owner_unit_id: row.owner_unit_id.clone(),
        topic: row.topic.clone(),
        theme_id: row.theme_id.clone(),
        speaker: Some(speaker(row)),
        start_time: Some(timestamp(row.starts_at)),
        end_time: Some(timestamp(row.ends_at)),
        place: row.place.clone(),
        audience: Some(pb::Audience { unit_ids: audience.0.clone(), cadre_ids: audience.1.clone() }),
        capacity: row.capacity,
        credited_minutes: row.credited_minutes,
        expected_audience: row.expected_audience,
        state: convert::state_to(&row.state),
        cancel_reason: row.cancel_reason.clone(),
        attendance_count: i32::try_from(attendance_count).unwrap_or(i32::MAX),
        check_in_open: !row.check_in_code.is_empty(),
    }
}

/// An attendance.
pub fn attendance(row: &AttendanceRow) -> pb::Attendance {
    pb::Attendance {
        id: row.id.clone(),
        session_id: row.session_id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        method: convert::method_to(&row.method),
        credited_minutes: row.credited_minutes,
        record_time: Some(timestamp(row.recorded_at)),
        recorded_by: row.recorded_by.clone(),
        session_start_time: Some(timestamp(row.session_starts_at)),
    }
}

/// A speaker's duty.
pub fn duty(row: &SessionRow) -> pb::SpeakerDuty {
    pb::SpeakerDuty {
        cadre_id: row.speaker_cadre_id.clone(),
        session_id: row.id.clone(),
        forum_id: row.forum_id.clone(),
        topic: row.topic.clone(),
        start_time: Some(timestamp(row.starts_at)),
        end_time: Some(timestamp(row.ends_at)),
        place: row.place.clone(),
        state: convert::state_to(&row.state),
        teaching_minutes: row.teaching_minutes,
    }
}

//! The demo district's forums (`cadre dev`): once the projection holds the demo district, the forums of
//! the customer's speech are created and approved — one 大讲坛, a 小讲坛 in each town, street and district
//! unit, a 微讲坛 in each village and community (1, 57 and 48 in the demo district) — with the sessions held
//! since the district's principal leader gave the first lecture on 1 May of last year, up to yesterday, and
//! about 20 000 attendances among the cadres of each forum's subtree (the speech: 520余期, 近2万余人次).
//!
//! Everything is derived from the projection and `today` by fixed rules and a stable hash, so the same
//! district gives the same forums, sessions and figures. It is written in bulk (batched inserts in one
//! transaction), not call by call, so that `cadre dev` starts quickly. Forum approvals and held sessions are
//! published on the feed like live ones; the attendances are counted in each `SessionHeldEvent` rather
//! than published one by one, as the history they are.

use std::collections::HashMap;

use cadre_platform::{
    ApiError, CallContext, Db, DbConn, Tx,
    audit::{self, AuditEntry},
    clock::{self, Today},
    server::Shutdown,
};
use cadre_projection::{CadreView, FollowerState, UnitView, store as projection};
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use tokio::sync::watch;

use crate::{
    domain::{ForumLevel, ForumStatus, SessionState, hours, level},
    events,
    store::{
        self,
        attendances::{self as attendance_store, AttendanceRow},
        forums::{self as forum_store, ForumRow},
        plans::{self as plan_store, DistrictPlanRow, ForumPlanRow, ThemeRow},
        sessions::{self as session_store, AudienceLists, SessionRow},
    },
    view,
};

/// Who the demo data is recorded as.
const SEEDER: &str = "cadre-dev-seed";

/// Attendances the demo spreads over its sessions: the speech's 近2万余人次.
pub const TARGET_ATTENDANCES: u64 = 20_000;

/// Sessions each forum of a level holds over the demo's span: 12 + 57 × 6 + 48 × 4 = 546 in the demo
/// district, the speech's 520余期.
fn sessions_of(level: ForumLevel) -> usize {
    match level {
        ForumLevel::District => 12,
        ForumLevel::Unit => 6,
        ForumLevel::Village => 4,
    }
}

/// The seats of a level's venue (0: as many as are invited): the district's hall, a town's meeting room.
fn capacity_of(level: ForumLevel) -> i32 {
    match level {
        ForumLevel::District => 400,
        ForumLevel::Unit => 120,
        ForumLevel::Village => 0,
    }
}

/// Each year's themes.
const THEMES: [(&str, &str); 4] = [
    ("学习贯彻党的创新理论", "理论武装，学思践悟"),
    ("乡村振兴与基层治理", "推动乡村全面振兴，提升基层治理能力"),
    ("依法行政与廉洁自律", "法治思维，纪律规矩，廉政教育"),
    ("业务能力大提升", "干部大学习、业务大培训、能力大提升"),
];

/// A stable spread: FNV-1a of the parts.
fn spread(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// An instant as stored, from a district day and the hour of that day (local time).
fn at(day: NaiveDate, hour: u32) -> NaiveDateTime {
    store::day_start(day) + chrono::Duration::hours(i64::from(hour))
}

/// The forum's name.
fn forum_name(unit: &UnitView, level: ForumLevel) -> String {
    match level {
        ForumLevel::District => format!("{}干部大讲坛", unit.name),
        ForumLevel::Unit => format!("{}小讲坛", unit.name),
        ForumLevel::Village => format!("{}微讲坛", unit.name),
    }
}

/// Who gives a forum's sessions, in turn: its unit's leadership team, principal first (for the district,
/// the 区委书记 gives the first lecture); a guest lecturer of the party school when the unit has no team.
fn speakers_of(unit: &UnitView, cadres: &[&CadreView]) -> Vec<(String, String)> {
    let mut team: Vec<&CadreView> =
        cadres.iter().copied().filter(|c| c.employing_unit_id == unit.id && c.is_team_member).collect();
    team.sort_by_key(|c| (!c.is_principal, c.id.clone()));
    team.into_iter().map(|c| (c.id.clone(), c.name.clone())).collect()
}

/// What the demo writes, before it is written.
#[derive(Default)]
struct Plan {
    forums: Vec<ForumRow>,
    sessions: Vec<(SessionRow, AudienceLists, usize)>,
    attendances: Vec<AttendanceRow>,
}

/// Builds the demo's forums, sessions and attendances from the projection.
fn build(
    units: &[UnitView],
    cadres: &[CadreView],
    today: NaiveDate,
    themes: &HashMap<i32, Vec<ThemeRow>>,
) -> Plan {
    let mut plan = Plan::default();
    let Some(start) = NaiveDate::from_ymd_opt(today.year() - 1, 5, 1) else { return plan };
    let span = u64::try_from((today - start).num_days()).unwrap_or(0).max(1);
    let created = at(start - Days::new(30), 9);
    let approved_on = start - Days::new(14);
    // The forums and, per session, who may attend (active cadres of the forum's subtree).
    let mut schedule: Vec<(usize, NaiveDate, u32, Vec<&CadreView>)> = Vec::new();
    for unit in units.iter().filter(|u| u.active) {
        let Some(level) = ForumLevel::of_unit_kind(&unit.kind) else { continue };
        let approving = level::approving_level(level, &unit.parent_id);
        plan.forums.push(ForumRow {
            id: store::new_id(),
            level: level.code().to_owned(),
            owner_unit_id: unit.id.clone(),
            owner_unit_name: unit.name.clone(),
            approving_unit_id: approving.unit_id().to_owned(),
            name: forum_name(unit, level),
            description: "分层次、分领域、分类别组织干部\u{201c}开讲\u{201d}（演示数据）".to_owned(),
            status: ForumStatus::Active.code().to_owned(),
            open_owner_unit_id: Some(unit.id.clone()),
            proposed_by: SEEDER.to_owned(),
            proposed_at: created,
            approved_by: SEEDER.to_owned(),
            approved_on: Some(approved_on),
            status_reason: String::new(),
            version: 2,
            updated_at: created,
        });
        let forum = plan.forums.len() - 1;
        let invited: Vec<&CadreView> =
            cadres.iter().filter(|c| c.employing_path.starts_with(&unit.path)).collect();
        let count = sessions_of(level) as u64;
        // The district's first lecture is on the first day; the others' sessions are spread over the span
        // from a stable phase, so that not every forum meets on the same days.
        let phase = if level == ForumLevel::District { 0 } else { spread(&[&unit.id]) % 1000 };
        for k in 0..count {
            let offset = (k * 1000 + phase) * span / (count * 1000);
            let day = start + Days::new(offset.min(span - 1));
            // Between 09:00 and 14:00; the first lecture at 09:00.
            let hour = if k == 0 && level == ForumLevel::District {
                9
            } else {
                9 + u32::try_from(spread(&[&unit.id, &k.to_string()]) % 6).unwrap_or(0)
            };
            schedule.push((forum, day, hour, invited.clone()));
        }
    }
    // Attendances: each session's expected audience (its invited people, at most the seats), scaled so that
    // the whole comes to the target; cumulative rounding makes the sum exact.
    let expected: Vec<u64> = schedule
        .iter()
        .map(|(forum, _, _, invited)| {
            let level = ForumLevel::from_code(&plan.forums[*forum].level).unwrap_or(ForumLevel::Village);
            let seats = u64::try_from(capacity_of(level)).unwrap_or(0);
            let n = invited.len() as u64;
            if seats > 0 { n.min(seats) } else { n }
        })
        .collect();
    let total: u64 = expected.iter().sum();
    let mut cumulative = 0u64;
    let speakers: HashMap<usize, Vec<(String, String)>> = plan
        .forums
        .iter()
        .enumerate()
        .filter_map(|(i, f)| units.iter().find(|u| u.id == f.owner_unit_id).map(|u| (i, u)))
        .map(|(i, u)| {
            let local: Vec<&CadreView> = cadres.iter().filter(|c| c.employing_unit_id == u.id).collect();
            (i, speakers_of(u, &local))
        })
        .collect();
    let mut per_forum: HashMap<usize, usize> = HashMap::new();
    for ((forum_index, day, hour, invited), expected) in schedule.into_iter().zip(expected) {
        let before =
            if total > TARGET_ATTENDANCES { TARGET_ATTENDANCES * cumulative / total } else { cumulative };
        cumulative += expected;
        let after =
            if total > TARGET_ATTENDANCES { TARGET_ATTENDANCES * cumulative / total } else { cumulative };
        let attending = usize::try_from(after - before).unwrap_or(0);
        let forum = &plan.forums[forum_index];
        let level = ForumLevel::from_code(&forum.level).unwrap_or(ForumLevel::Village);
        let nth = per_forum.entry(forum_index).or_default();
        *nth += 1;
        let year = day.year();
        let theme = themes.get(&year).and_then(|t| t.get((*nth - 1) % t.len().max(1)));
        let (speaker_id, speaker_name, affiliation) =
            match speakers.get(&forum_index).filter(|s| !s.is_empty()) {
                Some(team) => {
                    let (id, name) = team[(*nth - 1) % team.len()].clone();
                    (id, name, String::new())
                }
                None => (String::new(), "区委党校讲师".to_owned(), "中共锦绣区委党校".to_owned()),
            };
        let topic = match theme {
            Some(theme) => format!("{}（第{}期）", theme.title, nth),
            None => format!("{}第{}期", forum.name, nth),
        };
        let credited = 120;
        let session_id = store::new_id();
        let starts = at(day, hour);
        let row = SessionRow {
            id: session_id.clone(),
            forum_id: forum.id.clone(),
            level: forum.level.clone(),
            owner_unit_id: forum.owner_unit_id.clone(),
            topic,
            theme_id: theme.map(|t| t.id.clone()).unwrap_or_default(),
            teaching_minutes: if speaker_id.is_empty() {
                0
            } else {
                i32::try_from(hours::teaching_minutes(120, 100)).unwrap_or(0)
            },
            speaker_cadre_id: speaker_id.clone(),
            speaker_name,
            speaker_affiliation: affiliation,
            starts_at: starts,
            ends_at: starts + chrono::Duration::hours(2),
            place: format!("{}会议室", forum.owner_unit_name),
            capacity: capacity_of(level),
            credited_minutes: credited,
            expected_audience: i32::try_from(expected).unwrap_or(i32::MAX),
            state: SessionState::Held.code().to_owned(),
            cancel_reason: String::new(),
            held_at: Some(starts + chrono::Duration::hours(2)),
            check_in_code: String::new(),
            created_by: SEEDER.to_owned(),
            created_at: created,
            updated_at: starts,
        };
        let mut order: Vec<&CadreView> = invited.into_iter().filter(|c| c.id != speaker_id).collect();
        order.sort_by_key(|c| spread(&[&session_id, &c.id]));
        let present: Vec<AttendanceRow> = order
            .into_iter()
            .take(attending)
            .map(|c| AttendanceRow {
                id: store::new_id(),
                session_id: session_id.clone(),
                cadre_id: c.id.clone(),
                cadre_name: c.name.clone(),
                method: if spread(&[&c.id]).is_multiple_of(3) { "SIGN_IN_SHEET" } else { "CHECK_IN" }
                    .to_owned(),
                credited_minutes: credited,
                session_starts_at: starts,
                recorded_by: SEEDER.to_owned(),
                recorded_at: starts,
            })
            .collect();
        let count = present.len();
        plan.attendances.extend(present);
        plan.sessions.push((row, (vec![forum.owner_unit_id.clone()], Vec::new()), count));
    }
    plan
}

/// Seeds the demo forums unless the service already has a forum; returns the sessions created.
pub fn seed(conn: &mut DbConn, today: NaiveDate) -> Result<usize, ApiError> {
    audit::lock_chain(conn)?;
    if forum_store::any(conn)? {
        return Ok(0);
    }
    let ctx = CallContext::system(SEEDER);
    let mut themes = HashMap::new();
    for year in (today.year() - 1)..=today.year() {
        let policy = crate::workflow::policy_of_year(conn, year)?;
        let row = DistrictPlanRow {
            year,
            district_minimum: i32::try_from(policy.minimums.district).unwrap_or(0),
            unit_minimum: i32::try_from(policy.minimums.unit).unwrap_or(0),
            village_minimum: i32::try_from(policy.minimums.village).unwrap_or(0),
            set_by: SEEDER.to_owned(),
            updated_at: clock::now(),
        };
        let rows: Vec<ThemeRow> = THEMES
            .iter()
            .enumerate()
            .map(|(i, (title, description))| ThemeRow {
                id: store::new_id(),
                year,
                idx: i32::try_from(i).unwrap_or(0),
                title: (*title).to_owned(),
                description: (*description).to_owned(),
            })
            .collect();
        plan_store::set_district(conn, &row, &rows)?;
        themes.insert(year, rows);
    }
    let units = store::all_units(conn)?;
    let cadres = projection::active_cadres(conn)?;
    let plan = build(&units, &cadres, today, &themes);
    forum_store::insert_all(conn, &plan.forums)?;
    let with_audience: Vec<(SessionRow, AudienceLists)> =
        plan.sessions.iter().map(|(row, audience, _)| (row.clone(), audience.clone())).collect();
    session_store::insert_all(conn, &with_audience)?;
    attendance_store::insert_all(conn, &plan.attendances)?;
    let mut held: HashMap<(String, i32), i32> = HashMap::new();
    for (row, _, _) in &plan.sessions {
        *held
            .entry((
                row.forum_id.clone(),
                store::instant(row.starts_at).with_timezone(&clock::district_offset()).year(),
            ))
            .or_default() += 1;
    }
    let mut plans = Vec::new();
    for forum in &plan.forums {
        for year in (today.year() - 1)..=today.year() {
            let level = ForumLevel::from_code(&forum.level).unwrap_or(ForumLevel::Village);
            let minimum = i32::try_from(crate::workflow::minimums(conn, year)?.of(level)).unwrap_or(0);
            let planned = held.get(&(forum.id.clone(), year)).copied().unwrap_or(0).max(minimum);
            plans.push(ForumPlanRow {
                forum_id: forum.id.clone(),
                year,
                planned_sessions: planned,
                planned_by: SEEDER.to_owned(),
                updated_at: clock::now(),
            });
        }
    }
    plan_store::insert_forum_plans(conn, &plans)?;
    let mut tx = Tx::new(conn, &ctx);
    for forum in &plan.forums {
        events::forum_approved(&mut tx, &view::forum(forum))?;
    }
    for (row, audience, count) in &plan.sessions {
        let session = view::session(row, audience, i64::try_from(*count).unwrap_or(0));
        events::session_held(&mut tx, &session, row.teaching_minutes)?;
    }
    let entry = AuditEntry {
        method: "cadre dev: seed demo forums".to_owned(),
        object_type: "forum".to_owned(),
        object_id: String::new(),
        outcome: "OK".to_owned(),
        request_id: String::new(),
    };
    audit::append(tx.conn(), &ctx, &entry)?;
    Ok(plan.sessions.len())
}

/// Waits until the projection has caught up with a directory that has people, then seeds the demo forums
/// once; gives up quietly at shutdown.
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
        match db.run(|conn| Ok(!projection::active_cadres(conn)?.is_empty())).await {
            Ok(true) => break,
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "cannot read the projection to seed the demo forums"),
        }
        tokio::select! {
            changed = follower.changed() => if changed.is_err() { return },
            () = shutdown.clone().wait() => return,
        }
    }
    let day = today();
    match db.write(move |conn| seed(conn, day)).await {
        Ok(0) => {}
        Ok(sessions) => {
            db.notify_committed();
            tracing::info!(sessions, "seeded the demo district's forums");
        }
        Err(error) => tracing::warn!(%error, "the demo forums were not seeded"),
    }
}

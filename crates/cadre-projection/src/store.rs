//! The projection of the directory: org units with their materialised paths, and the facts about cadres
//! that other services route, scope, rank and assess by, kept current from the directory's event feed; and
//! the cursors of every followed feed (`feed_cursors`).
//!
//! Every event of the directory carries the whole unit or cadre after the change, so applying one is an
//! overwrite, not a delta: replaying a run of events in order converges on the same rows whatever was
//! applied before. Paths live only in `directory_units`; a cadre's paths are joined from there at read
//! time, so a unit move rewrites the subtree's paths and nothing else.
//!
//! Upserts select and then update or insert: `ON CONFLICT` does not go through diesel's `MultiConnection`.

use std::collections::{BTreeSet, HashMap};

use cadre_platform::{ApiError, DbConn, auth::DataScope, clock, dates::date_from, db::MultiBackend};
use cadre_proto::{
    directory::{
        self as dir, CadreCategory, CadreChangedEvent, CadreCreatedEvent, CadreStatus, CadreTransferredEvent,
        Gender, OrgUnitClosedEvent, OrgUnitCreatedEvent, OrgUnitMovedEvent, OrgUnitRenamedEvent,
        OrgUnitState, PostLevel, RankGrade,
    },
    events::Event,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use diesel::{dsl::count_star, prelude::*};
use prost::{Message, Name};

use crate::schema::{directory_cadres, directory_units, feed_cursors};

/// How many ids one `IN (...)` list binds: well under SQLite's and PostgreSQL's limits on parameters.
const CHUNK: usize = 500;

/// An org unit as the directory last described it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = directory_units)]
pub struct UnitView {
    /// The directory's id: the key every other table of the service refers to a unit by.
    pub id: String,
    /// The parent's id; empty for the root (the district).
    pub parent_id: String,
    /// Display name, for approval screens and reports without a call to the directory.
    pub name: String,
    /// Ids from the root down to this unit, `/root/…/id/`: subtree tests are prefix tests on it, the same
    /// materialised path [`DataScope::subtree_paths`] holds.
    pub path: String,
    /// Whether the unit is open; closed units stay so that old records still name their unit.
    pub active: bool,
    /// The directory's code of the unit's kind, e.g. `town`, `district_unit`, `village`.
    pub kind: String,
}

/// The stored row of a cadre, before its units' paths are joined in.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = directory_cadres)]
struct CadreRow {
    id: String,
    name: String,
    gender: String,
    work_start_date: Option<NaiveDate>,
    employing_unit_id: String,
    managing_unit_id: String,
    post_title: String,
    post_level: String,
    is_leader: bool,
    is_team_member: bool,
    is_principal: bool,
    active: bool,
    updated_at: NaiveDateTime,
    birth_date: Option<NaiveDate>,
    category: String,
    status: String,
    post_start_date: Option<NaiveDate>,
    rank_grade: String,
    rank_start_date: Option<NaiveDate>,
}

/// A cadre as the directory last described them: who they are in the tree (units and their paths, for
/// scope), their post (for routing), and the dates and grades other services count by (age, length of
/// service, tenure in post and rank).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadreView {
    /// The directory's id.
    pub id: String,
    /// Full name, for requests, approval screens and reports.
    pub name: String,
    /// `MALE`, `FEMALE`, or empty when the directory has none (some leave types are for one gender).
    pub gender: String,
    /// Start of work (工龄), which sets, e.g., the annual-leave entitlement; `None` when the directory has
    /// none.
    pub work_start_date: Option<NaiveDate>,
    /// The unit that employs the cadre (人事关系所在单位): whose leaders approve and whose headcount counts.
    pub employing_unit_id: String,
    /// The unit that manages the cadre as a cadre (干部管理单位).
    pub managing_unit_id: String,
    /// The employing unit's path; empty while the unit is unknown to the projection.
    pub employing_path: String,
    /// The managing unit's path; empty while the unit is unknown to the projection.
    pub managing_path: String,
    /// Post title, e.g. "副镇长", shown to approvers.
    pub post_title: String,
    /// Post level without its prefix, e.g. `TOWNSHIP_PRINCIPAL`; empty when unspecified.
    pub post_level: String,
    /// Holds a leadership post.
    pub is_leader: bool,
    /// Sits on the unit's leadership team (班子): such a cadre's leave, for one, goes up a tier.
    pub is_team_member: bool,
    /// Is the unit's principal leader (一把手): the unit's approver of last resort.
    pub is_principal: bool,
    /// In post (status active or seconded): only such cadres approve, count toward headcount and may file.
    pub active: bool,
    /// Birth date (年龄); `None` when the directory has none.
    pub birth_date: Option<NaiveDate>,
    /// How the person holds cadre status: `CIVIL_SERVANT`, `REFERENCE_MANAGED`, `PUBLIC_INSTITUTION`,
    /// `VILLAGE`, or empty when the directory has none.
    pub category: String,
    /// Employment status: `ACTIVE`, `SECONDED`, `RETIRED`, `DISMISSED`, or empty when unspecified.
    pub status: String,
    /// When the cadre took the current post (任现职时间); `None` when unknown.
    pub post_start_date: Option<NaiveDate>,
    /// The rank (职级) held, e.g. `RESEARCHER_2`, `STAFF_1`; empty when none.
    pub rank_grade: String,
    /// When the cadre took the rank (the start of its tenure); `None` when no rank or unknown.
    pub rank_start_date: Option<NaiveDate>,
}

impl CadreView {
    /// Whether the post is a principal post of a county or township level (正职), which routes the cadre's
    /// own leave to the level above the unit rather than to a colleague.
    pub fn principal_level_post(&self) -> bool {
        matches!(self.post_level.as_str(), "COUNTY_PRINCIPAL" | "TOWNSHIP_PRINCIPAL")
    }
}

/// The projection's name of a gender: the enum's name without its prefix, empty when unspecified.
fn gender_name(number: i32) -> String {
    match Gender::try_from(number) {
        Ok(Gender::Male) => "MALE".to_owned(),
        Ok(Gender::Female) => "FEMALE".to_owned(),
        _ => String::new(),
    }
}

/// The projection's name of a post level: the enum's name without its prefix, empty when unspecified.
fn post_level_name(number: i32) -> String {
    match PostLevel::try_from(number) {
        Ok(PostLevel::Unspecified) | Err(_) => String::new(),
        Ok(level) => level.as_str_name().trim_start_matches("POST_LEVEL_").to_owned(),
    }
}

/// The projection's name of a proto enum value: its name without `prefix`, empty when unspecified or
/// unknown to this build.
fn enum_name(prefix: &str, name: Option<&str>) -> String {
    match name {
        Some(name) if !name.ends_with("_UNSPECIFIED") => name.strip_prefix(prefix).unwrap_or(name).to_owned(),
        _ => String::new(),
    }
}

fn category_name(number: i32) -> String {
    enum_name("CADRE_CATEGORY_", CadreCategory::try_from(number).ok().map(|c| c.as_str_name()))
}

fn status_name(number: i32) -> String {
    enum_name("CADRE_STATUS_", CadreStatus::try_from(number).ok().map(|c| c.as_str_name()))
}

fn rank_grade_name(number: i32) -> String {
    enum_name("RANK_GRADE_", RankGrade::try_from(number).ok().map(|c| c.as_str_name()))
}

/// The directory's change time, truncated to microseconds as both databases keep it; now when absent.
fn changed_at(time: Option<&prost_types::Timestamp>) -> NaiveDateTime {
    time.and_then(|t| {
        let nanos = u32::try_from(t.nanos).ok()?;
        DateTime::from_timestamp(t.seconds, nanos - nanos % 1000).map(|d| d.naive_utc())
    })
    .unwrap_or_else(clock::now)
}

/// The path of `unit` from its ancestor ids, root first (`/a/b/c/`, the format of the platform's scope
/// paths). The ids end with the unit itself; it is appended if a producer left it out, so a path always
/// names its own unit last.
fn path_of(unit: &dir::OrgUnit) -> String {
    let mut path = String::from("/");
    for id in &unit.ancestor_ids {
        path.push_str(id);
        path.push('/');
    }
    if unit.ancestor_ids.last() != Some(&unit.id) {
        path.push_str(&unit.id);
        path.push('/');
    }
    path
}

/// `LIKE` pattern of everything under `prefix` (inclusive), with the pattern characters escaped by `\`.
fn below(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Moves every unit whose path starts with `old` (the unit itself and its subtree) to start with `new`.
fn rewrite_subtree(conn: &mut DbConn, old: &str, new: &str) -> Result<(), ApiError> {
    let rows: Vec<(String, String)> = directory_units::table
        .filter(directory_units::path.like(below(old)).escape('\\'))
        .select((directory_units::id, directory_units::path))
        .load(conn)?;
    // SQLite's LIKE ignores ASCII case; the prefix test itself is exact.
    for (id, path) in rows.into_iter().filter(|(_, path)| path.starts_with(old)) {
        let rewritten = format!("{new}{}", &path[old.len()..]);
        diesel::update(directory_units::table.find(&id))
            .set(directory_units::path.eq(rewritten))
            .execute(conn)?;
    }
    Ok(())
}

/// Records a unit as the directory describes it. When its path changed (a move), the paths of its whole
/// subtree are rewritten with it.
pub fn upsert_unit(conn: &mut DbConn, unit: &dir::OrgUnit) -> Result<(), ApiError> {
    let path = path_of(unit);
    let active = unit.state != OrgUnitState::Closed as i32;
    let stored: Option<String> =
        directory_units::table.find(&unit.id).select(directory_units::path).first(conn).optional()?;
    match stored {
        Some(old) => {
            if old != path {
                rewrite_subtree(conn, &old, &path)?;
            }
            diesel::update(directory_units::table.find(&unit.id))
                .set((
                    directory_units::parent_id.eq(&unit.parent_id),
                    directory_units::name.eq(&unit.name),
                    directory_units::path.eq(&path),
                    directory_units::active.eq(active),
                    directory_units::kind.eq(&unit.kind),
                ))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(directory_units::table)
                .values((
                    directory_units::id.eq(&unit.id),
                    directory_units::parent_id.eq(&unit.parent_id),
                    directory_units::name.eq(&unit.name),
                    directory_units::path.eq(&path),
                    directory_units::active.eq(active),
                    directory_units::kind.eq(&unit.kind),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

fn cadre_row(cadre: &dir::Cadre) -> CadreRow {
    let post = cadre.post.clone().unwrap_or_default();
    let rank = cadre.rank.unwrap_or_default();
    CadreRow {
        id: cadre.id.clone(),
        name: cadre.name.clone(),
        gender: gender_name(cadre.gender),
        work_start_date: cadre.work_start_date.as_ref().and_then(date_from),
        employing_unit_id: cadre.employing_unit_id.clone(),
        managing_unit_id: cadre.managing_unit_id.clone(),
        post_title: post.title,
        post_level: post_level_name(post.level),
        is_leader: post.is_leader,
        is_team_member: post.is_team_member,
        is_principal: post.is_principal,
        active: matches!(
            CadreStatus::try_from(cadre.status),
            Ok(CadreStatus::Active | CadreStatus::Seconded)
        ),
        updated_at: changed_at(cadre.update_time.as_ref()),
        birth_date: cadre.birth_date.as_ref().and_then(date_from),
        category: category_name(cadre.category),
        status: status_name(cadre.status),
        post_start_date: post.start_date.as_ref().and_then(date_from),
        rank_grade: rank_grade_name(rank.grade),
        rank_start_date: rank.start_date.as_ref().and_then(date_from),
    }
}

/// Records a cadre as the directory describes it.
pub fn upsert_cadre(conn: &mut DbConn, cadre: &dir::Cadre) -> Result<(), ApiError> {
    let row = cadre_row(cadre);
    let updated = diesel::update(directory_cadres::table.find(&row.id)).set(&row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(directory_cadres::table).values(&row).execute(conn)?;
    }
    Ok(())
}

/// Moves a cadre to other employing and managing units. Returns whether the cadre was known: an unknown
/// one is left for its `CadreChangedEvent`, which carries the whole record. An empty id leaves that unit.
pub fn transfer(
    conn: &mut DbConn,
    cadre_id: &str,
    employing: &str,
    managing: &str,
) -> Result<bool, ApiError> {
    let Some(row) = directory_cadres::table
        .find(cadre_id)
        .select((directory_cadres::employing_unit_id, directory_cadres::managing_unit_id))
        .first::<(String, String)>(conn)
        .optional()?
    else {
        return Ok(false);
    };
    let employing = if employing.is_empty() { row.0 } else { employing.to_owned() };
    let managing = if managing.is_empty() { row.1 } else { managing.to_owned() };
    diesel::update(directory_cadres::table.find(cadre_id))
        .set((
            directory_cadres::employing_unit_id.eq(employing),
            directory_cadres::managing_unit_id.eq(managing),
        ))
        .execute(conn)?;
    Ok(true)
}

fn decode<M: Message + Default>(any: &prost_types::Any) -> Result<M, ApiError> {
    M::decode(any.value.as_slice()).map_err(|e| {
        ApiError::invalid_argument("EVENT_UNREADABLE", format!("cannot decode {}: {e}", any.type_url))
    })
}

fn missing(what: &str) -> ApiError {
    ApiError::invalid_argument("EVENT_UNREADABLE", format!("a directory event without its {what}"))
}

/// Applies one event of the directory's feed. Returns whether it was one the projection follows; other
/// types are ignored, so a consumer may watch the whole feed. A payload of a followed type that cannot be
/// read is `INVALID_ARGUMENT` (`EVENT_UNREADABLE`): retrying cannot help, and the caller decides whether to
/// skip it.
pub fn apply_event(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
    let Some(any) = &event.payload else { return Ok(false) };
    let name = any.type_url.rsplit('/').next().unwrap_or_default();
    if name == OrgUnitCreatedEvent::full_name() {
        let unit = decode::<OrgUnitCreatedEvent>(any)?.org_unit.ok_or_else(|| missing("org_unit"))?;
        upsert_unit(conn, &unit)?;
    } else if name == OrgUnitRenamedEvent::full_name() {
        let unit = decode::<OrgUnitRenamedEvent>(any)?.org_unit.ok_or_else(|| missing("org_unit"))?;
        upsert_unit(conn, &unit)?;
    } else if name == OrgUnitMovedEvent::full_name() {
        let unit = decode::<OrgUnitMovedEvent>(any)?.org_unit.ok_or_else(|| missing("org_unit"))?;
        upsert_unit(conn, &unit)?;
    } else if name == OrgUnitClosedEvent::full_name() {
        let unit = decode::<OrgUnitClosedEvent>(any)?.org_unit.ok_or_else(|| missing("org_unit"))?;
        upsert_unit(conn, &unit)?;
    } else if name == CadreCreatedEvent::full_name() {
        let cadre = decode::<CadreCreatedEvent>(any)?.cadre.ok_or_else(|| missing("cadre"))?;
        upsert_cadre(conn, &cadre)?;
    } else if name == CadreChangedEvent::full_name() {
        let cadre = decode::<CadreChangedEvent>(any)?.cadre.ok_or_else(|| missing("cadre"))?;
        upsert_cadre(conn, &cadre)?;
    } else if name == CadreTransferredEvent::full_name() {
        let moved = decode::<CadreTransferredEvent>(any)?;
        transfer(conn, &moved.cadre_id, &moved.employing_unit_id, &moved.managing_unit_id)?;
    } else {
        return Ok(false);
    }
    Ok(true)
}

/// The full names of the payloads [`apply_event`] follows, for `WatchRequest.event_types`.
pub fn followed_event_types() -> Vec<String> {
    vec![
        OrgUnitCreatedEvent::full_name(),
        OrgUnitRenamedEvent::full_name(),
        OrgUnitMovedEvent::full_name(),
        OrgUnitClosedEvent::full_name(),
        CadreCreatedEvent::full_name(),
        CadreChangedEvent::full_name(),
        CadreTransferredEvent::full_name(),
    ]
}

/// Marks inactive every unit and cadre not in the given sets: after a relist, what the directory no longer
/// lists is not in post, but its rows stay so that old records still name it.
pub fn retire_unlisted(
    conn: &mut DbConn,
    unit_ids: &BTreeSet<String>,
    cadre_ids: &BTreeSet<String>,
) -> Result<(), ApiError> {
    let units: Vec<String> =
        directory_units::table.filter(directory_units::active).select(directory_units::id).load(conn)?;
    let gone: Vec<String> = units.into_iter().filter(|id| !unit_ids.contains(id)).collect();
    for chunk in gone.chunks(CHUNK) {
        diesel::update(directory_units::table.filter(directory_units::id.eq_any(chunk)))
            .set(directory_units::active.eq(false))
            .execute(conn)?;
    }
    let cadres: Vec<String> =
        directory_cadres::table.filter(directory_cadres::active).select(directory_cadres::id).load(conn)?;
    let gone: Vec<String> = cadres.into_iter().filter(|id| !cadre_ids.contains(id)).collect();
    for chunk in gone.chunks(CHUNK) {
        diesel::update(directory_cadres::table.filter(directory_cadres::id.eq_any(chunk)))
            .set(directory_cadres::active.eq(false))
            .execute(conn)?;
    }
    Ok(())
}

/// The paths of the given units, for joining into cadre views.
fn paths_of(conn: &mut DbConn, ids: BTreeSet<&str>) -> Result<HashMap<String, String>, ApiError> {
    let ids: Vec<&str> = ids.into_iter().filter(|id| !id.is_empty()).collect();
    let mut paths = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = directory_units::table
            .filter(directory_units::id.eq_any(chunk))
            .select((directory_units::id, directory_units::path))
            .load(conn)?;
        paths.extend(rows);
    }
    Ok(paths)
}

/// Joins the units' paths into stored rows.
fn views(conn: &mut DbConn, rows: Vec<CadreRow>) -> Result<Vec<CadreView>, ApiError> {
    let units =
        rows.iter().flat_map(|r| [r.employing_unit_id.as_str(), r.managing_unit_id.as_str()]).collect();
    let paths = paths_of(conn, units)?;
    let path = |id: &str| paths.get(id).cloned().unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|row| CadreView {
            employing_path: path(&row.employing_unit_id),
            managing_path: path(&row.managing_unit_id),
            id: row.id,
            name: row.name,
            gender: row.gender,
            work_start_date: row.work_start_date,
            employing_unit_id: row.employing_unit_id,
            managing_unit_id: row.managing_unit_id,
            post_title: row.post_title,
            post_level: row.post_level,
            is_leader: row.is_leader,
            is_team_member: row.is_team_member,
            is_principal: row.is_principal,
            active: row.active,
            birth_date: row.birth_date,
            category: row.category,
            status: row.status,
            post_start_date: row.post_start_date,
            rank_grade: row.rank_grade,
            rank_start_date: row.rank_start_date,
        })
        .collect())
}

/// A cadre by id, active or not; `None` when the projection has not heard of it.
pub fn cadre(conn: &mut DbConn, id: &str) -> Result<Option<CadreView>, ApiError> {
    let rows: Vec<CadreRow> = directory_cadres::table.find(id).select(CadreRow::as_select()).load(conn)?;
    Ok(views(conn, rows)?.pop())
}

/// The cadres of `ids` that the projection knows, in the order of `ids`, each once.
pub fn cadres(conn: &mut DbConn, ids: &[String]) -> Result<Vec<CadreView>, ApiError> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<CadreRow> = directory_cadres::table
            .filter(directory_cadres::id.eq_any(chunk))
            .select(CadreRow::as_select())
            .load(conn)?;
        rows.extend(found);
    }
    let mut by_id: HashMap<String, CadreView> =
        views(conn, rows)?.into_iter().map(|v| (v.id.clone(), v)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// A unit by id, open or closed.
pub fn unit(conn: &mut DbConn, id: &str) -> Result<Option<UnitView>, ApiError> {
    Ok(directory_units::table.find(id).select(UnitView::as_select()).first(conn).optional()?)
}

/// The unit's principal leader (一把手): an active cadre employed in the unit itself with a principal post.
/// Should the directory hold several, the lowest id is taken, so every caller routes to the same one.
pub fn unit_principal(conn: &mut DbConn, unit_id: &str) -> Result<Option<CadreView>, ApiError> {
    let rows: Vec<CadreRow> = directory_cadres::table
        .filter(directory_cadres::employing_unit_id.eq(unit_id))
        .filter(directory_cadres::is_principal)
        .filter(directory_cadres::active)
        .order(directory_cadres::id.asc())
        .limit(1)
        .select(CadreRow::as_select())
        .load(conn)?;
    Ok(views(conn, rows)?.pop())
}

/// Active cadres employed in the unit itself (not its subtree): the denominator of the on-duty ratio.
pub fn headcount(conn: &mut DbConn, unit_id: &str) -> Result<u32, ApiError> {
    let count: i64 = directory_cadres::table
        .filter(directory_cadres::employing_unit_id.eq(unit_id))
        .filter(directory_cadres::active)
        .select(count_star())
        .first(conn)?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// A SQL condition on cadres.
type Condition =
    Box<dyn BoxableExpression<directory_cadres::table, MultiBackend, SqlType = diesel::sql_types::Bool>>;

/// The ids of the cadres `scope` sees, ordered by id; `None` for the whole district (no filter needed).
///
/// A cadre is in scope when its employing or managing unit is under a subtree of the scope or is one of the
/// scope's units, or when it is the caller's own record: the rule the directory applies to its cadre
/// records, here over the projection so that a service filters without asking it.
pub fn cadre_ids_in_scope(conn: &mut DbConn, scope: &DataScope) -> Result<Option<Vec<String>>, ApiError> {
    if scope.is_district() {
        return Ok(None);
    }
    let mut condition: Condition = Box::new(false.into_sql::<diesel::sql_types::Bool>());
    for path in scope.subtree_paths() {
        // Unit ids carry no ASCII letters whose case SQLite's LIKE could confuse (UUIDs are lowercase hex).
        let under = || {
            directory_units::table
                .filter(directory_units::path.like(below(path)).escape('\\'))
                .select(directory_units::id)
        };
        condition = Box::new(
            condition.or(directory_cadres::employing_unit_id
                .eq_any(under())
                .or(directory_cadres::managing_unit_id.eq_any(under()))),
        );
    }
    for chunk in scope.units().chunks(CHUNK) {
        let units = chunk.to_vec();
        condition = Box::new(
            condition.or(directory_cadres::employing_unit_id
                .eq_any(units.clone())
                .or(directory_cadres::managing_unit_id.eq_any(units))),
        );
    }
    if let Some(own) = scope.own_cadre() {
        condition = Box::new(condition.or(directory_cadres::id.eq(own.to_owned())));
    }
    let mut ids: Vec<String> = directory_cadres::table
        .filter(condition)
        .select(directory_cadres::id)
        .order(directory_cadres::id.asc())
        .load(conn)?;
    if let Some(own) = scope.own_cadre()
        && let Err(at) = ids.binary_search_by(|id| id.as_str().cmp(own))
    {
        // The caller's own record is in scope even before the projection has heard of it.
        ids.insert(at, own.to_owned());
    }
    Ok(Some(ids))
}

/// The ids of the units `scope` sees by unit or subtree, sorted; `None` for the whole district. The caller's
/// own record adds no unit.
pub fn unit_ids_in_scope(conn: &mut DbConn, scope: &DataScope) -> Result<Option<Vec<String>>, ApiError> {
    if scope.is_district() {
        return Ok(None);
    }
    let mut ids: Vec<String> = scope.units().to_vec();
    for path in scope.subtree_paths() {
        if let Some(top) = path.trim_end_matches('/').rsplit('/').next().filter(|id| !id.is_empty()) {
            ids.extend(units_in_subtree(conn, top)?.into_iter().map(|u| u.id));
        }
    }
    ids.sort();
    ids.dedup();
    Ok(Some(ids))
}

/// Whether `scope` admits the unit `unit_id` (by unit or subtree): the rule of [`unit_ids_in_scope`] for
/// one unit.
pub fn unit_in_scope(conn: &mut DbConn, scope: &DataScope, unit_id: &str) -> Result<bool, ApiError> {
    if scope.is_district() || scope.units().iter().any(|u| u == unit_id) {
        return Ok(true);
    }
    Ok(unit(conn, unit_id)?.is_some_and(|unit| scope.admits_unit(&unit.path)))
}

/// Whether `scope` admits the cadre `cadre_id`: the rule of [`cadre_ids_in_scope`] for one record.
pub fn cadre_in_scope(conn: &mut DbConn, scope: &DataScope, cadre_id: &str) -> Result<bool, ApiError> {
    if scope.is_district() || scope.own_cadre() == Some(cadre_id) {
        return Ok(true);
    }
    let Some(cadre) = cadre(conn, cadre_id)? else { return Ok(false) };
    let units = [cadre.employing_unit_id.as_str(), cadre.managing_unit_id.as_str()];
    let paths: Vec<&str> = [cadre.employing_path.as_str(), cadre.managing_path.as_str()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    Ok(scope.admits(&paths, None) || units.iter().any(|u| scope.units().iter().any(|s| s == u)))
}

/// The condition "employed in the unit or anywhere below it". An unknown unit has no subtree: only cadres
/// employed in it directly match.
fn employed_under(conn: &mut DbConn, unit_id: &str) -> Result<Condition, ApiError> {
    Ok(match unit(conn, unit_id)? {
        Some(unit) => {
            let under = directory_units::table
                .filter(directory_units::path.like(below(&unit.path)).escape('\\'))
                .select(directory_units::id);
            Box::new(directory_cadres::employing_unit_id.eq_any(under))
        }
        None => Box::new(directory_cadres::employing_unit_id.eq(unit_id.to_owned())),
    })
}

/// The ids of the cadres, active or not, employed in the unit or anywhere below it, ordered by id. An
/// unknown unit has no subtree: only cadres employed in it directly are returned.
pub fn cadre_ids_in_subtree(conn: &mut DbConn, unit_id: &str) -> Result<Vec<String>, ApiError> {
    let condition = employed_under(conn, unit_id)?;
    Ok(directory_cadres::table
        .filter(condition)
        .select(directory_cadres::id)
        .order(directory_cadres::id.asc())
        .load(conn)?)
}

/// The cadres in post employed in the unit or anywhere below it, ordered by id: the population of a unit's
/// reports, quotas and assessments. An unknown unit has no subtree: only cadres employed in it directly are
/// returned.
pub fn cadres_in_subtree(conn: &mut DbConn, unit_id: &str) -> Result<Vec<CadreView>, ApiError> {
    subtree_cadres(conn, unit_id, true)
}

/// As [`cadres_in_subtree`], retired, dismissed and unlisted cadres included.
pub fn all_cadres_in_subtree(conn: &mut DbConn, unit_id: &str) -> Result<Vec<CadreView>, ApiError> {
    subtree_cadres(conn, unit_id, false)
}

fn subtree_cadres(conn: &mut DbConn, unit_id: &str, active_only: bool) -> Result<Vec<CadreView>, ApiError> {
    let condition = employed_under(conn, unit_id)?;
    let mut query = directory_cadres::table
        .filter(condition)
        .select(CadreRow::as_select())
        .order(directory_cadres::id.asc())
        .into_boxed();
    if active_only {
        query = query.filter(directory_cadres::active);
    }
    let rows: Vec<CadreRow> = query.load(conn)?;
    views(conn, rows)
}

/// The unit and every unit below it, open or closed, in tree order: each unit before its children, siblings
/// by id (the order of their paths). Empty for an unknown unit.
pub fn units_in_subtree(conn: &mut DbConn, unit_id: &str) -> Result<Vec<UnitView>, ApiError> {
    let Some(top) = unit(conn, unit_id)? else { return Ok(Vec::new()) };
    let mut units: Vec<UnitView> = directory_units::table
        .filter(directory_units::path.like(below(&top.path)).escape('\\'))
        .select(UnitView::as_select())
        .load(conn)?;
    // SQLite's LIKE ignores ASCII case; the prefix test itself is exact. Sorting here rather than in SQL
    // keeps the order byte-wise on PostgreSQL too, whatever the database's collation.
    units.retain(|u| u.path.starts_with(&top.path));
    units.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(units)
}

/// The cadres in post employed in the unit itself (not its subtree), ordered by id: a unit's own staff,
/// e.g. its leadership team (班子).
pub fn cadres_employed_in(conn: &mut DbConn, unit_id: &str) -> Result<Vec<CadreView>, ApiError> {
    let rows: Vec<CadreRow> = directory_cadres::table
        .filter(directory_cadres::employing_unit_id.eq(unit_id))
        .filter(directory_cadres::active)
        .order(directory_cadres::id.asc())
        .select(CadreRow::as_select())
        .load(conn)?;
    views(conn, rows)
}

/// Every cadre in post, ordered by id: the population of district-wide reports and sweeps.
pub fn active_cadres(conn: &mut DbConn) -> Result<Vec<CadreView>, ApiError> {
    let rows: Vec<CadreRow> = directory_cadres::table
        .filter(directory_cadres::active)
        .order(directory_cadres::id.asc())
        .select(CadreRow::as_select())
        .load(conn)?;
    views(conn, rows)
}

/// Where the projection has read `source`'s feed up to; `None` before its first event.
pub fn cursor(conn: &mut DbConn, source: &str) -> Result<Option<String>, ApiError> {
    Ok(feed_cursors::table.find(source).select(feed_cursors::cursor).first(conn).optional()?)
}

/// Records where the projection has read `source`'s feed up to. Call it in the transaction that applied
/// the events before it, so the rows and the cursor cannot disagree.
pub fn save_cursor(conn: &mut DbConn, source: &str, cursor: &str) -> Result<(), ApiError> {
    let now = clock::now();
    let updated = diesel::update(feed_cursors::table.find(source))
        .set((feed_cursors::cursor.eq(cursor), feed_cursors::updated_at.eq(now)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(feed_cursors::table)
            .values((
                feed_cursors::source.eq(source),
                feed_cursors::cursor.eq(cursor),
                feed_cursors::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Moves `source`'s cursor from `expected` (`None`: no cursor yet) to `cursor`, only if it is still at
/// `expected`. Returns `false` when another follower (a second replica) moved it meanwhile: the caller then
/// resumes from the stored cursor instead of applying events out of order over the other's work.
///
/// The conditional `UPDATE` takes the row lock before it re-checks, so on PostgreSQL two replicas cannot
/// both pass; on SQLite the write transaction already serialises them.
pub fn advance_cursor(
    conn: &mut DbConn,
    source: &str,
    expected: Option<&str>,
    cursor: &str,
) -> Result<bool, ApiError> {
    let now = clock::now();
    match expected {
        Some(expected) => {
            let updated = diesel::update(
                feed_cursors::table
                    .filter(feed_cursors::source.eq(source))
                    .filter(feed_cursors::cursor.eq(expected)),
            )
            .set((feed_cursors::cursor.eq(cursor), feed_cursors::updated_at.eq(now)))
            .execute(conn)?;
            Ok(updated == 1)
        }
        None => {
            let exists: i64 = feed_cursors::table
                .filter(feed_cursors::source.eq(source))
                .select(count_star())
                .first(conn)?;
            if exists > 0 {
                return Ok(false);
            }
            // A replica inserting the same row at the same moment fails on the key: that is retried.
            diesel::insert_into(feed_cursors::table)
                .values((
                    feed_cursors::source.eq(source),
                    feed_cursors::cursor.eq(cursor),
                    feed_cursors::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_drop_their_enum_prefix() {
        assert_eq!(gender_name(Gender::Female as i32), "FEMALE");
        assert_eq!(gender_name(0), "");
        assert_eq!(post_level_name(PostLevel::TownshipPrincipal as i32), "TOWNSHIP_PRINCIPAL");
        assert_eq!(post_level_name(PostLevel::None as i32), "NONE");
        assert_eq!(post_level_name(0), "");
        assert_eq!(post_level_name(99), "");
    }

    #[test]
    fn categories_statuses_and_grades_drop_their_prefix() {
        assert_eq!(category_name(CadreCategory::CivilServant as i32), "CIVIL_SERVANT");
        assert_eq!(category_name(CadreCategory::Village as i32), "VILLAGE");
        assert_eq!(category_name(0), "");
        assert_eq!(status_name(CadreStatus::Seconded as i32), "SECONDED");
        assert_eq!(status_name(CadreStatus::Dismissed as i32), "DISMISSED");
        assert_eq!(status_name(0), "");
        assert_eq!(rank_grade_name(RankGrade::Researcher2 as i32), "RESEARCHER_2");
        assert_eq!(rank_grade_name(RankGrade::PrincipalStaff1 as i32), "PRINCIPAL_STAFF_1");
        assert_eq!(rank_grade_name(RankGrade::Staff1 as i32), "STAFF_1");
        assert_eq!(rank_grade_name(0), "");
        assert_eq!(rank_grade_name(99), "");
    }

    #[test]
    fn paths_end_with_the_unit_and_patterns_escape() {
        let unit =
            dir::OrgUnit { id: "c".into(), ancestor_ids: vec!["a".into(), "b".into()], ..Default::default() };
        assert_eq!(path_of(&unit), "/a/b/c/");
        let unit = dir::OrgUnit { ancestor_ids: vec!["a".into(), "b".into(), "c".into()], ..unit };
        assert_eq!(path_of(&unit), "/a/b/c/");
        assert_eq!(below("/a_b/%/"), "/a\\_b/\\%/%");
    }

    #[test]
    fn principal_level_posts() {
        let view = |level: &str| CadreView {
            id: String::new(),
            name: String::new(),
            gender: String::new(),
            work_start_date: None,
            employing_unit_id: String::new(),
            managing_unit_id: String::new(),
            employing_path: String::new(),
            managing_path: String::new(),
            post_title: String::new(),
            post_level: level.to_owned(),
            is_leader: false,
            is_team_member: false,
            is_principal: false,
            active: true,
            birth_date: None,
            category: String::new(),
            status: "ACTIVE".to_owned(),
            post_start_date: None,
            rank_grade: String::new(),
            rank_start_date: None,
        };
        assert!(view("COUNTY_PRINCIPAL").principal_level_post());
        assert!(view("TOWNSHIP_PRINCIPAL").principal_level_post());
        assert!(!view("TOWNSHIP_DEPUTY").principal_level_post());
        assert!(!view("").principal_level_post());
    }
}

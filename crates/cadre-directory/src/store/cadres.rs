//! Cadre records and their change history.

use cadre_platform::db::MultiBackend;
use cadre_platform::{ApiError, DbConn, auth::DataScope, clock};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::Value;

use super::{
    Lookup,
    schema::{cadre_changes, cadres, org_units},
};
use crate::domain::{
    cadre::{Cadre, CadreData, Post, Rank, diff, work_period_from_json, work_period_json},
    citizen_id::{CitizenId, Gender},
    codes::{CadreCategory, CadreStatus, Education, PostLevel, RankGrade},
};

/// A stored cadre row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = cadres, treat_none_as_null = true)]
pub struct CadreRow {
    id: String,
    external_id: Option<String>,
    name: String,
    gender: String,
    citizen_id: String,
    birth_date: NaiveDate,
    work_start_date: Option<NaiveDate>,
    party_entry_date: Option<NaiveDate>,
    education: String,
    category: String,
    employing_unit_id: String,
    managing_unit_id: String,
    post_title: String,
    post_level: String,
    is_leader: bool,
    is_team_member: bool,
    is_principal: bool,
    post_start_date: Option<NaiveDate>,
    rank_grade: Option<String>,
    rank_start_date: Option<NaiveDate>,
    status: String,
    work_history: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn gender_code(gender: Gender) -> &'static str {
    match gender {
        Gender::Male => "male",
        Gender::Female => "female",
    }
}

impl CadreRow {
    fn from_domain(cadre: &Cadre) -> Self {
        let data = &cadre.data;
        Self {
            id: cadre.id.clone(),
            external_id: data.external_id.clone(),
            name: data.name.clone(),
            gender: gender_code(data.gender).to_owned(),
            citizen_id: data.citizen_id.as_str().to_owned(),
            birth_date: data.birth_date,
            work_start_date: data.work_start_date,
            party_entry_date: data.party_entry_date,
            education: data.education.code().to_owned(),
            category: data.category.code().to_owned(),
            employing_unit_id: data.employing_unit_id.clone(),
            managing_unit_id: data.managing_unit_id.clone(),
            post_title: data.post.title.clone(),
            post_level: data.post.level.code().to_owned(),
            is_leader: data.post.is_leader,
            is_team_member: data.post.is_team_member,
            is_principal: data.post.is_principal,
            post_start_date: data.post.start_date,
            rank_grade: data.rank.map(|r| r.grade.code().to_owned()),
            rank_start_date: data.rank.map(|r| r.start_date),
            status: data.status.code().to_owned(),
            work_history: Value::Array(data.work_history.iter().map(work_period_json).collect()).to_string(),
            version: cadre.version,
            created_at: cadre.created_at,
            updated_at: cadre.updated_at,
        }
    }

    fn into_domain(self) -> Result<Cadre, ApiError> {
        let corrupt =
            |what: &str| ApiError::internal(format!("cadre {}: stored {what} is not valid", self.id));
        let history: Value = serde_json::from_str(&self.work_history).map_err(|_| corrupt("work history"))?;
        let work_history = history
            .as_array()
            .ok_or_else(|| corrupt("work history"))?
            .iter()
            .map(|p| work_period_from_json(p).ok_or_else(|| corrupt("work period")))
            .collect::<Result<Vec<_>, _>>()?;
        let rank = match (&self.rank_grade, self.rank_start_date) {
            (Some(grade), Some(start_date)) => {
                Some(Rank { grade: RankGrade::from_code(grade).ok_or_else(|| corrupt("rank"))?, start_date })
            }
            _ => None,
        };
        let data = CadreData {
            external_id: self.external_id.clone(),
            name: self.name.clone(),
            gender: match self.gender.as_str() {
                "male" => Gender::Male,
                "female" => Gender::Female,
                _ => return Err(corrupt("gender")),
            },
            citizen_id: CitizenId::parse(&self.citizen_id).map_err(|_| corrupt("citizen id"))?,
            birth_date: self.birth_date,
            work_start_date: self.work_start_date,
            party_entry_date: self.party_entry_date,
            education: Education::from_code(&self.education).ok_or_else(|| corrupt("education"))?,
            category: CadreCategory::from_code(&self.category).ok_or_else(|| corrupt("category"))?,
            employing_unit_id: self.employing_unit_id.clone(),
            managing_unit_id: self.managing_unit_id.clone(),
            post: Post {
                title: self.post_title.clone(),
                level: PostLevel::from_code(&self.post_level).ok_or_else(|| corrupt("post level"))?,
                is_leader: self.is_leader,
                is_team_member: self.is_team_member,
                is_principal: self.is_principal,
                start_date: self.post_start_date,
            },
            rank,
            status: CadreStatus::from_code(&self.status).ok_or_else(|| corrupt("status"))?,
            work_history,
        };
        Ok(Cadre {
            id: self.id,
            data,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Maps a unique-key clash on insert or update to the field that clashed.
fn unique_clash(error: diesel::result::Error) -> ApiError {
    let error = ApiError::from(error);
    if error.code() != tonic::Code::AlreadyExists {
        return error;
    }
    let text = format!("{error:?}");
    if text.contains("external_id") {
        ApiError::already_exists("CADRE_EXTERNAL_ID_TAKEN", "another cadre has this external id")
            .with_violation("cadre.external_id", "already used")
    } else {
        ApiError::already_exists("CADRE_CITIZEN_ID_TAKEN", "another cadre has this citizen id")
            .with_violation("cadre.citizen_id", "already used")
    }
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = cadre_changes)]
pub struct ChangeRow {
    /// Id.
    pub id: String,
    /// The cadre.
    pub cadre_id: String,
    /// Version produced.
    pub version: i64,
    /// When.
    pub changed_at: NaiveDateTime,
    /// Who.
    pub actor: String,
    /// CREATED, UPDATED, TRANSFERRED, IMPORTED.
    pub kind: String,
    /// Comma-separated field paths.
    pub changed_fields: String,
    /// JSON of previous values.
    pub before_json: String,
    /// JSON of new values.
    pub after_json: String,
}

fn record_change(
    conn: &mut DbConn,
    cadre: &Cadre,
    actor: &str,
    kind: &str,
    fields: &[&str],
    before: &Value,
    after: &Value,
) -> Result<(), ApiError> {
    let row = ChangeRow {
        id: super::new_id(),
        cadre_id: cadre.id.clone(),
        version: cadre.version,
        changed_at: cadre.updated_at,
        actor: actor.to_owned(),
        kind: kind.to_owned(),
        changed_fields: fields.join(","),
        before_json: before.to_string(),
        after_json: after.to_string(),
    };
    diesel::insert_into(cadre_changes::table).values(&row).execute(conn)?;
    Ok(())
}

/// Inserts a new cadre and its first history entry.
pub fn insert(conn: &mut DbConn, data: CadreData, actor: &str, kind: &str) -> Result<Cadre, ApiError> {
    let now = clock::now();
    let cadre = Cadre { id: super::new_id(), data, version: 1, created_at: now, updated_at: now };
    diesel::insert_into(cadres::table)
        .values(&CadreRow::from_domain(&cadre))
        .execute(conn)
        .map_err(unique_clash)?;
    let after = serde_json::to_value(cadre.data.field_values()).unwrap_or(Value::Null);
    record_change(conn, &cadre, actor, kind, &[], &Value::Null, &after)?;
    Ok(cadre)
}

/// Replaces a cadre's data, recording what changed. Returns the new record and the changed fields
/// (empty when nothing changed, in which case nothing is written).
pub fn update(
    conn: &mut DbConn,
    current: &Cadre,
    data: CadreData,
    actor: &str,
    kind: &str,
) -> Result<(Cadre, Vec<&'static str>), ApiError> {
    let (changed, before, after) = diff(&current.data, &data);
    if changed.is_empty() {
        return Ok((current.clone(), changed));
    }
    let updated = Cadre { data, version: current.version + 1, updated_at: clock::now(), ..current.clone() };
    let touched = diesel::update(cadres::table.find(&current.id).filter(cadres::version.eq(current.version)))
        .set(&CadreRow::from_domain(&updated))
        .execute(conn)
        .map_err(unique_clash)?;
    if touched == 0 {
        return Err(ApiError::aborted("CONCURRENT_CHANGE", "the cadre changed meanwhile; read it again"));
    }
    let to_json = |m| serde_json::to_value(m).unwrap_or(Value::Null);
    record_change(conn, &updated, actor, kind, &changed, &to_json(before), &to_json(after))?;
    Ok((updated, changed))
}

/// A cadre by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<Cadre>, ApiError> {
    cadres::table
        .find(id)
        .select(CadreRow::as_select())
        .first(conn)
        .optional()?
        .map(CadreRow::into_domain)
        .transpose()
}

/// A SQL condition on cadres.
type Condition = Box<dyn BoxableExpression<cadres::table, MultiBackend, SqlType = diesel::sql_types::Bool>>;

/// The data scope as a condition on cadres (employing or managing unit in scope, or the caller's own
/// record); `None` for the whole district. Lists and single reads both go through it, so they agree.
fn in_scope(scope: &DataScope) -> Option<Condition> {
    if scope.is_district() {
        return None;
    }
    let mut condition: Condition = Box::new(false.into_sql::<diesel::sql_types::Bool>());
    for path in scope.subtree_paths() {
        let below =
            || org_units::table.filter(org_units::path.like(format!("{path}%"))).select(org_units::id);
        condition = Box::new(
            condition
                .or(cadres::employing_unit_id.eq_any(below()).or(cadres::managing_unit_id.eq_any(below()))),
        );
    }
    if !scope.units().is_empty() {
        let units = scope.units().to_vec();
        condition =
            Box::new(condition.or(
                cadres::employing_unit_id.eq_any(units.clone()).or(cadres::managing_unit_id.eq_any(units)),
            ));
    }
    if let Some(own) = scope.own_cadre() {
        condition = Box::new(condition.or(cadres::id.eq(own.to_owned())));
    }
    Some(condition)
}

/// A cadre by id as `scope` sees it.
pub fn lookup(conn: &mut DbConn, id: &str, scope: &DataScope) -> Result<Lookup<Cadre>, ApiError> {
    let mut query = cadres::table.filter(cadres::id.eq(id.to_owned())).into_boxed();
    if let Some(condition) = in_scope(scope) {
        query = query.filter(condition);
    }
    match query.select(CadreRow::as_select()).first(conn).optional()? {
        Some(row) => Ok(Lookup::Found(row.into_domain()?)),
        None if get(conn, id)?.is_some() => Ok(Lookup::Hidden),
        None => Ok(Lookup::Absent),
    }
}

/// A cadre by id, or NOT_FOUND naming `field`.
pub fn require(conn: &mut DbConn, id: &str, field: &str) -> Result<Cadre, ApiError> {
    get(conn, id)?.ok_or_else(|| {
        ApiError::not_found("CADRE_NOT_FOUND", format!("no cadre {id}"))
            .with_violation(field, "no such cadre")
    })
}

/// A cadre by the HR system's id.
pub fn by_external_id(conn: &mut DbConn, external_id: &str) -> Result<Option<Cadre>, ApiError> {
    cadres::table
        .filter(cadres::external_id.eq(external_id))
        .select(CadreRow::as_select())
        .first(conn)
        .optional()?
        .map(CadreRow::into_domain)
        .transpose()
}

/// Search filters (AND).
#[derive(Debug, Clone, Default)]
pub struct CadreFilter {
    /// Name contains.
    pub name_contains: Option<String>,
    /// Employing or managing unit below this path (inclusive).
    pub unit_path: Option<String>,
    /// Rank.
    pub rank: Option<RankGrade>,
    /// Post level.
    pub post_level: Option<PostLevel>,
    /// Status.
    pub status: Option<CadreStatus>,
    /// Team members only.
    pub team_members_only: bool,
}

fn filtered(filter: &CadreFilter, scope: &DataScope) -> cadres::BoxedQuery<'static, MultiBackend> {
    let mut query = cadres::table.into_boxed();
    if let Some(condition) = in_scope(scope) {
        query = query.filter(condition);
    }
    if let Some(text) = &filter.name_contains {
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        query = query.filter(cadres::name.like(format!("%{escaped}%")).escape('\\'));
    }
    if let Some(path) = &filter.unit_path {
        let in_subtree =
            || org_units::table.filter(org_units::path.like(format!("{path}%"))).select(org_units::id);
        query = query.filter(
            cadres::employing_unit_id.eq_any(in_subtree()).or(cadres::managing_unit_id.eq_any(in_subtree())),
        );
    }
    if let Some(rank) = filter.rank {
        query = query.filter(cadres::rank_grade.eq(rank.code()));
    }
    if let Some(level) = filter.post_level {
        query = query.filter(cadres::post_level.eq(level.code()));
    }
    if let Some(status) = filter.status {
        query = query.filter(cadres::status.eq(status.code()));
    }
    if filter.team_members_only {
        query = query.filter(cadres::is_team_member.eq(true));
    }
    query
}

/// A page of the cadres in `scope` ordered by id after `after_id`, and the total count.
pub fn search(
    conn: &mut DbConn,
    filter: &CadreFilter,
    scope: &DataScope,
    after_id: Option<String>,
    limit: i64,
) -> Result<(Vec<Cadre>, i64), ApiError> {
    let total: i64 = filtered(filter, scope).count().get_result(conn)?;
    let mut query = filtered(filter, scope).select(CadreRow::as_select()).order(cadres::id.asc());
    if let Some(after) = after_id {
        query = query.filter(cadres::id.gt(after));
    }
    let rows: Vec<CadreRow> = query.limit(limit).load(conn)?;
    let cadres = rows.into_iter().map(CadreRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    Ok((cadres, total))
}

/// The 班子 of a unit: team members employed there, principals first, then by post level and name.
pub fn team(conn: &mut DbConn, unit_id: &str) -> Result<Vec<Cadre>, ApiError> {
    let rows: Vec<CadreRow> = cadres::table
        .filter(cadres::employing_unit_id.eq(unit_id))
        .filter(cadres::is_team_member.eq(true))
        .filter(cadres::status.eq_any([CadreStatus::Active.code(), CadreStatus::Seconded.code()]))
        .select(CadreRow::as_select())
        .load(conn)?;
    let mut members = rows.into_iter().map(CadreRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    members.sort_by(|a, b| {
        (!a.data.post.is_principal, a.data.post.level, &a.data.name).cmp(&(
            !b.data.post.is_principal,
            b.data.post.level,
            &b.data.name,
        ))
    });
    Ok(members)
}

/// A page of a cadre's changes, newest first, before version `before_version`.
pub fn changes(
    conn: &mut DbConn,
    cadre_id: &str,
    before_version: Option<i64>,
    limit: i64,
) -> Result<Vec<ChangeRow>, ApiError> {
    let mut query = cadre_changes::table
        .filter(cadre_changes::cadre_id.eq(cadre_id))
        .order(cadre_changes::version.desc())
        .select(ChangeRow::as_select())
        .into_boxed();
    if let Some(version) = before_version {
        query = query.filter(cadre_changes::version.lt(version));
    }
    Ok(query.limit(limit).load(conn)?)
}

/// Number of cadres.
pub fn count(conn: &mut DbConn) -> Result<i64, ApiError> {
    Ok(cadres::table.count().get_result(conn)?)
}

//! Rewards, reward proposals, and the annual results followed from the assessment feed.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    Reach,
    schema::{followed_results, reward_proposals, rewards},
};

/// A reward as stored; codes are the domain's.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = rewards)]
pub struct RewardRow {
    pub id: String,
    pub kind: String,
    pub category: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub org_unit_id: String,
    pub collective: bool,
    pub level: String,
    pub issuer: String,
    pub document_number: String,
    pub basis: String,
    pub award_date: NaiveDate,
    pub feeds_promotion_priority: bool,
    pub proposal_id: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// A proposal as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = reward_proposals, treat_none_as_null = true)]
pub struct ProposalRow {
    pub id: String,
    pub kind: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub org_unit_id: String,
    pub assessment_id: String,
    pub revision: i32,
    pub year: i32,
    pub basis: String,
    pub state: String,
    pub reward_id: String,
    pub decision_note: String,
    pub decided_by: String,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

/// The last revision of an annual result seen.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = followed_results)]
pub struct FollowedResult {
    pub assessment_id: String,
    pub cadre_id: String,
    pub year: i32,
    pub outcome: String,
    pub revision: i32,
    pub updated_at: NaiveDateTime,
}

/// Stores a new reward.
pub fn insert(conn: &mut DbConn, row: &RewardRow) -> Result<(), ApiError> {
    diesel::insert_into(rewards::table).values(row).execute(conn)?;
    Ok(())
}

/// A reward by id.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<RewardRow>, ApiError> {
    Ok(rewards::table.find(id).select(RewardRow::as_select()).first(conn).optional()?)
}

/// What a list of rewards is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct RewardFilter {
    pub cadre_id: Option<String>,
    pub year: Option<i32>,
    pub kind: Option<String>,
}

/// Rewards within `reach`, newest recorded first, after `after`, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    reach: &Reach,
    filter: &RewardFilter,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<RewardRow>, ApiError> {
    super::chunked(
        reach,
        limit,
        true,
        |r: &RewardRow| r.id.as_str(),
        |reach| {
            let mut query = rewards::table.into_boxed();
            query = reach_filter!(query, reach, rewards::cadre_id, rewards::org_unit_id);
            if let Some(cadre) = &filter.cadre_id {
                query = query.filter(rewards::cadre_id.eq(cadre.clone()));
            }
            if let Some(year) = filter.year {
                let (start, end) =
                    (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31));
                if let (Some(start), Some(end)) = (start, end) {
                    query = query.filter(rewards::award_date.between(start, end));
                }
            }
            if let Some(kind) = &filter.kind {
                query = query.filter(rewards::kind.eq(kind.clone()));
            }
            query = after_id!(query, after.clone(), rewards::id, true);
            Ok(query.order(rewards::id.desc()).limit(limit).select(RewardRow::as_select()).load(conn)?)
        },
    )
}

/// Whether any reward is recorded (the demo seeds only an empty register).
pub fn any(conn: &mut DbConn) -> Result<bool, ApiError> {
    let first: Option<String> = rewards::table.select(rewards::id).first(conn).optional()?;
    Ok(first.is_some())
}

/// Stores a new proposal.
pub fn insert_proposal(conn: &mut DbConn, row: &ProposalRow) -> Result<(), ApiError> {
    diesel::insert_into(reward_proposals::table).values(row).execute(conn)?;
    Ok(())
}

/// Writes a changed proposal.
pub fn update_proposal(conn: &mut DbConn, row: &ProposalRow) -> Result<(), ApiError> {
    diesel::update(reward_proposals::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// A proposal by id.
pub fn proposal(conn: &mut DbConn, id: &str) -> Result<Option<ProposalRow>, ApiError> {
    Ok(reward_proposals::table.find(id).select(ProposalRow::as_select()).first(conn).optional()?)
}

/// Every proposal of an assessment.
pub fn proposals_of(conn: &mut DbConn, assessment_id: &str) -> Result<Vec<ProposalRow>, ApiError> {
    Ok(reward_proposals::table
        .filter(reward_proposals::assessment_id.eq(assessment_id))
        .order(reward_proposals::id.asc())
        .select(ProposalRow::as_select())
        .load(conn)?)
}

/// Proposals within `reach`, oldest first, after `after`, at most `limit`.
pub fn list_proposals(
    conn: &mut DbConn,
    reach: &Reach,
    state: Option<String>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<ProposalRow>, ApiError> {
    super::chunked(
        reach,
        limit,
        false,
        |r: &ProposalRow| r.id.as_str(),
        |reach| {
            let mut query = reward_proposals::table.into_boxed();
            query = reach_filter!(query, reach, reward_proposals::cadre_id, reward_proposals::org_unit_id);
            if let Some(state) = state.clone() {
                query = query.filter(reward_proposals::state.eq(state));
            }
            query = after_id!(query, after.clone(), reward_proposals::id, false);
            Ok(query
                .order(reward_proposals::id.asc())
                .limit(limit)
                .select(ProposalRow::as_select())
                .load(conn)?)
        },
    )
}

/// The last revision seen of an annual result.
pub fn followed(conn: &mut DbConn, assessment_id: &str) -> Result<Option<FollowedResult>, ApiError> {
    Ok(followed_results::table
        .find(assessment_id)
        .select(FollowedResult::as_select())
        .first(conn)
        .optional()?)
}

/// Records the last revision seen of an annual result.
pub fn save_followed(conn: &mut DbConn, row: &FollowedResult) -> Result<(), ApiError> {
    let updated = diesel::update(followed_results::table.find(&row.assessment_id)).set(row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(followed_results::table).values(row).execute(conn)?;
    }
    Ok(())
}

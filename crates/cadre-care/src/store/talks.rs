//! Leaders' charges, talk triggers, and talks with their parties.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{
    Reach,
    schema::{leader_charges, talk_parties, talk_triggers, talks},
    visits::Which,
};

/// What calls for a talk.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = talk_triggers, treat_none_as_null = true)]
pub struct TriggerRow {
    pub id: String,
    pub cadre_id: String,
    pub cadre_name: String,
    pub org_unit_id: String,
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub due_on: NaiveDate,
    pub source_ref: String,
    /// Set for triggers derived from another record, unique: a replay finds the first.
    pub origin_key: Option<String>,
    /// The talk that closed it; empty while open.
    pub talk_id: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// A talk, without its parties.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = talks)]
pub struct TalkRow {
    pub id: String,
    pub held_on: NaiveDate,
    pub kind: String,
    pub summary: String,
    /// JSON list.
    pub follow_ups: String,
    pub trigger_id: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// Replaces a leader's charges.
pub fn set_charges(conn: &mut DbConn, leader_id: &str, cadre_ids: &[String]) -> Result<(), ApiError> {
    diesel::delete(leader_charges::table.filter(leader_charges::leader_id.eq(leader_id))).execute(conn)?;
    for cadre in cadre_ids {
        diesel::insert_into(leader_charges::table)
            .values((leader_charges::leader_id.eq(leader_id), leader_charges::cadre_id.eq(cadre)))
            .execute(conn)?;
    }
    Ok(())
}

/// A leader's charges, by cadre id.
pub fn charges_of(conn: &mut DbConn, leader_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(leader_charges::table
        .filter(leader_charges::leader_id.eq(leader_id))
        .order(leader_charges::cadre_id.asc())
        .select(leader_charges::cadre_id)
        .load(conn)?)
}

/// The charges of the given leaders: (leader, cadre) pairs.
pub fn charges_of_leaders(conn: &mut DbConn, leaders: &[String]) -> Result<Vec<(String, String)>, ApiError> {
    Ok(leader_charges::table
        .filter(leader_charges::leader_id.eq_any(leaders.to_vec()))
        .order((leader_charges::leader_id.asc(), leader_charges::cadre_id.asc()))
        .select((leader_charges::leader_id, leader_charges::cadre_id))
        .load(conn)?)
}

/// Stores a trigger unless one with the same origin exists; returns the stored one.
pub fn insert_trigger(conn: &mut DbConn, row: &TriggerRow) -> Result<TriggerRow, ApiError> {
    if let Some(key) = &row.origin_key {
        let existing = talk_triggers::table
            .filter(talk_triggers::origin_key.eq(key))
            .select(TriggerRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(existing) = existing {
            return Ok(existing);
        }
    }
    diesel::insert_into(talk_triggers::table).values(row).execute(conn)?;
    Ok(row.clone())
}

/// A trigger by id.
pub fn trigger(conn: &mut DbConn, id: &str) -> Result<Option<TriggerRow>, ApiError> {
    Ok(talk_triggers::table.find(id).select(TriggerRow::as_select()).first(conn).optional()?)
}

/// Writes a changed trigger.
pub fn update_trigger(conn: &mut DbConn, row: &TriggerRow) -> Result<(), ApiError> {
    diesel::update(talk_triggers::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// Triggers within `reach`, oldest first, after `after`, at most `limit`.
pub fn triggers(
    conn: &mut DbConn,
    reach: &Reach,
    which: Which,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<TriggerRow>, ApiError> {
    let mut query = talk_triggers::table.into_boxed();
    query = reach_filter!(query, reach, talk_triggers::cadre_id, talk_triggers::org_unit_id);
    query = match which {
        Which::All => query,
        Which::Open => query.filter(talk_triggers::talk_id.eq("")),
        Which::Overdue(today) => {
            query.filter(talk_triggers::talk_id.eq("")).filter(talk_triggers::due_on.lt(today))
        }
        Which::Closed => query.filter(talk_triggers::talk_id.ne("")),
    };
    query = after_id!(query, after, talk_triggers::id, false);
    Ok(query.order(talk_triggers::id.asc()).limit(limit).select(TriggerRow::as_select()).load(conn)?)
}

/// Stores a talk with its parties.
pub fn insert_talk(conn: &mut DbConn, row: &TalkRow, parties: &[String]) -> Result<(), ApiError> {
    diesel::insert_into(talks::table).values(row).execute(conn)?;
    for party in parties {
        diesel::insert_into(talk_parties::table)
            .values((talk_parties::talk_id.eq(&row.id), talk_parties::cadre_id.eq(party)))
            .execute(conn)?;
    }
    Ok(())
}

/// A talk by id, with its parties.
pub fn talk(conn: &mut DbConn, id: &str) -> Result<Option<(TalkRow, Vec<String>)>, ApiError> {
    let Some(row) = talks::table.find(id).select(TalkRow::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    let parties = parties_of(conn, id)?;
    Ok(Some((row, parties)))
}

/// The parties of a talk, by id.
pub fn parties_of(conn: &mut DbConn, talk_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(talk_parties::table
        .filter(talk_parties::talk_id.eq(talk_id))
        .order(talk_parties::cadre_id.asc())
        .select(talk_parties::cadre_id)
        .load(conn)?)
}

/// Talks any of `cadres` took part in (`None`: every talk), newest recorded first, after `after`, at most
/// `limit`, with their parties.
pub fn list(
    conn: &mut DbConn,
    cadres: Option<&[String]>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<(TalkRow, Vec<String>)>, ApiError> {
    let mut query = talks::table.into_boxed();
    if let Some(cadres) = cadres {
        let ids = talk_parties::table
            .filter(talk_parties::cadre_id.eq_any(cadres.to_vec()))
            .select(talk_parties::talk_id);
        query = query.filter(talks::id.eq_any(ids));
    }
    query = after_id!(query, after, talks::id, true);
    let rows: Vec<TalkRow> =
        query.order(talks::id.desc()).limit(limit).select(TalkRow::as_select()).load(conn)?;
    rows.into_iter()
        .map(|row| {
            let parties = parties_of(conn, &row.id)?;
            Ok((row, parties))
        })
        .collect()
}

/// The talks any of `cadres` took part in on or after `since`, as (parties, day).
pub fn held_since(
    conn: &mut DbConn,
    cadres: &[String],
    since: NaiveDate,
) -> Result<Vec<(Vec<String>, NaiveDate)>, ApiError> {
    let ids = talk_parties::table
        .filter(talk_parties::cadre_id.eq_any(cadres.to_vec()))
        .select(talk_parties::talk_id);
    let rows: Vec<(String, NaiveDate)> = talks::table
        .filter(talks::id.eq_any(ids))
        .filter(talks::held_on.ge(since))
        .select((talks::id, talks::held_on))
        .load(conn)?;
    rows.into_iter().map(|(id, day)| Ok((parties_of(conn, &id)?, day))).collect()
}

//! Leaders' charges, talk triggers, and talks with their parties.

use std::collections::{BTreeMap, BTreeSet};

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

/// The charges of the given leaders: (leader, cadre) pairs, by leader then cadre.
pub fn charges_of_leaders(conn: &mut DbConn, leaders: &[String]) -> Result<Vec<(String, String)>, ApiError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for chunk in leaders.chunks(super::CHUNK) {
        let rows: Vec<(String, String)> = leader_charges::table
            .filter(leader_charges::leader_id.eq_any(chunk))
            .select((leader_charges::leader_id, leader_charges::cadre_id))
            .load(conn)?;
        out.extend(rows);
    }
    out.sort();
    Ok(out)
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

/// The trigger derived from the record `origin_key` names, if one was opened.
pub fn trigger_by_origin(conn: &mut DbConn, origin_key: &str) -> Result<Option<TriggerRow>, ApiError> {
    Ok(talk_triggers::table
        .filter(talk_triggers::origin_key.eq(origin_key))
        .select(TriggerRow::as_select())
        .first(conn)
        .optional()?)
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
    super::chunked(
        reach,
        limit,
        false,
        |r: &TriggerRow| r.id.as_str(),
        |reach| {
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
            query = after_id!(query, after.clone(), talk_triggers::id, false);
            Ok(query
                .order(talk_triggers::id.asc())
                .limit(limit)
                .select(TriggerRow::as_select())
                .load(conn)?)
        },
    )
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

/// The parties of each of `talk_ids`, by talk id, each list sorted; one query per [`super::CHUNK`] ids.
pub fn parties_of_many(
    conn: &mut DbConn,
    talk_ids: &[String],
) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for chunk in talk_ids.chunks(super::CHUNK) {
        let rows: Vec<(String, String)> = talk_parties::table
            .filter(talk_parties::talk_id.eq_any(chunk))
            .order((talk_parties::talk_id.asc(), talk_parties::cadre_id.asc()))
            .select((talk_parties::talk_id, talk_parties::cadre_id))
            .load(conn)?;
        for (talk, cadre) in rows {
            out.entry(talk).or_default().push(cadre);
        }
    }
    Ok(out)
}

/// Talks any of `cadres` took part in (`None`: every talk), newest recorded first, after `after`, at most
/// `limit`, with their parties.
pub fn list(
    conn: &mut DbConn,
    cadres: Option<&[String]>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<(TalkRow, Vec<String>)>, ApiError> {
    let reach = Reach { cadres: cadres.map(<[String]>::to_vec), units: None };
    let rows: Vec<TalkRow> = super::chunked(
        &reach,
        limit,
        true,
        |r: &TalkRow| r.id.as_str(),
        |reach| {
            let mut query = talks::table.into_boxed();
            if let Some(cadres) = &reach.cadres {
                let ids = talk_parties::table
                    .filter(talk_parties::cadre_id.eq_any(cadres.clone()))
                    .select(talk_parties::talk_id);
                query = query.filter(talks::id.eq_any(ids));
            }
            query = after_id!(query, after.clone(), talks::id, true);
            Ok(query.order(talks::id.desc()).limit(limit).select(TalkRow::as_select()).load(conn)?)
        },
    )?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut parties = parties_of_many(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let of = parties.remove(&row.id).unwrap_or_default();
            (row, of)
        })
        .collect())
}

/// The talks any of `cadres` took part in on or after `since`, as (parties, day): the talks and their
/// parties in one join per [`super::CHUNK`] cadres, grouped here.
pub fn held_since(
    conn: &mut DbConn,
    cadres: &[String],
    since: NaiveDate,
) -> Result<Vec<(Vec<String>, NaiveDate)>, ApiError> {
    let mut talks_held: BTreeMap<String, (NaiveDate, BTreeSet<String>)> = BTreeMap::new();
    for chunk in cadres.chunks(super::CHUNK) {
        let theirs = diesel::alias!(talk_parties as theirs);
        let ids = theirs
            .filter(theirs.field(talk_parties::cadre_id).eq_any(chunk))
            .select(theirs.field(talk_parties::talk_id));
        let rows: Vec<(String, NaiveDate, String)> = talk_parties::table
            .inner_join(talks::table.on(talks::id.eq(talk_parties::talk_id)))
            .filter(talks::held_on.ge(since))
            .filter(talk_parties::talk_id.eq_any(ids))
            .select((talks::id, talks::held_on, talk_parties::cadre_id))
            .load(conn)?;
        for (id, day, party) in rows {
            talks_held.entry(id).or_insert_with(|| (day, BTreeSet::new())).1.insert(party);
        }
    }
    Ok(talks_held.into_values().map(|(day, parties)| (parties.into_iter().collect(), day)).collect())
}

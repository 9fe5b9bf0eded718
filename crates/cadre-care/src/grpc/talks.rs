//! Talks (谈心谈话): leaders' charges, the triggers that call for a talk, talk records readable only by
//! their parties and the org department, and the talks overdue in a unit subtree.

use std::collections::{BTreeMap, BTreeSet};

use cadre_platform::{
    ApiError, CallContext, DbConn, Violations,
    auth::{Caller, Role},
    clock,
    dates::date_to,
    error::require_id,
    paging,
};
use cadre_projection::{CadreView, store as projection};
use cadre_proto::care as pb;
use tonic::{Request, Response, Status};

use super::{
    CareApi, MAX_ITEMS, MAX_SHORT_CHARS, MAX_TEXT_CHARS, after_token, denied, finish, holds, optional_id,
    page, past_date, status, text, texts, visible_cadre,
};
use crate::{
    domain::{
        codes::{TalkKind, TalkTriggerKind},
        talk::{self, HeldTalk, TeamMember},
    },
    events,
    store::{
        self, Reach,
        talks::{self as talk_store, TalkRow},
        visits::Which,
    },
    view, workflow,
};

fn talk_not_found(id: &str) -> ApiError {
    ApiError::not_found("TALK_NOT_FOUND", format!("no talk {id}"))
}

fn restricted(id: &str) -> ApiError {
    denied(
        "TALK_RECORD_RESTRICTED",
        format!("talk {id} is readable only by its parties and the org department"),
    )
}

/// Which triggers a filter names.
pub(super) fn which(filter: i32, today: chrono::NaiveDate) -> Result<Which, ApiError> {
    match pb::TriggerFilter::try_from(filter) {
        Ok(pb::TriggerFilter::Unspecified) => Ok(Which::All),
        Ok(pb::TriggerFilter::Open) => Ok(Which::Open),
        Ok(pb::TriggerFilter::Overdue) => Ok(Which::Overdue(today)),
        Ok(pb::TriggerFilter::Closed) => Ok(Which::Closed),
        Err(_) => Err(ApiError::invalid_argument("INVALID_FILTER", "filter is not a trigger filter")
            .with_violation("filter", "is not a trigger filter")),
    }
}

/// Whether a cadre sits on their unit's leadership team, or leads.
fn leads(cadre: &CadreView) -> bool {
    cadre.is_leader || cadre.is_team_member || cadre.is_principal
}

/// The cadres in post an overdue report covers, by employing unit: those employed in the reach's units, or
/// (a reach without a unit limit) everyone in post. One load, whatever the number of units.
fn people_by_unit(conn: &mut DbConn, reach: &Reach) -> Result<BTreeMap<String, Vec<CadreView>>, ApiError> {
    let people = match &reach.units {
        None => projection::active_cadres(conn)?,
        // Whoever is employed in a unit of the reach is among its cadres (the scope and the subtree both
        // take a unit's people with the unit).
        Some(units) => {
            let units: BTreeSet<&String> = units.iter().collect();
            projection::cadres(conn, reach.cadres.as_deref().unwrap_or_default())?
                .into_iter()
                .filter(|c| c.active && units.contains(&c.employing_unit_id))
                .collect()
        }
    };
    let mut by_unit: BTreeMap<String, Vec<CadreView>> = BTreeMap::new();
    for person in people {
        by_unit.entry(person.employing_unit_id.clone()).or_default().push(person);
    }
    Ok(by_unit)
}

impl CareApi {
    pub(super) async fn set_leader_charges_impl(
        &self,
        request: Request<pb::SetLeaderChargesRequest>,
    ) -> Result<Response<pb::SetLeaderChargesResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let leader_id = super::id(&mut violations, "leader_id", &request.leader_id);
        violations.require(request.cadre_ids.len() <= MAX_ITEMS * 4, "cadre_ids", "too many entries");
        let mut cadre_ids: Vec<String> = request
            .cadre_ids
            .iter()
            .enumerate()
            .map(|(i, c)| super::id(&mut violations, &format!("cadre_ids[{i}]"), c))
            .collect();
        violations.require(
            !cadre_ids.contains(&leader_id),
            "cadre_ids",
            "a leader is not in their own charge",
        );
        finish(violations, "INVALID_CHARGES", "the charges are not valid")?;
        cadre_ids.sort();
        cadre_ids.dedup();
        let response = self
            .db
            .mutate(ctx, method!("SetLeaderCharges"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let leader = visible_cadre(conn, &caller, &leader_id)?;
                if !leads(&leader) {
                    return Err(ApiError::failed_precondition(
                        "NOT_A_LEADER",
                        format!("{} holds no leadership post", leader.name),
                    ));
                }
                for cadre in &cadre_ids {
                    visible_cadre(conn, &caller, cadre)?;
                }
                talk_store::set_charges(conn, &leader_id, &cadre_ids)?;
                tx.set_object("leader_charges", &leader_id);
                Ok(pb::SetLeaderChargesResponse { charge: Some(pb::LeaderCharge { leader_id, cadre_ids }) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_leader_charges_impl(
        &self,
        request: Request<pb::GetLeaderChargesRequest>,
    ) -> Result<Response<pb::GetLeaderChargesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let leader_id = require_id("leader_id", &request.get_ref().leader_id).map_err(status)?;
        let charge = self
            .db
            .run(move |conn| {
                visible_cadre(conn, &caller, &leader_id)?;
                let cadre_ids = talk_store::charges_of(conn, &leader_id)?;
                Ok(pb::LeaderCharge { leader_id, cadre_ids })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetLeaderChargesResponse { charge: Some(charge) }))
    }

    pub(super) async fn record_talk_trigger_impl(
        &self,
        request: Request<pb::RecordTalkTriggerRequest>,
    ) -> Result<Response<pb::RecordTalkTriggerResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let cadre_id = super::id(&mut violations, "cadre_id", &request.cadre_id);
        let kind = TalkTriggerKind::from_number(request.kind);
        violations.require(kind.is_some(), "kind", "is required");
        let occurred = past_date(&mut violations, "occurred_on", request.occurred_on.as_ref(), today);
        let source_ref = text(&mut violations, "source_ref", &request.source_ref, MAX_SHORT_CHARS, false);
        finish(violations, "INVALID_TRIGGER", "the trigger is not valid")?;
        let (Some(kind), Some(occurred)) = (kind, occurred) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("RecordTalkTrigger"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let cadre = visible_cadre(conn, &caller, &cadre_id)?;
                let row = workflow::open_talk_trigger(
                    conn,
                    &cadre,
                    kind,
                    occurred,
                    &source_ref,
                    None,
                    &caller.principal.subject,
                )?;
                tx.set_object("talk_trigger", &row.id);
                Ok(pb::RecordTalkTriggerResponse { trigger: Some(view::talk_trigger(&row, today)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_talk_triggers_impl(
        &self,
        request: Request<pb::ListTalkTriggersRequest>,
    ) -> Result<Response<pb::ListTalkTriggersResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let which = which(request.filter, today).map_err(status)?;
        let filters = paging::filter_fingerprint(&[&request.org_unit_id, &request.filter.to_string()]);
        let after = after_token(&request.page_token, &filters)?;
        let (rows, next) = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let rows = talk_store::triggers(conn, &reach, which, after, limit + 1)?;
                Ok(page(rows, limit, &filters, |r| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListTalkTriggersResponse {
            triggers: rows.iter().map(|r| view::talk_trigger(r, today)).collect(),
            next_page_token: next,
        }))
    }

    pub(super) async fn record_talk_impl(
        &self,
        request: Request<pb::RecordTalkRequest>,
    ) -> Result<Response<pb::RecordTalkResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let org = holds(&caller, &[Role::OrgOfficer]);
        let mut violations = Violations::default();
        let mut parties: Vec<String> = request
            .party_ids
            .iter()
            .enumerate()
            .map(|(i, p)| super::id(&mut violations, &format!("party_ids[{i}]"), p))
            .collect();
        parties.sort();
        parties.dedup();
        violations.require(parties.len() <= MAX_ITEMS, "party_ids", format!("at most {MAX_ITEMS} parties"));
        // The org department talks with one cadre; anyone else talks with at least one other person.
        let least = if org { 1 } else { 2 };
        violations.require(
            parties.len() >= least,
            "party_ids",
            format!("at least {least} different parties"),
        );
        let held = past_date(&mut violations, "held_on", request.held_on.as_ref(), today);
        let kind = TalkKind::from_number(request.kind);
        violations.require(kind.is_some(), "kind", "is required");
        let summary = text(&mut violations, "summary", &request.summary, MAX_TEXT_CHARS, true);
        let follow_ups = texts(&mut violations, "follow_ups", &request.follow_ups, false);
        let trigger_id = optional_id(&mut violations, "trigger_id", &request.trigger_id);
        finish(violations, "INVALID_TALK", "the talk is not valid")?;
        let (Some(held), Some(kind)) = (held, kind) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        if !org && !caller.principal.cadre_id.as_ref().is_some_and(|own| parties.contains(own)) {
            return Err(status(denied(
                "NOT_A_PARTY",
                "a talk is recorded by one of its parties or the org department",
            )));
        }
        let response = self
            .db
            .mutate(ctx, method!("RecordTalk"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                for party in &parties {
                    visible_cadre(conn, &caller, party)?;
                }
                let row = TalkRow {
                    id: store::new_id(),
                    held_on: held,
                    kind: kind.code().to_owned(),
                    summary,
                    follow_ups: store::json(&follow_ups),
                    trigger_id: trigger_id.clone(),
                    recorded_by: caller.principal.subject.clone(),
                    recorded_at: clock::now(),
                };
                if !trigger_id.is_empty() {
                    let not_found =
                        || ApiError::not_found("TRIGGER_NOT_FOUND", format!("no talk trigger {trigger_id}"));
                    let mut trigger = talk_store::trigger(conn, &trigger_id)?.ok_or_else(not_found)?;
                    if !parties.contains(&trigger.cadre_id) {
                        return Err(ApiError::failed_precondition(
                            "TRIGGER_NOT_A_PARTY",
                            "the trigger's cadre is not a party to the talk",
                        ));
                    }
                    if !trigger.talk_id.is_empty() {
                        return Err(ApiError::failed_precondition(
                            "TRIGGER_CLOSED",
                            format!("the trigger was closed by talk {}", trigger.talk_id),
                        ));
                    }
                    trigger.talk_id.clone_from(&row.id);
                    talk_store::update_trigger(conn, &trigger)?;
                }
                talk_store::insert_talk(conn, &row, &parties)?;
                tx.set_object("talk", &row.id);
                let talk = view::talk(&row, &parties);
                events::talk_recorded(tx, &talk)?;
                Ok(pb::RecordTalkResponse { talk: Some(talk) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_talk_impl(
        &self,
        request: Request<pb::GetTalkRequest>,
    ) -> Result<Response<pb::GetTalkResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let id = require_id("talk_id", &request.get_ref().talk_id).map_err(status)?;
        let org = holds(&caller, &[Role::OrgOfficer]);
        let own = caller.principal.cadre_id.clone();
        let scope = caller.scope.clone();
        let read = {
            let id = id.clone();
            self.db
                .audited_read(ctx.clone(), method!("GetTalk"), "talk", id.clone(), move |conn| {
                    let (row, parties) = talk_store::talk(conn, &id)?.ok_or_else(|| talk_not_found(&id))?;
                    if !org && !own.as_ref().is_some_and(|own| parties.contains(own)) {
                        // Outside the caller's scope a talk answers like an absent one; inside it, the
                        // refusal says why (and is audited).
                        let mut visible = false;
                        for party in &parties {
                            visible |= crate::store::cadre_in_scope(conn, &scope, party)?;
                        }
                        return Err(if visible { restricted(&id) } else { talk_not_found(&id) });
                    }
                    Ok(view::talk(&row, &parties))
                })
                .await
        };
        match read {
            Ok(talk) => Ok(Response::new(pb::GetTalkResponse { talk: Some(talk) })),
            Err(error) if error.reason() == "TALK_RECORD_RESTRICTED" => {
                // The refusal is recorded like a read: who tried to read whose talk.
                self.db
                    .audit_refusal(
                        ctx,
                        method!("GetTalk").to_owned(),
                        "talk",
                        &id,
                        "TALK_RECORD_RESTRICTED",
                        String::new(),
                    )
                    .await
                    .map_err(status)?;
                Err(status(error))
            }
            Err(error) => Err(status(error)),
        }
    }

    pub(super) async fn list_talks_impl(
        &self,
        request: Request<pb::ListTalksRequest>,
    ) -> Result<Response<pb::ListTalksResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let org = holds(&caller, &[Role::OrgOfficer]);
        let own = caller.principal.cadre_id.clone();
        // Everyone but the org department lists only their own talks.
        let cadres: Option<Vec<String>> = match (org, request.cadre_id.is_empty(), &own) {
            (true, true, _) => None,
            (true, false, _) => Some(vec![request.cadre_id.clone()]),
            (false, true, Some(own)) => Some(vec![own.clone()]),
            (false, false, Some(own)) if *own == request.cadre_id => Some(vec![own.clone()]),
            (false, _, _) => return Err(status(restricted("of another cadre"))),
        };
        let filters = paging::filter_fingerprint(&[&request.cadre_id]);
        let after = after_token(&request.page_token, &filters)?;
        let (rows, next) = self
            .db
            .run(move |conn| {
                let rows = talk_store::list(conn, cadres.as_deref(), after, limit + 1)?;
                Ok(page(rows, limit, &filters, |(r, _)| r.id.clone()))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListTalksResponse {
            // Who, when, what kind: the content is GetTalk's, one audited read at a time.
            talks: rows.iter().map(|(r, p)| view::talk_listed(r, p)).collect(),
            next_page_token: next,
        }))
    }

    pub(super) async fn list_overdue_talks_impl(
        &self,
        request: Request<pb::ListOverdueTalksRequest>,
    ) -> Result<Response<pb::ListOverdueTalksResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let overdue = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, &request.org_unit_id)?;
                let policy = store::policy::on(conn, today)?;
                let (year_start, _) = talk::year_of(today);
                // A few set-based reads: the people once, every leader's charges at once, the year's talks
                // of everyone involved with their parties in one join; then each unit in memory.
                let units = people_by_unit(conn, &reach)?;
                let mut names: BTreeMap<String, String> = BTreeMap::new();
                let mut leaders_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
                for (unit, people) in &units {
                    for person in people {
                        names.insert(person.id.clone(), person.name.clone());
                    }
                    leaders_of
                        .insert(unit, people.iter().filter(|c| leads(c)).map(|c| c.id.clone()).collect());
                }
                let all_leaders: Vec<String> = leaders_of.values().flatten().cloned().collect();
                let charges = talk_store::charges_of_leaders(conn, &all_leaders)?;
                let mut involved: BTreeSet<String> = all_leaders.iter().cloned().collect();
                involved.extend(charges.iter().map(|(_, c)| c.clone()));
                let involved: Vec<String> = involved.into_iter().collect();
                let held: Vec<HeldTalk> = talk_store::held_since(conn, &involved, year_start)?
                    .into_iter()
                    .map(|(parties, held_on)| HeldTalk { parties, held_on })
                    .collect();
                // The charged cadres of other units, named in one read.
                let unnamed: Vec<String> =
                    charges.iter().map(|(_, c)| c.clone()).filter(|c| !names.contains_key(c)).collect();
                for cadre in projection::cadres(conn, &unnamed)? {
                    names.insert(cadre.id, cadre.name);
                }
                let mut out = Vec::new();
                for (unit, people) in &units {
                    let team: Vec<TeamMember> = people
                        .iter()
                        .filter(|c| c.is_team_member || c.is_principal)
                        .map(|c| TeamMember { id: c.id.clone(), principal: c.is_principal })
                        .collect();
                    let leaders = &leaders_of[unit.as_str()];
                    let unit_charges: Vec<(String, String)> =
                        charges.iter().filter(|(l, _)| leaders.contains(l)).cloned().collect();
                    let mut mine: BTreeSet<&str> = leaders.iter().map(String::as_str).collect();
                    mine.extend(team.iter().map(|t| t.id.as_str()));
                    mine.extend(unit_charges.iter().map(|(_, c)| c.as_str()));
                    let unit_held: Vec<HeldTalk> = held
                        .iter()
                        .filter(|t| t.parties.iter().any(|p| mine.contains(p.as_str())))
                        .cloned()
                        .collect();
                    for owed in talk::outstanding(&team, &unit_charges, &unit_held, today, &policy.talk) {
                        out.push(pb::OverdueTalk {
                            kind: owed.kind.number(),
                            cadre_name: names.get(&owed.first).cloned().unwrap_or_default(),
                            other_name: names.get(&owed.other).cloned().unwrap_or_default(),
                            cadre_id: owed.first,
                            other_id: owed.other,
                            org_unit_id: unit.clone(),
                            required: i32::try_from(owed.required).unwrap_or(i32::MAX),
                            held: i32::try_from(owed.held).unwrap_or(i32::MAX),
                            due_on: Some(date_to(owed.period_end)),
                            trigger_id: String::new(),
                        });
                    }
                }
                for trigger in
                    talk_store::triggers(conn, &reach, Which::Overdue(today), None, i64::from(u16::MAX))?
                {
                    out.push(pb::OverdueTalk {
                        kind: TalkKind::Triggered.number(),
                        cadre_id: trigger.cadre_id,
                        cadre_name: trigger.cadre_name,
                        other_id: String::new(),
                        other_name: String::new(),
                        org_unit_id: trigger.org_unit_id,
                        required: 1,
                        held: 0,
                        due_on: Some(date_to(trigger.due_on)),
                        trigger_id: trigger.id,
                    });
                }
                Ok(out)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListOverdueTalksResponse { overdue }))
    }
}

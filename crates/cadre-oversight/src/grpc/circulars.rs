//! Circulars (通报): drafted with the units and people they commend or criticise, issued once with their
//! document number (and published), listed, and read back as the mentions of one cadre or unit. Drafts are
//! seen only by those who draft and issue circulars. An issued circular is seen by those it was distributed
//! to: everyone for one without a distribution list; otherwise the people of the units on the list and of
//! the units under them, and whoever supervises those units (a town's officers for its villages). The
//! drafters and district-wide readers see every one. The mentions of a cadre or unit are the record of who
//! was named, shown to whoever sees that cadre or unit.

use std::collections::HashSet;

use cadre_platform::{
    ApiError, CallContext, DbConn, Violations,
    auth::{Caller, Role},
    clock, dates,
    error::require_id,
    input::{id, optional_id, text},
    paging,
};
use cadre_projection::store as projection;
use cadre_proto::oversight as pb;
use tonic::{Request, Response, Status};

use super::{
    MAX_ITEMS, MAX_SHORT_CHARS, MAX_TEXT_CHARS, OversightApi, finish, holds, status, visible_cadre,
    visible_unit,
};
use crate::{
    domain::codes::{Cadence, CircularKind, CircularState},
    events,
    store::{
        self,
        circulars::{self as circular_store, CircularFilter, CircularRow, EntryRow, Named},
        findings as finding_store,
    },
    view,
};

/// Who drafts and issues circulars, and so sees drafts.
const DRAFTERS: &[Role] = &[Role::OrgOfficer, Role::CommitteeMember, Role::DisciplineInspector];

/// What a caller reads of issued circulars.
struct Reader {
    /// Every circular (drafters, district-wide scopes).
    everything: bool,
    /// The units of the caller's scope (and their own unit).
    units: HashSet<String>,
    /// Those units' materialised paths, `/root/…/unit/`.
    paths: Vec<String>,
}

impl Reader {
    fn of(conn: &mut DbConn, caller: &Caller) -> Result<Self, ApiError> {
        let nobody = Self { everything: false, units: HashSet::new(), paths: Vec::new() };
        if holds(caller, DRAFTERS) || caller.scope.is_district() {
            return Ok(Self { everything: true, ..nobody });
        }
        let Some(mut units) = store::unit_ids_in_scope(conn, &caller.scope)? else {
            return Ok(Self { everything: true, ..nobody });
        };
        if let Some(own) = caller.principal.cadre_id.as_deref()
            && let Some(cadre) = projection::cadre(conn, own)?
        {
            units.push(cadre.employing_unit_id);
        }
        let mut paths = Vec::with_capacity(units.len());
        for unit in &units {
            if let Some(unit) = projection::unit(conn, unit)? {
                paths.push(unit.path);
            }
        }
        Ok(Self { everything: false, units: units.into_iter().collect(), paths })
    }

    /// Whether `row` was distributed to the reader: to a unit of theirs, one above it, or one they supervise.
    fn sees(&self, row: &CircularRow) -> bool {
        let distributed = store::strings(&row.distribution_unit_ids);
        self.everything
            || distributed.is_empty()
            || distributed.iter().any(|unit| {
                let segment = format!("/{unit}/");
                self.units.contains(unit) || self.paths.iter().any(|path| path.contains(&segment))
            })
    }
}

fn circular_not_found(id: &str) -> ApiError {
    ApiError::not_found("CIRCULAR_NOT_FOUND", format!("no circular {id}"))
}

/// Whether an entry commended (or criticised) fits a circular of `kind`: a commendation names only those it
/// commends, a criticism only those it criticises, a mixed circular both.
fn fits(kind: CircularKind, commended: bool) -> bool {
    match kind {
        CircularKind::Commendation => commended,
        CircularKind::Criticism => !commended,
        CircularKind::Mixed => true,
    }
}

/// A circular as the contract shows it, with its entries.
fn present(conn: &mut DbConn, row: &CircularRow) -> Result<pb::Circular, ApiError> {
    let mut entries = circular_store::entries_of(conn, std::slice::from_ref(&row.id))?;
    Ok(view::circulars::circular(row, &entries.remove(&row.id).unwrap_or_default()))
}

/// One entry of a DraftCircular request, checked on its own.
struct EntryDraft {
    org_unit_id: String,
    cadre_id: String,
    name: String,
    commended: bool,
    text: String,
    finding_id: String,
    decision_id: String,
}

impl OversightApi {
    pub(super) async fn draft_circular_impl(
        &self,
        request: Request<pb::DraftCircularRequest>,
    ) -> Result<Response<pb::DraftCircularResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let mut violations = Violations::default();
        let title = text(&mut violations, "title", &request.title, MAX_SHORT_CHARS, true);
        let kind = CircularKind::from_number(request.kind);
        violations.require(kind.is_some(), "kind", "is required");
        let distribution =
            text(&mut violations, "distribution", &request.distribution, MAX_SHORT_CHARS, true);
        violations.require(
            request.distribution_unit_ids.len() <= MAX_ITEMS,
            "distribution_unit_ids",
            format!("at most {MAX_ITEMS} entries"),
        );
        let mut distributed: Vec<String> = Vec::new();
        for (i, unit) in request.distribution_unit_ids.iter().enumerate() {
            let field = format!("distribution_unit_ids[{i}]");
            let unit = id(&mut violations, &field, unit);
            if distributed.contains(&unit) {
                violations.add(field, "is listed twice");
            } else {
                distributed.push(unit);
            }
        }
        let cadence = match request.cadence {
            0 => Some(Cadence::AdHoc),
            n => Cadence::from_number(n),
        };
        violations.require(cadence.is_some(), "cadence", "is not a known cadence");
        let period_label =
            text(&mut violations, "period_label", &request.period_label, MAX_SHORT_CHARS, false);
        let scheduled_on =
            dates::optional_date(&mut violations, "scheduled_on", request.scheduled_on.as_ref());
        violations.require(!request.entries.is_empty(), "entries", "at least one entry is required");
        violations.require(
            request.entries.len() <= MAX_ITEMS,
            "entries",
            format!("at most {MAX_ITEMS} entries"),
        );
        let entries: Vec<EntryDraft> = request
            .entries
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let field = |name: &str| format!("entries[{i}].{name}");
                let org_unit_id = optional_id(&mut violations, &field("org_unit_id"), &entry.org_unit_id);
                let cadre_id = optional_id(&mut violations, &field("cadre_id"), &entry.cadre_id);
                violations.require(
                    !org_unit_id.is_empty() || !cadre_id.is_empty(),
                    field("org_unit_id"),
                    "is required when no cadre is named",
                );
                if let Some(kind) = kind {
                    violations.require(
                        fits(kind, entry.commended),
                        field("commended"),
                        format!("does not fit a {} circular", kind.code()),
                    );
                }
                EntryDraft {
                    org_unit_id,
                    cadre_id,
                    name: text(&mut violations, &field("name"), &entry.name, MAX_SHORT_CHARS, false),
                    commended: entry.commended,
                    text: text(&mut violations, &field("text"), &entry.text, MAX_TEXT_CHARS, false),
                    finding_id: optional_id(&mut violations, &field("finding_id"), &entry.finding_id),
                    decision_id: optional_id(&mut violations, &field("decision_id"), &entry.decision_id),
                }
            })
            .collect();
        let body = text(&mut violations, "body", &request.body, MAX_TEXT_CHARS, true);
        finish(violations, "INVALID_CIRCULAR", "the circular is not valid")?;
        let (Some(kind), Some(cadence)) = (kind, cadence) else {
            return Err(status(ApiError::internal("validated fields missing")));
        };
        let response = self
            .db
            .mutate(ctx, method!("DraftCircular"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut violations = Violations::default();
                for (i, unit) in distributed.iter().enumerate() {
                    violations.require(
                        projection::unit(conn, unit)?.is_some(),
                        format!("distribution_unit_ids[{i}]"),
                        "is not a known unit",
                    );
                }
                let id = store::new_id();
                let mut rows = Vec::with_capacity(entries.len());
                for (i, entry) in entries.into_iter().enumerate() {
                    let field = |name: &str| format!("entries[{i}].{name}");
                    let cadre = if entry.cadre_id.is_empty() {
                        None
                    } else {
                        let cadre = projection::cadre(conn, &entry.cadre_id)?;
                        violations.require(cadre.is_some(), field("cadre_id"), "is not a known cadre");
                        cadre
                    };
                    let org_unit_id = match &cadre {
                        Some(cadre) if entry.org_unit_id.is_empty() => cadre.employing_unit_id.clone(),
                        _ => entry.org_unit_id.clone(),
                    };
                    if let Some(cadre) = &cadre {
                        violations.require(
                            org_unit_id == cadre.employing_unit_id || org_unit_id == cadre.managing_unit_id,
                            field("org_unit_id"),
                            "is not the named cadre's unit",
                        );
                    }
                    let unit =
                        if org_unit_id.is_empty() { None } else { projection::unit(conn, &org_unit_id)? };
                    if !org_unit_id.is_empty() {
                        violations.require(unit.is_some(), field("org_unit_id"), "is not a known unit");
                    }
                    if !entry.finding_id.is_empty() {
                        violations.require(
                            finding_store::exists(conn, &entry.finding_id)?,
                            field("finding_id"),
                            "is not a recorded finding",
                        );
                    }
                    if !entry.decision_id.is_empty() {
                        violations.require(
                            circular_store::decision_exists(conn, &entry.decision_id)?,
                            field("decision_id"),
                            "is not a recorded decision",
                        );
                    }
                    let name = if !entry.name.is_empty() {
                        entry.name
                    } else if let Some(cadre) = &cadre {
                        cadre.name.clone()
                    } else {
                        unit.map(|u| u.name).unwrap_or_default()
                    };
                    rows.push(EntryRow {
                        circular_id: id.clone(),
                        position: i32::try_from(i).unwrap_or(i32::MAX),
                        org_unit_id,
                        cadre_id: entry.cadre_id,
                        name,
                        commended: entry.commended,
                        text: entry.text,
                        finding_id: entry.finding_id,
                        decision_id: entry.decision_id,
                    });
                }
                violations.finish("INVALID_CIRCULAR", "the circular is not valid")?;
                let row = CircularRow {
                    id,
                    title,
                    kind: kind.code().to_owned(),
                    distribution,
                    distribution_unit_ids: store::json(&distributed),
                    cadence: cadence.code().to_owned(),
                    period_label,
                    scheduled_on,
                    state: CircularState::Draft.code().to_owned(),
                    document_number: String::new(),
                    issued_on: None,
                    body,
                    created_by: caller.principal.subject.clone(),
                    issued_by: String::new(),
                    created_at: clock::now(),
                };
                circular_store::insert(conn, &row, &rows)?;
                tx.set_object("circular", &row.id);
                Ok(pb::DraftCircularResponse { circular: Some(view::circulars::circular(&row, &rows)) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn issue_circular_impl(
        &self,
        request: Request<pb::IssueCircularRequest>,
    ) -> Result<Response<pb::IssueCircularResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let circular_id = id(&mut violations, "circular_id", &request.circular_id);
        let document_number =
            text(&mut violations, "document_number", &request.document_number, MAX_SHORT_CHARS, true);
        let issued_on =
            dates::optional_date(&mut violations, "issued_on", request.issued_on.as_ref()).unwrap_or(today);
        violations.require(issued_on <= today, "issued_on", "is after today");
        finish(violations, "INVALID_ISSUE", "the issue is not valid")?;
        let response = self
            .db
            .mutate(ctx, method!("IssueCircular"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut row = circular_store::get(conn, &circular_id)?
                    .ok_or_else(|| circular_not_found(&circular_id))?;
                if row.state != CircularState::Draft.code() {
                    return Err(ApiError::failed_precondition(
                        "CIRCULAR_ALREADY_ISSUED",
                        format!("circular {} was issued as {}", row.id, row.document_number),
                    ));
                }
                row.state = CircularState::Issued.code().to_owned();
                row.document_number = document_number;
                row.issued_on = Some(issued_on);
                row.issued_by = caller.principal.subject.clone();
                circular_store::update(conn, &row)?;
                let circular = present(conn, &row)?;
                tx.set_object("circular", &row.id);
                events::circular_issued(tx, circular.clone())?;
                Ok(pb::IssueCircularResponse { circular: Some(circular) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn get_circular_impl(
        &self,
        request: Request<pb::GetCircularRequest>,
    ) -> Result<Response<pb::GetCircularResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = require_id("circular_id", &request.get_ref().circular_id).map_err(status)?;
        let drafter = holds(&caller, DRAFTERS);
        let circular = self
            .db
            .run(move |conn| {
                let row = circular_store::get(conn, &id)?.ok_or_else(|| circular_not_found(&id))?;
                if row.state != CircularState::Issued.code() && !drafter {
                    return Err(circular_not_found(&id));
                }
                if !Reader::of(conn, &caller)?.sees(&row) {
                    return Err(circular_not_found(&id));
                }
                present(conn, &row)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetCircularResponse { circular: Some(circular) }))
    }

    pub(super) async fn list_circulars_impl(
        &self,
        request: Request<pb::ListCircularsRequest>,
    ) -> Result<Response<pb::ListCircularsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let state = match request.state {
            0 => None,
            n => {
                let state = CircularState::from_number(n);
                violations.require(state.is_some(), "state", "is not a known value");
                state
            }
        };
        let kind = match request.kind {
            0 => None,
            n => {
                let kind = CircularKind::from_number(n);
                violations.require(kind.is_some(), "kind", "is not a known value");
                kind
            }
        };
        if request.year != 0 {
            super::year(&mut violations, "year", request.year);
        }
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let filters = paging::filter_fingerprint(&[
            &request.state.to_string(),
            &request.kind.to_string(),
            &request.year.to_string(),
            &request.overdue_only.to_string(),
        ]);
        let after = super::after_token(&request.page_token, &filters)?;
        let drafter = holds(&caller, DRAFTERS);
        let wants_drafts = state == Some(CircularState::Draft) || request.overdue_only;
        if !drafter && wants_drafts {
            return Ok(Response::new(pb::ListCircularsResponse::default()));
        }
        let filter = CircularFilter {
            state: if drafter { state } else { Some(CircularState::Issued) }.map(|s| s.code().to_owned()),
            kind: kind.map(|k| k.code().to_owned()),
            span: (request.year != 0).then(|| finding_store::year_bounds(request.year)).flatten(),
            overdue_before: request.overdue_only.then_some(today),
        };
        let (circulars, next) = self
            .db
            .run(move |conn| {
                // Keyset pages of what the reader was distributed, fetched until one more than a page is seen
                // or the table ends, so a page is never cut short by circulars the reader does not see.
                let reader = Reader::of(conn, &caller)?;
                let mut seen = Vec::new();
                let mut cursor = after;
                loop {
                    let batch = circular_store::list(conn, &filter, cursor.clone(), limit + 1)?;
                    let exhausted = i64::try_from(batch.len()).unwrap_or(i64::MAX) <= limit;
                    cursor = batch.last().map(|r| r.id.clone());
                    seen.extend(batch.into_iter().filter(|row| reader.sees(row)));
                    if exhausted || i64::try_from(seen.len()).unwrap_or(i64::MAX) > limit {
                        break;
                    }
                }
                let (rows, next) = super::page(seen, limit, &filters, |r| r.id.clone());
                let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let mut entries = circular_store::entries_of(conn, &ids)?;
                let shown = rows
                    .iter()
                    .map(|row| view::circulars::circular(row, &entries.remove(&row.id).unwrap_or_default()))
                    .collect();
                Ok((shown, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListCircularsResponse { circulars, next_page_token: next }))
    }

    pub(super) async fn list_circular_mentions_impl(
        &self,
        request: Request<pb::ListCircularMentionsRequest>,
    ) -> Result<Response<pb::ListCircularMentionsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let cadre_id = optional_id(&mut violations, "cadre_id", &request.cadre_id);
        let unit_id = optional_id(&mut violations, "org_unit_id", &request.org_unit_id);
        violations.require(
            cadre_id.is_empty() != unit_id.is_empty(),
            "cadre_id",
            "exactly one of cadre_id and org_unit_id is required",
        );
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let filters = paging::filter_fingerprint(&[&cadre_id, &unit_id]);
        let after = match paging::decode_token(&request.page_token, &filters).map_err(status)? {
            None => None,
            Some(key) => {
                let position = match key.as_slice() {
                    [circular, position] => position.parse::<i32>().ok().map(|p| (circular.clone(), p)),
                    _ => None,
                };
                Some(position.ok_or_else(|| {
                    status(
                        ApiError::invalid_argument(
                            "INVALID_PAGE_TOKEN",
                            "page_token is not valid for this query",
                        )
                        .with_violation("page_token", "not a token from this query's previous page"),
                    )
                })?)
            }
        };
        let (mentions, next) = self
            .db
            .run(move |conn| {
                let named = if cadre_id.is_empty() {
                    Named::Unit(visible_unit(conn, &caller, &unit_id)?.id)
                } else {
                    Named::Cadre(visible_cadre(conn, &caller, &cadre_id)?.id)
                };
                let rows = circular_store::mentions(conn, &named, after, limit + 1)?;
                let (rows, next) = paging::finish_page(rows, limit, &filters, |r| {
                    vec![r.circular_id.clone(), r.position.to_string()]
                });
                let ids: Vec<String> =
                    rows.iter().map(|r| r.circular_id.clone()).collect::<HashSet<_>>().into_iter().collect();
                let circulars = circular_store::get_many(conn, &ids)?;
                let shown = rows
                    .iter()
                    .filter_map(|row| {
                        circulars.get(&row.circular_id).map(|c| view::circulars::mention(c, row))
                    })
                    .collect();
                Ok((shown, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListCircularMentionsResponse { mentions, next_page_token: next }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_fits_its_circular_by_what_it_does_to_the_named() {
        assert!(fits(CircularKind::Commendation, true));
        assert!(!fits(CircularKind::Commendation, false));
        assert!(fits(CircularKind::Criticism, false));
        assert!(!fits(CircularKind::Criticism, true));
        assert!(fits(CircularKind::Mixed, true));
        assert!(fits(CircularKind::Mixed, false));
    }
}

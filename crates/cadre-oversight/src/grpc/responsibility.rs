//! The responsibility lists of 四责协同 and 一岗双责 (domain.md §4.1): set per unit, kind, holder and year
//! with their three lists (问题清单, 责任清单, 项目清单), listed over a unit subtree, and the
//! four-responsibility view of a unit with what went wrong under each.

use std::collections::HashSet;

use cadre_platform::{
    ApiError, CallContext, Violations,
    auth::Caller,
    clock, dates,
    input::{id, optional_id, text},
    paging,
};
use cadre_projection::store as projection;
use cadre_proto::oversight as pb;
use tonic::{Request, Response, Status};

use super::{MAX_ITEMS, MAX_SHORT_CHARS, OversightApi, after_token, finish, page, status, visible_unit};
use crate::{
    domain::codes::{ListKind, ResponsibilityKind},
    store::{
        self,
        findings::{self as finding_store},
        responsibility::{self as responsibility_store, ResponsibilityFilter, ResponsibilityRow, StoredItem},
    },
    view,
};

/// The kinds a person holds in person: the secretary's 第一责任人责任 and a team member's 一岗双责. The
/// other two are a body's, with the person who answers for it named if at all.
fn held_in_person(kind: ResponsibilityKind) -> bool {
    matches!(kind, ResponsibilityKind::FirstResponsible | ResponsibilityKind::DualDuty)
}

/// A SetResponsibility request, checked.
struct Checked {
    unit_id: String,
    kind: ResponsibilityKind,
    holder_cadre_id: String,
    year: i32,
    area: String,
    items: Vec<StoredItem>,
    version: i64,
}

fn check(request: &pb::SetResponsibilityRequest) -> Result<Checked, Status> {
    let mut violations = Violations::default();
    let given = request.responsibility.clone().unwrap_or_default();
    violations.require(request.responsibility.is_some(), "responsibility", "is required");
    let unit_id = id(&mut violations, "responsibility.org_unit_id", &given.org_unit_id);
    let kind = ResponsibilityKind::from_number(given.kind);
    violations.require(kind.is_some(), "responsibility.kind", "is required");
    let holder_cadre_id =
        optional_id(&mut violations, "responsibility.holder_cadre_id", &given.holder_cadre_id);
    if kind.is_some_and(held_in_person) && holder_cadre_id.is_empty() {
        violations
            .add("responsibility.holder_cadre_id", "is required: this responsibility is held in person");
    }
    let year = super::year(&mut violations, "responsibility.year", given.year);
    let area = text(&mut violations, "responsibility.area", &given.area, MAX_SHORT_CHARS, false);
    violations.require(given.version >= 0, "responsibility.version", "must not be negative");
    if given.items.len() > MAX_ITEMS {
        violations.add("responsibility.items", format!("at most {MAX_ITEMS} entries"));
    }
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(given.items.len());
    for (i, item) in given.items.iter().enumerate() {
        let field = |name: &str| format!("responsibility.items[{i}].{name}");
        let mut item_id = optional_id(&mut violations, &field("id"), &item.id);
        if item_id.is_empty() {
            item_id = store::new_id();
        } else if !seen.insert(item_id.clone()) {
            violations.add(field("id"), "is the id of an earlier entry");
        }
        let list = ListKind::from_number(item.list);
        violations.require(list.is_some(), field("list"), "is required");
        let entry = text(&mut violations, &field("text"), &item.text, MAX_SHORT_CHARS, true);
        let due_date = dates::optional_date(&mut violations, &field("due_date"), item.due_date.as_ref());
        items.push(StoredItem {
            id: item_id,
            list: list.map(|l| l.code().to_owned()).unwrap_or_default(),
            text: entry,
            due_date,
            done: item.done,
        });
    }
    finish(violations, "INVALID_RESPONSIBILITY", "the responsibility is not valid")?;
    let kind = kind.ok_or_else(|| status(ApiError::internal("validated fields missing")))?;
    Ok(Checked { unit_id, kind, holder_cadre_id, year, area, items, version: given.version })
}

impl OversightApi {
    pub(super) async fn set_responsibility_impl(
        &self,
        request: Request<pb::SetResponsibilityRequest>,
    ) -> Result<Response<pb::SetResponsibilityResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let checked = check(&request)?;
        let response = self
            .db
            .mutate(ctx, method!("SetResponsibility"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let unit = visible_unit(conn, &caller, &checked.unit_id)?;
                let mut holder_name = String::new();
                if !checked.holder_cadre_id.is_empty() {
                    let mut violations = Violations::default();
                    let field = "responsibility.holder_cadre_id";
                    match projection::cadre(conn, &checked.holder_cadre_id)? {
                        None => violations.add(field, "is not a known cadre"),
                        Some(cadre)
                            if held_in_person(checked.kind)
                                && cadre.employing_unit_id != unit.id
                                && cadre.managing_unit_id != unit.id =>
                        {
                            violations.add(field, "is not a cadre of the unit");
                        }
                        Some(cadre) => holder_name = cadre.name,
                    }
                    violations.finish("INVALID_RESPONSIBILITY", "the responsibility is not valid")?;
                }
                let stored = responsibility_store::find(
                    conn,
                    &unit.id,
                    checked.kind.code(),
                    &checked.holder_cadre_id,
                    checked.year,
                )?;
                let current = stored.as_ref().map(|r| r.version);
                if checked.version != 0 && current != Some(checked.version) {
                    return Err(responsibility_store::version_mismatch(checked.version, current));
                }
                let row = ResponsibilityRow {
                    id: stored.as_ref().map_or_else(store::new_id, |r| r.id.clone()),
                    org_unit_id: unit.id.clone(),
                    kind: checked.kind.code().to_owned(),
                    holder_cadre_id: checked.holder_cadre_id,
                    holder_name,
                    year: checked.year,
                    area: checked.area,
                    items: store::json(&checked.items),
                    version: current.unwrap_or(0) + 1,
                    updated_by: caller.principal.subject.clone(),
                    updated_at: clock::now(),
                };
                match current {
                    Some(read) => responsibility_store::update(conn, &row, read)?,
                    None => responsibility_store::insert(conn, &row)?,
                }
                tx.set_object("responsibility", &row.id);
                Ok(pb::SetResponsibilityResponse {
                    responsibility: Some(view::responsibility::responsibility(&row, &unit.name)?),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }

    pub(super) async fn list_responsibilities_impl(
        &self,
        request: Request<pb::ListResponsibilitiesRequest>,
    ) -> Result<Response<pb::ListResponsibilitiesResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let limit = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        if request.year != 0 {
            super::year(&mut violations, "year", request.year);
        }
        let unit_id = optional_id(&mut violations, "org_unit_id", &request.org_unit_id);
        let holder = optional_id(&mut violations, "holder_cadre_id", &request.holder_cadre_id);
        finish(violations, "INVALID_FILTER", "the list's filter is not valid")?;
        let filters = paging::filter_fingerprint(&[&unit_id, &request.year.to_string(), &holder]);
        let after = after_token(&request.page_token, &filters)?;
        let filter = ResponsibilityFilter {
            year: (request.year != 0).then_some(request.year),
            holder_cadre_id: Some(holder).filter(|h| !h.is_empty()),
        };
        let (responsibilities, next) = self
            .db
            .run(move |conn| {
                let reach = store::reach(conn, &caller.scope, &unit_id)?;
                let rows = responsibility_store::list(conn, &reach, &filter, after, limit + 1)?;
                let (rows, next) = page(rows, limit, &filters, |r| r.id.clone());
                let units: Vec<String> = rows.iter().map(|r| r.org_unit_id.clone()).collect();
                let names = finding_store::unit_names(conn, &units)?;
                let shown = rows
                    .iter()
                    .map(|row| {
                        let name = names.get(&row.org_unit_id).map_or("", String::as_str);
                        view::responsibility::responsibility(row, name)
                    })
                    .collect::<Result<Vec<_>, ApiError>>()?;
                Ok((shown, next))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListResponsibilitiesResponse { responsibilities, next_page_token: next }))
    }

    pub(super) async fn get_responsibility_view_impl(
        &self,
        request: Request<pb::GetResponsibilityViewRequest>,
    ) -> Result<Response<pb::GetResponsibilityViewResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let today = self.today();
        let mut violations = Violations::default();
        let unit_id = id(&mut violations, "org_unit_id", &request.org_unit_id);
        let year = super::year(&mut violations, "year", request.year);
        finish(violations, "INVALID_VIEW_REQUEST", "the view asked for is not valid")?;
        let response = self
            .db
            .run(move |conn| {
                let unit = visible_unit(conn, &caller, &unit_id)?;
                let mut rows = responsibility_store::of_unit(conn, &unit.id, year)?;
                rows.sort_by_cached_key(|r| {
                    let kind =
                        ResponsibilityKind::from_code(&r.kind).map_or(i32::MAX, ResponsibilityKind::number);
                    (kind, r.holder_name.clone(), r.id.clone())
                });
                let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let findings = finding_store::count_by_responsibility(conn, &ids)?;
                let decisions = responsibility_store::decision_counts(conn, &ids)?;
                let standings = rows
                    .iter()
                    .map(|row| {
                        let traced = findings.get(&row.id).copied().unwrap_or_default();
                        let decided = decisions.get(&row.id).copied().unwrap_or_default();
                        view::responsibility::standing(row, &unit.name, today, traced, decided)
                    })
                    .collect::<Result<Vec<_>, ApiError>>()?;
                let held: Vec<ResponsibilityKind> =
                    rows.iter().filter_map(|r| ResponsibilityKind::from_code(&r.kind)).collect();
                Ok(pb::GetResponsibilityViewResponse {
                    org_unit_id: unit.id.clone(),
                    year,
                    standings,
                    missing_kinds: view::responsibility::missing_kinds(&held)
                        .into_iter()
                        .map(ResponsibilityKind::number)
                        .collect(),
                    untraced_findings: finding_store::untraced_in_year(conn, &unit.id, year)?,
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

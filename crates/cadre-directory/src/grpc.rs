//! The tonic implementation of `cadre.directory.v1.DirectoryService`: maps proto to domain, calls the
//! rules and the store inside one transaction, maps back. No SQL and no rules live here.

use cadre_platform::{
    ApiError, CallContext, Db, DbConn, Violations,
    auth::{Caller, DataScope},
    clock::{self, Today},
    error::require_id,
    paging, policy,
};
use cadre_proto::directory::{self as pb, directory_service_server::DirectoryService};
use chrono::NaiveDate;
use futures::StreamExt as _;
use tonic::{Request, Response, Status, Streaming};

use crate::{
    convert,
    domain::{
        accounts::{AccountShape, check_account},
        cadre::{Cadre, Problem},
        codes::{AccountState, CadreStatus, PostLevel, RankGrade, Role},
        facts::FactPolicy,
        units::{self as rules, check_move, check_placement},
    },
    events, import,
    store::{
        self, Lookup,
        accounts::{Account, AccountKey},
        cadres::CadreFilter,
        units::{UnitFilter, UnitRow},
    },
};

/// The `ErrorInfo` domain of this service.
pub const ERROR_DOMAIN: &str = "directory.cadre";

/// The directory service over its database.
#[derive(Clone)]
pub struct DirectoryApi {
    db: Db,
    /// The date the record checks (ages, dates not in the future) are made on.
    today: Today,
}

impl std::fmt::Debug for DirectoryApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryApi").field("db", &self.db).finish_non_exhaustive()
    }
}

impl DirectoryApi {
    /// A service over `db` (migrated), on the district's real date.
    pub fn new(db: Db) -> Self {
        Self::on(db, std::sync::Arc::new(clock::today))
    }

    /// A service over `db` (migrated) whose date is `today`'s: a suite walked through chosen dates.
    pub fn on(db: Db, today: Today) -> Self {
        Self { db, today }
    }
}

fn status(error: ApiError) -> Status {
    error.into_status(ERROR_DOMAIN)
}

/// The `ErrorInfo` reason of a refusal because the record lies outside the caller's data scope.
const OUT_OF_SCOPE: &str = "OUT_OF_SCOPE";

fn cadre_not_found(field: &str) -> ApiError {
    ApiError::not_found("CADRE_NOT_FOUND", "no such cadre").with_violation(field, "no such cadre")
}

fn account_not_found(field: &str) -> ApiError {
    ApiError::not_found("ACCOUNT_NOT_FOUND", "no such account").with_violation(field, "no such account")
}

fn out_of_scope(message: &str) -> ApiError {
    ApiError::new(tonic::Code::PermissionDenied, OUT_OF_SCOPE, message)
}

impl DirectoryApi {
    /// Unwraps a scoped look-up. A record outside the caller's scope gets the same answer as an absent one,
    /// so scope cannot be probed; unlike an absent one, the refusal is recorded in the audit chain.
    async fn visible<T>(
        &self,
        ctx: &CallContext,
        caller: &Caller,
        (method, object_type, id): (&'static str, &'static str, &str),
        lookup: Lookup<T>,
        not_found: ApiError,
    ) -> Result<T, Status> {
        match lookup {
            Lookup::Found(found) => Ok(found),
            Lookup::Absent => Err(status(not_found)),
            Lookup::Hidden => {
                self.record_refusal(ctx, caller, (method, object_type, id), OUT_OF_SCOPE).await;
                Err(status(not_found))
            }
        }
    }

    /// Records a refusal about one object; a failure to record is logged, not turned into another answer.
    async fn record_refusal(
        &self,
        ctx: &CallContext,
        caller: &Caller,
        (method, object_type, id): (&'static str, &'static str, &str),
        reason: &'static str,
    ) {
        let recorded = self
            .db
            .audit_refusal(ctx.clone(), method.to_owned(), object_type, id, reason, caller.request_id.clone())
            .await;
        if let Err(error) = recorded {
            tracing::error!(%error, "could not audit a refused call");
        }
    }

    /// Audits an out-of-scope refusal that a mutation returned, then passes the error on.
    async fn audit_if_refused(
        &self,
        ctx: &CallContext,
        caller: &Caller,
        (method, object_type, id): (&'static str, &'static str, &str),
        error: ApiError,
    ) -> Status {
        if error.reason() == OUT_OF_SCOPE {
            self.record_refusal(ctx, caller, (method, object_type, id), OUT_OF_SCOPE).await;
        }
        status(error)
    }

    async fn lookup_cadre(&self, id: &str, scope: &DataScope) -> Result<Lookup<Cadre>, Status> {
        let (id, scope) = (id.to_owned(), scope.clone());
        self.db.run(move |conn| store::cadres::lookup(conn, &id, &scope)).await.map_err(status)
    }
}

fn invalid(reason: &str, message: &str, problems: Vec<Problem>) -> ApiError {
    problems.into_iter().fold(ApiError::invalid_argument(reason, message), |e, (f, d)| e.with_violation(f, d))
}

fn check_version(expected: i64, actual: i64) -> Result<(), ApiError> {
    if expected != 0 && expected != actual {
        return Err(ApiError::aborted(
            "VERSION_MISMATCH",
            format!("expected version {expected}, found {actual}"),
        )
        .with_metadata("current_version", actual.to_string()));
    }
    Ok(())
}

/// An optional enum filter: 0 means "any", an unknown number is a violation.
fn optional_code<T>(
    number: i32,
    field: &str,
    from: fn(i32) -> Option<T>,
    violations: &mut Violations,
) -> Option<T> {
    if number == 0 {
        return None;
    }
    let value = from(number);
    violations.require(value.is_some(), field, "is not a known value");
    value
}

/// The fact-check policy in force on `on`.
pub(crate) fn fact_policy(conn: &mut DbConn, on: NaiveDate) -> Result<FactPolicy, ApiError> {
    Ok(FactPolicy {
        min_party_entry_age: policy::u32_on(conn, "directory.min_party_entry_age", on)?,
        min_work_start_age: policy::u32_on(conn, "directory.min_work_start_age", on)?,
        work_history_gap_warning_months: policy::u32_on(
            conn,
            "directory.work_history_gap_warning_months",
            on,
        )?,
    })
}

/// A stored cadre as proto, with its warnings under the policy in force `today`.
fn cadre_out(cadre: &Cadre, full_citizen_id: bool, policy: &FactPolicy, today: NaiveDate) -> pb::Cadre {
    let warnings = cadre.data.check(policy, today).unwrap_or_default();
    convert::cadre_to(cadre, full_citizen_id, &warnings)
}

/// Checks that the cadre's units exist and are open, and that a cadre placed in them stays inside the
/// caller's scope (as [`DataScope::admits`]: either unit will do).
fn check_cadre_units(
    conn: &mut DbConn,
    scope: &DataScope,
    employing: &str,
    managing: &str,
) -> Result<(), ApiError> {
    let mut paths = Vec::with_capacity(2);
    for (field, id) in [("cadre.employing_unit_id", employing), ("cadre.managing_unit_id", managing)] {
        let unit = store::units::require(conn, id, field)?;
        if unit.is_closed() {
            return Err(ApiError::failed_precondition("ORG_UNIT_CLOSED", format!("unit {id} is closed"))
                .with_violation(field, "the unit is closed"));
        }
        paths.push(unit.path);
    }
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    if scope.admits(&paths, None) {
        Ok(())
    } else {
        Err(out_of_scope("the cadre's units are outside your remit")
            .with_violation("cadre.employing_unit_id", "outside your remit"))
    }
}

const CADRE_PATHS: &[&str] = &[
    "name",
    "external_id",
    "gender",
    "citizen_id",
    "birth_date",
    "work_start_date",
    "party_entry_date",
    "education",
    "category",
    "employing_unit_id",
    "managing_unit_id",
    "post",
    "rank",
    "status",
    "work_history",
];

const ACCOUNT_PATHS: &[&str] =
    &["display_name", "roles", "scope_unit_id", "clearances", "state", "external_subject", "cadre_id"];

fn mask_paths(mask: Option<&prost_types::FieldMask>, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
    let paths = mask.map(|m| m.paths.clone()).unwrap_or_default();
    let mut violations = Violations::default();
    violations.require(!paths.is_empty(), "update_mask", "name at least one field to change");
    for path in &paths {
        violations.require(
            allowed.contains(&path.as_str()),
            "update_mask.paths",
            format!("{path:?} cannot be updated"),
        );
    }
    violations.finish("INVALID_UPDATE_MASK", "update_mask is not valid")?;
    Ok(paths)
}

fn overlay_cadre(target: &mut pb::Cadre, source: &pb::Cadre, paths: &[String]) {
    for path in paths {
        match path.as_str() {
            "name" => target.name.clone_from(&source.name),
            "external_id" => target.external_id.clone_from(&source.external_id),
            "gender" => target.gender = source.gender,
            "citizen_id" => target.citizen_id.clone_from(&source.citizen_id),
            "birth_date" => target.birth_date = source.birth_date,
            "work_start_date" => target.work_start_date = source.work_start_date,
            "party_entry_date" => target.party_entry_date = source.party_entry_date,
            "education" => target.education = source.education,
            "category" => target.category = source.category,
            "employing_unit_id" => target.employing_unit_id.clone_from(&source.employing_unit_id),
            "managing_unit_id" => target.managing_unit_id.clone_from(&source.managing_unit_id),
            "post" => target.post.clone_from(&source.post),
            "rank" => target.rank = source.rank,
            "status" => target.status = source.status,
            "work_history" => target.work_history.clone_from(&source.work_history),
            // Unknown paths were refused by `mask_paths`.
            _ => {}
        }
    }
}

fn overlay_account(target: &mut pb::Account, source: &pb::Account, paths: &[String]) {
    for path in paths {
        match path.as_str() {
            "display_name" => target.display_name.clone_from(&source.display_name),
            "roles" => target.roles.clone_from(&source.roles),
            "scope_unit_id" => target.scope_unit_id.clone_from(&source.scope_unit_id),
            "clearances" => target.clearances.clone_from(&source.clearances),
            "state" => target.state = source.state,
            "external_subject" => target.external_subject.clone_from(&source.external_subject),
            "cadre_id" => target.cadre_id.clone_from(&source.cadre_id),
            _ => {}
        }
    }
}

/// Checks an account's shape and references.
fn check_account_refs(conn: &mut DbConn, account: &Account) -> Result<(), ApiError> {
    let problems = check_account(&AccountShape {
        username: &account.username,
        display_name: &account.display_name,
        kind: account.kind,
        roles: &account.roles,
        clearances: &account.clearances,
        has_cadre: account.cadre_id.is_some(),
        has_scope: account.scope_unit_id.is_some(),
    });
    if !problems.is_empty() {
        let problems = problems.into_iter().map(|(f, d)| (format!("account.{f}"), d)).collect();
        return Err(invalid("INVALID_ACCOUNT", "the account is not valid", problems));
    }
    if let Some(cadre_id) = &account.cadre_id {
        store::cadres::require(conn, cadre_id, "account.cadre_id")?;
    }
    if let Some(unit_id) = &account.scope_unit_id {
        store::units::require(conn, unit_id, "account.scope_unit_id")?;
    }
    Ok(())
}

#[tonic::async_trait]
impl DirectoryService for DirectoryApi {
    async fn list_unit_kinds(
        &self,
        _request: Request<pb::ListUnitKindsRequest>,
    ) -> Result<Response<pb::ListUnitKindsResponse>, Status> {
        let kinds = self.db.run(store::units::kinds).await.map_err(status)?;
        Ok(Response::new(pb::ListUnitKindsResponse {
            unit_kinds: kinds.iter().map(convert::kind_to).collect(),
        }))
    }

    async fn create_org_unit(
        &self,
        request: Request<pb::CreateOrgUnitRequest>,
    ) -> Result<Response<pb::CreateOrgUnitResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let unit = request.org_unit.clone().unwrap_or_default();
        let mut violations = Violations::default();
        let name = rules::normalize_name(&unit.name).map_err(|d| violations.add("org_unit.name", d)).ok();
        if let Err(d) = rules::check_code(&unit.code) {
            violations.add("org_unit.code", d);
        }
        violations.require(!unit.kind.is_empty(), "org_unit.kind", "is required");
        violations.require(request.org_unit.is_some(), "org_unit", "is required");
        violations.finish("INVALID_ORG_UNIT", "the unit is not valid").map_err(status)?;
        let name = name.unwrap_or_default();
        let response = self
            .db
            .mutate(ctx, method!("CreateOrgUnit"), &request.request_id, &request, move |tx| {
                let kind = store::units::kind(tx.conn(), &unit.kind)?.ok_or_else(|| {
                    ApiError::invalid_argument("UNKNOWN_UNIT_KIND", format!("no unit kind {:?}", unit.kind))
                        .with_violation("org_unit.kind", "not a kind from ListUnitKinds")
                })?;
                let parent = if unit.parent_id.is_empty() {
                    if store::units::has_root(tx.conn())? {
                        return Err(ApiError::failed_precondition(
                            "ROOT_EXISTS",
                            "the tree has its root already",
                        )
                        .with_violation("org_unit.parent_id", "is required: the root exists"));
                    }
                    None
                } else {
                    let parent = store::units::require(tx.conn(), &unit.parent_id, "org_unit.parent_id")?;
                    if parent.is_closed() {
                        return Err(ApiError::failed_precondition(
                            "PARENT_UNIT_CLOSED",
                            "the parent unit is closed",
                        )
                        .with_violation("org_unit.parent_id", "the unit is closed"));
                    }
                    Some(parent)
                };
                let parent_kind = match &parent {
                    Some(p) => store::units::kind(tx.conn(), &p.kind)?,
                    None => None,
                };
                check_placement(&kind, parent_kind.as_ref()).map_err(|e| {
                    ApiError::failed_precondition(e.reason(), e.message())
                        .with_violation("org_unit.kind", e.message())
                })?;
                let row = store::units::insert(tx.conn(), parent.as_ref(), &unit.code, &name, &kind.code)?;
                events::unit_created(tx, &row)?;
                tx.set_object("org_unit", &row.id);
                Ok(convert::unit_to(&row))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::CreateOrgUnitResponse { org_unit: Some(response) }))
    }

    async fn get_org_unit(
        &self,
        request: Request<pb::GetOrgUnitRequest>,
    ) -> Result<Response<pb::GetOrgUnitResponse>, Status> {
        let id = require_id("id", &request.get_ref().id).map_err(status)?;
        let unit = self.db.run(move |conn| store::units::require(conn, &id, "id")).await.map_err(status)?;
        Ok(Response::new(pb::GetOrgUnitResponse { org_unit: Some(convert::unit_to(&unit)) }))
    }

    async fn list_org_units(
        &self,
        request: Request<pb::ListOrgUnitsRequest>,
    ) -> Result<Response<pb::ListOrgUnitsResponse>, Status> {
        let request = request.into_inner();
        if !request.parent_id.is_empty() && !request.ancestor_id.is_empty() {
            return Err(status(
                ApiError::invalid_argument("CONFLICTING_FILTERS", "set parent_id or ancestor_id, not both")
                    .with_violation("ancestor_id", "cannot be combined with parent_id"),
            ));
        }
        let size = paging::page_size(request.page_size, 100, 1000).map_err(status)?;
        let filters = paging::filter_fingerprint(&[
            &request.parent_id,
            &request.ancestor_id,
            &request.kind,
            if request.include_closed { "closed" } else { "" },
        ]);
        let after = paging::decode_token(&request.page_token, &filters)
            .map_err(status)?
            .map(|key| match key.as_slice() {
                [depth, code] => depth.parse::<i32>().map(|d| (d, code.clone())).map_err(|_| ()),
                _ => Err(()),
            })
            .transpose()
            .map_err(|()| {
                status(ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid"))
            })?;
        let (units, total) = self
            .db
            .run(move |conn| {
                let mut filter = UnitFilter {
                    kind: Some(request.kind.clone()).filter(|k| !k.is_empty()),
                    include_closed: request.include_closed,
                    ..UnitFilter::default()
                };
                if !request.parent_id.is_empty() {
                    store::units::require(conn, &request.parent_id, "parent_id")?;
                    filter.parent_id = Some(request.parent_id.clone());
                } else if !request.ancestor_id.is_empty() {
                    filter.below_path =
                        Some(store::units::require(conn, &request.ancestor_id, "ancestor_id")?.path);
                }
                store::units::list(conn, &filter, after, size + 1)
            })
            .await
            .map_err(status)?;
        let (page, next_page_token) = paging::finish_page(units, size, &filters, |u: &UnitRow| {
            vec![u.depth.to_string(), u.code.clone()]
        });
        Ok(Response::new(pb::ListOrgUnitsResponse {
            org_units: page.iter().map(convert::unit_to).collect(),
            next_page_token,
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
        }))
    }

    async fn rename_org_unit(
        &self,
        request: Request<pb::RenameOrgUnitRequest>,
    ) -> Result<Response<pb::RenameOrgUnitResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let name = rules::normalize_name(&request.name).map_err(|d| {
            status(
                ApiError::invalid_argument("INVALID_ORG_UNIT", "the name is not valid")
                    .with_violation("name", d),
            )
        })?;
        let expected = request.expected_version;
        let response = self
            .db
            .mutate(ctx, method!("RenameOrgUnit"), &request.request_id, &request, move |tx| {
                let unit = store::units::require(tx.conn(), &id, "id")?;
                check_version(expected, unit.version)?;
                if unit.is_closed() {
                    return Err(ApiError::failed_precondition(
                        "ORG_UNIT_CLOSED",
                        "a closed unit is not renamed",
                    ));
                }
                tx.set_object("org_unit", &unit.id);
                if unit.name == name {
                    return Ok(convert::unit_to(&unit));
                }
                let renamed = store::units::rename(tx.conn(), &unit, &name)?;
                events::unit_renamed(tx, &renamed, &unit.name)?;
                Ok(convert::unit_to(&renamed))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::RenameOrgUnitResponse { org_unit: Some(response) }))
    }

    async fn move_org_unit(
        &self,
        request: Request<pb::MoveOrgUnitRequest>,
    ) -> Result<Response<pb::MoveOrgUnitResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let new_parent_id = require_id("new_parent_id", &request.new_parent_id).map_err(status)?;
        let expected = request.expected_version;
        let response = self
            .db
            .mutate(ctx, method!("MoveOrgUnit"), &request.request_id, &request, move |tx| {
                let unit = store::units::require(tx.conn(), &id, "id")?;
                check_version(expected, unit.version)?;
                let parent = store::units::require(tx.conn(), &new_parent_id, "new_parent_id")?;
                let tree_error = |e: rules::TreeError| {
                    ApiError::failed_precondition(e.reason(), e.message())
                        .with_violation("new_parent_id", e.message())
                };
                check_move(&unit.path, unit.parent_id.is_none(), &parent.path).map_err(tree_error)?;
                if parent.is_closed() || unit.is_closed() {
                    return Err(tree_error(rules::TreeError::ParentClosed));
                }
                let kind = store::units::kind(tx.conn(), &unit.kind)?;
                let parent_kind = store::units::kind(tx.conn(), &parent.kind)?;
                if let Some(kind) = &kind {
                    check_placement(kind, parent_kind.as_ref()).map_err(tree_error)?;
                }
                tx.set_object("org_unit", &unit.id);
                if unit.parent_id.as_deref() == Some(parent.id.as_str()) {
                    return Ok(convert::unit_to(&unit));
                }
                let moved = store::units::move_under(tx.conn(), &unit, &parent)?;
                events::unit_moved(tx, &moved, unit.parent_id.as_deref().unwrap_or_default())?;
                Ok(convert::unit_to(&moved))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::MoveOrgUnitResponse { org_unit: Some(response) }))
    }

    async fn close_org_unit(
        &self,
        request: Request<pb::CloseOrgUnitRequest>,
    ) -> Result<Response<pb::CloseOrgUnitResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let id = require_id("id", &request.id).map_err(status)?;
        let reason = request.reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(status(
                ApiError::invalid_argument("INVALID_REASON", "a reason is required")
                    .with_violation("reason", "must be 1-500 characters"),
            ));
        }
        let response = self
            .db
            .mutate(ctx, method!("CloseOrgUnit"), &request.request_id, &request, move |tx| {
                let unit = store::units::require(tx.conn(), &id, "id")?;
                tx.set_object("org_unit", &unit.id);
                if unit.is_closed() {
                    return Ok(convert::unit_to(&unit));
                }
                if unit.parent_id.is_none() {
                    return Err(ApiError::failed_precondition(
                        "ROOT_UNIT_PERMANENT",
                        "the district root cannot close",
                    ));
                }
                let children = store::units::open_children(tx.conn(), &unit.id)?;
                if children > 0 {
                    return Err(ApiError::failed_precondition(
                        "UNIT_HAS_OPEN_CHILDREN",
                        format!("{children} open units are under it: close or move them first"),
                    ));
                }
                let staff = store::units::cadres_in_post(tx.conn(), &unit.id)?;
                if staff > 0 {
                    return Err(ApiError::failed_precondition(
                        "UNIT_HAS_CADRES",
                        format!("{staff} cadres in post are employed there: transfer them first"),
                    ));
                }
                let closed = store::units::close(tx.conn(), &unit, &reason)?;
                events::unit_closed(tx, &closed, &reason)?;
                Ok(convert::unit_to(&closed))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::CloseOrgUnitResponse { org_unit: Some(response) }))
    }

    async fn get_leadership_team(
        &self,
        request: Request<pb::GetLeadershipTeamRequest>,
    ) -> Result<Response<pb::GetLeadershipTeamResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let id = require_id("org_unit_id", &request.get_ref().org_unit_id).map_err(status)?;
        let scope = caller.scope.clone();
        let unit_id = id.clone();
        let found = self
            .db
            .run(move |conn| {
                let unit = store::units::require(conn, &unit_id, "org_unit_id")?;
                // The unit is public; its people are not: the team is shown to those whose scope holds it.
                if !scope.admits_unit(&unit.path) {
                    return Ok(None);
                }
                let members = store::cadres::team(conn, &unit.id)?;
                Ok(Some((unit, members)))
            })
            .await
            .map_err(status)?;
        let Some((unit, members)) = found else {
            let object = (method!("GetLeadershipTeam"), "org_unit", id.as_str());
            self.record_refusal(&ctx, &caller, object, OUT_OF_SCOPE).await;
            return Err(status(out_of_scope("this unit's team is outside your remit")));
        };
        Ok(Response::new(pb::GetLeadershipTeamResponse {
            leadership_team: Some(pb::LeadershipTeam {
                org_unit: Some(convert::unit_to(&unit)),
                members: members
                    .iter()
                    .map(|c| pb::LeadershipTeamMember {
                        cadre_id: c.id.clone(),
                        name: c.data.name.clone(),
                        post_title: c.data.post.title.clone(),
                        post_level: c.data.post.level.number(),
                        is_principal: c.data.post.is_principal,
                    })
                    .collect(),
            }),
        }))
    }

    async fn create_cadre(
        &self,
        request: Request<pb::CreateCadreRequest>,
    ) -> Result<Response<pb::CreateCadreResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let Some(cadre) = &request.cadre else {
            return Err(status(
                ApiError::invalid_argument("INVALID_CADRE", "cadre is required")
                    .with_violation("cadre", "is required"),
            ));
        };
        let data = convert::cadre_data_from(cadre, "cadre.")
            .map_err(|p| status(invalid("INVALID_CADRE", "the cadre record is not valid", p)))?;
        let scope = caller.scope.clone();
        let today = self.today.clone();
        let response = self
            .db
            .mutate(ctx.clone(), method!("CreateCadre"), &request.request_id, &request, move |tx| {
                let today = today();
                let policy = fact_policy(tx.conn(), today)?;
                data.check(&policy, today).map_err(|p| {
                    let p = p.into_iter().map(|(f, d)| (format!("cadre.{f}"), d)).collect();
                    invalid("INVALID_CADRE", "the cadre record is not valid", p)
                })?;
                check_cadre_units(tx.conn(), &scope, &data.employing_unit_id, &data.managing_unit_id)?;
                let actor = tx.ctx().actor.clone();
                let cadre = store::cadres::insert(tx.conn(), data, &actor, "CREATED")?;
                events::cadre_created(tx, &cadre)?;
                tx.set_object("cadre", &cadre.id);
                Ok(cadre_out(&cadre, false, &policy, today))
            })
            .await;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                let object = (method!("CreateCadre"), "cadre", "");
                return Err(self.audit_if_refused(&ctx, &caller, object, error).await);
            }
        };
        Ok(Response::new(pb::CreateCadreResponse { cadre: Some(response) }))
    }

    async fn get_cadre(
        &self,
        request: Request<pb::GetCadreRequest>,
    ) -> Result<Response<pb::GetCadreResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?;
        let id = require_id("id", &request.get_ref().id).map_err(status)?;
        let lookup = self.lookup_cadre(&id, &caller.scope).await?;
        let object = (method!("GetCadre"), "cadre", id.as_str());
        let cadre = self.visible(&ctx, caller, object, lookup, cadre_not_found("id")).await?;
        // The full citizen id is sensitive personal data: the read itself is audited.
        let today = self.today.clone();
        let cadre = self
            .db
            .audited_read(ctx, method!("GetCadre"), "cadre", id.clone(), move |conn| {
                let today = today();
                Ok(cadre_out(&cadre, true, &fact_policy(conn, today)?, today))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetCadreResponse { cadre: Some(cadre) }))
    }

    async fn update_cadre(
        &self,
        request: Request<pb::UpdateCadreRequest>,
    ) -> Result<Response<pb::UpdateCadreResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let incoming = request.cadre.clone().unwrap_or_default();
        let id = require_id("cadre.id", &incoming.id).map_err(status)?;
        let paths = mask_paths(request.update_mask.as_ref(), CADRE_PATHS).map_err(status)?;
        let expected = request.expected_version;
        let lookup = self.lookup_cadre(&id, &caller.scope).await?;
        let object = (method!("UpdateCadre"), "cadre", id.as_str());
        self.visible(&ctx, &caller, object, lookup, cadre_not_found("cadre.id")).await?;
        let scope = caller.scope.clone();
        let cadre_id = id.clone();
        let today = self.today.clone();
        let response = self
            .db
            .mutate(ctx.clone(), method!("UpdateCadre"), &request.request_id, &request, move |tx| {
                // Looked up again inside the transaction: the record may have left the scope meanwhile.
                let current = match store::cadres::lookup(tx.conn(), &id, &scope)? {
                    Lookup::Found(current) => current,
                    Lookup::Hidden | Lookup::Absent => return Err(cadre_not_found("cadre.id")),
                };
                check_version(expected, current.version)?;
                let mut merged = convert::cadre_to(&current, true, &[]);
                overlay_cadre(&mut merged, &incoming, &paths);
                let data = convert::cadre_data_from(&merged, "cadre.")
                    .map_err(|p| invalid("INVALID_CADRE", "the updated record is not valid", p))?;
                let today = today();
                let policy = fact_policy(tx.conn(), today)?;
                data.check(&policy, today).map_err(|p| {
                    let p = p.into_iter().map(|(f, d)| (format!("cadre.{f}"), d)).collect();
                    invalid("INVALID_CADRE", "the updated record is not valid", p)
                })?;
                check_cadre_units(tx.conn(), &scope, &data.employing_unit_id, &data.managing_unit_id)?;
                let moved_unit = data.employing_unit_id != current.data.employing_unit_id
                    || data.managing_unit_id != current.data.managing_unit_id;
                let actor = tx.ctx().actor.clone();
                let kind = if moved_unit { "TRANSFERRED" } else { "UPDATED" };
                let (updated, changed) = store::cadres::update(tx.conn(), &current, data, &actor, kind)?;
                if !changed.is_empty() {
                    events::cadre_changed(tx, &current, &updated, &changed)?;
                }
                tx.set_object("cadre", &updated.id);
                Ok(cadre_out(&updated, false, &policy, today))
            })
            .await;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                let object = (method!("UpdateCadre"), "cadre", cadre_id.as_str());
                return Err(self.audit_if_refused(&ctx, &caller, object, error).await);
            }
        };
        Ok(Response::new(pb::UpdateCadreResponse { cadre: Some(response) }))
    }

    async fn search_cadres(
        &self,
        request: Request<pb::SearchCadresRequest>,
    ) -> Result<Response<pb::SearchCadresResponse>, Status> {
        let scope = Caller::of(&request)?.scope.clone();
        let request = request.into_inner();
        let size = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let mut violations = Violations::default();
        let name_query = request.name_query.trim().to_owned();
        violations.require(name_query.chars().count() <= 50, "name_query", "at most 50 characters");
        let rank = optional_code(request.rank, "rank", RankGrade::from_number, &mut violations);
        let post_level =
            optional_code(request.post_level, "post_level", PostLevel::from_number, &mut violations);
        let cadre_status = optional_code(request.status, "status", CadreStatus::from_number, &mut violations);
        violations.finish("INVALID_SEARCH", "the search is not valid").map_err(status)?;
        let filters = paging::filter_fingerprint(&[
            &name_query,
            &request.org_unit_id,
            &request.rank.to_string(),
            &request.post_level.to_string(),
            &request.status.to_string(),
            if request.team_members_only { "team" } else { "" },
        ]);
        let after = paging::decode_token(&request.page_token, &filters)
            .map_err(status)?
            .and_then(|key| key.into_iter().next());
        let org_unit_id = request.org_unit_id.trim().to_owned();
        let today = self.today.clone();
        let (page, next_page_token, total) = self
            .db
            .run(move |conn| {
                let unit_path = if org_unit_id.is_empty() {
                    None
                } else {
                    Some(store::units::require(conn, &org_unit_id, "org_unit_id")?.path)
                };
                let filter = CadreFilter {
                    name_contains: Some(name_query).filter(|q| !q.is_empty()),
                    unit_path,
                    rank,
                    post_level,
                    status: cadre_status,
                    team_members_only: request.team_members_only,
                };
                let (cadres, total) = store::cadres::search(conn, &filter, &scope, after, size + 1)?;
                let (page, token) =
                    paging::finish_page(cadres, size, &filters, |c: &Cadre| vec![c.id.clone()]);
                let today = today();
                let policy = fact_policy(conn, today)?;
                let page = page.iter().map(|c| cadre_out(c, false, &policy, today)).collect();
                Ok((page, token, total))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::SearchCadresResponse {
            cadres: page,
            next_page_token,
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
        }))
    }

    async fn list_cadre_changes(
        &self,
        request: Request<pb::ListCadreChangesRequest>,
    ) -> Result<Response<pb::ListCadreChangesResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let id = require_id("cadre_id", &request.cadre_id).map_err(status)?;
        let lookup = self.lookup_cadre(&id, &caller.scope).await?;
        let object = (method!("ListCadreChanges"), "cadre", id.as_str());
        self.visible(&ctx, &caller, object, lookup, cadre_not_found("cadre_id")).await?;
        let size = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let filters = paging::filter_fingerprint(&[&id]);
        let before = paging::decode_token(&request.page_token, &filters)
            .map_err(status)?
            .and_then(|key| key.into_iter().next())
            .map(|v| v.parse::<i64>())
            .transpose()
            .map_err(|_| {
                status(ApiError::invalid_argument("INVALID_PAGE_TOKEN", "page_token is not valid"))
            })?;
        let changes = self
            .db
            .run(move |conn| store::cadres::changes(conn, &id, before, size + 1))
            .await
            .map_err(status)?;
        let (page, next_page_token) =
            paging::finish_page(changes, size, &filters, |c| vec![c.version.to_string()]);
        Ok(Response::new(pb::ListCadreChangesResponse {
            changes: page.iter().map(convert::change_to).collect(),
            next_page_token,
        }))
    }

    async fn import_cadres(
        &self,
        request: Request<Streaming<pb::ImportCadresRequest>>,
    ) -> Result<Response<pb::ImportCadresResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let rows = request.into_inner().map(|item| match item {
            Ok(pb::ImportCadresRequest { record: Some(record) }) => Ok(record),
            Ok(pb::ImportCadresRequest { record: None }) => Ok(pb::HrCadreRecord::default()),
            Err(status) => Err(ApiError::new(status.code(), "STREAM_FAILED", status.message().to_owned())),
        });
        let report = import::import(&self.db, ctx, Box::pin(rows)).await.map_err(status)?;
        tracing::info!(
            received = report.received,
            created = report.created,
            updated = report.updated,
            unchanged = report.unchanged,
            rejected = report.rejected,
            "HR import finished"
        );
        Ok(Response::new(report))
    }

    async fn create_account(
        &self,
        request: Request<pb::CreateAccountRequest>,
    ) -> Result<Response<pb::CreateAccountResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let Some(account) = &request.account else {
            return Err(status(
                ApiError::invalid_argument("INVALID_ACCOUNT", "account is required")
                    .with_violation("account", "is required"),
            ));
        };
        let account = convert::account_fields_from(account, "account.")
            .map_err(|p| status(invalid("INVALID_ACCOUNT", "the account is not valid", p)))?;
        let response = self
            .db
            .mutate(ctx, method!("CreateAccount"), &request.request_id, &request, move |tx| {
                check_account_refs(tx.conn(), &account)?;
                let account = store::accounts::insert(tx.conn(), account)?;
                tx.set_object("account", &account.id);
                Ok(convert::account_to(&account))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::CreateAccountResponse { account: Some(response) }))
    }

    async fn get_account(
        &self,
        request: Request<pb::GetAccountRequest>,
    ) -> Result<Response<pb::GetAccountResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?;
        let id = require_id("id", &request.get_ref().id).map_err(status)?;
        let (key, scope) = (id.clone(), caller.scope.clone());
        let lookup =
            self.db.run(move |conn| store::accounts::lookup(conn, &key, &scope)).await.map_err(status)?;
        let object = (method!("GetAccount"), "account", id.as_str());
        let account = self.visible(&ctx, caller, object, lookup, account_not_found("id")).await?;
        Ok(Response::new(pb::GetAccountResponse { account: Some(convert::account_to(&account)) }))
    }

    async fn update_account(
        &self,
        request: Request<pb::UpdateAccountRequest>,
    ) -> Result<Response<pb::UpdateAccountResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let incoming = request.account.clone().unwrap_or_default();
        let id = require_id("account.id", &incoming.id).map_err(status)?;
        let paths = mask_paths(request.update_mask.as_ref(), ACCOUNT_PATHS).map_err(status)?;
        if id == ctx.actor {
            // Nobody changes their own access: another security administrator must.
            let object = (method!("UpdateAccount"), "account", id.as_str());
            self.record_refusal(&ctx, &caller, object, "SELF_ADMINISTRATION").await;
            let refusal = ApiError::new(
                tonic::Code::PermissionDenied,
                "SELF_ADMINISTRATION",
                "you cannot change your own account; ask another security administrator",
            );
            return Err(status(refusal));
        }
        let expected = request.expected_version;
        let response = self
            .db
            .mutate(ctx, method!("UpdateAccount"), &request.request_id, &request, move |tx| {
                let current = store::accounts::find(tx.conn(), AccountKey::Id(&id))?
                    .ok_or_else(|| account_not_found("account.id"))?;
                check_version(expected, current.version)?;
                let mut merged = convert::account_to(&current);
                overlay_account(&mut merged, &incoming, &paths);
                let mut account = convert::account_fields_from(&merged, "account.")
                    .map_err(|p| invalid("INVALID_ACCOUNT", "the updated account is not valid", p))?;
                check_account_refs(tx.conn(), &account)?;
                account.created_at = current.created_at;
                let account = store::accounts::update(tx.conn(), account, current.version)?;
                tx.set_object("account", &account.id);
                Ok(convert::account_to(&account))
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::UpdateAccountResponse { account: Some(response) }))
    }

    async fn list_accounts(
        &self,
        request: Request<pb::ListAccountsRequest>,
    ) -> Result<Response<pb::ListAccountsResponse>, Status> {
        let scope = Caller::of(&request)?.scope.clone();
        let request = request.into_inner();
        let size = paging::page_size(request.page_size, 50, 500).map_err(status)?;
        let role = match request.role {
            0 => None,
            n => Some(Role::from_number(n).ok_or_else(|| {
                status(
                    ApiError::invalid_argument("INVALID_ROLE", "unknown role")
                        .with_violation("role", "is not a known role"),
                )
            })?),
        };
        let filters = paging::filter_fingerprint(&[&request.role.to_string()]);
        let after = paging::decode_token(&request.page_token, &filters)
            .map_err(status)?
            .and_then(|k| k.into_iter().next());
        let accounts = self
            .db
            .run(move |conn| store::accounts::list(conn, role, &scope, after, size + 1))
            .await
            .map_err(status)?;
        let (page, next_page_token) =
            paging::finish_page(accounts, size, &filters, |a: &Account| vec![a.username.clone()]);
        Ok(Response::new(pb::ListAccountsResponse {
            accounts: page.iter().map(convert::account_to).collect(),
            next_page_token,
        }))
    }

    async fn resolve_principal(
        &self,
        request: Request<pb::ResolvePrincipalRequest>,
    ) -> Result<Response<pb::ResolvePrincipalResponse>, Status> {
        use pb::resolve_principal_request::Subject;
        // External subjects come from identity providers and may be longer than our ids.
        let (field, value, max_len) = match request.into_inner().subject {
            Some(Subject::AccountId(v)) => ("account_id", v, 64),
            Some(Subject::Username(v)) => ("username", v, 64),
            Some(Subject::ExternalSubject(v)) => ("external_subject", v, 255),
            None => ("subject", String::new(), 0),
        };
        let value = value.trim().to_owned();
        if value.is_empty() || value.len() > max_len {
            return Err(status(
                ApiError::invalid_argument(
                    "INVALID_SUBJECT",
                    "name the caller by account id, username or subject",
                )
                .with_violation(field, format!("must be 1-{} characters", max_len.max(1))),
            ));
        }
        let principal = self
            .db
            .run(move |conn| {
                let key = match field {
                    "account_id" => AccountKey::Id(&value),
                    "username" => AccountKey::Username(&value),
                    _ => AccountKey::ExternalSubject(&value),
                };
                let account = store::accounts::find(conn, key)?.ok_or_else(|| {
                    ApiError::not_found("ACCOUNT_NOT_FOUND", "no account for this subject")
                        .with_violation(field, "no such account")
                })?;
                if account.state != AccountState::Active {
                    return Err(ApiError::failed_precondition("ACCOUNT_DISABLED", "the account is disabled"));
                }
                let scope_unit_path = match &account.scope_unit_id {
                    Some(unit_id) => {
                        rules::path_ids(&store::units::require(conn, unit_id, "scope_unit_id")?.path)
                    }
                    None => Vec::new(),
                };
                Ok(pb::Principal {
                    account_id: account.id.clone(),
                    username: account.username.clone(),
                    kind: account.kind.number(),
                    cadre_id: account.cadre_id.clone().unwrap_or_default(),
                    roles: account.roles.iter().map(|r| r.number()).collect(),
                    scope_unit_id: account.scope_unit_id.clone().unwrap_or_default(),
                    scope_unit_path,
                    clearances: account.clearances.iter().map(|c| c.number()).collect(),
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ResolvePrincipalResponse { principal: Some(principal) }))
    }
}

//! Quota pools (职数): a unit's own, the district's pools of small 机关, the leadership team's; each with
//! the use of its caps.

use std::collections::BTreeSet;

use cadre_platform::{ApiError, CallContext, Violations, auth::Caller, clock};
use cadre_proto::rank as pb;
use tonic::{Request, Response, Status};

use super::{RankApi, status};
use crate::{
    convert,
    store::{self, pools::PoolRow, scope},
    workflow::{
        eligibility,
        quota::{self, Pool, PoolKind, RANKED_CATEGORIES},
    },
};

/// Longest pool name, in characters.
const MAX_NAME: usize = 100;
/// Most units in one pool.
const MAX_UNITS: usize = 500;

fn pool_not_found(id: &str) -> ApiError {
    ApiError::not_found("POOL_NOT_FOUND", format!("no quota pool {id}"))
        .with_violation("pool_id", "no such pool")
}

impl RankApi {
    pub(super) async fn list_quota_pools_impl(
        &self,
        request: Request<pb::ListQuotaPoolsRequest>,
    ) -> Result<Response<pb::ListQuotaPoolsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let unit = request.get_ref().org_unit_id.trim().to_owned();
        if unit.len() > 64 {
            return Err(status(
                ApiError::invalid_argument("INVALID_ID", "org_unit_id is not an id")
                    .with_violation("org_unit_id", "is not an id"),
            ));
        }
        let today = self.today();
        let pools = self
            .db
            .run(move |conn| {
                let policy = store::policy::on(conn, today)?;
                let subtree: Option<BTreeSet<String>> = if unit.is_empty() {
                    None
                } else {
                    Some(scope::units_in_subtree(conn, &unit)?.into_iter().collect())
                };
                let in_filter =
                    |units: &[String]| subtree.as_ref().is_none_or(|s| units.iter().any(|u| s.contains(u)));
                let mut pools: Vec<Pool> = quota::stored_pools(conn)?;
                let pooled: BTreeSet<String> = pools.iter().flat_map(|p| p.units.iter().cloned()).collect();
                for unit in scope::staffed_units(conn, RANKED_CATEGORIES)? {
                    if !pooled.contains(&unit) {
                        pools.push(quota::pool_of_unit(conn, &unit)?);
                    }
                }
                let mut out = Vec::new();
                for pool in pools {
                    if in_filter(&pool.units) && scope::admits_any_unit(conn, &caller.scope, &pool.units)? {
                        out.push(quota::view(conn, &policy, &pool)?);
                    }
                }
                out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
                Ok(out)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListQuotaPoolsResponse { pools }))
    }

    pub(super) async fn get_quota_pool_impl(
        &self,
        request: Request<pb::GetQuotaPoolRequest>,
    ) -> Result<Response<pb::GetQuotaPoolResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let id = convert::id("pool_id", &request.get_ref().pool_id).map_err(status)?;
        let today = self.today();
        let pool = self
            .db
            .run(move |conn| {
                let policy = store::policy::on(conn, today)?;
                let pool = quota::pool(conn, &id)?.ok_or_else(|| pool_not_found(&id))?;
                if !scope::admits_any_unit(conn, &caller.scope, &pool.units)? {
                    return Err(pool_not_found(&id));
                }
                quota::view(conn, &policy, &pool)
            })
            .await
            .map_err(status)?;
        Ok(Response::new(pb::GetQuotaPoolResponse { pool: Some(pool) }))
    }

    pub(super) async fn set_quota_pool_impl(
        &self,
        request: Request<pb::SetQuotaPoolRequest>,
    ) -> Result<Response<pb::SetQuotaPoolResponse>, Status> {
        let ctx = CallContext::from_request(&request);
        let request = request.into_inner();
        let today = self.today();
        let mut v = Violations::default();
        let pool_id = request.pool_id.trim().to_owned();
        v.require(pool_id.len() <= 64, "pool_id", "is not an id");
        v.require(
            store::pools::implicit_unit(&pool_id).is_none(),
            "pool_id",
            "a unit's own implicit pool is not stored: leave pool_id empty to create one",
        );
        let name = convert::text(&mut v, "name", &request.name, MAX_NAME, true);
        let kind = quota::kind_from(request.kind);
        v.require(kind.is_some(), "kind", "is required: UNIT, POOLED or LEADERSHIP_TEAM");
        v.require(!request.org_unit_ids.is_empty(), "org_unit_ids", "at least one unit");
        v.require(
            request.org_unit_ids.len() <= MAX_UNITS,
            "org_unit_ids",
            format!("at most {MAX_UNITS} units"),
        );
        let mut units: Vec<String> = Vec::new();
        for (i, unit) in request.org_unit_ids.iter().enumerate() {
            let unit = convert::id_in(&mut v, &format!("org_unit_ids[{i}]"), unit);
            if units.contains(&unit) {
                v.add(format!("org_unit_ids[{i}]"), "is listed twice");
            }
            units.push(unit);
        }
        if kind == Some(PoolKind::Unit) {
            v.require(
                units.len() <= 1,
                "org_unit_ids",
                "a UNIT pool counts one unit; use POOLED for several",
            );
        }
        if let Some(h) = request.headcount_override {
            v.require(h >= 0, "headcount_override", "must not be negative");
        }
        v.finish("INVALID_POOL", "the pool is not valid").map_err(status)?;
        let kind = kind.unwrap_or(PoolKind::Unit);
        let expected = request.expected_version;
        let response = self
            .db
            .mutate(ctx, method!("SetQuotaPool"), &request.request_id.clone(), &request, move |tx| {
                let conn = tx.conn();
                let mut missing = Violations::default();
                for (i, unit) in units.iter().enumerate() {
                    missing.require(
                        store::projection::unit(conn, unit)?.is_some(),
                        format!("org_unit_ids[{i}]"),
                        "no such unit",
                    );
                }
                missing.finish("UNIT_NOT_FOUND", "a unit of the pool is not known")?;
                let now = clock::now();
                let (row, before) = if pool_id.is_empty() {
                    let row = PoolRow {
                        id: store::new_id(),
                        name: name.clone(),
                        kind: kind.code().to_owned(),
                        headcount_override: request.headcount_override,
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    };
                    store::pools::insert(conn, &row)?;
                    (row, Vec::new())
                } else {
                    let mut row =
                        store::pools::get(conn, &pool_id)?.ok_or_else(|| pool_not_found(&pool_id))?;
                    if expected != 0 && expected != row.version {
                        return Err(ApiError::aborted(
                            "VERSION_MISMATCH",
                            format!("the pool is at version {}, not {expected}", row.version),
                        ));
                    }
                    let before = store::pools::units_of(conn, &row.id)?;
                    row.name.clone_from(&name);
                    row.kind = kind.code().to_owned();
                    row.headcount_override = request.headcount_override;
                    row.version += 1;
                    row.updated_at = now;
                    if !store::pools::update(conn, &row)? {
                        return Err(ApiError::aborted(
                            "CONCURRENT_CHANGE",
                            "the pool changed meanwhile; read it again",
                        ));
                    }
                    (row, before)
                };
                for (i, unit) in units.iter().enumerate() {
                    if let Some(other) = store::pools::pool_of_unit(conn, unit)?.filter(|p| *p != row.id) {
                        return Err(ApiError::failed_precondition(
                            "UNIT_IN_OTHER_POOL",
                            format!(
                                "unit {unit} already belongs to pool {other}: a unit belongs to one pool"
                            ),
                        )
                        .with_violation(format!("org_unit_ids[{i}]"), "belongs to another pool")
                        .with_metadata("pool_id", other));
                    }
                }
                store::pools::set_units(conn, &row.id, &units)?;
                // The pool's kind sets its units' class, and so their cadres' ceiling.
                let touched: Vec<String> = before
                    .into_iter()
                    .chain(units.iter().cloned())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                eligibility::refresh_units(conn, &touched)?;
                tx.set_object("quota_pool", &row.id);
                let conn = tx.conn();
                let policy = store::policy::on(conn, today)?;
                let pool = quota::pool(conn, &row.id)?
                    .ok_or_else(|| ApiError::internal("the pool just stored vanished"))?;
                Ok(pb::SetQuotaPoolResponse { pool: Some(quota::view(conn, &policy, &pool)?) })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(response))
    }
}

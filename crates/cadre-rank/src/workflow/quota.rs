//! Quota pools as the rules see them: which pool a unit draws on, who it counts, how much of each cap is
//! used (current holders plus open promotion cases), and the check of `domain::quota` for one more holder.

use std::collections::BTreeMap;

use cadre_platform::{ApiError, DbConn, code_enum};
use cadre_proto::rank as pb;

use crate::{
    convert,
    domain::{
        Grade, RankPolicy,
        ladder::{UnitClass, UnitContext},
        quota::{self, QuotaFull, Usage},
    },
    store::{self, pools::PoolRow, projection::CadreView},
};

code_enum!(
    /// How a pool is formed (the proto `PoolKind` without its prefix).
    PoolKind {
        /// One 机关's own quota.
        Unit = 1 => "UNIT",
        /// Several small 机关 pooled by the district.
        Pooled = 2 => "POOLED",
        /// The district's leadership team and its departments, pooled apart.
        LeadershipTeam = 3 => "LEADERSHIP_TEAM",
    }
);

impl PoolKind {
    /// The class of unit the pool's ceilings and caps are those of.
    pub fn unit_class(self) -> UnitClass {
        match self {
            Self::LeadershipTeam => UnitClass::LeadershipTeam,
            Self::Unit | Self::Pooled => UnitClass::Organ,
        }
    }
}

/// Categories whose people hold 综合管理类 职级 and count toward a pool's headcount: 公务员 and 参公.
pub const RANKED_CATEGORIES: &[&str] = &["CIVIL_SERVANT", "REFERENCE_MANAGED"];

/// A pool, stored or implicit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// Its id (`unit:<org unit>` for an implicit one).
    pub id: String,
    /// Its name (the unit's, for an implicit one).
    pub name: String,
    /// How it is formed.
    pub kind: PoolKind,
    /// Its units.
    pub units: Vec<String>,
    /// The approved headcount, when set.
    pub headcount_override: Option<u32>,
    /// Optimistic-concurrency version; 0 for an implicit pool.
    pub version: i64,
}

fn stored(conn: &mut DbConn, row: PoolRow) -> Result<Pool, ApiError> {
    let units = store::pools::units_of(conn, &row.id)?;
    let kind = PoolKind::from_code(&row.kind)
        .ok_or_else(|| ApiError::internal(format!("pool {} has an unreadable kind", row.id)))?;
    Ok(Pool {
        id: row.id,
        name: row.name,
        kind,
        units,
        headcount_override: row.headcount_override.and_then(|h| u32::try_from(h).ok()),
        version: row.version,
    })
}

/// The implicit pool of a unit in no stored pool.
fn implicit(conn: &mut DbConn, unit_id: &str) -> Result<Pool, ApiError> {
    let name = store::projection::unit(conn, unit_id)?.map(|u| u.name).unwrap_or_default();
    Ok(Pool {
        id: store::pools::implicit_id(unit_id),
        name,
        kind: PoolKind::Unit,
        units: vec![unit_id.to_owned()],
        headcount_override: None,
        version: 0,
    })
}

/// The pool a unit draws on: its stored pool, or its own implicit one.
pub fn pool_of_unit(conn: &mut DbConn, unit_id: &str) -> Result<Pool, ApiError> {
    match store::pools::pool_of_unit(conn, unit_id)? {
        Some(id) => match store::pools::get(conn, &id)? {
            Some(row) => stored(conn, row),
            None => implicit(conn, unit_id),
        },
        None => implicit(conn, unit_id),
    }
}

/// A pool by id: a stored one, or the implicit pool of a known unit that is in no stored pool.
pub fn pool(conn: &mut DbConn, id: &str) -> Result<Option<Pool>, ApiError> {
    if let Some(unit) = store::pools::implicit_unit(id) {
        let known = store::projection::unit(conn, unit)?.is_some();
        if !known || store::pools::pool_of_unit(conn, unit)?.is_some() {
            return Ok(None);
        }
        return implicit(conn, unit).map(Some);
    }
    match store::pools::get(conn, id)? {
        Some(row) => stored(conn, row).map(Some),
        None => Ok(None),
    }
}

/// Every stored pool.
pub fn stored_pools(conn: &mut DbConn) -> Result<Vec<Pool>, ApiError> {
    let rows = store::pools::all(conn)?;
    rows.into_iter().map(|row| stored(conn, row)).collect()
}

/// The unit a cadre's ceiling and caps are read for: the class of the pool their employing unit draws on,
/// in the district type of the policy.
pub fn unit_context(
    conn: &mut DbConn,
    cadre: &CadreView,
    policy: &RankPolicy,
) -> Result<UnitContext, ApiError> {
    let kind = match store::pools::pool_of_unit(conn, &cadre.employing_unit_id)? {
        Some(id) => store::pools::get(conn, &id)?.and_then(|row| PoolKind::from_code(&row.kind)),
        None => None,
    };
    Ok(UnitContext { district: policy.district_type, class: kind.unwrap_or(PoolKind::Unit).unit_class() })
}

/// The people a pool counts: cadres in post, of the ranked categories, employed in its units.
pub fn members(conn: &mut DbConn, pool: &Pool) -> Result<Vec<CadreView>, ApiError> {
    let mut people = Vec::new();
    for unit in &pool.units {
        people.extend(
            store::projection::cadres_employed_in(conn, unit)?
                .into_iter()
                .filter(|c| RANKED_CATEGORIES.contains(&c.category.as_str())),
        );
    }
    Ok(people)
}

/// A pool's headcount and use. Holders are read from the rank history (each member's current grade), which
/// is the directory's grade except for an approval the directory has not taken yet: counting from the
/// history leaves no moment in which an approved post looks free. `except` leaves one case out of the
/// open cases (the case being checked again at approval).
pub fn usage(conn: &mut DbConn, pool: &Pool, except: Option<&str>) -> Result<(u32, Usage), ApiError> {
    let people = members(conn, pool)?;
    let counted = u32::try_from(people.len()).unwrap_or(u32::MAX);
    let headcount = pool.headcount_override.unwrap_or(counted);
    let ids: Vec<String> = people.into_iter().map(|c| c.id).collect();
    let mut holders: BTreeMap<Grade, u32> = BTreeMap::new();
    for (code, count) in store::holdings::holders_by_grade(conn, &ids)? {
        if let Some(grade) = Grade::from_code(&code) {
            *holders.entry(grade).or_insert(0) += count;
        }
    }
    let mut open_cases: BTreeMap<Grade, u32> = BTreeMap::new();
    for (code, count) in store::cases::open_promotions_by_grade(conn, &pool.id, except)? {
        if let Some(grade) = Grade::from_code(&code) {
            *open_cases.entry(grade).or_insert(0) += count;
        }
    }
    Ok((headcount, Usage { holders, open_cases }))
}

/// Whether one more holder of `target`, leaving `releasing`, fits the pool's caps (R6).
pub fn check(
    conn: &mut DbConn,
    policy: &RankPolicy,
    pool: &Pool,
    target: Grade,
    releasing: Option<Grade>,
    except: Option<&str>,
) -> Result<Result<(), QuotaFull>, ApiError> {
    let caps = policy.quota_caps(pool.kind.unit_class()).map_err(|e| {
        ApiError::failed_precondition("POLICY_QUOTA_INVALID", format!("the quota policy: {e}"))
    })?;
    let (headcount, usage) = usage(conn, pool, except)?;
    Ok(quota::check(&caps, headcount, &usage, target, releasing))
}

/// A pool with every cap's use, as the contract shows it.
pub fn view(conn: &mut DbConn, policy: &RankPolicy, pool: &Pool) -> Result<pb::QuotaPool, ApiError> {
    let caps = policy.quota_caps(pool.kind.unit_class()).map_err(|e| {
        ApiError::failed_precondition("POLICY_QUOTA_INVALID", format!("the quota policy: {e}"))
    })?;
    let (headcount, usage) = usage(conn, pool, None)?;
    let lines = caps
        .caps()
        .iter()
        .zip(caps.limits(headcount))
        .map(|(cap, limit)| {
            let holders: u32 = cap.grades.iter().map(|g| usage.holders.get(g).copied().unwrap_or(0)).sum();
            let open: u32 = cap.grades.iter().map(|g| usage.open_cases.get(g).copied().unwrap_or(0)).sum();
            let as_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
            pb::QuotaCapUsage {
                code: cap.code.clone(),
                grades: cap.grades.iter().map(|g| convert::grade_to(*g)).collect(),
                limit: as_i32(limit),
                holders: as_i32(holders),
                open_cases: as_i32(open),
                free: as_i32(limit) - as_i32(holders) - as_i32(open),
            }
        })
        .collect();
    Ok(pb::QuotaPool {
        id: pool.id.clone(),
        name: pool.name.clone(),
        kind: kind_to(pool.kind),
        org_unit_ids: pool.units.clone(),
        headcount: i32::try_from(headcount).unwrap_or(i32::MAX),
        headcount_override: pool.headcount_override.and_then(|h| i32::try_from(h).ok()),
        caps: lines,
        version: pool.version,
    })
}

/// A pool kind on the wire.
pub fn kind_to(kind: PoolKind) -> i32 {
    (match kind {
        PoolKind::Unit => pb::PoolKind::Unit,
        PoolKind::Pooled => pb::PoolKind::Pooled,
        PoolKind::LeadershipTeam => pb::PoolKind::LeadershipTeam,
    }) as i32
}

/// A pool kind from the wire.
pub fn kind_from(value: i32) -> Option<PoolKind> {
    match pb::PoolKind::try_from(value) {
        Ok(pb::PoolKind::Unit) => Some(PoolKind::Unit),
        Ok(pb::PoolKind::Pooled) => Some(PoolKind::Pooled),
        Ok(pb::PoolKind::LeadershipTeam) => Some(PoolKind::LeadershipTeam),
        _ => None,
    }
}

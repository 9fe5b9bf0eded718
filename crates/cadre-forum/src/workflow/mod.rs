//! What several methods share inside one transaction: the year's minimums (the district's plan, else the
//! policy), the expected audience of a session, a fresh check-in code; and the demo district ([`demo`]).

pub mod demo;

use std::collections::BTreeSet;

use cadre_platform::{ApiError, DbConn};
use cadre_projection::store as projection;
use chrono::NaiveDate;

use crate::{
    domain::{ForumPolicy, check_in, plan::Minimums},
    store::{self, plans},
};

/// The first day of `year`: the day a year's policy is read on.
pub fn first_day(year: i32) -> Result<NaiveDate, ApiError> {
    NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| ApiError::internal(format!("no 1 January {year}")))
}

/// The policy in force at the start of `year`.
pub fn policy_of_year(conn: &mut DbConn, year: i32) -> Result<ForumPolicy, ApiError> {
    store::policy::on(conn, first_day(year)?)
}

/// The minimums of `year`: the district's plan when it set one, else the policy's defaults.
pub fn minimums(conn: &mut DbConn, year: i32) -> Result<Minimums, ApiError> {
    if let Some((row, _)) = plans::district(conn, year)? {
        let n = |v: i32| u32::try_from(v).unwrap_or(0);
        return Ok(Minimums {
            district: n(row.district_minimum),
            unit: n(row.unit_minimum),
            village: n(row.village_minimum),
        });
    }
    Ok(policy_of_year(conn, year)?.minimums)
}

/// The expected audience of a session: the active cadres employed under the audience's units and those it
/// names, each once, at most the capacity (0: no limit).
pub fn expected_audience(
    conn: &mut DbConn,
    unit_ids: &[String],
    cadre_ids: &[String],
    capacity: i32,
) -> Result<i32, ApiError> {
    let mut people: BTreeSet<String> = BTreeSet::new();
    for unit in unit_ids {
        people.extend(projection::cadres_in_subtree(conn, unit)?.into_iter().map(|c| c.id));
    }
    people.extend(projection::cadres(conn, cadre_ids)?.into_iter().filter(|c| c.active).map(|c| c.id));
    let count = i32::try_from(people.len()).unwrap_or(i32::MAX);
    Ok(if capacity > 0 { count.min(capacity) } else { count })
}

/// A fresh one-time code from the operating system's random source.
pub fn random_code() -> Result<String, ApiError> {
    let mut bytes = [0u8; check_in::CODE_LEN];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("no random bytes: {e}")))?;
    Ok(check_in::code_from(bytes))
}

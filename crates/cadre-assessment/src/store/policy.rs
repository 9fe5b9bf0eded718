//! The assessment policy in force on a date, read from the versioned `policy_values` (keys
//! `assessment.*`, seeded by the migration from `domain::policy::DEFAULT_POLICY`), so a decision is
//! computed, and can be recomputed, under the rules of its date.

use cadre_platform::{ApiError, DbConn, policy};
use chrono::NaiveDate;

use crate::domain::{AssessmentPolicy, policy::PolicyError};

/// The policy key of a measure kind's period in months (`kind` is the stored code, e.g. `GOVERNMENT_DEMERIT`):
/// what a measure's last day is computed from when the sender leaves it out. Kept here rather than in the
/// rules because only the recording of a measure reads it; the rules read the last day.
pub fn period_months_key(kind: &str) -> String {
    format!("assessment.measure.period_months.{kind}")
}

/// The policy in force on `on`.
pub fn on(conn: &mut DbConn, on: NaiveDate) -> Result<AssessmentPolicy, ApiError> {
    AssessmentPolicy::from_values(|key| policy::value_on(conn, key, on)).map_err(|error| match error {
        PolicyError::Lookup { error, .. } => error,
        invalid @ PolicyError::Invalid { .. } => ApiError::internal(invalid.to_string()),
    })
}

/// The months of a measure kind's period in force on `on` (the measure's effective date).
pub fn period_months(conn: &mut DbConn, kind: &str, on: NaiveDate) -> Result<u32, ApiError> {
    policy::u32_on(conn, &period_months_key(kind), on)
}

#[cfg(test)]
mod tests {
    use cadre_platform::{Db, db::PoolOptions, testing::TestDatabase};
    use chrono::NaiveDate;

    use super::*;
    use crate::{domain::DEFAULT_POLICY, store::MIGRATIONS};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_migration_seeds_the_default_policy_on_both_backends() {
        for database in TestDatabase::each() {
            let db = Db::connect(&database.url, PoolOptions { max_size: 2, ..PoolOptions::default() })
                .await
                .expect("the test database");
            db.migrate(&MIGRATIONS).await.expect("the migrations run");
            let backend = database.backend;
            db.run(move |conn| {
                let today = NaiveDate::from_ymd_opt(2026, 1, 12).expect("a date");
                assert_eq!(on(conn, today)?, AssessmentPolicy::default(), "{backend}");
                for (key, value, _) in DEFAULT_POLICY {
                    assert_eq!(policy::value_on(conn, key, today)?, *value, "{backend}: {key}");
                }
                let demerit = period_months(conn, "GOVERNMENT_DEMERIT", today)?;
                assert_eq!(demerit, 12, "{backend}");
                // Every measure kind the rules know has a period, back to the 2007 处分 rules.
                let old = NaiveDate::from_ymd_opt(2008, 1, 1).expect("a date");
                for kind in crate::domain::participation::MeasureKind::ALL {
                    assert!(period_months(conn, kind.code(), old)? > 0, "{backend}: {kind}");
                }
                Ok(())
            })
            .await
            .expect("the policy reads");
        }
    }
}

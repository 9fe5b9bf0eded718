//! The forum policy in force on a date, read from the versioned `policy_values` (keys `forum.*`, seeded by
//! the migration from `domain::policy::DEFAULT_POLICY`).

use cadre_platform::{ApiError, DbConn, policy};
use chrono::NaiveDate;

use crate::domain::{ForumPolicy, policy::PolicyError};

/// The policy in force on `on`.
pub fn on(conn: &mut DbConn, on: NaiveDate) -> Result<ForumPolicy, ApiError> {
    ForumPolicy::from_values(|key| policy::value_on(conn, key, on)).map_err(|error| match error {
        PolicyError::Lookup { error, .. } => error,
        invalid @ PolicyError::Invalid { .. } => ApiError::internal(invalid.to_string()),
    })
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
                let today = NaiveDate::from_ymd_opt(2026, 3, 2).expect("a date");
                assert_eq!(on(conn, today)?, ForumPolicy::default(), "{backend}");
                for (key, value, _) in DEFAULT_POLICY {
                    assert_eq!(policy::value_on(conn, key, today)?, *value, "{backend}: {key}");
                }
                Ok(())
            })
            .await
            .expect("the policy reads");
        }
    }
}

//! The migration seeds the rank policy of `domain::policy::DEFAULT_POLICY`, on both backends: every key,
//! with its value and source, read back as the code's defaults.

use std::collections::BTreeMap;

use cadre_platform::{Db, db::PoolOptions, schema::policy_values, testing::TestDatabase};
use cadre_rank::{
    domain::{DEFAULT_POLICY, RankPolicy},
    store::{self, MIGRATIONS},
};
use chrono::NaiveDate;
use diesel::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_seeds_the_default_policy_with_its_sources() {
    for database in TestDatabase::each() {
        let db =
            Db::connect(&database.url, PoolOptions { max_size: 2, ..PoolOptions::default() }).await.unwrap();
        db.migrate(&MIGRATIONS).await.unwrap();
        let on = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let (values, sources, policy) = db
            .run(move |conn| {
                let values = store::policy::values_on(conn, on)?;
                let sources: BTreeMap<String, String> = policy_values::table
                    .filter(policy_values::policy_key.like("rank.%"))
                    .select((policy_values::policy_key, policy_values::source_ref))
                    .load::<(String, String)>(conn)?
                    .into_iter()
                    .collect();
                Ok((values, sources, store::policy::on(conn, on)?))
            })
            .await
            .unwrap();
        let expected: BTreeMap<String, String> =
            DEFAULT_POLICY.iter().map(|(k, v, _)| ((*k).to_owned(), (*v).to_owned())).collect();
        assert_eq!(values, expected, "{}", database.backend);
        for (key, _, source) in DEFAULT_POLICY {
            assert_eq!(sources.get(*key).map(String::as_str), Some(*source), "{key}");
        }
        assert_eq!(policy, RankPolicy::default(), "{}", database.backend);
    }
}

//! `cadre dev`: with the directory's demo district, the assessment service runs and publishes three past
//! years of annual assessment through the same rules, within every pool's quota, and leaves the last
//! finished year for the person trying the suite. On SQLite and PostgreSQL.

mod harness;

use std::time::Duration;

use cadre_platform::testing::TestDatabase;
use cadre_proto::assessment as pb;
use harness::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_district_gets_three_past_years() {
    for database in TestDatabase::each() {
        let h = Harness::start_demo(database, "2026-03-02").await;
        let backend = h.backend;
        let mut org = h.org();
        let list = |year: i32| pb::ListAnnualCyclesRequest { year, page_size: 500, ..Default::default() };
        // The history is written in one transaction once the projection has the district.
        let mut waited = 0;
        let cycles = loop {
            let cycles = org.list_annual_cycles(list(2023)).await.expect("the cycles").into_inner().cycles;
            if !cycles.is_empty() || waited > 600 {
                break cycles;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
        };
        assert!(!cycles.is_empty(), "{backend}: no history after a minute");
        for year in [2022, 2023, 2024] {
            let cycles = org.list_annual_cycles(list(year)).await.unwrap().into_inner().cycles;
            assert!(!cycles.is_empty(), "{backend}: {year}");
            assert!(
                cycles
                    .iter()
                    .all(|c| c.state == pb::CycleState::Closed as i32 && c.excellent <= c.excellent_limit),
                "{backend}: {year}: {cycles:?}"
            );
            assert!(cycles.iter().any(|c| c.excellent > 0), "{backend}: {year}");
        }
        let last = org.list_annual_cycles(list(2025)).await.unwrap().into_inner().cycles;
        assert!(last.is_empty(), "{backend}: the last finished year is left to run");
        let results = h
            .system("rank")
            .list_annual_results(pb::ListAnnualResultsRequest { page_size: 50, page_token: String::new() })
            .await
            .expect("rank relists")
            .into_inner();
        assert_eq!(results.results.len(), 50, "{backend}");
        assert!(results.results.iter().all(|r| r.revision == 1 && (2022..=2024).contains(&r.year)));
        h.stop().await;
    }
}

//! A benchmark, not a test (ignored by default; run it with
//! `cargo nextest run -p cadre-rank --test scale --run-ignored only --no-capture`): a district of 100 000
//! cadres in 500 units under 20 towns, each with a grade and two years of results, on each backend. It
//! times the full recompute of the materialised eligibility (what a relist or the start does) and pages of
//! the list of cadres due for promotion for the district and for one town, each a query over the index plus
//! the full explanation of the page's rows.

use std::time::Instant;

use cadre_platform::{
    Db,
    auth::{DataScope, Role},
    db::PoolOptions,
    testing::{TestDatabase, person},
};
use cadre_rank::{
    store::{
        self, MIGRATIONS,
        eligibility::Filter,
        scope::{Reach, Subtree},
    },
    workflow::eligibility,
};
use chrono::NaiveDate;
use diesel::RunQueryDsl;

const TOWNS: usize = 20;
const UNITS_PER_TOWN: usize = 25;
const CADRES_PER_UNIT: usize = 200;

fn run(conn: &mut cadre_platform::DbConn, sql: &str) -> Result<(), cadre_platform::ApiError> {
    diesel::sql_query(sql).execute(conn)?;
    Ok(())
}

fn seed(conn: &mut cadre_platform::DbConn) -> Result<(), cadre_platform::ApiError> {
    let mut units = vec!["('d', '', '区', '/d/', TRUE, 'district')".to_owned()];
    for t in 0..TOWNS {
        units.push(format!("('t{t}', 'd', '镇{t}', '/d/t{t}/', TRUE, 'town')"));
        for u in 0..UNITS_PER_TOWN {
            units.push(format!(
                "('u{t}x{u}', 't{t}', '单位{t}-{u}', '/d/t{t}/u{t}x{u}/', TRUE, 'district_unit')"
            ));
        }
    }
    run(conn, &format!("INSERT INTO directory_units VALUES {}", units.join(",")))?;
    let grades = ["STAFF_1", "PRINCIPAL_STAFF_4", "PRINCIPAL_STAFF_3", "PRINCIPAL_STAFF_2"];
    let mut n = 0usize;
    let (mut cadres, mut holdings, mut results) = (Vec::new(), Vec::new(), Vec::new());
    let flush =
        |conn: &mut cadre_platform::DbConn, c: &mut Vec<String>, h: &mut Vec<String>, r: &mut Vec<String>| {
            if !c.is_empty() {
                run(conn, &format!("INSERT INTO directory_cadres VALUES {}", c.join(",")))?;
                run(conn, &format!("INSERT INTO rank_holdings VALUES {}", h.join(",")))?;
                run(conn, &format!("INSERT INTO annual_results VALUES {}", r.join(",")))?;
            }
            c.clear();
            h.clear();
            r.clear();
            Ok::<(), cadre_platform::ApiError>(())
        };
    for t in 0..TOWNS {
        for u in 0..UNITS_PER_TOWN {
            for _ in 0..CADRES_PER_UNIT {
                let id = format!("c{n:06}");
                let unit = format!("u{t}x{u}");
                let grade = grades[n % grades.len()];
                let start = format!("{}-{:02}-01", 2023 + (n % 36) / 12, (n % 12) + 1);
                cadres.push(format!(
                    "('{id}', '干部{n}', 'MALE', '2005-07-01', '{unit}', '{unit}', '科员', 'NONE', FALSE, FALSE, FALSE, \
                     TRUE, '2026-01-01 00:00:00', '1980-01-01', 'CIVIL_SERVANT', 'ACTIVE', NULL, '{grade}', '{start}')"
                ));
                holdings.push(format!(
                    "('h{n:06}', '{id}', '{grade}', '{start}', NULL, 0, 'IMPORTED', '', '', 'bench', '2026-01-01 00:00:00')"
                ));
                for year in [2024, 2025] {
                    let outcome = if n.is_multiple_of(17) { "EXCELLENT" } else { "COMPETENT" };
                    results.push(format!(
                        "('{id}', {year}, 'a{n}-{year}', '{outcome}', '{}-02-01', 1, '2026-01-01 00:00:00')",
                        year + 1
                    ));
                }
                n += 1;
                if cadres.len() == 500 {
                    flush(conn, &mut cadres, &mut holdings, &mut results)?;
                }
            }
        }
    }
    flush(conn, &mut cadres, &mut holdings, &mut results)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: 100 000 cadres on each backend"]
async fn a_district_of_100_000_cadres() {
    for database in TestDatabase::each() {
        let backend = database.backend;
        let db =
            Db::connect(&database.url, PoolOptions { max_size: 2, ..PoolOptions::default() }).await.unwrap();
        db.migrate(&MIGRATIONS).await.unwrap();
        let started = Instant::now();
        db.write(seed).await.unwrap();
        println!(
            "{backend}: seeded {} cadres in {:?}",
            TOWNS * UNITS_PER_TOWN * CADRES_PER_UNIT,
            started.elapsed()
        );

        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let started = Instant::now();
        db.write(move |conn| {
            store::eligibility::set_day(conn, day)?;
            eligibility::refresh_all(conn)
        })
        .await
        .unwrap();
        let rows = db.run(store::eligibility::all_ids).await.unwrap().len();
        println!("{backend}: full recompute of {rows} rows in {:?}", started.elapsed());

        let town = person("town", &[Role::TownOfficer], &["d", "t3"], None);
        let scopes = [
            ("district", Reach { scope: DataScope::district(), subtree: None }),
            (
                "town t3 (subtree scope)",
                Reach { scope: DataScope::for_roles(&town, &town.roles), subtree: None },
            ),
            (
                "district, subtree of t7",
                Reach { scope: DataScope::district(), subtree: Some(Subtree::Path("/d/t7/".into())) },
            ),
        ];
        for (name, reach) in scopes {
            for (what, bound) in [("due on the day", Some(day)), ("all with their blocks", None)] {
                let reach = reach.clone();
                let started = Instant::now();
                let (listed, explained) = db
                    .run(move |conn| {
                        let rows = store::eligibility::list(
                            conn,
                            Filter { reach, target: None, eligible_by: bound },
                            None,
                            51,
                        )?;
                        let ids: Vec<String> = rows.iter().map(|r| r.cadre_id.clone()).collect();
                        let answers = eligibility::evaluate_many(conn, &ids, day)?;
                        Ok((rows.len(), answers.len()))
                    })
                    .await
                    .unwrap();
                println!(
                    "{backend}: {name}, {what}: a page of {listed} rows, {explained} explained, in {:?}",
                    started.elapsed()
                );
                assert!(listed > 0);
            }
        }
    }
}

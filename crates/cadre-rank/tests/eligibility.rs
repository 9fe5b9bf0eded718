//! Eligibility over a real socket, with the real directory, leave and assessment services, on SQLite and
//! PostgreSQL: a cadre imported from the directory and their explained answer; a 优秀 arriving through the
//! assessment service's feed (R7); a conduct measure blocking, then expiring; the lists of cadres due for
//! promotion by scope, subtree and date.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::{assessment::AnnualOutcome, directory::RankGrade, rank as pb, types};
use harness::{Harness, Post, assert_error, blocks, bureau, check, date, eventually, rid};
use tonic::Code;

async fn list(
    client: &mut harness::Client,
    request: pb::ListEligibleCadresRequest,
) -> pb::ListEligibleCadresResponse {
    client.list_eligible_cadres(request).await.unwrap_or_else(|s| panic!("list: {s:?}")).into_inner()
}

fn names(page: &pb::ListEligibleCadresResponse) -> Vec<String> {
    let mut names: Vec<String> = page.eligibilities.iter().map(|e| e.cadre_name.clone()).collect();
    names.sort();
    names
}

fn as_of(day: &str) -> pb::ListEligibleCadresRequest {
    pb::ListEligibleCadresRequest { as_of: Some(date(day)), ..Default::default() }
}

async fn record(client: &mut harness::Client, measure: types::ConductMeasure) -> types::ConductMeasure {
    client
        .record_conduct_measure(pb::RecordConductMeasureRequest { request_id: rid(), measure: Some(measure) })
        .await
        .unwrap_or_else(|s| panic!("record the measure: {s:?}"))
        .into_inner()
        .measure
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_cadre_is_explained_and_an_excellent_year_on_the_feed_shortens_the_tenure() {
    for database in TestDatabase::each() {
        // Monday 12 January 2026: the 2025 assessment is under way.
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U01", "区发改局", "district_unit", None).await;
        let star = h.cadre("张优秀", &unit, Post::Staff, Some((RankGrade::Staff1, "2025-01-01"))).await;
        let mut others = Vec::new();
        for name in ["李一", "王二", "赵三", "钱四"] {
            others.push(h.cadre(name, &unit, Post::Staff, Some((RankGrade::Staff1, "2025-03-01"))).await);
        }
        h.sync().await;
        let mut org = h.org();
        org.set_quota_pool(pb::SetQuotaPoolRequest {
            request_id: rid(),
            name: "区发改局".into(),
            kind: pb::PoolKind::Unit as i32,
            org_unit_ids: vec![unit.clone()],
            headcount_override: Some(50),
            ..Default::default()
        })
        .await
        .expect("the pool");

        // Taken over from the directory's record, with the directory's grade and date.
        let history = org
            .get_rank_history(pb::GetRankHistoryRequest { cadre_id: star.cadre_id.clone() })
            .await
            .expect("the history")
            .into_inner();
        assert_eq!(history.cadre_name, "张优秀");
        assert_eq!(history.holdings.len(), 1, "{backend}");
        let imported = &history.holdings[0];
        assert_eq!(
            (imported.grade, imported.source),
            (RankGrade::Staff1 as i32, pb::HoldingSource::Imported as i32)
        );
        assert_eq!((imported.start_date, imported.end_date), (Some(date("2025-01-01")), None));

        // Twelve months of 2025 counted provisionally (its result is not out yet); 24 required.
        let before = check(&mut org, &star.cadre_id, None).await;
        assert_eq!(before.current_grade, RankGrade::Staff1 as i32, "{backend}");
        assert_eq!(before.target_grade, RankGrade::PrincipalStaff4 as i32);
        assert_eq!(before.current_since, Some(date("2025-01-01")));
        assert_eq!((before.required_months, before.counted_months), (24, 12), "{backend}: {before:?}");
        assert_eq!(before.provisional_months, 12);
        assert!(before.reductions.is_empty());
        assert_eq!(before.tenure_met_on, Some(date("2027-01-01")), "{backend}: {before:?}");
        assert_eq!(before.eligible_from, Some(date("2027-01-01")));
        assert!(!before.eligible);
        assert_eq!(blocks(&before), vec!["TENURE_NOT_MET"], "{backend}");
        let sources: Vec<&str> = before.rules.iter().map(|r| r.source.as_str()).collect();
        assert!(sources.iter().any(|s| s.contains("第十八条")), "{sources:?}");
        assert!(before.rules.iter().any(|r| r.code == "TENURE_REQUIREMENT" && r.text.contains("24 months")));
        assert!(before.rules.iter().any(|r| r.code == "NOT_AN_ENTITLEMENT"));

        // The 2025 assessment: 优秀 for the star, published on 2026-01-20 (R7: it counts from then).
        let mut all: Vec<&harness::Person> = vec![&star];
        all.extend(others.iter());
        let published = h.publish_year(&unit, 2025, &all, &[(&star, AnnualOutcome::Excellent)]).await;
        assert_eq!(published, harness::d("2026-01-20"), "{backend}");
        let mut after = check(&mut org, &star.cadre_id, None).await;
        eventually("the 优秀 reaches the rank service", || {
            let (mut org, id) = (org.clone(), star.cadre_id.clone());
            async move { !check(&mut org, &id, None).await.reductions.is_empty() }
        })
        .await;
        if after.reductions.is_empty() {
            after = check(&mut org, &star.cadre_id, None).await;
        }
        assert_eq!(after.reductions, vec![pb::Reduction { year: 2025, months: 6 }], "{backend}: {after:?}");
        assert_eq!(after.required_months, 18);
        assert_eq!(after.provisional_months, 0, "2025 is assessed now");
        assert_eq!(after.tenure_met_on, Some(date("2026-07-01")), "{backend}: {after:?}");
        assert!(after.rules.iter().any(|r| r.code == "EXCELLENT_REDUCTION"), "{:?}", after.rules);
        // Never before it is published: on 2026-01-19 the same facts give 24 months.
        let earlier = check(&mut org, &star.cadre_id, Some("2026-01-19")).await;
        assert!(earlier.reductions.is_empty(), "{backend}: {earlier:?}");
        assert_eq!(earlier.tenure_met_on, Some(date("2027-01-01")));

        // The lists follow: due on 2026-07-01, not the day before.
        assert_eq!(names(&list(&mut org, as_of("2026-07-01")).await), vec!["张优秀"], "{backend}");
        assert!(list(&mut org, as_of("2026-06-30")).await.eligibilities.is_empty(), "{backend}");

        // The cadre reads their own answer, and nobody else's.
        let mut me = h.as_person(&star, &[]);
        assert_eq!(check(&mut me, &star.cadre_id, None).await.tenure_met_on, Some(date("2026-07-01")));
        let theirs = me
            .check_eligibility(pb::CheckEligibilityRequest {
                cadre_id: others[0].cadre_id.clone(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&theirs, Code::NotFound, "CADRE_NOT_FOUND", None);
        let listing = me.list_eligible_cadres(as_of("2026-07-01")).await.unwrap_err();
        assert_eq!(listing.code(), Code::PermissionDenied, "{listing:?}");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conduct_measure_blocks_promotion_until_its_period_is_over() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-05").await;
        let backend = h.backend;
        let district = bureau(&mut h, &[]).await;
        let a = &district.a;
        let mut org = h.org();
        // Eligible since 2026-01-01 on two 称职 years.
        let clear = check(&mut org, &a.cadre_id, None).await;
        assert!(clear.eligible, "{backend}: {clear:?}");
        assert_eq!(clear.eligible_from, Some(date("2026-01-01")));

        // A 诫勉 on 2026-01-10 bars promotion for six months (§4.4): its last day computed from the policy.
        let measure = types::ConductMeasure {
            source_id: "oversight-2026-001".into(),
            cadre_id: a.cadre_id.clone(),
            kind: types::ConductMeasureKind::Admonishment as i32,
            effective_date: Some(date("2026-01-10")),
            last_day: None,
            basis: "区纪委〔2026〕1号".into(),
            still_affects_use: false,
        };
        let stored = record(&mut h.inspector(), measure.clone()).await;
        assert_eq!(stored.last_day, Some(date("2026-07-09")), "{backend}");
        let blocked = check(&mut org, &a.cadre_id, None).await;
        assert!(!blocked.eligible);
        assert_eq!(blocks(&blocked), vec!["RESTRICTION_IN_EFFECT"], "{backend}: {blocked:?}");
        assert_eq!(blocked.blocks[0].until, Some(date("2026-07-09")));
        assert_eq!(blocked.eligible_from, Some(date("2026-07-10")));
        assert!(blocked.rules.iter().any(|r| r.source.contains("组织处理")), "{:?}", blocked.rules);
        // The list knows at once: no longer due today, due again from 2026-07-10.
        let today = list(&mut org, pb::ListEligibleCadresRequest::default()).await;
        assert!(today.eligibilities.iter().all(|e| e.cadre_id != a.cadre_id), "{backend}");
        let later = list(&mut org, as_of("2026-07-10")).await;
        assert!(later.eligibilities.iter().any(|e| e.cadre_id == a.cadre_id), "{backend}");

        // The oversight service opens an investigation: no end, so no date to be eligible from.
        let investigation = types::ConductMeasure {
            source_id: "oversight-case-77".into(),
            kind: types::ConductMeasureKind::OpenInvestigation as i32,
            effective_date: Some(date("2026-02-01")),
            basis: "区监委立案".into(),
            ..measure.clone()
        };
        h.set_today("2026-02-02").await;
        record(&mut h.system("oversight"), investigation.clone()).await;
        let open = check(&mut org, &a.cadre_id, None).await;
        assert!(blocks(&open).contains(&"OPEN_INVESTIGATION".to_owned()), "{backend}: {open:?}");
        assert_eq!(open.eligible_from, None);
        let due = list(
            &mut org,
            pb::ListEligibleCadresRequest {
                include_blocked: true,
                eligible_by: Some(date("2030-12-31")),
                ..Default::default()
            },
        )
        .await;
        assert!(due.eligibilities.iter().all(|e| e.cadre_id != a.cadre_id), "{backend}: no date, not due");
        // Concluded: the same source id closes it.
        record(
            &mut h.system("oversight"),
            types::ConductMeasure { last_day: Some(date("2026-03-15")), ..investigation },
        )
        .await;
        assert_eq!(
            check(&mut org, &a.cadre_id, None).await.eligible_from,
            Some(date("2026-07-10")),
            "{backend}"
        );

        // The 诫勉's period ends: from 2026-07-10 the cadre is eligible again, in the answer and the list.
        h.set_today("2026-07-10").await;
        let over = check(&mut org, &a.cadre_id, None).await;
        assert!(over.eligible, "{backend}: {over:?}");
        assert!(
            list(&mut org, pb::ListEligibleCadresRequest::default())
                .await
                .eligibilities
                .iter()
                .any(|e| e.cadre_id == a.cadre_id)
        );

        // A cadre records nothing; a measure needs its facts.
        let refused = h
            .as_person(&district.b, &[])
            .record_conduct_measure(pb::RecordConductMeasureRequest {
                request_id: rid(),
                measure: Some(measure.clone()),
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);
        let bad = h
            .inspector()
            .record_conduct_measure(pb::RecordConductMeasureRequest {
                request_id: rid(),
                measure: Some(types::ConductMeasure {
                    kind: 0,
                    last_day: Some(date("2025-01-01")),
                    basis: String::new(),
                    ..measure
                }),
            })
            .await
            .unwrap_err();
        assert_error(&bad, Code::InvalidArgument, "INVALID_MEASURE", Some("measure.kind"));
        assert_error(&bad, Code::InvalidArgument, "INVALID_MEASURE", Some("measure.last_day"));
        assert_error(&bad, Code::InvalidArgument, "INVALID_MEASURE", Some("measure.basis"));
        h.stop().await;
    }
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_of_cadres_due_follow_scope_subtree_and_date() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-05").await;
        let backend = h.backend;
        let district = bureau(&mut h, &[]).await;
        let mut org = h.org();

        // Due today (2026-01-21): the three whose 24 months ended with 2025, each with the explanation.
        let today = list(&mut org, pb::ListEligibleCadresRequest::default()).await;
        assert_eq!(names(&today), sorted(&["安一", "陈三", "鄂五"]), "{backend}");
        assert!(
            today.eligibilities.iter().all(|e| e.eligible && e.eligible_from == Some(date("2026-01-01")))
        );
        assert!(
            today.eligibilities.iter().all(|e| !e.rules.is_empty() && e.as_of == Some(date("2026-01-21")))
        );
        let c = today.eligibilities.iter().find(|e| e.cadre_id == district.c.cadre_id).unwrap();
        assert_eq!(
            (c.current_grade, c.target_grade),
            (RankGrade::PrincipalStaff4 as i32, RankGrade::PrincipalStaff3 as i32)
        );
        // As of a date: 2026-07-01 adds the one appointed in July 2024.
        assert_eq!(
            names(&list(&mut org, as_of("2026-07-01")).await),
            sorted(&["安一", "白二", "陈三", "鄂五"]),
            "{backend}"
        );
        // Only promotions to one grade.
        let to_third = list(
            &mut org,
            pb::ListEligibleCadresRequest {
                target_grade: RankGrade::PrincipalStaff3 as i32,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(names(&to_third), vec!["陈三"], "{backend}");
        // With the blocked ones due within a year, earliest first.
        let within = list(
            &mut org,
            pb::ListEligibleCadresRequest {
                include_blocked: true,
                eligible_by: Some(date("2027-01-01")),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(names(&within), sorted(&["安一", "白二", "陈三", "邓四", "鄂五", "范六"]), "{backend}");
        // Earliest first (a full quota has no date of its own and is shown where the cadre's own date is).
        let order: Vec<(i32, i32, i32)> = within
            .eligibilities
            .iter()
            .filter_map(|e| e.eligible_from)
            .map(|d| (d.year, d.month, d.day))
            .collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{backend}: {order:?}");
        let d = within.eligibilities.iter().find(|e| e.cadre_id == district.d.cadre_id).unwrap();
        assert!(!d.eligible);
        assert_eq!(blocks(d), vec!["TENURE_NOT_MET"]);
        // The villager was never assessed: 2024 is dropped, and the town's own pool of one has no 主任科员
        // post (60% of one rounds to none).
        let v = within.eligibilities.iter().find(|e| e.cadre_id == district.villager.cadre_id).unwrap();
        assert_eq!(v.dropped_years, vec![2024], "{backend}: {v:?}");
        assert_eq!(blocks(v), vec!["TENURE_NOT_MET", "QUOTA_FULL"], "{backend}");
        // Everyone, with the never-assessed villager blocked for want of results.
        let everyone =
            list(&mut org, pb::ListEligibleCadresRequest { include_blocked: true, ..Default::default() })
                .await;
        assert_eq!(everyone.eligibilities.len(), 6, "{backend}");

        // Paged: two at a time, the token bound to the query.
        let first =
            list(&mut org, pb::ListEligibleCadresRequest { page_size: 2, ..Default::default() }).await;
        assert_eq!(first.eligibilities.len(), 2);
        assert!(!first.next_page_token.is_empty());
        let second = list(
            &mut org,
            pb::ListEligibleCadresRequest {
                page_size: 2,
                page_token: first.next_page_token.clone(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(second.eligibilities.len(), 1, "{backend}");
        assert!(second.next_page_token.is_empty());
        let mut paged: Vec<String> =
            first.eligibilities.iter().chain(&second.eligibilities).map(|e| e.cadre_name.clone()).collect();
        paged.sort();
        assert_eq!(paged, sorted(&["安一", "陈三", "鄂五"]));
        let foreign = org
            .list_eligible_cadres(pb::ListEligibleCadresRequest {
                page_size: 2,
                page_token: first.next_page_token,
                as_of: Some(date("2026-07-01")),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&foreign, Code::InvalidArgument, "INVALID_PAGE_TOKEN", Some("page_token"));

        // A subtree: the town alone.
        let town = list(
            &mut org,
            pb::ListEligibleCadresRequest {
                org_unit_id: district.town.clone(),
                include_blocked: true,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(names(&town), vec!["范六"], "{backend}");

        // Scope: the bureau's leader sees the bureau, the town's HR officer the town; out of scope is absent.
        let mut leader = h.as_person(&district.e, &[Role::UnitLeader]);
        let seen =
            list(&mut leader, pb::ListEligibleCadresRequest { include_blocked: true, ..Default::default() })
                .await;
        assert_eq!(names(&seen), sorted(&["安一", "白二", "陈三", "邓四", "鄂五"]), "{backend}");
        let mut hr = h.as_person(&district.villager, &[Role::UnitHrOfficer]);
        let seen =
            list(&mut hr, pb::ListEligibleCadresRequest { include_blocked: true, ..Default::default() })
                .await;
        assert_eq!(names(&seen), vec!["范六"], "{backend}");
        let hidden = hr
            .check_eligibility(pb::CheckEligibilityRequest {
                cadre_id: district.a.cadre_id.clone(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&hidden, Code::NotFound, "CADRE_NOT_FOUND", None);
        let mut outside = list(
            &mut hr,
            pb::ListEligibleCadresRequest {
                org_unit_id: district.unit.clone(),
                include_blocked: true,
                ..Default::default()
            },
        )
        .await;
        outside.eligibilities.retain(|_| true);
        assert!(
            outside.eligibilities.is_empty(),
            "{backend}: another unit's subtree shows nothing out of scope"
        );

        // Bad input names its fields.
        let bad = org
            .list_eligible_cadres(pb::ListEligibleCadresRequest {
                as_of: Some(types::Date { year: 2026, month: 2, day: 30 }),
                target_grade: 99,
                eligible_by: Some(date("2027-01-01")),
                page_size: -1,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(bad.code(), Code::InvalidArgument, "{bad:?}");
        let bad = org
            .list_eligible_cadres(pb::ListEligibleCadresRequest {
                as_of: Some(types::Date { year: 2026, month: 2, day: 30 }),
                target_grade: 99,
                eligible_by: Some(date("2027-01-01")),
                ..Default::default()
            })
            .await
            .unwrap_err();
        for field in ["as_of", "target_grade", "eligible_by"] {
            assert_error(&bad, Code::InvalidArgument, "INVALID_LIST_QUERY", Some(field));
        }
        h.stop().await;
    }
}

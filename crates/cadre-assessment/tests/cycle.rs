//! The annual assessment of a pool over a real socket, with the real directory and the leave service's
//! working calendar, on SQLite and PostgreSQL: a whole cycle from opening to the published result, the
//! 优秀 quota with and without an approval, retries, and bad input.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::assessment as pb;
use harness::{
    Harness, Post, assert_error, assessment, assessments, date, of, open_cycle, propose, published_results,
    rid, summary, try_determine, try_propose, try_publicise,
};
use pb::AnnualOutcome::{Competent, Excellent};
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_runs_from_opening_to_the_published_result() {
    for database in TestDatabase::each() {
        // Monday 12 January 2026: the 2025 assessment.
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U01", "区发展改革局", None).await;
        let head = h.cadre("王局长", &unit, Post::Principal).await;
        let star = h.cadre("张优秀", &unit, Post::Staff).await;
        let objector = h.cadre("李科员", &unit, Post::Staff).await;
        let third = h.cadre("赵科员", &unit, Post::Staff).await;
        let fourth = h.cadre("钱科员", &unit, Post::Staff).await;
        // 参公 staff of the same 机关 are a pool of their own.
        let reference = h
            .cadre_with(
                "孙参公",
                &unit,
                Post::Staff,
                harness::Facts {
                    category: cadre_proto::directory::CadreCategory::ReferenceManaged,
                    ..Default::default()
                },
            )
            .await;
        h.sync().await;

        let mut org = h.org();
        let cycle = open_cycle(&mut org, &unit, pb::PoolCategory::CivilServant, 2025).await;
        assert_eq!(pb::CycleState::try_from(cycle.state).unwrap(), pb::CycleState::Open, "{backend}");
        assert_eq!(
            (cycle.enrolled, cycle.taking_part),
            (5, 5),
            "{backend}: the 参公 person is not in this pool"
        );
        assert_eq!(cycle.org_unit_name, "区发展改革局");
        let all = assessments(&mut org, &cycle.id).await;
        assert!(all.iter().all(|a| a.cadre_id != reference.cadre_id));
        let other_pool = open_cycle(&mut org, &unit, pb::PoolCategory::ReferenceManaged, 2025).await;
        assert_eq!(other_pool.enrolled, 1, "{backend}");

        // Each person writes their summary; the head proposes the staff's grades, the org department his.
        for who in [&head, &star, &objector, &third, &fourth] {
            let mut me = h.as_cadre(who);
            let mine = of(&all, who);
            let after = summary(&mut me, &mine.id).await;
            assert_eq!(
                pb::AssessmentState::try_from(after.state).unwrap(),
                pb::AssessmentState::SummarySubmitted
            );
        }
        let mut leader = h.as_person(&head, &[Role::UnitLeader]);
        let own = try_propose(&mut leader, &of(&all, &head).id, Competent).await.unwrap_err();
        assert_error(&own, Code::FailedPrecondition, "SELF_ASSESSMENT", None);
        propose(&mut leader, &of(&all, &star).id, Excellent).await;
        for who in [&objector, &third, &fourth] {
            propose(&mut leader, &of(&all, who).id, Competent).await;
        }
        let proposed = propose(&mut org, &of(&all, &head).id, Competent).await;
        assert_eq!(proposed.proposed, Competent as i32);
        assert_eq!(proposed.proposed_by, "org-officer");

        // Publicity of the one 优秀 candidate: five working days from the day after.
        let started = try_publicise(&mut org, &cycle.id, "").await.expect("publicity starts");
        let publicised = started.cycle.unwrap();
        assert_eq!(publicised.publicity_last_day, Some(date("2026-01-19")), "{backend}");
        assert_eq!((publicised.excellent, publicised.excellent_limit), (1, 1));
        assert_eq!(started.candidates.len(), 1);
        assert_eq!(started.candidates[0].cadre_id, star.cadre_id);

        // A colleague objects once the publicity is on; the result cannot be determined before the
        // publicity ends, nor with the objection open.
        h.set_today("2026-01-13");
        let mut colleague = h.as_cadre(&objector);
        let objection = colleague
            .raise_objection(pb::RaiseObjectionRequest {
                request_id: rid(),
                assessment_id: of(&all, &star).id.clone(),
                text: "该同志全年有两个月借调在外。".into(),
            })
            .await
            .expect("a colleague objects")
            .into_inner()
            .objection
            .unwrap();
        let early = try_determine(&mut org, &cycle.id).await.unwrap_err();
        assert_error(&early, Code::FailedPrecondition, "PUBLICITY_NOT_OVER", None);
        h.set_today("2026-01-20");
        let open = try_determine(&mut org, &cycle.id).await.unwrap_err();
        assert_error(&open, Code::FailedPrecondition, "OBJECTION_UNRESOLVED", None);
        // Only the org department sees who objected.
        let seen = assessment(&mut h.as_person(&head, &[Role::UnitLeader]), &of(&all, &star).id).await;
        assert_eq!(seen.objections.len(), 1);
        assert!(seen.objections[0].raised_by.is_empty(), "{:?}", seen.objections);
        org.resolve_objection(pb::ResolveObjectionRequest {
            request_id: rid(),
            objection_id: objection.id.clone(),
            upheld: false,
            resolution: "借调期间工作经派出单位认可，异议不成立。".into(),
        })
        .await
        .expect("the objection is dismissed");

        let determined = try_determine(&mut org, &cycle.id).await.expect("the grades are determined");
        assert_eq!(pb::CycleState::try_from(determined.state).unwrap(), pb::CycleState::Determined);
        assert_eq!(determined.determined_on, Some(date("2026-01-20")));
        assert_eq!(determined.determined_by, "局长办公会");
        assert_eq!(determined.excellent, 1);

        // The written result; the person signs it.
        let mut star_client = h.as_cadre(&star);
        let result = assessment(&mut star_client, &of(&all, &star).id).await;
        let mine = result.assessment.unwrap();
        assert_eq!(mine.outcome, Excellent as i32, "{backend}");
        assert_eq!(pb::AssessmentState::try_from(mine.state).unwrap(), pb::AssessmentState::Notified);
        assert_eq!(mine.notified_on, Some(date("2026-01-20")));
        assert_eq!(mine.review_deadline, None, "by default only 不称职 can be reviewed");
        let codes: Vec<&str> = result.consequences.iter().map(|c| c.code.as_str()).collect();
        assert!(
            codes.contains(&"COMMENDATION_PROPOSED") && codes.contains(&"TENURE_REDUCED_6_MONTHS"),
            "{codes:?}"
        );
        assert_eq!(result.objections[0].raised_by, "", "the person does not see who objected");
        // Another cadre neither sees nor signs it.
        let foreign = colleague
            .acknowledge_result(pb::AcknowledgeResultRequest {
                request_id: rid(),
                assessment_id: mine.id.clone(),
                refused: false,
            })
            .await
            .unwrap_err();
        assert_error(&foreign, Code::NotFound, "ASSESSMENT_NOT_FOUND", None);
        // The person sees the cycles they are assessed in, but only within the subtree asked for.
        let listed = |org_unit_id: &str| pb::ListAnnualCyclesRequest {
            org_unit_id: org_unit_id.to_owned(),
            ..Default::default()
        };
        let own = star_client.list_annual_cycles(listed("")).await.unwrap().into_inner().cycles;
        assert_eq!(own.len(), 1, "{backend}: {own:?}");
        let elsewhere = star_client
            .list_annual_cycles(listed("0190aaaa-0000-7000-8000-000000000000"))
            .await
            .unwrap()
            .into_inner()
            .cycles;
        assert!(elsewhere.is_empty(), "{backend}: {elsewhere:?}");
        let signed = star_client
            .acknowledge_result(pb::AcknowledgeResultRequest {
                request_id: rid(),
                assessment_id: mine.id.clone(),
                refused: false,
            })
            .await
            .expect("the person signs")
            .into_inner()
            .assessment
            .unwrap();
        assert_eq!(signed.acknowledged_on, Some(date("2026-01-20")));
        assert_eq!(pb::AssessmentState::try_from(signed.state).unwrap(), pb::AssessmentState::Final);

        // Rank reads the results on the feed, with their consequences, and can relist them.
        let events = published_results(&h).await;
        assert_eq!(events.len(), 5, "{backend}: {events:?}");
        let star_event =
            events.iter().find(|e| e.result.as_ref().unwrap().cadre_id == star.cadre_id).unwrap();
        let result = star_event.result.as_ref().unwrap();
        assert_eq!((result.year, result.outcome, result.revision), (2025, Excellent as i32, 1));
        assert_eq!(result.published_on, Some(date("2026-01-20")));
        assert_eq!(star_event.org_unit_id, unit);
        let kinds: Vec<(&str, &str)> =
            star_event.consequences.iter().map(|c| (c.code.as_str(), c.applied_by.as_str())).collect();
        assert!(kinds.contains(&("COMMENDATION_PROPOSED", "care")), "{kinds:?}");
        assert!(kinds.contains(&("TENURE_REDUCED_6_MONTHS", "rank")), "{kinds:?}");
        assert!(kinds.contains(&("COUNTS_FOR_LEVEL_AND_STEP", "rank")), "{kinds:?}");
        let listed = h
            .system("rank")
            .list_annual_results(pb::ListAnnualResultsRequest { page_size: 2, page_token: String::new() })
            .await
            .expect("rank relists")
            .into_inner();
        assert_eq!(listed.results.len(), 2);
        assert!(!listed.next_page_token.is_empty());

        // The distribution against the quota.
        let report = org
            .get_grade_distribution(pb::GetGradeDistributionRequest { year: 2025, org_unit_id: unit.clone() })
            .await
            .expect("the distribution")
            .into_inner();
        let pool = report.pools.iter().find(|p| p.cycle_id == cycle.id).unwrap();
        assert_eq!((pool.excellent, pool.competent, pool.excellent_limit, pool.over_quota), (1, 4, 1, false));

        // The cycle closes once every result is signed or its review period is over.
        let close = |org: &mut harness::Client| {
            let request = pb::CloseAnnualCycleRequest { request_id: rid(), cycle_id: cycle.id.clone() };
            let mut org = org.clone();
            async move { org.close_annual_cycle(request).await }
        };
        let unsigned = close(&mut org).await.unwrap_err();
        assert_error(&unsigned, Code::FailedPrecondition, "RESULT_NOT_ACKNOWLEDGED", None);
        h.set_today("2026-02-20");
        let closed = close(&mut org).await.expect("the cycle closes").into_inner().cycle.unwrap();
        assert_eq!(pb::CycleState::try_from(closed.state).unwrap(), pb::CycleState::Closed);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quota_is_checked_at_publicity_and_an_approval_raises_it() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U02", "区财政局", None).await;
        let mut people = vec![h.cadre("周局长", &unit, Post::Principal).await];
        for name in ["吴一", "郑二", "冯三", "陈四", "褚五"] {
            people.push(h.cadre(name, &unit, Post::Staff).await);
        }
        h.sync().await;
        let mut org = h.org();
        let cycle = open_cycle(&mut org, &unit, pb::PoolCategory::CivilServant, 2025).await;
        let all = assessments(&mut org, &cycle.id).await;
        // Six people: 20 % is 1.2, rounded half up to 1; 25 % is 1.5, rounded to 2.
        for (i, who) in people.iter().enumerate() {
            let id = &of(&all, who).id;
            summary(&mut h.as_cadre(who), id).await;
            propose(&mut org, id, if i < 2 { Excellent } else { Competent }).await;
        }
        let before = org
            .get_annual_cycle(pb::GetAnnualCycleRequest { cycle_id: cycle.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .cycle
            .unwrap();
        assert_eq!((before.excellent, before.excellent_limit), (2, 1), "{backend}");
        let events_before = h.count("outbox_events").await;

        let refused = try_publicise(&mut org, &cycle.id, "").await.unwrap_err();
        assert_error(&refused, Code::FailedPrecondition, "QUOTA_EXCEEDED", None);
        let info = tonic_types::StatusExt::get_error_details(&refused).error_info().cloned().unwrap();
        assert_eq!(info.metadata.get("limit").map(String::as_str), Some("1"));
        assert_eq!(info.metadata.get("limit_with_approval").map(String::as_str), Some("2"));
        // Nothing was written.
        let after = org
            .get_annual_cycle(pb::GetAnnualCycleRequest { cycle_id: cycle.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .cycle
            .unwrap();
        assert_eq!(after, before, "{backend}");
        assert_eq!(h.count("outbox_events").await, events_before);

        let started =
            try_publicise(&mut org, &cycle.id, "锦人社〔2026〕3号").await.expect("allowed with approval");
        let cycle = started.cycle.unwrap();
        assert_eq!(cycle.raised_quota_approval, "锦人社〔2026〕3号");
        assert_eq!((cycle.excellent, cycle.excellent_limit), (2, 2));
        assert_eq!(started.candidates.len(), 2);

        // An upheld objection: the candidate's proposal must be revised, and not to 优秀 again.
        h.set_today("2026-01-13");
        let candidate = of(&all, &people[1]).id.clone();
        let objection = h
            .as_cadre(&people[3])
            .raise_objection(pb::RaiseObjectionRequest {
                request_id: rid(),
                assessment_id: candidate.clone(),
                text: "该同志年内有一项重点工作未按期完成。".into(),
            })
            .await
            .expect("objection")
            .into_inner()
            .objection
            .unwrap();
        org.resolve_objection(pb::ResolveObjectionRequest {
            request_id: rid(),
            objection_id: objection.id,
            upheld: true,
            resolution: "经核实，异议成立。".into(),
        })
        .await
        .expect("upheld");
        h.set_today("2026-01-20");
        let unrevised = try_determine(&mut org, &cycle.id).await.unwrap_err();
        assert_error(&unrevised, Code::FailedPrecondition, "REVISION_REQUIRED", None);
        let again = try_propose(&mut org, &candidate, Excellent).await.unwrap_err();
        assert_error(&again, Code::FailedPrecondition, "OBJECTION_UPHELD", None);
        propose(&mut org, &candidate, Competent).await;
        let determined = try_determine(&mut org, &cycle.id).await.expect("determined after the revision");
        assert_eq!(determined.excellent, 1, "{backend}");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_return_the_first_answer_and_bad_input_names_its_fields() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U03", "区审计局", None).await;
        let head = h.cadre("蒋局长", &unit, Post::Principal).await;
        let clerk = h.cadre("沈科员", &unit, Post::Staff).await;
        h.sync().await;
        let mut org = h.org();

        let open = pb::OpenAnnualCycleRequest {
            request_id: rid(),
            org_unit_id: unit.clone(),
            category: pb::PoolCategory::CivilServant as i32,
            year: 2025,
        };
        let first = org.open_annual_cycle(open.clone()).await.expect("opened").into_inner();
        let again = org.open_annual_cycle(open.clone()).await.expect("the retry").into_inner();
        assert_eq!(first, again, "{backend}: a retry returns the first answer");
        let cycles = org
            .list_annual_cycles(pb::ListAnnualCyclesRequest { year: 2025, ..Default::default() })
            .await
            .unwrap()
            .into_inner()
            .cycles;
        assert_eq!(cycles.len(), 1, "{backend}: nothing was opened twice");
        let twice = org
            .open_annual_cycle(pb::OpenAnnualCycleRequest { request_id: rid(), ..open.clone() })
            .await
            .unwrap_err();
        assert_error(&twice, Code::AlreadyExists, "CYCLE_EXISTS", None);

        let all = assessments(&mut org, &first.cycle.unwrap().id).await;
        let mine = of(&all, &clerk).id.clone();
        let summary_request = pb::SubmitSelfSummaryRequest {
            request_id: rid(),
            assessment_id: mine.clone(),
            summary: "完成全年任务。".into(),
        };
        let mut me = h.as_cadre(&clerk);
        let once = me.submit_self_summary(summary_request.clone()).await.expect("submitted").into_inner();
        let twice = me.submit_self_summary(summary_request).await.expect("the retry").into_inner();
        assert_eq!(once, twice);

        // Bad input: every field at fault is named, nothing is written.
        let bad = org
            .open_annual_cycle(pb::OpenAnnualCycleRequest {
                request_id: rid(),
                org_unit_id: String::new(),
                category: 0,
                year: 1800,
            })
            .await
            .unwrap_err();
        assert_error(&bad, Code::InvalidArgument, "INVALID_CYCLE", Some("org_unit_id"));
        assert_error(&bad, Code::InvalidArgument, "INVALID_CYCLE", Some("category"));
        assert_error(&bad, Code::InvalidArgument, "INVALID_CYCLE", Some("year"));
        let future = org
            .open_annual_cycle(pb::OpenAnnualCycleRequest { request_id: rid(), year: 2027, ..open.clone() })
            .await
            .unwrap_err();
        assert_error(&future, Code::InvalidArgument, "INVALID_CYCLE", Some("year"));
        let mut leader = h.as_person(&head, &[Role::UnitLeader]);
        let no_grade = leader
            .propose_grade(pb::ProposeGradeRequest {
                request_id: rid(),
                assessment_id: mine.clone(),
                grade: 0,
                comment: " ".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&no_grade, Code::InvalidArgument, "INVALID_PROPOSAL", Some("grade"));
        assert_error(&no_grade, Code::InvalidArgument, "INVALID_PROPOSAL", Some("comment"));
        let no_id = leader
            .propose_grade(pb::ProposeGradeRequest {
                request_id: String::new(),
                assessment_id: mine.clone(),
                grade: Competent as i32,
                comment: "好".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&no_id, Code::InvalidArgument, "INVALID_REQUEST_ID", Some("request_id"));
        let stale = leader
            .propose_grade(pb::ProposeGradeRequest {
                request_id: rid(),
                assessment_id: mine.clone(),
                grade: Competent as i32,
                comment: "好".into(),
                expected_version: 99,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&stale, Code::Aborted, "VERSION_MISMATCH", None);
        let measure = org
            .record_conduct_measure(pb::RecordConductMeasureRequest { request_id: rid(), measure: None })
            .await
            .unwrap_err();
        assert_error(&measure, Code::InvalidArgument, "INVALID_MEASURE", Some("measure"));
        let page = org
            .list_annual_cycles(pb::ListAnnualCyclesRequest {
                page_token: "nonsense".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&page, Code::InvalidArgument, "INVALID_PAGE_TOKEN", Some("page_token"));
        let state: pb::AnnualAssessment = assessment(&mut org, &mine).await.assessment.unwrap();
        assert_eq!(state.proposed, 0, "{backend}: no proposal was written");
        h.stop().await;
    }
}

//! The oversight service's feed as the rank service follows it, on SQLite and PostgreSQL.
//!
//! Over a real socket (the harness's stand-in feed, the real directory, leave, assessment and rank
//! services): a decision's conduct measure restricts the cadre's promotion as one recorded through
//! `RecordConductMeasure` does, and a replayed decision stores nothing twice; an answered 党风廉政意见 is
//! recorded on its case as the inspector's would be, and a second answer, or one for an unknown case,
//! changes nothing and does not stop the follower. An answer that comes while its case is still at the
//! 民主推荐/测评 waits for the 考察 and is recorded by the step that gets there; the inspector's own opinion,
//! or the case's closing, drops it.
//!
//! On the follower's own (as the generic follower calls it, in one transaction): a measure that cannot be
//! stored is skipped, a measure for a cadre the directory has not sent yet is kept for them, and a relist
//! stores every listed measure again.

mod harness;

use cadre_platform::{Db, DbConn, db::PoolOptions, testing::TestDatabase};
use cadre_projection::{DirectorySnapshot, follower::FeedSource};
use cadre_proto::{directory as dir, events::Event, oversight as ov, rank as pb, types};
use cadre_rank::{
    domain::eligibility::BlockReason,
    followers::{OversightFeed, OversightSnapshot, RankDirectoryFeed},
    store::{self, MIGRATIONS},
};
use chrono::NaiveDate;
use harness::{Harness, blocks, bureau, check, date, eventually, rid};
use prost::{Message, Name};

fn measure(source_id: &str, cadre: &str, effective: &str, last: &str) -> types::ConductMeasure {
    types::ConductMeasure {
        source_id: source_id.into(),
        cadre_id: cadre.into(),
        kind: types::ConductMeasureKind::Admonishment as i32,
        effective_date: Some(date(effective)),
        last_day: Some(date(last)),
        basis: "区纪委〔2026〕3号".into(),
        still_affects_use: false,
    }
}

fn decision(id: &str, cadre: &str, measure: Option<types::ConductMeasure>) -> ov::Decision {
    ov::Decision {
        id: id.into(),
        cadre_id: cadre.into(),
        measure: ov::AccountabilityMeasure::Admonishment as i32,
        document_number: "区纪委〔2026〕3号".into(),
        conduct_measure: measure,
        ..Default::default()
    }
}

fn recorded(decision: ov::Decision) -> ov::DecisionRecordedEvent {
    ov::DecisionRecordedEvent { decision: Some(decision) }
}

fn answered(
    id: &str,
    case_id: &str,
    cadre_id: &str,
    clear: bool,
    by: &str,
) -> ov::IntegrityOpinionAnsweredEvent {
    let noon = NaiveDate::from_ymd_opt(2026, 1, 21).unwrap().and_hms_opt(4, 0, 0).unwrap().and_utc();
    ov::IntegrityOpinionAnsweredEvent {
        opinion: Some(ov::IntegrityOpinion {
            id: id.into(),
            rank_case_id: case_id.into(),
            cadre_id: cadre_id.into(),
            purpose: "职级晋升".into(),
            state: ov::OpinionState::Answered as i32,
            clear,
            answer: " 经查，未发现违反廉洁纪律问题。 ".into(),
            requested_by: "system:rank".into(),
            answered_by: by.into(),
            answer_time: Some(prost_types::Timestamp { seconds: noon.timestamp(), nanos: 0 }),
            ..Default::default()
        }),
    }
}

/// How many measures the rank service keeps for `cadre`.
async fn measures_of(h: &Harness, cadre: &str) -> usize {
    let cadre = cadre.to_owned();
    h.db.run(move |conn| store::measures::of_cadre(conn, &cadre)).await.unwrap().len()
}

async fn get(client: &mut harness::Client, id: &str) -> pb::RankCase {
    client
        .get_case(pb::GetCaseRequest { case_id: id.to_owned() })
        .await
        .unwrap_or_else(|s| panic!("get case: {s:?}"))
        .into_inner()
        .rank_case
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_restrict_promotion_and_opinions_answer_cases() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-05").await;
        let backend = h.backend;
        let district = bureau(&mut h, &[]).await;
        let (a, c, d, e) = (&district.a, &district.c, &district.d, &district.e);
        let mut org = h.org();
        assert!(check(&mut org, &a.cadre_id, None).await.eligible, "{backend}: eligible before");

        // A 诫勉 decided by the discipline body: its 影响期 restricts promotion to its last day.
        let first = recorded(decision(
            "DEC-1",
            &a.cadre_id,
            Some(measure("DEC-1", &a.cadre_id, "2026-01-10", "2026-07-09")),
        ));
        h.oversight.publish("decisions/DEC-1", first.clone()).await;
        let (db, id) = (h.db.clone(), a.cadre_id.clone());
        eventually("the measure arrives", || {
            let (db, id) = (db.clone(), id.clone());
            async move { !db.run(move |c| store::measures::of_cadre(c, &id)).await.unwrap().is_empty() }
        })
        .await;
        let blocked = check(&mut org, &a.cadre_id, None).await;
        assert!(!blocked.eligible, "{backend}: {blocked:?}");
        assert_eq!(blocks(&blocked), vec!["RESTRICTION_IN_EFFECT"], "{backend}: {blocked:?}");
        assert_eq!(blocked.blocks[0].until, Some(date("2026-07-09")));
        assert_eq!(blocked.eligible_from, Some(date("2026-07-10")), "{backend}");

        // A decision without a 影响期 is nothing to rank, the same decision again stores nothing twice, and
        // the events are applied in order: once the next measure is in, the ones before it are too.
        h.oversight.publish("decisions/DEC-0", recorded(decision("DEC-0", &c.cadre_id, None))).await;
        h.oversight.publish("decisions/DEC-1", first).await;
        let marker = measure("DEC-2", &d.cadre_id, "2026-01-12", "2026-07-11");
        h.oversight.publish("decisions/DEC-2", recorded(decision("DEC-2", &d.cadre_id, Some(marker)))).await;
        let (db, id) = (h.db.clone(), d.cadre_id.clone());
        eventually("the second measure arrives", || {
            let (db, id) = (db.clone(), id.clone());
            async move { !db.run(move |c| store::measures::of_cadre(c, &id)).await.unwrap().is_empty() }
        })
        .await;
        assert_eq!(measures_of(&h, &a.cadre_id).await, 1, "{backend}: the replay replaced, not doubled");
        assert_eq!(h.count("conduct_measures").await, 2, "{backend}");
        assert_eq!(measures_of(&h, &c.cadre_id).await, 0, "{backend}");
        let still = check(&mut org, &a.cadre_id, None).await;
        assert_eq!(blocks(&still), vec!["RESTRICTION_IN_EFFECT"], "{backend}: {still:?}");
        assert!(check(&mut org, &c.cadre_id, None).await.eligible, "{backend}: c has no measure");

        // A case for c in its 考察; the discipline body answers the opinion the case asked for.
        let case = org
            .open_promotion_case(pb::OpenPromotionCaseRequest {
                request_id: rid(),
                cadre_id: c.cadre_id.clone(),
                target_grade: dir::RankGrade::PrincipalStaff3 as i32,
                plan: "2026年度职级晋升工作方案（区委组织部部务会研究）".into(),
            })
            .await
            .expect("the case opens")
            .into_inner()
            .rank_case
            .unwrap();
        let inspected = org
            .record_recommendation(pb::RecordRecommendationRequest {
                request_id: rid(),
                case_id: case.id.clone(),
                recommendation: Some(pb::Recommendation {
                    method: pb::RecommendationMethod::Evaluation as i32,
                    ballots: 30,
                    in_favour: 28,
                    against: 1,
                    abstentions: 1,
                    held_on: Some(date("2026-01-21")),
                }),
            })
            .await
            .expect("the evaluation")
            .into_inner()
            .rank_case
            .unwrap();
        assert_eq!(inspected.state, pb::CaseState::Inspection as i32, "{backend}");
        assert!(inspected.discipline_opinion.is_none());
        // An opinion about someone else, naming this case, never clears its candidate: it is skipped, and the
        // one about the candidate that follows is the case's.
        h.oversight
            .publish("opinions/OP-0", answered("OP-0", &case.id, "someone-else", false, "acct-wrong"))
            .await;
        h.oversight
            .publish("opinions/OP-1", answered("OP-1", &case.id, &case.cadre_id, true, "acct-jiwei-7"))
            .await;
        let mut vetted = None;
        for _ in 0..1200 {
            let now = get(&mut org, &case.id).await;
            if now.discipline_opinion.is_some() {
                vetted = Some(now);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let vetted = vetted.expect("the opinion reaches the case");
        let opinion = vetted.discipline_opinion.clone().unwrap();
        assert!(opinion.clear, "{backend}");
        assert_eq!(opinion.given_by, "acct-jiwei-7", "{backend}");
        assert_eq!(opinion.note, "经查，未发现违反廉洁纪律问题。");
        assert_eq!(
            opinion.given_on,
            Some(date("2026-01-21")),
            "{backend}: the district's date of the answer"
        );
        assert_eq!(vetted.state, pb::CaseState::Inspection as i32, "{backend}");
        assert_eq!(vetted.version, inspected.version + 1, "{backend}");

        // The same answer again, a later one, one for an unknown case and one for no case: the case keeps
        // its opinion, and the follower goes on (the measure published after them arrives).
        h.oversight
            .publish("opinions/OP-1", answered("OP-1", &case.id, &case.cadre_id, true, "acct-jiwei-7"))
            .await;
        h.oversight
            .publish("opinions/OP-2", answered("OP-2", &case.id, &case.cadre_id, false, "acct-jiwei-8"))
            .await;
        h.oversight
            .publish("opinions/OP-3", answered("OP-3", "no-such-case", "", false, "acct-jiwei-8"))
            .await;
        h.oversight.publish("opinions/OP-4", answered("OP-4", "", "", false, "acct-jiwei-8")).await;
        let marker = measure("DEC-3", &e.cadre_id, "2026-01-15", "2026-07-14");
        h.oversight.publish("decisions/DEC-3", recorded(decision("DEC-3", &e.cadre_id, Some(marker)))).await;
        let (db, id) = (h.db.clone(), e.cadre_id.clone());
        eventually("the measure after the opinions arrives", || {
            let (db, id) = (db.clone(), id.clone());
            async move { !db.run(move |c| store::measures::of_cadre(c, &id)).await.unwrap().is_empty() }
        })
        .await;
        let after = get(&mut org, &case.id).await;
        assert_eq!(after.discipline_opinion, Some(opinion), "{backend}: the first answer stands");
        assert_eq!(after.version, vetted.version, "{backend}: nothing written");
        h.stop().await;
    }
}

async fn open_case(org: &mut harness::Client, cadre: &str, target: dir::RankGrade) -> pb::RankCase {
    org.open_promotion_case(pb::OpenPromotionCaseRequest {
        request_id: rid(),
        cadre_id: cadre.to_owned(),
        target_grade: target as i32,
        plan: "2026年度职级晋升工作方案（区委组织部部务会研究）".into(),
    })
    .await
    .unwrap_or_else(|s| panic!("the case opens: {s:?}"))
    .into_inner()
    .rank_case
    .unwrap()
}

/// The 民主测评 of a case, which moves it into its 考察.
async fn evaluate(org: &mut harness::Client, case_id: &str) -> pb::RankCase {
    org.record_recommendation(pb::RecordRecommendationRequest {
        request_id: rid(),
        case_id: case_id.to_owned(),
        recommendation: Some(pb::Recommendation {
            method: pb::RecommendationMethod::Evaluation as i32,
            ballots: 30,
            in_favour: 28,
            against: 1,
            abstentions: 1,
            held_on: Some(date("2026-01-21")),
        }),
    })
    .await
    .unwrap_or_else(|s| panic!("the evaluation: {s:?}"))
    .into_inner()
    .rank_case
    .unwrap()
}

/// The opinion kept for a case until its 考察, if any.
async fn pending(h: &Harness, case_id: &str) -> Option<store::cases::PendingOpinionRow> {
    let id = case_id.to_owned();
    h.db.run(move |conn| store::cases::pending_opinion(conn, &id)).await.unwrap()
}

/// Publishes the `n`th marker decision (a measure for `cadre`) and waits for it: the feed is applied in
/// order, so everything published before has been applied too.
async fn settle(h: &Harness, cadre: &str, n: usize) {
    let id = format!("DEC-M{n}");
    let marker = measure(&id, cadre, "2026-01-15", "2026-07-14");
    h.oversight.publish(&format!("decisions/{id}"), recorded(decision(&id, cadre, Some(marker)))).await;
    let (db, cadre) = (h.db.clone(), cadre.to_owned());
    eventually("the marker decision arrives", || {
        let (db, cadre) = (db.clone(), cadre.clone());
        async move { db.run(move |c| store::measures::of_cadre(c, &cadre)).await.unwrap().len() >= n }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opinion_answered_before_the_inspection_waits_for_it() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-05").await;
        let backend = h.backend;
        let district = bureau(&mut h, &[]).await;
        let (a, b, c) = (&district.a, &district.b, &district.c);
        let mut org = h.org();

        // The oversight service asks as soon as the case opens, and the answer comes while the case is
        // still at its 民主测评: kept for the case, which itself is not touched. A second delivery of the
        // answer and a later answer change nothing: the first one kept stands.
        let early = open_case(&mut org, &c.cadre_id, dir::RankGrade::PrincipalStaff3).await;
        assert_eq!(early.state, pb::CaseState::Recommendation as i32, "{backend}");
        h.oversight
            .publish("opinions/OP-5", answered("OP-5", &early.id, &early.cadre_id, true, "acct-jiwei-7"))
            .await;
        settle(&h, &b.cadre_id, 1).await;
        let kept = pending(&h, &early.id).await.unwrap_or_else(|| panic!("{backend}: the answer is kept"));
        assert_eq!(
            (kept.opinion_id.as_str(), kept.clear, kept.given_by.as_str(), kept.note.as_str()),
            ("OP-5", true, "acct-jiwei-7", "经查，未发现违反廉洁纪律问题。"),
            "{backend}"
        );
        assert_eq!(kept.given_on, at(2026, 1, 21), "{backend}");
        h.oversight
            .publish("opinions/OP-5", answered("OP-5", &early.id, &early.cadre_id, true, "acct-jiwei-7"))
            .await;
        h.oversight
            .publish("opinions/OP-6", answered("OP-6", &early.id, &early.cadre_id, false, "acct-jiwei-8"))
            .await;
        settle(&h, &b.cadre_id, 2).await;
        assert_eq!(pending(&h, &early.id).await, Some(kept), "{backend}: the replay changed nothing");
        assert_eq!(h.count("pending_opinions").await, 1, "{backend}");
        let waiting = get(&mut org, &early.id).await;
        assert!(waiting.discipline_opinion.is_none(), "{backend}: {waiting:?}");
        assert_eq!(waiting.version, early.version, "{backend}: the case is not written");

        // The 民主测评 brings the case into its 考察, and the same step records the kept answer on it.
        let inspected = evaluate(&mut org, &early.id).await;
        assert_eq!(inspected.state, pb::CaseState::Inspection as i32, "{backend}");
        let opinion = inspected
            .discipline_opinion
            .clone()
            .unwrap_or_else(|| panic!("{backend}: the kept answer is on the case: {inspected:?}"));
        assert!(opinion.clear, "{backend}");
        assert_eq!(opinion.given_by, "acct-jiwei-7", "{backend}");
        assert_eq!(opinion.note, "经查，未发现违反廉洁纪律问题。", "{backend}");
        assert_eq!(opinion.given_on, Some(date("2026-01-21")), "{backend}");
        assert_eq!(inspected.version, early.version + 1, "{backend}: one write of the case");
        assert_eq!(get(&mut org, &early.id).await, inspected, "{backend}");
        assert_eq!(h.count("pending_opinions").await, 0, "{backend}: recorded, so no longer kept");

        // Delivered once more afterwards: the case has it, nothing is kept or written.
        h.oversight
            .publish("opinions/OP-5", answered("OP-5", &early.id, &early.cadre_id, true, "acct-jiwei-7"))
            .await;
        settle(&h, &b.cadre_id, 3).await;
        assert_eq!(get(&mut org, &early.id).await, inspected, "{backend}: the replay changed nothing");
        assert_eq!(h.count("pending_opinions").await, 0, "{backend}");

        // A case closed before its 考察 drops what was kept for it.
        let dropped = open_case(&mut org, &a.cadre_id, dir::RankGrade::PrincipalStaff4).await;
        h.oversight
            .publish("opinions/OP-7", answered("OP-7", &dropped.id, &dropped.cadre_id, true, "acct-jiwei-7"))
            .await;
        settle(&h, &b.cadre_id, 4).await;
        assert!(pending(&h, &dropped.id).await.is_some(), "{backend}");
        org.withdraw_case(pb::WithdrawCaseRequest {
            request_id: rid(),
            case_id: dropped.id.clone(),
            reason: "本人因借调暂缓晋升".into(),
        })
        .await
        .unwrap_or_else(|s| panic!("withdrawn: {s:?}"));
        assert_eq!(pending(&h, &dropped.id).await, None, "{backend}: the withdrawn case drops it");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspectors_own_opinion_wins_over_a_kept_one() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-05").await;
        let backend = h.backend;
        let district = bureau(&mut h, &[]).await;
        let (b, e) = (&district.b, &district.e);
        let mut org = h.org();
        let case = open_case(&mut org, &e.cadre_id, dir::RankGrade::PrincipalStaff1).await;
        let inspected = evaluate(&mut org, &case.id).await;
        assert!(inspected.discipline_opinion.is_none(), "{backend}: nothing was kept for it");

        // An answer kept for the case that the step into the 考察 did not find. The follower and the
        // steps take the audit chain's lock first, so none is left behind that way; this stands for the
        // worst interleaving all the same: the inspector records the opinion before it is applied.
        let kept = store::cases::PendingOpinionRow {
            case_id: case.id.clone(),
            clear: false,
            note: "有待核实的问题线索".into(),
            given_by: "acct-jiwei-8".into(),
            given_on: at(2026, 1, 20),
            opinion_id: "OP-8".into(),
            received_at: at(2026, 1, 20).and_hms_opt(9, 0, 0).unwrap(),
        };
        h.db.write(move |conn| store::cases::keep_pending_opinion(conn, &kept)).await.unwrap();
        let vetted = h
            .inspector()
            .record_discipline_opinion(pb::RecordDisciplineOpinionRequest {
                request_id: rid(),
                case_id: case.id.clone(),
                clear: true,
                note: "经查，无违纪违法问题线索。".into(),
            })
            .await
            .unwrap_or_else(|s| panic!("{backend}: the opinion: {s:?}"))
            .into_inner()
            .rank_case
            .unwrap();
        let opinion = vetted.discipline_opinion.clone().unwrap();
        assert_eq!((opinion.clear, opinion.given_by.as_str()), (true, "inspector"), "{backend}");
        assert_eq!(pending(&h, &case.id).await, None, "{backend}: the inspector's wins, the kept one goes");

        // The discipline body's answer delivered now finds the case answered: nothing is kept or written.
        h.oversight
            .publish("opinions/OP-9", answered("OP-9", &case.id, &case.cadre_id, false, "acct-jiwei-8"))
            .await;
        settle(&h, &b.cadre_id, 1).await;
        assert_eq!(get(&mut org, &case.id).await, vetted, "{backend}: the inspector's opinion stands");
        assert_eq!(h.count("pending_opinions").await, 0, "{backend}");
        h.stop().await;
    }
}

fn at(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// One district unit with one 一级科员 of long standing, due for promotion but for the measures recorded.
fn district() -> DirectorySnapshot {
    let unit = |id: &str, parent: &str, ancestors: &[&str]| dir::OrgUnit {
        id: id.into(),
        parent_id: parent.into(),
        name: id.into(),
        kind: "district_unit".into(),
        ancestor_ids: ancestors.iter().map(|a| (*a).to_owned()).collect(),
        state: dir::OrgUnitState::Active as i32,
        ..Default::default()
    };
    DirectorySnapshot {
        units: vec![unit("d", "", &["d"]), unit("u", "d", &["d", "u"])],
        cadres: vec![dir::Cadre {
            id: "c1".into(),
            name: "c1".into(),
            category: dir::CadreCategory::CivilServant as i32,
            status: dir::CadreStatus::Active as i32,
            employing_unit_id: "u".into(),
            managing_unit_id: "u".into(),
            rank: Some(dir::Rank {
                grade: dir::RankGrade::Staff1 as i32,
                start_date: Some(date("2018-01-01")),
            }),
            ..Default::default()
        }],
    }
}

fn event<M: Message + Name>(payload: &M) -> Event {
    Event {
        event_id: "e1".into(),
        event_type: M::full_name(),
        payload: Some(prost_types::Any {
            type_url: format!("type.googleapis.com/{}", M::full_name()),
            value: payload.encode_to_vec(),
        }),
        ..Default::default()
    }
}

/// Whether c1's row of the lists carries a restriction block, and how many measures are kept for `cadre`.
fn state(conn: &mut DbConn, cadre: &str) -> Result<(bool, usize), cadre_platform::ApiError> {
    let reach = store::scope::Reach { scope: cadre_platform::auth::DataScope::district(), subtree: None };
    let filter = store::eligibility::Filter { reach, target: None, eligible_by: None };
    let rows = store::eligibility::list(conn, filter, None, 10)?;
    let reason = serde_json::to_string(&BlockReason::RestrictionInEffect).unwrap_or_default();
    let restricted = rows.iter().any(|r| r.cadre_id == "c1" && r.blocks.contains(&reason));
    Ok((restricted, store::measures::of_cadre(conn, cadre)?.len()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_measures_are_skipped_and_a_relist_stores_every_measure_again() {
    for database in TestDatabase::each() {
        let backend = database.backend;
        let db =
            Db::connect(&database.url, PoolOptions { max_size: 2, ..PoolOptions::default() }).await.unwrap();
        db.migrate(&MIGRATIONS).await.unwrap();
        db.write(|conn| {
            store::eligibility::set_day(conn, at(2026, 3, 2))?;
            RankDirectoryFeed::replace(conn, &district())
        })
        .await
        .unwrap();
        assert_eq!(db.run(|c| state(c, "c1")).await.unwrap(), (false, 0), "{backend}: due, no measure");

        // A 诫勉 to the end of July restricts; the same event again keeps one measure.
        let first = event(&recorded(decision(
            "DEC-1",
            "c1",
            Some(measure("DEC-1", "c1", "2026-02-01", "2026-07-31")),
        )));
        for _ in 0..2 {
            let event = first.clone();
            assert!(db.write(move |conn| OversightFeed::apply(conn, &event)).await.unwrap());
            assert_eq!(db.run(|c| state(c, "c1")).await.unwrap(), (true, 1), "{backend}");
        }

        // A measure without a kind cannot be stored however often it is retried: the follower skips it.
        let bad = types::ConductMeasure { kind: 0, ..measure("DEC-9", "c1", "2026-02-01", "2026-07-31") };
        let unreadable = event(&recorded(decision("DEC-9", "c1", Some(bad.clone()))));
        let error = db.write(move |conn| OversightFeed::apply(conn, &unreadable)).await.unwrap_err();
        assert_eq!(error.reason(), "EVENT_UNREADABLE", "{backend}: {error:?}");
        assert!(error.message().contains("measure.kind"), "{error:?}");
        // Nor is an event of the feed the rank service does not follow, or one that names no decision.
        let other = event(&ov::CircularIssuedEvent::default());
        assert!(!db.write(move |conn| OversightFeed::apply(conn, &other)).await.unwrap());
        let empty = event(&ov::DecisionRecordedEvent { decision: None });
        let error = db.write(move |conn| OversightFeed::apply(conn, &empty)).await.unwrap_err();
        assert_eq!(error.reason(), "EVENT_UNREADABLE", "{backend}");

        // A measure for a cadre the directory has not sent yet is kept for when they come.
        let early = event(&recorded(decision(
            "DEC-5",
            "c9",
            Some(measure("DEC-5", "c9", "2026-02-01", "2026-07-31")),
        )));
        assert!(db.write(move |conn| OversightFeed::apply(conn, &early)).await.unwrap());
        assert_eq!(db.run(|c| state(c, "c9")).await.unwrap().1, 1, "{backend}");

        // A relist stores every listed measure again: the 诫勉 now ended in February, so it no longer
        // restricts; the unreadable one and an opinion for an unknown case are skipped.
        let snapshot = OversightSnapshot {
            decisions: vec![
                decision("DEC-1", "c1", Some(measure("DEC-1", "c1", "2026-02-01", "2026-02-28"))),
                decision("DEC-9", "c1", Some(bad)),
                decision("DEC-0", "c1", None),
            ],
            opinions: answered("OP-1", "no-such-case", "", true, "acct-jiwei-7")
                .opinion
                .into_iter()
                .collect(),
        };
        db.write(move |conn| OversightFeed::replace(conn, &snapshot)).await.unwrap();
        assert_eq!(db.run(|c| state(c, "c1")).await.unwrap(), (false, 1), "{backend}: over, and kept");
        let kept = db.run(|c| store::measures::of_cadre(c, "c1")).await.unwrap();
        assert_eq!(kept[0].last_day, Some(at(2026, 2, 28)), "{backend}");
        assert_eq!(kept[0].recorded_by, "system:oversight", "{backend}");
    }
}

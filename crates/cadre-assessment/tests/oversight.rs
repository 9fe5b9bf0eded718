//! The oversight service's feed as the assessment service follows it, on SQLite and PostgreSQL.
//!
//! Over a real socket (the harness's stand-in feed, the real directory, leave and assessment services): a
//! decision's conduct measure is stored as one recorded through `RecordConductMeasure` is, its period
//! computed from the policy, and the person's open assessment computed again; a replayed decision stores
//! nothing twice, and a decision without a 影响期 stores nothing.
//!
//! On the follower's own (as the generic follower calls it, in one transaction): a measure that cannot be
//! stored is skipped, one for a person the directory has not sent yet is kept, and a relist stores every
//! listed measure again.

mod harness;

use cadre_assessment::{
    followers::OversightFeed,
    store::{MIGRATIONS, measures},
};
use cadre_platform::{Db, db::PoolOptions, testing::TestDatabase};
use cadre_projection::follower::FeedSource;
use cadre_proto::{assessment as pb, events::Event, oversight as ov, types};
use chrono::NaiveDate;
use harness::{Harness, Post, assessments, date, of, open_cycle};
use prost::{Message, Name};

fn measure(
    source_id: &str,
    cadre: &str,
    kind: types::ConductMeasureKind,
    effective: &str,
) -> types::ConductMeasure {
    types::ConductMeasure {
        source_id: source_id.into(),
        cadre_id: cadre.into(),
        kind: kind as i32,
        effective_date: Some(date(effective)),
        last_day: None,
        basis: "锦纪〔2025〕1号".into(),
        still_affects_use: false,
    }
}

fn recorded(id: &str, cadre: &str, measure: Option<types::ConductMeasure>) -> ov::DecisionRecordedEvent {
    ov::DecisionRecordedEvent {
        decision: Some(ov::Decision {
            id: id.into(),
            cadre_id: cadre.into(),
            measure: ov::AccountabilityMeasure::GovernmentWarning as i32,
            document_number: "锦纪〔2025〕1号".into(),
            conduct_measure: measure,
            ..Default::default()
        }),
    }
}

async fn history(client: &mut harness::Client, cadre: &str) -> pb::GetAssessmentHistoryResponse {
    client
        .get_assessment_history(pb::GetAssessmentHistoryRequest { cadre_id: cadre.to_owned() })
        .await
        .unwrap_or_else(|s| panic!("history: {s:?}"))
        .into_inner()
}

fn codes(a: &pb::AnnualAssessment) -> Vec<&str> {
    a.reasons.iter().map(|r| r.code.as_str()).collect()
}

/// Waits until the assessment service keeps a measure for `cadre`.
async fn measure_arrives(h: &Harness, cadre: &str) {
    let wait = async {
        loop {
            let id = cadre.to_owned();
            if !h.db.run(move |conn| measures::of_cadre(conn, &id)).await.unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), wait).await.expect("the measure arrives");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_on_the_feed_limits_the_open_assessment() {
    use pb::AnnualOutcome::Competent;
    use types::ConductMeasureKind::{Admonishment, GovernmentWarning};
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-01-12").await;
        let backend = h.backend;
        let unit = h.unit("U05", "区审计局", None).await;
        let _head = h.cadre("魏局长", &unit, Post::Principal).await;
        let warned = h.cadre("蒋警告", &unit, Post::Staff).await;
        let plain = h.cadre("沈一般", &unit, Post::Staff).await;
        h.sync().await;
        let mut org = h.org();
        let cycle = open_cycle(&mut org, &unit, pb::PoolCategory::CivilServant, 2025).await;
        let before = assessments(&mut org, &cycle.id).await;
        assert!(codes(of(&before, &warned)).is_empty(), "{backend}: nothing limits the grade yet");

        // A 政务警告 of May 2025, decided by the discipline body: 6 months from the policy, and no 优秀 for
        // 2025.
        let warning = measure("DEC-1", &warned.cadre_id, GovernmentWarning, "2025-05-01");
        let event = recorded("DEC-1", &warned.cadre_id, Some(warning));
        h.oversight.publish("decisions/DEC-1", event.clone()).await;
        measure_arrives(&h, &warned.cadre_id).await;
        let after = assessments(&mut org, &cycle.id).await;
        let w = of(&after, &warned);
        assert_eq!(w.ceiling, Competent as i32, "{backend}: {w:?}");
        assert_eq!(codes(w), ["MEASURE_BARS_EXCELLENT"], "{backend}");
        let kept = history(&mut org, &warned.cadre_id).await.measures;
        assert_eq!(kept.len(), 1, "{backend}");
        assert_eq!(kept[0].last_day, Some(date("2025-10-31")), "{backend}: the period from the policy");

        // No 影响期, nothing to keep; the same decision again stores nothing twice. The events are applied
        // in order: once the measure published after them is in, they are too.
        h.oversight.publish("decisions/DEC-0", recorded("DEC-0", &plain.cadre_id, None)).await;
        h.oversight.publish("decisions/DEC-1", event).await;
        let marker = measure("DEC-2", &plain.cadre_id, Admonishment, "2025-06-01");
        h.oversight.publish("decisions/DEC-2", recorded("DEC-2", &plain.cadre_id, Some(marker))).await;
        measure_arrives(&h, &plain.cadre_id).await;
        assert_eq!(history(&mut org, &warned.cadre_id).await.measures.len(), 1, "{backend}: not doubled");
        assert_eq!(history(&mut org, &plain.cadre_id).await.measures.len(), 1, "{backend}");
        let again = assessments(&mut org, &cycle.id).await;
        assert_eq!(codes(of(&again, &warned)), ["MEASURE_BARS_EXCELLENT"], "{backend}");
        h.stop().await;
    }
}

fn event<M: Message + Name>(payload: &M) -> Event {
    let mut event = Event { event_id: "e1".into(), event_type: M::full_name(), ..Default::default() };
    let any = event.payload.insert(Default::default());
    any.type_url = format!("type.googleapis.com/{}", M::full_name());
    any.value = payload.encode_to_vec();
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_measures_are_skipped_and_a_relist_stores_every_measure_again() {
    use types::ConductMeasureKind::{GovernmentWarning, OpenInvestigation};
    for database in TestDatabase::each() {
        let backend = database.backend;
        let db =
            Db::connect(&database.url, PoolOptions { max_size: 2, ..PoolOptions::default() }).await.unwrap();
        db.migrate(&MIGRATIONS).await.unwrap();
        let kept = |cadre: &'static str| {
            let db = db.clone();
            async move { db.run(move |conn| measures::of_cadre(conn, cadre)).await.unwrap() }
        };

        // An investigation opened on a person the directory has not sent yet: kept, with no last day; the
        // same event again keeps one.
        let opened =
            event(&recorded("DEC-1", "c1", Some(measure("DEC-1", "c1", OpenInvestigation, "2026-02-01"))));
        for _ in 0..2 {
            let event = opened.clone();
            assert!(db.write(move |conn| OversightFeed::apply(conn, &event)).await.unwrap());
        }
        let rows = kept("c1").await;
        assert_eq!(rows.len(), 1, "{backend}");
        assert_eq!((rows[0].last_day, rows[0].recorded_by.as_str()), (None, "system:oversight"));

        // A measure with no kind, or one whose id names another person's measure, cannot be stored however
        // often it is retried: the follower skips it. A decision taking effect later is taken as decided.
        let no_kind =
            types::ConductMeasure { kind: 0, ..measure("DEC-2", "c1", GovernmentWarning, "2026-02-01") };
        let unreadable = event(&recorded("DEC-2", "c1", Some(no_kind)));
        let error = db.write(move |conn| OversightFeed::apply(conn, &unreadable)).await.unwrap_err();
        assert_eq!(error.reason(), "EVENT_UNREADABLE", "{backend}: {error:?}");
        assert!(error.message().contains("measure.kind"), "{error:?}");
        let taken =
            event(&recorded("DEC-1", "c2", Some(measure("DEC-1", "c2", GovernmentWarning, "2026-02-01"))));
        let error = db.write(move |conn| OversightFeed::apply(conn, &taken)).await.unwrap_err();
        assert_eq!(error.reason(), "EVENT_UNREADABLE", "{backend}: {error:?}");
        assert!(error.message().contains("SOURCE_ID_IN_USE"), "{error:?}");
        let later =
            event(&recorded("DEC-3", "c2", Some(measure("DEC-3", "c2", GovernmentWarning, "2099-01-01"))));
        assert!(db.write(move |conn| OversightFeed::apply(conn, &later)).await.unwrap());
        let other = event(&ov::CircularIssuedEvent::default());
        assert!(!db.write(move |conn| OversightFeed::apply(conn, &other)).await.unwrap());

        // A relist stores every listed measure again: the investigation closed at the end of February.
        let closed = types::ConductMeasure {
            last_day: Some(date("2026-02-28")),
            ..measure("DEC-1", "c1", OpenInvestigation, "2026-02-01")
        };
        let snapshot: Vec<ov::Decision> = [
            recorded("DEC-1", "c1", Some(closed)),
            recorded(
                "DEC-2",
                "c1",
                Some(types::ConductMeasure {
                    kind: 0,
                    ..measure("DEC-2", "c1", GovernmentWarning, "2026-02-01")
                }),
            ),
            recorded("DEC-0", "c1", None),
        ]
        .into_iter()
        .filter_map(|e| e.decision)
        .collect();
        db.write(move |conn| OversightFeed::replace(conn, &snapshot)).await.unwrap();
        let rows = kept("c1").await;
        assert_eq!(rows.len(), 1, "{backend}");
        assert_eq!(rows[0].last_day, NaiveDate::from_ymd_opt(2026, 2, 28), "{backend}");
        assert_eq!(kept("c2").await.len(), 1, "{backend}");
    }
}

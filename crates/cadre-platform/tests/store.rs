//! The platform's write path on both backends: idempotency, audit chain, outbox and the event feed.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use cadre_platform::{
    ApiError, CallContext, Db, audit,
    cadre_proto::events::{
        WatchRequest, event_feed_service_client::EventFeedServiceClient,
        event_feed_service_server::EventFeedServiceServer,
    },
    db::{PLATFORM_MIGRATIONS, PoolOptions},
    feed::EventFeed,
    server::shutdown_channel,
    testing::TestDatabase,
};
use diesel::RunQueryDsl;
use prost_types::Timestamp;
use tonic::Code;

async fn open(database: &TestDatabase) -> Db {
    let db = Db::connect(&database.url, PoolOptions::default()).await.expect("connect");
    db.migrate(&PLATFORM_MIGRATIONS).await.expect("migrate");
    db
}

fn ts(seconds: i64) -> Timestamp {
    Timestamp { seconds, nanos: 0 }
}

/// A mutation that counts its runs, publishes one event and answers `seconds * 10`.
async fn bump(
    db: &Db,
    request_id: &str,
    seconds: i64,
    runs: Arc<AtomicUsize>,
) -> Result<Timestamp, ApiError> {
    db.mutate(CallContext::system("tester"), "test.v1.Test/Bump", request_id, &ts(seconds), move |tx| {
        runs.fetch_add(1, Ordering::SeqCst);
        if seconds < 0 {
            tx.publish("things/bad", &ts(seconds))?;
            return Err(ApiError::invalid_argument("NEGATIVE", "negative"));
        }
        tx.set_object("thing", &seconds.to_string());
        tx.publish(&format!("things/{seconds}"), &ts(seconds))?;
        Ok(ts(seconds * 10))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_id_replays_its_first_answer_and_refuses_another_request() {
    for database in TestDatabase::each() {
        let db = open(&database).await;
        let runs = Arc::new(AtomicUsize::new(0));
        assert_eq!(bump(&db, "r-1", 1, runs.clone()).await.unwrap(), ts(10), "{}", database.backend);
        assert_eq!(bump(&db, "r-1", 1, runs.clone()).await.unwrap(), ts(10));
        assert_eq!(runs.load(Ordering::SeqCst), 1, "a replay must not run the body again");
        let reused = bump(&db, "r-1", 2, runs.clone()).await.unwrap_err();
        assert_eq!((reused.code(), reused.reason()), (Code::InvalidArgument, "REQUEST_ID_REUSED"));
        let bad_id = bump(&db, "", 2, runs.clone()).await.unwrap_err();
        assert_eq!(bad_id.reason(), "INVALID_REQUEST_ID");

        // A failed mutation writes nothing, so the same id can be used again once the request is fixed.
        let failed = bump(&db, "r-2", -1, runs.clone()).await.unwrap_err();
        assert_eq!(failed.reason(), "NEGATIVE");
        let report = db.run(audit::verify).await.unwrap();
        assert_eq!((report.records, report.broken), (1, None));
        let events = db.run(|conn| cadre_platform::outbox::read_after(conn, 0, &[], 100)).await.unwrap();
        assert_eq!(events.len(), 1, "the failed mutation's event must have been rolled back");
        assert_eq!(events[0].event_type, "google.protobuf.Timestamp");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicates_have_one_effect_and_one_answer() {
    for database in TestDatabase::each() {
        let db = open(&database).await;
        let runs = Arc::new(AtomicUsize::new(0));
        let calls: Vec<_> = (0..20)
            .map(|_| {
                let (db, runs) = (db.clone(), runs.clone());
                tokio::spawn(async move { bump(&db, "same-id", 5, runs).await })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.unwrap().unwrap(), ts(50), "{}", database.backend);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1, "{}: one effect", database.backend);
        let report = db.run(audit::verify).await.unwrap();
        assert_eq!(report.records, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_chain_detects_edits_deletions_and_reordering() {
    for database in TestDatabase::each() {
        let db = open(&database).await;
        let runs = Arc::new(AtomicUsize::new(0));
        for n in 1..=5 {
            bump(&db, &format!("a-{n}"), n, runs.clone()).await.unwrap();
        }
        db.audited_read(CallContext::system("reader"), "test.v1.Test/Read", "thing", "3".into(), |_| Ok(()))
            .await
            .unwrap();
        let report = db.run(audit::verify).await.unwrap();
        assert_eq!((report.records, report.broken.clone()), (6, None), "{}", database.backend);
        let records = db.run(|conn| audit::list(conn, 0, 10)).await.unwrap();
        assert_eq!(records[5].method, "test.v1.Test/Read");
        assert_eq!(records[0].prev_hash, audit::GENESIS_HASH);

        let tamper = |sql: &'static str| {
            let db = db.clone();
            async move {
                db.run(move |conn| {
                    diesel::sql_query(sql).execute(conn)?;
                    Ok(())
                })
                .await
                .unwrap();
                db.run(audit::verify).await.unwrap().broken.map(|b| b.seq)
            }
        };
        assert_eq!(tamper("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").await, Some(3));
        assert_eq!(tamper("UPDATE audit_log SET actor = 'tester' WHERE seq = 3").await, None);
        assert_eq!(tamper("DELETE FROM audit_log WHERE seq = 6").await, Some(6), "a truncated tail");
        assert_eq!(tamper("DELETE FROM audit_log WHERE seq = 2").await, Some(2));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_feed_replays_follows_resumes_and_expires() {
    for database in TestDatabase::each() {
        let db = open(&database).await;
        let runs = Arc::new(AtomicUsize::new(0));
        for n in 1..=3 {
            bump(&db, &format!("f-{n}"), n, runs.clone()).await.unwrap();
        }
        let (trigger, shutdown) = shutdown_channel();
        let feed = EventFeed::new(db.clone(), "test", Duration::from_millis(200), shutdown.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(EventFeedServiceServer::new(feed))
                .serve_with_incoming_shutdown(
                    tokio_stream::wrappers::TcpListenerStream::new(listener),
                    shutdown.wait(),
                ),
        );
        let mut client = EventFeedServiceClient::connect(format!("http://{addr}")).await.unwrap();

        let mut stream = client.watch(WatchRequest::default()).await.unwrap().into_inner();
        let mut cursors = Vec::new();
        for n in 1..=3 {
            let item = stream.message().await.unwrap().unwrap();
            let event = item.event.expect("an event");
            assert_eq!(event.subject, format!("things/{n}"), "{}", database.backend);
            assert_eq!(event.payload.unwrap().type_url, "type.googleapis.com/google.protobuf.Timestamp");
            cursors.push(item.cursor);
        }
        assert!(stream.message().await.unwrap().unwrap().caught_up);
        bump(&db, "f-4", 4, runs.clone()).await.unwrap();
        let live =
            tokio::time::timeout(Duration::from_secs(5), stream.message()).await.unwrap().unwrap().unwrap();
        assert_eq!(live.event.unwrap().subject, "things/4", "a commit reaches a live watcher");

        let mut resumed = client
            .watch(WatchRequest { cursor: cursors[1].clone(), ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        let next = resumed.message().await.unwrap().unwrap().event.unwrap();
        assert_eq!(next.subject, "things/3", "resuming from a cursor continues right after it");

        let filtered = WatchRequest { event_types: vec!["other.Type".into()], ..Default::default() };
        let mut none = client.watch(filtered).await.unwrap().into_inner();
        assert!(none.message().await.unwrap().unwrap().caught_up);

        let bad =
            client.watch(WatchRequest { cursor: "nonsense".into(), ..Default::default() }).await.unwrap_err();
        assert_eq!(bad.code(), Code::InvalidArgument);

        db.run(|conn| {
            diesel::sql_query("UPDATE feed_state SET pruned_through = 2").execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
        let expired = client
            .watch(WatchRequest { cursor: cursors[0].clone(), ..Default::default() })
            .await
            .unwrap_err();
        assert_eq!(expired.code(), Code::FailedPrecondition);
        let info =
            tonic_types::StatusExt::get_error_details(&expired).error_info().cloned().expect("ErrorInfo");
        assert_eq!((info.reason.as_str(), info.domain.as_str()), ("CURSOR_EXPIRED", "events.cadre"));
        assert_eq!(info.metadata.get("pruned_through").map(String::as_str), Some("2"));

        trigger.fire();
        drop((stream, resumed, none));
        tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
    }
}

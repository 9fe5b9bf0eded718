//! Sessions and attendance: check-in with the one-time code inside its window, once per person, within the
//! capacity; sign-in sheets row by row and once per request id; corrections with a reason; the speaker's
//! duty and teaching hours. Refusals write nothing. On SQLite and PostgreSQL.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::forum as pb;
use harness::{
    Harness, Person, Post, assert_error, date, rid, schedule, session_request, try_approve, try_propose,
};
use prost::Message as _;
use tonic::Code;

struct Town {
    forum: pb::Forum,
    officer: Person,
    speaker: Person,
    staff: Vec<Person>,
    villager: Person,
    outsider: Person,
}

/// A town with a village, an approved 小讲坛, its officer, a speaker, three staff, a villager and an outsider.
async fn town(h: &mut Harness) -> Town {
    let town = h.unit("T01", "青山镇", "town", None).await;
    let village = h.unit("T01V01", "红星村", "village", Some(&town)).await;
    let other = h.unit("T02", "白鹭镇", "town", None).await;
    let officer = h.cadre("周组织", &town, Post::Staff).await;
    let speaker = h.cadre("王书记", &town, Post::Principal).await;
    let mut staff = Vec::new();
    for name in ["李明", "张静", "刘洋"] {
        staff.push(h.cadre(name, &town, Post::Staff).await);
    }
    let villager = h.cadre("陈村", &village, Post::Staff).await;
    let outsider = h.cadre("赵外", &other, Post::Staff).await;
    h.sync().await;
    let mut town_officer = h.as_person(&officer, &[Role::TownOfficer]);
    let forum = try_propose(&mut town_officer, &town, pb::ForumLevel::Unit).await.unwrap();
    let forum = try_approve(&mut h.org(), &forum.id).await.unwrap();
    Town { forum, officer, speaker, staff, villager, outsider }
}

fn check_in(session: &str, code: &str) -> pb::CheckInRequest {
    pb::CheckInRequest { request_id: rid(), session_id: session.to_owned(), code: code.to_owned() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_in_inside_the_window_once_within_capacity() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-01T04:00:00Z").await;
        let backend = h.backend;
        let t = town(&mut h).await;
        let mut organiser = h.as_person(&t.officer, &[Role::TownOfficer]);
        // 09:00–11:00 in the district, for two people.
        let mut request =
            session_request(&t.forum.id, &t.speaker, "2026-03-02T01:00:00Z", "2026-03-02T03:00:00Z");
        request.capacity = 2;
        let session = schedule(&mut organiser, request).await;
        assert_eq!(session.state, pb::SessionState::Planned as i32);
        assert_eq!(session.expected_audience, 2, "{backend}: six people invited, two seats");
        assert_eq!(session.speaker.as_ref().unwrap().name, "王书记");
        assert_eq!(session.audience.as_ref().unwrap().unit_ids, vec![t.forum.owner_unit_id.clone()]);

        let [a, b, c] = [&t.staff[0], &t.staff[1], &t.staff[2]];
        let (mut a_client, mut b_client, mut c_client) = (h.as_cadre(a), h.as_cadre(b), h.as_cadre(c));
        let status = a_client.check_in(check_in(&session.id, "ABCDEFGH")).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "CHECK_IN_NOT_OPEN", None);

        let opened = organiser
            .open_check_in(pb::OpenCheckInRequest { request_id: rid(), session_id: session.id.clone() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(opened.code.len(), 8);
        assert_eq!(opened.valid_from, Some(harness::ts("2026-03-02T00:30:00Z")));
        assert_eq!(opened.valid_until, Some(harness::ts("2026-03-02T03:30:00Z")));
        let code = opened.code.clone();

        // The day before, the window is closed, whatever the code.
        let status = a_client.check_in(check_in(&session.id, &code)).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "CHECK_IN_WINDOW_CLOSED", None);
        h.set_now("2026-03-02T00:45:00Z");
        let status = a_client.check_in(check_in(&session.id, "WRONG234")).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "CHECK_IN_CODE_INVALID", Some("code"));
        let status = h.as_cadre(&t.outsider).check_in(check_in(&session.id, &code)).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "NOT_IN_AUDIENCE", None);
        assert_eq!(h.count("attendances").await, 0, "{backend}: nothing written");

        let first = check_in(&session.id, &code.to_lowercase());
        let attendance =
            a_client.check_in(first.clone()).await.expect("a checks in").into_inner().attendance.unwrap();
        assert_eq!((attendance.cadre_id.as_str(), attendance.credited_minutes), (a.cadre_id.as_str(), 120));
        assert_eq!(attendance.method, pb::AttendanceMethod::CheckIn as i32);
        // The session's start places the attendance in a year (the record time may fall in another).
        assert_eq!(attendance.session_start_time, session.start_time, "{backend}");
        let replay = a_client.check_in(first).await.expect("a retry").into_inner().attendance.unwrap();
        assert_eq!(replay.id, attendance.id);
        let status = a_client.check_in(check_in(&session.id, &code)).await.unwrap_err();
        assert_error(&status, Code::AlreadyExists, "ALREADY_CHECKED_IN", None);
        b_client.check_in(check_in(&session.id, &code)).await.expect("b checks in");
        let status = c_client.check_in(check_in(&session.id, &code)).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "SESSION_FULL", None);
        assert_eq!(h.count("attendances").await, 2, "{backend}");

        // The database refuses a second attendance of the same person too.
        let session_id = session.id.clone();
        let a_id = a.cadre_id.clone();
        let duplicate =
            h.db.run(move |conn| {
                let row = cadre_forum::store::attendances::of(conn, &session_id, &a_id)?.unwrap();
                let copy = cadre_forum::store::attendances::AttendanceRow {
                    id: cadre_forum::store::new_id(),
                    ..row
                };
                Ok(cadre_forum::store::attendances::insert(conn, &copy))
            })
            .await
            .unwrap();
        assert_eq!(duplicate.unwrap_err().code(), Code::AlreadyExists, "{backend}");

        // Not held before it starts; held after, with the speaker's teaching credited as duty.
        let held = |id: &str| pb::MarkSessionHeldRequest { request_id: rid(), session_id: id.to_owned() };
        let status = organiser.mark_session_held(held(&session.id)).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "SESSION_NOT_STARTED", None);
        h.set_now("2026-03-02T03:31:00Z");
        let status = c_client.check_in(check_in(&session.id, &code)).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "CHECK_IN_WINDOW_CLOSED", None);
        let status = organiser
            .open_check_in(pb::OpenCheckInRequest { request_id: rid(), session_id: session.id.clone() })
            .await
            .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "CHECK_IN_WINDOW_CLOSED", None);
        let done =
            organiser.mark_session_held(held(&session.id)).await.unwrap().into_inner().session.unwrap();
        assert_eq!((done.state, done.attendance_count), (pb::SessionState::Held as i32, 2));
        let events = h.feed_events("care", "cadre.forum.v1.SessionHeldEvent").await;
        assert_eq!(events.len(), 1, "{backend}");
        let event =
            pb::SessionHeldEvent::decode(events[0].payload.as_ref().unwrap().value.as_slice()).unwrap();
        assert_eq!(event.speaker.unwrap().cadre_id, t.speaker.cadre_id);
        assert_eq!((event.attendance_count, event.teaching_minutes), (2, 120));
        let recorded = h.feed_events("care", "cadre.forum.v1.AttendanceRecordedEvent").await;
        assert_eq!(recorded.len(), 2);
        for event in &recorded {
            let event = pb::AttendanceRecordedEvent::decode(event.payload.as_ref().unwrap().value.as_slice())
                .unwrap();
            let attendance = event.attendance.unwrap();
            assert_eq!(attendance.session_start_time, session.start_time, "{backend}");
        }
        let status = organiser
            .cancel_session(pb::CancelSessionRequest {
                request_id: rid(),
                session_id: session.id.clone(),
                reason: "x".into(),
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "SESSION_NOT_PLANNED", None);

        // Duty, not leave: the leave service reads the speaker's duties; the speaker lists their own.
        let duties = |ids: Vec<String>| pb::ListSpeakerDutiesRequest {
            cadre_ids: ids,
            start_from: Some(date("2026-03-01")),
            start_until: Some(date("2026-03-31")),
            ..Default::default()
        };
        let seen = h
            .system("leave")
            .list_speaker_duties(duties(vec![t.speaker.cadre_id.clone()]))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(seen.duties.len(), 1, "{backend}");
        assert_eq!(
            (seen.duties[0].session_id.as_str(), seen.duties[0].teaching_minutes),
            (session.id.as_str(), 120)
        );
        let own = h.as_cadre(&t.speaker).list_speaker_duties(duties(vec![])).await.unwrap().into_inner();
        assert_eq!(own.duties.len(), 1);
        let others = h
            .as_cadre(a)
            .list_speaker_duties(duties(vec![t.speaker.cadre_id.clone()]))
            .await
            .unwrap()
            .into_inner();
        assert!(others.duties.is_empty(), "a cadre sees only their own duties");

        // Learning hours: the attendee's ledger, the speaker's teaching, and the quota.
        let ledger = a_client
            .get_learning_ledger(pb::GetLearningLedgerRequest { cadre_id: String::new(), year: 2026 })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((ledger.attended_minutes, ledger.teaching_minutes, ledger.quota_minutes), (120, 0, 720));
        assert!(ledger.short);
        assert_eq!(ledger.entries.len(), 1);
        let speaker_ledger = h
            .as_cadre(&t.speaker)
            .get_learning_ledger(pb::GetLearningLedgerRequest { cadre_id: String::new(), year: 2026 })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((speaker_ledger.teaching_minutes, speaker_ledger.total_minutes), (120, 120));
        let status = a_client
            .get_learning_ledger(pb::GetLearningLedgerRequest { cadre_id: b.cadre_id.clone(), year: 2026 })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "CADRE_NOT_FOUND", None);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sheets_and_corrections() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-02T04:00:00Z").await;
        let backend = h.backend;
        let t = town(&mut h).await;
        let mut organiser = h.as_person(&t.officer, &[Role::TownOfficer]);
        let session = schedule(
            &mut organiser,
            session_request(&t.forum.id, &t.speaker, "2026-03-02T01:00:00Z", "2026-03-02T03:00:00Z"),
        )
        .await;
        let [a, b] = [&t.staff[0], &t.staff[1]];
        let row = |cadre: &str, external: &str| pb::SignInRow {
            cadre_id: cadre.into(),
            external_id: external.into(),
        };
        let sheet = pb::ImportSignInSheetRequest {
            request_id: rid(),
            session_id: session.id.clone(),
            rows: vec![
                row(&a.cadre_id, ""),
                row("", &b.external_id),
                row("", "HR99999"),
                row("no-such-cadre", ""),
                row(&a.cadre_id, ""),
                row("", ""),
                row(&t.villager.cadre_id, ""),
            ],
        };
        let imported = organiser.import_sign_in_sheet(sheet.clone()).await.expect("the sheet").into_inner();
        use pb::SignInOutcome as O;
        let outcomes: Vec<i32> = imported.results.iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            [
                O::Recorded,
                O::Recorded,
                O::UnknownCadre,
                O::UnknownCadre,
                O::DuplicateRow,
                O::InvalidRow,
                O::Recorded
            ]
            .map(|o| o as i32)
            .to_vec(),
            "{backend}"
        );
        assert_eq!(imported.results[1].cadre_id, b.cadre_id, "the external id resolves");
        assert_eq!((imported.recorded, imported.not_recorded), (3, 4));
        // The whole import is done once per request id.
        let replay = organiser.import_sign_in_sheet(sheet.clone()).await.unwrap().into_inner();
        assert_eq!(replay, imported);
        assert_eq!(h.count("attendances").await, 3, "{backend}");
        let mut other = sheet.clone();
        other.rows.pop();
        let status = organiser.import_sign_in_sheet(other).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "REQUEST_ID_REUSED", None);
        // The HR system imports a scanned sheet; those already recorded are reported, not recorded twice.
        let scanned = h
            .hr_system()
            .import_sign_in_sheet(pb::ImportSignInSheetRequest {
                request_id: rid(),
                session_id: session.id.clone(),
                rows: vec![row("", &b.external_id), row(&t.staff[2].cadre_id, "")],
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            scanned.results.iter().map(|r| r.outcome).collect::<Vec<_>>(),
            vec![O::AlreadyRecorded as i32, O::Recorded as i32]
        );
        assert_eq!(h.count("attendances").await, 4);

        // Corrections need a reason and are kept; a removal withdraws the credit.
        let correct =
            |cadre: &str, action: pb::CorrectionAction, reason: &str| pb::CorrectAttendanceRequest {
                request_id: rid(),
                session_id: session.id.clone(),
                cadre_id: cadre.to_owned(),
                action: action as i32,
                reason: reason.to_owned(),
            };
        let before = h.snapshot().await;
        let status = organiser
            .correct_attendance(correct(&a.cadre_id, pb::CorrectionAction::Remove, " "))
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_CORRECTION", Some("reason"));
        let status = organiser
            .correct_attendance(correct(&a.cadre_id, pb::CorrectionAction::Unspecified, "代签"))
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_CORRECTION", Some("action"));
        let status = h
            .as_person(&t.outsider, &[Role::UnitLeader])
            .correct_attendance(correct(&a.cadre_id, pb::CorrectionAction::Remove, "代签"))
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "SESSION_NOT_FOUND", None);
        assert_eq!(h.snapshot().await, before, "{backend}: nothing written");
        let removed = organiser
            .correct_attendance(correct(&a.cadre_id, pb::CorrectionAction::Remove, "他人代签"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(removed.attendance.unwrap().cadre_id, a.cadre_id);
        let status = organiser
            .correct_attendance(correct(&a.cadre_id, pb::CorrectionAction::Remove, "他人代签"))
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "ATTENDANCE_NOT_FOUND", None);
        let added = organiser
            .correct_attendance(correct(&t.outsider.cadre_id, pb::CorrectionAction::Add, "列席，漏签"))
            .await
            .unwrap()
            .into_inner()
            .attendance
            .unwrap();
        assert_eq!(added.method, pb::AttendanceMethod::Correction as i32);
        let status = organiser
            .correct_attendance(correct(&t.outsider.cadre_id, pb::CorrectionAction::Add, "重复"))
            .await
            .unwrap_err();
        assert_error(&status, Code::AlreadyExists, "ALREADY_CHECKED_IN", None);
        assert_eq!(h.count("attendance_corrections").await, 2, "{backend}");
        assert_eq!(h.feed_events("care", "cadre.forum.v1.AttendanceRemovedEvent").await.len(), 1);
        let listed = organiser
            .list_attendances(pb::ListAttendancesRequest {
                session_id: session.id.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .attendances;
        assert_eq!(listed.len(), 4, "{backend}");
        assert!(!listed.iter().any(|x| x.cadre_id == a.cadre_id));

        // A session with attendances is not cancelled.
        let status = organiser
            .cancel_session(pb::CancelSessionRequest {
                request_id: rid(),
                session_id: session.id.clone(),
                reason: "下雨".into(),
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "SESSION_HAS_ATTENDANCES", None);

        // The people invited see the session; others do not.
        let open = h
            .as_cadre(&t.villager)
            .list_sessions(pb::ListSessionsRequest { open_to_me: true, ..Default::default() })
            .await
            .unwrap()
            .into_inner()
            .sessions;
        assert_eq!(
            open.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            vec![session.id.as_str()],
            "{backend}"
        );
        let status = h
            .as_cadre(&t.outsider)
            .get_session(pb::GetSessionRequest { session_id: session.id.clone() })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "SESSION_NOT_FOUND", None);
        let none = h
            .as_cadre(&t.outsider)
            .list_sessions(pb::ListSessionsRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(none.sessions.is_empty(), "{backend}");
        h.stop().await;
    }
}

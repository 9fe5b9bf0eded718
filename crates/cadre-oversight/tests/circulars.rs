//! Circulars (通报), on both databases: drafting with the units and people named, issuing once with the
//! document number (and the event), who sees drafts, the lists, and the mentions of a cadre or a unit.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::oversight as pb;
use harness::{Client, Harness, assert_error, date, rid};
use tonic::{Code, Status};

use pb::CircularKind as K;

fn named(unit: &str, cadre: &str, commended: bool) -> pb::CircularEntry {
    pb::CircularEntry {
        org_unit_id: unit.to_owned(),
        cadre_id: cadre.to_owned(),
        commended,
        text: "工作日午间饮酒".into(),
        ..Default::default()
    }
}

fn draft(kind: K, entries: Vec<pb::CircularEntry>) -> pb::DraftCircularRequest {
    pb::DraftCircularRequest {
        request_id: rid(),
        title: "关于2026年第一季度作风督查情况的通报".into(),
        kind: kind as i32,
        distribution: "全区各级党组织".into(),
        period_label: "2026年第一季度".into(),
        entries,
        body: "现将督查情况通报如下……".into(),
        ..Default::default()
    }
}

fn issue(circular: &str, number: &str) -> pb::IssueCircularRequest {
    pb::IssueCircularRequest {
        request_id: rid(),
        circular_id: circular.to_owned(),
        document_number: number.to_owned(),
        issued_on: None,
    }
}

async fn drafted(client: &mut Client, request: pb::DraftCircularRequest) -> Result<pb::Circular, Status> {
    client.draft_circular(request).await.map(|r| r.into_inner().circular.unwrap())
}

async fn issued(client: &mut Client, request: pb::IssueCircularRequest) -> Result<pb::Circular, Status> {
    client.issue_circular(request).await.map(|r| r.into_inner().circular.unwrap())
}

async fn circulars(client: &mut Client, request: pb::ListCircularsRequest) -> Vec<String> {
    let listed = client.list_circulars(request).await.expect("the circulars").into_inner().circulars;
    listed.into_iter().map(|c| c.id).collect()
}

async fn mentions(
    client: &mut Client,
    request: pb::ListCircularMentionsRequest,
) -> Result<Vec<pb::CircularMention>, Status> {
    client.list_circular_mentions(request).await.map(|r| r.into_inner().mentions)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn circulars_are_drafted_and_issued_once() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut org = h.org();
        let finding = org
            .record_finding(pb::RecordFindingRequest {
                request_id: rid(),
                cadre_id: d.staff.cadre_id.clone(),
                category: pb::FindingCategory::WorkDiscipline as i32,
                severity: pb::Severity::Serious as i32,
                description: "工作日午间饮酒".into(),
                found_on: Some(date("2026-03-02")),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .finding
            .unwrap();

        // A person (the unit and name taken from the directory) and a unit, criticised.
        let mut person = named("", &d.staff.cadre_id, false);
        person.finding_id = finding.id.clone();
        let mut request = draft(K::Criticism, vec![person, named(&d.other_bureau, "", false)]);
        request.distribution_unit_ids = vec![d.bureau.clone(), d.other_bureau.clone()];
        request.scheduled_on = Some(date("2026-03-15"));
        let circular = drafted(&mut org, request.clone()).await.unwrap();
        assert_eq!(
            (circular.state, circular.cadence),
            (pb::CircularState::Draft as i32, pb::Cadence::AdHoc as i32)
        );
        assert_eq!((circular.document_number.as_str(), circular.issued_on), ("", None));
        assert_eq!(circular.scheduled_on, Some(date("2026-03-15")));
        assert_eq!(circular.created_by, "org-officer");
        let entries: Vec<(&str, &str, &str, &str)> = circular
            .entries
            .iter()
            .map(|e| (e.org_unit_id.as_str(), e.cadre_id.as_str(), e.name.as_str(), e.finding_id.as_str()))
            .collect();
        assert_eq!(
            entries,
            [
                (d.bureau.as_str(), d.staff.cadre_id.as_str(), "张科员", finding.id.as_str()),
                (d.other_bureau.as_str(), "", "区交通局", ""),
            ]
        );
        // A retry answers the first draft and stores nothing more.
        assert_eq!(drafted(&mut org, request).await.unwrap(), circular);
        assert_eq!((h.count("circulars").await, h.count("circular_entries").await), (1, 2));

        // Bad fields, each with its violation; nothing is written.
        let bad = |kind: K, entry: pb::CircularEntry, change: &dyn Fn(&mut pb::DraftCircularRequest)| {
            let mut request = draft(kind, vec![entry]);
            change(&mut request);
            request
        };
        let staff = |commended: bool| named("", &d.staff.cadre_id, commended);
        let cases: Vec<(pb::DraftCircularRequest, &str)> = vec![
            (bad(K::Commendation, staff(false), &|_| {}), "entries[0].commended"),
            (bad(K::Criticism, staff(true), &|_| {}), "entries[0].commended"),
            (bad(K::Criticism, staff(false), &|r| r.kind = 0), "kind"),
            (bad(K::Criticism, staff(false), &|r| r.entries.clear()), "entries"),
            (bad(K::Criticism, staff(false), &|r| r.title = " ".into()), "title"),
            (bad(K::Criticism, staff(false), &|r| r.body = String::new()), "body"),
            (bad(K::Criticism, staff(false), &|r| r.distribution = String::new()), "distribution"),
            (bad(K::Criticism, staff(false), &|r| r.cadence = 42), "cadence"),
            (bad(K::Criticism, named("", "", false), &|_| {}), "entries[0].org_unit_id"),
            (
                bad(K::Criticism, named(&d.other_bureau, &d.staff.cadre_id, false), &|_| {}),
                "entries[0].org_unit_id",
            ),
            (bad(K::Criticism, named("no-such-unit", "", false), &|_| {}), "entries[0].org_unit_id"),
            (bad(K::Criticism, named("", "no-such-cadre", false), &|_| {}), "entries[0].cadre_id"),
            (
                bad(
                    K::Criticism,
                    pb::CircularEntry { finding_id: "no-such-finding".into(), ..staff(false) },
                    &|_| {},
                ),
                "entries[0].finding_id",
            ),
            (
                bad(
                    K::Criticism,
                    pb::CircularEntry { decision_id: "no-such-decision".into(), ..staff(false) },
                    &|_| {},
                ),
                "entries[0].decision_id",
            ),
            (
                bad(K::Criticism, staff(false), &|r| r.distribution_unit_ids = vec!["no-such-unit".into()]),
                "distribution_unit_ids[0]",
            ),
        ];
        for (request, field) in cases {
            let status = drafted(&mut org, request).await.unwrap_err();
            assert_error(&status, Code::InvalidArgument, "INVALID_CIRCULAR", Some(field));
        }
        assert_eq!(h.count("circulars").await, 1);

        // Issuing needs the document number and a day not after today (today when none is given).
        let status = issued(&mut org, issue(&circular.id, "")).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_ISSUE", Some("document_number"));
        let mut future = issue(&circular.id, "锦组通〔2026〕3号");
        future.issued_on = Some(date("2026-03-11"));
        let status = issued(&mut org, future).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_ISSUE", Some("issued_on"));
        let status = issued(&mut org, issue("no-such-circular", "x")).await.unwrap_err();
        assert_error(&status, Code::NotFound, "CIRCULAR_NOT_FOUND", None);
        let request = issue(&circular.id, "锦组通〔2026〕3号");
        let out = issued(&mut org, request.clone()).await.unwrap();
        assert_eq!(out.state, pb::CircularState::Issued as i32);
        assert_eq!(
            (out.document_number.as_str(), out.issued_on),
            ("锦组通〔2026〕3号", Some(date("2026-03-10")))
        );
        assert_eq!((out.issued_by.as_str(), out.entries.len()), ("org-officer", 2));
        assert_eq!(issued(&mut org, request).await.unwrap(), out, "a retry is the first answer");
        let status = issued(&mut org, issue(&circular.id, "锦组通〔2026〕4号")).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "CIRCULAR_ALREADY_ISSUED", None);

        // The feed carries the issue once, with the entries.
        let events = h.events::<pb::CircularIssuedEvent>("rank").await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].circular.as_ref().unwrap(), &out);

        // A unit leader neither drafts nor issues.
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let status = drafted(&mut leader, draft(K::Commendation, vec![staff(true)])).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn circulars_are_listed_and_the_named_find_their_mentions() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut org = h.org();

        // An issued criticism naming the staff member twice and the other bureau; an issued commendation of
        // the staff member in 2025; a draft commendation due on March 1 (overdue) and one due in April.
        let criticism = drafted(
            &mut org,
            draft(
                K::Criticism,
                vec![
                    named("", &d.staff.cadre_id, false),
                    named(&d.other_bureau, "", false),
                    named("", &d.staff.cadre_id, false),
                ],
            ),
        )
        .await
        .unwrap();
        let criticism = issued(&mut org, issue(&criticism.id, "锦组通〔2026〕3号")).await.unwrap();
        let mut praise = draft(K::Commendation, vec![named("", &d.staff.cadre_id, true)]);
        praise.cadence = pb::Cadence::Yearly as i32;
        let praise = drafted(&mut org, praise).await.unwrap();
        let mut back = issue(&praise.id, "锦组通〔2025〕9号");
        back.issued_on = Some(date("2025-12-30"));
        let praise = issued(&mut org, back).await.unwrap();
        let mut due =
            draft(K::Mixed, vec![named("", &d.deputy.cadre_id, true), named("", &d.staff2.cadre_id, false)]);
        due.scheduled_on = Some(date("2026-03-01"));
        let overdue = drafted(&mut org, due).await.unwrap();
        let mut later = draft(K::Commendation, vec![named(&d.bureau, "", true)]);
        later.scheduled_on = Some(date("2026-04-01"));
        let later = drafted(&mut org, later).await.unwrap();

        let all = circulars(&mut org, pb::ListCircularsRequest::default()).await;
        assert_eq!(all, [later.id.clone(), overdue.id.clone(), praise.id.clone(), criticism.id.clone()]);
        let cases = [
            (
                pb::ListCircularsRequest { state: pb::CircularState::Issued as i32, ..Default::default() },
                vec![praise.id.clone(), criticism.id.clone()],
            ),
            (
                pb::ListCircularsRequest { kind: K::Commendation as i32, ..Default::default() },
                vec![later.id.clone(), praise.id.clone()],
            ),
            (pb::ListCircularsRequest { year: 2025, ..Default::default() }, vec![praise.id.clone()]),
            (
                pb::ListCircularsRequest { year: 2026, ..Default::default() },
                vec![later.id.clone(), overdue.id.clone(), criticism.id.clone()],
            ),
            (pb::ListCircularsRequest { overdue_only: true, ..Default::default() }, vec![overdue.id.clone()]),
        ];
        for (request, expected) in cases {
            assert_eq!(circulars(&mut org, request.clone()).await, expected, "{request:?}");
        }
        let first = org
            .list_circulars(pb::ListCircularsRequest { page_size: 3, ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(first.circulars.len(), 3);
        let rest = circulars(
            &mut org,
            pb::ListCircularsRequest {
                page_size: 3,
                page_token: first.next_page_token,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(rest, [criticism.id.as_str()]);

        // A cadre reads issued circulars only: drafts are the drafters'.
        let mut own = h.as_cadre(&d.staff);
        let seen = circulars(&mut own, pb::ListCircularsRequest::default()).await;
        assert_eq!(seen, [praise.id.clone(), criticism.id.clone()]);
        let seen =
            circulars(&mut own, pb::ListCircularsRequest { overdue_only: true, ..Default::default() }).await;
        assert!(seen.is_empty());
        let status =
            own.get_circular(pb::GetCircularRequest { circular_id: overdue.id.clone() }).await.unwrap_err();
        assert_error(&status, Code::NotFound, "CIRCULAR_NOT_FOUND", None);
        let got =
            own.get_circular(pb::GetCircularRequest { circular_id: criticism.id.clone() }).await.unwrap();
        assert_eq!(got.into_inner().circular.unwrap(), criticism);

        // The staff member's mentions: issued circulars only, newest first, each entry once, in pages.
        let of_staff = |page_size: i32, page_token: String| pb::ListCircularMentionsRequest {
            cadre_id: d.staff.cadre_id.clone(),
            page_size,
            page_token,
            ..Default::default()
        };
        let all = mentions(&mut own, of_staff(0, String::new())).await.unwrap();
        let shown: Vec<(&str, bool)> =
            all.iter().map(|m| (m.circular_id.as_str(), m.entry.as_ref().unwrap().commended)).collect();
        assert_eq!(
            shown,
            [(praise.id.as_str(), true), (criticism.id.as_str(), false), (criticism.id.as_str(), false)]
        );
        assert_eq!(all[1].document_number, "锦组通〔2026〕3号");
        assert_eq!(all[1].issued_on, Some(date("2026-03-10")));
        let mut token = String::new();
        let mut paged = Vec::new();
        loop {
            let page = own.list_circular_mentions(of_staff(2, token)).await.unwrap().into_inner();
            paged.extend(page.mentions);
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        assert_eq!(paged, all);
        // A unit's mentions are its own entries, not its people's.
        let unit = |unit: &str| pb::ListCircularMentionsRequest {
            org_unit_id: unit.to_owned(),
            ..Default::default()
        };
        let other = mentions(&mut org, unit(&d.other_bureau)).await.unwrap();
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].entry.as_ref().unwrap().name, "区交通局");
        assert!(
            mentions(&mut org, unit(&d.bureau)).await.unwrap().is_empty(),
            "the April draft is not issued"
        );
        // Exactly one of the two; the named must be visible to the caller.
        let both = pb::ListCircularMentionsRequest {
            cadre_id: d.staff.cadre_id.clone(),
            org_unit_id: d.bureau.clone(),
            ..Default::default()
        };
        assert_error(
            &mentions(&mut org, both).await.unwrap_err(),
            Code::InvalidArgument,
            "INVALID_FILTER",
            Some("cadre_id"),
        );
        let neither = pb::ListCircularMentionsRequest::default();
        assert_error(
            &mentions(&mut org, neither).await.unwrap_err(),
            Code::InvalidArgument,
            "INVALID_FILTER",
            Some("cadre_id"),
        );
        let mut outsider = h.as_person(&d.outsider, &[Role::UnitLeader]);
        let status = mentions(&mut outsider, of_staff(0, String::new())).await.unwrap_err();
        assert_error(&status, Code::NotFound, "CADRE_NOT_FOUND", None);
        let status = mentions(&mut outsider, unit(&d.bureau)).await.unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_issued_circular_is_read_where_it_was_distributed() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-04-10").await;
        let d = h.district().await;
        let mut org = h.org();
        let mut to_other = draft(K::Criticism, vec![named(&d.other_bureau, &d.outsider.cadre_id, false)]);
        to_other.distribution_unit_ids = vec![d.other_bureau.clone()];
        let to_other = drafted(&mut org, to_other).await.unwrap();
        issued(&mut org, issue(&to_other.id, "锦组通〔2026〕3号")).await.unwrap();
        let to_all =
            drafted(&mut org, draft(K::Commendation, vec![named(&d.bureau, "", true)])).await.unwrap();
        issued(&mut org, issue(&to_all.id, "锦组通〔2026〕4号")).await.unwrap();

        // The bureau's leader reads the district-wide one, not the one sent to the other bureau.
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let seen =
            circulars(&mut leader, pb::ListCircularsRequest { page_size: 1, ..Default::default() }).await;
        assert_eq!(
            seen,
            std::slice::from_ref(&to_all.id),
            "a page is filled past what the reader does not see"
        );
        let status = leader
            .get_circular(pb::GetCircularRequest { circular_id: to_other.id.clone() })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "CIRCULAR_NOT_FOUND", None);
        // Its people read both; the org department reads everything.
        let mut outsider = h.as_person(&d.outsider, &[]);
        let mut both = circulars(&mut outsider, pb::ListCircularsRequest::default()).await;
        both.sort();
        let mut expected = vec![to_all.id.clone(), to_other.id.clone()];
        expected.sort();
        assert_eq!(both, expected);
        assert_eq!(circulars(&mut org, pb::ListCircularsRequest::default()).await.len(), 2);
        h.stop().await;
    }
}

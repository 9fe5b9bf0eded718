//! The responsibility lists of 四责协同 and 一岗双责, on both databases: setting them per unit, kind, holder
//! and year with optimistic versions, who may hold which, scope, and the four-responsibility view of a unit
//! with its lists' progress and the findings and decisions traced to each.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::oversight as pb;
use harness::{Client, Harness, assert_error, date, rid};
use tonic::{Code, Status};

use pb::{ListKind as L, ResponsibilityKind as K};

fn item(id: &str, list: L, text: &str, due: Option<&str>, done: bool) -> pb::ListItem {
    pb::ListItem {
        id: id.to_owned(),
        list: list as i32,
        text: text.to_owned(),
        due_date: due.map(date),
        done,
    }
}

fn responsibility(unit: &str, kind: K, holder: &str, year: i32) -> pb::Responsibility {
    pb::Responsibility {
        org_unit_id: unit.to_owned(),
        kind: kind as i32,
        holder_cadre_id: holder.to_owned(),
        year,
        area: "党风廉政建设".into(),
        items: vec![
            item("", L::Duty, "每季度专题研究党风廉政建设", Some("2026-03-31"), true),
            item("", L::Problem, "窗口服务作风问题整改", Some("2026-03-01"), false),
            item("", L::Project, "清廉机关建设", Some("2026-12-31"), false),
        ],
        ..Default::default()
    }
}

fn set(given: pb::Responsibility) -> pb::SetResponsibilityRequest {
    pb::SetResponsibilityRequest { request_id: rid(), responsibility: Some(given) }
}

async fn put(
    client: &mut Client,
    request: pb::SetResponsibilityRequest,
) -> Result<pb::Responsibility, Status> {
    client.set_responsibility(request).await.map(|r| r.into_inner().responsibility.unwrap())
}

async fn list(client: &mut Client, request: pb::ListResponsibilitiesRequest) -> Vec<pb::Responsibility> {
    client.list_responsibilities(request).await.expect("the responsibilities").into_inner().responsibilities
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn responsibilities_are_set_per_unit_kind_holder_and_year_with_versions() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);

        let request = set(responsibility(&d.bureau, K::FirstResponsible, &d.principal.cadre_id, 2026));
        let first = put(&mut leader, request.clone()).await.unwrap();
        assert_eq!((first.org_unit_name.as_str(), first.holder_name.as_str()), ("区财政局", "王局长"));
        assert_eq!((first.kind, first.year, first.version), (K::FirstResponsible as i32, 2026, 1));
        assert_eq!(first.items.len(), 3);
        assert!(first.items.iter().all(|i| !i.id.is_empty()), "ids are assigned");
        assert_eq!(first.items[1].due_date, Some(date("2026-03-01")));
        // A retry answers the first write and stores nothing more.
        assert_eq!(put(&mut leader, request).await.unwrap(), first);
        assert_eq!(h.count("responsibilities").await, 1);

        // The same unit, kind, holder and year again is the same responsibility, one version on; its item ids
        // are kept when given.
        let mut next = responsibility(&d.bureau, K::FirstResponsible, &d.principal.cadre_id, 2026);
        next.version = 1;
        next.items = vec![pb::ListItem { done: true, ..first.items[1].clone() }];
        let second = put(&mut leader, set(next.clone())).await.unwrap();
        assert_eq!((second.id.as_str(), second.version), (first.id.as_str(), 2));
        assert_eq!(second.items, [pb::ListItem { done: true, ..first.items[1].clone() }]);
        // Writing over a version one has not read is refused; so is a version for what was never stored.
        let status = put(&mut leader, set(next)).await.unwrap_err();
        assert_error(&status, Code::Aborted, "VERSION_MISMATCH", None);
        let mut unseen = responsibility(&d.bureau, K::DualDuty, &d.deputy.cadre_id, 2026);
        unseen.version = 3;
        let status = put(&mut leader, set(unseen)).await.unwrap_err();
        assert_error(&status, Code::Aborted, "VERSION_MISMATCH", None);
        // Version 0 overwrites whatever is there.
        let overwritten = put(
            &mut leader,
            set(responsibility(&d.bureau, K::FirstResponsible, &d.principal.cadre_id, 2026)),
        )
        .await
        .unwrap();
        assert_eq!(
            (overwritten.id.as_str(), overwritten.version, overwritten.items.len()),
            (first.id.as_str(), 3, 3)
        );
        // Another year, another holder: other responsibilities. A body's responsibility names nobody.
        put(&mut leader, set(responsibility(&d.bureau, K::FirstResponsible, &d.principal.cadre_id, 2025)))
            .await
            .unwrap();
        put(&mut leader, set(responsibility(&d.bureau, K::DualDuty, &d.deputy.cadre_id, 2026)))
            .await
            .unwrap();
        let body = put(&mut leader, set(responsibility(&d.bureau, K::Principal, "", 2026))).await.unwrap();
        assert_eq!((body.holder_cadre_id.as_str(), body.holder_name.as_str()), ("", ""));
        // The supervisory responsibility is the discipline body's: its person need not be of the unit.
        let supervisory =
            put(&mut leader, set(responsibility(&d.bureau, K::Supervisory, &d.outsider.cadre_id, 2026)))
                .await
                .unwrap();
        assert_eq!(supervisory.holder_name, "刘科员");
        assert_eq!(h.count("responsibilities").await, 5);

        // Bad fields, each with its violation; nothing is written.
        let bad = |change: &dyn Fn(&mut pb::Responsibility)| {
            let mut given = responsibility(&d.bureau, K::DualDuty, &d.deputy2.cadre_id, 2026);
            change(&mut given);
            set(given)
        };
        let duplicate = |r: &mut pb::Responsibility| {
            r.items[0].id = "a".into();
            r.items[1].id = "a".into();
        };
        let cases: Vec<(pb::SetResponsibilityRequest, &str)> = vec![
            (bad(&|r| r.kind = 0), "responsibility.kind"),
            (bad(&|r| r.holder_cadre_id = String::new()), "responsibility.holder_cadre_id"),
            (bad(&|r| r.holder_cadre_id = d.outsider.cadre_id.clone()), "responsibility.holder_cadre_id"),
            (bad(&|r| r.holder_cadre_id = "no-such-cadre".into()), "responsibility.holder_cadre_id"),
            (bad(&|r| r.year = 0), "responsibility.year"),
            (bad(&|r| r.org_unit_id = String::new()), "responsibility.org_unit_id"),
            (bad(&duplicate), "responsibility.items[1].id"),
            (bad(&|r| r.items[0].list = 0), "responsibility.items[0].list"),
            (bad(&|r| r.items[2].text = " ".into()), "responsibility.items[2].text"),
            (bad(&|r| r.items = vec![pb::ListItem::default(); 101]), "responsibility.items"),
            (pb::SetResponsibilityRequest { request_id: rid(), responsibility: None }, "responsibility"),
        ];
        for (request, field) in cases {
            let status = put(&mut leader, request).await.unwrap_err();
            assert_error(&status, Code::InvalidArgument, "INVALID_RESPONSIBILITY", Some(field));
        }
        assert_eq!(h.count("responsibilities").await, 5);

        // Another unit's leader cannot see the unit, so cannot set its lists.
        let mut outsider = h.as_person(&d.outsider, &[Role::UnitLeader]);
        let status =
            put(&mut outsider, set(responsibility(&d.bureau, K::Principal, "", 2027))).await.unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        // A plain cadre may not set them at all.
        let status = put(&mut h.as_cadre(&d.staff), set(responsibility(&d.bureau, K::Principal, "", 2027)))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn responsibilities_are_listed_within_scope() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut org = h.org();
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let mut outsider = h.as_person(&d.outsider, &[Role::UnitLeader]);

        let principal = put(
            &mut leader,
            set(responsibility(&d.bureau, K::FirstResponsible, &d.principal.cadre_id, 2026)),
        )
        .await
        .unwrap();
        let deputy = put(&mut leader, set(responsibility(&d.bureau, K::DualDuty, &d.deputy.cadre_id, 2026)))
            .await
            .unwrap();
        let older = put(
            &mut leader,
            set(responsibility(&d.bureau, K::FirstResponsible, &d.principal.cadre_id, 2025)),
        )
        .await
        .unwrap();
        let other =
            put(&mut outsider, set(responsibility(&d.other_bureau, K::Principal, "", 2026))).await.unwrap();

        let ids = |items: &[pb::Responsibility]| items.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        let all = list(&mut org, pb::ListResponsibilitiesRequest::default()).await;
        assert_eq!(ids(&all), [other.id.clone(), older.id.clone(), deputy.id.clone(), principal.id.clone()]);
        assert_eq!(all[0].org_unit_name, "区交通局");
        let seen = list(&mut leader, pb::ListResponsibilitiesRequest::default()).await;
        assert_eq!(ids(&seen), [older.id.clone(), deputy.id.clone(), principal.id.clone()]);
        let seen = list(&mut outsider, pb::ListResponsibilitiesRequest::default()).await;
        assert_eq!(ids(&seen), [other.id.as_str()]);
        // Asking for a subtree outside one's scope shows nothing.
        let seen = list(
            &mut outsider,
            pb::ListResponsibilitiesRequest { org_unit_id: d.bureau.clone(), ..Default::default() },
        )
        .await;
        assert!(seen.is_empty());

        let in_2026 =
            list(&mut org, pb::ListResponsibilitiesRequest { year: 2026, ..Default::default() }).await;
        assert_eq!(ids(&in_2026), [other.id.clone(), deputy.id.clone(), principal.id.clone()]);
        let held = list(
            &mut org,
            pb::ListResponsibilitiesRequest {
                holder_cadre_id: d.principal.cadre_id.clone(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(ids(&held), [older.id.clone(), principal.id.clone()]);
        let page = org
            .list_responsibilities(pb::ListResponsibilitiesRequest { page_size: 3, ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.responsibilities.len(), 3);
        let rest = list(
            &mut org,
            pb::ListResponsibilitiesRequest {
                page_size: 3,
                page_token: page.next_page_token,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(ids(&rest), [principal.id.as_str()]);
        // A token is bound to its filters.
        let token = org
            .list_responsibilities(pb::ListResponsibilitiesRequest { page_size: 1, ..Default::default() })
            .await
            .unwrap()
            .into_inner()
            .next_page_token;
        let status = org
            .list_responsibilities(pb::ListResponsibilitiesRequest {
                year: 2025,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_PAGE_TOKEN", None);
        let status = org
            .list_responsibilities(pb::ListResponsibilitiesRequest { year: 12, ..Default::default() })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_FILTER", Some("year"));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_view_shows_each_responsibility_with_its_progress_findings_and_decisions() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut org = h.org();
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);

        let deputy = put(&mut leader, set(responsibility(&d.bureau, K::DualDuty, &d.deputy.cadre_id, 2026)))
            .await
            .unwrap();
        let first = put(
            &mut leader,
            set(responsibility(&d.bureau, K::FirstResponsible, &d.principal.cadre_id, 2026)),
        )
        .await
        .unwrap();
        let finding = |responsibility: &str, found_on: &str| pb::RecordFindingRequest {
            request_id: rid(),
            cadre_id: d.staff.cadre_id.clone(),
            category: pb::FindingCategory::WorkStyle as i32,
            severity: pb::Severity::Minor as i32,
            description: "窗口人员脱岗".into(),
            responsibility_id: responsibility.to_owned(),
            found_on: Some(date(found_on)),
            ..Default::default()
        };
        let open =
            org.record_finding(finding(&first.id, "2026-03-02")).await.unwrap().into_inner().finding.unwrap();
        let dismissed =
            org.record_finding(finding(&first.id, "2026-03-03")).await.unwrap().into_inner().finding.unwrap();
        org.dismiss_finding(pb::DismissFindingRequest {
            request_id: rid(),
            finding_id: dismissed.id.clone(),
            reason: "不属实".into(),
        })
        .await
        .unwrap();
        org.record_finding(finding("", "2026-03-04")).await.unwrap();
        org.record_finding(finding("", "2025-12-01")).await.unwrap();
        org.record_decision(pb::RecordDecisionRequest {
            request_id: rid(),
            cadre_id: d.staff.cadre_id.clone(),
            measure: pb::AccountabilityMeasure::ReminderTalk as i32,
            deciding_body: pb::DecidingBody::OrgDepartment as i32,
            basis_article: "中国共产党问责条例 第八条".into(),
            document_number: "锦组〔2026〕7号".into(),
            decided_on: Some(date("2026-03-06")),
            finding_ids: vec![open.id.clone()],
            responsibility_id: first.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();

        let view = leader
            .get_responsibility_view(pb::GetResponsibilityViewRequest {
                org_unit_id: d.bureau.clone(),
                year: 2026,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((view.org_unit_id.as_str(), view.year), (d.bureau.as_str(), 2026));
        // By kind: the first responsible before the team member.
        let kinds: Vec<String> =
            view.standings.iter().map(|s| s.responsibility.as_ref().unwrap().id.clone()).collect();
        assert_eq!(kinds, [first.id.clone(), deputy.id.clone()]);
        let standing = &view.standings[0];
        // One entry done; one due on March 1 and not done is overdue on March 10; one due in December is not.
        assert_eq!((standing.items_done, standing.items_overdue), (1, 1));
        assert_eq!((standing.findings, standing.open_findings, standing.decisions), (2, 1, 1));
        let other = &view.standings[1];
        assert_eq!((other.findings, other.open_findings, other.decisions), (0, 0, 0));
        assert_eq!(view.missing_kinds, [K::Principal as i32, K::Supervisory as i32]);
        assert_eq!(
            view.untraced_findings, 1,
            "this year's finding traced to nothing; last year's does not count"
        );

        // On a later day the December entry is overdue too.
        h.set_today("2027-01-05");
        let later = leader
            .get_responsibility_view(pb::GetResponsibilityViewRequest {
                org_unit_id: d.bureau.clone(),
                year: 2026,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(later.standings[0].items_overdue, 2);

        // Another unit's leader does not see the unit; a year is required.
        let status = h
            .as_person(&d.outsider, &[Role::UnitLeader])
            .get_responsibility_view(pb::GetResponsibilityViewRequest {
                org_unit_id: d.bureau.clone(),
                year: 2026,
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        let status = leader
            .get_responsibility_view(pb::GetResponsibilityViewRequest {
                org_unit_id: d.bureau.clone(),
                year: 0,
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_VIEW_REQUEST", Some("year"));
        h.stop().await;
    }
}

//! The negative-information pool, risk warnings and 党风廉政意见 on both databases: records only with the
//! discipline clearance and one per agency reference, warnings weighed by the policy from records and
//! promotion-barring windows, and opinions asked for by the org department or by the rank service's
//! promotion cases, answered once by the discipline side, announced without the record's summary.

mod harness;

use cadre_platform::{auth::Principal, testing::TestDatabase};
use cadre_proto::{
    leave::{LeaveOverdueEvent, OverdueCase, OverdueState},
    oversight::{self as pb, Agency, NegativeCategory, OpinionState, RiskLevel, Severity},
    rank::{self as rank_pb, CaseKind, RankCaseOpenedEvent},
};
use harness::{Client, Harness, Person, assert_error, date, eventually, reason, rid};
use tonic::Code;
use tonic_types::StatusExt as _;

fn record_request(
    who: &Person,
    agency: Agency,
    category: NegativeCategory,
    severity: Severity,
    reference: &str,
    day: &str,
    verified: bool,
) -> pb::RecordNegativeInformationRequest {
    pb::RecordNegativeInformationRequest {
        request_id: rid(),
        cadre_id: who.cadre_id.clone(),
        agency: agency as i32,
        category: category as i32,
        severity: severity as i32,
        summary: "经查，该同志存在相关问题".into(),
        reference: reference.to_owned(),
        occurred_on: Some(date(day)),
        verified,
    }
}

async fn record(
    client: &mut Client,
    request: pb::RecordNegativeInformationRequest,
) -> Result<pb::NegativeRecord, tonic::Status> {
    client.record_negative_information(request).await.map(|r| r.into_inner().record.unwrap())
}

async fn records_of(
    client: &mut Client,
    cadre: &str,
    size: i32,
    token: &str,
) -> pb::ListNegativeInformationResponse {
    client
        .list_negative_information(pb::ListNegativeInformationRequest {
            cadre_id: cadre.to_owned(),
            page_size: size,
            page_token: token.to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
}

fn metadata(status: &tonic::Status, key: &str) -> String {
    let details = status.get_error_details();
    let info = details.error_info().unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    info.metadata.get(key).cloned().unwrap_or_else(|| panic!("no {key} in {status:?}"))
}

async fn opinions(client: &mut Client, state: OpinionState, cadre: &str) -> Vec<pb::IntegrityOpinion> {
    client
        .list_integrity_opinions(pb::ListIntegrityOpinionsRequest {
            state: state as i32,
            cadre_id: cadre.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .opinions
}

fn case(id: &str, who: &Person, kind: CaseKind) -> RankCaseOpenedEvent {
    RankCaseOpenedEvent {
        rank_case: Some(rank_pb::RankCase {
            id: id.to_owned(),
            kind: kind as i32,
            cadre_id: who.cadre_id.clone(),
            cadre_name: who.name.clone(),
            org_unit_id: who.unit_id.clone(),
            state: rank_pb::CaseState::Draft as i32,
            ..Default::default()
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn negative_information_is_kept_once_per_reference_and_read_only_with_the_clearance() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let (mut cleared, mut system, mut org) = (h.cleared_inspector(), h.discipline_system(), h.org());

        let court = record_request(
            &d.staff,
            Agency::Court,
            NegativeCategory::Litigation,
            Severity::Minor,
            "（2026）锦民初123号",
            "2026-03-01",
            true,
        );
        let first = record(&mut cleared, court.clone()).await.unwrap();
        assert_eq!((first.cadre_name.as_str(), first.recorded_by.as_str()), ("张科员", "inspector"));
        assert_eq!(
            (first.agency, first.category),
            (Agency::Court as i32, NegativeCategory::Litigation as i32)
        );
        assert_eq!((first.severity, first.verified), (Severity::Minor as i32, true));
        assert_eq!(first.occurred_on, Some(date("2026-03-01")));
        // The same request again is the same answer, and nothing more is written.
        let again = record(&mut cleared, court.clone()).await.unwrap();
        assert_eq!(again, first);
        assert_eq!(h.count("negative_records").await, 1);
        // The same reference of the same agency in a new request is the same matter: refused, naming it.
        let mut resent = court.clone();
        resent.request_id = rid();
        let status = record(&mut cleared, resent).await.unwrap_err();
        assert_error(&status, Code::AlreadyExists, "RECORD_EXISTS", None);
        assert_eq!(metadata(&status, "record_id"), first.id);
        // Another agency may use the same reference.
        let mut audit = court.clone();
        (audit.request_id, audit.agency, audit.category) =
            (rid(), Agency::Audit as i32, NegativeCategory::Audit as i32);
        record(&mut cleared, audit).await.unwrap();
        // The discipline system files a 12380 report under verification.
        let petition = record(
            &mut system,
            record_request(
                &d.staff,
                Agency::Petition,
                NegativeCategory::Petition,
                Severity::Serious,
                "12380-2026-0042",
                "2026-05-20",
                false,
            ),
        )
        .await
        .unwrap();
        assert_eq!((petition.recorded_by.as_str(), petition.verified), ("discipline-system", false));

        // Newest first, page by page.
        let page = records_of(&mut cleared, &d.staff.cadre_id, 2, "").await;
        assert_eq!(page.records.len(), 2);
        assert_eq!(page.records[0].id, petition.id);
        assert!(!page.next_page_token.is_empty());
        let rest = records_of(&mut system, &d.staff.cadre_id, 2, &page.next_page_token).await;
        assert_eq!(rest.records.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [first.id.as_str()]);
        assert!(rest.next_page_token.is_empty());
        assert!(records_of(&mut cleared, &d.deputy.cadre_id, 0, "").await.records.is_empty());

        // Without the clearance the pool is closed, to the org department too, and to a plain inspector.
        let mut other = court.clone();
        other.request_id = rid();
        other.reference = "（2026）锦民初124号".into();
        let status = record(&mut org, other.clone()).await.unwrap_err();
        assert_eq!((status.code(), reason(&status).as_str()), (Code::PermissionDenied, "CLEARANCE_REQUIRED"));
        let status = org
            .list_negative_information(pb::ListNegativeInformationRequest {
                cadre_id: d.staff.cadre_id.clone(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!((status.code(), reason(&status).as_str()), (Code::PermissionDenied, "CLEARANCE_REQUIRED"));
        let status = h.inspector().record_negative_information(other).await.unwrap_err();
        assert_eq!((status.code(), reason(&status).as_str()), (Code::PermissionDenied, "CLEARANCE_REQUIRED"));

        // Bad fields, all at once; nothing is written.
        let before = h.count("negative_records").await;
        let mut bad = record_request(
            &d.staff,
            Agency::Unspecified,
            NegativeCategory::Unspecified,
            Severity::Unspecified,
            " ",
            "2026-06-02",
            true,
        );
        bad.summary = String::new();
        let status = record(&mut cleared, bad.clone()).await.unwrap_err();
        for field in ["agency", "category", "severity", "summary", "reference", "occurred_on"] {
            assert_error(&status, Code::InvalidArgument, "INVALID_RECORD", Some(field));
        }
        bad.occurred_on = None;
        let status = record(&mut cleared, bad).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_RECORD", Some("occurred_on"));
        let mut stranger = court.clone();
        (stranger.request_id, stranger.cadre_id, stranger.reference) = (rid(), "nobody".into(), "x-1".into());
        let status = record(&mut cleared, stranger).await.unwrap_err();
        assert_error(&status, Code::NotFound, "CADRE_NOT_FOUND", None);
        let status = cleared
            .list_negative_information(pb::ListNegativeInformationRequest::default())
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_ID", Some("cadre_id"));
        assert_eq!(h.count("negative_records").await, before);
        h.stop().await;
    }
}

async fn warning(client: &mut Client, cadre: &str, day: Option<&str>) -> pb::RiskWarning {
    client
        .get_risk_warning(pb::GetRiskWarningRequest { cadre_id: cadre.to_owned(), as_of: day.map(date) })
        .await
        .unwrap()
        .into_inner()
        .warning
        .unwrap()
}

async fn warned(client: &mut Client, unit: &str, min: RiskLevel, size: i32) -> Vec<(String, i32)> {
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_risk_warnings(pb::ListRiskWarningsRequest {
                org_unit_id: unit.to_owned(),
                min_level: min as i32,
                page_size: size,
                page_token: token,
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.warnings.len() <= usize::try_from(size).unwrap());
        all.extend(page.warnings.into_iter().map(|w| (w.cadre_id, w.level)));
        if page.next_page_token.is_empty() {
            return all;
        }
        token = page.next_page_token;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn risk_warnings_weigh_records_and_promotion_barring_windows_by_the_policy() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        // Numbers of the test's own, so the levels below follow from them and not from the defaults.
        h.set_policy(
            "oversight.risk",
            "2026-01-01",
            r#"{"lookback_months":12,"weight_minor":1,"weight_serious":4,"weight_grave":10,"window_weight":5,"blue_from":2,"yellow_from":5,"red_from":10}"#,
        )
        .await;
        let (mut cleared, mut system) = (h.cleared_inspector(), h.discipline_system());
        let mut n = 0;
        let mut file = |who: &Person, severity: Severity, day: &str, verified: bool| {
            n += 1;
            record_request(
                who,
                Agency::Discipline,
                NegativeCategory::DisciplineViolation,
                severity,
                &format!("锦纪-{n}"),
                day,
                verified,
            )
        };
        let requests = [
            // 张科员: one minor record, 1: under BLUE.
            file(&d.staff, Severity::Minor, "2026-03-01", true),
            // 陈科员: a minor one and an unverified serious one (half, rounded up): 1 + 2 = BLUE.
            file(&d.staff2, Severity::Minor, "2026-03-01", true),
            file(&d.staff2, Severity::Serious, "2026-04-01", false),
            // 李副局长: serious and minor, 4 + 1: YELLOW.
            file(&d.deputy, Severity::Serious, "2026-02-01", true),
            file(&d.deputy, Severity::Minor, "2026-02-02", true),
            // 赵副局长: a verified grave record is RED whatever the score.
            file(&d.deputy2, Severity::Grave, "2026-01-15", true),
            // 王局长: serious and minor, and one outside the 12 months; a window below makes it RED.
            file(&d.principal, Severity::Serious, "2026-02-01", true),
            file(&d.principal, Severity::Minor, "2026-02-02", true),
            file(&d.principal, Severity::Grave, "2025-03-01", true),
            // 刘科员 of the other bureau: serious, 4: BLUE.
            file(&d.outsider, Severity::Serious, "2026-05-01", true),
        ];
        for request in requests {
            record(&mut system, request).await.unwrap();
        }
        // 党内警告 by the discipline commission: a year without promotion from 2026-05-01.
        let decision = h
            .inspector()
            .record_decision(pb::RecordDecisionRequest {
                request_id: rid(),
                cadre_id: d.principal.cadre_id.clone(),
                measure: pb::AccountabilityMeasure::PartyWarning as i32,
                deciding_body: pb::DecidingBody::DisciplineCommission as i32,
                basis_article: "中国共产党纪律处分条例 第八条".into(),
                document_number: "锦纪发〔2026〕9号".into(),
                decided_on: Some(date("2026-05-01")),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .decision
            .unwrap();
        assert!(decision.blocks.unwrap().promotion);

        let staff = warning(&mut cleared, &d.staff.cadre_id, None).await;
        assert_eq!((staff.level, staff.score), (RiskLevel::None as i32, 1));
        assert_eq!(staff.as_of, Some(date("2026-06-01")));
        assert_eq!((staff.cadre_name.as_str(), staff.org_unit_id.as_str()), ("张科员", d.bureau.as_str()));
        let staff2 = warning(&mut cleared, &d.staff2.cadre_id, None).await;
        assert_eq!((staff2.level, staff2.score), (RiskLevel::Blue as i32, 3));
        assert_eq!(staff2.reasons.len(), 2);
        assert!(staff2.reasons[1].contains("未核实"), "{:?}", staff2.reasons);
        let deputy = warning(&mut system, &d.deputy.cadre_id, None).await;
        assert_eq!((deputy.level, deputy.score), (RiskLevel::Yellow as i32, 5));
        let deputy2 = warning(&mut cleared, &d.deputy2.cadre_id, None).await;
        assert_eq!((deputy2.level, deputy2.score), (RiskLevel::Red as i32, 10));
        let principal = warning(&mut cleared, &d.principal.cadre_id, None).await;
        assert_eq!((principal.level, principal.score), (RiskLevel::Red as i32, 10));
        assert!(principal.reasons.iter().any(|r| r.contains("影响期")), "{:?}", principal.reasons);
        // The day before the window: the records alone.
        let before = warning(&mut cleared, &d.principal.cadre_id, Some("2026-04-30")).await;
        assert_eq!((before.level, before.score), (RiskLevel::Yellow as i32, 5));
        // On the last day of January the old grave record is still within the 12 months; before it, nothing.
        let january = warning(&mut cleared, &d.principal.cadre_id, Some("2026-01-31")).await;
        assert_eq!((january.level, january.score), (RiskLevel::Red as i32, 10));
        let earlier = warning(&mut cleared, &d.principal.cadre_id, Some("2025-02-28")).await;
        assert_eq!((earlier.level, earlier.score), (RiskLevel::None as i32, 0));

        // Lists: by cadre id, page by page, from the level asked; a unit's subtree only when asked.
        let mut expected_all: Vec<(String, i32)> = vec![
            (d.staff2.cadre_id.clone(), RiskLevel::Blue as i32),
            (d.deputy.cadre_id.clone(), RiskLevel::Yellow as i32),
            (d.deputy2.cadre_id.clone(), RiskLevel::Red as i32),
            (d.principal.cadre_id.clone(), RiskLevel::Red as i32),
            (d.outsider.cadre_id.clone(), RiskLevel::Blue as i32),
        ];
        expected_all.sort();
        assert_eq!(warned(&mut cleared, "", RiskLevel::Unspecified, 2).await, expected_all);
        let serious: Vec<(String, i32)> =
            expected_all.iter().filter(|(_, level)| *level >= RiskLevel::Yellow as i32).cloned().collect();
        assert_eq!(warned(&mut system, "", RiskLevel::Yellow, 1).await, serious);
        let bureau: Vec<(String, i32)> =
            expected_all.iter().filter(|(id, _)| *id != d.outsider.cadre_id).cloned().collect();
        assert_eq!(warned(&mut cleared, &d.bureau, RiskLevel::Blue, 50).await, bureau);
        let everyone = warned(&mut cleared, "", RiskLevel::None, 50).await;
        assert_eq!(everyone.len(), 6, "the cadres with something on record, NONE included");

        // Bad queries; no clearance.
        let status = cleared
            .list_risk_warnings(pb::ListRiskWarningsRequest { min_level: 9, ..Default::default() })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_QUERY", Some("min_level"));
        let status = cleared
            .list_risk_warnings(pb::ListRiskWarningsRequest {
                org_unit_id: "nowhere".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "UNIT_NOT_FOUND", None);
        let status = cleared.get_risk_warning(pb::GetRiskWarningRequest::default()).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_QUERY", Some("cadre_id"));
        let status = cleared
            .get_risk_warning(pb::GetRiskWarningRequest { cadre_id: "nobody".into(), as_of: None })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "CADRE_NOT_FOUND", None);
        let status = h
            .org()
            .get_risk_warning(pb::GetRiskWarningRequest { cadre_id: d.staff.cadre_id.clone(), as_of: None })
            .await
            .unwrap_err();
        assert_eq!((status.code(), reason(&status).as_str()), (Code::PermissionDenied, "CLEARANCE_REQUIRED"));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_promotion_case_asks_for_an_opinion_that_the_discipline_side_answers_once() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let (mut cleared, mut system) = (h.cleared_inspector(), h.discipline_system());

        // A promotion case opened by the rank service asks for an opinion; a demotion case does not, and a
        // redelivery of the same case asks nothing more.
        h.rank.publish("rank-cases/x", case("case-1", &d.deputy, CaseKind::Promotion)).await;
        h.rank.publish("rank-cases/y", case("case-0", &d.staff2, CaseKind::Demotion)).await;
        h.rank.publish("rank-cases/x", case("case-1", &d.deputy, CaseKind::Promotion)).await;
        h.rank.publish("rank-cases/z", case("case-2", &d.deputy2, CaseKind::Promotion)).await;
        let watcher = system.clone();
        eventually("both promotion cases ask for an opinion", || {
            let mut client = watcher.clone();
            async move { opinions(&mut client, OpinionState::Pending, "").await.len() == 2 }
        })
        .await;
        let pending = opinions(&mut system, OpinionState::Pending, "").await;
        assert_eq!(h.count("integrity_opinions").await, 2);
        let asked = &pending[0];
        assert_eq!(
            (asked.rank_case_id.as_str(), asked.cadre_id.as_str(), asked.cadre_name.as_str()),
            ("case-1", d.deputy.cadre_id.as_str(), "李副局长")
        );
        assert_eq!((asked.purpose.as_str(), asked.requested_by.as_str()), ("职级晋升", "system:rank"));
        assert_eq!(asked.state, OpinionState::Pending as i32);
        assert!(!asked.record_summary.is_empty(), "the summary is prepared for the answering body");
        assert_eq!(pending[1].rank_case_id, "case-2", "oldest pending first");
        // The request goes out without the summary.
        let requested = h.events::<pb::IntegrityOpinionRequestedEvent>("discipline").await;
        assert_eq!(requested.len(), 2);
        assert!(requested.iter().all(|e| e.opinion.as_ref().unwrap().record_summary.is_empty()));

        // A person may not name a rank case: it would tie one cadre's opinion to another's promotion.
        let status = h
            .org()
            .request_integrity_opinion(pb::RequestIntegrityOpinionRequest {
                request_id: rid(),
                cadre_id: d.deputy.cadre_id.clone(),
                purpose: "职级晋升".into(),
                rank_case_id: "case-9".into(),
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_OPINION_REQUEST", Some("rank_case_id"));
        // The same case asked for by the rank service directly: refused, naming the request.
        let mut rank = h.client_as(&Principal::system("rank"));
        let status = rank
            .request_integrity_opinion(pb::RequestIntegrityOpinionRequest {
                request_id: rid(),
                cadre_id: d.deputy.cadre_id.clone(),
                purpose: "职级晋升".into(),
                rank_case_id: "case-1".into(),
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::AlreadyExists, "OPINION_EXISTS", None);
        assert_eq!(metadata(&status, "opinion_id"), asked.id);

        // The answer: bad fields first, then once, then never again.
        let answer = |id: &str, clear: bool, text: &str| pb::AnswerIntegrityOpinionRequest {
            request_id: rid(),
            opinion_id: id.to_owned(),
            clear,
            answer: text.to_owned(),
        };
        let status = system.answer_integrity_opinion(answer(&asked.id, true, "  ")).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_ANSWER", Some("answer"));
        let status = system.answer_integrity_opinion(answer("nope", true, "无意见")).await.unwrap_err();
        assert_error(&status, Code::NotFound, "OPINION_NOT_FOUND", None);
        let status = h.org().answer_integrity_opinion(answer(&asked.id, true, "无意见")).await.unwrap_err();
        assert_eq!((status.code(), reason(&status).as_str()), (Code::PermissionDenied, "ROLE_NOT_ALLOWED"));
        let request = answer(&asked.id, true, "经查，未发现该同志有违反党风廉政建设规定的问题，无意见。");
        let answered =
            system.answer_integrity_opinion(request.clone()).await.unwrap().into_inner().opinion.unwrap();
        assert_eq!(answered.state, OpinionState::Answered as i32);
        assert!(answered.clear);
        assert_eq!(answered.answered_by, "discipline-system");
        assert!(answered.answer_time.is_some());
        // The same request again is the same answer; a new one finds it answered.
        let replayed = system.answer_integrity_opinion(request).await.unwrap().into_inner().opinion.unwrap();
        assert_eq!(replayed, answered);
        let status = cleared.answer_integrity_opinion(answer(&asked.id, false, "有意见")).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "OPINION_ANSWERED", None);
        // The rank service reads the answer from the feed, without the summary.
        let given = h.events::<pb::IntegrityOpinionAnsweredEvent>("rank").await;
        assert_eq!(given.len(), 1);
        let given = given[0].opinion.clone().unwrap();
        assert_eq!(
            (given.id.as_str(), given.rank_case_id.as_str(), given.clear),
            (asked.id.as_str(), "case-1", true)
        );
        assert!(given.record_summary.is_empty());
        // Pending and answered are listed apart; reading it back shows the answer.
        assert_eq!(opinions(&mut cleared, OpinionState::Pending, "").await.len(), 1);
        let answered_list = opinions(&mut cleared, OpinionState::Answered, &d.deputy.cadre_id).await;
        assert_eq!(answered_list.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), [asked.id.as_str()]);
        let read = cleared
            .get_integrity_opinion(pb::GetIntegrityOpinionRequest { opinion_id: asked.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .opinion
            .unwrap();
        assert_eq!(read, answered);
        let status = h
            .org()
            .get_integrity_opinion(pb::GetIntegrityOpinionRequest { opinion_id: asked.id.clone() })
            .await
            .unwrap_err();
        assert_eq!((status.code(), reason(&status).as_str()), (Code::PermissionDenied, "CLEARANCE_REQUIRED"));
        let status = cleared
            .list_integrity_opinions(pb::ListIntegrityOpinionsRequest { state: 9, ..Default::default() })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_QUERY", Some("state"));
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_opinion_request_carries_what_the_record_shows_to_cleared_readers_only() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let (mut cleared, mut org) = (h.cleared_inspector(), h.org());
        // A 12380 report under verification and an old court record outside the 24 months.
        for (agency, category, reference, day, verified) in [
            (Agency::Petition, NegativeCategory::Petition, "12380-2026-0007", "2026-02-10", false),
            (Agency::Court, NegativeCategory::Litigation, "（2023）锦民初9号", "2023-05-01", true),
        ] {
            record(
                &mut cleared,
                record_request(&d.staff, agency, category, Severity::Minor, reference, day, verified),
            )
            .await
            .unwrap();
        }

        // Nothing else on record yet: each part says so.
        let mut rank = h.client_as(&Principal::system("rank"));
        let ask = |cadre: &str| pb::RequestIntegrityOpinionRequest {
            request_id: rid(),
            cadre_id: cadre.to_owned(),
            purpose: "拟提拔考察".into(),
            rank_case_id: String::new(),
        };
        let first = rank
            .request_integrity_opinion(ask(&d.staff.cadre_id))
            .await
            .unwrap()
            .into_inner()
            .opinion
            .unwrap();
        assert_eq!(
            first.record_summary,
            ["影响期: 无", "未办结问题: 无", "近24个月负面信息: 信访举报1条（其中未核实1条）"],
            "the suite reads the summary it asked for"
        );
        assert_eq!(first.requested_by, "system:rank");

        // A 诫勉 window and an overdue leave (a finding, from the leave feed) come on record.
        h.inspector()
            .record_decision(pb::RecordDecisionRequest {
                request_id: rid(),
                cadre_id: d.staff.cadre_id.clone(),
                measure: pb::AccountabilityMeasure::Admonishment as i32,
                deciding_body: pb::DecidingBody::DisciplineCommission as i32,
                basis_article: "中国共产党问责条例 第八条".into(),
                document_number: "锦纪发〔2026〕3号".into(),
                decided_on: Some(date("2026-05-01")),
                ..Default::default()
            })
            .await
            .unwrap();
        let overdue = OverdueCase {
            id: "oc-1".into(),
            leave_request_id: "leave-1".into(),
            cadre_id: d.staff.cadre_id.clone(),
            cadre_name: d.staff.name.clone(),
            org_unit_id: d.staff.unit_id.clone(),
            due_back_date: Some(date("2026-05-06")),
            state: OverdueState::Open as i32,
            ..Default::default()
        };
        h.leave_events
            .publish(
                "overdue-cases/oc-1",
                LeaveOverdueEvent { overdue_case: Some(overdue), approver_cadre_ids: vec![] },
            )
            .await;
        let harness = &h;
        eventually("the overdue leave is a finding", || async move { harness.count("findings").await == 1 })
            .await;

        let ask = ask(&d.staff.cadre_id);
        let asked = org.request_integrity_opinion(ask.clone()).await.unwrap().into_inner().opinion.unwrap();
        assert_eq!((asked.state, asked.requested_by.as_str()), (OpinionState::Pending as i32, "org-officer"));
        assert!(asked.record_summary.is_empty(), "the org department asks without the clearance");
        // The same request again is the same answer; one row.
        let again = org.request_integrity_opinion(ask).await.unwrap().into_inner().opinion.unwrap();
        assert_eq!(again, asked);
        assert_eq!(h.count("integrity_opinions").await, 2);
        let read = cleared
            .get_integrity_opinion(pb::GetIntegrityOpinionRequest { opinion_id: asked.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .opinion
            .unwrap();
        assert_eq!(
            read.record_summary,
            [
                "影响期: 诫勉，至2026-10-31",
                "未办结问题: 请假逾期未销假（苗头性倾向性问题），2026-05-06发现",
                "近24个月负面信息: 信访举报1条（其中未核实1条）",
            ]
        );

        // Bad fields, an unknown cadre.
        let bad = pb::RequestIntegrityOpinionRequest {
            request_id: rid(),
            cadre_id: String::new(),
            purpose: " ".into(),
            rank_case_id: "x".repeat(65),
        };
        let status = org.request_integrity_opinion(bad).await.unwrap_err();
        for field in ["cadre_id", "purpose", "rank_case_id"] {
            assert_error(&status, Code::InvalidArgument, "INVALID_OPINION_REQUEST", Some(field));
        }
        let status = org
            .request_integrity_opinion(pb::RequestIntegrityOpinionRequest {
                request_id: rid(),
                cadre_id: "nobody".into(),
                purpose: "拟提拔考察".into(),
                rank_case_id: String::new(),
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "CADRE_NOT_FOUND", None);
        assert_eq!(h.count("integrity_opinions").await, 2);
        // A plain cadre may not ask.
        let status = h
            .as_cadre(&d.staff2)
            .request_integrity_opinion(pb::RequestIntegrityOpinionRequest {
                request_id: rid(),
                cadre_id: d.staff2.cadre_id.clone(),
                purpose: "拟提拔考察".into(),
                rank_case_id: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!((status.code(), reason(&status).as_str()), (Code::PermissionDenied, "ROLE_NOT_ALLOWED"));
        h.stop().await;
    }
}

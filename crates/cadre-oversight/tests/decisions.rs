//! Accountability decisions on both databases: the ladder's levels, windows and dossier dates, who may
//! decide what, repeats that propose the next step, the restrictions other services read with 容错
//! exemptions honoured, the 档案 filing, and the statistics.

mod harness;

use cadre_platform::testing::TestDatabase;
use cadre_proto::{
    care,
    oversight::{self as pb, AccountabilityMeasure as M, DecidingBody as B},
    types::ConductMeasureKind,
};
use harness::{Client, Harness, assert_error, date, eventually, rid};
use tonic::Code;

fn on_cadre(cadre: &str, measure: M, body: B, day: &str) -> pb::RecordDecisionRequest {
    pb::RecordDecisionRequest {
        request_id: rid(),
        cadre_id: cadre.to_owned(),
        measure: measure as i32,
        deciding_body: body as i32,
        basis_article: "中国共产党问责条例 第八条".into(),
        document_number: "锦纪发〔2026〕1号".into(),
        decided_on: Some(date(day)),
        ..Default::default()
    }
}

async fn record(
    client: &mut Client,
    request: pb::RecordDecisionRequest,
) -> Result<pb::Decision, tonic::Status> {
    client.record_decision(request).await.map(|r| r.into_inner().decision.unwrap())
}

async fn restrictions(client: &mut Client, cadre: &str, day: &str) -> pb::CadreRestrictions {
    client
        .get_restrictions(pb::GetRestrictionsRequest { cadre_id: cadre.to_owned(), as_of: Some(date(day)) })
        .await
        .unwrap()
        .into_inner()
        .restrictions
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn decisions_follow_the_ladder_and_who_may_decide_what() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let (mut org, mut inspector, mut committee) = (h.org(), h.inspector(), h.committee());

        // Level 1: a record, no window, nothing for the dossier.
        let talk =
            record(&mut org, on_cadre(&d.staff.cadre_id, M::ReminderTalk, B::OrgDepartment, "2026-05-20"))
                .await
                .unwrap();
        assert_eq!((talk.level, talk.form), (1, 1));
        assert_eq!(talk.influence_last_day, None);
        assert_eq!(talk.archive_due_date, None);
        assert_eq!(talk.conduct_measure, None);
        assert_eq!(talk.cadre_name, "张科员");

        // 诫勉: six months without promotion, material due within a month, the conduct measure for rank.
        let admonish =
            record(&mut org, on_cadre(&d.deputy.cadre_id, M::Admonishment, B::OrgDepartment, "2026-03-01"))
                .await
                .unwrap();
        assert_eq!((admonish.level, admonish.form), (5, 1));
        assert_eq!(admonish.influence_last_day, Some(date("2026-08-31")));
        assert_eq!(admonish.archive_due_date, Some(date("2026-04-01")));
        let blocks = admonish.blocks.unwrap();
        assert!(blocks.promotion && blocks.excellent_grade && blocks.selection);
        let measure = admonish.conduct_measure.clone().unwrap();
        assert_eq!(measure.kind, ConductMeasureKind::Admonishment as i32);
        assert_eq!(
            (measure.source_id.as_str(), measure.last_day),
            (admonish.id.as_str(), Some(date("2026-08-31")))
        );

        // 党纪处分 is the discipline commission's: the org department may not, whoever it is.
        let status =
            record(&mut org, on_cadre(&d.deputy.cadre_id, M::PartyWarning, B::OrgDepartment, "2026-05-01"))
                .await
                .unwrap_err();
        assert_error(&status, Code::PermissionDenied, "BODY_NOT_AUTHORISED", None);
        // A committee member does not speak for the discipline commission.
        let status = record(
            &mut committee,
            on_cadre(&d.deputy.cadre_id, M::PartyWarning, B::DisciplineCommission, "2026-05-01"),
        )
        .await
        .unwrap_err();
        assert_error(&status, Code::PermissionDenied, "BODY_NOT_AUTHORISED", None);
        let warning = record(
            &mut inspector,
            on_cadre(&d.deputy2.cadre_id, M::PartyWarning, B::DisciplineCommission, "2026-05-01"),
        )
        .await
        .unwrap();
        assert_eq!(warning.influence_last_day, Some(date("2027-04-30")));
        // 组织处理 is the Party committee's, and must be carried out within a month.
        let adjusted = record(
            &mut committee,
            on_cadre(&d.staff2.cadre_id, M::PostAdjustment, B::PartyCommittee, "2026-05-10"),
        )
        .await
        .unwrap();
        assert_eq!((adjusted.level, adjusted.carry_out_by), (6, Some(date("2026-06-10"))));

        // From 通报 up a legal basis is required; nothing is written without one.
        let before = h.count("decisions").await;
        let mut bare = on_cadre(&d.staff.cadre_id, M::Circular, B::OrgDepartment, "2026-05-21");
        bare.basis_article = String::new();
        let status = record(&mut org, bare).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "BASIS_REQUIRED", Some("basis_article"));
        // A person and an organisation at once, a measure for the other kind of target, a day in the future.
        let mut both = on_cadre(&d.staff.cadre_id, M::Circular, B::OrgDepartment, "2026-05-21");
        both.org_unit_id = d.bureau.clone();
        assert_error(
            &record(&mut org, both).await.unwrap_err(),
            Code::InvalidArgument,
            "INVALID_DECISION",
            Some("cadre_id"),
        );
        let mut on_unit = on_cadre("", M::Admonishment, B::OrgDepartment, "2026-05-21");
        on_unit.org_unit_id = d.bureau.clone();
        let status = record(&mut org, on_unit).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "MEASURE_NOT_FOR_TARGET", Some("measure"));
        let future = on_cadre(&d.staff.cadre_id, M::ReminderTalk, B::OrgDepartment, "2026-06-02");
        assert_error(
            &record(&mut org, future).await.unwrap_err(),
            Code::InvalidArgument,
            "INVALID_DECISION",
            Some("decided_on"),
        );
        assert_eq!(h.count("decisions").await, before);

        // A Party organisation: 改组 by the Party committee, no window on anyone.
        let mut reorganise = on_cadre("", M::Reorganisation, B::PartyCommittee, "2026-05-22");
        reorganise.org_unit_id = d.bureau.clone();
        let reorganised = record(&mut committee, reorganise).await.unwrap();
        assert_eq!(
            (reorganised.cadre_id.as_str(), reorganised.org_unit_id.as_str()),
            ("", d.bureau.as_str())
        );
        assert_eq!(reorganised.conduct_measure, None);

        // A retry with the same request id is the same decision, written once.
        let request = on_cadre(&d.principal.cadre_id, M::Criticism, B::Unit, "2026-05-30");
        let mut leader = h.as_person(&d.principal, &[cadre_platform::auth::Role::UnitLeader]);
        // Nobody decides on themself, not even their own unit's leader.
        assert_error(
            &record(&mut leader, request.clone()).await.unwrap_err(),
            Code::PermissionDenied,
            "OWN_CASE",
            None,
        );
        let mut leader_deputy = h.as_person(&d.deputy.clone(), &[cadre_platform::auth::Role::UnitLeader]);
        let first = record(&mut leader_deputy, request.clone()).await.unwrap();
        let again = record(&mut leader_deputy, request).await.unwrap();
        assert_eq!(first.id, again.id);
        let recorded = h.events::<pb::DecisionRecordedEvent>("rank").await;
        assert_eq!(recorded.iter().filter(|e| e.decision.as_ref().unwrap().id == first.id).count(), 1);
        // A unit leader decides only within their unit.
        let status =
            record(&mut leader_deputy, on_cadre(&d.outsider.cadre_id, M::Criticism, B::Unit, "2026-05-30"))
                .await
                .unwrap_err();
        assert_error(&status, Code::NotFound, "CADRE_NOT_FOUND", None);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_repeat_within_the_window_proposes_the_next_step() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let mut org = h.org();
        let proposal = |client: &mut Client, day: &'static str| {
            let mut client = client.clone();
            let cadre = d.staff.cadre_id.clone();
            async move {
                client
                    .get_escalation_proposal(pb::GetEscalationProposalRequest {
                        cadre_id: cadre,
                        as_of: Some(date(day)),
                    })
                    .await
                    .unwrap()
                    .into_inner()
                    .proposal
            }
        };
        // A first offence has nothing to escalate from.
        assert_eq!(proposal(&mut org, "2026-06-01").await, None);
        let first =
            record(&mut org, on_cadre(&d.staff.cadre_id, M::ReminderTalk, B::OrgDepartment, "2026-01-10"))
                .await
                .unwrap();
        assert_eq!(first.escalation, None, "a first decision is no repeat");
        let now = proposal(&mut org, "2026-06-01").await.unwrap();
        assert_eq!(now.proposed_measure, M::Criticism as i32);
        assert_eq!(now.prior_decision_ids, vec![first.id.clone()]);
        assert_eq!(now.window_months, 12);
        // A second decision inside the window: the one after it is proposed with it.
        let second =
            record(&mut org, on_cadre(&d.staff.cadre_id, M::Criticism, B::OrgDepartment, "2026-05-01"))
                .await
                .unwrap();
        let escalation = second.escalation.unwrap();
        assert_eq!(escalation.proposed_measure, M::WrittenReview as i32);
        assert_eq!(escalation.prior_decision_ids, vec![first.id.clone()], "the decisions before it");
        // A year after the first, only the second counts; after both, nothing.
        assert_eq!(proposal(&mut org, "2027-01-15").await.unwrap().prior_decision_ids, vec![second.id]);
        assert_eq!(proposal(&mut org, "2027-05-02").await, None);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restrictions_show_the_windows_in_effect_and_honour_exemptions() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let mut org = h.org();
        let admonish =
            record(&mut org, on_cadre(&d.deputy.cadre_id, M::Admonishment, B::OrgDepartment, "2026-03-01"))
                .await
                .unwrap();
        let on = restrictions(&mut org, &d.deputy.cadre_id, "2026-08-31").await;
        assert_eq!(on.restrictions.len(), 1);
        assert!(on.blocks.unwrap().promotion);
        // The window ends on its last day: promotion is possible the next.
        let after = restrictions(&mut org, &d.deputy.cadre_id, "2026-09-01").await;
        assert!(after.restrictions.is_empty());
        assert!(!after.blocks.unwrap().promotion);

        // Many at once, in the order asked; an unknown cadre fails the call, a repeated one is refused.
        let batch = org
            .batch_get_restrictions(pb::BatchGetRestrictionsRequest {
                cadre_ids: vec![d.staff.cadre_id.clone(), d.deputy.cadre_id.clone()],
                as_of: Some(date("2026-06-01")),
            })
            .await
            .unwrap()
            .into_inner()
            .restrictions;
        assert_eq!(batch[0].cadre_id, d.staff.cadre_id);
        assert!(batch[0].restrictions.is_empty());
        assert!(batch[1].blocks.unwrap().promotion);
        let status = org
            .batch_get_restrictions(pb::BatchGetRestrictionsRequest {
                cadre_ids: vec![d.staff.cadre_id.clone(), "no-such-cadre".into()],
                as_of: None,
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "CADRE_NOT_FOUND", None);
        let status = org
            .batch_get_restrictions(pb::BatchGetRestrictionsRequest {
                cadre_ids: vec![d.staff.cadre_id.clone(), d.staff.cadre_id.clone()],
                as_of: None,
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_QUERY", Some("cadre_ids[1]"));
        let status = org
            .get_restrictions(pb::GetRestrictionsRequest { cadre_id: "no-such-cadre".into(), as_of: None })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "CADRE_NOT_FOUND", None);

        // A 容错 review exempts the 诫勉: listed for the record, barring nothing.
        let review = care::ToleranceReview {
            id: "review-1".into(),
            cadre_id: d.deputy.cadre_id.clone(),
            measure_source_id: admonish.id.clone(),
            decision: care::ToleranceDecision::Exempt as i32,
            decided_on: Some(date("2026-05-01")),
            ..Default::default()
        };
        h.care
            .publish("tolerance-reviews/review-1", care::ToleranceReviewDecidedEvent { review: Some(review) })
            .await;
        let mut client = org.clone();
        let cadre = d.deputy.cadre_id.clone();
        eventually("the exemption is honoured", || {
            let (mut client, cadre) = (client.clone(), cadre.clone());
            async move {
                let now = restrictions(&mut client, &cadre, "2026-06-01").await;
                now.restrictions.first().is_some_and(|r| r.exempted) && !now.blocks.unwrap().promotion
            }
        })
        .await;
        let decision = client
            .get_decision(pb::GetDecisionRequest { decision_id: admonish.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .decision
            .unwrap();
        assert!(decision.exempted);
        assert_eq!(decision.tolerance_review_id, "review-1");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dossier_material_is_filed_once_and_statistics_count_by_measure_form_and_body() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let (mut org, mut inspector) = (h.org(), h.inspector());
        let talk =
            record(&mut org, on_cadre(&d.staff.cadre_id, M::ReminderTalk, B::OrgDepartment, "2026-05-01"))
                .await
                .unwrap();
        let admonish =
            record(&mut org, on_cadre(&d.deputy.cadre_id, M::Admonishment, B::OrgDepartment, "2026-05-02"))
                .await
                .unwrap();
        record(
            &mut inspector,
            on_cadre(&d.staff2.cadre_id, M::GovernmentDemerit, B::DisciplineCommission, "2026-05-03"),
        )
        .await
        .unwrap();

        let outstanding = org
            .list_decisions(pb::ListDecisionsRequest { archive_outstanding: true, ..Default::default() })
            .await
            .unwrap()
            .into_inner()
            .decisions;
        assert_eq!(outstanding.len(), 2, "the 诫勉 and the 记过, not the talk");
        let file = |id: &str, day: &str| pb::RecordArchiveFilingRequest {
            request_id: rid(),
            decision_id: id.to_owned(),
            filed_on: Some(date(day)),
        };
        let status = org.record_archive_filing(file(&talk.id, "2026-05-10")).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "ARCHIVE_NOT_REQUIRED", None);
        let status = org.record_archive_filing(file(&admonish.id, "2026-04-30")).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_FILING", Some("filed_on"));
        let filed = org.record_archive_filing(file(&admonish.id, "2026-05-20")).await.unwrap().into_inner();
        assert_eq!(filed.decision.unwrap().archived_on, Some(date("2026-05-20")));
        let status = org.record_archive_filing(file(&admonish.id, "2026-05-21")).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "ARCHIVE_ALREADY_FILED", None);

        let stats = org
            .get_decision_statistics(pb::GetDecisionStatisticsRequest {
                org_unit_id: d.bureau.clone(),
                from_date: Some(date("2026-01-01")),
                to_date: Some(date("2026-12-31")),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(stats.total, 3);
        let count =
            |counts: &[pb::Count], code: &str| counts.iter().find(|c| c.code == code).map_or(0, |c| c.count);
        assert_eq!(count(&stats.by_measure, "ADMONISHMENT"), 1);
        assert_eq!((count(&stats.by_form, "1"), count(&stats.by_form, "2")), (2, 1));
        assert_eq!(count(&stats.by_body, "ORG_DEPARTMENT"), 2);
        // The other bureau's statistics hold none of them.
        let other = org
            .get_decision_statistics(pb::GetDecisionStatisticsRequest {
                org_unit_id: d.other_bureau.clone(),
                from_date: Some(date("2026-01-01")),
                to_date: Some(date("2026-12-31")),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(other.total, 0);
        h.stop().await;
    }
}

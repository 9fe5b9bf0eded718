//! The rewards register and the proposals annual results set off, on both databases: recording rewards for
//! people and collectives, scope, the assessment feed's 优秀 → 嘉奖 and three-year → 记三等功 proposals,
//! their withdrawal by a later revision, confirmation (a reward and a talk trigger) and decline.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::{assessment as apb, care as pb};
use harness::{Client, Harness, assert_error, date, eventually, rid};
use tonic::Code;

fn reward(
    cadre: &str,
    unit: &str,
    kind: pb::RewardKind,
    category: pb::RewardCategory,
) -> pb::RecordRewardRequest {
    pb::RecordRewardRequest {
        request_id: rid(),
        kind: kind as i32,
        category: category as i32,
        cadre_id: cadre.to_owned(),
        org_unit_id: unit.to_owned(),
        level: pb::IssuingLevel::District as i32,
        issuer: "中共锦绣区委 锦绣区人民政府".into(),
        document_number: "锦区委〔2026〕3号".into(),
        basis: "疫情防控工作中表现突出".into(),
        award_date: Some(date("2026-03-01")),
        feeds_promotion_priority: true,
    }
}

fn result_event(
    assessment: &str,
    cadre: &str,
    revision: i32,
    codes: &[&str],
) -> apb::AnnualResultPublishedEvent {
    apb::AnnualResultPublishedEvent {
        result: Some(apb::AnnualResult {
            assessment_id: assessment.to_owned(),
            cadre_id: cadre.to_owned(),
            year: 2025,
            outcome: apb::AnnualOutcome::Excellent as i32,
            published_on: Some(date("2026-01-20")),
            revision,
        }),
        consequences: codes
            .iter()
            .map(|code| apb::Consequence {
                code: (*code).to_owned(),
                applied_by: "care".into(),
                text: format!("{code} text"),
                source: "考核规定 第十九条".into(),
            })
            .collect(),
        org_unit_id: String::new(),
    }
}

async fn proposals(client: &mut Client, state: pb::ProposalState) -> Vec<pb::RewardProposal> {
    client
        .list_reward_proposals(pb::ListRewardProposalsRequest { state: state as i32, ..Default::default() })
        .await
        .expect("the proposals")
        .into_inner()
        .proposals
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rewards_are_recorded_for_people_and_collectives_within_scope() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut org = h.org();

        let person = org
            .record_reward(reward(
                &d.staff.cadre_id,
                "",
                pb::RewardKind::Special,
                pb::RewardCategory::EpidemicPrevention,
            ))
            .await
            .expect("a special reward for a person")
            .into_inner()
            .reward
            .unwrap();
        assert_eq!((person.cadre_name.as_str(), person.org_unit_id.as_str()), ("张科员", d.bureau.as_str()));
        assert!(!person.collective);
        let team = org
            .record_reward(reward(
                "",
                &d.other_bureau,
                pb::RewardKind::HonoraryTitle,
                pb::RewardCategory::Unspecified,
            ))
            .await
            .expect("a title for a collective")
            .into_inner()
            .reward
            .unwrap();
        assert!(team.collective);

        // A special reward needs its category; others refuse one; one recipient exactly.
        let status = org
            .record_reward(reward(
                &d.staff.cadre_id,
                "",
                pb::RewardKind::Special,
                pb::RewardCategory::Unspecified,
            ))
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_REWARD", Some("category"));
        let status = org
            .record_reward(reward(
                &d.staff.cadre_id,
                &d.bureau,
                pb::RewardKind::Commendation,
                pb::RewardCategory::RuralRevitalisation,
            ))
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_REWARD", Some("cadre_id"));
        let mut future =
            reward(&d.staff.cadre_id, "", pb::RewardKind::Commendation, pb::RewardCategory::Unspecified);
        future.award_date = Some(date("2026-03-11"));
        let status = org.record_reward(future).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_REWARD", Some("award_date"));
        assert_eq!(h.count("rewards").await, 2, "nothing half-written");

        // A retry returns the first answer; the same id with another payload is refused.
        let request =
            reward(&d.deputy.cadre_id, "", pb::RewardKind::Commendation, pb::RewardCategory::Unspecified);
        let first = org.record_reward(request.clone()).await.unwrap().into_inner();
        let again = org.record_reward(request.clone()).await.unwrap().into_inner();
        assert_eq!(first, again);
        let mut changed = request;
        changed.basis = "another".into();
        assert_error(
            &org.record_reward(changed).await.unwrap_err(),
            Code::InvalidArgument,
            "REQUEST_ID_REUSED",
            None,
        );
        assert_eq!(h.count("rewards").await, 3);

        // The person sees their own; the other bureau's leader sees the collective only; a unit leader
        // cannot record.
        let mine = h
            .as_cadre(&d.staff)
            .list_rewards(pb::ListRewardsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .rewards;
        assert_eq!(mine.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), vec![person.id.clone()]);
        let theirs = h
            .as_person(&d.outsider, &[Role::UnitLeader])
            .list_rewards(pb::ListRewardsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .rewards;
        assert_eq!(theirs.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), vec![team.id.clone()]);
        let status = h
            .as_cadre(&d.outsider)
            .get_reward(pb::GetRewardRequest { reward_id: person.id.clone() })
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "REWARD_NOT_FOUND", None);
        let status = h
            .as_person(&d.principal, &[Role::UnitLeader])
            .record_reward(reward(
                &d.staff.cadre_id,
                "",
                pb::RewardKind::Commendation,
                pb::RewardCategory::Unspecified,
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);

        // Paging by year and kind.
        let page = org
            .list_rewards(pb::ListRewardsRequest { year: 2026, page_size: 2, ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.rewards.len(), 2);
        let rest = org
            .list_rewards(pb::ListRewardsRequest {
                year: 2026,
                page_size: 2,
                page_token: page.next_page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((rest.rewards.len(), rest.next_page_token.as_str()), (1, ""));
        let events = h.events::<pb::RewardConfirmedEvent>("rank").await;
        assert_eq!(events.len(), 3, "one event per reward recorded");
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn annual_results_propose_rewards_once_and_later_revisions_withdraw_them() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-02-01").await;
        let d = h.district().await;
        let mut org = h.org();

        h.assessment
            .publish("a/1", result_event("asm-1", &d.staff.cadre_id, 1, &["COMMENDATION_PROPOSED"]))
            .await;
        h.assessment
            .publish(
                "a/2",
                result_event(
                    "asm-2",
                    &d.deputy.cadre_id,
                    1,
                    &["COMMENDATION_PROPOSED", "MERIT_THIRD_CLASS_PROPOSED", "TENURE_REDUCED_6_MONTHS"],
                ),
            )
            .await;
        eventually("three proposals", || {
            let mut org = org.clone();
            async move { proposals(&mut org, pb::ProposalState::Pending).await.len() == 3 }
        })
        .await;
        // A replayed revision proposes nothing more.
        h.assessment
            .publish("a/1", result_event("asm-1", &d.staff.cadre_id, 1, &["COMMENDATION_PROPOSED"]))
            .await;
        // A later revision of asm-2 without the merit withdraws that proposal only.
        h.assessment
            .publish("a/2", result_event("asm-2", &d.deputy.cadre_id, 2, &["COMMENDATION_PROPOSED"]))
            .await;
        eventually("the merit withdrawn", || {
            let mut org = org.clone();
            async move { proposals(&mut org, pb::ProposalState::Withdrawn).await.len() == 1 }
        })
        .await;
        let pending = proposals(&mut org, pb::ProposalState::Pending).await;
        assert_eq!(pending.len(), 2, "{pending:?}");
        let withdrawn = proposals(&mut org, pb::ProposalState::Withdrawn).await;
        assert_eq!(withdrawn[0].kind, pb::RewardKind::MeritThirdClass as i32);
        assert_eq!(withdrawn[0].cadre_id, d.deputy.cadre_id);
        assert_eq!(h.count("reward_proposals").await, 3);
        assert_eq!(h.events::<pb::RewardProposedEvent>("hr").await.len(), 3);

        // The person sees their own proposal; another bureau's leader none.
        assert_eq!(proposals(&mut h.as_cadre(&d.staff), pb::ProposalState::Unspecified).await.len(), 1);
        assert!(
            proposals(&mut h.as_person(&d.outsider, &[Role::UnitLeader]), pb::ProposalState::Unspecified)
                .await
                .is_empty()
        );

        // Confirming gives a reward with the document number, and a talk for the person.
        let staff_proposal = pending.iter().find(|p| p.cadre_id == d.staff.cadre_id).unwrap().clone();
        let confirm = pb::ConfirmRewardProposalRequest {
            request_id: rid(),
            proposal_id: staff_proposal.id.clone(),
            document_number: "锦区人社〔2026〕8号".into(),
            award_date: Some(date("2026-01-30")),
            issuer: String::new(),
            feeds_promotion_priority: false,
        };
        let confirmed = org.confirm_reward_proposal(confirm.clone()).await.unwrap().into_inner();
        let given = confirmed.reward.clone().unwrap();
        assert_eq!(given.kind, pb::RewardKind::Commendation as i32);
        assert_eq!(given.issuer, "中共锦绣区委 锦绣区人民政府", "the policy's default issuer");
        assert_eq!(given.proposal_id, staff_proposal.id);
        assert_eq!(confirmed.proposal.unwrap().state, pb::ProposalState::Confirmed as i32);
        assert_eq!(org.confirm_reward_proposal(confirm).await.unwrap().into_inner().reward.unwrap(), given);
        let again = pb::ConfirmRewardProposalRequest {
            request_id: rid(),
            proposal_id: staff_proposal.id.clone(),
            document_number: "x".into(),
            award_date: Some(date("2026-01-30")),
            ..Default::default()
        };
        assert_error(
            &org.confirm_reward_proposal(again).await.unwrap_err(),
            Code::FailedPrecondition,
            "PROPOSAL_NOT_PENDING",
            None,
        );
        let triggers = org
            .list_talk_triggers(pb::ListTalkTriggersRequest::default())
            .await
            .unwrap()
            .into_inner()
            .triggers;
        assert_eq!(triggers.len(), 1);
        assert_eq!(
            (triggers[0].cadre_id.as_str(), triggers[0].kind),
            (d.staff.cadre_id.as_str(), pb::TalkTriggerKind::Reward as i32)
        );
        assert_eq!(triggers[0].due_on, Some(date("2026-03-01")), "30 days after the award");

        // Declining needs a reason; a withdrawn proposal cannot be confirmed.
        let deputy_proposal = pending.iter().find(|p| p.cadre_id == d.deputy.cadre_id).unwrap().clone();
        let status = org
            .decline_reward_proposal(pb::DeclineRewardProposalRequest {
                request_id: rid(),
                proposal_id: deputy_proposal.id.clone(),
                reason: " ".into(),
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_DECLINE", Some("reason"));
        let declined = org
            .decline_reward_proposal(pb::DeclineRewardProposalRequest {
                request_id: rid(),
                proposal_id: deputy_proposal.id,
                reason: "已另行表彰".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .proposal
            .unwrap();
        assert_eq!(declined.state, pb::ProposalState::Declined as i32);
        let status = org
            .confirm_reward_proposal(pb::ConfirmRewardProposalRequest {
                request_id: rid(),
                proposal_id: withdrawn[0].id.clone(),
                document_number: "x".into(),
                award_date: Some(date("2026-01-30")),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "PROPOSAL_NOT_PENDING", None);

        // A 基本称职 result calls for a talk, once per result.
        let mut basic =
            result_event("asm-3", &d.staff2.cadre_id, 1, &["ADMONISHMENT", "NO_PROMOTION_NEXT_YEAR"]);
        basic.result.as_mut().unwrap().outcome = apb::AnnualOutcome::BasicallyCompetent as i32;
        h.assessment.publish("a/3", basic.clone()).await;
        basic.result.as_mut().unwrap().revision = 2;
        h.assessment.publish("a/3", basic).await;
        eventually("a talk for the 基本称职 result", || {
            let mut org = org.clone();
            let who = d.staff2.cadre_id.clone();
            async move {
                org.list_talk_triggers(pb::ListTalkTriggersRequest::default())
                    .await
                    .unwrap()
                    .into_inner()
                    .triggers
                    .iter()
                    .any(|t| t.cadre_id == who && t.kind == pb::TalkTriggerKind::Sanction as i32)
            }
        })
        .await;
        eventually("revision 2 seen", || {
            let h = &h;
            async move {
                h.db.run(|conn| {
                    Ok(cadre_care::store::rewards::followed(conn, "asm-3")?.is_some_and(|f| f.revision == 2))
                })
                .await
                .unwrap()
            }
        })
        .await;
        assert_eq!(h.count("talk_triggers").await, 2);
        h.stop().await;
    }
}

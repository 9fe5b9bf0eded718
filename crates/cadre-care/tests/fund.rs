//! The care fund on both databases: contributions, the approval chain (unit leader, org department, and a
//! committee member above the policy amount), nobody deciding their own application, the yearly limits,
//! the report, and concurrent disbursements whose sum exceeds the balance: exactly the affordable ones
//! succeed, the rest are refused with FUND_BALANCE_INSUFFICIENT, and the balance never goes negative.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::care as pb;
use harness::{Client, Harness, assert_error, date, rid};
use tonic::Code;

async fn contribute(org: &mut Client, fen: i64) -> pb::FundContribution {
    org.record_fund_contribution(pb::RecordFundContributionRequest {
        request_id: rid(),
        source: "区财政".into(),
        amount_fen: fen,
        received_on: Some(date("2026-01-05")),
        document: "区财〔2026〕1号".into(),
    })
    .await
    .expect("a contribution")
    .into_inner()
    .contribution
    .unwrap()
}

async fn apply(client: &mut Client, cadre: &str, fen: i64) -> Result<pb::FundApplication, tonic::Status> {
    client
        .submit_fund_application(pb::SubmitFundApplicationRequest {
            request_id: rid(),
            cadre_id: cadre.to_owned(),
            reason: pb::FundReason::Hardship as i32,
            description: "家庭遭遇变故，生活困难".into(),
            amount_requested_fen: fen,
            evidence_refs: vec!["街道困难证明 2026-12".into()],
        })
        .await
        .map(|r| r.into_inner().application.unwrap())
}

async fn decide(
    client: &mut Client,
    id: &str,
    step: pb::ApprovalStep,
    approved: bool,
) -> Result<pb::FundApplication, tonic::Status> {
    client
        .decide_fund_application(pb::DecideFundApplicationRequest {
            request_id: rid(),
            application_id: id.to_owned(),
            step: step as i32,
            approved,
            comment: if approved { String::new() } else { "不符合条件".into() },
        })
        .await
        .map(|r| r.into_inner().application.unwrap())
}

async fn disburse(
    client: &mut Client,
    id: &str,
) -> Result<pb::DisburseFundApplicationResponse, tonic::Status> {
    client
        .disburse_fund_application(pb::DisburseFundApplicationRequest {
            request_id: rid(),
            application_id: id.to_owned(),
            disbursed_on: Some(date("2026-03-10")),
        })
        .await
        .map(|r| r.into_inner())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn applications_pass_their_chain_and_the_limits_before_money_leaves() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        let mut org = h.org();
        let mut leader = h.as_person(&d.principal, &[Role::UnitLeader]);
        let mut committee = h.committee();
        assert_eq!(contribute(&mut org, 5_000_000).await.balance_after_fen, 5_000_000);

        // A cadre applies only for themself; their unit for them.
        let status = apply(&mut h.as_cadre(&d.staff), &d.staff2.cadre_id, 100_000).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "APPLY_FOR_SELF_ONLY", None);
        let small = apply(&mut h.as_cadre(&d.staff), &d.staff.cadre_id, 300_000).await.unwrap();
        assert_eq!(
            small.steps,
            vec![pb::ApprovalStep::UnitLeader as i32, pb::ApprovalStep::OrgDepartment as i32]
        );
        assert_eq!(small.current_step, pb::ApprovalStep::UnitLeader as i32);
        let mut keeper = h.as_person(&d.staff2, &[Role::UnitHrOfficer]);
        let large = apply(&mut keeper, &d.deputy.cadre_id, 1_500_000).await.unwrap();
        assert_eq!(large.steps.last(), Some(&(pb::ApprovalStep::Committee as i32)), "above 10,000 yuan");
        let status = apply(&mut org, &d.staff2.cadre_id, 2_000_001).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "FUND_LIMIT_EXCEEDED", None);
        let status = apply(&mut org, &d.staff2.cadre_id, 0).await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_APPLICATION", Some("amount_requested_fen"));
        let status = apply(&mut h.as_person(&d.outsider, &[Role::UnitLeader]), &d.staff.cadre_id, 100)
            .await
            .unwrap_err();
        assert_error(&status, Code::NotFound, "CADRE_NOT_FOUND", None);

        // Steps in order, by the role of the step, never one's own.
        let status = decide(&mut org, &small.id, pb::ApprovalStep::OrgDepartment, true).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "WRONG_APPROVAL_STEP", None);
        let status = decide(&mut org, &small.id, pb::ApprovalStep::UnitLeader, true).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "STEP_NOT_YOURS", None);
        let status = disburse(&mut org, &small.id).await.unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "APPLICATION_NOT_APPROVED", None);
        let own = apply(&mut leader, &d.principal.cadre_id, 100_000).await.unwrap();
        let status = decide(&mut leader, &own.id, pb::ApprovalStep::UnitLeader, true).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "OWN_APPLICATION", None);
        // Nor one they submitted for someone else.
        let submitted = apply(&mut leader, &d.staff2.cadre_id, 100_000).await.unwrap();
        let status =
            decide(&mut leader, &submitted.id, pb::ApprovalStep::UnitLeader, true).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "OWN_APPLICATION", None);

        // Applications say why someone needs help: every read is in the audit trail.
        let audited = h.count("audit_log").await;
        let read = org
            .get_fund_application(pb::GetFundApplicationRequest { application_id: small.id.clone() })
            .await
            .unwrap()
            .into_inner()
            .application
            .unwrap();
        assert_eq!(read.description, small.description);
        assert_eq!(h.count("audit_log").await, audited + 1, "GetFundApplication is audited");
        let listed = org
            .list_fund_applications(pb::ListFundApplicationsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .applications;
        assert!(listed.iter().any(|a| a.id == small.id));
        assert_eq!(h.count("audit_log").await, audited + 2, "ListFundApplications is audited");
        let status = decide(
            &mut h.as_person(&d.outsider, &[Role::UnitLeader]),
            &small.id,
            pb::ApprovalStep::UnitLeader,
            true,
        )
        .await
        .unwrap_err();
        assert_error(&status, Code::NotFound, "APPLICATION_NOT_FOUND", None);
        decide(&mut leader, &small.id, pb::ApprovalStep::UnitLeader, true).await.unwrap();
        let approved = decide(&mut org, &small.id, pb::ApprovalStep::OrgDepartment, true).await.unwrap();
        assert_eq!(approved.state, pb::ApplicationState::Approved as i32);
        assert_eq!(approved.decisions.len(), 2);

        decide(&mut leader, &large.id, pb::ApprovalStep::UnitLeader, true).await.unwrap();
        decide(&mut org, &large.id, pb::ApprovalStep::OrgDepartment, true).await.unwrap();
        assert_eq!(
            decide(&mut org, &large.id, pb::ApprovalStep::OrgDepartment, true).await.unwrap_err().code(),
            Code::FailedPrecondition
        );
        let status = decide(&mut committee, &large.id, pb::ApprovalStep::Committee, false).await;
        assert_eq!(status.unwrap().state, pb::ApplicationState::Rejected as i32);

        let paid = disburse(&mut org, &small.id).await.unwrap();
        assert_eq!(paid.balance_after_fen, 4_700_000);
        assert_eq!(paid.application.unwrap().state, pb::ApplicationState::Disbursed as i32);
        assert_error(
            &disburse(&mut org, &small.id).await.unwrap_err(),
            Code::FailedPrecondition,
            "APPLICATION_NOT_APPROVED",
            None,
        );

        // The yearly limits count what was paid: 2 disbursements and 20,000 yuan per person.
        let (leader_for, org_for, committee_for, keeper_for) =
            (leader.clone(), org.clone(), committee.clone(), keeper.clone());
        let approved_for = |fen| {
            let (mut h_leader, mut h_org, mut h_committee, mut h_keeper) =
                (leader_for.clone(), org_for.clone(), committee_for.clone(), keeper_for.clone());
            let who = d.staff.cadre_id.clone();
            async move {
                // Submitted by the unit's records keeper: no approver decides what they submitted.
                let a = apply(&mut h_keeper, &who, fen).await.unwrap();
                decide(&mut h_leader, &a.id, pb::ApprovalStep::UnitLeader, true).await.unwrap();
                let a = decide(&mut h_org, &a.id, pb::ApprovalStep::OrgDepartment, true).await.unwrap();
                if a.state == pb::ApplicationState::Pending as i32 {
                    decide(&mut h_committee, &a.id, pb::ApprovalStep::Committee, true).await.unwrap();
                }
                a.id
            }
        };
        let too_much = approved_for(1_800_000).await;
        assert_error(
            &disburse(&mut org, &too_much).await.unwrap_err(),
            Code::FailedPrecondition,
            "FUND_LIMIT_EXCEEDED",
            None,
        );
        let second = approved_for(200_000).await;
        disburse(&mut org, &second).await.unwrap();
        let third = approved_for(100).await;
        assert_error(
            &disburse(&mut org, &third).await.unwrap_err(),
            Code::FailedPrecondition,
            "FUND_LIMIT_EXCEEDED",
            None,
        );

        // The report: contributions, disbursements by reason and unit, the balance.
        let report = org
            .get_fund_report(pb::GetFundReportRequest { year: 2026, org_unit_id: String::new() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((report.contributed_fen, report.contributions), (5_000_000, 1));
        assert_eq!(report.disbursed_fen, 500_000);
        assert_eq!(report.balance_fen, 4_500_000);
        assert_eq!(report.by_reason.len(), 1);
        assert_eq!(report.by_reason[0].count, 2);
        assert_eq!(report.by_unit.len(), 1);
        assert_eq!(
            (report.by_unit[0].org_unit_name.as_str(), report.by_unit[0].amount_fen),
            ("区财政局", 500_000)
        );
        let other = org
            .get_fund_report(pb::GetFundReportRequest { year: 2026, org_unit_id: d.other_bureau.clone() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(other.disbursed_fen, 0);
        let events = h.events::<pb::FundDisbursedEvent>("hr").await;
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].balance_after_fen, 4_500_000);
        h.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_disbursements_never_take_the_balance_below_zero() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-03-10").await;
        let d = h.district().await;
        // One person, many payments: the count limit is lifted so that only the balance decides.
        h.set_policy("care.fund.person_year_limit_count", "2026-01-01", "100").await;
        h.set_policy("care.fund.unit_leader_step", "2026-01-01", "0").await;
        let mut org = h.org();
        let mut keeper = h.as_person(&d.staff2, &[Role::UnitHrOfficer]);
        contribute(&mut org, 10_000).await;
        let mut ids = Vec::new();
        for _ in 0..12 {
            let a = apply(&mut keeper, &d.staff.cadre_id, 3_000).await.unwrap();
            assert_eq!(a.steps, vec![pb::ApprovalStep::OrgDepartment as i32], "the policy's chain");
            decide(&mut org, &a.id, pb::ApprovalStep::OrgDepartment, true).await.unwrap();
            ids.push(a.id);
        }
        let runs: Vec<_> = ids
            .iter()
            .map(|id| {
                let (mut org, id) = (org.clone(), id.clone());
                tokio::spawn(async move { disburse(&mut org, &id).await })
            })
            .collect();
        let (mut paid, mut refused) = (0, 0);
        for run in runs {
            match run.await.unwrap() {
                Ok(response) => {
                    assert!(response.balance_after_fen >= 0);
                    paid += 1;
                }
                Err(status) => {
                    assert_error(&status, Code::FailedPrecondition, "FUND_BALANCE_INSUFFICIENT", None);
                    refused += 1;
                }
            }
        }
        assert_eq!((paid, refused), (3, 9), "{}", h.backend);
        let report = org
            .get_fund_report(pb::GetFundReportRequest { year: 2026, org_unit_id: String::new() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((report.balance_fen, report.disbursed_fen), (1_000, 9_000));
        assert_eq!(h.count("fund_ledger").await, 4);
        let disbursed = org
            .list_fund_applications(pb::ListFundApplicationsRequest {
                state: pb::ApplicationState::Disbursed as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .applications;
        assert_eq!(disbursed.len(), 3);
        h.stop().await;
    }
}

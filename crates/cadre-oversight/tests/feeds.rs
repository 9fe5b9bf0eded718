//! The leave service's overdue cases become findings by themselves, on both databases: once per case
//! whatever the redeliveries, a grave one when 旷工 passes the threshold, and with the escalation the ladder
//! proposes for someone already reminded.

mod harness;

use cadre_platform::testing::TestDatabase;
use cadre_proto::{
    leave::{AbsenteeismThresholdReachedEvent, LeaveOverdueEvent, OverdueCase, OverdueState},
    oversight as pb,
};
use harness::{Client, Harness, Person, date, eventually, rid};

fn case(id: &str, who: &Person, state: OverdueState) -> OverdueCase {
    OverdueCase {
        id: id.to_owned(),
        leave_request_id: format!("leave-{id}"),
        cadre_id: who.cadre_id.clone(),
        cadre_name: who.name.clone(),
        org_unit_id: who.unit_id.clone(),
        due_back_date: Some(date("2026-05-06")),
        state: state as i32,
        absent_days: 16,
        consecutive_days: 16,
        year_days: 16,
        // 17:30 UTC on the 27th is already the 28th in the district.
        update_time: Some(cadre_platform::clock::to_timestamp(
            chrono::NaiveDateTime::parse_from_str("2026-05-27 17:30:00", "%Y-%m-%d %H:%M:%S").unwrap(),
        )),
        ..Default::default()
    }
}

async fn findings_of(client: &mut Client, cadre: &str) -> Vec<pb::Finding> {
    client
        .list_findings(pb::ListFindingsRequest { cadre_id: cadre.to_owned(), ..Default::default() })
        .await
        .unwrap()
        .into_inner()
        .findings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_overdue_leave_becomes_one_finding_and_a_threshold_a_grave_one() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-06-01").await;
        let d = h.district().await;
        let mut org = h.org();
        let overdue = LeaveOverdueEvent {
            overdue_case: Some(case("c1", &d.staff, OverdueState::Open)),
            approver_cadre_ids: vec![],
        };
        // The same case delivered twice (a redelivery, or a second event about it): one finding.
        h.leave_events.publish("overdue-cases/c1", overdue.clone()).await;
        h.leave_events.publish("overdue-cases/c1", overdue).await;
        let (mut client, cadre) = (org.clone(), d.staff.cadre_id.clone());
        eventually("the overdue leave is a finding", || {
            let (mut client, cadre) = (client.clone(), cadre.clone());
            async move { !findings_of(&mut client, &cadre).await.is_empty() }
        })
        .await;
        let threshold = AbsenteeismThresholdReachedEvent {
            overdue_case: Some(case("c1", &d.staff, OverdueState::DismissalProposed)),
        };
        h.leave_events.publish("overdue-cases/c1", threshold).await;
        eventually("the threshold is a second finding", || {
            let (mut client, cadre) = (client.clone(), cadre.clone());
            async move { findings_of(&mut client, &cadre).await.len() == 2 }
        })
        .await;
        let findings = findings_of(&mut client, &cadre).await;
        let overdue =
            findings.iter().find(|f| f.category == pb::FindingCategory::LeaveOverdue as i32).unwrap();
        assert_eq!(overdue.severity, pb::Severity::Minor as i32);
        assert_eq!(overdue.source, pb::FindingSource::Leave as i32);
        assert_eq!(overdue.org_unit_id, d.bureau);
        assert_eq!(overdue.found_on, Some(date("2026-05-06")));
        assert_eq!(overdue.escalation, None, "a first offence");
        let grave = findings.iter().find(|f| f.category == pb::FindingCategory::Absenteeism as i32).unwrap();
        assert_eq!(grave.severity, pb::Severity::Grave as i32);
        assert_eq!(grave.found_on, Some(date("2026-05-28")), "the day the sweep counted past the threshold");
        assert!(grave.description.contains("16"), "{}", grave.description);
        // Each finding went out on the oversight feed once.
        let published = h.events::<pb::FindingRecordedEvent>("rank").await;
        assert_eq!(published.len(), 2);

        // Reminded once, overdue again: the second finding carries the proposal of the next step.
        org.record_decision(pb::RecordDecisionRequest {
            request_id: rid(),
            cadre_id: d.staff.cadre_id.clone(),
            measure: pb::AccountabilityMeasure::ReminderTalk as i32,
            deciding_body: pb::DecidingBody::OrgDepartment as i32,
            decided_on: Some(date("2026-05-10")),
            finding_ids: vec![overdue.id.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
        let mut again = case("c2", &d.staff, OverdueState::Open);
        again.due_back_date = Some(date("2026-05-25"));
        h.leave_events
            .publish(
                "overdue-cases/c2",
                LeaveOverdueEvent { overdue_case: Some(again), approver_cadre_ids: vec![] },
            )
            .await;
        eventually("the repeat is a finding", || {
            let (mut client, cadre) = (client.clone(), cadre.clone());
            async move { findings_of(&mut client, &cadre).await.len() == 3 }
        })
        .await;
        let repeat = findings_of(&mut client, &cadre)
            .await
            .into_iter()
            .find(|f| f.source_ref == "overdue:c2")
            .unwrap();
        let escalation = repeat.escalation.unwrap();
        assert_eq!(escalation.proposed_measure, pb::AccountabilityMeasure::Criticism as i32);
        assert_eq!(escalation.prior_decision_ids.len(), 1);

        // A case about someone the projection does not know still lands, under the unit the case names.
        let mut stranger = case("c3", &d.staff2, OverdueState::Open);
        stranger.cadre_id = "not-in-the-directory".into();
        h.leave_events
            .publish(
                "overdue-cases/c3",
                LeaveOverdueEvent { overdue_case: Some(stranger), approver_cadre_ids: vec![] },
            )
            .await;
        let unit = d.bureau.clone();
        eventually("the stranger's finding", || {
            let mut client = client.clone();
            let unit = unit.clone();
            async move {
                client
                    .list_findings(pb::ListFindingsRequest { org_unit_id: unit, ..Default::default() })
                    .await
                    .unwrap()
                    .into_inner()
                    .findings
                    .iter()
                    .any(|f| f.source_ref == "overdue:c3")
            }
        })
        .await;
        h.stop().await;
    }
}

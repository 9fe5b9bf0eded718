//! Talks on both databases: the obligations derived from the directory's leadership team and the recorded
//! charges, talk records readable only by their parties and the org department (TALK_RECORD_RESTRICTED,
//! audited), triggers from the rank feed and from HR, closing a trigger, and the overdue list.

mod harness;

use cadre_platform::{auth::Role, testing::TestDatabase};
use cadre_proto::{care as pb, rank as rpb};
use harness::{Client, Harness, assert_error, date, eventually, rid};
use tonic::Code;

async fn talk(
    client: &mut Client,
    parties: &[&str],
    on: &str,
    trigger: &str,
) -> Result<pb::Talk, tonic::Status> {
    client
        .record_talk(pb::RecordTalkRequest {
            request_id: rid(),
            party_ids: parties.iter().map(|p| (*p).to_owned()).collect(),
            held_on: Some(date(on)),
            kind: pb::TalkKind::TeamPeer as i32,
            summary: "交流近期思想和工作情况".into(),
            follow_ups: vec!["下月再谈".into()],
            trigger_id: trigger.to_owned(),
        })
        .await
        .map(|r| r.into_inner().talk.unwrap())
}

async fn overdue(client: &mut Client, unit: &str) -> Vec<pb::OverdueTalk> {
    client
        .list_overdue_talks(pb::ListOverdueTalksRequest { org_unit_id: unit.to_owned() })
        .await
        .expect("the overdue talks")
        .into_inner()
        .overdue
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn talks_meet_obligations_and_are_read_only_by_their_parties() {
    for database in TestDatabase::each() {
        let mut h = Harness::start(database, "2026-05-15").await;
        let d = h.district().await;
        let mut org = h.org();
        let mut principal = h.as_person(&d.principal, &[Role::UnitLeader]);

        // Three team members: three pairs each quarter, the principal with two members twice a year.
        let before = overdue(&mut org, &d.bureau).await;
        let count = |list: &[pb::OverdueTalk], kind: pb::TalkKind| {
            list.iter().filter(|o| o.kind == kind as i32).count()
        };
        assert_eq!(count(&before, pb::TalkKind::TeamPeer), 3);
        assert_eq!(count(&before, pb::TalkKind::PrincipalWithMember), 2);
        assert_eq!(count(&before, pb::TalkKind::LeaderWithCharge), 0, "no charge is assumed");

        // Charges are recorded explicitly, for leaders only.
        let charge = org
            .set_leader_charges(pb::SetLeaderChargesRequest {
                request_id: rid(),
                leader_id: d.deputy.cadre_id.clone(),
                cadre_ids: vec![d.staff.cadre_id.clone(), d.staff2.cadre_id.clone()],
            })
            .await
            .unwrap()
            .into_inner()
            .charge
            .unwrap();
        assert_eq!(charge.cadre_ids.len(), 2);
        let status = org
            .set_leader_charges(pb::SetLeaderChargesRequest {
                request_id: rid(),
                leader_id: d.staff.cadre_id.clone(),
                cadre_ids: vec![d.staff2.cadre_id.clone()],
            })
            .await
            .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "NOT_A_LEADER", None);

        // The principal records a talk with a deputy: both the peer and the principal obligation count it.
        let held = talk(&mut principal, &[&d.principal.cadre_id, &d.deputy.cadre_id], "2026-04-10", "")
            .await
            .unwrap();
        let status = talk(&mut principal, &[&d.deputy.cadre_id, &d.deputy2.cadre_id], "2026-04-10", "")
            .await
            .unwrap_err();
        assert_error(&status, Code::PermissionDenied, "NOT_A_PARTY", None);
        let status = talk(&mut principal, &[&d.principal.cadre_id], "2026-04-10", "").await.unwrap_err();
        assert_error(&status, Code::InvalidArgument, "INVALID_TALK", Some("party_ids"));
        let after = overdue(&mut org, &d.bureau).await;
        assert_eq!(count(&after, pb::TalkKind::TeamPeer), 2);
        assert_eq!(count(&after, pb::TalkKind::LeaderWithCharge), 2);
        let principal_deputy = after
            .iter()
            .find(|o| o.kind == pb::TalkKind::PrincipalWithMember as i32 && o.other_id == d.deputy.cadre_id)
            .unwrap();
        assert_eq!((principal_deputy.required, principal_deputy.held), (2, 1));
        assert_eq!(principal_deputy.due_on, Some(date("2026-12-31")));

        // Only the parties and the org department read the talk; anyone else is refused, and audited.
        let read = |mut client: Client, id: String| async move {
            client.get_talk(pb::GetTalkRequest { talk_id: id }).await.map(|r| r.into_inner().talk.unwrap())
        };
        assert_eq!(read(h.as_cadre(&d.deputy), held.id.clone()).await.unwrap().summary, held.summary);
        assert_eq!(read(org.clone(), held.id.clone()).await.unwrap().id, held.id);
        let refused = h.count("audit_log").await;
        let status = read(h.as_person(&d.deputy2, &[Role::UnitLeader]), held.id.clone()).await.unwrap_err();
        assert_error(&status, Code::PermissionDenied, "TALK_RECORD_RESTRICTED", None);
        assert!(!status.message().contains(&held.summary), "the refusal carries no content");
        assert_eq!(h.count("audit_log").await, refused + 1, "the refusal is in the audit trail");
        let status = read(org.clone(), "nope".into()).await.unwrap_err();
        assert_error(&status, Code::NotFound, "TALK_NOT_FOUND", None);
        // Outside the reader's scope, the talk answers like an absent one.
        let status = read(h.as_person(&d.outsider, &[Role::UnitLeader]), held.id.clone()).await.unwrap_err();
        assert_error(&status, Code::NotFound, "TALK_NOT_FOUND", None);
        let mine = h
            .as_cadre(&d.deputy)
            .list_talks(pb::ListTalksRequest::default())
            .await
            .unwrap()
            .into_inner()
            .talks;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].id, held.id);
        assert!(
            mine[0].summary.is_empty() && mine[0].follow_ups.is_empty(),
            "a list carries no content: GetTalk, audited, does"
        );
        assert!(
            h.as_cadre(&d.staff)
                .list_talks(pb::ListTalksRequest::default())
                .await
                .unwrap()
                .into_inner()
                .talks
                .is_empty()
        );
        let status = h
            .as_cadre(&d.staff)
            .list_talks(pb::ListTalksRequest { cadre_id: d.deputy.cadre_id.clone(), ..Default::default() })
            .await
            .unwrap_err();
        assert_error(&status, Code::PermissionDenied, "TALK_RECORD_RESTRICTED", None);
        let event = h.events::<pb::TalkRecordedEvent>("hr").await;
        assert_eq!(event.len(), 1);
        assert_eq!(event[0].party_ids.len(), 2);

        // A promotion on the rank feed calls for a talk; HR records a retirement; both fall due.
        h.rank
            .publish(
                "rank-cases/c1",
                rpb::RankChangedEvent {
                    rank_case: Some(rpb::RankCase {
                        id: "c1".into(),
                        kind: rpb::CaseKind::Promotion as i32,
                        cadre_id: d.staff.cadre_id.clone(),
                        effective_date: Some(date("2026-05-01")),
                        ..Default::default()
                    }),
                    holding: None,
                },
            )
            .await;
        let retirement = h
            .hr_system()
            .record_talk_trigger(pb::RecordTalkTriggerRequest {
                request_id: rid(),
                cadre_id: d.staff2.cadre_id.clone(),
                kind: pb::TalkTriggerKind::Retirement as i32,
                occurred_on: Some(date("2026-05-10")),
                source_ref: "HR-2026-033".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .trigger
            .unwrap();
        assert_eq!(retirement.due_on, Some(date("2026-06-09")));
        let triggers = |mut org: Client, filter: pb::TriggerFilter| async move {
            org.list_talk_triggers(pb::ListTalkTriggersRequest {
                filter: filter as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .triggers
        };
        eventually("the promotion's talk", || {
            let org = org.clone();
            async move { triggers(org, pb::TriggerFilter::Open).await.len() == 2 }
        })
        .await;
        assert_eq!(
            h.count("audit_log WHERE method = 'follow/rank'").await,
            1,
            "the rank feed's trigger is in the audit trail"
        );
        let promotion = triggers(org.clone(), pb::TriggerFilter::Open)
            .await
            .into_iter()
            .find(|t| t.kind == pb::TalkTriggerKind::Promotion as i32)
            .unwrap();
        assert_eq!(promotion.due_on, Some(date("2026-05-31")));
        h.set_today("2026-06-05");
        let late = overdue(&mut org, &d.bureau).await;
        let late_triggers: Vec<_> =
            late.iter().filter(|o| o.kind == pb::TalkKind::Triggered as i32).collect();
        assert_eq!(late_triggers.len(), 1);
        assert_eq!(late_triggers[0].trigger_id, promotion.id);

        // The deputy in charge talks with the promoted cadre, closing the trigger.
        let mut deputy = h.as_person(&d.deputy, &[Role::UnitLeader]);
        let closing =
            talk(&mut deputy, &[&d.deputy.cadre_id, &d.staff.cadre_id], "2026-06-04", &promotion.id)
                .await
                .unwrap();
        assert_eq!(closing.trigger_id, promotion.id);
        let status = talk(&mut deputy, &[&d.deputy.cadre_id, &d.staff.cadre_id], "2026-06-04", &promotion.id)
            .await
            .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "TRIGGER_CLOSED", None);
        let status =
            talk(&mut deputy, &[&d.deputy.cadre_id, &d.deputy2.cadre_id], "2026-06-04", &retirement.id)
                .await
                .unwrap_err();
        assert_error(&status, Code::FailedPrecondition, "TRIGGER_NOT_A_PARTY", None);
        let now = overdue(&mut org, &d.bureau).await;
        assert_eq!(count(&now, pb::TalkKind::Triggered), 0);
        assert_eq!(count(&now, pb::TalkKind::LeaderWithCharge), 1, "the charge talk counted too");
        assert!(overdue(&mut h.as_person(&d.outsider, &[Role::UnitLeader]), "").await.is_empty());
        h.stop().await;
    }
}

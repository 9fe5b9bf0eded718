//! The authorization matrix: every RPC behind the gateway × every role × an object inside and an object
//! outside the scope of the role's demo account, called through the gateway as that account, checked
//! against the table in `tests/authz-matrix.txt`: the directory, identity, leave, rank, assessment, care,
//! forum and oversight services and the event feed of each (239 rows).
//!
//! The RPCs are enumerated from the descriptor set, so a new RPC without a row (or without a request in
//! [`request`]) fails this test. After a deliberate change of rules, regenerate the table with
//! `CADRE_BLESS_MATRIX=1 cargo nextest run -p cadre-e2e --test authz_matrix` and review its diff like code.
//!
//! Cells read `inside/outside`, as the status the caller got: `ok`, `nf` (NOT_FOUND: out of scope answers
//! like absent), `pd` (PERMISSION_DENIED), `ua` (UNAUTHENTICATED), `fp` (FAILED_PRECONDITION), `ia`
//! (INVALID_ARGUMENT), and so on (see [`short`]).
//!
//! Every cell must come out the same on every run, whatever ran before it. So a request either leaves its
//! object as it found it (a read, a write of the same value, a step the rules refuse after the access
//! check: a closed cycle, a leave not yet started), or, where a caller's call succeeds and changes the
//! object, that caller gets an object of its own ([`Fixture::object`]) and the others share one that no
//! call of theirs changes.

mod common;

use std::{collections::BTreeMap, fmt::Write as _, sync::atomic::Ordering, time::Duration};

use cadre_proto::{
    directory::{self as pb, directory_service_client::DirectoryServiceClient},
    events::{WatchRequest, event_feed_service_client::EventFeedServiceClient},
};
use chrono::{Datelike, Duration as Days, NaiveDate};
use common::{Running, with_token};
use prost::Message as _;
use serde_json::{Value, json};
use tonic::Code;

/// The roles, in column order, and the demo account that plays each.
const ROLES: &[(&str, &str)] = &[
    ("cadre", "cadre.t01"),
    ("unit_leader", "leader.t01"),
    ("unit_hr_officer", "hr.t01"),
    ("town_officer", "town.t01"),
    ("org_officer", "orgofficer"),
    ("committee_member", "committee"),
    ("discipline_inspector", "inspector"),
    ("system_admin", "sysadmin"),
    ("security_admin", "secadmin"),
    ("audit_admin", "auditadmin"),
    ("hr_system", "hr-system"),
    ("discipline_system", "discipline-system"),
];

/// Services whose every method belongs in the matrix; the event feed is served by each of `SOURCES`.
const SERVICES: &[&str] = &[
    "cadre.directory.v1.DirectoryService",
    "cadre.identity.v1.IdentityService",
    "cadre.leave.v1.LeaveService",
    "cadre.rank.v1.RankService",
    "cadre.assessment.v1.AssessmentService",
    "cadre.care.v1.CareService",
    "cadre.forum.v1.ForumService",
    "cadre.oversight.v1.OversightService",
];
const FEED: &str = "cadre.events.v1.EventFeedService";
const SOURCES: &[&str] =
    &["directory", "identity", "leave", "rank", "assessment", "care", "forum", "oversight"];

const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/authz-matrix.txt");

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Side {
    Inside,
    Outside,
}

const SIDES: [Side; 2] = [Side::Inside, Side::Outside];

const DIRECTORY: &str = "cadre.directory.v1.DirectoryService";
const LEAVE: &str = "cadre.leave.v1.LeaveService";
const RANK: &str = "cadre.rank.v1.RankService";
const ASSESSMENT: &str = "cadre.assessment.v1.AssessmentService";
const CARE: &str = "cadre.care.v1.CareService";
const FORUM: &str = "cadre.forum.v1.ForumService";
const OVERSIGHT: &str = "cadre.oversight.v1.OversightService";

/// The accounts the forum's access table lets organise (propose, decide, hold sessions): each gets objects
/// of its own for the calls that may succeed and change them.
const FORUM_ORGANISERS: &[&str] = &["leader.t01", "hr.t01", "town.t01", "orgofficer"];

// The accounts the oversight service's access table lets change a record, by what they do to it: each
// gets objects of its own, on both sides alike (where its scope does not reach, the object is never used).
/// Close inspections.
const OVERSIGHT_CLOSERS: &[&str] = &["town.t01", "orgofficer", "committee", "inspector"];
/// Dismiss findings, sign off tasks, decide extensions.
const OVERSIGHT_SUPERVISORS: &[&str] = &["town.t01", "orgofficer", "inspector"];
/// Report tasks done and ask for extensions: the owner unit's side.
const OVERSIGHT_TASK_OWNERS: &[&str] = &["leader.t01", "hr.t01", "town.t01"];
/// File 档案 material.
const OVERSIGHT_ARCHIVISTS: &[&str] = &["orgofficer", "hr-system"];
/// Issue circulars.
const OVERSIGHT_ISSUERS: &[&str] = &["orgofficer", "committee", "inspector"];
/// Answer integrity opinions.
const OVERSIGHT_ANSWERERS: &[&str] = &["inspector", "discipline-system"];

/// The demo district's objects the requests name: inside is in T01, where the scoped accounts work;
/// outside is in U01.
struct Fixture {
    today: NaiveDate,
    unit_in: String,
    unit_out: String,
    village_in: String,
    cadre_in: Value,
    cadre_out: Value,
    accounts: BTreeMap<String, String>,
    /// Objects by what they are for and side, shared by every caller but those in `own`.
    shared: BTreeMap<(&'static str, Side), Value>,
    /// Objects of the callers whose call succeeds and changes its object, by purpose, side and caller.
    own: BTreeMap<(&'static str, Side, String), Value>,
}

impl Fixture {
    async fn load(suite: &Running) -> Self {
        let org = suite.token("orgofficer");
        let sec = suite.token("secadmin");
        let roots = suite.ok(&org, &format!("{DIRECTORY}/ListOrgUnits"), "{}").await;
        let below_root = json!({"ancestorId": roots["orgUnits"][0]["id"], "pageSize": 1000}).to_string();
        let all = suite.ok(&org, &format!("{DIRECTORY}/ListOrgUnits"), &below_root).await;
        let units = all["orgUnits"].as_array().unwrap();
        let unit = |code: &str| {
            units.iter().find(|u| u["code"] == code).cloned().unwrap_or_else(|| panic!("no unit {code}"))
        };
        let (unit_in, unit_out) = (unit("T01"), unit("U01"));
        let village_in = units
            .iter()
            .find(|u| u["parentId"] == unit_in["id"])
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .expect("a village under T01");
        let listed = suite.ok(&sec, &format!("{DIRECTORY}/ListAccounts"), r#"{"pageSize":100}"#).await;
        let accounts: BTreeMap<String, (String, String)> = listed["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let cadre = a["cadreId"].as_str().unwrap_or_default().to_owned();
                (a["username"].as_str().unwrap().to_owned(), (a["id"].as_str().unwrap().to_owned(), cadre))
            })
            .collect();
        let cadre = |username: &str| {
            let id = accounts[username].1.clone();
            let org = org.clone();
            async move {
                let body = json!({ "id": id }).to_string();
                suite.ok(&org, &format!("{DIRECTORY}/GetCadre"), &body).await["cadre"].clone()
            }
        };
        let people: BTreeMap<String, String> = accounts
            .iter()
            .filter(|(_, (_, cadre))| !cadre.is_empty())
            .map(|(name, (_, cadre))| (cadre.clone(), name.clone()))
            .collect();
        let mut fixture = Self {
            today: suite.today(),
            unit_in: unit_in["id"].as_str().unwrap().to_owned(),
            unit_out: unit_out["id"].as_str().unwrap().to_owned(),
            village_in,
            cadre_in: cadre("cadre.t01").await,
            cadre_out: cadre("cadre.u01").await,
            accounts: accounts.into_iter().map(|(name, (id, _))| (name, id)).collect(),
            shared: BTreeMap::new(),
            own: BTreeMap::new(),
        };
        // Assessment first: its cycles enrol the people the directory has now, before the cadres below.
        fixture.load_assessment(suite, &people).await;
        fixture.load_leave(suite, &people).await;
        fixture.load_rank(suite).await;
        fixture.load_forum(suite, &org_units(suite).await).await;
        fixture.load_care(suite, &people).await;
        fixture.load_oversight(suite).await;
        fixture
    }

    fn unit(&self, side: Side) -> &str {
        if side == Side::Inside { &self.unit_in } else { &self.unit_out }
    }

    fn cadre(&self, side: Side) -> &Value {
        if side == Side::Inside { &self.cadre_in } else { &self.cadre_out }
    }

    /// Inside is the caller's own account; outside another person's.
    fn account(&self, side: Side, caller: &str) -> &str {
        let name = if side == Side::Inside { caller } else { "cadre.u01" };
        &self.accounts[name]
    }

    /// The object `purpose` on `side` that `caller` acts on: their own, or the shared one.
    fn object(&self, purpose: &'static str, side: Side, caller: &str) -> &Value {
        self.own
            .get(&(purpose, side, caller.to_owned()))
            .or_else(|| self.shared.get(&(purpose, side)))
            .unwrap_or_else(|| panic!("no {purpose} {side:?} in the fixture"))
    }

    fn id(&self, purpose: &'static str, side: Side, caller: &str) -> &str {
        self.object(purpose, side, caller)["id"].as_str().unwrap()
    }

    /// Keeps `object` for `purpose`; a purpose kept twice for the same side and owner is a mistake (two
    /// services' loaders naming their objects alike), which would silently change the other's cells.
    fn keep(&mut self, purpose: &'static str, side: Side, owner: Option<&str>, object: Value) {
        let previous = match owner {
            None => self.shared.insert((purpose, side), object),
            Some(caller) => self.own.insert((purpose, side, caller.to_owned()), object),
        };
        assert!(previous.is_none(), "{purpose} {side:?} of {owner:?} kept twice in the fixture");
    }

    /// Leave: for each side's cadre, one-working-day personal leave in every state the requests need, on
    /// days of their own (two working days apart, so that an extension to the next working day fits), and
    /// a travel filing; for a cadre made for them, long sick leave at the 区委 step and awaiting filing.
    /// `people` names the account of each cadre that has one: who decides a step assigned to them.
    async fn load_leave(&mut self, suite: &Running, people: &BTreeMap<String, String>) {
        let org = suite.token("orgofficer");
        let today = self.today;
        let add = |from: NaiveDate, working_days: u32| {
            let org = org.clone();
            async move {
                let body = json!({"date": ymd(from), "workingDays": working_days}).to_string();
                day_of(&suite.ok(&org, &format!("{LEAVE}/AddWorkingDays"), &body).await["date"])
            }
        };
        let mut slots = Vec::new();
        for k in 0..10 {
            slots.push(add(today, 3 + 2 * k).await);
        }
        let drafts_day = add(today, 40).await;
        let started_end = add(today - Days::days(1), 1).await;
        for side in SIDES {
            let applicant = self.cadre(side)["id"].as_str().unwrap().to_owned();
            let mut slots = slots.iter().copied();
            // The leave service learns the district from the directory's feed.
            let draft = eventually("the cadre in the leave service", || {
                let body = leave_body(&applicant, false, drafts_day, drafts_day);
                let org = org.clone();
                async move {
                    let (status, value) =
                        suite.json(&org, &format!("{LEAVE}/CreateLeaveRequest"), &body).await;
                    (status == 200).then(|| value["leaveRequest"].clone())
                }
            })
            .await;
            self.keep("leave_submit", side, None, draft.clone());
            self.keep("leave_withdraw", side, None, draft);
            self.keep("create_day", side, None, ymd(drafts_day));
            let successful: &[&str] =
                if side == Side::Inside { &["cadre.t01", "hr.t01", "orgofficer"] } else { &["orgofficer"] };
            for caller in successful {
                let draft = leave_draft(suite, &applicant, false, drafts_day, drafts_day).await;
                self.keep("leave_withdraw", side, Some(caller), draft);
                let day = slots.next().unwrap();
                let draft = leave_draft(suite, &applicant, false, day, day).await;
                self.keep("leave_submit", side, Some(caller), draft);
                let day = slots.next().unwrap();
                let approved = leave_approved(suite, people, &applicant, day, day).await;
                self.keep("leave_extend", side, Some(caller), with_extension(&add, approved).await);
            }
            let day = slots.next().unwrap();
            let pending = leave_pending(suite, &applicant, false, day, day).await;
            for purpose in ["leave_pending", "leave_approve", "leave_reject", "leave_file"] {
                self.keep(purpose, side, None, pending.clone());
            }
            if side == Side::Inside {
                for purpose in ["leave_approve", "leave_reject"] {
                    let day = slots.next().unwrap();
                    let pending = leave_pending(suite, &applicant, false, day, day).await;
                    self.keep(purpose, side, Some("leader.t01"), pending);
                }
            }
            let day = slots.next().unwrap();
            let approved = leave_approved(suite, people, &applicant, day, day).await;
            let approved = with_extension(&add, approved).await;
            self.keep("leave_approved", side, None, approved.clone());
            self.keep("leave_extend", side, None, approved);
            let started = leave_approved(suite, people, &applicant, today, started_end).await;
            self.keep("leave_started", side, None, started);
            let filing = json!({"requestId": rid(), "filing": travel(&applicant, today + Days::days(40))});
            let filed =
                suite.ok(&org, &format!("{LEAVE}/CreateTravelFiling"), &filing.to_string()).await["filing"]
                    .clone();
            self.keep("filing", side, None, filed);

            // Sixty-one days of sick leave of a cadre made for them (so that whichever year holds the larger
            // part passes 30): the 区委 decides after the unit, and the org department files.
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let body = json!({"requestId": rid(), "cadre": new_cadre(self.unit(side), n)}).to_string();
            let created = suite.ok(&org, &format!("{DIRECTORY}/CreateCadre"), &body).await;
            let sick = created["cadre"]["id"].as_str().unwrap().to_owned();
            let first = today + Days::days(60);
            let pending = eventually("the new cadre in the leave service", || {
                let (org, body) = (org.clone(), leave_body(&sick, true, first, first + Days::days(60)));
                async move {
                    let (status, value) =
                        suite.json(&org, &format!("{LEAVE}/CreateLeaveRequest"), &body).await;
                    (status == 200).then(|| value["leaveRequest"].clone())
                }
            })
            .await;
            let body = json!({"requestId": rid(), "id": pending["id"]}).to_string();
            let pending =
                suite.ok(&org, &format!("{LEAVE}/SubmitLeaveRequest"), &body).await["leaveRequest"].clone();
            let approved = leave_decided(suite, people, pending, false).await;
            self.keep("leave_file", side, Some("orgofficer"), approved);
            for (k, purpose) in [(1, "leave_approve"), (2, "leave_reject")] {
                let start = first + Days::days(70 * k);
                let pending = leave_pending(suite, &sick, true, start, start + Days::days(60)).await;
                let at_committee = leave_decided(suite, people, pending, true).await;
                self.keep(purpose, side, Some("committee"), at_committee);
            }
        }
    }

    /// Rank: demotion cases (awaiting approval) of cadres made for them, one shared and one for each
    /// decision the org department takes, and the quota pool of each unit.
    async fn load_rank(&mut self, suite: &Running) {
        let org = suite.token("orgofficer");
        let known = |cadre: String| {
            let org = org.clone();
            eventually("the cadre's grade in the rank service", move || {
                let (org, body) = (org.clone(), json!({"cadreId": cadre}).to_string());
                async move {
                    let (status, value) = suite.json(&org, &format!("{RANK}/GetRankHistory"), &body).await;
                    (status == 200 && value["holdings"].as_array().is_some_and(|h| !h.is_empty()))
                        .then_some(())
                }
            })
        };
        for side in SIDES {
            known(self.cadre(side)["id"].as_str().unwrap().to_owned()).await;
            for (purpose, owner) in [
                ("case", None),
                ("case_approve", Some("orgofficer")),
                ("case_reject", Some("orgofficer")),
                ("case_withdraw", Some("orgofficer")),
            ] {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let mut cadre = new_cadre(self.unit(side), n);
                cadre["rank"] =
                    json!({"grade": "RANK_GRADE_STAFF_1", "startDate": {"year": 2015, "month": 1, "day": 1}});
                let body = json!({"requestId": rid(), "cadre": cadre}).to_string();
                let created = suite.ok(&org, &format!("{DIRECTORY}/CreateCadre"), &body).await;
                let cadre_id = created["cadre"]["id"].as_str().unwrap().to_owned();
                known(cadre_id.clone()).await;
                let body =
                    json!({"requestId": rid(), "cadreId": cadre_id, "grounds": "年度考核不称职（矩阵测试）"});
                let opened = suite.ok(&org, &format!("{RANK}/OpenDemotionCase"), &body.to_string()).await;
                let case = opened["rankCase"].clone();
                if owner.is_none() {
                    // The shared case: what the callers that are not the org department decide on.
                    for shared in ["case_approve", "case_reject", "case_withdraw"] {
                        self.keep(shared, side, None, case.clone());
                    }
                }
                self.keep(purpose, side, owner, case);
            }
            let body = json!({"orgUnitId": self.unit(side)}).to_string();
            let pools = suite.ok(&org, &format!("{RANK}/ListQuotaPools"), &body).await;
            let unit = self.unit(side).to_owned();
            let pool = pools["pools"]
                .as_array()
                .and_then(|pools| {
                    pools.iter().find(|p| {
                        p["orgUnitIds"].as_array().is_some_and(|ids| ids.iter().any(|id| *id == unit))
                    })
                })
                .cloned()
                .expect("the unit's quota pool");
            self.keep("pool", side, None, pool);
        }
    }

    /// Assessment: the closed cycle of the demo's seeded history two years back; the cycle of last year,
    /// opened here, with people in it for the self-summaries (each caller that writes one its own person)
    /// and for the proposals (with their summary in); a special assessment with a follow-up task for each
    /// caller that completes one.
    async fn load_assessment(&mut self, suite: &Running, people: &BTreeMap<String, String>) {
        let org = suite.token("orgofficer");
        let (closed_year, open_year) = (self.today.year() - 2, self.today.year() - 1);
        eventually("the demo assessment history", || {
            let org = org.clone();
            async move {
                let body = json!({"year": closed_year}).to_string();
                let cycles = suite.ok(&org, &format!("{ASSESSMENT}/ListAnnualCycles"), &body).await;
                cycles["cycles"].as_array().is_some_and(|c| !c.is_empty()).then_some(())
            }
        })
        .await;
        let assessments_of = |cycle: Value| {
            let org = org.clone();
            async move {
                let body = json!({"cycleId": cycle["id"], "pageSize": 500}).to_string();
                let listed = suite.ok(&org, &format!("{ASSESSMENT}/ListAnnualAssessments"), &body).await;
                listed["assessments"].as_array().cloned().unwrap_or_default()
            }
        };
        for side in SIDES {
            let (unit, cadre) = (self.unit(side).to_owned(), self.cadre(side)["id"].clone());
            let body = json!({"year": closed_year, "orgUnitId": unit}).to_string();
            let cycles = suite.ok(&org, &format!("{ASSESSMENT}/ListAnnualCycles"), &body).await;
            let closed = cycles["cycles"]
                .as_array()
                .and_then(|c| {
                    c.iter().find(|c| {
                        c["orgUnitId"] == unit.as_str() && c["category"] == "POOL_CATEGORY_CIVIL_SERVANT"
                    })
                })
                .cloned()
                .expect("a seeded cycle of the unit's civil servants");
            let assessments = assessments_of(closed.clone()).await;
            let own = assessments
                .iter()
                .find(|a| a["cadreId"] == cadre)
                .cloned()
                .expect("the cadre's seeded assessment");
            self.keep("closed_cycle", side, None, closed);
            self.keep("closed_assessment", side, None, own);

            let body = json!({"requestId": rid(), "orgUnitId": unit,
                "category": "POOL_CATEGORY_CIVIL_SERVANT", "year": open_year});
            let opened = suite.ok(&org, &format!("{ASSESSMENT}/OpenAnnualCycle"), &body.to_string()).await;
            let mut assessments = assessments_of(opened["cycle"].clone()).await;
            assessments.sort_by(|a, b| {
                (a["cadreName"].as_str(), a["id"].as_str()).cmp(&(b["cadreName"].as_str(), b["id"].as_str()))
            });
            let own =
                assessments.iter().find(|a| a["cadreId"] == cadre).cloned().expect("the cadre's assessment");
            let mut others = assessments.into_iter().filter(|a| {
                a["state"] == "ASSESSMENT_STATE_ENROLLED"
                    && a["takesPart"] == true
                    && a["forcedOutcome"].is_null()
                    && !people.contains_key(a["cadreId"].as_str().unwrap_or_default())
            });
            self.keep("assessment", side, None, own.clone());
            self.keep("summary", side, None, own.clone());
            let writers: &[&str] = if side == Side::Inside { &["hr.t01", "orgofficer"] } else { &[] };
            for writer in writers {
                self.keep(
                    "summary",
                    side,
                    Some(writer),
                    others.next().expect("someone to write a summary for"),
                );
            }
            let owner = if side == Side::Inside { "cadre.t01" } else { "orgofficer" };
            self.keep("summary", side, Some(owner), own);
            let proposed = others.next().expect("someone to propose a grade for");
            let body = json!({"requestId": rid(), "assessmentId": proposed["id"], "summary": "全年完成各项工作任务。"});
            suite.ok(&org, &format!("{ASSESSMENT}/SubmitSelfSummary"), &body.to_string()).await;
            self.keep("proposal", side, None, proposed);

            let completers: &[&str] =
                if side == Side::Inside { &["leader.t01", "hr.t01", "orgofficer"] } else { &["orgofficer"] };
            let tasks: Vec<Value> = completers
                .iter()
                .map(
                    |c| json!({"title": format!("整改（{c}）"), "dueDate": ymd(self.today + Days::days(30))}),
                )
                .collect();
            let body = json!({"requestId": rid(), "kind": "SPECIAL_KIND_TEAM_OPERATION",
                "year": self.today.year(),
                "orgUnitId": unit, "grade": "ROUTINE_GRADE_FAIRLY_GOOD", "findings": ["班子运行总体良好（矩阵测试）"],
                "tasks": tasks, "assessedOn": ymd(self.today)});
            let special =
                suite.ok(&org, &format!("{ASSESSMENT}/RecordSpecialAssessment"), &body.to_string()).await;
            let special = &special["specialAssessment"];
            let tasks = special["tasks"].as_array().unwrap();
            self.keep("task", side, None, json!({"id": special["id"], "task": tasks[0]["id"]}));
            for (completer, task) in completers.iter().zip(tasks) {
                self.keep("task", side, Some(completer), json!({"id": special["id"], "task": task["id"]}));
            }
        }
    }

    /// Forum: the seeded active forums of T01 and U01, on which sessions are scheduled (each in the state a
    /// request needs: started with the side's cadre on its sheet, planned, started, started with check-in
    /// open);
    /// for approving, suspending, resuming and closing, forums of new villages under T01 (decided by the
    /// town's officers) inside, and of other units the org department decides for outside (new district
    /// units proposed by the org department, for approving; seeded ones otherwise). Every organiser gets
    /// objects of its own; for check-in, every caller.
    async fn load_forum(&mut self, suite: &Running, units: &[Value]) {
        let org = suite.token("orgofficer");
        let town = suite.token("town.t01");
        let root =
            units.iter().find(|u| u["parentId"].as_str().unwrap_or_default().is_empty()).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
        let forums = eventually("the demo forums", || {
            let org = org.clone();
            async move {
                let body = json!({"status": "FORUM_STATUS_ACTIVE", "pageSize": 500}).to_string();
                let (status, value) = suite.json(&org, &format!("{FORUM}/ListForums"), &body).await;
                let forums = value["forums"].as_array().cloned().unwrap_or_default();
                (status == 200 && forums.len() > 100).then_some(forums)
            }
        })
        .await;
        let of_unit = |unit: &str| {
            forums
                .iter()
                .find(|f| f["ownerUnitId"] == unit)
                .cloned()
                .unwrap_or_else(|| panic!("no forum of {unit}"))
        };
        let (forum_in, forum_out) = (of_unit(&self.unit_in), of_unit(&self.unit_out));
        // The org department's forums outside T01, as seeded.
        let (unit_in, unit_out) = (self.unit_in.clone(), self.unit_out.clone());
        let mut theirs = forums.iter().filter(|f| {
            f["approvingUnitId"].as_str().unwrap_or_default().is_empty()
                && f["ownerUnitId"] != unit_in.as_str()
                && f["ownerUnitId"] != unit_out.as_str()
                && f["level"] == "FORUM_LEVEL_UNIT"
        });
        let propose = |parent: String, kind: &'static str| {
            let org = org.clone();
            async move {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let body = json!({"requestId": rid(), "orgUnit": {"parentId": parent, "code": format!("FV{n:04}"),
                    "name": format!("矩阵讲坛单位{n}"), "kind": kind}});
                let unit = suite.ok(&org, &format!("{DIRECTORY}/CreateOrgUnit"), &body.to_string()).await;
                let unit = unit["orgUnit"]["id"].clone();
                eventually("the new unit in the forum service", || {
                    let (org, unit) = (org.clone(), unit.clone());
                    let body =
                        json!({"requestId": rid(), "ownerUnitId": unit, "name": format!("矩阵讲坛{n}")});
                    async move {
                        let (status, value) =
                            suite.json(&org, &format!("{FORUM}/ProposeForum"), &body.to_string()).await;
                        (status == 200).then(|| value["forum"].clone())
                    }
                })
                .await
            }
        };
        let decide = |token: String, method: &'static str, forum: Value| async move {
            let mut body = json!({"requestId": rid(), "forumId": forum["id"]});
            if method != "ApproveForum" {
                body["reason"] = json!("矩阵测试");
            }
            suite.ok(&token, &format!("{FORUM}/{method}"), &body.to_string()).await["forum"].clone()
        };
        for side in SIDES {
            let owners = FORUM_ORGANISERS.iter().map(|c| Some(*c)).chain([None]);
            for owner in owners {
                // Approving: a proposal; suspending and closing: an active forum; resuming: a suspended one.
                let (proposed, active, suspended, to_close) = if side == Side::Inside {
                    let proposed = propose(unit_in.clone(), "village").await;
                    let mut active = Vec::new();
                    for _ in 0..3 {
                        let forum = propose(unit_in.clone(), "village").await;
                        active.push(decide(town.clone(), "ApproveForum", forum).await);
                    }
                    let suspended = decide(town.clone(), "SuspendForum", active.pop().unwrap()).await;
                    (proposed, active.pop().unwrap(), suspended, active.pop().unwrap())
                } else {
                    let proposed = propose(root.clone(), "district_unit").await;
                    let mut next =
                        || theirs.next().cloned().expect("a seeded forum the org department decides");
                    let (active, to_close) = (next(), next());
                    let suspended = decide(org.clone(), "SuspendForum", next()).await;
                    (proposed, active, suspended, to_close)
                };
                self.keep("forum_approve", side, owner, proposed);
                self.keep("forum_suspend", side, owner, active);
                self.keep("forum_resume", side, owner, suspended);
                self.keep("forum_close", side, owner, to_close);
            }
            let (forum, unit) = if side == Side::Inside {
                (forum_in.clone(), self.unit_in.clone())
            } else {
                (forum_out.clone(), self.unit_out.clone())
            };
            let forum_id = forum["id"].clone();
            let now = chrono::Utc::now();
            let schedule = |start: chrono::DateTime<chrono::Utc>| {
                let (org, forum, unit) = (org.clone(), forum_id.clone(), unit.clone());
                async move {
                    let body = json!({"requestId": rid(), "forumId": forum, "topic": "矩阵测试",
                        "speaker": {"name": "矩阵讲师", "affiliation": "区委党校"},
                        "startTime": start.to_rfc3339(), "endTime": (start + Days::minutes(90)).to_rfc3339(),
                        "place": "会议室", "audience": {"unitIds": [unit]}, "creditedMinutes": 90});
                    suite.ok(&org, &format!("{FORUM}/ScheduleSession"), &body.to_string()).await["session"]
                        .clone()
                }
            };
            let open = |session: Value| {
                let org = org.clone();
                async move {
                    let body = json!({"requestId": rid(), "sessionId": session["id"]}).to_string();
                    let opened = suite.ok(&org, &format!("{FORUM}/OpenCheckIn"), &body).await;
                    json!({"id": session["id"], "code": opened["code"]})
                }
            };
            let cadre = self.cadre(side)["id"].clone();
            let tomorrow = now + Days::days(1);
            let started = now - Days::minutes(5);
            // With the side's cadre on its sign-in sheet.
            let attended = schedule(started).await;
            let body = json!({"requestId": rid(), "sessionId": attended["id"], "rows": [{"cadreId": cadre}]});
            suite.ok(&org, &format!("{FORUM}/ImportSignInSheet"), &body.to_string()).await;
            self.keep("session", side, None, attended);
            self.keep("forum", side, None, forum);
            let importers = FORUM_ORGANISERS.iter().copied().chain(["hr-system"]);
            for owner in importers.map(Some).chain([None]) {
                self.keep("session_sheet", side, owner, schedule(started).await);
            }
            for owner in FORUM_ORGANISERS.iter().copied().map(Some).chain([None]) {
                self.keep("session_cancel", side, owner, schedule(tomorrow).await);
                self.keep("session_open", side, owner, schedule(tomorrow).await);
                self.keep("session_held", side, owner, schedule(started).await);
            }
            for (_, caller) in ROLES {
                let session = open(schedule(started).await).await;
                self.keep("session_check_in", side, Some(caller), session);
            }
        }
    }

    /// Care: for each side's cadre (and their unit's leader, whose charge they are), the records the
    /// requests read (a reward, a talk of the two, a pending fund application, a tolerance review, a
    /// registration case), and of what a call decides one for each caller the access table lets decide:
    /// reward proposals from the assessment feed, fund applications at the caller's step (and one approved,
    /// to pay), ended assignments, transfer cases, backlog items, tolerance reviews.
    async fn load_care(&mut self, suite: &Running, people: &BTreeMap<String, String>) {
        let org = suite.token("orgofficer");
        let today = self.today;
        let cadre_of = |username: &str| {
            people.iter().find(|(_, name)| *name == username).map(|(cadre, _)| cadre.clone()).unwrap()
        };
        let post = |token: String, method: &'static str, body: Value| async move {
            suite.ok(&token, &format!("{CARE}/{method}"), &body.to_string()).await
        };
        // 嘉奖 proposals arrive from the assessment feed.
        let pending = |unit: String| {
            let org = org.clone();
            eventually("reward proposals from the assessment feed", move || {
                let (org, unit) = (org.clone(), unit.clone());
                async move {
                    let body = json!({"orgUnitId": unit, "state": "PROPOSAL_STATE_PENDING", "pageSize": 500});
                    let (status, value) =
                        suite.json(&org, &format!("{CARE}/ListRewardProposals"), &body.to_string()).await;
                    let proposals = value["proposals"].as_array().cloned().unwrap_or_default();
                    (status == 200 && proposals.len() >= 4).then_some(proposals)
                }
            })
        };
        for side in SIDES {
            let unit = self.unit(side).to_owned();
            let cadre = self.cadre(side)["id"].as_str().unwrap().to_owned();
            let suffix = if side == Side::Inside { "t01" } else { "u01" };
            let leader_name = format!("leader.{suffix}");
            let (leader, hr) = (cadre_of(&leader_name), cadre_of(&format!("hr.{suffix}")));
            let unit_leader = suite.token(&leader_name);
            self.keep("leader", side, None, json!({"id": leader}));

            let mut proposals = pending(unit.clone()).await.into_iter();
            for purpose in ["proposal_confirm", "proposal_decline"] {
                self.keep(purpose, side, None, proposals.next().unwrap());
            }
            self.keep("proposal_confirm", side, Some("orgofficer"), proposals.next().unwrap());
            self.keep(
                "proposal_decline",
                side,
                Some("orgofficer"),
                proposals.next().expect("a fourth proposal"),
            );

            let body = json!({"requestId": rid(), "kind": "REWARD_KIND_COMMENDATION", "cadreId": cadre,
                "level": "ISSUING_LEVEL_DISTRICT", "issuer": "中共某某区委", "documentNumber": "区委〔矩阵〕1号",
                "basis": "矩阵测试", "awardDate": ymd(today)});
            self.keep("reward", side, None, post(org.clone(), "RecordReward", body).await["reward"].clone());

            // Fund applications of the side's cadre, by themself (nobody decides one they submitted), each
            // at the step of the caller that decides it.
            let applicant = suite.token(&format!("cadre.{suffix}"));
            let apply = |fen: i64, steps: Vec<String>| {
                let (org, cadre, applicant) = (org.clone(), cadre.clone(), applicant.clone());
                async move {
                    let body = json!({"requestId": rid(), "cadreId": cadre, "reason": "FUND_REASON_ILLNESS",
                        "description": "住院治疗（矩阵测试）", "amountRequestedFen": fen, "evidenceRefs": ["发票"]});
                    let mut application =
                        post(applicant, "SubmitFundApplication", body).await["application"].clone();
                    for token in steps {
                        let step = if token == org {
                            "APPROVAL_STEP_ORG_DEPARTMENT"
                        } else {
                            "APPROVAL_STEP_UNIT_LEADER"
                        };
                        let body = json!({"requestId": rid(), "applicationId": application["id"], "step": step,
                            "approved": true, "comment": "同意"});
                        application = post(token, "DecideFundApplication", body).await["application"].clone();
                    }
                    application
                }
            };
            let shared = apply(300_000, vec![]).await;
            self.keep("application", side, None, shared.clone());
            self.keep("fund_decide", side, None, shared.clone());
            self.keep("fund_disburse", side, None, shared);
            self.keep("fund_decide", side, Some("leader.t01"), apply(300_000, vec![]).await);
            let at_org = apply(300_000, vec![unit_leader.clone()]).await;
            self.keep("fund_decide", side, Some("orgofficer"), at_org);
            let at_committee = apply(1_500_000, vec![unit_leader.clone(), org.clone()]).await;
            self.keep("fund_decide", side, Some("committee"), at_committee);
            let approved = apply(300_000, vec![unit_leader.clone(), org.clone()]).await;
            self.keep("fund_disburse", side, Some("orgofficer"), approved);

            let body = json!({"requestId": rid(), "partyIds": [leader, cadre], "heldOn": ymd(today),
                "kind": "TALK_KIND_LEADER_WITH_CHARGE", "summary": "谈工作与家庭（矩阵测试）"});
            self.keep("talk", side, None, post(org.clone(), "RecordTalk", body).await["talk"].clone());

            // Registration: the side's cadre has an open case (so that opening another is refused).
            let register = |cadre: String| {
                let org = org.clone();
                async move {
                    let body = json!({"requestId": rid(), "cadreId": cadre, "basis": "公务员法（矩阵测试）",
                        "approvalLevel": "区委组织部"});
                    post(org, "OpenRegistrationCase", body).await["registrationCase"].clone()
                }
            };
            self.keep("registration", side, None, register(cadre.clone()).await);
            self.keep("registration", side, Some("orgofficer"), register(hr.clone()).await);

            for owner in [None, Some("leader.t01"), Some("orgofficer")] {
                let body = json!({"requestId": rid(), "cadreId": cadre, "kind": "ASSIGNMENT_KIND_TASK_FORCE",
                    "place": "防汛一线（矩阵测试）", "startDate": ymd(today - Days::days(60)),
                    "endDate": ymd(today - Days::days(30))});
                let assignment = post(org.clone(), "RecordAssignment", body).await["assignment"].clone();
                self.keep("assignment", side, owner, assignment);
            }
            for owner in [None, Some("orgofficer")] {
                let body = json!({"requestId": rid(), "personName": "调任人员（矩阵）",
                    "source": "TRANSFER_SOURCE_STATE_ENTERPRISE", "sourceOrg": "某国有企业", "targetUnitId": unit,
                    "targetPost": "副镇长", "leadershipPost": true, "vacancy": {"establishment": 10,
                    "establishmentUsed": 5, "postQuota": 3, "postQuotaUsed": 1, "postVacant": true}});
                let case = post(org.clone(), "OpenTransferCase", body).await["transferCase"].clone();
                self.keep("transfer", side, owner, case);
            }
            for owner in [None, Some("hr.t01"), Some("orgofficer"), Some("hr-system")] {
                let body = json!({"requestId": rid(), "cadreId": cadre, "kind": "BACKLOG_KIND_UNFILED_MATERIAL",
                    "description": "待归档材料（矩阵测试）", "detectedOn": ymd(today), "ownerUnitId": unit});
                self.keep(
                    "backlog",
                    side,
                    owner,
                    post(org.clone(), "RecordBacklogItem", body).await["item"].clone(),
                );
            }
            for owner in [None, Some("orgofficer"), Some("committee"), Some("inspector")] {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let body = json!({"requestId": rid(), "cadreId": cadre, "measureSourceId": format!("MATRIX-{n}"),
                    "measureKind": "CONDUCT_MEASURE_KIND_ADMONISHMENT", "caseSummary": "先行先试（矩阵测试）"});
                self.keep(
                    "review",
                    side,
                    owner,
                    post(org.clone(), "OpenToleranceReview", body).await["review"].clone(),
                );
            }
        }
    }

    /// Oversight: for each side, the unit's 主体责任 of this year; an open inspection of the unit; an open
    /// finding about the side's cadre that every rectification task hangs on (one in progress, shared, so
    /// the finding never closes); a 提醒谈话 about the cadre; a circular naming the cadre, issued to the
    /// unit alone; a negative record and a pending integrity opinion of the cadre. Of what a call changes,
    /// objects of their own for the callers that may change it: inspections to close, findings about the
    /// unit to dismiss, tasks in progress to report or to extend, reported tasks to sign off, tasks with an
    /// extension pending, 通报 (of a cadre made for them) whose 档案 material is due, drafts to issue,
    /// opinions to answer.
    async fn load_oversight(&mut self, suite: &Running) {
        let (org, inspector) = (suite.token("orgofficer"), suite.token("inspector"));
        let today = self.today;
        let post = |token: String, method: &'static str, body: Value| async move {
            suite.ok(&token, &format!("{OVERSIGHT}/{method}"), &body.to_string()).await
        };
        // The oversight service learns the district from the directory's feed.
        let known = |cadre: Value| {
            let org = org.clone();
            eventually("the cadre in the oversight service", move || {
                let (org, body) = (org.clone(), json!({"cadreId": cadre}).to_string());
                async move {
                    let (status, _) = suite.json(&org, &format!("{OVERSIGHT}/GetRestrictions"), &body).await;
                    (status == 200).then_some(())
                }
            })
        };
        for side in SIDES {
            let (unit, cadre) = (self.unit(side).to_owned(), self.cadre(side)["id"].clone());
            let other =
                self.cadre(if side == Side::Inside { Side::Outside } else { Side::Inside })["id"].clone();
            let suffix = if side == Side::Inside { "t01" } else { "u01" };
            // The owner unit's side of its tasks.
            let owner = suite.token(&format!("leader.{suffix}"));
            known(cadre.clone()).await;

            let body = json!({"requestId": rid(), "responsibility": oversight_responsibility(&unit, today)});
            let set = post(org.clone(), "SetResponsibility", body).await;
            self.keep("responsibility", side, None, set["responsibility"].clone());

            let plan =
                || post(inspector.clone(), "PlanInspection", oversight_inspection(&unit, &other, today));
            let shared = plan().await["inspection"].clone();
            self.keep("inspection", side, None, shared.clone());
            self.keep("inspection_close", side, None, shared);
            for closer in OVERSIGHT_CLOSERS {
                self.keep("inspection_close", side, Some(closer), plan().await["inspection"].clone());
            }

            let body = json!({"requestId": rid(), "cadreId": cadre, "category": "FINDING_CATEGORY_WORK_STYLE",
                "severity": "SEVERITY_MINOR", "description": "工作推诿（矩阵测试）", "evidence": ["督查记录"],
                "foundOn": ymd(today)});
            let finding = post(org.clone(), "RecordFinding", body).await["finding"].clone();
            self.keep("finding", side, None, finding.clone());
            self.keep("finding_dismiss", side, None, finding.clone());
            for supervisor in OVERSIGHT_SUPERVISORS {
                let body = json!({"requestId": rid(), "orgUnitId": unit,
                    "category": "FINDING_CATEGORY_WORK_STYLE", "severity": "SEVERITY_MINOR",
                    "description": "会议纪要缺失（矩阵测试）", "foundOn": ymd(today)});
                let own = post(org.clone(), "RecordFinding", body).await["finding"].clone();
                self.keep("finding_dismiss", side, Some(supervisor), own);
            }

            // Tasks, by the inspector for the unit, in the states the requests need.
            let assign = || {
                let body = json!({"requestId": rid(), "findingId": finding["id"],
                    "requirement": "健全工作台账（矩阵测试）", "deadline": ymd(today + Days::days(30))});
                let (inspector, post) = (inspector.clone(), &post);
                async move { post(inspector, "AssignRectification", body).await["task"].clone() }
            };
            let reported = || {
                let owner = owner.clone();
                let assigned = assign();
                async move {
                    let task = assigned.await;
                    let body = json!({"requestId": rid(), "taskId": task["id"], "report": "已整改（矩阵测试）",
                        "evidence": ["整改报告"]});
                    post(owner, "ReportRectification", body).await["task"].clone()
                }
            };
            let extending = || {
                let owner = owner.clone();
                let assigned = assign();
                async move {
                    let task = assigned.await;
                    let body = json!({"requestId": rid(), "taskId": task["id"],
                        "requestedDeadline": ymd(today + Days::days(60)), "reason": "任务较重（矩阵测试）"});
                    post(owner, "RequestExtension", body).await["task"].clone()
                }
            };
            let task = assign().await;
            for purpose in ["rectification", "rectification_report", "rectification_extend"] {
                self.keep(purpose, side, None, task.clone());
            }
            for caller in OVERSIGHT_TASK_OWNERS {
                self.keep("rectification_report", side, Some(caller), assign().await);
                self.keep("rectification_extend", side, Some(caller), assign().await);
            }
            self.keep("rectification_verify", side, None, reported().await);
            self.keep("rectification_decide", side, None, extending().await);
            for supervisor in OVERSIGHT_SUPERVISORS {
                self.keep("rectification_verify", side, Some(supervisor), reported().await);
                self.keep("rectification_decide", side, Some(supervisor), extending().await);
            }

            let body = json!({"requestId": rid(), "cadreId": cadre,
                "measure": "ACCOUNTABILITY_MEASURE_REMINDER_TALK", "decidingBody": "DECIDING_BODY_ORG_DEPARTMENT",
                "decidedOn": ymd(today), "findingIds": [finding["id"]], "note": "矩阵测试"});
            let decision = post(org.clone(), "RecordDecision", body).await["decision"].clone();
            self.keep("decision", side, None, decision.clone());
            // A talk puts nothing into the dossier: refused by the rules, were the others let file at all.
            self.keep("decision_archive", side, None, decision);
            // 通报 with their 档案 material due, of a cadre made for them (its 影响期 bars nobody the other
            // requests name).
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let body = json!({"requestId": rid(), "cadre": new_cadre(&unit, n)}).to_string();
            let made =
                suite.ok(&org, &format!("{DIRECTORY}/CreateCadre"), &body).await["cadre"]["id"].clone();
            known(made.clone()).await;
            for archivist in OVERSIGHT_ARCHIVISTS {
                let body = json!({"requestId": rid(), "cadreId": made,
                    "measure": "ACCOUNTABILITY_MEASURE_CIRCULAR",
                    "decidingBody": "DECIDING_BODY_ORG_DEPARTMENT", "basisArticle": "中国共产党问责条例 第八条",
                    "documentNumber": format!("区组通〔矩阵〕{n}号"), "decidedOn": ymd(today)});
                let circulated = post(org.clone(), "RecordDecision", body).await["decision"].clone();
                assert!(
                    circulated["archiveDueDate"].is_object(),
                    "a 通报 goes into the dossier: {circulated}"
                );
                self.keep("decision_archive", side, Some(archivist), circulated);
            }

            let draft = || post(org.clone(), "DraftCircular", oversight_circular(&unit, &cadre));
            let issued = draft().await["circular"].clone();
            let body = json!({"requestId": rid(), "circularId": issued["id"], "documentNumber": "区组通〔矩阵〕1号"});
            let issued = post(org.clone(), "IssueCircular", body).await["circular"].clone();
            self.keep("circular", side, None, issued.clone());
            self.keep("circular_issue", side, None, issued);
            for issuer in OVERSIGHT_ISSUERS {
                self.keep("circular_issue", side, Some(issuer), draft().await["circular"].clone());
            }

            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            post(inspector.clone(), "RecordNegativeInformation", oversight_negative(&cadre, today, n)).await;

            let ask = || {
                let body = json!({"requestId": rid(), "cadreId": cadre, "purpose": "拟提拔考察（矩阵测试）"});
                post(org.clone(), "RequestIntegrityOpinion", body)
            };
            let opinion = ask().await["opinion"].clone();
            self.keep("opinion", side, None, opinion.clone());
            self.keep("opinion_answer", side, None, opinion);
            for answerer in OVERSIGHT_ANSWERERS {
                self.keep("opinion_answer", side, Some(answerer), ask().await["opinion"].clone());
            }
        }
    }
}

/// The 主体责任 of `unit` this year, with one duty.
fn oversight_responsibility(unit: &str, today: NaiveDate) -> Value {
    json!({"orgUnitId": unit, "kind": "RESPONSIBILITY_KIND_PRINCIPAL", "year": today.year(),
        "area": "党委（矩阵测试）", "items": [{"list": "LIST_KIND_DUTY", "text": "落实全面从严治党主体责任"}]})
}

/// A request to inspect `unit` over the week to today, by `inspector` (a cadre).
fn oversight_inspection(unit: &str, inspector: &Value, today: NaiveDate) -> Value {
    json!({"requestId": rid(), "title": "工作作风督查（矩阵测试）", "categories": ["FINDING_CATEGORY_WORK_STYLE"],
        "plan": "随机抽查（矩阵测试）", "orgUnitIds": [unit], "startDate": ymd(today - Days::days(7)),
        "endDate": ymd(today), "inspectorCadreIds": [inspector]})
}

/// A draft criticising `cadre`, distributed to `unit` alone.
fn oversight_circular(unit: &str, cadre: &Value) -> Value {
    json!({"requestId": rid(), "title": "关于工作作风问题的通报（矩阵测试）", "kind": "CIRCULAR_KIND_CRITICISM",
        "distribution": "本单位", "distributionUnitIds": [unit], "cadence": "CADENCE_AD_HOC",
        "entries": [{"cadreId": cadre, "text": "工作推诿（矩阵测试）"}], "body": "现将有关情况通报如下（矩阵测试）"})
}

/// An audit's minor, unverified record about `cadre`, under a reference of its own.
fn oversight_negative(cadre: &Value, today: NaiveDate, n: u32) -> Value {
    json!({"requestId": rid(), "cadreId": cadre, "agency": "AGENCY_AUDIT",
        "category": "NEGATIVE_CATEGORY_AUDIT", "severity": "SEVERITY_MINOR",
        "summary": "经费报销不规范（矩阵测试）", "reference": format!("审计〔矩阵〕{n}号"),
        "occurredOn": ymd(today - Days::days(30)), "verified": false})
}

/// Retries `probe` until it answers, for at most two minutes.
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..1200 {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for {what}");
}

/// Every unit of the demo district, the root first.
async fn org_units(suite: &Running) -> Vec<Value> {
    let org = suite.token("orgofficer");
    let roots = suite.ok(&org, &format!("{DIRECTORY}/ListOrgUnits"), "{}").await;
    let below_root = json!({"ancestorId": roots["orgUnits"][0]["id"], "pageSize": 1000}).to_string();
    let all = suite.ok(&org, &format!("{DIRECTORY}/ListOrgUnits"), &below_root).await;
    let mut units = vec![roots["orgUnits"][0].clone()];
    units.extend(all["orgUnits"].as_array().cloned().unwrap_or_default());
    units
}

fn ymd(d: NaiveDate) -> Value {
    json!({"year": d.year(), "month": d.month(), "day": d.day()})
}

fn day_of(date: &Value) -> NaiveDate {
    let part = |name: &str| date[name].as_u64().unwrap_or_else(|| panic!("no {name} in {date}"));
    NaiveDate::from_ymd_opt(i32::try_from(part("year")).unwrap(), part("month") as u32, part("day") as u32)
        .unwrap()
}

/// A leave of `applicant` from `start` to `end`, filed by the org department: personal leave, or sick
/// leave (with its certificate) when `sick`.
fn leave_body(applicant: &str, sick: bool, start: NaiveDate, end: NaiveDate) -> String {
    let mut body = json!({"requestId": rid(), "applicantCadreId": applicant, "leaveType": "personal",
        "startDate": ymd(start), "endDate": ymd(end), "reason": "家中有事（矩阵测试）", "destination": "本市",
        "contactPhone": "13800000000"});
    if sick {
        body["leaveType"] = json!("sick");
        body["documents"] = json!(["medical_certificate"]);
    }
    body.to_string()
}

async fn leave_draft(
    suite: &Running,
    applicant: &str,
    sick: bool,
    start: NaiveDate,
    end: NaiveDate,
) -> Value {
    let org = suite.token("orgofficer");
    let body = leave_body(applicant, sick, start, end);
    suite.ok(&org, &format!("{LEAVE}/CreateLeaveRequest"), &body).await["leaveRequest"].clone()
}

async fn leave_pending(
    suite: &Running,
    applicant: &str,
    sick: bool,
    start: NaiveDate,
    end: NaiveDate,
) -> Value {
    let org = suite.token("orgofficer");
    let draft = leave_draft(suite, applicant, sick, start, end).await;
    let body = json!({"requestId": rid(), "id": draft["id"]}).to_string();
    suite.ok(&org, &format!("{LEAVE}/SubmitLeaveRequest"), &body).await["leaveRequest"].clone()
}

/// The current approval step of a pending request.
fn current_step(request: &Value) -> Option<(usize, &Value)> {
    request["steps"].as_array()?.iter().enumerate().find(|(_, s)| s["state"] == "STEP_STATE_CURRENT")
}

/// Approves a pending request step by step, each step by whoever holds it (its assignee's account, or the
/// pool's), until it is approved, or, with `to_committee`, until the 区委 step is the current one.
async fn leave_decided(
    suite: &Running,
    people: &BTreeMap<String, String>,
    mut request: Value,
    to_committee: bool,
) -> Value {
    while request["state"] == "LEAVE_REQUEST_STATE_PENDING" {
        let (index, step) = current_step(&request).expect("a current step");
        let who = match step["assigneeCadreId"].as_str() {
            Some(cadre) => people.get(cadre).unwrap_or_else(|| panic!("no account decides {step}")).as_str(),
            None if step["kind"] == "STEP_KIND_DISTRICT_COMMITTEE" && to_committee => return request,
            None if step["kind"] == "STEP_KIND_DISTRICT_COMMITTEE" => "committee",
            None => "orgofficer",
        };
        let body = json!({"requestId": rid(), "id": request["id"], "stepIndex": index}).to_string();
        request =
            suite.ok(&suite.token(who), &format!("{LEAVE}/ApproveLeaveRequest"), &body).await["leaveRequest"]
                .clone();
    }
    assert!(!to_committee, "no 区委 step in {request}");
    assert_eq!(request["state"], "LEAVE_REQUEST_STATE_APPROVED", "{request}");
    request
}

async fn leave_approved(
    suite: &Running,
    people: &BTreeMap<String, String>,
    applicant: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Value {
    let pending = leave_pending(suite, applicant, false, start, end).await;
    leave_decided(suite, people, pending, false).await
}

/// The request with `extendTo`: the next working day after its end.
async fn with_extension<F, Fut>(add: &F, mut request: Value) -> Value
where
    F: Fn(NaiveDate, u32) -> Fut,
    Fut: std::future::Future<Output = NaiveDate>,
{
    request["extendTo"] = ymd(add(day_of(&request["endDate"]), 1).await);
    request
}

/// A day's 外出报备 of `cadre` from `depart`.
fn travel(cadre: &str, depart: NaiveDate) -> Value {
    json!({"cadreId": cadre, "destination": "成都", "reason": "参加培训（矩阵测试）", "departDate": ymd(depart),
        "departPart": "DAY_PART_MORNING", "returnDate": ymd(depart), "returnPart": "DAY_PART_EVENING",
        "contactPhone": "13800000000"})
}

fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A citizen id no demo cadre has.
fn fresh_citizen_id(n: u32) -> String {
    let birth: chrono::NaiveDate = "1990-01-01".parse().unwrap();
    let sequence = u16::try_from(100 + n % 800).unwrap();
    let region = format!("5102{:02}", n / 800 % 100);
    cadre_directory::domain::citizen_id::CitizenId::compose(&region, birth, sequence)
        .unwrap()
        .as_str()
        .to_owned()
}

fn new_cadre(unit: &str, n: u32) -> Value {
    json!({
        "name": format!("矩阵{n}"),
        "gender": if n % 2 == 1 { "GENDER_MALE" } else { "GENDER_FEMALE" },
        "citizenId": fresh_citizen_id(n),
        "birthDate": {"year": 1990, "month": 1, "day": 1},
        "workStartDate": {"year": 2012, "month": 7, "day": 1},
        "education": "EDUCATION_UNIVERSITY",
        "category": "CADRE_CATEGORY_CIVIL_SERVANT",
        "employingUnitId": unit,
        "managingUnitId": unit,
        "post": {"title": "科员", "level": "POST_LEVEL_NONE", "startDate": {"year": 2015, "month": 1, "day": 1}},
        "status": "CADRE_STATUS_ACTIVE",
    })
}

/// How one matrix cell is called.
enum Call {
    Json(String),
    Import(String),
    Watch(&'static str),
}

/// The request for `method` about the `side` object, made by `caller` (a username); `n` makes it unique.
fn request(method: &str, side: Side, f: &Fixture, caller: &str, n: u32) -> Option<Call> {
    let (today, unit, cadre) = (f.today, f.unit(side), f.cadre(side));
    let body = match method {
        "cadre.directory.v1.DirectoryService/ListUnitKinds" => json!({}),
        "cadre.directory.v1.DirectoryService/CreateOrgUnit" => json!({"requestId": rid(), "orgUnit": {
            "parentId": unit, "code": format!("M{n:04}"), "name": format!("矩阵单位{n}"), "kind": "village"}}),
        "cadre.directory.v1.DirectoryService/GetOrgUnit" => json!({"id": unit}),
        "cadre.directory.v1.DirectoryService/ListOrgUnits" => json!({"parentId": unit}),
        "cadre.directory.v1.DirectoryService/RenameOrgUnit" => json!({"requestId": rid(), "id": f.village_in,
            "name": if side == Side::Inside { "河西村" } else { "河东村" }}),
        "cadre.directory.v1.DirectoryService/MoveOrgUnit" => {
            json!({"requestId": rid(), "id": f.village_in, "newParentId": f.unit_in})
        }
        "cadre.directory.v1.DirectoryService/CloseOrgUnit" => json!({"requestId": rid(), "id": unit,
            "reason": "矩阵测试: 有下级或在职干部时不得撤销"}),
        "cadre.directory.v1.DirectoryService/GetLeadershipTeam" => json!({"orgUnitId": unit}),
        "cadre.directory.v1.DirectoryService/CreateCadre" => {
            json!({"requestId": rid(), "cadre": new_cadre(unit, n)})
        }
        "cadre.directory.v1.DirectoryService/GetCadre" => json!({"id": cadre["id"]}),
        "cadre.directory.v1.DirectoryService/UpdateCadre" => json!({"requestId": rid(),
            "cadre": {"id": cadre["id"], "name": cadre["name"]}, "updateMask": "name"}),
        "cadre.directory.v1.DirectoryService/SearchCadres" => json!({"orgUnitId": unit, "pageSize": 5}),
        "cadre.directory.v1.DirectoryService/ListCadreChanges" => json!({"cadreId": cadre["id"]}),
        "cadre.directory.v1.DirectoryService/ImportCadres" => {
            return Some(Call::Import(if side == Side::Inside { "T01" } else { "U01" }.to_owned()));
        }
        "cadre.directory.v1.DirectoryService/CreateAccount" => json!({"requestId": rid(), "account": {
            "username": format!("matrix.{n}"), "displayName": "矩阵账号", "kind": "ACCOUNT_KIND_PERSON",
            "roles": ["ROLE_CADRE"], "cadreId": cadre["id"], "scopeUnitId": unit}}),
        "cadre.directory.v1.DirectoryService/GetAccount" => json!({"id": f.account(side, caller)}),
        "cadre.directory.v1.DirectoryService/UpdateAccount" => json!({"requestId": rid(),
            "account": {"id": f.account(side, caller), "displayName": format!("改名{n}")},
            "updateMask": "displayName"}),
        "cadre.directory.v1.DirectoryService/ListAccounts" => json!({"pageSize": 5}),
        "cadre.directory.v1.DirectoryService/ResolvePrincipal" => json!({"username": caller}),
        "cadre.identity.v1.IdentityService/Login" => {
            json!({"username": format!("nobody.{n}"), "password": "not-a-password"})
        }
        "cadre.identity.v1.IdentityService/Logout" => {
            json!({"requestId": rid(), "sessionToken": cadre_authn::opaque::new_session_token()})
        }
        "cadre.identity.v1.IdentityService/ChangePassword" => json!({"requestId": rid(),
            "currentPassword": "wrong-password-1", "newPassword": "Another!Password-123"}),
        "cadre.identity.v1.IdentityService/BeginTotpEnrollment" => json!({"requestId": rid()}),
        "cadre.identity.v1.IdentityService/ConfirmTotpEnrollment" => {
            json!({"requestId": rid(), "code": "000000"})
        }
        "cadre.identity.v1.IdentityService/SetPassword" => json!({"requestId": rid(),
            "accountId": f.account(side, caller), "password": format!("Matrix!Password-{n}")}),
        "cadre.identity.v1.IdentityService/ResetSecondFactor"
        | "cadre.identity.v1.IdentityService/RevokeSessions"
        | "cadre.identity.v1.IdentityService/UnlockAccount" => {
            json!({"requestId": rid(), "accountId": f.account(side, caller)})
        }
        "cadre.identity.v1.IdentityService/CreateServiceKey" => json!({"requestId": rid(),
            "accountId": f.accounts[if side == Side::Inside { "hr-system" } else { "discipline-system" }],
            "displayName": format!("matrix {n}")}),
        "cadre.identity.v1.IdentityService/RevokeServiceKey" => {
            json!({"requestId": rid(), "keyId": "0000000000000000"})
        }
        "cadre.identity.v1.IdentityService/ListServiceKeys" => json!({"accountId": f.accounts["hr-system"]}),
        "cadre.identity.v1.IdentityService/Authenticate" => {
            json!({"credential": cadre_authn::opaque::new_session_token()})
        }
        "cadre.events.v1.EventFeedService/Watch@directory" => return Some(Call::Watch("directory")),
        "cadre.events.v1.EventFeedService/Watch@identity" => return Some(Call::Watch("identity")),
        // Leave. Requests are 1-working-day personal leave of the side's cadre (see `Fixture::load_leave`).
        "cadre.leave.v1.LeaveService/GetWorkCalendar" => json!({"year": today.year()}),
        "cadre.leave.v1.LeaveService/SetWorkCalendar" => json!({"requestId": rid(), "year": 2099,
            "sourceRef": "矩阵测试", "days": [{"date": {"year": 2099, "month": 1, "day": 1},
            "kind": "DAY_KIND_HOLIDAY", "name": "元旦"}]}),
        "cadre.leave.v1.LeaveService/CountWorkingDays" => {
            json!({"startDate": ymd(today), "endDate": ymd(today + Days::days(30))})
        }
        "cadre.leave.v1.LeaveService/AddWorkingDays" => json!({"date": ymd(today), "workingDays": 5}),
        "cadre.leave.v1.LeaveService/ListLeaveTypes" => json!({}),
        "cadre.leave.v1.LeaveService/UpdateLeaveType" => json!({"requestId": rid(), "leaveType": {
            "code": format!("matrix_{n}"), "name": "矩阵假", "countingUnit": "COUNTING_UNIT_WORKING_DAYS",
            "sourceRef": "矩阵测试",
            "effectiveFrom": {"year": 2099, "month": 1, "day": 1}}}),
        // The defaults: the settings every unit of the demo district has.
        "cadre.leave.v1.LeaveService/GetUnitLeaveSettings" => json!({"orgUnitId": unit}),
        "cadre.leave.v1.LeaveService/SetUnitLeaveSettings" => {
            json!({"requestId": rid(), "settings": {"orgUnitId": unit}})
        }
        // No section head or supervising leader: as the demo district has it.
        "cadre.leave.v1.LeaveService/SetReportingLine" => {
            json!({"requestId": rid(), "line": {"cadreId": cadre["id"]}})
        }
        "cadre.leave.v1.LeaveService/CreateBlackoutPeriod" => json!({"requestId": rid(), "period": {
            "name": format!("矩阵{n}"), "startDate": {"year": 2099, "month": 7, "day": 1},
            "endDate": {"year": 2099, "month": 7, "day": 31}, "orgUnitId": unit}}),
        "cadre.leave.v1.LeaveService/ListBlackoutPeriods" => json!({}),
        "cadre.leave.v1.LeaveService/GetLeaveBalances" | "cadre.leave.v1.LeaveService/ListLedgerEntries" => {
            json!({"cadreId": cadre["id"]})
        }
        "cadre.leave.v1.LeaveService/AdjustLeaveBalance" => {
            json!({"requestId": rid(), "cadreId": cadre["id"],
            "leaveType": "annual", "days": 0.5, "reason": "矩阵测试"})
        }
        // Refused by the rules (探亲假 is for those living apart) after the access check.
        "cadre.leave.v1.LeaveService/GrantFamilyVisitLeave" => {
            json!({"requestId": rid(), "cadreId": cadre["id"],
            "kind": "SPOUSE", "livingApart": false})
        }
        // Clears a status nobody has.
        "cadre.leave.v1.LeaveService/SetProtectedStatus" => {
            json!({"requestId": rid(), "cadreId": cadre["id"], "status": ""})
        }
        // A draft for the side's cadre: a cadre files for themself, the records keepers for others.
        "cadre.leave.v1.LeaveService/CreateLeaveRequest" => {
            let day = &f.object("create_day", side, caller);
            json!({"requestId": rid(), "applicantCadreId": cadre["id"], "leaveType": "personal",
                "startDate": day, "endDate": day, "reason": "矩阵测试"})
        }
        "cadre.leave.v1.LeaveService/SubmitLeaveRequest" => {
            json!({"requestId": rid(), "id": f.id("leave_submit", side, caller)})
        }
        "cadre.leave.v1.LeaveService/WithdrawLeaveRequest" => {
            json!({"requestId": rid(), "id": f.id("leave_withdraw", side, caller)})
        }
        // Under way: the applicant and the records keepers are refused by the rules, not the access check.
        "cadre.leave.v1.LeaveService/CancelLeaveRequest" => {
            json!({"requestId": rid(), "id": f.id("leave_started", side, caller), "reason": "矩阵测试"})
        }
        "cadre.leave.v1.LeaveService/ApproveLeaveRequest"
        | "cadre.leave.v1.LeaveService/RejectLeaveRequest" => {
            let approve = method.ends_with("ApproveLeaveRequest");
            let request = f.object(if approve { "leave_approve" } else { "leave_reject" }, side, caller);
            let step = current_step(request).map(|(index, _)| index);
            let mut body = json!({"requestId": rid(), "id": request["id"], "stepIndex": step});
            body[if approve { "comment" } else { "reason" }] = json!("矩阵测试");
            body
        }
        // The org department files a long leave; the shared request is pending, its filing not yet open.
        "cadre.leave.v1.LeaveService/FileLeaveRequest" => {
            let request = f.object("leave_file", side, caller);
            let step = request["steps"].as_array().unwrap().iter().position(|s| {
                s["kind"] == "STEP_KIND_ORG_DEPARTMENT_FILING" && s["state"] == "STEP_STATE_CURRENT"
            });
            json!({"requestId": rid(), "id": request["id"], "stepIndex": step.unwrap_or(0), "comment": "已备案"})
        }
        // Not started yet: refused by the rules once the caller may act on it.
        "cadre.leave.v1.LeaveService/RecordLeaveReturn" => {
            json!({"requestId": rid(), "id": f.id("leave_approved", side, caller)})
        }
        "cadre.leave.v1.LeaveService/ExtendLeaveRequest" => {
            let request = f.object("leave_extend", side, caller);
            json!({"requestId": rid(), "id": request["id"], "endDate": request["extendTo"], "reason": "矩阵测试"})
        }
        "cadre.leave.v1.LeaveService/GetLeaveRequest" | "cadre.leave.v1.LeaveService/GetLeaveForm" => {
            json!({"id": f.id("leave_pending", side, caller)})
        }
        "cadre.leave.v1.LeaveService/ListLeaveRequests" => json!({"orgUnitId": unit}),
        "cadre.leave.v1.LeaveService/ListMyApprovals" => json!({}),
        // A day of its own for each call, as trips of one cadre may not overlap.
        "cadre.leave.v1.LeaveService/CreateTravelFiling" => json!({"requestId": rid(),
            "filing": travel(cadre["id"].as_str().unwrap(), today + Days::days(60 + i64::from(n % 300)))}),
        // At a version the filing never had: refused after the scope and the ownership checks.
        "cadre.leave.v1.LeaveService/UpdateTravelFiling" => {
            let filing = f.object("filing", side, caller);
            let mut changed = filing.clone();
            changed["destination"] = json!("重庆");
            json!({"requestId": rid(), "filing": changed, "reason": "行程变更（矩阵测试）", "expectedVersion": 1000})
        }
        "cadre.leave.v1.LeaveService/ListTravelFilings" => json!({"cadreId": cadre["id"],
            "range": {"start": ymd(today), "end": ymd(today + Days::days(400))}}),
        "cadre.leave.v1.LeaveService/ListAbsentCadres"
        | "cadre.leave.v1.LeaveService/ListOverdueCases"
        | "cadre.leave.v1.LeaveService/ListUnusedAnnualLeave"
        | "cadre.leave.v1.LeaveService/ExportLeaveLedger" => json!({"orgUnitId": unit}),

        // Rank. Cases are demotions awaiting approval (see `Fixture::load_rank`): the promotion steps are
        // refused by the rules after the access check.
        "cadre.rank.v1.RankService/GetLadder" => json!({}),
        "cadre.rank.v1.RankService/GetRankHistory" | "cadre.rank.v1.RankService/CheckEligibility" => {
            json!({"cadreId": cadre["id"]})
        }
        "cadre.rank.v1.RankService/RecordRankHolding" => json!({"requestId": rid(), "cadreId": cadre["id"],
            "grade": "RANK_GRADE_STAFF_2", "startDate": {"year": 2001, "month": 1, "day": 1},
            "endDate": {"year": 2001, "month": 12, "day": 31}, "note": "矩阵测试"}),
        "cadre.rank.v1.RankService/ListEligibleCadres" | "cadre.rank.v1.RankService/ListQuotaPools" => {
            json!({"orgUnitId": unit})
        }
        "cadre.rank.v1.RankService/GetQuotaPool" => json!({"poolId": f.id("pool", side, caller)}),
        "cadre.rank.v1.RankService/SetQuotaPool" => {
            let pool = f.object("pool", side, caller);
            let mut body = json!({"requestId": rid(), "name": pool["name"], "kind": "POOL_KIND_UNIT",
                "orgUnitIds": [unit], "headcountOverride": 200});
            if pool["version"].as_i64().is_some_and(|v| v > 0) {
                body["poolId"] = pool["id"].clone();
                body["expectedVersion"] = pool["version"].clone();
            }
            body
        }
        // The lowest grade, which the cadre holds or is above: refused by the rules.
        "cadre.rank.v1.RankService/OpenPromotionCase" => json!({"requestId": rid(), "cadreId": cadre["id"],
            "targetGrade": "RANK_GRADE_STAFF_2", "plan": "矩阵测试"}),
        "cadre.rank.v1.RankService/OpenDemotionCase" => json!({"requestId": rid(), "cadreId": cadre["id"],
            "grounds": "年度考核不称职（矩阵测试）"}),
        "cadre.rank.v1.RankService/RecordRecommendation" => json!({"requestId": rid(),
            "caseId": f.id("case", side, caller), "recommendation": {
                "method": "RECOMMENDATION_METHOD_EVALUATION", "ballots": 31, "inFavour": 29, "against": 1,
                "abstentions": 1}}),
        "cadre.rank.v1.RankService/RecordAttestation" => json!({"requestId": rid(),
            "caseId": f.id("case", side, caller), "criterion": "CRITERION_INTEGRITY", "favourable": true,
            "note": "矩阵测试"}),
        "cadre.rank.v1.RankService/RecordDisciplineOpinion" => json!({"requestId": rid(),
            "caseId": f.id("case", side, caller), "clear": true, "note": "矩阵测试"}),
        "cadre.rank.v1.RankService/StartCasePublicity" => {
            json!({"requestId": rid(), "caseId": f.id("case", side, caller)})
        }
        "cadre.rank.v1.RankService/RaiseCaseObjection" => {
            json!({"requestId": rid(), "caseId": f.id("case", side, caller), "text": "矩阵测试"})
        }
        // No case has an objection outside a 公示: the one named does not exist.
        "cadre.rank.v1.RankService/ResolveCaseObjection" => json!({"requestId": rid(),
            "caseId": f.id("case", side, caller), "objectionId": rid(), "upheld": false,
            "resolution": "矩阵测试"}),
        // The org department decides these cases (主任科员 and below): the 区委 is the wrong body.
        "cadre.rank.v1.RankService/ApproveCase" => {
            json!({"requestId": rid(), "caseId": f.id("case_approve", side, caller),
            "decisionRef": "区组〔矩阵〕1号", "effectiveDate": ymd(today)})
        }
        "cadre.rank.v1.RankService/RejectCase" => {
            json!({"requestId": rid(), "caseId": f.id("case_reject", side, caller), "reason": "矩阵测试"})
        }
        "cadre.rank.v1.RankService/WithdrawCase" => {
            json!({"requestId": rid(), "caseId": f.id("case_withdraw", side, caller), "reason": "矩阵测试"})
        }
        "cadre.rank.v1.RankService/GetCase" => json!({"caseId": f.id("case", side, caller)}),
        "cadre.rank.v1.RankService/ListCases" => json!({"orgUnitId": unit}),
        // A measure long over, replaced by every call (same source id).
        "cadre.rank.v1.RankService/RecordConductMeasure"
        | "cadre.assessment.v1.AssessmentService/RecordConductMeasure" => {
            json!({"requestId": rid(), "measure": {"sourceId": format!("matrix-{side:?}"),
                "cadreId": cadre["id"], "kind": "CONDUCT_MEASURE_KIND_ADMONISHMENT",
                "effectiveDate": {"year": 2010, "month": 1, "day": 4},
                "lastDay": {"year": 2010, "month": 12, "day": 31}, "basis": "矩阵测试"}})
        }

        // Assessment (see `Fixture::load_assessment`): steps of a closed cycle are refused by the rules.
        "cadre.assessment.v1.AssessmentService/OpenAnnualCycle" => {
            json!({"requestId": rid(), "orgUnitId": unit,
            "category": "POOL_CATEGORY_CIVIL_SERVANT", "year": today.year()})
        }
        "cadre.assessment.v1.AssessmentService/GetAnnualCycle" => {
            json!({"cycleId": f.id("closed_cycle", side, caller)})
        }
        "cadre.assessment.v1.AssessmentService/ListAnnualCycles" => json!({"orgUnitId": unit}),
        "cadre.assessment.v1.AssessmentService/ListAnnualAssessments" => {
            json!({"cycleId": f.id("closed_cycle", side, caller)})
        }
        "cadre.assessment.v1.AssessmentService/GetAnnualAssessment" => {
            json!({"assessmentId": f.id("closed_assessment", side, caller)})
        }
        // The facts as they are.
        "cadre.assessment.v1.AssessmentService/UpdateParticipation" => json!({"requestId": rid(),
            "assessmentId": f.id("assessment", side, caller), "absenceDays": 0, "note": "核对无误（矩阵测试）"}),
        "cadre.assessment.v1.AssessmentService/SubmitSelfSummary" => json!({"requestId": rid(),
            "assessmentId": f.id("summary", side, caller), "summary": "全年完成各项工作任务。"}),
        "cadre.assessment.v1.AssessmentService/ProposeGrade" => json!({"requestId": rid(),
            "assessmentId": f.id("proposal", side, caller), "grade": "ANNUAL_OUTCOME_COMPETENT",
            "comment": "政治坚定，工作扎实。"}),
        "cadre.assessment.v1.AssessmentService/StartPublicity"
        | "cadre.assessment.v1.AssessmentService/CloseAnnualCycle" => {
            json!({"requestId": rid(), "cycleId": f.id("closed_cycle", side, caller)})
        }
        "cadre.assessment.v1.AssessmentService/DetermineGrades" => json!({"requestId": rid(),
            "cycleId": f.id("closed_cycle", side, caller), "determinedBy": "考核委员会"}),
        // The cycle is open, not in publicity.
        "cadre.assessment.v1.AssessmentService/RaiseObjection" => json!({"requestId": rid(),
            "assessmentId": f.id("assessment", side, caller), "text": "矩阵测试"}),
        // No objection or review exists outside a publicity or a delivered result: the one named does not.
        "cadre.assessment.v1.AssessmentService/ResolveObjection" => {
            json!({"requestId": rid(), "objectionId": rid(), "upheld": false, "resolution": "矩阵测试"})
        }
        "cadre.assessment.v1.AssessmentService/DecideResultReview" => json!({"requestId": rid(),
            "reviewId": rid(), "outcome": "ANNUAL_OUTCOME_COMPETENT", "decision": "矩阵测试"}),
        // Signed long ago: the person signs, the records keepers note a refusal; both refused by the rules.
        "cadre.assessment.v1.AssessmentService/AcknowledgeResult" => json!({"requestId": rid(),
            "assessmentId": f.id("closed_assessment", side, caller),
            "refused": matches!(caller, "hr.t01" | "orgofficer")}),
        "cadre.assessment.v1.AssessmentService/RequestResultReview" => json!({"requestId": rid(),
            "assessmentId": f.id("closed_assessment", side, caller), "kind": "REVIEW_KIND_RECONSIDERATION",
            "grounds": "矩阵测试"}),
        "cadre.assessment.v1.AssessmentService/CompleteDeferredAssessment" => json!({"requestId": rid(),
            "assessmentId": f.id("assessment", side, caller), "grade": "ANNUAL_OUTCOME_COMPETENT",
            "comment": "矩阵测试"}),
        "cadre.assessment.v1.AssessmentService/ListAnnualResults" => json!({"pageSize": 5}),
        // Recorded again by every call (one per person and quarter).
        "cadre.assessment.v1.AssessmentService/RecordRoutineAssessment" => json!({"requestId": rid(),
            "cadreId": cadre["id"], "year": today.year(), "quarter": 1, "grade": "ROUTINE_GRADE_AVERAGE",
            "evidence": ["季度工作纪实（矩阵测试）"]}),
        "cadre.assessment.v1.AssessmentService/ListRoutineAssessments" => {
            json!({"cadreId": cadre["id"], "year": today.year()})
        }
        "cadre.assessment.v1.AssessmentService/RecordSpecialAssessment" => json!({"requestId": rid(),
            "kind": "SPECIAL_KIND_POLITICAL_BUILDING", "year": today.year(), "orgUnitId": unit,
            "grade": "ROUTINE_GRADE_FAIRLY_GOOD", "findings": ["矩阵测试"], "assessedOn": ymd(today)}),
        "cadre.assessment.v1.AssessmentService/CompleteFollowUpTask" => {
            let task = f.object("task", side, caller);
            json!({"requestId": rid(), "specialAssessmentId": task["id"], "taskId": task["task"],
                "outcome": "已整改（矩阵测试）"})
        }
        "cadre.assessment.v1.AssessmentService/ListSpecialAssessments" => json!({"orgUnitId": unit}),
        "cadre.assessment.v1.AssessmentService/GetGradeDistribution"
        | "cadre.assessment.v1.AssessmentService/ListMissingResults" => {
            json!({"year": today.year() - 2, "orgUnitId": unit})
        }
        "cadre.assessment.v1.AssessmentService/GetAssessmentHistory" => json!({"cadreId": cadre["id"]}),
        "cadre.events.v1.EventFeedService/Watch@leave" => return Some(Call::Watch("leave")),
        "cadre.events.v1.EventFeedService/Watch@rank" => return Some(Call::Watch("rank")),
        "cadre.events.v1.EventFeedService/Watch@assessment" => return Some(Call::Watch("assessment")),

        // Forum (see `Fixture::load_forum`): sessions are scheduled by the org department for the unit.
        "cadre.forum.v1.ForumService/ProposeForum" => json!({"requestId": rid(), "ownerUnitId": unit,
            "name": format!("矩阵讲坛{n}")}),
        "cadre.forum.v1.ForumService/ApproveForum" | "cadre.forum.v1.ForumService/ResumeForum" => {
            let purpose = if method.ends_with("ApproveForum") { "forum_approve" } else { "forum_resume" };
            json!({"requestId": rid(), "forumId": f.id(purpose, side, caller)})
        }
        "cadre.forum.v1.ForumService/SuspendForum" => json!({"requestId": rid(),
            "forumId": f.id("forum_suspend", side, caller), "reason": "矩阵测试"}),
        "cadre.forum.v1.ForumService/CloseForum" => json!({"requestId": rid(),
            "forumId": f.id("forum_close", side, caller), "reason": "矩阵测试"}),
        "cadre.forum.v1.ForumService/GetForum" => json!({"forumId": f.id("forum", side, caller)}),
        "cadre.forum.v1.ForumService/ListForums" => json!({"orgUnitId": unit}),
        // The same plan by every call, for a year of its own.
        "cadre.forum.v1.ForumService/SetDistrictPlan" => json!({"requestId": rid(), "year": 2099,
            "themes": [{"title": "矩阵主题", "description": "矩阵测试"}], "districtMinimum": 12,
            "unitMinimum": 6, "villageMinimum": 2}),
        "cadre.forum.v1.ForumService/GetDistrictPlan" => json!({"year": today.year()}),
        "cadre.forum.v1.ForumService/PlanForumYear" => json!({"requestId": rid(),
            "forumId": f.id("forum", side, caller), "year": today.year() + 1, "plannedSessions": 8}),
        "cadre.forum.v1.ForumService/GetPlanCompletion" => json!({"year": today.year(), "orgUnitId": unit}),
        "cadre.forum.v1.ForumService/ScheduleSession" => {
            let start = chrono::Utc::now() + Days::days(30) + Days::minutes(i64::from(n));
            json!({"requestId": rid(), "forumId": f.id("forum", side, caller), "topic": "矩阵测试",
                "speaker": {"name": "矩阵讲师", "affiliation": "区委党校"}, "startTime": start.to_rfc3339(),
                "endTime": (start + Days::minutes(90)).to_rfc3339(), "place": "会议室",
                "audience": {"unitIds": [unit]}, "creditedMinutes": 90})
        }
        "cadre.forum.v1.ForumService/GetSession" | "cadre.forum.v1.ForumService/ListAttendances" => {
            json!({"sessionId": f.id("session", side, caller)})
        }
        "cadre.forum.v1.ForumService/ListSessions" => json!({"orgUnitId": unit, "pageSize": 5}),
        "cadre.forum.v1.ForumService/CancelSession" => json!({"requestId": rid(),
            "sessionId": f.id("session_cancel", side, caller), "reason": "矩阵测试"}),
        "cadre.forum.v1.ForumService/MarkSessionHeld" => {
            json!({"requestId": rid(), "sessionId": f.id("session_held", side, caller)})
        }
        "cadre.forum.v1.ForumService/OpenCheckIn" => {
            json!({"requestId": rid(), "sessionId": f.id("session_open", side, caller)})
        }
        // Inside, a session for the town's cadres; outside, one for U01's.
        "cadre.forum.v1.ForumService/CheckIn" => {
            let session = f.object("session_check_in", side, caller);
            json!({"requestId": rid(), "sessionId": session["id"], "code": session["code"]})
        }
        "cadre.forum.v1.ForumService/ImportSignInSheet" => json!({"requestId": rid(),
            "sessionId": f.id("session_sheet", side, caller), "rows": [{"cadreId": cadre["id"]}]}),
        // The side's cadre is on the session's sheet already: refused by the rules once in scope.
        "cadre.forum.v1.ForumService/CorrectAttendance" => json!({"requestId": rid(),
            "sessionId": f.id("session", side, caller), "cadreId": cadre["id"],
            "action": "CORRECTION_ACTION_ADD", "reason": "矩阵测试"}),
        "cadre.forum.v1.ForumService/ListSpeakerDuties" => json!({"cadreIds": [cadre["id"]],
            "startFrom": ymd(today - Days::days(365)), "startUntil": ymd(today)}),
        "cadre.forum.v1.ForumService/GetLearningLedger" => {
            json!({"cadreId": cadre["id"], "year": today.year()})
        }
        "cadre.forum.v1.ForumService/ListLearningShortfalls" => {
            json!({"year": today.year(), "orgUnitId": unit})
        }
        "cadre.forum.v1.ForumService/GetForumStatistics" => json!({"orgUnitId": unit,
            "startFrom": ymd(today - Days::days(365)), "startUntil": ymd(today)}),
        "cadre.events.v1.EventFeedService/Watch@forum" => return Some(Call::Watch("forum")),

        // Care (see `Fixture::load_care`): records are of the side's cadre, or their unit.
        "cadre.care.v1.CareService/RecordReward" => {
            json!({"requestId": rid(), "kind": "REWARD_KIND_COMMENDATION",
            "cadreId": cadre["id"], "level": "ISSUING_LEVEL_DISTRICT", "issuer": "中共某某区委",
            "documentNumber": format!("区委〔矩阵〕{n}号"), "basis": "矩阵测试", "awardDate": ymd(today)})
        }
        "cadre.care.v1.CareService/GetReward" => json!({"rewardId": f.id("reward", side, caller)}),
        "cadre.care.v1.CareService/ListRewards" => json!({"cadreId": cadre["id"]}),
        "cadre.care.v1.CareService/ListRewardProposals" => json!({"orgUnitId": unit}),
        "cadre.care.v1.CareService/ConfirmRewardProposal" => json!({"requestId": rid(),
            "proposalId": f.id("proposal_confirm", side, caller), "documentNumber": format!("区委组〔矩阵〕{n}号"),
            "awardDate": ymd(today), "issuer": "中共某某区委组织部"}),
        "cadre.care.v1.CareService/DeclineRewardProposal" => json!({"requestId": rid(),
            "proposalId": f.id("proposal_decline", side, caller), "reason": "矩阵测试"}),
        "cadre.care.v1.CareService/RecordFundContribution" => {
            json!({"requestId": rid(), "source": "矩阵测试",
            "amountFen": 100, "receivedOn": ymd(today), "document": format!("矩阵{n}")})
        }
        // A cadre applies for themself, the unit and the org department for others.
        "cadre.care.v1.CareService/SubmitFundApplication" => {
            json!({"requestId": rid(), "cadreId": cadre["id"],
            "reason": "FUND_REASON_HARDSHIP", "description": "矩阵测试", "amountRequestedFen": 100,
            "evidenceRefs": ["矩阵测试"]})
        }
        "cadre.care.v1.CareService/GetFundApplication" => {
            json!({"applicationId": f.id("application", side, caller)})
        }
        "cadre.care.v1.CareService/ListFundApplications" => json!({"orgUnitId": unit}),
        // The step of the caller's role (the unit leader's for the others).
        "cadre.care.v1.CareService/DecideFundApplication" => {
            let step = match caller {
                "orgofficer" => "APPROVAL_STEP_ORG_DEPARTMENT",
                "committee" => "APPROVAL_STEP_COMMITTEE",
                _ => "APPROVAL_STEP_UNIT_LEADER",
            };
            json!({"requestId": rid(), "applicationId": f.id("fund_decide", side, caller), "step": step,
                "approved": true, "comment": "同意"})
        }
        "cadre.care.v1.CareService/DisburseFundApplication" => json!({"requestId": rid(),
            "applicationId": f.id("fund_disburse", side, caller), "disbursedOn": ymd(today)}),
        "cadre.care.v1.CareService/GetFundReport" => json!({"year": today.year(), "orgUnitId": unit}),
        // The same plan by every call.
        "cadre.care.v1.CareService/SetHealthCheckPlan" => json!({"requestId": rid(), "plan": {
            "orgUnitId": unit, "year": 2099, "windowStart": {"year": 2099, "month": 3, "day": 1},
            "windowEnd": {"year": 2099, "month": 5, "day": 31}, "provider": "区人民医院", "notes": "矩阵测试"}}),
        "cadre.care.v1.CareService/ListHealthCheckPlans" => json!({"year": today.year(), "orgUnitId": unit}),
        // The same check by every call.
        "cadre.care.v1.CareService/RecordHealthCheck" => json!({"requestId": rid(), "cadreId": cadre["id"],
            "year": today.year(), "checkedOn": ymd(today), "followUpNeeded": false}),
        "cadre.care.v1.CareService/ListHealthChecks" => json!({"year": today.year(), "cadreId": cadre["id"]}),
        "cadre.care.v1.CareService/GetHealthCheckReport" => json!({"year": today.year(), "orgUnitId": unit}),
        "cadre.care.v1.CareService/RecordVisitTrigger" => json!({"requestId": rid(), "cadreId": cadre["id"],
            "kind": "VISIT_TRIGGER_KIND_HARDSHIP", "relation": "RELATION_SELF", "occurredOn": ymd(today)}),
        "cadre.care.v1.CareService/ListVisitTriggers"
        | "cadre.care.v1.CareService/ListTalkTriggers"
        | "cadre.care.v1.CareService/ListOverdueTalks"
        | "cadre.care.v1.CareService/ListTransferCases"
        | "cadre.care.v1.CareService/ListRegistrationCases"
        | "cadre.care.v1.CareService/ListBacklogItems" => json!({"orgUnitId": unit}),
        "cadre.care.v1.CareService/RecordVisit" => json!({"requestId": rid(), "cadreId": cadre["id"],
            "kind": "VISIT_KIND_HOME_VISIT", "visitors": ["矩阵测试"], "visitedOn": ymd(today), "notes": "矩阵测试"}),
        "cadre.care.v1.CareService/ListVisits"
        | "cadre.care.v1.CareService/ListTalks"
        | "cadre.care.v1.CareService/ListAssignments"
        | "cadre.care.v1.CareService/ListToleranceReviews" => json!({"cadreId": cadre["id"]}),
        // The unit leader's charge: the side's cadre, by every call.
        "cadre.care.v1.CareService/SetLeaderCharges" => json!({"requestId": rid(),
            "leaderId": f.id("leader", side, caller), "cadreIds": [cadre["id"]]}),
        "cadre.care.v1.CareService/GetLeaderCharges" => json!({"leaderId": f.id("leader", side, caller)}),
        "cadre.care.v1.CareService/RecordTalkTrigger" => json!({"requestId": rid(), "cadreId": cadre["id"],
            "kind": "TALK_TRIGGER_KIND_OTHER", "occurredOn": ymd(today), "sourceRef": format!("矩阵{n}")}),
        // Between the unit's leader and the side's cadre.
        "cadre.care.v1.CareService/RecordTalk" => json!({"requestId": rid(),
            "partyIds": [f.id("leader", side, caller), cadre["id"]], "heldOn": ymd(today),
            "kind": "TALK_KIND_LEADER_WITH_CHARGE", "summary": "矩阵测试"}),
        "cadre.care.v1.CareService/GetTalk" => json!({"talkId": f.id("talk", side, caller)}),
        "cadre.care.v1.CareService/RecordAssignment" => json!({"requestId": rid(), "cadreId": cadre["id"],
            "kind": "ASSIGNMENT_KIND_TASK_FORCE", "place": "矩阵测试", "startDate": ymd(today + Days::days(10)),
            "endDate": ymd(today + Days::days(20))}),
        "cadre.care.v1.CareService/EvaluateAssignment" => json!({"requestId": rid(),
            "assignmentId": f.id("assignment", side, caller), "grade": "ASSIGNMENT_GRADE_GOOD",
            "comment": "矩阵测试", "evaluatedBy": "矩阵测试"}),
        "cadre.care.v1.CareService/OpenTransferCase" => {
            json!({"requestId": rid(), "personName": "调任人员（矩阵）",
            "source": "TRANSFER_SOURCE_STATE_ENTERPRISE", "sourceOrg": "某国有企业", "targetUnitId": unit,
            "targetPost": "副镇长", "leadershipPost": true, "vacancy": {"establishment": 10,
            "establishmentUsed": 5, "postQuota": 3, "postQuotaUsed": 1, "postVacant": true}})
        }
        "cadre.care.v1.CareService/DecideTransferCase" => json!({"requestId": rid(),
            "caseId": f.id("transfer", side, caller), "decision": "TRANSFER_DECISION_PROCEED", "note": "矩阵测试"}),
        // The side's cadre has an open case: refused by the rules once in scope.
        "cadre.care.v1.CareService/OpenRegistrationCase" => {
            json!({"requestId": rid(), "cadreId": cadre["id"],
            "basis": "公务员法（矩阵测试）", "approvalLevel": "区委组织部"})
        }
        "cadre.care.v1.CareService/DecideRegistrationCase" => json!({"requestId": rid(),
            "caseId": f.id("registration", side, caller), "decision": "REGISTRATION_DECISION_APPROVE",
            "note": "矩阵测试"}),
        "cadre.care.v1.CareService/RecordBacklogItem" => json!({"requestId": rid(), "cadreId": cadre["id"],
            "kind": "BACKLOG_KIND_MISSING_MATERIAL", "description": "矩阵测试", "detectedOn": ymd(today),
            "ownerUnitId": unit}),
        "cadre.care.v1.CareService/ResolveBacklogItem" => json!({"requestId": rid(),
            "itemId": f.id("backlog", side, caller), "resolution": "已归档（矩阵测试）", "resolvedOn": ymd(today)}),
        "cadre.care.v1.CareService/GetBacklogBurndown" => json!({"orgUnitId": unit,
            "startDate": ymd(today - Days::days(90)), "endDate": ymd(today)}),
        // A measure of its own for each call (one review per measure).
        "cadre.care.v1.CareService/OpenToleranceReview" => json!({"requestId": rid(), "cadreId": cadre["id"],
            "measureSourceId": format!("MATRIX-{n}"), "measureKind": "CONDUCT_MEASURE_KIND_ADMONISHMENT",
            "caseSummary": "矩阵测试"}),
        // Through the body of the caller's role (the org department's for the others).
        "cadre.care.v1.CareService/DecideToleranceReview" => {
            let body = match caller {
                "committee" => "DECIDING_BODY_DISTRICT_COMMITTEE",
                "inspector" => "DECIDING_BODY_DISCIPLINE_COMMISSION",
                _ => "DECIDING_BODY_ORG_DEPARTMENT",
            };
            let met = json!({"met": true, "note": "矩阵测试"});
            json!({"requestId": rid(), "reviewId": f.id("review", side, caller), "criteria": {
                "processCompliant": met, "noPersonalGain": met, "notProhibited": met, "goodFaith": met},
                "decision": "TOLERANCE_DECISION_EXEMPT", "body": body, "decidedOn": ymd(today)})
        }
        "cadre.care.v1.CareService/GetToleranceReview" => json!({"reviewId": f.id("review", side, caller)}),
        "cadre.events.v1.EventFeedService/Watch@care" => return Some(Call::Watch("care")),

        // Oversight (see `Fixture::load_oversight`): records are of the side's unit or its cadre.
        // The same responsibility by every call.
        "cadre.oversight.v1.OversightService/SetResponsibility" => {
            json!({"requestId": rid(), "responsibility": oversight_responsibility(unit, today)})
        }
        "cadre.oversight.v1.OversightService/ListResponsibilities"
        | "cadre.oversight.v1.OversightService/ListInspections"
        | "cadre.oversight.v1.OversightService/ListFindings"
        | "cadre.oversight.v1.OversightService/ListRectifications"
        | "cadre.oversight.v1.OversightService/ListDecisions"
        | "cadre.oversight.v1.OversightService/ListRiskWarnings" => json!({"orgUnitId": unit}),
        "cadre.oversight.v1.OversightService/GetResponsibilityView"
        | "cadre.oversight.v1.OversightService/GetRectificationLedger"
        | "cadre.oversight.v1.OversightService/GetUnitOversightReport" => {
            json!({"orgUnitId": unit, "year": today.year()})
        }
        "cadre.oversight.v1.OversightService/PlanInspection" => {
            let other = f.cadre(if side == Side::Inside { Side::Outside } else { Side::Inside });
            oversight_inspection(unit, &other["id"], today)
        }
        "cadre.oversight.v1.OversightService/CloseInspection" => json!({"requestId": rid(),
            "inspectionId": f.id("inspection_close", side, caller), "summary": "督查结束（矩阵测试）"}),
        "cadre.oversight.v1.OversightService/GetInspection" => {
            json!({"inspectionId": f.id("inspection", side, caller)})
        }
        // About the unit, under the open inspection of it.
        "cadre.oversight.v1.OversightService/RecordFinding" => json!({"requestId": rid(),
            "inspectionId": f.id("inspection", side, caller), "orgUnitId": unit,
            "category": "FINDING_CATEGORY_WORK_STYLE", "severity": "SEVERITY_MINOR",
            "description": "矩阵测试", "evidence": ["督查记录"], "foundOn": ymd(today)}),
        "cadre.oversight.v1.OversightService/GetFinding" => {
            json!({"findingId": f.id("finding", side, caller)})
        }
        "cadre.oversight.v1.OversightService/DismissFinding" => json!({"requestId": rid(),
            "findingId": f.id("finding_dismiss", side, caller), "reason": "经核实不成立（矩阵测试）"}),
        // Another task for the shared finding, which stays open.
        "cadre.oversight.v1.OversightService/AssignRectification" => json!({"requestId": rid(),
            "findingId": f.id("finding", side, caller), "requirement": "矩阵测试",
            "deadline": ymd(today + Days::days(30))}),
        // The same plan by every call: the task stays in progress.
        "cadre.oversight.v1.OversightService/SubmitRectificationPlan" => {
            json!({"requestId": rid(), "taskId": f.id("rectification", side, caller), "plan": "矩阵测试"})
        }
        "cadre.oversight.v1.OversightService/ReportRectification" => json!({"requestId": rid(),
            "taskId": f.id("rectification_report", side, caller), "report": "矩阵测试", "evidence": ["整改报告"]}),
        "cadre.oversight.v1.OversightService/VerifyRectification" => json!({"requestId": rid(),
            "taskId": f.id("rectification_verify", side, caller), "accept": true, "note": "经核实已整改到位"}),
        "cadre.oversight.v1.OversightService/RequestExtension" => json!({"requestId": rid(),
            "taskId": f.id("rectification_extend", side, caller), "requestedDeadline": ymd(today + Days::days(60)),
            "reason": "矩阵测试"}),
        "cadre.oversight.v1.OversightService/DecideExtension" => json!({"requestId": rid(),
            "taskId": f.id("rectification_decide", side, caller), "approve": false, "note": "矩阵测试"}),
        "cadre.oversight.v1.OversightService/GetRectification" => {
            json!({"taskId": f.id("rectification", side, caller)})
        }
        // A 提醒谈话 of the side's cadre (which sets no 影响期), through the body of the caller's role (the org
        // department's for the others).
        "cadre.oversight.v1.OversightService/RecordDecision" => {
            let body = match caller {
                "leader.t01" => "DECIDING_BODY_UNIT",
                "committee" => "DECIDING_BODY_PARTY_COMMITTEE",
                "inspector" | "discipline-system" => "DECIDING_BODY_DISCIPLINE_COMMISSION",
                _ => "DECIDING_BODY_ORG_DEPARTMENT",
            };
            json!({"requestId": rid(), "cadreId": cadre["id"],
                "measure": "ACCOUNTABILITY_MEASURE_REMINDER_TALK", "decidingBody": body,
                "decidedOn": ymd(today), "note": "矩阵测试"})
        }
        "cadre.oversight.v1.OversightService/GetDecision" => {
            json!({"decisionId": f.id("decision", side, caller)})
        }
        "cadre.oversight.v1.OversightService/RecordArchiveFiling" => json!({"requestId": rid(),
            "decisionId": f.id("decision_archive", side, caller), "filedOn": ymd(today)}),
        "cadre.oversight.v1.OversightService/GetEscalationProposal"
        | "cadre.oversight.v1.OversightService/GetRestrictions"
        | "cadre.oversight.v1.OversightService/ListCircularMentions"
        | "cadre.oversight.v1.OversightService/ListNegativeInformation"
        | "cadre.oversight.v1.OversightService/GetRiskWarning"
        | "cadre.oversight.v1.OversightService/ListIntegrityOpinions" => json!({"cadreId": cadre["id"]}),
        "cadre.oversight.v1.OversightService/BatchGetRestrictions" => json!({"cadreIds": [cadre["id"]]}),
        "cadre.oversight.v1.OversightService/DraftCircular" => oversight_circular(unit, &cadre["id"]),
        "cadre.oversight.v1.OversightService/IssueCircular" => json!({"requestId": rid(),
            "circularId": f.id("circular_issue", side, caller), "documentNumber": format!("区组通〔矩阵〕{n}号")}),
        // Issued to the side's unit alone.
        "cadre.oversight.v1.OversightService/GetCircular" => {
            json!({"circularId": f.id("circular", side, caller)})
        }
        "cadre.oversight.v1.OversightService/ListCirculars" => json!({}),
        "cadre.oversight.v1.OversightService/RecordNegativeInformation" => {
            oversight_negative(&cadre["id"], today, n)
        }
        "cadre.oversight.v1.OversightService/RequestIntegrityOpinion" => {
            json!({"requestId": rid(), "cadreId": cadre["id"], "purpose": "矩阵测试"})
        }
        "cadre.oversight.v1.OversightService/AnswerIntegrityOpinion" => json!({"requestId": rid(),
            "opinionId": f.id("opinion_answer", side, caller), "clear": true,
            "answer": "未发现影响提拔的问题（矩阵测试）"}),
        "cadre.oversight.v1.OversightService/GetIntegrityOpinion" => {
            json!({"opinionId": f.id("opinion", side, caller)})
        }
        "cadre.oversight.v1.OversightService/GetDecisionStatistics" => json!({"orgUnitId": unit,
            "fromDate": ymd(today - Days::days(365)), "toDate": ymd(today)}),
        "cadre.events.v1.EventFeedService/Watch@oversight" => return Some(Call::Watch("oversight")),
        _ => return None,
    };
    Some(Call::Json(body.to_string()))
}

fn short(code: Code) -> &'static str {
    match code {
        Code::Ok => "ok",
        Code::NotFound => "nf",
        Code::PermissionDenied => "pd",
        Code::Unauthenticated => "ua",
        Code::FailedPrecondition => "fp",
        Code::InvalidArgument => "ia",
        Code::AlreadyExists => "ae",
        Code::Aborted => "ab",
        Code::Unimplemented => "un",
        Code::ResourceExhausted => "re",
        Code::Unavailable => "uv",
        Code::DeadlineExceeded => "de",
        Code::Internal => "in",
        _ => "??",
    }
}

fn connect_code(name: &str) -> Code {
    match name {
        "not_found" => Code::NotFound,
        "permission_denied" => Code::PermissionDenied,
        "unauthenticated" => Code::Unauthenticated,
        "failed_precondition" => Code::FailedPrecondition,
        "invalid_argument" => Code::InvalidArgument,
        "already_exists" => Code::AlreadyExists,
        "aborted" => Code::Aborted,
        "unimplemented" => Code::Unimplemented,
        "resource_exhausted" => Code::ResourceExhausted,
        "unavailable" => Code::Unavailable,
        "deadline_exceeded" => Code::DeadlineExceeded,
        "internal" => Code::Internal,
        _ => Code::Unknown,
    }
}

async fn call(suite: &Running, token: &str, method: &str, call: Call) -> Code {
    match call {
        Call::Json(body) => {
            let (status, value) = suite.json(token, method, &body).await;
            if status == 200 { Code::Ok } else { connect_code(value["code"].as_str().unwrap_or_default()) }
        }
        Call::Import(unit) => {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let record = pb::HrCadreRecord {
                external_id: format!("MATRIX{n}"),
                name: format!("导入{n}"),
                citizen_id: fresh_citizen_id(n),
                birth_date: Some(cadre_proto::types::Date { year: 1990, month: 1, day: 1 }),
                gender: pb::Gender::Male as i32,
                education: pb::Education::University as i32,
                category: pb::CadreCategory::CivilServant as i32,
                employing_unit_code: unit,
                post: Some(pb::Post {
                    title: "科员".into(),
                    level: pb::PostLevel::None as i32,
                    start_date: Some(cadre_proto::types::Date { year: 2015, month: 1, day: 1 }),
                    ..Default::default()
                }),
                status: pb::CadreStatus::Active as i32,
                ..Default::default()
            };
            let stream = tokio_stream::iter([pb::ImportCadresRequest { record: Some(record) }]);
            let mut client = DirectoryServiceClient::new(suite.channel().await);
            match client.import_cadres(with_token(token, stream)).await {
                Ok(_) => Code::Ok,
                Err(status) => status.code(),
            }
        }
        Call::Watch(source) => {
            let mut client = EventFeedServiceClient::new(suite.channel().await);
            let mut request = with_token(token, WatchRequest { from_head: true, ..Default::default() });
            request.metadata_mut().insert("x-cadre-source", source.parse().unwrap());
            match client.watch(request).await {
                Err(status) => status.code(),
                Ok(response) => {
                    let mut stream = response.into_inner();
                    match tokio::time::timeout(Duration::from_secs(10), stream.message()).await {
                        Ok(Ok(_)) => Code::Ok,
                        Ok(Err(status)) => status.code(),
                        Err(_) => Code::DeadlineExceeded,
                    }
                }
            }
        }
    }
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// Every method the matrix must cover, from the descriptor set.
fn methods() -> Vec<String> {
    let set = prost_types::FileDescriptorSet::decode(cadre_proto::FILE_DESCRIPTOR_SET).unwrap();
    let mut methods = Vec::new();
    for file in &set.file {
        for service in &file.service {
            let full = format!("{}.{}", file.package(), service.name());
            for method in &service.method {
                let path = format!("{full}/{}", method.name());
                if SERVICES.contains(&full.as_str()) {
                    methods.push(path);
                } else if full == FEED {
                    methods.extend(SOURCES.iter().map(|s| format!("{path}@{s}")));
                }
            }
        }
    }
    methods
}

fn render(rows: &BTreeMap<String, Vec<String>>) -> String {
    let width = rows.keys().map(String::len).max().unwrap_or(10);
    let mut text = String::from(
        "# The authorization matrix (see tests/tests/authz_matrix.rs): each cell is inside/outside the role's scope.\n",
    );
    let _ = write!(text, "{:width$}", "# method");
    for (role, _) in ROLES {
        let _ = write!(text, " | {role}");
    }
    text.push('\n');
    for (method, cells) in rows {
        let _ = write!(text, "{method:width$}");
        for ((role, _), cell) in ROLES.iter().zip(cells) {
            let _ = write!(text, " | {cell:>w$}", w = role.len());
        }
        text.push('\n');
    }
    text
}

fn parse(text: &str) -> BTreeMap<String, Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut parts = line.split('|').map(str::trim);
            let method = parts.next().unwrap_or_default().to_owned();
            (method, parts.map(str::to_owned).collect())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_every_role_inside_and_outside_its_scope() {
    let expected = parse(&std::fs::read_to_string(TABLE).unwrap_or_default());
    let methods = methods();
    let bless = std::env::var("CADRE_BLESS_MATRIX").is_ok_and(|v| v == "1");
    let missing: Vec<&String> = methods.iter().filter(|m| !expected.contains_key(*m)).collect();
    assert!(bless || missing.is_empty(), "RPCs without a row in {TABLE}: {missing:?}");

    let suite = common::start().await;
    let fixture = Fixture::load(&suite).await;
    let mut actual = BTreeMap::new();
    for method in &methods {
        let mut cells = Vec::new();
        for (_, account) in ROLES {
            let token = suite.token(account);
            let mut outcome = Vec::new();
            for side in [Side::Inside, Side::Outside] {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let call_of = request(method, side, &fixture, account, n)
                    .unwrap_or_else(|| panic!("no request for {method} in authz_matrix.rs"));
                let wire = method.split('@').next().unwrap_or(method);
                outcome.push(short(call(&suite, &token, wire, call_of).await));
            }
            cells.push(outcome.join("/"));
        }
        actual.insert(method.clone(), cells);
    }
    suite.stop().await;

    if bless {
        std::fs::write(TABLE, render(&actual)).unwrap();
        return;
    }
    let mut differences = Vec::new();
    for (method, cells) in &actual {
        let want = &expected[method];
        for (((role, _), got), want) in ROLES.iter().zip(cells).zip(want) {
            if got != want {
                differences.push(format!("{method} as {role}: expected {want}, got {got}"));
            }
        }
    }
    let stale: Vec<&String> = expected.keys().filter(|m| !actual.contains_key(*m)).collect();
    assert!(stale.is_empty(), "rows for RPCs that no longer exist: {stale:?}");
    assert!(differences.is_empty(), "{}\n\nactual table:\n{}", differences.join("\n"), render(&actual));
}

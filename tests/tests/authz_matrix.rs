//! The authorization matrix: every RPC behind the gateway × every role × an object inside and an object
//! outside the scope of the role's demo account, called through the gateway as that account, checked
//! against the table in `tests/authz-matrix.txt`.
//!
//! The RPCs are enumerated from the descriptor set, so a new RPC without a row (or without a request in
//! [`request`]) fails this test. After a deliberate change of rules, regenerate the table with
//! `CADRE_BLESS_MATRIX=1 cargo nextest run -p cadre-e2e authz_matrix` and review its diff like code.
//!
//! Cells read `inside/outside`, as the status the caller got: `ok`, `nf` (NOT_FOUND: out of scope answers
//! like absent), `pd` (PERMISSION_DENIED), `ua` (UNAUTHENTICATED), `fp` (FAILED_PRECONDITION), `ia`
//! (INVALID_ARGUMENT), and so on (see [`short`]).

mod common;

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use cadre_proto::{
    directory::{self as pb, directory_service_client::DirectoryServiceClient},
    events::{WatchRequest, event_feed_service_client::EventFeedServiceClient},
};
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
const SERVICES: &[&str] = &["cadre.directory.v1.DirectoryService", "cadre.identity.v1.IdentityService"];
const FEED: &str = "cadre.events.v1.EventFeedService";
const SOURCES: &[&str] = &["directory", "identity"];

const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/authz-matrix.txt");

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Inside,
    Outside,
}

/// The demo district's objects the requests name: inside is in T01, where the scoped accounts work;
/// outside is in U01.
struct Fixture {
    unit_in: String,
    unit_out: String,
    village_in: String,
    cadre_in: Value,
    cadre_out: Value,
    accounts: BTreeMap<String, String>,
}

impl Fixture {
    async fn load(suite: &Running) -> Self {
        let org = suite.token("orgofficer");
        let sec = suite.token("secadmin");
        let roots = suite.ok(&org, "cadre.directory.v1.DirectoryService/ListOrgUnits", "{}").await;
        let below_root = json!({"ancestorId": roots["orgUnits"][0]["id"], "pageSize": 1000}).to_string();
        let all = suite.ok(&org, "cadre.directory.v1.DirectoryService/ListOrgUnits", &below_root).await;
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
        let listed =
            suite.ok(&sec, "cadre.directory.v1.DirectoryService/ListAccounts", r#"{"pageSize":100}"#).await;
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
                suite.ok(&org, "cadre.directory.v1.DirectoryService/GetCadre", &body).await["cadre"].clone()
            }
        };
        Self {
            unit_in: unit_in["id"].as_str().unwrap().to_owned(),
            unit_out: unit_out["id"].as_str().unwrap().to_owned(),
            village_in,
            cadre_in: cadre("cadre.t01").await,
            cadre_out: cadre("cadre.u01").await,
            accounts: accounts.into_iter().map(|(name, (id, _))| (name, id)).collect(),
        }
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
    let unit = f.unit(side);
    let cadre = f.cadre(side);
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
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
                let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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

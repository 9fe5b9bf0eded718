//! Test support for the services that follow the directory: a district built through a running directory
//! (units under a parent with their paths, cadres of sample records), the last cadre created (for waiting
//! until a service's projection has everyone), and principals scoped by the units' paths.

use std::collections::HashMap;

use cadre_platform::{
    auth::{Principal, Role},
    testing::{ActingAs, TestKeys, date, person, rid},
};
use cadre_proto::directory::{self as dir, directory_service_client::DirectoryServiceClient};
use tonic::{service::interceptor::InterceptedService, transport::Channel};

use crate::domain::citizen_id::CitizenId;

/// A directory client acting as one principal.
pub type DirectoryClient = DirectoryServiceClient<InterceptedService<Channel, ActingAs>>;

/// A cadre's place in their unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Post {
    /// 一般干部.
    Staff,
    /// 班子副职.
    Deputy,
    /// 主要负责人.
    Principal,
}

/// A cadre of the test district.
#[derive(Debug, Clone)]
pub struct Person {
    /// The directory's id of the cadre.
    pub cadre_id: String,
    /// The HR system's id, empty when the record has none.
    pub external_id: String,
    /// The employing unit.
    pub unit_id: String,
    /// The name.
    pub name: String,
}

/// A district built through a running directory, as an operator who may create units and cadres.
pub struct TestDistrict {
    /// The directory, acting as the operator.
    pub directory: DirectoryClient,
    /// The district's root unit.
    pub root_unit_id: String,
    paths: HashMap<String, Vec<String>>,
    next_sequence: u16,
    last_cadre: Option<String>,
}

impl TestDistrict {
    /// The district of the directory behind `channel`: with `demo`, the root of the demo district it seeded;
    /// otherwise a new root, 锦绣区.
    pub async fn open(channel: Channel, keys: &TestKeys, demo: bool) -> Self {
        let operator = person("test-operator", &[Role::OrgOfficer, Role::HrSystem], &[], None);
        let mut directory = DirectoryServiceClient::with_interceptor(channel, keys.acting_as(&operator));
        let root = if demo {
            directory
                .list_org_units(dir::ListOrgUnitsRequest::default())
                .await
                .expect("the demo district's root")
                .into_inner()
                .org_units
                .into_iter()
                .next()
                .expect("the demo district has a root")
        } else {
            directory
                .create_org_unit(dir::CreateOrgUnitRequest {
                    request_id: rid(),
                    org_unit: Some(dir::OrgUnit {
                        code: "D000".into(),
                        name: "锦绣区".into(),
                        kind: "district".into(),
                        ..Default::default()
                    }),
                })
                .await
                .expect("the root unit")
                .into_inner()
                .org_unit
                .expect("the created unit")
        };
        let paths = HashMap::from([(root.id.clone(), vec![root.id.clone()])]);
        Self { directory, root_unit_id: root.id, paths, next_sequence: 1, last_cadre: None }
    }

    /// A unit of `kind` under `parent` (the root when `None`).
    pub async fn unit(&mut self, code: &str, name: &str, kind: &str, parent: Option<&str>) -> String {
        let parent = parent.unwrap_or(&self.root_unit_id).to_owned();
        let unit = self
            .directory
            .create_org_unit(dir::CreateOrgUnitRequest {
                request_id: rid(),
                org_unit: Some(dir::OrgUnit {
                    parent_id: parent.clone(),
                    code: code.into(),
                    name: name.into(),
                    kind: kind.into(),
                    ..Default::default()
                }),
            })
            .await
            .unwrap_or_else(|s| panic!("create unit {name}: {s:?}"))
            .into_inner()
            .org_unit
            .expect("the created unit");
        let mut path = self.path(&parent);
        path.push(unit.id.clone());
        self.paths.insert(unit.id.clone(), path);
        unit.id
    }

    /// The ids from the root down to `unit`, a unit of this district.
    pub fn path(&self, unit: &str) -> Vec<String> {
        self.paths.get(unit).unwrap_or_else(|| panic!("{unit} is not a unit of the district")).clone()
    }

    /// The next citizen-id sequence; `female` picks its parity (odd sequences make male ids, even ones
    /// female), skipping one when needed.
    pub fn sequence(&mut self, female: Option<bool>) -> u16 {
        if female.is_some_and(|female| self.next_sequence.is_multiple_of(2) != female) {
            self.next_sequence += 1;
        }
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        sequence
    }

    /// A civil servant of `unit` in `post`, from [`sample_cadre`].
    pub async fn cadre(&mut self, name: &str, unit: &str, post: Post) -> Person {
        let sequence = self.sequence(None);
        self.create(sample_cadre(unit, name, sequence, post)).await
    }

    /// Creates `cadre` (of its employing unit) and remembers it as the last cadre.
    pub async fn create(&mut self, cadre: dir::Cadre) -> Person {
        let (name, unit_id, external_id) =
            (cadre.name.clone(), cadre.employing_unit_id.clone(), cadre.external_id.clone());
        let id = self
            .directory
            .create_cadre(dir::CreateCadreRequest { request_id: rid(), cadre: Some(cadre) })
            .await
            .unwrap_or_else(|s| panic!("create cadre {name}: {s:?}"))
            .into_inner()
            .cadre
            .expect("the created cadre")
            .id;
        self.last_cadre = Some(id.clone());
        Person { cadre_id: id, external_id, unit_id, name }
    }

    /// The cadre created last: once a service's projection has them, it has everyone created so far.
    pub fn last_cadre(&self) -> Option<&str> {
        self.last_cadre.as_deref()
    }

    /// A principal for `who` with `roles`, scoped to their unit.
    pub fn principal(&self, who: &Person, roles: &[Role]) -> Principal {
        let path = self.path(&who.unit_id);
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let mut principal = person(&format!("acct-{}", who.cadre_id), roles, &path, Some(&who.cadre_id));
        principal.username = who.name.clone();
        principal
    }

    /// A principal for `who` with the cadre role and `roles`, scoped to their unit.
    pub fn member(&self, who: &Person, roles: &[Role]) -> Principal {
        self.principal(who, &[&[Role::Cadre], roles].concat())
    }

    /// A principal with `roles` over the whole district and no cadre record of their own.
    pub fn official(&self, subject: &str, roles: &[Role]) -> Principal {
        person(subject, roles, &[&self.root_unit_id], None)
    }
}

/// A civil servant of `unit_id` in `post`, born 1985-03-15 with the citizen id of `sequence` (odd
/// sequences male, even ones female), working since 2007-07-01 and in the post since 2015-01-01.
pub fn sample_cadre(unit_id: &str, name: &str, sequence: u16, post: Post) -> dir::Cadre {
    let birth = "1985-03-15";
    let citizen_id = CitizenId::compose("510199", cadre_platform::testing::d(birth), sequence)
        .unwrap_or_else(|e| panic!("no citizen id of sequence {sequence}: {e:?}"))
        .as_str()
        .to_owned();
    let gender = if sequence % 2 == 1 { dir::Gender::Male } else { dir::Gender::Female };
    let (title, level, team, principal) = match post {
        Post::Staff => ("科员", dir::PostLevel::None, false, false),
        Post::Deputy => ("副局长", dir::PostLevel::TownshipDeputy, true, false),
        Post::Principal => ("局长", dir::PostLevel::TownshipPrincipal, true, true),
    };
    dir::Cadre {
        name: name.into(),
        gender: gender as i32,
        citizen_id,
        birth_date: Some(date(birth)),
        work_start_date: Some(date("2007-07-01")),
        party_entry_date: Some(date("2006-06-01")),
        education: dir::Education::University as i32,
        category: dir::CadreCategory::CivilServant as i32,
        employing_unit_id: unit_id.into(),
        managing_unit_id: unit_id.into(),
        post: Some(dir::Post {
            title: title.into(),
            level: level as i32,
            is_leader: team,
            is_team_member: team,
            is_principal: principal,
            start_date: Some(date("2015-01-01")),
        }),
        status: dir::CadreStatus::Active as i32,
        work_history: vec![dir::WorkHistoryEntry {
            start_date: Some(date("2007-07-01")),
            end_date: None,
            unit_name: "锦绣区".into(),
            post_title: title.into(),
        }],
        ..Default::default()
    }
}

/// Gives `cadre` another post title (in the post and its work history) and another unit in its history,
/// for a district whose titles are not a bureau's.
pub fn retitle(cadre: &mut dir::Cadre, title: &str, history_unit: &str) {
    if let Some(post) = cadre.post.as_mut() {
        post.title = title.into();
    }
    for entry in &mut cadre.work_history {
        entry.post_title = title.into();
        entry.unit_name = history_unit.into();
    }
}

//! The projection of the directory, fed by the real directory's event feed over a socket, on SQLite and on
//! PostgreSQL; and the follower running a source implemented outside this crate.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use cadre_directory::service::Seed;
use cadre_platform::{
    ApiError, Db, DbConn,
    auth::{DataScope, Principal, PrincipalSigner, Role},
    config::Config,
    db::PoolOptions,
    feed::encode_cursor,
    server::{ServeContext, Shutdown, ShutdownTrigger, shutdown_channel},
    telemetry::Metrics,
    testing::{ActingAs, TestDatabase, TestKeys, person, wait_serving},
};
use cadre_projection::{
    DIRECTORY_PROJECTION_DDL, DirectoryFeed, FeedSource, Follower, FollowerSettings, FollowerState,
    RelistFailed, Upstream,
    directory::SOURCE,
    schema,
    store::{self as proj},
};
use cadre_proto::{
    directory::{self as dir, directory_service_client::DirectoryServiceClient},
    events::Event,
};
use chrono::NaiveDate;
use diesel::{connection::SimpleConnection as _, prelude::*};
use prost::{Message as _, Name as _};
use tonic::{service::interceptor::InterceptedService, transport::Channel};

type DirectoryClient = DirectoryServiceClient<InterceptedService<Channel, ActingAs>>;

/// The PostgreSQL server is shared with the other suites' tests running at the same time: every pool of a
/// test database here stays at two connections.
const POOL: u32 = 2;

fn small_pool() -> PoolOptions {
    PoolOptions { max_size: POOL, ..PoolOptions::default() }
}

/// How long anything here may take before the test fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(60);

/// The system caller the followers here present: any service's name would do.
const CALLER: &str = "projection-test";

fn settings() -> FollowerSettings {
    FollowerSettings {
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(500),
        ..FollowerSettings::default()
    }
}

fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A fresh database on `backend`.
fn fresh(backend: &str) -> TestDatabase {
    if backend == "postgres" {
        TestDatabase::postgres().expect("PostgreSQL answered a moment ago")
    } else {
        TestDatabase::sqlite()
    }
}

/// A database with the projection's tables, created from the canonical DDL as a service's first migration
/// would.
async fn projection_db(database: &TestDatabase) -> Db {
    let db = Db::connect(&database.url, small_pool()).await.unwrap();
    db.run(|conn| {
        conn.batch_execute(DIRECTORY_PROJECTION_DDL)?;
        Ok(())
    })
    .await
    .unwrap_or_else(|e| panic!("{}: the DDL runs: {e}", database.backend));
    db
}

/// The real directory on a socket, a database with the projection's tables, and the keys both share.
struct World {
    backend: &'static str,
    directory: DirectoryClient,
    endpoint: String,
    directory_db: Db,
    db: Db,
    keys: TestKeys,
    signer: Arc<PrincipalSigner>,
    root: dir::OrgUnit,
    next_cadre: u16,
    trigger: ShutdownTrigger,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    _databases: (TestDatabase, TestDatabase),
}

impl World {
    async fn start(database: TestDatabase) -> Self {
        let directory_database = database.sibling();
        let keys = TestKeys::new();
        let mut config = Config::default();
        config.services.directory.database_url = directory_database.url.clone();
        config.auth.principal_public_keys = keys.files.public_keys.display().to_string();
        config.auth.principal_signing_key = keys.files.signing_key.display().to_string();
        config.database.max_connections = POOL;
        config.feed.poll_interval_ms = 100;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let channel = Channel::from_shared(endpoint.clone()).unwrap().connect_lazy();
        let (trigger, shutdown) = shutdown_channel();
        let ctx = ServeContext { limits: config.server.clone(), metrics: Metrics::default(), shutdown };
        let server = tokio::spawn({
            let config = config.clone();
            async move { cadre_directory::service::serve(&config, listener, &ctx, Seed::None).await }
        });
        wait_serving(&channel, "cadre.directory.v1.DirectoryService").await;

        let directory_db = Db::connect(&directory_database.url, small_pool()).await.unwrap();
        // A fourth tier (村民小组) below villages, so that a moving village carries a subtree with it.
        directory_db
            .run(|conn| {
                diesel::sql_query(
                    "INSERT INTO unit_kinds (code, display_name, tier) VALUES ('group', '村民小组', 3)",
                )
                .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let db = projection_db(&database).await;

        let operator = person("test-operator", &[Role::OrgOfficer, Role::HrSystem], &[], None);
        let mut directory = DirectoryServiceClient::with_interceptor(channel, keys.acting_as(&operator));
        let root = create_unit(&mut directory, "", "D000", "锦绣区", "district").await;
        let signer =
            Arc::new(PrincipalSigner::load(&keys.files.signing_key, Duration::from_secs(300)).unwrap());
        Self {
            backend: database.backend,
            directory,
            endpoint,
            directory_db,
            db,
            keys,
            signer,
            root,
            next_cadre: 1,
            trigger,
            server,
            _databases: (database, directory_database),
        }
    }

    async fn stop(self) {
        self.trigger.fire();
        tokio::time::timeout(Duration::from_secs(10), self.server).await.unwrap().unwrap().unwrap();
    }

    /// A follower of the directory as the suite itself, stopped by its own trigger.
    fn follow(&self, db: &Db) -> (Follower, ShutdownTrigger) {
        let (trigger, shutdown) = shutdown_channel();
        let follower = Follower::spawn(
            DirectoryFeed,
            db.clone(),
            &self.endpoint,
            CALLER,
            self.signer.clone(),
            shutdown,
            settings(),
        )
        .unwrap();
        (follower, trigger)
    }

    async fn unit(&mut self, parent: &dir::OrgUnit, code: &str, name: &str, kind: &str) -> dir::OrgUnit {
        create_unit(&mut self.directory, &parent.id, code, name, kind).await
    }

    async fn create(&mut self, cadre: dir::Cadre) -> dir::Cadre {
        let name = cadre.name.clone();
        self.directory
            .create_cadre(dir::CreateCadreRequest { request_id: rid(), cadre: Some(cadre) })
            .await
            .unwrap_or_else(|s| panic!("create cadre {name}: {s:?}"))
            .into_inner()
            .cadre
            .unwrap()
    }

    async fn cadre(&mut self, name: &str, unit: &dir::OrgUnit, post: dir::Post) -> dir::Cadre {
        let sequence = self.next_cadre;
        self.next_cadre += 1;
        self.create(sample_cadre(&unit.id, name, sequence, post)).await
    }

    async fn update(&mut self, cadre: dir::Cadre, fields: &[&str]) -> dir::Cadre {
        let paths = fields.iter().map(|f| (*f).to_owned()).collect();
        self.directory
            .update_cadre(dir::UpdateCadreRequest {
                request_id: rid(),
                cadre: Some(cadre),
                update_mask: Some(prost_types::FieldMask { paths }),
                expected_version: 0,
            })
            .await
            .unwrap_or_else(|s| panic!("update cadre: {s:?}"))
            .into_inner()
            .cadre
            .unwrap()
    }

    async fn move_unit(&mut self, unit: &dir::OrgUnit, parent: &dir::OrgUnit) {
        self.directory
            .move_org_unit(dir::MoveOrgUnitRequest {
                request_id: rid(),
                id: unit.id.clone(),
                new_parent_id: parent.id.clone(),
                expected_version: 0,
            })
            .await
            .unwrap_or_else(|s| panic!("move unit: {s:?}"));
    }

    async fn rename_unit(&mut self, unit: &dir::OrgUnit, name: &str) {
        self.directory
            .rename_org_unit(dir::RenameOrgUnitRequest {
                request_id: rid(),
                id: unit.id.clone(),
                name: name.into(),
                expected_version: 0,
            })
            .await
            .unwrap_or_else(|s| panic!("rename unit: {s:?}"));
    }

    async fn close_unit(&mut self, unit: &dir::OrgUnit) {
        self.directory
            .close_org_unit(dir::CloseOrgUnitRequest {
                request_id: rid(),
                id: unit.id.clone(),
                reason: "合并".into(),
            })
            .await
            .unwrap_or_else(|s| panic!("close unit: {s:?}"));
    }

    /// The directory's events of the followed types, as its feed would send them.
    async fn directory_events(&self) -> Vec<Event> {
        let types = proj::followed_event_types();
        let stored = self
            .directory_db
            .run(move |conn| cadre_platform::outbox::read_after(conn, 0, &types, 100_000))
            .await
            .unwrap();
        stored
            .into_iter()
            .map(|e| Event {
                cursor: encode_cursor(SOURCE, e.seq),
                payload: Some(prost_types::Any {
                    type_url: format!("type.googleapis.com/{}", e.event_type),
                    value: e.payload,
                }),
                event_id: e.event_id,
                event_type: e.event_type,
                source: SOURCE.into(),
                subject: e.subject,
                occur_time: None,
                traceparent: e.traceparent,
            })
            .collect()
    }

    /// Waits until `follower` has applied every followed event the directory has committed so far.
    async fn settle(&self, follower: &Follower) -> FollowerState {
        let head = self.directory_events().await.last().map(|e| e.cursor.clone()).unwrap_or_default();
        let mut state = follower.subscribe();
        let reached =
            tokio::time::timeout(PATIENCE, state.wait_for(|s| s.caught_up && s.cursor == head)).await;
        let reached = reached.unwrap_or_else(|_| {
            panic!("{}: the follower reaches {head}; it is at {:?}", self.backend, follower.state())
        });
        reached.expect("the follower is running").clone()
    }
}

async fn create_unit(
    directory: &mut DirectoryClient,
    parent_id: &str,
    code: &str,
    name: &str,
    kind: &str,
) -> dir::OrgUnit {
    directory
        .create_org_unit(dir::CreateOrgUnitRequest {
            request_id: rid(),
            org_unit: Some(dir::OrgUnit {
                parent_id: parent_id.into(),
                code: code.into(),
                name: name.into(),
                kind: kind.into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap_or_else(|s| panic!("create unit {code}: {s:?}"))
        .into_inner()
        .org_unit
        .unwrap()
}

fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn date(text: &str) -> cadre_proto::types::Date {
    cadre_directory::convert::date_to(d(text))
}

fn staff_post() -> dir::Post {
    dir::Post {
        title: "科员".into(),
        level: dir::PostLevel::None as i32,
        start_date: Some(date("2015-01-01")),
        ..Default::default()
    }
}

fn leader_post(title: &str, level: dir::PostLevel, principal: bool) -> dir::Post {
    dir::Post {
        title: title.into(),
        level: level as i32,
        is_leader: true,
        is_team_member: true,
        is_principal: principal,
        start_date: Some(date("2020-01-01")),
    }
}

/// A consistent cadre record employed and managed by `unit_id`, a civil servant without a rank.
fn sample_cadre(unit_id: &str, name: &str, sequence: u16, post: dir::Post) -> dir::Cadre {
    let birth = "1985-03-15";
    let citizen_id = cadre_directory::domain::citizen_id::CitizenId::compose("510199", d(birth), sequence)
        .unwrap()
        .as_str()
        .to_owned();
    let gender = if sequence % 2 == 1 { dir::Gender::Male } else { dir::Gender::Female };
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
        post: Some(post),
        status: dir::CadreStatus::Active as i32,
        work_history: vec![dir::WorkHistoryEntry {
            start_date: Some(date("2007-07-01")),
            end_date: None,
            unit_name: "城关镇".into(),
            post_title: "科员".into(),
        }],
        ..Default::default()
    }
}

fn rank(grade: dir::RankGrade, since: &str) -> Option<dir::Rank> {
    Some(dir::Rank { grade: grade as i32, start_date: Some(date(since)) })
}

/// Runs a store function on a database.
async fn read<T, F>(db: &Db, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    db.run(f).await.unwrap()
}

/// Every row of the projection, to compare before and after.
type Rows = (Vec<(String, String, String, String, bool, String)>, Vec<CadreFacts>);
type CadreFacts = (String, String, String, String, bool, bool, String, String, Option<NaiveDate>);

async fn rows(db: &Db) -> Rows {
    use schema::{directory_cadres as c, directory_units as u};
    read(db, |conn| {
        let units = u::table
            .order(u::id)
            .select((u::id, u::parent_id, u::name, u::path, u::active, u::kind))
            .load(conn)?;
        let cadres = c::table
            .order(c::id)
            .select((
                c::id,
                c::name,
                c::employing_unit_id,
                c::post_level,
                c::is_principal,
                c::active,
                c::status,
                c::rank_grade,
                c::rank_start_date,
            ))
            .load(conn)?;
        Ok((units, cadres))
    })
    .await
}

fn path(units: &[&dir::OrgUnit]) -> String {
    units.iter().fold("/".to_owned(), |path, u| format!("{path}{}/", u.id))
}

fn scope_of(roles: &[Role], scope_path: &[&dir::OrgUnit], cadre: Option<&str>) -> DataScope {
    let ids: Vec<&str> = scope_path.iter().map(|u| u.id.as_str()).collect();
    let principal: Principal = person("someone", roles, &ids, cadre);
    DataScope::for_roles(&principal, roles)
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn ids(views: &[cadre_projection::CadreView]) -> Vec<String> {
    views.iter().map(|c| c.id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projection_follows_the_directory() {
    for database in TestDatabase::each() {
        let mut w = World::start(database).await;
        let backend = w.backend;
        let db = w.db.clone();
        let (follower, stop_follower) = w.follow(&db);
        assert!(
            tokio::time::timeout(PATIENCE, follower.wait_caught_up()).await.unwrap(),
            "{backend}: the follower reaches the head"
        );

        // 锦绣区 ─┬─ 城关镇 (t1) ── 东村 (v) ── 一组 (g)
        //         ├─ 河西镇 (t2)
        //         └─ 档案局 (x), closed later
        let root = w.root.clone();
        let t1 = w.unit(&root, "T001", "城关镇", "town").await;
        let t2 = w.unit(&root, "T002", "河西镇", "town").await;
        let v = w.unit(&t1, "V001", "东村", "village").await;
        let g = w.unit(&v, "G001", "一组", "group").await;
        let x = w.unit(&root, "X001", "档案局", "district_unit").await;

        let secretary =
            w.cadre("张书记", &t1, leader_post("党委书记", dir::PostLevel::TownshipPrincipal, true)).await;
        let deputy =
            w.cadre("李副镇长", &t1, leader_post("副镇长", dir::PostLevel::TownshipDeputy, false)).await;
        let clerk = w.cadre("王科员", &v, staff_post()).await;
        let grouper = w.cadre("赵组长", &g, staff_post()).await;
        let t2_head =
            w.cadre("钱镇长", &t2, leader_post("镇长", dir::PostLevel::TownshipPrincipal, true)).await;
        // Employed in 城关镇, managed from 河西镇; 参公 with a rank.
        let mut lent = sample_cadre(&t1.id, "孙借调", 6, staff_post());
        lent.managing_unit_id = t2.id.clone();
        lent.category = dir::CadreCategory::ReferenceManaged as i32;
        lent.rank = rank(dir::RankGrade::PrincipalStaff2, "2019-06-01");
        w.next_cadre = 7;
        let lent = w.create(lent).await;
        let retiree = w.cadre("周退休", &t1, staff_post()).await;

        // The village (with its group) moves to 河西镇; the clerk moves to the town; one cadre retires; a
        // town is renamed; a unit closes; the lent cadre is promoted.
        w.move_unit(&v, &t2).await;
        let clerk = w
            .update(
                dir::Cadre {
                    id: clerk.id.clone(),
                    employing_unit_id: t1.id.clone(),
                    managing_unit_id: t1.id.clone(),
                    ..Default::default()
                },
                &["employing_unit_id", "managing_unit_id"],
            )
            .await;
        w.update(
            dir::Cadre {
                id: retiree.id.clone(),
                status: dir::CadreStatus::Retired as i32,
                ..Default::default()
            },
            &["status"],
        )
        .await;
        w.rename_unit(&t2, "河西街道").await;
        w.close_unit(&x).await;
        let state = w.settle(&follower).await;
        assert!(state.applied >= 15, "{backend}: {state:?}");
        assert_eq!(state.relists, 0, "{backend}: no relist was needed");

        // Units: paths after the move, the rename, the closure; kinds.
        let unit = |id: String| read(&db, move |conn| proj::unit(conn, &id));
        let v_view = unit(v.id.clone()).await.expect("the village");
        assert_eq!(v_view.path, path(&[&root, &t2, &v]), "{backend}: the moved unit's path");
        assert_eq!(v_view.parent_id, t2.id, "{backend}");
        assert_eq!(v_view.kind, "village", "{backend}");
        let g_view = unit(g.id.clone()).await.expect("the group");
        assert_eq!(g_view.path, path(&[&root, &t2, &v, &g]), "{backend}: the subtree moves with it");
        assert_eq!(unit(t1.id.clone()).await.unwrap().path, path(&[&root, &t1]), "{backend}");
        assert_eq!(unit(t2.id.clone()).await.unwrap().name, "河西街道", "{backend}: renamed");
        assert_eq!(unit(t2.id.clone()).await.unwrap().kind, "town", "{backend}: a rename keeps the kind");
        let x_view = unit(x.id.clone()).await.unwrap();
        assert!(!x_view.active, "{backend}: closed");
        assert_eq!(x_view.kind, "district_unit", "{backend}");
        assert!(unit(root.id.clone()).await.unwrap().active, "{backend}");
        assert_eq!(unit(root.id.clone()).await.unwrap().kind, "district", "{backend}");
        assert_eq!(unit("nope".into()).await, None, "{backend}");

        // Cadres: the transfer, the joined paths, the facts routing needs.
        let cadre = |id: String| read(&db, move |conn| proj::cadre(conn, &id));
        let clerk_view = cadre(clerk.id.clone()).await.expect("the clerk");
        assert_eq!(clerk_view.employing_unit_id, t1.id, "{backend}: transferred");
        assert_eq!(clerk_view.employing_path, path(&[&root, &t1]), "{backend}");
        assert_eq!(clerk_view.managing_path, path(&[&root, &t1]), "{backend}");
        assert_eq!(clerk_view.post_level, "NONE", "{backend}");
        assert_eq!(clerk_view.gender, "MALE", "{backend}: sequence 3 is odd");
        assert_eq!(clerk_view.work_start_date, Some(d("2007-07-01")), "{backend}");
        assert_eq!(clerk_view.birth_date, Some(d("1985-03-15")), "{backend}");
        assert_eq!(clerk_view.category, "CIVIL_SERVANT", "{backend}");
        assert_eq!(clerk_view.status, "ACTIVE", "{backend}");
        assert_eq!(clerk_view.post_start_date, Some(d("2015-01-01")), "{backend}");
        assert_eq!((clerk_view.rank_grade.as_str(), clerk_view.rank_start_date), ("", None), "{backend}");
        let grouper_view = cadre(grouper.id.clone()).await.unwrap();
        assert_eq!(
            grouper_view.employing_path,
            path(&[&root, &t2, &v, &g]),
            "{backend}: joined after the move"
        );
        assert_eq!(grouper_view.gender, "FEMALE", "{backend}");
        let lent_view = cadre(lent.id.clone()).await.unwrap();
        assert_eq!(lent_view.managing_path, path(&[&root, &t2]), "{backend}");
        assert_eq!(lent_view.category, "REFERENCE_MANAGED", "{backend}");
        assert_eq!(lent_view.rank_grade, "PRINCIPAL_STAFF_2", "{backend}");
        assert_eq!(lent_view.rank_start_date, Some(d("2019-06-01")), "{backend}");
        let retiree_view = cadre(retiree.id.clone()).await.unwrap();
        assert!(!retiree_view.active, "{backend}: retired is not in post");
        assert_eq!(retiree_view.status, "RETIRED", "{backend}");
        assert_eq!(cadre("nope".into()).await, None, "{backend}");

        let principal = read(&db, {
            let id = t1.id.clone();
            move |conn| proj::unit_principal(conn, &id)
        })
        .await
        .expect("城关镇 has a principal");
        assert_eq!(principal.id, secretary.id, "{backend}");
        assert!(principal.is_principal && principal.is_team_member && principal.is_leader, "{backend}");
        assert_eq!(principal.post_level, "TOWNSHIP_PRINCIPAL", "{backend}");
        assert!(principal.principal_level_post(), "{backend}");
        assert_eq!(principal.post_title, "党委书记", "{backend}");
        assert_eq!(principal.post_start_date, Some(d("2020-01-01")), "{backend}");
        let deputy_view = cadre(deputy.id.clone()).await.unwrap();
        assert!(!deputy_view.principal_level_post() && deputy_view.is_team_member, "{backend}");
        let none = read(&db, {
            let id = v.id.clone();
            move |conn| proj::unit_principal(conn, &id)
        })
        .await;
        assert_eq!(none, None, "{backend}: the village has no principal");

        let headcount = |id: String| read(&db, move |conn| proj::headcount(conn, &id));
        // secretary, deputy, the transferred clerk, the lent cadre; not the retiree.
        assert_eq!(headcount(t1.id.clone()).await, 4, "{backend}");
        assert_eq!(headcount(v.id.clone()).await, 0, "{backend}: the clerk left");
        assert_eq!(headcount(g.id.clone()).await, 1, "{backend}");
        assert_eq!(headcount(root.id.clone()).await, 0, "{backend}: the unit itself, not its subtree");

        // Scope: the town officer of 河西镇 sees its subtree by employing or managing unit.
        let in_scope = |scope: DataScope| read(&db, move |conn| proj::cadre_ids_in_scope(conn, &scope));
        let town = in_scope(scope_of(&[Role::TownOfficer], &[&root, &t2], None)).await.unwrap();
        assert_eq!(town, sorted(vec![grouper.id.clone(), t2_head.id.clone(), lent.id.clone()]), "{backend}");
        let leader = in_scope(scope_of(&[Role::UnitLeader], &[&root, &t1], None)).await.unwrap();
        assert_eq!(
            leader,
            sorted(vec![
                secretary.id.clone(),
                deputy.id.clone(),
                clerk.id.clone(),
                lent.id.clone(),
                retiree.id.clone()
            ]),
            "{backend}: a unit scope is the unit alone"
        );
        let own = in_scope(scope_of(&[Role::Cadre], &[&root, &t1], Some(&grouper.id))).await.unwrap();
        assert_eq!(own, vec![grouper.id.clone()], "{backend}");
        let mixed =
            in_scope(scope_of(&[Role::Cadre, Role::TownOfficer], &[&root, &t2], Some(&secretary.id))).await;
        assert!(mixed.unwrap().contains(&secretary.id), "{backend}: own record plus the subtree");
        assert_eq!(in_scope(scope_of(&[Role::OrgOfficer], &[&root], None)).await, None, "{backend}");
        assert_eq!(in_scope(DataScope::nothing()).await, Some(vec![]), "{backend}");

        let subtree = |id: String| read(&db, move |conn| proj::cadre_ids_in_subtree(conn, &id));
        assert_eq!(
            subtree(t2.id.clone()).await,
            sorted(vec![grouper.id.clone(), t2_head.id.clone()]),
            "{backend}"
        );
        assert_eq!(subtree(v.id.clone()).await, vec![grouper.id.clone()], "{backend}");
        assert_eq!(subtree(root.id.clone()).await.len(), 7, "{backend}: everyone, retired too");

        // The same subtrees as views, for the services that count by their facts.
        let in_subtree = |id: String| read(&db, move |conn| proj::cadres_in_subtree(conn, &id));
        let all_in_subtree = |id: String| read(&db, move |conn| proj::all_cadres_in_subtree(conn, &id));
        let under_t1 = in_subtree(t1.id.clone()).await;
        assert_eq!(
            ids(&under_t1),
            sorted(vec![secretary.id.clone(), deputy.id.clone(), clerk.id.clone(), lent.id.clone()]),
            "{backend}: in post only"
        );
        assert!(under_t1.iter().all(|c| c.employing_path.starts_with(&path(&[&root, &t1]))), "{backend}");
        assert_eq!(all_in_subtree(t1.id.clone()).await.len(), 5, "{backend}: the retiree too");
        assert_eq!(in_subtree(root.id.clone()).await.len(), 6, "{backend}");
        assert_eq!(all_in_subtree(root.id.clone()).await.len(), 7, "{backend}");
        assert_eq!(ids(&in_subtree(v.id.clone()).await), vec![grouper.id.clone()], "{backend}");
        assert!(in_subtree("nope".into()).await.is_empty(), "{backend}");

        let employed_in = |id: String| read(&db, move |conn| proj::cadres_employed_in(conn, &id));
        assert_eq!(
            ids(&employed_in(t1.id.clone()).await),
            sorted(vec![secretary.id.clone(), deputy.id.clone(), clerk.id.clone(), lent.id.clone()]),
            "{backend}: the unit itself, in post"
        );
        assert!(employed_in(v.id.clone()).await.is_empty(), "{backend}: only the group below has staff");
        assert!(employed_in(root.id.clone()).await.is_empty(), "{backend}");

        let units_under = |id: String| read(&db, move |conn| proj::units_in_subtree(conn, &id));
        let under_t2: Vec<String> = units_under(t2.id.clone()).await.into_iter().map(|u| u.id).collect();
        assert_eq!(under_t2, vec![t2.id.clone(), v.id.clone(), g.id.clone()], "{backend}: in tree order");
        let everything = units_under(root.id.clone()).await;
        assert_eq!(everything.len(), 6, "{backend}: closed units too");
        assert_eq!(everything[0].id, root.id, "{backend}: the unit first");
        assert!(everything.windows(2).all(|p| p[0].path < p[1].path), "{backend}");
        assert!(units_under("nope".into()).await.is_empty(), "{backend}");

        let active = read(&db, proj::active_cadres).await;
        assert_eq!(active.len(), 6, "{backend}: all but the retiree");
        assert!(active.windows(2).all(|p| p[0].id < p[1].id), "{backend}: ordered by id");
        let some = read(&db, {
            let ids = vec![lent.id.clone(), "nope".to_owned(), secretary.id.clone(), lent.id.clone()];
            move |conn| proj::cadres(conn, &ids)
        })
        .await;
        let some: Vec<&str> = some.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(some, vec![lent.id.as_str(), secretary.id.as_str()], "{backend}: in the order asked");

        // The cursor saved is the follower's.
        let saved = read(&db, |conn| proj::cursor(conn, SOURCE)).await;
        assert_eq!(saved.as_deref(), Some(state.cursor.as_str()), "{backend}");

        // Re-applying events is harmless: the last one, and the whole feed again in order.
        stop_follower.fire();
        tokio::time::timeout(PATIENCE, follower.into_task()).await.unwrap().unwrap();
        let before = rows(&db).await;
        let events = w.directory_events().await;
        let last = events.last().unwrap().clone();
        let applied = db.write(move |conn| proj::apply_event(conn, &last)).await.unwrap();
        assert!(applied, "{backend}");
        assert_eq!(rows(&db).await, before, "{backend}: the last event again");
        let count = events.len();
        let applied = db
            .write(move |conn| {
                events.iter().map(|e| proj::apply_event(conn, e)).collect::<Result<Vec<bool>, _>>()
            })
            .await
            .unwrap();
        assert_eq!(applied, vec![true; count], "{backend}");
        assert_eq!(rows(&db).await, before, "{backend}: the whole feed again");

        // A new follower resumes from the saved cursor: it applies only what happened since, a promotion
        // among it.
        w.rename_unit(&t1, "城关街道").await;
        w.update(
            dir::Cadre {
                id: lent.id.clone(),
                rank: rank(dir::RankGrade::PrincipalStaff1, "2023-06-01"),
                ..Default::default()
            },
            &["rank"],
        )
        .await;
        let (follower, stop_follower) = w.follow(&db);
        let state = w.settle(&follower).await;
        assert_eq!((state.applied, state.relists), (2, 0), "{backend}: only the rename and the promotion");
        assert_eq!(unit(t1.id.clone()).await.unwrap().name, "城关街道", "{backend}");
        let promoted = cadre(lent.id.clone()).await.unwrap();
        assert_eq!(
            (promoted.rank_grade.as_str(), promoted.rank_start_date),
            ("PRINCIPAL_STAFF_1", Some(d("2023-06-01"))),
            "{backend}: the rank changed"
        );
        assert_eq!(promoted.category, "REFERENCE_MANAGED", "{backend}: the rest stays");
        stop_follower.fire();
        tokio::time::timeout(PATIENCE, follower.into_task()).await.unwrap().unwrap();
        w.stop().await;
    }
}

/// Prunes the directory's feed down to its head, so older cursors (and the very beginning) have expired.
async fn prune_feed(db: &Db) {
    let tomorrow = chrono::Utc::now().naive_utc() + chrono::Duration::days(1);
    let removed = db.run(move |conn| cadre_platform::outbox::prune(conn, tomorrow)).await.unwrap();
    assert!(removed > 0, "the feed had events to prune");
}

/// Builds a small directory, prunes its feed, and checks that a fresh follower (through `spawn`) relists
/// it and then follows on from the head.
async fn relist_after_pruning(spawn: impl Fn(&World, &Db, Shutdown) -> Follower) {
    for database in TestDatabase::each() {
        let mut w = World::start(database).await;
        let backend = w.backend;
        let root = w.root.clone();
        let t1 = w.unit(&root, "T001", "城关镇", "town").await;
        let v = w.unit(&t1, "V001", "东村", "village").await;
        let head =
            w.cadre("张书记", &t1, leader_post("党委书记", dir::PostLevel::TownshipPrincipal, true)).await;
        let mut clerk = sample_cadre(&v.id, "王科员", 2, staff_post());
        clerk.category = dir::CadreCategory::Village as i32;
        clerk.rank = rank(dir::RankGrade::Staff1, "2018-01-01");
        let clerk = w.create(clerk).await;
        prune_feed(&w.directory_db).await;

        let db = w.db.clone();
        // A row the directory no longer lists is retired by the relist.
        let ghost = sample_cadre(&t1.id, "幽灵", 9, staff_post());
        let ghost = dir::Cadre { id: "ghost".into(), ..ghost };
        db.write(move |conn| proj::upsert_cadre(conn, &ghost)).await.unwrap();

        let (trigger, shutdown) = shutdown_channel();
        let follower = spawn(&w, &db, shutdown);
        let mut state = follower.subscribe();
        // The borrow `wait_for` returns is dropped at once: holding it would block the follower's updates.
        let relisted = tokio::time::timeout(PATIENCE, state.wait_for(|s| s.caught_up && s.relists == 1))
            .await
            .is_ok_and(|r| r.is_ok());
        assert!(relisted, "{backend}: the follower relists; it is at {:?}", follower.state());

        let principal = read(&db, {
            let id = t1.id.clone();
            move |conn| proj::unit_principal(conn, &id)
        })
        .await;
        assert_eq!(principal.map(|p| p.id), Some(head.id.clone()), "{backend}");
        let clerk_view = read(&db, {
            let id = clerk.id.clone();
            move |conn| proj::cadre(conn, &id)
        })
        .await
        .unwrap();
        assert_eq!(clerk_view.employing_path, path(&[&root, &t1, &v]), "{backend}");
        assert_eq!(clerk_view.category, "VILLAGE", "{backend}: the relist carries the new facts too");
        assert_eq!(clerk_view.rank_grade, "STAFF_1", "{backend}");
        assert_eq!(clerk_view.rank_start_date, Some(d("2018-01-01")), "{backend}");
        assert_eq!(clerk_view.post_start_date, Some(d("2015-01-01")), "{backend}");
        let kind = read(&db, {
            let id = v.id.clone();
            move |conn| proj::unit(conn, &id)
        })
        .await
        .map(|u| u.kind);
        assert_eq!(kind.as_deref(), Some("village"), "{backend}");
        let ghost = read(&db, |conn| proj::cadre(conn, "ghost")).await.unwrap();
        assert!(!ghost.active, "{backend}: not listed, so not in post");

        // Then it follows on from the head.
        let t2 = w.unit(&root, "T002", "河西镇", "town").await;
        w.move_unit(&v, &t2).await;
        w.settle(&follower).await;
        let clerk_view = read(&db, {
            let id = clerk.id.clone();
            move |conn| proj::cadre(conn, &id)
        })
        .await
        .unwrap();
        assert_eq!(clerk_view.employing_path, path(&[&root, &t2, &v]), "{backend}");
        assert_eq!(follower.state().relists, 1, "{backend}");

        trigger.fire();
        tokio::time::timeout(PATIENCE, follower.into_task()).await.unwrap().unwrap();
        w.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_cursor_relists_then_follows_from_the_head() {
    // As an organisation-department officer, whom the directory lets list units and search cadres.
    relist_after_pruning(|w, db, shutdown| {
        let officer = person("relister", &[Role::OrgOfficer], &[], None);
        Follower::spawn_as(
            DirectoryFeed,
            db.clone(),
            &w.endpoint,
            w.keys.acting_as(&officer),
            shutdown,
            settings(),
        )
        .unwrap()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_cursor_relists_as_the_suite_itself() {
    relist_after_pruning(|w, db, shutdown| {
        Follower::spawn(
            DirectoryFeed,
            db.clone(),
            &w.endpoint,
            "rank",
            w.signer.clone(),
            shutdown,
            settings(),
        )
        .unwrap()
    })
    .await;
}

/// A feed source as another crate would write one: the directory's cadres, name and rank only, into a
/// table of its own, relisted through a paged RPC.
struct Roster;

const ROSTER_DDL: &str = "CREATE TABLE roster (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, grade INTEGER NOT NULL);
CREATE TABLE feed_cursors (source TEXT PRIMARY KEY NOT NULL, cursor TEXT NOT NULL, updated_at TIMESTAMP NOT NULL);";

diesel::table! {
    roster (id) {
        id -> Text,
        name -> Text,
        grade -> Integer,
    }
}

fn put(conn: &mut DbConn, cadre: &dir::Cadre) -> Result<(), ApiError> {
    let grade = cadre.rank.as_ref().map_or(0, |r| r.grade);
    diesel::delete(roster::table.find(&cadre.id)).execute(conn)?;
    diesel::insert_into(roster::table)
        .values((roster::id.eq(&cadre.id), roster::name.eq(&cadre.name), roster::grade.eq(grade)))
        .execute(conn)?;
    Ok(())
}

impl FeedSource for Roster {
    const SOURCE: &'static str = "directory";
    type Snapshot = Vec<dir::Cadre>;

    fn event_types() -> Vec<String> {
        vec![dir::CadreCreatedEvent::full_name(), dir::CadreChangedEvent::full_name()]
    }

    fn apply(conn: &mut DbConn, event: &Event) -> Result<bool, ApiError> {
        let Some(any) = &event.payload else { return Ok(false) };
        let unreadable = |e: String| ApiError::invalid_argument("EVENT_UNREADABLE", e);
        let name = any.type_url.rsplit('/').next().unwrap_or_default();
        let cadre = if name == dir::CadreCreatedEvent::full_name() {
            dir::CadreCreatedEvent::decode(any.value.as_slice()).map_err(|e| unreadable(e.to_string()))?.cadre
        } else if name == dir::CadreChangedEvent::full_name() {
            dir::CadreChangedEvent::decode(any.value.as_slice()).map_err(|e| unreadable(e.to_string()))?.cadre
        } else {
            return Ok(false);
        };
        put(conn, &cadre.ok_or_else(|| unreadable("no cadre".to_owned()))?)?;
        Ok(true)
    }

    async fn relist(&mut self, upstream: &Upstream) -> Result<Vec<dir::Cadre>, RelistFailed> {
        let mut client = DirectoryServiceClient::new(upstream.channel());
        let (mut cadres, mut page_token) = (Vec::new(), String::new());
        loop {
            // One record per page, so that the paging is exercised.
            let request = dir::SearchCadresRequest { page_size: 1, page_token, ..Default::default() };
            let page = upstream.call("SearchCadres", client.search_cadres(request)).await?;
            cadres.extend(page.cadres);
            if page.next_page_token.is_empty() {
                return Ok(cadres);
            }
            page_token = page.next_page_token;
        }
    }

    fn replace(conn: &mut DbConn, snapshot: &Vec<dir::Cadre>) -> Result<(), ApiError> {
        diesel::delete(roster::table).execute(conn)?;
        snapshot.iter().try_for_each(|cadre| put(conn, cadre))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_from_another_crate_follows_and_relists() {
    for database in TestDatabase::each() {
        let mut w = World::start(database).await;
        let backend = w.backend;
        let root = w.root.clone();
        let t1 = w.unit(&root, "T001", "城关镇", "town").await;
        let first = w.cadre("张一", &t1, staff_post()).await;
        let second = w.cadre("李二", &t1, staff_post()).await;
        let third = w.cadre("王三", &t1, staff_post()).await;
        prune_feed(&w.directory_db).await;

        let roster_database = fresh(backend);
        let db = Db::connect(&roster_database.url, small_pool()).await.unwrap();
        db.run(|conn| {
            conn.batch_execute(ROSTER_DDL)?;
            Ok(())
        })
        .await
        .unwrap();
        let (trigger, shutdown) = shutdown_channel();
        let follower = Follower::spawn(
            Roster,
            db.clone(),
            &w.endpoint,
            "roster",
            w.signer.clone(),
            shutdown,
            settings(),
        )
        .unwrap();
        w.update(
            dir::Cadre {
                id: second.id.clone(),
                rank: rank(dir::RankGrade::Staff2, "2020-01-01"),
                ..Default::default()
            },
            &["rank"],
        )
        .await;
        w.settle(&follower).await;
        assert_eq!(follower.state().relists, 1, "{backend}: the pruned feed was relisted");

        let names: BTreeMap<String, (String, i32)> = read(&db, |conn| {
            let rows: Vec<(String, String, i32)> = roster::table.load(conn)?;
            Ok(rows.into_iter().map(|(id, name, grade)| (id, (name, grade))).collect())
        })
        .await;
        let expected: BTreeMap<String, (String, i32)> = [
            (first.id.clone(), ("张一".to_owned(), 0)),
            (second.id.clone(), ("李二".to_owned(), dir::RankGrade::Staff2 as i32)),
            (third.id.clone(), ("王三".to_owned(), 0)),
        ]
        .into_iter()
        .collect();
        assert_eq!(names, expected, "{backend}: listed in pages of one, then the change applied");
        let saved = read(&db, |conn| proj::cursor(conn, "directory")).await;
        assert_eq!(saved.as_deref(), Some(follower.state().cursor.as_str()), "{backend}");

        trigger.fire();
        tokio::time::timeout(PATIENCE, follower.into_task()).await.unwrap().unwrap();
        w.stop().await;
    }
}

/// Units as the directory would describe them, for the store alone.
fn unit_msg(id: &str, ancestors: &[&str], name: &str) -> dir::OrgUnit {
    dir::OrgUnit {
        id: id.into(),
        parent_id: ancestors.iter().rev().nth(1).map(|s| (*s).to_owned()).unwrap_or_default(),
        name: name.into(),
        kind: "town".into(),
        ancestor_ids: ancestors.iter().map(|s| (*s).to_owned()).collect(),
        state: dir::OrgUnitState::Active as i32,
        ..Default::default()
    }
}

fn event_of<M: prost::Message + prost::Name>(message: &M) -> Event {
    Event {
        event_type: M::full_name(),
        payload: Some(prost_types::Any { type_url: M::type_url(), value: message.encode_to_vec() }),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_rewrites_subtrees_and_keeps_cursors() {
    for database in TestDatabase::each() {
        let backend = database.backend;
        let db = projection_db(&database).await;

        // d ─┬─ a ── b ── c        then a moves under e:   d ── e ── a ── b ── c
        //    └─ e
        let created = [
            unit_msg("d", &["d"], "区"),
            unit_msg("a", &["d", "a"], "甲"),
            unit_msg("b", &["d", "a", "b"], "乙"),
            unit_msg("c", &["d", "a", "b", "c"], "丙"),
            unit_msg("e", &["d", "e"], "戊"),
        ];
        let events: Vec<Event> = created
            .iter()
            .map(|u| event_of(&dir::OrgUnitCreatedEvent { org_unit: Some(u.clone()) }))
            .collect();
        let moved = event_of(&dir::OrgUnitMovedEvent {
            org_unit: Some(unit_msg("a", &["d", "e", "a"], "甲")),
            previous_parent_id: "d".into(),
        });
        // A sibling whose path merely starts alike ("/d/a" vs "/d/ab/") must not move.
        let lookalike =
            event_of(&dir::OrgUnitCreatedEvent { org_unit: Some(unit_msg("ab", &["d", "ab"], "似")) });
        let mut cadre = sample_cadre("c", "甲乙", 1, staff_post());
        cadre.id = "k1".into();
        let cadre_event = event_of(&dir::CadreCreatedEvent { cadre: Some(cadre) });
        let transferred = event_of(&dir::CadreTransferredEvent {
            cadre_id: "k1".into(),
            previous_employing_unit_id: "c".into(),
            employing_unit_id: "b".into(),
            previous_managing_unit_id: "c".into(),
            managing_unit_id: "e".into(),
        });
        let unknown =
            event_of(&dir::CadreTransferredEvent { cadre_id: "nobody".into(), ..Default::default() });
        let other = event_of(&cadre_proto::identity::AccountLockedEvent::default());
        let garbled = Event {
            payload: Some(prost_types::Any {
                type_url: dir::CadreCreatedEvent::type_url(),
                value: vec![0xff, 0xff, 0xff],
            }),
            ..Default::default()
        };
        let (stored, applied, refused) = db
            .write(move |conn| {
                let mut applied = Vec::new();
                for event in
                    events.iter().chain([&lookalike, &cadre_event, &moved, &transferred, &unknown, &other])
                {
                    applied.push(proj::apply_event(conn, event)?);
                }
                let refused = proj::apply_event(conn, &garbled).unwrap_err();
                let units: Vec<(String, String)> = schema::directory_units::table
                    .order(schema::directory_units::id)
                    .select((schema::directory_units::id, schema::directory_units::path))
                    .load(conn)?;
                Ok((units, applied, refused))
            })
            .await
            .unwrap();
        assert_eq!(applied, [vec![true; 10], vec![false]].concat(), "{backend}: only directory events apply");
        assert_eq!(refused.reason(), "EVENT_UNREADABLE", "{backend}");
        let expected: Vec<(String, String)> = [
            ("a", "/d/e/a/"),
            ("ab", "/d/ab/"),
            ("b", "/d/e/a/b/"),
            ("c", "/d/e/a/b/c/"),
            ("d", "/d/"),
            ("e", "/d/e/"),
        ]
        .iter()
        .map(|(id, path)| ((*id).to_owned(), (*path).to_owned()))
        .collect();
        assert_eq!(stored, expected, "{backend}: the subtree moved, the lookalike did not");

        let k1 = read(&db, |conn| proj::cadre(conn, "k1")).await.unwrap();
        assert_eq!(
            (k1.employing_path.as_str(), k1.managing_path.as_str()),
            ("/d/e/a/b/", "/d/e/"),
            "{backend}"
        );
        let ids = read(&db, |conn| proj::cadre_ids_in_subtree(conn, "e")).await;
        assert_eq!(ids, vec!["k1".to_owned()], "{backend}");
        let ids = read(&db, |conn| proj::cadre_ids_in_subtree(conn, "ab")).await;
        assert!(ids.is_empty(), "{backend}");
        let units: Vec<String> =
            read(&db, |conn| proj::units_in_subtree(conn, "e")).await.into_iter().map(|u| u.id).collect();
        assert_eq!(units, ["e", "a", "b", "c"], "{backend}: tree order after the move");
        let units: Vec<String> =
            read(&db, |conn| proj::units_in_subtree(conn, "a")).await.into_iter().map(|u| u.id).collect();
        assert_eq!(units, ["a", "b", "c"], "{backend}: not the lookalike ab");
        let employed = read(&db, |conn| proj::cadres_employed_in(conn, "b")).await;
        assert_eq!(employed.len(), 1, "{backend}");
        let employed = read(&db, |conn| proj::cadres_employed_in(conn, "c")).await;
        assert!(employed.is_empty(), "{backend}: transferred away");

        // Many ids at once: the IN lists are chunked.
        let many: Vec<dir::Cadre> = (0..1_200)
            .map(|n| {
                let mut cadre = sample_cadre("e", "多", 1, staff_post());
                cadre.id = format!("m{n:04}");
                cadre
            })
            .collect();
        db.write(move |conn| many.iter().try_for_each(|c| proj::upsert_cadre(conn, c))).await.unwrap();
        let wanted: Vec<String> = (0..1_200).rev().map(|n| format!("m{n:04}")).collect();
        let found = read(&db, {
            let wanted = wanted.clone();
            move |conn| proj::cadres(conn, &wanted)
        })
        .await;
        assert_eq!(found.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), wanted, "{backend}");
        assert!(found.iter().all(|c| c.employing_path == "/d/e/"), "{backend}");
        assert_eq!(read(&db, |conn| proj::cadres_in_subtree(conn, "e")).await.len(), 1_201, "{backend}");
        db.write(|conn| proj::retire_unlisted(conn, &Default::default(), &["k1".to_owned()].into()))
            .await
            .unwrap();
        assert_eq!(read(&db, |conn| proj::cadres_in_subtree(conn, "d")).await.len(), 1, "{backend}");
        assert_eq!(read(&db, |conn| proj::all_cadres_in_subtree(conn, "d")).await.len(), 1_201, "{backend}");

        // Cursors: plain saves, and the compare-and-set a second replica would lose.
        assert_eq!(read(&db, |conn| proj::cursor(conn, SOURCE)).await, None, "{backend}");
        assert!(read(&db, |conn| proj::advance_cursor(conn, SOURCE, None, "c1")).await, "{backend}");
        assert!(!read(&db, |conn| proj::advance_cursor(conn, SOURCE, None, "c2")).await, "{backend}");
        assert!(!read(&db, |conn| proj::advance_cursor(conn, SOURCE, Some("c0"), "c2")).await, "{backend}");
        assert!(read(&db, |conn| proj::advance_cursor(conn, SOURCE, Some("c1"), "c2")).await, "{backend}");
        read(&db, |conn| proj::save_cursor(conn, SOURCE, "c3")).await;
        read(&db, |conn| proj::save_cursor(conn, "other", "x1")).await;
        assert_eq!(read(&db, |conn| proj::cursor(conn, SOURCE)).await.as_deref(), Some("c3"), "{backend}");
        assert_eq!(read(&db, |conn| proj::cursor(conn, "other")).await.as_deref(), Some("x1"), "{backend}");

        // The caller's own record is in an own scope even before the projection knows it.
        let principal = person("someone", &[Role::Cadre], &["d"], Some("k0"));
        let scope = DataScope::for_roles(&principal, &[Role::Cadre]);
        let ids = read(&db, move |conn| proj::cadre_ids_in_scope(conn, &scope)).await;
        assert_eq!(ids, Some(vec!["k0".to_owned()]), "{backend}");
    }
}

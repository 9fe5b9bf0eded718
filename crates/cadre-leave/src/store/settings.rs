//! What the org department sets per unit, per cadre and per period that changes a request's route: unit
//! settings (sensitive posts, the on-duty ratio, the liaison leader), reporting lines, and blackout periods.
//!
//! Upserts select and then update or insert: `ON CONFLICT` does not go through diesel's `MultiConnection`.
//! Every mutation runs inside `Db::mutate`, which serialises writers, so the select cannot race.

use cadre_platform::{ApiError, DbConn, clock, policy};
use chrono::NaiveDate;
use diesel::prelude::*;

use super::{
    calendar::check_version,
    schema::{blackout_periods, reporting_lines, unit_settings},
};

/// The policy key of the on-duty ratio a unit has until the org department sets its own.
pub const DEFAULT_MAX_AWAY_PERCENT_KEY: &str = "leave.on_duty.default_max_away_percent";

/// A unit's leave settings: what raises (or refuses) its cadres' requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSettings {
    /// The unit.
    pub org_unit_id: String,
    /// Posts of the unit are sensitive (党政办, 财政, 信访): routes go a level higher.
    pub sensitive: bool,
    /// At most this percentage of the unit away at once; 0 for no limit. Signed like the proto and the
    /// column, 0..=100 by the API's check.
    pub max_away_percent: i32,
    /// Whether exceeding the ratio refuses the request rather than raising its route.
    pub refuse_over_ratio: bool,
    /// The district leader who liaises with the unit; empty when the 区委 pool decides.
    pub liaison_leader_cadre_id: String,
    /// Optimistic-concurrency version; 0 while the unit has never been set.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = unit_settings)]
struct SettingsRow {
    org_unit_id: String,
    sensitive: bool,
    max_away_percent: i32,
    refuse_over_ratio: bool,
    liaison_leader_cadre_id: String,
    version: i64,
}

impl From<SettingsRow> for UnitSettings {
    fn from(row: SettingsRow) -> Self {
        Self {
            org_unit_id: row.org_unit_id,
            sensitive: row.sensitive,
            max_away_percent: row.max_away_percent,
            refuse_over_ratio: row.refuse_over_ratio,
            liaison_leader_cadre_id: row.liaison_leader_cadre_id,
            version: row.version,
        }
    }
}

/// The settings the unit has stored; `None` while it has never been set.
pub fn stored_unit_settings(conn: &mut DbConn, org_unit_id: &str) -> Result<Option<UnitSettings>, ApiError> {
    let row: Option<SettingsRow> =
        unit_settings::table.find(org_unit_id).select(SettingsRow::as_select()).first(conn).optional()?;
    Ok(row.map(UnitSettings::from))
}

/// A unit's settings, or the defaults while it has none: not sensitive, the district's default on-duty ratio
/// in force on `on` (policy [`DEFAULT_MAX_AWAY_PERCENT_KEY`]), not refusing, no liaison leader, version 0.
pub fn unit_settings_on(
    conn: &mut DbConn,
    org_unit_id: &str,
    on: NaiveDate,
) -> Result<UnitSettings, ApiError> {
    if let Some(stored) = stored_unit_settings(conn, org_unit_id)? {
        return Ok(stored);
    }
    let percent = policy::u32_on(conn, DEFAULT_MAX_AWAY_PERCENT_KEY, on)?;
    Ok(UnitSettings {
        org_unit_id: org_unit_id.to_owned(),
        sensitive: false,
        // A percentage above 100 limits nothing more than 100 does.
        max_away_percent: i32::try_from(percent.min(100)).unwrap_or(100),
        refuse_over_ratio: false,
        liaison_leader_cadre_id: String::new(),
        version: 0,
    })
}

/// [`unit_settings_on`] under the policy in force today in the district: a unit's defaults follow the
/// policy of the day the request is planned.
pub fn unit_settings(conn: &mut DbConn, org_unit_id: &str) -> Result<UnitSettings, ApiError> {
    unit_settings_on(conn, org_unit_id, clock::today())
}

/// Stores a unit's settings (`settings.version` is ignored) and returns them with the new version.
/// `expected_version` non-zero must equal the stored version (0 while never set), else ABORTED
/// `VERSION_MISMATCH` and nothing changes.
pub fn set_unit_settings(
    conn: &mut DbConn,
    settings: &UnitSettings,
    expected_version: i64,
) -> Result<UnitSettings, ApiError> {
    let current = stored_unit_settings(conn, &settings.org_unit_id)?;
    let actual = current.as_ref().map_or(0, |s| s.version);
    check_version(expected_version, actual)?;
    let version = actual + 1;
    let values = (
        unit_settings::sensitive.eq(settings.sensitive),
        unit_settings::max_away_percent.eq(settings.max_away_percent),
        unit_settings::refuse_over_ratio.eq(settings.refuse_over_ratio),
        unit_settings::liaison_leader_cadre_id.eq(settings.liaison_leader_cadre_id.as_str()),
        unit_settings::version.eq(version),
        unit_settings::updated_at.eq(clock::now()),
    );
    if current.is_some() {
        diesel::update(unit_settings::table.find(&settings.org_unit_id)).set(values).execute(conn)?;
    } else {
        diesel::insert_into(unit_settings::table)
            .values((unit_settings::org_unit_id.eq(settings.org_unit_id.as_str()), values))
            .execute(conn)?;
    }
    Ok(UnitSettings { version, ..settings.clone() })
}

/// Who a cadre reports to for leave below the unit principal. An empty id means the step falls to the
/// next level up.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = reporting_lines)]
pub struct ReportingLine {
    /// The cadre.
    pub cadre_id: String,
    /// 科室负责人; empty: the supervising leader decides.
    pub section_head_cadre_id: String,
    /// 分管领导; empty: the unit principal decides.
    pub supervising_leader_cadre_id: String,
}

/// A cadre's reporting line; `None` while none was set.
pub fn reporting_line(conn: &mut DbConn, cadre_id: &str) -> Result<Option<ReportingLine>, ApiError> {
    Ok(reporting_lines::table.find(cadre_id).select(ReportingLine::as_select()).first(conn).optional()?)
}

/// Sets a cadre's reporting line, replacing any earlier one; returns it as stored.
pub fn set_reporting_line(conn: &mut DbConn, line: &ReportingLine) -> Result<ReportingLine, ApiError> {
    let values = (
        reporting_lines::section_head_cadre_id.eq(line.section_head_cadre_id.as_str()),
        reporting_lines::supervising_leader_cadre_id.eq(line.supervising_leader_cadre_id.as_str()),
        reporting_lines::updated_at.eq(clock::now()),
    );
    let updated = diesel::update(reporting_lines::table.find(&line.cadre_id)).set(values).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(reporting_lines::table)
            .values((reporting_lines::cadre_id.eq(line.cadre_id.as_str()), values))
            .execute(conn)?;
    }
    Ok(line.clone())
}

/// A blackout period (汛期, a major event): leave in it is refused or routed higher, except for the exempt
/// types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blackout {
    /// Id (UUIDv7).
    pub id: String,
    /// Name, e.g. "2026年主汛期".
    pub name: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// The subtree it covers; empty for the whole district.
    pub org_unit_id: String,
    /// Whether leave is refused outright rather than routed higher.
    pub refuse: bool,
    /// Leave type codes it does not apply to.
    pub exempt_types: Vec<String>,
}

impl Blackout {
    /// Whether leave of `leave_type` is exempt, so the period does not touch it.
    pub fn exempts(&self, leave_type: &str) -> bool {
        self.exempt_types.iter().any(|code| code == leave_type)
    }

    /// Whether the period covers a unit given by its materialised path (`/root/…/unit/`): the whole
    /// district, or a subtree the unit is in.
    pub fn covers_path(&self, unit_path: &str) -> bool {
        self.org_unit_id.is_empty() || unit_path.split('/').any(|id| id == self.org_unit_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = blackout_periods)]
struct BlackoutRow {
    id: String,
    name: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    org_unit_id: String,
    refuse: bool,
    exempt_types: String,
}

impl From<BlackoutRow> for Blackout {
    fn from(row: BlackoutRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            start_date: row.start_date,
            end_date: row.end_date,
            org_unit_id: row.org_unit_id,
            refuse: row.refuse,
            exempt_types: row.exempt_types.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
        }
    }
}

/// Stores a new blackout period under a new id (the given `id` is ignored) and returns it as stored.
/// Exempt type codes must not contain commas (the API admits only snake-case codes).
pub fn create_blackout(conn: &mut DbConn, blackout: &Blackout) -> Result<Blackout, ApiError> {
    if blackout.exempt_types.iter().any(|code| code.contains(',') || code.is_empty()) {
        return Err(ApiError::invalid_argument(
            "INVALID_BLACKOUT_PERIOD",
            "exempt type codes cannot be stored",
        ));
    }
    let stored = Blackout { id: super::new_id(), ..blackout.clone() };
    diesel::insert_into(blackout_periods::table)
        .values((
            blackout_periods::id.eq(stored.id.as_str()),
            blackout_periods::name.eq(stored.name.as_str()),
            blackout_periods::start_date.eq(stored.start_date),
            blackout_periods::end_date.eq(stored.end_date),
            blackout_periods::org_unit_id.eq(stored.org_unit_id.as_str()),
            blackout_periods::refuse.eq(stored.refuse),
            blackout_periods::exempt_types.eq(stored.exempt_types.join(",")),
            blackout_periods::created_at.eq(clock::now()),
        ))
        .execute(conn)?;
    Ok(stored)
}

/// Blackout periods sharing at least a day with `from..=to`, by start date (then id), whatever unit they
/// cover: the caller knows the applicant's unit path (see [`Blackout::covers_path`]).
pub fn blackouts_overlapping(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Blackout>, ApiError> {
    let rows: Vec<BlackoutRow> = blackout_periods::table
        .filter(blackout_periods::end_date.ge(from))
        .filter(blackout_periods::start_date.le(to))
        .order((blackout_periods::start_date.asc(), blackout_periods::id.asc()))
        .select(BlackoutRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Blackout::from).collect())
}

/// Every blackout period, by start date (then id).
pub fn all_blackouts(conn: &mut DbConn) -> Result<Vec<Blackout>, ApiError> {
    let rows: Vec<BlackoutRow> = blackout_periods::table
        .order((blackout_periods::start_date.asc(), blackout_periods::id.asc()))
        .select(BlackoutRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Blackout::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadre_platform::{Db, db::PoolOptions, testing::TestDatabase};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    async fn databases() -> Vec<(TestDatabase, Db)> {
        let mut all = Vec::new();
        for database in TestDatabase::each() {
            let db = Db::connect(&database.url, PoolOptions::default()).await.unwrap();
            db.migrate(&crate::store::MIGRATIONS).await.unwrap();
            all.push((database, db));
        }
        all
    }

    #[tokio::test]
    async fn unit_settings_default_then_versioned() {
        for (database, db) in databases().await {
            let backend = database.backend;
            let defaults = db.run(|conn| unit_settings_on(conn, "u1", d(2026, 3, 1))).await.unwrap();
            assert_eq!(
                defaults,
                UnitSettings {
                    org_unit_id: "u1".to_owned(),
                    sensitive: false,
                    max_away_percent: 0,
                    refuse_over_ratio: false,
                    liaison_leader_cadre_id: String::new(),
                    version: 0,
                },
                "{backend}"
            );
            // The default follows the policy value in force on the day.
            db.write(|conn| policy::set(conn, DEFAULT_MAX_AWAY_PERCENT_KEY, d(2026, 6, 1), "30", "test"))
                .await
                .unwrap();
            let june = db.run(|conn| unit_settings_on(conn, "u1", d(2026, 6, 1))).await.unwrap();
            assert_eq!(june.max_away_percent, 30, "{backend}");
            assert_eq!(db.run(|conn| stored_unit_settings(conn, "u1")).await.unwrap(), None, "{backend}");

            let wanted = UnitSettings {
                sensitive: true,
                max_away_percent: 20,
                liaison_leader_cadre_id: "c9".to_owned(),
                version: 42,
                ..defaults.clone()
            };
            let first = db.write({
                let wanted = wanted.clone();
                move |conn| set_unit_settings(conn, &wanted, 0)
            });
            let first = first.await.unwrap();
            assert_eq!(first, UnitSettings { version: 1, ..wanted.clone() }, "{backend}");
            let stale = db.write({
                let wanted = wanted.clone();
                move |conn| set_unit_settings(conn, &UnitSettings { sensitive: false, ..wanted }, 5)
            });
            let error = stale.await.unwrap_err();
            assert_eq!(
                (error.code(), error.reason()),
                (tonic::Code::Aborted, "VERSION_MISMATCH"),
                "{backend}"
            );
            let second = db.write({
                let wanted = wanted.clone();
                move |conn| set_unit_settings(conn, &UnitSettings { refuse_over_ratio: true, ..wanted }, 1)
            });
            assert_eq!(second.await.unwrap().version, 2, "{backend}");
            let stored = db.run(|conn| unit_settings(conn, "u1")).await.unwrap();
            assert!(stored.sensitive && stored.refuse_over_ratio, "{backend}");
            assert_eq!((stored.version, stored.max_away_percent), (2, 20), "{backend}");
        }
    }

    #[tokio::test]
    async fn reporting_lines_are_replaced() {
        for (database, db) in databases().await {
            let backend = database.backend;
            assert_eq!(db.run(|conn| reporting_line(conn, "c1")).await.unwrap(), None, "{backend}");
            let line = |head: &str, leader: &str| ReportingLine {
                cadre_id: "c1".to_owned(),
                section_head_cadre_id: head.to_owned(),
                supervising_leader_cadre_id: leader.to_owned(),
            };
            let (a, b) = (line("c2", "c3"), line("", "c4"));
            let got = db
                .write({
                    let (a, b) = (a.clone(), b.clone());
                    move |conn| {
                        set_reporting_line(conn, &a)?;
                        let first = reporting_line(conn, "c1")?;
                        set_reporting_line(conn, &b)?;
                        Ok((first, reporting_line(conn, "c1")?))
                    }
                })
                .await
                .unwrap();
            assert_eq!(got, (Some(a), Some(b)), "{backend}");
        }
    }

    #[tokio::test]
    async fn blackouts_by_overlap() {
        for (database, db) in databases().await {
            let backend = database.backend;
            let flood = Blackout {
                id: "ignored".to_owned(),
                name: "2026年主汛期".to_owned(),
                start_date: d(2026, 6, 1),
                end_date: d(2026, 8, 31),
                org_unit_id: String::new(),
                refuse: false,
                exempt_types: vec!["maternity".to_owned(), "bereavement".to_owned()],
            };
            let event = Blackout {
                name: "重大活动".to_owned(),
                start_date: d(2026, 5, 20),
                end_date: d(2026, 5, 25),
                org_unit_id: "u7".to_owned(),
                refuse: true,
                exempt_types: Vec::new(),
                ..flood.clone()
            };
            let (flood_stored, event_stored) = db
                .write({
                    let (flood, event) = (flood.clone(), event.clone());
                    move |conn| Ok((create_blackout(conn, &flood)?, create_blackout(conn, &event)?))
                })
                .await
                .unwrap();
            assert_ne!(flood_stored.id, "ignored", "{backend}");
            assert_eq!(flood_stored, Blackout { id: flood_stored.id.clone(), ..flood }, "{backend}");
            let names = |list: Vec<Blackout>| list.into_iter().map(|b| b.name).collect::<Vec<_>>();
            let (edge, inside, between, everything, all) = db
                .run(|conn| {
                    Ok((
                        blackouts_overlapping(conn, d(2026, 5, 25), d(2026, 6, 1))?,
                        blackouts_overlapping(conn, d(2026, 7, 1), d(2026, 7, 1))?,
                        blackouts_overlapping(conn, d(2026, 5, 26), d(2026, 5, 31))?,
                        blackouts_overlapping(conn, d(1, 1, 1), d(9999, 12, 31))?,
                        all_blackouts(conn)?,
                    ))
                })
                .await
                .unwrap();
            assert_eq!(names(edge), ["重大活动", "2026年主汛期"], "{backend}");
            assert_eq!(names(inside), ["2026年主汛期"], "{backend}");
            assert!(between.is_empty(), "{backend}");
            assert_eq!(everything, all, "{backend}");
            assert_eq!(all[0], event_stored, "{backend}");
            assert!(all[1].exempts("maternity") && !all[1].exempts("annual"), "{backend}");
            assert!(all[1].covers_path("/root/u7/") && all[0].covers_path("/root/u7/x/"), "{backend}");
            assert!(!all[0].covers_path("/root/u8/"), "{backend}");
        }
    }
}

//! A cadre's record and the checks it must pass before it is stored.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use super::{
    citizen_id::{CitizenId, Gender},
    codes::{CadreCategory, CadreStatus, Education, PostLevel, RankGrade},
    facts::{self, FactFinding, FactPolicy, PersonFacts, Severity, WorkPeriod},
};

/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 50;

/// A post (职务).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Title, e.g. `副镇长`.
    pub title: String,
    /// Leadership level.
    pub level: PostLevel,
    /// Leadership post or not.
    pub is_leader: bool,
    /// Member of the unit's 班子.
    pub is_team_member: bool,
    /// The unit's principal leader.
    pub is_principal: bool,
    /// Since when.
    pub start_date: Option<NaiveDate>,
}

/// A rank held since a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rank {
    /// The grade.
    pub grade: RankGrade,
    /// Since when.
    pub start_date: NaiveDate,
}

/// Everything about a cadre that a client sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadreData {
    /// HR system id.
    pub external_id: Option<String>,
    /// Name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Citizen id.
    pub citizen_id: CitizenId,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Work start.
    pub work_start_date: Option<NaiveDate>,
    /// Party entry.
    pub party_entry_date: Option<NaiveDate>,
    /// Education.
    pub education: Education,
    /// Category.
    pub category: CadreCategory,
    /// Employing unit id.
    pub employing_unit_id: String,
    /// Managing unit id.
    pub managing_unit_id: String,
    /// Post.
    pub post: Post,
    /// Rank, if any.
    pub rank: Option<Rank>,
    /// Status.
    pub status: CadreStatus,
    /// Work history, oldest first.
    pub work_history: Vec<WorkPeriod>,
}

/// A stored cadre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadre {
    /// Id.
    pub id: String,
    /// The record.
    pub data: CadreData,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A field at fault: (proto field path, description).
pub type Problem = (String, String);

impl CadreData {
    /// Checks the record: shape rules and the fact consistency checks of domain.md §6.3. Returns the
    /// warnings to show with an accepted record, or every problem of a refused one.
    pub fn check(&self, policy: &FactPolicy, today: NaiveDate) -> Result<Vec<FactFinding>, Vec<Problem>> {
        let mut problems: Vec<Problem> = Vec::new();
        let mut problem =
            |field: &str, description: &str| problems.push((field.to_owned(), description.to_owned()));
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            problem("name", "must be 1-50 characters without control characters");
        }
        if let Some(external_id) = &self.external_id
            && (external_id.is_empty()
                || external_id.len() > 64
                || !external_id.chars().all(|c| c.is_ascii_graphic()))
        {
            problem("external_id", "must be 1-64 printable ASCII characters without spaces");
        }
        if self.post.title.trim().is_empty() || self.post.title.chars().count() > 50 {
            problem("post.title", "must be 1-50 characters");
        }
        if self.post.is_leader != (self.post.level != PostLevel::None) {
            problem(
                "post.level",
                "a leadership post has a leadership level, and only a leadership post does",
            );
        }
        if self.post.is_principal && !self.post.is_team_member {
            problem("post.is_principal", "a principal leader sits on the leadership team");
        }
        if self.employing_unit_id.is_empty() {
            problem("employing_unit_id", "is required");
        }
        if self.managing_unit_id.is_empty() {
            problem("managing_unit_id", "is required");
        }
        let findings = facts::check_facts(
            &PersonFacts {
                gender: self.gender,
                citizen_id: &self.citizen_id,
                birth_date: self.birth_date,
                work_start_date: self.work_start_date,
                party_entry_date: self.party_entry_date,
                post_start_date: self.post.start_date,
                rank_start_date: self.rank.map(|r| r.start_date),
                work_history: &self.work_history,
            },
            policy,
            today,
        );
        let (conflicts, warnings): (Vec<_>, Vec<_>) =
            findings.into_iter().partition(|f| f.severity == Severity::Conflict);
        for conflict in conflicts {
            problems.push((conflict.field.to_owned(), format!("{}: {}", conflict.reason, conflict.message)));
        }
        if problems.is_empty() { Ok(warnings) } else { Err(problems) }
    }

    /// The record's fields by proto field path, as JSON, with the citizen id masked: for change history
    /// and for telling an unchanged import row from a changed one.
    pub fn field_values(&self) -> BTreeMap<&'static str, Value> {
        let date = |d: Option<NaiveDate>| d.map_or(Value::Null, |d| Value::String(d.to_string()));
        BTreeMap::from([
            ("external_id", json!(self.external_id)),
            ("name", json!(self.name)),
            (
                "gender",
                json!(match self.gender {
                    Gender::Male => "male",
                    Gender::Female => "female",
                }),
            ),
            ("citizen_id", json!(self.citizen_id.masked())),
            ("citizen_id_digest", json!(short_digest(self.citizen_id.as_str()))),
            ("birth_date", date(Some(self.birth_date))),
            ("work_start_date", date(self.work_start_date)),
            ("party_entry_date", date(self.party_entry_date)),
            ("education", json!(self.education.code())),
            ("category", json!(self.category.code())),
            ("employing_unit_id", json!(self.employing_unit_id)),
            ("managing_unit_id", json!(self.managing_unit_id)),
            (
                "post",
                json!({
                    "title": self.post.title,
                    "level": self.post.level.code(),
                    "is_leader": self.post.is_leader,
                    "is_team_member": self.post.is_team_member,
                    "is_principal": self.post.is_principal,
                    "start_date": date(self.post.start_date),
                }),
            ),
            (
                "rank",
                self.rank.map_or(Value::Null, |r| {
                    json!({
                        "grade": r.grade.code(),
                        "start_date": r.start_date.to_string(),
                    })
                }),
            ),
            ("status", json!(self.status.code())),
            ("work_history", Value::Array(self.work_history.iter().map(work_period_json).collect())),
        ])
    }
}

/// A work period as JSON (also its stored form).
pub fn work_period_json(period: &WorkPeriod) -> Value {
    json!({
        "start": period.start.to_string(),
        "end": period.end.map(|d| d.to_string()),
        "unit_name": period.unit_name,
        "post_title": period.post_title,
    })
}

/// A work period from its stored JSON.
pub fn work_period_from_json(value: &Value) -> Option<WorkPeriod> {
    let date = |key: &str| value.get(key).and_then(Value::as_str).and_then(|s| s.parse::<NaiveDate>().ok());
    Some(WorkPeriod {
        start: date("start")?,
        end: date("end"),
        unit_name: value.get("unit_name")?.as_str()?.to_owned(),
        post_title: value.get("post_title")?.as_str()?.to_owned(),
    })
}

/// A digest that shows a masked citizen id changed without revealing it.
fn short_digest(text: &str) -> String {
    // FNV-1a: not for secrecy (the history is access-controlled), only to tell two values apart.
    let hash = text
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

/// The proto field paths whose values differ, in order, with their before and after values.
pub fn diff(
    before: &CadreData,
    after: &CadreData,
) -> (Vec<&'static str>, BTreeMap<&'static str, Value>, BTreeMap<&'static str, Value>) {
    let (old, new) = (before.field_values(), after.field_values());
    let mut changed = Vec::new();
    let (mut was, mut now) = (BTreeMap::new(), BTreeMap::new());
    for (field, value) in &new {
        let previous = old.get(field).cloned().unwrap_or(Value::Null);
        if &previous != value {
            if *field != "citizen_id_digest" {
                changed.push(*field);
            }
            was.insert(*field, previous);
            now.insert(*field, value.clone());
        }
    }
    if was.contains_key("citizen_id_digest") && !changed.contains(&"citizen_id") {
        changed.push("citizen_id");
    }
    (changed, was, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    pub(crate) fn sample() -> CadreData {
        let citizen_id = CitizenId::compose("510199", d("1985-03-15"), 123).unwrap();
        CadreData {
            external_id: Some("HR-1".into()),
            name: "张伟".into(),
            gender: citizen_id.gender(),
            birth_date: d("1985-03-15"),
            citizen_id,
            work_start_date: Some(d("2007-07-01")),
            party_entry_date: Some(d("2006-06-01")),
            education: Education::University,
            category: CadreCategory::CivilServant,
            employing_unit_id: "u1".into(),
            managing_unit_id: "u1".into(),
            post: Post {
                title: "副镇长".into(),
                level: PostLevel::TownshipDeputy,
                is_leader: true,
                is_team_member: true,
                is_principal: false,
                start_date: Some(d("2020-01-01")),
            },
            rank: Some(Rank { grade: RankGrade::PrincipalStaff3, start_date: d("2021-01-01") }),
            status: CadreStatus::Active,
            work_history: vec![WorkPeriod {
                start: d("2007-07-01"),
                end: None,
                unit_name: "城关镇".into(),
                post_title: "科员".into(),
            }],
        }
    }

    fn today() -> NaiveDate {
        d("2026-11-26")
    }

    #[test]
    fn a_consistent_record_passes() {
        assert_eq!(sample().check(&FactPolicy::DEFAULT, today()), Ok(vec![]));
    }

    #[test]
    fn shape_rules_name_their_fields() {
        let mut bad = sample();
        bad.name = " ".into();
        bad.post.level = PostLevel::None;
        bad.post.is_principal = true;
        bad.post.is_team_member = false;
        bad.external_id = Some("has space".into());
        let problems = bad.check(&FactPolicy::DEFAULT, today()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        for field in ["name", "post.level", "post.is_principal", "external_id"] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
    }

    #[test]
    fn fact_conflicts_refuse_the_record() {
        let mut under_age = sample();
        under_age.party_entry_date = Some(d("2003-03-14"));
        let problems = under_age.check(&FactPolicy::DEFAULT, today()).unwrap_err();
        assert_eq!(problems[0].0, "party_entry_date");
        assert!(problems[0].1.starts_with("PARTY_ENTRY_UNDER_AGE"));
        let mut wrong_birth = sample();
        wrong_birth.birth_date = d("1985-03-16");
        assert!(
            wrong_birth
                .check(&FactPolicy::DEFAULT, today())
                .unwrap_err()
                .iter()
                .any(|(f, _)| f == "birth_date")
        );
    }

    #[test]
    fn diffs_name_changed_fields_and_mask_the_citizen_id() {
        let before = sample();
        let mut after = sample();
        after.post.title = "镇长".into();
        after.citizen_id = CitizenId::compose("510199", d("1985-03-15"), 125).unwrap();
        let (changed, was, now) = diff(&before, &after);
        assert_eq!(changed, vec!["citizen_id", "post"]);
        assert!(!now["citizen_id"].as_str().unwrap().contains("0315"), "masked");
        assert_ne!(was["citizen_id_digest"], now["citizen_id_digest"]);
        assert_eq!(diff(&before, &before.clone()).0, Vec::<&str>::new());
    }

    #[test]
    fn work_periods_round_trip_through_json() {
        let period = &sample().work_history[0];
        assert_eq!(work_period_from_json(&work_period_json(period)).as_ref(), Some(period));
        assert_eq!(work_period_from_json(&json!({"start": "bad"})), None);
    }
}

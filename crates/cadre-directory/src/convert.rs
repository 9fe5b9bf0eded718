//! Proto ⇄ domain mapping. Parsing a proto message collects every problem, named by its proto field path.

use cadre_platform::clock::to_timestamp;
use cadre_proto::{directory as pb, types};
use chrono::NaiveDate;

use crate::{
    domain::{
        cadre::{Cadre, CadreData, Post, Problem, Rank},
        citizen_id::{CitizenId, Gender},
        codes::{
            AccountKind, AccountState, CadreCategory, CadreStatus, Clearance, Education, PostLevel,
            RankGrade, Role, UnitState,
        },
        facts::{FactFinding, Severity, WorkPeriod},
        units::{UnitKind, path_ids},
    },
    store::{accounts::Account, cadres::ChangeRow, units::UnitRow},
};

pub use cadre_platform::dates::{date_from, date_to};

/// Collects problems while parsing.
struct Parser<'a> {
    prefix: &'a str,
    problems: Vec<Problem>,
}

impl Parser<'_> {
    fn problem(&mut self, field: &str, description: &str) {
        self.problems.push((format!("{}{field}", self.prefix), description.to_owned()));
    }

    fn optional_date(&mut self, field: &str, date: Option<&types::Date>) -> Option<NaiveDate> {
        let date = date?;
        let parsed = date_from(date);
        if parsed.is_none() {
            self.problem(field, "is not a valid calendar date");
        }
        parsed
    }

    fn required_date(&mut self, field: &str, date: Option<&types::Date>) -> Option<NaiveDate> {
        if date.is_none() {
            self.problem(field, "is required");
        }
        self.optional_date(field, date)
    }

    fn code<T>(&mut self, field: &str, number: i32, from: impl Fn(i32) -> Option<T>) -> Option<T> {
        let value = from(number);
        if value.is_none() {
            self.problem(field, if number == 0 { "is required" } else { "is not a known value" });
        }
        value
    }
}

/// Parses a cadre record; `prefix` is prepended to field paths (e.g. `cadre.`).
pub fn cadre_data_from(cadre: &pb::Cadre, prefix: &str) -> Result<CadreData, Vec<Problem>> {
    let mut p = Parser { prefix, problems: Vec::new() };
    let citizen_id = match CitizenId::parse(&cadre.citizen_id) {
        Ok(id) => Some(id),
        Err(error) => {
            p.problem("citizen_id", &format!("{}: {error}", error.reason()));
            None
        }
    };
    let gender = match pb::Gender::try_from(cadre.gender) {
        Ok(pb::Gender::Male) => Some(Gender::Male),
        Ok(pb::Gender::Female) => Some(Gender::Female),
        _ => {
            p.problem("gender", "is required: male or female");
            None
        }
    };
    let birth_date = p.required_date("birth_date", cadre.birth_date.as_ref());
    let work_start_date = p.optional_date("work_start_date", cadre.work_start_date.as_ref());
    let party_entry_date = p.optional_date("party_entry_date", cadre.party_entry_date.as_ref());
    let education = p.code("education", cadre.education, Education::from_number);
    let category = p.code("category", cadre.category, CadreCategory::from_number);
    let status = p.code("status", cadre.status, CadreStatus::from_number);
    let post = match &cadre.post {
        None => {
            p.problem("post", "is required");
            None
        }
        Some(post) => {
            let level = p.code("post.level", post.level, PostLevel::from_number);
            let start_date = p.optional_date("post.start_date", post.start_date.as_ref());
            level.map(|level| Post {
                title: post.title.trim().to_owned(),
                level,
                is_leader: post.is_leader,
                is_team_member: post.is_team_member,
                is_principal: post.is_principal,
                start_date,
            })
        }
    };
    let rank = match &cadre.rank {
        None => None,
        Some(rank) => {
            let grade = p.code("rank.grade", rank.grade, RankGrade::from_number);
            let start = p.required_date("rank.start_date", rank.start_date.as_ref());
            grade.zip(start).map(|(grade, start_date)| Rank { grade, start_date })
        }
    };
    let mut work_history = Vec::new();
    for (i, period) in cadre.work_history.iter().enumerate() {
        let start = p.required_date(&format!("work_history[{i}].start_date"), period.start_date.as_ref());
        let end = p.optional_date(&format!("work_history[{i}].end_date"), period.end_date.as_ref());
        if period.unit_name.trim().is_empty() || period.unit_name.chars().count() > 100 {
            p.problem(&format!("work_history[{i}].unit_name"), "must be 1-100 characters");
        }
        if let Some(start) = start {
            work_history.push(WorkPeriod {
                start,
                end,
                unit_name: period.unit_name.trim().to_owned(),
                post_title: period.post_title.trim().to_owned(),
            });
        }
    }
    if cadre.work_history.len() > 50 {
        p.problem("work_history", "at most 50 periods");
    }
    if !p.problems.is_empty() {
        return Err(p.problems);
    }
    let (
        Some(citizen_id),
        Some(gender),
        Some(birth_date),
        Some(education),
        Some(category),
        Some(status),
        Some(post),
    ) = (citizen_id, gender, birth_date, education, category, status, post)
    else {
        return Err(vec![(format!("{prefix}cadre"), "is incomplete".to_owned())]);
    };
    Ok(CadreData {
        external_id: Some(cadre.external_id.trim().to_owned()).filter(|s| !s.is_empty()),
        name: cadre.name.trim().to_owned(),
        gender,
        citizen_id,
        birth_date,
        work_start_date,
        party_entry_date,
        education,
        category,
        employing_unit_id: cadre.employing_unit_id.trim().to_owned(),
        managing_unit_id: cadre.managing_unit_id.trim().to_owned(),
        post,
        rank,
        status,
        work_history,
    })
}

/// A cadre record as proto. The citizen id is full only when `full_citizen_id`.
pub fn cadre_to(cadre: &Cadre, full_citizen_id: bool, warnings: &[FactFinding]) -> pb::Cadre {
    let data = &cadre.data;
    pb::Cadre {
        id: cadre.id.clone(),
        external_id: data.external_id.clone().unwrap_or_default(),
        name: data.name.clone(),
        gender: match data.gender {
            Gender::Male => pb::Gender::Male,
            Gender::Female => pb::Gender::Female,
        } as i32,
        citizen_id: if full_citizen_id {
            data.citizen_id.as_str().to_owned()
        } else {
            data.citizen_id.masked()
        },
        birth_date: Some(date_to(data.birth_date)),
        work_start_date: data.work_start_date.map(date_to),
        party_entry_date: data.party_entry_date.map(date_to),
        education: data.education.number(),
        category: data.category.number(),
        employing_unit_id: data.employing_unit_id.clone(),
        managing_unit_id: data.managing_unit_id.clone(),
        post: Some(pb::Post {
            title: data.post.title.clone(),
            level: data.post.level.number(),
            is_leader: data.post.is_leader,
            is_team_member: data.post.is_team_member,
            is_principal: data.post.is_principal,
            start_date: data.post.start_date.map(date_to),
        }),
        rank: data
            .rank
            .map(|r| pb::Rank { grade: r.grade.number(), start_date: Some(date_to(r.start_date)) }),
        status: data.status.number(),
        work_history: data
            .work_history
            .iter()
            .map(|w| pb::WorkHistoryEntry {
                start_date: Some(date_to(w.start)),
                end_date: w.end.map(date_to),
                unit_name: w.unit_name.clone(),
                post_title: w.post_title.clone(),
            })
            .collect(),
        fact_checks: warnings
            .iter()
            .map(|f| pb::FactCheck {
                field: f.field.to_owned(),
                reason: f.reason.to_owned(),
                severity: match f.severity {
                    Severity::Warning => pb::FactCheckSeverity::Warning,
                    Severity::Conflict => pb::FactCheckSeverity::Conflict,
                } as i32,
                message: f.message.clone(),
            })
            .collect(),
        version: cadre.version,
        create_time: Some(to_timestamp(cadre.created_at)),
        update_time: Some(to_timestamp(cadre.updated_at)),
    }
}

/// A unit as proto.
pub fn unit_to(unit: &UnitRow) -> pb::OrgUnit {
    pb::OrgUnit {
        id: unit.id.clone(),
        parent_id: unit.parent_id.clone().unwrap_or_default(),
        code: unit.code.clone(),
        name: unit.name.clone(),
        kind: unit.kind.clone(),
        depth: unit.depth,
        ancestor_ids: path_ids(&unit.path),
        state: UnitState::from_code(&unit.state).map_or(0, UnitState::number),
        version: unit.version,
        create_time: Some(to_timestamp(unit.created_at)),
        update_time: Some(to_timestamp(unit.updated_at)),
    }
}

/// A unit kind as proto.
pub fn kind_to(kind: &UnitKind) -> pb::UnitKind {
    pb::UnitKind { code: kind.code.clone(), display_name: kind.display_name.clone(), tier: kind.tier }
}

/// A change as proto.
pub fn change_to(change: &ChangeRow) -> pb::CadreChange {
    pb::CadreChange {
        version: change.version,
        change_time: Some(to_timestamp(change.changed_at)),
        actor: change.actor.clone(),
        kind: change.kind.clone(),
        changed_fields: change
            .changed_fields
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        before_json: change.before_json.clone(),
        after_json: change.after_json.clone(),
    }
}

/// An account as proto.
pub fn account_to(account: &Account) -> pb::Account {
    pb::Account {
        id: account.id.clone(),
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        kind: account.kind.number(),
        cadre_id: account.cadre_id.clone().unwrap_or_default(),
        roles: account.roles.iter().map(|r| r.number()).collect(),
        scope_unit_id: account.scope_unit_id.clone().unwrap_or_default(),
        clearances: account.clearances.iter().map(|c| c.number()).collect(),
        external_subject: account.external_subject.clone().unwrap_or_default(),
        state: account.state.number(),
        version: account.version,
        create_time: Some(to_timestamp(account.created_at)),
        update_time: Some(to_timestamp(account.updated_at)),
    }
}

/// The parts of a proto account a client sets, parsed; `prefix` is prepended to field paths.
pub fn account_fields_from(account: &pb::Account, prefix: &str) -> Result<Account, Vec<Problem>> {
    let mut p = Parser { prefix, problems: Vec::new() };
    let kind = p.code("kind", account.kind, AccountKind::from_number);
    let mut roles = Vec::new();
    for (i, number) in account.roles.iter().enumerate() {
        if let Some(role) = p.code(&format!("roles[{i}]"), *number, Role::from_number)
            && !roles.contains(&role)
        {
            roles.push(role);
        }
    }
    let mut clearances = Vec::new();
    for (i, number) in account.clearances.iter().enumerate() {
        if let Some(clearance) = p.code(&format!("clearances[{i}]"), *number, Clearance::from_number)
            && !clearances.contains(&clearance)
        {
            clearances.push(clearance);
        }
    }
    let state = if account.state == 0 {
        Some(AccountState::Active)
    } else {
        p.code("state", account.state, AccountState::from_number)
    };
    let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    if account.external_subject.len() > 255 {
        p.problem("external_subject", "at most 255 characters");
    }
    match (kind, state, p.problems.is_empty()) {
        (Some(kind), Some(state), true) => Ok(Account {
            id: account.id.clone(),
            username: account.username.trim().to_owned(),
            display_name: account.display_name.trim().to_owned(),
            kind,
            cadre_id: non_empty(&account.cadre_id),
            roles,
            scope_unit_id: non_empty(&account.scope_unit_id),
            clearances,
            external_subject: non_empty(&account.external_subject),
            state,
            version: account.version,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
        }),
        _ => Err(p.problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_match_the_proto_enums() {
        for grade in RankGrade::ALL {
            let name = pb::RankGrade::try_from(grade.number()).unwrap().as_str_name();
            assert_eq!(name, format!("RANK_GRADE_{}", grade.code().to_uppercase()));
        }
        for level in PostLevel::ALL {
            let name = pb::PostLevel::try_from(level.number()).unwrap().as_str_name();
            assert_eq!(name, format!("POST_LEVEL_{}", level.code().to_uppercase()));
        }
        for role in Role::ALL {
            assert_eq!(
                pb::Role::try_from(role.number()).unwrap().as_str_name(),
                format!("ROLE_{}", role.code().to_uppercase())
            );
        }
        for status in CadreStatus::ALL {
            let name = pb::CadreStatus::try_from(status.number()).unwrap().as_str_name();
            assert_eq!(name, format!("CADRE_STATUS_{}", status.code().to_uppercase()));
        }
        for education in Education::ALL {
            let name = pb::Education::try_from(education.number()).unwrap().as_str_name();
            assert_eq!(name, format!("EDUCATION_{}", education.code().to_uppercase()));
        }
        for category in CadreCategory::ALL {
            let name = pb::CadreCategory::try_from(category.number()).unwrap().as_str_name();
            assert_eq!(name, format!("CADRE_CATEGORY_{}", category.code().to_uppercase()));
        }
        for kind in AccountKind::ALL {
            let name = pb::AccountKind::try_from(kind.number()).unwrap().as_str_name();
            assert_eq!(name, format!("ACCOUNT_KIND_{}", kind.code().to_uppercase()));
        }
        for state in AccountState::ALL {
            let name = pb::AccountState::try_from(state.number()).unwrap().as_str_name();
            assert_eq!(name, format!("ACCOUNT_STATE_{}", state.code().to_uppercase()));
        }
        for state in UnitState::ALL {
            let name = pb::OrgUnitState::try_from(state.number()).unwrap().as_str_name();
            assert_eq!(name, format!("ORG_UNIT_STATE_{}", state.code().to_uppercase()));
        }
        assert_eq!(
            pb::Clearance::try_from(Clearance::Discipline.number()).unwrap(),
            pb::Clearance::Discipline
        );
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(date_from(&types::Date { year: 2024, month: 2, day: 29 }), "2024-02-29".parse().ok());
        assert_eq!(date_from(&types::Date { year: 2023, month: 2, day: 29 }), None);
        assert_eq!(date_from(&types::Date { year: 0, month: 1, day: 1 }), None);
        assert_eq!(date_from(&types::Date { year: 2024, month: -1, day: 1 }), None);
        let d: NaiveDate = "2026-11-26".parse().unwrap();
        assert_eq!(date_from(&date_to(d)), Some(d));
    }

    #[test]
    fn an_empty_cadre_names_every_missing_field() {
        let problems = cadre_data_from(&pb::Cadre::default(), "cadre.").unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        for field in [
            "cadre.citizen_id",
            "cadre.gender",
            "cadre.birth_date",
            "cadre.education",
            "cadre.category",
            "cadre.status",
            "cadre.post",
        ] {
            assert!(fields.contains(&field), "{field} missing from {fields:?}");
        }
    }
}

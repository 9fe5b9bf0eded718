//! Special assessments (专项考核, domain.md §2.3, §10.8): the district's 政治建设考察 and 班子运行情况调研
//! (and optionally the 班子's annual assessment), attached to a unit's leadership team or to a person,
//! with a team grade for teams, findings, and follow-up tasks (整改) with due dates.

use cadre_platform::code_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::grade::TeamGrade;

code_enum!(
    /// What kind of special assessment.
    SpecialKind {
        /// 政治建设考察: of a team or a person.
        PoliticalBuilding = 1 => "POLITICAL_BUILDING",
        /// 班子运行情况调研: of a team only.
        TeamOperation = 2 => "TEAM_OPERATION",
        /// The 领导班子's 年度考核: of a team only, and it must give a grade.
        AnnualTeam = 3 => "ANNUAL_TEAM",
    }
);

impl SpecialKind {
    /// The kind's Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::PoliticalBuilding => "政治建设考察",
            Self::TeamOperation => "班子运行情况调研",
            Self::AnnualTeam => "领导班子年度考核",
        }
    }

    /// Whether the kind only applies to a team.
    pub fn team_only(self) -> bool {
        matches!(self, Self::TeamOperation | Self::AnnualTeam)
    }
}

/// Who is assessed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Subject {
    /// A unit's 领导班子, by the unit's id.
    Team(String),
    /// A cadre, by id.
    Person(String),
}

impl Subject {
    /// The subject's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Team(id) | Self::Person(id) => id,
        }
    }

    /// `TEAM` or `PERSON`.
    pub fn kind_code(&self) -> &'static str {
        match self {
            Self::Team(_) => "TEAM",
            Self::Person(_) => "PERSON",
        }
    }
}

code_enum!(
    /// Where a follow-up task stands on a given day.
    TaskState {
        /// Not done, not yet due.
        Open = 1 => "OPEN",
        /// Done.
        Done = 2 => "DONE",
        /// Not done and past its due date.
        Overdue = 3 => "OVERDUE",
    }
);

/// A finding of the assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// What was found.
    pub text: String,
}

/// A follow-up task (整改) set by the assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpTask {
    /// What must be done.
    pub description: String,
    /// Who answers for it (a unit or a cadre id).
    pub owner: String,
    /// The last day to complete it.
    pub due: NaiveDate,
    /// The day it was completed.
    pub done_on: Option<NaiveDate>,
}

impl FollowUpTask {
    /// The task's state on `as_of`: done once completed on or before that day; overdue after its due day.
    pub fn state_on(&self, as_of: NaiveDate) -> TaskState {
        match self.done_on {
            Some(done) if done <= as_of => TaskState::Done,
            _ if as_of > self.due => TaskState::Overdue,
            _ => TaskState::Open,
        }
    }
}

/// A special assessment record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialAssessment {
    /// What kind.
    pub kind: SpecialKind,
    /// Who is assessed.
    pub subject: Subject,
    /// The day of the assessment (or of its report).
    pub assessed_on: NaiveDate,
    /// The team's grade; teams only. Optional until given, except for [`SpecialKind::AnnualTeam`].
    pub team_grade: Option<TeamGrade>,
    /// What was found.
    pub findings: Vec<Finding>,
    /// What must be done about it.
    pub tasks: Vec<FollowUpTask>,
}

/// A rule a record breaks, as a field violation (AIP-193 `BadRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The field, as a path (`tasks[2].due`).
    pub field: String,
    /// The stable reason.
    pub reason: &'static str,
    /// A short English description.
    pub description: String,
}

fn violation(field: impl Into<String>, reason: &'static str, description: impl Into<String>) -> Violation {
    Violation { field: field.into(), reason, description: description.into() }
}

/// Why a task could not be completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TaskRefusal {
    /// No task at that index.
    #[error("the assessment has no task {index}")]
    NotFound {
        /// The index asked for.
        index: usize,
    },
    /// The task is already done.
    #[error("the task is already done")]
    AlreadyDone,
    /// A task cannot be done before the assessment that set it.
    #[error("the task cannot be done before the assessment")]
    DoneBeforeAssessment,
}

impl TaskRefusal {
    /// The stable machine reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "TASK_NOT_FOUND",
            Self::AlreadyDone => "TASK_ALREADY_DONE",
            Self::DoneBeforeAssessment => "TASK_DONE_BEFORE_ASSESSMENT",
        }
    }
}

impl SpecialAssessment {
    /// Every rule the record breaks; empty when valid.
    pub fn violations(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        if self.subject.id().trim().is_empty() {
            out.push(violation("subject", "SUBJECT_REQUIRED", "the subject's id is empty"));
        }
        let is_team = matches!(self.subject, Subject::Team(_));
        if self.kind.team_only() && !is_team {
            out.push(violation(
                "subject",
                "SUBJECT_NOT_TEAM",
                format!("{} applies to a leadership team only", self.kind),
            ));
        }
        if self.team_grade.is_some() && !is_team {
            out.push(violation("team_grade", "TEAM_GRADE_FOR_PERSON", "a team grade is given to teams only"));
        }
        if self.kind == SpecialKind::AnnualTeam && self.team_grade.is_none() {
            out.push(violation(
                "team_grade",
                "TEAM_GRADE_REQUIRED",
                "the team's annual assessment gives a grade",
            ));
        }
        for (i, finding) in self.findings.iter().enumerate() {
            if finding.text.trim().is_empty() {
                out.push(violation(format!("findings[{i}].text"), "FINDING_EMPTY", "a finding needs text"));
            }
        }
        for (i, task) in self.tasks.iter().enumerate() {
            out.extend(self.task_violations(i, task));
        }
        out
    }

    /// `Ok` when valid, else every violation.
    pub fn validate(&self) -> Result<(), Vec<Violation>> {
        let out = self.violations();
        if out.is_empty() { Ok(()) } else { Err(out) }
    }

    fn task_violations(&self, i: usize, task: &FollowUpTask) -> Vec<Violation> {
        let mut out = Vec::new();
        if task.description.trim().is_empty() {
            out.push(violation(
                format!("tasks[{i}].description"),
                "TASK_DESCRIPTION_REQUIRED",
                "a task needs a description",
            ));
        }
        if task.owner.trim().is_empty() {
            out.push(violation(format!("tasks[{i}].owner"), "TASK_OWNER_REQUIRED", "a task needs an owner"));
        }
        if task.due <= self.assessed_on {
            out.push(violation(
                format!("tasks[{i}].due"),
                "TASK_DUE_NOT_AFTER_ASSESSMENT",
                format!("the due date {} must be after the assessment on {}", task.due, self.assessed_on),
            ));
        }
        if task.done_on.is_some_and(|done| done < self.assessed_on) {
            out.push(violation(
                format!("tasks[{i}].done_on"),
                "TASK_DONE_BEFORE_ASSESSMENT",
                "a task cannot be done before the assessment that set it",
            ));
        }
        out
    }

    /// Adds a task, or refuses it with its violations (indexed as the new last task).
    pub fn add_task(&mut self, task: FollowUpTask) -> Result<usize, Vec<Violation>> {
        let index = self.tasks.len();
        let out = self.task_violations(index, &task);
        if !out.is_empty() {
            return Err(out);
        }
        self.tasks.push(task);
        Ok(index)
    }

    /// Records a task as done on `on` (late completion is allowed: the task stays late in reports by its
    /// due date, but it is done).
    pub fn complete_task(&mut self, index: usize, on: NaiveDate) -> Result<(), TaskRefusal> {
        let assessed_on = self.assessed_on;
        let task = self.tasks.get_mut(index).ok_or(TaskRefusal::NotFound { index })?;
        if task.done_on.is_some() {
            return Err(TaskRefusal::AlreadyDone);
        }
        if on < assessed_on {
            return Err(TaskRefusal::DoneBeforeAssessment);
        }
        task.done_on = Some(on);
        Ok(())
    }

    /// Each task's state on `as_of`, by index.
    pub fn task_states(&self, as_of: NaiveDate) -> Vec<TaskState> {
        self.tasks.iter().map(|t| t.state_on(as_of)).collect()
    }

    /// Indexes of the tasks overdue on `as_of`.
    pub fn overdue_tasks(&self, as_of: NaiveDate) -> Vec<usize> {
        self.task_states(as_of)
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == TaskState::Overdue)
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn task(due: &str) -> FollowUpTask {
        FollowUpTask { description: "整改".into(), owner: "unit-1".into(), due: day(due), done_on: None }
    }

    fn survey() -> SpecialAssessment {
        SpecialAssessment {
            kind: SpecialKind::TeamOperation,
            subject: Subject::Team("unit-1".into()),
            assessed_on: day("2025-03-01"),
            team_grade: Some(TeamGrade::FairlyGood),
            findings: vec![Finding { text: "议事规则执行不严".into() }],
            tasks: vec![task("2025-06-30")],
        }
    }

    fn reasons(a: &SpecialAssessment) -> Vec<&'static str> {
        a.violations().iter().map(|v| v.reason).collect()
    }

    #[test]
    fn a_valid_team_survey() {
        assert_eq!(survey().validate(), Ok(()));
        let person = SpecialAssessment {
            kind: SpecialKind::PoliticalBuilding,
            subject: Subject::Person("c-1".into()),
            team_grade: None,
            ..survey()
        };
        assert_eq!(person.validate(), Ok(()));
    }

    #[test]
    fn team_rules() {
        let person_survey = SpecialAssessment { subject: Subject::Person("c-1".into()), ..survey() };
        assert_eq!(reasons(&person_survey), ["SUBJECT_NOT_TEAM", "TEAM_GRADE_FOR_PERSON"]);
        let ungraded = SpecialAssessment { kind: SpecialKind::AnnualTeam, team_grade: None, ..survey() };
        assert_eq!(reasons(&ungraded), ["TEAM_GRADE_REQUIRED"]);
        let nameless = SpecialAssessment { subject: Subject::Team(" ".into()), ..survey() };
        assert_eq!(reasons(&nameless), ["SUBJECT_REQUIRED"]);
    }

    #[test]
    fn tasks_fall_due_after_the_assessment() {
        let mut bad = survey();
        bad.tasks.push(task("2025-03-01"));
        bad.tasks.push(FollowUpTask {
            description: String::new(),
            owner: String::new(),
            ..task("2025-04-01")
        });
        bad.findings.push(Finding { text: String::new() });
        let v = bad.violations();
        assert_eq!(
            v.iter().map(|v| (v.field.as_str(), v.reason)).collect::<Vec<_>>(),
            [
                ("findings[1].text", "FINDING_EMPTY"),
                ("tasks[1].due", "TASK_DUE_NOT_AFTER_ASSESSMENT"),
                ("tasks[2].description", "TASK_DESCRIPTION_REQUIRED"),
                ("tasks[2].owner", "TASK_OWNER_REQUIRED"),
            ]
        );
        let mut a = survey();
        let err = a.add_task(task("2025-02-01")).expect_err("due before");
        assert_eq!(err[0].field, "tasks[1].due");
        assert_eq!(a.add_task(task("2025-05-01")), Ok(1));
    }

    #[test]
    fn task_states_as_of_a_date() {
        let mut a = survey();
        assert_eq!(a.task_states(day("2025-06-30")), [TaskState::Open]);
        assert_eq!(a.task_states(day("2025-07-01")), [TaskState::Overdue]);
        assert_eq!(a.overdue_tasks(day("2025-07-01")), [0]);
        assert_eq!(a.complete_task(0, day("2025-02-01")), Err(TaskRefusal::DoneBeforeAssessment));
        assert_eq!(a.complete_task(0, day("2025-07-05")), Ok(()));
        assert_eq!(a.complete_task(0, day("2025-07-06")), Err(TaskRefusal::AlreadyDone));
        assert_eq!(a.complete_task(3, day("2025-07-06")).map_err(|e| e.reason()), Err("TASK_NOT_FOUND"));
        // Done late: done from that day, overdue before it.
        assert_eq!(a.task_states(day("2025-07-04")), [TaskState::Overdue]);
        assert_eq!(a.task_states(day("2025-07-05")), [TaskState::Done]);
        assert!(a.overdue_tasks(day("2025-08-01")).is_empty());
        for s in TaskState::ALL {
            assert_eq!(TaskState::from_code(s.code()), Some(*s));
        }
        for k in SpecialKind::ALL {
            assert_eq!(SpecialKind::from_code(k.code()), Some(*k));
        }
        assert_eq!(Subject::Team("u".into()).kind_code(), "TEAM");
    }
}

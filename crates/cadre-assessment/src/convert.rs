//! Proto ⇄ domain conversions shared by every method group, so that a date, a grade or a piece of text is
//! read and checked the same way whichever method receives it.
//!
//! Readers take a [`Violations`] and the field's path in the request, record what is wrong under that path
//! and return `None`; the caller finishes the violations once, so one answer names every bad field. A
//! reader that returns `None` has always recorded a violation, so `finish` fails before a `None` can be
//! mistaken for "unset".

use cadre_platform::{ApiError, Violations};
use cadre_proto::{assessment as pb, types};

use crate::domain::{
    grade::{AnnualGrade, Outcome, RoutineGrade, TeamGrade},
    participation::AssessmentYear,
};

/// Trimmed texts with a length limit, and ids: the suite's shared checks.
pub use cadre_platform::input::{id, text};

/// The longest self-summary, in characters (the contract's limit).
pub const MAX_SUMMARY_CHARS: usize = 20_000;
/// The longest comment, finding, objection or decision, in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// The longest short text (a 文号, the deciding body, a task title, one evidence entry), in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// The most evidence entries, findings or tasks one record carries.
pub const MAX_ITEMS: usize = 50;

pub use cadre_platform::dates::{date_from, date_to, optional_date, required_date};

/// An assessment year: within the range the suite keeps records for.
pub fn year(violations: &mut Violations, field: &str, year: i32) -> Option<AssessmentYear> {
    let parsed = (1990..=2999).contains(&year).then(|| AssessmentYear::new(year)).flatten();
    violations.require(parsed.is_some(), field, "must be a year between 1990 and 2999");
    parsed
}

/// A list of short texts: each entry non-empty and at most `max` characters, at most [`MAX_ITEMS`]
/// entries, at least one when `required`.
pub fn texts(
    violations: &mut Violations,
    field: &str,
    values: &[String],
    max: usize,
    required: bool,
) -> Vec<String> {
    if required && values.is_empty() {
        violations.add(field, "at least one entry is required");
    }
    if values.len() > MAX_ITEMS {
        violations.add(field, format!("at most {MAX_ITEMS} entries"));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, value)| text(violations, &format!("{field}[{i}]"), value, max, true))
        .collect()
}

/// One of the four annual grades (not an outcome that is not a grade).
pub fn grade(violations: &mut Violations, field: &str, number: i32) -> Option<AnnualGrade> {
    let grade = AnnualGrade::from_number(number);
    violations.require(
        grade.is_some(),
        field,
        "must be one of the four grades (优秀, 称职, 基本称职, 不称职)",
    );
    grade
}

/// Any outcome but unset.
pub fn outcome(violations: &mut Violations, field: &str, number: i32) -> Option<Outcome> {
    let outcome = Outcome::from_number(number);
    violations.require(outcome.is_some(), field, "must be an annual outcome");
    outcome
}

/// A routine grade.
pub fn routine_grade(violations: &mut Violations, field: &str, number: i32) -> Option<RoutineGrade> {
    let grade = RoutineGrade::from_number(number);
    violations.require(grade.is_some(), field, "must be one of 好, 较好, 一般, 较差");
    grade
}

/// A team grade.
pub fn team_grade(violations: &mut Violations, field: &str, number: i32) -> Option<TeamGrade> {
    let grade = TeamGrade::from_number(number);
    violations.require(grade.is_some(), field, "must be one of 好, 较好, 一般, 较差");
    grade
}

/// An outcome as the proto's number; unset for none.
pub fn outcome_to(code: &str) -> i32 {
    Outcome::from_code(code).map_or(pb::AnnualOutcome::Unspecified as i32, Outcome::number)
}

/// A proto enum value's name without its prefix: the code the service stores. `None` for unset and
/// unknown numbers.
pub fn code_of(name: Option<&str>, prefix: &str) -> Option<String> {
    name.filter(|n| !n.ends_with("_UNSPECIFIED")).map(|n| n.strip_prefix(prefix).unwrap_or(n).to_owned())
}

/// A pool category's stored code.
pub fn category(violations: &mut Violations, field: &str, number: i32) -> Option<String> {
    let code = code_of(pb::PoolCategory::try_from(number).ok().map(|c| c.as_str_name()), "POOL_CATEGORY_");
    violations.require(code.is_some(), field, "must be a pool category");
    code
}

/// The proto number of a stored pool category.
pub fn category_to(code: &str) -> i32 {
    pb::PoolCategory::from_str_name(&format!("POOL_CATEGORY_{code}")).map_or(0, |c| c as i32)
}

/// The proto number of a stored cycle state.
pub fn cycle_state_to(code: &str) -> i32 {
    pb::CycleState::from_str_name(&format!("CYCLE_STATE_{code}")).map_or(0, |c| c as i32)
}

/// A review kind's stored code.
pub fn review_kind(violations: &mut Violations, field: &str, number: i32) -> Option<String> {
    let code = code_of(pb::ReviewKind::try_from(number).ok().map(|c| c.as_str_name()), "REVIEW_KIND_");
    violations.require(code.is_some(), field, "must be RECONSIDERATION (复核) or APPEAL (申诉)");
    code
}

/// The proto number of a stored review kind.
pub fn review_kind_to(code: &str) -> i32 {
    pb::ReviewKind::from_str_name(&format!("REVIEW_KIND_{code}")).map_or(0, |c| c as i32)
}

/// A special kind's stored code.
pub fn special_kind(violations: &mut Violations, field: &str, number: i32) -> Option<String> {
    let code = code_of(pb::SpecialKind::try_from(number).ok().map(|c| c.as_str_name()), "SPECIAL_KIND_");
    violations.require(code.is_some(), field, "must be POLITICAL_BUILDING or TEAM_OPERATION");
    code
}

/// The proto number of a stored special kind.
pub fn special_kind_to(code: &str) -> i32 {
    pb::SpecialKind::from_str_name(&format!("SPECIAL_KIND_{code}")).map_or(0, |c| c as i32)
}

/// A conduct measure kind's stored code (`OPEN_INVESTIGATION` included).
pub fn measure_kind(violations: &mut Violations, field: &str, number: i32) -> Option<String> {
    let code = code_of(
        types::ConductMeasureKind::try_from(number).ok().map(|c| c.as_str_name()),
        "CONDUCT_MEASURE_KIND_",
    );
    violations.require(code.is_some(), field, "must be a conduct measure kind");
    code
}

/// The proto number of a stored conduct measure kind.
pub fn measure_kind_to(code: &str) -> i32 {
    types::ConductMeasureKind::from_str_name(&format!("CONDUCT_MEASURE_KIND_{code}")).map_or(0, |c| c as i32)
}

/// Fails with `reason` and every violation recorded, or passes.
pub fn finish(violations: Violations, reason: &str, message: &str) -> Result<(), ApiError> {
    violations.finish(reason, message)
}

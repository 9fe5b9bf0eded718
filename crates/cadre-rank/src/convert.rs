//! Proto ⇄ domain conversions shared by every method group, so that a date, a grade or a kind is read and
//! checked the same way whichever method receives it.
//!
//! Readers take a [`Violations`] and the field's path in the request, record what is wrong under that path
//! and return `None`; the caller finishes the violations once, so one answer names every bad field.

use cadre_platform::{ApiError, Violations};
use cadre_proto::{directory as dir, rank as pb};

use crate::domain::{
    case::{Authority, CaseKind, CaseState, Criterion, RecommendationMethod},
    ladder::{DistrictType, Grade, PostLevel},
    restriction::RestrictionKind,
};

pub use cadre_platform::dates::{date_from, date_to, optional_date, required_date};

/// A grade from the wire; unset is `None` without a violation, an unknown number records one.
pub fn optional_grade(violations: &mut Violations, field: &str, value: i32) -> Option<Grade> {
    if value == dir::RankGrade::Unspecified as i32 {
        return None;
    }
    let grade = Grade::from_number(value);
    violations.require(grade.is_some(), field, "is not a grade of the ladder");
    grade
}

/// A grade the request must name.
pub fn required_grade(violations: &mut Violations, field: &str, value: i32) -> Option<Grade> {
    violations.require(value != dir::RankGrade::Unspecified as i32, field, "is required");
    optional_grade(violations, field, value)
}

/// A grade on the wire (the domain's numbers are the proto's).
pub fn grade_to(grade: Grade) -> i32 {
    grade.number()
}

/// A stored grade code on the wire; unspecified for an empty or unknown code.
pub fn grade_code_to(code: &str) -> i32 {
    Grade::from_code(code).map_or(dir::RankGrade::Unspecified as i32, Grade::number)
}

/// A post level on the wire (the first five are the directory's numbers; the 厅局级 ones it lacks are
/// unspecified there).
pub fn post_level_to(level: PostLevel) -> i32 {
    match dir::PostLevel::try_from(level.number()) {
        Ok(known) if known.as_str_name().trim_start_matches("POST_LEVEL_") == level.code() => known as i32,
        _ => dir::PostLevel::Unspecified as i32,
    }
}

/// The district type on the wire.
pub fn district_type_to(district: DistrictType) -> i32 {
    match district {
        DistrictType::County => pb::DistrictType::County as i32,
        DistrictType::MunicipalityDistrict => pb::DistrictType::MunicipalityDistrict as i32,
        DistrictType::SubProvincialDistrict => pb::DistrictType::SubProvincialDistrict as i32,
    }
}

/// The approving body on the wire.
pub fn authority_to(authority: Authority) -> i32 {
    match authority {
        Authority::OrgDepartment => pb::ApprovalAuthority::OrgDepartment as i32,
        Authority::DistrictCommittee => pb::ApprovalAuthority::DistrictCommittee as i32,
    }
}

/// A case kind on the wire.
pub fn case_kind_to(kind: CaseKind) -> i32 {
    match kind {
        CaseKind::Promotion => pb::CaseKind::Promotion as i32,
        CaseKind::Demotion => pb::CaseKind::Demotion as i32,
    }
}

/// A case kind from the wire; unset is `None`.
pub fn case_kind_from(violations: &mut Violations, field: &str, value: i32) -> Option<CaseKind> {
    match pb::CaseKind::try_from(value) {
        Ok(pb::CaseKind::Unspecified) => None,
        Ok(pb::CaseKind::Promotion) => Some(CaseKind::Promotion),
        Ok(pb::CaseKind::Demotion) => Some(CaseKind::Demotion),
        Err(_) => {
            violations.add(field, "is not a case kind");
            None
        }
    }
}

/// A case state on the wire.
pub fn case_state_to(state: CaseState) -> i32 {
    (match state {
        CaseState::Draft => pb::CaseState::Draft,
        CaseState::Recommendation => pb::CaseState::Recommendation,
        CaseState::Inspection => pb::CaseState::Inspection,
        CaseState::Publicity => pb::CaseState::Publicity,
        CaseState::AwaitingApproval => pb::CaseState::AwaitingApproval,
        CaseState::Approved => pb::CaseState::Approved,
        CaseState::Rejected => pb::CaseState::Rejected,
        CaseState::Withdrawn => pb::CaseState::Withdrawn,
    }) as i32
}

/// A case state from the wire; unset is `None`.
pub fn case_state_from(violations: &mut Violations, field: &str, value: i32) -> Option<CaseState> {
    let state = match pb::CaseState::try_from(value) {
        Ok(pb::CaseState::Unspecified) => return None,
        Ok(pb::CaseState::Draft) => CaseState::Draft,
        Ok(pb::CaseState::Recommendation) => CaseState::Recommendation,
        Ok(pb::CaseState::Inspection) => CaseState::Inspection,
        Ok(pb::CaseState::Publicity) => CaseState::Publicity,
        Ok(pb::CaseState::AwaitingApproval) => CaseState::AwaitingApproval,
        Ok(pb::CaseState::Approved) => CaseState::Approved,
        Ok(pb::CaseState::Rejected) => CaseState::Rejected,
        Ok(pb::CaseState::Withdrawn) => CaseState::Withdrawn,
        Err(_) => {
            violations.add(field, "is not a case state");
            return None;
        }
    };
    Some(state)
}

/// A 考察 criterion from the wire (the four of 第十七条; the discipline opinion has its own method).
pub fn criterion_from(violations: &mut Violations, field: &str, value: i32) -> Option<Criterion> {
    let criterion = match pb::Criterion::try_from(value) {
        Ok(pb::Criterion::PoliticalQuality) => Criterion::PoliticalQuality,
        Ok(pb::Criterion::AbilityAndResults) => Criterion::AbilityAndResults,
        Ok(pb::Criterion::PublicRecognition) => Criterion::PublicRecognition,
        Ok(pb::Criterion::Integrity) => Criterion::ConductAndIntegrity,
        Ok(pb::Criterion::Unspecified) => {
            violations.add(field, "is required");
            return None;
        }
        Err(_) => {
            violations.add(field, "is not a criterion");
            return None;
        }
    };
    Some(criterion)
}

/// A 考察 criterion on the wire; `None` for the discipline opinion, which has its own field.
pub fn criterion_to(criterion: Criterion) -> Option<i32> {
    let wire = match criterion {
        Criterion::PoliticalQuality => pb::Criterion::PoliticalQuality,
        Criterion::AbilityAndResults => pb::Criterion::AbilityAndResults,
        Criterion::PublicRecognition => pb::Criterion::PublicRecognition,
        Criterion::ConductAndIntegrity => pb::Criterion::Integrity,
        Criterion::DisciplineOpinion => return None,
    };
    Some(wire as i32)
}

/// How the recommendation was done, from the wire.
pub fn method_from(violations: &mut Violations, field: &str, value: i32) -> Option<RecommendationMethod> {
    match pb::RecommendationMethod::try_from(value) {
        Ok(pb::RecommendationMethod::Recommendation) => Some(RecommendationMethod::DemocraticRecommendation),
        Ok(pb::RecommendationMethod::Evaluation) => Some(RecommendationMethod::DemocraticEvaluation),
        Ok(pb::RecommendationMethod::Unspecified) => {
            violations.add(field, "is required");
            None
        }
        Err(_) => {
            violations.add(field, "is not a method");
            None
        }
    }
}

/// How the recommendation was done, on the wire.
pub fn method_to(method: RecommendationMethod) -> i32 {
    match method {
        RecommendationMethod::DemocraticRecommendation => pb::RecommendationMethod::Recommendation as i32,
        RecommendationMethod::DemocraticEvaluation => pb::RecommendationMethod::Evaluation as i32,
    }
}

/// A conduct measure's kind from the wire (the domain's numbers and codes are the proto's).
pub fn measure_kind_from(violations: &mut Violations, field: &str, value: i32) -> Option<RestrictionKind> {
    if value == 0 {
        violations.add(field, "is required");
        return None;
    }
    let kind = RestrictionKind::from_number(value);
    violations.require(kind.is_some(), field, "is not a kind of measure");
    kind
}

/// Text the request must or may carry, trimmed, with a length bound.
pub fn text(violations: &mut Violations, field: &str, value: &str, max: usize, required: bool) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        violations.add(field, "is required");
    } else if value.chars().count() > max {
        violations.add(field, format!("at most {max} characters"));
    }
    value.to_owned()
}

/// One required id, checked on its own: INVALID_ARGUMENT `INVALID_ID` naming `field`.
pub fn id(field: &str, value: &str) -> Result<String, ApiError> {
    cadre_platform::error::require_id(field, value)
}

/// An id among other fields: recorded as a violation.
pub fn id_in(violations: &mut Violations, field: &str, value: &str) -> String {
    let value = value.trim();
    violations.require(!value.is_empty() && value.len() <= 64, field, "must be a non-empty id");
    value.to_owned()
}

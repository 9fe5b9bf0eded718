//! Proto ⇄ domain conversions shared by every method group, so that a date, a half-day, a length of leave
//! or a leave type is read and checked the same way whichever method receives it.
//!
//! Readers take a [`Violations`] and the field's path in the request (`leave_type.effective_from`,
//! `days[3].date`), record what is wrong under that path and return `None`; the caller finishes the
//! violations once, so one answer names every bad field. A reader that returns `None` has always recorded a
//! violation, so `finish` fails before a `None` can be mistaken for "unset".

use std::collections::BTreeSet;

use cadre_platform::{ApiError, Violations};
use cadre_proto::{leave as pb, types};
use chrono::NaiveDate;

use crate::domain::{
    HalfDays,
    span::Half,
    types::{CountingUnit, DocumentRule, Gender, LeaveTypePolicy},
};

/// The longest length any policy field may state, in days: ten years. Keeps every half-day count far inside
/// the `INTEGER` columns of both databases, and anything longer is a typo, not a policy.
pub const MAX_POLICY_DAYS: u32 = 3660;

/// Longest display name of a leave type or a holiday, in characters: what fits on the printed form.
pub const MAX_NAME_CHARS: usize = 32;

/// Longest `source_ref`, in characters: room for a full citation, not for a document.
pub const MAX_SOURCE_REF_CHARS: usize = 2000;

pub use cadre_platform::dates::{date_from, date_to, optional_date, required_date};

/// One required date checked on its own, for methods with no other field to check: INVALID_ARGUMENT
/// `INVALID_DATE` naming `field`.
pub fn date(field: &str, date: Option<&types::Date>) -> Result<NaiveDate, ApiError> {
    let mut violations = Violations::default();
    let parsed = required_date(&mut violations, field, date);
    violations.finish("INVALID_DATE", &format!("{field} is not a valid date"))?;
    parsed.ok_or_else(|| ApiError::invalid_argument("INVALID_DATE", format!("{field} is required")))
}

/// A range with both ends set, valid and in order; violations name `field.start` and `field.end`.
pub fn date_range(
    violations: &mut Violations,
    field: &str,
    range: &types::DateRange,
) -> Option<(NaiveDate, NaiveDate)> {
    let start = required_date(violations, &format!("{field}.start"), range.start.as_ref());
    let end = required_date(violations, &format!("{field}.end"), range.end.as_ref());
    let (start, end) = (start?, end?);
    if end < start {
        violations.add(format!("{field}.end"), "is before start");
        return None;
    }
    Some((start, end))
}

/// A half-day; `unset` is what `HALF_DAY_UNSPECIFIED` means where it is read (the morning for a start,
/// the afternoon for an end: the whole day).
pub fn half_from(violations: &mut Violations, field: &str, value: i32, unset: Half) -> Option<Half> {
    match pb::HalfDay::try_from(value) {
        Ok(pb::HalfDay::Unspecified) => Some(unset),
        Ok(pb::HalfDay::Morning) => Some(Half::Am),
        Ok(pb::HalfDay::Afternoon) => Some(Half::Pm),
        Err(_) => {
            violations.add(field, "is not a known value");
            None
        }
    }
}

/// The half a leave starts in: unset means from the morning (the whole first day).
pub fn start_half_from(violations: &mut Violations, field: &str, value: i32) -> Option<Half> {
    half_from(violations, field, value, Half::Am)
}

/// The half a leave ends in: unset means through the afternoon (the whole last day).
pub fn end_half_from(violations: &mut Violations, field: &str, value: i32) -> Option<Half> {
    half_from(violations, field, value, Half::Pm)
}

/// A half as the proto's enum number. Always explicit on the way out, so a client never has to know which
/// default an unset value stood for.
pub fn half_to(half: Half) -> i32 {
    match half {
        Half::Am => pb::HalfDay::Morning as i32,
        Half::Pm => pb::HalfDay::Afternoon as i32,
    }
}

/// A non-negative length of leave in days, as the proto's `double`: a violation unless it is a multiple
/// of 0.5 (leave is taken in mornings and afternoons, nothing finer).
pub fn half_days_from(violations: &mut Violations, field: &str, days: f64) -> Option<HalfDays> {
    let parsed = HalfDays::from_f64(days);
    violations.require(parsed.is_some(), field, "must be a non-negative multiple of 0.5 days");
    parsed
}

/// A length of leave as the proto's `double` of days.
pub fn half_days_to(days: HalfDays) -> f64 {
    days.as_f64()
}

/// A signed number of days (a ledger correction) as signed half-days, the unit the ledger stores: a
/// violation unless it is a multiple of 0.5 that fits the column.
pub fn signed_halves_from(violations: &mut Violations, field: &str, days: f64) -> Option<i32> {
    let halves = days * 2.0;
    let ok = halves.is_finite() && halves.fract() == 0.0 && halves.abs() <= f64::from(i32::MAX);
    violations.require(ok, field, "must be a multiple of 0.5 days");
    // In range and integral: checked just above.
    ok.then_some(halves as i32)
}

/// Signed half-days as the proto's `double` of days.
pub fn signed_halves_to(halves: i32) -> f64 {
    f64::from(halves) / 2.0
}

/// How a type counts days; unset is refused: a type must say.
pub fn counting_unit_from(violations: &mut Violations, field: &str, value: i32) -> Option<CountingUnit> {
    match pb::CountingUnit::try_from(value) {
        Ok(pb::CountingUnit::WorkingDays) => Some(CountingUnit::WorkingDays),
        Ok(pb::CountingUnit::CalendarDays) => Some(CountingUnit::CalendarDays),
        Ok(pb::CountingUnit::Unspecified) => {
            violations.add(field, "is required: WORKING_DAYS or CALENDAR_DAYS");
            None
        }
        Err(_) => {
            violations.add(field, "is not a known value");
            None
        }
    }
}

/// A counting unit as the proto's enum number.
pub fn counting_unit_to(unit: CountingUnit) -> i32 {
    match unit {
        CountingUnit::WorkingDays => pb::CountingUnit::WorkingDays as i32,
        CountingUnit::CalendarDays => pb::CountingUnit::CalendarDays as i32,
    }
}

/// Who may take a type; unset is everyone (`None`), an unknown number a violation (and `None`).
pub fn eligible_gender_from(violations: &mut Violations, field: &str, value: i32) -> Option<Gender> {
    match pb::Gender::try_from(value) {
        Ok(pb::Gender::Unspecified) => None,
        Ok(pb::Gender::Male) => Some(Gender::Male),
        Ok(pb::Gender::Female) => Some(Gender::Female),
        Err(_) => {
            violations.add(field, "is not a known value");
            None
        }
    }
}

/// Who may take a type, as the proto's enum number (unspecified for everyone).
pub fn eligible_gender_to(gender: Option<Gender>) -> i32 {
    match gender {
        None => pb::Gender::Unspecified as i32,
        Some(Gender::Male) => pb::Gender::Male as i32,
        Some(Gender::Female) => pb::Gender::Female as i32,
    }
}

/// Whether `code` can name a leave type or a document: lowercase ASCII snake case of 1 to 32 characters,
/// starting with a letter. Codes are keys in stored rows, comma-separated lists and URLs, so nothing that
/// needs quoting is allowed.
pub fn is_code(code: &str) -> bool {
    let mut chars = code.chars();
    code.len() <= 32
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A required display name, trimmed: non-empty and at most [`MAX_NAME_CHARS`] characters.
pub fn display_name(violations: &mut Violations, field: &str, name: &str) -> String {
    let name = name.trim();
    violations.require(!name.is_empty(), field, "is required");
    violations.require(
        name.chars().count() <= MAX_NAME_CHARS,
        field,
        format!("must be at most {MAX_NAME_CHARS} characters"),
    );
    name.to_owned()
}

/// A required `source_ref`, trimmed: every policy value says where it comes from.
pub fn source_ref(violations: &mut Violations, field: &str, source: &str) -> String {
    let source = source.trim();
    violations.require(!source.is_empty(), field, "is required: say where the values come from");
    violations.require(
        source.chars().count() <= MAX_SOURCE_REF_CHARS,
        field,
        format!("must be at most {MAX_SOURCE_REF_CHARS} characters"),
    );
    source.to_owned()
}

/// A policy limit in days: 0 means none (`Some(None)`), otherwise a multiple of 0.5 up to
/// [`MAX_POLICY_DAYS`]; `None` after a violation.
fn limit_from(violations: &mut Violations, field: &str, days: f64) -> Option<Option<HalfDays>> {
    let parsed = half_days_from(violations, field, days)?;
    if parsed > HalfDays::days(MAX_POLICY_DAYS) {
        violations.add(field, format!("must be at most {MAX_POLICY_DAYS} days"));
        return None;
    }
    Some((parsed != HalfDays::ZERO).then_some(parsed))
}

/// A leave type version as the proto: the policy and the first day it is in force.
pub fn leave_type_to(policy: &LeaveTypePolicy, effective_from: NaiveDate) -> pb::LeaveType {
    pb::LeaveType {
        code: policy.code.clone(),
        name: policy.name.clone(),
        counting_unit: counting_unit_to(policy.unit),
        half_day_allowed: policy.half_day,
        documents: policy
            .documents
            .iter()
            .map(|rule| pb::DocumentRule {
                document: rule.document.clone(),
                from_days: half_days_to(rule.from),
            })
            .collect(),
        max_days_per_request: policy.max_per_request.map_or(0.0, half_days_to),
        max_days_per_year: policy.max_per_year.map_or(0.0, half_days_to),
        requires_balance: policy.requires_balance,
        counts_toward_cumulative: policy.counts_toward_cumulative,
        eligible_gender: eligible_gender_to(policy.eligible_gender),
        source_ref: policy.source_ref.clone(),
        effective_from: Some(date_to(effective_from)),
    }
}

/// A leave type version from the proto, every field checked; `prefix` is the message's path in the request
/// (`"leave_type."`). `None` when anything is wrong, each problem recorded in `violations`.
pub fn leave_type_from(
    violations: &mut Violations,
    prefix: &str,
    leave_type: &pb::LeaveType,
) -> Option<(LeaveTypePolicy, NaiveDate)> {
    let field = |name: &str| format!("{prefix}{name}");
    violations.require(
        is_code(&leave_type.code),
        field("code"),
        "must be 1 to 32 lowercase letters, digits or '_', starting with a letter",
    );
    let name = display_name(violations, &field("name"), &leave_type.name);
    let unit = counting_unit_from(violations, &field("counting_unit"), leave_type.counting_unit);
    let mut documents = Vec::with_capacity(leave_type.documents.len());
    let mut seen = BTreeSet::new();
    for (i, rule) in leave_type.documents.iter().enumerate() {
        let document_field = field(&format!("documents[{i}].document"));
        violations.require(
            is_code(&rule.document),
            &document_field,
            "must be 1 to 32 lowercase letters, digits or '_', starting with a letter",
        );
        violations.require(seen.insert(rule.document.as_str()), &document_field, "is listed twice");
        let from_field = field(&format!("documents[{i}].from_days"));
        if let Some(from) = limit_from(violations, &from_field, rule.from_days) {
            documents
                .push(DocumentRule { document: rule.document.clone(), from: from.unwrap_or(HalfDays::ZERO) });
        }
    }
    let max_per_request =
        limit_from(violations, &field("max_days_per_request"), leave_type.max_days_per_request);
    let max_per_year = limit_from(violations, &field("max_days_per_year"), leave_type.max_days_per_year);
    if let (Some(Some(request)), Some(Some(year))) = (max_per_request, max_per_year) {
        violations.require(
            request <= year,
            field("max_days_per_request"),
            "cannot exceed max_days_per_year: no request could use it",
        );
    }
    let eligible_gender =
        eligible_gender_from(violations, &field("eligible_gender"), leave_type.eligible_gender);
    let source_ref = source_ref(violations, &field("source_ref"), &leave_type.source_ref);
    let effective_from =
        required_date(violations, &field("effective_from"), leave_type.effective_from.as_ref());
    if !violations.is_empty() {
        return None;
    }
    let policy = LeaveTypePolicy {
        code: leave_type.code.clone(),
        name,
        unit: unit?,
        half_day: leave_type.half_day_allowed,
        documents,
        max_per_request: max_per_request?,
        max_per_year: max_per_year?,
        requires_balance: leave_type.requires_balance,
        counts_toward_cumulative: leave_type.counts_toward_cumulative,
        eligible_gender,
        source_ref,
    };
    Some((policy, effective_from?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::types::{default_types, find};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn fields(violations: Violations) -> Vec<String> {
        match violations.finish("X", "x") {
            Ok(()) => Vec::new(),
            Err(error) => error.violations().iter().map(|v| v.field.clone()).collect(),
        }
    }

    #[test]
    fn dates_name_their_field() {
        assert_eq!(date_from(&date_to(d(2024, 2, 29))), Some(d(2024, 2, 29)));
        assert_eq!(date_from(&types::Date { year: 2023, month: 2, day: 29 }), None);
        assert_eq!(date_from(&types::Date { year: 0, month: 1, day: 1 }), None);
        assert_eq!(date_from(&types::Date { year: 10000, month: 1, day: 1 }), None);
        let mut v = Violations::default();
        assert_eq!(optional_date(&mut v, "on_date", None), None);
        assert!(v.is_empty());
        assert_eq!(required_date(&mut v, "start_date", None), None);
        let bad = types::Date { year: 2026, month: 13, day: 1 };
        assert_eq!(optional_date(&mut v, "end_date", Some(&bad)), None);
        assert_eq!(fields(v), ["start_date", "end_date"]);
        let error = date("date", Some(&bad)).unwrap_err();
        assert_eq!(error.reason(), "INVALID_DATE");
        assert_eq!(error.violations()[0].field, "date");
        assert_eq!(date("date", Some(&date_to(d(2026, 3, 1)))).unwrap(), d(2026, 3, 1));
    }

    #[test]
    fn ranges_are_ordered() {
        let mut v = Violations::default();
        let range =
            types::DateRange { start: Some(date_to(d(2026, 3, 2))), end: Some(date_to(d(2026, 3, 1))) };
        assert_eq!(date_range(&mut v, "range", &range), None);
        let range = types::DateRange { start: None, end: Some(date_to(d(2026, 3, 1))) };
        assert_eq!(date_range(&mut v, "range", &range), None);
        assert_eq!(fields(v), ["range.end", "range.start"]);
        let mut v = Violations::default();
        let range =
            types::DateRange { start: Some(date_to(d(2026, 3, 1))), end: Some(date_to(d(2026, 3, 1))) };
        assert_eq!(date_range(&mut v, "range", &range), Some((d(2026, 3, 1), d(2026, 3, 1))));
        assert!(v.is_empty());
    }

    #[test]
    fn halves_default_by_position() {
        let mut v = Violations::default();
        assert_eq!(start_half_from(&mut v, "start_half", 0), Some(Half::Am));
        assert_eq!(end_half_from(&mut v, "end_half", 0), Some(Half::Pm));
        assert_eq!(end_half_from(&mut v, "end_half", pb::HalfDay::Morning as i32), Some(Half::Am));
        assert_eq!(start_half_from(&mut v, "start_half", pb::HalfDay::Afternoon as i32), Some(Half::Pm));
        assert!(v.is_empty());
        assert_eq!(start_half_from(&mut v, "start_half", 7), None);
        assert_eq!(fields(v), ["start_half"]);
        assert_eq!(half_to(Half::Am), pb::HalfDay::Morning as i32);
        assert_eq!(half_to(Half::Pm), pb::HalfDay::Afternoon as i32);
    }

    #[test]
    fn lengths_are_half_days() {
        let mut v = Violations::default();
        assert_eq!(half_days_from(&mut v, "days", 2.5), Some(HalfDays(5)));
        assert_eq!(half_days_to(HalfDays(5)), 2.5);
        assert_eq!(signed_halves_from(&mut v, "days", -1.5), Some(-3));
        assert_eq!(signed_halves_to(-3), -1.5);
        assert!(v.is_empty());
        assert_eq!(half_days_from(&mut v, "a", 0.25), None);
        assert_eq!(half_days_from(&mut v, "b", -1.0), None);
        assert_eq!(signed_halves_from(&mut v, "c", 0.3), None);
        assert_eq!(signed_halves_from(&mut v, "d", f64::INFINITY), None);
        assert_eq!(fields(v), ["a", "b", "c", "d"]);
    }

    #[test]
    fn units_and_genders() {
        let mut v = Violations::default();
        for unit in [CountingUnit::WorkingDays, CountingUnit::CalendarDays] {
            assert_eq!(counting_unit_from(&mut v, "u", counting_unit_to(unit)), Some(unit));
        }
        for gender in [None, Some(Gender::Male), Some(Gender::Female)] {
            assert_eq!(eligible_gender_from(&mut v, "g", eligible_gender_to(gender)), gender);
        }
        assert!(v.is_empty());
        assert_eq!(counting_unit_from(&mut v, "u0", 0), None);
        assert_eq!(counting_unit_from(&mut v, "u9", 9), None);
        assert_eq!(eligible_gender_from(&mut v, "g9", 9), None);
        assert_eq!(fields(v), ["u0", "u9", "g9"]);
    }

    #[test]
    fn codes() {
        assert!(is_code("annual"));
        assert!(is_code("family_visit2"));
        assert!(!is_code(""));
        assert!(!is_code("Annual"));
        assert!(!is_code("2x"));
        assert!(!is_code("a,b"));
        assert!(!is_code(&"a".repeat(33)));
    }

    #[test]
    fn every_seed_type_round_trips() {
        for policy in default_types() {
            let proto = leave_type_to(&policy, d(2019, 1, 1));
            let mut v = Violations::default();
            let back = leave_type_from(&mut v, "leave_type.", &proto);
            assert!(v.is_empty(), "{}", policy.code);
            assert_eq!(back, Some((policy, d(2019, 1, 1))));
        }
    }

    #[test]
    fn leave_type_checks_every_field() {
        let mut proto = leave_type_to(find(&default_types(), "sick").unwrap(), d(2026, 1, 1));
        proto.code = "Sick Leave".to_owned();
        proto.name = " ".to_owned();
        proto.counting_unit = 0;
        proto.documents.push(pb::DocumentRule { document: "medical_certificate".to_owned(), from_days: 0.3 });
        proto.max_days_per_request = 10.0;
        proto.max_days_per_year = 5.0;
        proto.eligible_gender = 5;
        proto.source_ref = String::new();
        proto.effective_from = None;
        let mut v = Violations::default();
        assert_eq!(leave_type_from(&mut v, "leave_type.", &proto), None);
        assert_eq!(
            fields(v),
            [
                "leave_type.code",
                "leave_type.name",
                "leave_type.counting_unit",
                "leave_type.documents[1].document",
                "leave_type.documents[1].from_days",
                "leave_type.max_days_per_request",
                "leave_type.eligible_gender",
                "leave_type.source_ref",
                "leave_type.effective_from",
            ]
        );
        let mut long = leave_type_to(find(&default_types(), "annual").unwrap(), d(2026, 1, 1));
        long.max_days_per_year = f64::from(MAX_POLICY_DAYS) + 0.5;
        long.name = "假".repeat(33);
        let mut v = Violations::default();
        assert_eq!(leave_type_from(&mut v, "", &long), None);
        assert_eq!(fields(v), ["name", "max_days_per_year"]);
    }
}

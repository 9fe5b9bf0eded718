//! Checks of request fields that every service makes the same way: trimmed texts with a length limit,
//! lists of short texts, ids. Each adds to a [`Violations`] instead of failing at the first problem, so a
//! caller learns every bad field of a request at once.

use crate::error::Violations;

/// The longest id the suite issues or accepts (UUIDs and the directory's codes fit well inside).
pub const MAX_ID_LEN: usize = 64;

/// Text trimmed and checked for length in characters; empty is a violation when `required`.
pub fn text(violations: &mut Violations, field: &str, value: &str, max: usize, required: bool) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        violations.add(field, "is required");
    }
    if value.chars().count() > max {
        violations.add(field, format!("must be at most {max} characters"));
    }
    value.to_owned()
}

/// A list of short texts: each entry non-empty and at most `max` characters, at most `max_items` entries,
/// at least one when `required`.
pub fn texts(
    violations: &mut Violations,
    field: &str,
    values: &[String],
    (max, max_items): (usize, usize),
    required: bool,
) -> Vec<String> {
    if required && values.is_empty() {
        violations.add(field, "at least one entry is required");
    }
    if values.len() > max_items {
        violations.add(field, format!("at most {max_items} entries"));
    }
    values.iter().enumerate().map(|(i, v)| text(violations, &format!("{field}[{i}]"), v, max, true)).collect()
}

/// A required id, trimmed.
pub fn id(violations: &mut Violations, field: &str, value: &str) -> String {
    let value = value.trim();
    violations.require(!value.is_empty() && value.len() <= MAX_ID_LEN, field, "must be a non-empty id");
    value.to_owned()
}

/// An optional id, trimmed: empty stays empty.
pub fn optional_id(violations: &mut Violations, field: &str, value: &str) -> String {
    let value = value.trim();
    violations.require(value.len() <= MAX_ID_LEN, field, "is not an id");
    value.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut v = Violations::default();
        assert_eq!(text(&mut v, "a", "  x  ", 10, true), "x");
        text(&mut v, "b", " ", 10, true);
        text(&mut v, "c", "abcdef", 3, false);
        texts(&mut v, "d", &["ok".into(), String::new()], (10, 5), true);
        texts(&mut v, "e", &[], (10, 5), true);
        id(&mut v, "f", "");
        optional_id(&mut v, "g", &"x".repeat(65));
        assert_eq!(optional_id(&mut v, "h", " "), "");
        let error = v.finish("INVALID", "bad").unwrap_err();
        let fields: Vec<&str> = error.violations().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["b", "c", "d[1]", "e", "f", "g"]);
    }
}

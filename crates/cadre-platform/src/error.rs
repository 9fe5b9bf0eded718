//! Errors as clients see them (AIP-193): a canonical code, a short English message, an `ErrorInfo` with an
//! UPPER_SNAKE reason and the service's domain, and `BadRequest` field violations where a field is at fault.

use std::{collections::BTreeMap, fmt};

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// One field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Proto field path, e.g. `cadre.citizen_id`.
    pub field: String,
    /// What is wrong with it.
    pub description: String,
}

/// An error on its way to becoming a gRPC status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    code: Code,
    reason: String,
    message: String,
    violations: Vec<FieldViolation>,
    metadata: BTreeMap<String, String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {}: {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// An error with a code, reason and message.
    pub fn new(code: Code, reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
            message: message.into(),
            violations: Vec::new(),
            metadata: BTreeMap::new(),
        }
    }

    /// INVALID_ARGUMENT.
    pub fn invalid_argument(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Code::InvalidArgument, reason, message)
    }

    /// NOT_FOUND; `what` is the resource kind, e.g. "org unit".
    pub fn not_found(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Code::NotFound, reason, message)
    }

    /// FAILED_PRECONDITION.
    pub fn failed_precondition(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Code::FailedPrecondition, reason, message)
    }

    /// ALREADY_EXISTS.
    pub fn already_exists(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Code::AlreadyExists, reason, message)
    }

    /// ABORTED: a concurrent change won (optimistic concurrency).
    pub fn aborted(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Code::Aborted, reason, message)
    }

    /// UNAVAILABLE: the database or a dependency cannot be reached; the caller may retry.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(Code::Unavailable, "UNAVAILABLE", message)
    }

    /// INTERNAL: a fault of ours. The message is logged; the client sees a generic one.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Code::Internal, "INTERNAL", message)
    }

    /// Adds a field violation.
    pub fn with_violation(mut self, field: impl Into<String>, description: impl Into<String>) -> Self {
        self.violations.push(FieldViolation { field: field.into(), description: description.into() });
        self
    }

    /// Adds an `ErrorInfo` metadata entry.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The field violations.
    pub fn violations(&self) -> &[FieldViolation] {
        &self.violations
    }

    /// The status a client receives, with `ErrorInfo` in `domain` (e.g. `directory.cadre`).
    pub fn into_status(self, domain: &str) -> Status {
        let message = if self.code == Code::Internal {
            tracing::error!(reason = %self.reason, message = %self.message, "internal error");
            "internal error".to_owned()
        } else {
            self.message
        };
        let mut details = ErrorDetails::new();
        details.set_error_info(
            self.reason,
            domain,
            self.metadata.into_iter().collect::<std::collections::HashMap<_, _>>(),
        );
        for v in self.violations {
            details.add_bad_request_violation(v.field, v.description);
        }
        Status::with_error_details(self.code, message, details)
    }
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::NotFound => ApiError::not_found("NOT_FOUND", "not found"),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => {
                    ApiError::already_exists("ALREADY_EXISTS", "a record with the same key exists")
                        .with_metadata("constraint", info.constraint_name().unwrap_or_default().to_owned())
                }
                DatabaseErrorKind::ForeignKeyViolation => {
                    ApiError::failed_precondition("REFERENCE_MISSING", "a referenced record does not exist")
                }
                DatabaseErrorKind::SerializationFailure => {
                    ApiError::aborted("CONCURRENT_CHANGE", "a concurrent change conflicted; retry")
                }
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                    ApiError::unavailable(format!("database connection lost: {}", info.message()))
                }
                _ if is_busy(info.message()) => {
                    ApiError::unavailable(format!("database busy: {}", info.message()))
                }
                _ => ApiError::internal(format!("database error: {error}")),
            },
            _ => ApiError::internal(format!("database error: {error}")),
        }
    }
}

/// SQLite reports a lock it could not take in time as a plain error message.
fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

/// A required id from a request, trimmed: `INVALID_ARGUMENT` (`INVALID_ID`) naming `field` when it is empty
/// or longer than any id the suite issues.
pub fn require_id(field: &str, id: &str) -> Result<String, ApiError> {
    let id = id.trim();
    if id.is_empty() || id.len() > 64 {
        return Err(ApiError::invalid_argument("INVALID_ID", format!("{field} is required"))
            .with_violation(field, "must be a non-empty id"));
    }
    Ok(id.to_owned())
}

/// Collects field violations, then fails once with all of them.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// Records a violation.
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation { field: field.into(), description: description.into() });
    }

    /// Records a violation unless `ok`.
    pub fn require(&mut self, ok: bool, field: impl Into<String>, description: impl Into<String>) {
        if !ok {
            self.add(field, description);
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when empty, else INVALID_ARGUMENT with `reason` and every violation.
    pub fn finish(self, reason: &str, message: &str) -> Result<(), ApiError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let mut error = ApiError::invalid_argument(reason, message);
        error.violations = self.0;
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_carries_error_info_and_field_violations() {
        let status = ApiError::invalid_argument("INVALID_CADRE", "bad cadre")
            .with_violation("cadre.citizen_id", "wrong check digit")
            .with_metadata("k", "v")
            .into_status("directory.cadre");
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "bad cadre");
        let details = status.get_error_details();
        let info = details.error_info().expect("error info");
        assert_eq!(info.reason, "INVALID_CADRE");
        assert_eq!(info.domain, "directory.cadre");
        assert_eq!(info.metadata.get("k").map(String::as_str), Some("v"));
        let bad = details.bad_request().expect("bad request");
        assert_eq!(bad.field_violations[0].field, "cadre.citizen_id");
    }

    #[test]
    fn internal_errors_hide_their_message() {
        let status = ApiError::internal("secret path /x").into_status("d");
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }

    #[test]
    fn violations_collect_then_fail_once() {
        let mut v = Violations::default();
        v.require(true, "a", "fine");
        assert!(v.is_empty());
        v.require(false, "b", "missing");
        v.add("c", "bad");
        let err = v.finish("INVALID", "two problems").unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(err.violations().len(), 2);
        assert!(Violations::default().finish("X", "y").is_ok());
    }

    #[test]
    fn database_errors_map_to_codes() {
        assert_eq!(ApiError::from(DieselError::NotFound).code(), Code::NotFound);
        assert_eq!(ApiError::from(DieselError::RollbackTransaction).code(), Code::Internal);
        assert!(is_busy("database is locked"));
    }
}

//! Pure rules: no I/O, so domain.md's test vectors run as plain unit tests.
//!
//! Measure ③ (用好绩效考核指挥棒, domain.md §2): the annual grade and its quota, the special cases, the
//! routine → annual linkage, the annual cycle's procedure with publicity, 复核 and 申诉, the consequences
//! of results, and special assessments of teams and people. Every number comes from
//! [`policy::AssessmentPolicy`], whose keys and defaults are [`policy::DEFAULT_POLICY`].

pub mod consequence;
pub mod cycle;
pub mod grade;
pub mod linkage;
pub mod participation;
pub mod policy;
pub mod quota;
pub mod review;
pub mod special;

pub use grade::{AnnualGrade, Outcome, RoutineGrade, TeamGrade};
pub use participation::AssessmentYear;
pub use policy::{AssessmentPolicy, DEFAULT_POLICY};

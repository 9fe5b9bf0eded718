//! Consistency checks of a cadre's "三龄二历一身份" facts (age, length of service, party standing,
//! education, work history and identity), as run in the 干部人事档案专项审核.
//!
//! The checks only compare facts with each other and with policy thresholds; they never decide which
//! of two conflicting records is right. A [`Severity::Conflict`] means the facts cannot all be true;
//! a [`Severity::Warning`] means they are unusual enough that a reviewer should look.

use chrono::{Datelike, Months, NaiveDate};

use super::citizen_id::{CitizenId, Gender};

/// Thresholds the checks apply. They come from policy documents that change independently of the
/// code, so the checks read them from here and never hard-code them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FactPolicy {
    /// The youngest age, in whole years, at which a person can join the party.
    pub min_party_entry_age: u32,
    /// The youngest age, in whole years, at which a person can start work (the legal working age).
    pub min_work_start_age: u32,
    /// A gap between two work periods longer than this many calendar months is reported.
    pub work_history_gap_warning_months: u32,
}

impl FactPolicy {
    /// The thresholds in force when this was written: party entry at 18, work at 16, gaps over six
    /// months.
    pub const DEFAULT: FactPolicy =
        FactPolicy { min_party_entry_age: 18, min_work_start_age: 16, work_history_gap_warning_months: 6 };
}

impl Default for FactPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Unusual but possible; a reviewer should confirm it.
    Warning,
    /// The facts cannot all be true; at least one record is wrong.
    Conflict,
}

/// One problem found in a person's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactFinding {
    /// The proto field the finding is about, e.g. `"party_entry_date"` or `"post.start_date"`.
    pub field: &'static str,
    /// A stable machine-readable reason code, e.g. `"PARTY_ENTRY_UNDER_AGE"`.
    pub reason: &'static str,
    /// Whether the finding is a hard conflict or a warning.
    pub severity: Severity,
    /// A short human-readable explanation naming the dates involved.
    pub message: String,
}

/// One entry of a person's work history (工作经历): a post held in a unit over a period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkPeriod {
    /// The first day in the post.
    pub start: NaiveDate,
    /// The last day in the post; `None` while the post is still held.
    pub end: Option<NaiveDate>,
    /// The unit the post was in.
    pub unit_name: String,
    /// The post held.
    pub post_title: String,
}

/// The facts about one person that the checks compare.
#[derive(Debug, Clone, Copy)]
pub struct PersonFacts<'a> {
    /// The recorded gender.
    pub gender: Gender,
    /// The recorded citizen id, which carries its own birth date and gender.
    pub citizen_id: &'a CitizenId,
    /// The recorded birth date.
    pub birth_date: NaiveDate,
    /// The date the person started work (参加工作时间), if recorded.
    pub work_start_date: Option<NaiveDate>,
    /// The date the person joined the party (入党时间), if a member.
    pub party_entry_date: Option<NaiveDate>,
    /// The start of the current post (任现职时间), if recorded.
    pub post_start_date: Option<NaiveDate>,
    /// The start of the current rank (任现职级时间), if any.
    pub rank_start_date: Option<NaiveDate>,
    /// The work history, in any order.
    pub work_history: &'a [WorkPeriod],
}

const FIELD_BIRTH_DATE: &str = "birth_date";
const FIELD_GENDER: &str = "gender";
const FIELD_PARTY_ENTRY: &str = "party_entry_date";
const FIELD_WORK_START: &str = "work_start_date";
const FIELD_POST_START: &str = "post.start_date";
const FIELD_RANK_START: &str = "rank.start_date";
const FIELD_WORK_HISTORY: &str = "work_history";

/// Whole years of age on a date (birthday rule: the day before the birthday you are still younger; a
/// Feb-29 birth turns a year older on Mar 1 in non-leap years). Dates on or before the birth give 0.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on <= birth {
        return 0;
    }
    let years = on.year() - birth.year();
    // Comparing (month, day) pairs gives the Feb-29 rule for free: (2, 28) < (2, 29) < (3, 1).
    let before_birthday = (on.month(), on.day()) < (birth.month(), birth.day());
    let age = if before_birthday { years - 1 } else { years };
    u32::try_from(age).unwrap_or(0)
}

/// Whether any finding is a [`Severity::Conflict`].
pub fn has_conflict(findings: &[FactFinding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Conflict)
}

/// Runs every check and returns the findings, conflicts and warnings mixed, in a stable order (identity,
/// future dates, ages, date order, work history). An empty result means the facts are consistent.
pub fn check_facts(facts: &PersonFacts<'_>, policy: &FactPolicy, today: NaiveDate) -> Vec<FactFinding> {
    let mut findings = Vec::new();
    check_identity(facts, &mut findings);
    check_future_dates(facts, today, &mut findings);
    check_ages(facts, policy, &mut findings);
    check_order(facts, &mut findings);
    check_work_history(facts, policy, &mut findings);
    findings
}

fn finding(field: &'static str, reason: &'static str, severity: Severity, message: String) -> FactFinding {
    FactFinding { field, reason, severity, message }
}

fn check_identity(facts: &PersonFacts<'_>, out: &mut Vec<FactFinding>) {
    let id_birth = facts.citizen_id.birth_date();
    if facts.birth_date != id_birth {
        out.push(finding(
            FIELD_BIRTH_DATE,
            "BIRTH_DATE_MISMATCH",
            Severity::Conflict,
            format!("birth date {} differs from {} in the citizen id", facts.birth_date, id_birth),
        ));
    }
    let id_gender = facts.citizen_id.gender();
    if facts.gender != id_gender {
        out.push(finding(
            FIELD_GENDER,
            "GENDER_MISMATCH",
            Severity::Conflict,
            format!("gender {:?} differs from {:?} in the citizen id", facts.gender, id_gender),
        ));
    }
}

fn check_future_dates(facts: &PersonFacts<'_>, today: NaiveDate, out: &mut Vec<FactFinding>) {
    let dated_fields = [
        (FIELD_BIRTH_DATE, Some(facts.birth_date)),
        (FIELD_WORK_START, facts.work_start_date),
        (FIELD_PARTY_ENTRY, facts.party_entry_date),
        (FIELD_POST_START, facts.post_start_date),
        (FIELD_RANK_START, facts.rank_start_date),
    ];
    for (field, date) in dated_fields {
        if let Some(date) = date.filter(|d| *d > today) {
            out.push(finding(
                field,
                "DATE_IN_FUTURE",
                Severity::Conflict,
                format!("{date} is after {today}"),
            ));
        }
    }
    // One finding for the whole history, like every other field; it names the earliest offender.
    let future_starts = facts.work_history.iter().map(|p| p.start).filter(|start| *start > today);
    if let Some(first) = future_starts.clone().min() {
        let count = future_starts.count();
        out.push(finding(
            FIELD_WORK_HISTORY,
            "DATE_IN_FUTURE",
            Severity::Conflict,
            format!("{count} work period(s) start after {today}, the first on {first}"),
        ));
    }
}

fn check_ages(facts: &PersonFacts<'_>, policy: &FactPolicy, out: &mut Vec<FactFinding>) {
    if let Some(entry) = facts.party_entry_date {
        let age = age_on(facts.birth_date, entry);
        if age < policy.min_party_entry_age {
            out.push(finding(
                FIELD_PARTY_ENTRY,
                "PARTY_ENTRY_UNDER_AGE",
                Severity::Conflict,
                format!("joined the party on {entry} at age {age}, under {}", policy.min_party_entry_age),
            ));
        }
    }
    if let Some(start) = facts.work_start_date {
        let age = age_on(facts.birth_date, start);
        if age < policy.min_work_start_age {
            out.push(finding(
                FIELD_WORK_START,
                "WORK_START_UNDER_AGE",
                Severity::Conflict,
                format!("started work on {start} at age {age}, under {}", policy.min_work_start_age),
            ));
        }
    }
}

fn check_order(facts: &PersonFacts<'_>, out: &mut Vec<FactFinding>) {
    let Some(work_start) = facts.work_start_date else {
        return;
    };
    let later_dates = [
        (FIELD_POST_START, "POST_BEFORE_WORK_START", "post", facts.post_start_date),
        (FIELD_RANK_START, "RANK_BEFORE_WORK_START", "rank", facts.rank_start_date),
    ];
    for (field, reason, what, date) in later_dates {
        if let Some(date) = date.filter(|d| *d < work_start) {
            out.push(finding(
                field,
                reason,
                Severity::Conflict,
                format!("{what} starts on {date}, before work start {work_start}"),
            ));
        }
    }
}

fn check_work_history(facts: &PersonFacts<'_>, policy: &FactPolicy, out: &mut Vec<FactFinding>) {
    let history = facts.work_history;
    for period in history {
        if let Some(end) = period.end.filter(|end| *end < period.start) {
            out.push(finding(
                FIELD_WORK_HISTORY,
                "WORK_PERIOD_REVERSED",
                Severity::Conflict,
                format!("period at {} ends on {end}, before its start {}", period.unit_name, period.start),
            ));
        }
    }
    if let Some(work_start) = facts.work_start_date {
        for period in history.iter().filter(|p| p.start < work_start) {
            out.push(finding(
                FIELD_WORK_HISTORY,
                "WORK_HISTORY_BEFORE_WORK_START",
                Severity::Warning,
                format!(
                    "period at {} starts on {}, before work start {work_start}",
                    period.unit_name, period.start
                ),
            ));
        }
    }
    check_gaps_and_overlaps(history, policy, out);
    let open = history.iter().filter(|p| p.end.is_none()).count();
    if open > 1 {
        out.push(finding(
            FIELD_WORK_HISTORY,
            "MULTIPLE_OPEN_PERIODS",
            Severity::Warning,
            format!("{open} work periods have no end date"),
        ));
    }
}

/// Sweeps the periods in start order, remembering the one that reaches furthest: a period starting
/// before that reach overlaps it, and one starting more than the policy's months after it leaves a gap.
/// Tracking the furthest reach rather than the previous period keeps a short post nested inside a long
/// one from producing a false gap. Reversed periods are skipped: they are already conflicts and have
/// no meaningful extent.
fn check_gaps_and_overlaps(history: &[WorkPeriod], policy: &FactPolicy, out: &mut Vec<FactFinding>) {
    // An open period reaches forever, so it sorts after every dated end.
    let reach_of = |p: &WorkPeriod| p.end.unwrap_or(NaiveDate::MAX);
    let mut periods: Vec<&WorkPeriod> = history.iter().filter(|p| reach_of(p) >= p.start).collect();
    periods.sort_by_key(|p| (p.start, reach_of(p)));
    let mut periods = periods.into_iter();
    let Some(mut furthest) = periods.next() else {
        return;
    };
    let allowed_gap = Months::new(policy.work_history_gap_warning_months);
    for period in periods {
        let reach = reach_of(furthest);
        // A transfer is usually recorded with the same date ending one post and starting the next, so
        // sharing a single day is a handover, not an overlap.
        if period.start < reach {
            out.push(finding(
                FIELD_WORK_HISTORY,
                "WORK_HISTORY_OVERLAP",
                Severity::Warning,
                format!(
                    "period at {} from {} overlaps the one at {} from {}",
                    period.unit_name, period.start, furthest.unit_name, furthest.start
                ),
            ));
        } else if reach.checked_add_months(allowed_gap).is_some_and(|limit| period.start > limit) {
            out.push(finding(
                FIELD_WORK_HISTORY,
                "WORK_HISTORY_GAP",
                Severity::Warning,
                format!(
                    "no work recorded between {reach} and {}, over {} months",
                    period.start, policy.work_history_gap_warning_months
                ),
            ));
        }
        if reach_of(period) > reach {
            furthest = period;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
    }

    fn period(start: NaiveDate, end: Option<NaiveDate>, unit: &str) -> WorkPeriod {
        WorkPeriod { start, end, unit_name: unit.to_owned(), post_title: "科员".to_owned() }
    }

    fn today() -> NaiveDate {
        date(2026, 1, 15)
    }

    /// A male cadre born 1980-05-20 whose facts are all consistent.
    struct Fixture {
        id: CitizenId,
        history: Vec<WorkPeriod>,
    }

    impl Fixture {
        fn new() -> Self {
            let id = CitizenId::compose("510199", date(1980, 5, 20), 11).expect("valid parts");
            let history = vec![
                period(date(2002, 7, 1), Some(date(2008, 12, 31)), "青山镇"),
                period(date(2009, 1, 1), Some(date(2015, 2, 28)), "区财政局"),
                period(date(2015, 3, 1), None, "区委办公室"),
            ];
            Self { id, history }
        }

        fn facts(&self) -> PersonFacts<'_> {
            PersonFacts {
                gender: Gender::Male,
                citizen_id: &self.id,
                birth_date: date(1980, 5, 20),
                work_start_date: Some(date(2002, 7, 1)),
                party_entry_date: Some(date(2001, 5, 1)),
                post_start_date: Some(date(2015, 3, 1)),
                rank_start_date: Some(date(2018, 1, 1)),
                work_history: &self.history,
            }
        }

        fn with_history(history: Vec<WorkPeriod>) -> Self {
            Self { history, ..Self::new() }
        }
    }

    fn check(facts: &PersonFacts<'_>) -> Vec<FactFinding> {
        check_facts(facts, &FactPolicy::DEFAULT, today())
    }

    fn codes(findings: &[FactFinding]) -> Vec<(&'static str, &'static str, Severity)> {
        findings.iter().map(|f| (f.field, f.reason, f.severity)).collect()
    }

    #[test]
    fn consistent_facts_have_no_findings() {
        let fixture = Fixture::new();
        assert_eq!(check(&fixture.facts()), vec![]);
    }

    #[test]
    fn missing_optional_dates_are_not_findings() {
        let fixture = Fixture::with_history(vec![]);
        let facts = PersonFacts {
            work_start_date: None,
            party_entry_date: None,
            post_start_date: None,
            rank_start_date: None,
            ..fixture.facts()
        };
        assert_eq!(check(&facts), vec![]);
    }

    #[test]
    fn age_on_follows_the_birthday_rule() {
        let birth = date(1980, 5, 20);
        assert_eq!(age_on(birth, date(1998, 5, 19)), 17);
        assert_eq!(age_on(birth, date(1998, 5, 20)), 18);
        assert_eq!(age_on(birth, date(1998, 12, 31)), 18);
        assert_eq!(age_on(birth, birth), 0);
        assert_eq!(age_on(birth, date(1970, 1, 1)), 0);
    }

    #[test]
    fn leap_day_birth_ages_on_march_first_in_common_years() {
        let birth = date(2000, 2, 29);
        assert_eq!(age_on(birth, date(2001, 2, 28)), 0);
        assert_eq!(age_on(birth, date(2001, 3, 1)), 1);
        assert_eq!(age_on(birth, date(2018, 2, 28)), 17);
        assert_eq!(age_on(birth, date(2018, 3, 1)), 18);
        assert_eq!(age_on(birth, date(2004, 2, 28)), 3);
        assert_eq!(age_on(birth, date(2004, 2, 29)), 4);
    }

    #[test]
    fn birth_date_must_match_the_citizen_id() {
        let fixture = Fixture::new();
        let facts = PersonFacts { birth_date: date(1980, 5, 21), ..fixture.facts() };
        let findings = check(&facts);
        assert_eq!(codes(&findings), vec![("birth_date", "BIRTH_DATE_MISMATCH", Severity::Conflict)]);
        assert!(findings[0].message.contains("1980-05-21"), "{}", findings[0].message);
        assert!(has_conflict(&findings));
    }

    #[test]
    fn gender_must_match_the_citizen_id() {
        let fixture = Fixture::new();
        let facts = PersonFacts { gender: Gender::Female, ..fixture.facts() };
        assert_eq!(codes(&check(&facts)), vec![("gender", "GENDER_MISMATCH", Severity::Conflict)]);
    }

    #[test]
    fn each_future_date_is_one_conflict_on_its_field() {
        let tomorrow = date(2026, 1, 16);
        let fixture = Fixture::with_history(vec![
            period(date(2002, 7, 1), Some(date(2026, 1, 15)), "青山镇"),
            period(tomorrow, None, "区财政局"),
            period(date(2027, 1, 1), None, "区委办公室"),
        ]);
        let facts = PersonFacts {
            work_start_date: Some(date(2002, 7, 1)),
            party_entry_date: Some(tomorrow),
            post_start_date: Some(tomorrow),
            rank_start_date: Some(tomorrow),
            ..fixture.facts()
        };
        let findings = check(&facts);
        let future: Vec<_> = findings.iter().filter(|f| f.reason == "DATE_IN_FUTURE").collect();
        let fields: Vec<_> = future.iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["party_entry_date", "post.start_date", "rank.start_date", "work_history"]);
        assert!(future.iter().all(|f| f.severity == Severity::Conflict));
        assert!(future[3].message.contains("2 work period(s)"), "{}", future[3].message);
        assert!(future[3].message.contains("2026-01-16"), "{}", future[3].message);
    }

    #[test]
    fn a_date_equal_to_today_is_not_in_the_future() {
        let fixture = Fixture::new();
        let facts =
            PersonFacts { post_start_date: Some(today()), rank_start_date: Some(today()), ..fixture.facts() };
        assert_eq!(check(&facts), vec![]);
    }

    #[test]
    fn birth_and_work_start_in_the_future_are_conflicts() {
        let id = CitizenId::compose("510199", date(2030, 1, 1), 11).expect("valid parts");
        let facts = PersonFacts {
            gender: Gender::Male,
            citizen_id: &id,
            birth_date: date(2030, 1, 1),
            work_start_date: Some(date(2050, 1, 1)),
            party_entry_date: None,
            post_start_date: None,
            rank_start_date: None,
            work_history: &[],
        };
        let future: Vec<_> =
            check(&facts).into_iter().filter(|f| f.reason == "DATE_IN_FUTURE").map(|f| f.field).collect();
        assert_eq!(future, vec!["birth_date", "work_start_date"]);
    }

    #[test]
    fn party_entry_on_the_eighteenth_birthday_passes_and_the_day_before_fails() {
        let fixture = Fixture::new();
        let on_birthday = PersonFacts { party_entry_date: Some(date(1998, 5, 20)), ..fixture.facts() };
        assert_eq!(check(&on_birthday), vec![]);

        let day_before = PersonFacts { party_entry_date: Some(date(1998, 5, 19)), ..fixture.facts() };
        let findings = check(&day_before);
        assert_eq!(codes(&findings), vec![("party_entry_date", "PARTY_ENTRY_UNDER_AGE", Severity::Conflict)]);
        assert!(findings[0].message.contains("age 17"), "{}", findings[0].message);
    }

    #[test]
    fn party_entry_age_comes_from_the_policy() {
        let fixture = Fixture::new();
        // Joined at 20 years 11 months: fine under the default, under age if the policy said 21.
        let facts = fixture.facts();
        let strict = FactPolicy { min_party_entry_age: 21, ..FactPolicy::DEFAULT };
        assert_eq!(
            codes(&check_facts(&facts, &strict, today())),
            vec![("party_entry_date", "PARTY_ENTRY_UNDER_AGE", Severity::Conflict)]
        );
        assert_eq!(check_facts(&facts, &FactPolicy::default(), today()), vec![]);
    }

    #[test]
    fn work_start_on_the_sixteenth_birthday_passes_and_the_day_before_fails() {
        let fixture = Fixture::with_history(vec![period(date(1996, 5, 20), None, "青山镇")]);
        let on_birthday = PersonFacts { work_start_date: Some(date(1996, 5, 20)), ..fixture.facts() };
        assert_eq!(check(&on_birthday), vec![]);

        let day_before = PersonFacts { work_start_date: Some(date(1996, 5, 19)), ..fixture.facts() };
        assert_eq!(
            codes(&check(&day_before)),
            vec![("work_start_date", "WORK_START_UNDER_AGE", Severity::Conflict)]
        );
    }

    #[test]
    fn post_and_rank_cannot_start_before_work() {
        let fixture = Fixture::new();
        let facts = PersonFacts {
            post_start_date: Some(date(2002, 6, 30)),
            rank_start_date: Some(date(2001, 1, 1)),
            ..fixture.facts()
        };
        assert_eq!(
            codes(&check(&facts)),
            vec![
                ("post.start_date", "POST_BEFORE_WORK_START", Severity::Conflict),
                ("rank.start_date", "RANK_BEFORE_WORK_START", Severity::Conflict),
            ]
        );
        let same_day = PersonFacts {
            post_start_date: Some(date(2002, 7, 1)),
            rank_start_date: Some(date(2002, 7, 1)),
            ..fixture.facts()
        };
        assert_eq!(check(&same_day), vec![]);
    }

    #[test]
    fn post_and_rank_order_is_not_checked_without_a_work_start() {
        let fixture = Fixture::with_history(vec![]);
        let facts =
            PersonFacts { work_start_date: None, post_start_date: Some(date(1999, 1, 1)), ..fixture.facts() };
        assert_eq!(check(&facts), vec![]);
    }

    #[test]
    fn a_reversed_period_is_a_conflict_and_ignored_for_gaps() {
        let fixture = Fixture::with_history(vec![
            period(date(2002, 7, 1), Some(date(2008, 12, 31)), "青山镇"),
            period(date(2012, 1, 1), Some(date(2010, 1, 1)), "区财政局"),
            period(date(2009, 1, 1), None, "区委办公室"),
        ]);
        let findings = check(&fixture.facts());
        assert_eq!(codes(&findings), vec![("work_history", "WORK_PERIOD_REVERSED", Severity::Conflict)]);
        assert!(findings[0].message.contains("区财政局"), "{}", findings[0].message);
    }

    #[test]
    fn a_period_before_work_start_is_a_warning() {
        let fixture = Fixture::with_history(vec![
            period(date(2000, 9, 1), Some(date(2002, 6, 30)), "学生会"),
            period(date(2002, 7, 1), None, "青山镇"),
        ]);
        let findings = check(&fixture.facts());
        assert_eq!(
            codes(&findings),
            vec![("work_history", "WORK_HISTORY_BEFORE_WORK_START", Severity::Warning)]
        );
        assert!(!has_conflict(&findings));
    }

    fn gap_history(end: NaiveDate, next_start: NaiveDate) -> Vec<WorkPeriod> {
        vec![period(date(2002, 7, 1), Some(end), "青山镇"), period(next_start, None, "区财政局")]
    }

    #[test]
    fn a_gap_of_exactly_the_policy_months_passes_and_one_day_more_warns() {
        let exact = Fixture::with_history(gap_history(date(2010, 1, 15), date(2010, 7, 15)));
        assert_eq!(check(&exact.facts()), vec![]);

        let over = Fixture::with_history(gap_history(date(2010, 1, 15), date(2010, 7, 16)));
        let findings = check(&over.facts());
        assert_eq!(codes(&findings), vec![("work_history", "WORK_HISTORY_GAP", Severity::Warning)]);
        assert!(findings[0].message.contains("2010-01-15"), "{}", findings[0].message);
        assert!(findings[0].message.contains("2010-07-16"), "{}", findings[0].message);
    }

    #[test]
    fn gap_months_are_calendar_months_clamped_at_month_end() {
        // 2008-12-31 plus six months is 2009-06-30 (June has no 31st).
        let exact = Fixture::with_history(gap_history(date(2008, 12, 31), date(2009, 6, 30)));
        assert_eq!(check(&exact.facts()), vec![]);
        let over = Fixture::with_history(gap_history(date(2008, 12, 31), date(2009, 7, 1)));
        assert_eq!(
            codes(&check(&over.facts())),
            vec![("work_history", "WORK_HISTORY_GAP", Severity::Warning)]
        );
    }

    #[test]
    fn gap_threshold_comes_from_the_policy() {
        let fixture = Fixture::with_history(gap_history(date(2010, 1, 15), date(2010, 4, 16)));
        assert_eq!(check(&fixture.facts()), vec![]);
        let strict = FactPolicy { work_history_gap_warning_months: 3, ..FactPolicy::DEFAULT };
        assert_eq!(
            codes(&check_facts(&fixture.facts(), &strict, today())),
            vec![("work_history", "WORK_HISTORY_GAP", Severity::Warning)]
        );
    }

    #[test]
    fn gaps_are_found_in_unsorted_history() {
        let fixture = Fixture::with_history(vec![
            period(date(2015, 3, 1), None, "区委办公室"),
            period(date(2002, 7, 1), Some(date(2008, 12, 31)), "青山镇"),
            period(date(2010, 1, 1), Some(date(2015, 2, 28)), "区财政局"),
        ]);
        let findings = check(&fixture.facts());
        assert_eq!(codes(&findings), vec![("work_history", "WORK_HISTORY_GAP", Severity::Warning)]);
        assert!(findings[0].message.contains("2008-12-31"), "{}", findings[0].message);
    }

    #[test]
    fn overlapping_periods_warn_but_a_shared_handover_day_does_not() {
        let handover = Fixture::with_history(vec![
            period(date(2002, 7, 1), Some(date(2009, 1, 1)), "青山镇"),
            period(date(2009, 1, 1), None, "区财政局"),
        ]);
        assert_eq!(check(&handover.facts()), vec![]);

        let overlap = Fixture::with_history(vec![
            period(date(2002, 7, 1), Some(date(2009, 1, 2)), "青山镇"),
            period(date(2009, 1, 1), None, "区财政局"),
        ]);
        let findings = check(&overlap.facts());
        assert_eq!(codes(&findings), vec![("work_history", "WORK_HISTORY_OVERLAP", Severity::Warning)]);
        assert!(!has_conflict(&findings));
    }

    #[test]
    fn a_post_nested_in_a_longer_one_overlaps_without_a_false_gap() {
        // 兼职: a short concurrent post inside a long one, then a move right after the long one ends.
        let fixture = Fixture::with_history(vec![
            period(date(2002, 7, 1), Some(date(2014, 12, 31)), "青山镇"),
            period(date(2005, 1, 1), Some(date(2006, 1, 1)), "区委宣传部"),
            period(date(2015, 1, 1), None, "区委办公室"),
        ]);
        let findings = check(&fixture.facts());
        assert_eq!(codes(&findings), vec![("work_history", "WORK_HISTORY_OVERLAP", Severity::Warning)]);
        assert!(findings[0].message.contains("区委宣传部"), "{}", findings[0].message);
    }

    #[test]
    fn an_open_period_overlaps_everything_after_it() {
        let fixture = Fixture::with_history(vec![
            period(date(2002, 7, 1), None, "青山镇"),
            period(date(2010, 1, 1), Some(date(2011, 1, 1)), "区委宣传部"),
        ]);
        assert_eq!(
            codes(&check(&fixture.facts())),
            vec![("work_history", "WORK_HISTORY_OVERLAP", Severity::Warning)]
        );
    }

    #[test]
    fn more_than_one_open_period_warns() {
        let fixture = Fixture::with_history(vec![
            period(date(2002, 7, 1), None, "青山镇"),
            period(date(2010, 1, 1), None, "区委宣传部"),
        ]);
        let findings = check(&fixture.facts());
        assert_eq!(
            codes(&findings),
            vec![
                ("work_history", "WORK_HISTORY_OVERLAP", Severity::Warning),
                ("work_history", "MULTIPLE_OPEN_PERIODS", Severity::Warning),
            ]
        );
        assert!(findings[1].message.starts_with("2 work periods"), "{}", findings[1].message);
    }

    #[test]
    fn has_conflict_ignores_warnings() {
        let warning = finding("work_history", "WORK_HISTORY_GAP", Severity::Warning, String::new());
        let conflict = finding("gender", "GENDER_MISMATCH", Severity::Conflict, String::new());
        assert!(!has_conflict(&[]));
        assert!(!has_conflict(std::slice::from_ref(&warning)));
        assert!(has_conflict(&[warning, conflict]));
    }
}

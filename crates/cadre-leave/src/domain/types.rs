//! Leave types and their policy (domain.md §3.1).
//!
//! Every number is data: [`default_types`] is only the seed a tenant starts from, each entry naming its
//! source, and a district adds its own types or changes limits without a release.

use super::{calendar::WorkCalendar, days::HalfDays, span::LeaveSpan};

/// How a type measures a period: 年休假 skips weekends and holidays, 探亲假 and 产假 include them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CountingUnit {
    /// Only days the calendar marks as working (including 调休 make-up days).
    WorkingDays,
    /// Every day.
    CalendarDays,
}

impl CountingUnit {
    /// The stable code for storage and the API.
    pub const fn code(self) -> &'static str {
        match self {
            Self::WorkingDays => "WORKING_DAYS",
            Self::CalendarDays => "CALENDAR_DAYS",
        }
    }

    /// Parses [`CountingUnit::code`]; `None` for anything else so bad input is refused, not guessed.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "WORKING_DAYS" => Some(Self::WorkingDays),
            "CALENDAR_DAYS" => Some(Self::CalendarDays),
            _ => None,
        }
    }
}

/// Gender, only where a type is limited to one (产假, 陪产假).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// 男.
    Male,
    /// 女.
    Female,
}

impl Gender {
    /// The stable code for storage and the API.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Male => "MALE",
            Self::Female => "FEMALE",
        }
    }

    /// Parses [`Gender::code`]; `None` for anything else so bad input is refused, not guessed.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "MALE" => Some(Self::Male),
            "FEMALE" => Some(Self::Female),
            _ => None,
        }
    }
}

/// The codes of the seeded types, so other modules name them without string typos.
pub mod codes {
    /// 年休假.
    pub const ANNUAL: &str = "annual";
    /// 事假.
    pub const PERSONAL: &str = "personal";
    /// 病假.
    pub const SICK: &str = "sick";
    /// 婚假.
    pub const MARRIAGE: &str = "marriage";
    /// 丧假.
    pub const BEREAVEMENT: &str = "bereavement";
    /// 产假.
    pub const MATERNITY: &str = "maternity";
    /// 陪产假 / 护理假.
    pub const PATERNITY: &str = "paternity";
    /// 育儿假.
    pub const PARENTAL: &str = "parental";
    /// 探亲假.
    pub const FAMILY_VISIT: &str = "family_visit";
}

/// A supporting document a request must carry once it is long enough (a short 病假 needs no 病历).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentRule {
    /// The document's code, e.g. `"medical_certificate"`.
    pub document: String,
    /// Required when the request counts at least this much.
    pub from: HalfDays,
}

/// One leave type's rules. Versioning (`effective_from`/`effective_to`) lives with the store; this is the
/// content of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveTypePolicy {
    /// Stable code, e.g. `"annual"`; local types add their own.
    pub code: String,
    /// Display name in Chinese, e.g. "年休假".
    pub name: String,
    /// How a period is measured.
    pub unit: CountingUnit,
    /// Whether mornings or afternoons alone may be asked for.
    pub half_day: bool,
    /// Documents required from a length on.
    pub documents: Vec<DocumentRule>,
    /// The most one request may count; `None` when only the ledger or a computed entitlement limits it.
    pub max_per_request: Option<HalfDays>,
    /// The most a calendar year may count.
    pub max_per_year: Option<HalfDays>,
    /// Whether days are drawn from ledger grants (年休假, 探亲假) rather than granted per request.
    pub requires_balance: bool,
    /// Whether the days count toward the "请假累计1个月以上" 区委 tier (domain.md §10.2).
    pub counts_toward_cumulative: bool,
    /// Who may take it; `None` for everyone.
    pub eligible_gender: Option<Gender>,
    /// Where the rule comes from, with its evidence tag, so an administrator knows what to confirm.
    pub source_ref: String,
}

impl LeaveTypePolicy {
    /// The documents a request of `days` must carry.
    pub fn required_documents(&self, days: HalfDays) -> Vec<&str> {
        self.documents.iter().filter(|rule| days >= rule.from).map(|rule| rule.document.as_str()).collect()
    }
}

/// The type with `code` among `types`.
pub fn find<'a>(types: &'a [LeaveTypePolicy], code: &str) -> Option<&'a LeaveTypePolicy> {
    types.iter().find(|policy| policy.code == code)
}

/// The seed policy from domain.md §3.1, the starting point of every tenant's type table.
pub fn default_types() -> Vec<LeaveTypePolicy> {
    struct Seed {
        code: &'static str,
        name: &'static str,
        unit: CountingUnit,
        half_day: bool,
        documents: &'static [(&'static str, u32)],
        max_per_request: Option<u32>,
        max_per_year: Option<u32>,
        requires_balance: bool,
        counts_toward_cumulative: bool,
        eligible_gender: Option<Gender>,
        source_ref: &'static str,
    }
    use CountingUnit::{CalendarDays, WorkingDays};
    let seeds = [
        Seed {
            code: codes::ANNUAL,
            name: "年休假",
            unit: WorkingDays,
            half_day: true,
            documents: &[],
            max_per_request: None,
            max_per_year: None,
            requires_balance: true,
            counts_toward_cumulative: true,
            eligible_gender: None,
            source_ref: "[V] 《职工带薪年休假条例》第二、三条 (5/10/15 days; 法定节假日 and 休息日 not counted); \
                         《机关事业单位工作人员带薪年休假实施办法》第二条 (new tier from the following month)",
        },
        Seed {
            code: codes::PERSONAL,
            name: "事假",
            unit: WorkingDays,
            half_day: true,
            documents: &[],
            max_per_request: None,
            max_per_year: None,
            requires_balance: false,
            counts_toward_cumulative: true,
            eligible_gender: None,
            source_ref: "[V] no statutory quota, unit approval; 20 days in a year (pay not deducted) excludes \
                         年休假: 《职工带薪年休假条例》第四条(二)",
        },
        Seed {
            code: codes::SICK,
            name: "病假",
            unit: CalendarDays,
            half_day: true,
            documents: &[("medical_certificate", 2)],
            max_per_request: None,
            max_per_year: None,
            requires_balance: false,
            counts_toward_cumulative: true,
            eligible_gender: None,
            source_ref: "[L] medical proof from 2 days (local rule example); 2/3/4 months in a year exclude \
                         年休假: [V] 《职工带薪年休假条例》第四条(三)至(五)",
        },
        Seed {
            code: codes::MARRIAGE,
            name: "婚假",
            unit: CalendarDays,
            half_day: false,
            documents: &[],
            max_per_request: Some(3),
            max_per_year: None,
            requires_balance: false,
            counts_toward_cumulative: true,
            eligible_gender: None,
            source_ref: "[V] 1–3 days approved by the unit, plus 路程假: 1980 劳总薪字29号; [L] provinces extend \
                         it (often 10–15+ days) and say whether weekends count: set the district's values",
        },
        Seed {
            code: codes::BEREAVEMENT,
            name: "丧假",
            unit: CalendarDays,
            half_day: false,
            documents: &[],
            max_per_request: Some(3),
            max_per_year: None,
            requires_balance: false,
            counts_toward_cumulative: true,
            eligible_gender: None,
            source_ref: "[V] 1–3 days for 直系亲属 (父母、配偶、子女), plus 路程假: 1980 劳总薪字29号",
        },
        Seed {
            code: codes::MATERNITY,
            name: "产假",
            unit: CalendarDays,
            half_day: false,
            documents: &[],
            max_per_request: None,
            max_per_year: None,
            requires_balance: false,
            counts_toward_cumulative: false,
            eligible_gender: Some(Gender::Female),
            source_ref: "[V] 98 days, 难产 +15, each extra baby +15, miscarriage 15/42: 《女职工劳动保护特别规定》\
                         第七条; the per-request length is computed from the case (entitlement::maternity_days); \
                         [L] provincial extra (e.g. 山东 +60)",
        },
        Seed {
            code: codes::PATERNITY,
            name: "陪产假（护理假）",
            unit: CalendarDays,
            half_day: false,
            documents: &[],
            max_per_request: Some(7),
            max_per_year: None,
            requires_balance: false,
            counts_toward_cumulative: false,
            eligible_gender: Some(Gender::Male),
            source_ref: "[L] provincial only; 7 days is the 山东 护理假 example: set the province's value",
        },
        Seed {
            code: codes::PARENTAL,
            name: "育儿假",
            unit: WorkingDays,
            half_day: false,
            documents: &[],
            max_per_request: None,
            max_per_year: Some(5),
            requires_balance: false,
            counts_toward_cumulative: false,
            eligible_gender: None,
            source_ref: "[L] provincial only, text not retrieved; 5 days a year is a placeholder: confirm with \
                         组织部",
        },
        Seed {
            code: codes::FAMILY_VISIT,
            name: "探亲假",
            unit: CalendarDays,
            half_day: false,
            documents: &[],
            max_per_request: None,
            max_per_year: None,
            requires_balance: true,
            counts_toward_cumulative: true,
            eligible_gender: None,
            source_ref: "[V] 国务院《关于职工探亲待遇的规定》(1981) 第二、四条: spouse 30 days a year; unmarried to \
                         parents 20 a year or 45 every 2 years; married to parents 20 every 4 years; weekends and \
                         holidays included, plus 路程假",
        },
    ];
    seeds
        .into_iter()
        .map(|seed| LeaveTypePolicy {
            code: seed.code.to_owned(),
            name: seed.name.to_owned(),
            unit: seed.unit,
            half_day: seed.half_day,
            documents: seed
                .documents
                .iter()
                .map(|(document, from)| DocumentRule {
                    document: (*document).to_owned(),
                    from: HalfDays::days(*from),
                })
                .collect(),
            max_per_request: seed.max_per_request.map(HalfDays::days),
            max_per_year: seed.max_per_year.map(HalfDays::days),
            requires_balance: seed.requires_balance,
            counts_toward_cumulative: seed.counts_toward_cumulative,
            eligible_gender: seed.eligible_gender,
            source_ref: seed.source_ref.to_owned(),
        })
        .collect()
}

/// One reason a request does not fit its type, reported all at once so the form shows every problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeViolation {
    /// The type allows whole days only.
    #[error("this leave type is taken in whole days")]
    HalfDayNotAllowed,
    /// A half-day start or end on a weekend or holiday, for a working-day type.
    #[error("a half day cannot start or end on a weekend or holiday")]
    HalfDayOnRestDay,
    /// The period counts nothing (e.g. a working-day type over a holiday block).
    #[error("the period contains no day that counts for this leave type")]
    NoWorkingDays,
    /// Longer than one request may be.
    #[error("at most {max} days per request")]
    OverPerRequest {
        /// The limit.
        max: HalfDays,
    },
    /// Would take the year's total past its limit.
    #[error("at most {max} days per year; {used} already taken or requested")]
    OverPerYear {
        /// The limit.
        max: HalfDays,
        /// Already counted this year, before the request.
        used: HalfDays,
    },
    /// A required document is not attached.
    #[error("document required: {0}")]
    DocumentMissing(String),
    /// The type is for the other gender, or the applicant's gender is not on record.
    #[error("this leave type is not available to the applicant")]
    GenderNotEligible,
}

impl TypeViolation {
    /// The UPPER_SNAKE code for API error details.
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::HalfDayNotAllowed => "HALF_DAY_NOT_ALLOWED",
            Self::HalfDayOnRestDay => "HALF_DAY_ON_REST_DAY",
            Self::NoWorkingDays => "NO_WORKING_DAYS",
            Self::OverPerRequest { .. } => "OVER_REQUEST_LIMIT",
            Self::OverPerYear { .. } => "OVER_YEAR_LIMIT",
            Self::DocumentMissing(_) => "DOCUMENT_MISSING",
            Self::GenderNotEligible => "GENDER_NOT_ELIGIBLE",
        }
    }

    /// The request field the problem concerns, so the form can mark it.
    pub const fn field(&self) -> &'static str {
        match self {
            Self::HalfDayNotAllowed | Self::HalfDayOnRestDay => "start_half",
            Self::NoWorkingDays | Self::OverPerRequest { .. } | Self::OverPerYear { .. } => "end",
            Self::DocumentMissing(_) => "documents",
            Self::GenderNotEligible => "leave_type",
        }
    }
}

/// Every way a request breaks its type's rules. `days` is the request's count in the type's unit (normally
/// `span.count(policy.unit, calendar)`); `used_this_year` is what the year already holds for this type,
/// approved and pending. An unknown `gender` fails a gender-limited type: eligibility must be on record.
pub fn check_request(
    policy: &LeaveTypePolicy,
    days: HalfDays,
    span: &LeaveSpan,
    calendar: &WorkCalendar,
    gender: Option<Gender>,
    used_this_year: HalfDays,
    documents: &[String],
) -> Vec<TypeViolation> {
    let mut violations = Vec::new();
    if let Some(eligible) = policy.eligible_gender
        && gender != Some(eligible)
    {
        violations.push(TypeViolation::GenderNotEligible);
    }
    if span.has_half_day() {
        if !policy.half_day {
            violations.push(TypeViolation::HalfDayNotAllowed);
        } else if policy.unit == CountingUnit::WorkingDays && span.half_on_rest_day(calendar) {
            violations.push(TypeViolation::HalfDayOnRestDay);
        }
    }
    if days == HalfDays::ZERO {
        violations.push(TypeViolation::NoWorkingDays);
    }
    if let Some(max) = policy.max_per_request
        && days > max
    {
        violations.push(TypeViolation::OverPerRequest { max });
    }
    if let Some(max) = policy.max_per_year
        && used_this_year + days > max
    {
        violations.push(TypeViolation::OverPerYear { max, used: used_this_year });
    }
    for required in policy.required_documents(days) {
        if !documents.iter().any(|attached| attached == required) {
            violations.push(TypeViolation::DocumentMissing(required.to_owned()));
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{calendar::SEED_YEARS, span::Half};
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::seeded(SEED_YEARS.iter().copied())
    }

    fn policy(code: &str) -> LeaveTypePolicy {
        find(&default_types(), code).unwrap().clone()
    }

    fn check(
        p: &LeaveTypePolicy,
        span: LeaveSpan,
        gender: Option<Gender>,
        used: HalfDays,
        docs: &[&str],
    ) -> Vec<&'static str> {
        let c = cal();
        let days = span.count(p.unit, &c);
        let docs: Vec<String> = docs.iter().map(|s| (*s).to_owned()).collect();
        check_request(p, days, &span, &c, gender, used, &docs).iter().map(TypeViolation::reason).collect()
    }

    #[test]
    fn seed_table() {
        let types = default_types();
        let codes: Vec<_> = types.iter().map(|t| t.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "annual",
                "personal",
                "sick",
                "marriage",
                "bereavement",
                "maternity",
                "paternity",
                "parental",
                "family_visit"
            ]
        );
        let exempt: Vec<_> =
            types.iter().filter(|t| !t.counts_toward_cumulative).map(|t| t.code.as_str()).collect();
        assert_eq!(exempt, ["maternity", "paternity", "parental"]);
        let balance: Vec<_> = types.iter().filter(|t| t.requires_balance).map(|t| t.code.as_str()).collect();
        assert_eq!(balance, ["annual", "family_visit"]);
        assert_eq!(policy("annual").unit, CountingUnit::WorkingDays);
        assert!(policy("annual").half_day);
        assert_eq!(policy("sick").unit, CountingUnit::CalendarDays);
        assert_eq!(policy("family_visit").unit, CountingUnit::CalendarDays);
        assert_eq!(policy("marriage").max_per_request, Some(HalfDays::days(3)));
        assert_eq!(policy("bereavement").max_per_request, Some(HalfDays::days(3)));
        assert_eq!(policy("paternity").max_per_request, Some(HalfDays::days(7)));
        assert_eq!(policy("parental").max_per_year, Some(HalfDays::days(5)));
        assert_eq!(policy("maternity").eligible_gender, Some(Gender::Female));
        assert_eq!(policy("paternity").eligible_gender, Some(Gender::Male));
        assert!(types.iter().all(|t| !t.source_ref.is_empty() && !t.name.is_empty()));
        assert!(find(&types, "nope").is_none());
    }

    #[test]
    fn codes_round_trip() {
        for unit in [CountingUnit::WorkingDays, CountingUnit::CalendarDays] {
            assert_eq!(CountingUnit::from_code(unit.code()), Some(unit));
        }
        for g in [Gender::Male, Gender::Female] {
            assert_eq!(Gender::from_code(g.code()), Some(g));
        }
        assert_eq!(CountingUnit::from_code("working_days"), None);
        assert_eq!(Gender::from_code(""), None);
    }

    #[test]
    fn sick_documents_from_two_days() {
        let sick = policy("sick");
        assert!(sick.required_documents(HalfDays(3)).is_empty());
        assert_eq!(sick.required_documents(HalfDays::days(2)), ["medical_certificate"]);
        let one_and_half = LeaveSpan::new(d(2026, 3, 3), Half::Am, d(2026, 3, 4), Half::Am).unwrap();
        assert!(check(&sick, one_and_half, None, HalfDays::ZERO, &[]).is_empty());
        // Calendar days: Fri + Sat is two days and needs the certificate.
        let fri_sat = LeaveSpan::whole_days(d(2026, 3, 6), d(2026, 3, 7)).unwrap();
        let v = check(&sick, fri_sat, None, HalfDays::ZERO, &[]);
        assert_eq!(v, ["DOCUMENT_MISSING"]);
        assert!(check(&sick, fri_sat, None, HalfDays::ZERO, &["medical_certificate"]).is_empty());
        // A sick half-day on a Sunday is a calendar-day type: allowed.
        let sunday_pm = LeaveSpan::new(d(2026, 3, 8), Half::Pm, d(2026, 3, 8), Half::Pm).unwrap();
        assert!(check(&sick, sunday_pm, None, HalfDays::ZERO, &[]).is_empty());
    }

    #[test]
    fn half_days() {
        let annual = policy("annual");
        let sat_pm = LeaveSpan::new(d(2026, 3, 7), Half::Pm, d(2026, 3, 9), Half::Pm).unwrap();
        assert_eq!(check(&annual, sat_pm, None, HalfDays::ZERO, &[]), ["HALF_DAY_ON_REST_DAY"]);
        // Ends at noon on the 国庆 holiday.
        let to_holiday = LeaveSpan::new(d(2026, 9, 29), Half::Am, d(2026, 10, 1), Half::Am).unwrap();
        assert_eq!(check(&annual, to_holiday, None, HalfDays::ZERO, &[]), ["HALF_DAY_ON_REST_DAY"]);
        // Make-up Saturday afternoon is fine.
        let makeup = LeaveSpan::new(d(2026, 2, 28), Half::Pm, d(2026, 2, 28), Half::Pm).unwrap();
        assert!(check(&annual, makeup, None, HalfDays::ZERO, &[]).is_empty());
        let marriage = policy("marriage");
        let half = LeaveSpan::new(d(2026, 3, 3), Half::Pm, d(2026, 3, 4), Half::Pm).unwrap();
        assert_eq!(check(&marriage, half, None, HalfDays::ZERO, &[]), ["HALF_DAY_NOT_ALLOWED"]);
        assert_eq!(TypeViolation::HalfDayNotAllowed.field(), "start_half");
    }

    #[test]
    fn nothing_to_count() {
        let annual = policy("annual");
        let block = LeaveSpan::whole_days(d(2026, 2, 15), d(2026, 2, 23)).unwrap();
        assert_eq!(check(&annual, block, None, HalfDays::ZERO, &[]), ["NO_WORKING_DAYS"]);
        let weekend = LeaveSpan::whole_days(d(2026, 3, 7), d(2026, 3, 8)).unwrap();
        assert_eq!(check(&annual, weekend, None, HalfDays::ZERO, &[]), ["NO_WORKING_DAYS"]);
    }

    #[test]
    fn limits() {
        let bereavement = policy("bereavement");
        let three = LeaveSpan::whole_days(d(2026, 3, 6), d(2026, 3, 8)).unwrap();
        assert!(check(&bereavement, three, None, HalfDays::ZERO, &[]).is_empty());
        let four = LeaveSpan::whole_days(d(2026, 3, 6), d(2026, 3, 9)).unwrap();
        let c = cal();
        let v = check_request(
            &bereavement,
            four.count(bereavement.unit, &c),
            &four,
            &c,
            None,
            HalfDays::ZERO,
            &[],
        );
        assert_eq!(v, [TypeViolation::OverPerRequest { max: HalfDays::days(3) }]);
        assert_eq!(v[0].field(), "end");

        let parental = policy("parental");
        let two = LeaveSpan::whole_days(d(2026, 3, 2), d(2026, 3, 3)).unwrap();
        assert!(check(&parental, two, None, HalfDays::days(3), &[]).is_empty());
        let v = check_request(&parental, HalfDays::days(2), &two, &c, None, HalfDays(7), &[]);
        assert_eq!(v, [TypeViolation::OverPerYear { max: HalfDays::days(5), used: HalfDays(7) }]);
        assert_eq!(v[0].to_string(), "at most 5 days per year; 3.5 already taken or requested");
    }

    #[test]
    fn gender() {
        let maternity = policy("maternity");
        let span = LeaveSpan::whole_days(d(2026, 3, 2), d(2026, 6, 7)).unwrap();
        assert!(check(&maternity, span, Some(Gender::Female), HalfDays::ZERO, &[]).is_empty());
        assert_eq!(check(&maternity, span, Some(Gender::Male), HalfDays::ZERO, &[]), ["GENDER_NOT_ELIGIBLE"]);
        assert_eq!(check(&maternity, span, None, HalfDays::ZERO, &[]), ["GENDER_NOT_ELIGIBLE"]);
        let paternity = policy("paternity");
        let week = LeaveSpan::whole_days(d(2026, 3, 2), d(2026, 3, 8)).unwrap();
        assert!(check(&paternity, week, Some(Gender::Male), HalfDays::ZERO, &[]).is_empty());
        assert_eq!(TypeViolation::GenderNotEligible.field(), "leave_type");
    }

    #[test]
    fn several_at_once() {
        let marriage = policy("marriage");
        let long_half = LeaveSpan::new(d(2026, 3, 2), Half::Pm, d(2026, 3, 9), Half::Pm).unwrap();
        let c = cal();
        let v = check_request(
            &marriage,
            long_half.count(marriage.unit, &c),
            &long_half,
            &c,
            None,
            HalfDays::ZERO,
            &[],
        );
        let reasons: Vec<_> = v.iter().map(TypeViolation::reason).collect();
        assert_eq!(reasons, ["HALF_DAY_NOT_ALLOWED", "OVER_REQUEST_LIMIT"]);
        let sick = policy("sick");
        let v =
            check_request(&sick, HalfDays::days(3), &long_half, &c, Some(Gender::Male), HalfDays::ZERO, &[]);
        assert_eq!(v, [TypeViolation::DocumentMissing("medical_certificate".to_owned())]);
        assert_eq!(v[0].field(), "documents");
    }
}

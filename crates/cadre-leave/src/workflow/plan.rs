//! Planning a request: every check a request must pass before it may be submitted, and the route it takes.
//! Run when a draft is created (so the route is shown before submitting) and again at submission (so a
//! draft left lying cannot skip a rule that changed meanwhile).

use cadre_platform::{ApiError, DbConn, Violations};
use chrono::{Datelike, NaiveDate};

use crate::{
    domain::{
        HalfDays,
        calendar::WorkCalendar,
        entitlement::{self, MaternityCase},
        onduty::{self, Away},
        request::{Assignee, PoolRole},
        route::{self, ApplicantClass, Escalation, RouteInput, StepKind},
        span::LeaveSpan,
        types::{self, CountingUnit, Gender, LeaveTypePolicy},
    },
    store::{
        self,
        policy::LeavePolicy,
        projection::CadreView,
        requests::{self as request_store, RequestRow},
    },
};

use super::{balance, spans};

/// What the applicant asks for.
#[derive(Debug, Clone)]
pub struct Ask {
    /// The leave type's code.
    pub leave_type: String,
    /// When.
    pub span: LeaveSpan,
    /// Documents attached.
    pub documents: Vec<String>,
    /// Who takes charge meanwhile, or empty.
    pub acting_deputy: String,
    /// 产假 details.
    pub maternity: Option<MaternityCase>,
    /// The request this one extends.
    pub extends: Option<String>,
}

/// A planned step: the kind, why, and who acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAssignee {
    /// The route's step.
    pub kind: StepKind,
    /// Which rule put it there.
    pub why: String,
    /// Who acts.
    pub assignee: Assignee,
    /// Their name, or the pool's.
    pub name: String,
}

/// A request that passed every check, and its route.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The type's policy in force on the start date.
    pub policy: LeaveTypePolicy,
    /// Days in the type's unit.
    pub days: HalfDays,
    /// Calendar days.
    pub calendar_days: HalfDays,
    /// The applicant's class.
    pub class: ApplicantClass,
    /// The year's cumulative calendar days with this request (the highest year when it spans two).
    pub cumulative: HalfDays,
    /// What raised the route.
    pub raised: Vec<Escalation>,
    /// The route.
    pub steps: Vec<PlannedAssignee>,
}

/// Who is checking: whether they may file for others and for past dates (补假).
#[derive(Debug, Clone, Copy)]
pub struct Filer {
    /// The unit's HR officer or the org department.
    pub administers: bool,
}

fn pool_name(pool: PoolRole) -> &'static str {
    match pool {
        PoolRole::OrgDepartment => "区委组织部",
        PoolRole::DistrictCommittee => "区委",
    }
}

/// Whether a span of leave of `cadre` collides with another live request of theirs.
fn overlapping(
    conn: &mut DbConn,
    cadre: &str,
    span: &LeaveSpan,
    except: Option<&str>,
) -> Result<Option<RequestRow>, ApiError> {
    let rows = request_store::of_cadre_between(conn, cadre, span.start, span.end, false)?;
    for row in rows {
        if Some(row.id.as_str()) == except {
            continue;
        }
        if spans::effective(&row).is_some_and(|other| other.overlaps(span)) {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// Whether `cadre` is away (live leave, or a travel filing) at any time in `span`.
fn away_during(conn: &mut DbConn, cadre: &str, span: &LeaveSpan) -> Result<bool, ApiError> {
    if overlapping(conn, cadre, span, None)?.is_some() {
        return Ok(true);
    }
    store::travel::away_between(conn, cadre, span.start, span.end)
}

/// Checks `ask` by `applicant` and computes its route. `except` is the request being re-planned (a draft
/// at submission), which must not collide with itself.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    conn: &mut DbConn,
    today: NaiveDate,
    filer: Filer,
    applicant: &CadreView,
    ask: &Ask,
    leave_policy: &LeavePolicy,
    calendar: &WorkCalendar,
    except: Option<&str>,
) -> Result<Plan, ApiError> {
    let span = &ask.span;
    if !applicant.active {
        return Err(ApiError::failed_precondition(
            "APPLICANT_NOT_ACTIVE",
            "the cadre is not in post (retired, dismissed or unknown to the directory)",
        ));
    }
    let Some(type_policy) = store::types::get(conn, &ask.leave_type, span.start)? else {
        return Err(ApiError::invalid_argument("UNKNOWN_LEAVE_TYPE", "no such leave type on the start date")
            .with_violation("leave_type", format!("{:?} is not a leave type in force", ask.leave_type)));
    };
    if span.start < today && !filer.administers {
        return Err(ApiError::failed_precondition(
            "BACKDATED",
            "leave for past dates (补假) is filed by the unit's HR officer or the org department",
        )
        .with_violation("start_date", "is in the past"));
    }
    if let Some(other) = overlapping(conn, &applicant.id, span, except)? {
        return Err(ApiError::failed_precondition(
            "OVERLAPPING_REQUEST",
            format!("the period overlaps request {} ({} to {})", other.id, other.start_date, other.end_date),
        )
        .with_metadata("leave_request_id", other.id));
    }

    // Counting.
    let mut days = span.count(type_policy.unit, calendar);
    let calendar_days = span.calendar_days();
    let gender = Gender::from_code(&applicant.gender);
    let year = span.start.year();
    let used_this_year = balance::taken_in_year(conn, &applicant.id, &type_policy, year, calendar, except)?;
    let mut limits = type_policy.clone();
    if type_policy.code == "maternity" {
        // 产假's length is the case's, not a fixed number: 98 days plus the extras it qualifies for.
        let case = ask.maternity.unwrap_or(MaternityCase {
            difficult_birth: false,
            babies: 1,
            miscarriage_months: None,
        });
        limits.max_per_request = Some(entitlement::maternity_days(&case, &leave_policy.maternity));
    }
    if type_policy.unit == CountingUnit::CalendarDays && days == HalfDays::ZERO {
        days = calendar_days;
    }
    let mut violations = Violations::default();
    let mut reason = None;
    for violation in
        types::check_request(&limits, days, span, calendar, gender, used_this_year, &ask.documents)
    {
        reason.get_or_insert(violation.reason());
        violations.add(violation.field(), violation.to_string());
    }
    if let Some(reason) = reason {
        violations.finish(reason, "the request breaks the leave type's rules")?;
    }

    // The balance, for types drawn from grants.
    if type_policy.requires_balance {
        let available = balance::available(conn, &applicant.id, &type_policy.code, span.start, except)?;
        if days > available {
            return Err(ApiError::failed_precondition(
                "INSUFFICIENT_BALANCE",
                format!("{days} days requested, {available} available"),
            )
            .with_metadata("available_days", available.to_string()));
        }
    }

    // Who takes charge while a leader is away; the two may not be away together.
    let class = route::applicant_class(
        applicant.is_principal,
        applicant.is_team_member,
        applicant.principal_level_post(),
    );
    if ask.acting_deputy.is_empty() {
        if applicant.is_team_member || applicant.is_principal {
            return Err(ApiError::invalid_argument(
                "ACTING_DEPUTY_REQUIRED",
                "a leadership-team member names who takes charge (代为主持工作) while away",
            )
            .with_violation("acting_deputy_cadre_id", "is required of leadership-team members"));
        }
    } else {
        if ask.acting_deputy == applicant.id {
            return Err(ApiError::invalid_argument("ACTING_DEPUTY_INVALID", "nobody deputises for themself")
                .with_violation("acting_deputy_cadre_id", "is the applicant"));
        }
        let deputy = store::projection::cadre(conn, &ask.acting_deputy)?;
        if !deputy.as_ref().is_some_and(|d| d.active) {
            return Err(ApiError::invalid_argument(
                "ACTING_DEPUTY_INVALID",
                "the deputy is not a cadre in post",
            )
            .with_violation("acting_deputy_cadre_id", "is not an active cadre"));
        }
        if away_during(conn, &ask.acting_deputy, span)? {
            return Err(ApiError::failed_precondition(
                "DEPUTY_AWAY",
                "the deputy in charge is away during the leave; the principal and the deputy may not be away together",
            ));
        }
    }

    // What raises the route.
    let mut raised = Vec::new();
    let settings = store::settings::unit_settings(conn, &applicant.employing_unit_id)?;
    if settings.sensitive {
        raised.push(Escalation::SensitivePost);
    }
    for blackout in store::settings::blackouts_overlapping(conn, span.start, span.end)? {
        let covers_unit = blackout.org_unit_id.is_empty()
            || applicant.employing_path.split('/').any(|id| id == blackout.org_unit_id);
        if !covers_unit || blackout.exempt_types.iter().any(|t| t == &type_policy.code) {
            continue;
        }
        if blackout.refuse {
            return Err(ApiError::failed_precondition(
                "BLACKOUT_PERIOD",
                format!(
                    "no leave during {} ({} to {})",
                    blackout.name, blackout.start_date, blackout.end_date
                ),
            )
            .with_metadata("blackout_period_id", blackout.id));
        }
        if !raised.contains(&Escalation::Blackout) {
            raised.push(Escalation::Blackout);
        }
    }
    if settings.max_away_percent > 0 {
        let others: Vec<Away> =
            request_store::of_unit_between(conn, &applicant.employing_unit_id, span.start, span.end)?
                .iter()
                .filter(|row| Some(row.id.as_str()) != except)
                .filter_map(|row| {
                    Some(Away { cadre_id: row.applicant_cadre_id.clone(), span: spans::effective(row)? })
                })
                .collect();
        let headcount = store::projection::headcount(conn, &applicant.employing_unit_id)?;
        if let Some(mut worst) = onduty::worst_day(&applicant.id, span, &others, headcount, calendar) {
            worst.max_percent = settings.max_away_percent as u32;
            if worst.exceeds() {
                if settings.refuse_over_ratio {
                    return Err(ApiError::failed_precondition(
                        "ON_DUTY_RATIO",
                        format!(
                            "{} of {} would be away on {}, over the unit's {} %",
                            worst.away, worst.headcount, worst.date, worst.max_percent
                        ),
                    ));
                }
                raised.push(Escalation::OnDutyRatio);
            }
        }
    }

    // The cumulative total of the calendar year (each year the leave touches; the highest decides).
    let mut cumulative = HalfDays::ZERO;
    for year in span.start.year()..=span.end.year() {
        let earlier = balance::cumulative_in_year(conn, &applicant.id, year, calendar, except)?;
        let this = if type_policy.counts_toward_cumulative {
            span.count_in_year(CountingUnit::CalendarDays, calendar, year)
        } else {
            HalfDays::ZERO
        };
        let total = if type_policy.counts_toward_cumulative { earlier + this } else { HalfDays::ZERO };
        cumulative = cumulative.max(total);
    }

    let input = RouteInput { class, days, cumulative_calendar_days: cumulative, raise: raised.clone() };
    let planned = route::route(&input, &leave_policy.tier);
    let steps = assign(conn, applicant, planned, &settings.liaison_leader_cadre_id)?;
    Ok(Plan { policy: type_policy, days, calendar_days, class, cumulative, raised, steps })
}

/// Binds each planned step to who acts on it. A step whose person is not designated falls to the next
/// level up; a step that would land on the applicant does too (nobody approves their own leave); two
/// approvals in a row by the same person are one.
fn assign(
    conn: &mut DbConn,
    applicant: &CadreView,
    planned: Vec<route::PlannedStep>,
    liaison: &str,
) -> Result<Vec<PlannedAssignee>, ApiError> {
    let line = store::settings::reporting_line(conn, &applicant.id)?;
    let principal = store::projection::unit_principal(conn, &applicant.employing_unit_id)?;
    let liaison = if liaison.is_empty() { None } else { store::projection::cadre(conn, liaison)? };
    let named = |id: &str, conn: &mut DbConn| -> Result<Option<CadreView>, ApiError> {
        if id.is_empty() || id == applicant.id {
            return Ok(None);
        }
        Ok(store::projection::cadre(conn, id)?.filter(|c| c.active))
    };
    let principal = principal.filter(|p| p.id != applicant.id);
    let section_head = match &line {
        Some(line) => named(&line.section_head_cadre_id, conn)?,
        None => None,
    };
    let supervising = match &line {
        Some(line) => named(&line.supervising_leader_cadre_id, conn)?,
        None => None,
    };
    let liaison = liaison.filter(|l| l.active && l.id != applicant.id);

    let person = |c: &CadreView| (Assignee::Cadre(c.id.clone()), c.name.clone());
    let pool = |p: PoolRole| (Assignee::Pool(p), pool_name(p).to_owned());
    let mut steps: Vec<PlannedAssignee> = Vec::new();
    for mut step in planned {
        // A step whose own person is not designated is taken by the next level up, and says so.
        let fallback = match step.kind {
            StepKind::SectionHead if section_head.is_none() && supervising.is_some() => {
                Some(StepKind::SupervisingLeader)
            }
            StepKind::SectionHead | StepKind::SupervisingLeader
                if section_head.is_none() || step.kind == StepKind::SupervisingLeader =>
            {
                (supervising.is_none() && principal.is_some()).then_some(StepKind::UnitPrincipal)
            }
            _ => None,
        };
        if let Some(kind) = fallback {
            step.why = format!(
                "{} (no {} designated: the {} decides)",
                step.why,
                step.kind.label_zh(),
                kind.label_zh()
            );
            step.kind = kind;
        }
        let (assignee, name) = match step.kind {
            StepKind::SectionHead => section_head
                .as_ref()
                .or(supervising.as_ref())
                .or(principal.as_ref())
                .map_or_else(|| pool(PoolRole::OrgDepartment), person),
            StepKind::SupervisingLeader => supervising
                .as_ref()
                .or(principal.as_ref())
                .map_or_else(|| pool(PoolRole::OrgDepartment), person),
            StepKind::UnitPrincipal => {
                principal.as_ref().map_or_else(|| pool(PoolRole::OrgDepartment), person)
            }
            StepKind::LiaisonLeader | StepKind::LiaisonInformed => {
                liaison.as_ref().map_or_else(|| pool(PoolRole::DistrictCommittee), person)
            }
            StepKind::DistrictPrincipalLeader | StepKind::DistrictCommittee => {
                pool(PoolRole::DistrictCommittee)
            }
            StepKind::OrgDepartmentFiling => pool(PoolRole::OrgDepartment),
        };
        // A fallback can make two approval steps in a row land on one person: they decide once, on the
        // higher step, and the trail keeps both reasons.
        if let Some(last) = steps.last_mut()
            && last.assignee == assignee
            && last.kind.action() == step.kind.action()
            && matches!(assignee, Assignee::Cadre(_))
        {
            last.why = format!("{}; {}", last.why, step.why);
            last.kind = step.kind;
            continue;
        }
        steps.push(PlannedAssignee { kind: step.kind, why: step.why, assignee, name });
    }
    Ok(steps)
}

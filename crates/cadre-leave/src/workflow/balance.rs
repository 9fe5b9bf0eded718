//! Balances and totals derived from the ledger and the live requests. The ledger is append-only, so every
//! figure here is a sum, recomputed whenever it is asked for.

use cadre_platform::{ApiError, DbConn, clock};
use chrono::{Datelike, NaiveDate};

use crate::{
    domain::{
        HalfDays,
        calendar::WorkCalendar,
        entitlement,
        span::LeaveSpan,
        types::{CountingUnit, LeaveTypePolicy},
    },
    store::{
        self,
        ledger::{self, Entry},
        policy::LeavePolicy,
        projection::CadreView,
        requests::{self as request_store, RequestRow},
    },
};

use super::spans;

/// The recorder of entries the service makes by rule rather than by a person's hand.
pub const SYSTEM_RECORDER: &str = "system:leave";

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    // Years come from chrono dates, which are always in range.
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    (first, last)
}

/// Live requests of `cadre` touching `year`, but `except`.
fn live_in_year(
    conn: &mut DbConn,
    cadre: &str,
    year: i32,
    except: Option<&str>,
) -> Result<Vec<RequestRow>, ApiError> {
    let (first, last) = year_bounds(year);
    Ok(request_store::of_cadre_between(conn, cadre, first, last, false)?
        .into_iter()
        .filter(|row| Some(row.id.as_str()) != except)
        .collect())
}

/// Days of `policy`'s type taken or requested by `cadre` in `year` (approved, returned and pending), in
/// the type's unit, but `except`.
pub fn taken_in_year(
    conn: &mut DbConn,
    cadre: &str,
    policy: &LeaveTypePolicy,
    year: i32,
    calendar: &WorkCalendar,
    except: Option<&str>,
) -> Result<HalfDays, ApiError> {
    Ok(live_in_year(conn, cadre, year, except)?
        .iter()
        .filter(|row| row.leave_type == policy.code)
        .filter_map(spans::effective)
        .map(|span| span.count_in_year(policy.unit, calendar, year))
        .sum())
}

/// Calendar days of leave counting toward the 区委 threshold in `year` (approved, returned, pending), but
/// `except`. Types are judged by the policy in force on each request's start.
pub fn cumulative_in_year(
    conn: &mut DbConn,
    cadre: &str,
    year: i32,
    calendar: &WorkCalendar,
    except: Option<&str>,
) -> Result<HalfDays, ApiError> {
    let mut total = HalfDays::ZERO;
    for row in live_in_year(conn, cadre, year, except)? {
        let counts = store::types::get(conn, &row.leave_type, row.start_date)?
            .is_none_or(|policy| policy.counts_toward_cumulative);
        if let (true, Some(span)) = (counts, spans::effective(&row)) {
            total += span.count_in_year(CountingUnit::CalendarDays, calendar, year);
        }
    }
    Ok(total)
}

/// A cadre's position in one type for a year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    /// Grants and positive adjustments in effect.
    pub granted: HalfDays,
    /// Uses net of refunds.
    pub used: HalfDays,
    /// In pending requests.
    pub pending: HalfDays,
    /// Forfeits and negative adjustments.
    pub forfeited: HalfDays,
}

impl Position {
    /// What may still be requested.
    pub fn available(&self) -> HalfDays {
        self.granted.saturating_sub(self.used + self.pending + self.forfeited)
    }
}

fn halves(value: i32) -> HalfDays {
    HalfDays(value.unsigned_abs())
}

/// Sums ledger entries (those in effect on `on`) into a position.
pub fn position_of(entries: &[Entry], on: NaiveDate) -> Position {
    let mut position = Position::default();
    let mut refunded = HalfDays::ZERO;
    for entry in entries.iter().filter(|e| e.effective_date <= on || e.kind == "USE" || e.kind == "REFUND") {
        match (entry.kind.as_str(), entry.halves >= 0) {
            ("GRANT", _) | ("ADJUSTMENT", true) => position.granted += halves(entry.halves),
            ("USE", _) => position.used += halves(entry.halves),
            ("REFUND", _) => refunded += halves(entry.halves),
            (_, _) => position.forfeited += halves(entry.halves),
        }
    }
    position.used = position.used.saturating_sub(refunded);
    position
}

/// The position of `cadre` in `leave_type` for the year of `on`, counting grants in effect on `on` and the
/// pending requests but `except`.
pub fn position(
    conn: &mut DbConn,
    cadre: &str,
    leave_type: &str,
    on: NaiveDate,
    except: Option<&str>,
) -> Result<Position, ApiError> {
    let year = on.year();
    let entries = ledger::entries(conn, cadre, year, Some(leave_type))?;
    let mut position = position_of(&entries, on);
    if let Some(policy) = store::types::get(conn, leave_type, on)? {
        let calendar = store::calendar::load_around(conn, on, on)?;
        position.pending = live_in_year(conn, cadre, year, except)?
            .iter()
            .filter(|row| row.leave_type == leave_type && row.state == "pending")
            .filter_map(spans::planned)
            .map(|span| span.count_in_year(policy.unit, &calendar, year))
            .sum();
    }
    Ok(position)
}

/// Days of `leave_type` that `cadre` may still request for leave starting `on`.
pub fn available(
    conn: &mut DbConn,
    cadre: &str,
    leave_type: &str,
    on: NaiveDate,
    except: Option<&str>,
) -> Result<HalfDays, ApiError> {
    Ok(position(conn, cadre, leave_type, on, except)?.available())
}

/// The 年休假 grants of `cadre` for `year` from their years of service: written once each (their ids are
/// deterministic), future-dated top-ups included, so the ledger says in advance when a tier rises. A year
/// forfeited whole gets none.
pub fn ensure_annual_grants(
    conn: &mut DbConn,
    cadre: &CadreView,
    year: i32,
    policy: &LeavePolicy,
) -> Result<usize, ApiError> {
    let Some(work_start) = cadre.work_start_date else {
        return Ok(0);
    };
    let mut added = 0;
    for (n, grant) in entitlement::annual_grants(work_start, year, &policy.annual).into_iter().enumerate() {
        let entry = Entry {
            id: format!("grant:annual:{}:{year}:{n}", cadre.id),
            cadre_id: cadre.id.clone(),
            leave_type: "annual".to_owned(),
            year,
            kind: "GRANT".to_owned(),
            halves: i32::try_from(grant.days.halves()).unwrap_or(i32::MAX),
            reason: grant.reason,
            leave_request_id: String::new(),
            effective_date: grant.effective,
            recorded_by: SYSTEM_RECORDER.to_owned(),
            created_at: clock::now(),
        };
        if ledger::append_once(conn, &entry)? {
            added += 1;
        }
    }
    Ok(added)
}

/// Writes the ledger side of an approval: one USE entry per year the leave touches.
pub fn record_use(
    conn: &mut DbConn,
    row: &RequestRow,
    policy: &LeaveTypePolicy,
    calendar: &WorkCalendar,
    recorder: &str,
) -> Result<(), ApiError> {
    let Some(span) = spans::planned(row) else { return Ok(()) };
    for year in span.start.year()..=span.end.year() {
        let days = span.count_in_year(policy.unit, calendar, year);
        if days == HalfDays::ZERO {
            continue;
        }
        ledger::append(
            conn,
            &Entry {
                id: store::new_id(),
                cadre_id: row.applicant_cadre_id.clone(),
                leave_type: row.leave_type.clone(),
                year,
                kind: "USE".to_owned(),
                halves: i32::try_from(days.halves()).unwrap_or(i32::MAX),
                reason: format!("request {} approved", row.id),
                leave_request_id: row.id.clone(),
                effective_date: span.start.max(year_bounds(year).0),
                recorded_by: recorder.to_owned(),
                created_at: clock::now(),
            },
        )?;
    }
    Ok(())
}

/// Gives back what a request used beyond `kept` (the part actually taken; `None` when nothing was), one
/// REFUND entry per year. Returns the days refunded.
pub fn refund_unused(
    conn: &mut DbConn,
    row: &RequestRow,
    policy: &LeaveTypePolicy,
    calendar: &WorkCalendar,
    kept: Option<&LeaveSpan>,
    why: &str,
    recorder: &str,
) -> Result<HalfDays, ApiError> {
    let Some(planned) = spans::planned(row) else { return Ok(HalfDays::ZERO) };
    let mut refunded = HalfDays::ZERO;
    for year in planned.start.year()..=planned.end.year() {
        let used = planned.count_in_year(policy.unit, calendar, year);
        let kept = kept.map_or(HalfDays::ZERO, |span| span.count_in_year(policy.unit, calendar, year));
        let back = used.saturating_sub(kept);
        if back == HalfDays::ZERO {
            continue;
        }
        refunded += back;
        ledger::append(
            conn,
            &Entry {
                id: store::new_id(),
                cadre_id: row.applicant_cadre_id.clone(),
                leave_type: row.leave_type.clone(),
                year,
                kind: "REFUND".to_owned(),
                halves: i32::try_from(back.halves()).unwrap_or(i32::MAX),
                reason: format!("request {}: {why}", row.id),
                leave_request_id: row.id.clone(),
                effective_date: clock::today().max(year_bounds(year).0).min(year_bounds(year).1),
                recorded_by: recorder.to_owned(),
                created_at: clock::now(),
            },
        )?;
    }
    Ok(refunded)
}

/// After 事假 or 病假 is approved: when the year's total reaches the exclusion of 年休假条例 第四条, the
/// 年休假 is forfeited (L6): what is left of this year's if none was taken yet, otherwise next year's whole.
/// Each forfeiture is written once (deterministic ids).
pub fn apply_exclusions(
    conn: &mut DbConn,
    cadre: &CadreView,
    year: i32,
    policy: &LeavePolicy,
    calendar: &WorkCalendar,
    today: NaiveDate,
) -> Result<Option<String>, ApiError> {
    let Some(work_start) = cadre.work_start_date else { return Ok(None) };
    let (first, last) = year_bounds(year);
    let mut personal = HalfDays::ZERO;
    let mut sick = HalfDays::ZERO;
    for row in request_store::of_cadre_between(conn, &cadre.id, first, last, false)? {
        if row.state == "pending" {
            continue;
        }
        let Some(span) = spans::effective(&row) else { continue };
        match row.leave_type.as_str() {
            "personal" => personal += span.count_in_year(CountingUnit::WorkingDays, calendar, year),
            "sick" => sick += span.count_in_year(CountingUnit::CalendarDays, calendar, year),
            _ => {}
        }
    }
    let years = entitlement::service_years(work_start, last.min(today.max(first)));
    let Some(exclusion) = entitlement::exclusion(years, personal, sick, &policy.exclusion) else {
        return Ok(None);
    };
    ensure_annual_grants(conn, cadre, year, policy)?;
    let entries = ledger::entries(conn, &cadre.id, year, Some("annual"))?;
    let position = position_of(&entries, last);
    let why = format!("年休假 excluded: {exclusion:?} in {year} (年休假条例 第四条)");
    let (target_year, id, amount) = match entitlement::forfeit(true, position.used) {
        Some(entitlement::Forfeit::ThisYear) => (
            year,
            format!("forfeit:annual:{}:{year}", cadre.id),
            position.granted.saturating_sub(position.forfeited),
        ),
        Some(entitlement::Forfeit::NextYear) => {
            let next = year + 1;
            let whole: HalfDays =
                entitlement::annual_grants(work_start, next, &policy.annual).iter().map(|g| g.days).sum();
            (next, format!("forfeit:annual:{}:{next}", cadre.id), whole)
        }
        None => return Ok(None),
    };
    if amount == HalfDays::ZERO {
        return Ok(None);
    }
    let entry = Entry {
        id,
        cadre_id: cadre.id.clone(),
        leave_type: "annual".to_owned(),
        year: target_year,
        kind: "FORFEIT".to_owned(),
        halves: -i32::try_from(amount.halves()).unwrap_or(i32::MAX),
        reason: why.clone(),
        leave_request_id: String::new(),
        effective_date: today.max(year_bounds(target_year).0),
        recorded_by: SYSTEM_RECORDER.to_owned(),
        created_at: clock::now(),
    };
    Ok(ledger::append_once(conn, &entry)?.then_some(why))
}

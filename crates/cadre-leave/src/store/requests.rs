//! Leave requests and their approval steps, stored as rows; the rules live in `domain::request`.

use cadre_platform::{ApiError, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{approval_steps, leave_requests};

/// One leave request as stored. Codes (state, halves, class) are the domain's `code()` strings.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = leave_requests, treat_none_as_null = true)]
pub struct RequestRow {
    /// Id.
    pub id: String,
    /// The cadre on leave.
    pub applicant_cadre_id: String,
    /// Their name when filed.
    pub applicant_name: String,
    /// Their employing unit when filed.
    pub org_unit_id: String,
    /// Type code.
    pub leave_type: String,
    /// First day.
    pub start_date: NaiveDate,
    /// "AM" or "PM".
    pub start_half: String,
    /// Last day.
    pub end_date: NaiveDate,
    /// "AM" or "PM".
    pub end_half: String,
    /// Days in the type's unit, in halves.
    pub days_halves: i32,
    /// Calendar days, in halves.
    pub calendar_halves: i32,
    /// Why.
    pub reason: String,
    /// Where.
    pub destination: String,
    /// Phone.
    pub contact_phone: String,
    /// Who takes charge meanwhile.
    pub acting_deputy_cadre_id: String,
    /// JSON array of document codes.
    pub documents: String,
    /// State code.
    pub state: String,
    /// Applicant class code.
    pub applicant_class: String,
    /// The year's cumulative calendar halves when routed.
    pub cumulative_halves: i32,
    /// The request this one extends.
    pub extends_request_id: String,
    /// The approved extension of this one.
    pub extended_by_request_id: String,
    /// 销假 day.
    pub return_date: Option<NaiveDate>,
    /// "AM" (back from the morning) or "PM", or empty.
    pub return_half: String,
    /// Why cancelled.
    pub cancel_reason: String,
    /// Who filed it, when not the applicant.
    pub filed_by: String,
    /// JSON maternity details or empty.
    pub maternity: String,
    /// Comma-separated escalation codes.
    pub raised_by: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// One approval step as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = approval_steps, treat_none_as_null = true)]
pub struct StepRow {
    /// The request.
    pub leave_request_id: String,
    /// Position from 0.
    pub idx: i32,
    /// Step kind code.
    pub kind: String,
    /// Action code.
    pub action: String,
    /// Which rule put it there.
    pub why: String,
    /// The named approver, or empty for a pool.
    pub assignee_cadre_id: String,
    /// The pool code, or empty for a named approver.
    pub pool: String,
    /// The approver's or pool's name.
    pub assignee_name: String,
    /// Step state code.
    pub state: String,
    /// The deciding principal's subject.
    pub decided_by: String,
    /// The assignee a deputy decided for.
    pub on_behalf_of: String,
    /// Comment or reason.
    pub comment: String,
    /// When decided.
    pub decided_at: Option<NaiveDateTime>,
    /// When due.
    pub due_at: Option<NaiveDateTime>,
    /// When the reminder went out.
    pub reminded_at: Option<NaiveDateTime>,
    /// When it escalated.
    pub escalated_at: Option<NaiveDateTime>,
    /// Who may decide it since it escalated (empty: the pool, or nobody more).
    pub escalated_to_cadre_id: String,
}

/// States whose days are taken or held: they count toward balances, overlaps and the cumulative total.
pub const LIVE_STATES: &[&str] = &["pending", "approved", "returned"];

/// Stores a new request with its steps.
pub fn insert(conn: &mut DbConn, request: &RequestRow, steps: &[StepRow]) -> Result<(), ApiError> {
    diesel::insert_into(leave_requests::table).values(request).execute(conn)?;
    replace_steps(conn, &request.id, steps)
}

/// Replaces a request's route (a draft re-routed at submission, or an extension re-routed).
pub fn replace_steps(conn: &mut DbConn, request_id: &str, steps: &[StepRow]) -> Result<(), ApiError> {
    diesel::delete(approval_steps::table.filter(approval_steps::leave_request_id.eq(request_id)))
        .execute(conn)?;
    for step in steps {
        diesel::insert_into(approval_steps::table).values(step).execute(conn)?;
    }
    Ok(())
}

/// A request and its steps in order.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<(RequestRow, Vec<StepRow>)>, ApiError> {
    let Some(request) =
        leave_requests::table.find(id).select(RequestRow::as_select()).first(conn).optional()?
    else {
        return Ok(None);
    };
    let steps = steps_of(conn, id)?;
    Ok(Some((request, steps)))
}

/// A request's steps in order.
pub fn steps_of(conn: &mut DbConn, id: &str) -> Result<Vec<StepRow>, ApiError> {
    Ok(approval_steps::table
        .filter(approval_steps::leave_request_id.eq(id))
        .order(approval_steps::idx.asc())
        .select(StepRow::as_select())
        .load(conn)?)
}

/// Writes a changed request if it is still at `version` (then bumps it). Two writers that read the same
/// version cannot both win: the loser changes nothing and is told to re-read.
pub fn update(conn: &mut DbConn, request: &RequestRow, version: i64) -> Result<(), ApiError> {
    let changed =
        diesel::update(leave_requests::table.find(&request.id).filter(leave_requests::version.eq(version)))
            .set(request)
            .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::aborted(
            "VERSION_MISMATCH",
            "the request changed since it was read; read it again and retry",
        ));
    }
    Ok(())
}

/// Writes a step.
pub fn update_step(conn: &mut DbConn, step: &StepRow) -> Result<(), ApiError> {
    diesel::update(approval_steps::table.find((&step.leave_request_id, step.idx))).set(step).execute(conn)?;
    Ok(())
}

/// A cadre's live requests (or drafts too, with `with_drafts`) touching `from..=to`.
pub fn of_cadre_between(
    conn: &mut DbConn,
    cadre_id: &str,
    from: NaiveDate,
    to: NaiveDate,
    with_drafts: bool,
) -> Result<Vec<RequestRow>, ApiError> {
    let mut states: Vec<&str> = LIVE_STATES.to_vec();
    if with_drafts {
        states.push("draft");
    }
    Ok(leave_requests::table
        .filter(leave_requests::applicant_cadre_id.eq(cadre_id))
        .filter(leave_requests::state.eq_any(states))
        .filter(leave_requests::start_date.le(to))
        .filter(leave_requests::end_date.ge(from))
        .order(leave_requests::start_date.asc())
        .select(RequestRow::as_select())
        .load(conn)?)
}

/// Live requests of the cadres employed in `unit_id` touching `from..=to` (for the on-duty ratio).
pub fn of_unit_between(
    conn: &mut DbConn,
    unit_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<RequestRow>, ApiError> {
    Ok(leave_requests::table
        .filter(leave_requests::org_unit_id.eq(unit_id))
        .filter(leave_requests::state.eq_any(["pending", "approved"]))
        .filter(leave_requests::start_date.le(to))
        .filter(leave_requests::end_date.ge(from))
        .select(RequestRow::as_select())
        .load(conn)?)
}

/// Approved requests of these cadres (not back yet) that cover `on`: who is away on leave that day.
pub fn approved_covering(
    conn: &mut DbConn,
    cadre_ids: Option<&[String]>,
    on: NaiveDate,
) -> Result<Vec<RequestRow>, ApiError> {
    let mut query = leave_requests::table
        .filter(leave_requests::state.eq("approved"))
        .filter(leave_requests::start_date.le(on))
        .filter(leave_requests::end_date.ge(on))
        .into_boxed();
    if let Some(ids) = cadre_ids {
        query = query.filter(leave_requests::applicant_cadre_id.eq_any(ids.to_vec()));
    }
    Ok(query.order(leave_requests::start_date.asc()).select(RequestRow::as_select()).load(conn)?)
}

/// Approved requests not returned whose last day is before `before`: candidates for an overdue case.
pub fn approved_ended_before(conn: &mut DbConn, before: NaiveDate) -> Result<Vec<RequestRow>, ApiError> {
    Ok(leave_requests::table
        .filter(leave_requests::state.eq("approved"))
        .filter(leave_requests::end_date.lt(before))
        .filter(leave_requests::extended_by_request_id.eq(""))
        .select(RequestRow::as_select())
        .load(conn)?)
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Of this cadre.
    pub applicant: Option<String>,
    /// Of these cadres (a scope or a subtree); `None` for no restriction.
    pub cadre_ids: Option<Vec<String>>,
    /// In this state.
    pub state: Option<String>,
    /// Starting in this year.
    pub year: Option<i32>,
}

/// Requests matching `filter`, newest first, after the `(created_at, id)` key of the previous page.
pub fn list(
    conn: &mut DbConn,
    filter: &Filter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<RequestRow>, ApiError> {
    let mut query = leave_requests::table.into_boxed();
    if let Some(applicant) = &filter.applicant {
        query = query.filter(leave_requests::applicant_cadre_id.eq(applicant.clone()));
    }
    if let Some(ids) = &filter.cadre_ids {
        query = query.filter(leave_requests::applicant_cadre_id.eq_any(ids.clone()));
    }
    if let Some(state) = &filter.state {
        query = query.filter(leave_requests::state.eq(state.clone()));
    }
    if let Some(year) = filter.year {
        let first = NaiveDate::from_ymd_opt(year, 1, 1);
        let last = NaiveDate::from_ymd_opt(year, 12, 31);
        if let (Some(first), Some(last)) = (first, last) {
            query = query.filter(leave_requests::start_date.between(first, last));
        }
    }
    if let Some((at, id)) = after {
        query = query.filter(
            leave_requests::created_at
                .lt(at)
                .or(leave_requests::created_at.eq(at).and(leave_requests::id.lt(id))),
        );
    }
    Ok(query
        .order((leave_requests::created_at.desc(), leave_requests::id.desc()))
        .limit(limit)
        .select(RequestRow::as_select())
        .load(conn)?)
}

/// Ids of requests with a current step assigned to one of `cadres` (named or escalated to), or to one of
/// `pools`, oldest first.
pub fn waiting_for(conn: &mut DbConn, cadres: &[String], pools: &[&str]) -> Result<Vec<String>, ApiError> {
    let current = approval_steps::table.filter(approval_steps::state.eq("current"));
    let mut ids: Vec<String> = current
        .filter(
            approval_steps::assignee_cadre_id
                .eq_any(cadres.to_vec())
                .or(approval_steps::escalated_to_cadre_id.eq_any(cadres.to_vec()))
                .or(approval_steps::pool.eq_any(pools.to_vec())),
        )
        .select(approval_steps::leave_request_id)
        .load(conn)?;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Current steps due before `before` that have not had `column` stamped yet: the reminder and escalation
/// sweeps.
pub fn current_steps_due_before(conn: &mut DbConn, before: NaiveDateTime) -> Result<Vec<StepRow>, ApiError> {
    Ok(approval_steps::table
        .filter(approval_steps::state.eq("current"))
        .filter(approval_steps::due_at.le(before))
        .filter(approval_steps::reminded_at.is_null().or(approval_steps::escalated_at.is_null()))
        .select(StepRow::as_select())
        .load(conn)?)
}

/// The requests with these ids, in the given order.
pub fn many(conn: &mut DbConn, ids: &[String]) -> Result<Vec<RequestRow>, ApiError> {
    let rows: Vec<RequestRow> = leave_requests::table
        .filter(leave_requests::id.eq_any(ids.to_vec()))
        .select(RequestRow::as_select())
        .load(conn)?;
    Ok(ids.iter().filter_map(|id| rows.iter().find(|r| &r.id == id).cloned()).collect())
}

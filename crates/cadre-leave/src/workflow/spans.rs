//! A stored request's period as the rules see it: what was asked, cut short by an early 销假.

use crate::{
    domain::span::{Half, LeaveSpan},
    store::requests::RequestRow,
};

/// The period asked for.
pub fn planned(row: &RequestRow) -> Option<LeaveSpan> {
    LeaveSpan::new(
        row.start_date,
        Half::from_code(&row.start_half)?,
        row.end_date,
        Half::from_code(&row.end_half)?,
    )
    .ok()
}

/// The last half-day away for a return on `on` (back in the morning, or from the afternoon).
pub fn last_away_before(on: chrono::NaiveDate, back_half: Half) -> Option<(chrono::NaiveDate, Half)> {
    match back_half {
        Half::Am => on.pred_opt().map(|d| (d, Half::Pm)),
        Half::Pm => Some((on, Half::Am)),
    }
}

/// The period actually away: the planned one, ended early by a 销假 before its end. `None` when the cadre
/// returned before leaving (nothing was taken).
pub fn effective(row: &RequestRow) -> Option<LeaveSpan> {
    let planned = planned(row)?;
    let (Some(on), Some(half)) = (row.return_date, Half::from_code(&row.return_half)) else {
        return Some(planned);
    };
    let (last, last_half) = last_away_before(on, half)?;
    planned.truncate_end(last, last_half)
}

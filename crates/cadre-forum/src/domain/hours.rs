//! Learning minutes: each attendance credits the session's minutes to the person, each session a cadre
//! gives credits them its teaching minutes, and a year's total is held against the yearly quota.

/// The teaching minutes a speaker is credited for a session of `credited` learning minutes, at
/// `percent` of them.
pub fn teaching_minutes(credited: u32, percent: u32) -> u32 {
    u32::try_from(u64::from(credited) * u64::from(percent) / 100).unwrap_or(u32::MAX)
}

/// The minutes still missing to reach `quota` with `total` credited; `None` when the quota is met.
pub fn shortfall(total: u64, quota: u32) -> Option<u32> {
    let quota = u64::from(quota);
    (total < quota).then(|| u32::try_from(quota - total).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_is_met_at_exactly_the_quota() {
        assert_eq!(shortfall(0, 720), Some(720));
        assert_eq!(shortfall(719, 720), Some(1));
        assert_eq!(shortfall(720, 720), None);
        assert_eq!(shortfall(2_000, 720), None);
        assert_eq!(shortfall(0, 0), None, "no quota, nobody short");
    }

    #[test]
    fn teaching_is_a_share_of_the_session() {
        assert_eq!(teaching_minutes(120, 100), 120);
        assert_eq!(teaching_minutes(90, 200), 180);
        assert_eq!(teaching_minutes(90, 0), 0);
    }
}

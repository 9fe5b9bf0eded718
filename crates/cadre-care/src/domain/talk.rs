//! Talk obligations (谈心谈话, features.md #89, §4.10): members of a leadership team with each other every
//! quarter, the principal leader with each team member twice a year, a leader with each cadre in their
//! charge once a year, all as policy. A talk counts for every obligation both of whose people took part in
//! it, whatever kind it was recorded as: the obligation is to talk, not to fill in a form a certain way.

use chrono::{Datelike, NaiveDate};

use super::{codes::TalkKind, policy::TalkPolicy};

/// A member of a unit's leadership team (班子).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// The cadre.
    pub id: String,
    /// Whether the principal leader (主要负责人).
    pub principal: bool,
}

/// A talk held, as the obligations see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldTalk {
    /// Who took part.
    pub parties: Vec<String>,
    /// When.
    pub held_on: NaiveDate,
}

/// An obligation not met in its current period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outstanding {
    /// Which obligation.
    pub kind: TalkKind,
    /// The first party (the principal, the leader; the lower id of a pair of peers).
    pub first: String,
    /// The other party.
    pub other: String,
    /// Talks required in the period.
    pub required: u32,
    /// Talks held in the period so far.
    pub held: u32,
    /// The period's last day.
    pub period_end: NaiveDate,
}

/// The calendar quarter containing `day`.
pub fn quarter_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_month = (day.month0() / 3) * 3 + 1;
    let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
    let end =
        start.checked_add_months(chrono::Months::new(3)).and_then(|next| next.pred_opt()).unwrap_or(day);
    (start, end)
}

/// The calendar year containing `day`.
pub fn year_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start = NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day);
    let end = NaiveDate::from_ymd_opt(day.year(), 12, 31).unwrap_or(day);
    (start, end)
}

fn held_between(talks: &[HeldTalk], a: &str, b: &str, start: NaiveDate, end: NaiveDate) -> u32 {
    let count = talks
        .iter()
        .filter(|t| t.held_on >= start && t.held_on <= end)
        .filter(|t| t.parties.iter().any(|p| p == a) && t.parties.iter().any(|p| p == b))
        .count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// The obligations of one unit not met in the period containing `today`: `team` is the unit's
/// leadership team, `charges` the (leader, cadre) pairs recorded for its leaders, `talks` the talks its
/// people took part in.
pub fn outstanding(
    team: &[TeamMember],
    charges: &[(String, String)],
    talks: &[HeldTalk],
    today: NaiveDate,
    policy: &TalkPolicy,
) -> Vec<Outstanding> {
    let mut out = Vec::new();
    let mut owe = |kind, first: &str, other: &str, required: u32, (start, end): (NaiveDate, NaiveDate)| {
        let held = held_between(talks, first, other, start, end.min(today));
        if held < required {
            out.push(Outstanding {
                kind,
                first: first.to_owned(),
                other: other.to_owned(),
                required,
                held,
                period_end: end,
            });
        }
    };
    let mut members: Vec<&TeamMember> = team.iter().collect();
    members.sort_by(|a, b| a.id.cmp(&b.id));
    members.dedup_by(|a, b| a.id == b.id);
    for (i, a) in members.iter().enumerate() {
        for b in &members[i + 1..] {
            owe(TalkKind::TeamPeer, &a.id, &b.id, policy.team_peer_per_quarter, quarter_of(today));
        }
    }
    for principal in members.iter().filter(|m| m.principal) {
        for member in members.iter().filter(|m| m.id != principal.id) {
            owe(
                TalkKind::PrincipalWithMember,
                &principal.id,
                &member.id,
                policy.principal_member_per_year,
                year_of(today),
            );
        }
    }
    for (leader, cadre) in charges {
        if leader != cadre {
            owe(TalkKind::LeaderWithCharge, leader, cadre, policy.leader_charge_per_year, year_of(today));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CarePolicy;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn member(id: &str, principal: bool) -> TeamMember {
        TeamMember { id: id.to_owned(), principal }
    }

    fn talk(parties: &[&str], on: &str) -> HeldTalk {
        HeldTalk { parties: parties.iter().map(|p| (*p).to_owned()).collect(), held_on: d(on) }
    }

    #[test]
    fn quarters_and_years_bound_the_periods() {
        assert_eq!(quarter_of(d("2026-05-17")), (d("2026-04-01"), d("2026-06-30")));
        assert_eq!(quarter_of(d("2026-12-31")), (d("2026-10-01"), d("2026-12-31")));
        assert_eq!(quarter_of(d("2026-01-01")), (d("2026-01-01"), d("2026-03-31")));
        assert_eq!(year_of(d("2026-05-17")), (d("2026-01-01"), d("2026-12-31")));
    }

    #[test]
    fn a_team_of_three_owes_three_peer_talks_a_quarter_and_the_principal_two_a_year_each() {
        let policy = CarePolicy::default().talk;
        let team = [member("p", true), member("a", false), member("b", false)];
        let all = outstanding(&team, &[], &[], d("2026-05-17"), &policy);
        let peers: Vec<_> = all.iter().filter(|o| o.kind == TalkKind::TeamPeer).collect();
        assert_eq!(peers.len(), 3);
        let principal: Vec<_> = all.iter().filter(|o| o.kind == TalkKind::PrincipalWithMember).collect();
        assert_eq!(principal.len(), 2);
        assert!(principal.iter().all(|o| o.first == "p" && o.required == 2 && o.held == 0));
        assert_eq!(principal[0].period_end, d("2026-12-31"));
    }

    #[test]
    fn talks_held_in_the_period_meet_the_obligations_whatever_their_kind() {
        let policy = CarePolicy::default().talk;
        let team = [member("p", true), member("a", false)];
        // Last quarter's talk does not count for this quarter, but counts for the year.
        let talks = [talk(&["p", "a"], "2026-03-20"), talk(&["a", "p", "x"], "2026-04-02")];
        let left = outstanding(&team, &[], &talks, d("2026-05-17"), &policy);
        assert!(left.is_empty(), "{left:?}");
        let only_march = [talk(&["p", "a"], "2026-03-20")];
        let left = outstanding(&team, &[], &only_march, d("2026-05-17"), &policy);
        assert_eq!(left.len(), 2);
        let principal = left.iter().find(|o| o.kind == TalkKind::PrincipalWithMember).unwrap();
        assert_eq!((principal.required, principal.held), (2, 1));
        // A talk after today (recorded ahead) does not count either.
        let ahead = [talk(&["p", "a"], "2026-06-01")];
        assert_eq!(outstanding(&team, &[], &ahead, d("2026-05-17"), &policy).len(), 2);
    }

    #[test]
    fn charges_owe_a_talk_a_year_and_none_is_assumed() {
        let policy = CarePolicy::default().talk;
        let charges = [("lead".to_owned(), "c1".to_owned()), ("lead".to_owned(), "c2".to_owned())];
        let talks = [talk(&["lead", "c1"], "2026-02-01")];
        let left = outstanding(&[], &charges, &talks, d("2026-05-17"), &policy);
        assert_eq!(left.len(), 1);
        assert_eq!((left[0].kind, left[0].other.as_str()), (TalkKind::LeaderWithCharge, "c2"));
        assert!(outstanding(&[], &[], &[], d("2026-05-17"), &policy).is_empty());
    }
}

//! Every number of the care rules in one place, with the keys under which the service keeps them as
//! versioned policy values (`policy_values`: key, effective_from, value, source_ref).
//!
//! Almost all of measure ④ is local policy (domain.md §5.3 \[L\]): the values below are the defaults a
//! district starts from, each with its source; the migration seeds [`DEFAULT_POLICY`] and a test checks
//! that it reads back as [`CarePolicy::default`].

use cadre_platform::ApiError;

use super::codes::VisitTriggerKind;

/// The fund's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundPolicy {
    /// Whether the applicant's unit leader approves first (`care.fund.unit_leader_step`).
    pub unit_leader_step: bool,
    /// Above this amount (fen) a committee member approves last (`care.fund.committee_above_fen`).
    pub committee_above_fen: i64,
    /// Most a person may receive in a calendar year, in fen (`care.fund.person_year_limit_fen`).
    pub person_year_limit_fen: i64,
    /// Most disbursements a person may receive in a calendar year (`care.fund.person_year_limit_count`).
    pub person_year_limit_count: u32,
}

/// The talk obligations (谈心谈话).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TalkPolicy {
    /// Talks each pair of a leadership team owes per quarter (`care.talk.team_peer_per_quarter`).
    pub team_peer_per_quarter: u32,
    /// Talks the principal leader owes each team member per year (`care.talk.principal_member_per_year`).
    pub principal_member_per_year: u32,
    /// Talks a leader owes each cadre in their charge per year (`care.talk.leader_charge_per_year`).
    pub leader_charge_per_year: u32,
    /// Days within which a triggered talk is due (`care.talk.trigger_due_days`).
    pub trigger_due_days: u32,
}

/// Days within which a visit is due, per trigger kind (`care.visit.due_days.<KIND>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitPolicy {
    /// 住院.
    pub hospitalisation: u32,
    /// 重病.
    pub serious_illness: u32,
    /// A death in the family.
    pub bereavement: u32,
    /// 困难.
    pub hardship: u32,
}

impl VisitPolicy {
    /// The days a visit for `kind` is due within.
    pub fn due_days(&self, kind: VisitTriggerKind) -> u32 {
        match kind {
            VisitTriggerKind::Hospitalisation => self.hospitalisation,
            VisitTriggerKind::SeriousIllness => self.serious_illness,
            VisitTriggerKind::Bereavement => self.bereavement,
            VisitTriggerKind::Hardship => self.hardship,
        }
    }
}

/// The care policy in force on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarePolicy {
    /// The issuer of a confirmed proposal when the org department names none (`care.reward.default_issuer`).
    pub default_issuer: String,
    /// The fund.
    pub fund: FundPolicy,
    /// Talks.
    pub talk: TalkPolicy,
    /// Visits.
    pub visit: VisitPolicy,
    /// Months after detection a backlog item is due (`care.backlog.due_months`).
    pub backlog_due_months: u32,
    /// The lowest 职级 a 调任 may fill, as the directory's `RankGrade` number (smaller is higher)
    /// (`care.transfer.lowest_grade`).
    pub transfer_lowest_grade: i32,
}

impl Default for CarePolicy {
    fn default() -> Self {
        Self {
            default_issuer: "中共锦绣区委 锦绣区人民政府".to_owned(),
            fund: FundPolicy {
                unit_leader_step: true,
                committee_above_fen: 1_000_000,
                person_year_limit_fen: 2_000_000,
                person_year_limit_count: 2,
            },
            talk: TalkPolicy {
                team_peer_per_quarter: 1,
                principal_member_per_year: 2,
                leader_charge_per_year: 1,
                trigger_due_days: 30,
            },
            visit: VisitPolicy { hospitalisation: 7, serious_illness: 7, bereavement: 3, hardship: 15 },
            backlog_due_months: 1,
            transfer_lowest_grade: 6,
        }
    }
}

/// The policy keys with their default values and sources: `(key, value, source_ref)`. Booleans are `1`/`0`,
/// amounts are fen.
pub const DEFAULT_POLICY: &[(&str, &str, &str)] = &[
    (
        "care.reward.default_issuer",
        "中共锦绣区委 锦绣区人民政府",
        "domain.md §5.2: 特别奖励 and 表彰 are district rewards [L]",
    ),
    (
        "care.fund.unit_leader_step",
        "1",
        "domain.md §10.7: applications approved by the unit leader, then the org department [L]",
    ),
    (
        "care.fund.committee_above_fen",
        "1000000",
        "domain.md §10.7: above 10,000 yuan a 区委 member approves too [L]",
    ),
    (
        "care.fund.person_year_limit_fen",
        "2000000",
        "domain.md §5.3: at most 20,000 yuan per person and year [L]",
    ),
    (
        "care.fund.person_year_limit_count",
        "2",
        "domain.md §5.3: at most 2 disbursements per person and year [L]",
    ),
    ("care.talk.team_peer_per_quarter", "1", "features.md #89: 班子成员之间 at least once a quarter [L]"),
    (
        "care.talk.principal_member_per_year",
        "2",
        "features.md #89: 主要领导 with each team member at least twice a year [L]",
    ),
    (
        "care.talk.leader_charge_per_year",
        "1",
        "domain.md §5.3: 支部工作条例 2018, at least once a year [V]; 分管 leaders [L]",
    ),
    ("care.talk.trigger_due_days", "30", "features.md §4.10: event-triggered talks within 30 days [L]"),
    ("care.visit.due_days.HOSPITALISATION", "7", "features.md #90: 住院 visits within a week [L]"),
    ("care.visit.due_days.SERIOUS_ILLNESS", "7", "features.md #90: 重病 visits within a week [L]"),
    (
        "care.visit.due_days.BEREAVEMENT",
        "3",
        "features.md #90: 慰问 on a death in the family within 3 days [L]",
    ),
    ("care.visit.due_days.HARDSHIP", "15", "features.md #90: 困难 visits within 15 days [L]"),
    (
        "care.backlog.due_months",
        "1",
        "domain.md §6.2, §6.4: 归档规定 2009, materials filed within 1 month [V]",
    ),
    (
        "care.transfer.lowest_grade",
        "6",
        "domain.md §5.4: 调任规定 2019, 领导职务 or 四级调研员 and above [V]",
    ),
];

fn parse<T: std::str::FromStr>(key: &str, raw: &str) -> Result<T, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::internal(format!("policy {key} = {raw:?} is not valid")))
}

fn flag(key: &str, raw: &str) -> Result<bool, ApiError> {
    match raw.trim() {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(ApiError::internal(format!("policy {key} = {raw:?} is not 1 or 0"))),
    }
}

impl CarePolicy {
    /// The policy from its values, `lookup` giving the value in force of each key.
    pub fn from_values(mut lookup: impl FnMut(&str) -> Result<String, ApiError>) -> Result<Self, ApiError> {
        let mut get = |key: &str| lookup(key).map(|raw| (key.to_owned(), raw));
        let number = |(key, raw): (String, String)| parse::<u32>(&key, &raw);
        let fen = |(key, raw): (String, String)| parse::<i64>(&key, &raw);
        let (key, raw) = get("care.fund.unit_leader_step")?;
        Ok(Self {
            default_issuer: get("care.reward.default_issuer")?.1,
            fund: FundPolicy {
                unit_leader_step: flag(&key, &raw)?,
                committee_above_fen: fen(get("care.fund.committee_above_fen")?)?,
                person_year_limit_fen: fen(get("care.fund.person_year_limit_fen")?)?,
                person_year_limit_count: number(get("care.fund.person_year_limit_count")?)?,
            },
            talk: TalkPolicy {
                team_peer_per_quarter: number(get("care.talk.team_peer_per_quarter")?)?,
                principal_member_per_year: number(get("care.talk.principal_member_per_year")?)?,
                leader_charge_per_year: number(get("care.talk.leader_charge_per_year")?)?,
                trigger_due_days: number(get("care.talk.trigger_due_days")?)?,
            },
            visit: VisitPolicy {
                hospitalisation: number(get("care.visit.due_days.HOSPITALISATION")?)?,
                serious_illness: number(get("care.visit.due_days.SERIOUS_ILLNESS")?)?,
                bereavement: number(get("care.visit.due_days.BEREAVEMENT")?)?,
                hardship: number(get("care.visit.due_days.HARDSHIP")?)?,
            },
            backlog_due_months: number(get("care.backlog.due_months")?)?,
            transfer_lowest_grade: parse(
                "care.transfer.lowest_grade",
                &get("care.transfer.lowest_grade")?.1,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(key: &str) -> Result<String, ApiError> {
        DEFAULT_POLICY
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, v, _)| (*v).to_owned())
            .ok_or_else(|| ApiError::failed_precondition("POLICY_MISSING", key.to_owned()))
    }

    #[test]
    fn the_default_values_read_back_as_the_default_policy() {
        assert_eq!(CarePolicy::from_values(lookup).unwrap(), CarePolicy::default());
    }

    #[test]
    fn a_missing_or_malformed_value_is_an_error_not_a_default() {
        let missing = CarePolicy::from_values(|key| {
            if key == "care.talk.trigger_due_days" { Err(ApiError::internal("gone")) } else { lookup(key) }
        });
        assert!(missing.is_err());
        let malformed = CarePolicy::from_values(|key| {
            if key == "care.fund.unit_leader_step" { Ok("yes".to_owned()) } else { lookup(key) }
        });
        assert!(malformed.is_err());
    }

    #[test]
    fn visits_are_due_per_kind() {
        let policy = CarePolicy::default();
        assert_eq!(policy.visit.due_days(VisitTriggerKind::Bereavement), 3);
        assert_eq!(policy.visit.due_days(VisitTriggerKind::Hardship), 15);
    }
}

//! The risk warning (红/黄/蓝) of a cadre from the negative-information pool and the windows in effect
//! (features.md: negative-information pool and risk warning). The weights and thresholds are a design
//! choice \[I\] kept in [`RiskPolicy`]; the one rule not left to the score is that a verified grave record
//! makes a cadre red.

use chrono::{Months, NaiveDate};

use super::{
    codes::{RiskLevel, Severity},
    policy::RiskPolicy,
};

/// A record of the pool, as the warning weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFact {
    /// How serious.
    pub severity: Severity,
    /// Whether the agency has verified it.
    pub verified: bool,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// What it is, in words, for the reasons.
    pub label: String,
}

/// A cadre's warning on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskAssessment {
    /// The level.
    pub level: RiskLevel,
    /// The score it comes from.
    pub score: u32,
    /// What counted, one line each.
    pub reasons: Vec<String>,
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Minor => "轻微",
        Severity::Serious => "较重",
        Severity::Grave => "严重",
    }
}

/// The warning on `on`. Records that happened after `on` less `lookback_months` (month-end clamped) and
/// no later than `on` count with their severity's weight, an unverified one half of it rounded up; each
/// promotion-barring window in effect adds `window_weight`.
pub fn assess(
    policy: &RiskPolicy,
    records: &[RecordFact],
    promotion_windows_in_effect: u32,
    on: NaiveDate,
) -> RiskAssessment {
    let after = on.checked_sub_months(Months::new(policy.lookback_months)).unwrap_or(NaiveDate::MIN);
    let mut counted: Vec<&RecordFact> =
        records.iter().filter(|r| r.occurred_on > after && r.occurred_on <= on).collect();
    counted.sort_by(|a, b| (a.occurred_on, &a.label).cmp(&(b.occurred_on, &b.label)));

    let mut score: u32 = 0;
    let mut grave = false;
    let mut reasons = Vec::new();
    for record in counted {
        let full = match record.severity {
            Severity::Minor => policy.weight_minor,
            Severity::Serious => policy.weight_serious,
            Severity::Grave => policy.weight_grave,
        };
        let weight = if record.verified { full } else { full.div_ceil(2) };
        grave |= record.verified && record.severity == Severity::Grave;
        score = score.saturating_add(weight);
        reasons.push(format!(
            "{} {} ({}, {}): +{weight}",
            record.occurred_on,
            record.label,
            severity_name(record.severity),
            if record.verified { "已核实" } else { "未核实" },
        ));
    }
    for n in 1..=promotion_windows_in_effect {
        score = score.saturating_add(policy.window_weight);
        reasons.push(format!(
            "限制提拔的影响期生效中 ({n}/{promotion_windows_in_effect}): +{}",
            policy.window_weight
        ));
    }

    let level = if grave || score >= policy.red_from {
        RiskLevel::Red
    } else if score >= policy.yellow_from {
        RiskLevel::Yellow
    } else if score >= policy.blue_from {
        RiskLevel::Blue
    } else {
        RiskLevel::None
    };
    if grave {
        reasons.push("有已核实的严重问题: 红色".to_owned());
    }
    RiskAssessment { level, score, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OversightPolicy;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn record(severity: Severity, verified: bool, occurred_on: NaiveDate) -> RecordFact {
        RecordFact { severity, verified, occurred_on, label: "信访举报".to_owned() }
    }

    fn policy() -> RiskPolicy {
        OversightPolicy::default().risk
    }

    #[test]
    fn nothing_on_record_is_no_warning() {
        let warning = assess(&policy(), &[], 0, d(2026, 5, 1));
        assert_eq!((warning.level, warning.score), (RiskLevel::None, 0));
        assert!(warning.reasons.is_empty());
    }

    #[test]
    fn levels_follow_the_score() {
        let on = d(2026, 5, 1);
        let minor = record(Severity::Minor, true, d(2026, 1, 1));
        let one = assess(&policy(), std::slice::from_ref(&minor), 0, on);
        assert_eq!((one.level, one.score), (RiskLevel::Blue, 1));
        assert_eq!(one.reasons, ["2026-01-01 信访举报 (轻微, 已核实): +1"]);
        let serious = record(Severity::Serious, true, d(2025, 6, 1));
        let yellow = assess(&policy(), &[serious.clone(), minor.clone()], 0, on);
        assert_eq!((yellow.level, yellow.score), (RiskLevel::Yellow, 4));
        assert_eq!(yellow.reasons.len(), 2);
        let red = assess(&policy(), &[serious, minor], 1, on);
        assert_eq!((red.level, red.score), (RiskLevel::Red, 7));
        assert_eq!(red.reasons.len(), 3);
        assert!(red.reasons[2].contains("影响期"), "{:?}", red.reasons);
    }

    #[test]
    fn an_unverified_record_counts_half_rounded_up() {
        let on = d(2026, 5, 1);
        let serious = assess(&policy(), &[record(Severity::Serious, false, d(2026, 1, 1))], 0, on);
        assert_eq!((serious.level, serious.score), (RiskLevel::Blue, 2));
        assert!(serious.reasons[0].contains("未核实"));
        let minor = assess(&policy(), &[record(Severity::Minor, false, d(2026, 1, 1))], 0, on);
        assert_eq!(minor.score, 1);
        // An unverified grave report weighs 3 and does not by itself make the cadre red.
        let grave = assess(&policy(), &[record(Severity::Grave, false, d(2026, 1, 1))], 0, on);
        assert_eq!((grave.level, grave.score), (RiskLevel::Yellow, 3));
    }

    #[test]
    fn a_verified_grave_record_is_red_whatever_the_score() {
        let lenient = RiskPolicy { weight_grave: 1, red_from: 100, yellow_from: 50, ..policy() };
        let warning = assess(&lenient, &[record(Severity::Grave, true, d(2026, 1, 1))], 0, d(2026, 5, 1));
        assert_eq!((warning.level, warning.score), (RiskLevel::Red, 1));
        assert_eq!(warning.reasons.len(), 2);
    }

    #[test]
    fn only_the_look_back_counts() {
        let on = d(2026, 5, 1);
        // 24 months back exactly: out; a day later: in; after today: not yet.
        assert_eq!(
            assess(&policy(), &[record(Severity::Grave, true, d(2024, 5, 1))], 0, on).level,
            RiskLevel::None
        );
        assert_eq!(
            assess(&policy(), &[record(Severity::Grave, true, d(2024, 5, 2))], 0, on).level,
            RiskLevel::Red
        );
        assert_eq!(assess(&policy(), &[record(Severity::Minor, true, d(2026, 5, 2))], 0, on).score, 0);
    }

    #[test]
    fn windows_in_effect_weigh_on_their_own() {
        let warning = assess(&policy(), &[], 1, d(2026, 5, 1));
        assert_eq!((warning.level, warning.score), (RiskLevel::Yellow, 3));
        let two = assess(&policy(), &[], 2, d(2026, 5, 1));
        assert_eq!((two.level, two.score, two.reasons.len()), (RiskLevel::Red, 6, 2));
    }
}

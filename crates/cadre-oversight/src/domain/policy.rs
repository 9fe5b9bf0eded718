//! Every number of the oversight rules in one place, with the keys under which the service keeps them as
//! versioned policy values (`policy_values`: key, effective_from, value, source_ref).
//!
//! The ladder of domain.md §4.5 is one JSON value per measure (`oversight.measure.<CODE>`), so a district
//! can move a measure's 影响期 or deciding bodies from a date without touching the others; a decision keeps
//! what the policy in force on its day said. The migration seeds [`DEFAULT_POLICY`] and a test checks that
//! it reads back as [`OversightPolicy::default`].

use std::collections::BTreeMap;

use cadre_platform::ApiError;
use serde::{Deserialize, Serialize};

use super::codes::{AccountabilityMeasure, DecidingBody};

/// What a decision bars during its 影响期.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blocks {
    /// No 提拔 and no 职级晋升.
    pub promotion: bool,
    /// No 优秀 in the annual assessment of the years the window touches.
    pub excellent_grade: bool,
    /// Not to be chosen as a 考察对象 or reserve cadre.
    pub selection: bool,
}

impl Blocks {
    /// Everything barred.
    pub const ALL: Blocks = Blocks { promotion: true, excellent_grade: true, selection: true };

    /// Whether anything is barred.
    pub fn any(self) -> bool {
        self.promotion || self.excellent_grade || self.selection
    }

    /// What either bars.
    pub fn or(self, other: Blocks) -> Blocks {
        Blocks {
            promotion: self.promotion || other.promotion,
            excellent_grade: self.excellent_grade || other.excellent_grade,
            selection: self.selection || other.selection,
        }
    }
}

/// One measure's place on the ladder and what it entails (`oversight.measure.<CODE>`, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureRule {
    /// 0–9 on the ladder (domain.md §4.5).
    pub level: u8,
    /// 1–4: the 形态 of 监督执纪「四种形态」 (§4.3).
    pub form: u8,
    /// The bodies that may decide it.
    pub bodies: Vec<DecidingBody>,
    /// Whether it may be imposed on a cadre.
    pub person: bool,
    /// Whether it may be imposed on a Party organisation (a unit).
    pub organisation: bool,
    /// Whether 档案 material (第八类) is due for a cadre.
    pub archive: bool,
    /// The 影响期 in months; `None` when the measure sets no window. For 留党察看 the months after the
    /// probation, which the decision sets.
    pub months: Option<u32>,
    /// What the window bars.
    pub blocks: Blocks,
    /// 组织处理 and 降级 or heavier: months within which it must be carried out.
    pub carry_out_months: Option<u32>,
    /// The `cadre.type.v1.ConductMeasureKind` number the rank and assessment services receive.
    pub conduct_kind: Option<i32>,
}

/// How the risk warning weighs the negative-information pool (`oversight.risk`, JSON). Every number is a
/// design choice \[I\].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskPolicy {
    /// How far back records count, in months.
    pub lookback_months: u32,
    /// The weight of a verified MINOR record.
    pub weight_minor: u32,
    /// The weight of a verified SERIOUS record.
    pub weight_serious: u32,
    /// The weight of a verified GRAVE record.
    pub weight_grave: u32,
    /// The weight of each promotion-barring 影响期 in effect.
    pub window_weight: u32,
    /// The lowest score that is BLUE.
    pub blue_from: u32,
    /// The lowest score that is YELLOW.
    pub yellow_from: u32,
    /// The lowest score that is RED.
    pub red_from: u32,
}

/// The oversight policy in force on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OversightPolicy {
    /// The ladder: every measure's rule (`oversight.measure.<CODE>`).
    pub measures: BTreeMap<AccountabilityMeasure, MeasureRule>,
    /// Months after the decision by which its 档案 material is due (`oversight.archive_due_months`).
    pub archive_due_months: u32,
    /// Months back in which earlier decisions make a repeat, 屡教不改 (`oversight.repeat_window_months`).
    pub repeat_window_months: u32,
    /// The measures escalation proposes, mild to severe (`oversight.escalation_steps`, a JSON list).
    pub escalation_steps: Vec<AccountabilityMeasure>,
    /// Working days before a deadline its light turns yellow (`oversight.warning_working_days`).
    pub warning_working_days: u32,
    /// The risk warning (`oversight.risk`).
    pub risk: RiskPolicy,
}

/// The policy key of a measure's rule.
pub fn measure_key(measure: AccountabilityMeasure) -> String {
    format!("oversight.measure.{}", measure.code())
}

#[allow(clippy::too_many_arguments)]
fn person(
    level: u8,
    form: u8,
    bodies: &[DecidingBody],
    archive: bool,
    months: Option<u32>,
    carry_out_months: Option<u32>,
    conduct_kind: Option<i32>,
) -> MeasureRule {
    MeasureRule {
        level,
        form,
        bodies: bodies.to_vec(),
        person: true,
        organisation: false,
        archive,
        months,
        blocks: if months.is_some() { Blocks::ALL } else { Blocks::default() },
        carry_out_months,
        conduct_kind,
    }
}

impl Default for OversightPolicy {
    /// domain.md §4.2–§4.5 (the 影响期 of §4.4 as §10.6 adopts them); [`DEFAULT_POLICY`] gives each
    /// value's source.
    fn default() -> Self {
        use AccountabilityMeasure::*;
        use DecidingBody::{DisciplineCommission as Dc, OrgDepartment as Od, PartyCommittee as Pc, Unit};
        let anyone = &[Pc, Unit, Od, Dc];
        let dc_od = &[Dc, Od];
        let dc = &[Dc];
        let pc = &[Pc];
        let measures = BTreeMap::from([
            (ReminderTalk, person(1, 1, anyone, false, None, None, None)),
            (Criticism, person(2, 1, anyone, false, None, None, None)),
            (WrittenReview, person(2, 1, anyone, false, None, None, None)),
            (LetterInquiry, person(3, 1, dc_od, false, None, None, None)),
            (
                Circular,
                MeasureRule { organisation: true, ..person(4, 1, dc_od, true, Some(12), None, Some(3)) },
            ),
            (Admonishment, person(5, 1, dc_od, true, Some(6), None, Some(2))),
            (SuspensionForReview, person(6, 2, pc, true, Some(6), Some(1), Some(4))),
            (PostAdjustment, person(6, 2, pc, true, Some(12), Some(1), Some(5))),
            (OrderedResignation, person(6, 2, pc, true, Some(12), Some(1), Some(6))),
            (RemovalFromPost, person(6, 3, pc, true, Some(12), Some(1), Some(6))),
            (DemotionInPost, person(6, 3, pc, true, Some(24), Some(1), Some(7))),
            (PartyWarning, person(7, 2, dc, true, Some(12), None, Some(8))),
            (PartySeriousWarning, person(7, 2, dc, true, Some(18), None, Some(9))),
            (GovernmentWarning, person(7, 2, dc, true, Some(6), None, Some(12))),
            (GovernmentDemerit, person(7, 2, dc, true, Some(12), None, Some(13))),
            (GovernmentMajorDemerit, person(7, 2, dc, true, Some(18), None, Some(14))),
            (GovernmentDemotion, person(7, 2, dc, true, Some(24), Some(1), Some(15))),
            (PartyPostRevoked, person(8, 3, dc, true, Some(24), None, Some(10))),
            (PartyProbation, person(8, 3, dc, true, Some(24), None, Some(11))),
            (PartyExpulsion, person(8, 3, dc, true, None, None, None)),
            (GovernmentDismissalFromPost, person(8, 3, dc, true, Some(24), Some(1), Some(16))),
            (GovernmentExpulsion, person(8, 3, dc, true, None, None, None)),
            (JudicialReferral, person(9, 4, dc, true, None, None, None)),
            (
                OrganisationReview,
                MeasureRule {
                    person: false,
                    organisation: true,
                    ..person(4, 1, &[Pc, Dc, Od], false, None, None, None)
                },
            ),
            (
                Reorganisation,
                MeasureRule {
                    person: false,
                    organisation: true,
                    ..person(6, 2, pc, false, None, None, None)
                },
            ),
        ]);
        Self {
            measures,
            archive_due_months: 1,
            repeat_window_months: 12,
            escalation_steps: vec![
                ReminderTalk,
                Criticism,
                WrittenReview,
                Circular,
                Admonishment,
                PostAdjustment,
            ],
            warning_working_days: 3,
            risk: RiskPolicy {
                lookback_months: 24,
                weight_minor: 1,
                weight_serious: 3,
                weight_grave: 6,
                window_weight: 3,
                blue_from: 1,
                yellow_from: 3,
                red_from: 6,
            },
        }
    }
}

/// The policy keys with their default values and sources: `(key, value, source_ref)`. Rules, the step list
/// and the risk weights are JSON; enum values are their codes.
pub const DEFAULT_POLICY: &[(&str, &str, &str)] = &[
    (
        "oversight.measure.REMINDER_TALK",
        r#"{"level":1,"form":1,"bodies":["PARTY_COMMITTEE","UNIT","ORG_DEPARTMENT","DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}"#,
        "domain.md §4.5 level 1 (提醒谈话, record only) [I]; §4.3 第一种形态 [V]",
    ),
    (
        "oversight.measure.CRITICISM",
        r#"{"level":2,"form":1,"bodies":["PARTY_COMMITTEE","UNIT","ORG_DEPARTMENT","DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}"#,
        "domain.md §4.5 level 2 (批评教育, record only) [I]; §4.3 第一种形态 [V]",
    ),
    (
        "oversight.measure.WRITTEN_REVIEW",
        r#"{"level":2,"form":1,"bodies":["PARTY_COMMITTEE","UNIT","ORG_DEPARTMENT","DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}"#,
        "domain.md §4.5 level 2 (责令检查, record only) [I]; §4.3 第一种形态 [V]",
    ),
    (
        "oversight.measure.LETTER_INQUIRY",
        r#"{"level":3,"form":1,"bodies":["DISCIPLINE_COMMISSION","ORG_DEPARTMENT"],"person":true,"organisation":false,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}"#,
        "domain.md §4.5 level 3 (函询 by 纪委 or 组织部) [I]; §4.3 第一种形态 [V]",
    ),
    (
        "oversight.measure.CIRCULAR",
        r#"{"level":4,"form":1,"bodies":["DISCIPLINE_COMMISSION","ORG_DEPARTMENT"],"person":true,"organisation":true,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":3}"#,
        "domain.md §4.2 通报 by 纪委 and 党的工作部门, into the 档案 [V]; §4.4 昆明: 1 问责 in a year, not 优秀 that year and no 提拔 for 1 year [L]; selection bar [I]",
    ),
    (
        "oversight.measure.ADMONISHMENT",
        r#"{"level":5,"form":1,"bodies":["DISCIPLINE_COMMISSION","ORG_DEPARTMENT"],"person":true,"organisation":false,"archive":true,"months":6,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":2}"#,
        "domain.md §4.4 诫勉 6 months no 提拔 [M]; §4.5 no 优秀, 职级晋升 blocked [M]; §4.3 第一种形态 [V]",
    ),
    (
        "oversight.measure.SUSPENSION_FOR_REVIEW",
        r#"{"level":6,"form":2,"bodies":["PARTY_COMMITTEE"],"person":true,"organisation":false,"archive":true,"months":6,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":4}"#,
        "domain.md §4.4 停职检查 6 months [M]; §4.2 decided by the Party committee, carried out within 1 month [V]; §4.3 第二种形态 [V]",
    ),
    (
        "oversight.measure.POST_ADJUSTMENT",
        r#"{"level":6,"form":2,"bodies":["PARTY_COMMITTEE"],"person":true,"organisation":false,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":5}"#,
        "domain.md §4.4 调整职务 1 year no 提拔 [M]; §4.2 carried out within 1 month [V]; §4.3 组织调整, 第二种形态 [V]",
    ),
    (
        "oversight.measure.ORDERED_RESIGNATION",
        r#"{"level":6,"form":2,"bodies":["PARTY_COMMITTEE"],"person":true,"organisation":false,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":6}"#,
        "domain.md §4.4 责令辞职 1 year [M]; §4.2 carried out within 1 month [V]; §4.3 第二种形态 [I]",
    ),
    (
        "oversight.measure.REMOVAL_FROM_POST",
        r#"{"level":6,"form":3,"bodies":["PARTY_COMMITTEE"],"person":true,"organisation":false,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":6}"#,
        "domain.md §4.4 免职 1 year [M]; §4.2 carried out within 1 month [V]; §4.3 重大职务调整, 第三种形态 [V]",
    ),
    (
        "oversight.measure.DEMOTION_IN_POST",
        r#"{"level":6,"form":3,"bodies":["PARTY_COMMITTEE"],"person":true,"organisation":false,"archive":true,"months":24,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":7}"#,
        "domain.md §4.4 降职 2 years no 提拔 [M]; §4.2 carried out within 1 month [V]; §4.3 第三种形态 [V]",
    ),
    (
        "oversight.measure.PARTY_WARNING",
        r#"{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":8}"#,
        "domain.md §4.4 处分条例 警告 1 year [V]; §4.3 党纪轻处分, 第二种形态 [V]",
    ),
    (
        "oversight.measure.PARTY_SERIOUS_WARNING",
        r#"{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":18,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":9}"#,
        "domain.md §4.4 处分条例 严重警告 1.5 years [V]; §4.3 党纪轻处分, 第二种形态 [V]",
    ),
    (
        "oversight.measure.GOVERNMENT_WARNING",
        r#"{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":6,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":12}"#,
        "domain.md §4.4 政务处分法 第七、八条 警告 6 months [V]; §4.5 level 7 [I]",
    ),
    (
        "oversight.measure.GOVERNMENT_DEMERIT",
        r#"{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":13}"#,
        "domain.md §4.4 政务处分法 第七、八条 记过 12 months [V]; §4.5 level 7 [I]",
    ),
    (
        "oversight.measure.GOVERNMENT_MAJOR_DEMERIT",
        r#"{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":18,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":14}"#,
        "domain.md §4.4 政务处分法 第七、八条 记大过 18 months [V]; §4.5 level 7 [I]",
    ),
    (
        "oversight.measure.GOVERNMENT_DEMOTION",
        r#"{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":24,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":15}"#,
        "domain.md §4.4 政务处分法 第七、八条 降级 24 months, processed within 1 month [V]; §4.5 level 7 [I]",
    ),
    (
        "oversight.measure.PARTY_POST_REVOKED",
        r#"{"level":8,"form":3,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":24,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":10}"#,
        "domain.md §4.4 处分条例 撤销党内职务 2 years [V]; §4.3 党纪重处分, 第三种形态 [V]",
    ),
    (
        "oversight.measure.PARTY_PROBATION",
        r#"{"level":8,"form":3,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":24,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":11}"#,
        "domain.md §4.4 处分条例 留党察看 1 or 2 years, then 2 years with no equal or higher post [V]; §4.3 第三种形态 [V]",
    ),
    (
        "oversight.measure.PARTY_EXPULSION",
        r#"{"level":8,"form":3,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}"#,
        "domain.md §4.4 处分条例 开除党籍: no re-admission for 5 years, no promotion window kept [V]; §4.3 第三种形态 [V]",
    ),
    (
        "oversight.measure.GOVERNMENT_DISMISSAL_FROM_POST",
        r#"{"level":8,"form":3,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":24,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":16}"#,
        "domain.md §4.4 政务处分法 第七、八条 撤职 24 months, processed within 1 month [V]; §4.5 level 8 [I]",
    ),
    (
        "oversight.measure.GOVERNMENT_EXPULSION",
        r#"{"level":8,"form":3,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}"#,
        "domain.md §4.4 政务处分法 开除: no period [V]; §4.5 level 8 [I]",
    ),
    (
        "oversight.measure.JUDICIAL_REFERRAL",
        r#"{"level":9,"form":4,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}"#,
        "domain.md §4.5 level 9 (移送司法 by the 监委) [I]; §4.3 第四种形态 [V]",
    ),
    (
        "oversight.measure.ORGANISATION_REVIEW",
        r#"{"level":4,"form":1,"bodies":["PARTY_COMMITTEE","DISCIPLINE_COMMISSION","ORG_DEPARTMENT"],"person":false,"organisation":true,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}"#,
        "domain.md §4.2 党组织: 检查 (书面检查 + 整改) [V]; level 4 and deciding bodies [I]",
    ),
    (
        "oversight.measure.REORGANISATION",
        r#"{"level":6,"form":2,"bodies":["PARTY_COMMITTEE"],"person":false,"organisation":true,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}"#,
        "domain.md §4.2 党组织: 改组 [V]; level 6, decided by the Party committee [I]",
    ),
    (
        "oversight.archive_due_months",
        "1",
        "domain.md §4.2 into the 档案 [V]; §4.5 material within 1 month [I]; §6.2 归档规定 2009 within 1 month [V]",
    ),
    (
        "oversight.repeat_window_months",
        "12",
        "domain.md §4.4 昆明 counts 问责 within a year [L]; §4.5 repeat-offence trigger [I]",
    ),
    (
        "oversight.escalation_steps",
        r#"["REMINDER_TALK","CRITICISM","WRITTEN_REVIEW","CIRCULAR","ADMONISHMENT","POST_ADJUSTMENT"]"#,
        "domain.md §4.5 the seed pipeline 教育提醒 → 通报 → 追责问责 up to 组织调整, heavier measures left to the 纪委 [I]",
    ),
    (
        "oversight.warning_working_days",
        "3",
        "features.md #94 (西安 电子政务督查系统): yellow 3 days before the deadline, counted in working days [L]",
    ),
    (
        "oversight.risk",
        r#"{"lookback_months":24,"weight_minor":1,"weight_serious":3,"weight_grave":6,"window_weight":3,"blue_from":1,"yellow_from":3,"red_from":6}"#,
        "features.md negative-information pool, red/yellow/blue warning; look-back, weights and thresholds [I]",
    ),
];

fn parse<T: std::str::FromStr>(key: &str, raw: &str) -> Result<T, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::internal(format!("policy {key} = {raw:?} is not valid")))
}

fn parse_json<T: serde::de::DeserializeOwned>(key: &str, raw: &str) -> Result<T, ApiError> {
    serde_json::from_str(raw)
        .map_err(|e| ApiError::internal(format!("policy {key} = {raw:?} is not valid: {e}")))
}

fn invalid(key: &str, why: &str) -> ApiError {
    ApiError::internal(format!("policy {key}: {why}"))
}

fn check_rule(key: &str, rule: &MeasureRule) -> Result<(), ApiError> {
    if rule.level > 9 {
        return Err(invalid(key, "level beyond 9"));
    }
    if !(1..=4).contains(&rule.form) {
        return Err(invalid(key, "form outside 1-4"));
    }
    if rule.bodies.is_empty() {
        return Err(invalid(key, "no deciding body"));
    }
    if !rule.person && !rule.organisation {
        return Err(invalid(key, "targets neither a person nor an organisation"));
    }
    // A zero period would end the day before it starts; "no window" is written null.
    if rule.months == Some(0) || rule.carry_out_months == Some(0) {
        return Err(invalid(key, "a period of 0 months (write null for none)"));
    }
    Ok(())
}

impl OversightPolicy {
    /// The policy from its values, `lookup` giving the value in force of each key. A missing or malformed
    /// value is an error, never a silent default.
    pub fn from_values(mut lookup: impl FnMut(&str) -> Result<String, ApiError>) -> Result<Self, ApiError> {
        let mut measures = BTreeMap::new();
        for &measure in AccountabilityMeasure::ALL {
            let key = measure_key(measure);
            let rule: MeasureRule = parse_json(&key, &lookup(&key)?)?;
            check_rule(&key, &rule)?;
            measures.insert(measure, rule);
        }

        let key = "oversight.escalation_steps";
        let escalation_steps: Vec<AccountabilityMeasure> = parse_json(key, &lookup(key)?)?;
        if escalation_steps.is_empty() {
            return Err(invalid(key, "no steps"));
        }
        let mut previous: Option<(AccountabilityMeasure, u8)> = None;
        for step in &escalation_steps {
            let rule = measures.get(step).ok_or_else(|| invalid(key, "a step without a rule"))?;
            if !rule.person {
                return Err(invalid(key, "a step that cannot target a cadre"));
            }
            if let Some((before, level)) = previous {
                // Escalation compares by (level, position): the list must never step down.
                if before == *step || level > rule.level {
                    return Err(invalid(key, "steps repeat or go down the ladder"));
                }
            }
            previous = Some((*step, rule.level));
        }

        let key = "oversight.risk";
        let risk: RiskPolicy = parse_json(key, &lookup(key)?)?;
        if risk.blue_from == 0 || risk.blue_from > risk.yellow_from || risk.yellow_from > risk.red_from {
            return Err(invalid(key, "thresholds must satisfy 1 <= blue_from <= yellow_from <= red_from"));
        }

        let mut number = |key: &str| lookup(key).and_then(|raw| parse::<u32>(key, &raw));
        Ok(Self {
            measures,
            archive_due_months: number("oversight.archive_due_months")?,
            repeat_window_months: number("oversight.repeat_window_months")?,
            escalation_steps,
            warning_working_days: number("oversight.warning_working_days")?,
            risk,
        })
    }

    /// The rule of a measure; an internal error when the policy lacks it (a policy read by
    /// [`OversightPolicy::from_values`] never does).
    pub fn rule(&self, measure: AccountabilityMeasure) -> Result<&MeasureRule, ApiError> {
        self.measures
            .get(&measure)
            .ok_or_else(|| ApiError::internal(format!("the oversight policy has no rule for {measure}")))
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

    fn replacing(
        key: &'static str,
        value: impl Into<String>,
    ) -> impl FnMut(&str) -> Result<String, ApiError> {
        let value = value.into();
        move |k| if k == key { Ok(value.clone()) } else { lookup(k) }
    }

    #[test]
    fn the_default_values_read_back_as_the_default_policy() {
        assert_eq!(OversightPolicy::from_values(lookup).unwrap(), OversightPolicy::default());
    }

    #[test]
    fn every_key_is_read_once_and_every_measure_has_a_rule() {
        let mut keys: Vec<&str> = DEFAULT_POLICY.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), DEFAULT_POLICY.len(), "a key seeded twice");
        assert_eq!(DEFAULT_POLICY.len(), AccountabilityMeasure::ALL.len() + 5);
        let policy = OversightPolicy::default();
        for &measure in AccountabilityMeasure::ALL {
            assert!(policy.rule(measure).is_ok(), "{measure}");
        }
    }

    #[test]
    fn every_source_cites_its_tag() {
        for (key, _, source) in DEFAULT_POLICY {
            assert!(["[V]", "[S]", "[M]", "[L]", "[I]"].iter().any(|t| source.contains(t)), "{key}");
            assert!(source.starts_with("domain.md §") || source.starts_with("features.md"), "{key}");
        }
    }

    #[test]
    fn a_missing_or_malformed_value_is_an_error_not_a_default() {
        let missing = OversightPolicy::from_values(|key| {
            if key == "oversight.measure.ADMONISHMENT" {
                Err(ApiError::internal("gone"))
            } else {
                lookup(key)
            }
        });
        assert!(missing.is_err());
        for (key, value) in [
            ("oversight.archive_due_months", "one"),
            ("oversight.measure.CIRCULAR", r#"{"level":4}"#),
            ("oversight.escalation_steps", r#"["REMINDER_TALK","SCOLDING"]"#),
            ("oversight.risk", r#"{"lookback_months":24}"#),
        ] {
            assert!(OversightPolicy::from_values(replacing(key, value)).is_err(), "{key} = {value}");
        }
    }

    #[test]
    fn rules_outside_the_ladder_are_refused() {
        let base = r#""bodies":["UNIT"],"person":true,"organisation":false,"archive":false,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null"#;
        let bad = [
            format!(r#"{{"level":10,"form":1,"months":null,{base}}}"#),
            format!(r#"{{"level":1,"form":5,"months":null,{base}}}"#),
            format!(r#"{{"level":1,"form":1,"months":0,{base}}}"#),
            format!(r#"{{"level":1,"form":1,"months":null,"extra":1,{base}}}"#),
            format!(r#"{{"level":1,"form":1,"months":null,{}}}"#, base.replace(r#""UNIT""#, "")),
            format!(
                r#"{{"level":1,"form":1,"months":null,{}}}"#,
                base.replace(r#""person":true"#, r#""person":false"#)
            ),
        ];
        for value in bad {
            let read =
                OversightPolicy::from_values(replacing("oversight.measure.REMINDER_TALK", value.clone()));
            assert!(read.is_err(), "{value}");
        }
        let good = format!(r#"{{"level":1,"form":1,"months":null,{base}}}"#);
        assert!(OversightPolicy::from_values(replacing("oversight.measure.REMINDER_TALK", good)).is_ok());
    }

    #[test]
    fn steps_and_thresholds_must_climb() {
        let down = replacing("oversight.escalation_steps", r#"["CIRCULAR","CRITICISM"]"#);
        assert!(OversightPolicy::from_values(down).is_err());
        let twice = replacing("oversight.escalation_steps", r#"["CRITICISM","CRITICISM"]"#);
        assert!(OversightPolicy::from_values(twice).is_err());
        let organisation_only = replacing("oversight.escalation_steps", r#"["REORGANISATION"]"#);
        assert!(OversightPolicy::from_values(organisation_only).is_err());
        assert!(OversightPolicy::from_values(replacing("oversight.escalation_steps", "[]")).is_err());
        let thresholds = r#"{"lookback_months":24,"weight_minor":1,"weight_serious":3,"weight_grave":6,"window_weight":3,"blue_from":4,"yellow_from":3,"red_from":6}"#;
        assert!(OversightPolicy::from_values(replacing("oversight.risk", thresholds)).is_err());
    }

    #[test]
    fn rules_serialise_bodies_as_codes() {
        let policy = OversightPolicy::default();
        let json = serde_json::to_value(policy.rule(AccountabilityMeasure::Circular).unwrap()).unwrap();
        assert_eq!(json["bodies"], serde_json::json!(["DISCIPLINE_COMMISSION", "ORG_DEPARTMENT"]));
        assert_eq!(json["months"], 12);
        assert_eq!(json["conduct_kind"], 3);
    }

    #[test]
    fn blocks_combine() {
        let promotion = Blocks { promotion: true, ..Blocks::default() };
        let selection = Blocks { selection: true, ..Blocks::default() };
        assert!(!Blocks::default().any());
        assert_eq!(
            promotion.or(selection),
            Blocks { promotion: true, excellent_grade: false, selection: true }
        );
    }
}

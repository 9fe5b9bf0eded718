//! Negative records, risk warnings and integrity opinions as the contract shows them, and the words of the
//! summary an opinion request carries to the body that answers it.

use std::collections::BTreeMap;

use cadre_platform::{clock::to_timestamp, dates::date_to};
use cadre_proto::oversight as pb;
use chrono::NaiveDate;

use super::number;
use crate::{
    domain::{
        codes::{
            AccountabilityMeasure, Agency, FindingCategory, NegativeCategory, OpinionState, RiskLevel,
            Severity,
        },
        risk::RiskAssessment,
    },
    store::{
        self,
        integrity::{NegativeRow, OpenFinding, OpinionRow},
    },
};

/// A record of the pool.
pub fn negative_record(row: &NegativeRow) -> pb::NegativeRecord {
    pb::NegativeRecord {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        agency: number!(Agency, &row.agency),
        category: number!(NegativeCategory, &row.category),
        severity: number!(Severity, &row.severity),
        summary: row.summary.clone(),
        reference: row.reference.clone(),
        occurred_on: Some(date_to(row.occurred_on)),
        verified: row.verified,
        recorded_by: row.recorded_by.clone(),
        create_time: Some(to_timestamp(row.created_at)),
    }
}

/// An opinion request with its summary (the feed's events strip it; see `events`).
pub fn opinion(row: &OpinionRow) -> pb::IntegrityOpinion {
    pb::IntegrityOpinion {
        id: row.id.clone(),
        cadre_id: row.cadre_id.clone(),
        cadre_name: row.cadre_name.clone(),
        purpose: row.purpose.clone(),
        rank_case_id: row.rank_case_id.clone(),
        state: number!(OpinionState, &row.state),
        record_summary: store::strings(&row.record_summary),
        clear: row.clear,
        answer: row.answer.clone(),
        requested_by: row.requested_by.clone(),
        answered_by: row.answered_by.clone(),
        request_time: Some(to_timestamp(row.requested_at)),
        answer_time: row.answered_at.map(to_timestamp),
    }
}

/// Who a risk warning is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarnedCadre {
    pub id: String,
    pub name: String,
    pub org_unit_id: String,
}

/// A cadre's risk warning on `as_of`.
pub fn risk_warning(cadre: &WarnedCadre, assessment: &RiskAssessment, as_of: NaiveDate) -> pb::RiskWarning {
    pb::RiskWarning {
        cadre_id: cadre.id.clone(),
        cadre_name: cadre.name.clone(),
        org_unit_id: cadre.org_unit_id.clone(),
        level: assessment.level.number(),
        score: i32::try_from(assessment.score).unwrap_or(i32::MAX),
        reasons: assessment.reasons.clone(),
        as_of: Some(date_to(as_of)),
    }
}

/// Whether `level` is at least `min` on the ladder NONE < BLUE < YELLOW < RED.
pub fn at_least(level: RiskLevel, min: RiskLevel) -> bool {
    level.number() >= min.number()
}

/// A 影响期 window as a summary names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryWindow {
    pub measure: AccountabilityMeasure,
    pub last_day: NaiveDate,
    /// Lifted by a 容错 exemption: on record, restricting nothing.
    pub exempted: bool,
}

/// The lines of an opinion request's summary: each window in effect, each open finding, and the negative
/// records of the last `months` counted by category. Each part says so when it is empty, so the answering
/// body reads "nothing" rather than guesses it.
pub fn summary_lines(
    windows: &[SummaryWindow],
    findings: &[OpenFinding],
    counts: &BTreeMap<NegativeCategory, (usize, usize)>,
    months: u32,
) -> Vec<String> {
    let mut lines = Vec::new();
    if windows.is_empty() {
        lines.push("影响期: 无".to_owned());
    }
    for window in windows {
        let exempted = if window.exempted { "（已容错免责，不再限制使用）" } else { "" };
        lines.push(format!("影响期: {}，至{}{exempted}", measure_name(window.measure), window.last_day));
    }
    if findings.is_empty() {
        lines.push("未办结问题: 无".to_owned());
    }
    for finding in findings {
        let category =
            FindingCategory::from_code(&finding.category).map_or("其他问题", finding_category_name);
        let severity = Severity::from_code(&finding.severity).map_or("程度未定", severity_name);
        lines.push(format!("未办结问题: {category}（{severity}），{}发现", finding.found_on));
    }
    let counted: Vec<String> = counts
        .iter()
        .filter(|(_, (all, _))| *all > 0)
        .map(|(category, (all, unverified))| {
            let unverified =
                if *unverified > 0 { format!("（其中未核实{unverified}条）") } else { String::new() };
            format!("{}{all}条{unverified}", negative_category_name(*category))
        })
        .collect();
    if counted.is_empty() {
        lines.push(format!("近{months}个月负面信息: 无"));
    } else {
        lines.push(format!("近{months}个月负面信息: {}", counted.join("，")));
    }
    lines
}

/// The measure's name in the regulations' words.
pub fn measure_name(measure: AccountabilityMeasure) -> &'static str {
    use AccountabilityMeasure::*;
    match measure {
        ReminderTalk => "提醒谈话",
        Criticism => "批评教育",
        WrittenReview => "责令检查",
        LetterInquiry => "函询",
        Circular => "通报批评",
        Admonishment => "诫勉",
        SuspensionForReview => "停职检查",
        PostAdjustment => "调整职务",
        OrderedResignation => "责令辞职",
        RemovalFromPost => "免职",
        DemotionInPost => "降职",
        PartyWarning => "党内警告",
        PartySeriousWarning => "党内严重警告",
        GovernmentWarning => "政务警告",
        GovernmentDemerit => "记过",
        GovernmentMajorDemerit => "记大过",
        GovernmentDemotion => "降级",
        PartyPostRevoked => "撤销党内职务",
        PartyProbation => "留党察看",
        PartyExpulsion => "开除党籍",
        GovernmentDismissalFromPost => "撤职",
        GovernmentExpulsion => "开除",
        JudicialReferral => "移送司法",
        OrganisationReview => "责令检查（党组织）",
        Reorganisation => "改组",
    }
}

/// The category's name in the regulations' words.
pub fn finding_category_name(category: FindingCategory) -> &'static str {
    match category {
        FindingCategory::WorkDiscipline => "工作纪律",
        FindingCategory::WorkStyle => "工作作风",
        FindingCategory::Complacency => "“佛系”",
        FindingCategory::Inaction => "“躺平”",
        FindingCategory::SixMeasures => "六项措施落实",
        FindingCategory::Integrity => "廉洁纪律",
        FindingCategory::LeaveOverdue => "请假逾期未销假",
        FindingCategory::Absenteeism => "旷工",
    }
}

/// How serious, in words.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Minor => "苗头性倾向性问题",
        Severity::Serious => "较重",
        Severity::Grave => "严重",
    }
}

/// The partner agency, in words.
pub fn agency_name(agency: Agency) -> &'static str {
    match agency {
        Agency::Discipline => "纪检监察",
        Agency::Court => "法院",
        Agency::PublicSecurity => "公安",
        Agency::Audit => "审计",
        Agency::Petition => "信访",
    }
}

/// The pool's category, in words.
pub fn negative_category_name(category: NegativeCategory) -> &'static str {
    match category {
        NegativeCategory::DisciplineViolation => "违纪违法",
        NegativeCategory::Litigation => "涉诉涉案",
        NegativeCategory::PublicOrder => "治安违法及失信",
        NegativeCategory::Audit => "审计问题",
        NegativeCategory::Petition => "信访举报",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn an_empty_record_says_so_part_by_part() {
        let lines = summary_lines(&[], &[], &BTreeMap::new(), 24);
        assert_eq!(lines, ["影响期: 无", "未办结问题: 无", "近24个月负面信息: 无"]);
    }

    #[test]
    fn windows_findings_and_counts_each_get_their_words() {
        let windows = [
            SummaryWindow {
                measure: AccountabilityMeasure::Admonishment,
                last_day: day("2027-03-31"),
                exempted: false,
            },
            SummaryWindow {
                measure: AccountabilityMeasure::GovernmentDemerit,
                last_day: day("2027-09-30"),
                exempted: true,
            },
        ];
        let findings = [OpenFinding {
            id: "f1".into(),
            category: "LEAVE_OVERDUE".into(),
            severity: "MINOR".into(),
            found_on: day("2026-10-08"),
        }];
        let mut counts = BTreeMap::new();
        counts.insert(NegativeCategory::Petition, (2, 1));
        counts.insert(NegativeCategory::DisciplineViolation, (1, 0));
        counts.insert(NegativeCategory::Audit, (0, 0));
        let lines = summary_lines(&windows, &findings, &counts, 12);
        assert_eq!(
            lines,
            [
                "影响期: 诫勉，至2027-03-31",
                "影响期: 记过，至2027-09-30（已容错免责，不再限制使用）",
                "未办结问题: 请假逾期未销假（苗头性倾向性问题），2026-10-08发现",
                "近12个月负面信息: 违纪违法1条，信访举报2条（其中未核实1条）",
            ]
        );
    }

    #[test]
    fn a_finding_with_codes_the_service_does_not_know_is_still_listed() {
        let findings = [OpenFinding {
            id: "f1".into(),
            category: "SOMETHING_NEW".into(),
            severity: "".into(),
            found_on: day("2026-01-02"),
        }];
        let lines = summary_lines(&[], &findings, &BTreeMap::new(), 24);
        assert_eq!(lines[1], "未办结问题: 其他问题（程度未定），2026-01-02发现");
    }

    #[test]
    fn levels_compare_on_the_ladder() {
        assert!(at_least(RiskLevel::Red, RiskLevel::Blue));
        assert!(at_least(RiskLevel::Blue, RiskLevel::Blue));
        assert!(!at_least(RiskLevel::Blue, RiskLevel::Yellow));
        assert!(!at_least(RiskLevel::None, RiskLevel::Blue));
    }

    #[test]
    fn every_measure_and_category_has_a_name() {
        for measure in AccountabilityMeasure::ALL {
            assert!(!measure_name(*measure).is_empty());
        }
        for category in NegativeCategory::ALL {
            assert!(!negative_category_name(*category).is_empty());
        }
        for agency in Agency::ALL {
            assert!(!agency_name(*agency).is_empty());
        }
        for category in FindingCategory::ALL {
            assert!(!finding_category_name(*category).is_empty());
        }
    }
}

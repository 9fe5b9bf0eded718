//! The closed vocabularies of the oversight service: each value's stored code and its number in
//! `cadre.oversight.v1`, declared once (a test checks every number against the generated enums).

use cadre_platform::code_enum;

code_enum!(
    /// The four responsibilities of 四责协同.
    ResponsibilityKind {
        /// 党委（党组）主体责任: held by the unit's Party committee or group as a body.
        Principal = 1 => "PRINCIPAL",
        /// 纪委（纪检监察机构）监督责任: held by the discipline body that oversees the unit.
        Supervisory = 2 => "SUPERVISORY",
        /// 党委书记第一责任人责任: held by the secretary (the principal leader) in person.
        FirstResponsible = 3 => "FIRST_RESPONSIBLE",
        /// 班子成员"一岗双责": held by each other member of the leadership team, for their area of charge.
        DualDuty = 4 => "DUAL_DUTY",
    }
);

code_enum!(
    /// The three lists a responsibility is carried out through.
    ListKind {
        /// 问题清单: the problems found that the holder must solve.
        Problem = 1 => "PROBLEM",
        /// 责任清单: the duties the holder carries.
        Duty = 2 => "DUTY",
        /// 项目清单: the projects through which the holder carries them out.
        Project = 3 => "PROJECT",
    }
);

code_enum!(
    /// What an inspection looks at, and what a finding is about.
    FindingCategory {
        /// 工作纪律: attendance, absence without leave, working hours.
        WorkDiscipline = 1 => "WORK_DISCIPLINE",
        /// 工作作风: 形式主义、官僚主义, attitude towards the public.
        WorkStyle = 2 => "WORK_STYLE",
        /// "佛系": going through the motions, no drive (the seed's words).
        Complacency = 3 => "COMPLACENCY",
        /// "躺平": doing nothing, avoiding responsibility (the seed's words).
        Inaction = 4 => "INACTION",
        /// The six measures themselves not carried out (e.g. leave taken without approval, talks not held).
        SixMeasures = 5 => "SIX_MEASURES",
        /// 廉洁纪律: integrity.
        Integrity = 6 => "INTEGRITY",
        /// A leave not closed by 销假 after its grace period (from the leave service).
        LeaveOverdue = 7 => "LEAVE_OVERDUE",
        /// 旷工 past the 公务员法 第八十八条 threshold (from the leave service).
        Absenteeism = 8 => "ABSENTEEISM",
    }
);

code_enum!(
    /// How serious a finding is.
    Severity {
        /// 苗头性、倾向性问题: an early sign, met with education and a reminder.
        Minor = 1 => "MINOR",
        /// A clear breach, calling for accountability.
        Serious = 2 => "SERIOUS",
        /// A grave breach: heavy sanctions or referral.
        Grave = 3 => "GRAVE",
    }
);

code_enum!(
    /// Where a finding came from.
    FindingSource {
        /// An inspection.
        Inspection = 1 => "INSPECTION",
        /// Recorded directly (a report, routine supervision).
        Manual = 2 => "MANUAL",
        /// The leave service's overdue and 旷工 events.
        Leave = 3 => "LEAVE",
        /// The discipline-inspection system.
        DisciplineSystem = 4 => "DISCIPLINE_SYSTEM",
    }
);

code_enum!(
    /// Where an inspection stands.
    InspectionState {
        /// Planned or under way: findings may be recorded.
        Open = 1 => "OPEN",
        /// Closed with its summary.
        Closed = 2 => "CLOSED",
    }
);

code_enum!(
    /// Where a finding stands.
    FindingState {
        /// Recorded; no rectification task yet, or tasks still open.
        Open = 1 => "OPEN",
        /// Every rectification task signed off (销号).
        Rectified = 2 => "RECTIFIED",
        /// Found not to stand, with the reason.
        Dismissed = 3 => "DISMISSED",
    }
);

code_enum!(
    /// Where a rectification task stands.
    RectificationState {
        /// Assigned; the owner unit is working on it (a plan may be filed).
        InProgress = 1 => "IN_PROGRESS",
        /// The owner reported it done, with evidence: awaiting verification.
        Submitted = 2 => "SUBMITTED",
        /// Verified and signed off (销号).
        Closed = 3 => "CLOSED",
    }
);

code_enum!(
    /// The deadline light of a task (3 working days before the deadline: yellow; past it: red).
    DeadlineLight {
        /// More than the warning period left.
        Green = 1 => "GREEN",
        /// Within the warning period before the deadline.
        Yellow = 2 => "YELLOW",
        /// Past the deadline and not closed.
        Red = 3 => "RED",
        /// Closed (销号).
        Done = 4 => "DONE",
    }
);

code_enum!(
    /// Where an extension request stands.
    ExtensionState {
        /// Awaiting a decision.
        Pending = 1 => "PENDING",
        /// Approved: the deadline moved.
        Approved = 2 => "APPROVED",
        /// Refused: the deadline stands.
        Refused = 3 => "REFUSED",
    }
);

code_enum!(
    /// The measures of the ladder, mild to severe (their level is in the policy).
    AccountabilityMeasure {
        /// 提醒谈话 (教育提醒), level 1.
        ReminderTalk = 1 => "REMINDER_TALK",
        /// 批评教育, level 2.
        Criticism = 2 => "CRITICISM",
        /// 责令检查 (of a person), level 2.
        WrittenReview = 3 => "WRITTEN_REVIEW",
        /// 函询, level 3.
        LetterInquiry = 4 => "LETTER_INQUIRY",
        /// 通报 (通报批评), level 4: a person or a Party organisation.
        Circular = 5 => "CIRCULAR",
        /// 诫勉, level 5.
        Admonishment = 6 => "ADMONISHMENT",
        /// 组织处理: 停职检查, level 6.
        SuspensionForReview = 7 => "SUSPENSION_FOR_REVIEW",
        /// 组织处理: 调整职务, level 6.
        PostAdjustment = 8 => "POST_ADJUSTMENT",
        /// 组织处理: 责令辞职, level 6.
        OrderedResignation = 9 => "ORDERED_RESIGNATION",
        /// 组织处理: 免职, level 6.
        RemovalFromPost = 10 => "REMOVAL_FROM_POST",
        /// 组织处理: 降职, level 6.
        DemotionInPost = 11 => "DEMOTION_IN_POST",
        /// 党纪轻处分: 警告, level 7.
        PartyWarning = 12 => "PARTY_WARNING",
        /// 党纪轻处分: 严重警告, level 7.
        PartySeriousWarning = 13 => "PARTY_SERIOUS_WARNING",
        /// 政务处分: 警告, level 7.
        GovernmentWarning = 14 => "GOVERNMENT_WARNING",
        /// 政务处分: 记过, level 7.
        GovernmentDemerit = 15 => "GOVERNMENT_DEMERIT",
        /// 政务处分: 记大过, level 7.
        GovernmentMajorDemerit = 16 => "GOVERNMENT_MAJOR_DEMERIT",
        /// 政务处分: 降级, level 7.
        GovernmentDemotion = 17 => "GOVERNMENT_DEMOTION",
        /// 党纪重处分: 撤销党内职务, level 8.
        PartyPostRevoked = 18 => "PARTY_POST_REVOKED",
        /// 党纪重处分: 留党察看, level 8 (probation_months says 12 or 24).
        PartyProbation = 19 => "PARTY_PROBATION",
        /// 党纪重处分: 开除党籍, level 8.
        PartyExpulsion = 20 => "PARTY_EXPULSION",
        /// 政务处分: 撤职, level 8.
        GovernmentDismissalFromPost = 21 => "GOVERNMENT_DISMISSAL_FROM_POST",
        /// 政务处分: 开除, level 8.
        GovernmentExpulsion = 22 => "GOVERNMENT_EXPULSION",
        /// 移送司法, level 9.
        JudicialReferral = 23 => "JUDICIAL_REFERRAL",
        /// 检查 (of a Party organisation: a written self-examination and rectification).
        OrganisationReview = 24 => "ORGANISATION_REVIEW",
        /// 改组 (of a Party organisation).
        Reorganisation = 25 => "REORGANISATION",
    }
);

code_enum!(
    /// The bodies that decide accountability measures.
    DecidingBody {
        /// 党委（党组）: the district committee, decided through a committee member.
        PartyCommittee = 1 => "PARTY_COMMITTEE",
        /// 纪委监委 (纪检组): the discipline inspectors or the discipline-inspection system.
        DisciplineCommission = 2 => "DISCIPLINE_COMMISSION",
        /// 组织部: the org department.
        OrgDepartment = 3 => "ORG_DEPARTMENT",
        /// The unit's Party organisation, through its leader, for its own people.
        Unit = 4 => "UNIT",
    }
);

code_enum!(
    /// Commendation or criticism.
    CircularKind {
        /// 通报表扬.
        Commendation = 1 => "COMMENDATION",
        /// 通报批评.
        Criticism = 2 => "CRITICISM",
        /// Both (a periodic circular that commends some and names others).
        Mixed = 3 => "MIXED",
    }
);

code_enum!(
    /// How often a circular series is issued.
    Cadence {
        /// Once, when needed.
        AdHoc = 1 => "AD_HOC",
        /// Every month.
        Monthly = 2 => "MONTHLY",
        /// Every quarter.
        Quarterly = 3 => "QUARTERLY",
        /// Every half year.
        HalfYearly = 4 => "HALF_YEARLY",
        /// Every year.
        Yearly = 5 => "YEARLY",
    }
);

code_enum!(
    /// Where a circular stands.
    CircularState {
        /// Being prepared.
        Draft = 1 => "DRAFT",
        /// Issued.
        Issued = 2 => "ISSUED",
    }
);

code_enum!(
    /// The partner agency a record comes from.
    Agency {
        /// 纪检监察.
        Discipline = 1 => "DISCIPLINE",
        /// 法院.
        Court = 2 => "COURT",
        /// 公安.
        PublicSecurity = 3 => "PUBLIC_SECURITY",
        /// 审计.
        Audit = 4 => "AUDIT",
        /// 信访 and 12380 举报.
        Petition = 5 => "PETITION",
    }
);

code_enum!(
    /// The five categories of negative information.
    NegativeCategory {
        /// 违纪违法: discipline and law.
        DisciplineViolation = 1 => "DISCIPLINE_VIOLATION",
        /// 涉诉涉案: litigation and criminal matters.
        Litigation = 2 => "LITIGATION",
        /// 治安违法 and 失信: public order, credit.
        PublicOrder = 3 => "PUBLIC_ORDER",
        /// 审计问题: audit findings on the cadre's responsibilities.
        Audit = 4 => "AUDIT",
        /// 信访举报: petitions and reports, verified or under verification.
        Petition = 5 => "PETITION",
    }
);

code_enum!(
    /// The warning level of a cadre.
    RiskLevel {
        /// Nothing on record within the look-back.
        None = 1 => "NONE",
        /// 蓝色: something on record; watch.
        Blue = 2 => "BLUE",
        /// 黄色: repeated or serious; check before any use.
        Yellow = 3 => "YELLOW",
        /// 红色: grave, or a window barring use in effect; not to be used.
        Red = 4 => "RED",
    }
);

code_enum!(
    /// Where an opinion request stands.
    OpinionState {
        /// Awaiting the discipline body.
        Pending = 1 => "PENDING",
        /// Answered.
        Answered = 2 => "ANSWERED",
    }
);

#[cfg(test)]
mod tests {
    use cadre_proto::oversight as pb;

    use super::*;

    #[test]
    fn every_code_is_the_proto_name_and_number() {
        for value in ResponsibilityKind::ALL {
            let proto =
                pb::ResponsibilityKind::from_str_name(&format!("RESPONSIBILITY_KIND_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "ResponsibilityKind {value:?}");
        }
        for value in ListKind::ALL {
            let proto = pb::ListKind::from_str_name(&format!("LIST_KIND_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "ListKind {value:?}");
        }
        for value in FindingCategory::ALL {
            let proto = pb::FindingCategory::from_str_name(&format!("FINDING_CATEGORY_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "FindingCategory {value:?}");
        }
        for value in Severity::ALL {
            let proto = pb::Severity::from_str_name(&format!("SEVERITY_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "Severity {value:?}");
        }
        for value in FindingSource::ALL {
            let proto = pb::FindingSource::from_str_name(&format!("FINDING_SOURCE_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "FindingSource {value:?}");
        }
        for value in InspectionState::ALL {
            let proto = pb::InspectionState::from_str_name(&format!("INSPECTION_STATE_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "InspectionState {value:?}");
        }
        for value in FindingState::ALL {
            let proto = pb::FindingState::from_str_name(&format!("FINDING_STATE_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "FindingState {value:?}");
        }
        for value in RectificationState::ALL {
            let proto =
                pb::RectificationState::from_str_name(&format!("RECTIFICATION_STATE_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "RectificationState {value:?}");
        }
        for value in DeadlineLight::ALL {
            let proto = pb::DeadlineLight::from_str_name(&format!("DEADLINE_LIGHT_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "DeadlineLight {value:?}");
        }
        for value in ExtensionState::ALL {
            let proto = pb::ExtensionState::from_str_name(&format!("EXTENSION_STATE_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "ExtensionState {value:?}");
        }
        for value in AccountabilityMeasure::ALL {
            let proto =
                pb::AccountabilityMeasure::from_str_name(&format!("ACCOUNTABILITY_MEASURE_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "AccountabilityMeasure {value:?}");
        }
        for value in DecidingBody::ALL {
            let proto = pb::DecidingBody::from_str_name(&format!("DECIDING_BODY_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "DecidingBody {value:?}");
        }
        for value in CircularKind::ALL {
            let proto = pb::CircularKind::from_str_name(&format!("CIRCULAR_KIND_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "CircularKind {value:?}");
        }
        for value in Cadence::ALL {
            let proto = pb::Cadence::from_str_name(&format!("CADENCE_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "Cadence {value:?}");
        }
        for value in CircularState::ALL {
            let proto = pb::CircularState::from_str_name(&format!("CIRCULAR_STATE_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "CircularState {value:?}");
        }
        for value in Agency::ALL {
            let proto = pb::Agency::from_str_name(&format!("AGENCY_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "Agency {value:?}");
        }
        for value in NegativeCategory::ALL {
            let proto = pb::NegativeCategory::from_str_name(&format!("NEGATIVE_CATEGORY_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "NegativeCategory {value:?}");
        }
        for value in RiskLevel::ALL {
            let proto = pb::RiskLevel::from_str_name(&format!("RISK_LEVEL_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "RiskLevel {value:?}");
        }
        for value in OpinionState::ALL {
            let proto = pb::OpinionState::from_str_name(&format!("OPINION_STATE_{}", value.code()));
            assert_eq!(proto.map(|p| p as i32), Some(value.number()), "OpinionState {value:?}");
        }
    }
}

//! The closed vocabularies of the care service: each value's stored code and its number in
//! `cadre.care.v1`, declared once (a test checks every number against the generated enums).

use cadre_platform::code_enum;

code_enum!(
    /// The form of a reward (公务员奖励规定 2020), and the district's own commendations.
    RewardKind {
        /// 嘉奖.
        Commendation = 1 => "COMMENDATION",
        /// 记三等功.
        MeritThirdClass = 2 => "MERIT_THIRD_CLASS",
        /// 记二等功.
        MeritSecondClass = 3 => "MERIT_SECOND_CLASS",
        /// 记一等功.
        MeritFirstClass = 4 => "MERIT_FIRST_CLASS",
        /// 授予称号.
        HonoraryTitle = 5 => "HONORARY_TITLE",
        /// 特别奖励, with a category.
        Special = 6 => "SPECIAL",
        /// "新时代新担当新作为" 表彰.
        NewEraCommendation = 7 => "NEW_ERA_COMMENDATION",
    }
);

code_enum!(
    /// What a 特别奖励 is for.
    RewardCategory {
        /// 项目建设.
        ProjectConstruction = 1 => "PROJECT_CONSTRUCTION",
        /// 疫情防控.
        EpidemicPrevention = 2 => "EPIDEMIC_PREVENTION",
        /// 乡村振兴.
        RuralRevitalisation = 3 => "RURAL_REVITALISATION",
    }
);

code_enum!(
    /// The level of an issuing body.
    IssuingLevel {
        /// 区.
        District = 1 => "DISTRICT",
        /// 市.
        City = 2 => "CITY",
        /// 省.
        Province = 3 => "PROVINCE",
        /// 国家.
        National = 4 => "NATIONAL",
    }
);

code_enum!(
    /// Where a reward proposal stands.
    ProposalState {
        /// Waiting for the org department.
        Pending = 1 => "PENDING",
        /// Confirmed into a reward.
        Confirmed = 2 => "CONFIRMED",
        /// Declined.
        Declined = 3 => "DECLINED",
        /// Withdrawn by a later revision of the result.
        Withdrawn = 4 => "WITHDRAWN",
    }
);

code_enum!(
    /// Why a cadre asks the fund for help.
    FundReason {
        /// Illness or hospitalisation.
        Illness = 1 => "ILLNESS",
        /// A death in the family.
        Bereavement = 2 => "BEREAVEMENT",
        /// Hardship.
        Hardship = 3 => "HARDSHIP",
        /// Injury or loss in the line of duty.
        LineOfDuty = 4 => "LINE_OF_DUTY",
        /// Disaster or accident.
        Disaster = 5 => "DISASTER",
        /// Anything else.
        Other = 6 => "OTHER",
    }
);

code_enum!(
    /// Who approves a step of a fund application.
    ApprovalStep {
        /// The applicant's unit leader.
        UnitLeader = 1 => "UNIT_LEADER",
        /// The org department.
        OrgDepartment = 2 => "ORG_DEPARTMENT",
        /// A district committee member.
        Committee = 3 => "COMMITTEE",
    }
);

code_enum!(
    /// Where a fund application stands.
    ApplicationState {
        /// Waiting for its current step.
        Pending = 1 => "PENDING",
        /// Approved at every step.
        Approved = 2 => "APPROVED",
        /// Refused at a step.
        Rejected = 3 => "REJECTED",
        /// Paid out.
        Disbursed = 4 => "DISBURSED",
    }
);

code_enum!(
    /// What calls for a visit.
    VisitTriggerKind {
        /// 住院.
        Hospitalisation = 1 => "HOSPITALISATION",
        /// 重病.
        SeriousIllness = 2 => "SERIOUS_ILLNESS",
        /// A death in the family.
        Bereavement = 3 => "BEREAVEMENT",
        /// 困难.
        Hardship = 4 => "HARDSHIP",
    }
);

code_enum!(
    /// Whom a visit trigger concerns.
    Relation {
        /// The cadre.
        SelfPerson = 1 => "SELF",
        /// A direct relative.
        DirectRelative = 2 => "DIRECT_RELATIVE",
        /// Another family member.
        OtherFamily = 3 => "OTHER_FAMILY",
    }
);

code_enum!(
    /// The kind of a visit.
    VisitKind {
        /// 家访.
        HomeVisit = 1 => "HOME_VISIT",
        /// 慰问.
        Condolence = 2 => "CONDOLENCE",
    }
);

code_enum!(
    /// The kind of a talk.
    TalkKind {
        /// 班子成员之间.
        TeamPeer = 1 => "TEAM_PEER",
        /// 主要负责人 with a team member.
        PrincipalWithMember = 2 => "PRINCIPAL_WITH_MEMBER",
        /// A leader with a cadre in their charge.
        LeaderWithCharge = 3 => "LEADER_WITH_CHARGE",
        /// The org department with a cadre.
        OrgDepartment = 4 => "ORG_DEPARTMENT",
        /// Set off by an event.
        Triggered = 5 => "TRIGGERED",
        /// Any other.
        Other = 6 => "OTHER",
    }
);

code_enum!(
    /// What sets off a talk.
    TalkTriggerKind {
        /// A promotion.
        Promotion = 1 => "PROMOTION",
        /// A reward.
        Reward = 2 => "REWARD",
        /// A sanction or a 基本称职 / 不称职 grade.
        Sanction = 3 => "SANCTION",
        /// A transfer.
        Transfer = 4 => "TRANSFER",
        /// Retirement.
        Retirement = 5 => "RETIREMENT",
        /// Hardship or a family event.
        Hardship = 6 => "HARDSHIP",
        /// Anything else.
        Other = 7 => "OTHER",
    }
);

code_enum!(
    /// The kind of a front-line assignment.
    AssignmentKind {
        /// 驻村.
        VillageResident = 1 => "VILLAGE_RESIDENT",
        /// 项目一线.
        ProjectFrontline = 2 => "PROJECT_FRONTLINE",
        /// 疫情防控一线.
        EpidemicFrontline = 3 => "EPIDEMIC_FRONTLINE",
        /// 挂职.
        Secondment = 4 => "SECONDMENT",
        /// 专班.
        TaskForce = 5 => "TASK_FORCE",
        /// 应急.
        Emergency = 6 => "EMERGENCY",
    }
);

code_enum!(
    /// The grade of an assignment's evaluation.
    AssignmentGrade {
        /// 优秀.
        Excellent = 1 => "EXCELLENT",
        /// 良好.
        Good = 2 => "GOOD",
        /// 一般.
        Fair = 3 => "FAIR",
        /// 较差.
        Poor = 4 => "POOR",
    }
);

code_enum!(
    /// Where a 调任 candidate comes from.
    TransferSource {
        /// 国有企业.
        StateEnterprise = 1 => "STATE_ENTERPRISE",
        /// 高等院校.
        University = 2 => "UNIVERSITY",
        /// 科研院所.
        ResearchInstitute = 3 => "RESEARCH_INSTITUTE",
        /// 非参公事业单位.
        PublicInstitution = 4 => "PUBLIC_INSTITUTION",
    }
);

code_enum!(
    /// Where a 调任 case stands.
    TransferCaseState {
        /// Opened.
        Open = 1 => "OPEN",
        /// Proceeding.
        Proceeding = 2 => "PROCEEDING",
        /// Approved.
        Approved = 3 => "APPROVED",
        /// Rejected.
        Rejected = 4 => "REJECTED",
    }
);

code_enum!(
    /// What is decided on a 调任 case.
    TransferDecision {
        /// Proceed.
        Proceed = 1 => "PROCEED",
        /// Approve.
        Approve = 2 => "APPROVE",
        /// Reject.
        Reject = 3 => "REJECT",
    }
);

code_enum!(
    /// Where a 公务员登记 case stands.
    RegistrationState {
        /// Waiting for approval.
        Pending = 1 => "PENDING",
        /// Returned for correction.
        Returned = 2 => "RETURNED",
        /// Registered.
        Approved = 3 => "APPROVED",
        /// Refused.
        Rejected = 4 => "REJECTED",
    }
);

code_enum!(
    /// What is decided on a 公务员登记 case.
    RegistrationDecision {
        /// Register.
        Approve = 1 => "APPROVE",
        /// Return for correction.
        Return = 2 => "RETURN",
        /// Resubmit after correction.
        Resubmit = 3 => "RESUBMIT",
        /// Refuse.
        Reject = 4 => "REJECT",
    }
);

code_enum!(
    /// The kind of a dossier backlog item (domain.md §6.4).
    BacklogKind {
        /// 零散材料 not yet filed.
        UnfiledMaterial = 1 => "UNFILED_MATERIAL",
        /// A missing material.
        MissingMaterial = 2 => "MISSING_MATERIAL",
        /// A 三龄二历一身份 conflict.
        FactConflict = 3 => "FACT_CONFLICT",
        /// A dossier not transferred.
        PendingTransfer = 4 => "PENDING_TRANSFER",
        /// Not digitised.
        NotDigitised = 5 => "NOT_DIGITISED",
    }
);

code_enum!(
    /// The body that decides a 容错 review.
    DecidingBody {
        /// 区委.
        DistrictCommittee = 1 => "DISTRICT_COMMITTEE",
        /// 区纪委监委.
        DisciplineCommission = 2 => "DISCIPLINE_COMMISSION",
        /// 区委组织部.
        OrgDepartment = 3 => "ORG_DEPARTMENT",
    }
);

code_enum!(
    /// The outcome of a 容错 review.
    ToleranceDecision {
        /// 免责.
        Exempt = 1 => "EXEMPT",
        /// 从轻/减轻.
        Mitigate = 2 => "MITIGATE",
        /// Not tolerated.
        Reject = 3 => "REJECT",
    }
);

#[cfg(test)]
mod tests {
    use cadre_proto::care as pb;

    use super::*;

    /// Each domain value's number is the generated enum's number of the same name.
    macro_rules! same_numbers {
        ($domain:ident, $proto:ty, $prefix:literal) => {
            for value in $domain::ALL {
                let name = format!("{}{}", $prefix, value.code());
                let proto = <$proto>::from_str_name(&name).unwrap_or_else(|| panic!("no {name}"));
                assert_eq!(proto as i32, value.number(), "{name}");
            }
        };
    }

    #[test]
    fn every_code_matches_the_contract() {
        same_numbers!(RewardKind, pb::RewardKind, "REWARD_KIND_");
        same_numbers!(RewardCategory, pb::RewardCategory, "REWARD_CATEGORY_");
        same_numbers!(IssuingLevel, pb::IssuingLevel, "ISSUING_LEVEL_");
        same_numbers!(ProposalState, pb::ProposalState, "PROPOSAL_STATE_");
        same_numbers!(FundReason, pb::FundReason, "FUND_REASON_");
        same_numbers!(ApprovalStep, pb::ApprovalStep, "APPROVAL_STEP_");
        same_numbers!(ApplicationState, pb::ApplicationState, "APPLICATION_STATE_");
        same_numbers!(VisitTriggerKind, pb::VisitTriggerKind, "VISIT_TRIGGER_KIND_");
        same_numbers!(Relation, pb::Relation, "RELATION_");
        same_numbers!(VisitKind, pb::VisitKind, "VISIT_KIND_");
        same_numbers!(TalkKind, pb::TalkKind, "TALK_KIND_");
        same_numbers!(TalkTriggerKind, pb::TalkTriggerKind, "TALK_TRIGGER_KIND_");
        same_numbers!(AssignmentKind, pb::AssignmentKind, "ASSIGNMENT_KIND_");
        same_numbers!(AssignmentGrade, pb::AssignmentGrade, "ASSIGNMENT_GRADE_");
        same_numbers!(TransferSource, pb::TransferSource, "TRANSFER_SOURCE_");
        same_numbers!(TransferCaseState, pb::TransferCaseState, "TRANSFER_CASE_STATE_");
        same_numbers!(TransferDecision, pb::TransferDecision, "TRANSFER_DECISION_");
        same_numbers!(RegistrationState, pb::RegistrationState, "REGISTRATION_STATE_");
        same_numbers!(RegistrationDecision, pb::RegistrationDecision, "REGISTRATION_DECISION_");
        same_numbers!(BacklogKind, pb::BacklogKind, "BACKLOG_KIND_");
        same_numbers!(DecidingBody, pb::DecidingBody, "DECIDING_BODY_");
        same_numbers!(ToleranceDecision, pb::ToleranceDecision, "TOLERANCE_DECISION_");
    }
}

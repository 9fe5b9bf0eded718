//! Closed vocabularies. Each value has a stable text code (how it is stored) and the number of its proto
//! enum value (how it travels), so neither mapping is written by hand twice.

use cadre_platform::code_enum;

pub use cadre_platform::auth::{Clearance, Role};

code_enum!(
    /// Leadership post levels (领导职务层次).
    PostLevel {
        /// 非领导职务.
        None = 1 => "none",
        /// 县处级正职.
        CountyPrincipal = 2 => "county_principal",
        /// 县处级副职.
        CountyDeputy = 3 => "county_deputy",
        /// 乡科级正职.
        TownshipPrincipal = 4 => "township_principal",
        /// 乡科级副职.
        TownshipDeputy = 5 => "township_deputy",
    }
);

code_enum!(
    /// The 综合管理类 职级 ladder; the number is also the ladder position (1 highest).
    RankGrade {
        /// 一级巡视员.
        Inspector1 = 1 => "inspector_1",
        /// 二级巡视员.
        Inspector2 = 2 => "inspector_2",
        /// 一级调研员.
        Researcher1 = 3 => "researcher_1",
        /// 二级调研员.
        Researcher2 = 4 => "researcher_2",
        /// 三级调研员.
        Researcher3 = 5 => "researcher_3",
        /// 四级调研员.
        Researcher4 = 6 => "researcher_4",
        /// 一级主任科员.
        PrincipalStaff1 = 7 => "principal_staff_1",
        /// 二级主任科员.
        PrincipalStaff2 = 8 => "principal_staff_2",
        /// 三级主任科员.
        PrincipalStaff3 = 9 => "principal_staff_3",
        /// 四级主任科员.
        PrincipalStaff4 = 10 => "principal_staff_4",
        /// 一级科员.
        Staff1 = 11 => "staff_1",
        /// 二级科员.
        Staff2 = 12 => "staff_2",
    }
);

code_enum!(
    /// Employment status.
    CadreStatus {
        /// In post.
        Active = 1 => "active",
        /// On secondment.
        Seconded = 2 => "seconded",
        /// Retired.
        Retired = 3 => "retired",
        /// Dismissed.
        Dismissed = 4 => "dismissed",
    }
);

code_enum!(
    /// Highest education.
    Education {
        /// 研究生.
        Postgraduate = 1 => "postgraduate",
        /// 大学本科.
        University = 2 => "university",
        /// 大学专科.
        College = 3 => "college",
        /// 中专或高中.
        Secondary = 4 => "secondary",
        /// 初中及以下.
        Basic = 5 => "basic",
    }
);

code_enum!(
    /// How the person holds cadre status.
    CadreCategory {
        /// 公务员.
        CivilServant = 1 => "civil_servant",
        /// 参公.
        ReferenceManaged = 2 => "reference_managed",
        /// 事业单位工作人员.
        PublicInstitution = 3 => "public_institution",
        /// 村（社区）干部.
        Village = 4 => "village",
    }
);

code_enum!(
    /// Person or service account.
    AccountKind {
        /// A person.
        Person = 1 => "person",
        /// Another system.
        Service = 2 => "service",
    }
);

code_enum!(
    /// Whether an account may be used.
    AccountState {
        /// Usable.
        Active = 1 => "active",
        /// Disabled.
        Disabled = 2 => "disabled",
    }
);

code_enum!(
    /// Lifecycle of a unit.
    UnitState {
        /// In use.
        Active = 1 => "active",
        /// Closed.
        Closed = 2 => "closed",
    }
);

/// Joins codes for a list column (`a,b,c`).
pub fn join_codes<T: Copy>(values: &[T], code: impl Fn(T) -> &'static str) -> String {
    values.iter().map(|v| code(*v)).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_numbers_round_trip() {
        for grade in RankGrade::ALL {
            assert_eq!(RankGrade::from_code(grade.code()), Some(*grade));
            assert_eq!(RankGrade::from_number(grade.number()), Some(*grade));
        }
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(*role));
        }
        assert_eq!(RankGrade::from_number(0), None);
        assert_eq!(RankGrade::from_number(13), None);
        assert_eq!(PostLevel::from_code("nope"), None);
        assert_eq!(RankGrade::Inspector1.number(), 1);
        assert_eq!(RankGrade::Staff2.number(), 12);
        assert!(RankGrade::Inspector1 < RankGrade::Staff2, "ladder order: higher rank first");
        assert_eq!(join_codes(&[Role::Cadre, Role::OrgOfficer], Role::code), "cadre,org_officer");
    }
}

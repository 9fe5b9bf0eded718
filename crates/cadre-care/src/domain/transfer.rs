//! 调任 (调任规定 2019, domain.md §5.4): into a 机关 for a 领导职务 or a 职级 of 四级调研员 or above, and
//! only within 编制 and 职数, with a vacant post (第四条).

/// The target unit's 编制 and 职数 with their occupancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vacancy {
    /// Approved 编制.
    pub establishment: i32,
    /// Occupied 编制.
    pub establishment_used: i32,
    /// Approved 职数.
    pub post_quota: i32,
    /// Occupied 职数.
    pub post_quota_used: i32,
    /// Whether the post is vacant.
    pub post_vacant: bool,
}

impl Vacancy {
    /// What stops a 调任 from proceeding, if anything.
    pub fn shortfall(&self) -> Option<String> {
        if self.establishment_used >= self.establishment {
            return Some(format!(
                "no 编制 left: {} of {} occupied",
                self.establishment_used, self.establishment
            ));
        }
        if self.post_quota_used >= self.post_quota {
            return Some(format!("no 职数 left: {} of {} occupied", self.post_quota_used, self.post_quota));
        }
        if !self.post_vacant {
            return Some("the post is not vacant".to_owned());
        }
        None
    }

    /// Whether the numbers make sense at all (none negative).
    pub fn well_formed(&self) -> bool {
        [self.establishment, self.establishment_used, self.post_quota, self.post_quota_used]
            .iter()
            .all(|n| *n >= 0)
    }
}

/// Whether a 职级 (the directory's `RankGrade` number; 1 is the highest) is high enough for a 调任:
/// `lowest` or higher.
pub fn grade_qualifies(grade: i32, lowest: i32) -> bool {
    grade >= 1 && grade <= lowest
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: Vacancy = Vacancy {
        establishment: 20,
        establishment_used: 18,
        post_quota: 3,
        post_quota_used: 2,
        post_vacant: true,
    };

    #[test]
    fn a_transfer_needs_establishment_quota_and_a_vacant_post() {
        assert_eq!(OPEN.shortfall(), None);
        assert!(Vacancy { establishment_used: 20, ..OPEN }.shortfall().unwrap().contains("编制"));
        assert!(Vacancy { post_quota_used: 3, ..OPEN }.shortfall().unwrap().contains("职数"));
        assert!(Vacancy { post_vacant: false, ..OPEN }.shortfall().is_some());
        assert!(Vacancy::default().shortfall().is_some());
        assert!(!Vacancy { establishment: -1, ..OPEN }.well_formed());
    }

    #[test]
    fn only_researcher_4_and_above_qualify() {
        // RESEARCHER_4 = 6, PRINCIPAL_STAFF_1 = 7, INSPECTOR_1 = 1.
        assert!(grade_qualifies(6, 6));
        assert!(grade_qualifies(1, 6));
        assert!(!grade_qualifies(7, 6));
        assert!(!grade_qualifies(0, 6), "unspecified");
    }
}

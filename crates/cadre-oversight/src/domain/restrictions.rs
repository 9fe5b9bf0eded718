//! The 影响期 windows in effect for a cadre on a day, and what they bar together (domain.md §4.4, §9: the
//! promotion, 优秀 and 考察对象 checks read the active windows). A 容错 exemption lifts a window's bars but
//! keeps the window on record.

use chrono::NaiveDate;

use super::{codes::AccountabilityMeasure, policy::Blocks};

/// One decision's 影响期.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The decision it comes from.
    pub decision_id: String,
    /// The measure.
    pub measure: AccountabilityMeasure,
    /// First day.
    pub effective_date: NaiveDate,
    /// Last day, inclusive.
    pub last_day: NaiveDate,
    /// What it bars, as decided.
    pub blocks: Blocks,
    /// Lifted by a 容错 exemption: listed, bars nothing.
    pub exempted: bool,
    /// The legal basis.
    pub basis_article: String,
}

/// The windows in effect on `on` (from the first day to the last, both included), exempted ones too.
pub fn in_effect(windows: &[Window], on: NaiveDate) -> Vec<&Window> {
    windows.iter().filter(|w| w.effective_date <= on && on <= w.last_day).collect()
}

/// What the windows bar together, leaving out exempted ones.
pub fn combined(windows: &[&Window]) -> Blocks {
    windows.iter().filter(|w| !w.exempted).fold(Blocks::default(), |all, w| all.or(w.blocks))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn window(id: &str, from: NaiveDate, to: NaiveDate, blocks: Blocks, exempted: bool) -> Window {
        Window {
            decision_id: id.to_owned(),
            measure: AccountabilityMeasure::Admonishment,
            effective_date: from,
            last_day: to,
            blocks,
            exempted,
            basis_article: "问责条例 第八条".to_owned(),
        }
    }

    #[test]
    fn a_window_is_in_effect_from_its_first_to_its_last_day() {
        let windows = [window("a", d(2023, 4, 1), d(2023, 9, 30), Blocks::ALL, false)];
        assert!(in_effect(&windows, d(2023, 3, 31)).is_empty());
        assert_eq!(in_effect(&windows, d(2023, 4, 1)).len(), 1);
        assert_eq!(in_effect(&windows, d(2023, 9, 30)).len(), 1);
        assert!(in_effect(&windows, d(2023, 10, 1)).is_empty());
    }

    #[test]
    fn bars_combine_and_exemptions_lift_them() {
        let promotion = Blocks { promotion: true, ..Blocks::default() };
        let grade = Blocks { excellent_grade: true, ..Blocks::default() };
        let windows = [
            window("a", d(2024, 1, 1), d(2024, 12, 31), promotion, false),
            window("b", d(2024, 3, 1), d(2024, 8, 31), grade, false),
            window("c", d(2024, 1, 1), d(2025, 12, 31), Blocks::ALL, true),
        ];
        let june = in_effect(&windows, d(2024, 6, 1));
        assert_eq!(june.len(), 3, "exempted windows stay listed");
        assert_eq!(combined(&june), Blocks { promotion: true, excellent_grade: true, selection: false });
        let next_year = in_effect(&windows, d(2025, 6, 1));
        assert_eq!(next_year.iter().map(|w| w.decision_id.as_str()).collect::<Vec<_>>(), ["c"]);
        assert_eq!(combined(&next_year), Blocks::default());
        assert_eq!(combined(&[]), Blocks::default());
    }
}

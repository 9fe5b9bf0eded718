//! A cadre's history as the rank rules read it: the current 职级, leadership posts, annual results and the
//! measures with an 影响期. The service assembles it from its own tables and from the events of the
//! directory, assessment and oversight services; the rules never fetch anything themselves.

use cadre_platform::code_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    ladder::{Grade, PostLevel},
    restriction::RestrictionKind,
};

code_enum!(
    /// The outcome of a 年度考核 (考核规定 2020: four grades plus two non-grade outcomes, §2.1).
    AnnualOutcome {
        /// 优秀.
        Excellent = 1 => "EXCELLENT",
        /// 称职.
        Competent = 2 => "COMPETENT",
        /// 基本称职.
        BasicallyCompetent = 3 => "BASICALLY_COMPETENT",
        /// 不称职.
        Incompetent = 4 => "INCOMPETENT",
        /// 不定等次 (评语 only: 试用期, 处分期, …).
        Undetermined = 5 => "UNDETERMINED",
        /// 不参加年度考核.
        NotParticipating = 6 => "NOT_PARTICIPATING",
    }
);

impl AnnualOutcome {
    /// 称职 or better: the years that count toward 任职年限, 级别 and 档次 (第十九条, 考核规定 第二十条).
    pub fn is_competent_or_better(self) -> bool {
        matches!(self, Self::Excellent | Self::Competent)
    }

    /// 基本称职 or worse: the grades that bar promotion in the following year (考核规定 第二十一条; 选任条例
    /// 第二十四条 "基本称职以下").
    pub fn bars_following_year(self) -> bool {
        matches!(self, Self::BasicallyCompetent | Self::Incompetent)
    }

    /// The outcome's name as written.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Excellent => "优秀",
            Self::Competent => "称职",
            Self::BasicallyCompetent => "基本称职",
            Self::Incompetent => "不称职",
            Self::Undetermined => "不定等次",
            Self::NotParticipating => "不参加年度考核",
        }
    }
}

/// The grade held now, and since when (the start of its tenure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    /// The grade.
    pub grade: Grade,
    /// The appointment date; tenure counts from its month.
    pub since: NaiveDate,
}

/// A leadership post held over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostHolding {
    /// The post's level.
    pub level: PostLevel,
    /// The appointment date; tenure counts from its month.
    pub since: NaiveDate,
    /// The last day held (inclusive); `None` while held.
    pub until: Option<NaiveDate>,
}

impl PostHolding {
    /// Whether the post is held on `day`.
    pub fn held_on(&self, day: NaiveDate) -> bool {
        self.since <= day && self.until.is_none_or(|u| day <= u)
    }
}

/// One year's 年度考核 result, with the day it became final (the rules ignore it before that day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualResult {
    /// The assessed year.
    pub year: i32,
    /// The outcome.
    pub outcome: AnnualOutcome,
    /// The day the result was finalised and published (usually in Q1 of `year + 1`).
    pub published_on: NaiveDate,
}

/// A measure with an 影响期 (诫勉, 组织处理, 党纪/政务处分), as the oversight service reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restriction {
    /// What was decided.
    pub kind: RestrictionKind,
    /// The day it took effect: the start of the 影响期.
    pub from: NaiveDate,
    /// The last day of the 影响期, inclusive (see `restriction::last_day`); `None` while it has no end
    /// (an investigation not yet concluded).
    pub last_day: Option<NaiveDate>,
    /// 期满影响使用: the measure still bars promotion after its period (第二十一条(二)).
    pub still_affects_use: bool,
}

/// Everything the eligibility engine reads about one cadre.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct History {
    /// The current 职级, if any.
    pub rank: Option<Holding>,
    /// Leadership posts; only those held on the evaluation date open a path.
    pub posts: Vec<PostHolding>,
    /// Annual results, in any order. When a year appears twice (a 复核 changed it), the one published last
    /// wins.
    pub results: Vec<AnnualResult>,
    /// Measures with an 影响期.
    pub restrictions: Vec<Restriction>,
    /// Under 审查调查 with no conclusion yet (第二十一条(三)).
    pub open_investigation: bool,
    /// The current rank is the cadre's first after recruitment (新录用): a 不定等次 during the 试用期 does not
    /// count against them.
    pub new_recruit: bool,
}

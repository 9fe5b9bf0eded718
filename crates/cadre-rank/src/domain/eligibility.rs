//! The eligibility engine (domain.md §1.4–§1.5, §1.9): a pure function of a cadre's [`History`] and a date
//! to an explained answer. It computes *eligibility*, never an entitlement: "不是达到最低任职年限就必须晋升".
//!
//! Tenure is counted in months from the month of appointment (12 months = 1 year). Each month belongs to
//! its calendar year, and the year's 年度考核 decides whether the month counts:
//!
//! - 优秀 / 称职: counted; each 优秀 year earned in the current rank or post also shortens the requirement
//!   (6 months), but only once the result is published (R7: never pre-applied);
//! - 基本称职 / 不定等次: the year is dropped (or, under the `Extend` reading, counted and the requirement
//!   extended); a new recruit's 试用期 不定等次 counts normally;
//! - 不称职 / 不参加 / no result on record / before 1993: not counted;
//! - not yet assessed (this year, or last year before its result is out): counted *provisionally* when
//!   `current_year_provisional`, and flagged, so the answer is recomputed when the result is published.
//!
//! On top of tenure, the bars of 第二十一条 (影响期, open investigation), the year after a 基本称职, the
//! unit's ceiling and the quota (a fact the caller supplies) each add a [`Block`] with its end date when
//! it has one.

use std::collections::BTreeMap;

use cadre_platform::{clock::period_last_day, code_enum};
use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use super::{
    history::{AnnualOutcome, AnnualResult, History},
    ladder::{Grade, Ladder, PostLevel, UnitContext},
    policy::RankPolicy,
    quota::QuotaFull,
    restriction::RestrictionKind,
};

const SRC_STEPWISE: &str = "并行规定 第十七条 [V]";
const SRC_TENURE: &str = "并行规定 第十八条 [V]";
const SRC_ASSESSMENT: &str = "并行规定 第十九条 [V]";
const SRC_EXCELLENT: &str = "并行规定 第十九条 [V]; 考核规定 第十九条(一) [V]";
const SRC_MONTHS: &str = "domain.md §1.5 [S] (110ask: counted from the month of appointment)";
const SRC_CURRENT_HOLDING: &str = "domain.md §1.5 [S] (任现职级或职务期间)";
const SRC_UNDETERMINED: &str = "domain.md §1.5 [S] (110ask: 除新录用人员外)";
const SRC_PRE_1993: &str = "domain.md §1.5 [S] (110ask: results from 1993)";
const SRC_PROVISIONAL: &str = "domain.md §1.9 R2, R7 [I]";
const SRC_BARS: &str = "并行规定 第二十一条 [V]";
const SRC_BASIC_NEXT_YEAR: &str = "考核规定 第二十一条(三) [V]/[M]; 选任条例 第二十四条 [V]";
const SRC_CEILING: &str = "并行规定 第十条 [V]";
const SRC_QUOTA: &str = "并行规定 第十七条 [V] (within the 职级职数); domain.md §1.7 [S]";
const SRC_ENTITLEMENT: &str = "domain.md §1.4 [V] (qngfsy.com: 不是达到最低任职年限就必须晋升)";

code_enum!(
    /// How a 基本称职 or 不定等次 year affects tenure (§1.5: two readings, same result for a full year).
    YearHandling {
        /// The year's months are not counted (并行规定 第十九条 "不计算", verified: the default).
        Drop = 1 => "DROP",
        /// The months count, and the requirement grows by the policy's months ("任职年限条件延长1年").
        Extend = 2 => "EXTEND",
    }
);

/// The tenure a target grade requires: months in the grade below, or in any of the listed posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenureRule {
    /// Minimum months (第十八条: years × 12).
    pub months: u32,
    /// Leadership levels that count instead of the grade below (一级调研员 ← 县处级正职).
    pub posts: Vec<PostLevel>,
}

/// The numbers of §1.4–§1.5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenurePolicy {
    /// Per target grade (并行规定 第十八条 \[V\]).
    pub rules: BTreeMap<Grade, TenureRule>,
    /// Months each 优秀 year takes off the requirement (第十九条 \[V\]): 6.
    pub excellent_reduction_months: u32,
    /// Months of a 优秀 year that must fall within the current rank or post for it to count \[I\]: 1 (any
    /// part of the year).
    pub excellent_min_months_in_year: u32,
    /// 基本称职 years: `Drop` (verified) or `Extend`.
    pub basic_competent: YearHandling,
    /// The extension under `Extend` \[S\]: 12.
    pub basic_competent_extends_months: u32,
    /// 不定等次 years (new recruits' 试用期 excepted): `Drop` or `Extend`.
    pub undetermined: YearHandling,
    /// The extension under `Extend` \[S\]: 12.
    pub undetermined_extends_months: u32,
    /// A new recruit's 试用期 (公务员法 第六十条: one year \[M\]); a 不定等次 year overlapping it counts.
    pub new_recruit_probation_months: u32,
    /// Months of a year not yet assessed count provisionally \[I\]: true.
    pub current_year_provisional: bool,
    /// The first year whose results count (legacy 套改 data) \[S\]: 1993.
    pub min_year_with_result: i32,
    /// A 基本称职 (or worse) year bars promotion throughout the following calendar year \[V\]/\[M\]: true.
    pub basic_competent_blocks_following_year: bool,
}

impl Default for TenurePolicy {
    /// domain.md §1.4–§1.5.
    fn default() -> Self {
        use Grade::*;
        use PostLevel::*;
        let rule = |months, posts: &[PostLevel]| TenureRule { months, posts: posts.to_vec() };
        Self {
            rules: BTreeMap::from([
                (Inspector1, rule(48, &[BureauDeputy])),
                (Inspector2, rule(48, &[])),
                (Researcher1, rule(36, &[CountyPrincipal])),
                (Researcher2, rule(24, &[])),
                (Researcher3, rule(24, &[CountyDeputy])),
                (Researcher4, rule(24, &[])),
                (PrincipalStaff1, rule(24, &[TownshipPrincipal])),
                (PrincipalStaff2, rule(24, &[])),
                (PrincipalStaff3, rule(24, &[TownshipDeputy])),
                (PrincipalStaff4, rule(24, &[])),
                (Staff1, rule(24, &[])),
            ]),
            excellent_reduction_months: 6,
            excellent_min_months_in_year: 1,
            basic_competent: YearHandling::Drop,
            basic_competent_extends_months: 12,
            undetermined: YearHandling::Drop,
            undetermined_extends_months: 12,
            new_recruit_probation_months: 12,
            current_year_provisional: true,
            min_year_with_result: 1993,
            basic_competent_blocks_following_year: true,
        }
    }
}

/// What is asked, and the facts the caller checked elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The grade asked about; `None` for the next grade up from the current one.
    pub target: Option<Grade>,
    /// The date the answer is for; results published after it are not known yet.
    pub as_of: NaiveDate,
    /// The cadre's unit, for the ceiling of 第十条; `None` skips that check.
    pub unit: Option<UnitContext>,
    /// The quota check's refusal for the target, when the pool is full (`quota::check`).
    pub quota_full: Option<QuotaFull>,
}

impl Query {
    /// The next grade up, on `as_of`, with no unit or quota facts.
    pub fn next_grade_on(as_of: NaiveDate) -> Query {
        Query { target: None, as_of, unit: None, quota_full: None }
    }
}

code_enum!(
    /// Why a cadre cannot be promoted (yet). Every reason is distinct, so a client can say which rule
    /// stands in the way.
    BlockReason {
        /// The months counted do not reach the requirement yet (第十八、十九条).
        TenureNotMet = 1 => "TENURE_NOT_MET",
        /// An 影响期 of 诫勉, 组织处理 or 处分 has not ended, or has ended but still affects use (第二十一条(二)).
        RestrictionInEffect = 2 => "RESTRICTION_IN_EFFECT",
        /// Under 审查调查 with no conclusion (第二十一条(三)).
        OpenInvestigation = 3 => "OPEN_INVESTIGATION",
        /// Last year's result was 基本称职 or worse: no promotion during this year (考核规定 第二十一条).
        BasicCompetentLastYear = 4 => "BASIC_COMPETENT_LAST_YEAR",
        /// The target is above the highest grade the unit may use (第十条).
        UnitCeiling = 5 => "UNIT_CEILING",
        /// The pool's 职数 for the target is used up (R6).
        QuotaFull = 6 => "QUOTA_FULL",
        /// The target is more than one step up (逐级晋升, 第十七条).
        RankSkipped = 7 => "RANK_SKIPPED",
        /// No current grade and no leadership post to count from.
        NoCurrentRank = 8 => "NO_CURRENT_RANK",
        /// Already at 一级巡视员.
        TopOfLadder = 9 => "TOP_OF_LADDER",
        /// The target is not above the current grade (or post equivalent): not a promotion.
        TargetNotAboveCurrent = 10 => "TARGET_NOT_ABOVE_CURRENT",
    }
);

/// One thing standing in the way, with the last day it does (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    /// Which rule.
    pub reason: BlockReason,
    /// The last day the block holds; `None` when it has no known end.
    pub until: Option<NaiveDate>,
    /// The facts behind it, for the officer.
    pub detail: String,
}

code_enum!(
    /// Why a year's months were not counted.
    DropCause {
        /// 基本称职 (under `Drop`).
        BasicallyCompetent = 1 => "BASICALLY_COMPETENT",
        /// 不称职.
        Incompetent = 2 => "INCOMPETENT",
        /// 不定等次 (under `Drop`, not a new recruit's 试用期).
        Undetermined = 3 => "UNDETERMINED",
        /// 不参加年度考核.
        NotParticipating = 4 => "NOT_PARTICIPATING",
        /// A past year with no result on record.
        NoResult = 5 => "NO_RESULT",
        /// Before the first year whose results count (1993).
        BeforeRecords = 6 => "BEFORE_RECORDS",
    }
);

/// A year whose months were not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DroppedYear {
    /// The year.
    pub year: i32,
    /// Months of it held (and so lost).
    pub months: u32,
    /// Why.
    pub cause: DropCause,
}

/// A 优秀 year that shortens the requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reduction {
    /// The 优秀 year.
    pub year: i32,
    /// Months taken off.
    pub months: u32,
}

/// A year that lengthens the requirement (the `Extend` reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Extension {
    /// The year.
    pub year: i32,
    /// Months added.
    pub months: u32,
    /// Its outcome.
    pub outcome: AnnualOutcome,
}

/// What the tenure is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TenureBasis {
    /// The grade below the target.
    Rank {
        /// The grade held.
        grade: Grade,
        /// Since.
        since: NaiveDate,
    },
    /// A leadership post that counts instead (§1.4; R8).
    Post {
        /// The post's level.
        level: PostLevel,
        /// Since.
        since: NaiveDate,
    },
}

/// One rule the answer applied, so that it can be defended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedRule {
    /// A stable code (e.g. `EXCELLENT_REDUCTION`).
    pub code: &'static str,
    /// What it did here, with the numbers.
    pub text: String,
    /// The regulation and article, with its evidence tag.
    pub source: &'static str,
}

/// The explained answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    /// The date of the answer.
    pub as_of: NaiveDate,
    /// The grade the cadre is at: the current 职级, or the lowest grade corresponding to a leadership post
    /// held, whichever is higher.
    pub current: Option<Grade>,
    /// The grade asked about.
    pub target: Option<Grade>,
    /// What the tenure was counted in (the path that meets it first).
    pub basis: Option<TenureBasis>,
    /// The requirement before reductions and extensions (第十八条).
    pub base_months: u32,
    /// The requirement after them.
    pub required_months: u32,
    /// Calendar months held on `as_of`, counted from the month of appointment.
    pub held_months: u32,
    /// Months counted on `as_of` (provisional ones included).
    pub counted_months: u32,
    /// Of the counted months, those in years not yet assessed.
    pub provisional_months: u32,
    /// 优秀 years applied.
    pub reductions: Vec<Reduction>,
    /// Years that lengthened the requirement.
    pub extensions: Vec<Extension>,
    /// Years whose months were not counted.
    pub dropped_years: Vec<DroppedYear>,
    /// The first day of the month from which the tenure is met, if the facts known today hold (future
    /// months count provisionally); `None` when it cannot be met on those facts.
    pub tenure_met_on: Option<NaiveDate>,
    /// The later of `tenure_met_on` and the day after every block's end; `None` when any block has no end
    /// or the tenure cannot be met.
    pub eligible_from: Option<NaiveDate>,
    /// No block on `as_of`.
    pub eligible_on_as_of: bool,
    /// What stands in the way on `as_of`.
    pub blocks: Vec<Block>,
    /// Every rule applied, in order.
    pub rules: Vec<AppliedRule>,
}

impl Eligibility {
    fn new(as_of: NaiveDate) -> Self {
        Self {
            as_of,
            current: None,
            target: None,
            basis: None,
            base_months: 0,
            required_months: 0,
            held_months: 0,
            counted_months: 0,
            provisional_months: 0,
            reductions: Vec::new(),
            extensions: Vec::new(),
            dropped_years: Vec::new(),
            tenure_met_on: None,
            eligible_from: None,
            eligible_on_as_of: false,
            blocks: Vec::new(),
            rules: Vec::new(),
        }
    }

    fn rule(&mut self, code: &'static str, text: String, source: &'static str) {
        self.rules.push(AppliedRule { code, text, source });
    }

    fn block(&mut self, reason: BlockReason, until: Option<NaiveDate>, detail: String) {
        self.blocks.push(Block { reason, until, detail });
    }

    /// Whether the answer leans on months of years not yet assessed (recompute when results come out).
    pub fn is_provisional(&self) -> bool {
        self.provisional_months > 0
    }

    /// Whether a block of this reason is present.
    pub fn blocked_by(&self, reason: BlockReason) -> bool {
        self.blocks.iter().any(|b| b.reason == reason)
    }

    fn finish(mut self) -> Self {
        self.eligible_on_as_of = self.blocks.is_empty();
        self.eligible_from = self.tenure_met_on.and_then(|met| {
            self.blocks.iter().try_fold(met, |latest, block| {
                let after = block.until?.checked_add_days(Days::new(1))?;
                Some(latest.max(after))
            })
        });
        self.rule(
            "NOT_AN_ENTITLEMENT",
            "eligibility is not an entitlement: promotion still goes through 推荐/测评, 考察, 公示 and 审批"
                .into(),
            SRC_ENTITLEMENT,
        );
        self
    }
}

/// Answers whether the cadre may be promoted to the query's target on its date, and from when, with the
/// reasons.
pub fn evaluate(history: &History, query: &Query, policy: &RankPolicy) -> Eligibility {
    let mut out = Eligibility::new(query.as_of);
    let ladder = &policy.ladder;
    let current = current_grade(history, query.as_of, ladder);
    out.current = current;
    out.target = query.target;

    let Some(current) = current else {
        out.block(
            BlockReason::NoCurrentRank,
            None,
            "no 职级 on record and no leadership post held to count from".into(),
        );
        return out.finish();
    };
    let target = match query.target {
        Some(target) => target,
        None => match current.next_up() {
            Some(up) => up,
            None => {
                out.block(
                    BlockReason::TopOfLadder,
                    None,
                    format!("{} is the top of the ladder", current.name_zh()),
                );
                return out.finish();
            }
        },
    };
    out.target = Some(target);
    let steps = target.steps_above(current);
    if steps <= 0 {
        out.block(
            BlockReason::TargetNotAboveCurrent,
            None,
            format!("{} is not above the current {}", target.name_zh(), current.name_zh()),
        );
        return out.finish();
    }
    if steps > 1 {
        out.block(
            BlockReason::RankSkipped,
            None,
            format!(
                "{} is {steps} steps above {}: promotion is one step at a time (逐级晋升)",
                target.name_zh(),
                current.name_zh()
            ),
        );
        out.rule(
            "STEPWISE",
            format!("only {} may be the next grade", current.next_up().map_or("—", Grade::name_zh)),
            SRC_STEPWISE,
        );
        return out.finish();
    }
    out.rule(
        "STEPWISE",
        format!("{} is one step above the current {}", target.name_zh(), current.name_zh()),
        SRC_STEPWISE,
    );

    tenure(history, query, policy, target, &mut out);
    bars(history, query, policy, &mut out);
    unit_and_quota(query, ladder, target, &mut out);
    out.finish()
}

/// The higher of the current 职级 and the lowest grade of every leadership post held on `as_of`.
fn current_grade(history: &History, as_of: NaiveDate, ladder: &Ladder) -> Option<Grade> {
    let from_posts =
        history.posts.iter().filter(|p| p.held_on(as_of)).filter_map(|p| ladder.lowest_grade_for(p.level));
    // `Ord` runs top-down, so the minimum is the highest grade.
    history.rank.map(|r| r.grade).into_iter().chain(from_posts).min()
}

/// A path's tenure, counted.
struct PathCount {
    basis: TenureBasis,
    required: u32,
    held: u32,
    counted: u32,
    provisional: u32,
    reductions: Vec<Reduction>,
    extensions: Vec<Extension>,
    dropped: Vec<DroppedYear>,
    met_on: Option<NaiveDate>,
    rules: Vec<AppliedRule>,
}

fn tenure(history: &History, query: &Query, policy: &RankPolicy, target: Grade, out: &mut Eligibility) {
    let tp = &policy.tenure;
    let Some(rule) = tp.rules.get(&target) else {
        out.block(
            BlockReason::TenureNotMet,
            None,
            format!("no tenure rule for {} in the policy", target.name_zh()),
        );
        return;
    };
    out.base_months = rule.months;
    let prior = target.next_down();
    let posts: Vec<&str> = rule.posts.iter().map(|p| p.name_zh()).collect();
    out.rule(
        "TENURE_REQUIREMENT",
        format!(
            "{} requires {} months as {}{}",
            target.name_zh(),
            rule.months,
            prior.map_or("—", Grade::name_zh),
            if posts.is_empty() { String::new() } else { format!(" or {}", posts.join(" or ")) }
        ),
        SRC_TENURE,
    );

    let known = known_results(&history.results, query.as_of);
    let mut paths = Vec::new();
    if let Some(rank) = history.rank.filter(|r| Some(r.grade) == prior) {
        let ctx = PathContext {
            basis: TenureBasis::Rank { grade: rank.grade, since: rank.since },
            start: rank.since,
            end: None,
            new_recruit: history.new_recruit,
        };
        paths.push(count_path(&ctx, rule, &known, query.as_of, tp));
    }
    for post in history.posts.iter().filter(|p| p.held_on(query.as_of) && rule.posts.contains(&p.level)) {
        let ctx = PathContext {
            basis: TenureBasis::Post { level: post.level, since: post.since },
            start: post.since,
            end: post.until,
            new_recruit: false,
        };
        paths.push(count_path(&ctx, rule, &known, query.as_of, tp));
    }
    // The path that meets the tenure first; a path that never does sorts last; ties keep the rank path.
    let best =
        paths.iter().enumerate().min_by_key(|(i, p)| (p.met_on.is_none(), p.met_on, *i)).map(|(i, _)| i);
    let Some(best) = best else {
        out.block(
            BlockReason::TenureNotMet,
            None,
            format!(
                "neither the current grade nor a post held counts toward {} (it needs {}{})",
                target.name_zh(),
                prior.map_or("—", Grade::name_zh),
                if posts.is_empty() { String::new() } else { format!(" or {}", posts.join(" or ")) }
            ),
        );
        return;
    };
    let others = paths.len() - 1;
    let path = paths.swap_remove(best);
    out.basis = Some(path.basis);
    out.required_months = path.required;
    out.held_months = path.held;
    out.counted_months = path.counted;
    out.provisional_months = path.provisional;
    out.reductions = path.reductions;
    out.extensions = path.extensions;
    out.dropped_years = path.dropped;
    out.tenure_met_on = path.met_on;
    let (what, since) = match path.basis {
        TenureBasis::Rank { grade, since } => (grade.name_zh(), since),
        TenureBasis::Post { level, since } => (level.name_zh(), since),
    };
    out.rule(
        "TENURE_BASIS",
        format!(
            "counted in {what} since {}{}",
            since.format("%Y-%m"),
            if others > 0 { format!(" (the earliest of {} paths)", others + 1) } else { String::new() }
        ),
        SRC_TENURE,
    );
    out.rules.extend(path.rules);
    out.rule(
        "TENURE_COUNT",
        format!(
            "{} of {} months held counted ({} provisional); {} required",
            out.counted_months, out.held_months, out.provisional_months, out.required_months
        ),
        SRC_MONTHS,
    );
    if out.tenure_met_on.is_none_or(|met| met > query.as_of) {
        let detail = match out.tenure_met_on {
            Some(met) => format!(
                "{} of {} months counted; met from {}",
                out.counted_months,
                out.required_months,
                met.format("%Y-%m-%d")
            ),
            None => format!(
                "{} of {} months counted; cannot be met on the facts known",
                out.counted_months, out.required_months
            ),
        };
        let until = out.tenure_met_on.and_then(|m| m.pred_opt());
        out.block(BlockReason::TenureNotMet, until, detail);
    }
}

/// The latest result published by `as_of` for each year (a 复核 replaces the first).
fn known_results(results: &[AnnualResult], as_of: NaiveDate) -> BTreeMap<i32, AnnualResult> {
    let mut known: BTreeMap<i32, AnnualResult> = BTreeMap::new();
    for r in results.iter().filter(|r| r.published_on <= as_of) {
        match known.get(&r.year) {
            Some(k) if k.published_on > r.published_on => {}
            _ => {
                known.insert(r.year, *r);
            }
        }
    }
    known
}

struct PathContext {
    basis: TenureBasis,
    start: NaiveDate,
    /// Last day held, for a post that ends.
    end: Option<NaiveDate>,
    new_recruit: bool,
}

/// How a year's months count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum YearStatus {
    Counts,
    /// Counts, and lengthens the requirement.
    Extends(AnnualOutcome, u32),
    /// Not assessed yet: counts only when provisional counting is on.
    Pending,
    Dropped(DropCause),
}

fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

fn month_start(index: i32) -> Option<NaiveDate> {
    // `rem_euclid(12)` is 0..=11, so the month is 1..=12.
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
}

fn count_path(
    ctx: &PathContext,
    rule: &TenureRule,
    known: &BTreeMap<i32, AnnualResult>,
    as_of: NaiveDate,
    tp: &TenurePolicy,
) -> PathCount {
    let mut rules = Vec::new();
    let mut note = |code, text, source| rules.push(AppliedRule { code, text, source });
    let first = month_index(ctx.start);
    let last_held = ctx.end.map_or(i32::MAX, month_index);
    // Months of appointment up to (not including) the month of `as_of`: the anniversary month counts the
    // year as complete (R1: from 2021-01, 24 months are reached in 2023-01).
    let held_until = month_index(as_of).min(last_held.saturating_add(1));
    let held = u32::try_from(held_until - first).unwrap_or(0);
    let probation_years = (ctx.new_recruit && tp.new_recruit_probation_months > 0).then(|| {
        let end = period_last_day(ctx.start, tp.new_recruit_probation_months);
        (ctx.start.year(), end.year())
    });

    let status = |year: i32| -> YearStatus {
        if year < tp.min_year_with_result {
            return YearStatus::Dropped(DropCause::BeforeRecords);
        }
        let Some(result) = known.get(&year) else {
            return if year >= as_of.year() - 1 {
                YearStatus::Pending
            } else {
                YearStatus::Dropped(DropCause::NoResult)
            };
        };
        match result.outcome {
            AnnualOutcome::Excellent | AnnualOutcome::Competent => YearStatus::Counts,
            AnnualOutcome::BasicallyCompetent => match tp.basic_competent {
                YearHandling::Drop => YearStatus::Dropped(DropCause::BasicallyCompetent),
                YearHandling::Extend => {
                    YearStatus::Extends(AnnualOutcome::BasicallyCompetent, tp.basic_competent_extends_months)
                }
            },
            AnnualOutcome::Undetermined => {
                if probation_years.is_some_and(|(a, b)| (a..=b).contains(&year)) {
                    YearStatus::Counts
                } else {
                    match tp.undetermined {
                        YearHandling::Drop => YearStatus::Dropped(DropCause::Undetermined),
                        YearHandling::Extend => {
                            YearStatus::Extends(AnnualOutcome::Undetermined, tp.undetermined_extends_months)
                        }
                    }
                }
            }
            AnnualOutcome::Incompetent => YearStatus::Dropped(DropCause::Incompetent),
            AnnualOutcome::NotParticipating => YearStatus::Dropped(DropCause::NotParticipating),
        }
    };
    let counts = |s: YearStatus| match s {
        YearStatus::Counts | YearStatus::Extends(..) => true,
        YearStatus::Pending => tp.current_year_provisional,
        YearStatus::Dropped(_) => false,
    };

    // Months held per year, up to `as_of`.
    let mut per_year: BTreeMap<i32, u32> = BTreeMap::new();
    for m in first..held_until {
        *per_year.entry(m.div_euclid(12)).or_default() += 1;
    }

    let (mut counted, mut provisional, mut awaiting) = (0u32, 0u32, 0u32);
    let mut dropped = Vec::new();
    let mut extensions = Vec::new();
    for (&year, &months) in &per_year {
        let s = status(year);
        if counts(s) {
            counted += months;
        }
        match s {
            YearStatus::Pending if tp.current_year_provisional => provisional += months,
            YearStatus::Pending => awaiting += months,
            YearStatus::Dropped(cause) => dropped.push(DroppedYear { year, months, cause }),
            YearStatus::Extends(outcome, by) => extensions.push(Extension { year, months: by, outcome }),
            YearStatus::Counts => {}
        }
        if s == YearStatus::Counts
            && known.get(&year).is_some_and(|r| r.outcome == AnnualOutcome::Undetermined)
        {
            note(
                "NEW_RECRUIT_UNDETERMINED",
                format!("{year} 不定等次 falls in the new recruit's 试用期: counted, not dropped"),
                SRC_UNDETERMINED,
            );
        }
    }

    let mut reductions = Vec::new();
    for (year, result) in known.iter().filter(|(_, r)| r.outcome == AnnualOutcome::Excellent) {
        let months_in = per_year.get(year).copied().unwrap_or(0);
        if months_in >= tp.excellent_min_months_in_year.max(1) {
            reductions.push(Reduction { year: *year, months: tp.excellent_reduction_months });
            note(
                "EXCELLENT_REDUCTION",
                format!(
                    "{year} 优秀 (published {}): −{} months",
                    result.published_on.format("%Y-%m-%d"),
                    tp.excellent_reduction_months
                ),
                SRC_EXCELLENT,
            );
        } else {
            note(
                "EXCELLENT_OUTSIDE_HOLDING",
                format!("{year} 优秀 was not earned in the current grade or post: no reduction"),
                SRC_CURRENT_HOLDING,
            );
        }
    }
    for d in &dropped {
        let (text, source) = match d.cause {
            DropCause::BasicallyCompetent => ("基本称职: the year is not counted", SRC_ASSESSMENT),
            DropCause::Incompetent => ("不称职: the year is not counted", SRC_ASSESSMENT),
            DropCause::Undetermined => ("不定等次: the year is not counted", SRC_ASSESSMENT),
            DropCause::NotParticipating => ("did not take part in 年度考核: no 称职 result", SRC_ASSESSMENT),
            DropCause::NoResult => ("no 年度考核 result on record: not counted", SRC_ASSESSMENT),
            DropCause::BeforeRecords => ("before the first year whose results count", SRC_PRE_1993),
        };
        note("YEAR_DROPPED", format!("{}: {} month(s) dropped ({text})", d.year, d.months), source);
    }
    for e in &extensions {
        note(
            "YEAR_EXTENDS",
            format!("{} {}: the requirement grows by {} months", e.year, e.outcome.name_zh(), e.months),
            if e.outcome == AnnualOutcome::Undetermined { SRC_UNDETERMINED } else { SRC_ASSESSMENT },
        );
    }
    if provisional > 0 {
        note(
            "PROVISIONAL_MONTHS",
            format!(
                "{provisional} month(s) in years not yet assessed count provisionally; recomputed when the results are published"
            ),
            SRC_PROVISIONAL,
        );
    }
    if awaiting > 0 {
        note(
            "AWAITING_RESULT",
            format!("{awaiting} month(s) in years not yet assessed wait for their results"),
            SRC_PROVISIONAL,
        );
    }

    let reduced: u32 = reductions.iter().map(|r| r.months).sum();
    let extended: u32 = extensions.iter().map(|e| e.months).sum();
    let required = rule.months.saturating_add(extended).saturating_sub(reduced);

    // The first month from whose start the counted months reach the requirement, walking on past `as_of`
    // with the facts known today; bounded because every future month counts (or none ever will).
    let horizon = first
        .saturating_add(i32::try_from(held.saturating_add(required).saturating_add(24)).unwrap_or(i32::MAX));
    let mut met_on = None;
    let mut cumulative = 0u32;
    let mut m = first;
    while m <= horizon {
        if cumulative >= required {
            met_on = month_start(m);
            break;
        }
        if m <= last_held && counts(status(m.div_euclid(12))) {
            cumulative += 1;
        }
        m += 1;
    }

    PathCount {
        basis: ctx.basis,
        required,
        held,
        counted,
        provisional,
        reductions,
        extensions,
        dropped,
        met_on,
        rules,
    }
}

/// 第二十一条's bars and the year after a 基本称职.
fn bars(history: &History, query: &Query, policy: &RankPolicy, out: &mut Eligibility) {
    let as_of = query.as_of;
    if policy.tenure.basic_competent_blocks_following_year {
        for result in
            known_results(&history.results, as_of).values().filter(|r| r.outcome.bars_following_year())
        {
            let Some(end) = NaiveDate::from_ymd_opt(result.year + 1, 12, 31) else { continue };
            if end >= as_of {
                out.block(
                    BlockReason::BasicCompetentLastYear,
                    Some(end),
                    format!(
                        "{} {}: no promotion during {}",
                        result.year,
                        result.outcome.name_zh(),
                        result.year + 1
                    ),
                );
                out.rule(
                    "BASIC_COMPETENT_NEXT_YEAR",
                    format!("a {} year bars promotion in the following year", result.outcome.name_zh()),
                    SRC_BASIC_NEXT_YEAR,
                );
            }
        }
    }
    for r in &history.restrictions {
        let over = r.last_day.is_some_and(|last| last < as_of);
        if over && !r.still_affects_use {
            continue;
        }
        let until = if r.still_affects_use { None } else { r.last_day };
        let reason = if r.kind == RestrictionKind::OpenInvestigation {
            BlockReason::OpenInvestigation
        } else {
            BlockReason::RestrictionInEffect
        };
        let period = match r.last_day {
            Some(last) => format!("{} to {}", r.from.format("%Y-%m-%d"), last.format("%Y-%m-%d")),
            None => format!("from {}, no end yet", r.from.format("%Y-%m-%d")),
        };
        let detail = if r.still_affects_use {
            format!("{} ({period}): 期满影响使用, no end", r.kind.name_zh())
        } else {
            format!("{} 影响期 {period}", r.kind.name_zh())
        };
        out.block(reason, until, detail);
        out.rule(
            "RESTRICTION",
            format!("{} bars promotion during its 影响期", r.kind.name_zh()),
            r.kind.source(),
        );
    }
    if history.open_investigation {
        out.block(BlockReason::OpenInvestigation, None, "under 审查调查, no conclusion yet".into());
        out.rule("INVESTIGATION", "no promotion while an investigation is open".into(), SRC_BARS);
    }
}

fn unit_and_quota(query: &Query, ladder: &Ladder, target: Grade, out: &mut Eligibility) {
    if let Some(unit) = query.unit
        && let Some(ceiling) = ladder.ceiling(unit)
    {
        if target.is_above(ceiling.highest) {
            out.block(
                BlockReason::UnitCeiling,
                None,
                format!(
                    "a {} {} may use grades up to {}",
                    unit.district.code(),
                    unit.class.code(),
                    ceiling.highest.name_zh()
                ),
            );
        }
        out.rule(
            "UNIT_CEILING",
            format!("unit ceiling {}; target {}", ceiling.highest.name_zh(), target.name_zh()),
            SRC_CEILING,
        );
    }
    if let Some(full) = &query.quota_full {
        out.block(
            BlockReason::QuotaFull,
            None,
            format!("职数 cap {} is full: {} of {} used", full.cap_code, full.used, full.limit),
        );
        out.rule("QUOTA", "promotion happens within the 职级职数".into(), SRC_QUOTA);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        history::{Holding, PostHolding, Restriction},
        ladder::{DistrictType, UnitClass},
        quota::{self, QuotaCaps, Rounding, Usage},
        restriction::{self, ImpactPolicy},
    };
    use AnnualOutcome::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// A result published in March of the following year.
    fn res(year: i32, outcome: AnnualOutcome) -> AnnualResult {
        AnnualResult { year, outcome, published_on: d(year + 1, 3, 1) }
    }

    fn rank(grade: Grade, since: NaiveDate, results: Vec<AnnualResult>) -> History {
        History { rank: Some(Holding { grade, since }), results, ..History::default() }
    }

    fn eval(history: &History, as_of: NaiveDate) -> Eligibility {
        evaluate(history, &Query::next_grade_on(as_of), &RankPolicy::default())
    }

    fn reasons(e: &Eligibility) -> Vec<BlockReason> {
        e.blocks.iter().map(|b| b.reason).collect()
    }

    // ---- domain.md §1.9 vectors ----

    #[test]
    fn r1_two_competent_years_from_january() {
        let h = rank(Grade::Staff1, d(2021, 1, 1), vec![res(2021, Competent), res(2022, Competent)]);
        let before = eval(&h, d(2022, 12, 31));
        assert_eq!(before.target, Some(Grade::PrincipalStaff4));
        assert_eq!(before.required_months, 24);
        assert_eq!(before.tenure_met_on, Some(d(2023, 1, 1)));
        assert_eq!(before.eligible_from, Some(d(2023, 1, 1)));
        assert!(!before.eligible_on_as_of);
        assert_eq!(reasons(&before), vec![BlockReason::TenureNotMet]);
        assert_eq!(before.blocks[0].until, Some(d(2022, 12, 31)));
        let on = eval(&h, d(2023, 1, 1));
        assert!(on.eligible_on_as_of, "{:?}", on.blocks);
        assert_eq!(on.counted_months, 24);
        // 2022's result is published only in March 2023.
        assert_eq!(on.provisional_months, 12);
        let published = eval(&h, d(2023, 3, 1));
        assert_eq!((published.counted_months, published.provisional_months), (26, 2));
    }

    #[test]
    fn r2_one_excellent_year_shortens_to_eighteen_months() {
        let h = History {
            results: vec![AnnualResult { year: 2021, outcome: Excellent, published_on: d(2022, 3, 15) }],
            ..rank(Grade::Staff1, d(2021, 1, 1), vec![])
        };
        let e = eval(&h, d(2022, 4, 1));
        assert_eq!(e.required_months, 18);
        assert_eq!(e.reductions, vec![Reduction { year: 2021, months: 6 }]);
        assert_eq!(e.tenure_met_on, Some(d(2022, 7, 1)));
        assert_eq!(e.eligible_from, Some(d(2022, 7, 1)));
        assert_eq!(e.provisional_months, 3);
        let on = eval(&h, d(2022, 7, 1));
        assert!(on.eligible_on_as_of);
        assert!(on.is_provisional());
        assert_eq!(on.provisional_months, 6);
        assert!(on.rules.iter().any(|r| r.code == "PROVISIONAL_MONTHS"));
    }

    #[test]
    fn r3_basic_competent_year_is_dropped_and_bars_the_next_year() {
        let h = rank(
            Grade::Staff1,
            d(2021, 1, 1),
            vec![res(2021, BasicallyCompetent), res(2022, Competent), res(2023, Competent)],
        );
        let mid_2022 = eval(&h, d(2022, 6, 1));
        assert_eq!(mid_2022.tenure_met_on, Some(d(2024, 1, 1)));
        assert_eq!(mid_2022.eligible_from, Some(d(2024, 1, 1)));
        assert_eq!(reasons(&mid_2022), vec![BlockReason::TenureNotMet, BlockReason::BasicCompetentLastYear]);
        let bar = mid_2022.blocks.iter().find(|b| b.reason == BlockReason::BasicCompetentLastYear).unwrap();
        assert_eq!(bar.until, Some(d(2022, 12, 31)));
        assert_eq!(
            mid_2022.dropped_years,
            vec![DroppedYear { year: 2021, months: 12, cause: DropCause::BasicallyCompetent }]
        );
        let later = eval(&h, d(2024, 1, 1));
        assert!(later.eligible_on_as_of, "{:?}", later.blocks);
        assert_eq!(later.counted_months, 24);
        assert_eq!(later.held_months, 36);
    }

    #[test]
    fn r4_demerit_blocks_until_its_period_ends() {
        let last = restriction::last_day(
            RestrictionKind::GovernmentDemerit,
            d(2023, 3, 1),
            &ImpactPolicy::default(),
        )
        .unwrap();
        let h = History {
            restrictions: vec![Restriction {
                kind: RestrictionKind::GovernmentDemerit,
                from: d(2023, 3, 1),
                last_day: last,
                still_affects_use: false,
            }],
            ..rank(
                Grade::Researcher4,
                d(2020, 6, 1),
                vec![res(2020, Competent), res(2021, Competent), res(2022, Competent)],
            )
        };
        let e = eval(&h, d(2023, 6, 1));
        assert_eq!(e.target, Some(Grade::Researcher3));
        assert_eq!(e.tenure_met_on, Some(d(2022, 6, 1)));
        assert_eq!(reasons(&e), vec![BlockReason::RestrictionInEffect]);
        assert_eq!(e.blocks[0].until, Some(d(2024, 2, 29)));
        assert_eq!(e.eligible_from, Some(d(2024, 3, 1)));
        assert!(!eval(&h, d(2024, 2, 29)).eligible_on_as_of);
        assert!(eval(&h, d(2024, 3, 1)).eligible_on_as_of);
    }

    #[test]
    fn r5_open_investigation_blocks_with_no_end() {
        let h = History {
            open_investigation: true,
            ..rank(Grade::PrincipalStaff2, d(2018, 1, 1), (2018..2024).map(|y| res(y, Competent)).collect())
        };
        let e = eval(&h, d(2024, 6, 1));
        assert_eq!(reasons(&e), vec![BlockReason::OpenInvestigation]);
        assert!(!e.eligible_on_as_of);
        assert_eq!(e.eligible_from, None);
        assert!(e.tenure_met_on.is_some());
    }

    #[test]
    fn r6_full_quota_is_a_distinct_block() {
        let caps = QuotaCaps::new(quota::county_caps(), Rounding::Floor).unwrap();
        let usage = Usage { holders: [(Grade::Researcher2, 2)].into(), ..Usage::default() };
        let full =
            quota::check(&caps, 100, &usage, Grade::Researcher2, Some(Grade::Researcher3)).unwrap_err();
        let h = rank(Grade::Researcher3, d(2020, 1, 1), (2020..2024).map(|y| res(y, Competent)).collect());
        let query = Query {
            target: Some(Grade::Researcher2),
            as_of: d(2024, 6, 1),
            unit: Some(UnitContext { district: DistrictType::County, class: UnitClass::Organ }),
            quota_full: Some(full),
        };
        let e = evaluate(&h, &query, &RankPolicy::default());
        assert_eq!(reasons(&e), vec![BlockReason::QuotaFull]);
        assert_eq!(e.tenure_met_on, Some(d(2022, 1, 1)));
        assert_eq!(e.eligible_from, None);
        assert_eq!(BlockReason::QuotaFull.code(), "QUOTA_FULL");
    }

    #[test]
    fn r7_excellent_is_never_applied_before_it_is_published() {
        let h = History {
            results: vec![AnnualResult { year: 2021, outcome: Excellent, published_on: d(2022, 3, 15) }],
            ..rank(Grade::Staff1, d(2021, 1, 1), vec![])
        };
        let before = eval(&h, d(2022, 3, 14));
        assert_eq!(before.required_months, 24);
        assert!(before.reductions.is_empty());
        assert_eq!(before.tenure_met_on, Some(d(2023, 1, 1)));
        let after = eval(&h, d(2022, 3, 15));
        assert_eq!(after.required_months, 18);
        assert_eq!(after.tenure_met_on, Some(d(2022, 7, 1)));
    }

    #[test]
    fn r8_township_deputy_post_counts_toward_principal_staff_3() {
        let h = History {
            posts: vec![PostHolding { level: PostLevel::TownshipDeputy, since: d(2021, 3, 1), until: None }],
            results: vec![res(2021, Competent), res(2022, Competent)],
            ..History::default()
        };
        let query = Query { target: Some(Grade::PrincipalStaff3), ..Query::next_grade_on(d(2023, 3, 1)) };
        let e = evaluate(&h, &query, &RankPolicy::default());
        assert!(e.eligible_on_as_of, "{:?}", e.blocks);
        assert_eq!(e.current, Some(Grade::PrincipalStaff4));
        assert_eq!(
            e.basis,
            Some(TenureBasis::Post { level: PostLevel::TownshipDeputy, since: d(2021, 3, 1) })
        );
        assert_eq!(e.required_months, 24);
        assert_eq!(e.tenure_met_on, Some(d(2023, 3, 1)));
    }

    // ---- further cases ----

    #[test]
    fn tenure_boundaries_one_short_exactly_one_over() {
        let h =
            rank(Grade::PrincipalStaff2, d(2020, 5, 20), (2020..2023).map(|y| res(y, Competent)).collect());
        let short = eval(&h, d(2022, 4, 30));
        assert_eq!((short.counted_months, short.eligible_on_as_of), (23, false));
        let exact = eval(&h, d(2022, 5, 1));
        assert_eq!((exact.counted_months, exact.eligible_on_as_of), (24, true));
        let over = eval(&h, d(2022, 6, 1));
        assert_eq!((over.counted_months, over.eligible_on_as_of), (25, true));
        for e in [&short, &exact, &over] {
            assert_eq!(e.tenure_met_on, Some(d(2022, 5, 1)));
        }
    }

    #[test]
    fn two_excellent_years_take_off_twelve_months() {
        // 二级调研员 → 一级调研员 needs 36 months.
        let h = rank(Grade::Researcher2, d(2020, 1, 1), vec![res(2020, Excellent), res(2021, Excellent)]);
        let e = eval(&h, d(2022, 3, 1));
        assert_eq!(e.base_months, 36);
        assert_eq!(e.required_months, 24);
        assert_eq!(e.reductions.len(), 2);
        assert_eq!(e.tenure_met_on, Some(d(2022, 1, 1)));
        assert!(e.eligible_on_as_of);
    }

    #[test]
    fn a_basic_competent_year_between_two_competent_years() {
        let h = rank(
            Grade::PrincipalStaff3,
            d(2020, 1, 1),
            vec![res(2020, Competent), res(2021, BasicallyCompetent), res(2022, Competent)],
        );
        let e = eval(&h, d(2023, 3, 1));
        assert_eq!(e.dropped_years.iter().map(|d| d.year).collect::<Vec<_>>(), vec![2021]);
        assert_eq!(e.counted_months, 26);
        assert_eq!(e.tenure_met_on, Some(d(2023, 1, 1)));
        // 2021's bar covered 2022 only.
        assert!(e.eligible_on_as_of, "{:?}", e.blocks);
    }

    #[test]
    fn influence_period_ending_on_a_month_end_lifts_the_next_day() {
        let start = d(2023, 8, 31);
        let last =
            restriction::last_day(RestrictionKind::Admonishment, start, &ImpactPolicy::default()).unwrap();
        assert_eq!(last, Some(d(2024, 2, 29)));
        let h = History {
            restrictions: vec![Restriction {
                kind: RestrictionKind::Admonishment,
                from: start,
                last_day: last,
                still_affects_use: false,
            }],
            ..rank(Grade::Staff1, d(2020, 1, 1), (2020..2024).map(|y| res(y, Competent)).collect())
        };
        let during = eval(&h, d(2024, 2, 29));
        assert_eq!(reasons(&during), vec![BlockReason::RestrictionInEffect]);
        assert_eq!(during.eligible_from, Some(d(2024, 3, 1)));
        assert!(eval(&h, d(2024, 3, 1)).eligible_on_as_of);
    }

    #[test]
    fn a_restriction_that_still_affects_use_has_no_end() {
        let h = History {
            restrictions: vec![Restriction {
                kind: RestrictionKind::PartyWarning,
                from: d(2021, 1, 1),
                last_day: Some(d(2021, 12, 31)),
                still_affects_use: true,
            }],
            ..rank(Grade::Staff1, d(2020, 1, 1), (2020..2024).map(|y| res(y, Competent)).collect())
        };
        let e = eval(&h, d(2024, 6, 1));
        assert_eq!(reasons(&e), vec![BlockReason::RestrictionInEffect]);
        assert_eq!(e.blocks[0].until, None);
        assert_eq!(e.eligible_from, None);
    }

    #[test]
    fn appointment_on_the_31st_counts_from_the_month() {
        let h = rank(Grade::Staff1, d(2021, 1, 31), vec![res(2021, Competent), res(2022, Competent)]);
        let e = eval(&h, d(2023, 1, 1));
        assert_eq!(e.tenure_met_on, Some(d(2023, 1, 1)));
        assert!(e.eligible_on_as_of);
        assert!(!eval(&h, d(2022, 12, 31)).eligible_on_as_of);
    }

    #[test]
    fn county_principal_post_counts_toward_researcher_1() {
        // Held 二级调研员 only since 2023, but 县处级正职 since 2020: the post path is earlier.
        let h = History {
            rank: Some(Holding { grade: Grade::Researcher2, since: d(2023, 1, 1) }),
            posts: vec![PostHolding { level: PostLevel::CountyPrincipal, since: d(2020, 7, 1), until: None }],
            results: (2020..2024).map(|y| res(y, Competent)).collect(),
            ..History::default()
        };
        let e = eval(&h, d(2024, 1, 1));
        assert_eq!(e.target, Some(Grade::Researcher1));
        assert_eq!(
            e.basis,
            Some(TenureBasis::Post { level: PostLevel::CountyPrincipal, since: d(2020, 7, 1) })
        );
        assert_eq!(e.tenure_met_on, Some(d(2023, 7, 1)));
        assert!(e.eligible_on_as_of);
        assert!(e.rules.iter().any(|r| r.code == "TENURE_BASIS" && r.text.contains("2 paths")));
    }

    #[test]
    fn excellent_from_the_previous_rank_does_not_count() {
        let h = rank(Grade::Staff1, d(2021, 1, 1), vec![res(2020, Excellent), res(2021, Competent)]);
        let e = eval(&h, d(2022, 4, 1));
        assert!(e.reductions.is_empty());
        assert_eq!(e.required_months, 24);
        assert!(e.rules.iter().any(|r| r.code == "EXCELLENT_OUTSIDE_HOLDING"));
    }

    #[test]
    fn extend_and_drop_agree_for_a_full_year() {
        let h = rank(
            Grade::Staff1,
            d(2021, 1, 1),
            vec![res(2021, Competent), res(2022, BasicallyCompetent), res(2023, Competent)],
        );
        let drop = eval(&h, d(2024, 3, 1));
        let extend_policy = RankPolicy {
            tenure: TenurePolicy { basic_competent: YearHandling::Extend, ..TenurePolicy::default() },
            ..RankPolicy::default()
        };
        let extend = evaluate(&h, &Query::next_grade_on(d(2024, 3, 1)), &extend_policy);
        assert_eq!(drop.tenure_met_on, Some(d(2024, 1, 1)));
        assert_eq!(extend.tenure_met_on, drop.tenure_met_on);
        assert_eq!(extend.eligible_from, drop.eligible_from);
        assert_eq!((drop.required_months, extend.required_months), (24, 36));
        assert_eq!(
            extend.extensions,
            vec![Extension { year: 2022, months: 12, outcome: BasicallyCompetent }]
        );
    }

    #[test]
    fn a_new_recruits_undetermined_year_does_not_count_against_them() {
        let results = vec![res(2021, Undetermined), res(2022, Competent)];
        let recruit = History { new_recruit: true, ..rank(Grade::Staff1, d(2021, 1, 1), results.clone()) };
        let e = eval(&recruit, d(2023, 1, 1));
        assert!(e.dropped_years.is_empty());
        assert_eq!(e.tenure_met_on, Some(d(2023, 1, 1)));
        assert!(e.rules.iter().any(|r| r.code == "NEW_RECRUIT_UNDETERMINED"));
        let other = rank(Grade::Staff1, d(2021, 1, 1), results);
        let e = eval(&other, d(2023, 1, 1));
        assert_eq!(e.dropped_years[0].cause, DropCause::Undetermined);
        assert_eq!(e.tenure_met_on, Some(d(2024, 1, 1)));
    }

    #[test]
    fn a_target_two_steps_up_is_refused() {
        let h = rank(Grade::Staff1, d(2015, 1, 1), (2015..2024).map(|y| res(y, Competent)).collect());
        let query = Query { target: Some(Grade::PrincipalStaff3), ..Query::next_grade_on(d(2024, 6, 1)) };
        let e = evaluate(&h, &query, &RankPolicy::default());
        assert_eq!(reasons(&e), vec![BlockReason::RankSkipped]);
        assert_eq!(e.eligible_from, None);
        let same = Query { target: Some(Grade::Staff1), ..query };
        assert_eq!(
            reasons(&evaluate(&h, &same, &RankPolicy::default())),
            vec![BlockReason::TargetNotAboveCurrent]
        );
    }

    #[test]
    fn no_rank_and_top_of_ladder() {
        let e = eval(&History::default(), d(2024, 1, 1));
        assert_eq!(reasons(&e), vec![BlockReason::NoCurrentRank]);
        let top = rank(Grade::Inspector1, d(2015, 1, 1), vec![]);
        assert_eq!(reasons(&eval(&top, d(2024, 1, 1))), vec![BlockReason::TopOfLadder]);
    }

    #[test]
    fn a_county_organ_cannot_promote_to_researcher_1() {
        let h = rank(Grade::Researcher2, d(2018, 1, 1), (2018..2024).map(|y| res(y, Competent)).collect());
        let query = Query {
            unit: Some(UnitContext { district: DistrictType::County, class: UnitClass::Organ }),
            ..Query::next_grade_on(d(2024, 6, 1))
        };
        let e = evaluate(&h, &query, &RankPolicy::default());
        assert_eq!(reasons(&e), vec![BlockReason::UnitCeiling]);
    }

    #[test]
    fn missing_past_results_and_pre_1993_years_are_not_counted() {
        // 1991-01 to 1994-01: 1991–1992 before records, 1993 has no result; only 1994… is pending.
        let h = rank(Grade::Staff2, d(1991, 1, 1), vec![]);
        let e = eval(&h, d(1995, 1, 1));
        let causes: Vec<_> = e.dropped_years.iter().map(|d| (d.year, d.cause)).collect();
        assert_eq!(
            causes,
            vec![
                (1991, DropCause::BeforeRecords),
                (1992, DropCause::BeforeRecords),
                (1993, DropCause::NoResult)
            ]
        );
        assert_eq!(e.provisional_months, 12);
    }

    #[test]
    fn without_provisional_counting_unassessed_months_wait() {
        let policy = RankPolicy {
            tenure: TenurePolicy { current_year_provisional: false, ..TenurePolicy::default() },
            ..RankPolicy::default()
        };
        let h = rank(Grade::Staff1, d(2021, 1, 1), vec![res(2021, Competent)]);
        let e = evaluate(&h, &Query::next_grade_on(d(2023, 1, 1)), &policy);
        assert_eq!(e.counted_months, 12);
        assert_eq!(e.tenure_met_on, None);
        assert_eq!(e.eligible_from, None);
        assert!(e.rules.iter().any(|r| r.code == "AWAITING_RESULT"));
    }

    #[test]
    fn every_answer_explains_itself() {
        let h = rank(Grade::Staff1, d(2021, 1, 1), vec![res(2021, Excellent)]);
        let e = eval(&h, d(2022, 4, 1));
        let codes: Vec<_> = e.rules.iter().map(|r| r.code).collect();
        for code in [
            "STEPWISE",
            "TENURE_REQUIREMENT",
            "TENURE_BASIS",
            "EXCELLENT_REDUCTION",
            "TENURE_COUNT",
            "NOT_AN_ENTITLEMENT",
        ] {
            assert!(codes.contains(&code), "{code} missing from {codes:?}");
        }
        assert!(e.rules.iter().all(|r| !r.source.is_empty()));
    }

    fn outcome() -> impl Strategy<Value = AnnualOutcome> {
        prop::sample::select(AnnualOutcome::ALL)
    }

    proptest! {
        #[test]
        fn counted_never_exceeds_held_and_eligible_from_never_precedes_tenure(
            grade in prop::sample::select(&Grade::ALL[1..]),
            since_days in 0i64..(12 * 366),
            as_of_days in 0i64..(16 * 366),
            outcomes in prop::collection::vec((outcome(), 0i64..400), 16),
            restriction in prop::option::of((0i64..(14 * 366), 0u32..30, any::<bool>())),
            new_recruit in any::<bool>(),
            open in prop::bool::weighted(0.1),
            extend in any::<bool>(),
        ) {
            let base = d(2010, 1, 1);
            let since = base + chrono::Duration::days(since_days);
            let as_of = base + chrono::Duration::days(as_of_days);
            let results = outcomes
                .iter()
                .enumerate()
                .map(|(i, (o, delay))| {
                    let year = 2010 + i as i32;
                    AnnualResult { year, outcome: *o, published_on: d(year + 1, 1, 1) + chrono::Duration::days(*delay) }
                })
                .collect();
            let restrictions = restriction
                .map(|(from, months, affects)| {
                    let from = base + chrono::Duration::days(from);
                    Restriction {
                        kind: RestrictionKind::Admonishment,
                        from,
                        last_day: Some(period_last_day(from, months)),
                        still_affects_use: affects,
                    }
                })
                .into_iter()
                .collect();
            let h = History {
                rank: Some(Holding { grade, since }),
                results,
                restrictions,
                open_investigation: open,
                new_recruit,
                ..History::default()
            };
            let handling = if extend { YearHandling::Extend } else { YearHandling::Drop };
            let policy = RankPolicy {
                tenure: TenurePolicy { basic_competent: handling, undetermined: handling, ..TenurePolicy::default() },
                ..RankPolicy::default()
            };
            let e = evaluate(&h, &Query::next_grade_on(as_of), &policy);
            prop_assert!(e.counted_months <= e.held_months);
            prop_assert!(e.provisional_months <= e.counted_months);
            let calendar = (month_index(as_of) - month_index(since)).max(0) as u32;
            prop_assert_eq!(e.held_months, calendar);
            if let (Some(from), Some(met)) = (e.eligible_from, e.tenure_met_on) {
                prop_assert!(from >= met);
            }
            if e.eligible_from.is_some() {
                prop_assert!(e.tenure_met_on.is_some());
            }
            if e.eligible_on_as_of {
                prop_assert!(e.tenure_met_on.is_some_and(|m| m <= as_of));
                prop_assert!(e.counted_months >= e.required_months);
            }
            if let Some(met) = e.tenure_met_on {
                prop_assert_eq!(met.day(), 1);
            }
        }
    }
}

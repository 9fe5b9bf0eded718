//! A deterministic demo district shaped like the one in the customer's speech: one district forum, 57
//! "小讲坛" at towns (镇), streets (街道) and district units (区直单位), and 48 "微讲坛" at villages (村)
//! and communities (社区), staffed by about 3 000 cadres whose facts are all mutually consistent.
//!
//! Everything is derived from a fixed-seed generator and the `today` passed in, so the same `today`
//! always yields the same district. Dates are relative to `today`, so the demo stays plausible (ages
//! 25 to 60, nothing in the future) whenever it is loaded.

use std::collections::HashSet;

use chrono::{Days, Months, NaiveDate};

use super::citizen_id::{CitizenId, Gender};
use super::codes::{CadreCategory, Education, PostLevel};
use super::facts::{FactPolicy, WorkPeriod, age_on};

/// An organisational unit of the demo district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUnit {
    /// Stable code: `D000`, `T01`, `S01`, `U01`, `T01V01`, `S01C01`.
    pub code: String,
    /// The unit's Chinese name.
    pub name: String,
    /// One of `district`, `town`, `street`, `district_unit`, `village`, `community`.
    pub kind: &'static str,
    /// The parent unit's code; `None` only for the district itself.
    pub parent_code: Option<String>,
}

/// A cadre of the demo district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCadre {
    /// The id the HR system knows the cadre by.
    pub external_id: String,
    /// The cadre's name.
    pub name: String,
    /// A valid citizen id under the fictitious region code `510199`.
    pub citizen_id: CitizenId,
    /// Agrees with the citizen id.
    pub gender: Gender,
    /// Agrees with the citizen id.
    pub birth_date: NaiveDate,
    /// 参加工作时间.
    pub work_start_date: NaiveDate,
    /// 入党时间, for party members.
    pub party_entry_date: Option<NaiveDate>,
    /// Highest education completed.
    pub education: Education,
    /// Personnel category.
    pub category: CadreCategory,
    /// The unit the cadre works in.
    pub unit_code: String,
    /// The unit that manages the cadre: the employing unit, except that village and community cadres
    /// are managed by their town or street.
    pub managing_unit_code: String,
    /// The current post.
    pub post_title: String,
    /// The leadership level of the current post.
    pub post_level: PostLevel,
    /// Holds a leadership post (领导干部).
    pub is_leader: bool,
    /// Member of the unit's leadership team (班子成员).
    pub is_team_member: bool,
    /// Head of the leadership team (一把手).
    pub is_principal: bool,
    /// 任现职时间.
    pub post_start_date: NaiveDate,
    /// Rank ordinal 1..=12 (1 = 一级巡视员 … 4 = 二级调研员, 6 = 四级调研员, 7..=10 = 一..四级主任科员,
    /// 11 = 一级科员, 12 = 二级科员) and the date it was conferred.
    pub rank: Option<(u8, NaiveDate)>,
    /// Work history, oldest first; the last period is the current one and has no end.
    pub work_history: Vec<WorkPeriod>,
}

/// A login account for the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// Lowercase ASCII login name.
    pub username: String,
    /// Chinese display name.
    pub display_name: String,
    /// Role codes.
    pub roles: Vec<&'static str>,
    /// The unit the roles apply to, if scoped.
    pub scope_unit_code: Option<String>,
    /// The cadre the account belongs to, for person accounts of cadres.
    pub cadre_external_id: Option<String>,
    /// A machine account used by another system.
    pub service: bool,
    /// Extra clearances, e.g. `discipline`.
    pub clearances: Vec<&'static str>,
}

/// The whole demo data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDistrict {
    /// District first, then the 57 second-level units, then the 48 villages and communities.
    pub units: Vec<DemoUnit>,
    /// All cadres, grouped by unit in unit order.
    pub cadres: Vec<DemoCadre>,
    /// Demo login accounts.
    pub accounts: Vec<DemoAccount>,
}

/// Builds the demo district as of `today`.
///
/// Dates are derived from `today`, clamped to 1970-01-01..=9999-01-01 so that every birth year fits
/// in a citizen id; for a `today` outside that window the demo's dates are those of the clamped day.
pub fn demo_district(today: NaiveDate) -> DemoDistrict {
    let today = today.clamp(ANCHOR_MIN, ANCHOR_MAX);
    let units = build_units();
    let mut generator = Generator::new(today, &units);
    let cadres = generator.cadres();
    let accounts = build_accounts(&cadres);
    DemoDistrict { units, cadres, accounts }
}

/// Fictitious county-level region code: no real 5101xx county uses 99.
const REGION: &str = "510199";
/// "JINXIUQU" in ASCII: any fixed value works, this one is easy to recognise.
const SEED: u64 = 0x4A49_4E58_4955_5155;

// A `today` of 1970 keeps a 60-year-old's birth year above 1900 and one of 9999 keeps every date a
// four-digit year, so every citizen id composes.
const ANCHOR_MIN: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a valid date");
const ANCHOR_MAX: NaiveDate = NaiveDate::from_ymd_opt(9999, 1, 1).expect("9999-01-01 is a valid date");

const DISTRICT_CODE: &str = "D000";
const DISTRICT_NAME: &str = "锦绣区";

/// Towns and how many villages each has; the counts add up to the 36 village names.
const TOWNS: [(&str, usize); 12] = [
    ("青山镇", 3),
    ("白鹭镇", 4),
    ("桃源镇", 2),
    ("龙泉镇", 3),
    ("石桥镇", 3),
    ("柳河镇", 4),
    ("金马镇", 2),
    ("凤鸣镇", 3),
    ("清溪镇", 3),
    ("花园镇", 4),
    ("永丰镇", 2),
    ("新场镇", 3),
];

/// Streets and how many communities each has; the counts add up to the 12 community names.
const STREETS: [(&str, usize); 6] =
    [("锦江街道", 2), ("文庙街道", 3), ("东湖街道", 1), ("西城街道", 2), ("南山街道", 2), ("北门街道", 2)];

const VILLAGES: [&str; 36] = [
    "红星村",
    "光明村",
    "胜利村",
    "团结村",
    "和平村",
    "新民村",
    "永兴村",
    "金桥村",
    "石佛村",
    "柏树村",
    "桂花村",
    "荷花村",
    "竹林村",
    "梨花村",
    "枫林村",
    "双河村",
    "三溪村",
    "五星村",
    "七里村",
    "九龙村",
    "白塔村",
    "黄桷村",
    "高峰村",
    "水口村",
    "长乐村",
    "太平村",
    "福田村",
    "兴隆村",
    "万寿村",
    "天池村",
    "大湾村",
    "回龙村",
    "青龙村",
    "板桥村",
    "马鞍村",
    "观音村",
];

const COMMUNITIES: [&str; 12] = [
    "锦华社区",
    "文庙社区",
    "东湖社区",
    "翠湖社区",
    "西园社区",
    "南苑社区",
    "北城社区",
    "春熙社区",
    "玉林社区",
    "芳草社区",
    "金沙社区",
    "紫荆社区",
];

/// District units with the titles of their principal and deputies. Where a 区委常委 heads the body
/// (组织部, 宣传部, 统战部, 政法委, 纪委监委) that head sits in the district team, and the unit's own
/// 正科级 principal is the 常务副职.
const DISTRICT_UNITS: [(&str, &str, &str); 39] = [
    ("区委办公室", "主任", "副主任"),
    ("区人大常委会办公室", "主任", "副主任"),
    ("区政府办公室", "主任", "副主任"),
    ("区政协办公室", "主任", "副主任"),
    ("区委组织部", "常务副部长", "副部长"),
    ("区纪委监委", "纪委副书记、监委副主任", "纪委常委、监委委员"),
    ("区委宣传部", "常务副部长", "副部长"),
    ("区委统战部", "常务副部长", "副部长"),
    ("区委政法委员会", "常务副书记", "副书记"),
    ("区委机构编制委员会办公室", "主任", "副主任"),
    ("区委社会工作部", "常务副部长", "副部长"),
    ("区发展和改革局", "局长", "副局长"),
    ("区经济和信息化局", "局长", "副局长"),
    ("区教育局", "局长", "副局长"),
    ("区科学技术局", "局长", "副局长"),
    ("区民政局", "局长", "副局长"),
    ("区司法局", "局长", "副局长"),
    ("区财政局", "局长", "副局长"),
    ("区人力资源和社会保障局", "局长", "副局长"),
    ("区自然资源局", "局长", "副局长"),
    ("区生态环境局", "局长", "副局长"),
    ("区住房和城乡建设局", "局长", "副局长"),
    ("区交通运输局", "局长", "副局长"),
    ("区水利局", "局长", "副局长"),
    ("区农业农村局", "局长", "副局长"),
    ("区商务局", "局长", "副局长"),
    ("区文化旅游局", "局长", "副局长"),
    ("区卫生健康局", "局长", "副局长"),
    ("区退役军人事务局", "局长", "副局长"),
    ("区应急管理局", "局长", "副局长"),
    ("区审计局", "局长", "副局长"),
    ("区市场监督管理局", "局长", "副局长"),
    ("区统计局", "局长", "副局长"),
    ("区医疗保障局", "局长", "副局长"),
    ("区信访局", "局长", "副局长"),
    ("区政务服务和大数据管理局", "局长", "副局长"),
    ("区综合行政执法局", "局长", "副局长"),
    ("区机关事务服务中心", "主任", "副主任"),
    ("区投资促进局", "局长", "副局长"),
];

/// The district team after the two principals, in the order seats are filled.
const DISTRICT_DEPUTIES: [&str; 10] = [
    "区委副书记",
    "区委常委、常务副区长",
    "区委常委、组织部部长",
    "区委常委、区纪委书记、区监委主任",
    "区委常委、宣传部部长",
    "区委常委、统战部部长",
    "区委常委、政法委书记",
    "区委常委、区委办公室主任",
    "副区长",
    "副区长",
];

/// Titles of a town or street team: principal, second principal, the deputies every team has, and
/// the optional seats a team may add.
struct TeamTitles {
    principal: &'static str,
    second: &'static str,
    deputies: [&'static str; 4],
    extras: [&'static str; 6],
}

const TOWN_TEAM: TeamTitles = TeamTitles {
    principal: "党委书记",
    second: "镇长",
    deputies: ["党委副书记", "副镇长", "纪委书记", "组织委员"],
    extras: ["宣传委员", "人大主席", "副镇长", "武装部长", "政法委员", "统战委员"],
};

const STREET_TEAM: TeamTitles = TeamTitles {
    principal: "党工委书记",
    second: "办事处主任",
    deputies: ["党工委副书记", "办事处副主任", "纪工委书记", "组织委员"],
    extras: ["宣传委员", "人大工委主任", "办事处副主任", "武装部长", "政法委员", "统战委员"],
};

const TOWN_OFFICES: [&str; 6] =
    ["党政办公室", "党建工作办公室", "经济发展办公室", "社会事务办公室", "社会治理办公室", "综合执法办公室"];
const TOWN_CENTRES: [&str; 4] = ["便民服务中心", "农业综合服务中心", "文化服务中心", "退役军人服务站"];
const UNIT_SECTIONS: [&str; 7] =
    ["办公室", "综合股", "政策法规股", "业务一股", "业务二股", "财务股", "人事股"];
const UNIT_CENTRES: [&str; 3] = ["事务服务中心", "信息中心", "综合保障中心"];
const OFFICE_POSTS: [(&str, u64); 4] = [("科员", 70), ("副主任", 15), ("主任", 10), ("综合干事", 5)];
const SECTION_POSTS: [(&str, u64); 3] = [("科员", 75), ("副股长", 15), ("股长", 10)];
const CENTRE_POSTS: [(&str, u64); 3] = [("工作人员", 60), ("专业技术人员", 30), ("副主任", 10)];

const SURNAMES: [&str; 100] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
    "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚",
    "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白",
    "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺",
    "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向", "汤",
];
const MALE_CHARS: [&str; 40] = [
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫",
    "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "洋", "峰", "建", "国", "志",
    "文", "东", "海", "兵", "成", "军",
];
const FEMALE_CHARS: [&str; 36] = [
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英", "萍", "红", "燕", "雪", "琳",
    "晶", "倩", "婷", "颖", "慧", "莉", "梅", "洁", "琴", "云", "兰", "丹", "玉", "蓉", "欣", "悦", "怡",
    "佳", "琼",
];
/// First characters of three-character names; shared by both genders.
const MIDDLE_CHARS: [&str; 20] = [
    "晓", "春", "文", "子", "思", "雨", "嘉", "永", "新", "立", "长", "明", "海", "宏", "天", "德", "志",
    "建", "小", "一",
];

/// Earlier posts for the work history, by how senior the cadre was then.
#[derive(Debug, Clone, Copy)]
enum Tier {
    Junior,
    Middle,
    Deputy,
    Principal,
}

/// SplitMix64: tiny, fast and good enough for demo data, and fully specified so the output never
/// depends on a library's choice of algorithm.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (modulo bias is irrelevant here); `lo` when the range is empty. Always
    /// consumes one draw so the stream position does not depend on the bounds.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        let draw = self.next_u64();
        match hi.checked_sub(lo).and_then(|span| span.checked_add(1)) {
            Some(width) => lo + draw % width,
            None if hi >= lo => draw,
            None => lo,
        }
    }

    fn percent(&mut self, chance: u64) -> bool {
        self.range(0, 99) < chance
    }

    /// A uniform entry of a non-empty array (emptiness is rejected at compile time).
    fn pick<T: Copy, const N: usize>(&mut self, items: &[T; N]) -> T {
        const { assert!(N > 0, "cannot pick from an empty array") };
        let index = usize::try_from(self.range(0, N as u64 - 1)).unwrap_or(0);
        items[index.min(N - 1)]
    }

    /// An entry of a non-empty array with probability proportional to its weight.
    fn weighted<T: Copy, const N: usize>(&mut self, items: &[(T, u64); N]) -> T {
        const { assert!(N > 0, "cannot pick from an empty array") };
        let total: u64 = items.iter().map(|(_, weight)| weight).sum();
        let mut draw = self.range(0, total.saturating_sub(1));
        for &(item, weight) in items {
            if draw < weight {
                return item;
            }
            draw -= weight;
        }
        // Only reachable when every weight is zero.
        items[N - 1].0
    }

    /// `count` distinct entries of `items` in random order (a partial Fisher–Yates shuffle).
    fn sample<T: Copy>(&mut self, items: &[T], count: usize) -> Vec<T> {
        let mut pool = items.to_vec();
        let count = count.min(pool.len());
        for i in 0..count {
            let j = self.range(i as u64, (pool.len() - 1) as u64);
            pool.swap(i, usize::try_from(j).unwrap_or(i));
        }
        pool.truncate(count);
        pool
    }

    fn date_between(&mut self, lo: NaiveDate, hi: NaiveDate) -> NaiveDate {
        let span = u64::try_from(hi.signed_duration_since(lo).num_days()).unwrap_or(0);
        plus_days(lo, self.range(0, span))
    }
}

fn plus_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap_or(NaiveDate::MAX)
}

fn minus_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days)).unwrap_or(NaiveDate::MIN)
}

fn minus_years(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(years.saturating_mul(12))).unwrap_or(NaiveDate::MIN)
}

/// The first day on which someone born on `birth` is `years` old by [`age_on`]'s rule. Adding months
/// alone is off by one for a Feb-29 birth in a common year (Feb 28 is still the day before).
fn nth_birthday(birth: NaiveDate, years: u32) -> NaiveDate {
    let date = birth.checked_add_months(Months::new(years.saturating_mul(12))).unwrap_or(NaiveDate::MAX);
    if age_on(birth, date) < years { date.succ_opt().unwrap_or(date) } else { date }
}

fn unit(code: String, name: &str, kind: &'static str, parent: Option<&str>) -> DemoUnit {
    DemoUnit { code, name: name.to_owned(), kind, parent_code: parent.map(str::to_owned) }
}

/// The unit tree: district, towns, streets, district units, then villages and communities.
fn build_units() -> Vec<DemoUnit> {
    let mut units = vec![unit(DISTRICT_CODE.to_owned(), DISTRICT_NAME, "district", None)];
    for (i, (name, _)) in TOWNS.iter().enumerate() {
        units.push(unit(format!("T{:02}", i + 1), name, "town", Some(DISTRICT_CODE)));
    }
    for (i, (name, _)) in STREETS.iter().enumerate() {
        units.push(unit(format!("S{:02}", i + 1), name, "street", Some(DISTRICT_CODE)));
    }
    for (i, (name, _, _)) in DISTRICT_UNITS.iter().enumerate() {
        units.push(unit(format!("U{:02}", i + 1), name, "district_unit", Some(DISTRICT_CODE)));
    }
    let mut villages = VILLAGES.iter();
    for (i, (_, count)) in TOWNS.iter().enumerate() {
        let parent = format!("T{:02}", i + 1);
        for (j, name) in villages.by_ref().take(*count).enumerate() {
            units.push(unit(format!("{parent}V{:02}", j + 1), name, "village", Some(&parent)));
        }
    }
    let mut communities = COMMUNITIES.iter();
    for (i, (_, count)) in STREETS.iter().enumerate() {
        let parent = format!("S{:02}", i + 1);
        for (j, name) in communities.by_ref().take(*count).enumerate() {
            units.push(unit(format!("{parent}C{:02}", j + 1), name, "community", Some(&parent)));
        }
    }
    units
}

/// How many cadres a unit of a kind has, inclusive. District units lean small so that the whole
/// district lands near 3 000.
fn size_range(kind: &str) -> (u64, u64) {
    match kind {
        "town" => (40, 80),
        "street" => (30, 60),
        "district_unit" => (30, 56),
        "village" | "community" => (5, 9),
        _ => (0, 0),
    }
}

#[derive(Debug, Clone, Copy)]
enum EducationMix {
    Leader,
    Staff,
    Village,
}

/// Everything that shapes one generated cadre apart from the unit.
struct PostSpec {
    title: String,
    level: PostLevel,
    is_leader: bool,
    is_team_member: bool,
    is_principal: bool,
    category: CadreCategory,
    /// Age at `today`, inclusive.
    ages: (u32, u32),
    female_percent: u64,
    party_percent: u64,
    /// How many days before `today` the post started, inclusive.
    tenure_days: (u64, u64),
    education: EducationMix,
}

impl PostSpec {
    fn leader(title: &str, level: PostLevel, is_principal: bool, ages: (u32, u32), female: u64) -> Self {
        let tenure_days = if is_principal { (180, 6 * 365) } else { (120, 8 * 365) };
        Self {
            title: title.to_owned(),
            level,
            is_leader: true,
            is_team_member: true,
            is_principal,
            category: CadreCategory::CivilServant,
            ages,
            female_percent: female,
            party_percent: 100,
            tenure_days,
            education: EducationMix::Leader,
        }
    }

    fn village(title: &str, is_team_member: bool, is_principal: bool, ages: (u32, u32)) -> Self {
        let (female_percent, party_percent) = match (is_principal, is_team_member) {
            (true, _) => (20, 100),
            (false, true) => (40, 75),
            (false, false) => (60, 40),
        };
        Self {
            title: title.to_owned(),
            level: PostLevel::None,
            is_leader: false,
            is_team_member,
            is_principal,
            category: CadreCategory::Village,
            ages,
            female_percent,
            party_percent,
            tenure_days: (180, 10 * 365),
            education: EducationMix::Village,
        }
    }

    fn staff(title: String, category: CadreCategory) -> Self {
        Self {
            title,
            level: PostLevel::None,
            is_leader: false,
            is_team_member: false,
            is_principal: false,
            category,
            ages: (25, 59),
            female_percent: 45,
            party_percent: 62,
            tenure_days: (180, 10 * 365),
            education: EducationMix::Staff,
        }
    }
}

struct Generator<'u> {
    rng: Rng,
    today: NaiveDate,
    units: &'u [DemoUnit],
    /// (birth date, sequence) pairs already issued; with one region code they identify an id.
    issued: HashSet<(NaiveDate, u16)>,
    cadres: Vec<DemoCadre>,
}

impl<'u> Generator<'u> {
    fn new(today: NaiveDate, units: &'u [DemoUnit]) -> Self {
        Self { rng: Rng(SEED), today, units, issued: HashSet::new(), cadres: Vec::new() }
    }

    fn cadres(&mut self) -> Vec<DemoCadre> {
        // Sizes are drawn before any date-dependent draw, so the head count is the same for every
        // `today`.
        let sizes: Vec<u64> = self
            .units
            .iter()
            .map(|u| {
                let (lo, hi) = size_range(u.kind);
                self.rng.range(lo, hi)
            })
            .collect();
        let district_deputies = usize::try_from(self.rng.range(8, 10)).unwrap_or(8);
        let units = self.units;
        for (unit, size) in units.iter().zip(sizes) {
            let size = usize::try_from(size).unwrap_or(0);
            match unit.kind {
                "district" => self.district_team(unit, district_deputies),
                "town" => self.town_or_street(unit, &TOWN_TEAM, size),
                "street" => self.town_or_street(unit, &STREET_TEAM, size),
                "district_unit" => self.district_unit(unit, size),
                _ => self.village(unit, size),
            }
        }
        std::mem::take(&mut self.cadres)
    }

    fn district_team(&mut self, unit: &DemoUnit, deputies: usize) {
        use PostLevel::{CountyDeputy, CountyPrincipal};
        self.add(unit, PostSpec::leader("区委书记", CountyPrincipal, true, (45, 56), 10));
        self.add(unit, PostSpec::leader("区委副书记、区长", CountyPrincipal, false, (43, 55), 15));
        for title in DISTRICT_DEPUTIES.iter().take(deputies) {
            self.add(unit, PostSpec::leader(title, CountyDeputy, false, (38, 56), 25));
        }
    }

    fn town_or_street(&mut self, unit: &DemoUnit, team: &TeamTitles, size: usize) {
        use PostLevel::{TownshipDeputy, TownshipPrincipal};
        self.add(unit, PostSpec::leader(team.principal, TownshipPrincipal, true, (36, 52), 15));
        self.add(unit, PostSpec::leader(team.second, TownshipPrincipal, false, (34, 50), 20));
        let extra_count = usize::try_from(self.rng.range(0, 3)).unwrap_or(0);
        let extras = self.rng.sample(&team.extras, extra_count);
        for title in team.deputies.iter().chain(&extras) {
            self.add(unit, PostSpec::leader(title, TownshipDeputy, false, (30, 50), 30));
        }
        let team_size = 2 + team.deputies.len() + extras.len();
        for _ in team_size..size {
            let spec = self.staff_post(true);
            self.add(unit, spec);
        }
    }

    fn district_unit(&mut self, unit: &DemoUnit, size: usize) {
        use PostLevel::{TownshipDeputy, TownshipPrincipal};
        let (principal, deputy) = DISTRICT_UNITS
            .iter()
            .find(|(name, _, _)| *name == unit.name)
            .map_or(("主任", "副主任"), |(_, principal, deputy)| (*principal, *deputy));
        self.add(unit, PostSpec::leader(principal, TownshipPrincipal, true, (38, 56), 20));
        let deputies = usize::try_from(self.rng.range(2, 4)).unwrap_or(2);
        for _ in 0..deputies {
            self.add(unit, PostSpec::leader(deputy, TownshipDeputy, false, (32, 55), 30));
        }
        for _ in (1 + deputies)..size {
            let spec = self.staff_post(false);
            self.add(unit, spec);
        }
    }

    fn village(&mut self, unit: &DemoUnit, size: usize) {
        let (director, member, worker) = if unit.kind == "community" {
            ("居委会主任", "居委会委员", "社区专职工作者")
        } else {
            ("村委会主任", "村委会委员", "村务工作者")
        };
        self.add(unit, PostSpec::village("党支部书记", true, true, (32, 58)));
        self.add(unit, PostSpec::village(director, true, false, (30, 58)));
        let members = usize::try_from(self.rng.range(2, 3)).unwrap_or(2);
        for _ in 0..members {
            self.add(unit, PostSpec::village(member, true, false, (26, 58)));
        }
        for _ in (2 + members)..size {
            self.add(unit, PostSpec::village(worker, false, false, (25, 50)));
        }
    }

    /// A non-leader post: mostly civil servants in offices or sections, some 参公, and some public
    /// institution staff in the unit's service centres.
    fn staff_post(&mut self, in_town: bool) -> PostSpec {
        use CadreCategory::{CivilServant, PublicInstitution, ReferenceManaged};
        let category =
            self.rng.weighted(&[(CivilServant, 70), (ReferenceManaged, 15), (PublicInstitution, 15)]);
        let place = match (category == PublicInstitution, in_town) {
            (true, true) => self.rng.pick(&TOWN_CENTRES),
            (true, false) => self.rng.pick(&UNIT_CENTRES),
            (false, true) => self.rng.pick(&TOWN_OFFICES),
            (false, false) => self.rng.pick(&UNIT_SECTIONS),
        };
        let post = match (category == PublicInstitution, in_town) {
            (true, _) => self.rng.weighted(&CENTRE_POSTS),
            (false, true) => self.rng.weighted(&OFFICE_POSTS),
            (false, false) => self.rng.weighted(&SECTION_POSTS),
        };
        let title = format!("{place}{post}");
        PostSpec::staff(title, category)
    }

    /// Generates one cadre for `spec` in `unit` and appends it. Every date is constructed to satisfy
    /// `facts::check_facts` under [`FactPolicy::DEFAULT`].
    fn add(&mut self, unit: &DemoUnit, spec: PostSpec) {
        let today = self.today;
        let gender = if self.rng.percent(spec.female_percent) { Gender::Female } else { Gender::Male };
        let (min_age, max_age) = spec.ages;
        let youngest = minus_years(today, min_age);
        let span_days = u64::from(max_age.saturating_sub(min_age) + 1) * 365 - 1;
        let birth = minus_days(youngest, self.rng.range(0, span_days));
        // `None` would need every sequence number of every earlier day taken; skipping is the
        // panic-free answer to a case 3 000 cadres cannot reach.
        let Some(citizen_id) = self.issue_id(birth, gender) else {
            return;
        };
        // Issuing may have moved the birth a day or two to find a free sequence number.
        let birth = citizen_id.birth_date();
        let name = self.name(gender);
        let education = self.education(spec.education);

        let start_age = match education {
            Education::Postgraduate => 24,
            Education::University => 22 + self.rng.range(0, 1),
            Education::College => 20 + self.rng.range(0, 1),
            Education::Secondary | Education::Basic => 18 + self.rng.range(0, 1),
        };
        // Under 300 extra days keeps the start before the 25th birthday, and everyone is at least 25.
        let first_eligible = nth_birthday(birth, u32::try_from(start_age).unwrap_or(18));
        let work_start = plus_days(first_eligible, self.rng.range(0, 300)).min(today);

        let party_entry_date = self.rng.percent(spec.party_percent).then(|| {
            let of_age = nth_birthday(birth, FactPolicy::DEFAULT.min_party_entry_age);
            let earliest = of_age.max(minus_years(work_start, 3));
            let latest = work_start.checked_add_months(Months::new(12 * 12)).unwrap_or(today).min(today);
            self.rng.date_between(earliest, latest.max(earliest)).min(today)
        });

        let (min_tenure, max_tenure) = spec.tenure_days;
        // Nobody leads a team straight out of school: leaders reach their post at least three years in.
        let earliest_post = if spec.is_leader {
            work_start.checked_add_months(Months::new(36)).unwrap_or(work_start)
        } else {
            work_start
        };
        let post_start =
            minus_days(today, self.rng.range(min_tenure, max_tenure)).max(earliest_post).min(today);
        let rank = self.rank(&spec, birth, work_start);
        let work_history = self.work_history(unit, &spec, work_start, post_start);

        let managing_unit_code = match unit.kind {
            "village" | "community" => unit.parent_code.clone().unwrap_or_else(|| unit.code.clone()),
            _ => unit.code.clone(),
        };
        let external_id = format!("HR{:06}", self.cadres.len() + 1);
        self.cadres.push(DemoCadre {
            external_id,
            name,
            gender: citizen_id.gender(),
            birth_date: birth,
            citizen_id,
            work_start_date: work_start,
            party_entry_date,
            education,
            category: spec.category,
            unit_code: unit.code.clone(),
            managing_unit_code,
            post_title: spec.title,
            post_level: spec.level,
            is_leader: spec.is_leader,
            is_team_member: spec.is_team_member,
            is_principal: spec.is_principal,
            post_start_date: post_start,
            rank,
            work_history,
        });
    }

    /// A citizen id not issued before, with the gender's parity. Sequence numbers are tried from a
    /// random start so ids look varied; if a day's 500 numbers for a gender are all taken (never, at
    /// this size) the birth moves a day earlier.
    fn issue_id(&mut self, birth: NaiveDate, gender: Gender) -> Option<CitizenId> {
        let parity = match gender {
            Gender::Male => 1,
            Gender::Female => 0,
        };
        let first = u16::try_from(self.rng.range(0, 499)).unwrap_or(0);
        let issued = &mut self.issued;
        std::iter::successors(Some(birth), NaiveDate::pred_opt).find_map(|day| {
            (0..500u16).find_map(|step| {
                let sequence = (first + step) % 500 * 2 + parity;
                if issued.contains(&(day, sequence)) {
                    return None;
                }
                let id = CitizenId::compose(REGION, day, sequence).ok()?;
                issued.insert((day, sequence));
                Some(id)
            })
        })
    }

    fn name(&mut self, gender: Gender) -> String {
        let surname = self.rng.pick(&SURNAMES);
        let middle = if self.rng.percent(35) { "" } else { self.rng.pick(&MIDDLE_CHARS) };
        let last = match gender {
            Gender::Male => self.rng.pick(&MALE_CHARS),
            Gender::Female => self.rng.pick(&FEMALE_CHARS),
        };
        format!("{surname}{middle}{last}")
    }

    fn education(&mut self, mix: EducationMix) -> Education {
        use Education::{Basic, College, Postgraduate, Secondary, University};
        match mix {
            EducationMix::Leader => self.rng.weighted(&[(Postgraduate, 35), (University, 60), (College, 5)]),
            EducationMix::Staff => {
                self.rng.weighted(&[(Postgraduate, 12), (University, 63), (College, 20), (Secondary, 5)])
            }
            EducationMix::Village => {
                self.rng.weighted(&[(University, 12), (College, 38), (Secondary, 38), (Basic, 12)])
            }
        }
    }

    /// The rank that fits the post level (non-leaders by age), conferred one to eight years ago but
    /// never before work start.
    fn rank(&mut self, spec: &PostSpec, birth: NaiveDate, work_start: NaiveDate) -> Option<(u8, NaiveDate)> {
        let ordinal = match spec.level {
            PostLevel::CountyPrincipal => self.rng.percent(50).then_some(4),
            PostLevel::CountyDeputy => Some(self.rng.weighted(&[(5, 50), (6, 50)])),
            PostLevel::TownshipPrincipal => Some(self.rng.weighted(&[(7, 40), (8, 60)])),
            PostLevel::TownshipDeputy => Some(self.rng.weighted(&[(9, 50), (10, 50)])),
            PostLevel::None => match spec.category {
                CadreCategory::CivilServant | CadreCategory::ReferenceManaged => {
                    let ordinal = match age_on(birth, self.today) {
                        ..28 => self.rng.weighted(&[(11, 40), (12, 60)]),
                        28..33 => self.rng.weighted(&[(10, 40), (11, 50), (12, 10)]),
                        33..40 => self.rng.weighted(&[(9, 40), (10, 40), (11, 20)]),
                        40..48 => self.rng.weighted(&[(8, 35), (9, 40), (10, 25)]),
                        _ => self.rng.weighted(&[(6, 10), (7, 25), (8, 40), (9, 25)]),
                    };
                    Some(ordinal)
                }
                CadreCategory::PublicInstitution | CadreCategory::Village => None,
            },
        }?;
        let start = minus_days(self.today, self.rng.range(365, 8 * 365)).max(work_start);
        Some((ordinal, start))
    }

    /// One to four periods: earlier posts partitioning work start .. current post start (each
    /// contiguous with the next or followed by a gap of at most 150 days, well under six months),
    /// then the current post, open. A short career gets a single period from work start.
    fn work_history(
        &mut self,
        unit: &DemoUnit,
        spec: &PostSpec,
        work_start: NaiveDate,
        post_start: NaiveDate,
    ) -> Vec<WorkPeriod> {
        let career_days = u64::try_from(post_start.signed_duration_since(work_start).num_days()).unwrap_or(0);
        // Boundaries sit two years or more apart before jitter, so each earlier post lasts at least a
        // year, far longer than the largest gap after it.
        let max_prior = (career_days / (2 * 365)).min(3);
        // Team members came from somewhere, and senior leaders climbed through several posts: give them
        // earlier posts whenever the career allows.
        let min_prior = match spec.level {
            PostLevel::CountyPrincipal | PostLevel::CountyDeputy => 3,
            PostLevel::TownshipPrincipal | PostLevel::TownshipDeputy => 2,
            PostLevel::None => u64::from(spec.is_team_member),
        }
        .min(max_prior);
        let prior = self.rng.range(min_prior, max_prior);
        let current = |start: NaiveDate| WorkPeriod {
            start,
            end: None,
            unit_name: unit.name.clone(),
            post_title: spec.title.clone(),
        };
        if prior == 0 {
            return vec![current(work_start)];
        }
        let spacing = career_days / prior;
        let mut starts = vec![work_start];
        for i in 1..prior {
            let jitter = self.rng.range(0, spacing / 2);
            starts.push(minus_days(plus_days(work_start, i * spacing + jitter), spacing / 4));
        }
        starts.push(post_start);

        let mut history = Vec::with_capacity(starts.len());
        for (i, pair) in starts.windows(2).enumerate() {
            let &[start, next] = pair else {
                continue;
            };
            let end = if self.rng.percent(65) {
                minus_days(next, 1)
            } else {
                minus_days(next, self.rng.range(15, 150))
            };
            let tier = if i + 1 == starts.len() - 1 {
                tier_before(spec.level)
            } else if i == 0 {
                Tier::Junior
            } else {
                Tier::Middle
            };
            let (unit_name, post_title) = self.prior_post(unit, spec, tier);
            history.push(WorkPeriod { start, end: Some(end), unit_name, post_title });
        }
        history.push(current(post_start));
        history
    }

    /// An earlier post for the work history. Government careers move between towns and district
    /// units; village cadres mostly grow up in their own village.
    fn prior_post(&mut self, unit: &DemoUnit, spec: &PostSpec, tier: Tier) -> (String, String) {
        if spec.category == CadreCategory::Village {
            let title = self.rng.pick(&["村民小组长", "村文书", "村会计", "专业合作社负责人", "村后备干部"]);
            return (unit.name.clone(), title.to_owned());
        }
        let (name, title) = if self.rng.percent(30) {
            let town = self.rng.pick(&TOWNS).0;
            let title = match tier {
                Tier::Junior => self.rng.pick(&["党政办公室科员", "经济发展办公室科员", "大学生村官"]),
                Tier::Middle => {
                    self.rng.pick(&["党政办公室主任", "经济发展办公室主任", "社会事务办公室副主任"])
                }
                Tier::Deputy => self.rng.pick(&["副镇长", "党委副书记", "组织委员", "宣传委员"]),
                Tier::Principal => self.rng.pick(&["党委书记", "镇长"]),
            };
            (town, title)
        } else {
            let (unit_name, principal, deputy) = self.rng.pick(&DISTRICT_UNITS);
            let title = match tier {
                Tier::Junior => self.rng.pick(&["科员", "办事员", "干事"]),
                Tier::Middle => self.rng.pick(&["股长", "副股长", "办公室主任"]),
                Tier::Deputy => deputy,
                Tier::Principal => principal,
            };
            (unit_name, title)
        };
        (name.to_owned(), title.to_owned())
    }
}

/// The seniority of the post held just before the current one.
fn tier_before(level: PostLevel) -> Tier {
    match level {
        PostLevel::CountyPrincipal | PostLevel::CountyDeputy => Tier::Principal,
        PostLevel::TownshipPrincipal => Tier::Deputy,
        PostLevel::TownshipDeputy => Tier::Middle,
        PostLevel::None => Tier::Junior,
    }
}

fn person_account(username: &str, role: &'static str, cadre: &DemoCadre, scope: &str) -> DemoAccount {
    let mut roles = vec![role];
    if role != "cadre" {
        roles.push("cadre");
    }
    DemoAccount {
        username: username.to_owned(),
        display_name: cadre.name.clone(),
        roles,
        scope_unit_code: Some(scope.to_owned()),
        cadre_external_id: Some(cadre.external_id.clone()),
        service: false,
        clearances: Vec::new(),
    }
}

fn functional_account(
    username: &str,
    display_name: &str,
    role: &'static str,
    scope: Option<&str>,
    service: bool,
    clearances: Vec<&'static str>,
) -> DemoAccount {
    DemoAccount {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        roles: vec![role],
        scope_unit_code: scope.map(str::to_owned),
        cadre_external_id: None,
        service,
        clearances,
    }
}

fn build_accounts(cadres: &[DemoCadre]) -> Vec<DemoAccount> {
    let d = Some(DISTRICT_CODE);
    let mut accounts = vec![
        functional_account("orgofficer", "区委组织部干部监督科", "org_officer", d, false, vec![]),
        functional_account("committee", "区委常委会成员", "committee_member", d, false, vec![]),
        functional_account(
            "inspector",
            "区纪委监委监督检查室",
            "discipline_inspector",
            d,
            false,
            vec!["discipline"],
        ),
        functional_account("sysadmin", "系统管理员", "system_admin", d, false, vec![]),
        functional_account("secadmin", "安全保密管理员", "security_admin", d, false, vec![]),
        functional_account("auditadmin", "安全审计员", "audit_admin", d, false, vec![]),
        functional_account("hr-system", "人事管理系统接口", "hr_system", None, true, vec![]),
        functional_account(
            "discipline-system",
            "纪检监察系统接口",
            "discipline_system",
            None,
            true,
            vec!["discipline"],
        ),
    ];
    let in_unit = |code: &'static str| cadres.iter().filter(move |c| c.unit_code == code);
    for code in ["T01", "U01"] {
        let suffix = code.to_ascii_lowercase();
        if let Some(principal) = in_unit(code).find(|c| c.is_principal) {
            accounts.push(person_account(&format!("leader.{suffix}"), "unit_leader", principal, code));
        }
        let mut staff =
            in_unit(code).filter(|c| !c.is_team_member && c.category == CadreCategory::CivilServant);
        if let Some(hr) = staff.next() {
            accounts.push(person_account(&format!("hr.{suffix}"), "unit_hr_officer", hr, code));
        }
        if code == "T01" {
            // The 组织委员 looks after the town's village cadres.
            if let Some(officer) = in_unit(code).find(|c| c.post_title == "组织委员") {
                accounts.push(person_account("town.t01", "town_officer", officer, code));
            }
        }
        if let Some(plain) = staff.next() {
            accounts.push(person_account(&format!("cadre.{suffix}"), "cadre", plain, code));
        }
    }
    accounts
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use chrono::Datelike;

    use super::super::facts::{PersonFacts, check_facts};
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
    }

    fn today() -> NaiveDate {
        date(2026, 6, 1)
    }

    fn district() -> DemoDistrict {
        demo_district(today())
    }

    fn units_by_code(d: &DemoDistrict) -> HashMap<&str, &DemoUnit> {
        d.units.iter().map(|u| (u.code.as_str(), u)).collect()
    }

    fn cadres_by_unit(d: &DemoDistrict) -> BTreeMap<&str, Vec<&DemoCadre>> {
        let mut map: BTreeMap<&str, Vec<&DemoCadre>> = BTreeMap::new();
        for cadre in &d.cadres {
            map.entry(cadre.unit_code.as_str()).or_default().push(cadre);
        }
        map
    }

    fn count_kind(d: &DemoDistrict, kind: &str) -> usize {
        d.units.iter().filter(|u| u.kind == kind).count()
    }

    #[test]
    fn unit_tree_has_the_shape_of_the_speech() {
        let d = district();
        assert_eq!(d.units.len(), 106);
        let by_code = units_by_code(&d);
        assert_eq!(by_code.len(), 106, "unit codes are unique");
        let names: HashSet<&str> = d.units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names.len(), 106, "unit names are unique");

        let root = &d.units[0];
        assert_eq!((root.code.as_str(), root.name.as_str(), root.kind), ("D000", "锦绣区", "district"));
        assert_eq!(root.parent_code, None);
        assert_eq!(count_kind(&d, "district"), 1);

        let second: Vec<_> = d.units.iter().filter(|u| u.parent_code.as_deref() == Some("D000")).collect();
        assert_eq!(second.len(), 57);
        assert_eq!(
            (count_kind(&d, "town"), count_kind(&d, "street"), count_kind(&d, "district_unit")),
            (12, 6, 39)
        );
        assert!(second.iter().all(|u| matches!(u.kind, "town" | "street" | "district_unit")));

        let third: Vec<_> = d.units.iter().filter(|u| matches!(u.kind, "village" | "community")).collect();
        assert_eq!(third.len(), 48);
        for u in &third {
            let parent = u.parent_code.as_deref().and_then(|p| by_code.get(p)).expect("parent exists");
            let expected_parent_kind = if u.kind == "village" { "town" } else { "street" };
            assert_eq!(parent.kind, expected_parent_kind, "{}", u.code);
            assert!(u.code.starts_with(&parent.code), "{}", u.code);
        }
        for u in &second {
            let well_named = match u.kind {
                "town" => u.name.ends_with("镇"),
                "street" => u.name.ends_with("街道"),
                _ => u.name.starts_with("区"),
            };
            assert!(well_named, "{}", u.name);
            if u.kind != "district_unit" {
                let children = third.iter().filter(|c| c.parent_code.as_ref() == Some(&u.code)).count();
                assert!(children >= 1, "{} has no villages or communities", u.code);
            }
        }
        for u in &third {
            assert!(u.name.ends_with(if u.kind == "village" { "村" } else { "社区" }), "{}", u.name);
        }
        assert_eq!(by_code["T01"].name, "青山镇");
        assert_eq!(by_code["U01"].name, "区委办公室");
        assert!(by_code.contains_key("T12") && by_code.contains_key("S06") && by_code.contains_key("U39"));
        assert!(by_code.contains_key("T01V01") && by_code.contains_key("S01C01"));
    }

    #[test]
    fn head_count_and_unit_sizes_are_in_range() {
        let d = district();
        assert!((2_900..=3_100).contains(&d.cadres.len()), "{} cadres", d.cadres.len());
        let by_code = units_by_code(&d);
        let by_unit = cadres_by_unit(&d);
        for unit in &d.units {
            let n = by_unit.get(unit.code.as_str()).map_or(0, Vec::len);
            let (lo, hi) = match unit.kind {
                "district" => (10, 12),
                "district_unit" => (30, 70),
                "town" => (40, 80),
                "street" => (30, 60),
                _ => (5, 9),
            };
            assert!((lo..=hi).contains(&n), "{} has {n} cadres", unit.code);
        }
        assert!(d.cadres.iter().all(|c| by_code.contains_key(c.unit_code.as_str())));
    }

    #[test]
    fn head_count_does_not_depend_on_today() {
        let counts = [date(2026, 6, 1), date(2024, 2, 29), date(2031, 12, 31)]
            .map(|day| demo_district(day).cadres.len());
        assert_eq!(counts[0], counts[1]);
        assert_eq!(counts[0], counts[2]);
    }

    #[test]
    fn external_ids_and_citizen_ids_are_unique() {
        let d = district();
        let external: HashSet<_> = d.cadres.iter().map(|c| &c.external_id).collect();
        let citizen: HashSet<_> = d.cadres.iter().map(|c| &c.citizen_id).collect();
        assert_eq!(external.len(), d.cadres.len());
        assert_eq!(citizen.len(), d.cadres.len());
        assert!(d.cadres.iter().all(|c| c.citizen_id.region_code() == "510199"));
    }

    fn assert_no_findings(d: &DemoDistrict, today: NaiveDate) {
        for c in &d.cadres {
            let facts = PersonFacts {
                gender: c.gender,
                citizen_id: &c.citizen_id,
                birth_date: c.birth_date,
                work_start_date: Some(c.work_start_date),
                party_entry_date: c.party_entry_date,
                post_start_date: Some(c.post_start_date),
                rank_start_date: c.rank.map(|(_, start)| start),
                work_history: &c.work_history,
            };
            let findings = check_facts(&facts, &FactPolicy::DEFAULT, today);
            assert!(findings.is_empty(), "{} {}: {findings:?}", c.external_id, c.name);
        }
    }

    #[test]
    fn every_cadre_passes_the_fact_checks_without_even_a_warning() {
        assert_no_findings(&district(), today());
    }

    #[test]
    fn fact_checks_pass_on_a_leap_day_and_years_away() {
        let mut leap_day_births = 0;
        for day in [date(2024, 2, 29), date(2025, 3, 1), date(2040, 12, 31)] {
            let d = demo_district(day);
            assert_no_findings(&d, day);
            leap_day_births +=
                d.cadres.iter().filter(|c| (c.birth_date.month(), c.birth_date.day()) == (2, 29)).count();
        }
        // Makes sure the Feb-29 birthday rule (party entry at 18, work start) was actually exercised.
        assert!(leap_day_births > 0);
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(district(), district());
        assert_ne!(district(), demo_district(date(2026, 6, 2)));
    }

    #[test]
    fn extreme_todays_do_not_panic() {
        for day in [NaiveDate::MIN, date(1900, 1, 1), NaiveDate::MAX] {
            let d = demo_district(day);
            assert_eq!(d.cadres.len(), district().cadres.len());
        }
    }

    #[test]
    fn births_ages_and_career_dates_are_plausible() {
        let d = district();
        let t = today();
        let mut female = 0;
        let mut members = 0;
        for c in &d.cadres {
            assert!((1966..=2001).contains(&c.birth_date.year()), "{}", c.birth_date);
            assert!((25..=60).contains(&age_on(c.birth_date, t)));
            assert!((18..=24).contains(&age_on(c.birth_date, c.work_start_date)), "{}", c.external_id);
            if let Some(entry) = c.party_entry_date {
                members += 1;
                assert!(age_on(c.birth_date, entry) >= 18);
                assert!(entry >= minus_years(c.work_start_date, 3) && entry <= t);
            }
            if c.gender == Gender::Female {
                female += 1;
            }
            assert!(c.post_start_date >= c.work_start_date && c.post_start_date <= t);
            if c.is_leader {
                let three_years_in = c.work_start_date.checked_add_months(Months::new(36)).expect("in range");
                assert!(c.post_start_date >= three_years_in, "{}", c.external_id);
                assert!(c.work_history.len() >= 2, "{} has no earlier post", c.external_id);
            }
            let history = &c.work_history;
            assert!((1..=4).contains(&history.len()), "{}", c.external_id);
            assert_eq!(history[0].start, c.work_start_date);
            let last = history.last().expect("non-empty");
            assert_eq!(last.end, None);
            assert_eq!(last.post_title, c.post_title);
            assert!(last.start <= c.post_start_date);
            assert!(history[..history.len() - 1].iter().all(|p| p.end.is_some()));
        }
        let total = d.cadres.len();
        assert!((30..=50).contains(&(female * 100 / total)), "{female} of {total} female");
        assert!((60..=80).contains(&(members * 100 / total)), "{members} of {total} party members");
        assert!(d.cadres.iter().any(|c| c.work_history.len() == 4));
    }

    #[test]
    fn every_team_has_exactly_one_principal() {
        let d = district();
        let by_unit = cadres_by_unit(&d);
        for unit in &d.units {
            let principals = by_unit[unit.code.as_str()].iter().filter(|c| c.is_principal).count();
            assert_eq!(principals, 1, "{}", unit.code);
        }
    }

    #[test]
    fn leadership_teams_have_the_expected_levels() {
        use PostLevel::{CountyDeputy, CountyPrincipal, None as NoLevel, TownshipDeputy, TownshipPrincipal};
        let d = district();
        let by_unit = cadres_by_unit(&d);
        for unit in &d.units {
            let members = &by_unit[unit.code.as_str()];
            let count = |level| members.iter().filter(|c| c.post_level == level).count();
            let leaders: Vec<_> = members.iter().filter(|c| c.is_leader).collect();
            assert!(leaders.iter().all(|c| c.is_team_member && c.category == CadreCategory::CivilServant));
            match unit.kind {
                "district" => {
                    assert_eq!(count(CountyPrincipal), 2);
                    assert!((8..=10).contains(&count(CountyDeputy)));
                    assert_eq!(leaders.len(), members.len());
                    let principal = members.iter().find(|c| c.is_principal).expect("one principal");
                    assert_eq!(principal.post_title, "区委书记");
                }
                "town" | "street" => {
                    assert_eq!(count(TownshipPrincipal), 2, "{}", unit.code);
                    assert!((4..=7).contains(&count(TownshipDeputy)), "{}", unit.code);
                    let principal = members.iter().find(|c| c.is_principal).expect("one principal");
                    assert_eq!(principal.post_level, TownshipPrincipal);
                    assert!(principal.post_title.contains("书记"));
                    assert!(members.iter().any(|c| c.post_title == "组织委员"));
                }
                "district_unit" => {
                    assert_eq!(count(TownshipPrincipal), 1, "{}", unit.code);
                    assert!((2..=4).contains(&count(TownshipDeputy)), "{}", unit.code);
                }
                _ => {
                    assert!(leaders.is_empty());
                    assert!(members.iter().all(|c| c.post_level == NoLevel && c.rank.is_none()));
                    assert!(members.iter().all(|c| c.category == CadreCategory::Village));
                    let team = members.iter().filter(|c| c.is_team_member).count();
                    assert!((4..=5).contains(&team), "{}", unit.code);
                    let principal = members.iter().find(|c| c.is_principal).expect("one principal");
                    assert_eq!(principal.post_title, "党支部书记");
                    assert!(principal.is_team_member && principal.party_entry_date.is_some());
                }
            }
            let non_leaders_in_team =
                members.iter().filter(|c| !c.is_leader && c.post_level != NoLevel).count();
            assert_eq!(non_leaders_in_team, 0);
        }
    }

    #[test]
    fn village_cadres_are_managed_by_their_town_or_street() {
        let d = district();
        let by_code = units_by_code(&d);
        for c in &d.cadres {
            let unit = by_code[c.unit_code.as_str()];
            assert!(by_code.contains_key(c.managing_unit_code.as_str()));
            if matches!(unit.kind, "village" | "community") {
                assert_eq!(Some(&c.managing_unit_code), unit.parent_code.as_ref());
            } else {
                assert_eq!(c.managing_unit_code, c.unit_code);
            }
        }
    }

    #[test]
    fn ranks_fit_the_post_level_and_category() {
        let d = district();
        let t = today();
        let mut non_leader_ranks = BTreeMap::new();
        for c in &d.cadres {
            let rank = c.rank.map(|(ordinal, _)| ordinal);
            let ok = match c.post_level {
                PostLevel::CountyPrincipal => matches!(rank, None | Some(4)),
                PostLevel::CountyDeputy => matches!(rank, Some(5 | 6)),
                PostLevel::TownshipPrincipal => matches!(rank, Some(7 | 8)),
                PostLevel::TownshipDeputy => matches!(rank, Some(9 | 10)),
                PostLevel::None => match c.category {
                    CadreCategory::CivilServant | CadreCategory::ReferenceManaged => {
                        matches!(rank, Some(6..=12))
                    }
                    CadreCategory::PublicInstitution | CadreCategory::Village => rank.is_none(),
                },
            };
            assert!(ok, "{} {:?} {:?} rank {rank:?}", c.external_id, c.post_level, c.category);
            if let Some((ordinal, start)) = c.rank {
                assert!(start >= c.work_start_date && start <= t);
                assert!(start >= minus_days(t, 8 * 365));
                if c.post_level == PostLevel::None {
                    *non_leader_ranks.entry(ordinal).or_insert(0u32) += 1;
                }
            }
        }
        let total: u32 = non_leader_ranks.values().sum();
        let middle: u32 = (8..=11).filter_map(|r| non_leader_ranks.get(&r)).sum();
        assert!(middle * 100 / total >= 70, "{non_leader_ranks:?}");
        assert!(non_leader_ranks.contains_key(&6) && non_leader_ranks.contains_key(&12));
    }

    #[test]
    fn category_mix_is_mostly_civil_servants() {
        let d = district();
        let staff: Vec<_> = d.cadres.iter().filter(|c| c.category != CadreCategory::Village).collect();
        let share = |category| staff.iter().filter(|c| c.category == category).count() * 100 / staff.len();
        assert!(share(CadreCategory::CivilServant) >= 65);
        assert!((10..=20).contains(&share(CadreCategory::ReferenceManaged)));
        assert!((10..=20).contains(&share(CadreCategory::PublicInstitution)));
    }

    #[test]
    fn names_are_two_or_three_chinese_characters() {
        let d = district();
        for c in &d.cadres {
            let len = c.name.chars().count();
            assert!((2..=3).contains(&len), "{}", c.name);
            assert!(c.name.chars().all(|ch| !ch.is_ascii()));
        }
        assert!(d.cadres.iter().any(|c| c.name.chars().count() == 2));
    }

    const ADMIN_ROLES: [&str; 3] = ["system_admin", "security_admin", "audit_admin"];
    const ALL_ROLES: [&str; 12] = [
        "cadre",
        "unit_leader",
        "unit_hr_officer",
        "town_officer",
        "org_officer",
        "committee_member",
        "discipline_inspector",
        "system_admin",
        "security_admin",
        "audit_admin",
        "hr_system",
        "discipline_system",
    ];

    fn account<'a>(d: &'a DemoDistrict, username: &str) -> &'a DemoAccount {
        d.accounts.iter().find(|a| a.username == username).unwrap_or_else(|| panic!("no account {username}"))
    }

    fn linked<'a>(d: &'a DemoDistrict, a: &DemoAccount) -> &'a DemoCadre {
        let id = a.cadre_external_id.as_deref().expect("linked account");
        d.cadres.iter().find(|c| c.external_id == id).expect("linked cadre exists")
    }

    #[test]
    fn accounts_are_the_expected_set() {
        let d = district();
        let mut names: Vec<_> = d.accounts.iter().map(|a| a.username.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            vec![
                "auditadmin",
                "cadre.t01",
                "cadre.u01",
                "committee",
                "discipline-system",
                "hr-system",
                "hr.t01",
                "hr.u01",
                "inspector",
                "leader.t01",
                "leader.u01",
                "orgofficer",
                "secadmin",
                "sysadmin",
                "town.t01",
            ]
        );
    }

    #[test]
    fn account_roles_and_links_are_sane() {
        let d = district();
        let by_code = units_by_code(&d);
        for a in &d.accounts {
            assert!(
                a.username
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            );
            assert!(!a.display_name.is_empty() && !a.display_name.is_ascii());
            assert!(!a.roles.is_empty() && a.roles.iter().all(|r| ALL_ROLES.contains(r)), "{}", a.username);
            let admin_roles = a.roles.iter().filter(|r| ADMIN_ROLES.contains(r)).count();
            assert!(admin_roles <= 1, "{} holds {admin_roles} admin roles", a.username);
            if admin_roles == 1 {
                assert_eq!(a.roles.len(), 1, "{}", a.username);
            }
            if let Some(scope) = &a.scope_unit_code {
                assert!(by_code.contains_key(scope.as_str()), "{}", a.username);
            }
            if a.service {
                assert!(a.cadre_external_id.is_none());
                assert!(a.roles.iter().all(|r| r.ends_with("_system")), "{}", a.username);
            } else {
                assert!(a.roles.iter().all(|r| !r.ends_with("_system")), "{}", a.username);
            }
            if a.cadre_external_id.is_some() {
                let cadre = linked(&d, a);
                assert!(a.roles.contains(&"cadre"), "{}", a.username);
                assert_eq!(a.display_name, cadre.name);
                assert_eq!(a.scope_unit_code.as_ref(), Some(&cadre.unit_code));
            }
            let cleared = a.clearances.contains(&"discipline");
            assert_eq!(cleared, matches!(a.username.as_str(), "inspector" | "discipline-system"));
        }
        let linked_ids: HashSet<_> = d.accounts.iter().filter_map(|a| a.cadre_external_id.as_ref()).collect();
        assert_eq!(linked_ids.len(), 7, "each person account is a different cadre");
    }

    #[test]
    fn sample_unit_accounts_link_the_right_people() {
        let d = district();
        for (suffix, code) in [("t01", "T01"), ("u01", "U01")] {
            let leader = account(&d, &format!("leader.{suffix}"));
            assert_eq!(leader.roles, vec!["unit_leader", "cadre"]);
            let principal = linked(&d, leader);
            assert!(principal.is_principal && principal.unit_code == code);

            let hr = account(&d, &format!("hr.{suffix}"));
            assert_eq!(hr.roles, vec!["unit_hr_officer", "cadre"]);
            assert!(!linked(&d, hr).is_leader && linked(&d, hr).unit_code == code);

            let plain = account(&d, &format!("cadre.{suffix}"));
            assert_eq!(plain.roles, vec!["cadre"]);
            assert!(!linked(&d, plain).is_leader && linked(&d, plain).unit_code == code);
        }
        let town = account(&d, "town.t01");
        assert_eq!(town.roles, vec!["town_officer", "cadre"]);
        assert_eq!(town.scope_unit_code.as_deref(), Some("T01"));
        assert_eq!(linked(&d, town).post_title, "组织委员");

        for (username, role) in [
            ("orgofficer", "org_officer"),
            ("committee", "committee_member"),
            ("inspector", "discipline_inspector"),
            ("sysadmin", "system_admin"),
            ("secadmin", "security_admin"),
            ("auditadmin", "audit_admin"),
        ] {
            let a = account(&d, username);
            assert_eq!(a.roles, vec![role]);
            assert_eq!(a.scope_unit_code.as_deref(), Some("D000"));
            assert!(!a.service && a.cadre_external_id.is_none());
        }
        for (username, role) in [("hr-system", "hr_system"), ("discipline-system", "discipline_system")] {
            let a = account(&d, username);
            assert_eq!(a.roles, vec![role]);
            assert!(a.service);
        }
    }

    #[test]
    fn nth_birthday_handles_leap_day_births() {
        assert_eq!(nth_birthday(date(2000, 2, 29), 18), date(2018, 3, 1));
        assert_eq!(nth_birthday(date(2000, 2, 29), 4), date(2004, 2, 29));
        assert_eq!(nth_birthday(date(1990, 7, 15), 18), date(2008, 7, 15));
    }

    #[test]
    fn rng_is_the_reference_splitmix64() {
        // First outputs of SplitMix64 seeded with 0, as published with the algorithm.
        let mut rng = Rng(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn rng_helpers_stay_in_bounds() {
        let mut rng = Rng(SEED);
        for _ in 0..1_000 {
            assert!((3..=7).contains(&rng.range(3, 7)));
        }
        assert_eq!(rng.range(5, 5), 5);
        assert_eq!(rng.range(9, 2), 9);
        let _ = rng.range(0, u64::MAX);
        assert_eq!(rng.pick(&["only"]), "only");
        assert_eq!(rng.weighted(&[(1, 0), (2, 0)]), 2, "all-zero weights fall back to the last");
        assert_eq!(rng.weighted(&[(1, 0), (2, 5), (3, 0)]), 2);
        let sample = rng.sample(&[1, 2, 3, 4, 5], 3);
        assert_eq!(sample.len(), 3);
        assert_eq!(sample.iter().collect::<HashSet<_>>().len(), 3);
        assert_eq!(rng.sample(&[1, 2], 5).len(), 2);
    }
}

-- The projection of the directory (cadre-projection's sql/directory_projection.sql, copied verbatim): org
-- units and the facts about cadres other services need, kept current from the directory's event feed.
CREATE TABLE directory_units (
    id TEXT PRIMARY KEY NOT NULL,
    parent_id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Materialised path of ids, root first: /a/b/c/.
    path TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    -- The directory's unit kind code, e.g. town, district_unit.
    kind TEXT NOT NULL
);
CREATE INDEX directory_units_by_path ON directory_units (path);

-- Enum-valued columns hold the proto enum's name without its prefix (CIVIL_SERVANT, RESEARCHER_2), or ''
-- when the directory has none.
CREATE TABLE directory_cadres (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    work_start_date DATE,
    employing_unit_id TEXT NOT NULL,
    managing_unit_id TEXT NOT NULL,
    post_title TEXT NOT NULL,
    post_level TEXT NOT NULL,
    is_leader BOOLEAN NOT NULL,
    is_team_member BOOLEAN NOT NULL,
    is_principal BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    birth_date DATE,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    post_start_date DATE,
    rank_grade TEXT NOT NULL,
    rank_start_date DATE
);
CREATE INDEX directory_cadres_by_employing ON directory_cadres (employing_unit_id);
CREATE INDEX directory_cadres_by_managing ON directory_cadres (managing_unit_id);

-- Where each followed feed has been read up to, by the feed's source name.
CREATE TABLE feed_cursors (
    source TEXT PRIMARY KEY NOT NULL,
    cursor TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The rank service's own tables. Cadres and units are the directory's (the projection above, fed by its
-- event feed); annual results are the assessment service's (kept here from its feed). Grades and other enum
-- values are stored as the proto enum's name without its prefix (RESEARCHER_2, EXCELLENT).

-- Rank history: every period a cadre held a grade. The one without an end_date is current.
CREATE TABLE rank_holdings (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    grade TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    -- The 级别 on taking it (1..27); 0 when unknown.
    level INTEGER NOT NULL,
    -- IMPORTED, RECORDED, PROMOTED or DEMOTED.
    source TEXT NOT NULL,
    case_id TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX rank_holdings_by_cadre ON rank_holdings (cadre_id, start_date);

-- The assessment service's annual results, the highest revision per cadre and year.
CREATE TABLE annual_results (
    cadre_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    assessment_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    published_on DATE NOT NULL,
    revision INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (cadre_id, year)
);

-- Sanctions, organisational measures and investigations that restrict promotion, by the deciding system's id.
CREATE TABLE conduct_measures (
    source_id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    effective_date DATE NOT NULL,
    -- Inclusive; NULL while an investigation is open.
    last_day DATE,
    -- Whether last_day was computed from the policy's period rather than given.
    last_day_computed BOOLEAN NOT NULL,
    basis TEXT NOT NULL,
    still_affects_use BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX conduct_measures_by_cadre ON conduct_measures (cadre_id);

-- Quota pools (职数) and the units each counts; a unit in no pool has an implicit pool of its own.
CREATE TABLE quota_pools (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- UNIT, POOLED or LEADERSHIP_TEAM.
    kind TEXT NOT NULL,
    headcount_override INTEGER,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE quota_pool_units (
    org_unit_id TEXT PRIMARY KEY NOT NULL,
    pool_id TEXT NOT NULL REFERENCES quota_pools (id)
);
CREATE INDEX quota_pool_units_by_pool ON quota_pool_units (pool_id);

-- Promotion and demotion cases.
CREATE TABLE rank_cases (
    id TEXT PRIMARY KEY NOT NULL,
    -- PROMOTION or DEMOTION.
    kind TEXT NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    from_grade TEXT NOT NULL,
    to_grade TEXT NOT NULL,
    state TEXT NOT NULL,
    -- Neither approved, rejected nor withdrawn: holds its place in the quota, one per cadre.
    is_open BOOLEAN NOT NULL,
    plan TEXT NOT NULL,
    quota_pool_id TEXT NOT NULL,
    -- JSON of the 民主推荐/测评 counts, or empty.
    recommendation TEXT NOT NULL,
    -- JSON of the discipline-inspection opinion, or empty.
    discipline_opinion TEXT NOT NULL,
    -- The 公示: first and last day, and the working days between them, from the working calendar.
    publicity_first_day DATE,
    publicity_last_day DATE,
    publicity_working_days INTEGER NOT NULL,
    -- ORG_DEPARTMENT or DISTRICT_COMMITTEE.
    authority TEXT NOT NULL,
    filed_with_city BOOLEAN NOT NULL,
    decision_ref TEXT NOT NULL,
    effective_date DATE,
    new_level INTEGER NOT NULL,
    closing_reason TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX rank_cases_one_open_per_cadre ON rank_cases (cadre_id) WHERE is_open;
CREATE INDEX rank_cases_by_created ON rank_cases (created_at, id);
CREATE INDEX rank_cases_by_pool ON rank_cases (quota_pool_id, is_open);

-- The 考察 findings, one per criterion (a later finding replaces an earlier one).
CREATE TABLE case_attestations (
    case_id TEXT NOT NULL REFERENCES rank_cases (id),
    criterion TEXT NOT NULL,
    favourable BOOLEAN NOT NULL,
    note TEXT NOT NULL,
    attested_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, criterion)
);

-- Objections raised during a case's 公示.
CREATE TABLE case_objections (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES rank_cases (id),
    -- Its number within the case, from 1, in the order raised.
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    resolved BOOLEAN NOT NULL,
    upheld BOOLEAN NOT NULL,
    resolution TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE UNIQUE INDEX case_objections_by_case ON case_objections (case_id, seq);

-- Each cadre's eligibility for the next grade up, recomputed in the transaction that changes any fact it
-- rests on (a holding, a result, a measure, the cadre's directory record), so that the list of cadres due
-- for promotion is one indexed query. The explanation itself is recomputed for the rows a page shows.
CREATE TABLE rank_eligibility (
    cadre_id TEXT PRIMARY KEY NOT NULL,
    cadre_name TEXT NOT NULL,
    employing_unit_id TEXT NOT NULL,
    managing_unit_id TEXT NOT NULL,
    current_grade TEXT NOT NULL,
    -- The next grade up; empty at the top of the ladder.
    target_grade TEXT NOT NULL,
    tenure_met_on DATE,
    -- 9999-12-31 when a block has no end or there is no grade to go to, so that the column sorts and pages
    -- the same on both backends (their NULLs sort at opposite ends).
    eligible_from DATE NOT NULL,
    -- JSON array of the blocks: {"reason", "from", "until", "detail"}.
    blocks TEXT NOT NULL,
    computed_on DATE NOT NULL,
    computed_at TIMESTAMP NOT NULL
);
CREATE INDEX rank_eligibility_by_date ON rank_eligibility (eligible_from, cadre_name, cadre_id);
CREATE INDEX rank_eligibility_by_employing ON rank_eligibility (employing_unit_id);
CREATE INDEX rank_eligibility_by_managing ON rank_eligibility (managing_unit_id);

-- The service's day the rows above are computed for (one row). The followers recompute on it, and the day's
-- first run of the sweep moves it and recomputes every row.
CREATE TABLE eligibility_day (
    id INTEGER PRIMARY KEY NOT NULL,
    day DATE NOT NULL
);

-- Approved rank changes the directory has not confirmed yet: retried until it has.
CREATE TABLE directory_sync (
    cadre_id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL,
    grade TEXT NOT NULL,
    start_date DATE NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX directory_sync_by_due ON directory_sync (next_attempt_at);

-- The rank rules' numbers (crate::domain::policy::DEFAULT_POLICY; a test checks that these rows read back as
-- the code's defaults), in force from the day 并行规定 took effect. A district changes one by adding a row with
-- a later effective_from, so that a past decision is still recomputed under the rules of its date.
INSERT INTO policy_values (policy_key, effective_from, value, source_ref) VALUES
    ('rank.district_type', '2019-06-01', 'COUNTY', 'domain.md §10.1 (an ordinary 市辖区)'),
    ('rank.tenure.INSPECTOR_1_months', '2019-06-01', '48', '并行规定 第十八条 [V]'),
    ('rank.tenure.INSPECTOR_1_posts', '2019-06-01', 'BUREAU_DEPUTY', '并行规定 第十八条 [V]'),
    ('rank.tenure.INSPECTOR_2_months', '2019-06-01', '48', '并行规定 第十八条 [V]'),
    ('rank.tenure.INSPECTOR_2_posts', '2019-06-01', '', '并行规定 第十八条 [V]'),
    ('rank.tenure.RESEARCHER_1_months', '2019-06-01', '36', '并行规定 第十八条 [V]'),
    ('rank.tenure.RESEARCHER_1_posts', '2019-06-01', 'COUNTY_PRINCIPAL', '并行规定 第十八条 [V]'),
    ('rank.tenure.RESEARCHER_2_months', '2019-06-01', '24', '并行规定 第十八条 [V]'),
    ('rank.tenure.RESEARCHER_2_posts', '2019-06-01', '', '并行规定 第十八条 [V]'),
    ('rank.tenure.RESEARCHER_3_months', '2019-06-01', '24', '并行规定 第十八条 [V]'),
    ('rank.tenure.RESEARCHER_3_posts', '2019-06-01', 'COUNTY_DEPUTY', '并行规定 第十八条 [V]'),
    ('rank.tenure.RESEARCHER_4_months', '2019-06-01', '24', '并行规定 第十八条 [V]'),
    ('rank.tenure.RESEARCHER_4_posts', '2019-06-01', '', '并行规定 第十八条 [V]'),
    ('rank.tenure.PRINCIPAL_STAFF_1_months', '2019-06-01', '24', '并行规定 第十八条 [V]'),
    ('rank.tenure.PRINCIPAL_STAFF_1_posts', '2019-06-01', 'TOWNSHIP_PRINCIPAL', '并行规定 第十八条 [V]'),
    ('rank.tenure.PRINCIPAL_STAFF_2_months', '2019-06-01', '24', '并行规定 第十八条 [V]'),
    ('rank.tenure.PRINCIPAL_STAFF_2_posts', '2019-06-01', '', '并行规定 第十八条 [V]'),
    ('rank.tenure.PRINCIPAL_STAFF_3_months', '2019-06-01', '24', '并行规定 第十八条 [V]'),
    ('rank.tenure.PRINCIPAL_STAFF_3_posts', '2019-06-01', 'TOWNSHIP_DEPUTY', '并行规定 第十八条 [V]'),
    ('rank.tenure.PRINCIPAL_STAFF_4_months', '2019-06-01', '24', '并行规定 第十八条 [V]'),
    ('rank.tenure.PRINCIPAL_STAFF_4_posts', '2019-06-01', '', '并行规定 第十八条 [V]'),
    ('rank.tenure.STAFF_1_months', '2019-06-01', '24', '并行规定 第十八条 [V]'),
    ('rank.tenure.STAFF_1_posts', '2019-06-01', '', '并行规定 第十八条 [V]'),
    ('rank.tenure.excellent_reduction_months', '2019-06-01', '6', '并行规定 第十九条 [V]; 考核规定 第十九条(一) [V]'),
    ('rank.tenure.excellent_min_months_in_year', '2019-06-01', '1', 'domain.md §1.5 [S] (任现职级或职务期间); threshold [I]'),
    ('rank.tenure.basic_competent', '2019-06-01', 'DROP', '并行规定 第十九条 [V] (不计算); domain.md §1.5'),
    ('rank.tenure.basic_competent_extends_months', '2019-06-01', '12', 'domain.md §1.5 [S] (110ask; capinfo: 延长1年)'),
    ('rank.tenure.undetermined', '2019-06-01', 'DROP', '并行规定 第十九条 [V]; domain.md §1.5'),
    ('rank.tenure.undetermined_extends_months', '2019-06-01', '12', 'domain.md §1.5 [S] (110ask: 除新录用人员外)'),
    ('rank.tenure.new_recruit_probation_months', '2019-06-01', '12', '公务员法 第六十条 试用期一年 [M]; domain.md §2.1'),
    ('rank.tenure.current_year_provisional', '2019-06-01', 'true', 'domain.md §1.9 R2 [I]'),
    ('rank.tenure.min_year_with_result', '2019-06-01', '1993', 'domain.md §1.5 [S] (110ask)'),
    ('rank.block.basic_competent_following_year', '2019-06-01', 'true', '考核规定 第二十一条(三) [V]/[M]; domain.md §1.9 R3'),
    ('rank.level_range.INSPECTOR_1', '2019-06-01', '8-13', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.INSPECTOR_2', '2019-06-01', '10-15', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.RESEARCHER_1', '2019-06-01', '11-17', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.RESEARCHER_2', '2019-06-01', '12-18', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.RESEARCHER_3', '2019-06-01', '13-19', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.RESEARCHER_4', '2019-06-01', '14-20', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.PRINCIPAL_STAFF_1', '2019-06-01', '15-21', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.PRINCIPAL_STAFF_2', '2019-06-01', '16-22', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.PRINCIPAL_STAFF_3', '2019-06-01', '17-23', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.PRINCIPAL_STAFF_4', '2019-06-01', '18-24', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.STAFF_1', '2019-06-01', '18-26', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.STAFF_2', '2019-06-01', '19-27', 'domain.md §1.1 [S] (bxshww.cn; dzyyw.com; 四级主任科员 24–18 per 专业技术类 第十条 [V])'),
    ('rank.level_range.post.COUNTY_PRINCIPAL', '2019-06-01', '12-18', '级别办法 第五条 [V]'),
    ('rank.level_range.post.COUNTY_DEPUTY', '2019-06-01', '14-20', '级别办法 第五条 [V]'),
    ('rank.level_range.post.TOWNSHIP_PRINCIPAL', '2019-06-01', '16-22', '级别办法 第五条 [V]'),
    ('rank.level_range.post.TOWNSHIP_DEPUTY', '2019-06-01', '17-24', '级别办法 第五条 [V]'),
    ('rank.level_range.post.BUREAU_PRINCIPAL', '2019-06-01', '8-13', '级别办法 第五条 [V]'),
    ('rank.level_range.post.BUREAU_DEPUTY', '2019-06-01', '10-15', '级别办法 第五条 [V]'),
    ('rank.post.COUNTY_PRINCIPAL.lowest_grade', '2019-06-01', 'RESEARCHER_2', '并行规定 第九条 [V]'),
    ('rank.post.COUNTY_DEPUTY.lowest_grade', '2019-06-01', 'RESEARCHER_4', '并行规定 第九条 [V]'),
    ('rank.post.TOWNSHIP_PRINCIPAL.lowest_grade', '2019-06-01', 'PRINCIPAL_STAFF_2', '并行规定 第九条 [V]'),
    ('rank.post.TOWNSHIP_DEPUTY.lowest_grade', '2019-06-01', 'PRINCIPAL_STAFF_4', '并行规定 第九条 [V]'),
    ('rank.post.BUREAU_PRINCIPAL.lowest_grade', '2019-06-01', 'INSPECTOR_1', '并行规定 第九条 [V]'),
    ('rank.post.BUREAU_DEPUTY.lowest_grade', '2019-06-01', 'INSPECTOR_2', '并行规定 第九条 [V]'),
    ('rank.post.COUNTY_PRINCIPAL.band', '2019-06-01', 'RESEARCHER_1,RESEARCHER_2', 'domain.md §1.2 [S] (m.lnsyzb.com; 3dmxku.com)'),
    ('rank.post.COUNTY_DEPUTY.band', '2019-06-01', 'RESEARCHER_3,RESEARCHER_4', 'domain.md §1.2 [S] (m.lnsyzb.com; 3dmxku.com)'),
    ('rank.post.TOWNSHIP_PRINCIPAL.band', '2019-06-01', 'PRINCIPAL_STAFF_1,PRINCIPAL_STAFF_2', 'domain.md §1.2 [S] (m.lnsyzb.com; 3dmxku.com)'),
    ('rank.post.TOWNSHIP_DEPUTY.band', '2019-06-01', 'PRINCIPAL_STAFF_3,PRINCIPAL_STAFF_4', 'domain.md §1.2 [S] (m.lnsyzb.com; 3dmxku.com)'),
    ('rank.post.BUREAU_PRINCIPAL.band', '2019-06-01', 'INSPECTOR_1', '并行规定 第九条 [V]'),
    ('rank.post.BUREAU_DEPUTY.band', '2019-06-01', 'INSPECTOR_2', '并行规定 第九条 [V]'),
    ('rank.unit.COUNTY.LEADERSHIP_TEAM.ceiling', '2019-06-01', 'INSPECTOR_2', '并行规定 第十条 [V]; domain.md §1.3 (read as the highest grade)'),
    ('rank.unit.COUNTY.ORGAN.ceiling', '2019-06-01', 'RESEARCHER_2', '并行规定 第十条 [V]; domain.md §1.3 (read as the highest grade)'),
    ('rank.unit.MUNICIPALITY_DISTRICT.LEADERSHIP_TEAM.ceiling', '2019-06-01', 'INSPECTOR_1', '并行规定 第十条 [V]; domain.md §1.3 (read as the highest grade)'),
    ('rank.unit.MUNICIPALITY_DISTRICT.ORGAN.ceiling', '2019-06-01', 'INSPECTOR_2', '并行规定 第十条 [V]; domain.md §1.3 (read as the highest grade)'),
    ('rank.unit.SUB_PROVINCIAL_DISTRICT.LEADERSHIP_TEAM.ceiling', '2019-06-01', 'INSPECTOR_1', '并行规定 第十条 [V]; domain.md §1.3 (read as the highest grade)'),
    ('rank.unit.SUB_PROVINCIAL_DISTRICT.ORGAN.ceiling', '2019-06-01', 'RESEARCHER_1', '并行规定 第十条 [V]; domain.md §1.3 (read as the highest grade)'),
    ('rank.quota.rounding', '2019-06-01', 'FLOOR', 'domain.md §1.7 [I] (a quota is never exceeded)'),
    ('rank.quota.table.COUNTY', '2019-06-01', 'COUNTY', 'domain.md §1.7 [S]; §10.1'),
    ('rank.quota.table.MUNICIPALITY_DISTRICT', '2019-06-01', 'CITY', '并行规定 第十条 groups 直辖市的区 with 市（地）[I]'),
    ('rank.quota.table.SUB_PROVINCIAL_DISTRICT', '2019-06-01', 'CITY', '[I]: its 机关 may use 一级调研员, unlimited in the county table'),
    ('rank.quota.COUNTY.RESEARCHER_2', '2019-06-01', 'RESEARCHER_2:200:HEADCOUNT', 'domain.md §1.7 [S] (feng.ifeng.com; m.shutu.cn)'),
    ('rank.quota.COUNTY.RESEARCHER_3_4', '2019-06-01', 'RESEARCHER_3+RESEARCHER_4:1000:HEADCOUNT', 'domain.md §1.7 [S] (feng.ifeng.com; m.shutu.cn)'),
    ('rank.quota.COUNTY.RESEARCHER_3', '2019-06-01', 'RESEARCHER_3:4000:RESEARCHER_3_4', 'domain.md §1.7 [S] (feng.ifeng.com; m.shutu.cn)'),
    ('rank.quota.COUNTY.PRINCIPAL_STAFF_1_4', '2019-06-01', 'PRINCIPAL_STAFF_1+PRINCIPAL_STAFF_2+PRINCIPAL_STAFF_3+PRINCIPAL_STAFF_4:6000:HEADCOUNT', 'domain.md §1.7 [S] (feng.ifeng.com; m.shutu.cn)'),
    ('rank.quota.CITY.RESEARCHER_1_4', '2019-06-01', 'RESEARCHER_1+RESEARCHER_2+RESEARCHER_3+RESEARCHER_4:2000:HEADCOUNT', 'domain.md §1.7 [S] (feng.ifeng.com; m.shutu.cn)'),
    ('rank.quota.CITY.RESEARCHER_1_2', '2019-06-01', 'RESEARCHER_1+RESEARCHER_2:4000:RESEARCHER_1_4', 'domain.md §1.7 [S] (feng.ifeng.com; m.shutu.cn)'),
    ('rank.quota.CITY.RESEARCHER_1', '2019-06-01', 'RESEARCHER_1:5000:RESEARCHER_1_2', 'domain.md §1.7 [S] (feng.ifeng.com; m.shutu.cn)'),
    ('rank.quota.CITY.PRINCIPAL_STAFF_1_4', '2019-06-01', 'PRINCIPAL_STAFF_1+PRINCIPAL_STAFF_2+PRINCIPAL_STAFF_3+PRINCIPAL_STAFF_4:6000:HEADCOUNT', 'domain.md §1.7 [S] (feng.ifeng.com; m.shutu.cn)'),
    ('rank.level.no_bump_grades', '2019-06-01', 'RESEARCHER_1,RESEARCHER_3,PRINCIPAL_STAFF_1,PRINCIPAL_STAFF_3', '级别办法 第十三条 [V]'),
    ('rank.level.years_per_level', '2019-06-01', '5', '级别办法 第十四条 [V]; 考核规定 第二十条(二) [V]'),
    ('rank.level.years_per_step', '2019-06-01', '2', '考核规定 第二十条(一) [V]'),
    ('rank.impact.ADMONISHMENT_months', '2019-06-01', '6', 'domain.md §4.4 [M] (组织处理规定 2021); §10.6'),
    ('rank.impact.CIRCULAR_months', '2019-06-01', '0', 'domain.md §4.5 [L] (no national promotion effect; 昆明: 12)'),
    ('rank.impact.SUSPENSION_FOR_REVIEW_months', '2019-06-01', '6', 'domain.md §4.4 [M] (组织处理规定 2021); §10.6'),
    ('rank.impact.POST_ADJUSTMENT_months', '2019-06-01', '12', 'domain.md §4.4 [M] (组织处理规定 2021); §10.6'),
    ('rank.impact.REMOVAL_FROM_POST_months', '2019-06-01', '12', 'domain.md §4.4 [M] (组织处理规定 2021); §10.6'),
    ('rank.impact.REMOVAL_FROM_POST_higher_post_months', '2019-06-01', '24', 'domain.md §4.4 [M] (组织处理规定 2021); §10.6'),
    ('rank.impact.DEMOTION_IN_POST_months', '2019-06-01', '24', 'domain.md §4.4 [M] (组织处理规定 2021); §10.6'),
    ('rank.impact.PARTY_WARNING_months', '2019-06-01', '12', '处分条例 第九~十二条 [V]; domain.md §4.4'),
    ('rank.impact.PARTY_SERIOUS_WARNING_months', '2019-06-01', '18', '处分条例 第九~十二条 [V]; domain.md §4.4'),
    ('rank.impact.PARTY_POST_REVOKED_months', '2019-06-01', '24', '处分条例 第九~十二条 [V]; domain.md §4.4'),
    ('rank.impact.PARTY_PROBATION_months', '2019-06-01', '24', '处分条例 [V] (after rights are restored; added to the decided 1–2 years)'),
    ('rank.impact.GOVERNMENT_WARNING_months', '2019-06-01', '6', '政务处分法 第七、八条 [V]; domain.md §4.4'),
    ('rank.impact.GOVERNMENT_DEMERIT_months', '2019-06-01', '12', '政务处分法 第七、八条 [V]; domain.md §4.4'),
    ('rank.impact.GOVERNMENT_MAJOR_DEMERIT_months', '2019-06-01', '18', '政务处分法 第七、八条 [V]; domain.md §4.4'),
    ('rank.impact.GOVERNMENT_DEMOTION_months', '2019-06-01', '24', '政务处分法 第七、八条 [V]; domain.md §4.4'),
    ('rank.impact.GOVERNMENT_DISMISSAL_FROM_POST_months', '2019-06-01', '24', '政务处分法 第七、八条 [V]; domain.md §4.4'),
    ('rank.case.publicity_working_days', '2019-06-01', '5', '并行规定 第二十条 [V]'),
    ('rank.case.committee_approves_from', '2019-06-01', 'RESEARCHER_4', 'domain.md §10.4 (区委常委会: 调研员 and above)'),
    ('rank.case.city_filing_from', '2019-06-01', 'RESEARCHER_2', 'domain.md §10.4 (备案 with the city: 二级调研员 and above)');

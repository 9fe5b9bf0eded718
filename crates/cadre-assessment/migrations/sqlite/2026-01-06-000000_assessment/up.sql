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

-- The assessment service's own tables. Cadres and units are the directory's: the projection above keeps them.
-- Outcome columns hold the rules' codes (EXCELLENT, COMPETENT, BASIC, INCOMPETENT, UNDETERMINED, DEFERRED,
-- NOT_PARTICIPATING), a participant's state the rules' state code; other enum-valued columns hold the proto
-- enum's name without its prefix (OPEN, GOOD, CIVIL_SERVANT); '' stands for none.

-- A year's annual assessment (年度考核) of one pool: the people of one 机关 in one category.
CREATE TABLE annual_cycles (
    id TEXT PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL,
    org_unit_id TEXT NOT NULL,
    org_unit_name TEXT NOT NULL,
    category TEXT NOT NULL,
    state TEXT NOT NULL,
    -- The 文号 that raised the 优秀 cap to its higher rate, or ''.
    raised_quota_approval TEXT NOT NULL,
    -- Counts kept with every change: people enrolled, people in the 优秀 base, 优秀 proposed (before the
    -- determination) or determined, and the most 优秀 allowed.
    enrolled INTEGER NOT NULL,
    taking_part INTEGER NOT NULL,
    excellent INTEGER NOT NULL,
    excellent_limit INTEGER NOT NULL,
    publicity_started_on DATE,
    publicity_last_day DATE,
    -- The deciding body as the caller named it, e.g. 局长办公会 or 考核委员会.
    determined_by TEXT NOT NULL,
    determined_on DATE,
    closed_on DATE,
    -- The cycle as the rules see it (domain::cycle::Cycle, JSON): the state machine's single truth. The
    -- columns above and the rows of annual_assessments, objections and result_reviews are kept in step
    -- with it in the same transaction, for queries and for the fields the rules do not hold (texts, ids).
    aggregate TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX annual_cycles_by_pool ON annual_cycles (org_unit_id, category, year);
CREATE INDEX annual_cycles_by_year ON annual_cycles (year);

-- One person's annual assessment. A person has one per year, whichever pool enrolled them.
CREATE TABLE annual_assessments (
    id TEXT PRIMARY KEY NOT NULL,
    cycle_id TEXT NOT NULL REFERENCES annual_cycles (id),
    year INTEGER NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    -- The cycle's unit.
    org_unit_id TEXT NOT NULL,
    -- The participant's state as the rules name it (domain::cycle::ParticipantState).
    state TEXT NOT NULL,
    takes_part BOOLEAN NOT NULL,
    -- What the special cases force ('' for nothing) and the best grade they and the routine results allow.
    forced_outcome TEXT NOT NULL,
    ceiling TEXT NOT NULL,
    -- JSON array of {"code", "text", "source"}: why.
    reasons TEXT NOT NULL,
    -- The facts behind the special cases that are not measures.
    probation_last_day DATE,
    absence_days INTEGER NOT NULL,
    refused_without_reason BOOLEAN NOT NULL,
    participation_note TEXT NOT NULL,
    self_summary TEXT NOT NULL,
    leader_comment TEXT NOT NULL,
    improvement TEXT NOT NULL,
    proposed TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    outcome TEXT NOT NULL,
    notified_on DATE,
    acknowledged_on DATE,
    refused_to_sign BOOLEAN NOT NULL,
    review_deadline DATE,
    -- The last day any 复核 or 申诉 of the current result can still be asked (NULL: none can).
    recourse_until DATE,
    -- The day the current result counts from, and how often it was published (0: never).
    published_on DATE,
    revision INTEGER NOT NULL,
    -- JSON array of {"code", "applied_by", "text", "source"}: what the current result set off.
    consequences TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX annual_assessments_by_person ON annual_assessments (cadre_id, year);
CREATE INDEX annual_assessments_by_cycle ON annual_assessments (cycle_id);
CREATE INDEX annual_assessments_by_unit ON annual_assessments (org_unit_id, year);

-- Objections (异议) raised during the publicity of 优秀 candidates.
CREATE TABLE objections (
    id TEXT PRIMARY KEY NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES annual_assessments (id),
    cycle_id TEXT NOT NULL REFERENCES annual_cycles (id),
    -- Its position in the cycle's list of objections (the rules address objections by it).
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    resolved BOOLEAN NOT NULL,
    upheld BOOLEAN NOT NULL,
    resolution TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX objections_by_assessment ON objections (assessment_id);
CREATE UNIQUE INDEX objections_by_cycle ON objections (cycle_id, idx);

-- 复核 and 申诉 of a result.
CREATE TABLE result_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES annual_assessments (id),
    kind TEXT NOT NULL,
    grounds TEXT NOT NULL,
    asked_on DATE NOT NULL,
    asked_by TEXT NOT NULL,
    -- The outcome under review.
    previous_outcome TEXT NOT NULL,
    -- The day by which the body should decide.
    decide_by DATE,
    decided BOOLEAN NOT NULL,
    outcome TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_on DATE,
    decided_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX result_reviews_by_assessment ON result_reviews (assessment_id);

-- Routine assessments (平时考核): one per person and quarter.
CREATE TABLE routine_assessments (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    -- The employing unit when graded: the unit whose 好 share is capped.
    org_unit_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    grade TEXT NOT NULL,
    score INTEGER,
    -- JSON array of strings.
    evidence TEXT NOT NULL,
    comment TEXT NOT NULL,
    graded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX routine_assessments_by_period ON routine_assessments (cadre_id, year, quarter);
CREATE INDEX routine_assessments_by_unit ON routine_assessments (org_unit_id, year, quarter);

-- Special assessments (政治建设考察, 班子运行情况调研) of a team or a person, and their follow-up tasks.
CREATE TABLE special_assessments (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    org_unit_id TEXT NOT NULL,
    -- '' when the subject is the team.
    cadre_id TEXT NOT NULL,
    grade TEXT NOT NULL,
    -- JSON array of strings.
    findings TEXT NOT NULL,
    assessed_on DATE NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX special_assessments_by_unit ON special_assessments (org_unit_id, year);
CREATE INDEX special_assessments_by_cadre ON special_assessments (cadre_id);

CREATE TABLE follow_up_tasks (
    id TEXT PRIMARY KEY NOT NULL,
    special_assessment_id TEXT NOT NULL REFERENCES special_assessments (id),
    idx INTEGER NOT NULL,
    title TEXT NOT NULL,
    due_date DATE NOT NULL,
    done_on DATE,
    outcome TEXT NOT NULL,
    done_by TEXT NOT NULL
);
CREATE INDEX follow_up_tasks_by_assessment ON follow_up_tasks (special_assessment_id);

-- Measures that limit a person's grade (处分, 组织处理, 诫勉, open investigations), by the deciding system's id.
CREATE TABLE conduct_measures (
    source_id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    effective_date DATE NOT NULL,
    -- NULL only for an open investigation.
    last_day DATE,
    basis TEXT NOT NULL,
    still_affects_use BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX conduct_measures_by_cadre ON conduct_measures (cadre_id);

-- The assessment policy (domain::policy::DEFAULT_POLICY, checked by a test against this text), and the
-- period of each kind of measure, from which a measure's last day is computed when its sender leaves it
-- out (an open investigation has none).
INSERT INTO policy_values (policy_key, effective_from, value, source_ref) VALUES
    ('assessment.excellent.cap_bp', '2019-01-01', '2000', 'domain.md §2.1: 考核规定 2020, 优秀 ≤ 20% of those taking part [S]; leaders the same (§10.5)'),
    ('assessment.excellent.raised_cap_bp', '2019-01-01', '2500', 'domain.md §2.1: up to 25% with the approval of the 公务员主管部门 at the same level [S]'),
    ('assessment.excellent.rounding', '2019-01-01', 'HALF_UP', 'domain.md §2.1: 四舍五入 or 进一法 [S]; 四舍五入 chosen [I]'),
    ('assessment.excellent.count_ungraded', '2019-01-01', '1', 'domain.md §2.1 ''of those taking part'': 不定等次 and deferred people take part [I]'),
    ('assessment.routine.good_cap_bp', '2019-01-01', '4000', 'domain.md §2.2, §10.5: 好 ≤ 40% of a unit''s participants [L]'),
    ('assessment.routine.rounding', '2019-01-01', 'HALF_UP', 'domain.md §10.5: the same rounding as 优秀 [I]'),
    ('assessment.routine.periods_per_year', '2019-01-01', '4', 'domain.md §10.5: quarterly 平时考核'),
    ('assessment.routine.good_min_score', '2019-01-01', '90', 'domain.md §2.2: 好 ≥ 90 [L]'),
    ('assessment.routine.fairly_good_min_score', '2019-01-01', '80', 'domain.md §2.2: 较好 80–89 [L]'),
    ('assessment.routine.average_min_score', '2019-01-01', '60', 'domain.md §2.2: 一般 60–79, 较差 < 60 [L]'),
    ('assessment.linkage.rule', '2019-01-01', 'TIANJIN', 'domain.md §10.5: the 天津 rule [S]; comma-separated to compose'),
    ('assessment.linkage.tianjin.at_or_below', '2019-01-01', 'AVERAGE', 'domain.md §2.2, §10.5: 一般 or worse [S]'),
    ('assessment.linkage.tianjin.no_excellent_from', '2019-01-01', '1', 'domain.md §2.2, §10.5: one such period → not 优秀 [S]'),
    ('assessment.linkage.tianjin.no_competent_from', '2019-01-01', '2', 'domain.md §2.2, §10.5: two → not 称职 [S]'),
    ('assessment.linkage.fujian.at_or_below', '2019-01-01', 'POOR', 'domain.md §2.2 (福建): a 较差 period → not 优秀 [S]'),
    ('assessment.linkage.weighted.routine_weight_bp', '2019-01-01', '6000', 'domain.md §2.2 (河北): 平时 weighs 60% [S]'),
    ('assessment.linkage.weighted.excellent_min', '2019-01-01', '90', 'domain.md §2.2 (吉林): ≥ 90 eligible for 优秀 [S]'),
    ('assessment.linkage.weighted.competent_min', '2019-01-01', '70', 'domain.md §2.2 (吉林): 70–89 称职 [S]'),
    ('assessment.linkage.weighted.basic_min', '2019-01-01', '60', 'domain.md §2.2 (吉林): 60–69 基本称职, < 60 不称职 [S]'),
    ('assessment.absence.limit', '2019-01-01', 'HALF_YEAR', 'domain.md §2.1: 病假/事假 > half of the 考核年度 → 不参加年度考核 [M]; a number sets a local day limit'),
    ('assessment.probation.months', '2019-01-01', '12', '公务员法: 新录用公务员试用期为一年 [M]'),
    ('assessment.measure.release_year_unaffected', '2019-01-01', '1', '处分 rule: 在解除处分的当年及以后，其年度考核不受原处分影响 [S]'),
    ('assessment.measure.effect.ADMONISHMENT', '2019-01-01', 'NO_EXCELLENT', 'domain.md §2.1: 诫勉 that year → cannot be 优秀 (考核规定 2020) [M]'),
    ('assessment.measure.effect.CIRCULAR', '2019-01-01', 'NO_EXCELLENT', 'domain.md §4.5: 通报 → no 优秀 this year, a local rule [L]; NONE switches it off'),
    ('assessment.measure.effect.SUSPENSION_FOR_REVIEW', '2019-01-01', 'NO_EXCELLENT', 'domain.md §2.1: 组织处理 that year → cannot be 优秀 (考核规定 2020) [M]'),
    ('assessment.measure.effect.POST_ADJUSTMENT', '2019-01-01', 'NO_EXCELLENT', 'domain.md §2.1: 组织处理 that year → cannot be 优秀 (考核规定 2020) [M]'),
    ('assessment.measure.effect.REMOVAL_FROM_POST', '2019-01-01', 'NO_EXCELLENT', 'domain.md §2.1: 组织处理 that year → cannot be 优秀 (考核规定 2020) [M]'),
    ('assessment.measure.effect.DEMOTION_IN_POST', '2019-01-01', 'NO_EXCELLENT', 'domain.md §2.1: 组织处理 that year → cannot be 优秀 (考核规定 2020) [M]'),
    ('assessment.measure.effect.PARTY_WARNING', '2019-01-01', 'NO_EXCELLENT', 'domain.md §2.1 [V]; 组通字〔1998〕19号 一: 党内警告 that year → not 优秀 [S]'),
    ('assessment.measure.effect.PARTY_SERIOUS_WARNING', '2019-01-01', 'INCOMPETENT_IF_DUTY_RELATED', '组通字〔1998〕19号 二: 严重警告 that year → 不称职 if duty-related, else 不定等次 [S]'),
    ('assessment.measure.effect.PARTY_POST_REVOKED', '2019-01-01', 'INCOMPETENT', '组通字〔1998〕19号 三: 撤销党内职务 that year → 不称职 [S]'),
    ('assessment.measure.effect.PARTY_PROBATION', '2019-01-01', 'INCOMPETENT_THEN_UNDETERMINED', '组通字〔1998〕19号 四: 留党察看 that year → 不称职; the following 察看 years → 不定等次 [S]'),
    ('assessment.measure.effect.GOVERNMENT_WARNING', '2019-01-01', 'NO_EXCELLENT', 'domain.md §2.1: 警告 处分 that year → cannot be 优秀 (2007 第二十五条) [V]'),
    ('assessment.measure.effect.GOVERNMENT_DEMERIT', '2019-01-01', 'UNDETERMINED_IN_PERIOD', 'domain.md §2.1: in a 记过/记大过/降级/撤职 period → 不定等次 (2007 第二十五条) [V]'),
    ('assessment.measure.effect.GOVERNMENT_MAJOR_DEMERIT', '2019-01-01', 'UNDETERMINED_IN_PERIOD', 'domain.md §2.1: in a 记过/记大过/降级/撤职 period → 不定等次 (2007 第二十五条) [V]'),
    ('assessment.measure.effect.GOVERNMENT_DEMOTION', '2019-01-01', 'UNDETERMINED_IN_PERIOD', 'domain.md §2.1: in a 记过/记大过/降级/撤职 period → 不定等次 (2007 第二十五条) [V]'),
    ('assessment.measure.effect.GOVERNMENT_DISMISSAL_FROM_POST', '2019-01-01', 'UNDETERMINED_IN_PERIOD', 'domain.md §2.1: in a 记过/记大过/降级/撤职 period → 不定等次 (2007 第二十五条) [V]'),
    ('assessment.publicity.working_days', '2019-01-01', '5', '[I]: as the 公示 before appointment or 职级 promotion (≥ 5 工作日, domain.md §1.6 [V])'),
    ('assessment.review.days', '2019-01-01', '30', '公务员法 第九十五条: 复核 within 30 days [S]; domain.md §2.1 [M]'),
    ('assessment.review.decision_days', '2019-01-01', '30', '公务员法 第九十五条: the original body decides within 30 days [S]'),
    ('assessment.review.scope', '2019-01-01', 'INCOMPETENT', '公务员法 第九十五条(四): 定期考核定为不称职 [S]; ANY opens 复核/申诉 to every result'),
    ('assessment.appeal.days', '2019-01-01', '15', '公务员法 第九十五条: 申诉 within 15 days of the 复核 decision [S]; [M] in domain.md'),
    ('assessment.appeal.direct_days', '2019-01-01', '30', '公务员法 第九十五条: 申诉 without 复核 within 30 days [S]; 0 disables'),
    ('assessment.appeal.decision_days', '2019-01-01', '60', '公务员法 第九十五条: decided within 60 days, extendable by 30 [S]'),
    ('assessment.deadline.extend_over_rest_days', '2019-01-01', '1', '民法典 第二百零三条: a period ending on a rest day ends on the next working day [M]'),
    ('assessment.consequence.tenure_reduction_months', '2019-01-01', '6', '并行规定 第十九条; 考核规定 2020 第十九条(一): 优秀 → 任职年限缩短半年 [V]'),
    ('assessment.consequence.merit_after_excellent_years', '2019-01-01', '3', '考核规定 2020 第十九条: 连续三年优秀 → 记三等功 [V]'),
    ('assessment.consequence.dismissal_after_incompetent_years', '2019-01-01', '2', '公务员法 第八十八条; 考核规定 2020: 连续两年不称职 → 辞退 [V]'),
    ('assessment.measure.period_months.ADMONISHMENT', '2007-01-01', '6', 'domain.md §4.4: 诫勉 6 months [M]'),
    ('assessment.measure.period_months.CIRCULAR', '2007-01-01', '12', 'domain.md §4.4 (昆明): one 问责 → no 提拔 for 1 year [L]'),
    ('assessment.measure.period_months.SUSPENSION_FOR_REVIEW', '2007-01-01', '6', 'domain.md §4.4: 停职检查 6 months [M]'),
    ('assessment.measure.period_months.POST_ADJUSTMENT', '2007-01-01', '12', 'domain.md §4.4: 调整职务 1 year [M]'),
    ('assessment.measure.period_months.REMOVAL_FROM_POST', '2007-01-01', '24', 'domain.md §4.4: 责令辞职/免职 1 year no leadership post, 2 years no higher post [M]'),
    ('assessment.measure.period_months.DEMOTION_IN_POST', '2007-01-01', '24', 'domain.md §4.4: 降职 2 years [M]'),
    ('assessment.measure.period_months.PARTY_WARNING', '2007-01-01', '12', 'domain.md §4.4: 党内警告 1 year [V]'),
    ('assessment.measure.period_months.PARTY_SERIOUS_WARNING', '2007-01-01', '18', 'domain.md §4.4: 严重警告 1.5 years [V]'),
    ('assessment.measure.period_months.PARTY_POST_REVOKED', '2007-01-01', '24', 'domain.md §4.4: 撤销党内职务 2 years [V]'),
    ('assessment.measure.period_months.PARTY_PROBATION', '2007-01-01', '12', 'domain.md §4.4: 留党察看 1 or 2 years [V]; 1 unless the measure states its last day'),
    ('assessment.measure.period_months.GOVERNMENT_WARNING', '2007-01-01', '6', 'domain.md §4.4: 政务处分法 第八条 警告 6 months [V]'),
    ('assessment.measure.period_months.GOVERNMENT_DEMERIT', '2007-01-01', '12', 'domain.md §4.4: 政务处分法 第八条 记过 12 months [V]'),
    ('assessment.measure.period_months.GOVERNMENT_MAJOR_DEMERIT', '2007-01-01', '18', 'domain.md §4.4: 政务处分法 第八条 记大过 18 months [V]'),
    ('assessment.measure.period_months.GOVERNMENT_DEMOTION', '2007-01-01', '24', 'domain.md §4.4: 政务处分法 第八条 降级 24 months [V]'),
    ('assessment.measure.period_months.GOVERNMENT_DISMISSAL_FROM_POST', '2007-01-01', '24', 'domain.md §4.4: 政务处分法 第八条 撤职 24 months [V]');

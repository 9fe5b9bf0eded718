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

-- Codes in enum-valued columns are the domain's (domain/codes.rs): the proto enum's name without its
-- prefix. Lists of strings are JSON text. An empty string means "none" in id columns that may be unset.

-- Responsibilities (四责协同): one per unit, kind, holder and year. items is the JSON of the three lists.
CREATE TABLE responsibilities (
    id TEXT PRIMARY KEY NOT NULL,
    org_unit_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    holder_cadre_id TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    year INTEGER NOT NULL,
    area TEXT NOT NULL,
    items TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX responsibilities_one_per_holder ON responsibilities (org_unit_id, kind, holder_cadre_id, year);

-- Inspections (督查), their units and their inspectors.
CREATE TABLE inspections (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    categories TEXT NOT NULL,
    plan TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    state TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);
CREATE TABLE inspection_units (
    inspection_id TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    PRIMARY KEY (inspection_id, org_unit_id)
);
CREATE INDEX inspection_units_by_unit ON inspection_units (org_unit_id);
CREATE TABLE inspection_inspectors (
    inspection_id TEXT NOT NULL,
    cadre_id TEXT NOT NULL,
    PRIMARY KEY (inspection_id, cadre_id)
);

-- Findings. cadre_id is '' for a finding about a unit. A finding from another system carries its
-- reference, unique per source, so a replayed event or a resent record finds the first row.
CREATE TABLE findings (
    id TEXT PRIMARY KEY NOT NULL,
    inspection_id TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    description TEXT NOT NULL,
    evidence TEXT NOT NULL,
    responsibility_id TEXT NOT NULL,
    source TEXT NOT NULL,
    source_ref TEXT NOT NULL,
    found_on DATE NOT NULL,
    state TEXT NOT NULL,
    dismissal_reason TEXT NOT NULL,
    -- The escalation proposed when recorded, as JSON; '' when none.
    escalation TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX findings_by_source_ref ON findings (source, source_ref) WHERE source_ref <> '';
CREATE INDEX findings_by_unit ON findings (org_unit_id);
CREATE INDEX findings_by_cadre ON findings (cadre_id);
CREATE INDEX findings_by_inspection ON findings (inspection_id);
CREATE INDEX findings_by_responsibility ON findings (responsibility_id);

-- Rectification tasks (整改) and their extension requests. warning_from is the first day of the yellow
-- light, computed from the working calendar whenever the deadline is set.
CREATE TABLE rectification_tasks (
    id TEXT PRIMARY KEY NOT NULL,
    finding_id TEXT NOT NULL,
    owner_org_unit_id TEXT NOT NULL,
    requirement TEXT NOT NULL,
    plan TEXT NOT NULL,
    evidence TEXT NOT NULL,
    report TEXT NOT NULL,
    deadline DATE NOT NULL,
    warning_from DATE NOT NULL,
    state TEXT NOT NULL,
    returned_note TEXT NOT NULL,
    verified_by TEXT NOT NULL,
    closed_on DATE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX rectification_tasks_by_finding ON rectification_tasks (finding_id);
CREATE INDEX rectification_tasks_by_owner ON rectification_tasks (owner_org_unit_id);
CREATE INDEX rectification_tasks_by_deadline ON rectification_tasks (state, deadline);
CREATE TABLE rectification_extensions (
    id TEXT PRIMARY KEY NOT NULL,
    task_id TEXT NOT NULL,
    requested_deadline DATE NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decision_note TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL
);
CREATE INDEX rectification_extensions_by_task ON rectification_extensions (task_id);

-- Accountability decisions. Never deleted. cadre_id is '' for a measure on an organisation. The window
-- and blocks are those of the policy in force on the decision day, kept as decided.
CREATE TABLE decisions (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    measure TEXT NOT NULL,
    level INTEGER NOT NULL,
    form INTEGER NOT NULL,
    deciding_body TEXT NOT NULL,
    basis_article TEXT NOT NULL,
    document_number TEXT NOT NULL,
    decided_on DATE NOT NULL,
    effective_date DATE NOT NULL,
    influence_last_day DATE,
    blocks_promotion BOOLEAN NOT NULL,
    blocks_excellent BOOLEAN NOT NULL,
    blocks_selection BOOLEAN NOT NULL,
    probation_months INTEGER NOT NULL,
    finding_ids TEXT NOT NULL,
    responsibility_id TEXT NOT NULL,
    archive_due_date DATE,
    archived_on DATE,
    carry_out_by DATE,
    escalation TEXT NOT NULL,
    note TEXT NOT NULL,
    source_ref TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX decisions_by_source_ref ON decisions (source_ref) WHERE source_ref <> '';
CREATE INDEX decisions_by_cadre ON decisions (cadre_id, effective_date);
CREATE INDEX decisions_by_unit ON decisions (org_unit_id);
CREATE INDEX decisions_by_responsibility ON decisions (responsibility_id);

-- 容错 decisions from the care service's feed, by the conduct measure (here: the decision id) concerned.
-- A later decision on the same measure replaces an earlier one.
CREATE TABLE tolerance_exemptions (
    measure_source_id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    review_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_on DATE NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Circulars (通报) and the units and people they name, in order.
CREATE TABLE circulars (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    distribution TEXT NOT NULL,
    distribution_unit_ids TEXT NOT NULL,
    cadence TEXT NOT NULL,
    period_label TEXT NOT NULL,
    scheduled_on DATE,
    state TEXT NOT NULL,
    document_number TEXT NOT NULL,
    issued_on DATE,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE circular_entries (
    circular_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    org_unit_id TEXT NOT NULL,
    cadre_id TEXT NOT NULL,
    name TEXT NOT NULL,
    commended BOOLEAN NOT NULL,
    text TEXT NOT NULL,
    finding_id TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    PRIMARY KEY (circular_id, position)
);
CREATE INDEX circular_entries_by_cadre ON circular_entries (cadre_id);
CREATE INDEX circular_entries_by_unit ON circular_entries (org_unit_id);

-- The negative-information pool: one record per agency reference.
CREATE TABLE negative_records (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    agency TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    summary TEXT NOT NULL,
    reference TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    verified BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX negative_records_by_reference ON negative_records (agency, reference);
CREATE INDEX negative_records_by_cadre ON negative_records (cadre_id, occurred_on);

-- 党风廉政意见 requests and answers: at most one per rank case.
CREATE TABLE integrity_opinions (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    rank_case_id TEXT NOT NULL,
    state TEXT NOT NULL,
    record_summary TEXT NOT NULL,
    clear BOOLEAN NOT NULL,
    answer TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP
);
CREATE UNIQUE INDEX integrity_opinions_by_case ON integrity_opinions (rank_case_id) WHERE rank_case_id <> '';
CREATE INDEX integrity_opinions_by_cadre ON integrity_opinions (cadre_id);

-- The oversight policy's defaults (domain/policy.rs DEFAULT_POLICY, with their sources).
INSERT INTO policy_values (policy_key, effective_from, value, source_ref) VALUES
    ('oversight.measure.REMINDER_TALK', '2018-01-01', '{"level":1,"form":1,"bodies":["PARTY_COMMITTEE","UNIT","ORG_DEPARTMENT","DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}', 'domain.md §4.5 level 1 (提醒谈话, record only) [I]; §4.3 第一种形态 [V]'),
    ('oversight.measure.CRITICISM', '2018-01-01', '{"level":2,"form":1,"bodies":["PARTY_COMMITTEE","UNIT","ORG_DEPARTMENT","DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}', 'domain.md §4.5 level 2 (批评教育, record only) [I]; §4.3 第一种形态 [V]'),
    ('oversight.measure.WRITTEN_REVIEW', '2018-01-01', '{"level":2,"form":1,"bodies":["PARTY_COMMITTEE","UNIT","ORG_DEPARTMENT","DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}', 'domain.md §4.5 level 2 (责令检查, record only) [I]; §4.3 第一种形态 [V]'),
    ('oversight.measure.LETTER_INQUIRY', '2018-01-01', '{"level":3,"form":1,"bodies":["DISCIPLINE_COMMISSION","ORG_DEPARTMENT"],"person":true,"organisation":false,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}', 'domain.md §4.5 level 3 (函询 by 纪委 or 组织部) [I]; §4.3 第一种形态 [V]'),
    ('oversight.measure.CIRCULAR', '2018-01-01', '{"level":4,"form":1,"bodies":["DISCIPLINE_COMMISSION","ORG_DEPARTMENT"],"person":true,"organisation":true,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":3}', 'domain.md §4.2 通报 by 纪委 and 党的工作部门, into the 档案 [V]; §4.4 昆明: 1 问责 in a year, not 优秀 that year and no 提拔 for 1 year [L]; selection bar [I]'),
    ('oversight.measure.ADMONISHMENT', '2018-01-01', '{"level":5,"form":1,"bodies":["DISCIPLINE_COMMISSION","ORG_DEPARTMENT"],"person":true,"organisation":false,"archive":true,"months":6,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":2}', 'domain.md §4.4 诫勉 6 months no 提拔 [M]; §4.5 no 优秀, 职级晋升 blocked [M]; §4.3 第一种形态 [V]'),
    ('oversight.measure.SUSPENSION_FOR_REVIEW', '2018-01-01', '{"level":6,"form":2,"bodies":["PARTY_COMMITTEE"],"person":true,"organisation":false,"archive":true,"months":6,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":4}', 'domain.md §4.4 停职检查 6 months [M]; §4.2 decided by the Party committee, carried out within 1 month [V]; §4.3 第二种形态 [V]'),
    ('oversight.measure.POST_ADJUSTMENT', '2018-01-01', '{"level":6,"form":2,"bodies":["PARTY_COMMITTEE"],"person":true,"organisation":false,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":5}', 'domain.md §4.4 调整职务 1 year no 提拔 [M]; §4.2 carried out within 1 month [V]; §4.3 组织调整, 第二种形态 [V]'),
    ('oversight.measure.ORDERED_RESIGNATION', '2018-01-01', '{"level":6,"form":2,"bodies":["PARTY_COMMITTEE"],"person":true,"organisation":false,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":6}', 'domain.md §4.4 责令辞职 1 year [M]; §4.2 carried out within 1 month [V]; §4.3 第二种形态 [I]'),
    ('oversight.measure.REMOVAL_FROM_POST', '2018-01-01', '{"level":6,"form":3,"bodies":["PARTY_COMMITTEE"],"person":true,"organisation":false,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":6}', 'domain.md §4.4 免职 1 year [M]; §4.2 carried out within 1 month [V]; §4.3 重大职务调整, 第三种形态 [V]'),
    ('oversight.measure.DEMOTION_IN_POST', '2018-01-01', '{"level":6,"form":3,"bodies":["PARTY_COMMITTEE"],"person":true,"organisation":false,"archive":true,"months":24,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":7}', 'domain.md §4.4 降职 2 years no 提拔 [M]; §4.2 carried out within 1 month [V]; §4.3 第三种形态 [V]'),
    ('oversight.measure.PARTY_WARNING', '2018-01-01', '{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":8}', 'domain.md §4.4 处分条例 警告 1 year [V]; §4.3 党纪轻处分, 第二种形态 [V]'),
    ('oversight.measure.PARTY_SERIOUS_WARNING', '2018-01-01', '{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":18,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":9}', 'domain.md §4.4 处分条例 严重警告 1.5 years [V]; §4.3 党纪轻处分, 第二种形态 [V]'),
    ('oversight.measure.GOVERNMENT_WARNING', '2018-01-01', '{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":6,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":12}', 'domain.md §4.4 政务处分法 第七、八条 警告 6 months [V]; §4.5 level 7 [I]'),
    ('oversight.measure.GOVERNMENT_DEMERIT', '2018-01-01', '{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":12,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":13}', 'domain.md §4.4 政务处分法 第七、八条 记过 12 months [V]; §4.5 level 7 [I]'),
    ('oversight.measure.GOVERNMENT_MAJOR_DEMERIT', '2018-01-01', '{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":18,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":14}', 'domain.md §4.4 政务处分法 第七、八条 记大过 18 months [V]; §4.5 level 7 [I]'),
    ('oversight.measure.GOVERNMENT_DEMOTION', '2018-01-01', '{"level":7,"form":2,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":24,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":15}', 'domain.md §4.4 政务处分法 第七、八条 降级 24 months, processed within 1 month [V]; §4.5 level 7 [I]'),
    ('oversight.measure.PARTY_POST_REVOKED', '2018-01-01', '{"level":8,"form":3,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":24,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":10}', 'domain.md §4.4 处分条例 撤销党内职务 2 years [V]; §4.3 党纪重处分, 第三种形态 [V]'),
    ('oversight.measure.PARTY_PROBATION', '2018-01-01', '{"level":8,"form":3,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":24,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":null,"conduct_kind":11}', 'domain.md §4.4 处分条例 留党察看 1 or 2 years, then 2 years with no equal or higher post [V]; §4.3 第三种形态 [V]'),
    ('oversight.measure.PARTY_EXPULSION', '2018-01-01', '{"level":8,"form":3,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}', 'domain.md §4.4 处分条例 开除党籍: no re-admission for 5 years, no promotion window kept [V]; §4.3 第三种形态 [V]'),
    ('oversight.measure.GOVERNMENT_DISMISSAL_FROM_POST', '2018-01-01', '{"level":8,"form":3,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":24,"blocks":{"promotion":true,"excellent_grade":true,"selection":true},"carry_out_months":1,"conduct_kind":16}', 'domain.md §4.4 政务处分法 第七、八条 撤职 24 months, processed within 1 month [V]; §4.5 level 8 [I]'),
    ('oversight.measure.GOVERNMENT_EXPULSION', '2018-01-01', '{"level":8,"form":3,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}', 'domain.md §4.4 政务处分法 开除: no period [V]; §4.5 level 8 [I]'),
    ('oversight.measure.JUDICIAL_REFERRAL', '2018-01-01', '{"level":9,"form":4,"bodies":["DISCIPLINE_COMMISSION"],"person":true,"organisation":false,"archive":true,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}', 'domain.md §4.5 level 9 (移送司法 by the 监委) [I]; §4.3 第四种形态 [V]'),
    ('oversight.measure.ORGANISATION_REVIEW', '2018-01-01', '{"level":4,"form":1,"bodies":["PARTY_COMMITTEE","DISCIPLINE_COMMISSION","ORG_DEPARTMENT"],"person":false,"organisation":true,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}', 'domain.md §4.2 党组织: 检查 (书面检查 + 整改) [V]; level 4 and deciding bodies [I]'),
    ('oversight.measure.REORGANISATION', '2018-01-01', '{"level":6,"form":2,"bodies":["PARTY_COMMITTEE"],"person":false,"organisation":true,"archive":false,"months":null,"blocks":{"promotion":false,"excellent_grade":false,"selection":false},"carry_out_months":null,"conduct_kind":null}', 'domain.md §4.2 党组织: 改组 [V]; level 6, decided by the Party committee [I]'),
    ('oversight.archive_due_months', '2018-01-01', '1', 'domain.md §4.2 into the 档案 [V]; §4.5 material within 1 month [I]; §6.2 归档规定 2009 within 1 month [V]'),
    ('oversight.repeat_window_months', '2018-01-01', '12', 'domain.md §4.4 昆明 counts 问责 within a year [L]; §4.5 repeat-offence trigger [I]'),
    ('oversight.escalation_steps', '2018-01-01', '["REMINDER_TALK","CRITICISM","WRITTEN_REVIEW","CIRCULAR","ADMONISHMENT","POST_ADJUSTMENT"]', 'domain.md §4.5 the seed pipeline 教育提醒 → 通报 → 追责问责 up to 组织调整, heavier measures left to the 纪委 [I]'),
    ('oversight.warning_working_days', '2018-01-01', '3', 'features.md #94 (西安 电子政务督查系统): yellow 3 days before the deadline, counted in working days [L]'),
    ('oversight.risk', '2018-01-01', '{"lookback_months":24,"weight_minor":1,"weight_serious":3,"weight_grave":6,"window_weight":3,"blue_from":1,"yellow_from":3,"red_from":6}', 'features.md negative-information pool, red/yellow/blue warning; look-back, weights and thresholds [I]');

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

-- The rewards register. A person's reward has cadre_id set and org_unit_id the person's employing unit
-- when recorded; a collective's has cadre_id '' and collective true. Codes are the domain's (domain/codes.rs).
CREATE TABLE rewards (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    collective BOOLEAN NOT NULL,
    level TEXT NOT NULL,
    issuer TEXT NOT NULL,
    document_number TEXT NOT NULL,
    basis TEXT NOT NULL,
    award_date DATE NOT NULL,
    feeds_promotion_priority BOOLEAN NOT NULL,
    proposal_id TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX rewards_by_cadre ON rewards (cadre_id);
CREATE INDEX rewards_by_unit ON rewards (org_unit_id);

-- Proposals from annual results: one per assessment, revision and kind (a replayed event finds its row).
CREATE TABLE reward_proposals (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    assessment_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    year INTEGER NOT NULL,
    basis TEXT NOT NULL,
    state TEXT NOT NULL,
    reward_id TEXT NOT NULL,
    decision_note TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX reward_proposals_once ON reward_proposals (assessment_id, revision, kind);
CREATE INDEX reward_proposals_by_unit ON reward_proposals (org_unit_id);

-- The highest revision of each annual result seen on the assessment feed: older or repeated deliveries
-- change nothing.
CREATE TABLE followed_results (
    assessment_id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    revision INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The care fund: one row, whose balance the disbursements lock and never take below zero.
CREATE TABLE care_fund (
    id TEXT PRIMARY KEY NOT NULL,
    balance_fen BIGINT NOT NULL CHECK (balance_fen >= 0),
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO care_fund (id, balance_fen, updated_at) VALUES ('fund', 0, '2026-01-01 00:00:00');

-- Every movement of the fund: contributions (positive) and disbursements (negative), with the balance after.
CREATE TABLE fund_ledger (
    id TEXT PRIMARY KEY NOT NULL,
    entry_kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    balance_after_fen BIGINT NOT NULL,
    entry_date DATE NOT NULL,
    source TEXT NOT NULL,
    document TEXT NOT NULL,
    application_id TEXT NOT NULL,
    cadre_id TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX fund_ledger_by_date ON fund_ledger (entry_date);
-- A person's disbursements in a year, which the yearly limits count.
CREATE INDEX fund_ledger_by_cadre ON fund_ledger (cadre_id, entry_kind, entry_date);

CREATE TABLE fund_applications (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    description TEXT NOT NULL,
    amount_requested_fen BIGINT NOT NULL,
    evidence_refs TEXT NOT NULL,
    state TEXT NOT NULL,
    steps TEXT NOT NULL,
    decisions TEXT NOT NULL,
    approved_steps INTEGER NOT NULL,
    disbursed_on DATE,
    applied_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX fund_applications_by_cadre ON fund_applications (cadre_id);
CREATE INDEX fund_applications_by_unit ON fund_applications (org_unit_id);

-- Health checks: a plan per unit and year; per cadre and year the day of the check and a follow-up flag,
-- and nothing else about anyone's health.
CREATE TABLE health_check_plans (
    org_unit_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    window_start DATE NOT NULL,
    window_end DATE NOT NULL,
    provider TEXT NOT NULL,
    notes TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_unit_id, year)
);

CREATE TABLE health_checks (
    cadre_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    checked_on DATE NOT NULL,
    follow_up_needed BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (cadre_id, year)
);

CREATE TABLE visit_triggers (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    relation TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    due_on DATE NOT NULL,
    visit_id TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX visit_triggers_by_unit ON visit_triggers (org_unit_id);
CREATE INDEX visit_triggers_by_cadre ON visit_triggers (cadre_id);

CREATE TABLE visits (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    visitors TEXT NOT NULL,
    visited_on DATE NOT NULL,
    notes TEXT NOT NULL,
    trigger_id TEXT NOT NULL,
    fund_application_id TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX visits_by_cadre ON visits (cadre_id);
CREATE INDEX visits_by_unit ON visits (org_unit_id);

-- Talks: who is in whose charge (分管), what calls for a talk, and the talks held with their parties.
CREATE TABLE leader_charges (
    leader_id TEXT NOT NULL,
    cadre_id TEXT NOT NULL,
    PRIMARY KEY (leader_id, cadre_id)
);

-- origin_key is set for triggers the service derives from another record (a reward, an assessment
-- result, a rank case), so that a replayed event does not open a second one; NULL for manual triggers.
CREATE TABLE talk_triggers (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    due_on DATE NOT NULL,
    source_ref TEXT NOT NULL,
    origin_key TEXT UNIQUE,
    talk_id TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX talk_triggers_by_unit ON talk_triggers (org_unit_id);
CREATE INDEX talk_triggers_by_cadre ON talk_triggers (cadre_id);

CREATE TABLE talks (
    id TEXT PRIMARY KEY NOT NULL,
    held_on DATE NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    follow_ups TEXT NOT NULL,
    trigger_id TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);

CREATE TABLE talk_parties (
    talk_id TEXT NOT NULL,
    cadre_id TEXT NOT NULL,
    PRIMARY KEY (talk_id, cadre_id)
);
CREATE INDEX talk_parties_by_cadre ON talk_parties (cadre_id);
-- The talks of the current year, which the overdue list counts.
CREATE INDEX talks_by_day ON talks (held_on);

CREATE TABLE assignments (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    place TEXT NOT NULL,
    host_unit_id TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    grade TEXT NOT NULL,
    evaluation_comment TEXT NOT NULL,
    evaluated_by TEXT NOT NULL,
    evaluator_name TEXT NOT NULL,
    evaluated_on DATE,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX assignments_by_cadre ON assignments (cadre_id);
CREATE INDEX assignments_by_unit ON assignments (org_unit_id);

-- Legacy cases.
CREATE TABLE transfer_cases (
    id TEXT PRIMARY KEY NOT NULL,
    person_name TEXT NOT NULL,
    cadre_id TEXT NOT NULL,
    source TEXT NOT NULL,
    source_org TEXT NOT NULL,
    target_unit_id TEXT NOT NULL,
    target_post TEXT NOT NULL,
    leadership_post BOOLEAN NOT NULL,
    target_grade INTEGER NOT NULL,
    establishment INTEGER NOT NULL,
    establishment_used INTEGER NOT NULL,
    post_quota INTEGER NOT NULL,
    post_quota_used INTEGER NOT NULL,
    post_vacant BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX transfer_cases_by_target ON transfer_cases (target_unit_id);

CREATE TABLE registration_cases (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    basis TEXT NOT NULL,
    approval_level TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX registration_cases_by_cadre ON registration_cases (cadre_id);
CREATE INDEX registration_cases_by_unit ON registration_cases (org_unit_id);

CREATE TABLE backlog_items (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    detected_on DATE NOT NULL,
    due_on DATE NOT NULL,
    owner_unit_id TEXT NOT NULL,
    resolved_on DATE,
    resolution TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX backlog_items_by_owner ON backlog_items (owner_unit_id);

-- 容错 reviews: never deleted; the decision and the criteria are written once.
CREATE TABLE tolerance_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    measure_source_id TEXT NOT NULL,
    measure_kind INTEGER NOT NULL,
    case_summary TEXT NOT NULL,
    process_compliant BOOLEAN NOT NULL,
    process_note TEXT NOT NULL,
    no_personal_gain BOOLEAN NOT NULL,
    gain_note TEXT NOT NULL,
    not_prohibited BOOLEAN NOT NULL,
    prohibition_note TEXT NOT NULL,
    good_faith BOOLEAN NOT NULL,
    faith_note TEXT NOT NULL,
    decision TEXT NOT NULL,
    body TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_on DATE,
    opened_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tolerance_reviews_by_cadre ON tolerance_reviews (cadre_id);
-- One review per conduct measure.
CREATE UNIQUE INDEX tolerance_reviews_one_per_measure ON tolerance_reviews (measure_source_id);

-- The care policy's defaults (domain/policy.rs DEFAULT_POLICY, with their sources).
INSERT INTO policy_values (policy_key, effective_from, value, source_ref) VALUES
    ('care.reward.default_issuer', '2018-01-01', '中共锦绣区委 锦绣区人民政府', 'domain.md §5.2: 特别奖励 and 表彰 are district rewards [L]'),
    ('care.fund.unit_leader_step', '2018-01-01', '1', 'domain.md §10.7: applications approved by the unit leader, then the org department [L]'),
    ('care.fund.committee_above_fen', '2018-01-01', '1000000', 'domain.md §10.7: above 10,000 yuan a 区委 member approves too [L]'),
    ('care.fund.person_year_limit_fen', '2018-01-01', '2000000', 'domain.md §5.3: at most 20,000 yuan per person and year [L]'),
    ('care.fund.person_year_limit_count', '2018-01-01', '2', 'domain.md §5.3: at most 2 disbursements per person and year [L]'),
    ('care.talk.team_peer_per_quarter', '2018-01-01', '1', 'features.md #89: 班子成员之间 at least once a quarter [L]'),
    ('care.talk.principal_member_per_year', '2018-01-01', '2', 'features.md #89: 主要领导 with each team member at least twice a year [L]'),
    ('care.talk.leader_charge_per_year', '2018-01-01', '1', 'domain.md §5.3: 支部工作条例 2018, at least once a year [V]; 分管 leaders [L]'),
    ('care.talk.trigger_due_days', '2018-01-01', '30', 'features.md §4.10: event-triggered talks within 30 days [L]'),
    ('care.visit.due_days.HOSPITALISATION', '2018-01-01', '7', 'features.md #90: 住院 visits within a week [L]'),
    ('care.visit.due_days.SERIOUS_ILLNESS', '2018-01-01', '7', 'features.md #90: 重病 visits within a week [L]'),
    ('care.visit.due_days.BEREAVEMENT', '2018-01-01', '3', 'features.md #90: 慰问 on a death in the family within 3 days [L]'),
    ('care.visit.due_days.HARDSHIP', '2018-01-01', '15', 'features.md #90: 困难 visits within 15 days [L]'),
    ('care.backlog.due_months', '2018-01-01', '1', 'domain.md §6.2, §6.4: 归档规定 2009, materials filed within 1 month [V]'),
    ('care.transfer.lowest_grade', '2018-01-01', '6', 'domain.md §5.4: 调任规定 2019, 领导职务 or 四级调研员 and above [V]');

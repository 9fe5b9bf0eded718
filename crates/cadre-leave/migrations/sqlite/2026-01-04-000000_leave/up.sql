-- The leave service's tables. Cadres and units are the directory's: this service keeps a projection of them
-- (directory_cadres, directory_units), fed by the directory's event feed, and never reads its tables.
-- Lengths of leave are whole numbers of half-days (`*_halves`), so sums are exact on either backend.

-- The working calendar: one row per year, one per special day (holidays and 调休 make-up working days).
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY NOT NULL,
    official BOOLEAN NOT NULL,
    source_ref TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE calendar_days (
    day DATE PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX calendar_days_by_year ON calendar_days (year);

-- Leave types, versioned: the row with the latest effective_from not after a date is the policy on it.
CREATE TABLE leave_types (
    code TEXT NOT NULL,
    effective_from DATE NOT NULL,
    name TEXT NOT NULL,
    counting_unit TEXT NOT NULL,
    half_day BOOLEAN NOT NULL,
    -- JSON array of {"document": .., "from_halves": ..}.
    documents TEXT NOT NULL,
    max_per_request_halves INTEGER,
    max_per_year_halves INTEGER,
    requires_balance BOOLEAN NOT NULL,
    counts_toward_cumulative BOOLEAN NOT NULL,
    eligible_gender TEXT,
    source_ref TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (code, effective_from)
);

CREATE TABLE unit_settings (
    org_unit_id TEXT PRIMARY KEY NOT NULL,
    sensitive BOOLEAN NOT NULL,
    max_away_percent INTEGER NOT NULL,
    refuse_over_ratio BOOLEAN NOT NULL,
    liaison_leader_cadre_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE reporting_lines (
    cadre_id TEXT PRIMARY KEY NOT NULL,
    section_head_cadre_id TEXT NOT NULL,
    supervising_leader_cadre_id TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE blackout_periods (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    -- Empty for the whole district.
    org_unit_id TEXT NOT NULL,
    refuse BOOLEAN NOT NULL,
    -- Comma-separated type codes.
    exempt_types TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX blackout_periods_by_end ON blackout_periods (end_date);

CREATE TABLE protected_statuses (
    cadre_id TEXT PRIMARY KEY NOT NULL,
    status TEXT NOT NULL,
    until_date DATE NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE leave_requests (
    id TEXT PRIMARY KEY NOT NULL,
    applicant_cadre_id TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    leave_type TEXT NOT NULL,
    start_date DATE NOT NULL,
    start_half TEXT NOT NULL,
    end_date DATE NOT NULL,
    end_half TEXT NOT NULL,
    days_halves INTEGER NOT NULL,
    calendar_halves INTEGER NOT NULL,
    reason TEXT NOT NULL,
    destination TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    acting_deputy_cadre_id TEXT NOT NULL,
    -- JSON array of document codes.
    documents TEXT NOT NULL,
    state TEXT NOT NULL,
    applicant_class TEXT NOT NULL,
    cumulative_halves INTEGER NOT NULL,
    extends_request_id TEXT NOT NULL,
    extended_by_request_id TEXT NOT NULL,
    return_date DATE,
    return_half TEXT NOT NULL,
    cancel_reason TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    -- JSON {"difficult_birth":..,"babies":..,"miscarriage_months":..} or empty.
    maternity TEXT NOT NULL,
    -- Comma-separated escalation codes.
    raised_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX leave_requests_by_applicant ON leave_requests (applicant_cadre_id, start_date);
CREATE INDEX leave_requests_by_state_end ON leave_requests (state, end_date);
CREATE INDEX leave_requests_by_unit ON leave_requests (org_unit_id, start_date);

CREATE TABLE approval_steps (
    leave_request_id TEXT NOT NULL REFERENCES leave_requests (id),
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    why TEXT NOT NULL,
    -- A named approver, or empty when a pool ('ORG_DEPARTMENT', 'DISTRICT_COMMITTEE') decides.
    assignee_cadre_id TEXT NOT NULL,
    pool TEXT NOT NULL,
    assignee_name TEXT NOT NULL,
    state TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    on_behalf_of TEXT NOT NULL,
    comment TEXT NOT NULL,
    decided_at TIMESTAMP,
    due_at TIMESTAMP,
    reminded_at TIMESTAMP,
    escalated_at TIMESTAMP,
    escalated_to_cadre_id TEXT NOT NULL,
    PRIMARY KEY (leave_request_id, idx)
);
CREATE INDEX approval_steps_by_assignee ON approval_steps (state, assignee_cadre_id);
CREATE INDEX approval_steps_by_pool ON approval_steps (state, pool);
CREATE INDEX approval_steps_by_due ON approval_steps (state, due_at);

-- Append-only: rows are inserted, never updated or deleted. Balances are sums.
CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    leave_type TEXT NOT NULL,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    halves INTEGER NOT NULL,
    reason TEXT NOT NULL,
    leave_request_id TEXT NOT NULL,
    effective_date DATE NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_entries_by_cadre ON ledger_entries (cadre_id, year, leave_type);

CREATE TABLE travel_filings (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    destination TEXT NOT NULL,
    reason TEXT NOT NULL,
    depart_date DATE NOT NULL,
    depart_part TEXT NOT NULL,
    return_date DATE NOT NULL,
    return_part TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    deputy_cadre_id TEXT NOT NULL,
    both_away_reason TEXT NOT NULL,
    late BOOLEAN NOT NULL,
    late_reason TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX travel_filings_by_cadre ON travel_filings (cadre_id, depart_date);
CREATE INDEX travel_filings_by_return ON travel_filings (return_date);

CREATE TABLE travel_changes (
    filing_id TEXT NOT NULL REFERENCES travel_filings (id),
    seq INTEGER NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (filing_id, seq)
);

CREATE TABLE overdue_cases (
    id TEXT PRIMARY KEY NOT NULL,
    leave_request_id TEXT NOT NULL UNIQUE,
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    org_unit_id TEXT NOT NULL,
    due_back_date DATE NOT NULL,
    state TEXT NOT NULL,
    absent_days INTEGER NOT NULL,
    consecutive_days INTEGER NOT NULL,
    year_days INTEGER NOT NULL,
    protected_status TEXT NOT NULL,
    return_date DATE,
    opened_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX overdue_cases_by_state ON overdue_cases (state);

-- Every 旷工 working day, once per cadre and day, whichever case counted it.
CREATE TABLE absence_days (
    cadre_id TEXT NOT NULL,
    day DATE NOT NULL,
    case_id TEXT NOT NULL,
    PRIMARY KEY (cadre_id, day)
);

-- The projection of the directory: what routing, scope and reports need, kept current from its feed.
CREATE TABLE directory_units (
    id TEXT PRIMARY KEY NOT NULL,
    parent_id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Materialised path of ids, root first: /a/b/c/.
    path TEXT NOT NULL,
    active BOOLEAN NOT NULL
);
CREATE INDEX directory_units_by_path ON directory_units (path);

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
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX directory_cadres_by_employing ON directory_cadres (employing_unit_id);
CREATE INDEX directory_cadres_by_managing ON directory_cadres (managing_unit_id);

-- Where the projection has read the directory's feed up to.
CREATE TABLE feed_cursors (
    source TEXT PRIMARY KEY NOT NULL,
    cursor TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

INSERT INTO policy_values (policy_key, effective_from, value, source_ref) VALUES
    ('leave.tier.one_day_halves', '2019-01-01', '2', 'domain.md §3.2 recommended district model [I]'),
    ('leave.tier.short_halves', '2019-01-01', '6', 'domain.md §3.2 recommended district model [I]'),
    ('leave.tier.medium_halves', '2019-01-01', '20', 'domain.md §3.2 recommended district model [I]'),
    ('leave.tier.cumulative_threshold_halves', '2019-01-01', '60', 'seed [B]; domain.md §10.2: 30 calendar days or more'),
    ('leave.tier.stepwise', '2019-01-01', '1', 'domain.md §3.2 (逐级审批) [I]'),
    ('leave.return.grace_working_days', '2019-01-01', '1', 'domain.md §3.4: 销假 within 1 day of the end [V]'),
    ('leave.step.due_working_days', '2019-01-01', '2', 'district practice [L]'),
    ('leave.step.remind_before_hours', '2019-01-01', '24', 'district practice [L]'),
    ('leave.delegation.max_chain', '2019-01-01', '3', 'design [I]'),
    ('leave.absence.consecutive_limit', '2019-01-01', '15', '公务员法 第八十八条 [V]; working days [S]'),
    ('leave.absence.yearly_limit', '2019-01-01', '30', '公务员法 第八十八条 [V]'),
    ('leave.annual.tiers', '2008-01-01', '1:5,10:10,20:15', '年休假条例 第三条 [V]'),
    ('leave.exclusion.personal_days', '2008-01-01', '20', '年休假条例 第四条 [V]'),
    ('leave.exclusion.sick_months', '2008-01-01', '1:2,10:3,20:4', '年休假条例 第四条 [V]'),
    ('leave.exclusion.month_days', '2008-01-01', '30', 'design [I]: a month of 病假 as 30 calendar days'),
    ('leave.travel.notice_days', '2019-01-01', '1', 'domain.md §3.3 (盘锦: 1 day) [L]'),
    ('leave.travel.emergency_completion_days', '2019-01-01', '2', 'domain.md §3.3 [L]'),
    ('leave.on_duty.default_max_away_percent', '2019-01-01', '0', 'per unit [L]; 0 = no limit unless a unit sets one'),
    ('leave.maternity.local_extra_days', '2012-04-28', '0', '女职工劳动保护特别规定 第七条 [V]; provincial extra days [L]'),
    ('leave.family_visit.spouse_days', '1981-03-14', '30', '国务院《关于职工探亲待遇的规定》第四条 [V]'),
    ('leave.family_visit.parents_unmarried_days', '1981-03-14', '20', '国务院《关于职工探亲待遇的规定》第四条 [V]'),
    ('leave.family_visit.parents_unmarried_biennial_days', '1981-03-14', '45', '国务院《关于职工探亲待遇的规定》第四条 [V]'),
    ('leave.family_visit.parents_married_days', '1981-03-14', '20', '国务院《关于职工探亲待遇的规定》第四条 [V]');

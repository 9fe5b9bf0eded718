-- The directory's tables: the unit tree, cadre records and their history, accounts.

-- Kinds of unit are data: a district can add its own (e.g. "development_zone") without a release.
CREATE TABLE unit_kinds (
    code TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL,
    tier INTEGER NOT NULL
);
INSERT INTO unit_kinds (code, display_name, tier) VALUES
    ('district', '区', 0),
    ('town', '镇', 1),
    ('street', '街道', 1),
    ('district_unit', '区直单位', 1),
    ('village', '村', 2),
    ('community', '社区', 2);

-- path is '/<root id>/.../<own id>/': a subtree is a prefix match, and a move rewrites the prefix.
CREATE TABLE org_units (
    id TEXT PRIMARY KEY NOT NULL,
    parent_id TEXT REFERENCES org_units (id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL REFERENCES unit_kinds (code),
    depth INTEGER NOT NULL,
    path TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    closed_reason TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX org_units_parent ON org_units (parent_id, code);
CREATE INDEX org_units_depth_code ON org_units (depth, code);

CREATE TABLE cadres (
    id TEXT PRIMARY KEY NOT NULL,
    external_id TEXT UNIQUE,
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    citizen_id TEXT NOT NULL UNIQUE,
    birth_date DATE NOT NULL,
    work_start_date DATE,
    party_entry_date DATE,
    education TEXT NOT NULL,
    category TEXT NOT NULL,
    employing_unit_id TEXT NOT NULL REFERENCES org_units (id),
    managing_unit_id TEXT NOT NULL REFERENCES org_units (id),
    post_title TEXT NOT NULL,
    post_level TEXT NOT NULL,
    is_leader BOOLEAN NOT NULL,
    is_team_member BOOLEAN NOT NULL,
    is_principal BOOLEAN NOT NULL,
    post_start_date DATE,
    rank_grade TEXT,
    rank_start_date DATE,
    status TEXT NOT NULL,
    work_history TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cadres_employing_unit ON cadres (employing_unit_id);
CREATE INDEX cadres_managing_unit ON cadres (managing_unit_id);
CREATE INDEX cadres_name ON cadres (name);
CREATE INDEX cadres_rank ON cadres (rank_grade);

CREATE TABLE cadre_changes (
    id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL REFERENCES cadres (id),
    version BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    changed_fields TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    UNIQUE (cadre_id, version)
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    cadre_id TEXT REFERENCES cadres (id),
    roles TEXT NOT NULL,
    scope_unit_id TEXT REFERENCES org_units (id),
    clearances TEXT NOT NULL,
    external_subject TEXT UNIQUE,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The numbers behind the consistency checks (domain.md §6.3), as versioned policy.
INSERT INTO policy_values (policy_key, effective_from, value, source_ref) VALUES
    ('directory.min_party_entry_age', '1982-09-06', '18', '中国共产党章程 第一条: 年满十八岁'),
    ('directory.min_work_start_age', '1995-01-01', '16', '中华人民共和国劳动法 第十五条'),
    ('directory.work_history_gap_warning_months', '2018-11-01', '6', 'domain.md §6.3 [I]: gaps > N months warn');

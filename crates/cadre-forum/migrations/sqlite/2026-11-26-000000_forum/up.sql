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

-- The forum service's own tables. Units and cadres are the directory's: the projection above keeps them.
-- Enum-valued columns hold the proto enum's name without its prefix (DISTRICT, ACTIVE, CHECK_IN); '' stands
-- for none. Instants are UTC.

-- A lecture forum (干部讲坛) of one unit.
CREATE TABLE forums (
    id TEXT PRIMARY KEY NOT NULL,
    -- DISTRICT, UNIT or VILLAGE: from the owner unit's kind when proposed.
    level TEXT NOT NULL,
    owner_unit_id TEXT NOT NULL,
    owner_unit_name TEXT NOT NULL,
    -- The parent town or street that decides on a village forum; '' for the org department.
    approving_unit_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    -- PROPOSED, ACTIVE, SUSPENDED or CLOSED.
    status TEXT NOT NULL,
    -- The owner unit while the forum is not closed, NULL once closed: the unique index keeps one open
    -- forum per unit (both databases let NULLs repeat in a unique index).
    open_owner_unit_id TEXT,
    proposed_by TEXT NOT NULL,
    proposed_at TIMESTAMP NOT NULL,
    approved_by TEXT NOT NULL,
    approved_on DATE,
    status_reason TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX forums_one_open_per_unit ON forums (open_owner_unit_id);
CREATE INDEX forums_by_owner ON forums (owner_unit_id);

-- The district's plan of a year: the minimum sessions per level. Its themes are plan_themes.
CREATE TABLE district_plans (
    year INTEGER PRIMARY KEY NOT NULL,
    district_minimum INTEGER NOT NULL,
    unit_minimum INTEGER NOT NULL,
    village_minimum INTEGER NOT NULL,
    set_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE plan_themes (
    id TEXT PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE INDEX plan_themes_by_year ON plan_themes (year, idx);

-- A forum's plan of a year.
CREATE TABLE forum_plans (
    forum_id TEXT NOT NULL REFERENCES forums (id),
    year INTEGER NOT NULL,
    planned_sessions INTEGER NOT NULL,
    planned_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (forum_id, year)
);

-- One session (一期) of a forum. The speaker is a cadre (speaker_cadre_id) or a guest (speaker_cadre_id
-- ''): the row is also the speaker's duty record.
CREATE TABLE forum_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    forum_id TEXT NOT NULL REFERENCES forums (id),
    level TEXT NOT NULL,
    owner_unit_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    theme_id TEXT NOT NULL,
    speaker_cadre_id TEXT NOT NULL,
    speaker_name TEXT NOT NULL,
    speaker_affiliation TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    place TEXT NOT NULL,
    -- 0: no limit.
    capacity INTEGER NOT NULL,
    credited_minutes INTEGER NOT NULL,
    -- Minutes credited to a cadre speaker once held.
    teaching_minutes INTEGER NOT NULL,
    -- Active cadres the audience named when scheduled, at most the capacity: the attendance rate's
    -- denominator.
    expected_audience INTEGER NOT NULL,
    -- PLANNED, HELD or CANCELLED.
    state TEXT NOT NULL,
    cancel_reason TEXT NOT NULL,
    held_at TIMESTAMP,
    -- The current one-time code ('' until check-in is opened).
    check_in_code TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX forum_sessions_by_forum ON forum_sessions (forum_id, starts_at);
CREATE INDEX forum_sessions_by_owner ON forum_sessions (owner_unit_id, starts_at);
CREATE INDEX forum_sessions_by_speaker ON forum_sessions (speaker_cadre_id, starts_at);
CREATE INDEX forum_sessions_by_start ON forum_sessions (starts_at);

-- Who a session is for: UNIT rows invite the unit's subtree, CADRE rows one person.
CREATE TABLE session_audience (
    session_id TEXT NOT NULL REFERENCES forum_sessions (id),
    kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (session_id, kind, target_id)
);
CREATE INDEX session_audience_by_target ON session_audience (target_id);

-- One person's attendance at one session: once per person and session.
CREATE TABLE attendances (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES forum_sessions (id),
    cadre_id TEXT NOT NULL,
    cadre_name TEXT NOT NULL,
    -- CHECK_IN, SIGN_IN_SHEET or CORRECTION.
    method TEXT NOT NULL,
    credited_minutes INTEGER NOT NULL,
    -- The session's start, kept here so that a year's ledger is one indexed range.
    session_starts_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX attendances_once_per_person ON attendances (session_id, cadre_id);
CREATE INDEX attendances_by_cadre ON attendances (cadre_id, session_starts_at);
-- A year's minutes per person (the learning shortfalls over the district) from the index alone: the range
-- of starts, the person, the session (whether it was held) and the minutes.
CREATE INDEX attendances_by_start ON attendances (session_starts_at, cadre_id, session_id, credited_minutes);

-- The organiser's corrections, kept after a removal deletes the attendance itself.
CREATE TABLE attendance_corrections (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES forum_sessions (id),
    cadre_id TEXT NOT NULL,
    -- ADD or REMOVE.
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    corrected_by TEXT NOT NULL,
    corrected_at TIMESTAMP NOT NULL
);
CREATE INDEX attendance_corrections_by_session ON attendance_corrections (session_id);

-- The HR system's ids of the directory's cadres (sign-in sheets name people by them), kept from the same
-- events as the projection.
CREATE TABLE cadre_external_ids (
    external_id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL
);
CREATE INDEX cadre_external_ids_by_cadre ON cadre_external_ids (cadre_id);

-- The forum policy's defaults (domain::policy::DEFAULT_POLICY), versioned like every policy value.
INSERT INTO policy_values (policy_key, effective_from, value, source_ref) VALUES
    ('forum.check_in.opens_before_minutes', '2019-01-01', '30', 'local default [I]: check-in opens 30 minutes before the start'),
    ('forum.check_in.closes_after_minutes', '2019-01-01', '30', 'local default [I]: check-in closes 30 minutes after the end'),
    ('forum.learning.quota_minutes', '2019-01-01', '720', 'local default [L]: 12 learning hours a year per cadre from the forums; confirm with 组织部'),
    ('forum.minimum_sessions.DISTRICT', '2019-01-01', '6', 'local default [L]: the 大讲坛 at least every other month, unless the year''s plan says otherwise'),
    ('forum.minimum_sessions.UNIT', '2019-01-01', '4', 'local default [L]: each 小讲坛 at least once a quarter, unless the year''s plan says otherwise'),
    ('forum.minimum_sessions.VILLAGE', '2019-01-01', '2', 'local default [L]: each 微讲坛 at least twice a year, unless the year''s plan says otherwise'),
    ('forum.teaching.credit_percent', '2019-01-01', '100', 'local default [I]: a speaker is credited the session''s learning minutes for teaching it');

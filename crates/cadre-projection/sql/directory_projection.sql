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

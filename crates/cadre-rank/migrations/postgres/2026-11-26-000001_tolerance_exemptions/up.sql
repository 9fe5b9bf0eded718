-- 容错 decisions the care service published, by the conduct measure they concern. An exempted measure
-- keeps its row in conduct_measures (the record stays); it only stops restricting promotion. A decision may
-- arrive before the measure it concerns: the two feeds are independent.
CREATE TABLE tolerance_exemptions (
    measure_source_id TEXT PRIMARY KEY NOT NULL,
    cadre_id TEXT NOT NULL,
    review_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_on DATE NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tolerance_exemptions_cadre ON tolerance_exemptions (cadre_id);

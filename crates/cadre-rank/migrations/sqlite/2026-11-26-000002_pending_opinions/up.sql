-- 党风廉政意见 the discipline body answered (through the oversight service) before their promotion case
-- reached its 考察, the only stage that takes one: at most one per case (the first answer, as on the case
-- itself), recorded on the case in the transaction that moves it into 考察 and then dropped. A case that
-- gets an opinion otherwise (the inspector's) or closes first drops it too.
CREATE TABLE pending_opinions (
    case_id TEXT PRIMARY KEY NOT NULL REFERENCES rank_cases (id),
    clear BOOLEAN NOT NULL,
    note TEXT NOT NULL,
    given_by TEXT NOT NULL,
    given_on DATE NOT NULL,
    -- The oversight service's opinion, so that a second delivery of it is known for one.
    opinion_id TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);

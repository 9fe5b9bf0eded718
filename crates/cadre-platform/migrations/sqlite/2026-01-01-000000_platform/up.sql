-- The platform's tables, present in every service's database.

-- AIP-155 request ids: the first response of each mutation, replayed on retry.
CREATE TABLE idempotency_keys (
    request_id TEXT PRIMARY KEY NOT NULL,
    method TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The audit chain: one row per mutation or sensitive read, each hash covering the previous one.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    record_id TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    on_behalf_of TEXT NOT NULL,
    method TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- The transactional outbox behind the event feed.
CREATE TABLE outbox_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload BLOB NOT NULL,
    traceparent TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);

CREATE TABLE feed_state (
    id INTEGER PRIMARY KEY NOT NULL,
    pruned_through BIGINT NOT NULL
);
INSERT INTO feed_state (id, pruned_through) VALUES (1, 0);

-- Versioned policy values: every number from a regulation, with the date it took effect and its source.
CREATE TABLE policy_values (
    policy_key TEXT NOT NULL,
    effective_from DATE NOT NULL,
    value TEXT NOT NULL,
    source_ref TEXT NOT NULL,
    PRIMARY KEY (policy_key, effective_from)
);

DROP TABLE policy_values;
DROP TABLE feed_state;
DROP TABLE outbox_events;
DROP TABLE audit_log;
DROP TABLE audit_head;
DROP TABLE idempotency_keys;

//! Diesel schema of the platform's tables (see `migrations/`).

diesel::table! {
    idempotency_keys (request_id) {
        request_id -> Text,
        method -> Text,
        request_hash -> Text,
        response -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        record_id -> Text,
        recorded_at -> Timestamp,
        actor -> Text,
        on_behalf_of -> Text,
        method -> Text,
        object_type -> Text,
        object_id -> Text,
        outcome -> Text,
        trace_id -> Text,
        request_id -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    outbox_events (seq) {
        seq -> BigInt,
        event_id -> Text,
        event_type -> Text,
        subject -> Text,
        payload -> Binary,
        traceparent -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    feed_state (id) {
        id -> Integer,
        pruned_through -> BigInt,
    }
}

diesel::table! {
    policy_values (policy_key, effective_from) {
        policy_key -> Text,
        effective_from -> Date,
        value -> Text,
        source_ref -> Text,
    }
}

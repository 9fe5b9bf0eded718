//! Diesel schema of the identity service's tables (see `migrations/`).

diesel::table! {
    credentials (account_id) {
        account_id -> Text,
        username -> Text,
        password_hash -> Text,
        failed_attempts -> Integer,
        locked_until -> Nullable<Timestamp>,
        totp_secret -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        totp_enrolled_at -> Nullable<Timestamp>,
        totp_pending_secret -> Nullable<Text>,
        totp_pending_id -> Nullable<Text>,
        password_set_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_digest -> Text,
        account_id -> Text,
        mfa -> Bool,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Text,
    }
}

diesel::table! {
    service_keys (key_id) {
        key_id -> Text,
        account_id -> Text,
        display_name -> Text,
        secret_digest -> Text,
        creator -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

-- The identity service's tables: password credentials with their second factor and lockout state, sessions
-- and service keys. Accounts are the directory's; account_id is its id, with no foreign key across databases.

-- One row per person who signs in with a password. username is copied from the directory (where it never
-- changes) so that Login finds the row without asking the directory first.
CREATE TABLE credentials (
    account_id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    -- argon2id PHC string.
    password_hash TEXT NOT NULL,
    -- Consecutive failed sign-ins since the last success or lock.
    failed_attempts INTEGER NOT NULL,
    locked_until TIMESTAMP,
    -- The confirmed TOTP secret (base32: TOTP needs the secret itself, not a digest) and the last time step
    -- used, below which no code is accepted again.
    totp_secret TEXT,
    totp_last_step BIGINT,
    totp_enrolled_at TIMESTAMP,
    -- An enrolment begun and not yet confirmed.
    totp_pending_secret TEXT,
    totp_pending_id TEXT,
    password_set_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Sessions of the built-in login. Only the SHA-256 digest of the bearer token is kept.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    token_digest TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    mfa BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- Refreshed at most once a minute, so a busy session does not write on every call.
    last_seen_at TIMESTAMP NOT NULL,
    -- The absolute end, whatever the use.
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Keys of service accounts (the HR system, the discipline-inspection system). Only the SHA-256 digest of the
-- secret part is kept; the key id is public and finds the row.
CREATE TABLE service_keys (
    key_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    creator TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX service_keys_by_account ON service_keys (account_id, key_id);

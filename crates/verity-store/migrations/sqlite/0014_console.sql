-- The operator console (docs/console.md), sqlite. Kept in step with ../postgres/0014_console.sql.
--
-- operators: console accounts. `password_hash` is an Argon2id PHC string; the password is
-- never stored. `failed_sign_ins` counts wrong passwords since the last sign-in or lock;
-- reaching the limit sets `locked_until` and starts the count again.
CREATE TABLE operators (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    email           TEXT    NOT NULL UNIQUE,
    role            TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    disabled_at     INTEGER,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Console sessions: only the SHA-256 of the cookie's token is stored.
CREATE TABLE operator_sessions (
    token_hash   TEXT    PRIMARY KEY,
    operator_id  TEXT    NOT NULL REFERENCES operators (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ended_at     INTEGER
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- The audit trail: append-only (the triggers refuse every update and delete, a
-- redaction's included: a record names an inquiry, never its personal data).
CREATE TABLE audit_records (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    actor_kind TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    inquiry_id TEXT,
    address    TEXT,
    detail     TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX audit_records_inquiry ON audit_records (inquiry_id, seq);

CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;

CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;

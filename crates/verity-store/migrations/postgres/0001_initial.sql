-- Verity schema, version 1 (PostgreSQL). Kept in step with ../sqlite/0001_initial.sql:
-- same tables, columns and indexes; only the column types differ.
--
-- Every table has an auto-increment `seq`: it orders lists (newest first) and backs the
-- page cursors, so ids can stay random. Domain objects live whole in a JSON `doc`
-- column (the serde form of the verity-core type); the other columns exist only to be
-- filtered, indexed or constrained. Timestamps are epoch milliseconds.
--
-- `doc` and `payload` are TEXT rather than JSONB: SQL never looks inside them (filters
-- use real columns), and TEXT saves a parse on every write and keeps the exact bytes.
--
-- Webhook tables (endpoints, deliveries) come in a later migration, 0002.

CREATE TABLE templates (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    status     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    doc        TEXT    NOT NULL
);

-- Which template published a version, so `template_by_version` is one index lookup.
CREATE TABLE template_versions (
    id           TEXT    PRIMARY KEY,
    template_id  TEXT    NOT NULL REFERENCES templates (id),
    published_at BIGINT  NOT NULL
);

CREATE TABLE accounts (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    reference_id TEXT    UNIQUE,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    doc          TEXT    NOT NULL
);

CREATE TABLE inquiries (
    seq                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  TEXT    NOT NULL UNIQUE,
    status              TEXT    NOT NULL,
    reference_id        TEXT,
    account_id          TEXT    REFERENCES accounts (id),
    template_id         TEXT    NOT NULL,
    template_version_id TEXT    NOT NULL,
    expires_at          BIGINT  NOT NULL,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL,
    revision            BIGINT  NOT NULL,
    doc                 TEXT    NOT NULL
);
CREATE INDEX inquiries_by_reference ON inquiries (reference_id, seq);
CREATE INDEX inquiries_by_account ON inquiries (account_id, seq);
CREATE INDEX inquiries_by_status ON inquiries (status, seq);
CREATE INDEX inquiries_by_template ON inquiries (template_id, seq);
-- The expiry sweeper only ever looks at open inquiries.
CREATE INDEX inquiries_open_by_expiry ON inquiries (expires_at, seq)
    WHERE status IN ('created', 'pending');

CREATE TABLE inquiry_sessions (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    inquiry_id TEXT    NOT NULL REFERENCES inquiries (id),
    -- Authoritative; the copy inside `doc` is the status at creation.
    status     TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    doc        TEXT    NOT NULL
);
CREATE INDEX inquiry_sessions_by_inquiry ON inquiry_sessions (inquiry_id, seq);

CREATE TABLE events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    subject_id TEXT    NOT NULL,
    inquiry_id TEXT,
    created_at BIGINT  NOT NULL,
    payload    TEXT    NOT NULL
);
CREATE INDEX events_by_inquiry ON events (inquiry_id, seq);
CREATE INDEX events_by_name ON events (name, seq);
CREATE INDEX events_by_created_at ON events (created_at);

CREATE TABLE documents (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    inquiry_id     TEXT    NOT NULL REFERENCES inquiries (id),
    kind           TEXT    NOT NULL,
    side           TEXT    NOT NULL,
    id_class       TEXT,
    capture_method TEXT    NOT NULL,
    content_type   TEXT    NOT NULL,
    byte_size      BIGINT  NOT NULL,
    sha256         TEXT    NOT NULL,
    bytes          BYTEA   NOT NULL,
    created_at     BIGINT  NOT NULL
);
CREATE INDEX documents_by_inquiry ON documents (inquiry_id, seq);

CREATE TABLE api_keys (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    hint       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE idempotency (
    api_key_id   TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       BIGINT  NOT NULL,
    body         BYTEA   NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotency_by_created_at ON idempotency (created_at);

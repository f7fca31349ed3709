-- Webhook endpoints and the delivery outbox (PostgreSQL). Kept in step with
-- ../sqlite/0002_webhooks.sql: same tables, columns and indexes; only types differ.
--
-- `webhooks.events` is `*` (every event) or the subscribed names wrapped in commas
-- (`,inquiry.created,inquiry.completed,`), so the outbox insert inside `Store::commit`
-- matches with one `LIKE` and no JSON functions. Secrets are stored because every
-- delivery is signed with them; they are never returned by the API after creation.

CREATE TABLE webhooks (
    seq                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                         TEXT    NOT NULL UNIQUE,
    url                        TEXT    NOT NULL,
    status                     TEXT    NOT NULL,
    events                     TEXT    NOT NULL,
    -- JSON array of attribute names removed from `payload.data.attributes`.
    blocklist                  TEXT    NOT NULL,
    secret                     TEXT    NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at BIGINT,
    -- First failure since the last success (NULL while healthy).
    failing_since              BIGINT,
    disabled_reason            TEXT,
    created_at                 BIGINT  NOT NULL,
    updated_at                 BIGINT  NOT NULL
);

-- One row per (event, subscribed endpoint), written in the transaction of the event.
-- `status`: pending (due at `next_attempt_at`; in flight while `lease_until` is in the
-- future), delivered, failed (schedule used up).
CREATE TABLE webhook_deliveries (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    webhook_id      TEXT    NOT NULL REFERENCES webhooks (id),
    event_id        TEXT    NOT NULL REFERENCES events (id),
    event_seq       BIGINT  NOT NULL,
    event_name      TEXT    NOT NULL,
    -- '' for events without an inquiry: they are ordered with nothing.
    inquiry_id      TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        BIGINT  NOT NULL,
    next_attempt_at BIGINT  NOT NULL,
    lease_until     BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
-- The ordering check: is an earlier delivery for this endpoint and inquiry pending?
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, inquiry_id, event_seq)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, seq);

CREATE TABLE webhook_attempts (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id TEXT    NOT NULL REFERENCES webhook_deliveries (id),
    attempt     BIGINT  NOT NULL,
    started_at  BIGINT  NOT NULL,
    latency_ms  BIGINT  NOT NULL,
    status_code BIGINT,
    error       TEXT,
    -- When the next attempt is due (NULL once delivered or given up).
    next_attempt_at BIGINT 
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, seq);

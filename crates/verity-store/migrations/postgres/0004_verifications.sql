-- Verifications and workflow runs (postgres). Kept in step with ../sqlite/0004_verifications.sql.
--
-- `verifications`: one row per checked submission (`ver_…`), the whole object in `doc`.
-- The checks worker claims `submitted` rows whose lease has run out (`lease_until <= now`),
-- so a worker that died mid-run leaves its row to be claimed again.
--
-- `workflow_runs`: at most one per inquiry, written in the commit that completes or fails
-- it. `due_at` is when the run next acts (a `wait` moves it forward), so a pending wait
-- survives a restart; `rule` is the matched rule's index (NULL: not matched yet) and
-- `action` the next action's index within it.
-- The issuing country a government-ID side was uploaded with (`US`, `DE`, …): which
-- checks apply depends on it (a PDF417 barcode on North American cards, an MRZ elsewhere).
ALTER TABLE documents ADD COLUMN country TEXT;

CREATE TABLE verifications (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    inquiry_id  TEXT    NOT NULL REFERENCES inquiries (id),
    status      TEXT    NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX verifications_by_inquiry ON verifications (inquiry_id, seq);
CREATE INDEX verifications_claim ON verifications (lease_until, seq) WHERE status = 'submitted';

CREATE TABLE workflow_runs (
    inquiry_id  TEXT    PRIMARY KEY REFERENCES inquiries (id),
    status      TEXT    NOT NULL,
    rule        BIGINT,
    action      BIGINT NOT NULL,
    due_at      BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX workflow_runs_due ON workflow_runs (due_at) WHERE status = 'pending';

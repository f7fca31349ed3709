-- The inquiry a recorded idempotent response is about (its `data.id`), sqlite. Kept in step
-- with ../postgres/0007_idempotency_inquiry.sql.
--
-- Erasure finds an inquiry's recorded responses by it and replaces their bodies with the
-- redacted form, so replaying the request that created an inquiry never returns what
-- the redaction removed.
ALTER TABLE idempotency ADD COLUMN inquiry_id TEXT;
CREATE INDEX idempotency_by_inquiry ON idempotency (inquiry_id);

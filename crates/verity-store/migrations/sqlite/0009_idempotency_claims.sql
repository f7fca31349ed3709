-- Idempotency keys are claimed before the request runs, sqlite. Kept in step with
-- ../postgres/0009_idempotency_claims.sql.
--
-- A row is first written as a claim (`state = 'claimed'`, no response yet, `claim_token`
-- naming the request that holds it); concurrent requests with the same key find it and
-- wait for the response instead of running the request again. The response replaces
-- the claim (`state = 'done'`), in the same transaction as the change where the use
-- case allows. Rows from before this migration are finished records.
ALTER TABLE idempotency ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
ALTER TABLE idempotency ADD COLUMN claim_token TEXT;

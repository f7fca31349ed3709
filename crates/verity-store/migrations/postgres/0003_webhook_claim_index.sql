-- The claim's index (postgres). Kept in step with ../sqlite/0003_webhook_claim_index.sql.
--
-- The claim walks pending deliveries in (next_attempt_at, event_seq) order and stops at
-- its LIMIT. With only (next_attempt_at) indexed, both backends had to read every due
-- pending row and sort them by event_seq before taking the first few (PostgreSQL an
-- incremental sort, SQLite a temporary B-tree over the whole backlog); with both columns
-- the index yields rows already in claim order and the scan stops after LIMIT claimable
-- rows. The ordering check keeps using webhook_deliveries_order (0002).
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_claim ON webhook_deliveries (next_attempt_at, event_seq)
    WHERE status = 'pending';

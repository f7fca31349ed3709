-- Retention, sqlite. Kept in step with ../postgres/0011_retention.sql.
--
-- `retained_since` is when an inquiry reached the final state it is in (completed, failed,
-- expired, approved, declined); NULL while it is open or awaiting review and once it is
-- redacted (`Inquiry::retained_since`, written with every inquiry row). The retention sweep
-- (docs/operations.md §1) finds the inquiries of a template kept past their time
-- through the partial index, which holds only rows that can become due.
--
-- Rows from before this migration get their last update as the start: never earlier than
-- the true time, so a backfilled inquiry is kept at least as long as it should be.
ALTER TABLE inquiries ADD COLUMN retained_since INTEGER;
UPDATE inquiries SET retained_since = updated_at
    WHERE status IN ('completed', 'failed', 'expired', 'approved', 'declined')
      AND json_extract(doc, '$."redacted-at"') IS NULL;
CREATE INDEX inquiries_retained ON inquiries (template_id, retained_since)
    WHERE retained_since IS NOT NULL;

-- Optimistic revisions for templates and webhook endpoints, and published template
-- versions as rows of their own, sqlite. Kept in step with ../postgres/0006_revisions.sql.
--
-- `revision` counts updates: a read-modify-write names the revision it read and the
-- update succeeds only if it is still current, so concurrent edits conflict instead of
-- overwriting each other. `template_versions.doc` holds each version as published
-- (JSON), so a version, once recorded, can be read even if a later writer of the
-- template's document did not know of it. Rows from before this migration have none.

ALTER TABLE templates ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE template_versions ADD COLUMN doc TEXT;

-- The console's review tools (docs/console.md §4), postgres. Kept in step with
-- ../sqlite/0015_console_review.sql.
--
-- inquiry_comments: operators' comments on an inquiry. `body` is sealed with the
-- inquiry's data key like its other personal data (docs/encryption.md); a redaction
-- deletes the inquiry's comments.
CREATE TABLE inquiry_comments (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    inquiry_id TEXT    NOT NULL REFERENCES inquiries (id),
    author     TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX inquiry_comments_by_inquiry ON inquiry_comments (inquiry_id, seq);

-- An inquiry's tags, in the clear for the console's tag filter, as `|tag|other|` (empty:
-- none). Written with every inquiry row; rows from before this migration get theirs at
-- their next change (the tags inside the sealed document cannot be read here).
ALTER TABLE inquiries ADD COLUMN tags TEXT NOT NULL DEFAULT '';

-- The names of a finished verification's failed checks, as `|name|other|`, for the
-- console's failed-check filter. Written when a verification finishes.
ALTER TABLE verifications ADD COLUMN failed_checks TEXT NOT NULL DEFAULT '';

-- An inquiry's webhook deliveries, for its console page.
CREATE INDEX webhook_deliveries_by_inquiry ON webhook_deliveries (inquiry_id, seq);

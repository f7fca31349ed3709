-- One-time links of the cross-device hand-off (issue 6), sqlite. Kept in step with
-- ../postgres/0005_one_time_links.sql.
--
-- A link belongs to the inquiry session it creates (the phone's), so the session id is
-- its key. Only the SHA-256 of the code is stored. `status` and `opened_at` are
-- authoritative over the copy in `doc` (opening is a one-row conditional update, which is
-- what lets exactly one of two concurrent openers win).
CREATE TABLE one_time_links (
    session_id TEXT    NOT NULL PRIMARY KEY REFERENCES inquiry_sessions (id),
    inquiry_id TEXT    NOT NULL REFERENCES inquiries (id),
    code_hash  TEXT    NOT NULL UNIQUE,
    status     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    opened_at  INTEGER,
    doc        TEXT    NOT NULL
);
CREATE INDEX one_time_links_by_inquiry ON one_time_links (inquiry_id, created_at);

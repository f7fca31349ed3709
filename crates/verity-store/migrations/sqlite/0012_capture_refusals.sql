-- Captures refused at upload by their instant checks (sqlite), kept in step with
-- ../postgres/0012_capture_refusals.sql (docs/verifications.md §5).
--
-- One row per refused ID side or selfie pose: the template's `max-capture-attempts` bounds
-- how many of them an inquiry may get per side or pose, after which a bad capture is kept
-- for the verification to judge. The rows hold no image and no personal data; a redaction
-- deletes them with the inquiry's documents.
CREATE TABLE capture_refusals (
    inquiry_id  TEXT    NOT NULL REFERENCES inquiries (id),
    kind        TEXT    NOT NULL,
    side        TEXT    NOT NULL,
    check_name  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX capture_refusals_by_capture ON capture_refusals (inquiry_id, kind, side);

-- Stored faces for the duplicate search (`selfie_duplicate`), postgres. Kept in step with
-- ../sqlite/0013_face_embeddings.sql.
--
-- One row per inquiry: the face of its latest checked selfie, as little-endian f32s (unit
-- length), with the identity it was verified under: the reference-id and a digest of the
-- name (never the name itself). Redaction deletes the row.
CREATE TABLE face_embeddings (
    inquiry_id   TEXT    PRIMARY KEY REFERENCES inquiries (id),
    reference_id TEXT,
    name_key     TEXT,
    embedding    BYTEA   NOT NULL,
    created_at   BIGINT  NOT NULL
);

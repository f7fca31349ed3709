-- Envelope encryption at rest (sqlite). Kept in step with ../postgres/0010_data_keys.sql;
-- see docs/encryption.md.
--
-- One data key per inquiry (`owner` = the inquiry id) and one for rows of no inquiry
-- (`owner` = 'server'), each wrapped (XChaCha20-Poly1305) by the key-encryption key
-- `kek_id` of the configured keyring. The KEKs themselves are never stored here.
-- Deleting an inquiry's row (redaction) makes everything its key sealed unreadable.
-- No foreign key: the server key belongs to no inquiry.
CREATE TABLE data_keys (
    owner      TEXT    PRIMARY KEY,
    kek_id     TEXT    NOT NULL,
    wrapped    BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX data_keys_by_kek ON data_keys (kek_id);

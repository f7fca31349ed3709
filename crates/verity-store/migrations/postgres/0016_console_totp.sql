-- The console's optional TOTP second factor (docs/console.md §8), postgres. Kept in step
-- with ../sqlite/0016_console_totp.sql.
--
-- `totp_secret`: the operator's TOTP secret sealed with the server's data key
-- (docs/encryption.md), NULL when not enrolled. `totp_last_step`: the last 30-second time
-- step a code was accepted for; a code of that step or an earlier one is refused (replay).
ALTER TABLE operators ADD COLUMN totp_secret TEXT;
ALTER TABLE operators ADD COLUMN totp_last_step BIGINT;

-- A session whose password was right but whose TOTP code is still to come opens only the
-- code page.
ALTER TABLE operator_sessions ADD COLUMN totp_pending BIGINT NOT NULL DEFAULT 0;

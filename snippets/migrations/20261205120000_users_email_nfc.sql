-- Modify "users" table: new rows must be NFC from now on; existing rows are
-- checked by the next migration, in a transaction of its own, so this one
-- takes its lock only for a moment (no table scan).
ALTER TABLE "users" ADD CONSTRAINT "ck_users_email_nfc" CHECK ((email IS NFC NORMALIZED)) NOT VALID;

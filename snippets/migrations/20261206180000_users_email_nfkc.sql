-- Modify "users" table: an email is stored NFKC-folded (the service folds
-- compatibility characters: a full-width "ａｄａ" is "ada"). NFKC implies
-- NFC, so the NFKC check replaces the NFC one. New rows are checked from
-- now on; existing rows by the next migration, in a transaction of its own,
-- so this one takes its lock only for a moment (no table scan).
ALTER TABLE "users" DROP CONSTRAINT "ck_users_email_nfc", ADD CONSTRAINT "ck_users_email_nfkc" CHECK ((email IS NFKC NORMALIZED)) NOT VALID;

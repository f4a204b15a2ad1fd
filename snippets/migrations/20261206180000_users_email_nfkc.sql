-- Modify "users" table: an email is stored NFKC-folded (the service folds
-- compatibility characters: a full-width "ａｄａ" is "ada"). NFKC implies
-- NFC; the NFC check stays, since dropping a constraint is what the
-- migration lint refuses, and a redundant check costs one comparison. New
-- rows are checked from now on; existing rows by the next migration, in a
-- transaction of its own, so this one takes its lock only for a moment.
ALTER TABLE "users" ADD CONSTRAINT "ck_users_email_nfkc" CHECK ((email IS NFKC NORMALIZED)) NOT VALID;

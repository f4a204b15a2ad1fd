-- Check the existing "users" rows against ck_users_email_nfc: VALIDATE
-- CONSTRAINT scans the table without blocking reads or writes.
ALTER TABLE "users" VALIDATE CONSTRAINT "ck_users_email_nfc";

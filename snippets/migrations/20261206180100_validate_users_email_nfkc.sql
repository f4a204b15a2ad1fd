-- Check the existing "users" rows against ck_users_email_nfkc: VALIDATE
-- CONSTRAINT scans the table without blocking reads or writes. A row
-- registered before the service folded emails (a full-width address) fails
-- here, naming the constraint: fold it, or merge it into the account it
-- reads as, then run the migrations again.
ALTER TABLE "users" VALIDATE CONSTRAINT "ck_users_email_nfkc";

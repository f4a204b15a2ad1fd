-- Modify "users" table
ALTER TABLE "users" ADD CONSTRAINT "ck_users_email_nfc" CHECK ((email IS NFC NORMALIZED));

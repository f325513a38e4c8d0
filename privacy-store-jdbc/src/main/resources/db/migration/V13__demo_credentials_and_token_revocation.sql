-- Credentials made by `plenary serve --demo` are marked, so that they work only while a server runs
-- with --demo, and a new demo start revokes them.
ALTER TABLE credential ADD COLUMN demo BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE staff_member ADD COLUMN demo BOOLEAN DEFAULT FALSE NOT NULL;
-- A staff member's tokens issued before this moment are refused (`plenary staff revoke-tokens`).
ALTER TABLE staff_member ADD COLUMN tokens_not_before TIMESTAMP WITH TIME ZONE;

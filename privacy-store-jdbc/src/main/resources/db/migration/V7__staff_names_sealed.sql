-- Staff names are personal data too: sealed with a key of each staff member's own (in the key
-- store), like people's fields. Names written before this migration are sealed by the platform the
-- first time it opens the vault, and their plain column cleared.
ALTER TABLE staff_member ADD COLUMN name_sealed BYTEA;
ALTER TABLE staff_member ALTER COLUMN name DROP NOT NULL;

-- Aggregate statistics grouped inside the database (C27): each event's coarse dimension values (the primary
-- language tag, the device type, the browser family, the page's host and path), each under a deterministic
-- AEAD (AES-SIV) of the platform's dimension key, with the dimension's name as associated data. Equal values
-- give equal ciphertexts, so the database can group and count them without opening anything; only the
-- distinct groups are opened. The key lives wrapped by the master key in the key store, never here. Rows
-- written before this migration hold NULL and are filled the first time an aggregate reads their period.
ALTER TABLE usage_event ADD COLUMN dim_language BYTEA;
ALTER TABLE usage_event ADD COLUMN dim_device_type BYTEA;
ALTER TABLE usage_event ADD COLUMN dim_browser BYTEA;
ALTER TABLE usage_event ADD COLUMN dim_page BYTEA;

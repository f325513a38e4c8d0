-- Consent comes only from the person (C19): each consent records the channel it came through (the
-- privacy center, the API in the person's session, registration) and, where the person was shown a
-- text, the SHA-256 of that exact text.
ALTER TABLE consent ADD COLUMN channel VARCHAR(32);
ALTER TABLE consent ADD COLUMN shown_sha256 VARCHAR(64);

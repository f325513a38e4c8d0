-- Forgotten passwords (the privacy center): a reset link is mailed to the person; only the SHA-256 of
-- its token is kept, with when it stops working. A link works once: the reset deletes every link of
-- the person, as does the next link asked for (only the newest works). Erasing the person deletes them.
CREATE TABLE password_reset (
  token_hash  VARCHAR(64) PRIMARY KEY,
  subject_id  VARCHAR(40) NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX password_reset_subject ON password_reset (subject_id);
CREATE INDEX password_reset_expires ON password_reset (expires_at);

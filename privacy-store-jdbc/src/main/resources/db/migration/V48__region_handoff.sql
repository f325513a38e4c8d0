-- Sign-in at a node of another region (issue 18): the person's home region checks their address and
-- password and keeps a single-use hand-off for two minutes; the person's browser is sent to it with the
-- hand-off's random token, which it exchanges for a session there. Only the SHA-256 of the token is kept.
CREATE TABLE region_handoff (
  id_hash     VARCHAR(64) PRIMARY KEY,
  subject_id  VARCHAR(40) NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  expires_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX region_handoff_expiry ON region_handoff (expires_at);

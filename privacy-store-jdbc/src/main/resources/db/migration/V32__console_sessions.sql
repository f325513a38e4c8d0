-- Staff sessions of the admin console (/console): a staff member signs in with a staff token (the
-- local issuer) or through OIDC, and the browser gets a session cookie. Only the SHA-256 of the cookie's
-- value is kept, with who it is (the staff id, never a name), the roles the sign-in proved, the CSRF token
-- of the session's forms and when it ends. For the local issuer, the issue time of the token it began
-- with is kept too, so a token revocation ends the sessions it opened. Signing out deletes the row.
CREATE TABLE console_session (
  id_hash          VARCHAR(64)   PRIMARY KEY,
  staff_id         VARCHAR(200)  NOT NULL,
  roles            VARCHAR(1000) NOT NULL,
  staff_type       VARCHAR(32)   NOT NULL,
  source           VARCHAR(8)    NOT NULL,
  token_issued_at  TIMESTAMP WITH TIME ZONE,
  csrf             VARCHAR(64)   NOT NULL,
  created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at       TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT console_session_source CHECK (source IN ('local', 'oidc'))
);
CREATE INDEX console_session_expires ON console_session (expires_at);
CREATE INDEX console_session_staff ON console_session (staff_id);

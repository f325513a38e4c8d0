-- The personal data vault (C2, C11, C14, C19, C29, C34, C35). No personal value is stored in
-- plain text: fields and content are sealed with the person's data key, which lives wrapped by the
-- master key in a separate key store (db/keystore); look-ups use blind indexes.

CREATE TABLE subject (
  id              VARCHAR(40)  PRIMARY KEY,
  home_region     VARCHAR(16)  NOT NULL,
  email_index     VARCHAR(64),
  password_hash   VARCHAR(200),
  policy_version  INTEGER      NOT NULL,
  created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT subject_email_index UNIQUE (email_index)
);

CREATE TABLE subject_service (
  subject_id     VARCHAR(40) NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  service        VARCHAR(64) NOT NULL,
  registered_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (subject_id, service)
);

CREATE TABLE subject_field (
  subject_id  VARCHAR(40)  NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  field       VARCHAR(64)  NOT NULL,
  category    VARCHAR(100) NOT NULL,
  ciphertext  BYTEA        NOT NULL,
  updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (subject_id, field)
);

CREATE TABLE consent (
  id              VARCHAR(40)  PRIMARY KEY,
  subject_id      VARCHAR(40)  NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  purpose         VARCHAR(100) NOT NULL,
  recipient       VARCHAR(64),
  policy_version  INTEGER      NOT NULL,
  granted_by      VARCHAR(100) NOT NULL,
  granted_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  withdrawn_at    TIMESTAMP WITH TIME ZONE
);
CREATE INDEX consent_subject ON consent (subject_id);

CREATE TABLE content_item (
  id          VARCHAR(40)  PRIMARY KEY,
  subject_id  VARCHAR(40)  NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  service     VARCHAR(64)  NOT NULL,
  kind        VARCHAR(16)  NOT NULL,
  purpose     VARCHAR(100) NOT NULL,
  category    VARCHAR(100) NOT NULL,
  ciphertext  BYTEA        NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX content_subject ON content_item (subject_id);
CREATE INDEX content_expiry ON content_item (expires_at);

-- Requests people make about their data, with the 30-day deadline. Kept after erasure under the pseudonymous id.
CREATE TABLE access_request (
  id            VARCHAR(40) PRIMARY KEY,
  subject_id    VARCHAR(40) NOT NULL,
  kind          VARCHAR(16) NOT NULL,
  requested_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  deadline      TIMESTAMP WITH TIME ZONE NOT NULL,
  served_at     TIMESTAMP WITH TIME ZONE,
  CONSTRAINT access_request_kind CHECK (kind IN ('export', 'correction', 'erasure'))
);
CREATE INDEX access_request_subject ON access_request (subject_id);

-- What an erasure removed: categories and counts, under the pseudonymous id only.
CREATE TABLE erasure_record (
  id          VARCHAR(40)   PRIMARY KEY,
  subject_id  VARCHAR(40)   NOT NULL,
  erased_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  summary     VARCHAR(2000) NOT NULL
);

-- Notices to recipients that received a value later corrected (C35).
CREATE TABLE correction_notice (
  id          VARCHAR(40)  PRIMARY KEY,
  subject_id  VARCHAR(40)  NOT NULL,
  recipient   VARCHAR(64)  NOT NULL,
  field       VARCHAR(64)  NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Signed-in people. Only the SHA-256 of the session id is stored.
CREATE TABLE web_session (
  id_hash     VARCHAR(64) PRIMARY KEY,
  subject_id  VARCHAR(40) NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  csrf        VARCHAR(64) NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The audit trail (C14, C29): every access, permitted or denied, in a hash chain.
CREATE TABLE audit_head (
  id    INTEGER     PRIMARY KEY,
  seq   BIGINT      NOT NULL,
  hash  VARCHAR(64) NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_entry (
  seq          BIGINT        PRIMARY KEY,
  at           TIMESTAMP WITH TIME ZONE NOT NULL,
  actor_kind   VARCHAR(16)   NOT NULL,
  actor_id     VARCHAR(100)  NOT NULL,
  action       VARCHAR(16)   NOT NULL,
  purpose      VARCHAR(100)  NOT NULL,
  subject_id   VARCHAR(40),
  categories   VARCHAR(2000) NOT NULL,
  effect       VARCHAR(8)    NOT NULL,
  rules        VARCHAR(1000) NOT NULL,
  clauses      VARCHAR(400)  NOT NULL,
  request_id   VARCHAR(64),
  prev_hash    VARCHAR(64)   NOT NULL,
  hash         VARCHAR(64)   NOT NULL
);
CREATE INDEX audit_subject ON audit_entry (subject_id);

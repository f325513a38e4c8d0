-- The consent ledger (C19, C24). Every grant and every withdrawal is a new row of consent_record, never
-- updated; a person's rows go only with the person (erasure: ON DELETE CASCADE). The chain lives apart,
-- in consent_link, over digests that hold no personal value: each link names its entry's sequence
-- number, id, the person's pseudonymous id and the SHA-256 of the entry, and its hash covers those and
-- the previous link's hash. An erasure deletes the entries and keeps their links, so the chain still
-- verifies after it, and a missing entry is an erasure only when the person's erasure record says so.
-- consent_head holds the newest link (its row is the lock appends take); consent_state is the state
-- derived from the ledger, kept in the same transaction as each append, which the engine reads.
CREATE TABLE consent_record (
  id              VARCHAR(40)  PRIMARY KEY,
  seq             BIGINT       NOT NULL,
  subject_id      VARCHAR(40)  NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  purpose         VARCHAR(100) NOT NULL,
  recipient       VARCHAR(64),
  granted         BOOLEAN      NOT NULL,
  policy_version  INTEGER      NOT NULL,
  channel         VARCHAR(32)  NOT NULL,
  actor           VARCHAR(100) NOT NULL,
  at              TIMESTAMP WITH TIME ZONE NOT NULL,
  request_id      VARCHAR(64),
  shown_sha256    VARCHAR(64),
  CONSTRAINT consent_record_seq UNIQUE (seq)
);
CREATE INDEX consent_record_subject ON consent_record (subject_id, seq);

CREATE TABLE consent_link (
  seq         BIGINT       PRIMARY KEY,
  record_id   VARCHAR(40)  NOT NULL,
  subject_id  VARCHAR(40)  NOT NULL,
  digest      VARCHAR(64)  NOT NULL,
  prev_hash   VARCHAR(64)  NOT NULL,
  hash        VARCHAR(64)  NOT NULL
);

-- hash is null while the entries migrated below wait for their links, which the store makes when it opens
CREATE TABLE consent_head (
  id    INTEGER      PRIMARY KEY,
  seq   BIGINT       NOT NULL,
  hash  VARCHAR(64)
);

CREATE TABLE consent_state (
  subject_id      VARCHAR(40)  NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  purpose         VARCHAR(100) NOT NULL,
  recipient_key   VARCHAR(64)  NOT NULL,
  recipient       VARCHAR(64),
  granted         BOOLEAN      NOT NULL,
  policy_version  INTEGER      NOT NULL,
  record_id       VARCHAR(40)  NOT NULL,
  seq             BIGINT       NOT NULL,
  PRIMARY KEY (subject_id, purpose, recipient_key)
);

-- A service's request for a person's consent (C19); the reason is sealed with the person's key.
CREATE TABLE consent_request (
  id            VARCHAR(40)  PRIMARY KEY,
  subject_id    VARCHAR(40)  NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  service       VARCHAR(64)  NOT NULL,
  purpose       VARCHAR(100) NOT NULL,
  recipient     VARCHAR(64),
  reason        BYTEA        NOT NULL,
  status        VARCHAR(16)  NOT NULL,
  requested_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  answered_at   TIMESTAMP WITH TIME ZONE,
  consent_id    VARCHAR(40)
);
CREATE INDEX consent_request_subject ON consent_request (subject_id);

-- The consents of earlier versions, updated in place, become entries: each a grant, and a withdrawal
-- when it was withdrawn (by an actor those versions did not record), in the order they happened.
INSERT INTO consent_record (id, seq, subject_id, purpose, recipient, granted, policy_version, channel, actor, at, request_id, shown_sha256)
  SELECT id, ROW_NUMBER() OVER (ORDER BY at, id), subject_id, purpose, recipient, granted, policy_version, channel, actor, at, NULL, shown_sha256
  FROM (
    SELECT id, subject_id, purpose, recipient, TRUE AS granted, policy_version, COALESCE(channel, 'migrated') AS channel, granted_by AS actor,
           granted_at AS at, shown_sha256
    FROM consent
    UNION ALL
    SELECT 'cw-' || SUBSTRING(id FROM 4), subject_id, purpose, recipient, FALSE, policy_version, 'migrated', 'unknown', withdrawn_at, NULL
    FROM consent WHERE withdrawn_at IS NOT NULL
  ) AS old;

INSERT INTO consent_head (id, seq, hash) SELECT 1, COUNT(*), NULL FROM consent_record;

INSERT INTO consent_state (subject_id, purpose, recipient_key, recipient, granted, policy_version, record_id, seq)
  SELECT r.subject_id, r.purpose, COALESCE(r.recipient, ''), r.recipient, r.granted, r.policy_version, r.id, r.seq
  FROM consent_record r
  WHERE r.seq = (SELECT MAX(o.seq) FROM consent_record o
                 WHERE o.subject_id = r.subject_id AND o.purpose = r.purpose AND COALESCE(o.recipient, '') = COALESCE(r.recipient, ''));

DROP TABLE consent;

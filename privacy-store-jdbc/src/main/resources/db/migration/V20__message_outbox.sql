-- The message gateway (C16): the outbox, people's unsubscriptions, the suppression list. No address
-- is stored here: the sender opens it from the person's sealed fields at send time. Subjects and
-- bodies are sealed with the person's data key; an idempotency key is kept only as its SHA-256.
-- Erasing a person deletes all three (and their key makes any copy unreadable).

CREATE TABLE message_outbox (
  id               VARCHAR(48)  PRIMARY KEY,
  subject_id       VARCHAR(40)  NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  service          VARCHAR(64)  NOT NULL,
  kind             VARCHAR(16)  NOT NULL,
  purpose          VARCHAR(100) NOT NULL,
  idempotency_key  VARCHAR(64),
  subject_sealed   BYTEA        NOT NULL,
  body_sealed      BYTEA        NOT NULL,
  status           VARCHAR(16)  NOT NULL,
  attempts         INTEGER      NOT NULL,
  queued_at        TIMESTAMP WITH TIME ZONE NOT NULL,
  next_attempt_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  sent_at          TIMESTAMP WITH TIME ZONE,
  last_error       VARCHAR(200),
  CONSTRAINT message_idempotency UNIQUE (service, idempotency_key)
);
CREATE INDEX message_due ON message_outbox (status, next_attempt_at);
CREATE INDEX message_subject ON message_outbox (subject_id, kind, queued_at);

CREATE TABLE message_unsubscription (
  subject_id  VARCHAR(40) NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  kind        VARCHAR(16) NOT NULL,
  since       TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (subject_id, kind)
);

CREATE TABLE message_suppression (
  subject_id  VARCHAR(40) PRIMARY KEY REFERENCES subject (id) ON DELETE CASCADE,
  reason      VARCHAR(32) NOT NULL,
  since       TIMESTAMP WITH TIME ZONE NOT NULL
);

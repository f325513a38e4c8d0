-- The message gateway's templates and named audiences (C16).
-- A template is versioned: a change adds a version, and a message names the version it was made from
-- only through its text. Its text is the company's, not a person's: stored as it is. A variable that
-- names a person's field ({{name}}) stays in the queued message's sealed text and is filled from the
-- vault at send time, after the enforcer has decided that the message's purpose may read it.
CREATE TABLE message_template (
  name        VARCHAR(64)  NOT NULL,
  version     INTEGER      NOT NULL,
  kind        VARCHAR(16)  NOT NULL,
  purpose     VARCHAR(100) NOT NULL,
  subject     VARCHAR(200) NOT NULL,
  body        TEXT         NOT NULL,
  created_by  VARCHAR(100) NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (name, version)
);

-- A named audience: a list of people's pseudonymous ids that its owner (a service) saved to send to in
-- bulk by name. Each send still decides every member on their own. Erasing a person removes them.
CREATE TABLE message_audience (
  id          VARCHAR(48)  PRIMARY KEY,
  owner       VARCHAR(100) NOT NULL,
  name        VARCHAR(64)  NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT message_audience_name UNIQUE (owner, name)
);

CREATE TABLE message_audience_member (
  audience_id  VARCHAR(48) NOT NULL REFERENCES message_audience (id) ON DELETE CASCADE,
  subject_id   VARCHAR(40) NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  PRIMARY KEY (audience_id, subject_id)
);
CREATE INDEX message_audience_member_subject ON message_audience_member (subject_id);

-- A bulk send looks up a thousand idempotency keys at once: H2 uses an index for an IN list only on
-- its first column, and the unique key (service, idempotency_key) leads with the service.
CREATE INDEX message_idempotency_lookup ON message_outbox (idempotency_key);

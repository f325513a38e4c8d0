-- Policy versions (C36). Every version published is kept with its full text and effective date, and is
-- never updated but for its notice's progress: the nodes look the version in force up here, so a version
-- comes into force on every node at its effective date without a restart. The policy text is the
-- company's, not personal data.
CREATE TABLE policy_version (
  version          INT          PRIMARY KEY,
  name             VARCHAR(64)  NOT NULL,
  effective_on     DATE         NOT NULL,
  policy_text      TEXT         NOT NULL,
  text_sha256      CHAR(64)     NOT NULL,
  changes          TEXT         NOT NULL,
  published_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  published_by     VARCHAR(100) NOT NULL,
  -- the notice to everyone registered (C36): the last person (in id order) told so far, and when all were
  notified_through VARCHAR(40),
  notified_at      TIMESTAMP WITH TIME ZONE
);

-- A person's answer to a new version's prompt: they were shown what changed (the SHA-256 of the text)
-- and agreed to the version's changed terms. Append-only; goes with the person at erasure.
CREATE TABLE policy_acceptance (
  subject_id   VARCHAR(40)  NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  version      INT          NOT NULL,
  accepted_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  channel      VARCHAR(32)  NOT NULL,
  shown_sha256 CHAR(64),
  request_id   VARCHAR(64),
  PRIMARY KEY (subject_id, version)
);

-- The disclosure gateway (C23-C28, C34): each disclosure, and which fields of whom it released. No
-- value is kept: what went is named by field. A person's rows go with them when they are erased.
CREATE TABLE disclosure (
  id               VARCHAR(40)   PRIMARY KEY,
  recipient        VARCHAR(64),
  purpose          VARCHAR(64)   NOT NULL,
  ground           VARCHAR(32)   NOT NULL,
  categories       VARCHAR(2000) NOT NULL,
  legal_request_id VARCHAR(40),
  made_by          VARCHAR(100)  NOT NULL,
  made_at          TIMESTAMP WITH TIME ZONE NOT NULL,
  people           INT           NOT NULL
);
CREATE TABLE disclosure_subject (
  disclosure_id VARCHAR(40)   NOT NULL REFERENCES disclosure (id),
  subject_id    VARCHAR(40)   NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  fields        VARCHAR(1000) NOT NULL,
  PRIMARY KEY (disclosure_id, subject_id)
);
CREATE INDEX disclosure_subject_by_subject ON disclosure_subject (subject_id);

-- Where a recipient (registered, or named by the policy) takes correction notices (C35). Its signing
-- secret is not stored: it is derived from the server's webhook key, the recipient and when it was set.
CREATE TABLE recipient_endpoint (
  recipient_id VARCHAR(64)   PRIMARY KEY,
  url          VARCHAR(2000) NOT NULL,
  set_at       TIMESTAMP WITH TIME ZONE NOT NULL,
  set_by       VARCHAR(100)  NOT NULL
);

-- Correction notices (V2) are now delivered: their state survives restarts.
ALTER TABLE correction_notice ADD COLUMN disclosure_id VARCHAR(40);
ALTER TABLE correction_notice ADD COLUMN status VARCHAR(16) DEFAULT 'recorded' NOT NULL;
ALTER TABLE correction_notice ADD COLUMN attempts INT DEFAULT 0 NOT NULL;
ALTER TABLE correction_notice ADD COLUMN next_attempt_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE correction_notice ADD COLUMN delivered_at TIMESTAMP WITH TIME ZONE;
CREATE INDEX correction_notice_due ON correction_notice (status, next_attempt_at);

-- Legal requests (C26). The people in scope by pseudonymous id only; a person's rows go with them.
CREATE TABLE legal_request (
  id            VARCHAR(40)   PRIMARY KEY,
  ground        VARCHAR(8)    NOT NULL,
  authority     VARCHAR(200)  NOT NULL,
  reference     VARCHAR(200)  NOT NULL,
  justification VARCHAR(2000) NOT NULL,
  categories    VARCHAR(2000) NOT NULL,
  deadline      DATE          NOT NULL,
  status        VARCHAR(16)   NOT NULL,
  created_by    VARCHAR(100)  NOT NULL,
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  approved_by   VARCHAR(100),
  approved_at   TIMESTAMP WITH TIME ZONE,
  rejected_by   VARCHAR(100),
  rejection     VARCHAR(2000),
  rejected_at   TIMESTAMP WITH TIME ZONE,
  released_by   VARCHAR(100),
  released_at   TIMESTAMP WITH TIME ZONE,
  people        INT           NOT NULL,
  CONSTRAINT legal_request_status CHECK (status IN ('pending', 'approved', 'rejected', 'released'))
);
CREATE INDEX legal_request_created ON legal_request (created_at);
CREATE TABLE legal_request_subject (
  request_id VARCHAR(40) NOT NULL REFERENCES legal_request (id),
  subject_id VARCHAR(40) NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
  PRIMARY KEY (request_id, subject_id)
);

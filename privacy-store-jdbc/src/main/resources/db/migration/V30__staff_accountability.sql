-- Staff accountability (C32, C33): confidentiality agreements on file, grants requested and approved,
-- break-glass access, and incidents. Free texts written by staff (justifications, incident notes) are
-- sealed with the writing staff member's own data key: they may mention a person.

-- Confidentiality agreements (C33): a version of the document, when it was signed and when it runs out.
-- A staff member reads no personal data without one in force. Versions are never edited.
CREATE TABLE staff_agreement (
  id               VARCHAR(40)  PRIMARY KEY,
  staff_id         VARCHAR(40)  NOT NULL REFERENCES staff_member (id),
  document_version VARCHAR(64)  NOT NULL,
  signed_at        TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at       TIMESTAMP WITH TIME ZONE,
  recorded_by      VARCHAR(100) NOT NULL,
  recorded_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX staff_agreement_staff ON staff_agreement (staff_id, signed_at);

-- Agreements filed before this version: their document and expiry were not recorded.
INSERT INTO staff_agreement (id, staff_id, document_version, signed_at, expires_at, recorded_by, recorded_at)
  SELECT 'ag-' || id, id, 'unrecorded', agreement_signed, NULL, 'migration', agreement_signed FROM staff_member WHERE agreement_signed IS NOT NULL;

-- Grants are requested by the staff member with a justification and approved by another privacy
-- officer (status requested -> approved | rejected); a direct grant is approved when given. A grant may
-- name the people it opens (comma-separated pseudonymous ids; null: anyone).
ALTER TABLE staff_grant ADD COLUMN status VARCHAR(16) DEFAULT 'approved' NOT NULL;
ALTER TABLE staff_grant ADD COLUMN subjects VARCHAR(2000);
ALTER TABLE staff_grant ADD COLUMN justification_sealed BYTEA;
ALTER TABLE staff_grant ADD COLUMN requested_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE staff_grant ADD COLUMN decided_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE staff_grant ALTER COLUMN granted_by DROP NOT NULL;
CREATE INDEX staff_grant_status ON staff_grant (status, staff_id);

-- Break-glass (C32, C33): one person's data opened without a grant, for at most an hour, on a justification.
CREATE TABLE break_glass (
  id                   VARCHAR(40)  PRIMARY KEY,
  staff_id             VARCHAR(40)  NOT NULL REFERENCES staff_member (id),
  subject_id           VARCHAR(40)  NOT NULL,
  role                 VARCHAR(64)  NOT NULL,
  categories           VARCHAR(2000) NOT NULL,
  purpose              VARCHAR(64)  NOT NULL,
  justification_sealed BYTEA        NOT NULL,
  opened_at            TIMESTAMP WITH TIME ZONE NOT NULL,
  until_at             TIMESTAMP WITH TIME ZONE NOT NULL,
  incident_id          VARCHAR(40)  NOT NULL
);
CREATE INDEX break_glass_staff ON break_glass (staff_id, subject_id, until_at);

-- Incidents (C33): a staff attempt the engine denied, or a break-glass use. Who, what, when and which
-- rule, never a personal value; followed up and closed by a privacy officer with an outcome and a note.
CREATE TABLE incident (
  id            VARCHAR(40)   PRIMARY KEY,
  kind          VARCHAR(16)   NOT NULL,
  staff_id      VARCHAR(100)  NOT NULL,
  opened_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  operation     VARCHAR(64)   NOT NULL,
  purpose       VARCHAR(64)   NOT NULL,
  subject_id    VARCHAR(40),
  categories    VARCHAR(2000) NOT NULL,
  rules         VARCHAR(2000) NOT NULL,
  clauses       VARCHAR(400)  NOT NULL,
  request_id    VARCHAR(100),
  status        VARCHAR(16)   NOT NULL,
  outcome       VARCHAR(32),
  note_sealed   BYTEA,
  closed_by     VARCHAR(100),
  closed_at     TIMESTAMP WITH TIME ZONE,
  CONSTRAINT incident_kind CHECK (kind IN ('denied', 'break-glass')),
  CONSTRAINT incident_status CHECK (status IN ('open', 'closed')),
  CONSTRAINT incident_outcome CHECK (outcome IS NULL OR outcome IN ('no-action', 'training', 'disciplinary-referral', 'contract-termination'))
);
CREATE INDEX incident_opened ON incident (opened_at);
CREATE INDEX incident_staff ON incident (staff_id, opened_at);

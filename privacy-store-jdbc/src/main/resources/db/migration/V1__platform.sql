-- The platform's own records: who may call it. The same SQL runs on H2 and PostgreSQL.

-- Service and partner keys (C1, C4). Only the SHA-256 of a key is kept; the key is shown once.
CREATE TABLE credential (
  id          VARCHAR(40)  PRIMARY KEY,
  kind        VARCHAR(16)  NOT NULL,
  name        VARCHAR(100) NOT NULL,
  key_prefix  VARCHAR(16)  NOT NULL,
  key_hash    VARCHAR(64)  NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  revoked_at  TIMESTAMP WITH TIME ZONE,
  CONSTRAINT credential_kind CHECK (kind IN ('service', 'partner')),
  CONSTRAINT credential_key_hash UNIQUE (key_hash)
);
CREATE INDEX credential_name ON credential (kind, name);

-- Staff members (C32, C33): typed, with roles, and the date their confidentiality agreement was filed.
CREATE TABLE staff_member (
  id                VARCHAR(40)  PRIMARY KEY,
  name              VARCHAR(200) NOT NULL,
  type              VARCHAR(16)  NOT NULL,
  roles             VARCHAR(400) NOT NULL,
  agreement_signed  TIMESTAMP WITH TIME ZONE,
  created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
  revoked_at        TIMESTAMP WITH TIME ZONE,
  CONSTRAINT staff_type CHECK (type IN ('employee', 'contractor', 'agent'))
);

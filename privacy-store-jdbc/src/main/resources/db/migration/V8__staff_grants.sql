-- Need-to-know staff access (C32): a grant opens categories x purposes, within one of the member's
-- roles, for a bounded time. Staff decisions use the grants in force; revoking one ends it at once.
CREATE TABLE staff_grant (
  id          VARCHAR(40)   PRIMARY KEY,
  staff_id    VARCHAR(40)   NOT NULL REFERENCES staff_member (id),
  role        VARCHAR(64)   NOT NULL,
  categories  VARCHAR(2000) NOT NULL,
  purposes    VARCHAR(1000) NOT NULL,
  valid_from  TIMESTAMP WITH TIME ZONE NOT NULL,
  valid_until TIMESTAMP WITH TIME ZONE NOT NULL,
  granted_by  VARCHAR(100)  NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  revoked_at  TIMESTAMP WITH TIME ZONE
);
CREATE INDEX staff_grant_staff ON staff_grant (staff_id);

-- Internal reviews (C30): reports generated from live data, each signed off by a reviewer.
-- A report names categories, stores, roles and counts: no personal value.
CREATE TABLE review (
  id              VARCHAR(40)  PRIMARY KEY,
  created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  created_by      VARCHAR(100) NOT NULL,
  report          TEXT         NOT NULL,
  signed_off_by   VARCHAR(100),
  signed_off_at   TIMESTAMP WITH TIME ZONE,
  sign_off_note   VARCHAR(2000)
);

-- (H2 and PostgreSQL differ only in the index PostgreSQL adds at the end; H2 has no partial index.)
-- A person's dimensions for aggregate statistics (C27): their country (as the aggregate names it) and their
-- birth date, each under the deterministic AEAD of the platform's dimension key (as usage_event's dim_*
-- columns, V52). Written at registration and at correction, deleted with the person at erasure. The birth
-- date, not the age band, is kept: a band depends on the day asked, and a person has one birth date, so
-- counts by birth date sum exactly into bands.
CREATE TABLE person_dimension (
  subject_id  VARCHAR(40) PRIMARY KEY REFERENCES subject (id) ON DELETE CASCADE,
  country     BYTEA,
  birth_date  BYTEA
);

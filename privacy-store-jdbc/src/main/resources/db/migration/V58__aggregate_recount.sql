-- A recount's scratch rows (C27): the distinct finest groups of an aggregate's period as the database
-- grouped them (dim_<dimension>: the tokens of V52 and V53, a person's birth date rather than their band,
-- the day as a date), numbered, so that the platform can say by number which of them count and the
-- database then counts each cell's distinct units over those groups only. Written and deleted inside the
-- aggregate's transaction: no other transaction sees a row, and nothing here is in plain.
CREATE TABLE aggregate_recount (
  recount_id       VARCHAR(40) NOT NULL,
  n                INTEGER     NOT NULL,
  dim_country      BYTEA,
  dim_age_band     BYTEA,
  dim_language     BYTEA,
  dim_device_type  BYTEA,
  dim_browser      BYTEA,
  dim_page         BYTEA,
  dim_day          DATE,
  PRIMARY KEY (recount_id, n)
);

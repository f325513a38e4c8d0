-- Aggregate statistics (C27). A release is the record of one aggregate result given out: who asked,
-- for which recipient, what was counted by which dimensions over which days (inclusive), the ε spent
-- if noise was added, and the released cells with their true counts (each a group of k or more; no
-- identifier of a person) as JSON. Later queries read them to refuse differences of fewer than k.
CREATE TABLE aggregate_release (
  id           VARCHAR(40)   PRIMARY KEY,
  released_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  released_by  VARCHAR(120)  NOT NULL,
  recipient    VARCHAR(64),
  unit         VARCHAR(8)    NOT NULL,
  dimensions   VARCHAR(100)  NOT NULL,
  period_from  DATE          NOT NULL,
  period_to    DATE          NOT NULL,
  epsilon      DECIMAL(12, 6),
  cells        TEXT          NOT NULL,
  CONSTRAINT aggregate_release_unit CHECK (unit IN ('people', 'events'))
);
CREATE INDEX aggregate_release_shape ON aggregate_release (unit, dimensions, period_from);

-- The ε each holder (a recipient, or the caller when no recipient is named) has spent in a calendar
-- month (YYYY-MM, UTC); charged in the transaction that audits the decision it pays for.
CREATE TABLE aggregate_budget (
  holder  VARCHAR(140)   NOT NULL,
  period  VARCHAR(7)     NOT NULL,
  spent   DECIMAL(14, 6) NOT NULL,
  PRIMARY KEY (holder, period)
);

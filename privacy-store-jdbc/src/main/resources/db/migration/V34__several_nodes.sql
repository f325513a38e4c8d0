-- Several `plenary serve` nodes on one database (issue 18): what used to live in one process lives here.

-- The nodes that serve from this database, each seen at its heartbeat. A node on the embedded H2
-- database refuses to start while another one is alive on it; on PostgreSQL they are listed for operators.
CREATE TABLE cluster_node (
  node_id     VARCHAR(40)  PRIMARY KEY,
  host        VARCHAR(200) NOT NULL,
  started_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  seen_at     TIMESTAMP WITH TIME ZONE NOT NULL
);

-- A fingerprint (SHA-256) of each key file the nodes must share, recorded by the first node that had it:
-- a node whose key directory differs refuses to start instead of sealing with keys nobody else holds.
CREATE TABLE cluster_key (
  name        VARCHAR(100) PRIMARY KEY,
  sha256      VARCHAR(64)  NOT NULL,
  node_id     VARCHAR(40)  DEFAULT '' NOT NULL,
  recorded_at TIMESTAMP WITH TIME ZONE
);

-- Every scheduled job's next period: a node claims a due period by locking its row (FOR UPDATE SKIP
-- LOCKED) and moving it on, so a job runs once a period whatever the number of nodes.
CREATE TABLE scheduled_job (
  job         VARCHAR(40)  PRIMARY KEY,
  due_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Which node ran which period of a job, kept for a day: for operators and the tests that count runs.
CREATE TABLE job_run (
  job         VARCHAR(40)  NOT NULL,
  period_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  node_id     VARCHAR(40)  NOT NULL,
  started_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX job_run_by_period ON job_run (job, period_at);

-- Sliding windows of counted attempts (sign-in throttling, the per-service message rate), shared by all
-- nodes. A key is a hash (never an address or an email); its row is the lock that makes a take atomic.
CREATE TABLE rate_key (
  rate_key    VARCHAR(80)  PRIMARY KEY
);
CREATE TABLE rate_step (
  rate_key    VARCHAR(80)  NOT NULL,
  step_id     VARCHAR(40)  NOT NULL,
  at          TIMESTAMP WITH TIME ZONE NOT NULL,
  n           INTEGER      NOT NULL,
  CONSTRAINT rate_step_pk PRIMARY KEY (rate_key, step_id)
);
CREATE INDEX rate_step_by_time ON rate_step (at);

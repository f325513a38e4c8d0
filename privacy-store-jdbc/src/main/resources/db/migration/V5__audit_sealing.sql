-- The audit trail without a lock per write: an entry is written in the operation's own transaction
-- (fail closed) with no place in the chain yet; a sealer then gives the written entries their
-- sequence numbers and hashes in batches, under the head row's lock. Entries written before this
-- migration keep their numbers and hashes.
CREATE TABLE audit_log_entry (
  entry_id     VARCHAR(40)   PRIMARY KEY,
  seq          BIGINT,
  at           TIMESTAMP WITH TIME ZONE NOT NULL,
  actor_kind   VARCHAR(16)   NOT NULL,
  actor_id     VARCHAR(100)  NOT NULL,
  action       VARCHAR(16)   NOT NULL,
  purpose      VARCHAR(100)  NOT NULL,
  subject_id   VARCHAR(40),
  categories   VARCHAR(2000) NOT NULL,
  effect       VARCHAR(8)    NOT NULL,
  rules        VARCHAR(1000) NOT NULL,
  clauses      VARCHAR(400)  NOT NULL,
  request_id   VARCHAR(64),
  prev_hash    VARCHAR(64),
  hash         VARCHAR(64),
  CONSTRAINT audit_log_entry_seq UNIQUE (seq)
);
INSERT INTO audit_log_entry (entry_id, seq, at, actor_kind, actor_id, action, purpose, subject_id, categories, effect, rules, clauses, request_id, prev_hash, hash)
  SELECT 'm-' || CAST(seq AS VARCHAR(20)), seq, at, actor_kind, actor_id, action, purpose, subject_id, categories, effect, rules, clauses, request_id, prev_hash, hash
  FROM audit_entry;
DROP TABLE audit_entry;
CREATE INDEX audit_log_subject ON audit_log_entry (subject_id);
CREATE INDEX audit_log_unsealed ON audit_log_entry (at, entry_id);

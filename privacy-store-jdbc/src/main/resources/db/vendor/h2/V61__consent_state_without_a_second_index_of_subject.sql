-- On H2 consent_state's foreign key to subject kept an index of its own (subject_id alone: H2 takes none that starts with the key's
-- columns but holds more), beside the primary key (subject_id, purpose, recipient_key), which serves every read by person. Each
-- append wrote an entry into both. The table is made again without the foreign key, so an append keeps one index fewer; the
-- erasure of a person deletes their derived state itself (JdbcWork's people().delete), as the cascade did. Its rows still
-- come only with an entry of consent_record, whose foreign key to subject stays.
CREATE TABLE consent_state_keyed (
  subject_id      VARCHAR(40)  NOT NULL,
  purpose         VARCHAR(100) NOT NULL,
  recipient_key   VARCHAR(64)  NOT NULL,
  recipient       VARCHAR(64),
  granted         BOOLEAN      NOT NULL,
  policy_version  INTEGER      NOT NULL,
  record_id       VARCHAR(40)  NOT NULL,
  seq             BIGINT       NOT NULL,
  PRIMARY KEY (subject_id, purpose, recipient_key)
);
INSERT INTO consent_state_keyed SELECT subject_id, purpose, recipient_key, recipient, granted, policy_version, record_id, seq FROM consent_state;
DROP TABLE consent_state;
ALTER TABLE consent_state_keyed RENAME TO consent_state;
ANALYZE TABLE consent_state;

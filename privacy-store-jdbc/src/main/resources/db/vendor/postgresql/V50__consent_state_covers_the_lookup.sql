-- The engine's lookup of a person's consents in force (JdbcWork.FACTS) reads subject_id, purpose, recipient_key,
-- granted and policy_version of consent_state. Its primary key carries the last two as included columns, so the
-- lookup is an index-only scan of the key it probes anyway, and no second index is kept up on every append.
ALTER TABLE consent_state DROP CONSTRAINT consent_state_pkey;
ALTER TABLE consent_state ADD CONSTRAINT consent_state_pkey PRIMARY KEY (subject_id, purpose, recipient_key) INCLUDE (granted, policy_version);

-- The engine's lookup (JdbcWork.FACTS) reads subject_id, purpose, recipient_key, granted and policy_version of a
-- person's granted consent_state rows. H2 answers a column from an index entry when the index holds it and fetches
-- the row behind the entry only for a column it lacks (and has no included columns, unlike PostgreSQL's V50). Until
-- now the lookup went through the index H2 made for the foreign key (subject_id alone) and fetched every row. This
-- index holds all five, granted second, so the lookup probes it for the person's granted rows and reads no row.
-- H2 keeps its own index for a foreign key (one of exactly the key's columns), so this one is written beside it;
-- a merge that changes neither granted nor the version leaves it as it is.
CREATE INDEX consent_state_facts ON consent_state (subject_id, granted, purpose, recipient_key, policy_version);
ANALYZE TABLE consent_state;

-- For the same reason consent_record has two indexes that start with subject_id on H2: V23's (subject_id, seq) and
-- the foreign key's own (subject_id). The foreign key's serves a person's entries (a handful, sorted by seq when
-- read), so V23's goes: an append writes one index entry fewer, as many as before this migration in all.
DROP INDEX consent_record_subject;

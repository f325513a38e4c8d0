-- The engine's lookup (JdbcWork.FACTS) reads subject_id, purpose, recipient_key, granted and policy_version of a
-- person's granted consent_state rows. H2 answers a column from an index entry when the index holds it and fetches
-- the row behind the entry only for a column it lacks (and has no included columns, unlike PostgreSQL's V50). Until
-- now the lookup went through the index H2 made for the foreign key (subject_id alone) and fetched every row. This
-- index holds all five, granted second, so the lookup probes it for the person's granted rows and reads no row.
-- H2 keeps its own index for the foreign key (it uses one of exactly the key's columns), so an append on H2 writes
-- one more index entry; a merge that changes neither granted nor the version leaves this one as it is.
CREATE INDEX consent_state_facts ON consent_state (subject_id, granted, purpose, recipient_key, policy_version);
ANALYZE TABLE consent_state;

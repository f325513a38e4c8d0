-- PostgreSQL only: the sealer looks for the entries not yet sealed (seq IS NULL) in the order they were
-- written. An index over every entry's (at, entry_id) made that look-up walk past all the sealed entries
-- first — ever longer as the log grows; a partial index holds only the unsealed ones, a few thousand at
-- most, and an entry leaves it when it is sealed.
DROP INDEX audit_log_unsealed;
CREATE INDEX audit_log_unsealed ON audit_log_entry (at, entry_id) WHERE seq IS NULL;

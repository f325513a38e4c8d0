-- Every message queued pays for each index of the outbox. The idempotency key had two: the unique
-- key (service, idempotency_key) of V20 and the look-up by the key alone of V21 (H2 uses an index
-- for an IN list only on its first column). One unique index led by the key does both: a bulk
-- send's IN list of keys walks its first column, a single send's (key, service) look-up all of it,
-- and two messages of one service can still never share a key. Most messages carry no key; their
-- NULLs are distinct on H2 and PostgreSQL alike.
ALTER TABLE message_outbox DROP CONSTRAINT message_idempotency;
DROP INDEX message_idempotency_lookup;
CREATE UNIQUE INDEX message_idempotency_key ON message_outbox (idempotency_key, service);

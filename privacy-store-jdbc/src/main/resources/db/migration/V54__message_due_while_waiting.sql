-- The due order of the outbox (V31) was an index on (status, next_attempt_at, id): both moves of a
-- delivered message (queued -> sending before the hand-over, sending -> sent after it) changed its
-- key, so each was an index write on top of the row's. Now the due index holds a column of its own,
-- due_at, which is set while a message waits for a sender and is left as it is when a sender claims
-- it (status and next_attempt_at, the claim time while sending, are in no index): the claim changes
-- no indexed column, which PostgreSQL writes as a heap-only (HOT) update, touching no index at all.
-- due_at is cleared when the message leaves for good (sent, failed, withdrawn, uncertain), and set
-- again when it is deferred or retried. The due query reads the index in its order and skips the few
-- rows being sent; the sweep of interrupted sends reads the same index up to its cut-off (a message's
-- claim time is never before its due time). H2 rewrites a row in every index on any UPDATE, so there
-- this changes the index's key, not its cost.
ALTER TABLE message_outbox ADD COLUMN due_at TIMESTAMP WITH TIME ZONE;
UPDATE message_outbox SET due_at = next_attempt_at WHERE status IN ('queued', 'sending');
CREATE INDEX message_due_at ON message_outbox (due_at, id);
DROP INDEX message_due_ordered;

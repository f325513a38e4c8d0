-- A sender claims the oldest due messages of its share of the outbox. With the message's id in the
-- index, both H2 and PostgreSQL walk the index in the claim's order and stop at the batch's size,
-- where the index of V20 made them read and sort every due message on each claim.
CREATE INDEX message_due_ordered ON message_outbox (status, next_attempt_at, id);
DROP INDEX message_due;

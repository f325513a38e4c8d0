-- A bulk send's text, when it is the same words for all its people and names no field of theirs,
-- is sealed once for each group of the send (with a data key of the text's own, kept in the key
-- store under the text's id) instead of once for every person: the outbox row names the text and
-- holds no sealed copy. What ties a person to the words is their outbox row, deleted when they are
-- erased; a text that no row names any more is deleted, and its key destroyed, by the senders'
-- hourly sweep (MessageRecords.forgetUnusedTexts). Neither a foreign key nor an index on text_id:
-- each would cost every message queued (on PostgreSQL a foreign key locks the one text row for each
-- of a thousand inserted rows); the sweep reads the text ids of the outbox in one pass instead, and
-- a text is written in the transaction of its rows, which never name another text later. A message
-- whose text is filled with a person's fields, and every single send, stays sealed with the
-- person's own key.
CREATE TABLE message_text (
  id              VARCHAR(48)  PRIMARY KEY,
  subject_sealed  BYTEA        NOT NULL,
  body_sealed     BYTEA        NOT NULL,
  created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
ALTER TABLE message_outbox ADD COLUMN text_id VARCHAR(48);
ALTER TABLE message_outbox ALTER COLUMN subject_sealed DROP NOT NULL;
ALTER TABLE message_outbox ALTER COLUMN body_sealed DROP NOT NULL;

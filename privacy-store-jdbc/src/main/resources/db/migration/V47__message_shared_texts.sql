-- A bulk send's text, when it is the same words for all its people and names no field of theirs,
-- is sealed once for each group of the send (with a data key of the text's own, kept in the key
-- store under the text's id) instead of once for every person: the outbox row names the text and
-- holds no sealed copy. What ties a person to the words is their outbox row, deleted when they are
-- erased; a text that no row names any more is deleted, and its key destroyed, by the senders'
-- sweep (MessageRecords.forgetUnusedTexts). No foreign key: on PostgreSQL each inserted row would
-- lock the one text row it names (a thousand times a group); the sweep deletes a text only once no
-- row names it, and a text is written in the transaction of its rows. A message whose text is
-- filled with a person's fields, and every single send, stays sealed with the person's own key.
CREATE TABLE message_text (
  id              VARCHAR(48)  PRIMARY KEY,
  subject_sealed  BYTEA        NOT NULL,
  body_sealed     BYTEA        NOT NULL,
  created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
ALTER TABLE message_outbox ADD COLUMN text_id VARCHAR(48);
ALTER TABLE message_outbox ALTER COLUMN subject_sealed DROP NOT NULL;
ALTER TABLE message_outbox ALTER COLUMN body_sealed DROP NOT NULL;
CREATE INDEX message_outbox_text ON message_outbox (text_id);

-- The collector's journal (see EventJournal): for each journal directory, the sequence number of the
-- last journaled group moved into usage_event. It is written in the same transaction as those
-- events, so after a crash exactly the groups the table lacks are replayed, none twice.
CREATE TABLE collector_journal (
  journal_id   VARCHAR(40) PRIMARY KEY,
  applied_seq  BIGINT      NOT NULL
);

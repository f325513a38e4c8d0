-- Erasure in steps that survive a crash (C29): the erasure record is written in the transaction that
-- deletes the person's data, together with the keys still to be destroyed in the key store (a separate
-- database). Each key is destroyed and then struck off; when none is left the record is completed. A
-- start of the platform, or 'plenary erasure resume', finishes whatever a crash left.
ALTER TABLE erasure_record ADD COLUMN completed_at TIMESTAMP WITH TIME ZONE;
UPDATE erasure_record SET completed_at = erased_at;

CREATE TABLE erasure_pending_key (
  owner       VARCHAR(64) PRIMARY KEY,
  erasure_id  VARCHAR(40) NOT NULL REFERENCES erasure_record (id)
);

-- A partner's record of a visitor is one visitor: it is linked to one person at most (C5), so erasing
-- that person erases only what is theirs.
CREATE UNIQUE INDEX partner_link_record_once ON partner_link (partner_record_id);

-- People's data keys, wrapped by the master key, kept apart from the data they open: a backup of the
-- data database holds only ciphertext, and erasing a key here makes that ciphertext unreadable in
-- every backup of the data (crypto-shredding). Back this store up on its own, with a short retention.
CREATE TABLE subject_key (
  subject_id  VARCHAR(40) PRIMARY KEY,
  wrapped     BYTEA       NOT NULL,
  version     INTEGER     NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The audit log's signed checkpoints (C29) in the database as well, one per seal that grew the tree, signed
-- and written in the seal's own transaction under the head's lock: with several nodes they form one
-- linear sequence (sizes only grow, one note a size), whichever node sealed. Each node still appends the
-- checkpoints it signs to its checkpoint file outside the database, the copy a rewrite of the database
-- cannot reach.
CREATE TABLE audit_checkpoint (
  tree_size  BIGINT        PRIMARY KEY,
  note       VARCHAR(4000) NOT NULL,
  signed_at  TIMESTAMP WITH TIME ZONE
);

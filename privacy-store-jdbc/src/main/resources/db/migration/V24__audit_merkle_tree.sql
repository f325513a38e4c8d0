-- The audit trail as a Merkle tree (C29, RFC 9162 §2.1): the hash of every complete subtree over the
-- sealed entries in sequence order, so that sealing appends a few nodes and a proof at any size reads
-- O(log n) rows, never the whole log. The node at (level, idx) covers the entries with sequence numbers
-- idx·2^level + 1 … (idx+1)·2^level. audit_head.tree_size is how many entries the stored tree holds;
-- entries sealed before this migration are added by the next seal.
CREATE TABLE audit_tree_node (
  level  SMALLINT    NOT NULL,
  idx    BIGINT      NOT NULL,
  hash   VARCHAR(64) NOT NULL,
  CONSTRAINT audit_tree_node_pk PRIMARY KEY (level, idx)
);
ALTER TABLE audit_head ADD COLUMN tree_size BIGINT DEFAULT 0 NOT NULL;

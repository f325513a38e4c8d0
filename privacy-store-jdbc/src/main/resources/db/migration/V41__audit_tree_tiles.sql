-- The Merkle tree keeps only complete subtrees of 16 entries and more (tiles): a node below is hashed
-- from its entries when a proof asks for it, so a seal writes about one node row per 16 entries
-- instead of two per entry. The rows of the lower levels are no longer read.
DELETE FROM audit_tree_node WHERE level < 4;

-- H2 has no partial indexes: the sealer's look-up of unsealed entries keeps the index V5 made
-- (PostgreSQL's V33_1 makes it partial). Kept so that both databases reach the same version.
COMMENT ON TABLE audit_log_entry IS 'The audit trail (C14, C29): entries, sealed into a hash chain and a Merkle tree';

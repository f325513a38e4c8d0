-- H2 has no partial indexes: its usage-event indexes stay as V3 made them (PostgreSQL's V6 makes
-- the indexes on mostly-empty columns partial). Kept so that both databases reach the same version.
COMMENT ON TABLE usage_event IS 'Usage events (C3-C7), each sealed with its owner''s key';

-- PostgreSQL only: the usage-event indexes on columns that most rows leave empty (an anonymous
-- browser's events have no person, a service's events no browser, only partners' events a partner
-- record) index only the rows that have a value. Every look-up by these columns asks for a value, so
-- the partial indexes serve them all, while an insert no longer writes index entries for NULLs.
DROP INDEX usage_event_subject;
CREATE INDEX usage_event_subject ON usage_event (subject_id, received_at) WHERE subject_id IS NOT NULL;
DROP INDEX usage_event_browser;
CREATE INDEX usage_event_browser ON usage_event (browser_id) WHERE browser_id IS NOT NULL;
DROP INDEX usage_event_partner_record;
CREATE INDEX usage_event_partner_record ON usage_event (partner_record_id) WHERE partner_record_id IS NOT NULL;
COMMENT ON TABLE usage_event IS 'Usage events (C3-C7), each sealed with its owner''s key';

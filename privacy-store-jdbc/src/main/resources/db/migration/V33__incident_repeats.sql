-- Repeated denials join one incident (C33): the same staff member denied the same use of the same person
-- by the same rules again within a short window counts as another attempt of the open incident — how
-- many attempts, and when the last one was — instead of opening one incident per attempt. Each attempt
-- stays in the audit trail as its own entry.
ALTER TABLE incident ADD COLUMN attempts INTEGER DEFAULT 1 NOT NULL;
ALTER TABLE incident ADD COLUMN last_seen_at TIMESTAMP WITH TIME ZONE;
UPDATE incident SET last_seen_at = opened_at;
ALTER TABLE incident ALTER COLUMN last_seen_at SET NOT NULL;
CREATE INDEX incident_repeat ON incident (staff_id, status, last_seen_at);

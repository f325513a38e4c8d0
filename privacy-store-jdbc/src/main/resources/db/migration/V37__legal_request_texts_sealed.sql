-- A legal request's reference, justification and reason for rejection are free text that may name
-- people: sealed with a data key of the request's own (in the key store, under the request's id),
-- so that nothing of them is plain at rest. Requests written before this migration keep their plain
-- columns until the store opens, which seals them and clears the plain columns.
ALTER TABLE legal_request ADD COLUMN texts_sealed BYTEA;
ALTER TABLE legal_request ALTER COLUMN reference DROP NOT NULL;
ALTER TABLE legal_request ALTER COLUMN justification DROP NOT NULL;

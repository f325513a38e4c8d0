-- A person's acceptance of a policy version (at registration, or on the prompt after a change) is
-- evidence as a consent is: it becomes a link of the consent ledger's chain, at its sequence number,
-- so that an acceptance edited, deleted or written behind the ledger's back is detected by
-- `plenary consent verify`. The acceptances recorded before this version get their links once, when
-- the store opens (acceptances_linked records that it happened).
ALTER TABLE policy_acceptance ADD COLUMN seq BIGINT;
CREATE UNIQUE INDEX policy_acceptance_seq ON policy_acceptance (seq);
ALTER TABLE consent_head ADD COLUMN acceptances_linked BOOLEAN DEFAULT FALSE NOT NULL;

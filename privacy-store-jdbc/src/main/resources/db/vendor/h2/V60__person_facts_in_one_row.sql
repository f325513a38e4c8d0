-- What the engine reads about a person before it decides (JdbcWork.FACTS) in the person's own row, so the lookup is one probe of
-- subject's primary key: their consents in force (derived from the ledger's consent_state, kept in the same transaction as each
-- append), and the message gateway's conditions (kept in the same transaction as each unsubscription, resubscription and
-- suppression). granted_consents lists the consents in force ordered by purpose and recipient_key, each
-- purpose CHR(31) recipient_key CHR(31) policy_version, separated by CHR(30); NULL when none. Purposes and recipients are the
-- policy's names, no personal value. An erasure deletes the row and these with it.
ALTER TABLE subject ADD COLUMN granted_consents VARCHAR;
ALTER TABLE subject ADD COLUMN unsubscribed_marketing BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE subject ADD COLUMN suppressed BOOLEAN DEFAULT FALSE NOT NULL;
UPDATE subject s SET
  granted_consents = (SELECT LISTAGG(c.purpose || CHR(31) || c.recipient_key || CHR(31) || CAST(c.policy_version AS VARCHAR), CHR(30))
      WITHIN GROUP (ORDER BY c.purpose, c.recipient_key) FROM consent_state c WHERE c.subject_id = s.id AND c.granted),
  unsubscribed_marketing = EXISTS (SELECT 1 FROM message_unsubscription u WHERE u.subject_id = s.id AND u.kind = 'marketing'),
  suppressed = EXISTS (SELECT 1 FROM message_suppression m WHERE m.subject_id = s.id);

-- V55's index served only the lookup, which no longer reads consent_state; each append keeps one index entry fewer. A person's
-- consent_state rows are still read through the primary key (subject_id first).
DROP INDEX consent_state_facts;

package com.plenary.privacy.domain;

import com.plenary.privacy.decision.Facts;
import java.time.Instant;

/**
 * The port through which the enforcer works inside a use case's transaction: it reads the facts the
 * platform holds, and writes the audit entry, both in that one transaction, so a decision and its
 * audit entry commit or roll back with the data they govern. The store implements it.
 */
public interface Tx {
  /**
   * What the platform knows that bears on a decision about {@code subject} (null when no person is
   * identified): their consents in force, the policy version they accepted, conditions such as an
   * unsubscription; for staff, {@code by.staff()}. Never anything a caller sent.
   */
  Facts facts(Access by, String subject, Instant now);

  /** Appends an audit entry within this transaction. */
  void audit(AuditRecord record);
}

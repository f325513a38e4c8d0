package com.plenary.privacy.store;

import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Tx;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The enforcer's port over one Jdbi transaction: facts are read and audit entries written through the
 * use case's own handle, so they see and commit with the data they govern.
 */
final class JdbcTx implements Tx {
  private final Handle h;
  private final AuditLog audit;
  private final int accepting;

  private JdbcTx(Handle h, AuditLog audit, int accepting) {
    this.h = h;
    this.audit = audit;
    this.accepting = accepting;
  }

  /** A transaction about people who exist (or no one). */
  static JdbcTx of(Handle h, AuditLog audit) {
    return new JdbcTx(h, audit, -1);
  }

  /** A registration: the person accepts the policy version in force as they register. */
  static JdbcTx registering(Handle h, AuditLog audit, int policyVersion) {
    return new JdbcTx(h, audit, policyVersion);
  }

  @Override
  public Facts facts(Access by, String subject, Instant now) {
    if (subject == null) {
      return Facts.at(now).staff(by.staff()).build();
    }
    int version = accepting >= 0 ? accepting
        : h.createQuery("SELECT policy_version FROM subject WHERE id = :id").bind("id", subject).mapTo(Integer.class).findOne().orElse(0);
    List<Facts.Consent> consents = h.createQuery("SELECT purpose, recipient, policy_version FROM consent WHERE subject_id = :s AND withdrawn_at IS NULL")
        .bind("s", subject).map((rs, ctx) -> new Facts.Consent(rs.getString(1), rs.getString(2), rs.getInt(3))).list();
    return Facts.at(now).consents(consents).subjectPolicyVersion(version).staff(by.staff()).build();
  }

  @Override
  public void audit(AuditRecord record) {
    audit.append(h, record);
  }
}

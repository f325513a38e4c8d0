package com.plenary.privacy.domain.staff;

import com.plenary.privacy.Ids;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.StaffRecords.Grant;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.policy.ActorKind;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Need-to-know staff access (C32): a privacy officer grants a staff member categories × purposes within
 * one of their roles, for at most {@link GrantRules#LONGEST}; no one grants themselves. Staff decisions
 * take the grants in force as facts. Each grant and each end of one is recorded in the audit trail in
 * its own transaction; a grant to oneself is refused and the refusal audited.
 */
public final class StaffAccess {
  private final Storage storage;
  private final Enforcer enforcer;

  public StaffAccess(Storage storage, Enforcer enforcer) {
    this.storage = storage;
    this.enforcer = enforcer;
  }

  /**
   * Grants need-to-know access to an active member in one of their roles. {@code grantedBy} is the
   * privacy officer (or {@code cli}, an operator at the command line).
   */
  public Grant grant(String staffId, String role, List<String> categories, List<String> purposes, Instant from, Instant until, String grantedBy,
      String requestId) {
    Instant now = enforcer.clock().instant();
    GrantRules.check(enforcer.policy(), role, categories, purposes, from, until, now);
    List<String> roles = storage.inTransaction(w -> w.staff().activeRoles(staffId))
        .orElseThrow(() -> new NotFound("no active staff member has the id '" + staffId + "'"));
    if (staffId.equals(grantedBy)) {
      // no one opens everyone's data to themselves: a grant to oneself needs a second privacy officer (C32)
      Access by = new Access(ActorKind.STAFF, grantedBy, requestId, null);
      throw storage.inOwnTransaction(own -> enforcer.refuse(own, by, "grant", purposes.get(0), null, "no-grant-to-oneself", List.of("C32"),
          "no one may grant access to themselves; another privacy officer must give the grant"));
    }
    if (!roles.contains(role)) {
      throw new InvalidInputException("role", "the staff member does not have the role '" + role + "'");
    }
    Grant g = new Grant("gr-" + Ids.timeOrdered(), staffId, role, categories, purposes, stored(from), stored(until), grantedBy, stored(now), null);
    storage.useTransaction(w -> {
      w.staff().addGrant(g);
      w.audit(AuditRecord.recorded("staff", grantedBy, "grant").purpose(String.join(",", purposes)).categories(categories)
          .rules(List.of("staff-grant:" + g.id(), "to:" + staffId)).clauses(List.of("C32")).requestId(requestId).build());
    });
    return g;
  }

  /** Every grant of the member, newest first. */
  public List<Grant> grants(String staffId) {
    return storage.inTransaction(w -> w.staff().grantsOf(staffId));
  }

  /** Ends a grant at once; recorded in the audit trail. */
  public Grant revokeGrant(String staffId, String grantId, String revokedBy, String requestId) {
    return storage.inTransaction(w -> {
      if (!w.staff().endGrant(staffId, grantId, stored(enforcer.clock().instant()))) {
        throw new NotFound("no grant in force has the id '" + grantId + "' for this staff member");
      }
      w.audit(AuditRecord.recorded("staff", revokedBy, "ungrant").purpose(Vocabulary.PROTECT)
          .rules(List.of("staff-grant:" + grantId, "to:" + staffId)).clauses(List.of("C32")).requestId(requestId).build());
      return w.staff().grant(grantId);
    });
  }

  /**
   * A time as the databases keep it, to the millisecond: PostgreSQL and H2 round nanoseconds, possibly
   * up, which would put a grant given "now" a fraction of a microsecond in the future, so not yet in force.
   */
  private static Instant stored(Instant t) {
    return t.truncatedTo(ChronoUnit.MILLIS);
  }
}

package com.plenary.privacy.domain;

import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.policy.Recipient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The port through which the enforcer works inside a use case's transaction: it reads the facts the
 * platform holds, and writes the audit entry, both in that one transaction, so a decision and its
 * audit entry commit or roll back with the data they govern. The store implements it.
 */
public interface Tx {
  /**
   * What the platform knows that bears on a decision about {@code subject} (null when no person is
   * identified): their consents in force, the policy version they accepted, conditions such as an
   * unsubscription; for staff, looked up in this transaction, their type while active, their
   * confidentiality agreement in force and the grants in force that reach {@code subject} (those naming
   * people only for the people they name; a break-glass opening on the person within its time box).
   * Never anything a caller sent.
   */
  Facts facts(Access by, String subject, Instant now);

  /**
   * What the registry holds about the recipient a decision names, in one look-up: the recipient itself
   * when the registry (not the policy) holds it, and its agreement as it now stands (the newest
   * version), if any (C25). Never a caller's word.
   */
  RecipientOnFile recipient(String recipient);

  /**
   * The legal request {@code id} as the platform holds it (C26): its ground, who created it and who
   * approved it; null when there is none. Never a caller's word.
   */
  Facts.LegalRequest legalRequest(String id);

  /**
   * What the registry holds about one recipient: {@code registered} is null when the registry does not
   * hold it (the policy may still name it), {@code agreement} null when no agreement was recorded.
   */
  record RecipientOnFile(Recipient registered, Facts.Agreement agreement) {
    /** Nothing on file. */
    public static final RecipientOnFile NONE = new RecipientOnFile(null, null);

    /** {@code facts} with this recipient and its agreement added. */
    public Facts into(Facts facts) {
      if (registered == null && agreement == null) {
        return facts;
      }
      Facts.Builder b = facts.toBuilder();
      if (registered != null) {
        List<Recipient> all = new ArrayList<>(facts.recipients());
        all.add(registered);
        b.recipients(all);
      }
      if (agreement != null) {
        List<Facts.Agreement> all = new ArrayList<>(facts.agreements());
        all.add(agreement);
        b.agreements(all);
      }
      return b.build();
    }
  }

  /**
   * The facts of each of {@code subjects}, as {@link #facts(Access, String, Instant)} answers them one
   * by one; a store looks them up for the whole group in a few queries. Every one of {@code subjects}
   * exists (the caller holds their locks).
   */
  default Map<String, Facts> facts(Access by, List<String> subjects, Instant now) {
    Map<String, Facts> out = new LinkedHashMap<>();
    for (String s : subjects) {
      out.put(s, facts(by, s, now));
    }
    return out;
  }

  /**
   * The break-glass opening in force at {@code now} through which {@code by} may read {@code subject}, if
   * any (C33): its id. Its access is among {@link #facts}' grants already; this names it for the audit trail.
   */
  default Optional<String> breakGlass(Access by, String subject, Instant now) {
    return Optional.empty();
  }

  /**
   * Opens an incident within this transaction (C33), beside the audit entry of what caused it, and answers
   * its id; only the enforcer calls this. With {@code joinSince}, an open incident of the same kind, staff
   * member, operation, purpose, person and rules last seen at or after it takes the attempt instead (one
   * more attempt, seen at the incident's {@code openedAt}, its categories added) and its id is answered.
   * Two first attempts committed at the same moment may still open two incidents; none is ever lost.
   */
  default String openIncident(IncidentRecords.Incident incident, Instant joinSince) {
    throw new UnsupportedOperationException("this transaction keeps no incidents");
  }

  /**
   * The newest policy version the person agreed to when they were shown its changes (C36), or the one
   * they registered under, whichever is newer; 0 when no person is named.
   */
  default int acceptedPolicyVersion(String subject) {
    return 0;
  }

  /** Appends an audit entry within this transaction. */
  void audit(AuditRecord record);

  /** Appends audit entries within this transaction, in order; a store writes them in one batch. */
  default void audit(List<AuditRecord> records) {
    records.forEach(this::audit);
  }
}

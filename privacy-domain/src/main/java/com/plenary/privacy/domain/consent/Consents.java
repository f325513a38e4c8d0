package com.plenary.privacy.domain.consent;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.ConsentRecords.Consent;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.Work;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Purpose;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Consents (C19, C24, C36): given only by the person — their own session, the cookie banner, or as
 * they register with evidence of what they were shown — under the policy version in force; withdrawn
 * by the person or, since a withdrawal only narrows, by a service on their behalf.
 */
public final class Consents {
  /** The channels a consent comes through: each is the person's own. */
  public static final List<String> CHANNELS = List.of("privacy-center", "api", "registration");

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;
  private final Policy policy;

  public Consents(Storage storage, Enforcer enforcer, Visibility visibility) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
    this.policy = enforcer.policy();
  }

  /** A consent the person gives through the API with their own session. */
  public Consent grant(Access by, String subjectId, String purpose, String recipient) {
    return grant(by, subjectId, purpose, recipient, "api");
  }

  /**
   * Records a consent for a purpose (and a recipient, for sharing) under the policy version in force,
   * given by the person through {@code channel} (one of {@link #CHANNELS}). A service that asks to
   * grant one is refused, and the refusal is audited: a service asks the person instead.
   */
  public Consent grant(Access by, String subjectId, String purpose, String recipient, String channel) {
    checkNames(purpose, recipient);
    if (!CHANNELS.contains(channel)) {
      throw new IllegalArgumentException("unknown consent channel " + channel);
    }
    if (by.kind() != ActorKind.SUBJECT) {
      // the visibility check first, so the answer for a person the caller cannot see is the same 404 as ever
      storage.useTransaction(w -> visibility.require(w, by, subjectId, "consent", purpose));
      throw storage.inOwnTransaction(own -> enforcer.refuse(own, by, "consent", purpose, subjectId, "consent-only-from-the-person",
          List.of("C19", "C24"), "only the person can give a consent, in the privacy center or as they register; a service may withdraw one on their behalf"));
    }
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "consent", purpose);
      return record(w, by, subjectId, purpose, recipient, channel, null, enforcer.clock().instant());
    });
  }

  /**
   * Records, within {@code w}, a consent the person gives; {@code shown} is the SHA-256 of the text
   * they were shown, when there is one. The caller has established that the person gives it.
   */
  public Consent record(Work w, Access by, String subjectId, String purpose, String recipient, String channel, String shown, Instant now) {
    Consent c = new Consent("cn-" + UUID.randomUUID(), purpose, recipient, policy.version(), by.kind().id() + ":" + by.id(), now, null, channel, shown);
    w.consents().add(subjectId, c);
    w.audit(AuditRecord.recorded(by, "consent").purpose(purpose).subject(subjectId).rules(List.of("consent-granted", "channel:" + channel))
        .clauses(List.of("C19", "C24")).build());
    return c;
  }

  /** Withdraws every active consent of the person for the purpose (and recipient, when given); a service may do so on their behalf. Returns how many. */
  public int withdraw(Access by, String subjectId, String purpose, String recipient) {
    checkNames(purpose, recipient);
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "withdraw", purpose);
      int n = w.consents().withdraw(subjectId, purpose, recipient, enforcer.clock().instant());
      w.audit(AuditRecord.recorded(by, "withdraw").purpose(purpose).subject(subjectId).rules(List.of("consent-withdrawn")).clauses(List.of("C19")).build());
      return n;
    });
  }

  /** The person's consents, withdrawn ones included, oldest first. */
  public List<Consent> of(Access by, String subjectId) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      return w.consents().of(subjectId);
    });
  }

  /** A consent names one of the policy's own purposes (and a declared recipient); anything else is a 400 naming it. */
  public void checkNames(String purpose, String recipient) {
    Purpose p = policy.purpose(purpose);
    if (p == null || !p.listed()) {
      enforcer.checkNames(purpose, List.of(), recipient); // names an unknown purpose
      throw new InvalidInputException("purpose", "'" + purpose + "' is not a purpose anyone can consent to; the policy's purposes are "
          + String.join(", ", policy.purposes().stream().filter(Purpose::listed).map(Purpose::id).toList()));
    }
    enforcer.checkNames(purpose, List.of(), recipient);
  }
}

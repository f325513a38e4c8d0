package com.plenary.privacy.domain.consent;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.ConsentRecords.Consent;
import com.plenary.privacy.domain.ConsentRecords.Entry;
import com.plenary.privacy.domain.ConsentRecords.State;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.Work;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Purpose;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Consents (C19, C24, C36), kept in an append-only ledger: every grant and every withdrawal is a new
 * entry with its channel, policy version, request id and the hash of the text the person was shown;
 * the consents in force are derived from it in the same transaction, and the engine decides on them.
 * A consent is given only by the person — their own session, the cookie banner, or as they register
 * with evidence of what they were shown — and withdrawn by the person or, since a withdrawal only
 * narrows, by a service on their behalf.
 */
public final class Consents {
  /** The privacy center's pages, and a consent request answered there. */
  public static final String PRIVACY_CENTER = "privacy-center";
  /** The API, in the person's own session. */
  public static final String API = "api";
  /** The registration form of a service, with the hash of the text the person was shown. */
  public static final String REGISTRATION = "registration";
  /** The cookie banner. */
  public static final String BANNER = "banner";
  /** The browser's Global Privacy Control signal: a withdrawal only. */
  public static final String GPC = "gpc";
  /** The unsubscribe link of a message: a withdrawal only. */
  public static final String UNSUBSCRIBE = "unsubscribe";
  /** A service, on the person's behalf: a withdrawal only. */
  public static final String SERVICE = "service";

  /** The channels a consent is given through: each is the person's own. */
  public static final List<String> CHANNELS = List.of(PRIVACY_CENTER, API, REGISTRATION, BANNER);
  /** The channels a consent is withdrawn through. */
  public static final List<String> WITHDRAWAL_CHANNELS = List.of(PRIVACY_CENTER, API, REGISTRATION, BANNER, GPC, UNSUBSCRIBE, SERVICE);

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;

  public Consents(Storage storage, Enforcer enforcer, Visibility visibility) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
  }

  /** A consent the person gives through the API with their own session. */
  public Consent grant(Access by, String subjectId, String purpose, String recipient) {
    return grant(by, subjectId, purpose, recipient, API);
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
          List.of("C19", "C24"), "only the person can give a consent, in the privacy center or as they register; a service may ask for one "
              + "(POST /api/v1/subjects/{id}/consent-requests) or withdraw one on their behalf"));
    }
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "consent", purpose);
      return record(w, by, subjectId, purpose, recipient, channel, null, enforcer.clock().instant());
    });
  }

  /**
   * Appends, within {@code w}, a consent the person gives; {@code shown} is the SHA-256 of the text
   * they were shown, when there is one. The caller has established that the person gives it.
   */
  public Consent record(Work w, Access by, String subjectId, String purpose, String recipient, String channel, String shown, Instant now) {
    w.consents().lock();
    Entry e = w.consents().append(subjectId, new Entry("cn-" + UUID.randomUUID(), 0, purpose, recipient, true, policy().version(), channel,
        actor(by), now, by.requestId(), shown, null));
    enforcer.record(w, AuditRecord.recorded(by, "consent").purpose(purpose).subject(subjectId).rules(List.of("consent-granted", "channel:" + channel))
        .clauses(List.of("C19", "C24")).build());
    return new Consent(e.id(), purpose, recipient, e.policyVersion(), e.by(), e.at(), null, channel, shown);
  }

  /**
   * Withdraws every consent of the person in force for the purpose (and recipient, when given; every
   * recipient otherwise); a service may do so on their behalf. Returns how many.
   */
  public int withdraw(Access by, String subjectId, String purpose, String recipient) {
    return withdraw(by, subjectId, purpose, recipient, by.kind() == ActorKind.SUBJECT ? API : SERVICE);
  }

  /** As {@link #withdraw(Access, String, String, String)}, through {@code channel} (one of {@link #WITHDRAWAL_CHANNELS}). */
  public int withdraw(Access by, String subjectId, String purpose, String recipient, String channel) {
    checkNames(purpose, recipient);
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "withdraw", purpose);
      int n = withdrawIn(w, by, subjectId, purpose, recipient, channel, policy().version(), enforcer.clock().instant());
      enforcer.record(w, AuditRecord.recorded(by, "withdraw").purpose(purpose).subject(subjectId).rules(List.of("consent-withdrawn", "channel:" + channel))
          .clauses(List.of("C19")).build());
      return n;
    });
  }

  /**
   * Appends, within {@code w}, a withdrawal for each of the person's consents in force for the purpose
   * (and recipient, when given); answers how many. For use cases that withdraw as part of another
   * (an unsubscribe from marketing withdraws the opt-in); they audit their own action.
   */
  public static int withdrawIn(Work w, Access by, String subjectId, String purpose, String recipient, String channel, int policyVersion, Instant now) {
    if (!WITHDRAWAL_CHANNELS.contains(channel)) {
      throw new IllegalArgumentException("unknown consent channel " + channel);
    }
    w.consents().lock();
    int n = 0;
    for (State s : w.consents().states(subjectId)) {
      if (s.granted() && s.purpose().equals(purpose) && (recipient == null || recipient.equals(s.recipient()))) {
        w.consents().append(subjectId, new Entry("cw-" + UUID.randomUUID(), 0, s.purpose(), s.recipient(), false, policyVersion, channel, actor(by), now,
            by.requestId(), null, null));
        n++;
      }
    }
    return n;
  }

  /** The derived state of the person's consents: the latest entry for each purpose and recipient. */
  public List<State> states(Access by, String subjectId) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      return w.consents().states(subjectId);
    });
  }

  /**
   * Withdraws, in one transaction, each of {@code targets} that is still in force, through {@code channel}
   * (one of {@link #WITHDRAWAL_CHANNELS}); answers how many.
   */
  public int withdrawAll(Access by, String subjectId, List<State> targets, String channel) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "withdraw", Vocabulary.PROVIDE);
      Instant now = enforcer.clock().instant();
      int n = 0;
      for (State t : targets) {
        int one = withdrawIn(w, by, subjectId, t.purpose(), t.recipient(), channel, policy().version(), now);
        if (one > 0) {
          enforcer.record(w, AuditRecord.recorded(by, "withdraw").purpose(t.purpose()).subject(subjectId).rules(List.of("consent-withdrawn", "channel:" + channel))
              .clauses(List.of("C19", "C20")).build());
        }
        n += one;
      }
      return n;
    });
  }

  /** The person's consents, withdrawn ones included, oldest first, as their ledger shows them. */
  public List<Consent> of(Access by, String subjectId) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      return history(w.consents().ledger(subjectId));
    });
  }

  /**
   * The receipt of one of the person's consents (ISO/IEC TS 27560 with DPV terms): its grant, its
   * withdrawal if any, and their places in the chain. Another person's consent, or an unknown id, is
   * the same {@link NotFound}.
   */
  public Receipt receipt(Access by, String subjectId, String consentId) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      List<Receipt> all = Receipt.of(policy(), subjectId, w.consents().ledger(subjectId), enforcer.clock().instant());
      return all.stream().filter(r -> r.recordId().equals(consentId)).findFirst()
          .orElseThrow(() -> new NotFound("you have no consent with this id"));
    });
  }

  /** The consents a ledger records, each grant with the withdrawal that ended it, oldest first. */
  public static List<Consent> history(List<Entry> ledger) {
    List<Consent> out = new ArrayList<>();
    for (Entry e : ledger) {
      if (e.granted()) {
        out.add(new Consent(e.id(), e.purpose(), e.recipient(), e.policyVersion(), e.by(), e.at(), null, e.channel(), e.shownSha256()));
        continue;
      }
      for (int i = 0; i < out.size(); i++) {
        Consent c = out.get(i);
        if (c.withdrawnAt() == null && c.purpose().equals(e.purpose()) && Objects.equals(c.recipient(), e.recipient())) {
          out.set(i, new Consent(c.id(), c.purpose(), c.recipient(), c.policyVersion(), c.grantedBy(), c.grantedAt(), e.at(), c.channel(), c.shownSha256()));
        }
      }
    }
    return out;
  }

  static String actor(Access by) {
    return by.kind().id() + ":" + by.id();
  }

  /**
   * A consent names one of the policy's own purposes, and a recipient the policy names or the registry
   * holds (C24, C25); anything else is a 400 naming it.
   */
  public void checkNames(String purpose, String recipient) {
    Purpose p = policy().purpose(purpose);
    if (p == null || !p.listed()) {
      enforcer.checkNames(purpose, List.of(), null); // names an unknown purpose
      throw new InvalidInputException("purpose", "'" + purpose + "' is not a purpose anyone can consent to; the policy's purposes are "
          + String.join(", ", policy().purposes().stream().filter(Purpose::listed).map(Purpose::id).toList()));
    }
    enforcer.checkNames(purpose, List.of(), null);
    if (recipient != null && policy().recipient(recipient) == null) {
      // not named by the policy: one the registry holds (C24, C25); a person may consent to sharing with either
      storage.useTransaction(w -> enforcer.checkRecipient(w, recipient));
    }
  }

  /** The policy in force now (C36): a version published in the meantime may have come into force. */
  private Policy policy() {
    return enforcer.policy();
  }
}

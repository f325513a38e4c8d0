package com.plenary.privacy.domain.consent;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.ConsentRecords.Request;
import com.plenary.privacy.domain.ConsentRecords.State;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.messages.Kind;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.domain.messages.NoticeWords;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Recipient;
import com.plenary.privacy.policy.Service;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Consent requests (C19): a service asks a person for consent to a use outside its declared purposes,
 * with the reason it gives; the person sees the request in the privacy center (and is told by a
 * message through the gateway) and grants or declines it. A grant goes into the ledger with the
 * SHA-256 of the exact text the person was shown ({@link #text}); only then does the engine permit the
 * use. A service asks, never grants.
 */
public final class ConsentRequests {
  /** The longest reason a service may give. */
  public static final int MAX_REASON = 500;
  public static final String PENDING = "pending";
  public static final String GRANTED = "granted";
  public static final String DECLINED = "declined";

  private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}\\u2028\\u2029\\u0085]");

  /** A request as the person sees it: the request, the text they are shown, and that text's SHA-256. */
  public record Shown(Request request, String text, String textSha256) {}

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;
  private final Consents consents;
  private final Messages messages;

  public ConsentRequests(Storage storage, Enforcer enforcer, Visibility visibility, Consents consents, Messages messages) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
    this.consents = consents;
    this.messages = messages;
  }

  /**
   * A service asks the person for consent to a purpose (and a recipient, to share with) that it does
   * not declare. Refused (400) for an unknown purpose or recipient, a purpose the service declares
   * already (it needs no consent for it), or a reason that is empty, too long or has control
   * characters; a conflict when the same request is pending or the consent is in force already. The
   * request is recorded and audited; then the person is told through the message gateway, in the
   * platform's own name, decided and audited as every message is.
   */
  public Shown ask(Access by, String subjectId, String purpose, String recipient, String reason) {
    if (by.kind() != ActorKind.SERVICE) {
      throw new IllegalArgumentException("only a service asks for consent");
    }
    consents.checkNames(purpose, recipient);
    Service service = policy().service(by.id());
    if (service == null) {
      throw new InvalidInputException("service", "the service '" + by.id() + "' is not registered in the policy (C1)");
    }
    if (recipient == null && declares(service, purpose)) {
      throw new InvalidInputException("purpose", "the service '" + service.id() + "' declares the purpose '" + purpose
          + "' already, so it needs no consent for it; ask only for a use outside the purposes it declares (C19)");
    }
    if (reason == null || reason.isBlank() || reason.length() > MAX_REASON) {
      throw new InvalidInputException("reason", "give the reason the person is shown, in 1 to " + MAX_REASON + " characters");
    }
    if (CONTROL.matcher(reason).find()) {
      throw new InvalidInputException("reason", "the reason may not contain line breaks or other control characters");
    }
    Shown shown = storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "ask-consent", purpose);
      for (Request r : w.consents().requests(subjectId)) {
        if (r.status().equals(PENDING) && r.service().equals(service.id()) && r.purpose().equals(purpose) && Objects.equals(r.recipient(), recipient)) {
          throw new Conflict("the same request is waiting for the person's answer already");
        }
      }
      for (State s : w.consents().states(subjectId)) {
        if (s.granted() && s.purpose().equals(purpose) && Objects.equals(s.recipient(), recipient)) {
          throw new Conflict("the person has given this consent already");
        }
      }
      Request r = new Request("cr-" + UUID.randomUUID(), service.id(), purpose, recipient, reason, PENDING, enforcer.clock().instant(), null, null);
      w.consents().addRequest(subjectId, r);
      enforcer.record(w, AuditRecord.recorded(by, "ask-consent").purpose(purpose).subject(subjectId).rules(List.of("consent-requested"))
          .clauses(List.of("C19")).build());
      return shown(r);
    });
    try {
      // in the person's own language where there is a translation; the request's own text is the service's, as the person is shown it
      messages.notice(subjectId, null, Kind.SERVICE, language -> NoticeWords.of(language).text("consent-request", new Object[] {service.text()}, shown.text()),
          by.requestId());
    } catch (Conflict noAddress) {
      // a person with no address on file is not told by mail; the request waits in their privacy center all the same
    }
    return shown;
  }

  /** The person's consent requests, newest first, each with the text they are shown. */
  public List<Shown> of(Access by, String subjectId) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      List<Shown> out = new ArrayList<>();
      for (Request r : w.consents().requests(subjectId)) {
        out.add(shown(r));
      }
      return out;
    });
  }

  /**
   * The person answers a request of theirs. A grant must carry {@code shownSha256}, the SHA-256 of the
   * text they were shown ({@link Shown#textSha256()}), and goes into the ledger with it through
   * {@code channel}; a decline records only the answer. Another person's request, or an unknown one, is
   * a {@link NotFound}; one answered already a {@link Conflict}.
   */
  public Shown answer(Access by, String subjectId, String requestId, boolean grant, String shownSha256, String channel) {
    if (by.kind() != ActorKind.SUBJECT) {
      throw new IllegalArgumentException("only the person answers a consent request");
    }
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "answer-consent", Vocabulary.PROVIDE);
      Request r = w.consents().request(subjectId, requestId).orElseThrow(() -> new NotFound("you have no consent request with this id"));
      if (!r.status().equals(PENDING)) {
        throw new Conflict("this request was answered already (" + r.status() + ")");
      }
      Shown shown = shown(r);
      Instant now = enforcer.clock().instant();
      String consentId = null;
      if (grant) {
        if (shownSha256 == null || !shownSha256.equals(shown.textSha256())) {
          throw new InvalidInputException("shown_sha256", "shown_sha256 must be the SHA-256 of the request's text as it was shown to you "
              + "(text_sha256 of GET /api/v1/me/consent-requests); the text may have changed: read it again");
        }
        consentId = consents.record(w, by, subjectId, r.purpose(), r.recipient(), channel, shownSha256, now).id();
      } else {
        enforcer.record(w, AuditRecord.recorded(by, "decline").purpose(r.purpose()).subject(subjectId).rules(List.of("consent-declined")).clauses(List.of("C19")).build());
      }
      String status = grant ? GRANTED : DECLINED;
      if (!w.consents().answer(subjectId, requestId, status, consentId, now)) {
        throw new Conflict("this request was answered already");
      }
      return shown(new Request(r.id(), r.service(), r.purpose(), r.recipient(), r.reason(), status, r.requestedAt(), now, consentId));
    });
  }

  /** Whether the service declares the purpose, or one above it, itself or by its terms of service. */
  private static boolean declares(Service s, String purpose) {
    List<String> declared = new ArrayList<>(s.purposes());
    declared.addAll(s.terms().purposes());
    return declared.stream().anyMatch(p -> Policy.isUnder(purpose, p));
  }

  private Shown shown(Request r) {
    String text = text(r);
    return new Shown(r, text, sha256(text));
  }

  /** The exact text the person is shown for a request: who asks, for what, with whom it would be shared, and the reason given. */
  public String text(Request r) {
    Service s = policy().service(r.service());
    Purpose p = policy().purpose(r.purpose());
    Recipient to = r.recipient() == null ? null : policy().recipient(r.recipient());
    return (s == null ? r.service() : s.text()) + " asks for your consent to use your data for: " + (p == null ? r.purpose() : p.text())
        + (r.recipient() == null ? "" : ", and to share it for that with " + (to == null ? r.recipient() : to.text()))
        + ". Their reason: " + r.reason() + " You can withdraw your consent at any time.";
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  /** The policy in force now (C36): a version published in the meantime may have come into force. */
  private Policy policy() {
    return enforcer.policy();
  }
}

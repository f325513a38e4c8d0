package com.plenary.privacy.domain.sharing;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.DisclosureRecords.Endpoint;
import com.plenary.privacy.domain.DisclosureRecords.Notice;
import com.plenary.privacy.domain.DisclosureRecords.Received;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.Work;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Correction notices (C35): when a person corrects a field that a recipient received through the
 * gateway, the recipient is owed a notice. It is recorded in the correction's own transaction, then
 * delivered — a POST of a small JSON body to the recipient's webhook, signed by the {@link Transport}
 * — with retries and doubling back-off; its state is in the database, so a restart resumes where it
 * stopped, and a recipient may get a notice more than once (its id tells them apart). A notice names
 * the person by pseudonymous id and the field by name, never a value: the recipient asks for the
 * corrected value through a disclosure of its own. The person sees their notices in their export and
 * through {@code GET /api/v1/me/correction-notices}. Thread-safe.
 */
public final class CorrectionNotices {
  /** The statuses of a notice. */
  public static final String PENDING = "pending";
  public static final String DELIVERED = "delivered";
  public static final String FAILED = "failed";
  /** No webhook is registered for the recipient: the notice stays recorded for the privacy officer to pass on. */
  public static final String NO_ENDPOINT = "no-endpoint";
  private static final Duration MAX_WAIT = Duration.ofHours(1);

  /** Delivers one notice's body to an endpoint, signed; answers the HTTP status, or throws when the endpoint could not be reached. */
  public interface Transport {
    int post(Endpoint endpoint, byte[] body) throws Exception;
  }

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;
  private final Recipients recipients;

  public CorrectionNotices(Storage storage, Enforcer enforcer, Visibility visibility, Recipients recipients) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
    this.recipients = recipients;
  }

  /**
   * Records, in the correction's transaction {@code w}, one notice to each recipient that received any
   * of {@code fields} of the person (one a recipient and field, from the latest disclosure that carried it).
   * A legal release has no recipient to notify (its authority is told by the legal team).
   */
  public static int recordFor(Work w, String subjectId, Collection<String> fields, Instant now) {
    Map<String, Received> latest = new LinkedHashMap<>();
    for (Received r : w.disclosures().receivedAny(subjectId, fields)) {
      if (r.recipient() == null) {
        continue;
      }
      for (String f : r.fields()) {
        if (fields.contains(f)) {
          latest.put(r.recipient() + "\n" + f, r);
        }
      }
    }
    latest.forEach((key, r) -> {
      String field = key.substring(key.indexOf('\n') + 1);
      w.disclosures().addNotice(new Notice("cn-" + UUID.randomUUID(), subjectId, r.recipient(), field, r.disclosureId(), now, PENDING, 0, now, null));
    });
    return latest.size();
  }

  /** Sets where a recipient (registered, or named by the policy) takes its notices: an https URL (http only for a loopback address). */
  public Endpoint setEndpoint(Access by, String recipient, String url) {
    recipients.get(recipient); // NotFound for an unknown recipient
    URI uri;
    try {
      uri = url == null ? null : URI.create(url);
    } catch (IllegalArgumentException e) {
      uri = null;
    }
    boolean loopback = uri != null && uri.getHost() != null && (uri.getHost().equals("localhost") || uri.getHost().equals("127.0.0.1") || uri.getHost().equals("[::1]"));
    if (uri == null || uri.getHost() == null || uri.getUserInfo() != null || uri.getFragment() != null || url.length() > 2_000
        || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()) && loopback)) {
      throw new InvalidInputException("url", "the webhook is an https URL without credentials or fragment (http only on the loopback address)");
    }
    Endpoint e = new Endpoint(recipient, url, enforcer.clock().instant(), by.id());
    storage.useTransaction(w -> {
      w.disclosures().setEndpoint(e);
      w.audit(AuditRecord.recorded(by, "set-webhook").purpose(Vocabulary.PROTECT).rules(List.of("recipient:" + recipient)).clauses(List.of("C35")).build());
    });
    return e;
  }

  /** The notices owed because of the person's corrections, oldest first; only the person (or their service) sees them. */
  public List<Notice> of(Access by, String subjectId) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      return w.disclosures().notices(subjectId);
    });
  }

  /**
   * Delivers the notices due now, at most {@code limit}: each is posted outside any transaction, then
   * its outcome recorded — delivered on a 2xx; otherwise tried again after {@code base} doubled with
   * each attempt (at most an hour), and given up as failed after {@code maxAttempts}. Answers how many
   * were delivered.
   */
  public int deliverDue(Transport transport, int limit, Duration base, int maxAttempts) {
    Instant now = enforcer.clock().instant();
    List<Notice> due = storage.inTransaction(w -> w.disclosures().dueNotices(now, limit));
    int delivered = 0;
    for (Notice n : due) {
      Endpoint endpoint = storage.inTransaction(w -> w.disclosures().endpoint(n.recipient()).orElse(null));
      if (endpoint == null) {
        storage.useTransaction(w -> w.disclosures().noticeAttempted(n.id(), NO_ENDPOINT, n.attempts(), null, null));
        continue;
      }
      int status;
      try {
        status = transport.post(endpoint, body(n));
      } catch (Exception unreachable) {
        status = -1;
      }
      int attempts = n.attempts() + 1;
      Instant at = enforcer.clock().instant();
      if (status / 100 == 2) {
        delivered++;
        storage.useTransaction(w -> {
          w.disclosures().noticeAttempted(n.id(), DELIVERED, attempts, null, at);
          enforcer.record(w, AuditRecord.recorded(Access.system("correction-notices"), "notice-delivered").subject(n.subjectId())
              .purpose(Vocabulary.PROVIDE).rules(List.of("recipient:" + n.recipient(), "field:" + n.field())).clauses(List.of("C35")).build());
        });
      } else if (attempts >= maxAttempts) {
        storage.useTransaction(w -> w.disclosures().noticeAttempted(n.id(), FAILED, attempts, null, null));
      } else {
        Duration wait = base.multipliedBy(1L << Math.min(attempts - 1, 20));
        Instant next = at.plus(wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait);
        storage.useTransaction(w -> w.disclosures().noticeAttempted(n.id(), PENDING, attempts, next, null));
      }
    }
    return delivered;
  }

  /** The body a recipient receives: ids and a field's name, never a value. */
  public static byte[] body(Notice n) {
    String json = "{\"type\":\"correction\",\"notice\":\"" + n.id() + "\",\"disclosure\":\"" + n.disclosureId() + "\",\"subject\":\"" + n.subjectId()
        + "\",\"field\":\"" + n.field() + "\",\"corrected_at\":\"" + n.createdAt() + "\"}";
    return json.getBytes(StandardCharsets.UTF_8);
  }
}

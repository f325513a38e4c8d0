package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Disclosures made through the gateway (C23–C28, C34), the recipients' webhook endpoints, and the
 * correction notices owed to recipients that received a field later corrected (C35). Values never
 * cross this port: a disclosure records which fields of whom went where, not what they held.
 */
public interface DisclosureRecords {
  /** One disclosure: to whom ({@code recipient} null for a legal release, whose authority its request names), why, on which ground, by whom. */
  record Disclosure(String id, String recipient, String purpose, String ground, List<String> categories, String legalRequestId, String madeBy,
      Instant madeAt, int people) {
    public Disclosure {
      categories = List.copyOf(categories);
    }
  }

  /** The fields of one person that a disclosure released. */
  record Released(String subjectId, List<String> fields) {
    public Released {
      fields = List.copyOf(fields);
    }
  }

  /** A disclosure as one person's export shows it: where their fields went, why, when. */
  record Received(String disclosureId, String recipient, String purpose, String ground, List<String> fields, Instant at) {
    public Received {
      fields = List.copyOf(fields);
    }
  }

  /** A correction notice: a recipient that received {@code field} of the person is told that it was corrected. */
  record Notice(String id, String subjectId, String recipient, String field, String disclosureId, Instant createdAt, String status, int attempts,
      Instant nextAttemptAt, Instant deliveredAt) {}

  /** Where a recipient takes correction notices: a URL its webhook answers at. */
  record Endpoint(String recipient, String url, Instant setAt, String setBy) {}

  /** Records a disclosure and the fields of each person it released, together. */
  void add(Disclosure disclosure, List<Released> people);

  /** Every disclosure of the person's fields, oldest first. */
  List<Received> of(String subjectId);

  /** The disclosures that released any of {@code fields} of the person, oldest first: whom to tell of a correction. */
  List<Received> receivedAny(String subjectId, Collection<String> fields);

  /** Records a correction notice, pending delivery. */
  void addNotice(Notice notice);

  /** The person's correction notices, oldest first. */
  List<Notice> notices(String subjectId);

  /** Pending notices due at {@code now}, oldest first, at most {@code limit}. */
  List<Notice> dueNotices(Instant now, int limit);

  /** Records an attempt's outcome: its new status ({@code pending}, {@code delivered}, {@code failed}, {@code no-endpoint}), when to try next, when delivered. */
  void noticeAttempted(String id, String status, int attempts, Instant nextAttemptAt, Instant deliveredAt);

  /** Sets (or replaces) a recipient's webhook endpoint. */
  void setEndpoint(Endpoint endpoint);

  Optional<Endpoint> endpoint(String recipient);

  /** Disclosures made on one ground since a time, and how many people's data they released; no one named. */
  record ByGround(String ground, long disclosures, long people) {}

  /** The disclosures made at or after {@code since}, counted by ground (C23–C26, for internal reviews, C30). */
  List<ByGround> byGroundSince(Instant since);
}

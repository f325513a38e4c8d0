package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The consent ledger (C19, C24) and the consent requests services make. The ledger is append-only:
 * every grant and every withdrawal is a new {@link Entry}, chained by the store so that an edited,
 * removed or reordered entry is detected; nothing updates or deletes one but the erasure of the
 * person. The consents in force are derived from it, in the same transaction as each append.
 */
public interface ConsentRecords {
  /**
   * One entry of the ledger: a consent given ({@code granted}) or withdrawn, for a purpose (and a
   * recipient, for sharing), under a policy version, through a channel, by an actor ({@code kind:id}),
   * at a time, within a request, with the SHA-256 of the exact text the person was shown when there was
   * one. {@code seq} and {@code hash} are the entry's place in the chain: 0 and null until it is appended.
   */
  record Entry(String id, long seq, String purpose, String recipient, boolean granted, int policyVersion, String channel, String by, Instant at,
      String requestId, String shownSha256, String hash) {}

  /**
   * One consent as the person's history shows it, derived from the ledger: the grant ({@code id} is its
   * entry's id) and, once withdrawn, when.
   */
  record Consent(String id, String purpose, String recipient, int policyVersion, String grantedBy, Instant grantedAt, Instant withdrawnAt,
      String channel, String shownSha256) {}

  /** The derived state of one purpose and recipient: the latest entry of the ledger for them. */
  record State(String purpose, String recipient, boolean granted, int policyVersion, String entryId, long seq) {}

  /**
   * A service's request that the person consent to a use outside its declared purposes (C19), with the
   * reason it gives; {@code status} is {@code pending}, {@code granted} or {@code declined}, and
   * {@code consentId} the ledger entry of the grant.
   */
  record Request(String id, String service, String purpose, String recipient, String reason, String status, Instant requestedAt, Instant answeredAt,
      String consentId) {}

  /**
   * Takes the ledger's lock, held to the end of the transaction: appends, and the reading of the state
   * they follow from, happen one transaction after another, so the derived state always equals the
   * latest entry.
   */
  void lock();

  /** Appends an entry (its {@code seq} and {@code hash} are ignored) and sets the derived state from it; answers it with its place in the chain. */
  Entry append(String subjectId, Entry entry);

  /** The person's ledger, in the order of the chain. */
  List<Entry> ledger(String subjectId);

  /** The derived state of the person's consents, given and withdrawn. */
  List<State> states(String subjectId);

  /** How many entries the person's ledger holds. */
  int count(String subjectId);

  void addRequest(String subjectId, Request request);

  Optional<Request> request(String subjectId, String requestId);

  /** The person's consent requests, newest first. */
  List<Request> requests(String subjectId);

  /** Answers a pending request; false when it was not pending (any longer). */
  boolean answer(String subjectId, String requestId, String status, String consentId, Instant at);
}

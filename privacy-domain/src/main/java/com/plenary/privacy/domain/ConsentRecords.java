package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;

/** Consents as they are given and withdrawn. */
public interface ConsentRecords {
  /**
   * One consent: for a purpose (and a recipient, for sharing), under a policy version, given through a
   * channel of the person's own, with the SHA-256 of the text they were shown when there is one.
   */
  record Consent(String id, String purpose, String recipient, int policyVersion, String grantedBy, Instant grantedAt, Instant withdrawnAt,
      String channel, String shownSha256) {}

  void add(String subjectId, Consent consent);

  /** Withdraws the person's active consents for the purpose (and recipient, when given); returns how many. */
  int withdraw(String subjectId, String purpose, String recipient, Instant at);

  /** The person's consents, oldest first, withdrawn ones included. */
  List<Consent> of(String subjectId);

  int count(String subjectId);
}

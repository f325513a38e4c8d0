package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a review report reads about the platform as a whole: how many rows each store holds, the
 * denials in the audit trail, whether the audit chain is intact, and where the data is kept. Counts
 * and rules only: never a person's values.
 */
public interface Oversight {
  /** The audit chain's check: intact or not, and what is wrong when it is not. */
  record ChainCheck(boolean intact, long entries, long firstBrokenSeq, String detail) {}

  /** Rows by table, after every acknowledged usage event has reached its table. */
  Map<String, Long> counts();

  /** Denials since {@code since}, counted by actor kind and rule: "staff:staff-need-to-know" → 3. */
  Map<String, Long> denialsSince(Instant since);

  ChainCheck verifyChain();

  /** The stores personal data is kept in: name, kind and data centre of each; never credentials or paths. */
  List<Map<String, Object>> dataMap();
}

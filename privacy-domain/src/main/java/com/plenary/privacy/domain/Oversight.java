package com.plenary.privacy.domain;

import java.time.Instant;
import java.time.LocalDate;
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

  /** A count on a day (UTC), under a key: a source of events, a rule that denied, a kind of request. */
  record DayCount(LocalDate day, String key, long count) {}

  /** How many people have given and withdrawn a purpose's own consent (not one for sharing with a recipient), as it stands. */
  record PurposeConsents(String purpose, long given, long withdrawn) {}

  /**
   * The figures of the admin console's home: events collected a day by source, denials a day by rule,
   * people's requests still open by deadline day and kind (and how many are overdue), consents per purpose
   * out of the people registered, and the message outbox by status with the oldest message still waiting.
   * Counts only: no person, no value.
   */
  record Dashboard(long people, List<DayCount> events, List<DayCount> denials, List<DayCount> due, long overdue, List<PurposeConsents> consents,
      Map<String, Long> outbox, Instant oldestWaiting) {
    public Dashboard {
      events = List.copyOf(events);
      denials = List.copyOf(denials);
      due = List.copyOf(due);
      consents = List.copyOf(consents);
      outbox = Map.copyOf(outbox);
    }
  }

  /** The figures since {@code since} (requests due: from {@code now} on, those overdue apart). */
  Dashboard dashboard(Instant since, Instant now);

  /** The stores personal data is kept in: name, kind and data centre of each; never credentials or paths. */
  List<Map<String, Object>> dataMap();
}

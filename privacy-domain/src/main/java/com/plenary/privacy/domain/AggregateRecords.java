package com.plenary.privacy.domain;

import com.plenary.privacy.domain.aggregates.Dimension;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * What aggregate statistics read and keep (C27): the usage events of a period seen through the
 * dimensions asked, the releases made (for the differencing check and as the record of an aggregate
 * disclosure), and the privacy budgets spent. A release holds counts of groups of k or more and the
 * dimensions' values, never an id of a person.
 */
public interface AggregateRecords {
  /** Receives one event as an aggregate sees it. */
  @FunctionalInterface
  interface Sink {
    /**
     * {@code unit}: whom the event counts for — the person's pseudonymous id, or for an event of no
     * person its browser or partner record; {@code values}: the dimensions' values, in the order asked.
     */
    void accept(String unit, List<String> values);
  }

  /** A result given out: who asked, for whom, what was counted over which days, and the counts released (true counts, before any noise). */
  record Release(String id, Instant at, String by, String recipient, String unit, List<String> dimensions, LocalDate from, LocalDate to,
      BigDecimal epsilon, Map<List<String>, Long> cells) {
    public Release {
      dimensions = List.copyOf(dimensions);
      cells = Map.copyOf(cells);
    }
  }

  /**
   * Every usage event received in {@code [from, until)}, each opened only for {@code dimensions} (a
   * person's dimensions read from their registration, opened once a person), handed to {@code sink}
   * in the order received.
   */
  void scan(List<Dimension> dimensions, Instant from, Instant until, Sink sink);

  /** The cells of earlier releases counting {@code unit} by the same {@code dimensions} over a period that overlaps {@code [from, to]} (days, inclusive). */
  List<Map<List<String>, Long>> overlapping(String unit, List<String> dimensions, LocalDate from, LocalDate to);

  /** Keeps a release. */
  void record(Release release);

  /**
   * The ε {@code holder} has spent in {@code period} (zero when nothing yet), with the budget's row
   * locked to the end of the transaction, so that two queries cannot both spend the last of it.
   */
  BigDecimal lockBudget(String holder, String period);

  /** Sets what {@code holder} has spent in {@code period}, under the lock {@link #lockBudget} took. */
  void spend(String holder, String period, BigDecimal spent);
}

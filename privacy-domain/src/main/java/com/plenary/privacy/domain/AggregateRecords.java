package com.plenary.privacy.domain;

import com.plenary.privacy.domain.aggregates.Dimension;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What aggregate statistics read and keep (C27): the usage events of a period seen through the
 * dimensions asked, the releases made (for the differencing check and as the record of an aggregate
 * disclosure), and the privacy budgets spent. A release holds counts of groups of k or more and the
 * dimensions' values, never an id of a person.
 *
 * <p>The store groups and counts events by their dimensions itself, on tokens of the values it keeps
 * for that (a deterministic encryption: equal values, equal tokens), and opens only the distinct
 * groups: no event's details and no person's registration are opened to count them. Every method
 * below answers in values (a country, an age band on the period's last day, a day), never in tokens.
 */
public interface AggregateRecords {
  /** Receives the events of one unit in one group, as an aggregate sees them. */
  @FunctionalInterface
  interface Sink {
    /**
     * {@code unit}: whom the events count for — the person's pseudonymous id, or for an event of no
     * person its browser or partner record; {@code values}: the dimensions' values, in the order asked;
     * {@code events}: how many of the unit's events have those values (one or more).
     */
    void accept(String unit, List<String> values, long events);
  }

  /** A group's counts: its distinct units (people, or browsers and partner records for events of no person) and its events. */
  record Tally(long units, long events) {
    /** The counts of two groups of disjoint units taken together. */
    public Tally plus(Tally o) {
      return new Tally(units + o.units, events + o.events);
    }
  }

  /** The counts of a period by the finest dimensions (each cell) and by a query's dimensions (each cell, every event of the period). */
  record Grouped(Map<List<String>, Tally> finest, Map<List<String>, Tally> query) {
    public Grouped {
      finest = Map.copyOf(finest);
      query = Map.copyOf(query);
    }
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
   * The usage events received in {@code [from, until)}, grouped by unit and {@code dimensions}: each
   * unit's events of each group handed to {@code sink} once, with their number, in no set order. For a
   * count that needs each person's own share (a bounded count).
   */
  void scan(List<Dimension> dimensions, Instant from, Instant until, Sink sink);

  /**
   * The usage events received in {@code [from, until)} counted by {@code finest} and, in the same pass,
   * by {@code query} (whose dimensions are among {@code finest}): each cell's distinct units and events.
   */
  Grouped group(List<Dimension> finest, List<Dimension> query, Instant from, Instant until);

  /**
   * The distinct units of each cell of {@code cells} (by {@code query}'s dimensions) among the events of
   * {@code [from, until)} whose cell by {@code finest} {@code counted} accepts: a query's cells counted
   * again without the finest cells that were withheld. A cell with none is left out. The store tests
   * {@code counted} once for each distinct finest group (not for each unit or event) and counts the
   * distinct units itself: its answer is one figure a cell.
   */
  Map<List<String>, Long> recount(List<Dimension> finest, List<Dimension> query, Instant from, Instant until, Set<List<String>> cells,
      Predicate<List<String>> counted);

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

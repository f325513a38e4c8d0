package com.plenary.privacy.domain.aggregates;

import java.math.BigDecimal;

/**
 * The limits of aggregate statistics (C27), from the configuration: the longest period one query may
 * cover, and for differentially private answers the ε each recipient (or caller) may spend in a
 * calendar month and the bound on each person's contribution.
 *
 * @param maxDays the longest period, in whole days
 * @param epsilonPerMonth the privacy budget of one recipient in one calendar month (UTC)
 * @param maxCellsPerPerson in a noisy answer, the most cells one person counts in (their first ones, in time order)
 * @param maxEventsPerCell in a noisy count of events, the most events of one person one cell counts
 */
public record AggregateLimits(int maxDays, BigDecimal epsilonPerMonth, int maxCellsPerPerson, int maxEventsPerCell) {
  public static final int DEFAULT_MAX_DAYS = 366;
  public static final BigDecimal DEFAULT_EPSILON_PER_MONTH = BigDecimal.ONE;
  public static final int DEFAULT_MAX_CELLS_PER_PERSON = 4;
  public static final int DEFAULT_MAX_EVENTS_PER_CELL = 10;
  public static final AggregateLimits DEFAULTS = new AggregateLimits(DEFAULT_MAX_DAYS, DEFAULT_EPSILON_PER_MONTH, DEFAULT_MAX_CELLS_PER_PERSON,
      DEFAULT_MAX_EVENTS_PER_CELL);

  public AggregateLimits {
    if (maxDays < 1 || maxCellsPerPerson < 1 || maxEventsPerCell < 1) {
      throw new IllegalArgumentException("aggregate limits must be positive");
    }
    if (epsilonPerMonth == null || epsilonPerMonth.signum() <= 0) {
      throw new IllegalArgumentException("epsilonPerMonth <= 0");
    }
  }
}

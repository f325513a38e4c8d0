package com.plenary.privacy.domain.messages;

import java.time.Duration;

/**
 * The outbox's limits: at most {@code marketingPerPerson} marketing messages to one person within
 * {@code marketingWindow} (C16); a transient failure is tried again after {@code retryBase}, doubling,
 * up to {@code maxAttempts} attempts in all; a service queues at most {@code perServicePerMinute} messages
 * within any minute.
 */
public record MessageLimits(int marketingPerPerson, Duration marketingWindow, Duration retryBase, int maxAttempts, int perServicePerMinute) {
  public static final int DEFAULT_MARKETING_PER_PERSON = 2;
  public static final Duration DEFAULT_MARKETING_WINDOW = Duration.ofDays(7);
  public static final Duration DEFAULT_RETRY_BASE = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_ATTEMPTS = 10;
  /** Messages one service may queue within a minute: ten bulk sends of the largest size. */
  public static final int DEFAULT_PER_SERVICE_PER_MINUTE = 100_000;
  public static final MessageLimits DEFAULTS = new MessageLimits(DEFAULT_MARKETING_PER_PERSON, DEFAULT_MARKETING_WINDOW, DEFAULT_RETRY_BASE,
      DEFAULT_MAX_ATTEMPTS, DEFAULT_PER_SERVICE_PER_MINUTE);

  public MessageLimits {
    if (marketingPerPerson < 0) {
      throw new IllegalArgumentException("marketingPerPerson < 0");
    }
    if (marketingWindow.isNegative() || retryBase.isNegative() || retryBase.isZero()) {
      throw new IllegalArgumentException("marketingWindow < 0 or retryBase <= 0");
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts < 1");
    }
    if (perServicePerMinute < 1) {
      throw new IllegalArgumentException("perServicePerMinute < 1");
    }
  }

  /** Limits with the default per-service rate. */
  public MessageLimits(int marketingPerPerson, Duration marketingWindow, Duration retryBase, int maxAttempts) {
    this(marketingPerPerson, marketingWindow, retryBase, maxAttempts, DEFAULT_PER_SERVICE_PER_MINUTE);
  }

  /** The wait before attempt {@code attempts + 1}: the base, doubled for each attempt made, at most an hour. */
  public Duration backOff(int attempts) {
    Duration d = retryBase.multipliedBy(1L << Math.min(Math.max(attempts - 1, 0), 20));
    return d.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : d;
  }
}
